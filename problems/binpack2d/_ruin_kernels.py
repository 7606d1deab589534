"""Numba kernels of the bin-level search: ruin a few bins, recreate them, most-restricted first.

A *search state* is four arrays by item id — ``ib`` (bin slot, or -1 when the
item is left out), ``ix``, ``iy`` (lower-left corner) and ``rot`` (turned) —
plus the number ``L`` of bin slots the state may use (the goal: one bin fewer
than the incumbent). Keeping positions in the state means a recreate only
touches the bins it inserts into; every other bin keeps its exact layout.

One recreate (``recreate``) costs about one decode: every free-rectangle set it
needs is rebuilt from the bin's placed items (MaxRects, the same split and
prune as the decoders, see ``_kernels._mr_place``) and then updated in place as
items go in. An item that fits no hole is tried once more by *repacking* a
bin: its items plus the newcomer, largest first, into an empty bin — that is
how a bin's contents get rearranged, which hole insertion alone never does.

Randomness comes from Numba's own generator, seeded per call by the caller, so
a run is determined by its seed.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from nnopt.problems.binpack2d._kernels import RULE_MAXRECTS_BSSF, _mr_best, _mr_hits, _mr_place
from nnopt.problems.binpack2d._opp_kernels import fits_one_bin

__all__ = ["ruin_bins", "recreate", "refill_slots", "repack_alone", "sort_fullest_first", "bin_fill", "bin_profile",
           "component_profile", "free_capacity"]

#: Free rectangles a bin may hold during a recreate; a bin that would need more
#: is treated as full (rare: MaxRects keeps a few dozen for a bin of ~10 items).
_CAP = 256


@njit(cache=True)
def free_capacity(n):
    """Free-rectangle slots per bin for an instance of ``n`` items."""
    return min(_CAP, 4 * n + 16)


@njit(cache=True)
def _sizes(widths, heights, rot, it):
    if rot[it] != 0:
        return heights[it], widths[it]
    return widths[it], heights[it]


@njit(cache=True)
def _clear(F, b, W, H):
    """Bin b's free space as one empty W x H rectangle; returns the rectangle count (1)."""
    F[b, 0, 0] = 0
    F[b, 1, 0] = 0
    F[b, 2, 0] = W
    F[b, 3, 0] = H
    return 1


@njit(cache=True)
def _split(F, T, b, cnt, x, y, w, h):
    """Bin b's free rectangles after placing (x, y, w, h): the new count, or -1 when ``F`` or the
    scratch ``T`` has no room for the split (the caller treats the bin as full or rebuilds it)."""
    hits = _mr_hits(F, b, cnt, x, y, w, h)
    if cnt + 3 * hits > F.shape[2] or 4 * hits > T.shape[1]:
        return -1
    c, _, _ = _mr_place(F, b, cnt, x, y, w, h, T)
    return c


@njit(cache=True)
def _rebuild(F, T, b, members, m, ix, iy, pw, ph, W, H):
    """Bin b's free rectangles from its ``m`` placed ``members``; -1 when they overflow ``F``."""
    cnt = _clear(F, b, W, H)
    for t in range(m):
        it = members[t]
        cnt = _split(F, T, b, cnt, ix[it], iy[it], pw[it], ph[it])
        if cnt < 0:
            return -1
    return cnt


@njit(cache=True)
def _pack_alone(F, T, b, ids, k, pw, ph, W, H, outx, outy, dummy):
    """Pack ``ids[:k]`` in that order into the empty bin ``b`` (MaxRects BSSF); False if one does not fit."""
    cnt = _clear(F, b, W, H)
    for t in range(k):
        it = ids[t]
        w = pw[it]
        h = ph[it]
        ok, s1, s2, x, y = _mr_best(F, b, cnt, w, h, W, H, RULE_MAXRECTS_BSSF, dummy, dummy, dummy, dummy,
                                    dummy, dummy)
        if not ok:
            return False
        cnt = _split(F, T, b, cnt, x, y, w, h)
        if cnt < 0:
            return False
        outx[it] = x
        outy[it] = y
    return True


@njit(cache=True)
def sort_fullest_first(slots, ns, used):
    """Insertion sort of the bins ``slots[:ns]`` by used area, descending (ties keep their order)."""
    for u in range(1, ns):
        v = slots[u]
        c = u - 1
        while c >= 0 and used[slots[c]] < used[v]:
            slots[c + 1] = slots[c]
            c -= 1
        slots[c + 1] = v


