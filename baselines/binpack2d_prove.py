"""Proving a binpack2d packing optimal: can ``incumbent - 1`` bins hold every item?

A search method finds a packing with ``U`` bins; the bounds say at least ``L``.
When ``L < U`` the question that settles the gap from above is the feasibility
question "do ``U - 1`` bins suffice?". CP-SAT answers it on a model with exactly
``U - 1`` bins and no objective: INFEASIBLE proves ``U`` optimal; a solution is
a better packing (checked by the independent checker before it is returned).
It is often much easier than the optimisation model, which must also close the
gap from below, and it can spend the whole budget on that one question.

The model is the one of :mod:`nnopt.baselines.binpack2d_cpsat` (its helpers:
orientations, the conflict matrix, the greedy clique) restricted to ``U - 1``
bins: ``p[i,b]`` one bin per item, one lower-left corner per item, optional
intervals per bin with ``NoOverlap2D``, the two cumulative relaxations and the
area row per bin. Symmetry breaking, valid for any packing up to renaming its
bins: the clique's items (pairwise incompatible) go to bins ``0..k-1`` in
order, and every other item ``i`` at model rank ``r`` lies in a bin ``<= r``
(bins named in order of first use). Identical items are not ordered here.

The hint is the incumbent with its least-filled bin emptied: every other item
keeps its place, which is often one repair away from a ``U - 1`` packing.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from nnopt.baselines.binpack2d_cpsat import _cores, _orientations, conflict_matrix, greedy_clique
from nnopt.problems.binpack2d import BinPackInstance, Packing
from nnopt.problems.binpack2d._checker import check_packing

__all__ = ["ProofResult", "prove"]

_ITEM, _BIN, _X, _Y, _W, _H, _ROT = range(7)


@dataclass(frozen=True)
class ProofResult:
    """What :func:`prove` settled.

    ``proved_optimal``: no packing with fewer bins than the incumbent exists
    (then ``new_bound == incumbent_bins``). ``better_packing``: a verified packing
    with ``incumbent_bins - 1`` bins, or ``None``. ``new_bound``: the best proven
    lower bound afterwards. ``status``: CP-SAT's answer (``INFEASIBLE``,
    ``FEASIBLE``, ``UNKNOWN``) or ``BOUND`` when the given bound already met the
    incumbent.
    """

    proved_optimal: bool
    better_packing: Packing | None
    new_bound: int
    status: str
    seconds: float

    def __iter__(self):  # type: ignore[no-untyped-def]
        """Unpacks as ``(proved_optimal, better_packing, new_bound)``."""
        return iter((self.proved_optimal, self.better_packing, self.new_bound))


def prove(
    inst: BinPackInstance,
    incumbent_bins: int,
    bound: int,
    time_limit: float,
    hint_packing: Packing | None = None,
    workers: int = 0,
    seed: int = 0,
) -> ProofResult:
    """Ask CP-SAT whether ``incumbent_bins - 1`` bins suffice (module docstring).

    ``bound`` is a proven lower bound (e.g. :func:`..._bounds.lower_bound`); when it
    already equals ``incumbent_bins`` nothing is solved. ``hint_packing``, a
    feasible packing (normally the incumbent), seeds the search. ``workers``: CP-SAT
    workers (0: one per core).
    """
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    if bound > incumbent_bins:
        raise ValueError(f"bound {bound} is above the incumbent's {incumbent_bins} bins")
    if not (isinstance(time_limit, (int, float)) and math.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    if bound >= incumbent_bins:
        return ProofResult(True, None, incumbent_bins, "BOUND", time.perf_counter() - start)
    U = incumbent_bins - 1
    n = inst.n
    W, H = inst.bin_width, inst.bin_height
    ow, oh, ok = _orientations(inst)
    areas = np.asarray(inst.widths * inst.heights, dtype=np.int64)
    conflict = conflict_matrix(inst)
    clique = greedy_clique(conflict, areas)
    k = len(clique)
    if k > U or int(areas.sum()) > U * W * H:
        # More pairwise incompatible items (or more area) than bins: U - 1 is impossible.
        return ProofResult(True, None, incumbent_bins, "INFEASIBLE", time.perf_counter() - start)

    in_clique = np.zeros(n, dtype=bool)
    in_clique[clique] = True
    order = clique + [int(i) for i in np.lexsort((np.arange(n), -areas)) if not in_clique[i]]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    clique_bin = {item: b for b, item in enumerate(clique)}

    def allowed_bins(i: int) -> list[int]:
        if i in clique_bin:
            return [clique_bin[i]]
        top = min(int(rank[i]), U - 1)
        return [b for b in range(top + 1) if b >= k or not conflict[i, clique[b]]]

    model = cp_model.CpModel()
    present: dict[tuple[int, int], cp_model.IntVar] = {}
    turned: dict[int, cp_model.IntVar] = {}
    xs: dict[int, cp_model.IntVar] = {}
    ys: dict[int, cp_model.IntVar] = {}
    x_iv: list[list[cp_model.IntervalVar]] = [[] for _ in range(U)]
    y_iv: list[list[cp_model.IntervalVar]] = [[] for _ in range(U)]
    x_dem: list[list[cp_model.LinearExprT]] = [[] for _ in range(U)]
    y_dem: list[list[cp_model.LinearExprT]] = [[] for _ in range(U)]
    for i in order:
        rotatable = bool(ok[i, 0]) and bool(ok[i, 1]) and ow[i, 0] != oh[i, 0]
        min_w, min_h = int(ow[i][ok[i]].min()), int(oh[i][ok[i]].min())
        x = model.new_int_var(0, W - min_w, f"x[{i}]")
        y = model.new_int_var(0, H - min_h, f"y[{i}]")
        xs[i], ys[i] = x, y
        fixed = 0 if ok[i, 0] else 1
        if rotatable:
            r = model.new_bool_var(f"r[{i}]")
            turned[i] = r
            pw = int(ow[i, 0]) + int(ow[i, 1] - ow[i, 0]) * r
            ph = int(oh[i, 0]) + int(oh[i, 1] - oh[i, 0]) * r
            x_end = model.new_int_var(min_w, W, f"xe[{i}]")
            y_end = model.new_int_var(min_h, H, f"ye[{i}]")
            model.add(x + pw == x_end)
            model.add(y + ph == y_end)
        lits = []
        for b in allowed_bins(i):
            lit = model.new_bool_var(f"p[{i},{b}]")
            present[i, b] = lit
            lits.append(lit)
            if rotatable:
                x_iv[b].append(model.new_optional_interval_var(x, pw, x_end, lit, f"xi[{i},{b}]"))
                y_iv[b].append(model.new_optional_interval_var(y, ph, y_end, lit, f"yi[{i},{b}]"))
                x_dem[b].append(ph)
                y_dem[b].append(pw)
            else:
                x_iv[b].append(model.new_optional_fixed_size_interval_var(x, int(ow[i, fixed]), lit, f"xi[{i},{b}]"))
                y_iv[b].append(model.new_optional_fixed_size_interval_var(y, int(oh[i, fixed]), lit, f"yi[{i},{b}]"))
                x_dem[b].append(int(oh[i, fixed]))
                y_dem[b].append(int(ow[i, fixed]))
        model.add_exactly_one(lits)
    for b in range(U):
        if len(x_iv[b]) > 1:
            model.add_no_overlap_2d(x_iv[b], y_iv[b])
            model.add_cumulative(x_iv[b], x_dem[b], H)  # a vertical line's items stack
            model.add_cumulative(y_iv[b], y_dem[b], W)
        inside = [i for i in order if (i, b) in present]
        model.add(sum(int(areas[i]) * present[i, b] for i in inside) <= W * H)

    if hint_packing is not None and not check_packing(inst, hint_packing):
        _add_hint(model, hint_packing, present, xs, ys, turned, clique, U)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit - (time.perf_counter() - start))
    solver.parameters.num_workers = int(workers) if workers else _cores()
    solver.parameters.random_seed = int(seed)
    solver.parameters.use_area_energetic_reasoning_in_no_overlap_2d = True
    status = solver.solve(model)
    seconds = time.perf_counter() - start
    if status == cp_model.INFEASIBLE:
        return ProofResult(True, None, incumbent_bins, "INFEASIBLE", seconds)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ProofResult(False, None, bound, "UNKNOWN", seconds)
    rows = np.empty((n, 7), dtype=np.int64)
    for i in order:
        b = next(b for b in allowed_bins(i) if solver.boolean_value(present[i, b]))
        rot = bool(solver.boolean_value(turned[i])) if i in turned else not ok[i, 0]
        rows[i] = (i, b, solver.value(xs[i]), solver.value(ys[i]), ow[i, int(rot)], oh[i, int(rot)], int(rot))
    _, rows[:, _BIN] = np.unique(rows[:, _BIN], return_inverse=True)
    packing = Packing(rows)
    problems = check_packing(inst, packing)
    if problems:
        raise RuntimeError(f"prove produced an infeasible packing of {inst.name} (a bug): {problems[0]}")
    return ProofResult(False, packing, bound, "FEASIBLE", seconds)


def _add_hint(model, packing: Packing, present, xs, ys, turned, clique: list[int], U: int) -> None:  # type: ignore[no-untyped-def]
    """Hint the incumbent minus its least-filled bin, its bins renamed to fit the model.

    The clique items' bins become ``0..k-1``; the other bins keep their order
    after them; the emptied bin's items get no bin hint.
    """
    rows = np.asarray(packing.placements)
    item_row = {int(r[_ITEM]): r for r in rows}
    fill: dict[int, int] = {}
    for r in rows:
        fill[int(r[_BIN])] = fill.get(int(r[_BIN]), 0) + int(r[_W]) * int(r[_H])
    clique_bins = [int(item_row[c][_BIN]) for c in clique]
    droppable = [b for b in fill if b not in clique_bins] or list(fill)
    dropped = min(droppable, key=lambda b: (fill[b], b))
    names: dict[int, int] = {}
    for b in clique_bins:
        names.setdefault(b, len(names))
    for b in sorted(fill):
        if b != dropped:
            names.setdefault(b, len(names))
    for i, r in item_row.items():
        b = names.get(int(r[_BIN]))
        if b is None or b >= U:
            continue
        for (j, bb), lit in present.items():
            if j == i:
                model.add_hint(lit, bb == b)
        model.add_hint(xs[i], int(r[_X]))
        model.add_hint(ys[i], int(r[_Y]))
        if i in turned:
            model.add_hint(turned[i], bool(r[_ROT]))
