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
