"""Random keys to guillotine cutting plans: the Python face of :mod:`._guillotine_kernels`.

The keys are those of the classic ``"keys"`` encoding: a row of ``n`` priority
keys (items are inserted in ascending key order, ties to the lower item) and,
optionally, ``n`` orientation keys (>= 0.5: the item is keyed turned, where its
piece may turn). :func:`decode_cutting` checks the job and the keys, brings the
job into the kernels' strip space (first-stage cuts horizontal; a job cut
vertically first is transposed, ``"any"`` decodes both ways and keeps the
cheaper row), calls the kernel and returns the rows in sheet coordinates as a
:class:`CuttingBatch`, whose :meth:`CuttingBatch.plan` is the plan form that
:func:`._cutting_checker.check_cutting_plan` reads.

What the job's cuts make of the kernels' strips, stacks and pieces:

- two stages: every stack is one piece (exact: as tall as its strip);
- three stages: stacks of several pieces (exact: as wide as their stack);
- four stages or more, unlimited stages or free placement: the non-exact
  three-stage plan, whose trimming cut is then a fourth stage (it also keeps
  the kerf between pieces that free placement asks for).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnopt.problems.binpack2d._cutting_spec import CuttingJob
from nnopt.problems.binpack2d._guillotine_kernels import (
    RULE_BEST_FIT,
    RULE_FILL_AREA,
    RULE_FILL_ORDER,
    RULE_FILL_WIDEN,
    RULE_FIRST_FIT,
    RULE_KNAPSACK,
    RULE_STRIPS,
    RULE_STRIPS_KNAPSACK,
    RULE_STRIPS_WIDEN,
    decode_batch,
)

__all__ = ["CUTTING_DECODERS", "CUTTING_SORT_KEYS", "CuttingBatch", "cutting_modes", "decode_cutting",
           "first_cut_ways", "sorted_cutting_keys", "strip_rows", "strip_space"]

#: The decoders by name (the rules of :mod:`._guillotine_kernels`).
CUTTING_DECODERS = {"first-fit": RULE_FIRST_FIT, "best-fit": RULE_BEST_FIT,
                    "fill-area": RULE_FILL_AREA, "fill-order": RULE_FILL_ORDER, "strips": RULE_STRIPS,
                    "fill-widen": RULE_FILL_WIDEN, "strips-widen": RULE_STRIPS_WIDEN,
                    "knapsack": RULE_KNAPSACK, "strips-knapsack": RULE_STRIPS_KNAPSACK}

#: Sort keys of the classic decreasing orders, over the pieces' sizes as placed in the sheet.
CUTTING_SORT_KEYS = {
    "height": lambda w, h: h * (int(w.max()) + 1) + w,
    "width": lambda w, h: w * (int(h.max()) + 1) + h,
    "area": lambda w, h: w * h,
    "perimeter": lambda w, h: w + h,
}


@dataclass(frozen=True)
class CuttingBatch:
    """Decoded rows of one job: per row ``sheets`` (-1: the stock ran out) and ``cost`` (inf then);
    per sheet ``stock`` (B, n; -1 past the last); per item ``sheet``, ``x``, ``y``, ``width``,
    ``height`` (placed, sheet coordinates) and ``rotated`` (B, n)."""

    job: CuttingJob
    sheets: np.ndarray
    cost: np.ndarray
    stock: np.ndarray
    sheet: np.ndarray
    x: np.ndarray
    y: np.ndarray
    width: np.ndarray
    height: np.ndarray
    rotated: np.ndarray

    def search_cost(self) -> np.ndarray:
        """Per row, the cost with a slope between whole sets of sheets, for searches: the emptiest
        sheet (the least share of its trimmed area covered by pieces) counts at that share of its
        cost, so that a plan whose emptiest sheet is nearly empty scores nearly as the plan without
        it. One stock type without cost: sheets minus one plus that share. Inf where out of stock."""
        B, n = self.sheet.shape
        job = self.job
        unit = np.array([1.0 if job.counts_sheets else s.unit_cost for s in job.stock])
        usable = np.array([(x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in map(job.usable, range(len(job.stock)))],
                          dtype=float)
        area = (self.width * self.height).astype(float)
        filled = np.zeros((B, n))
        np.add.at(filled, (np.repeat(np.arange(B), n), self.sheet.ravel()), area.ravel())
        ok = self.sheets >= 0
        kinds = np.where(self.stock >= 0, self.stock, 0)
        share = np.where(np.arange(n)[None, :] < self.sheets[:, None], filled / usable[kinds], np.inf)
        emptiest = np.argmin(share, axis=1)
        rows = np.arange(B)
        least = np.where(ok, share[rows, emptiest], 0.0)
        out = self.cost - (1.0 - least) * unit[kinds[rows, emptiest]]
        return np.where(ok, out, np.inf)

    def plan(self, row: int) -> list[dict[str, Any]]:
        """Row ``row`` as ``[{"stock", "items": [placements]}, ...]`` (sheets in opening order)."""
        m = int(self.sheets[row])
        if m < 0:
            raise ValueError(f"row {row} ran out of stock sheets: it has no plan")
        sheets: list[dict[str, Any]] = [{"stock": int(self.stock[row, s]), "items": []} for s in range(m)]
        for i in range(self.sheet.shape[1]):
            sheets[int(self.sheet[row, i])]["items"].append(
                {"item": i, "x": int(self.x[row, i]), "y": int(self.y[row, i]), "width": int(self.width[row, i]),
                 "height": int(self.height[row, i]), "rotated": bool(self.rotated[row, i])})
        return sheets


def cutting_modes(job: CuttingJob) -> tuple[bool, bool]:
    """``(stacking, exact)`` of the kernels for the job's cuts (see the module docstring)."""
    g = job.guillotine
    if g is None or g.stages is None or g.stages >= 4:
        return True, False
    return g.stages == 3, g.exact


