"""Random-key search: the problem's heuristic encodings, then uniform random ones.

It is the engine's simplest member and the control every smarter method is
measured against: same decoders, same budget, no learning. Each batch is decoded
by every decoder the problem names for search, so the best rule wins per instance.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from nnopt.problems.base import Problem
from nnopt.solver._budget import Budget
from nnopt.solver._evaluate import capped_batch
from nnopt.solver._incumbent import Incumbent, ProgressCallback, SearchResult
from nnopt.solver._method import Method, RunContext
from nnopt.solver._method_registry import register_method

__all__ = ["random_key_search"]


def random_key_search(
    problem: Problem,
    instance: Any,
    budget: Budget,
    *,
    seed: int = 0,
    batch_size: int = 256,
    decoders: tuple[str, ...] | None = None,
    on_improve: ProgressCallback | None = None,
) -> SearchResult:
    """Best of heuristic + random encodings within ``budget``; Ctrl-C returns the best so far."""
    rng = np.random.default_rng(seed)
    batch_size = capped_batch(batch_size, problem.encoding_size(instance))
    decoders = tuple(decoders or problem.search_decoders or problem.decoders)
    bound = problem.lower_bound(instance)
    best = Incumbent(problem, instance, on_improve)
    status = "budget"
    pending = problem.heuristic_encodings(instance)
    try:
        while True:
            X = pending if len(pending) else problem.sample(instance, batch_size, rng)
            pending = pending[:0]
            for decoder in decoders:
                left = budget.remaining_evals()
                if budget.exhausted():  # the time went before this decoder's turn: one row, for an answer
                    if best.solution is not None:
                        break
                    left = 1 if left is None else min(left, 1)
                Xd = X if left is None else X[:left]
                if len(Xd) == 0:
                    break
                sols = problem.decode(instance, Xd, decoder=decoder)
                costs = problem.cost(instance, sols)
                budget.spend(len(Xd))
                best.offer(sols, costs, Xd, decoder, budget.evals, budget.elapsed)
            if best.objective <= bound:
                status = "optimal"
                break
            if budget.exhausted():
                break
    except KeyboardInterrupt:
        status = "interrupted"
    return best.result(budget.evals, budget.elapsed, status)


class RandomKeys(Method):
    """``random-keys``: the control every smarter search is measured against."""

    name = "random-keys"
    family = "search"
    description = "heuristic orders, then uniform random keys, decoded by every search decoder (the control)"

    def run(self, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        return random_key_search(problem, instance, budget, seed=seed, on_improve=on_improve)


register_method(RandomKeys())
