"""Overlap detection for the checker: one sweep line over all placed rectangles, O(m log m).

Written for the checker alone and sharing nothing with the decoders (``_kernels``):
the guard must not inherit a bug from the code it guards. It is compiled with
Numba because a checker that takes minutes on a million items is a checker that
gets skipped (the pairwise version took 20 s on 20,000 items in one strip).

The sweep runs along x. Each rectangle becomes an *insert* event at its left edge
and a *remove* event at its right edge; at equal x removals come first, so
rectangles that only touch are never compared. The active rectangles' y-intervals
are kept pairwise disjoint: a rectangle that overlaps an active one is *flagged*
and not inserted. Active intervals live in a Fenwick tree over the compressed
(bin, y) coordinates, indexed by their lower end; since they are disjoint, only
the active interval with the largest lower end below the new top can overlap the
new one (every other one ends before that one starts).

Why this is complete: if no rectangle is flagged, every rectangle was inserted,
and any two whose x-ranges overlap were active together when the later one was
inserted, so the invariant (disjoint active intervals) shows they do not overlap.
So the packing has an overlap exactly when at least one rectangle is flagged.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["flag_overlaps"]


@njit(cache=True)
def _fenwick_add(tree: np.ndarray, i: int, delta: int) -> None:
    i += 1
    while i < tree.shape[0]:
        tree[i] += delta
        i += i & (-i)


@njit(cache=True)
def _fenwick_prefix(tree: np.ndarray, i: int) -> int:
    """Number of marked positions in ``0..i``."""
    total = 0
    i += 1
    while i > 0:
        total += tree[i]
        i -= i & (-i)
    return total


@njit(cache=True)
def _fenwick_kth(tree: np.ndarray, k: int, log: int) -> int:
    """Position of the ``k``-th marked position (1-based ``k``)."""
    pos = 0
    step = 1 << log
    while step > 0:
        nxt = pos + step
        if nxt < tree.shape[0] and tree[nxt] < k:
            pos = nxt
            k -= tree[nxt]
        step >>= 1
    return pos  # 0-based position (pos + 1 in the tree's 1-based indexing)


@njit(cache=True)
def _sweep(ev_rect: np.ndarray, ev_insert: np.ndarray, lo: np.ndarray, hi: np.ndarray, size: int) -> np.ndarray:
    """Events in sweep order; returns a flag per rectangle (1 = overlaps an active one)."""
    m = lo.shape[0]
    flagged = np.zeros(m, dtype=np.uint8)
    tree = np.zeros(size + 1, dtype=np.int64)
    end_at = np.zeros(size, dtype=np.int64)
    log = 0
    while (1 << (log + 1)) <= size:
        log += 1
    for e in range(ev_rect.shape[0]):
        r = ev_rect[e]
        if ev_insert[e] == 0:
            if flagged[r] == 0:
                _fenwick_add(tree, lo[r], -1)
            continue
        below = _fenwick_prefix(tree, hi[r] - 1)
        if below > 0:
            p = _fenwick_kth(tree, below, log)
            if end_at[p] > lo[r]:
                flagged[r] = 1
                continue
        _fenwick_add(tree, lo[r], 1)
        end_at[lo[r]] = hi[r]
    return flagged


def flag_overlaps(bins: np.ndarray, x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Boolean mask: rectangle ``i`` overlaps (with positive area) one placed before it in the sweep.

    Rectangles are in any bins (any integer labels); sizes must be positive.
    The mask is non-empty exactly when some two rectangles of one bin overlap.
    """
    m = bins.shape[0]
    if m < 2:
        return np.zeros(m, dtype=bool)
    # Compress (bin, y) pairs to ranks: bins occupy disjoint, contiguous rank ranges,
    # so one Fenwick tree serves every bin at once.
    cb = np.concatenate([bins, bins]).astype(np.int64)
    cy = np.concatenate([y, y + h]).astype(np.int64)
    order = np.lexsort((cy, cb))
    sb, sy = cb[order], cy[order]
    new = np.ones(2 * m, dtype=bool)
    new[1:] = (sb[1:] != sb[:-1]) | (sy[1:] != sy[:-1])
    rank_sorted = np.cumsum(new) - 1
    rank = np.empty(2 * m, dtype=np.int64)
    rank[order] = rank_sorted
    lo, hi = rank[:m], rank[m:]
    size = int(rank_sorted[-1]) + 1
    ev_x = np.concatenate([x + w, x]).astype(np.int64)
    ev_insert = np.concatenate([np.zeros(m, dtype=np.int64), np.ones(m, dtype=np.int64)])
    ev_rect = np.concatenate([np.arange(m), np.arange(m)]).astype(np.int64)
    ev = np.lexsort((ev_insert, ev_x))  # removals (0) before inserts (1) at equal x
    flagged = _sweep(ev_rect[ev], ev_insert[ev], np.ascontiguousarray(lo), np.ascontiguousarray(hi), size)
    return flagged.astype(bool)
