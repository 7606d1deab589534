"""Exact 2D bin packing with OR-Tools CP-SAT (method ``cpsat``).

The heuristics say how few bins they manage; only an exact model can say how few
bins are *possible*. This one proves optimality on small and medium instances
and, within a time limit, reports its best packing with a proven lower bound.

Formulation (``U`` bins at most, the bins of a known feasible packing):

- items are renumbered in a fixed *model order*: a clique of pairwise
  incompatible items first, then the rest by decreasing area;
- ``p[i,b]`` — item ``i`` lies in bin ``b``; exactly one per item;
- ``r[i]`` — item ``i`` is turned by 90 degrees (only where both orientations fit
  and differ); the placed sizes are then affine in ``r[i]``:
  ``pw_i = w_i + (h_i - w_i) r[i]`` and ``ph_i = h_i + (w_i - h_i) r[i]``;
- ``x[i], y[i]`` — the lower-left corner, one pair per item, shared by all its
  bins (only the bin it is present in constrains it);
- per ``(i, b)`` an optional interval ``[x_i, x_i + pw_i)`` and one
  ``[y_i, y_i + ph_i)``, present iff ``p[i,b]``; ``NoOverlap2D`` per bin;
- ``u[b]`` — bin ``b`` is used: ``p[i,b] -> u[b]`` and ``u[b+1] -> u[b]``;
- minimise ``sum_b u[b]``.

Redundant constraints that only help the search: ``sum u >= L2`` (the
Martello–Vigo bound, or the clique size if larger), per bin area
``sum_i a_i p[i,b] <= W H u[b]``, per bin the 1D knapsacks of items taller
(wider) than half the bin, which stand side by side (stack) and so share the
bin's width (height), and per bin the two cumulative relaxations of
``NoOverlap2D`` (the items a vertical line crosses stack, so their heights fit
in ``H``; across likewise). The cumulatives and CP-SAT's area energetic
reasoning in ``NoOverlap2D`` made the difference on the classic n = 20
instances: without them the hardest proofs (CLASS08_020_05) did not finish in
20 s on two cores, with them every one of the 100 finishes in about 2 s.

Symmetry breaking, all valid together because they hold for the
lexicographically smallest vector ``(bin of item 0, bin of item 1, ...)`` among
the packings that differ only by a renaming of bins or a swap of identical items:

- bins are named in order of first use, so item ``i`` lies in a bin ``<= i``; the
  clique items, which need distinct bins and come first, lie in bins ``0..k-1``;
- of two identical items (same sizes, up to rotation when allowed), the earlier
  lies in a bin no later than the later one.

The heuristic packing given as ``hint`` (or computed from the problem's decoders)
is brought into that canonical form and passed to the solver as a complete hint,
and it is returned when the solver finds nothing at least as good: this method
never returns worse than its hint.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnopt.problems.base import Problem
from nnopt.problems.binpack2d import BinPack2D, BinPackInstance, Packing
from nnopt.problems.binpack2d._bounds import lower_bound
from nnopt.problems.binpack2d._bounds_colgen import conflicts
from nnopt.problems.binpack2d._checker import check_packing
from nnopt.problems.binpack2d._cpsat_model import add_placements, cores, greedy_clique, placement_orientations
from nnopt.solver.methods import Budget, Method, ProgressCallback, RunContext, SearchResult, register_method

__all__ = ["METHOD", "CpSatResult", "solve_cpsat", "heuristic_packing", "conflict_matrix", "greedy_clique"]

#: The name the method is listed under.
METHOD = "cpsat"

_ITEM, _BIN, _X, _Y, _W, _H, _ROT = range(7)


@dataclass(frozen=True)
class CpSatResult:
    """What :func:`solve_cpsat` found.

    ``status`` is ``"OPTIMAL"`` when ``objective == bound`` is proven,
    ``"FEASIBLE"`` when a packing exists but the gap is open, ``"UNKNOWN"`` when
    there is no packing (then ``packing`` and ``objective`` are ``None``).
    ``bound`` is the best proven lower bound on the number of bins.
    """

    packing: Packing | None
    status: str
    objective: int | None
    bound: int
    seconds: float


# --------------------------------------------------------------------------- helpers
def heuristic_packing(inst: BinPackInstance) -> Packing:
    """The best packing of the classic sort orders over every decoder (fewest bins).

    Ties go to the first decoder and encoding, so the result is deterministic.
    """
    problem = BinPack2D()
    encodings = problem.heuristic_encodings(inst)
    best: Packing | None = None
    for decoder in problem.decoders:
        batch = problem.decode(inst, encodings, decoder=decoder)
        k = int(np.argmin(batch.num_bins()))
        if best is None or batch.num_bins()[k] < best.num_bins:
            best = batch[k]
    if best is None:  # pragma: no cover - the problem always has decoders
        raise RuntimeError("binpack2d has no decoders")
    return best


def conflict_matrix(inst: BinPackInstance) -> np.ndarray:
    """``(n, n)`` bool: items ``i`` and ``j`` can never share a bin.

    Two rectangles fit in one bin exactly when they fit side by side
    (``w_i + w_j <= W``) or stacked (``h_i + h_j <= H``): if neither holds, their
    x-extents and their y-extents must both overlap wherever they are put. With
    rotation the pair conflicts only if that holds for every allowed orientation.
    The same matrix as the bounds' (:func:`nnopt.problems.binpack2d._bounds_colgen.conflicts`).
    """
    return conflicts(inst)


def _canonical(rows: np.ndarray, rank: np.ndarray, groups: list[list[int]], widths: np.ndarray) -> np.ndarray:
    """Rewrite a packing into the symmetry-broken form the model accepts.

    ``rows`` are placement rows indexed by item; ``rank[i]`` is item ``i``'s place
    in the model order; ``groups`` lists identical items in model order. Two moves,
    each making the vector of bins (in model order) lexicographically no larger:
    rename bins in order of first use, and hand each identical group's placements
    to its items in order of bin. Repeated until nothing changes, which ends
    because the vector only decreases. An item handed a placement of its
    identical twin is turned iff the placed width differs from its own
    (``widths``), which covers twins that are one another turned.
    """
    rows = rows.copy()
    by_rank = np.argsort(rank)
    while True:
        before = rows[:, _BIN].copy()
        # Bins in order of first use, walking the items in model order.
        first: dict[int, int] = {}
        for i in by_rank:
            first.setdefault(int(rows[i, _BIN]), len(first))
        rows[:, _BIN] = [first[int(b)] for b in rows[:, _BIN]]
        # Identical items: the earlier one takes the placement with the lower bin.
        for group in groups:
            place = rows[group][:, [_BIN, _X, _Y, _W, _H]]
            rows[group, _BIN:_ROT] = place[np.lexsort((place[:, 2], place[:, 1], place[:, 0]))]
            rows[group, _ROT] = rows[group, _W] != widths[group]
        if np.array_equal(before, rows[:, _BIN]):
            return rows


# --------------------------------------------------------------------------- the solver
def solve_cpsat(
    inst: BinPackInstance,
    *,
    time_limit: float = 10.0,
    hint: Packing | None = None,
    workers: int = 0,
    seed: int = 0,
    use_bound: bool = True,
) -> CpSatResult:
    """Solve ``inst`` with the CP-SAT model of the module docstring.

    ``time_limit`` is seconds for building and solving the model (the default
    hint is not counted: its first call may compile the decoders); ``hint`` a
    feasible packing to start from (default: the best heuristic packing);
    ``workers`` the CP-SAT search workers (0: one per core); ``seed`` the
    solver's random seed;
    ``use_bound`` adds ``sum u >= L2`` to the model. The returned packing has
    bins numbered 0..k-1, has passed ``check_packing`` and never uses more bins
    than the hint. Raises ``ValueError`` for bad arguments or an infeasible hint.
    """
    from ortools.sat.python import cp_model  # here, not at the top: listing methods must not load OR-Tools

    start = time.perf_counter()
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not (
        math.isfinite(time_limit) and time_limit > 0
    ):
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    for label, value, hi in (("workers", workers, 1 << 16), ("seed", seed, (1 << 31) - 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value <= hi:
            raise ValueError(f"{label} must be an integer in 0..{hi}, got {value!r}")

    n = inst.n
    W, H = inst.bin_width, inst.bin_height
    if hint is None:
        hint = heuristic_packing(inst)
    else:
        problems = check_packing(inst, hint)
        if problems:
            raise ValueError(f"hint is not a feasible packing of {inst.name}: {problems[0]}")
    hint_rows = np.empty((n, 7), dtype=np.int64)
    hint_rows[hint.placements[:, _ITEM]] = hint.placements
    model_start = time.perf_counter()

    ow, oh, ok = placement_orientations(inst)
    areas = np.asarray(inst.widths * inst.heights, dtype=np.int64)
    conflict = conflict_matrix(inst)
    clique = greedy_clique(conflict, areas)
    k = len(clique)
    bound = max(lower_bound(inst), k)

    # Model order: the clique, then the rest by decreasing area.
    in_clique = np.zeros(n, dtype=bool)
    in_clique[clique] = True
    rest = [int(i) for i in np.lexsort((np.arange(n), -areas)) if not in_clique[i]]
    order = clique + rest
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    # Identical items (same multiset of allowed placed sizes), in model order.
    shape_of: dict[Any, list[int]] = {}
    for i in order:
        key = tuple(sorted({(int(ow[i, o]), int(oh[i, o])) for o in range(2) if ok[i, o]}))
        shape_of.setdefault(key, []).append(i)
    groups = [g for g in shape_of.values() if len(g) > 1]
    hint_rows = _canonical(hint_rows, rank, groups, np.asarray(inst.widths))
    U = hint_bins = int(hint_rows[:, _BIN].max()) + 1  # canonical bins are 0..U-1

    def finish(rows: np.ndarray, status: str, lower: int) -> CpSatResult:
        packing = Packing(rows)
        problems = check_packing(inst, packing)
        if problems:
            raise RuntimeError(f"cpsat produced an infeasible packing of {inst.name} (a bug): {problems[0]}")
        objective = packing.num_bins
        if lower > objective:
            raise RuntimeError(f"cpsat bound {lower} exceeds its packing's {objective} bins (a bug)")
        if lower == objective:
            status = "OPTIMAL"
        return CpSatResult(packing, status, objective, lower, time.perf_counter() - start)

    if bound >= U:
        return finish(hint_rows, "OPTIMAL", bound)

    # ------------------------------------------------------------------ the model
    model = cp_model.CpModel()
    bins = range(U)
    used = [model.new_bool_var(f"u[{b}]") for b in bins]
    clique_bin = {item: b for b, item in enumerate(clique)}

    def allowed_bins(i: int) -> list[int]:
        if i in clique_bin:
            return [clique_bin[i]]
        top = min(int(rank[i]), U - 1)
        return [b for b in range(top + 1) if b >= k or not conflict[i, clique[b]]]

    # Placements, NoOverlap2D and the two redundant cumulatives per bin: the shared model
    # (a vertical line crosses items whose heights stack to at most H, and the same across).
    placed = add_placements(model, inst, ow, oh, ok, order, allowed_bins, U, used=used)
    present, turned, xs, ys = placed.present, placed.turned, placed.xs, placed.ys
    for b in range(U - 1):
        model.add_implication(used[b + 1], used[b])
    if use_bound:
        model.add(sum(used) >= bound)

    # Redundant cuts (see the module docstring); effective sizes keep them valid
    # whatever orientation an item takes.
    w_eff = np.where(ok, ow, W + 1).min(axis=1)
    h_eff = np.where(ok, oh, H + 1).min(axis=1)
    tall = 2 * h_eff > H
    wide = 2 * w_eff > W
    for b in bins:
        inside = [i for i in order if (i, b) in present]
        model.add(sum(int(areas[i]) * present[i, b] for i in inside) <= W * H * used[b])
        for mask, size, cap in ((tall, w_eff, W), (wide, h_eff, H)):
            members = [i for i in inside if mask[i]]
            if int(size[members].sum()) > cap:
                model.add(sum(int(size[i]) * present[i, b] for i in members) <= cap)
    for group in groups:
        for a, c in zip(group, group[1:]):
            model.add(sum(b * present[a, b] for b in allowed_bins(a))
                      <= sum(b * present[c, b] for b in allowed_bins(c)))

    model.minimize(sum(used))

    # The canonical heuristic packing as a complete hint.
    for (i, b), lit in present.items():
        model.add_hint(lit, bool(hint_rows[i, _BIN] == b))
    for i in order:
        model.add_hint(xs[i], int(hint_rows[i, _X]))
        model.add_hint(ys[i], int(hint_rows[i, _Y]))
        if i in turned:
            model.add_hint(turned[i], bool(hint_rows[i, _ROT]))
    for b in bins:
        model.add_hint(used[b], True)

    # ------------------------------------------------------------------ solve
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit - (time.perf_counter() - model_start))
    solver.parameters.num_workers = int(workers) if workers else cores()
    solver.parameters.random_seed = int(seed)
    # See the module docstring: this and the cumulatives make the proofs fast.
    solver.parameters.use_area_energetic_reasoning_in_no_overlap_2d = True
    status = solver.solve(model)

    if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        raise RuntimeError(f"cpsat model of {inst.name} is {solver.status_name(status)} "
                           "although its hint is feasible (a bug)")
    solver_bound = solver.best_objective_bound
    if math.isfinite(solver_bound):
        bound = max(bound, math.ceil(solver_bound - 1e-6))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or round(solver.objective_value) > hint_bins:
        return finish(hint_rows, "FEASIBLE", bound)

    rows = np.empty((n, 7), dtype=np.int64)
    for i in order:
        b = next(b for b in allowed_bins(i) if solver.boolean_value(present[i, b]))
        rot = bool(solver.boolean_value(turned[i])) if i in turned else not ok[i, 0]
        rows[i] = (i, b, solver.value(xs[i]), solver.value(ys[i]), ow[i, int(rot)], oh[i, int(rot)], int(rot))
    # Bins renumbered 0..k-1 (the solver's used bins are a prefix already, but
    # the packing must not depend on that).
    _, rows[:, _BIN] = np.unique(rows[:, _BIN], return_inverse=True)
    return finish(rows, "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE", bound)


#: Seconds OR-Tools' CP-SAT needs before it can search: importing it (it imports pandas:
#: 1.4-1.6 s on the loaded development machine) and building the model.
CPSAT_START_UP_S = 2.0
#: Most item-to-bin literals (items x the lower bound on bins, which the model's bins exceed) the
#: method builds a model with. The model is built in Python, literal by literal, before CP-SAT can
#: read its time limit, and the item conflict matrix is items x items: 10,000 items would take
#: minutes and 100,000 tens of GB. Above it the method returns the best heuristic, with a note.
CPSAT_MAX_LITERALS = 200_000


class CpSat(Method):
    """``cpsat``: the exact model above, hinted by the best heuristic, within the budget's time."""

    name = "cpsat"
    family = "exact"
    description = "exact OR-Tools CP-SAT model hinted by the best heuristic; proves optima"

    def unsupported(self, problem: Problem) -> str | None:
        if isinstance(problem, BinPack2D):
            return None
        return "solves classic binpack2d instances only, not cutting jobs" if problem.name == "binpack2d" else \
            "solves binpack2d only"

    def run(self, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        from nnopt.baselines.binpack2d_heuristics import best_heuristic

        left = budget.seconds_left()
        literals = instance.n * int(problem.lower_bound(instance))
        if literals > CPSAT_MAX_LITERALS:
            stop = budget.exhausted if budget.time_limit is not None else None
            found_h = best_heuristic(instance, stop=stop)
            cost = float(problem.cost(instance, [found_h.packing])[0])
            return SearchResult(found_h.packing, float(found_h.bins), cost, evaluations=0, seconds=budget.elapsed,
                                status="heuristic", decoder=f"{found_h.rule}/{found_h.order}",
                                notes=[f"cpsat skipped: {instance.n:,} items x at least {literals // instance.n:,} "
                                       f"bins is above the {CPSAT_MAX_LITERALS:,} item-bin pairs its model is built "
                                       f"for; returned the {found_h.rule} heuristic"])
        if budget.time_limit is not None and "ortools.sat.python.cp_model" not in sys.modules \
                and left < CPSAT_START_UP_S:
            found_h = best_heuristic(instance, stop=lambda: True)  # one rule: the cheapest honest answer
            cost = float(problem.cost(instance, [found_h.packing])[0])
            return SearchResult(found_h.packing, float(found_h.bins), cost, evaluations=0, seconds=budget.elapsed,
                                status="heuristic", decoder=f"{found_h.rule}/{found_h.order}",
                                notes=[f"cpsat skipped: {left:.1f} s left cannot pay OR-Tools' start-up (about "
                                       f"{CPSAT_START_UP_S:g} s); returned the {found_h.rule} heuristic"])
        from ortools.sat.python import cp_model  # noqa: F401 - imported on the run's clock, before it is read

        # The hint may take half of what is left (each rule's first call loads its kernel).
        half = budget.elapsed + budget.seconds_left() / 2
        hint = best_heuristic(instance, stop=(lambda: budget.elapsed >= half) if budget.time_limit else None).packing
        # Under a decode budget alone the run must repeat itself: one worker, the default time.
        workers = 1 if budget.time_limit is None else ((context.threads if context else None) or 0)
        found = solve_cpsat(instance, time_limit=max(0.05, budget.seconds_left()), hint=hint, workers=workers,
                            seed=seed)
        if found.packing is None:  # cannot happen with a hint; kept as a clear failure
            raise RuntimeError("cpsat returned no packing although it was given a hint")
        assert found.objective is not None and found.bound is not None  # a packing comes with both
        cost = float(problem.cost(instance, [found.packing])[0])
        if on_improve is not None:
            on_improve(0, budget.elapsed, float(found.objective), cost)
        return SearchResult(found.packing, float(found.objective), cost, evaluations=0, seconds=budget.elapsed,
                            status=found.status.lower(), bound=float(found.bound))


register_method(CpSat())
