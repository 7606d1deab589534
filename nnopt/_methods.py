"""The solution methods users pick with ``--method``: one table, name -> runner.

The face of the package is the one place that sees both the engine
(``nnopt.solver``) and the problem-specific baselines, so the table lives here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnopt.problems.base import Problem
from nnopt.solver import Budget, SearchResult, random_key_search
from nnopt.solver._incumbent import ProgressCallback

__all__ = ["Method", "METHODS", "DEFAULT_METHOD", "get_method", "methods_for"]

Runner = Callable[[Problem, Any, Budget, int, "ProgressCallback | None"], SearchResult]


@dataclass(frozen=True)
class Method:
    name: str
    description: str
    run: Runner
    problems: tuple[str, ...] | None = None  # None: every problem

    def supports(self, problem: Problem) -> bool:
        return self.problems is None or problem.name in self.problems


def _random_keys(problem: Problem, instance: Any, budget: Budget, seed: int,
                 on_improve: ProgressCallback | None) -> SearchResult:
    return random_key_search(problem, instance, budget, seed=seed, on_improve=on_improve)


METHODS: dict[str, Method] = {
    "random-keys": Method(
        "random-keys",
        "the problem's heuristic orders, then uniform random keys, decoded by every decoder",
        _random_keys,
    ),
}
#: Until the neural engine lands, random-key search is the default.
DEFAULT_METHOD = "random-keys"


def get_method(name: str) -> Method:
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"unknown method {name!r} (known: {', '.join(sorted(METHODS))})") from None


def methods_for(problem: Problem) -> list[Method]:
    return [m for m in METHODS.values() if m.supports(problem)]
