"""The problem registry: one name -> problem-class map.

Shipped problems and those advertised by installed distributions in the entry
point group ``nnopt.problems`` are merged into one plain dict the first time it
is needed; classes are imported only when asked for, then cached. A name used
twice, or a plugin that fails to import or breaks the contract, becomes a
warning that names the distribution and the cause; everything else keeps
working. :func:`register_problem` adds a class at run time and validates it on
the spot.
"""
from __future__ import annotations

import importlib
import inspect
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TypeVar

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
_SHIPPED_ORIGIN = "nnopt (shipped)"


class PluginWarning(UserWarning):
    """A problem plugin was skipped (duplicate name, import failure, contract breach)."""


class UnknownProblemError(NnoptError, LookupError):
    """No usable problem of that name is registered."""


@dataclass
class ProblemEntry:
    """One registered problem: where it comes from and, once imported, its class."""

    name: str
    origin: str
    target: str
    loader: Callable[[], object] | None = None
    cls: type[Problem] | None = None
    error: str | None = field(default=None)


_entries: dict[str, ProblemEntry] | None = None

P = TypeVar("P", bound=type)


def _import_target(target: str) -> object:
    module, _, attr = target.partition(":")
    obj: object = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _discover() -> dict[str, ProblemEntry]:
    entries = {
        name: ProblemEntry(name, _SHIPPED_ORIGIN, target, loader=lambda t=target: _import_target(t))
        for name, target in _SHIPPED.items()
    }
    try:
        eps = list(entry_points(group=ENTRY_POINT_GROUP))
    except Exception as exc:  # a corrupt installed distribution must not break nnopt
        warnings.warn(f"could not read '{ENTRY_POINT_GROUP}' entry points: {exc}", PluginWarning, stacklevel=3)
        eps = []
    for ep in sorted(eps, key=lambda e: (e.name, e.value)):
        dist = getattr(ep, "dist", None)
        origin = f"{dist.name} {dist.version}" if dist is not None else f"entry point {ep.value}"
        if ep.name in entries:
            first = entries[ep.name]
            if first.target == ep.value:
                continue  # the same class advertised twice (e.g. an editable install) is no clash
            warnings.warn(
                f"problem plugin {ep.name!r} from {origin} ({ep.value}) ignored: "
                f"the name is already taken by {first.origin} ({first.target})",
                PluginWarning,
                stacklevel=3,
            )
            continue
        entries[ep.name] = ProblemEntry(ep.name, origin, ep.value, loader=ep.load)
    return entries


def _registry() -> dict[str, ProblemEntry]:
    global _entries
    if _entries is None:
        _entries = _discover()
    return _entries


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


def _load(entry: ProblemEntry) -> type[Problem] | None:
    if entry.cls is not None or entry.error is not None:
        return entry.cls
    assert entry.loader is not None
    try:
        obj = entry.loader()
        validate_problem_class(obj, expected_name=entry.name)
    except Exception as exc:
        entry.error = f"{type(exc).__name__}: {exc}"
        warnings.warn(
            f"problem plugin {entry.name!r} from {entry.origin} ({entry.target}) skipped: {entry.error}",
            PluginWarning,
            stacklevel=3,
        )
        return None
    entry.cls = obj  # type: ignore[assignment]
    return entry.cls


def available_problems() -> list[str]:
    """Names of all registered problems (plugins are not imported)."""
    return sorted(_registry())


def problem_entries(load: bool = True) -> list[ProblemEntry]:
    """All entries, imported when ``load`` (broken ones keep their ``error``)."""
    entries = [_registry()[name] for name in sorted(_registry())]
    if load:
        for entry in entries:
            _load(entry)
    return entries


def get_problem_class(name: str) -> type[Problem]:
    """The class registered under ``name``; :class:`UnknownProblemError` if none."""
    entry = _registry().get(name)
    if entry is None:
        known = ", ".join(available_problems()) or "none"
        raise UnknownProblemError(f"unknown problem {name!r} (known: {known})")
    cls = _load(entry)
    if cls is None:
        raise UnknownProblemError(f"problem {name!r} from {entry.origin} cannot be used: {entry.error}")
    return cls


def get_problem(name: str) -> Problem:
    """A ready-to-use object of the problem registered under ``name``."""
    return get_problem_class(name)()


def register_problem(cls: P, *, replace: bool = False) -> P:
    """Register ``cls`` under ``cls.name`` now (usable as a class decorator).

    The class is validated on the spot. Registering a taken name is an error
    naming both origins, unless ``replace`` is true.
    """
    validate_problem_class(cls)
    name = cls.name  # type: ignore[attr-defined]
    registry = _registry()
    origin = f"register_problem({cls.__module__}.{cls.__qualname__})"
    if name in registry and not replace:
        first = registry[name]
        if first.cls is cls:
            return cls
        raise ValueError(f"problem name {name!r} is already taken by {first.origin} ({first.target}); "
                         f"cannot register {origin} (pass replace=True to override)")
    registry[name] = ProblemEntry(name, origin, f"{cls.__module__}:{cls.__qualname__}", cls=cls)  # type: ignore[arg-type]
    return cls


def unregister_problem(name: str) -> None:
    """Forget ``name`` (tests, notebooks); a shipped problem comes back on :func:`reset`."""
    _registry().pop(name, None)


def reset() -> None:
    """Drop the cached map; the next use discovers everything again."""
    global _entries
    _entries = None
