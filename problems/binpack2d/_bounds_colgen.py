"""The set-cover (Gilmore–Gomory) bound for 2D bin packing, by column generation.

Every packing with ``z`` bins is a cover of the items by ``z`` *patterns* (sets
of items that fit in one bin), so ``z`` is at least the LP optimum

    min sum_p lam_p   s.t.  sum_{p ∋ i} lam_p >= 1 (every item i),  lam >= 0

over all patterns, and, ``z`` being an integer, at least its ceiling (Gilmore &
Gomory 1961; for 2D bin packing e.g. Pisinger & Sigurd 2007, INFORMS J. Comput.
19). The LP dual is ``max sum pi_i`` s.t. ``sum_{i in p} pi_i <= 1`` for every
pattern, ``pi >= 0``.

**Why the number returned is valid, whatever happens (Farley's bound).** For any
``pi >= 0``, let ``z_ub`` be an upper bound on ``max_p sum_{i in p} pi_i`` over the
true patterns. Then ``pi / max(1, z_ub)`` is dual feasible, so
``sum_i pi_i / max(1, z_ub)`` is at most the LP optimum, hence a lower bound on
the bins. The code only ever rounds up such numbers (after subtracting a small
epsilon for floating point), taking the best over the iterations. It needs no
optimality of the master LP and no exact pricing: only that ``z_ub`` is a true
upper bound.

**Pricing on a relaxation.** ``z_ub`` comes from :mod:`._bounds_colgen_pricing`,
which maximises over a superset of the true patterns: sets that satisfy

- the area row ``sum w_i h_i <= W H``;
- the stacking rows: items wider than ``W/2`` (in every allowed orientation)
  overlap in x pairwise, so they stack and their heights sum to at most ``H``;
  items taller than ``H/2`` stand side by side, widths at most ``W``;
- a few DFF rows ``sum f(w_i) g(h_i) <= f(W) g(H)`` (:func:`._bounds_dff.dff_item_terms`);
- the conditional stacking rows of :func:`conditional_rows`, for each chosen item;
- no conflicting pair (two items neither side by side nor stacked, in every
  allowed orientation: their x- and y-extents must both overlap);
- no *forbidden* set, i.e. a set an exact 2D check proved infeasible (then every
  set containing it is infeasible too, so forbidding them removes no true pattern).

A true pattern satisfies all of these, so the relaxed optimum is ``>= `` the true
one: ``z_ub`` is valid. The master's columns are sets the relaxation accepts;
the master is only a device to produce duals ``pi`` and plays no part in the
validity argument.

**Exact check.** Before a priced set enters the master it is checked: a
bottom-left placement over a few orders proves it fits; otherwise CP-SAT's
``NoOverlap2D`` decides. INFEASIBLE forbids the set and the pricing reruns with
the same duals; FEASIBLE or UNKNOWN (time cap) keeps it as a column. So the LP
tends to the true Gilmore–Gomory LP as far as time allows.
"""
from __future__ import annotations

import math
import time

import numpy as np

from nnopt.problems.binpack2d._bounds_colgen_pricing import price
from nnopt.problems.binpack2d._bounds_dff import best_dff_pairs, dff_item_terms, orientations
from nnopt.problems.binpack2d._instance import BinPackInstance

__all__ = ["colgen_bound", "pricing_rows", "conflicts", "fits_one_bin", "MAX_ITEMS_CG"]

#: Above this many items the bound is not attempted (returns the area bound).
MAX_ITEMS_CG = 400
#: DFF rows added to the pricing relaxation.
DFF_ROWS = 8
#: Node budgets of the quick (column-finding) and full (bounding) pricing searches.
QUICK_NODES = 3_000
#: Weight of the best-bound duals in the smoothed pricing point (Wentges 1997).
SMOOTHING = 0.5
FULL_NODES = 300_000
#: Nodes per second left allowed to a full pricing search with ``guard_overrun`` (two thirds of
#: the rate measured on CLASS08_100_08, 1.2 million nodes a second: one 300,000-node search took 0.26 s).
GUARD_NODE_RATE = 800_000
#: Slack for floating point when rounding up (the sums involved stay below ~400).
_EPS = 1e-6


