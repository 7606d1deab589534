"""Lower bounds for 2D bin packing: L0 (area), L1 and L2 (Martello & Vigo 1998),
and the strongest of those with the dual-feasible-function bounds of
:mod:`._bounds_dff` (Fekete & Schepers 2004; Carlier, Clautiaux & Moukrim 2007).

:func:`lower_bound` is the one number every solve uses: the best of the cheap
bounds (about 10 ms of CPU for n = 100). :func:`bounds_report` lists every named
bound with its value and time, including the opt-in column-generation bound of
:mod:`._bounds_colgen` and the destructive CP-SAT bound of
:mod:`._bounds_destructive`, which are stronger and slower (time-capped). With a
``budget`` (wall-clock seconds for the whole report) it spends the time where the gap
is: nothing expensive where a quick packing (:mod:`._bounds_upper`) meets the
cheap bounds, and the expensive bound more likely to close the gap first
(:func:`_budgeted_rows`).

A bound is only useful if it is never wrong: every solver's gap report and every
"optimal" claim rests on it. So each bound below comes with its validity argument,
and where a stronger published variant was not certain we use the weaker one we can
prove. By construction ``L0 <= L1 <= L2``: the reported L1 is ``max(L0, L1 proper)``
and the reported L2 is ``max(L1, L2 proper)``.

Notation: bin ``W x H``; item ``j`` has width ``w_j`` and height ``h_j``.

**Rotation.** When 90-degree turns are allowed, an item's placed sizes are one of
its *allowed orientations* (those that fit the bin). Every argument below uses a
size only through conditions of the form "placed height > t" / "placed height >= t"
and through sums of placed sizes that must stay below a capacity. Such a condition
holds in every allowed orientation exactly when it holds for the *effective* size
``h_eff = min over allowed orientations of the placed height`` (likewise
``w_eff``), because the condition on height and the one on width are separate
conjunctions; and a sum of real placed sizes is at least the sum of effective
sizes. So all set memberships and 1D sums use ``(w_eff, h_eff)``, which makes every
bound valid whatever orientation a packing picks. Area is orientation-free, so area
terms use the true ``w_j h_j``. Without rotation ``(w_eff, h_eff) = (w_j, h_j)``.

**Size limits.** Sides are at most 10^6 and there are at most 10^6 items, so every
area sum is at most 10^18 < 2^63: int64 arithmetic is exact here. L0 is still summed
in Python integers from the item types, which costs nothing and needs no argument.

**Large instances.** The bounds are maxima over thresholds; the maximum over a
subset of thresholds is still a valid bound. When an instance has many distinct
sizes, at most :data:`MAX_THRESHOLDS` evenly spread candidates per dimension are
tried, which keeps the work at ``O(n log n + MAX_THRESHOLDS^2)``.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from nnopt.problems.binpack2d._instance import BinPackInstance

if TYPE_CHECKING:
    from nnopt.problems.binpack2d._solution import Packing

__all__ = ["lower_bounds", "lower_bound", "area_bound", "effective_sizes", "bounds_report", "MAX_THRESHOLDS",
           "COLGEN_ROW", "DESTRUCTIVE_ROW"]

#: Most candidate threshold values tried per dimension (see module docstring).
MAX_THRESHOLDS = 64

# Items per block when a (thresholds x items) matrix is formed, so memory stays
# bounded (about 8 MiB of int64) for a million items.
_BLOCK = 1 << 14


def lower_bounds(inst: BinPackInstance) -> dict[str, int]:
    """The bounds ``{"L0", "L1", "L2"}`` of ``inst``, with ``L0 <= L1 <= L2``.

    See the module docstring for the definitions, the rotation rule and why each
    is valid.
    """
    W, H = inst.bin_width, inst.bin_height
    l0 = area_bound(inst)
    w_eff, h_eff = effective_sizes(inst)
    # Items wider than W/2 in every orientation pairwise overlap in x, so inside
    # one bin they are stacked: a 1D bin packing of their heights into H.
    wide = 2 * w_eff > W
    # Symmetrically, items taller than H/2 stand side by side: widths into W.
    tall = 2 * h_eff > H
    l1_proper = max(_bound_1d(h_eff[wide], H), _bound_1d(w_eff[tall], W))
    l1 = max(l0, l1_proper)
    areas = inst.widths * inst.heights
    l2 = max(l1, _bound_mv_l2(w_eff, h_eff, areas, W, H))
    return {"L0": int(l0), "L1": int(l1), "L2": int(l2)}


def lower_bound(inst: BinPackInstance) -> int:
    """The best of the cheap bounds: Martello–Vigo L2 and the DFF bound.

    Each is valid (see :func:`lower_bounds` and :mod:`._bounds_dff`), so their
    maximum is. The column-generation bound is left out: it costs up to a second.
    """
    from nnopt.problems.binpack2d._bounds_dff import dff_bound

    return max(lower_bounds(inst)["L2"], dff_bound(inst))


#: Names of the expensive rows of :func:`bounds_report`.
COLGEN_ROW = "set-cover lp (column generation)"
DESTRUCTIVE_ROW = "destructive (cp-sat: fewer bins infeasible)"
#: In a budgeted report, the share of the time left that the destructive bound's
#: first attempt may take before the column generation runs.
PROBE_SHARE = 0.5
#: Share of long items (:func:`long_item_share`) from which a budgeted report runs
#: the column generation first (see :func:`_budgeted_rows`).
LONG_SHARE = 0.6
#: In a budgeted report, seconds kept back for the steps after the last cap
#: (a CP-SAT search stops a few milliseconds after its cap).
BUDGET_MARGIN = 0.03
#: Column generation checks its cap between pricing calls, and one call can run on
#: for a few hundredths of a second: its cap in a budgeted report is this much lower.
COLGEN_OVERRUN = 0.03
#: Column-generation settings of a budgeted report: no dual smoothing and a larger
#: column-finding search (measured on the open classic instances: the LP bound
#: reached in 0.34-0.94 s of CPU instead of 0.62-2 s; speed only, never validity).
BUDGET_SMOOTHING = 0.0
BUDGET_QUICK_NODES = 10_000


def bounds_report(
    inst: BinPackInstance,
    column_generation: float | None = 1.0,
    upper: int | None = None,
    packing: Packing | None = None,
    destructive: float | None = None,
    budget: float | None = None,
    skipped: list[str] | None = None,
) -> list[tuple[str, int, float]]:
    """Every named bound of ``inst`` as ``(name, value, seconds)``, then ``best``.

    ``skipped`` (optional) receives the names of rows that were not computed because a
    known or quick packing already meets the bounds before them (their value is then a
    weaker bound that holds anyway: the best bound so far, or the area bound).

    ``column_generation`` is the time cap in seconds (wall clock) of the set-cover LP bound
    (``None`` or ``0`` leaves it out); ``upper``, the bins of a known packing,
    lets it stop as soon as it proves that packing optimal; ``packing``, a known
    packing, seeds its LP with its bins (faster, never changes validity).
    ``destructive`` is the time cap of the destructive CP-SAT bound of
    :mod:`._bounds_destructive`, started from the best bound before it (``None``
    or ``0`` leaves it out). Seconds are wall time. ``best`` is the maximum of the values (its
    time is the sum); it is at least :func:`lower_bound`.

    ``budget`` (wall-clock seconds for the whole report, the cheap bounds included) spends
    the time where the gap is (:func:`_budgeted_rows`); the rows then come in the order they
    ran (destructive first). A CPU-clock budget would stretch on a loaded machine.
    """
    from nnopt.problems.binpack2d._bounds_dff import dff_bound

    start = time.perf_counter()
    rows: list[tuple[str, int, float]] = []

    def timed(name: str, fn: Callable[[], int]) -> int:
        t0 = time.perf_counter()
        value = int(fn())
        rows.append((name, value, time.perf_counter() - t0))
        return value

    t0 = time.perf_counter()
    mv = lower_bounds(inst)  # one pass computes all three; each row gets a third of its time
    dt = (time.perf_counter() - t0) / 3
    rows += [("area L0", mv["L0"], dt), ("martello-vigo L1", mv["L1"], dt), ("martello-vigo L2", mv["L2"], dt)]
    timed("dff (fekete-schepers, carlier-clautiaux-moukrim)", lambda: dff_bound(inst))
    if budget is not None:
        _budgeted_rows(inst, rows, timed, start + budget, column_generation, destructive, upper, packing,
                       skipped if skipped is not None else [])
        rows.append(("best", max(r[1] for r in rows), sum(r[2] for r in rows)))
        return rows
    if column_generation:
        from nnopt.problems.binpack2d._bounds_colgen import colgen_bound

        start = max(r[1] for r in rows)  # lets it stop once it cannot beat the cheap bounds
        timed(COLGEN_ROW,
              lambda: colgen_bound(inst, time_limit=column_generation, start=start, upper=upper,
                                   seed_columns=_bins_of(packing)))
    if destructive:
        from nnopt.problems.binpack2d._bounds_destructive import destructive_bound

        best = max(r[1] for r in rows)
        done = upper is not None and best >= upper  # nothing above a known packing's bins is true
        if done and skipped is not None:
            skipped.append(DESTRUCTIVE_ROW)
        timed(DESTRUCTIVE_ROW,
              lambda: best if done else destructive_bound(inst, best, destructive, upper=upper))
    rows.append(("best", max(r[1] for r in rows), sum(r[2] for r in rows)))
    return rows


def long_item_share(inst: BinPackInstance) -> float:
    """Share of *long* items: longer than two thirds of the bin one way, at most half of it the other.

    0 for no items. Sizes are the smallest over allowed orientations
    (:func:`effective_sizes`).
    """
    w, h = effective_sizes(inst)
    W, H = inst.bin_width, inst.bin_height
    long = ((3 * w > 2 * W) & (2 * h <= H)) | ((3 * h > 2 * H) & (2 * w <= W))
    return float(np.count_nonzero(long)) / max(1, inst.n)


def _budgeted_rows(
    inst: BinPackInstance,
    rows: list[tuple[str, int, float]],
    timed: Callable[[str, Callable[[], int]], int],
    end: float,
    column_generation: float | None,
    destructive: float | None,
    upper: int | None,
    packing: Packing | None,
    skipped: list[str],
) -> None:
    """The expensive rows of a report that must end by ``end`` (a ``time.perf_counter()`` reading).

    1. Without ``upper``, a quick packing (:func:`._bounds_upper.quick_packing_bins`,
       a few tens of ms) gives one. If the cheap bounds already reach it, the
       expensive rows are not computed (the destructive row is the best bound,
       the LP row the area bound, at no cost): nothing above it is true.
    2. Which expensive bound runs first depends on the items. Where at least
       :data:`LONG_SHARE` of them are *long* (:func:`long_item_share`: more
       than two thirds of the bin one way, at most half the other; 80 % of the
       items of Martello–Vigo classes 7 and 8 are drawn so, a third of class 5's), items
       interact mostly as 1D stacks, which the set-cover LP captures and
       CP-SAT's 2D search does not: on the 20 such classic instances left open
       at 1 s, CP-SAT proved none in 2.5 s, column generation three within a
       second. There column generation gets the time left, the destructive
       bound what it leaves. Elsewhere CP-SAT settles the easy "one bin fewer"
       questions within a few tenths of a second (six of the open classic
       instances in 0.07-0.4 s): the destructive bound first gets
       :data:`PROBE_SHARE` of the time left, column generation the rest, and
       if that did not close the gap the destructive bound whatever is left.
    3. Column generation starts from the best bound and stops at ``upper``;
       the destructive bound stops at ``upper``. Both end by ``end`` on the wall clock.

    Each step is a valid bound on its own; the rows report what each proved
    (the destructive row the most any of its attempts reached, which starts
    from the best bound before it).
    """
    from nnopt.problems.binpack2d._bounds_colgen import colgen_bound
    from nnopt.problems.binpack2d._bounds_destructive import destructive_bound

    def time_left() -> float:
        return end - time.perf_counter() - BUDGET_MARGIN

    seeds = _bins_of(packing)
    best = max(r[1] for r in rows)
    area = rows[0][1]
    if time_left() <= 0:  # the cheap bounds spent the budget (a million items): the weaker values, at no cost
        if destructive:
            rows.append((DESTRUCTIVE_ROW, best, 0.0))
        if column_generation:
            rows.append((COLGEN_ROW, area, 0.0))
        return
    if upper is None:
        from nnopt.problems._deadline import decode_deadline
        from nnopt.problems.binpack2d._bounds_upper import quick_packing_bins

        with decode_deadline(end - BUDGET_MARGIN):  # large instances: decodes finish cheaply once the time is up
            upper, _ = quick_packing_bins(inst, stop=lambda: time_left() <= 0)  # not used as seed columns
    if best >= upper or (not destructive and not column_generation):
        if destructive:
            rows.append((DESTRUCTIVE_ROW, best, 0.0))
            skipped.append(DESTRUCTIVE_ROW)
        if column_generation:
            rows.append((COLGEN_ROW, area, 0.0))
            skipped.append(COLGEN_ROW)
        return

    state: dict[str, Any] = {"best": best, "des": best, "des_time": 0.0, "cg": area, "cg_time": 0.0}

    def run_destructive(share: float) -> None:
        cap = min(destructive or 0.0, share * time_left())
        if state["best"] >= upper or cap < 0.05:
            return
        t0 = time.perf_counter()
        value = destructive_bound(inst, state["best"], cap, upper=upper)
        state["des_time"] += time.perf_counter() - t0
        state["des"] = max(state["des"], value)
        state["best"] = max(state["best"], value)

    def run_colgen() -> None:
        cap = min(column_generation or 0.0, time_left() - COLGEN_OVERRUN)
        if state["best"] >= upper or cap < 0.05:
            return
        t0 = time.perf_counter()
        value = colgen_bound(inst, time_limit=cap, start=state["best"], upper=upper, seed_columns=seeds,
                             smoothing=BUDGET_SMOOTHING, quick_nodes=BUDGET_QUICK_NODES, guard_overrun=True,
                             deadline=time.perf_counter() + cap)
        state["cg_time"] += time.perf_counter() - t0
        state["cg"] = max(state["cg"], value)
        state["best"] = max(state["best"], value)

    if long_item_share(inst) >= LONG_SHARE:
        run_colgen()
        run_destructive(1.0)
    else:
        run_destructive(PROBE_SHARE)
        run_colgen()
        run_destructive(1.0)
    if destructive:
        rows.append((DESTRUCTIVE_ROW, int(state["des"]), float(state["des_time"])))
    if column_generation:
        rows.append((COLGEN_ROW, int(state["cg"]), float(state["cg_time"])))


def _bins_of(packing: Packing | None) -> list[np.ndarray] | None:
    """The item sets of a packing's bins (``None`` for no packing)."""
    if packing is None:
        return None
    rows = np.asarray(packing.placements)
    return [rows[rows[:, 1] == b][:, 0] for b in np.unique(rows[:, 1])]


def area_bound(inst: BinPackInstance) -> int:
    """L0 = ceil(total item area / bin area): a bin holds at most its own area."""
    total = sum(w * h * c for w, h, c in inst.item_types)
    return -(-total // inst.bin_area)


def effective_sizes(inst: BinPackInstance) -> tuple[np.ndarray, np.ndarray]:
    """Per item, the smallest placed width and height over its allowed orientations.

    Without rotation these are the item's own sizes. With rotation an orientation
    is allowed only if it fits the bin (the instance guarantees at least one does).
    """
    w = np.asarray(inst.widths, dtype=np.int64)
    h = np.asarray(inst.heights, dtype=np.int64)
    if not inst.allow_rotation:
        return w, h
    W, H = inst.bin_width, inst.bin_height
    upright = (w <= W) & (h <= H)
    turned = (h <= W) & (w <= H)
    both = upright & turned
    # Only one orientation fits -> that orientation is the item's only shape.
    w_eff = np.where(both, np.minimum(w, h), np.where(upright, w, h))
    h_eff = np.where(both, np.minimum(w, h), np.where(upright, h, w))
    return w_eff, h_eff


def _candidates(values: np.ndarray, cap: int) -> np.ndarray:
    """Sorted distinct ``values``, thinned to at most ``cap`` evenly spread ones."""
    distinct = np.unique(values)
    if distinct.size > cap:
        pick = np.unique(np.linspace(0, distinct.size - 1, cap).round().astype(np.int64))
        distinct = distinct[pick]
    return distinct


def _bound_1d(sizes: np.ndarray, cap: int) -> int:
    """Martello–Toth L2-style lower bound for 1D bin packing of ``sizes`` into ``cap``.

    For a threshold ``1 <= q <= cap/2`` let J1 = {s > cap - q},
    J2 = {cap/2 < s <= cap - q}, J3 = {q <= s <= cap/2}. Then

    ``|J1| + |J2| + max(0, ceil((sum J3 - (|J2| cap - sum J2)) / cap),
    ceil((|J3| - sum_{J2} floor((cap - s)/q)) / floor(cap/q)))``

    bins are needed. Why: items above cap/2 pairwise exceed the capacity, so J1 and
    J2 need |J1| + |J2| distinct bins. A J3 item (s >= q) never fits with a J1 item
    (sum > cap). So J3 goes into the J2 bins' free space or into new bins. The
    first term counts new bins by size: the J2 bins leave ``|J2| cap - sum J2``
    free. The second counts them by number: J3 items have size >= q, so a J2 bin
    of item s takes at most ``floor((cap - s)/q)`` of them and a new bin at most
    ``floor(cap/q)``. Both are valid, so their maximum (and 0) is.

    Only thresholds equal to a size matter: inside an interval between two
    consecutive sizes J3 is fixed, and raising q only moves items from J2 to J1
    and shrinks the per-bin counts, which never lowers the bound. So the
    candidates are the distinct sizes <= cap/2. With none, the bound is the count
    of items above cap/2.
    """
    s = np.sort(np.asarray(sizes, dtype=np.int64))
    big_mask = 2 * s > cap
    n_big = int(np.count_nonzero(big_mask))
    qs = _candidates(s[~big_mask], MAX_THRESHOLDS)
    if qs.size == 0:
        return n_big
    prefix = np.concatenate(([0], np.cumsum(s)))
    m = s.size
    # Positions in the sorted sizes: [0, small_end) are <= cap/2.
    small_end = m - n_big
    j1_start = np.searchsorted(s, cap - qs, side="right")  # first index with s > cap - q
    j1_start = np.maximum(j1_start, small_end)
    n1 = m - j1_start
    n2 = j1_start - small_end
    sum2 = prefix[j1_start] - prefix[small_end]
    j3_start = np.searchsorted(s, qs, side="left")  # first index with s >= q
    n3 = small_end - j3_start
    sum3 = prefix[small_end] - prefix[j3_start]
    # sum over J2 of floor((cap - s)/q); J1 items contribute 0 (cap - s < q), so
    # summing over all big items gives the same number.
    big = s[small_end:]
    fit = np.zeros(qs.size, dtype=np.int64)
    for start in range(0, big.size, _BLOCK):
        free = cap - big[start : start + _BLOCK]
        fit += (free[None, :] // qs[:, None]).sum(axis=1)
    by_size = -(-(sum3 - (n2 * cap - sum2)) // cap)
    by_count = -(-(n3 - fit) // (cap // qs))
    extra = np.maximum(0, np.maximum(by_size, by_count))
    return max(n_big, int((n1 + n2 + extra).max()))


def _bound_mv_l2(
    w: np.ndarray, h: np.ndarray, areas: np.ndarray, W: int, H: int
) -> int:
    """Martello–Vigo L2 proper: the maximum over thresholds ``(p, q)`` of

    ``|I1| + max(|I2|, ceil(area(I2 ∪ I3) / (W H)))`` with ``1 <= p <= H/2``,
    ``1 <= q <= W/2`` and

    - I1 = {h > H - p and w > W - q},
    - I2 = {not in I1, h > H/2 and w > W/2},
    - I3 = {not in I1 ∪ I2, h >= p and w >= q}.

    Why it is valid: two items both wider than W/2 and taller than H/2 overlap
    wherever they are put in one bin (their x-extents must overlap and so must
    their y-extents), and I1 ∪ I2 are all such items (p <= H/2 gives
    H - p >= H/2). So they use |I1| + |I2| distinct bins. An I3 item cannot share
    a bin with an I1 item: their heights sum above H (> H - p plus >= p) and their
    widths above W, so both extents overlap. Hence the items of I2 ∪ I3 lie in
    bins other than the |I1| bins of I1, and there are at least |I2| of those and
    at least ceil(area(I2 ∪ I3) / (W H)) of them. This is the published MV L2
    term ``|I1 ∪ I2| + max(0, ceil((area(I3) - (|I2| W H - area(I2))) / (W H)))``
    written another way.

    Candidates: for fixed I3, growing I1 (moving an item from I2) adds 1 to |I1|
    and removes at most 1 from the max, so the largest p (q) with the same I3 is
    best: the distinct heights <= H/2 and ``floor(H/2)`` (widths likewise).

    Computation: I1 ∪ I2 = G := {h > H/2 and w > W/2} always, so
    ``|I2| = |G| - |I1|`` and ``area(I2 ∪ I3) = area({h >= p, w >= q}) - area(I1)``.
    Both dominance counts are read from 2D cumulative histograms over the
    candidate grid, so the cost is ``O(n log K + K^2)`` for K candidates.
    """
    ps = _candidates(np.append(h[2 * h <= H], H // 2), MAX_THRESHOLDS)
    qs = _candidates(np.append(w[2 * w <= W], W // 2), MAX_THRESHOLDS)
    ps = ps[ps >= 1]
    qs = qs[qs >= 1]
    if ps.size == 0 or qs.size == 0:
        return 0
    kp, kq = ps.size, qs.size
    n_g = int(np.count_nonzero((2 * h > H) & (2 * w > W)))

    # I1 at (a, b) holds items with ps[a] >= H - h + 1 and qs[b] >= W - w + 1,
    # i.e. a >= ia and b >= ib: a prefix-cumulative histogram at (ia, ib).
    ia = np.searchsorted(ps, H - h + 1, side="left")
    ib = np.searchsorted(qs, W - w + 1, side="left")
    in_grid = (ia < kp) & (ib < kq)
    cnt1 = np.zeros((kp, kq), dtype=np.int64)
    area1 = np.zeros((kp, kq), dtype=np.int64)
    np.add.at(cnt1, (ia[in_grid], ib[in_grid]), 1)
    np.add.at(area1, (ia[in_grid], ib[in_grid]), areas[in_grid])
    cnt1 = cnt1.cumsum(axis=0).cumsum(axis=1)
    area1 = area1.cumsum(axis=0).cumsum(axis=1)

    # {h >= p, w >= q} at (a, b) holds items with a <= ja and b <= jb: a
    # suffix-cumulative histogram at (ja, jb).
    ja = np.searchsorted(ps, h, side="right") - 1
    jb = np.searchsorted(qs, w, side="right") - 1
    in_grid = (ja >= 0) & (jb >= 0)
    area3 = np.zeros((kp, kq), dtype=np.int64)
    np.add.at(area3, (ja[in_grid], jb[in_grid]), areas[in_grid])
    area3 = area3[::-1, ::-1].cumsum(axis=0).cumsum(axis=1)[::-1, ::-1]

    n2 = n_g - cnt1
    area23 = area3 - area1
    bound = cnt1 + np.maximum(n2, -(-area23 // (W * H)))
    return int(bound.max())
