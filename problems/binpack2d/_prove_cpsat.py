"""CP-SAT's answer to "can ``k`` bins hold every item?" for 2D bin packing.

A search finds a packing with ``U`` bins; the bounds say at least ``L``. When
``L < U`` the question that settles the gap from above is the feasibility
question with ``k = U - 1`` bins: INFEASIBLE proves ``U`` optimal, a solution is
a better packing. It is much easier than the optimisation model (no objective,
no gap to close from below), so a short time cap is often enough.

Model (the usual NoOverlap2D formulation, e.g. the OR-Tools bin packing
examples; the cumulative relaxation is the "energetic" argument of Clautiaux,
Carlier & Moukrim 2007): ``p[i,b]`` puts item ``i`` in bin ``b`` (exactly one),
one lower-left corner per item, optional intervals per bin with
``NoOverlap2D``, two cumulative rows per bin (a vertical line crosses items
whose heights stack to at most ``H``; a horizontal one, widths to ``W``) and
the area row per bin.

Symmetry breaking, valid for every packing up to renaming its bins: the items
of a greedy clique of pairwise incompatible items go to bins ``0..c-1`` in
order; every other item at model rank ``r`` lies in a bin ``<= r`` (bins named in
order of first use, walking the items in model order; the clique comes first).

The hint (optional) is a known packing with its least-filled bin emptied: every
other item keeps its place, which is often a repair away from ``k`` bins.

OR-Tools is imported inside the functions, so ``import nnopt`` does not load it.
"""
from __future__ import annotations

import time

import numpy as np

from nnopt.problems.binpack2d._bounds_colgen import conflicts
from nnopt.problems.binpack2d._checker import check_packing
from nnopt.problems.binpack2d._cpsat_model import add_placements, cores, greedy_clique, placement_orientations
from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._solution import Packing

__all__ = ["fewer_bins", "greedy_clique", "cores"]

_ITEM, _BIN, _X, _Y, _W, _H, _ROT = range(7)
#: DFF rows per bin in the model when asked to refute quickly.
DFF_ROWS = 4


def fewer_bins(
    inst: BinPackInstance,
    bins: int,
    time_limit: float,
    hint: Packing | None = None,
    workers: int = 0,
    seed: int = 0,
    cpu_limit: float | None = None,
    quick_refute: bool = False,
) -> tuple[str, Packing | None]:
    """Whether ``bins`` bins can hold every item of ``inst`` (module docstring), within ``time_limit`` s.

    ``cpu_limit`` (optional) also caps the CPU seconds of this process from the
    call on (:func:`solve_within_cpu`), so that load on the machine does not
    change the answer; ``time_limit`` stays a wall-clock cap. ``quick_refute``
    turns off CP-SAT's presolve and its LP relaxation (``linearization_level``
    0): on these models both cost more than they save when the answer is
    INFEASIBLE (measured on six classic instances one bin short of their
    optimum: 0.06-0.35 s of CPU against 0.34-1.5 s with the defaults); the
    destructive bound asks with it, the proof hook (which also looks for
    packings) without. It also adds :data:`DFF_ROWS` rows per bin,
    ``sum f(w_i) g(h_i) p[i,b] <= f(W) g(H)`` for the strongest DFF pairs of
    :mod:`._bounds_dff` (valid for every bin's item set, so no packing is cut
    off), which propagate where the area row alone does not.

    Returns ``("INFEASIBLE", None)`` (proven: no packing with ``bins`` bins),
    ``("FEASIBLE", packing)`` with a packing the independent checker accepted, or
    ``("UNKNOWN", None)`` when the time cap ran out. ``workers``: CP-SAT workers
    (0: one per core).
    """
    start = time.perf_counter()
    cpu_end = None if cpu_limit is None else time.process_time() + cpu_limit
    n = inst.n
    W, H = inst.bin_width, inst.bin_height
    pw, ph, ok = placement_orientations(inst)
    areas = np.asarray(inst.widths, dtype=np.int64) * np.asarray(inst.heights, dtype=np.int64)
    conflict = conflicts(inst)
    clique = greedy_clique(conflict, areas)
    if bins <= 0 or len(clique) > bins or int(areas.sum()) > bins * W * H:
        return "INFEASIBLE", None  # more pairwise incompatible items, or more area, than bins

    from ortools.sat.python import cp_model

    c = len(clique)
    in_clique = np.zeros(n, dtype=bool)
    in_clique[clique] = True
    order = clique + [int(i) for i in np.lexsort((np.arange(n), -areas)) if not in_clique[i]]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    clique_bin = {item: b for b, item in enumerate(clique)}

    def allowed_bins(i: int) -> list[int]:
        if i in clique_bin:
            return [clique_bin[i]]
        top = min(int(rank[i]), bins - 1)
        return [b for b in range(top + 1) if b >= c or not conflict[i, clique[b]]]

    model = cp_model.CpModel()
    dff_rows = _dff_rows(inst) if quick_refute else []

    def bin_rows(b: int, placed) -> None:
        """The area row and the DFF rows of bin ``b``."""
        inside = [i for i in order if (i, b) in placed.present]
        model.add(sum(int(areas[i]) * placed.present[i, b] for i in inside) <= W * H)
        for terms, cap in dff_rows:
            if sum(int(terms[i]) for i in inside) > cap:
                model.add(sum(int(terms[i]) * placed.present[i, b] for i in inside if terms[i]) <= cap)

    placed = add_placements(model, inst, pw, ph, ok, order, allowed_bins, bins, after_bin=bin_rows)
    present, turned, xs, ys = placed.present, placed.turned, placed.xs, placed.ys

    if hint is not None and not check_packing(inst, hint):
        _add_hint(model, hint, present, xs, ys, turned, clique, bins)

    solver = cp_model.CpSolver()
    # The model's build (and OR-Tools' first import) counts against the time limit.
    solver.parameters.max_time_in_seconds = max(0.01, float(time_limit) - (time.perf_counter() - start))
    solver.parameters.num_workers = int(workers) if workers else cores()
    solver.parameters.random_seed = int(seed)
    solver.parameters.use_area_energetic_reasoning_in_no_overlap_2d = True
    if quick_refute:
        solver.parameters.cp_model_presolve = False
        solver.parameters.linearization_level = 0
    status = solve_within_cpu(solver, model, cpu_end)
    if status == cp_model.INFEASIBLE:
        return "INFEASIBLE", None
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "UNKNOWN", None
    rows = np.empty((n, 7), dtype=np.int64)
    for i in order:
        b = next(b for b in allowed_bins(i) if solver.boolean_value(present[i, b]))
        o = int(solver.boolean_value(turned[i])) if i in turned else (0 if ok[i, 0] else 1)
        rows[i] = (i, b, solver.value(xs[i]), solver.value(ys[i]), pw[i, o], ph[i, o], o)
    _, rows[:, _BIN] = np.unique(rows[:, _BIN], return_inverse=True)
    packing = Packing(rows)
    problems = check_packing(inst, packing)
    if problems:  # never hand on an unverified packing
        raise RuntimeError(f"CP-SAT produced an infeasible packing of {inst.name} (a bug): {problems[0]}")
    return "FEASIBLE", packing


