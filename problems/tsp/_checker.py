"""Independent feasibility checker for tsp solutions.

It shares no code with the decoders on purpose: plain Python over the list of
cities, with its own distance formula, so a bug in a fast kernel cannot hide
behind the same bug in its verifier. A tour is feasible when it visits every
city exactly once; when the tour carries the length its producer claims, the
length is recomputed here and a difference is reported too. Every solution
nnopt prints or writes has passed it.
"""
from __future__ import annotations

import math

from nnopt.problems.tsp._instance import TSPInstance
from nnopt.problems.tsp._solution import Tour

__all__ = ["check_tour", "recompute_length"]

#: At most this many cities are named per kind of problem; the rest are counted.
MAX_REPORTED = 10
#: Relative tolerance on a claimed real-valued length (rounded lengths must match exactly).
LENGTH_RTOL = 1e-9


def recompute_length(inst: TSPInstance, cities: list[int]) -> float:
    """Length of the closed tour through ``cities`` (valid indices), summed in visiting order."""
    pts = [(float(x), float(y)) for x, y in inst.coords.tolist()]
    total = 0.0
    for k, a in enumerate(cities):
        b = cities[(k + 1) % len(cities)]
        d = math.sqrt((pts[a][0] - pts[b][0]) ** 2 + (pts[a][1] - pts[b][1]) ** 2)
        total += math.floor(d + 0.5) if inst.rounded else d
    return total


def _listed(values: list[int]) -> str:
    shown = ", ".join(map(str, values[:MAX_REPORTED]))
    more = len(values) - MAX_REPORTED
    return shown + (f" and {more} more" if more > 0 else "")


def check_tour(inst: TSPInstance, tour: Tour) -> list[str]:
    """All the ways ``tour`` is infeasible for ``inst`` (empty list: feasible)."""
    n = inst.n
    cities = [int(c) for c in tour.order.tolist()]
    problems: list[str] = []
    outside = [c for c in cities if not 0 <= c < n]
    if outside:
        problems.append(f"tour holds {len(outside)} index(es) that are no city (cities are 0..{n - 1}): "
                        f"{_listed(outside)}")
    count = [0] * n
    for c in cities:
        if 0 <= c < n:
            count[c] += 1
    twice = [c for c in range(n) if count[c] > 1]
    missing = [c for c in range(n) if count[c] == 0]
    if twice:
        problems.append(f"{len(twice)} city(ies) visited more than once: {_listed(twice)}")
    if missing:
        problems.append(f"{len(missing)} city(ies) never visited: {_listed(missing)}")
    if len(cities) != n and not (outside or twice or missing):
        problems.append(f"tour has {len(cities)} entries, the instance {n} cities")
    if problems or tour.length is None:
        return problems
    actual = recompute_length(inst, cities)
    claimed = float(tour.length)
    tolerance = 0.0 if inst.rounded else LENGTH_RTOL * max(1.0, abs(actual))
    if not abs(claimed - actual) <= tolerance:
        problems.append(f"tour claims length {claimed!r}, but it is {actual!r}")
    return problems
