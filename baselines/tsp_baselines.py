"""Classical tsp baselines: nearest neighbour, Christofides, OR-Tools guided local search.

Each is a plain function ``(instance, time_limit, seed) -> tour`` returning the
visiting order as an int64 array (a permutation of ``0..n-1``); the caller
verifies it with the problem's checker. They measure lengths in the
instance's own distance (real, or TSPLIB-rounded for ``euc_2d``), so their
tours compare directly with nnopt's.

- :func:`nearest_neighbour` — from city ``seed % n``, always to the nearest
  unvisited city (ties to the lower index). O(n²), no time limit needed.
- :func:`christofides` — networkx's Christofides (minimum spanning tree, a
  minimum-weight perfect matching of its odd-degree cities, Euler tour,
  shortcuts), on the complete graph. Within 1.5 times the optimum where the
  triangle inequality holds (real distances; rounded ones may break it by less
  than one unit). One pass; ``time_limit`` and ``seed`` are unused.
- :func:`ortools_gls` — OR-Tools routing, one vehicle from city 0, first
  solution by cheapest arc, then guided local search until ``time_limit``.
  Arc costs must be integers: TSPLIB-rounded lengths are used as they are,
  real ones scaled so that the longest edge is about 10⁷ and rounded (the
  returned tour's length is then measured exactly again by the caller).
  OR-Tools' routing search is single-threaded and does not take a seed.

The two library baselines build an ``n x n`` matrix and refuse instances above
:data:`MAX_MATRIX_CITIES` cities with a ``ValueError`` (as methods: one line, a
``MethodError``). Neither library can be stopped midway (Christofides grows with
about n^2.6: 42 s for 1,000 cities), so under a time limit the methods run them in
a forked child process and wait only for the time left; past it the child is
ended and the nearest-neighbour tour is returned, with a note saying so.
"""
from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable
from typing import Any

import numpy as np

from nnopt.problems.base import Problem
from nnopt.problems.tsp import TSP, TSPInstance
from nnopt.solver.methods import (
    DEFAULT_TIME_LIMIT,
    Budget,
    Method,
    MethodError,
    ProgressCallback,
    RunContext,
    SearchResult,
    register_method,
)

__all__ = ["BASELINES", "MAX_MATRIX_CITIES", "christofides", "distance_matrix", "nearest_neighbour",
           "ortools_gls"]

#: Largest instance the matrix-based baselines (Christofides, OR-Tools) accept.
MAX_MATRIX_CITIES = 3000
#: Longest scaled arc cost handed to OR-Tools for real-valued distances.
_ORTOOLS_SCALE = 1e7


def distance_matrix(instance: TSPInstance) -> np.ndarray:
    """All pairwise lengths ``(n, n)`` float64, in the instance's distance."""
    if instance.n > MAX_MATRIX_CITIES:
        raise ValueError(f"instance has {instance.n} cities; this baseline builds an n x n matrix and "
                         f"accepts at most {MAX_MATRIX_CITIES}")
    xy = instance.coords
    diff = xy[:, None, :] - xy[None, :, :]
    d = np.sqrt(diff[..., 0] ** 2 + diff[..., 1] ** 2)
    return np.floor(d + 0.5) if instance.rounded else d


def nearest_neighbour(instance: TSPInstance, time_limit: float = 0.0, seed: int = 0) -> np.ndarray:
    """The nearest-neighbour tour from city ``seed % n``."""
    return TSP().nearest_neighbour(instance, start=int(seed) % instance.n)


def christofides(instance: TSPInstance, time_limit: float = 0.0, seed: int = 0) -> np.ndarray:
    """networkx's Christofides tour on the complete graph of the instance."""
    import networkx as nx  # here, not at the top: listing methods must not pay its import

    d = distance_matrix(instance)
    n = instance.n
    graph = nx.Graph()
    graph.add_weighted_edges_from((i, j, float(d[i, j])) for i in range(n) for j in range(i + 1, n))
    cycle = nx.approximation.christofides(graph, weight="weight")
    return np.array(cycle[:-1], dtype=np.int64)  # networkx repeats the first city at the end