def _dff_rows(inst: BinPackInstance) -> list[tuple[np.ndarray, int]]:
    """A few DFF rows ``sum_i f(w_i) g(h_i) <= f(W) g(H)`` that hold in every bin (:mod:`._bounds_dff`)."""
    from nnopt.problems.binpack2d._bounds_dff import best_dff_pairs, dff_item_terms

    terms, caps = dff_item_terms(inst, best_dff_pairs(inst, DFF_ROWS))
    return [(terms[r], int(caps[r])) for r in range(len(caps))]


def solve_within_cpu(solver, model, cpu_end: float | None):
    """``solver.solve(model)``, stopped once this process's CPU clock reaches ``cpu_end`` (``None``: no cap).

    CP-SAT caps wall-clock or deterministic time only; wall-clock caps give
    different answers on a loaded machine, and its deterministic time tracks CPU
    time only loosely on these models (measured: 1.5 to 15 CPU seconds per unit).
    So a watchdog thread reads ``time.process_time()`` every few milliseconds and
    asks the search to stop (``stop_search``, thread-safe) once the cap is spent.
    A stopped search answers UNKNOWN, never a wrong INFEASIBLE.
    """
    if cpu_end is None:
        return solver.solve(model)
    import threading

    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.004):
            if time.process_time() >= cpu_end:
                solver.stop_search()  # repeated until solve returns: a stop before the search starts is lost

    watchdog = threading.Thread(target=watch, daemon=True)
    watchdog.start()
    try:
        return solver.solve(model)
    finally:
        done.set()
        watchdog.join()


def _add_hint(model, packing: Packing, present, xs, ys, turned, clique: list[int], bins: int) -> None:
    """Hint ``packing`` minus its least-filled bin, its bins renamed as the model names them.

    The clique items' bins become ``0..c-1``, the other bins follow in their
    order; the emptied bin's items get no bin hint.
    """
    rows = np.asarray(packing.placements)
    item_row = {int(r[_ITEM]): r for r in rows}
    fill: dict[int, int] = {}
    for r in rows:
        fill[int(r[_BIN])] = fill.get(int(r[_BIN]), 0) + int(r[_W]) * int(r[_H])
    clique_bins = [int(item_row[i][_BIN]) for i in clique]
    droppable = [b for b in fill if b not in clique_bins] or list(fill)
    dropped = min(droppable, key=lambda b: (fill[b], b))
    names: dict[int, int] = {}
    for b in clique_bins:
        names.setdefault(b, len(names))
    for b in sorted(fill):
        if b != dropped:
            names.setdefault(b, len(names))
    by_item: dict[int, list[tuple[int, object]]] = {}
    for (i, b), lit in present.items():
        by_item.setdefault(i, []).append((b, lit))
    for i, r in item_row.items():
        named = names.get(int(r[_BIN]))
        if named is None or named >= bins:
            continue
        for bb, lit in by_item.get(i, []):
            model.add_hint(lit, bb == named)
        model.add_hint(xs[i], int(r[_X]))
        model.add_hint(ys[i], int(r[_Y]))
        if i in turned:
            model.add_hint(turned[i], bool(r[_ROT]))
