"""Classic constructive heuristics for binpack2d: a placement rule and a sort order.

There is one implementation of each rule: the Numba decoders of
``nnopt.problems.binpack2d`` (MaxRects, Skyline, ...). A heuristic here is just
"insert the items in a classic sort order and let the rule place them", so the
numbers in the benchmarks are the same code the search methods decode with.
With rotation allowed each order is tried with items as given, laid flat and
standing, and the best of the three is kept.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnopt.problems.binpack2d import BinPack2D, BinPackInstance, Packing
from nnopt.problems.binpack2d._problem import ORIENTATIONS, SORT_KEYS

__all__ = ["ORDERS", "RULES", "HeuristicResult", "run_heuristic", "best_heuristic"]

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


def best_heuristic(inst: BinPackInstance, rules: tuple[str, ...] | None = None) -> HeuristicResult:
    """The best of every rule over every order (the strongest classic baseline)."""
    results = [run_heuristic(inst, rule) for rule in (rules or RULES)]
    costs = [float(PROBLEM.cost(inst, [r.packing])[0]) for r in results]
    return results[int(np.argmin(costs))]
