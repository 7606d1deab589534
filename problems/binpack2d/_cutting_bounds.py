"""A lower bound on a cutting job's cost: the pieces' area, with the kerf, against the sheets' cost per area.

Why the kerf enters as it does: in any feasible plan (free or guillotine) no two
pieces are closer than the kerf both across and along, so the pieces grown by
the kerf to their right and top, ``(w + kerf) x (h + kerf)``, do not overlap, and
they lie inside the trimmed sheet grown by the kerf the same way,
``(W' + kerf) x (H' + kerf)`` (``W'``, ``H'`` after trims). A sheet of type
``t`` therefore holds at most its *capacity* ``cap_t = (W'_t + kerf)(H'_t +
kerf)`` of grown piece area, and every plan buys sheets whose capacities sum to
at least the grown area ``A`` of all pieces. The cheapest way to buy capacity
``A`` when sheets may be bought in fractions is to take the types in order of
cost per capacity, each up to its count: that fractional cost is a lower bound.
When every sheet costs a whole number, so does every plan, and the bound is
rounded up; for a single type without cost (the objective counts sheets) it is
``ceil(A / cap)``.

With one stock type the same growth gives a classic instance: the pieces grown
by the kerf, free placement, in one bin of the trimmed sheet grown by the kerf,
turning allowed when any piece may turn. Every plan of the job is a packing of
that instance with as many bins as it has sheets (guillotine cuts and fixed
orientations only remove packings), so the classic bounds count at least as
many sheets as any plan needs. :func:`sheet_count_bound` applies the
dual-feasible-function bound (on the classic 500 it equals the best of the
classic cheap bounds, Martello-Vigo L2 included: 7,138 bins either way).
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction

from nnopt.problems.binpack2d._cutting_spec import CuttingJob

__all__ = ["area_bound", "cutting_bound", "sheet_capacity", "sheet_count_bound"]


def sheet_capacity(job: CuttingJob, stock: int) -> int:
    """The grown piece area one sheet of type ``stock`` can hold (see the module docstring)."""
    x0, y0, x1, y1 = job.usable(stock)
    return (x1 - x0 + job.kerf) * (y1 - y0 + job.kerf)


def area_bound(job: CuttingJob) -> float:
    """A lower bound on the cost of every feasible plan (the number of sheets when the job counts sheets).

    ``math.inf`` when the stock in hand cannot hold the pieces' grown area.
    """
    k = job.kerf
    need = sum(p.count * (p.width + k) * (p.height + k) for p in job.pieces)
    if job.counts_sheets:
        return float(math.ceil(need / sheet_capacity(job, 0)))
    integral = all(float(s.unit_cost).is_integer() for s in job.stock)
    # exact arithmetic when every price is whole, so that rounding up is safe
    price = [Fraction(int(s.unit_cost)) if integral else s.unit_cost for s in job.stock]
    types = sorted(range(len(job.stock)), key=lambda t: price[t] / sheet_capacity(job, t))
    cost: Fraction | float = 0
    left: Fraction | float = Fraction(need) if integral else float(need)
    for t in types:
        if left <= 0:
            break
        cap = sheet_capacity(job, t)
        count = job.stock[t].count
        sheets = left / cap if count is None else min(count, left / cap)
        cost += sheets * price[t]
        left -= sheets * cap
    if left > (0 if integral else 1e-9 * need):
        return math.inf
    return float(math.ceil(cost)) if integral else float(cost)


def sheet_count_bound(job: CuttingJob) -> int:
    """The classic bounds on the number of sheets of a single-type job (see the module docstring)."""
    from nnopt.problems.binpack2d._bounds_dff import dff_bound
    from nnopt.problems.binpack2d._instance import BinPackInstance

    if len(job.stock) != 1:
        raise ValueError("sheet_count_bound needs a job with one stock type")
    k = job.kerf
    x0, y0, x1, y1 = job.usable(0)
    turns = any(job.can_rotate(t) for t in range(len(job.pieces)))
    grown = BinPackInstance(job.name, x1 - x0 + k, y1 - y0 + k,
                            tuple((p.width + k, p.height + k, p.count) for p in job.pieces),
                            allow_rotation=turns)
    return int(dff_bound(grown))


@functools.lru_cache(maxsize=256)
def cutting_bound(job: CuttingJob) -> float:
    """The best bound this module knows: the area bound, and with one stock type the classic bounds.

    ``math.inf`` when no plan exists within the stock in hand.
    """
    bound = area_bound(job)
    if len(job.stock) != 1 or math.isinf(bound):
        return bound
    sheets = sheet_count_bound(job)
    count = job.stock[0].count
    if count is not None and sheets > count:
        return math.inf
    per_sheet = 1.0 if job.counts_sheets else job.stock[0].unit_cost
    return max(bound, sheets * per_sheet)