def ortools_gls(instance: TSPInstance, time_limit: float = 5.0, seed: int = 0,
                solution_limit: int | None = None) -> np.ndarray:
    """OR-Tools routing with guided local search for ``time_limit`` seconds.

    ``solution_limit`` also stops it after that many solutions, which makes a
    run repeatable (OR-Tools' routing search is single-threaded and seedless).
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    if not time_limit > 0:
        raise ValueError(f"time limit must be positive, got {time_limit!r}")
    d = distance_matrix(instance)
    if instance.rounded:
        costs = d.astype(np.int64)
    else:
        top = float(d.max())
        costs = np.rint(d * (_ORTOOLS_SCALE / top if top > 0 else 1.0)).astype(np.int64)
    n = instance.n
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    # The matrix is indexed by routing *index*; with one vehicle and depot 0 that is the city.
    transit = routing.RegisterTransitMatrix(costs.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    millis = max(1, int(math.floor(time_limit * 1000)))
    params.time_limit.seconds = millis // 1000
    params.time_limit.nanos = (millis % 1000) * 1_000_000
    if solution_limit is not None:
        params.solution_limit = int(solution_limit)
    solution = routing.SolveWithParameters(params)
    if solution is None:
        raise RuntimeError("OR-Tools found no tour (time limit too short?)")
    order = []
    index = routing.Start(0)
    while not routing.IsEnd(index):
        order.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    return np.array(order, dtype=np.int64)


#: name -> baseline, for tables and method lists.
BASELINES = {
    "nearest-neighbour": nearest_neighbour,
    "christofides": christofides,
    "ortools-gls": ortools_gls,
}


# --------------------------------------------------------------------------- as methods
_DESCRIPTIONS = {
    "nearest-neighbour": "nearest-neighbour tour from city seed mod n",
    "christofides": "Christofides via networkx (within 1.5x of the optimum)",
    "ortools-gls": "OR-Tools: cheapest arc, then guided local search (--max-evals: solutions)",
}


#: Seconds kept back from the time left for ending the child and building the fallback tour.
_CHILD_MARGIN_S = 0.15


def _child(fn: Callable[..., np.ndarray], args: tuple, conn: Any) -> None:
    try:
        conn.send(("tour", fn(*args)))
    except Exception as exc:  # noqa: BLE001 - told to the parent, which decides
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def tour_within(seconds: float, fn: Callable[..., np.ndarray], *args: Any) -> tuple[np.ndarray | None, str]:
    """``fn(*args)`` in a forked child, waited for ``seconds`` at most: (tour, "") or (None, why not).

    A library call that cannot be interrupted then cannot hold the caller past its limit.
    """
    ctx = multiprocessing.get_context("fork")
    here, there = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(fn, args, there), daemon=True)
    child.start()
    there.close()
    try:
        if here.poll(max(0.0, seconds)):
            try:
                kind, value = here.recv()
            except EOFError:
                return None, "it ended without a tour"
            return (value, "") if kind == "tour" else (None, f"it failed ({value})")
        return None, f"it did not finish within the {max(0.0, seconds):.2f} s left"
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        here.close()


class TourBaseline(Method):
    """A baseline above as a method: one tour, measured and verified by the caller."""

    family = "tsp baselines"

    def __init__(self, name: str) -> None:
        super().__init__(name, _DESCRIPTIONS[name])

    def unsupported(self, problem: Problem) -> str | None:
        return None if isinstance(problem, TSP) else "solves tsp only"

    def run(self, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        from nnopt.problems.tsp import Tour

        if self.name != "nearest-neighbour" and instance.n > MAX_MATRIX_CITIES:
            raise MethodError(f"--method {self.name}: the instance has {instance.n:,} cities; this method builds "
                              f"an n x n distance matrix and accepts at most {MAX_MATRIX_CITIES:,} (use nnopt)")
        notes: list[str] = []
        if self.name == "nearest-neighbour":
            order = nearest_neighbour(instance, 0.0, seed)
        elif budget.time_limit is None:  # decodes alone: the library runs to its end
            order = ortools_gls(instance, DEFAULT_TIME_LIMIT, seed, solution_limit=budget.max_evals) \
                if self.name == "ortools-gls" else christofides(instance, 0.0, seed)
        else:
            left = budget.seconds_left() - _CHILD_MARGIN_S
            # OR-Tools' own limit ends its search; the wait covers building its model too
            within, why = tour_within(left, BASELINES[self.name], instance, max(0.05, 0.8 * left), seed)
            order = within if within is not None else nearest_neighbour(instance, 0.0, seed)
            if within is None:
                notes.append(f"{self.name}: {why}; the nearest-neighbour tour from city {seed % instance.n} "
                             "instead")
        length = problem.objective(instance, Tour(order))
        if on_improve is not None:
            on_improve(0, budget.elapsed, length, length)
        status = "budget" if self.name == "ortools-gls" else "heuristic"
        return SearchResult(Tour(order, length), length, length, evaluations=0, seconds=budget.elapsed,
                            status=status, notes=notes)


for _name in BASELINES:
    register_method(TourBaseline(_name))
