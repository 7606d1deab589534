"""The tsp problem: a shortest closed tour through cities in the plane.

Encoding ("keys"): one random key per city; the cities sorted by ascending key
(ties to the lower index) are the visiting order. Decoders:

- ``order+2opt`` (default): that order, improved to a neighbour-list 2-opt local
  optimum inside the Numba kernel (``_kernels``); never longer than ``order``;
- ``order``: the order's tour as it is (for ablations and tests; searches spend
  their budget on ``order+2opt`` only: ``search_decoders``).

Every decoded tour visits each city once by construction and is guarded by the
independent ``_checker``. ``cost`` and ``objective`` are both the tour length
(in the instance's own distance: real, or TSPLIB-rounded for ``euc_2d``); the
engine standardises costs itself, so no normalisation is needed for learning.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnopt.problems._deadline import seconds_to_deadline
from nnopt.problems.base import Problem, SolutionError
from nnopt.problems.capabilities import FileFormats, Rendering, SolutionSearch
from nnopt.problems.tsp import _ruin
from nnopt.problems.tsp._bounds import lower_bound as _lower_bound
from nnopt.problems.tsp._checker import check_tour
from nnopt.problems.tsp._generate import generate_instance
from nnopt.problems.tsp._instance import TSPInstance, parse_instance, read_instance
from nnopt.problems.tsp._kernels import (
    decode_batch,
    nearest_neighbour_tour,
    nearest_neighbour_tour_listed,
    neighbour_lists,
)
from nnopt.problems.tsp._solution import Tour, tour_from_json, tour_to_json
from nnopt.problems.tsp._views import TourViews

__all__ = ["NEIGHBOURS", "TSP", "TourBatch", "order_keys"]

#: Length of the 2-opt neighbour lists (Bentley: 8 to 10 lose little against full 2-opt).
NEIGHBOURS = 10
#: Decoder name -> whether it applies 2-opt.
_DECODERS = {"order+2opt": 1, "order": 0}
#: A decode row under a deadline is begun only while the time left is this many times the last row's.
_ROW_SAFETY = 1.5


def order_keys(order: np.ndarray) -> np.ndarray:
    """Keys in [0, 1) that make the decoders visit the cities in ``order``."""
    n = order.shape[0]
    keys = np.empty(n, dtype=np.float32)
    keys[np.asarray(order, dtype=np.int64)] = (np.arange(n, dtype=np.float32) + 0.5) / n
    return keys


class TourBatch(Sequence[Tour]):
    """The decoders' output for a batch: ``tours`` ``(B, n)`` and ``lengths`` ``(B,)``."""

    def __init__(self, tours: np.ndarray, lengths: np.ndarray) -> None:
        self.tours, self.lengths = tours, lengths

    def __len__(self) -> int:
        return int(self.tours.shape[0])

    def __getitem__(self, i: int) -> Tour:  # type: ignore[override]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return Tour(self.tours[i], float(self.lengths[i]))


def _cached(inst: TSPInstance, key: str, make: Any) -> Any:
    cache = inst._cache
    if key not in cache:
        cache[key] = make()
    return cache[key]


