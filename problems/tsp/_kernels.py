"""Numba kernels for tsp: distances, neighbour lists, the decoders, constructions, 1-trees.

Pure functions over arrays and scalars; no Python objects inside. The
Python-facing wrappers (``_problem``, ``_bounds``) validate, allocate and call.

Distances are computed on the fly from the coordinates (no ``n x n`` matrix,
so memory stays O(n)): ``sqrt(dx² + dy²)``, rounded to the nearest integer
(halves up, TSPLIB's ``nint``) when ``rounded`` is 1.

Decoding one row (:func:`decode_batch`)
---------------------------------------
The row's ``order`` (the cities by ascending key, computed by the caller) is
the tour. With ``improve`` = 1 it is then improved to a local optimum of 2-opt
restricted to neighbour lists, with don't-look bits:

- every city starts in a FIFO queue, in tour order;
- for the city ``a`` at the head of the queue and each of its two tour
  neighbours ``b`` (successor, then predecessor), the candidates ``c`` are
  ``a``'s ``K`` nearest cities, nearest first, while ``d(a, c) < d(a, b)``
  (no gain is possible beyond: Bentley's neighbour-list rule); ``e`` is ``c``'s
  neighbour on the same side; the move replaces edges ``(a, b), (c, e)`` by
  ``(a, c), (b, e)`` when that shortens the tour by more than ``eps``;
- the first improving move found is applied (the segment between the two edges
  is reversed — the shorter of the two sides, which gives the same cycle), its
  four end cities are queued, and ``a`` is examined again;
- when the queue runs dry after a sweep that moved anything, every city is
  queued again (don't-look bits alone can stop short of a local optimum); a
  sweep without a move ends the search at a local optimum.

Every applied move shortens the tour by more than ``eps``, so the result is
never longer than the order's tour and the loop ends. The tour is then written
in canonical form — city 0 first, then the smaller of its two neighbours — so
that equal cycles are equal arrays, and its length is summed in that order.
The work depends only on the row, never on other rows or on threads, so a
batch decodes exactly like its rows one by one.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["decode_batch", "neighbour_lists", "nearest_neighbour_tour", "one_tree", "tour_length"]

#: Rows below this decode on the calling thread (waking the pool costs more).
_PARALLEL_MIN_ROWS = 4
#: Fixed number of chunks of a parallel batch (each allocates its workspace once).
_MAX_CHUNKS = 256


@njit(cache=True)
def _dist(xs, ys, a, b, rounded):
    dx = xs[a] - xs[b]
    dy = ys[a] - ys[b]
    d = math.sqrt(dx * dx + dy * dy)
    if rounded:
        d = math.floor(d + 0.5)
    return d


@njit(cache=True)
def tour_length(xs, ys, rounded, tour):
    """Length of the closed tour ``tour`` (cities in visiting order), summed in that order."""
    n = tour.shape[0]
    total = 0.0
    for k in range(n):
        total += _dist(xs, ys, tour[k], tour[(k + 1) % n], rounded)
    return total


# ----------------------------------------------------------------------------- neighbour lists


@njit(cache=True, parallel=True)
def neighbour_lists(xs, ys, out):
    """The ``K = out.shape[1]`` nearest other cities of every city, nearest first, into ``out``.

    Sorted by the real distance (the rounded one is a monotone function of it, so the
    lists are sorted for both), ties to the lower city index.
    """
    n = xs.shape[0]
    K = out.shape[1]
    dist = np.empty((n, K))
    for a in prange(n):
        cnt = 0
        for b in range(n):
            if b == a:
                continue
            dx = xs[a] - xs[b]
            dy = ys[a] - ys[b]
            d = dx * dx + dy * dy
            if cnt < K:
                k = cnt
                cnt += 1
            elif d < dist[a, K - 1]:
                k = K - 1  # the current K-th drops out (ties keep the lower index)
            else:
                continue
            while k > 0 and dist[a, k - 1] > d:
                dist[a, k] = dist[a, k - 1]
                out[a, k] = out[a, k - 1]
                k -= 1
            dist[a, k] = d
            out[a, k] = b


# ----------------------------------------------------------------------------- 2-opt decoder


@njit(cache=True)
def _reverse(tour, pos, i, j):
    """Reverse the tour between positions ``i`` and ``j`` (inclusive, going forward).

    The shorter of the segment and its complement is reversed; both give the same cycle.
    """
    n = tour.shape[0]
    length = (j - i + n) % n + 1
    if 2 * length > n:
        i, j = (j + 1) % n, (i - 1 + n) % n
        length = n - length
    for s in range(length // 2):
        p = (i + s) % n
        q = (j - s + n) % n
        cp = tour[p]
        cq = tour[q]
        tour[p] = cq
        tour[q] = cp
        pos[cq] = p
        pos[cp] = q


@njit(cache=True)
def _push(queue, inq, head, size, c):
    """Append city ``c`` to the circular queue unless queued; returns the new size."""
    if inq[c]:
        return size
    n = queue.shape[0]
    queue[(head + size) % n] = c
    inq[c] = 1
    return size + 1


@njit(cache=True)
def _two_opt(xs, ys, rounded, neigh, eps, tour, pos, queue, inq):
    """Improve ``tour`` in place to a neighbour-list 2-opt local optimum (module doc).

    Don't-look bits alone can stop short of a local optimum (a city whose own
    edges did not change is not looked at again, although a candidate's edges
    did), so when the queue runs dry after a sweep that moved anything, every
    city is queued again; the last sweep finds no move, which proves the optimum.
    """
    n = tour.shape[0]
    K = neigh.shape[1]
    for i in range(n):
        pos[tour[i]] = i
        inq[i] = 0
    moves = 1
    while moves > 0:
        moves = 0
        for i in range(n):
            queue[i] = tour[i]
            inq[tour[i]] = 1
        head = 0
        size = n
        while size > 0:
            a = queue[head]
            head = (head + 1) % n
            size -= 1
            inq[a] = 0
            improved = True
            while improved:
                improved = False
                for side in range(2):
                    pa = pos[a]
                    b = tour[(pa + 1) % n] if side == 0 else tour[(pa - 1 + n) % n]
                    dab = _dist(xs, ys, a, b, rounded)
                    for k in range(K):
                        c = neigh[a, k]
                        dac = _dist(xs, ys, a, c, rounded)
                        if dac >= dab:
                            break
                        pc = pos[c]
                        e = tour[(pc + 1) % n] if side == 0 else tour[(pc - 1 + n) % n]
                        if e == a or c == b:
                            continue
                        delta = dac + _dist(xs, ys, b, e, rounded) - dab - _dist(xs, ys, c, e, rounded)
                        if delta < -eps:
                            if side == 0:  # a b ... c e  ->  a c ... b e
                                _reverse(tour, pos, pos[b], pc)
                            else:  # e c ... b a  ->  e b ... c a
                                _reverse(tour, pos, pc, pos[b])
                            size = _push(queue, inq, head, size, b)
                            size = _push(queue, inq, head, size, c)
                            size = _push(queue, inq, head, size, e)
                            moves += 1
                            improved = True
                            break
                    if improved:
                        break


@njit(cache=True)
def _canonical(tour, out):
    """``tour`` rotated to start at city 0, heading to its smaller neighbour, into ``out``."""
    n = tour.shape[0]
    p0 = 0
    for i in range(n):
        if tour[i] == 0:
            p0 = i
            break
    step = 1 if tour[(p0 + 1) % n] < tour[(p0 - 1 + n) % n] else n - 1
    for k in range(n):
        out[k] = tour[(p0 + k * step) % n]


@njit(cache=True)
def _decode_rows(xs, ys, rounded, orders, improve, neigh, eps, out_tours, out_len, lo, hi):
    """Decode rows lo..hi-1 serially with one workspace, allocated here once."""
    n = orders.shape[1]
    tour = np.empty(n, dtype=np.int64)
    pos = np.empty(n, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    inq = np.zeros(n, dtype=np.uint8)
    for r in range(lo, hi):
        for i in range(n):
            tour[i] = orders[r, i]
        if improve:
            _two_opt(xs, ys, rounded, neigh, eps, tour, pos, queue, inq)
        _canonical(tour, out_tours[r])
        out_len[r] = tour_length(xs, ys, rounded, out_tours[r])


@njit(cache=True, parallel=True)
def decode_batch(xs, ys, rounded, orders, improve, neigh, eps, out_tours, out_len):
    """Decode a batch of visiting orders into canonical tours and their lengths, in place.

    xs, ys: float64 (n,) coordinates; rounded: 1 for TSPLIB's nint distances.
    orders: int64 (B, n), each row a permutation of 0..n-1.
    improve: 1 to apply neighbour-list 2-opt, 0 to keep the order's tour.
    neigh: int64 (n, K) neighbour lists (:func:`neighbour_lists`); eps: smallest gain taken.
    out_tours: int64 (B, n); out_len: float64 (B,).
    Rows are decoded independently (in parallel); the result does not depend on
    the number of threads.
    """
    B = orders.shape[0]
    n = orders.shape[1]
    if B == 0 or n == 0:
        return
    if B < _PARALLEL_MIN_ROWS:
        _decode_rows(xs, ys, rounded, orders, improve, neigh, eps, out_tours, out_len, 0, B)
        return
    nchunks = min(B, _MAX_CHUNKS)
    for c in prange(nchunks):
        _decode_rows(xs, ys, rounded, orders, improve, neigh, eps, out_tours, out_len,
                     c * B // nchunks, (c + 1) * B // nchunks)


# ----------------------------------------------------------------------------- constructions


@njit(cache=True)
def nearest_neighbour_tour(xs, ys, rounded, start, out):
    """Nearest-neighbour tour from ``start`` into ``out`` (ties to the lower city index).

    Each step scans only the cities not yet visited (kept packed in ``left``; a visited
    one swapped out), half the work of scanning all of them, the same tour.
    """
    n = xs.shape[0]
    left = np.empty(n, dtype=np.int64)
    m = 0
    for j in range(n):
        if j != start:
            left[m] = j
            m += 1
    cur = start
    out[0] = cur
    for k in range(1, n):
        best = -1
        at = -1
        best_d = np.inf
        for p in range(m):
            j = left[p]
            d = _dist(xs, ys, cur, j, rounded)
            if d < best_d or (d == best_d and j < best):
                best_d = d
                best = j
                at = p
        m -= 1
        left[at] = left[m]
        out[k] = best
        cur = best


@njit(cache=True)
def nearest_neighbour_tour_listed(xs, ys, rounded, start, nbrs, out):
    """As :func:`nearest_neighbour_tour`, the same tour, looking first at each city's listed neighbours.

    ``nbrs`` holds each city's nearest others by real distance (:func:`neighbour_lists`).
    The best unvisited listed city (by the tour's own distance, ties to the lower index)
    is the nearest of all when it is strictly nearer than the last listed one: every city
    not listed is at least that far. Otherwise the step scans every unvisited city. Most
    steps then cost ``K`` distances instead of ``n``.
    """
    n = xs.shape[0]
    K = nbrs.shape[1]
    complete = K >= n - 1  # every other city is listed: the listed best is the best
    left = np.empty(n, dtype=np.int64)  # unvisited cities, packed; pos[j]: where j sits in left
    pos = np.empty(n, dtype=np.int64)
    m = 0
    for j in range(n):
        if j != start:
            left[m] = j
            pos[j] = m
            m += 1
    pos[start] = -1
    cur = start
    out[0] = cur
    for k in range(1, n):
        best = -1
        best_d = np.inf
        for t in range(K):
            j = nbrs[cur, t]
            if pos[j] < 0:
                continue
            d = _dist(xs, ys, cur, j, rounded)
            if d < best_d or (d == best_d and j < best):
                best_d = d
                best = j
        if best < 0 or not (complete or best_d < _dist(xs, ys, cur, nbrs[cur, K - 1], rounded)):
            best = -1
            best_d = np.inf
            for p in range(m):
                j = left[p]
                d = _dist(xs, ys, cur, j, rounded)
                if d < best_d or (d == best_d and j < best):
                    best_d = d
                    best = j
        at = pos[best]
        m -= 1
        left[at] = left[m]
        pos[left[at]] = at
        pos[best] = -1
        out[k] = best
        cur = best


# ----------------------------------------------------------------------------- 1-trees


@njit(cache=True)
def one_tree(xs, ys, rounded, pi, special, degree):
    """Weight of a minimum 1-tree under the penalised lengths ``d(i, j) + pi[i] + pi[j]``.

    A 1-tree: a minimum spanning tree of the cities other than ``special``
    (Prim, O(n²)), plus the two cheapest edges at ``special``. ``degree``
    receives each city's degree in it. The weight minus ``2 * sum(pi)`` is a
    lower bound on every tour's length (Held & Karp).
    """
    n = xs.shape[0]
    key = np.full(n, np.inf)
    parent = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=np.uint8)
    for i in range(n):
        degree[i] = 0
    done[special] = 1
    start = 1 if special == 0 else 0
    key[start] = 0.0
    total = 0.0
    for _ in range(n - 1):
        u = -1
        best = np.inf
        for v in range(n):
            if not done[v] and key[v] < best:
                best = key[v]
                u = v
        done[u] = 1
        total += best
        if parent[u] >= 0:
            degree[u] += 1
            degree[parent[u]] += 1
        for v in range(n):
            if not done[v]:
                w = _dist(xs, ys, u, v, rounded) + pi[u] + pi[v]
                if w < key[v]:
                    key[v] = w
                    parent[v] = u
    m1 = np.inf
    m2 = np.inf
    i1 = -1
    i2 = -1
    for v in range(n):
        if v == special:
            continue
        w = _dist(xs, ys, special, v, rounded) + pi[special] + pi[v]
        if w < m1:
            m2, i2 = m1, i1
            m1, i1 = w, v
        elif w < m2:
            m2, i2 = w, v
    total += m1 + m2
    degree[special] = 2
    degree[i1] += 1
    degree[i2] += 1
    return total
