"""Local search on the encoding: perturb the best keys, keep the move if not worse.

The no-network baseline the engine must beat. It starts from the best of the
problem's heuristic encodings (the classic sort orders) under every decoder,
then keeps that decoder and explores batches of swap / reinsert neighbours
(:mod:`nnopt.solver._moves`). Ties are accepted so the search drifts across
plateaus of equal cost; after ``patience`` batches without a strict gain the
moves grow bigger (up to ``max_moves`` per neighbour), and shrink back after
a gain.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from nnopt.problems.base import Problem
from nnopt.solver._budget import Budget
from nnopt.solver._evaluate import run_search
from nnopt.solver._incumbent import ProgressCallback, SearchResult
from nnopt.solver._method import Method, RunContext
from nnopt.solver._method_registry import register_method
from nnopt.solver._moves import neighbours

__all__ = ["local_search", "LocalSearchState"]


class LocalSearchState:
    """The current point of a local search, stepped one batch at a time.

    Shared by :func:`local_search` and the engine's hybrid, so the hybrid's
    search component is exactly the baseline it is compared with.
    """

    def __init__(self, x: np.ndarray, cost: float, decoder: str, *, patience: int = 20, max_moves: int = 4) -> None:
        self.x, self.cost, self.decoder = np.array(x, dtype=np.float32), float(cost), decoder
        self.patience, self.max_moves = patience, max_moves
        self.moves, self.stale = 1, 0

    def propose(self, count: int, rng: np.random.Generator) -> np.ndarray:
        return neighbours(self.x, count, rng, self.moves)

    def accept(self, X: np.ndarray, costs: np.ndarray) -> bool:
        """Move to the best of ``X`` if not worse; returns whether it strictly improved."""
        if len(costs) == 0:
            return False
        i = int(np.argmin(costs))
        improved = costs[i] < self.cost - 1e-12
        if costs[i] <= self.cost:
            self.x, self.cost = np.array(X[i], dtype=np.float32), float(costs[i])
        if improved:
            self.moves, self.stale = 1, 0
        else:
            self.stale += 1
            if self.stale >= self.patience:
                self.moves, self.stale = min(self.max_moves, self.moves + 1), 0
        return bool(improved)

    #: The name the shared search loop (``run_search``) calls.
    update = accept


def local_search(
    problem: Problem,
    instance: Any,
    budget: Budget,
    *,
    seed: int = 0,
    batch_size: int = 32,
    decoders: tuple[str, ...] | None = None,
    encoding: str | None = None,
    on_improve: ProgressCallback | None = None,
) -> SearchResult:
    """Batched first-improvement-free local search; Ctrl-C and the budget return the best."""
    return run_search(problem, instance, budget, lambda x, decoder, cost: LocalSearchState(x, cost, decoder),
                      batch=batch_size, seed=seed,
                      decoders=decoders, encoding=encoding, on_improve=on_improve)


class LocalSearch(Method):
    """``local-search``: swap/reinsert moves on the keys."""

    name = "local-search"
    family = "search"
    description = "swap/reinsert local search on the keys from the best sort order"

    def run(self, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        return local_search(problem, instance, budget, seed=seed, on_improve=on_improve)


register_method(LocalSearch())
