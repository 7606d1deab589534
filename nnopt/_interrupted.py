"""What an interrupted solve keeps: the best solution so far, verified and written, however often the user presses.

Ctrl-C (or SIGTERM) in the first seconds of a run, while a method still starts
up (torch, kernels, the heuristic orders), would end with no solution at all.
Every problem offers heuristic encodings; decoding them once with the first
search decoder, under a passed deadline so that large instances take their
cheap path, gives the solution the search would have started from
(:func:`heuristic_start`).

The first interrupt stops the search; finishing its answer (the heuristic
start, the independent check, the files) takes a moment on a large instance,
and a second press within it used to abort and lose everything. Within
:class:`interrupt_once` only the first interrupt is raised; the later ones are
noted, and the answer is finished.
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

__all__ = ["heuristic_start", "interrupt_once", "interrupts_held"]


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
        outer = interrupt_once.active
        if outer is not None:  # this was the run's interrupt: any later one is only noted too
            outer.spent = True
            outer.received += 1

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


class interrupt_once:
    """Within the block the first Ctrl-C or SIGTERM raises ``KeyboardInterrupt``; later ones are only counted.

    The first interrupt stops the search, which keeps its best solution; a
    second one, a moment later, would otherwise land while that solution is
    decoded, checked or written, and lose it. ``spent`` tells whether the
    interrupt came, also when :class:`interrupts_held` caught it.

    Blocks nest: the outermost holds the handlers, so the command line's block
    covers the library's and the writing of the files after it. An outer block
    opened with ``armed=False`` raises nothing itself: an interrupt that lands
    before the solve begins is noted, and the solve, seeing it spent, skips
    its search and returns its heuristic start; an inner block arms the outer
    one while it is open. Only the main thread can handle signals; elsewhere
    this is a no-op.
    """

    #: The outermost block now open, if any.
    active: interrupt_once | None = None

    def __init__(self, armed: bool = True) -> None:
        self.spent = False
        self.received = 0
        self.armed = armed
        self._previous: dict[int, Any] = {}
        self._outer: interrupt_once | None = None
        self._outer_armed = False

    def _handle(self, signum: int, frame: Any) -> None:
        self.received += 1
        if not self.spent:
            self.spent = True
            if self.armed:
                raise KeyboardInterrupt(f"signal {signum}")

    def __enter__(self) -> interrupt_once:
        outer = interrupt_once.active
        if outer is not None:
            self._outer, self._outer_armed = outer, outer.armed
            outer.armed = True
            return outer
        if threading.current_thread() is threading.main_thread():
            interrupt_once.active = self
            for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
                if sig is not None:
                    self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._outer is not None:
            self._outer.armed = self._outer_armed
            self._outer = None
        elif interrupt_once.active is self:
            for sig, handler in self._previous.items():
                signal.signal(sig, handler)
            self._previous.clear()
            interrupt_once.active = None
