"""Budgets: wall-clock time and/or number of decodes, checked between batches."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["Budget", "DEFAULT_TIME_LIMIT"]

#: Seconds a time-bound method (CP-SAT, OR-Tools) runs when a budget counts only decodes,
#: and ``nnopt.solve``'s limit when neither is given. Decided here and nowhere else.
DEFAULT_TIME_LIMIT = 10.0


@dataclass
class Budget:
    """Stop when ``time_limit`` seconds have passed or ``max_evals`` decodes are spent.

    With ``max_evals`` set and no time limit the run is fully determined by the
    seed (no clock in the loop), which is what makes it reproducible.
    """

    time_limit: float | None = None
    max_evals: int | None = None
    start: float = field(default_factory=time.perf_counter)
    evals: int = 0

    def __post_init__(self) -> None:
        if self.time_limit is not None and not self.time_limit > 0:
            raise ValueError(f"time limit must be positive, got {self.time_limit!r}")
        if self.max_evals is not None and self.max_evals <= 0:
            raise ValueError(f"max evals must be positive, got {self.max_evals!r}")
        if self.time_limit is None and self.max_evals is None:
            raise ValueError("a budget needs a time limit or a maximum number of evaluations")

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def seconds_left(self, default: float = DEFAULT_TIME_LIMIT) -> float:
        """Seconds until the time limit (``default`` from now when there is none); never negative."""
        limit = self.time_limit if self.time_limit is not None else self.elapsed + default
        return max(0.0, limit - self.elapsed)

    def remaining_evals(self) -> int | None:
        return None if self.max_evals is None else max(0, self.max_evals - self.evals)

    def spend(self, evals: int) -> None:
        self.evals += evals

    def exhausted(self) -> bool:
        if self.max_evals is not None and self.evals >= self.max_evals:
            return True
        return self.time_limit is not None and self.elapsed >= self.time_limit
