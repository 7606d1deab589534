"""Numba kernel of a cutting-plan recreate: a pool of pieces decoded in many orders, the best sheets kept.

:func:`decode_pool` is the heavy step of :func:`._cutting_search.recreate_state`:
it draws ``rows`` perturbed decreasing orders of the pool's pieces (and random
preferred orientations), decodes them all with one rule of
:mod:`._guillotine_kernels` in strip space, and per row keeps the fullest sheets,
at most ``slots`` of them and within the cost ``room``; the row that leaves the
least piece area out wins (ties: the larger sum of squared fills, then the
earlier row). Compiled calls, so that a move costs about one small decode rather
than Python's bookkeeping.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from nnopt.problems.binpack2d._guillotine_kernels import decode_batch

__all__ = ["decode_pool"]


@njit(cache=True)
def _orders(metrics, can_turn, first, rows, noise):
    """``(orders, turned)`` (rows, m): decreasing by a drawn size key (row 0 without noise); in every
    other row the pieces marked ``first`` (left out before the ruin) come before the others."""
    K, m = metrics.shape
    orders = np.empty((rows, m), dtype=np.int64)
    turned = np.zeros((rows, m), dtype=np.uint8)
    keys = np.empty(m, dtype=np.float64)
    for r in range(rows):
        k = np.random.randint(K)
        for i in range(m):
            f = 1.0 if r == 0 else 1.0 + noise * np.random.random()
            keys[i] = -metrics[k, i] * f
            if first[i] and r % 2 == 1:
                keys[i] -= 1e18
            if can_turn[i] and np.random.random() < 0.5:
                turned[r, i] = 1
        orders[r] = np.argsort(keys, kind="mergesort")
    return orders, turned


@njit(cache=True)
def draw_orders(metrics, can_turn, first, rows, noise, seed):
    """``(orders, turned)`` (rows, m) of the pool, drawn from ``seed`` (see :func:`_orders`)."""
    np.random.seed(seed)
    return _orders(metrics, can_turn, first, rows, noise)


@njit(cache=True)
def best_row(area, o_sheets, o_sheet, o_type, unit, usable, slots, room):
    """Of the decoded rows, the one whose fullest sheets (at most ``slots``, within the cost ``room``)
    leave the least piece area out; ties: the larger sum of squared fills, then the earlier row.

    Returns ``(row, left_out_area, sum_sq_fill, slot_of_sheet)``: per decoded sheet of that row its rank
    among the kept ones (-1: not kept). Row -1 and an infinite area when every row ran out of stock.
    """
    rows, m = o_sheet.shape
    total = 0.0
    for i in range(m):
        total += area[i]
    best_r = -1
    best_left = np.inf
    best_sq = -np.inf
    best_keep = np.full(m, -1, dtype=np.int64)
    sheet_area = np.zeros(m, dtype=np.float64)
    keep = np.full(m, -1, dtype=np.int64)
    for r in range(rows):
        k = o_sheets[r]
        if k < 0:
            continue
        sheet_area[:k] = 0.0
        keep[:k] = -1
        for i in range(m):
            sheet_area[o_sheet[r, i]] += area[i]
        by_area = np.argsort(-sheet_area[:k], kind="mergesort")
        kept = 0
        spent = 0.0
        kept_area = 0.0
        sq = 0.0
        for q in range(k):
            if kept == slots:
                break
            s = by_area[q]
            c = unit[o_type[r, s]]
            if spent + c <= room:
                keep[s] = kept
                kept += 1
                spent += c
                kept_area += sheet_area[s]
                f = sheet_area[s] / usable[o_type[r, s]]
                sq += f * f
        lost = total - kept_area
        if lost < best_left or (lost == best_left and sq > best_sq):
            best_r = r
            best_left = lost
            best_sq = sq
            best_keep[:] = -1
            best_keep[:k] = keep[:k]
    return best_r, best_left, best_sq, best_keep


def decode_pool(pw, ph, can_turn, first, metrics, sw, sh, unit, usable, left, kerf, stacking, exact, rule, rows,
                noise, slots, room, seed):
    """Decode the pool (strip space) in ``rows`` drawn orders; the best row's keeping.

    Returns ``(left_out_area, sum_sq_fill, slot_of_sheet, sheet, x, y, rot, stock)``: per
    decoded sheet its rank among the kept ones (-1: not kept), per piece its decoded sheet,
    corner and orientation, per sheet its stock type. ``left_out_area`` is inf when every
    row ran out of stock. Three compiled calls (the decoders' own kernel is not compiled a
    second time inside another).
    """
    m = pw.shape[0]
    orders, turned = draw_orders(metrics, can_turn, first, rows, noise, seed)
    o_sheet, o_x, o_y, o_type = (np.zeros((rows, m), dtype=np.int64) for _ in range(4))
    o_rot = np.zeros((rows, m), dtype=np.uint8)
    o_sheets = np.zeros(rows, dtype=np.int64)
    o_cost = np.zeros(rows, dtype=np.float64)
    decode_batch(pw, ph, can_turn, orders, turned, sw, sh, unit, left, kerf, stacking, exact, rule, True,
                 o_sheet, o_x, o_y, o_rot, o_type, o_sheets, o_cost)
    r, lost, sq, keep = best_row((pw * ph).astype(np.float64), o_sheets, o_sheet, o_type, unit, usable, slots, room)
    r = max(r, 0)
    return lost, sq, keep, o_sheet[r], o_x[r], o_y[r], o_rot[r], o_type[r]


@njit(cache=True)
def insert_pieces(w, h, can_turn, ib, sx, sy, rot, slot_stock, slot_way, uw, uh, kerf, stacking, exact, order,
                  blink, seed):
    """Put the pieces of ``order`` (left out: ``ib == -1``) into the free places of the kept sheets, best fit.

    Every coordinate is in each sheet's own strip space (first-stage cuts horizontal; ``slot_way``
    1: the sheet is transposed, so a piece listed ``w x h`` lies there as ``h x w``; -1: the sheet's
    cuts are unknown and it takes nothing), relative to the trimmed sheet: ``sx``, ``sy`` the
    corner, ``rot`` whether the piece lies turned. The kept sheets' strips and stacks are read off
    their pieces (a strip: pieces whose heights overlap; a stack: pieces of a strip whose widths
    overlap; a sheet as the decoders cut it, or as this function left it, reads back so), then each
    piece goes, as the decoders' best-fit rule puts it, on top of a stack, into
    a new stack of a strip, or into a new strip of a sheet; no new sheet is opened, and a place is
    skipped with probability ``blink`` (for variety). Updates ``ib``, ``sx``, ``sy``, ``rot`` in
    place; returns how many pieces went in.
    """
    np.random.seed(seed)
    n = w.shape[0]
    L = slot_stock.shape[0]
    # the placed strip-space size of every held piece
    pw = np.zeros(n, dtype=np.int64)
    ph = np.zeros(n, dtype=np.int64)
    for i in range(n):
        s = ib[i]
        if s < 0:
            continue
        a, b = w[i], h[i]
        if slot_way[s] == 1:
            a, b = b, a
        if rot[i]:
            a, b = b, a
        pw[i] = a
        ph[i] = b
    # the pieces of sheets whose cuts are known take part; the others are left as they lie
    active = np.zeros(n, dtype=np.bool_)
    sheet_key = np.full(n, L, dtype=np.int64)
    for i in range(n):
        if ib[i] >= 0 and slot_way[ib[i]] >= 0:
            active[i] = True
            sheet_key[i] = ib[i]
    # strips: held pieces by sheet, then bottom (stable sorts, the others last)
    by_y = np.argsort(sx, kind="mergesort")
    by_y = by_y[np.argsort(sy[by_y], kind="mergesort")]
    by_y = by_y[np.argsort(sheet_key[by_y], kind="mergesort")]
    cap = n + 4 * L + 4
    st_sheet = np.empty(cap, dtype=np.int64)
    st_y = np.empty(cap, dtype=np.int64)
    st_h = np.empty(cap, dtype=np.int64)
    st_right = np.zeros(cap, dtype=np.int64)
    item_strip = np.full(n, -1, dtype=np.int64)
    n_strips = 0
    sheet_top = np.zeros(L, dtype=np.int64)
    for q in range(n):
        i = by_y[q]
        if not active[i]:
            break
        s = ib[i]
        if n_strips > 0 and st_sheet[n_strips - 1] == s and sy[i] < st_y[n_strips - 1] + st_h[n_strips - 1]:
            j = n_strips - 1
            st_h[j] = max(st_h[j], sy[i] + ph[i] - st_y[j])
        else:
            j = n_strips
            n_strips += 1
            st_sheet[j] = s
            st_y[j] = sy[i]
            st_h[j] = ph[i]
        item_strip[i] = j
    # stacks: the pieces of a strip from left to right
    strip_key = np.where(active, item_strip, cap)
    by_x = np.argsort(sx, kind="mergesort")
    by_x = by_x[np.argsort(strip_key[by_x], kind="mergesort")]
    sk_strip = np.empty(cap, dtype=np.int64)
    sk_x = np.empty(cap, dtype=np.int64)
    sk_w = np.empty(cap, dtype=np.int64)
    sk_top = np.empty(cap, dtype=np.int64)
    n_stacks = 0
    for q in range(n):
        i = by_x[q]
        if not active[i]:
            break
        j = item_strip[i]
        if n_stacks > 0 and sk_strip[n_stacks - 1] == j and sx[i] < sk_x[n_stacks - 1] + sk_w[n_stacks - 1]:
            k = n_stacks - 1
            sk_w[k] = max(sk_w[k], sx[i] + pw[i] - sk_x[k])
            sk_top[k] = max(sk_top[k], sy[i] + ph[i] - st_y[j] + kerf)
        else:
            k = n_stacks
            n_stacks += 1
            sk_strip[k] = j
            sk_x[k] = sx[i]
            sk_w[k] = pw[i]
            sk_top[k] = sy[i] + ph[i] - st_y[j] + kerf
        st_right[j] = max(st_right[j], sk_x[k] + sk_w[k] + kerf)
    for j in range(n_strips):
        sheet_top[st_sheet[j]] = max(sheet_top[st_sheet[j]], st_y[j] + st_h[j] + kerf)
    big = np.int64(1) << np.int64(62)
    placed = 0
    for q in range(order.shape[0]):
        i = order[q]
        if ib[i] >= 0:
            continue
        b_lvl = 3
        b_s1 = big
        b_s2 = big
        b_pos = -1
        b_w = np.int64(0)
        b_h = np.int64(0)
        b_r = False
        for o in range(2 if can_turn[i] else 1):
            turned = o == 1
            for way in range(2):
                a = w[i]
                b = h[i]
                if way == 1:
                    a, b = b, a
                if turned:
                    a, b = b, a
                if stacking:
                    for k in range(n_stacks):
                        j = sk_strip[k]
                        s = st_sheet[j]
                        if slot_way[s] != way:
                            continue
                        fits = (a == sk_w[k]) if exact else (a <= sk_w[k])
                        if fits and sk_top[k] + b <= st_h[j]:
                            s1 = sk_w[k] - a
                            s2 = st_h[j] - sk_top[k] - b
                            if (0 < b_lvl or (s1 < b_s1 or (s1 == b_s1 and s2 < b_s2))) and \
                                    np.random.random() >= blink:
                                b_lvl, b_s1, b_s2, b_pos, b_w, b_h, b_r = 0, s1, s2, k, a, b, turned
                if b_lvl < 1:
                    continue
                for j in range(n_strips):
                    s = st_sheet[j]
                    if slot_way[s] != way:
                        continue
                    W = uh[slot_stock[s]] if way == 1 else uw[slot_stock[s]]
                    fits = (b == st_h[j]) if (exact and not stacking) else (b <= st_h[j])
                    if fits and st_right[j] + a <= W:
                        s1 = st_h[j] - b
                        s2 = W - st_right[j] - a
                        if (1 < b_lvl or (1 == b_lvl and (s1 < b_s1 or (s1 == b_s1 and s2 < b_s2)))) and \
                                np.random.random() >= blink:
                            b_lvl, b_s1, b_s2, b_pos, b_w, b_h, b_r = 1, s1, s2, j, a, b, turned
                if b_lvl < 2:
                    continue
                for s in range(L):
                    if slot_stock[s] < 0 or slot_way[s] != way:
                        continue
                    W = uh[slot_stock[s]] if way == 1 else uw[slot_stock[s]]
                    H = uw[slot_stock[s]] if way == 1 else uh[slot_stock[s]]
                    if a <= W and sheet_top[s] + b <= H:
                        s1 = H - sheet_top[s] - b
                        s2 = W - a
                        if (2 < b_lvl or (2 == b_lvl and (s1 < b_s1 or (s1 == b_s1 and s2 < b_s2)))) and \
                                np.random.random() >= blink:
                            b_lvl, b_s1, b_s2, b_pos, b_w, b_h, b_r = 2, s1, s2, s, a, b, turned
        if b_lvl == 3:
            continue
        placed += 1
        rot[i] = b_r
        if b_lvl == 0:
            k = b_pos
            j = sk_strip[k]
            ib[i] = st_sheet[j]
            sx[i] = sk_x[k]
            sy[i] = st_y[j] + sk_top[k]
            sk_top[k] += b_h + kerf
            continue
        if b_lvl == 2:
            s = b_pos
            j = n_strips
            n_strips += 1
            st_sheet[j] = s
            st_y[j] = sheet_top[s]
            st_h[j] = b_h
            st_right[j] = 0
            sheet_top[s] += b_h + kerf
            b_pos = j
        j = b_pos
        k = n_stacks
        n_stacks += 1
        sk_strip[k] = j
        sk_x[k] = st_right[j]
        sk_w[k] = b_w
        sk_top[k] = b_h + kerf
        ib[i] = st_sheet[j]
        sx[i] = st_right[j]
        sy[i] = st_y[j]
        st_right[j] += b_w + kerf
    return placed
