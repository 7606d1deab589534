"""Free-placement sheets for cutting jobs: the classic engine's placement rules, one stock type at a time.

Why: the cutting decoders build three-stage guillotine plans, and a job with free placement
takes them as they are (a guillotine plan is a free one). Free placement lets pieces
interlock where strips and stacks cannot, and the classic MaxRects and skyline rules use
that: on Pisinger & Sigurd's variable-sized jobs, which are free placement, a sheet the
guillotine decoders fill is the sparser. Where a question is about one sheet type (do
these pieces fit on these sheets?), it is asked here of the classic decoders instead.

How a sheet type becomes a classic instance: the bin is the trimmed sheet grown by the
kerf in both directions, and every piece is grown by the kerf too, so two grown pieces
that do not overlap leave at least a kerf between the pieces themselves, and a grown
piece inside the grown bin leaves the piece inside the trimmed sheet. A classic instance
turns all its items or none: the pieces of one question turn only when every one of them
may.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations
from typing import Any

import numpy as np

from nnopt.problems.binpack2d._cutting_spec import CuttingJob
from nnopt.problems.binpack2d._kernels import BIN_CHOICE, BIN_FIRST_FIT, RULE_NAMES, pack_batch

__all__ = ["FREE_DECODERS", "free_placement", "pack_free"]

#: Classic decoders a question tries, the strongest single ones on the classic benchmark first.
FREE_DECODERS = ("maxrects-bssf", "maxrects-cp", "maxrects-blsf", "skyline-bl")
#: Most orders of a mixed set of sheet types that are tried (which type is filled first).
MAX_SHEET_ORDERS = 6

Plan = list[dict[str, Any]]


@dataclass(frozen=True)
class _ClassicView:
    """Pieces grown by the kerf (``w``, ``h``, int64) in a bin grown by it (``W`` x ``H``), turned or not."""

    w: np.ndarray
    h: np.ndarray
    W: int
    H: int
    turning: bool

    @property
    def n(self) -> int:
        return len(self.w)


@dataclass(frozen=True)
class _Decoded:
    """A batch of classic decodes: per row and piece its bin, corner (in the grown bin) and turn."""

    bins: np.ndarray
    x: np.ndarray
    y: np.ndarray
    rotated: np.ndarray

    def num_bins(self) -> np.ndarray:
        return self.bins.max(axis=1) + 1


def _decode(view: _ClassicView, X: np.ndarray, decoder: str) -> _Decoded:
    """The classic kernel on ``X`` (keys, then orientation keys where pieces turn), as the classic problem
    decodes: a piece is turned where only that way fits, else where its orientation key is >= 0.5."""
    B, n = X.shape[0], view.n
    rotated = np.zeros((B, n), dtype=np.uint8)
    if view.turning:
        upright = (view.w <= view.W) & (view.h <= view.H)
        turned = (view.h <= view.W) & (view.w <= view.H)
        want = X[:, n:] >= 0.5
        rotated = np.where(turned & ~upright, True, np.where(upright & ~turned, False, want)).astype(np.uint8)
    orders = np.argsort(X[:, :n], axis=1, kind="stable").astype(np.int64)
    out_bin, out_x, out_y = (np.empty((B, n), dtype=np.int64) for _ in range(3))
    pack_batch(view.w, view.h, np.int64(view.W), np.int64(view.H), orders, rotated, RULE_NAMES[decoder],
               BIN_CHOICE.get(decoder, BIN_FIRST_FIT), out_bin, out_x, out_y)
    return _Decoded(out_bin, out_x, out_y, rotated)


def free_placement(job: CuttingJob) -> bool:
    """True when the job places pieces freely (no guillotine cuts asked for)."""
    return job.guillotine is None


def _turning(job: CuttingJob, items: list[int]) -> bool:
    """Whether the classic view of ``items`` may turn them: only when every one of them may turn."""
    return bool(job.item_arrays()[2][items].all()) if items else False


def _classic_view(job: CuttingJob, items: list[int], stock: int, turning: bool) -> _ClassicView:
    """``items`` on sheets of type ``stock`` as a classic instance (see the module docstring)."""
    w, h, _ = job.item_arrays()
    x0, y0, x1, y1 = job.usable(stock)
    k = job.kerf
    return _ClassicView(w[items] + k, h[items] + k, x1 - x0 + k, y1 - y0 + k, turning)


def _fits_type(job: CuttingJob, item: int, stock: int, turning: bool) -> bool:
    w, h, _ = job.item_arrays()
    x0, y0, x1, y1 = job.usable(stock)
    W, H = x1 - x0, y1 - y0
    return bool((w[item] <= W and h[item] <= H) or (turning and h[item] <= W and w[item] <= H))


def _keys(view: _ClassicView, rng: np.random.Generator, rows: int) -> np.ndarray:
    """Keys of the decreasing-area, -height and -width orders (pieces as listed) and ``rows`` random ones."""
    w, h, n = view.w, view.h, view.n
    ramp = (np.arange(n, dtype=np.float32) + 0.5) / n
    X = rng.random((3 + rows, 2 * n if view.turning else n)).astype(np.float32)
    for r, size in enumerate((w * h, h * (int(w.max()) + 1) + w, w * (int(h.max()) + 1) + h)):
        X[r, np.lexsort((np.arange(n), -size))] = ramp
        X[r, n:] = 0.25  # as listed
    return X


def _sheets(job: CuttingJob, items: list[int], stock: int, view: _ClassicView, bins: np.ndarray,
            x: np.ndarray, y: np.ndarray, rotated: np.ndarray, keep: int) -> Plan:
    """The first ``keep`` bins of one decoded row as sheets of the plan form (sheet coordinates)."""
    x0, y0, _, _ = job.usable(stock)
    w, h, _ = job.item_arrays()
    sheets: Plan = [{"stock": stock, "items": []} for _ in range(keep)]
    for j, i in enumerate(items):
        b = int(bins[j])
        if b >= keep:
            continue
        turned = bool(rotated[j])
        pw, ph = (int(h[i]), int(w[i])) if turned else (int(w[i]), int(h[i]))
        sheets[b]["items"].append({"item": i, "x": x0 + int(x[j]), "y": y0 + int(y[j]), "width": pw,
                                   "height": ph, "rotated": turned})
    return [s for s in sheets if s["items"]]


def _all_on(job: CuttingJob, items: list[int], stock: int, sheets: int, rng: np.random.Generator,
            rows: int) -> Plan | None:
    """``items`` on at most ``sheets`` sheets of type ``stock`` (None when no decoder finds it)."""
    turning = _turning(job, items)
    if not all(_fits_type(job, i, stock, turning) for i in items):
        return None
    view = _classic_view(job, items, stock, turning)
    X = _keys(view, rng, rows)
    for decoder in FREE_DECODERS:
        batch = _decode(view, X, decoder)
        ok = np.flatnonzero(batch.num_bins() <= sheets)
        if ok.size:
            r = int(ok[0])
            return _sheets(job, items, stock, view, batch.bins[r], batch.x[r], batch.y[r], batch.rotated[r], sheets)
    return None


def _fullest_sheet(job: CuttingJob, items: list[int], stock: int, rng: np.random.Generator,
                   rows: int) -> dict[str, Any] | None:
    """One sheet of type ``stock`` holding as much piece area of ``items`` as the decoders find."""
    turning = _turning(job, items)
    fitting = [i for i in items if _fits_type(job, i, stock, turning)]
    if not fitting:
        return None
    view = _classic_view(job, fitting, stock, turning)
    area = (view.w * view.h).astype(np.float64)
    X = _keys(view, rng, rows)
    best, best_area = None, -1.0
    for decoder in FREE_DECODERS:
        batch = _decode(view, X, decoder)
        held = np.where(batch.bins == 0, area, 0.0).sum(axis=1)
        r = int(np.argmax(held))
        if held[r] > best_area:
            best_area = float(held[r])
            best = _sheets(job, fitting, stock, view, batch.bins[r], batch.x[r], batch.y[r], batch.rotated[r], 1)
    return best[0] if best else None


def pack_free(job: CuttingJob, items: list[int], types: tuple[int, ...], rng: np.random.Generator,
              rows: int = 24) -> Plan | None:
    """A free-placement plan of ``items`` on at most the sheets ``types`` (one stock type per sheet,
    repeats allowed), or None when the decoders find none.

    One type: the items decoded over three decreasing orders and ``rows`` random ones by every
    decoder of :data:`FREE_DECODERS`, the first row on few enough bins taken. Several
    types: sheet by sheet in each order of the types (at most :data:`MAX_SHEET_ORDERS`),
    every sheet but the last filled with the most piece area the decoders find, the
    rest decoded onto the last. ``free_placement(job)`` must hold.
    """
    if not items:
        return []
    kinds = sorted(set(types))
    if len(kinds) == 1:
        return _all_on(job, items, kinds[0], len(types), rng, rows)
    orders = sorted(set(permutations(types)), key=lambda o: [-job.stock[t].width * job.stock[t].height for t in o])
    filled: dict[tuple[tuple[int, ...], int], dict[str, Any] | None] = {}  # orders share their first sheets
    for order in orders[:MAX_SHEET_ORDERS]:
        left, plan = list(items), []
        for t in order[:-1]:
            key = (tuple(left), t)
            if key not in filled:
                filled[key] = _fullest_sheet(job, left, t, rng, rows)
            sheet = filled[key]
            if sheet is None:
                continue
            plan.append(sheet)
            taken = {p["item"] for p in sheet["items"]}
            left = [i for i in left if i not in taken]
            if not left:
                return plan
        last = _all_on(job, left, order[-1], 1, rng, rows)
        if last is not None:
            return plan + last
    return None
