"""What a solve must keep back from its time limit to finish: verify, bound, report, write.

For a few hundred items this is nothing; for a million the independent check,
the solution object and its JSON take seconds, and a search that runs to the
very limit would make the whole call overrun by them. The estimate
is per unit of the instance's size and deliberately generous; the measurements
behind it are in ``benchmarks/results/scale.md``.
"""
from __future__ import annotations

from typing import Any

__all__ = ["finish_reserve", "search_deadline"]

#: Seconds per item kept back (check ~3 us, solution object and JSON ~8 us, the last late decode ~1 us, on a busy core).
SECONDS_PER_ITEM = 1.2e-5


def finish_reserve(problem: Any, instance: Any) -> float:
    """Seconds to keep back from the limit for what follows the search."""
    return SECONDS_PER_ITEM * max(0, int(problem.instance_size(instance)))


def search_deadline(start: float, time_limit: float | None) -> float | None:
    """The ``time.perf_counter()`` reading a run's decodes must finish by (None without a time limit)."""
    return None if time_limit is None else start + time_limit