def pricing_rows(inst: BinPackInstance) -> tuple[np.ndarray, np.ndarray]:
    """The linear rows ``(A (k, n) int64, b (k,) int64)`` of the relaxation; row 0 is area."""
    W, H = inst.bin_width, inst.bin_height
    pw, ph, ok = orientations(inst)
    big = np.iinfo(np.int64).max
    w_eff = np.where(ok, pw, big).min(axis=1)  # smallest placed width over allowed orientations
    h_eff = np.where(ok, ph, big).min(axis=1)
    area = inst.widths.astype(np.int64) * inst.heights.astype(np.int64)
    wide = np.where(2 * w_eff > W, h_eff, 0)
    tall = np.where(2 * h_eff > H, w_eff, 0)
    terms, caps = dff_item_terms(inst, best_dff_pairs(inst, DFF_ROWS))
    A = np.vstack([area, wide, tall, terms]).astype(np.int64)
    b = np.concatenate([[W * H, H, W], caps]).astype(np.int64)
    return A, b


def conditional_rows(inst: BinPackInstance) -> tuple[np.ndarray, np.ndarray]:
    """Per item ``i``, the stacking rows that bind once ``i`` is in the bin.

    Row ``i`` (x-version): every item ``j`` with ``w_j > W/2`` and ``w_i + w_j > W``
    overlaps ``i`` in x, and any two such ``j`` overlap each other in x (both are
    wider than half). Pairwise intersecting intervals share a point (Helly, on a
    line), so one vertical line crosses ``i`` and all those ``j``: their heights
    sum to at most ``H``, i.e. ``sum_j h_j x_j <= H - h_i``. Row ``n + i`` is the
    same across. Sizes are the smallest over allowed orientations, so each
    condition holds in every orientation and the sums only shrink.
    Returns ``(cond (2n, n), cap (2n,))``.
    """
    W, H = inst.bin_width, inst.bin_height
    pw, ph, ok = orientations(inst)
    big = np.iinfo(np.int64).max
    w = np.where(ok, pw, big).min(axis=1)
    h = np.where(ok, ph, big).min(axis=1)
    in_x = (2 * w[None, :] > W) & (w[:, None] + w[None, :] > W)
    in_y = (2 * h[None, :] > H) & (h[:, None] + h[None, :] > H)
    np.fill_diagonal(in_x, False)
    np.fill_diagonal(in_y, False)
    cond = np.vstack([np.where(in_x, h[None, :], 0), np.where(in_y, w[None, :], 0)]).astype(np.int64)
    cap = np.concatenate([H - h, W - w]).astype(np.int64)
    return cond, cap


def conflicts(inst: BinPackInstance) -> np.ndarray:
    """``(n, n)`` bool: the two items share no bin in any allowed orientations."""
    W, H = inst.bin_width, inst.bin_height
    pw, ph, ok = orientations(inst)
    clash = (pw[:, :, None, None] + pw[None, None, :, :] > W) & (ph[:, :, None, None] + ph[None, None, :, :] > H)
    out = np.all(clash | ~(ok[:, :, None, None] & ok[None, None, :, :]), axis=(1, 3))
    np.fill_diagonal(out, False)
    return out


def _bottom_left(shapes: list[list[tuple[int, int]]], W: int, H: int) -> bool:
    """Place the items in the given order, each at the lowest-then-leftmost free corner."""
    placed: list[tuple[int, int, int, int]] = []
    for options in shapes:
        best: tuple[int, int, int, int] | None = None
        cands = {(0, 0)} | {(x + w, y) for x, y, w, h in placed} | {(x, y + h) for x, y, w, h in placed}
        for cx, cy in cands:
            for w, h in options:
                if cx + w > W or cy + h > H:
                    continue
                if any(cx < x + pw and x < cx + w and cy < y + ph and y < cy + h for x, y, pw, ph in placed):
                    continue
                if best is None or (cy, cx) < (best[1], best[0]):
                    best = (cx, cy, w, h)
        if best is None:
            return False
        placed.append(best)
    return True


def _packable_part(order: np.ndarray, shapes: list[list[tuple[int, int]]], W: int, H: int) -> np.ndarray:
    """Items of ``order`` taken greedily, each kept if the set still packs bottom-left."""
    kept: list[int] = []
    for i in order.tolist():
        if _bottom_left([shapes[j] for j in kept + [i]], W, H):
            kept.append(i)
    return np.array(sorted(kept), dtype=np.int64)


def _new_model():
    """An empty CP-SAT model, without the per-model set-up of the old camelCase aliases.

    ``CpModel()`` spends about 3 ms adding deprecated aliases of every method;
    the check builds hundreds of tiny models, so it skips that step where this
    OR-Tools version allows (only snake_case methods are used here).
    """
    from ortools.sat.python import cp_model

    base = getattr(getattr(cp_model, "cmh", None), "CpBaseModel", None)
    if base is None or not hasattr(cp_model.CpModel, "_add_pre_pep8_methods"):
        return cp_model.CpModel()
    model = cp_model.CpModel.__new__(cp_model.CpModel)
    base.__init__(model, None)
    return model


