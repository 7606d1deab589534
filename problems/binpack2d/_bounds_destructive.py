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
"""
from __future__ import annotations

import time

from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._prove_cpsat import fewer_bins

__all__ = ["destructive_bound", "MAX_ITEMS_DESTRUCTIVE"]

#: Above this many items the bound is not attempted (the model grows with n x bins).
MAX_ITEMS_DESTRUCTIVE = 400


def destructive_bound(inst: BinPackInstance, start: int, time_limit: float, workers: int = 1, seed: int = 0) -> int:
    """The largest ``k >= start`` reached while CP-SAT proves ``k - 1`` bins infeasible (module docstring).

    ``start`` should be a valid bound (e.g. :func:`._bounds.lower_bound`): only
    then is the result one too; ``time_limit`` caps the whole loop (wall clock),
    ``workers`` CP-SAT's threads.
    """
    k = max(1, int(start))
    if inst.n == 0 or inst.n > MAX_ITEMS_DESTRUCTIVE:
        return int(start)
    deadline = time.perf_counter() + time_limit
    while True:
        left = deadline - time.perf_counter()
        if left < 0.01:
            return k
        status, _ = fewer_bins(inst, k, left, workers=workers, seed=seed)
        if status != "INFEASIBLE":
            return k
        k += 1
