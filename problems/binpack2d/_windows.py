"""Decoding large instances in windows: per-item cost bounded, the clock checked between windows.

The placement rules scan every open bin (first fit or global best) and every
free rectangle in it, so one decode grows with the square of the number of
items: 3 s for 100,000 items, 20 s for 200,000. Above
``LARGE_ITEMS`` items a row is therefore packed in windows of ``WINDOW``
consecutive items of its insertion order; each window opens its own bins, the
bins of earlier windows are closed. A rule then scans at most a window's bins,
so the cost per item no longer grows with the instance, and the loss is at most
the unfilled part of one bin per window (about 1 % at ``WINDOW`` = 1024 on the
classic classes, whose bins hold 2 to 20 items).

Between windows the decode looks at the run's deadline
(:mod:`nnopt.problems._deadline`); once it has passed, the rest of the row is
packed by First Fit shelves, window by window (5 % above the bound on class 7,
where Next Fit is 34 % above), and a row that starts after the deadline by Next
Fit shelves in one go, which is linear (about 0.2 s for a million items). So a
search stops within a fraction of a second of its limit and every row stays a
feasible packing.

A window (or, between ``ROW_CHECK_ITEMS`` and ``LARGE_ITEMS`` items, a whole row) is
itself one call of a compiled kernel that cannot read the clock: a row of 20,000
items takes a second on a quiet core and several on a busy one. So a piece is
begun by its rule only while the time left covers what the last piece of the
same size and rule took (``ROW_SAFETY`` times over); else by First Fit shelves.
The clock reads never change a decode that finishes before the deadline.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from functools import partial

import numpy as np

from nnopt.problems._deadline import deadline_passed, seconds_to_deadline
from nnopt.problems.binpack2d._kernels import RULE_SHELF_FF, RULE_SHELF_NF, pack_batch
from nnopt.problems.binpack2d._rule_kernels import pack_rule_batch

__all__ = ["LARGE_ITEMS", "ROW_CHECK_ITEMS", "WINDOW", "pack_in_windows", "piece_fits", "timed_piece"]

#: Instances with more items than this are decoded in windows.
LARGE_ITEMS = 20_000
#: Items per window.
WINDOW = 1024
#: Above this many items (and up to ``LARGE_ITEMS``) a batch decoded under a deadline goes
#: row by row, each row one window: no loss, but the clock is read between rows (one row of
#: 20,000 items takes about a second), at the price of decoding the rows on one core.
ROW_CHECK_ITEMS = 4_000
#: A piece of work is begun under a deadline only while the time left is this many times what
#: the last piece of its kind took (a busy core slows the next piece as much as the last).
ROW_SAFETY = 1.5

#: Seconds the last piece took, by its kind (items, rule, ...): what the next one is expected to take.
_PIECE_SECONDS: dict[Hashable, float] = {}


def piece_fits(kind: Hashable) -> bool:
    """Whether a piece of ``kind`` may be begun: no deadline, or time left for it (a kind never
    timed yet is begun: its time is learnt then)."""
    left = seconds_to_deadline()
    return left is None or left > ROW_SAFETY * _PIECE_SECONDS.get(kind, 0.0)


def timed_piece(kind: Hashable, work: Callable[[], None]) -> None:
    """Run ``work`` and remember how long a piece of ``kind`` takes."""
    start = time.perf_counter()
    work()
    _PIECE_SECONDS[kind] = time.perf_counter() - start


def pack_in_windows(widths: np.ndarray, heights: np.ndarray, W: np.int64, H: np.int64, orders: np.ndarray,
                    rotated: np.ndarray, rule: int, choice: int, out_bin: np.ndarray, out_x: np.ndarray,
                    out_y: np.ndarray, window: int = WINDOW, rules: np.ndarray | None = None,
                    choices: np.ndarray | None = None) -> None:
    """Like ``pack_batch`` (same arguments, same outputs by item id), window by window.

    With ``rules`` (int64 (B, n) by item id) and ``choices``, a window is packed as
    ``pack_rule_batch`` packs it, a MaxRects rule per item; ``rule`` and ``choice`` are then unused.
    """
    B, n = orders.shape
    parts = -(-n // window)
    # window k holds every parts-th item of the order from position k: the whole order in
    # miniature (consecutive slices of a sorted order pack badly: the large items of the
    # first windows would have no small ones to fill their gaps)
    bounds = np.concatenate([[0], np.cumsum([len(range(k, n, parts)) for k in range(parts)])])
    for r in range(B):
        strided = np.concatenate([orders[r, k::parts] for k in range(parts)])
        offset = 0
        k = 0
        row_late = deadline_passed()
        while k < parts:
            stop = parts if row_late else k + 1
            items = strided[bounds[k]:bounds[stop]]
            m = items.shape[0]
            kind = (m, "rules" if rules is not None else rule, choice)
            late = deadline_passed() or not piece_fits(kind)
            local = np.arange(m, dtype=np.int64)[None, :]
            ob, ox, oy = (np.empty((1, m), dtype=np.int64) for _ in range(3))
            turned = np.ascontiguousarray(rotated[r, items][None, :])
            w, h = np.ascontiguousarray(widths[items]), np.ascontiguousarray(heights[items])
            if row_late or late:
                pack_batch(w, h, W, H, local, turned, RULE_SHELF_NF if row_late else RULE_SHELF_FF, choice,
                           ob, ox, oy)
            elif rules is not None:
                gene_rules = np.ascontiguousarray(rules[r, items][None, :])
                timed_piece(kind, partial(pack_rule_batch, w, h, W, H, local, turned, gene_rules, choices, ob, ox, oy))
            else:
                timed_piece(kind, partial(pack_batch, w, h, W, H, local, turned, rule, choice, ob, ox, oy))
            out_bin[r, items] = ob[0] + offset
            out_x[r, items] = ox[0]
            out_y[r, items] = oy[0]
            offset += int(ob[0].max()) + 1
            k = stop