def fits_one_bin(shapes: list[list[tuple[int, int]]], W: int, H: int, time_limit: float) -> bool | None:
    """Whether items (each a list of allowed ``(w, h)``) fit one ``W x H`` bin.

    ``True``/``False`` are proven; ``None`` means CP-SAT ran out of time.
    """
    if sum(o[0][0] * o[0][1] for o in shapes) > W * H:
        return False
    for key in (lambda o: -o[0][0] * o[0][1], lambda o: -max(h for _, h in o), lambda o: -max(w for w, _ in o)):
        if _bottom_left(sorted(shapes, key=key), W, H):
            return True
    from ortools.sat.python import cp_model

    m = _new_model()
    xs, ys = [], []
    for k, options in enumerate(shapes):
        if len(options) == 1:
            (w, h), = options
            xs.append(m.new_fixed_size_interval_var(m.new_int_var(0, W - w, f"x{k}"), w, f"ix{k}"))
            ys.append(m.new_fixed_size_interval_var(m.new_int_var(0, H - h, f"y{k}"), h, f"iy{k}"))
            continue
        lits = []
        for o, (w, h) in enumerate(options):
            lit = m.new_bool_var(f"o{k}_{o}")
            x = m.new_int_var(0, W - w, f"x{k}_{o}")
            y = m.new_int_var(0, H - h, f"y{k}_{o}")
            xs.append(m.new_optional_fixed_size_interval_var(x, w, lit, f"ix{k}_{o}"))
            ys.append(m.new_optional_fixed_size_interval_var(y, h, lit, f"iy{k}_{o}"))
            lits.append(lit)
        m.add_exactly_one(lits)
    m.add_no_overlap_2d(xs, ys)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = 1
    # Tuned for these tiny models (measured on 384 sets the bottom-left placement could
    # not pack, from three classic instances' column generations): without presolve and
    # probing but with the energetic area reasoning, 1.2 ms a check and 3 left undecided
    # at 50 ms, against 1.4 ms and 19 with the defaults. Undecided checks cost the most.
    solver.parameters.cp_model_presolve = False
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.use_area_energetic_reasoning_in_no_overlap_2d = True
    status = solver.solve(m)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    if status == cp_model.INFEASIBLE:
        return False
    return None


class _Master:
    """The restricted master LP (GLOP through ``pywraplp``), grown one column at a time.

    Re-solving after adding columns starts from the previous basis, which keeps
    an iteration to about a millisecond for n = 100.
    """

    def __init__(self, n: int) -> None:
        from ortools.linear_solver import pywraplp

        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        self.cover = [self.solver.Constraint(1.0, self.solver.infinity()) for _ in range(n)]
        self.objective = self.solver.Objective()
        self.objective.SetMinimization()
        self.count = 0

    def add(self, items: np.ndarray) -> None:
        var = self.solver.NumVar(0.0, self.solver.infinity(), f"p{self.count}")
        self.count += 1
        self.objective.SetCoefficient(var, 1.0)
        for i in items.tolist():
            self.cover[i].SetCoefficient(var, 1.0)

    def duals(self) -> tuple[float, np.ndarray]:
        """Solve; return the LP value and the item duals (clipped at 0)."""
        from ortools.linear_solver import pywraplp

        status = self.solver.Solve()
        if status != pywraplp.Solver.OPTIMAL:  # pragma: no cover - the singletons make it feasible
            raise RuntimeError(f"master LP status {status}")
        pi = np.array([c.dual_value() for c in self.cover])
        return float(self.objective.Value()), np.maximum(pi, 0.0)


