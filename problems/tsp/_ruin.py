"""tsp's solution-level search hooks: a tour whose components are its cities.

These hooks are what lets ``nnopt.solver.ruin_recreate`` — written for bins —
run on tsp unchanged, which is the proof that the loop is problem-agnostic.
The state (:class:`TourState`) is a tour plus the cities left out of it. tsp's
objective is a length, not a count, so there is no goal to tighten towards
(``tighten`` is None) and the loop only improves the length; what lets it
leave a local optimum is its acceptance of slightly longer tours (``RRConfig``'s
``slack``, about one mean edge length: ``benchmarks/tsp_ruin_recreate.py``).
A city's *weakness* is its detour ``d(p, c) + d(c, s) - d(p, s)``:
a city the tour visits at a large detour is the likeliest to sit in the wrong
place. A ruin takes SISR strings around the chosen cities (Christiaens &
Vanden Berghe 2020), a recreate puts them back by cheapest insertion with
blinks and takes the tour to a 2-opt local optimum (without that polish the
search stalled about 0.15 % higher at equal moves); both are Numba kernels (``_ruin_kernels``), so a move costs
microseconds. The hooks copy arrays, draw seeds and call the kernels.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnopt.problems.tsp._instance import TSPInstance
from nnopt.problems.tsp._kernels import neighbour_lists, tour_length
from nnopt.problems.tsp._ruin_kernels import detours, insert_cheapest, ruin_strings
from nnopt.problems.tsp._solution import Tour

__all__ = ["RuinSettings", "TourState", "as_state", "state_from_tour", "state_weakness", "ruin_state",
           "recreate_state", "state_cost", "tour_from_state", "string_cap"]


#: Every city's weakness is raised by this fraction of the mean detour (see ``state_weakness``).
WEAKNESS_FLOOR = 0.1


@dataclass(frozen=True)
class RuinSettings:
    """Knobs of one tsp ruin-and-recreate move (chosen on generated instances, see
    ``benchmarks/tsp_ruin_recreate.py``)."""

    #: longest string, as a fraction of the cities (SISR's average string length is ~10)
    string_fraction: float = 0.1
    #: ... and never above this many cities
    max_string: int = 10
    #: strings per chosen city: 1..strings, the extra ones at its nearest cities in the tour
    strings: int = 2
    #: probability that a string is a split string (a block inside it stays)
    split_rate: float = 0.5
    #: probability of skipping a candidate edge when inserting a city (SISR's blinks)
    blink: float = 0.01
    #: nearest cities whose tour edges are the insertion candidates
    neighbours: int = 16
    #: take every recreated tour to a 2-opt local optimum (neighbour lists, as the decoder)
    polish: bool = True
    #: weights of the insertion orders: random, farthest from the ruin first, closest first
    order_weights: tuple[float, float, float] = (4.0, 2.0, 1.0)


@dataclass
class TourState:
    """A tour (``order``: the cities in visiting order) and the cities ``left`` out of it."""

    order: np.ndarray
    left: np.ndarray
    #: length of the closed tour through ``order``
    length: float
    #: the first city the last ruin chose (the recreate's sort centre), -1 if none
    centre: int = -1
    #: per-city detours, computed once per state (a rejected move asks the same state again)
    weak: np.ndarray | None = None


def as_state(obj: Any) -> TourState:
    if not isinstance(obj, TourState):
        raise TypeError(f"expected a tsp search state, got {type(obj).__name__}")
    return obj


def _xy(instance: TSPInstance) -> tuple[np.ndarray, np.ndarray]:
    cache = instance._cache
    if "rr_xy" not in cache:  # writable contiguous copies: one Numba specialisation
        cache["rr_xy"] = (np.array(instance.coords[:, 0], dtype=np.float64),
                          np.array(instance.coords[:, 1], dtype=np.float64))
    return cache["rr_xy"]


def _neighbours(instance: TSPInstance, k: int) -> np.ndarray:
    """Each city's ``k`` nearest cities, nearest first (cached per ``k``)."""
    key = f"rr_neighbours_{k}"
    cache = instance._cache
    if key not in cache:
        xs, ys = _xy(instance)
        out = np.empty((instance.n, min(k, instance.n - 1)), dtype=np.int64)
        neighbour_lists(xs, ys, out)
        cache[key] = out
    return cache[key]


