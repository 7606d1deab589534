"""The method registry: one name -> method map, built-ins and plugins alike.

nnopt's own methods register themselves with :func:`register_method` next to
their code; the modules that hold them are listed in :data:`SHIPPED_MODULES` and
imported the first time the map is needed. Installed distributions add methods
through the entry point group ``nnopt.methods`` (``name = "module:Class"``),
loaded when first asked for (the discovery, caching and warnings are those of
:class:`~nnopt.problems._plugin_registry.PluginRegistry`). A plugin that fails to import, breaks the
contract or reuses a taken name becomes a :class:`PluginWarning` naming its
distribution; everything else keeps working.
"""
from __future__ import annotations

import difflib
from typing import Any, TypeVar

from nnopt.problems import Problem
from nnopt.problems._plugin_registry import SHIPPED_ORIGIN, PluginEntry, PluginRegistry
from nnopt.solver._budget import Budget
from nnopt.solver._incumbent import ProgressCallback, SearchResult
from nnopt.solver._method import (
    Method,
    RunContext,
    UnknownMethodError,
    UnsupportedMethodError,
    validate_method,
)

__all__ = [
    "DEFAULT_METHOD",
    "ENTRY_POINT_GROUP",
    "SHIPPED_MODULES",
    "MethodEntry",
    "available_methods",
    "get_method",
    "method_entries",
    "register_method",
    "run_method",
    "unregister_method",
]

ENTRY_POINT_GROUP = "nnopt.methods"
#: Modules whose import registers nnopt's own methods. A new built-in method
#: registers itself at the bottom of its module; a new module is one line here.
SHIPPED_MODULES: tuple[str, ...] = (
    "nnopt.solver.random_search",
    "nnopt.solver.local_search",
    "nnopt.solver.cem",
    "nnopt.solver.ruin_recreate",
    "nnopt.solver.brkga",
    "nnopt.solver.portfolio",
    "nnopt.solver.engine_methods",
    "nnopt.baselines.binpack2d_heuristics",
    "nnopt.baselines.binpack2d_cpsat",
    "nnopt.baselines.tsp_baselines",
)
#: The method ``nnopt solve`` runs when none is named (benchmarks/results/ablation.md).
DEFAULT_METHOD = "nnopt"


class MethodEntry(PluginEntry[Method]):
    """One registered method: where it comes from and, once loaded, the method itself (``method``)."""

    @property
    def method(self) -> Method | None:
        return self.value


M = TypeVar("M")

#: Registering happens while the shipped modules are imported, so it does not discover first;
#: an installed plugin that reuses a name registered here is the one warned about and ignored.
_REGISTRY: PluginRegistry[Method] = PluginRegistry(
    group=ENTRY_POINT_GROUP, kind="method", validate=validate_method, shipped_modules=SHIPPED_MODULES,
    entry_type=MethodEntry, discover_before_register=False)


def _origin_of(method: Method) -> str:
    module = type(method).__module__
    return SHIPPED_ORIGIN if module.startswith("nnopt.") else f"register_method({module})"


def register_method(method: M, *, replace: bool = False) -> M:
    """Register a :class:`Method` (an object, or a class built with no arguments) under its name.

    Usable as a class decorator. A taken name is an error naming both origins
    unless ``replace``; registering the same kind of method again (a module
    imported twice) replaces it quietly.
    """
    obj = validate_method(method)
    target = f"{type(obj).__module__}:{type(obj).__qualname__}"
    _REGISTRY.register(obj.name, obj, origin=_origin_of(obj), target=target, shown=target, replace=replace)
    return method


def unregister_method(name: str) -> None:
    """Forget ``name`` (tests, notebooks)."""
    _REGISTRY.unregister(name)


def _registry() -> dict[str, PluginEntry[Method]]:
    return _REGISTRY.entries()


def _load(entry: PluginEntry[Method]) -> Method | None:
    return _REGISTRY.load(entry)


def method_entries() -> list[MethodEntry]:
    """Every entry, loaded (broken plugins keep their ``error``), in registration order."""
    return _REGISTRY.loaded()  # type: ignore[return-value]  # the registry holds MethodEntry objects


def available_methods(problem: Problem | None = None) -> list[Method]:
    """The usable methods, in registration order; only those that solve ``problem`` when given."""
    found = [e.method for e in method_entries() if e.method is not None]
    return [m for m in found if problem is None or m.supports(problem)]


def _aliases() -> dict[str, tuple[Method, dict[str, str]]]:
    out: dict[str, tuple[Method, dict[str, str]]] = {}
    for method in available_methods():
        for alias, params in method.aliases().items():
            out.setdefault(alias, (method, params))
    return out


def get_method(name: str, problem: Problem | None = None, **params: str) -> Method:
    """The method registered as ``name`` (or an alias such as ``maxrects-bssf-area``), configured by ``params``.

    Unknown names raise :class:`UnknownMethodError` with the closest names —
    among ``problem``'s methods when it is given.
    """
    entry = _registry().get(name)
    method = _load(entry) if entry is not None else None
    alias: dict[str, str] = {}
    if method is None and entry is None:
        found = _aliases().get(name)
        if found is not None:
            method, alias = found
    if method is None:
        if entry is not None:
            raise UnknownMethodError(f"method {name!r} from {entry.origin} cannot be used: {entry.error}")
        pool = [m.name for m in available_methods(problem)]
        # aliases of the problem's methods only: binpack2d's ~190 heuristic aliases are no hint for a plugin
        aliases = [a for a, (m, _) in _aliases().items() if m.name in pool]
        close = difflib.get_close_matches(name, pool + aliases, n=4, cutoff=0.6)
        if problem is None:
            hint = f"closest: {', '.join(close)}" if close else f"known: {', '.join(pool)}"
            raise UnknownMethodError(f"unknown method {name!r} ({hint}; see `nnopt methods`)")
        closest = f"closest: {', '.join(close)}; " if close else ""
        raise UnknownMethodError(f"unknown method {name!r} ({closest}methods for {problem.name}: {', '.join(pool)}; "
                                 f"see `nnopt methods {problem.name}`)")
    merged = {**alias, **params}
    return method.configure(**merged) if merged else method


def run_method(method: Method, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
               on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
    """Run ``method`` after checking that it solves ``problem`` (else a one-line :class:`UnsupportedMethodError`)."""
    why = method.unsupported(problem)
    if why is not None:
        raise UnsupportedMethodError(f"method {method.name!r} does not solve {problem.name!r}: {why}")
    return method.run(problem, instance, budget, seed, on_improve, context or RunContext())