class TSP(SolutionSearch[TSPInstance, Tour, _ruin.TourState],
          Rendering[TSPInstance, Tour],
          FileFormats[TSPInstance],
          Problem[TSPInstance, Tour]):
    """Symmetric Euclidean TSP: visit every city once and return, as short as possible.

    Capabilities: ruin and recreate of tour strings (SISR), pictures, TSPLIB ``.tsp`` files."""

    name = "tsp"
    description = "symmetric Euclidean travelling salesman (JSON, or TSPLIB EUC_2D .tsp files)"
    encodings = ("keys",)
    decoders = tuple(_DECODERS)
    #: Plain ``order`` is for ablations and tests: a search's budget goes to 2-opt.
    search_decoders = ("order+2opt",)
    objective_name = "length"
    file_suffixes = (".tsp",)
    #: What ``nnopt.solve``'s result adds for this problem: ``tour`` and ``plot(ax=None)``.
    result_views = TourViews

    # ------------------------------------------------------------------ instances
    def load(self, data: Any, *, source: str = "instance") -> TSPInstance:
        return parse_instance(data, source=source)

    def read(self, path: str | Path) -> TSPInstance:
        return read_instance(path)

    def instance_to_json(self, instance: TSPInstance) -> dict[str, Any]:
        return instance.to_json()

    def instance_class(self, instance: TSPInstance) -> str:
        meta = instance.meta
        kind = meta.get("kind") if isinstance(meta, dict) else None
        return "" if kind is None else str(kind)

    generate_flags = {"kind": "uniform or clustered cities (default uniform)",
                      "size": "side of the square the cities lie in",
                      "distance": "euclidean (real) or euc_2d (rounded, as TSPLIB)"}

    def generate(self, seed: int, **params: Any) -> TSPInstance:
        """``kind`` ("uniform" or "clustered", default uniform), ``n`` (default 50),
        ``size``, ``distance`` ("euclidean" or "euc_2d"), ``name``."""
        allowed = {"kind", "n", "size", "distance", "name"}
        unknown = sorted(set(params) - allowed)
        if unknown:
            raise ValueError(f"tsp instances take no parameter {unknown[0]!r} "
                             f"(known: {', '.join(sorted(allowed))})")
        params.setdefault("n", 50)
        return generate_instance(seed=seed, **params)

    # ------------------------------------------------------------- search space
    def _check_encoding(self, encoding: str | None) -> None:
        if encoding not in (None, "keys"):
            raise ValueError(f"tsp has no encoding {encoding!r} (known: keys)")

    def encoding_size(self, instance: TSPInstance, encoding: str | None = None) -> int:
        self._check_encoding(encoding)
        return instance.n

    def _xy(self, instance: TSPInstance) -> tuple[np.ndarray, np.ndarray]:
        # Writable contiguous copies: read-only arrays would make Numba compile a second specialisation.
        return _cached(instance, "xy", lambda: (np.array(instance.coords[:, 0]), np.array(instance.coords[:, 1])))

    def neighbours(self, instance: TSPInstance) -> np.ndarray:
        """Each city's :data:`NEIGHBOURS` nearest cities, nearest first ``(n, K)`` (cached)."""
        def make() -> np.ndarray:
            xs, ys = self._xy(instance)
            out = np.empty((instance.n, min(NEIGHBOURS, instance.n - 1)), dtype=np.int64)
            neighbour_lists(xs, ys, out)
            return out

        return _cached(instance, "neighbours", make)

    def _eps(self, instance: TSPInstance) -> float:
        """Smallest gain a 2-opt move must bring (no cycling on floating-point noise)."""
        if instance.rounded:
            return 0.5
        span = float(np.ptp(instance.coords, axis=0).max())
        return 1e-10 * span

    def nearest_neighbour(self, instance: TSPInstance, start: int = 0) -> np.ndarray:
        """The nearest-neighbour tour from city ``start`` (ties to the lower index)."""
        if not 0 <= start < instance.n:
            raise ValueError(f"start city must be in 0..{instance.n - 1}, got {start}")
        xs, ys = self._xy(instance)
        out = np.empty(instance.n, dtype=np.int64)
        if instance.n > 2:  # the same tour, most steps looking at the listed neighbours only
            nearest_neighbour_tour_listed(xs, ys, np.int64(instance.rounded), np.int64(start),
                                          self.neighbours(instance), out)
        else:
            nearest_neighbour_tour(xs, ys, np.int64(instance.rounded), np.int64(start), out)
        return out

    def heuristic_encodings(self, instance: TSPInstance, encoding: str | None = None) -> np.ndarray:
        """Nearest-neighbour tours from three start cities (0, n/3, 2n/3), as keys."""
        self._check_encoding(encoding)

        def make() -> np.ndarray:
            starts = sorted({0, instance.n // 3, 2 * instance.n // 3})
            return np.stack([order_keys(self.nearest_neighbour(instance, s)) for s in starts])

        return _cached(instance, "heuristics", make).copy()

    def decode(self, instance: TSPInstance, X: np.ndarray, decoder: str | None = None,
               encoding: str | None = None) -> TourBatch:
        self._check_encoding(encoding)
        name = decoder or self.decoders[0]
        if name not in _DECODERS:
            raise ValueError(f"tsp has no decoder {name!r} (known: {', '.join(_DECODERS)})")
        X = np.asarray(X, dtype=np.float32)
        n = instance.n
        if X.ndim != 2 or X.shape[1] != n:
            raise ValueError(f"encodings must have shape (B, {n}), got {X.shape}")
        orders = np.argsort(X, axis=1, kind="stable").astype(np.int64)
        B = X.shape[0]
        tours = np.empty((B, n), dtype=np.int64)
        lengths = np.empty(B, dtype=np.float64)
        xs, ys = self._xy(instance)
        args = (xs, ys, np.int64(instance.rounded))
        tail = (self.neighbours(instance), np.float64(self._eps(instance)))
        rule = _DECODERS[name]
        if rule == 0 or B == 1 or seconds_to_deadline() is None:
            decode_batch(*args, orders, np.int64(rule), *tail, tours, lengths)
            return TourBatch(tours, lengths)
        # Under a deadline, row by row: a 2-opt descent from a far-off order can take seconds on
        # thousands of cities, and a compiled kernel cannot read the clock. A row is begun only
        # while the time left covers the last one; the rest keep their order (no 2-opt): feasible
        # tours, ranked by their true length.
        last = 0.0
        for r in range(B):
            left = seconds_to_deadline()
            if left is not None and left <= _ROW_SAFETY * last:
                decode_batch(*args, orders[r:], np.int64(0), *tail, tours[r:], lengths[r:])
                break
            t0 = time.perf_counter()
            decode_batch(*args, orders[r:r + 1], np.int64(rule), *tail, tours[r:r + 1], lengths[r:r + 1])
            last = time.perf_counter() - t0
        return TourBatch(tours, lengths)

    def cost(self, instance: TSPInstance, solutions: Sequence[Tour]) -> np.ndarray:
        """The tour lengths (the decoder's own for a batch; recomputed for a list)."""
        if isinstance(solutions, TourBatch):
            return solutions.lengths.astype(np.float64, copy=True)
        return np.array([self.objective(instance, s) for s in solutions], dtype=np.float64)

    def objective(self, instance: TSPInstance, solution: Tour) -> float:
        """The length of the closed tour (in the instance's distance)."""
        order = solution.order
        if order.shape[0] == 0 or order.min() < 0 or order.max() >= instance.n:
            raise SolutionError(f"tour lists an index that is no city (cities are 0..{instance.n - 1})")
        p = instance.coords[order]
        d = p - np.roll(p, -1, axis=0)
        lengths = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
        if instance.rounded:
            lengths = np.floor(lengths + 0.5)
        return float(lengths.sum())

    def lower_bound(self, instance: TSPInstance) -> float:
        """Held–Karp 1-tree bound (``_bounds``), cached on the instance."""
        cache = instance._cache
        if "lower_bound" in cache:
            return cache["lower_bound"]
        if "lower_bound_cut" in cache and seconds_to_deadline() is not None:
            return cache["lower_bound_cut"]  # under a deadline: no second try at what one cut short
        upper = float(self.decode(instance, self.heuristic_encodings(instance)).lengths.min())
        value, complete = _lower_bound(instance, upper)
        cache["lower_bound" if complete else "lower_bound_cut"] = value
        return value

    def check(self, instance: TSPInstance, solution: Tour) -> list[str]:
        return check_tour(instance, solution)

    # ---------------------------------------------------------------- solutions
    def solution_to_json(self, instance: TSPInstance, solution: Tour) -> dict[str, Any]:
        return tour_to_json(solution)

    def solution_from_json(self, instance: TSPInstance, data: Mapping[str, Any]) -> Tour:
        return tour_from_json(data)

    def render(self, instance: TSPInstance, solution: Tour, path: str | Path) -> None:
        from nnopt.problems.tsp._render import render_tour

        length = self.objective(instance, solution) if not check_tour(instance, solution) else None
        render_tour(instance, solution, path, length=length)

    # ------------------------------------------- solution-level search (ruin and recreate)
    # The state is a tour plus left-out cities; components are cities (``_ruin``).
    # No ``tighten``: the objective is a length, so the loop just improves it.
    ruin_settings = _ruin.RuinSettings()

    def search_state(self, instance: TSPInstance, solution: Tour) -> _ruin.TourState:
        return _ruin.state_from_tour(instance, solution)

    def weakness(self, instance: TSPInstance, state: _ruin.TourState) -> np.ndarray:
        return _ruin.state_weakness(instance, _ruin.as_state(state))

    def ruin(self, instance: TSPInstance, state: _ruin.TourState, components: np.ndarray,
             rng: np.random.Generator) -> _ruin.TourState:
        return _ruin.ruin_state(instance, _ruin.as_state(state), components, rng, self.ruin_settings)

    def recreate(self, instance: TSPInstance, state: _ruin.TourState, rng: np.random.Generator) -> None:
        _ruin.recreate_state(instance, _ruin.as_state(state), rng, self.ruin_settings)

    def state_cost(self, instance: TSPInstance, state: _ruin.TourState) -> tuple[float, float]:
        return _ruin.state_cost(instance, _ruin.as_state(state))

    def state_solution(self, instance: TSPInstance, state: _ruin.TourState) -> Tour | None:
        return _ruin.tour_from_state(instance, _ruin.as_state(state))

    def acceptance_slack(self, instance: TSPInstance, state: _ruin.TourState) -> float:
        """One mean edge of the start tour: an accepted tour may be that much longer than the
        current one (benchmarks/results/tsp_ruin_recreate.md: -0.40 % against the best tour any
        method found at 5 s on n = 200; plain late acceptance +0.2 %)."""
        state = _ruin.as_state(state)
        return float(state.length) / max(1, len(state.order))
