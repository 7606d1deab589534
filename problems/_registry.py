"""The problem registry: one name -> problem-class map.

Shipped problems and those advertised by installed distributions in the entry
point group ``nnopt.problems`` are merged into one map (a
:class:`~nnopt.problems._plugin_registry.PluginRegistry`) the first time it is
needed; classes are imported only when asked for, then cached. A name used
twice, or a plugin that fails to import or breaks the contract, becomes a
warning that names the distribution and the cause; everything else keeps
working. :func:`register_problem` adds a class at run time and validates it on
the spot.
"""
from __future__ import annotations

import inspect
import re
from typing import TypeVar

from nnopt.problems._plugin_registry import PluginEntry, PluginRegistry, PluginWarning
from nnopt.problems.base import Problem
from nnopt.problems.capabilities import validate_capabilities
from nnopt.problems.errors import NnoptError

__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginWarning",
    "UnknownProblemError",
    "ProblemEntry",
    "available_problems",
    "get_problem",
    "get_problem_class",
    "problem_entries",
    "register_problem",
    "unregister_problem",
    "validate_problem_class",
]

ENTRY_POINT_GROUP = "nnopt.problems"

#: The problems that ship with nnopt, as import targets (imported lazily).
_SHIPPED = {
    "binpack2d": "nnopt.problems.binpack2d:BinPack2D",
    "tsp": "nnopt.problems.tsp:TSP",
}


class UnknownProblemError(NnoptError, LookupError):
    """No usable problem of that name is registered."""


class ProblemEntry(PluginEntry[type[Problem]]):
    """One registered problem: where it comes from and, once imported, its class (``cls``)."""

    @property
    def cls(self) -> type[Problem] | None:
        return self.value


P = TypeVar("P", bound=type)


def validate_problem_class(cls: object, expected_name: str | None = None) -> None:
    """Raise ``TypeError`` naming the first way ``cls`` breaks the contract."""
    if not inspect.isclass(cls):
        raise TypeError(f"{cls!r} is not a class")
    if not issubclass(cls, Problem):
        raise TypeError(f"{cls.__qualname__} does not subclass nnopt.problems.Problem")
    name = getattr(cls, "name", "")
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        hint = f" (e.g. {re.sub(r'[^A-Za-z0-9_]', '_', name)!r})" if isinstance(name, str) and name else ""
        raise TypeError(f"{cls.__qualname__}.name must be a Python identifier{hint}, got {name!r}")
    if expected_name is not None and name != expected_name:
        raise TypeError(f"{cls.__qualname__}.name is {name!r} but it is registered as {expected_name!r}")
    abstract = sorted(getattr(cls, "__abstractmethods__", ()))
    if abstract:
        owners = {hook: next((c.__name__ for c in cls.__mro__ if hook in vars(c) and c is not cls), "Problem")
                  for hook in abstract}
        raise TypeError(f"{cls.__qualname__} does not implement "
                        f"{', '.join(f'{h} ({owners[h]})' for h in abstract)}")
    for attr in ("encodings", "decoders"):
        value = getattr(cls, attr)
        if not isinstance(value, tuple) or not value or not all(isinstance(v, str) for v in value):
            raise TypeError(f"{cls.__qualname__}.{attr} must be a non-empty tuple of names, got {value!r}")
    unknown = [d for d in getattr(cls, "search_decoders", ()) if d not in cls.decoders]
    if unknown:
        raise TypeError(f"{cls.__qualname__}.search_decoders names unknown decoder {unknown[0]!r}")
    for encoding, names in (getattr(cls, "encoding_search_decoders", None) or {}).items():
        if encoding not in cls.encodings:
            raise TypeError(f"{cls.__qualname__}.encoding_search_decoders names unknown encoding {encoding!r}")
        unknown = [d for d in names if d not in cls.decoders]
        if unknown:
            raise TypeError(f"{cls.__qualname__}.encoding_search_decoders[{encoding!r}] names unknown decoder "
                            f"{unknown[0]!r}")
    validate_capabilities(cls)
    if not isinstance(getattr(cls, "description", None), str):
        raise TypeError(f"{cls.__qualname__}.description must be a string")


def _checked_class(obj: object, expected_name: str | None) -> type[Problem]:
    validate_problem_class(obj, expected_name)
    return obj  # type: ignore[return-value]  # validated: a Problem subclass


_REGISTRY: PluginRegistry[type[Problem]] = PluginRegistry(
    group=ENTRY_POINT_GROUP, kind="problem", validate=_checked_class, shipped_targets=_SHIPPED,
    entry_type=ProblemEntry)


def available_problems() -> list[str]:
    """Names of all registered problems (plugins are not imported)."""
    return sorted(_REGISTRY.entries())


def problem_entries(load: bool = True) -> list[ProblemEntry]:
    """All entries, imported when ``load`` (broken ones keep their ``error``)."""
    entries = [_REGISTRY.entries()[name] for name in sorted(_REGISTRY.entries())]
    if load:
        for entry in entries:
            _REGISTRY.load(entry)
    return entries  # type: ignore[return-value]  # the registry holds ProblemEntry objects


def get_problem_class(name: str) -> type[Problem]:
    """The class registered under ``name``; :class:`UnknownProblemError` if none."""
    entry = _REGISTRY.entries().get(name)
    if entry is None:
        known = ", ".join(available_problems()) or "none"
        raise UnknownProblemError(f"unknown problem {name!r} (known: {known})")
    cls = _REGISTRY.load(entry)
    if cls is None:
        raise UnknownProblemError(f"problem {name!r} from {entry.origin} cannot be used: {entry.error}")
    return cls


def get_problem(name: str) -> Problem:
    """A ready-to-use object of the problem registered under ``name``."""
    return get_problem_class(name)()


def register_problem(cls: P, *, replace: bool = False) -> P:
    """Register ``cls`` under ``cls.name`` now (usable as a class decorator).

    The class is validated on the spot. Registering a taken name is an error
    naming both origins, unless ``replace``.
    """
    checked = _checked_class(cls, None)
    origin = f"register_problem({cls.__module__}.{cls.__qualname__})"
    _REGISTRY.register(checked.name, checked, origin=origin, target=f"{cls.__module__}:{cls.__qualname__}",
                       shown=origin, replace=replace)
    return cls


def unregister_problem(name: str) -> None:
    """Forget ``name`` (tests, notebooks); a shipped problem comes back on :func:`reset`."""
    _REGISTRY.unregister(name)


def reset() -> None:
    """Drop the cached map; the next use discovers everything again."""
    _REGISTRY.reset()