def _keys(job: CuttingJob, X: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(orders, turned)`` (B, n) from keys of shape (B, n) or (B, 2n)."""
    n = job.n
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] not in (n, 2 * n):
        raise ValueError(f"keys must have shape (B, {n}) or (B, {2 * n}), got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("keys must be finite numbers")
    orders = np.argsort(X[:, :n], axis=1, kind="stable").astype(np.int64)
    if X.shape[1] == 2 * n:
        turned = (X[:, n:] >= 0.5).astype(np.uint8)
    else:
        turned = np.zeros((X.shape[0], n), dtype=np.uint8)
    return orders, turned


def _decode_one_way(job: CuttingJob, orders: np.ndarray, turned: np.ndarray, rule: int, both: bool,
                    transposed: bool) -> CuttingBatch:
    """Decode in strip space with the first-stage cuts horizontal (``transposed``: the job turned over)."""
    B, n = orders.shape
    _, _, can_turn = job.item_arrays()
    pw, ph, sw, sh = strip_space(job, transposed)
    unit = np.array([1.0 if job.counts_sheets else s.unit_cost for s in job.stock], dtype=np.float64)
    count = np.array([-1 if s.count is None else s.count for s in job.stock], dtype=np.int64)
    stacking, exact = cutting_modes(job)
    out_sheet, out_x, out_y, out_type = (np.zeros((B, n), dtype=np.int64) for _ in range(4))
    out_rot = np.zeros((B, n), dtype=np.uint8)
    out_sheets = np.zeros(B, dtype=np.int64)
    out_cost = np.zeros(B, dtype=np.float64)
    decode_batch(pw, ph, np.array(can_turn), orders, turned, sw, sh, unit, count, np.int64(job.kerf),
                 stacking, exact, np.int64(rule), both, out_sheet, out_x, out_y, out_rot, out_type, out_sheets,
                 out_cost)
    return strip_rows(job, transposed, out_sheets, out_cost, out_type, out_sheet, out_x, out_y, out_rot)


def strip_space(job: CuttingJob, transposed: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(pw, ph, sw, sh)``: the pieces' and the stock types' trimmed sizes in the kernels' strip space
    (first-stage cuts horizontal; ``transposed``: the job turned over, widths swapped with heights)."""
    w, h, _ = job.item_arrays()
    pw, ph = (np.array(h), np.array(w)) if transposed else (np.array(w), np.array(h))
    usable = [job.usable(t) for t in range(len(job.stock))]
    uw = np.array([x1 - x0 for x0, _, x1, _ in usable], dtype=np.int64)
    uh = np.array([y1 - y0 for _, y0, _, y1 in usable], dtype=np.int64)
    sw, sh = (uh, uw) if transposed else (uw, uh)
    return pw, ph, sw, sh


def strip_rows(job: CuttingJob, transposed: bool, out_sheets: np.ndarray, out_cost: np.ndarray,
               out_type: np.ndarray, out_sheet: np.ndarray, out_x: np.ndarray, out_y: np.ndarray,
               out_rot: np.ndarray) -> CuttingBatch:
    """Rows a kernel wrote in strip space (per item sheet, x, y, turned; shape (B, n)) as a
    :class:`CuttingBatch` in sheet coordinates."""
    B, n = out_sheet.shape
    pw, ph, _, _ = strip_space(job, transposed)
    rotated = out_rot.astype(bool)
    pw2, ph2 = np.broadcast_to(pw, (B, n)), np.broadcast_to(ph, (B, n))
    sw_, sh_ = np.where(rotated, ph2, pw2), np.where(rotated, pw2, ph2)  # strip-space placed sizes
    t = job.trim
    if transposed:
        x, y, width, height = out_y + t.left, out_x + t.bottom, sh_, sw_
    else:
        x, y, width, height = out_x + t.left, out_y + t.bottom, sw_, sh_
    return CuttingBatch(job, out_sheets, out_cost, out_type, out_sheet, x, y, np.array(width), np.array(height),
                        rotated)


def _pick(a: CuttingBatch, b: CuttingBatch) -> CuttingBatch:
    """Per row, the cheaper of two decodings (fewer sheets on equal cost; ``a`` on a tie)."""
    take_b = (b.cost < a.cost) | ((b.cost == a.cost) & (b.sheets >= 0) & (b.sheets < a.sheets))
    col = take_b[:, None]
    return CuttingBatch(a.job, np.where(take_b, b.sheets, a.sheets), np.where(take_b, b.cost, a.cost),
                        *(np.where(col, getattr(b, f), getattr(a, f))
                          for f in ("stock", "sheet", "x", "y", "width", "height", "rotated")))


def decode_cutting(job: CuttingJob, X: Any, decoder: str = "knapsack", both_ways: bool = False) -> CuttingBatch:
    """Decode the keys ``X`` (B, n) or (B, 2n) into guillotine plans of ``job`` with ``decoder``.

    ``both_ways``: a piece that may turn is tried both ways (the keyed way wins
    ties) instead of only the keyed way. Deterministic: the same keys give the
    same plans, row by row, whatever the batch. The default decoder is one of
    the two best single decoders on the classic benchmark (see the kernels).
    """
    if decoder not in CUTTING_DECODERS:
        raise ValueError(f"unknown cutting decoder {decoder!r} (known: {', '.join(CUTTING_DECODERS)})")
    orders, turned = _keys(job, X)
    rule = CUTTING_DECODERS[decoder]
    ways = first_cut_ways(job)
    if len(ways) == 1:
        return _decode_one_way(job, orders, turned, rule, both_ways, ways[0])
    return _pick(_decode_one_way(job, orders, turned, rule, both_ways, False),
                 _decode_one_way(job, orders, turned, rule, both_ways, True))


def first_cut_ways(job: CuttingJob) -> tuple[bool, ...]:
    """The strip spaces a job is planned in: ``(False,)`` for first cuts horizontal (and free placement),
    ``(True,)`` for vertical ones (the job transposed), both where the first cut may go either way."""
    g = job.guillotine
    first = "horizontal" if g is None else g.first_cut
    return (False, True) if first == "any" else (first == "vertical",)


def sorted_cutting_keys(job: CuttingJob) -> np.ndarray:
    """Keys (B, 2n) of the classic decreasing orders (``CUTTING_SORT_KEYS``), each with the pieces as
    listed and, where some piece may turn, laid flat (width >= height) and stood up, where allowed."""
    n = job.n
    w, h, can_turn = job.item_arrays()
    poses = [np.zeros(n, dtype=bool)]
    if can_turn.any():
        poses += [can_turn & (h > w), can_turn & (w > h)]  # flat, standing
    rows = []
    for turned in poses:
        pw, ph = np.where(turned, h, w), np.where(turned, w, h)
        for key in CUTTING_SORT_KEYS.values():
            order = np.lexsort((np.arange(n), -key(pw, ph)))
            keys = np.empty(n)
            keys[order] = (np.arange(n) + 0.5) / n
            rows.append(np.concatenate([keys, np.where(turned, 0.75, 0.25)]))
    return np.array(rows)
