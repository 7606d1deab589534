"""Decode-and-score through the contract, with the budget and the incumbent in one place.

Every search in ``nnopt.solver`` spends decodes only through an
:class:`Evaluator`, so the budget is counted the same way for all of them
(that is what makes "equal decodes" comparisons fair) and every decoded
solution is offered to the incumbent.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from nnopt.problems.base import Problem
from nnopt.solver._budget import Budget
from nnopt.solver._incumbent import Incumbent, ProgressCallback, SearchResult

__all__ = ["Evaluator", "BudgetSpent", "SearchState", "run_search", "start_encodings"]


#: Most encoding values one batch may hold (rows x coordinates): a batch and its decoded
#: packings then stay within a few hundred MB, whatever the instance's size.
MAX_BATCH_VALUES = 4_000_000


def capped_batch(batch: int, dimension: int) -> int:
    """``batch``, or fewer rows (at least 4) when that many rows of ``dimension`` values exceed ``MAX_BATCH_VALUES``."""
    return max(4, min(batch, MAX_BATCH_VALUES // max(1, dimension)))


#: Uniform random encodings a search starts from (the best of them) when the problem offers no
#: heuristic start. One fixed encoding would be one arbitrary solution: through a threshold
#: decoder the midpoint ramp is "first half 0, rest 1", and a search centred there (CEM) may
#: never leave its basin; the best of a batch is a typical good point instead.
RANDOM_START = 64
#: Most of a decode budget (``max_evals``) the random start may take, over all decoders.
RANDOM_START_SHARE = 0.05
#: Most encoding values (rows x coordinates) the random start decodes per decoder: on a huge
#: instance a decode is costly and a wall-clock budget short, so the batch shrinks (to 1 row).
RANDOM_START_VALUES = 250_000


def start_encodings(problem: Problem, instance: Any, encoding: str | None, rng: np.random.Generator,
                    max_evals: int | None = None, decoders: int = 1) -> np.ndarray:
    """The encodings a search starts from: the problem's heuristic encodings, or, where it offers
    none, ``RANDOM_START`` uniform samples drawn from ``rng``; fewer under a small ``max_evals``
    (at most ``RANDOM_START_SHARE`` of it over ``decoders`` decoders) and on a large instance (at
    most ``RANDOM_START_VALUES`` values), at least one."""
    H = problem.heuristic_encodings(instance, encoding)
    if len(H):
        return H
    k = min(RANDOM_START, RANDOM_START_VALUES // max(1, problem.encoding_size(instance, encoding)))
    if max_evals is not None:
        k = min(k, int(RANDOM_START_SHARE * max_evals) // max(1, decoders))
    return problem.sample(instance, max(1, k), rng, encoding)


class BudgetSpent(Exception):
    """Raised by :meth:`Evaluator.evaluate` once the budget is exhausted: unwinds any loop."""


class Evaluator:
    """Decodes batches with a named decoder, counts them and keeps the best."""

    def __init__(self, problem: Problem, instance: Any, budget: Budget, incumbent: Incumbent,
                 encoding: str | None = None) -> None:
        self.problem, self.instance, self.budget = problem, instance, budget
        self.incumbent, self.encoding = incumbent, encoding
        self.bound = problem.lower_bound(instance)

    @property
    def optimal(self) -> bool:
        return self.incumbent.objective <= self.bound

    def evaluate(self, X: np.ndarray, decoder: str) -> tuple[np.ndarray, np.ndarray]:
        """Costs of the rows of ``X`` the budget allows; returns ``(X_used, costs)``.

        Raises :class:`BudgetSpent` when nothing is left (or the optimum is proven),
        so search loops need no bookkeeping of their own. The first batch is always
        decoded, so even a budget spent before the start (compilation) returns a solution.
        """
        if (self.budget.exhausted() and self.incumbent.solution is not None) or self.optimal:
            raise BudgetSpent
        left = self.budget.remaining_evals()
        if self.budget.exhausted():  # the time went before the first batch (start-up, a huge instance): one row
            left = 1 if left is None else min(left, 1)
        X = np.ascontiguousarray(X if left is None else X[:left], dtype=np.float32)
        if len(X) == 0:
            raise BudgetSpent
        sols = self.problem.decode(self.instance, X, decoder=decoder, encoding=self.encoding)
        costs = np.asarray(self.problem.cost(self.instance, sols), dtype=np.float64)
        self.budget.spend(len(X))
        self.incumbent.offer(sols, costs, X, decoder, self.budget.evals, self.budget.elapsed)
        return X, costs

    def best_start(self, decoders: tuple[str, ...],
                   rng: np.random.Generator | None = None) -> tuple[np.ndarray, str, float]:
        """The best (encoding, decoder) among the problem's heuristic encodings.

        Where the problem offers none, among a seeded uniform random batch
        (:func:`start_encodings`, drawn from ``rng``; seed 0 when not given), decoded
        and counted in the budget like any other encodings.
        """
        H = start_encodings(self.problem, self.instance, self.encoding,
                            rng if rng is not None else np.random.default_rng(0),
                            self.budget.max_evals, len(decoders))
        best: tuple[float, int, str] = (np.inf, 0, decoders[0])
        for decoder in decoders:
            Xu, costs = self.evaluate(H, decoder)
            i = int(np.argmin(costs))
            if costs[i] < best[0]:
                best = (float(costs[i]), i, decoder)
        return np.array(H[best[1]], dtype=np.float32), best[2], best[0]


class SearchState(Protocol):
    """One search's state: proposes a batch for its decoder, learns from the scores."""

    decoder: str

    def propose(self, n: int, rng: np.random.Generator) -> np.ndarray: ...

    def update(self, X: np.ndarray, costs: np.ndarray) -> Any: ...


def run_search(
    problem: Problem,
    instance: Any,
    budget: Budget,
    make_state: Callable[[np.ndarray, str, float], SearchState],
    *,
    batch: int,
    seed: int = 0,
    decoders: tuple[str, ...] | None = None,
    encoding: str | None = None,
    on_improve: ProgressCallback | None = None,
) -> SearchResult:
    """The loop every population search shares: start from the best heuristic
    encoding, then propose, decode and update until the budget is spent;
    Ctrl-C and the budget return the best solution so far."""
    rng = np.random.default_rng(seed)
    best = Incumbent(problem, instance, on_improve)
    ev = Evaluator(problem, instance, budget, best, encoding)
    batch = capped_batch(batch, problem.encoding_size(instance, encoding))
    status = "budget"
    try:
        x, decoder, cost = ev.best_start(tuple(decoders or problem.search_decoders_for(encoding)), rng)
        state = make_state(x, decoder, cost)
        while True:
            X, costs = ev.evaluate(state.propose(batch, rng), state.decoder)
            state.update(X, costs)
    except BudgetSpent:
        status = "optimal" if ev.optimal else "budget"
    except KeyboardInterrupt:
        status = "interrupted"
    return best.result(budget.evals, budget.elapsed, status)
