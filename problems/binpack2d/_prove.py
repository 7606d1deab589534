"""The binpack2d proof hook: settle the gap between a packing's bins and the bound.

Given a verified packing with ``U`` bins and the cheap bound ``L < U`` (the
best of Martello–Vigo L2 and the DFF bounds, :mod:`._bounds`), two arguments
can close the gap within a time cap:

1. from below, the set-cover LP bound by column generation
   (:mod:`._bounds_colgen`; Gilmore & Gomory 1961, Farley 1990), started
   from the packing's bins, stopping as soon as it reaches ``U``. It gets at
   most :data:`COLGEN_SHARE` of the time (and at most :data:`COLGEN_CAP` s);
2. from above, CP-SAT's answer to "can ``U - 1`` bins hold every item?"
   (:mod:`._prove_cpsat`): INFEASIBLE proves ``U`` optimal; a solution is a
   better packing (checked by the independent checker), and the question is
   asked again one bin lower while time is left.

The order matters: the LP bound is cheap where it works (a few tenths of a
second on most classic instances) and its failure is quick to see, while CP-SAT
can spend any amount of time. Each argument's name is returned with the bound
so that the user reads *which* one proved the optimum.
"""
from __future__ import annotations

import time

from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._solution import Packing

__all__ = ["prove_packing", "COLGEN_SHARE", "COLGEN_CAP", "MAX_PROVE_ITEMS", "COLGEN_ARGUMENT"]

#: Share of the proof time the column generation may take (CPU seconds), and its cap.
COLGEN_SHARE = 0.5
COLGEN_CAP = 2.5
#: Share of the proof time (wall clock) after which the column generation stops even
#: if its CPU time is not spent (a loaded machine).
COLGEN_WALL_SHARE = 0.7
#: Above this many items neither argument is tried (both models grow with n x bins).
MAX_PROVE_ITEMS = 400
#: The name of the column-generation argument, as users read it.
COLGEN_ARGUMENT = "set-cover LP bound (column generation)"


def cpsat_argument(bins: int) -> str:
    """The name of the CP-SAT argument that ``bins - 1`` bins cannot hold the items."""
    return f"CP-SAT: no packing in {bins - 1} bins"


def prove_packing(
    inst: BinPackInstance,
    packing: Packing,
    seconds: float,
    cheap_bound: int,
    cheap_argument: str,
    threads: int | None = None,
    seed: int = 0,
) -> tuple[int, Packing | None, str]:
    """``(bound, better packing or None, argument behind bound)`` within about ``seconds`` (module docstring).

    ``packing`` must be feasible; ``cheap_bound`` is a valid bound named
    ``cheap_argument``. The bound returned is never below ``cheap_bound`` and is
    valid whatever the time: each step only raises it with a proof. A better
    packing has fewer bins than ``packing`` and passed the checker.
    """
    start = time.perf_counter()
    deadline = start + max(0.0, seconds)
    best: Packing | None = None
    upper = packing.num_bins
    bound, argument = int(cheap_bound), cheap_argument
    if bound >= upper or inst.n > MAX_PROVE_ITEMS or seconds <= 0:
        return bound, None, argument

    from nnopt.problems.binpack2d._bounds import _bins_of
    from nnopt.problems.binpack2d._bounds_colgen import colgen_bound

    # CPU-time cap, so that load on the machine does not weaken it, and a wall-clock one
    # so that the phase still ends in time under load.
    cg_time = min(COLGEN_CAP, COLGEN_SHARE * seconds)
    cg = colgen_bound(inst, time_limit=cg_time, start=bound, upper=upper, seed_columns=_bins_of(packing),
                      deadline=start + max(cg_time, COLGEN_WALL_SHARE * seconds))
    if cg > bound:
        bound, argument = int(cg), COLGEN_ARGUMENT
    if bound >= upper:
        return bound, None, argument

    from nnopt.problems.binpack2d._prove_cpsat import fewer_bins

    hint = packing
    while bound < upper:
        left = deadline - time.perf_counter()
        if left < 0.05:
            break
        status, fewer = fewer_bins(inst, upper - 1, left, hint=hint, workers=threads or 0, seed=seed)
        if status == "INFEASIBLE":
            bound, argument = upper, cpsat_argument(upper)
            break
        if status != "FEASIBLE" or fewer is None:
            break
        best = hint = fewer
        upper = fewer.num_bins
    return bound, best, argument
