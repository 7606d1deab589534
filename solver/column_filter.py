"""Which pooled components the recombination master sees: the problem's choice, or a filter.

Ruin and recreate pools every distinct component (for binpack2d: every bin) it
visits, thousands per second, and at intervals asks the problem's
``recombine`` hook to assemble a better solution from the pool (a set cover).
The master's time grows with the pool, so it sees a part of it; which part is
a decision worth learning (learned column filtering for set-cover masters,
MLCG). The filters, all at the same pool size ``keep``:

* ``none`` — the problem's own choice (binpack2d: its 2,000 fullest bins), as before;
* ``fill`` — the ``keep`` components the problem ranks first (``pool_features``
  column 0; binpack2d: fill), a control;
* ``random`` — ``keep`` components uniformly, the other control;
* ``learned`` — the ``keep`` components a small model scores highest. The model
  (:class:`ColumnModel`, logistic regression on the problem's ``pool_features``,
  NumPy) is trained across generated instances to predict which pool components
  a minimum cover of the whole pool uses, and shipped with the problem
  (``pretrained_column_filter``; ``benchmarks/pretrain_column_filter.py``).

The incumbent's own components always join what the master sees (the problem's
hook adds them), so every filter can at least rebuild the incumbent.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnopt.problems.base import Problem
from nnopt.problems.capabilities import PoolFeatures, needs

__all__ = ["FILTERS", "DEFAULT_KEEP", "ColumnModel", "ColumnFilter", "make_filter", "filter_unsupported"]

#: Every column filter ``ruin-recreate`` knows (``none``: the problem's own choice).
FILTERS = ("none", "fill", "random", "learned")
#: Components the master sees under a filter.
DEFAULT_KEEP = 200


class ColumnModel:
    """Logistic regression on standardised pool features: the log-odds that a component is in a cover."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray, w: np.ndarray, b: float) -> None:
        self.mean, self.scale, self.w, self.b = mean, scale, w, float(b)

    def logits(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale) @ self.w + self.b

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray, *, steps: int = 500, lr: float = 0.5,
            l2: float = 1e-3) -> ColumnModel:
        """Full-batch gradient descent on the class-balanced logistic loss (positives are rare)."""
        X = np.asarray(features, dtype=np.float64)
        y = np.asarray(labels, dtype=np.float64)
        if X.ndim != 2 or len(X) != len(y) or len(X) == 0:
            raise ValueError(f"need (P, F) features and P labels, got {X.shape} and {y.shape}")
        mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
        Z = (X - mean) / scale
        pos = max(1.0, y.sum())
        neg = max(1.0, len(y) - y.sum())
        weight = np.where(y > 0, 0.5 / pos, 0.5 / neg)
        w, b = np.zeros(X.shape[1]), 0.0
        for _ in range(steps):
            p = 1.0 / (1.0 + np.exp(-(Z @ w + b)))
            g = weight * (p - y)
            w -= lr * (Z.T @ g + l2 * w)
            b -= lr * g.sum()
        return cls(mean, scale, w, b)

    def save(self, path: str | Path) -> None:
        np.savez(path, mean=self.mean, scale=self.scale, w=self.w, b=np.array([self.b]))

    @classmethod
    def load(cls, path: str | Path) -> ColumnModel:
        with np.load(path) as z:
            return cls(z["mean"], z["scale"], z["w"], float(z["b"][0]))


class ColumnFilter:
    """Chooses ``keep`` rows of the problem's ``pool_features`` for the master (see the module docstring)."""

    def __init__(self, kind: str, keep: int = DEFAULT_KEEP, model: ColumnModel | None = None) -> None:
        if kind not in FILTERS or kind == "none":
            raise ValueError(f"unknown column filter {kind!r} (known: {', '.join(FILTERS[1:])})")
        if kind == "learned" and model is None:
            raise ValueError("the learned column filter needs a model")
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        self.kind, self.keep, self.model = kind, int(keep), model

    def select(self, problem: Problem, instance: Any, pool: Any, rng: np.random.Generator) -> np.ndarray:
        """Indices of the components the master may use (all of them when the pool is small).

        Coverage first: where the problem offers ``pool_members``, every element keeps its
        best-scored component (up to ``keep``), so the master can still cover everything;
        the rest of ``keep`` goes by score. A plain top-``keep`` by score leaves elements
        that only thin components hold uncovered (measured: a worse cover than a uniform
        draw), whatever the score.
        """
        if not isinstance(problem, PoolFeatures):  # make_filter refuses such a problem first
            raise TypeError(f"problem {problem.name!r} lacks the PoolFeatures capability")
        features = np.asarray(problem.pool_features(instance, pool), dtype=np.float64)
        P = len(features)
        if P <= self.keep:
            return np.arange(P)
        if self.kind == "random":
            scores = rng.random(P)
        else:
            assert self.kind == "fill" or self.model is not None  # the constructor refuses "learned" without one
            scores = features[:, 0] if self.kind == "fill" or self.model is None else self.model.logits(features)
        order = np.argsort(-scores, kind="stable")
        chosen = np.zeros(P, dtype=bool)
        kept = 0
        members = problem.pool_members(instance, pool)
        covered: set[int] = set()
        for j in order:  # best first: a column joins when it holds an element not yet covered
            if kept >= self.keep:
                break
            new = [int(e) for e in members[j] if int(e) not in covered]
            if new:
                chosen[j] = True
                kept += 1
                covered.update(new)
        for j in order:
            if kept >= self.keep:
                break
            if not chosen[j]:
                chosen[j] = True
                kept += 1
        return np.flatnonzero(chosen)


def filter_unsupported(kind: str, problem: Problem) -> str | None:
    """Why ``problem`` cannot run column filter ``kind`` (None: it can)."""
    if kind == "none":
        return None
    lacks = needs(problem, PoolFeatures)
    if lacks is not None or not isinstance(problem, PoolFeatures):
        return f"columns={kind} {lacks}"
    if kind == "learned" and problem.pretrained_column_filter() is None:
        return "columns=learned needs shipped column-filter weights (pretrained_column_filter)"
    return None


def make_filter(kind: str, problem: Problem, keep: int = DEFAULT_KEEP) -> ColumnFilter | None:
    """The filter ``kind`` for ``problem`` (None for ``none``); raises ValueError when it cannot run."""
    why = filter_unsupported(kind, problem)
    if why is not None:
        raise ValueError(why)
    if kind == "none":
        return None
    weights = problem.pretrained_column_filter() if isinstance(problem, PoolFeatures) else None
    model = ColumnModel.load(weights) if kind == "learned" and weights is not None else None
    return ColumnFilter(kind, keep, model)
