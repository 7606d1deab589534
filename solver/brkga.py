"""Biased random-key genetic algorithm (BRKGA, Gonçalves & Resende 2011).

A population of random-key vectors in the problem's encoding space, decoded
through the contract. Each generation keeps the *elite* (the best fraction)
unchanged, adds *mutants* (fresh random vectors from ``problem.sample``, the
only source of new genetic material), and fills the rest with offspring of
one elite and one non-elite parent by *biased uniform crossover*: each gene
comes from the elite parent with probability ``rho`` (> 0.5), which is what
makes the search converge without a separate selection pressure. After
``restart_after`` generations without improving the population's best, all
but the best vector are drawn anew (the restart strategy of BRKGA-MP-IPR):
the elite has converged and further crossover only shuffles copies of it.

Problem-agnostic: it needs ``sample``, ``decode``, ``cost`` and, to start from
the classic rules of thumb, ``heuristic_encodings``, which seed the first
population. When the problem names several search decoders each vector
carries one more gene that picks its decoder, so the decoder is evolved with
the encoding and every vector costs one decode (not one per decoder); the
first population holds every heuristic encoding under every decoder, so the
result is never worse than the best classic construction. A problem may name
other decoders for one encoding in its ``encoding_search_decoders``
(binpack2d's "keys+rule" carries its rules in the genes: one decoder).

Every decode goes through :class:`~nnopt.solver._evaluate.Evaluator`, so
budgets, ``on_improve``, early stop at the lower bound and Ctrl-C behave as in
every other search; with ``Budget(max_evals=...)`` a seed fixes the run bit
for bit (no clock is read inside the loop).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from nnopt.problems.base import Problem
from nnopt.solver._budget import Budget
from nnopt.solver._evaluate import BudgetSpent, Evaluator, capped_batch
from nnopt.solver._incumbent import Incumbent, ProgressCallback, SearchResult
from nnopt.solver._method import Method, RunContext
from nnopt.solver._method_registry import register_method

__all__ = ["BRKGA", "brkga", "BRKGAPopulation"]

#: Literature defaults (Gonçalves & Resende 2011, Table 1: elite 0.10-0.25,
#: mutants 0.10-0.30, rho 0.5-0.8). The population is a fixed size rather than
#: a multiple of n so that a generation stays one cheap decode batch; at
#: 20,000 decodes it gives ~190 generations.
POPULATION = 128
ELITE = 0.15
MUTANTS = 0.15
RHO = 0.7
#: Generations without a better best before the restart (keep the best, redraw the rest).
RESTART_AFTER = 40


class BRKGAPopulation:
    """The population and its costs, sorted best first; one generation at a time.

    Rows carry the problem's encoding and, with several decoders, one last gene
    that picks the decoder (``decoder_of``). Kept separate from the budget loop
    so the genetics can be read and tested on their own.
    """

    def __init__(self, size: int, elite: float, mutants: float, rho: float, n_decoders: int) -> None:
        if size < 3:
            raise ValueError(f"the population needs at least 3 vectors, got {size}")
        if not 0 < elite < 1 or not 0 <= mutants < 1 or elite + mutants >= 1:
            raise ValueError(f"elite and mutant fractions must be in (0, 1) and sum below 1, got {elite}, {mutants}")
        if not 0.5 <= rho < 1:
            raise ValueError(f"rho (elite parent's gene probability) must be in [0.5, 1), got {rho}")
        self.size, self.rho, self.n_decoders = size, rho, n_decoders
        self.n_elite = max(1, int(round(elite * size)))
        self.n_mutants = min(size - self.n_elite - 1, int(round(mutants * size)))
        self.X = np.zeros((0, 0), dtype=np.float32)
        self.costs = np.zeros(0)

    def decoder_of(self, X: np.ndarray) -> np.ndarray:
        """Decoder index of each row (its last gene); 0 when there is one decoder."""
        if self.n_decoders <= 1:
            return np.zeros(len(X), dtype=np.int64)
        return np.minimum((X[:, -1] * self.n_decoders).astype(np.int64), self.n_decoders - 1)

    def set(self, X: np.ndarray, costs: np.ndarray) -> None:
        """Replace the population by the best ``size`` of ``X`` (stable: ties keep row order)."""
        order = np.argsort(costs, kind="stable")[:self.size]
        self.X, self.costs = np.array(X[order], dtype=np.float32), np.asarray(costs, dtype=np.float64)[order]

    def offspring(self, rng: np.random.Generator, sample: Any) -> np.ndarray:
        """The next generation's new rows: crossover children, then mutants.

        ``sample(k)`` draws ``k`` fresh random rows. Parents: one uniformly from
        the elite, one from the rest (all of it when the population is still short).
        """
        P = len(self.X)
        ne = min(self.n_elite, P)
        n_children = self.size - self.n_elite - self.n_mutants
        a = rng.integers(0, ne, n_children)
        b = rng.integers(ne, P, n_children) if P > ne else rng.integers(0, P, n_children)
        take_elite = rng.random((n_children, self.X.shape[1])) < self.rho
        children = np.where(take_elite, self.X[a], self.X[b])
        return np.concatenate([children, sample(self.n_mutants)]).astype(np.float32)

    def advance(self, X_new: np.ndarray, costs_new: np.ndarray) -> None:
        """The elite survives; the decoded new rows take the other places."""
        ne = min(self.n_elite, len(self.X))
        self.set(np.concatenate([self.X[:ne], X_new]), np.concatenate([self.costs[:ne], costs_new]))


def brkga(
    problem: Problem,
    instance: Any,
    budget: Budget,
    *,
    seed: int = 0,
    encoding: str | None = None,
    on_improve: ProgressCallback | None = None,
    population: int = POPULATION,
    elite: float = ELITE,
    mutants: float = MUTANTS,
    rho: float = RHO,
    restart_after: int = RESTART_AFTER,
    decoders: tuple[str, ...] | None = None,
) -> SearchResult:
    """BRKGA within ``budget`` on ``encoding``; Ctrl-C and the budget return the best so far.

    ``population`` is capped so one batch stays within the evaluator's size
    limit on huge instances. Status "optimal" when the lower bound is reached.
    """
    if restart_after < 1:
        raise ValueError(f"restart_after must be at least 1 generation, got {restart_after}")
    rng = np.random.default_rng(seed)
    decoders = tuple(decoders or problem.search_decoders_for(encoding))
    best = Incumbent(problem, instance, on_improve)
    ev = Evaluator(problem, instance, budget, best, encoding)
    d = problem.encoding_size(instance, encoding)
    pop = BRKGAPopulation(capped_batch(population, d), elite, mutants, rho, len(decoders))
    gene = len(decoders) > 1

    def sample(k: int) -> np.ndarray:
        X = problem.sample(instance, k, rng, encoding).astype(np.float32)
        return np.concatenate([X, rng.random((k, 1), dtype=np.float32)], axis=1) if gene else X

    def evaluate(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Decode each row with its decoder; the rows the budget allowed and their costs, grouped by decoder.

        One ``Evaluator`` batch per decoder, so budget, incumbent and bound
        checks see every row; the population re-sorts by cost, so order is immaterial.
        """
        which = pop.decoder_of(X)
        used_X, used_c = [], []
        try:
            for k in range(len(decoders)):
                rows = np.flatnonzero(which == k)
                if len(rows) == 0:
                    continue
                Xu, c = ev.evaluate(X[rows, :d], decoders[k])
                used_X.append(X[rows[:len(Xu)]])
                used_c.append(c)
        except BudgetSpent:
            if not used_X:
                raise
        return np.concatenate(used_X), np.concatenate(used_c)

    status = "budget"
    try:
        H = np.asarray(problem.heuristic_encodings(instance, encoding), dtype=np.float32)
        if gene:  # every heuristic row under every decoder, the gene in the middle of its decoder's slot
            slots = ((np.arange(len(decoders)) + 0.5) / len(decoders)).astype(np.float32)
            H = np.concatenate([np.repeat(H, len(decoders), axis=0),
                                np.tile(slots, len(H))[:, None]], axis=1)
        # a quarter random at least, so a large heuristic set does not start the population converged;
        # the heuristic rows are decoded first, so a budget of just them sees every one
        if len(H):
            seeded_X, seeded_c = evaluate(H)
        else:  # no heuristic start: the population is all random
            seeded_X, seeded_c = H, np.zeros(0, dtype=np.float64)
        try:
            random_X, random_c = evaluate(sample(max(pop.size - len(H), pop.size // 4)))
            seeded_X, seeded_c = np.concatenate([seeded_X, random_X]), np.concatenate([seeded_c, random_c])
        finally:
            pop.set(seeded_X, seeded_c)
        stale, best_cost = 0, float(pop.costs[0])
        while True:
            if stale >= restart_after:  # converged: keep the best, redraw the rest
                keep_X, keep_c = pop.X[:1], pop.costs[:1]
                X_new, c_new = evaluate(sample(pop.size - 1))
                pop.set(np.concatenate([keep_X, X_new]), np.concatenate([keep_c, c_new]))
                stale = 0
                continue
            pop.advance(*evaluate(pop.offspring(rng, sample)))
            if pop.costs[0] < best_cost:
                best_cost, stale = float(pop.costs[0]), 0
            else:
                stale += 1
    except BudgetSpent:
        status = "optimal" if ev.optimal else "budget"
    except KeyboardInterrupt:
        status = "interrupted"
    return best.result(budget.evals, budget.elapsed, status)


class BRKGA(Method):
    """``brkga``: on the problem's ``keys+rule`` encoding where it offers one (a placement-rule
    gene per item), else on its keys; ``--param encoding=keys`` forces the plain keys."""

    family = "search"
    parameters = {"encoding": ("rule", "keys")}

    def encoding(self, problem: Problem) -> str | None:
        if self.params["encoding"] == "rule" and "keys+rule" in problem.encodings:
            return "keys+rule"
        return None

    def run(self, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        return brkga(problem, instance, budget, seed=seed, encoding=self.encoding(problem), on_improve=on_improve)


register_method(BRKGA("brkga", "biased random-key genetic algorithm (elite, crossover, mutants, restarts); "
                      "a placement-rule gene per item where the problem offers keys+rule (no network)"))
