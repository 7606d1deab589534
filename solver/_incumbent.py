"""The best solution seen so far, and the result record every search returns."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnopt.problems.base import Problem

__all__ = ["Incumbent", "SearchResult", "ProgressCallback"]

#: Called on every improvement with (evaluations, seconds, objective, cost).
ProgressCallback = Callable[[int, float, float, float], None]


@dataclass
class SearchResult:
    """What a search hands back: the best solution and how it was found."""

    solution: Any
    objective: float
    cost: float
    evaluations: int
    seconds: float
    status: str
    decoder: str | None = None
    encoding: np.ndarray | None = None
    trace: list[tuple[int, float, float, float]] = field(default_factory=list)
    #: A lower bound the method proved itself (exact methods), else None.
    bound: float | None = None
    #: Method-specific diagnostics (the engine: its scheduler's counts and spending).
    info: dict[str, Any] = field(default_factory=dict)
    #: What a user should read next to the result (e.g. "network skipped: ..."), one line each.
    notes: list[str] = field(default_factory=list)


class Incumbent:
    """Keeps the best solution by (objective, cost); ties keep the earlier one."""

    def __init__(self, problem: Problem, instance: Any, on_improve: ProgressCallback | None = None) -> None:
        self.problem, self.instance, self.on_improve = problem, instance, on_improve
        self.solution: Any = None
        self.objective = float("inf")
        self.cost = float("inf")
        self.decoder: str | None = None
        self.encoding: np.ndarray | None = None
        self.trace: list[tuple[int, float, float, float]] = []

    def offer(self, solutions: Sequence[Any], costs: np.ndarray, X: np.ndarray, decoder: str | None,
              evals: int, seconds: float) -> bool:
        """Consider a decoded batch; returns whether the incumbent improved."""
        if len(solutions) == 0:
            return False
        i = int(np.argmin(costs))
        cost = float(costs[i])
        if cost >= self.cost and self.solution is not None:
            return False
        sol = solutions[i]
        obj = float(self.problem.objective(self.instance, sol))
        if (obj, cost) >= (self.objective, self.cost):
            return False
        self.solution, self.objective, self.cost = sol, obj, cost
        self.decoder, self.encoding = decoder, np.array(X[i], copy=True)
        self.trace.append((evals, seconds, obj, cost))
        if self.on_improve is not None:
            self.on_improve(evals, seconds, obj, cost)
        return True

    def result(self, evaluations: int, seconds: float, status: str) -> SearchResult:
        if self.solution is None:
            if status == "interrupted":  # interrupted while starting: the caller falls back (nnopt.solve)
                raise KeyboardInterrupt("interrupted before the first solution")
            raise RuntimeError("the search ended before decoding a single solution")
        return SearchResult(self.solution, self.objective, self.cost, evaluations, seconds, status,
                            self.decoder, self.encoding, list(self.trace))
