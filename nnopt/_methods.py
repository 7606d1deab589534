"""The solution methods users pick with ``--method``: one table, name -> runner.

The face of the package is the one place that sees both the engine
(``nnopt.solver``) and the problem-specific baselines, so the table lives here.
Every runner takes the same arguments and returns a :class:`SearchResult`;
``nnopt.solve`` verifies whatever it returns.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnopt.problems.base import Problem
from nnopt.solver import Budget, SearchResult, random_key_search
from nnopt.solver._incumbent import ProgressCallback

__all__ = ["Method", "METHODS", "DEFAULT_METHOD", "get_method", "methods_for"]

#: (problem, instance, budget, seed, on_improve, threads) -> SearchResult
Runner = Callable[[Problem, Any, Budget, int, "ProgressCallback | None", "int | None"], SearchResult]


@dataclass(frozen=True)
class Method:
    name: str
    description: str
    run: Runner
    problems: tuple[str, ...] | None = None  # None: every problem

    def supports(self, problem: Problem) -> bool:
        return self.problems is None or problem.name in self.problems


def _random_keys(problem: Problem, instance: Any, budget: Budget, seed: int,
                 on_improve: ProgressCallback | None, threads: int | None) -> SearchResult:
    return random_key_search(problem, instance, budget, seed=seed, on_improve=on_improve)


def _binpack_heuristic(rule: str | None, order: str | None) -> Runner:
    def run(problem: Problem, instance: Any, budget: Budget, seed: int,
            on_improve: ProgressCallback | None, threads: int | None) -> SearchResult:
        from nnopt.baselines.binpack2d_heuristics import best_heuristic, run_heuristic

        found = best_heuristic(instance) if rule is None else run_heuristic(instance, rule, order)
        cost = float(problem.cost(instance, [found.packing])[0])
        return SearchResult(found.packing, float(found.bins), cost, evaluations=0, seconds=budget.elapsed,
                            status="heuristic", decoder=f"{found.rule}/{found.order}")

    return run


def _binpack_cpsat(problem: Problem, instance: Any, budget: Budget, seed: int,
                   on_improve: ProgressCallback | None, threads: int | None) -> SearchResult:
    from nnopt.baselines.binpack2d_cpsat import solve_cpsat
    from nnopt.baselines.binpack2d_heuristics import best_heuristic

    hint = best_heuristic(instance).packing
    limit = budget.time_limit if budget.time_limit is not None else 10.0
    found = solve_cpsat(instance, time_limit=max(0.1, limit - budget.elapsed), hint=hint,
                        workers=threads or 0, seed=seed)
    if found.packing is None:  # cannot happen with a hint; kept as a clear failure
        raise RuntimeError("cpsat returned no packing although it was given a hint")
    cost = float(problem.cost(instance, [found.packing])[0])
    return SearchResult(found.packing, float(found.objective), cost, evaluations=0, seconds=budget.elapsed,
                        status=found.status.lower(), bound=float(found.bound))


def _table() -> dict[str, Method]:
    from nnopt.baselines.binpack2d_heuristics import ORDERS, RULES

    table = {
        "random-keys": Method(
            "random-keys",
            "the problem's heuristic orders, then uniform random keys, decoded by every decoder",
            _random_keys,
        ),
        "cpsat": Method("cpsat", "exact OR-Tools CP-SAT model (hinted by the best heuristic; proves optima)",
                        _binpack_cpsat, ("binpack2d",)),
        "best-heuristic": Method("best-heuristic", "best of every placement rule over every sort order",
                                 _binpack_heuristic(None, None), ("binpack2d",)),
    }
    for rule in RULES:
        table[rule] = Method(rule, f"{rule} placement, best of the sort orders {', '.join(ORDERS)}",
                             _binpack_heuristic(rule, None), ("binpack2d",))
        for order in ORDERS:
            name = f"{rule}-{order}"
            table[name] = Method(name, f"{rule} placement, items by decreasing {order}",
                                 _binpack_heuristic(rule, order), ("binpack2d",))
    return table


METHODS: dict[str, Method] = _table()
#: Until the neural engine lands, random-key search is the default.
DEFAULT_METHOD = "random-keys"


def get_method(name: str) -> Method:
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"unknown method {name!r} (known: see `nnopt methods`)") from None


def methods_for(problem: Problem) -> list[Method]:
    return [m for m in METHODS.values() if m.supports(problem)]