def colgen_bound(
    inst: BinPackInstance,
    time_limit: float = 1.0,
    check_time: float = 0.05,
    exact_check: bool = True,
    start: int = 0,
    upper: int | None = None,
    seed_columns: list[np.ndarray] | None = None,
    deadline: float | None = None,
    smoothing: float = SMOOTHING,
    quick_nodes: int = QUICK_NODES,
    guard_overrun: bool = False,
) -> int:
    """``ceil`` of the best Farley bound met within ``time_limit`` seconds (module docstring).

    ``check_time`` caps each CP-SAT feasibility check. ``start`` (a bound already
    known) and ``upper`` (the bins of a known packing) only stop the search
    early: once the restricted LP rounds up to at most ``max(best, start)``, no
    more can be proved; once ``best >= upper``, no more is true.
    ``seed_columns`` (item index arrays, e.g. a packing's bins) start the master
    LP closer to its optimum; columns never affect validity (only ``z_ub`` does). Instances with more than
    :data:`MAX_ITEMS_CG` items get the area bound. ``deadline`` (a ``time.perf_counter()`` reading) also
    stops it by the wall clock, for callers that must end in time on a loaded machine.
    ``smoothing`` (the weight of the best-bound duals, 0 for none) and ``quick_nodes`` (the node
    budget of the column-finding search) tune the speed only, never the validity. ``guard_overrun``
    gives the full pricing search (which checks no clock) at most :data:`GUARD_NODE_RATE` nodes
    per second left, so that the cap holds to within a few hundredths of a second.
    """
    end = time.perf_counter() + time_limit  # wall clock: a CPU-clock cap stretches on a loaded machine
    if deadline is not None:
        end = min(end, deadline)

    def time_left() -> float:
        return end - time.perf_counter()

    n = inst.n
    W, H = inst.bin_width, inst.bin_height
    area = inst.widths.astype(np.int64) * inst.heights.astype(np.int64)
    best = -(-int(area.sum()) // (W * H))
    if n > MAX_ITEMS_CG:
        return best
    A, b = pricing_rows(inst)
    conflict = conflicts(inst)
    cond, cond_cap = conditional_rows(inst)
    pw, ph, ok = orientations(inst)
    shapes = [[(int(pw[i, o]), int(ph[i, o])) for o in (0, 1) if ok[i, o] and (o == 0 or pw[i, 0] != ph[i, 0])]
              for i in range(n)]
    master = _Master(n)
    for i in range(n):
        master.add(np.array([i]))
    for col in seed_columns or []:  # e.g. the bins of a heuristic packing: any sets help the duals
        if len(col) > 1:
            master.add(np.asarray(col, dtype=np.int64))
    seen: set[tuple[int, ...]] = set()
    nogoods: list[np.ndarray] = []
    center: np.ndarray | None = None  # the duals of the best Farley bound so far
    center_value = 0.0
    while time_left() > 0:
        lp, pi_lp = master.duals()
        if math.ceil(lp - _EPS) <= max(best, start):
            break  # the restricted LP is >= the full LP: nothing above `best` is left to prove
        if upper is not None and best >= upper:
            break
        # Wentges smoothing: price at a point between the best-bound duals and the
        # master's; fall back to the master's duals when that finds nothing.
        alpha = smoothing if center is not None else 0.0
        added = 0
        while time_left() > 0:
            pi = pi_lp if alpha == 0.0 or center is None else alpha * center + (1 - alpha) * pi_lp
            # A short search first: its incumbents are columns, but its bound is
            # loose. Only when it finds nothing does the long search run, whose
            # upper bound gives a Farley bound.
            z_ub, sets, exact = price(pi, A, b, conflict, nogoods, node_limit=quick_nodes, cond=cond, cond_cap=cond_cap)
            fresh = [s for s in sets if float(pi_lp[s].sum()) > 1 + _EPS and tuple(s) not in seen]
            if not fresh and not exact:
                full_nodes = FULL_NODES
                if guard_overrun:  # a search cut short still returns a valid upper bound z_ub
                    full_nodes = min(FULL_NODES, max(quick_nodes, int(time_left() * GUARD_NODE_RATE)))
                z_ub, sets, exact = price(pi, A, b, conflict, nogoods, node_limit=full_nodes, cond=cond,
                                          cond_cap=cond_cap)
                fresh = [s for s in sets if float(pi_lp[s].sum()) > 1 + _EPS and tuple(s) not in seen]
            if exact or not fresh:
                value = float(pi.sum()) / max(1.0, z_ub)
                best = max(best, math.ceil(value - _EPS))
                if value > center_value:
                    center, center_value = pi.copy(), value
            if not fresh:
                if alpha == 0.0:
                    break
                alpha = 0.0  # mispricing: retry at the master's duals
                continue
            for s in fresh:
                fits = (fits_one_bin([shapes[i] for i in s], W, H, min(check_time, time_left()))
                        if exact_check else None)
                if fits is False:
                    nogoods.append(s)
                    # Its best part that a bottom-left placement packs is a true
                    # pattern and often still an improving column.
                    part = _packable_part(s[np.argsort(-pi_lp[s], kind="stable")], shapes, W, H)
                    if float(pi_lp[part].sum()) > 1 + _EPS and tuple(part) not in seen:
                        seen.add(tuple(part))
                        master.add(part)
                        added += 1
                else:
                    seen.add(tuple(s))
                    master.add(s)
                    added += 1
            if added:
                break
        if not added:
            # No improving column at the master's duals: the (relaxed) pricing
            # optimum is <= 1, so the Farley bound equals the LP value.
            break
    return best
