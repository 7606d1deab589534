"""Classic constructive heuristics for binpack2d: a placement rule and a sort order.

There is one implementation of each rule: the Numba decoders of
``nnopt.problems.binpack2d`` (MaxRects, Skyline, ...). A heuristic here is just
"insert the items in a classic sort order and let the rule place them", so the
numbers in the benchmarks are the same code the search methods decode with.
With rotation allowed each order is tried with items as given, laid flat and
standing, and the best of the three is kept.

Each rule is registered as a method (``maxrects-bssf``, with ``--param order=area``
or the old name ``maxrects-bssf-area``), and so is ``best-heuristic``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnopt.problems.base import Problem
from nnopt.problems.binpack2d import BinPack2D, BinPackInstance, Packing
from nnopt.problems.binpack2d._problem import ORIENTATIONS, SORT_KEYS
from nnopt.solver.methods import Budget, Method, ProgressCallback, RunContext, SearchResult, register_method

__all__ = ["ORDERS", "RULES", "HeuristicResult", "PlacementHeuristic", "run_heuristic", "best_heuristic"]

PROBLEM = BinPack2D()
#: The classic descending sort orders.
ORDERS: tuple[str, ...] = tuple(SORT_KEYS)
#: The placement rules (decoder names).
RULES: tuple[str, ...] = BinPack2D.decoders


@dataclass(frozen=True)
class HeuristicResult:
    packing: Packing
    bins: int
    rule: str
    order: str


def _encodings(inst: BinPackInstance, orders: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    orientations = ORIENTATIONS if inst.allow_rotation else ORIENTATIONS[:1]
    rows, labels = [], []
    for order in orders:
        for orientation in orientations:
            rows.append(PROBLEM.sort_encoding(inst, order, orientation))
            labels.append(order)
    return np.stack(rows), labels


def run_heuristic(inst: BinPackInstance, rule: str, order: str | None = None) -> HeuristicResult:
    """Rule ``rule`` on sort order ``order``; ``None`` means the best of all orders.

    Ties between orders keep the earlier order in ``ORDERS`` (area first), and
    among equal bin counts the packing with the emptier last bin (lower cost).
    """
    if rule not in RULES:
        raise ValueError(f"unknown placement rule {rule!r} (known: {', '.join(RULES)})")
    orders = ORDERS if order is None else (order,)
    if order is not None and order not in ORDERS:
        raise ValueError(f"unknown sort order {order!r} (known: {', '.join(ORDERS)})")
    X, labels = _encodings(inst, orders)
    batch = PROBLEM.decode(inst, X, decoder=rule)
    cost = PROBLEM.cost(inst, batch)
    i = int(np.argmin(cost))
    packing = batch[i]
    return HeuristicResult(packing, packing.num_bins, rule, labels[i])


def best_heuristic(inst: BinPackInstance, rules: tuple[str, ...] | None = None,
                   stop: Callable[[], bool] | None = None) -> HeuristicResult:
    """The best of every rule over every order (the strongest classic baseline).

    ``stop()`` is asked after each rule (rules run in ``RULES`` order, strongest
    first); when it says so the best so far is returned — a time limit holds even
    where each rule's first call loads its compiled kernel.
    """
    results = []
    for rule in rules or RULES:
        results.append(run_heuristic(inst, rule))
        if stop is not None and stop():
            break
    costs = [float(PROBLEM.cost(inst, [r.packing])[0]) for r in results]
    return results[int(np.argmin(costs))]


# --------------------------------------------------------------------------- as methods
class PlacementHeuristic(Method):
    """One placement rule on one sort order (``order``), or the best of all orders (``best``)."""

    family = "heuristics"
    family_description = ("best-heuristic: every rule x every order; a rule: its best order, or one order "
                          "(NAME-ORDER)")
    parameters = {"order": ("best", *ORDERS)}

    def __init__(self, rule: str | None) -> None:
        super().__init__(rule, f"{rule} placement on the best sort order, or on --param order=ORDER")
        self.rule = rule

    def unsupported(self, problem: Problem) -> str | None:
        if isinstance(problem, BinPack2D):
            return None
        return "solves classic binpack2d instances only, not cutting jobs" if problem.name == "binpack2d" else \
            "solves binpack2d only"

    def run(self, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        order = self.params.get("order", "best")
        if self.rule is None:  # under a time limit, stop between rules when it is spent
            found = best_heuristic(instance, stop=budget.exhausted if budget.time_limit is not None else None)
        else:
            found = run_heuristic(instance, self.rule, None if order == "best" else order)
        cost = float(problem.cost(instance, [found.packing])[0])
        if on_improve is not None:
            on_improve(0, budget.elapsed, float(found.bins), cost)
        return SearchResult(found.packing, float(found.bins), cost, evaluations=0, seconds=budget.elapsed,
                            status="heuristic", decoder=f"{found.rule}/{found.order}")


class BestHeuristic(PlacementHeuristic):
    """``best-heuristic``: every rule on every order, the best kept."""

    parameters = {}

    def __init__(self) -> None:
        Method.__init__(self, "best-heuristic", "best of every placement rule over every sort order")
        self.rule = None


register_method(BestHeuristic())
for _rule in RULES:
    register_method(PlacementHeuristic(_rule))
