"""The plugin's own method: exact dynamic programming over the capacity.

``best[c]`` is the most value that fits in capacity ``c`` using the items seen
so far; adding item ``i`` is one vectorised max over all capacities, and a bit
per (item, capacity) remembers whether the item was taken, so the selection is
read back from the last row. Time and memory grow with ``n x capacity``, so
instances above :data:`MAX_CELLS` cells are refused with a one-line error.

It ships through the entry point group ``nnopt.methods`` (``pyproject.toml``),
so ``nnopt methods knapsack`` lists it and ``nnopt solve --method knapsack-dp``
runs it; nnopt's checker verifies its answer like any other.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from nnopt.problems import Problem
from nnopt.solver.methods import Budget, Method, MethodError, ProgressCallback, RunContext, SearchResult
from nnopt_knapsack._problem import KnapsackInstance, Selection

__all__ = ["KnapsackDP", "MAX_CELLS"]

#: Largest ``n x (capacity + 1)`` table the method builds (one byte per cell).
MAX_CELLS = 50_000_000


def solve_dp(instance: KnapsackInstance) -> Selection:
    """An optimal selection (ties: the one the table reads back first)."""
    cap, n = instance.capacity, instance.n
    if n * (cap + 1) > MAX_CELLS:
        raise MethodError(f"knapsack-dp: {n} items x capacity {cap} exceeds the table limit of {MAX_CELLS} cells")
    best = np.zeros(cap + 1, dtype=np.int64)
    taken = np.zeros((n, cap + 1), dtype=bool)
    for i, (w, v) in enumerate(zip(instance.weights, instance.values)):
        if w > cap:
            continue
        with_item = best[: cap + 1 - w] + v
        better = with_item > best[w:]
        taken[i, w:] = better
        best[w:] = np.where(better, with_item, best[w:])
    items, c = [], cap
    for i in range(n - 1, -1, -1):
        if taken[i, c]:
            items.append(i)
            c -= instance.weights[i]
    return Selection(tuple(sorted(items)))


class KnapsackDP(Method):
    name = "knapsack-dp"
    family = "knapsack"
    description = "exact dynamic programming over the capacity (tables up to 5e7 cells)"

    def unsupported(self, problem: Problem) -> str | None:
        return None if problem.name == "knapsack" else "solves knapsack only"

    def run(self, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        selection = solve_dp(instance)
        left_out = problem.objective(instance, selection)
        if on_improve is not None:
            on_improve(0, budget.elapsed, left_out, left_out)
        return SearchResult(selection, left_out, left_out, evaluations=0, seconds=budget.elapsed, status="optimal",
                            bound=left_out)
