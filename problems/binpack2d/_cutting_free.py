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

from itertools import permutations
from typing import Any

import numpy as np

from nnopt.problems.binpack2d._cutting_spec import CuttingJob
from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._problem import BinPack2D

__all__ = ["FREE_DECODERS", "free_placement", "pack_free"]

#: Classic decoders a question tries, the strongest single ones on the classic benchmark first.
FREE_DECODERS = ("maxrects-bssf", "maxrects-cp", "maxrects-blsf", "skyline-bl")
#: Most orders of a mixed set of sheet types that are tried (which type is filled first).
MAX_SHEET_ORDERS = 6

Plan = list[dict[str, Any]]

_CLASSIC = BinPack2D()


def free_placement(job: CuttingJob) -> bool:
    """True when the job places pieces freely (no guillotine cuts asked for)."""
    return job.guillotine is None


def _turning(job: CuttingJob, items: list[int]) -> bool:
    """Whether the classic view of ``items`` may turn them: only when every one of them may turn."""
    return bool(job.item_arrays()[2][items].all()) if items else False


def _classic_view(job: CuttingJob, items: list[int], stock: int, turning: bool) -> BinPackInstance:
    """``items`` on sheets of type ``stock`` as a classic instance (see the module docstring)."""
    w, h, _ = job.item_arrays()
    x0, y0, x1, y1 = job.usable(stock)
    k = job.kerf
    return BinPackInstance(job.name, x1 - x0 + k, y1 - y0 + k,
                           tuple((int(w[i]) + k, int(h[i]) + k, 1) for i in items),
                           allow_rotation=turning)


def _fits_type(job: CuttingJob, item: int, stock: int, turning: bool) -> bool:
    w, h, _ = job.item_arrays()
    x0, y0, x1, y1 = job.usable(stock)
    W, H = x1 - x0, y1 - y0
    return bool((w[item] <= W and h[item] <= H) or (turning and h[item] <= W and w[item] <= H))


def _keys(inst: BinPackInstance, rng: np.random.Generator, rows: int) -> np.ndarray:
    """Keys of the decreasing-area, -height and -width orders (pieces as listed) and ``rows`` random ones."""
    w, h, n = inst.widths, inst.heights, inst.n
    ramp = (np.arange(n, dtype=np.float32) + 0.5) / n
    X = rng.random((3 + rows, _CLASSIC.encoding_size(inst))).astype(np.float32)
    for r, size in enumerate((w * h, h * (int(w.max()) + 1) + w, w * (int(h.max()) + 1) + h)):
        X[r, np.lexsort((np.arange(n), -size))] = ramp
        X[r, n:] = 0.25  # as listed
    return X


def _sheets(job: CuttingJob, items: list[int], stock: int, inst: BinPackInstance, bins: np.ndarray,
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
    inst = _classic_view(job, items, stock, turning)
    X = _keys(inst, rng, rows)
    for decoder in FREE_DECODERS:
        batch = _CLASSIC.decode(inst, X, decoder=decoder)
        ok = np.flatnonzero(batch.num_bins() <= sheets)
        if ok.size:
            r = int(ok[0])
            return _sheets(job, items, stock, inst, batch.bins[r], batch.x[r], batch.y[r], batch.rotated[r], sheets)
    return None


def _fullest_sheet(job: CuttingJob, items: list[int], stock: int, rng: np.random.Generator,
                   rows: int) -> dict[str, Any] | None:
    """One sheet of type ``stock`` holding as much piece area of ``items`` as the decoders find."""
    turning = _turning(job, items)
    fitting = [i for i in items if _fits_type(job, i, stock, turning)]
    if not fitting:
        return None
    inst = _classic_view(job, fitting, stock, turning)
    area = (inst.widths * inst.heights).astype(np.float64)
    X = _keys(inst, rng, rows)
    best, best_area = None, -1.0
    for decoder in FREE_DECODERS:
        batch = _CLASSIC.decode(inst, X, decoder=decoder)
        held = np.where(batch.bins == 0, area, 0.0).sum(axis=1)
        r = int(np.argmax(held))
        if held[r] > best_area:
            best_area = float(held[r])
            best = _sheets(job, fitting, stock, inst, batch.bins[r], batch.x[r], batch.y[r], batch.rotated[r], 1)
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
