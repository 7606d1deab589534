"""``minimize``: the best solution of a Python objective over a combinatorial space, within a budget.

The driver validates the arguments, builds the :class:`Evaluator`, runs one search rule from the
registry, and turns the trace into a :class:`MinimizeResult` in the user's terms. An objective
that raises, or returns NaN or -inf, stops the run with :class:`ObjectiveError` whose ``result``
holds every evaluation that finished.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnopt.problems.errors import OptionError
from nnopt.problems.spaces import Space, SpaceError
from nnopt.solver.blackbox.evaluator import Evaluator, ObjectiveError, SearchStopped
from nnopt.solver.blackbox.methods import get_rule

__all__ = ["AUTO_METHOD", "MinimizeResult", "ObjectiveError", "minimize"]

#: what ``method="auto"`` runs: the network loop, which benchmarks/blackbox.py measured best at 100
#: and 300 evaluations (against its random-step and no-model controls, cem, random, Optuna's TPE
#: and Nevergrad; benchmarks/results/blackbox.md). It spends seconds of its own per run, which an
#: objective that costs microseconds would not repay: such objectives are better served by "cem"
AUTO_METHOD = "network"


@dataclass
class MinimizeResult:
    """The outcome of :func:`minimize`.

    ``x`` is the best solution in the space's terms (a bool array for ``Binary``, a list of values
    for ``Categorical``, an int array of items for ``Permutation``, a tuple for a product), ``fun``
    its value; ``history`` holds every evaluation as ``(solution, value)`` in the order made.
    """

    x: Any
    fun: float
    history: list[tuple[Any, float]] = field(repr=False)
    n_evals: int
    seconds: float
    method: str
    stopped_by: str

    @property
    def best_so_far(self) -> np.ndarray:
        """The best value after each evaluation (a convergence curve)."""
        return np.minimum.accumulate(np.array([v for _, v in self.history], dtype=np.float64))


def _result(ev: Evaluator, method: str, stopped_by: str) -> MinimizeResult:
    trace = ev.trace
    history = [(ev.space.to_solution(c), v) for c, v in zip(trace.codes, trace.values)]
    best = trace.best_index
    return MinimizeResult(x=history[best][0] if best >= 0 else None, fun=trace.values[best] if best >= 0 else math.inf,
                          history=history, n_evals=len(history), seconds=time.perf_counter() - ev.start,
                          method=method, stopped_by=stopped_by)


def _check(max_evals: Any, n_jobs: Any, time_limit: Any, space: Any, fn: Any) -> None:
    if not isinstance(space, Space):
        raise SpaceError(f"space must be a nnopt.spaces space (Binary, Categorical, Permutation, Product), "
                         f"got {space!r}")
    if not callable(fn):
        raise OptionError(f"fn must be callable, got {fn!r}")
    if isinstance(max_evals, bool) or not isinstance(max_evals, (int, np.integer)) or max_evals < 1:
        raise OptionError(f"max_evals must be a positive integer, got {max_evals!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise OptionError(f"n_jobs must be a positive integer, got {n_jobs!r}")
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or not time_limit > 0 or math.isinf(time_limit)):
        raise OptionError(f"time_limit must be a positive number of seconds, got {time_limit!r}")


def minimize(fn: Callable[[Any], float], space: Space, max_evals: int = 100, seed: int | None = 0,
             method: str = "auto", n_jobs: int = 1, time_limit: float | None = None,
             callback: Callable[[int, Any, float], Any] | None = None) -> MinimizeResult:
    """Minimise ``fn`` over ``space`` with at most ``max_evals`` evaluations.

    Each solution is evaluated at most once: a repeat is answered from a cache and does not
    count. ``n_jobs > 1`` evaluates each batch of proposals in a pool of threads (for objectives
    that wait: on I/O, a subprocess, a remote service, a sleep; pure-Python CPU work gains nothing
    under the GIL); the proposals, and so a seeded run's evaluations, do not depend on ``n_jobs``.
    ``time_limit`` (seconds, wall clock for the whole call) is checked between batches: an
    evaluation under way is never cut. ``callback(evaluation, solution, value)`` is called after
    each evaluation; returning ``True`` stops the search. The methods are listed by
    :func:`nnopt.solver.blackbox.methods.available_rules`; ``"auto"`` runs :data:`AUTO_METHOD`.

    Raises :class:`ObjectiveError` (its ``result`` holds every finished evaluation) when ``fn``
    raises or returns NaN, -inf or no number; ``+inf`` is a valid value that marks a solution the
    objective rejects.
    """
    start = time.perf_counter()
    _check(max_evals, n_jobs, time_limit, space, fn)
    name = AUTO_METHOD if method == "auto" else method
    rule = get_rule(name)
    rng = np.random.default_rng(seed)
    ev = Evaluator(fn, space, int(max_evals), n_jobs=int(n_jobs), time_limit=time_limit, callback=callback,
                   start=start)
    try:
        rule.run(ev, rng)
        stopped_by = "method"
    except SearchStopped as stop:
        stopped_by = stop.reason
    except ObjectiveError as err:
        err.result = _result(ev, name, "error")
        raise
    finally:
        ev.close()
    return _result(ev, name, stopped_by)
