"""A wall-clock deadline that long decodes consult, so a search never overruns its limit by a decode.

A search checks its budget between batches; one batch of a large instance can
take longer than the whole limit. ``nnopt.solve`` sets the deadline of the run
here (a ``time.perf_counter()`` reading) and a problem whose decodes are long
(binpack2d above ``LARGE_ITEMS`` items) looks at it between pieces of work and
finishes the rest of the batch with its cheapest rule once it has passed. A
context variable, so that nested or concurrent runs in other contexts do not
see each other's deadline.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["decode_deadline", "deadline_passed", "seconds_to_deadline"]

_DEADLINE: ContextVar[float | None] = ContextVar("nnopt_decode_deadline", default=None)


@contextmanager
def decode_deadline(at: float | None) -> Iterator[None]:
    """Within the block, decodes should finish cheaply once ``time.perf_counter()`` passes ``at``."""
    token = _DEADLINE.set(at)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def deadline_passed() -> bool:
    at = _DEADLINE.get()
    return at is not None and time.perf_counter() >= at


def seconds_to_deadline() -> float | None:
    """Seconds left until the deadline (negative once passed); None without one."""
    at = _DEADLINE.get()
    return None if at is None else at - time.perf_counter()
