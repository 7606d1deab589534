"""An exact test "do these few items fit in one bin?", by depth-first search over corner points.

The bin-level search repacks a bin with a newcomer by a few greedy sort orders
(``_ruin_kernels.recreate``). Several of the classic instances the default
misses hold five to seven items per bin at 95-98 % of the bin's area (classes
3 and 10), where a packing may exist that no greedy order finds. This kernel
answers the question exactly for a handful of items, within a node budget; the
recreate uses it when ``RecreateSettings.exact_items`` allows (off by default:
measured, it cut the moves to 36-49 % on such instances and found nothing the
greedy orders did not, ``benchmarks/results/exact_repack.md``).

The search is the two-dimensional corner-point enumeration of Martello,
Pisinger & Vigo (Operations Research 48, 2000): the items placed so
far define a staircase *envelope* (everything below and left of some placed
item's top-right corner); the next item goes to one of the staircase's corner
points. The area under the envelope that no item covers is lost for good, so a
node whose lost area exceeds the bin's slack (bin area minus the items' area)
is cut. Identical items are tried once per corner. Before any search, pairs of
Fekete-Schepers dual feasible functions (``dff_excludes``) rule out most sets
that cannot fit, at O(k^3).

Answers 1 (fits: positions and orientations written), 0 (no packing: the
enumeration is taken as complete, and the tests hold it to brute force on
hundreds of small bins and to perfect guillotine and pinwheel packings) or
-1 (node budget spent: unknown).
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["fits_one_bin", "dff_excludes"]


@njit(cache=True)
def _corners(px, py, pw, ph, placed_ids, m, W, cx, cy, xs):
    """Corner points of the staircase of the ``m`` placed items (ascending x); returns (count, envelope area)."""
    if m == 0:
        cx[0] = 0
        cy[0] = 0
        return 1, 0
    # candidate x: 0 and every right edge; the envelope height there is the tallest top among
    # items reaching past x
    nc = 0
    prev_y = -1
    area = 0
    last_x = 0
    xs[0] = 0
    for t in range(m):  # insertion sort: m is small
        v = px[placed_ids[t]] + pw[placed_ids[t]]
        c = t
        while c >= 0 and xs[c] > v:
            xs[c + 1] = xs[c]
            c -= 1
        xs[c + 1] = v
    for a in range(m + 1):
        x = xs[a]
        if a > 0 and x == xs[a - 1]:
            continue
        if x >= W:
            # the staircase reaches the bin's right side: no corner there, area up to W
            if nc > 0:
                area += cy[nc - 1] * (W - last_x)
                last_x = W
            break
        y = 0
        for t in range(m):
            it = placed_ids[t]
            if px[it] + pw[it] > x and py[it] + ph[it] > y:
                y = py[it] + ph[it]
        if y == prev_y:
            continue
        if nc > 0:
            area += cy[nc - 1] * (x - last_x)
        cx[nc] = x
        cy[nc] = y
        last_x = x
        nc += 1
        prev_y = y
    return nc, area


@njit(cache=True)
def _dff_scaled(v, t, C):
    """Fekete & Schepers' dual feasible function u^(t/C) on an integer size ``v`` of a side ``C``."""
    if t == 0:
        return v
    if v > C - t:
        return C
    if v < t:
        return 0
    return v


@njit(cache=True)
def dff_excludes(w, h, W, H):
    """True when a pair of Fekete-Schepers functions proves that the items cannot share one bin.

    For every pair of thresholds up to half the bin's side (0; each item side, below
    which items vanish; one more than the bin's side minus an item side, above which
    items count as the whole side) the items' transformed areas must sum to at most
    the bin's area; the search is cut before it starts where they do not (items wider
    than half the bin stacked taller than it, for instance). O(k^3) for k items: k is small.
    """
    k = w.shape[0]
    WH = W * H
    # thresholds: 0 (the identity), each side (small items vanish) and what makes each side count whole
    tws = np.empty(2 * k + 1, dtype=np.int64)
    ths = np.empty(2 * k + 1, dtype=np.int64)
    nw = 1
    nh = 1
    tws[0] = 0
    ths[0] = 0
    for i in range(k):
        for t in (w[i], W - w[i] + 1):
            if 0 < 2 * t <= W:
                tws[nw] = t
                nw += 1
        for t in (h[i], H - h[i] + 1):
            if 0 < 2 * t <= H:
                ths[nh] = t
                nh += 1
    for a in range(nw):
        for c in range(nh):
            if a == 0 and c == 0:
                continue
            total = 0
            for i in range(k):
                total += _dff_scaled(w[i], tws[a], W) * _dff_scaled(h[i], ths[c], H)
            if total > WH:
                return True
    return False