def _eps(instance: TSPInstance) -> float:
    """Smallest gain a polishing 2-opt move must bring (as the decoder: no cycling on rounding noise)."""
    cache = instance._cache
    if "rr_eps" not in cache:
        cache["rr_eps"] = 0.5 if instance.rounded else 1e-10 * float(np.ptp(instance.coords, axis=0).max())
    return cache["rr_eps"]


def string_cap(n: int, settings: RuinSettings) -> int:
    """Longest string a ruin takes on ``n`` cities: a fraction of them, capped, at least 1."""
    return max(1, min(settings.max_string, int(round(settings.string_fraction * n))))


def _length(instance: TSPInstance, order: np.ndarray) -> float:
    xs, ys = _xy(instance)
    return float(tour_length(xs, ys, np.int64(instance.rounded), order)) if order.shape[0] else 0.0


def state_from_tour(instance: TSPInstance, tour: Tour) -> TourState:
    order = np.array(tour.order, dtype=np.int64)
    return TourState(order, np.empty(0, dtype=np.int64), _length(instance, order))


def state_weakness(instance: TSPInstance, state: TourState) -> np.ndarray:
    """Per city (components are cities): its detour in the tour (0 for a left-out city), plus a floor."""
    if state.weak is None:
        xs, ys = _xy(instance)
        out = np.empty(instance.n, dtype=np.float64)
        detours(xs, ys, np.int64(instance.rounded), state.order, np.int64(instance.n), out)
        # A floor of a tenth of the mean detour: a city on a straight stretch (detour 0) may still
        # sit on the wrong pass through its region, and a loop drawing a few distinct cities with
        # probability ~ weakness ** sharpness must not wait for one of near-zero weight.
        out += WEAKNESS_FLOOR * out.mean()
        state.weak = out
    return state.weak


def ruin_state(instance: TSPInstance, state: TourState, components: np.ndarray, rng: np.random.Generator,
               settings: RuinSettings) -> TourState:
    """A new state with strings taken out around ``components`` (cities); ``state`` is untouched."""
    n = instance.n
    chosen = np.asarray(components, dtype=np.int64).reshape(-1)
    size = state.order.shape[0]
    kept = np.empty(size, dtype=np.int64)
    removed = np.empty(size, dtype=np.int64)
    xs, ys = _xy(instance)
    m, r, length = ruin_strings(xs, ys, np.int64(instance.rounded), state.order, np.int64(n), chosen,
                                _neighbours(instance, settings.neighbours), np.int64(string_cap(n, settings)),
                                np.int64(settings.strings), float(settings.split_rate),
                                int(rng.integers(2**31)), kept, removed)
    left = np.concatenate((state.left, removed[:r])) if state.left.shape[0] else removed[:r]
    centre = int(chosen[0]) if chosen.shape[0] else -1
    return TourState(kept[:m], left, float(length), centre)


def recreate_state(instance: TSPInstance, state: TourState, rng: np.random.Generator,
                   settings: RuinSettings) -> None:
    """Insert every left-out city by cheapest insertion with blinks (in place): a tsp tour always
    takes every city, so nothing stays left out."""
    if state.left.shape[0] == 0:
        return
    w_random, w_far, w_close = settings.order_weights
    u = rng.random() * (w_random + w_far + w_close)
    mode = 0 if u < w_random else 1 if u < w_random + w_far else 2
    seed = int(rng.integers(2**31))
    order, left = state.order, state.left
    if order.shape[0] == 0:  # nothing to insert into: the first left-out city starts the tour
        order, left = left[:1].copy(), left[1:]
    xs, ys = _xy(instance)
    n = instance.n
    out = np.empty(n, dtype=np.int64)
    size = order.shape[0] + left.shape[0]
    length = insert_cheapest(xs, ys, np.int64(instance.rounded), order, left,
                             _neighbours(instance, settings.neighbours), np.int64(n),
                             float(settings.blink), np.int64(mode), np.int64(state.centre), seed,
                             settings.polish and size == n, _neighbours(instance, 10), _eps(instance), out)
    state.order = out[:size]
    state.left = np.empty(0, dtype=np.int64)
    state.length = float(length)
    state.weak = None


def state_cost(instance: TSPInstance, state: TourState) -> tuple[float, float]:
    """(cities left out — 0.0 when none, the tour length); lower is better."""
    return float(state.left.shape[0]), float(state.length)


def tour_from_state(instance: TSPInstance, state: TourState) -> Tour | None:
    """The tour a complete state holds (its length as claimed length); None while cities are left out."""
    if state.left.shape[0] or state.order.shape[0] != instance.n:
        return None
    return Tour(state.order, state.length)  # Tour copies the array
