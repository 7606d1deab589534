"""A solution for a run interrupted before its search had one: the problem's best heuristic start.

Ctrl-C (or SIGTERM) in the first seconds of a run, while a method still starts
up (torch, kernels, the heuristic orders), used to end with no solution at all.
Every problem offers heuristic encodings; decoding them once with
the first search decoder, under a passed deadline so that large instances take
their cheap path, gives the solution the search would have started from.
"""
from __future__ import annotations

import signal
import threading
import time
from typing import Any

import numpy as np

from nnopt.problems._deadline import decode_deadline
from nnopt.problems.base import Problem
from nnopt.solver._evaluate import start_encodings
from nnopt.solver._incumbent import SearchResult

__all__ = ["heuristic_start", "interrupts_held"]


def heuristic_start(problem: Problem, instance: Any, seconds: float) -> SearchResult:
    """The best decoded heuristic encoding (of a seeded random batch when there are none), status "interrupted"."""
    H = start_encodings(problem, instance, None, np.random.default_rng(0))
    decoder = (problem.search_decoders or problem.decoders)[0]
    with decode_deadline(time.perf_counter()):
        sols = problem.decode(instance, H, decoder=decoder)
    costs = np.asarray(problem.cost(instance, sols), dtype=np.float64)
    i = int(np.argmin(costs))
    return SearchResult(sols[i], float(problem.objective(instance, sols[i])), float(costs[i]),
                        evaluations=len(H), seconds=seconds, status="interrupted", decoder=decoder,
                        encoding=np.array(H[i], copy=True))


class interrupts_held:
    """Within the block Ctrl-C and SIGTERM are noted, not raised: the search is over, finish its answer.

    A signal that lands while the found solution is verified or written would
    otherwise throw that solution away (the CI saw SIGTERM arrive just as a
    search stopped at its lower bound, inside the checker). ``received`` tells
    whether one came; only the main thread can hold signals, elsewhere this is
    a no-op. Used as ``with interrupts_held() as held: ...``.
    """

    def __init__(self) -> None:
        self.received = False
        self._previous: dict[int, Any] = {}

    def _note(self, signum: int, frame: Any) -> None:
        self.received = True

    def __enter__(self) -> interrupts_held:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
                if sig is not None:
                    self._previous[sig] = signal.signal(sig, self._note)
        return self

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