@njit(cache=True)
def fits_one_bin(w0, h0, W, H, allow_rotation, max_nodes, outx, outy, outrot):
    """Can the items with sizes ``w0``/``h0`` (k of them, as given) share one W x H bin?

    Returns ``(answer, nodes)``: answer 1 (positions in ``outx``/``outy``, ``outrot`` 1 where
    turned), 0 (no) or -1 (more than ``max_nodes`` nodes: unknown); ``nodes`` placements tried.
    Items are tried largest first.
    """
    k = w0.shape[0]
    total = 0
    for i in range(k):
        total += w0[i] * h0[i]
        if not ((w0[i] <= W and h0[i] <= H) or (allow_rotation and h0[i] <= W and w0[i] <= H)):
            return 0, 0
    slack = W * H - total
    if slack < 0:
        return 0, 0
    if k == 0:
        return 1, 0
    if not allow_rotation and dff_excludes(w0, h0, W, H):
        return 0, 0
    order = np.argsort(-(w0 * h0), kind="mergesort")
    turns = 2 if allow_rotation else 1
    px = np.zeros(k, dtype=np.int64)
    py = np.zeros(k, dtype=np.int64)
    pw = np.zeros(k, dtype=np.int64)
    ph = np.zeros(k, dtype=np.int64)
    used = np.zeros(k, dtype=np.bool_)
    placed_ids = np.empty(k, dtype=np.int64)
    ncorner = np.zeros(k + 1, dtype=np.int64)
    CX = np.empty((k + 1, k + 2), dtype=np.int64)
    CY = np.empty((k + 1, k + 2), dtype=np.int64)
    nxt = np.zeros(k + 1, dtype=np.int64)  # next (corner, item, turn) to try at each depth
    area_at = np.zeros(k + 1, dtype=np.int64)  # area of the items placed above each depth
    nodes = 0
    depth = 0
    xs = np.empty(k + 1, dtype=np.int64)
    nc, _ = _corners(px, py, pw, ph, placed_ids, 0, W, CX[0], CY[0], xs)
    ncorner[0] = nc
    per_corner = k * turns
    while True:
        if depth == k:
            for t in range(k):
                it = placed_ids[t]
                src = order[it]
                outx[src] = px[it]
                outy[src] = py[it]
                outrot[src] = 1 if pw[it] != w0[src] else 0
            return 1, nodes
        moved = False
        while nxt[depth] < ncorner[depth] * per_corner:
            code = nxt[depth]
            nxt[depth] += 1
            c = code // per_corner
            rest = code - c * per_corner
            j = rest // turns
            r = rest - j * turns
            if used[j]:
                continue
            src = order[j]
            w = w0[src] if r == 0 else h0[src]
            h = h0[src] if r == 0 else w0[src]
            if r == 1 and w == h:
                continue
            x = CX[depth, c]
            y = CY[depth, c]
            if x + w > W or y + h > H:
                continue
            # an identical unused item earlier in the order was (or will be) tried here already
            twin = False
            for q in range(j):
                if not used[q] and w0[order[q]] == w0[src] and h0[order[q]] == h0[src]:
                    twin = True
                    break
            if twin:
                continue
            nodes += 1
            if nodes > max_nodes:
                return -1, max_nodes
            px[j] = x
            py[j] = y
            pw[j] = w
            ph[j] = h
            used[j] = True
            placed_ids[depth] = j
            nc, env = _corners(px, py, pw, ph, placed_ids, depth + 1, W, CX[depth + 1], CY[depth + 1], xs)
            area_at[depth + 1] = area_at[depth] + w * h
            if env - area_at[depth + 1] > slack:  # the envelope has swallowed more space than the bin can spare
                used[j] = False
                continue
            ncorner[depth + 1] = nc
            nxt[depth + 1] = 0
            depth += 1
            moved = True
            break
        if moved:
            continue
        # every candidate at this depth failed: undo the placement that led here
        if depth == 0:
            return 0, nodes
        depth -= 1
        used[placed_ids[depth]] = False