@njit(cache=True)
def repack_alone(F, T, b, ids, k, pw, ph, W, H, orders, keys, tx, ty, dummy):
    """``ids[:k]`` packed alone into the empty W x H bin b in up to ``orders`` decreasing orders (area,
    height, width, relative longest side); True with their corners in ``tx``, ``ty`` when one order fits."""
    for o in range(orders):
        for u in range(k):
            v = ids[u]
            if o == 0:
                keys[v] = pw[v] * ph[v]
            elif o == 1:
                keys[v] = ph[v] * (W + 1) + pw[v]
            elif o == 2:
                keys[v] = pw[v] * (H + 1) + ph[v]
            else:
                keys[v] = max(pw[v] * H, ph[v] * W) * (W * H + 1) + pw[v] * ph[v]
        _insert_sorted(keys, ids, k)
        if _pack_alone(F, T, b, ids, k, pw, ph, W, H, tx, ty, dummy):
            return True
    return False


@njit(cache=True)
def bin_fill(widths, heights, L, ib):
    """(used area per slot, items per slot) for the ``L`` slots."""
    used = np.zeros(L, dtype=np.int64)
    count = np.zeros(L, dtype=np.int64)
    for it in range(ib.shape[0]):
        b = ib[it]
        if b >= 0:
            used[b] += widths[it] * heights[it]
            count[b] += 1
    return used, count


@njit(cache=True)
def bin_weakness(widths, heights, bin_area, L, ib):
    """Per slot: its free fraction, plus 0.1 per missing item below the mean count (see
    ``_ruin.state_weakness``), in one pass: the loop asks for it after nearly every move."""
    used, count = bin_fill(widths, heights, L, ib)
    mean = 0.0
    for b in range(L):
        mean += count[b]
    mean /= max(L, 1)
    out = np.empty(L)
    for b in range(L):
        out[b] = 1.0 - used[b] / bin_area + 0.1 * max(0.0, mean - count[b])
    return out


@njit(cache=True)
def bin_profile(widths, heights, W, H, L, ib):
    """Per slot: used area, item count, largest and smallest item area, longest relative side."""
    used = np.zeros(L, dtype=np.float64)
    count = np.zeros(L, dtype=np.float64)
    big = np.zeros(L, dtype=np.float64)
    small = np.full(L, np.inf)
    longest = np.zeros(L, dtype=np.float64)
    for it in range(ib.shape[0]):
        b = ib[it]
        if b >= 0:
            a = float(widths[it] * heights[it])
            used[b] += a
            count[b] += 1.0
            big[b] = max(big[b], a)
            small[b] = min(small[b], a)
            longest[b] = max(longest[b], max(widths[it] / W, heights[it] / H))
    for b in range(L):
        if count[b] == 0:
            small[b] = 0.0
    return used, count, big, small, longest


@njit(cache=True)
def component_profile(widths, heights, W, H, L, ib):
    """The ``(L, 10)`` features of ``_ruin.component_features`` in one pass (see ``COMPONENT_COLUMNS``)."""
    A = W * H
    used, count, big, small, longest = bin_profile(widths, heights, W, H, L, ib)
    n_out = 0
    for it in range(ib.shape[0]):
        if ib[it] < 0:
            n_out += 1
    out = np.empty(n_out)
    t = 0
    out_total = 0.0
    for it in range(ib.shape[0]):
        if ib[it] < 0:
            out[t] = float(widths[it] * heights[it])
            out_total += out[t]
            t += 1
    out.sort()
    mean_count = max(1.0, count.sum() / L) if L > 0 else 1.0
    order = np.argsort(used, kind="mergesort")
    phi = np.empty((L, 10))
    for r in range(L):
        phi[order[r], 5] = r / max(1, L - 1)
    for b in range(L):
        free = A - used[b]
        phi[b, 0] = used[b] / A
        phi[b, 1] = min(1.0, 0.5 * count[b] / mean_count)
        phi[b, 2] = big[b] / A
        phi[b, 3] = small[b] / A
        phi[b, 4] = used[b] / max(count[b], 1.0) / A
        phi[b, 6] = longest[b]
        phi[b, 7] = min(1.0, out_total / A)
        if n_out > 0:
            phi[b, 8] = min(1.0, free / out_total)
            phi[b, 9] = np.searchsorted(out, free, side="right") / n_out
        else:
            phi[b, 8] = 1.0
            phi[b, 9] = 1.0
    return phi


