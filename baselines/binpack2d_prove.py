"""Proving a binpack2d packing optimal: can ``incumbent - 1`` bins hold every item?

A search method finds a packing with ``U`` bins; the bounds say at least ``L``.
When ``L < U`` the question that settles the gap from above is the feasibility
question "do ``U - 1`` bins suffice?". CP-SAT answers it on a model with exactly
``U - 1`` bins and no objective: INFEASIBLE proves ``U`` optimal; a solution is
a better packing (checked by the independent checker before it is returned).

The model lives with the problem (:mod:`nnopt.problems.binpack2d._prove_cpsat`),
where the default method's proof phase reaches it through the ``prove`` hook;
this module keeps the stand-alone entry point with its result record.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from nnopt.problems.binpack2d import BinPackInstance, Packing
from nnopt.problems.binpack2d._prove_cpsat import fewer_bins

__all__ = ["ProofResult", "prove"]


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

    def __iter__(self):
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
    start = time.perf_counter()
    if bound > incumbent_bins:
        raise ValueError(f"bound {bound} is above the incumbent's {incumbent_bins} bins")
    if not (isinstance(time_limit, (int, float)) and math.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    if bound >= incumbent_bins:
        return ProofResult(True, None, incumbent_bins, "BOUND", time.perf_counter() - start)
    status, packing = fewer_bins(inst, incumbent_bins - 1, max(0.01, time_limit - (time.perf_counter() - start)),
                                 hint=hint_packing, workers=workers, seed=seed)
    seconds = time.perf_counter() - start
    if status == "INFEASIBLE":
        return ProofResult(True, None, incumbent_bins, "INFEASIBLE", seconds)
    if status != "FEASIBLE":
        return ProofResult(False, None, bound, "UNKNOWN", seconds)
    return ProofResult(False, packing, bound, "FEASIBLE", seconds)
