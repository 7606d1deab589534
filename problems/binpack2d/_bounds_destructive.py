"""The destructive bound: raise a lower bound ``k`` while CP-SAT proves ``k`` bins cannot hold the items.

"Destructive" lower bounds (Klein & Scholl 1999 for scheduling; for 2D bin
packing e.g. Clautiaux, Carlier & Moukrim 2007, who reject a candidate bin count
by a feasibility test) turn a feasibility check into a bound: if no packing
into ``k`` bins exists, at least ``k + 1`` bins are needed. Here the check is
the exact CP-SAT model of :mod:`._prove_cpsat` (NoOverlap2D per bin, with the
clique and cumulative reasoning that makes small infeasible cases quick), run
on ``k = start, start + 1, ...`` while it answers INFEASIBLE within the time cap.

Validity needs only that INFEASIBLE is a proof: the model admits every packing
into at most ``k`` bins up to renaming the bins (empty bins are allowed, and the
symmetry breaking keeps one renaming of each packing), so INFEASIBLE at ``k``
means every packing uses at least ``k + 1`` bins, whatever ``start`` was. A
FEASIBLE answer ends the loop: ``k`` is then the optimum, and the bound stays
``k``. The bound is exact given enough time; with a time cap it is only as
strong as the answers CP-SAT gave in time.

Before the loop the instance is reduced (:mod:`._bounds_reduce`: bins that
some optimal packing contains are fixed, so ``OPT = fixed + OPT(rest)``) and
CP-SAT is asked about the rest only: INFEASIBLE with ``k`` bins for the rest
proves ``fixed + k + 1`` for the whole. The model is asked with presolve and
the LP relaxation off (``quick_refute`` of :func:`._prove_cpsat.fewer_bins`),
which proves these small infeasible cases several times faster.
"""
from __future__ import annotations

import time

from nnopt.problems.binpack2d._bounds_reduce import reduce_instance, sub_instance
from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._prove_cpsat import fewer_bins

__all__ = ["destructive_bound", "MAX_ITEMS_DESTRUCTIVE"]

#: Above this many items the bound is not attempted (the model grows with n x bins).
MAX_ITEMS_DESTRUCTIVE = 400
#: With a CPU-time cap, the wall-clock backstop is this many times the cap (plus a second).
WALL_FACTOR = 8.0


def destructive_bound(inst: BinPackInstance, start: int, time_limit: float, workers: int = 1, seed: int = 0,
                      cpu: bool = False, wall_factor: float = WALL_FACTOR, upper: int | None = None,
                      reduce: bool = True) -> int:
    """The largest ``k >= start`` reached while CP-SAT proves ``k - 1`` bins infeasible (module docstring).

    ``start`` should be a valid bound (e.g. :func:`._bounds.lower_bound`): only
    then is the result one too; ``time_limit`` caps the whole loop: wall-clock
    seconds, or with ``cpu=True`` CPU seconds of this process (so that load on
    the machine does not change the result; a wall-clock backstop of
    ``wall_factor`` times the cap, plus a second, still ends it on a machine
    starved of CPU). ``workers``: CP-SAT's threads. ``upper``, the bins of a
    known packing, ends the loop at ``upper`` (``upper`` bins are known to suffice).
    ``reduce``: first fix the bins of :func:`._bounds_reduce.reduce_instance`
    and ask CP-SAT about the items left only (module docstring).
    """
    start = int(start)
    if inst.n == 0 or inst.n > MAX_ITEMS_DESTRUCTIVE:
        return start
    clock = time.process_time if cpu else time.perf_counter
    deadline = clock() + time_limit
    wall_deadline = time.perf_counter() + (wall_factor * time_limit + 1.0 if cpu else time_limit)
    fixed, rest = 0, inst
    if reduce:
        fixed, left = reduce_instance(inst)
        if not left.any():
            return max(start, fixed)  # every item is in a fixed bin: OPT = fixed
        if fixed:
            rest = sub_instance(inst, left)
    k = max(1, start - fixed)  # bins for the items left; the bound is fixed + k
    while True:
        left_s = deadline - clock()
        wall_left = wall_deadline - time.perf_counter()
        if left_s < 0.01 or wall_left < 0.01 or (upper is not None and fixed + k >= upper):
            return max(start, fixed + k)
        status, _ = fewer_bins(rest, k, wall_left, workers=workers, seed=seed, cpu_limit=left_s if cpu else None,
                               quick_refute=True)
        if status != "INFEASIBLE":
            return max(start, fixed + k)
        k += 1
