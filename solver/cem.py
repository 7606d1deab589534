"""Cross-entropy method on the encoding, the mean started at the best heuristic.

A diagonal Gaussian over the keys: sample a population, decode, refit the mean
and spread to the elite (smoothed), repeat. Started at the best classic sort
order under its best decoder, with a small spread, it searches the orders near
that one — the no-network baseline for population search.
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

__all__ = ["cem", "CEMState"]

_TOP = np.float32(1 - 1e-6)


class CEMState:
    """Mean and spread of the search distribution, stepped one population at a time."""

    def __init__(self, mean: np.ndarray, decoder: str, *, sigma: float = 0.08, elite: float = 0.125,
                 smoothing: float = 0.7, min_sigma: float = 0.005) -> None:
        if not 0 < elite <= 1:
            raise ValueError(f"elite fraction must be in (0, 1], got {elite}")
        self.mean = np.array(mean, dtype=np.float64)
        self.sigma = np.full_like(self.mean, sigma)
        self.sigma0, self.decoder = sigma, decoder
        self.elite, self.smoothing, self.min_sigma = elite, smoothing, min_sigma

    def propose(self, count: int, rng: np.random.Generator) -> np.ndarray:
        X = self.mean + self.sigma * rng.standard_normal((count, self.mean.shape[0]))
        return np.clip(X, 0.0, _TOP).astype(np.float32)

    def elite_count(self, population: int) -> int:
        """How many of a population of ``population`` form the elite."""
        return max(2, int(round(self.elite * population)))

    def update(self, X: np.ndarray, costs: np.ndarray) -> None:
        k = self.elite_count(len(costs))
        if len(costs) < k:
            return
        elite = X[np.argsort(costs, kind="stable")[:k]].astype(np.float64)
        a = self.smoothing
        self.mean = a * elite.mean(axis=0) + (1 - a) * self.mean
        self.sigma = np.maximum(a * elite.std(axis=0) + (1 - a) * self.sigma, self.min_sigma)
        if float(self.sigma.mean()) <= 1.5 * self.min_sigma:  # collapsed: widen again around the mean
            self.sigma[:] = self.sigma0


def cem(
    problem: Problem,
    instance: Any,
    budget: Budget,
    *,
    seed: int = 0,
    population: int = 64,
    decoders: tuple[str, ...] | None = None,
    encoding: str | None = None,
    on_improve: ProgressCallback | None = None,
) -> SearchResult:
    """CEM within ``budget``; Ctrl-C and the budget return the best solution so far."""
    return run_search(problem, instance, budget, lambda x, decoder, cost: CEMState(x, decoder),
                      batch=population, seed=seed, decoders=decoders, encoding=encoding, on_improve=on_improve)


class CEM(Method):
    """``cem`` (on the keys) and ``cem-assign`` (on the soft item-to-bin assignment)."""

    family = "search"

    def __init__(self, name: str, description: str, encoding: str | None = None) -> None:
        super().__init__(name, description)
        self.encoding = encoding

    def unsupported(self, problem: Problem) -> str | None:
        if self.encoding is not None and self.encoding not in problem.encodings:
            return f"needs the {self.encoding!r} encoding (the problem offers {', '.join(problem.encodings)})"
        return None

    def run(self, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        return cem(problem, instance, budget, seed=seed, encoding=self.encoding, on_improve=on_improve)


register_method(CEM("cem", "cross-entropy method on the keys from the best sort order (no network)"))
register_method(CEM("cem-assign", "CEM on the soft item-to-bin assignment from the best heuristic packing",
                    encoding="assignment"))
