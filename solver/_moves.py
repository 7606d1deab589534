"""Neighbourhood moves on random keys, batched in numpy.

Random keys mean something only through their order, so the moves are order
moves: *swap* two coordinates' values, *reinsert* one coordinate at a fresh
uniform value (moves one item to a random place in the order; flips an
orientation key with probability one half). They never leave [0, 1).
"""
from __future__ import annotations

from typing import cast

import numpy as np

__all__ = ["neighbours"]


def neighbours(x: np.ndarray, count: int, rng: np.random.Generator, max_moves: int = 1) -> np.ndarray:
    """``count`` copies of ``x``, each changed by 1..``max_moves`` random swap/reinsert moves."""
    d = x.shape[0]
    out = np.repeat(x[None, :].astype(np.float32), count, axis=0)
    if d < 2 or count <= 0:
        return out
    moves = rng.integers(1, max(1, max_moves) + 1, size=count)
    rows = np.arange(count)
    for m in range(int(moves.max())):
        active = rows[moves > m]
        i = cast(np.ndarray, rng.integers(0, d, size=active.shape[0]))  # an array: size is given
        j = (i + rng.integers(1, d, size=active.shape[0])) % d
        swap = rng.random(active.shape[0]) < 0.5
        a, b = active[swap], active[~swap]
        vi, vj = out[a, i[swap]].copy(), out[a, j[swap]].copy()
        out[a, i[swap]], out[a, j[swap]] = vj, vi
        out[b, i[~swap]] = rng.random(b.shape[0], dtype=np.float32) * np.float32(1 - 1e-6)
    return out
