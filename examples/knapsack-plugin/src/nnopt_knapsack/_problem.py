"""0-1 knapsack as an nnopt problem: the whole contract in one short module.

Instance (JSON; unknown keys are an error, numbers are positive integers)::

    {"problem": "knapsack", "name": "knapsack_20", "capacity": 50,
     "items": [{"weight": 12, "value": 24}, ...], "meta": {...}}

Items are numbered 0.. in file order. A solution is the set of items packed;
its file form is ``{"items": [0, 3, 7], "value": 61}`` (``value`` is for people;
only ``items`` is read back).

"Lower is better". nnopt minimises, and its reports (gap to the bound) assume a
non-negative objective. So the objective is the **value left out**: the total
value of all items minus the value packed. Minimising it is exactly maximising
the packed value, it is never negative, and it is 0 only if everything fits.
The lower bound is the total value minus Dantzig's bound (the LP relaxation:
items by value/weight, the last one fractional), rounded in our favour because
values are integers.

Encoding: one random key per item; the decoder (``_kernel.greedy_fill``) packs
items in ascending key order, each one that still fits. Heuristic encodings are
the classic greedy orders (best value/weight first, most valuable first,
lightest first).
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnopt.problems import InstanceError, Problem, SolutionError
from nnopt.problems import validate as v
from nnopt_knapsack._kernel import greedy_fill

__all__ = ["Knapsack", "KnapsackInstance", "Selection"]

MAX_ITEMS = 100_000
MAX_NUMBER = 10**9
_TOP_KEYS = {"problem", "name", "capacity", "items", "meta"}
_ITEM_KEYS = {"weight", "value"}
KINDS = ("uncorrelated", "weakly-correlated", "strongly-correlated")


@dataclass(frozen=True)
class KnapsackInstance:
    name: str
    capacity: int
    weights: tuple[int, ...]
    values: tuple[int, ...]
    meta_json: str = "null"

    @property
    def n(self) -> int:
        return len(self.weights)


@dataclass(frozen=True)
class Selection:
    """The packed items, sorted (so equal selections are equal objects)."""

    items: tuple[int, ...]


def _order_keys(order: np.ndarray) -> np.ndarray:
    keys = np.empty(order.shape[0], dtype=np.float32)
    keys[order] = (np.arange(order.shape[0], dtype=np.float32) + 0.5) / order.shape[0]
    return keys


class Knapsack(Problem[KnapsackInstance, Selection]):
    """0-1 knapsack: pack the most valuable subset of items within the capacity."""

    name = "knapsack"
    description = "0-1 knapsack (example plugin; objective = value left out, lower is better)"
    encodings = ("keys",)
    decoders = ("greedy",)
    objective_name = "value left out"

    # ------------------------------------------------------------------ instances
    def load(self, data: Any, *, source: str = "instance") -> KnapsackInstance:
        data = v.json_object(data, source)
        v.known_keys(data, _TOP_KEYS, "the instance", source)
        if data.get("problem", "knapsack") != "knapsack":
            raise InstanceError(f"{source}: field 'problem' is {data['problem']!r}, expected 'knapsack'")
        name = data.get("name", Path(source).stem if source != "instance" else "instance")
        if not isinstance(name, str):
            raise InstanceError(f"{source}: field 'name' must be a string, got {name!r}")
        capacity = v.positive_int(v.required(data, "capacity", source), "field 'capacity'", source,
                                  limit=MAX_NUMBER * MAX_ITEMS)
        items = data.get("items")
        if not isinstance(items, list) or not items:
            raise InstanceError(f"{source}: field 'items' must be a non-empty list, got {items!r}")
        if len(items) > MAX_ITEMS:
            raise InstanceError(f"{source}: {len(items)} items, above the limit of {MAX_ITEMS}")
        weights, values = [], []
        for k, item in enumerate(items):
            if not isinstance(item, dict) or set(item) != _ITEM_KEYS:
                raise InstanceError(f"{source}: items[{k}] must be {{\"weight\": w, \"value\": v}}, got {item!r}")
            weights.append(v.positive_int(item["weight"], f"items[{k}].weight", source, MAX_NUMBER))
            values.append(v.positive_int(item["value"], f"items[{k}].value", source, MAX_NUMBER))
        meta_json = v.plain_json(data.get("meta"), "field 'meta'", source)
        return KnapsackInstance(name, capacity, tuple(weights), tuple(values), meta_json)

    def instance_to_json(self, instance: KnapsackInstance) -> dict[str, Any]:
        data: dict[str, Any] = {
            "problem": "knapsack",
            "name": instance.name,
            "capacity": instance.capacity,
            "items": [{"weight": w, "value": v} for w, v in zip(instance.weights, instance.values)],
        }
        meta = json.loads(instance.meta_json)
        if meta is not None:
            data["meta"] = meta
        return data

    def generate(self, seed: int, **params: Any) -> KnapsackInstance:
        """Pisinger's classes: ``kind`` (uncorrelated, weakly-/strongly-correlated), ``n`` (30),
        ``name`` (default from the others); weights in 1..100, capacity half the total weight.

        ``nnopt generate knapsack --n 50 --name mine --param kind=strongly-correlated``."""
        kind, n = params.pop("kind", "uncorrelated"), params.pop("n", 30)
        name = params.pop("name", None)
        if params:
            raise ValueError(f"knapsack instances take no parameter {sorted(params)[0]!r} (known: kind, n, name)")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_ITEMS:
            raise ValueError(f"n must be an integer in 1..{MAX_ITEMS}, got {n!r}")
        rng = np.random.default_rng(seed)
        w = rng.integers(1, 101, size=n)
        if kind == "uncorrelated":
            v = rng.integers(1, 101, size=n)
        elif kind == "weakly-correlated":
            v = np.maximum(1, w + rng.integers(-10, 11, size=n))
        else:
            v = w + 10
        if name is not None and not isinstance(name, str):
            raise ValueError(f"name must be a string, got {name!r}")
        data = {"problem": "knapsack", "name": name or f"knapsack_{kind}_{n:03d}_s{seed}",
                "capacity": max(1, int(w.sum()) // 2),
                "items": [{"weight": int(a), "value": int(b)} for a, b in zip(w, v)],
                "meta": {"generator": "nnopt-knapsack", "kind": kind, "n": n, "seed": seed}}
        return self.load(data)

    # ------------------------------------------------------------- search space
    def encoding_size(self, instance: KnapsackInstance, encoding: str | None = None) -> int:
        if encoding not in (None, "keys"):
            raise ValueError(f"knapsack has no encoding {encoding!r} (known: keys)")
        return instance.n

    def heuristic_encodings(self, instance: KnapsackInstance, encoding: str | None = None) -> np.ndarray:
        w, v = np.array(instance.weights, dtype=np.float64), np.array(instance.values, dtype=np.float64)
        orders = [np.lexsort((np.arange(instance.n), -v / w)), np.lexsort((np.arange(instance.n), -v)),
                  np.lexsort((np.arange(instance.n), w))]
        return np.stack([_order_keys(o) for o in orders])

    def decode(self, instance: KnapsackInstance, X: np.ndarray, decoder: str | None = None,
               encoding: str | None = None) -> list[Selection]:
        if (decoder or "greedy") != "greedy":
            raise ValueError(f"knapsack has no decoder {decoder!r} (known: greedy)")
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.encoding_size(instance, encoding):
            raise ValueError(f"encodings must have shape (B, {instance.n}), got {X.shape}")
        orders = np.argsort(X, axis=1, kind="stable").astype(np.int64)
        taken = np.zeros(X.shape, dtype=np.uint8)
        packed = np.zeros(X.shape[0], dtype=np.int64)
        greedy_fill(np.array(instance.weights, dtype=np.int64), np.array(instance.values, dtype=np.int64),
                    np.int64(instance.capacity), orders, taken, packed)
        return [Selection(tuple(np.flatnonzero(row).tolist())) for row in taken]

    def cost(self, instance: KnapsackInstance, solutions: Sequence[Selection]) -> np.ndarray:
        return np.array([self.objective(instance, s) for s in solutions], dtype=np.float64)

    def objective(self, instance: KnapsackInstance, solution: Selection) -> float:
        """Value left out: total value minus the packed value."""
        return float(sum(instance.values) - sum(instance.values[i] for i in solution.items))

    def lower_bound(self, instance: KnapsackInstance) -> float:
        """Total value minus Dantzig's LP bound (floored: values are integers)."""
        fits = [i for i in range(instance.n) if instance.weights[i] <= instance.capacity]
        fits.sort(key=lambda i: (-instance.values[i] / instance.weights[i], i))
        room, best = instance.capacity, 0
        for i in fits:
            w, v = instance.weights[i], instance.values[i]
            if w <= room:
                room, best = room - w, best + v
            else:
                best += (v * room) // w  # floor of the fractional part, exactly in integers
                break
        return float(sum(instance.values) - best)

    def check(self, instance: KnapsackInstance, solution: Selection) -> list[str]:
        """Independent of the decoder: indices valid, none twice, weight within capacity."""
        issues = []
        bad = [i for i in solution.items if not 0 <= i < instance.n]
        if bad:
            issues.append(f"no such item(s): {bad[:10]} (items are 0..{instance.n - 1})")
        if len(set(solution.items)) != len(solution.items):
            issues.append("an item is packed more than once")
        weight = sum(instance.weights[i] for i in set(solution.items) if 0 <= i < instance.n)
        if weight > instance.capacity:
            issues.append(f"packed weight {weight} exceeds the capacity {instance.capacity}")
        return issues

    def infeasible_solutions(self, instance: KnapsackInstance) -> list[Selection]:
        """Known-infeasible selections for the contract suite: every item (when they do not all
        fit) and an item packed twice; ``check`` must reject each."""
        out = [Selection((0, 0))]
        if sum(instance.weights) > instance.capacity:
            out.append(Selection(tuple(range(instance.n))))
        return out

    # ---------------------------------------------------------------- solutions
    def solution_to_json(self, instance: KnapsackInstance, solution: Selection) -> dict[str, Any]:
        value = sum(instance.values[i] for i in solution.items if 0 <= i < instance.n)
        return {"items": list(solution.items), "value": value}

    def solution_from_json(self, instance: KnapsackInstance, data: Mapping[str, Any]) -> Selection:
        items = data.get("items") if isinstance(data, Mapping) else None
        if not isinstance(items, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in items):
            raise SolutionError(f"field 'items' must be a list of item indices, got {items!r}")
        return Selection(tuple(sorted(items)))