@njit(cache=True)
def ruin_bins(ib, bins, seed, p_all):
    """Take items out of the chosen ``bins`` (in place): all of them with probability ``p_all``,
    else each with probability 1/2 (at least one). Returns how many were taken out."""
    np.random.seed(seed)
    n = ib.shape[0]
    removed = 0
    for j in range(bins.shape[0]):
        b = bins[j]
        everything = np.random.random() < p_all
        first = -1
        took = 0
        for it in range(n):
            if ib[it] != b:
                continue
            if first < 0:
                first = it
            if everything or np.random.random() < 0.5:
                ib[it] = -1
                took += 1
        if took == 0 and first >= 0:
            ib[first] = -1
            took = 1
        removed += took
    return removed


@njit(cache=True)
def _insert_sorted(keys, order, m):
    """Insertion sort of ``order[:m]`` by descending ``keys`` (ties: lower id first); m is small."""
    for a in range(1, m):
        v = order[a]
        kv = keys[v]
        c = a - 1
        while c >= 0 and (keys[order[c]] < kv or (keys[order[c]] == kv and order[c] > v)):
            order[c + 1] = order[c]
            c -= 1
        order[c + 1] = v


@njit(cache=True)
def recreate(widths, heights, W, H, allow_rotation, L, ib, ix, iy, rot, seed, blink, noise, repack_orders, fit_first,
             exact_items, exact_nodes):
    """Insert every left-out item (``ib == -1``) into the ``L`` slots, in place.

    Items go most-restricted first (largest area; ``noise`` perturbs the keys
    multiplicatively so equal-looking orders vary between calls). Each item
    takes the hole that leaves its bin the least free area (best fit over bins;
    a bin is skipped with probability ``blink``, SISR's "blinks"); failing that,
    an empty slot; failing that, the first bin — fullest first — whose items
    plus the newcomer repack into one bin, trying up to ``repack_orders`` sort
    orders (area, height, width, relative max side; all descending), then, for a bin
    of at most ``exact_items`` items with it, the exact corner-point search of
    ``_opp_kernels`` (``exact_nodes`` placements per call of this kernel, shared by
    all its searches). What still does not fit stays out.
    Returns (left-out area, sum over bins of squared used area).
    """
    np.random.seed(seed)
    n = ib.shape[0]
    WH = W * H
    pw = np.empty(n, dtype=np.int64)
    ph = np.empty(n, dtype=np.int64)
    for it in range(n):
        w, h = _sizes(widths, heights, rot, it)
        pw[it] = w
        ph[it] = h
    used, count = bin_fill(widths, heights, L, ib)
    # members of each slot as a linked list (head / nxt), rebuilt lazily into free rectangles
    head = np.full(L, -1, dtype=np.int64)
    nxt = np.full(n, -1, dtype=np.int64)
    pool = np.empty(n, dtype=np.int64)
    npool = 0
    for it in range(n - 1, -1, -1):
        b = ib[it]
        if b >= 0:
            nxt[it] = head[b]
            head[b] = it
    for it in range(n):
        if ib[it] < 0:
            pool[npool] = it
            npool += 1
    keys = np.zeros(n)
    for t in range(npool):
        it = pool[t]
        keys[it] = widths[it] * heights[it] * (1.0 + noise * (np.random.random() - 0.5))
    _insert_sorted(keys, pool, npool)

    cap = free_capacity(n)
    F = np.empty((L, 4, cap), dtype=np.int64)
    T = np.empty((4, 4 * cap), dtype=np.int64)
    cnt = np.full(L, -2, dtype=np.int64)  # -2: not built, -1: overflowed
    members = np.empty(n, dtype=np.int64)
    ids = np.empty(n, dtype=np.int64)
    tx = np.empty(n, dtype=np.int64)
    ty = np.empty(n, dtype=np.int64)
    dummy = np.empty(1, dtype=np.int64)
    slots = np.empty(L, dtype=np.int64)
    nodes_left = exact_nodes
    ew = np.empty(n, dtype=np.int64)
    eh = np.empty(n, dtype=np.int64)
    ex = np.empty(n, dtype=np.int64)
    ey = np.empty(n, dtype=np.int64)
    er = np.empty(n, dtype=np.uint8)

    for t in range(npool):
        it = pool[t]
        a = widths[it] * heights[it]
        turns = 2 if allow_rotation else 1
        best = -1
        best_res = 0
        best_s1 = 0
        bx = 0
        by = 0
        brot = rot[it]
        for b in range(L):
            if count[b] == 0 or used[b] + a > WH:
                continue
            if blink > 0.0 and np.random.random() < blink:
                continue
            if cnt[b] == -2:
                m = 0
                j = head[b]
                while j >= 0:
                    members[m] = j
                    m += 1
                    j = nxt[j]
                cnt[b] = _rebuild(F, T, b, members, m, ix, iy, pw, ph, W, H)
            if cnt[b] < 0:
                continue
            res = WH - used[b] - a
            for r in range(turns):
                if r == 0:
                    w = pw[it]
                    h = ph[it]
                else:
                    w = ph[it]
                    h = pw[it]
                    if w == h:
                        continue
                if w > W or h > H:
                    continue
                ok, s1, s2, x, y = _mr_best(F, b, cnt[b], w, h, W, H, RULE_MAXRECTS_BSSF, dummy, dummy, dummy,
                                            dummy, dummy, dummy)
                if ok and (best < 0
                           or (fit_first and (s1 < best_s1 or (s1 == best_s1 and res < best_res)))
                           or (not fit_first and (res < best_res or (res == best_res and s1 < best_s1)))):
                    best = b
                    best_res = res
                    best_s1 = s1
                    bx = x
                    by = y
                    brot = rot[it] if r == 0 else 1 - rot[it]
        if best >= 0:
            if brot != rot[it]:
                rot[it] = brot
                pw[it], ph[it] = ph[it], pw[it]
            c = _split(F, T, best, cnt[best], bx, by, pw[it], ph[it])
            cnt[best] = c if c >= 0 else -2  # -2: rebuilt on its next use
            ix[it] = bx
            iy[it] = by
        else:
            # an empty slot?
            for b in range(L):
                if count[b] == 0:
                    best = b
                    break
            if best >= 0:
                if pw[it] > W or ph[it] > H:  # only turned fits
                    rot[it] = 1 - rot[it]
                    pw[it], ph[it] = ph[it], pw[it]
                ix[it] = 0
                iy[it] = 0
                cnt[best] = -2
            else:
                # repack a bin with the newcomer: fullest bins first
                ns = 0
                for b in range(L):
                    if count[b] > 0 and used[b] + a <= WH:
                        slots[ns] = b
                        ns += 1
                sort_fullest_first(slots, ns, used)
                for s in range(ns):
                    b = slots[s]
                    k = 0
                    j = head[b]
                    while j >= 0:
                        ids[k] = j
                        k += 1
                        j = nxt[j]
                    ids[k] = it
                    k += 1
                    cnt[b] = -2  # F[b] is overwritten by the attempts
                    done = repack_alone(F, T, b, ids, k, pw, ph, W, H, repack_orders, keys, tx, ty, dummy)
                    if not done and k <= exact_items and nodes_left > 0:
                        for u in range(k):
                            ew[u] = pw[ids[u]]
                            eh[u] = ph[ids[u]]
                        found, spent = fits_one_bin(ew[:k], eh[:k], W, H, allow_rotation, nodes_left,
                                                    ex, ey, er)
                        nodes_left -= spent
                        if found == 1:
                            for u in range(k):
                                v = ids[u]
                                if er[u] != 0:
                                    rot[v] = 1 - rot[v]
                                    pw[v], ph[v] = ph[v], pw[v]
                                tx[v] = ex[u]
                                ty[v] = ey[u]
                            done = True
                    if done:
                        for u in range(k):
                            ix[ids[u]] = tx[ids[u]]
                            iy[ids[u]] = ty[ids[u]]
                        best = b
                        break
        if best >= 0:
            ib[it] = best
            used[best] += a
            count[best] += 1
            nxt[it] = head[best]
            head[best] = it
    left = 0
    for it in range(n):
        if ib[it] < 0:
            left += widths[it] * heights[it]
    sq = 0.0
    for b in range(L):
        sq += float(used[b]) * float(used[b])
    return left, sq


