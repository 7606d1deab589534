"""Methods as plugins: the :class:`Method` contract, the registry, and how to add one.

Every way of solving — the engine's searches, the classic heuristics, exact
models, a plugin's own baseline — is a :class:`Method` with one ``run``
signature, found by name in one registry. ``nnopt.solve``, ``nnopt methods`` and
``nnopt bench`` use nothing else.

A built-in method registers itself at the bottom of the module that holds its
code (if the module is new, add it to :data:`SHIPPED_MODULES`)::

    from nnopt.problems import SolutionSearch
    from nnopt.solver.methods import Budget, Method, RunContext, SearchResult, register_method

    class Greedy(Method):
        name = "greedy"
        description = "one greedy construction, then ruin and recreate"
        requires = (SolutionSearch,)               # problem capabilities run() uses

        def unsupported(self, problem):            # None, or why not in one line
            why = super().unsupported(problem)     # names a missing capability of `requires`
            if why is None and "assignment" not in problem.encodings:
                why = "needs the 'assignment' encoding"
            return why

        def run(self, problem, instance, budget, seed=0, on_improve=None, context=None) -> SearchResult:
            ...                                      # the budget's clock is already running

    register_method(Greedy())

A plugin distribution advertises it instead (``pyproject.toml``)::

    [project.entry-points."nnopt.methods"]
    greedy = "mypackage:Greedy"

and runs the contract suite :func:`nnopt.solver.testing.method_checks` in its tests.
Parameters (``parameters = {"order": ("best", "area", ...)}``) become
``--param order=area`` on the command line, and ``NAME-VALUE`` aliases.
"""
from __future__ import annotations

from nnopt.solver._budget import DEFAULT_TIME_LIMIT, Budget
from nnopt.solver._incumbent import ProgressCallback, SearchResult
from nnopt.solver._method import (
    Method,
    MethodError,
    RunContext,
    UnknownMethodError,
    UnsupportedMethodError,
    validate_method,
)
from nnopt.solver._method_registry import (
    DEFAULT_METHOD,
    ENTRY_POINT_GROUP,
    SHIPPED_MODULES,
    MethodEntry,
    available_methods,
    get_method,
    method_entries,
    register_method,
    run_method,
    unregister_method,
)

__all__ = [
    "DEFAULT_METHOD",
    "DEFAULT_TIME_LIMIT",
    "ENTRY_POINT_GROUP",
    "SHIPPED_MODULES",
    "Budget",
    "Method",
    "MethodEntry",
    "MethodError",
    "ProgressCallback",
    "RunContext",
    "SearchResult",
    "UnknownMethodError",
    "UnsupportedMethodError",
    "available_methods",
    "get_method",
    "method_entries",
    "register_method",
    "run_method",
    "unregister_method",
    "validate_method",
]
