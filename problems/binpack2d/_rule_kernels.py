"""Numba kernel of the "keys+rule" encoding: MaxRects with a placement rule per item.

The five MaxRects scores (BSSF, BLSF, BAF, BL, CP) all work on the same
maximal free rectangles, so which score places an item can change from item
to item without changing the free-space structure: the rule gene of an item
only decides how *that* item ranks the candidate positions. This is the
extra degree of freedom of Gonçalves & Resende's BRKGA decoder for 2D bin
packing, where a gene per item picks its placement heuristic.

Bin choice per item is ``choices[rule]`` (0 first fit, 1 global best over
all open bins by the item's own score, ties to the lowest bin), so a row
with every item on one rule decodes exactly as ``pack_batch`` with that rule
and that choice. binpack2d passes global best for every rule (see
``_problem._RULE_CHOICES`` for why). The free-rectangle helpers are
``_kernels``' own (imported, not copied), so both decoders split and prune
identically.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from nnopt.problems.binpack2d._kernels import (
    _INIT_BINS,
    _INIT_CAP,
    _MAX_CHUNKS,
    _PARALLEL_MIN_ROWS,
    RULE_MAXRECTS_BAF,
    RULE_MAXRECTS_BL,
    RULE_MAXRECTS_BLSF,
    RULE_MAXRECTS_BSSF,
    RULE_MAXRECTS_CP,
    _grow,
    _mr_best,
    _mr_hits,
    _mr_place,
    _workspace,
)

__all__ = ["RULE_GENE_DECODERS", "RULE_GENE_RULES", "pack_rule_batch", "rule_indices"]

#: The rules a rule gene picks from, in gene order: gene g in [0, 1) picks ``floor(5 g)``.
RULE_GENE_DECODERS = ("maxrects-bssf", "maxrects-blsf", "maxrects-baf", "maxrects-bl", "maxrects-cp")
RULE_GENE_RULES = np.array([RULE_MAXRECTS_BSSF, RULE_MAXRECTS_BLSF, RULE_MAXRECTS_BAF, RULE_MAXRECTS_BL,
                            RULE_MAXRECTS_CP], dtype=np.int64)


def rule_indices(genes: np.ndarray) -> np.ndarray:
    """Rule slot (0..4, into ``RULE_GENE_RULES``) of each rule gene; out-of-range genes are clipped."""
    k = len(RULE_GENE_RULES)
    return np.clip(np.floor(np.asarray(genes, dtype=np.float64) * k), 0, k - 1).astype(np.int64)


@njit(cache=True)
def _pack_rule_row(widths, heights, W, H, order, rot, rules, choices, ob, ox, oy,
                   F, tmp, cnt, farea, mfw, mfh, last, prev, pw, ph):
    """Decode one order with per-item rules (``rules[it]``, a ``RULE_*`` id); returns the grown F and tmp.

    The per-item step of ``_kernels._place_items`` (MaxRects branch) with the
    rule and the bin choice read per item; the bookkeeping (per-bin free area,
    widest / tallest free rectangle, the placed-item chain for the contact
    score) is the same, so the quick rejects stay valid across rules.
    """
    nb = 0
    for t in range(order.shape[0]):
        it = order[t]
        if rot[it] != 0:
            w = heights[it]
            h = widths[it]
        else:
            w = widths[it]
            h = heights[it]
        area = w * h
        rule = rules[it]
        first_fit = choices[rule] == 0
        bb = -1
        bs1 = 0
        bs2 = 0
        bx = 0
        by = 0
        for b in range(nb):
            if farea[b] < area or mfw[b] < w or mfh[b] < h:
                continue
            ok, s1, s2, x, y = _mr_best(F, b, cnt[b], w, h, W, H, rule, ox, oy, pw, ph, last, prev)
            if ok:
                if bb < 0 or s1 < bs1 or (s1 == bs1 and s2 < bs2):
                    bb = b
                    bs1 = s1
                    bs2 = s2
                    bx = x
                    by = y
                if first_fit:
                    break
        if bb < 0:  # a new bin, the item at its (0, 0) corner
            if nb >= F.shape[0]:
                F = _grow(F, nb, cnt, nb + 1, 1)
            bb = nb
            nb += 1
            F[bb, 0, 0] = 0
            F[bb, 1, 0] = 0
            F[bb, 2, 0] = W
            F[bb, 3, 0] = H
            mfw[bb] = W
            mfh[bb] = H
            cnt[bb] = 1
            farea[bb] = W * H
            last[bb] = -1
        hits = _mr_hits(F, bb, cnt[bb], bx, by, w, h)
        need = cnt[bb] + 3 * hits
        if need > F.shape[2]:
            F = _grow(F, nb, cnt, nb, need)
        if tmp.shape[1] < 4 * hits:
            tmp = np.empty((4, 4 * F.shape[2]), dtype=np.int64)
        c, maxw, maxh = _mr_place(F, bb, cnt[bb], bx, by, w, h, tmp)
        cnt[bb] = c
        mfw[bb] = maxw
        mfh[bb] = maxh
        farea[bb] -= area
        ob[it] = bb
        ox[it] = bx
        oy[it] = by
        pw[it] = w
        ph[it] = h
        prev[it] = last[bb]
        last[bb] = it
    return F, tmp


@njit(cache=True)
def _pack_rule_rows(widths, heights, W, H, orders, rotated, rules, choices, out_bin, out_x, out_y, lo, hi):
    """Decode rows lo..hi-1 serially with one workspace, allocated here once."""
    n = orders.shape[1]
    F, tmp, cnt, farea, mfw, mfh, last = _workspace(n, _INIT_BINS, _INIT_CAP)
    prev = np.empty(n, dtype=np.int64)
    pw = np.empty(n, dtype=np.int64)
    ph = np.empty(n, dtype=np.int64)
    for r in range(lo, hi):
        F, tmp = _pack_rule_row(widths, heights, W, H, orders[r], rotated[r], rules[r], choices,
                                out_bin[r], out_x[r], out_y[r], F, tmp, cnt, farea, mfw, mfh, last, prev, pw, ph)


@njit(cache=True, parallel=True)
def pack_rule_batch(widths, heights, bin_w, bin_h, orders, rotated, rules, choices, out_bin, out_x, out_y):
    """Decode a batch of insertion orders with a MaxRects rule per item, in place.

    As ``_kernels.pack_batch``, except ``rules``: int64 (B, n) by item id, each a
    MaxRects ``RULE_*`` id, and ``choices``: int64 indexed by rule id, the bin
    choice of that rule (0 first fit, 1 global best). Rows are decoded
    independently (in parallel, fixed chunks); the result does not depend on
    the number of threads.
    """
    B = orders.shape[0]
    n = orders.shape[1]
    if B == 0 or n == 0:
        return
    for r in range(B):
        for i in range(n):
            q = rules[r, i]
            if not (q == RULE_MAXRECTS_BSSF or q == RULE_MAXRECTS_BLSF or q == RULE_MAXRECTS_BAF
                    or q == RULE_MAXRECTS_BL or q == RULE_MAXRECTS_CP):
                raise ValueError("pack_rule_batch: every rule must be a MaxRects rule")
            if q >= choices.shape[0]:
                raise ValueError("pack_rule_batch: choices has no entry for a rule")
    W = np.int64(bin_w)
    H = np.int64(bin_h)
    if B < _PARALLEL_MIN_ROWS:
        _pack_rule_rows(widths, heights, W, H, orders, rotated, rules, choices, out_bin, out_x, out_y, 0, B)
        return
    nchunks = min(B, _MAX_CHUNKS)
    for c in prange(nchunks):
        _pack_rule_rows(widths, heights, W, H, orders, rotated, rules, choices, out_bin, out_x, out_y,
                        c * B // nchunks, (c + 1) * B // nchunks)
