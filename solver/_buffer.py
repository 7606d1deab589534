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
    def __init__(self, dim: int, capacity: int = 4096, keep_best: int = 64) -> None:
        if capacity <= keep_best or dim <= 0:
            raise ValueError(f"buffer needs dim > 0 and capacity > keep_best, got {dim}, {capacity}, {keep_best}")
        self.dim, self.capacity, self.keep_best = dim, capacity, keep_best
        self.X = np.zeros((0, dim), dtype=np.float32)
        self.y = np.zeros(0, dtype=np.float64)

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def add(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X = np.concatenate([self.X, np.asarray(X, dtype=np.float32)])
        self.y = np.concatenate([self.y, np.asarray(y, dtype=np.float64)])
        excess = len(self) - self.capacity
        if excess > 0:
            best = np.argsort(self.y, kind="stable")[: self.keep_best]
            droppable = np.ones(len(self), dtype=bool)
            droppable[best] = False
            keep = np.ones(len(self), dtype=bool)
            keep[np.flatnonzero(droppable)[:excess]] = False
            self.X, self.y = self.X[keep], self.y[keep]

    def best(self, k: int) -> np.ndarray:
        """The ``k`` lowest-cost encodings (fewer if the buffer is smaller)."""
        return self.X[np.argsort(self.y, kind="stable")[:k]]
