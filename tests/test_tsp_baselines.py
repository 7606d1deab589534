"""tsp baselines: valid tours, measured in the instance's own distance, of the expected quality."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from nnopt.baselines.tsp_baselines import (
    BASELINES,
    MAX_MATRIX_CITIES,
    christofides,
    distance_matrix,
    nearest_neighbour,
    ortools_gls,
)
from nnopt.problems.tsp import TSP, Tour, parse_instance
from nnopt.problems.tsp._checker import recompute_length

PROBLEM = TSP()


@pytest.mark.parametrize("name", sorted(BASELINES))
@pytest.mark.parametrize("distance", ["euclidean", "euc_2d"])
def test_baselines_return_checked_tours(name, distance):
    inst = PROBLEM.generate(seed=4, n=40, kind="clustered", distance=distance)
    order = BASELINES[name](inst, 0.5, 0)
    tour = Tour(order, PROBLEM.objective(inst, Tour(order)))
    assert PROBLEM.check(inst, tour) == []
    assert PROBLEM.lower_bound(inst) <= tour.length


def test_nearest_neighbour_starts_at_the_seeded_city():
    inst = PROBLEM.generate(seed=0, n=30)
    assert nearest_neighbour(inst, 0, seed=0)[0] == 0
    assert nearest_neighbour(inst, 0, seed=37)[0] == 7


def test_distance_matrix_matches_the_checker():
    inst = PROBLEM.generate(seed=1, n=12, distance="euc_2d")
    d = distance_matrix(inst)
    assert d[3, 7] == recompute_length(inst, [3, 7]) / 2
    assert np.array_equal(d, d.T) and np.all(np.diag(d) == 0)


def test_christofides_is_within_one_and_a_half_of_the_optimum():
    inst = PROBLEM.generate(seed=6, n=8)
    opt = min(recompute_length(inst, [0, *p]) for p in itertools.permutations(range(1, 8)))
    length = PROBLEM.objective(inst, Tour(christofides(inst)))
    assert opt - 1e-9 <= length <= 1.5 * opt


def test_ortools_beats_nearest_neighbour_and_christofides():
    inst = PROBLEM.generate(seed=2, n=60)
    lengths = {name: PROBLEM.objective(inst, Tour(f(inst, 1.0, 0))) for name, f in BASELINES.items()}
    assert lengths["ortools-gls"] <= lengths["christofides"] and lengths["ortools-gls"] < lengths["nearest-neighbour"]
    assert lengths["ortools-gls"] < 1.03 * PROBLEM.lower_bound(inst)


def test_matrix_baselines_refuse_huge_instances():
    inst = parse_instance({"coords": [[i, i % 7] for i in range(MAX_MATRIX_CITIES + 1)]})
    with pytest.raises(ValueError, match="accepts at most"):
        christofides(inst)
    with pytest.raises(ValueError, match="time limit must be positive"):
        ortools_gls(PROBLEM.generate(seed=0, n=10), 0)
