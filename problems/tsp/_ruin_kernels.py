"""Numba kernels of tsp's ruin-and-recreate hooks: string removal, cheapest insertion, detours.

One move of ``nnopt.solver.ruin_recreate`` on tsp is one :func:`ruin_strings`
and one :func:`insert_cheapest`; both are a few microseconds at n = 200, so the
loop's own Python bookkeeping, not the neighbourhood, bounds the moves per
second. Randomness comes from an integer seed drawn by the caller from its
``numpy.random.Generator`` (Numba keeps its own generator state), so a seeded
run is reproducible bit for bit.

Ruin (after SISR, Christiaens & Vanden Berghe 2020)
---------------------------------------------------
Around each chosen city a *string* — consecutive cities of the tour — is taken
out. The string length is uniform in ``1..lmax`` and the chosen city sits at a
uniform offset inside it. With probability ``split_rate`` the string is a
*split string*: it is extended by ``r`` cities (``1..length``) of which a
contiguous block of ``r`` inside it stays in the tour, so a ruin can also cut a
detour out of a stretch without destroying the stretch. Up to ``strings``
strings are taken per chosen city: after the first, the next ones are anchored
at the chosen city's nearest cities that are still in the tour — they lie on
other passes of the tour through the same region, which is what lets the
recreate reconnect those passes differently. At least three cities always stay.

Recreate: cheapest insertion with blinks
----------------------------------------
The partial tour is a doubly linked list. Left-out cities are inserted one by
one (in random order, or farthest from / closest to the ruin's centre first —
SISR's sort orders without demands) at the tour edge ``(a, b)`` minimising
``d(a, c) + d(c, b) - d(a, b)``. Candidate edges are those at the city's ``K``
nearest cities that are in the tour (both edges at each); each candidate is
skipped with probability ``blink`` (SISR's blinks: a little noise that keeps
the search from always rebuilding the same tour). When no candidate is left,
every tour edge is scanned. With ``polish`` the complete tour is then taken
to a neighbour-list 2-opt local optimum by the decoders' own ``_two_opt``. The
finished tour's length is summed from scratch, so the reported length is exact
(no drift from adding deltas).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from nnopt.problems.tsp._kernels import _dist, _two_opt, tour_length

__all__ = ["detours", "ruin_strings", "insert_cheapest"]

#: A ruin never leaves fewer cities than this in the tour (an edge to insert into).
MIN_KEPT = 3


@njit(cache=True)
def detours(xs, ys, rounded, order, n, out):
    """Into ``out`` (n,): each tour city's detour ``d(p, c) + d(c, s) - d(p, s)``; 0 for cities
    not in ``order`` (left out)."""
    m = order.shape[0]
    for i in range(n):
        out[i] = 0.0
    if m < 3:
        return
    for k in range(m):
        p = order[(k - 1 + m) % m]
        c = order[k]
        s = order[(k + 1) % m]
        d = _dist(xs, ys, p, c, rounded) + _dist(xs, ys, c, s, rounded) - _dist(xs, ys, p, s, rounded)
        out[c] = d if d > 0.0 else 0.0


@njit(cache=True)
def ruin_strings(xs, ys, rounded, order, n, chosen, neigh, lmax, strings, split_rate, seed, kept, removed):
    """Take strings out of the tour ``order`` around each city of ``chosen`` (module doc).

    Writes the remaining cities, in tour order, to ``kept[:m]`` and the taken-out ones, in
    the order taken, to ``removed[:r]``; returns ``(m, r, length of the tour through kept)``.
    ``order`` is not modified.
    """
    np.random.seed(seed)
    size = order.shape[0]
    pos = np.full(n, -1, dtype=np.int64)
    for k in range(size):
        pos[order[k]] = k
    out = np.zeros(size, dtype=np.uint8)  # by position: taken out
    left = size
    r = 0
    K = neigh.shape[1]
    for j in range(chosen.shape[0]):
        c0 = chosen[j]
        if c0 < 0 or c0 >= n:
            continue
        count = 1 + np.random.randint(0, max(1, strings))
        done = 0
        for a in range(-1, K):
            if done >= count or left <= MIN_KEPT:
                break
            anchor = c0 if a < 0 else neigh[c0, a]
            p = pos[anchor]
            if p < 0 or out[p]:
                continue
            length = 1 + np.random.randint(0, max(1, lmax))
            keep = 0
            if length >= 2 and np.random.random() < split_rate:
                keep = 1 + np.random.randint(0, length - 1)
            span = length + keep
            if span > size:
                span = size
            start = p - np.random.randint(0, span)
            kstart = 1 + np.random.randint(0, length - 1) if keep > 0 else 0  # kept block inside
            for s in range(span):
                if left <= MIN_KEPT:
                    break
                if keep > 0 and kstart <= s < kstart + keep:
                    continue
                q = (start + s) % size
                q = q + size if q < 0 else q
                if out[q]:
                    continue
                out[q] = 1
                removed[r] = order[q]
                r += 1
                left -= 1
            done += 1
    m = 0
    for k in range(size):
        if not out[k]:
            kept[m] = order[k]
            m += 1
    length = tour_length(xs, ys, rounded, kept[:m]) if m > 0 else 0.0
    return m, r, length


@njit(cache=True)
def insert_cheapest(xs, ys, rounded, order, left, neigh, n, blink, mode, centre, seed, polish, neigh2, eps,
                    out_order):
    """Insert every city of ``left`` into the tour ``order`` by cheapest insertion (module doc).

    ``mode``: 0 random order, 1 farthest from ``centre`` first, 2 closest first. With ``polish``
    (and a complete tour) the result is then taken to a 2-opt local optimum over the neighbour
    lists ``neigh2`` (the decoders' own ``_two_opt``, gains above ``eps``).
    Writes the full tour (``order`` and ``left`` together) to ``out_order`` and returns its length.
    """
    np.random.seed(seed)
    m = order.shape[0]
    L = left.shape[0]
    succ = np.full(n, -1, dtype=np.int64)
    pred = np.full(n, -1, dtype=np.int64)
    for k in range(m):
        a = order[k]
        b = order[(k + 1) % m]
        succ[a] = b
        pred[b] = a
    seq = left.copy()
    if mode == 0 or centre < 0:
        for i in range(L - 1, 0, -1):
            j = np.random.randint(0, i + 1)
            t = seq[i]
            seq[i] = seq[j]
            seq[j] = t
    else:
        key = np.empty(L)
        for i in range(L):
            d = _dist(xs, ys, centre, seq[i], 0)
            key[i] = -d if mode == 1 else d
        seq = seq[np.argsort(key, kind="mergesort")]
    K = neigh.shape[1]
    size = m
    for i in range(L):
        c = seq[i]
        best = np.inf
        ba = -1
        if size == 1:
            ba = order[0] if m > 0 else -1
        for k in range(K):
            v = neigh[c, k]
            if succ[v] < 0:
                continue
            for side in range(2):
                if side == 0:
                    a = pred[v]
                    b = v
                else:
                    a = v
                    b = succ[v]
                if blink > 0.0 and np.random.random() < blink:
                    continue
                d = _dist(xs, ys, a, c, rounded) + _dist(xs, ys, c, b, rounded) - _dist(xs, ys, a, b, rounded)
                if d < best:
                    best = d
                    ba = a
        if ba < 0:  # no near city in the tour (or all blinked): scan every edge
            start = -1
            for k in range(m):
                if succ[order[k]] >= 0:
                    start = order[k]
                    break
            if start < 0:
                for k in range(L):
                    if succ[seq[k]] >= 0:
                        start = seq[k]
                        break
            a = start
            while True:
                b = succ[a]
                d = _dist(xs, ys, a, c, rounded) + _dist(xs, ys, c, b, rounded) - _dist(xs, ys, a, b, rounded)
                if d < best:
                    best = d
                    ba = a
                a = b
                if a == start:
                    break
        b = succ[ba]
        succ[ba] = c
        pred[c] = ba
        succ[c] = b
        pred[b] = c
        size += 1
    start = order[0] if m > 0 else seq[0]
    a = start
    for k in range(size):
        out_order[k] = a
        a = succ[a]
    if polish and size == n:
        pos = np.empty(n, dtype=np.int64)
        queue = np.empty(n, dtype=np.int64)
        inq = np.zeros(n, dtype=np.uint8)
        _two_opt(xs, ys, rounded, neigh2, eps, out_order, pos, queue, inq)
    return tour_length(xs, ys, rounded, out_order[:size])
