"""The replay buffer: every decoded encoding and its true cost, most recent kept.

The scorer is retrained on it every round. First in, first out beyond
``capacity`` — around a local search the recent points are the relevant ones —
except that the best ``keep_best`` points never leave, so the network never
forgets where the good region is.
"""
from __future__ import annotations

import numpy as np

__all__ = ["ReplayBuffer"]


class ReplayBuffer:
    """Appends are cheap (a list of batches); the arrays are built, and trimmed, when read.

    A search loop adds a batch every generation but the scorer reads the buffer
    only when it trains, so the copying and trimming happen once per training,
    not once per batch (it was ~7 % of a CEM generation's time).
    """

    def __init__(self, dim: int, capacity: int = 4096, keep_best: int = 64) -> None:
        if capacity <= keep_best or dim <= 0:
            raise ValueError(f"buffer needs dim > 0 and capacity > keep_best, got {dim}, {capacity}, {keep_best}")
        self.dim, self.capacity, self.keep_best = dim, capacity, keep_best
        self._X = np.zeros((0, dim), dtype=np.float32)
        self._y = np.zeros(0, dtype=np.float64)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._count = 0

    def __len__(self) -> int:
        return min(self.capacity, self._count)

    def add(self, X: np.ndarray, y: np.ndarray) -> None:
        X = np.array(X, dtype=np.float32).reshape(-1, self.dim)
        y = np.array(y, dtype=np.float64).reshape(-1)
        self._pending.append((X, y))
        self._count += len(y)

    def _consolidate(self) -> None:
        if not self._pending:
            return
        self._X = np.concatenate([self._X, *(X for X, _ in self._pending)])
        self._y = np.concatenate([self._y, *(y for _, y in self._pending)])
        self._pending.clear()
        excess = len(self._y) - self.capacity
        if excess > 0:  # drop the oldest rows, except the best ``keep_best``
            best = np.argsort(self._y, kind="stable")[: self.keep_best]
            droppable = np.ones(len(self._y), dtype=bool)
            droppable[best] = False
            keep = np.ones(len(self._y), dtype=bool)
            keep[np.flatnonzero(droppable)[:excess]] = False
            self._X, self._y = self._X[keep], self._y[keep]
        self._count = len(self._y)

    @property
    def X(self) -> np.ndarray:
        self._consolidate()
        return self._X

    @property
    def y(self) -> np.ndarray:
        self._consolidate()
        return self._y

    def best(self, k: int) -> np.ndarray:
        """The ``k`` lowest-cost encodings (fewer if the buffer is smaller)."""
        return self.X[np.argsort(self.y, kind="stable")[:k]]