@njit(cache=True)
def refill_slots(widths, heights, W, H, allow_rotation, ib, ix, iy, rot, slots, attempts, seed, noise, power):
    """Pack the left-out items into the empty ``slots`` afresh; keep the best of ``attempts`` orders.

    This is the large-neighbourhood half of a move: the ruined bins are rebuilt
    from scratch, together with whatever was left out before, instead of only
    receiving items in their old holes. Attempt 0 takes the items by descending
    area, later ones by area perturbed by ``noise``; each item goes to the slot
    where MaxRects' best short side fit is smallest. The best attempt leaves out
    the least sum of (area / bin area) ** ``power`` (ties: the most uneven fills).
    Items it leaves out stay at ``ib == -1`` for the hole-filling ``recreate``.
    """
    np.random.seed(seed)
    n = ib.shape[0]
    k = slots.shape[0]
    if k == 0:
        return
    WH = float(W * H)
    pool = np.empty(n, dtype=np.int64)
    npool = 0
    for it in range(n):
        if ib[it] < 0:
            pool[npool] = it
            npool += 1
    if npool == 0:
        return
    cap = free_capacity(n)
    F = np.empty((k, 4, cap), dtype=np.int64)
    T = np.empty((4, 4 * cap), dtype=np.int64)
    cnt = np.empty(k, dtype=np.int64)
    dummy = np.empty(1, dtype=np.int64)
    keys = np.zeros(n)
    order = np.empty(npool, dtype=np.int64)
    tb = np.empty(n, dtype=np.int64)
    tx = np.empty(n, dtype=np.int64)
    ty = np.empty(n, dtype=np.int64)
    trot = np.empty(n, dtype=np.uint8)
    best_left = np.inf
    best_sq = 0.0
    bb = np.empty(n, dtype=np.int64)
    bx = np.empty(n, dtype=np.int64)
    by = np.empty(n, dtype=np.int64)
    brot = np.empty(n, dtype=np.uint8)
    fill = np.empty(k)
    for a in range(attempts):
        for t in range(npool):
            it = pool[t]
            order[t] = it
            f = 1.0 if a == 0 else 1.0 + noise * (np.random.random() - 0.5)
            keys[it] = widths[it] * heights[it] * f
        _insert_sorted(keys, order, npool)
        for s in range(k):
            cnt[s] = _clear(F, s, W, H)
            fill[s] = 0.0
        left = 0.0
        for t in range(npool):
            it = order[t]
            w0, h0 = _sizes(widths, heights, rot, it)
            found = False
            fs1 = 0
            fs2 = 0
            fx = 0
            fy = 0
            fslot = -1
            fturn = False
            for s in range(k):
                if cnt[s] < 0:
                    continue
                for r in range(2):
                    if r == 0:
                        w = w0
                        h = h0
                    else:
                        w = h0
                        h = w0
                        if not (allow_rotation and w != h and w <= W and h <= H):
                            continue
                    ok, s1, s2, x, y = _mr_best(F, s, cnt[s], w, h, W, H, RULE_MAXRECTS_BSSF, dummy, dummy,
                                                dummy, dummy, dummy, dummy)
                    if ok and (not found or s1 < fs1 or (s1 == fs1 and s2 < fs2)):
                        found = True
                        fs1 = s1
                        fs2 = s2
                        fx = x
                        fy = y
                        fslot = s
                        fturn = r == 1
            w = h0 if fturn else w0
            h = w0 if fturn else h0
            c = _split(F, T, fslot, cnt[fslot], fx, fy, w, h) if found else -1
            if c < 0:  # fits no slot (or a slot's free space would overflow): left out
                tb[it] = -1
                left += (widths[it] * heights[it] / WH) ** power
                continue
            cnt[fslot] = c
            tb[it] = slots[fslot]
            tx[it] = fx
            ty[it] = fy
            trot[it] = (1 - rot[it]) if fturn else rot[it]
            fill[fslot] += widths[it] * heights[it] / WH
        sq = 0.0
        for s in range(k):
            sq += fill[s] * fill[s]
        if left < best_left or (left == best_left and sq > best_sq):
            best_left = left
            best_sq = sq
            for t in range(npool):
                it = pool[t]
                bb[it] = tb[it]
                bx[it] = tx[it]
                by[it] = ty[it]
                brot[it] = trot[it]
    for t in range(npool):
        it = pool[t]
        ib[it] = bb[it]
        if bb[it] >= 0:
            ix[it] = bx[it]
            iy[it] = by[it]
            rot[it] = brot[it]

