"""The one place a black-box objective is called: budget, cache, history, threads, errors.

Why one place: the user's reality is the count of evaluations. A solution already evaluated is
answered from the cache and costs nothing (it is not counted, not called again, not added to the
history); a method that keeps proposing known solutions is stopped after
:data:`MAX_IDLE_PROPOSALS` proposals in a row that brought nothing new, so it cannot spin forever
on a small or converged space.

Values: a finite number, or ``+inf`` (a solution the user marks infeasible; it is kept and ranks
last). ``NaN``, ``-inf`` or a value that is no number stop the run with :class:`ObjectiveError`,
as does an exception raised by the objective; the error holds every evaluation that finished.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnopt.problems.blackbox import ObjectiveError
from nnopt.problems.blackbox import objective_value as _as_value
from nnopt.problems.spaces import Space

__all__ = ["MAX_IDLE_PROPOSALS", "Evaluator", "ObjectiveError", "SearchStopped", "Trace"]

#: proposals in a row that are all known solutions before a search is declared converged
MAX_IDLE_PROPOSALS = 20_000


class SearchStopped(Exception):  # noqa: N818 (a signal between the evaluator and the driver, not an error)
    """Raised inside a method when the search must end; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Trace:
    """Evaluations in the order they were made: codes, values and the best so far."""

    codes: list[np.ndarray] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    best_index: int = -1

    def add(self, code: np.ndarray, value: float) -> None:
        self.codes.append(code)
        self.values.append(value)
        if self.best_index < 0 or value < self.values[self.best_index]:
            self.best_index = len(self.values) - 1


class Evaluator:
    """Calls ``fn`` on new solutions, within ``max_evals`` and ``time_limit`` seconds from ``start``."""

    def __init__(self, fn: Callable[[Any], Any], space: Space, max_evals: int, *, n_jobs: int = 1,
                 time_limit: float | None = None, callback: Callable[[int, Any, float], Any] | None = None,
                 start: float | None = None) -> None:
        self.fn = fn
        self.space = space
        self.max_evals = max_evals
        self.n_jobs = n_jobs
        self.time_limit = time_limit
        self.callback = callback
        self.start = time.perf_counter() if start is None else start
        self.trace = Trace()
        self.cache: dict[bytes, float] = {}
        self._idle = 0
        self._pool = ThreadPoolExecutor(max_workers=n_jobs) if n_jobs > 1 else None
        self._space_size = space.size

    # ------------------------------------------------------------------ state a method reads
    @property
    def n_evals(self) -> int:
        return len(self.trace.values)

    @property
    def remaining(self) -> int:
        return self.max_evals - self.n_evals

    def seen(self, code: np.ndarray) -> bool:
        return np.asarray(code, dtype=np.int64).tobytes() in self.cache

    def best(self, k: int = 1) -> np.ndarray:
        """The codes of the ``k`` best evaluated solutions, best first: (min(k, n), code_size)."""
        if not self.trace.values:
            return np.zeros((0, self.space.code_size), np.int64)
        order = np.argsort(np.asarray(self.trace.values), kind="stable")[:k]
        return np.stack([self.trace.codes[i] for i in order])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    # ------------------------------------------------------------------ evaluation
    def _check_stop(self) -> None:
        if self.remaining <= 0:
            raise SearchStopped("max_evals")
        if len(self.cache) >= self._space_size:
            raise SearchStopped("space exhausted")
        if self._out_of_time():
            raise SearchStopped("time_limit")

    def _out_of_time(self) -> bool:
        return self.time_limit is not None and time.perf_counter() - self.start >= self.time_limit

    def evaluate(self, codes: np.ndarray) -> np.ndarray:
        """Values of ``codes`` (k, code_size): known ones from the cache, new ones by calling the objective.

        New solutions past the budget are not evaluated: the batch is cut, and the search stops
        (:class:`SearchStopped`) after the evaluations that fit are recorded.
        """
        codes = np.asarray(codes, dtype=np.int64).reshape(-1, self.space.code_size)
        self._check_stop()
        keys = [c.tobytes() for c in codes]
        fresh: list[int] = []
        fresh_keys: set[bytes] = set()
        for i, k in enumerate(keys):
            if k not in self.cache and k not in fresh_keys:
                fresh.append(i)
                fresh_keys.add(k)
        cut = len(fresh) > self.remaining
        fresh = fresh[:self.remaining]
        if fresh:
            self._idle = 0
        else:
            self._idle += len(codes)
            if self._idle >= MAX_IDLE_PROPOSALS:
                raise SearchStopped("converged")
        self._call(codes[fresh])
        self._check_stop()
        if cut:
            raise SearchStopped("max_evals")
        return np.array([self.cache[k] for k in keys], dtype=np.float64)

    def _call(self, codes: np.ndarray) -> None:
        """Evaluate new ``codes``: one after another (stopping at the callback's or the clock's word), or
        all at once in the pool; every evaluation that finished is recorded before an error is raised."""
        if not len(codes):
            return
        solutions = [self.space.to_solution(c) for c in codes]
        first = self.n_evals + 1
        failure: tuple[int, BaseException] | None = None
        stop_asked = False
        if self._pool is None:
            for i, sol in enumerate(solutions):
                try:
                    value = _as_value(self.fn(sol), first + i)
                except BaseException as raised:  # re-raised below as one error naming the evaluation
                    failure = (first + i, raised)
                    break
                if self._record(codes[i], sol, value):
                    stop_asked = True
                    break
                if self._out_of_time():
                    break
        else:
            futures = [self._pool.submit(self.fn, sol) for sol in solutions]
            for i, fut in enumerate(futures):
                try:
                    value = _as_value(fut.result(), first + i)
                except BaseException as raised:
                    failure = failure or (first + i, raised)
                    continue
                stop_asked = self._record(codes[i], solutions[i], value) or stop_asked
        if failure is not None:
            number, exc = failure
            if isinstance(exc, ObjectiveError):
                raise exc
            if isinstance(exc, KeyboardInterrupt):
                raise SearchStopped("interrupted")
            raise ObjectiveError(f"the objective raised {type(exc).__name__} at evaluation {number}: {exc}") from exc
        if stop_asked:
            raise SearchStopped("callback")

    def _record(self, code: np.ndarray, solution: Any, value: float) -> bool:
        """Keep one finished evaluation; True when the callback asks to stop."""
        self.cache[code.tobytes()] = value
        self.trace.add(code.copy(), value)
        return self.callback is not None and self.callback(self.n_evals, solution, value) is True
