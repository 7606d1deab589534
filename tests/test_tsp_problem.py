"""tsp against the contract, plus properties of its decoders, checker, bounds and cost."""
from __future__ import annotations

import itertools
import json

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnopt.problems import SolutionError
from nnopt.problems.testing import check_problem, problem_checks
from nnopt.problems.tsp import TSP, Tour, order_keys, parse_instance
from nnopt.problems.tsp._bounds import held_karp_bound, one_tree_bound
from nnopt.problems.tsp._checker import recompute_length

PROBLEM = TSP()


@pytest.mark.parametrize("name, check", problem_checks(TSP))
def test_contract(name, check):
    check()


def test_contract_on_other_instances():
    instances = [PROBLEM.generate(seed=0, kind="clustered", n=60),
                 PROBLEM.generate(seed=1, n=25, distance="euc_2d"),
                 parse_instance({"coords": [[0, 0], [0, 0], [1, 1], [1, 1]]})]  # coincident cities
    check_problem(PROBLEM, instances)


def test_tsp_is_registered():
    from nnopt.problems import get_problem

    assert isinstance(get_problem("tsp"), TSP)


# ----------------------------------------------------------------------------- decoder properties


@st.composite
def instances(draw, max_n=30):
    n = draw(st.integers(3, max_n))
    if draw(st.booleans()):  # integer grid: many ties and coincident cities
        coords = draw(st.lists(st.lists(st.integers(0, 12), min_size=2, max_size=2), min_size=n, max_size=n))
    else:
        coords = draw(st.lists(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=2),
                               min_size=n, max_size=n))
    return parse_instance({"coords": coords, "distance": draw(st.sampled_from(["euclidean", "euc_2d"]))})


def _tol(inst):
    return 0.0 if inst.rounded else 1e-9 * max(1.0, float(np.abs(inst.coords).max()) * inst.n)


def _two_opt_local_optimum(inst, order):
    """No improving 2-opt move among the neighbour-list candidates (plain Python)."""
    n = len(order)
    pos = {c: i for i, c in enumerate(order)}
    neigh = PROBLEM.neighbours(inst)

    xy = inst.coords.tolist()

    def d(a, b):
        v = ((xy[a][0] - xy[b][0]) ** 2 + (xy[a][1] - xy[b][1]) ** 2) ** 0.5
        return float(np.floor(v + 0.5)) if inst.rounded else v

    for a in range(n):
        for side in (1, -1):
            b = order[(pos[a] + side) % n]
            for c in neigh[a].tolist():
                if d(a, c) >= d(a, b):
                    break
                e = order[(pos[c] + side) % n]
                if e == a or c == b:
                    continue
                gain = d(a, b) + d(c, e) - d(a, c) - d(b, e)
                if gain > PROBLEM._eps(inst) + _tol(inst):
                    return False
    return True


@given(instances(), st.integers(0, 2**32 - 1), st.integers(1, 9))
def test_decoded_tours_are_valid_canonical_and_2opt_never_lengthens(inst, seed, batch):
    X = PROBLEM.sample(inst, batch, np.random.default_rng(seed))
    plain = PROBLEM.decode(inst, X, decoder="order")
    improved = PROBLEM.decode(inst, X, decoder="order+2opt")
    assert len(plain) == len(improved) == batch
    for i in range(batch):
        for tour in (plain[i], improved[i]):
            assert sorted(tour.order.tolist()) == list(range(inst.n))
            assert tour.order[0] == 0 and tour.order[1] < tour.order[-1]  # canonical form
            assert PROBLEM.check(inst, tour) == []  # includes the recomputed length
        assert improved[i].length <= plain[i].length + _tol(inst)
        # The plain decoder is exactly the key order (as a cycle).
        order = np.argsort(X[i], kind="stable")
        assert abs(PROBLEM.objective(inst, Tour(order)) - plain[i].length) <= _tol(inst)
        assert _two_opt_local_optimum(inst, improved[i].order.tolist())


@given(instances(), st.integers(0, 2**32 - 1), st.sampled_from(TSP.decoders))
def test_batch_decodes_like_one_by_one(inst, seed, decoder):
    X = np.concatenate([PROBLEM.heuristic_encodings(inst), PROBLEM.sample(inst, 7, np.random.default_rng(seed))])
    batch = PROBLEM.decode(inst, X, decoder=decoder)
    for i in range(len(X)):
        one = PROBLEM.decode(inst, X[i : i + 1], decoder=decoder)[0]
        assert one == batch[i] and one.length == batch[i].length


def test_heuristic_encodings_decode_to_nearest_neighbour_tours():
    inst = PROBLEM.generate(seed=2, n=40)
    H = PROBLEM.heuristic_encodings(inst)
    plain = PROBLEM.decode(inst, H, decoder="order")
    nn = PROBLEM.nearest_neighbour(inst, 0)
    assert PROBLEM.objective(inst, Tour(nn)) == pytest.approx(plain[0].length)
    assert np.array_equal(np.argsort(order_keys(nn)), nn)


def test_2opt_beats_the_plain_order_by_far_on_random_keys():
    inst = PROBLEM.generate(seed=0, n=200)
    X = PROBLEM.sample(inst, 8, np.random.default_rng(0))
    plain = PROBLEM.cost(inst, PROBLEM.decode(inst, X, decoder="order"))
    improved = PROBLEM.cost(inst, PROBLEM.decode(inst, X))
    assert np.all(improved < 0.2 * plain)
    assert np.all(improved < 1.15 * PROBLEM.lower_bound(inst))


def test_decode_rejects_wrong_shapes_and_names():
    inst = PROBLEM.generate(seed=0, n=10)
    with pytest.raises(ValueError, match=r"shape \(B, 10\)"):
        PROBLEM.decode(inst, np.zeros((2, 9)))
    with pytest.raises(ValueError, match="no decoder 'greedy'"):
        PROBLEM.decode(inst, np.zeros((2, 10)), decoder="greedy")
    with pytest.raises(ValueError, match="no encoding"):
        PROBLEM.decode(inst, np.zeros((2, 10)), encoding="soft")


# ----------------------------------------------------------------------------- checker and solutions


def test_checker_names_duplicates_missing_outsiders_and_wrong_lengths():
    inst = PROBLEM.generate(seed=0, n=6)
    good = PROBLEM.decode(inst, PROBLEM.heuristic_encodings(inst))[0]
    assert PROBLEM.check(inst, good) == []
    issues = PROBLEM.check(inst, Tour([0, 1, 1, 2, 3, 9]))
    assert any("no city" in s and "9" in s for s in issues)
    assert any("more than once: 1" in s for s in issues)
    assert any("never visited: 4, 5" in s for s in issues)
    assert PROBLEM.check(inst, Tour([0, 1, 2, 3, 4])) == ["1 city(ies) never visited: 5"]
    wrong = Tour(good.order, good.length + 1.0)
    (issue,) = PROBLEM.check(inst, wrong)
    assert "claims length" in issue


def test_solution_json_is_strict_about_types_only():
    inst = PROBLEM.generate(seed=0, n=5)
    assert PROBLEM.solution_from_json(inst, {"tour": [4, 3, 2, 1, 0], "objective": 1}) == Tour([4, 3, 2, 1, 0])
    for bad, message in [({}, "missing field 'tour'"), ({"tour": "01234"}, "must be a list"),
                         ({"tour": [0, 1, 2.0, 3, 4]}, r"tour\[2\] must be an integer"),
                         ({"tour": [0, True]}, r"tour\[1\] must be an integer"),
                         ({"tour": [10**30]}, "out of range"), ([], "expected a JSON object")]:
        with pytest.raises(SolutionError, match=message):
            PROBLEM.solution_from_json(inst, bad)
    # A well-typed but infeasible tour parses; the checker judges it.
    dup = PROBLEM.solution_from_json(inst, {"tour": [0, 0, 1, 2, 3]})
    assert PROBLEM.check(inst, dup)
    with pytest.raises(SolutionError, match="no city"):
        PROBLEM.objective(inst, Tour([0, 1, 7]))


def test_cost_equals_objective():
    inst = PROBLEM.generate(seed=5, n=50)
    batch = PROBLEM.decode(inst, PROBLEM.sample(inst, 6, np.random.default_rng(1)))
    cost = PROBLEM.cost(inst, batch)
    assert cost == pytest.approx([PROBLEM.objective(inst, t) for t in batch], rel=1e-12)
    assert json.dumps(PROBLEM.solution_to_json(inst, batch[0]))


# ----------------------------------------------------------------------------- lower bounds


def _brute_force(inst):
    n = inst.n
    best = np.inf
    for perm in itertools.permutations(range(1, n)):
        best = min(best, recompute_length(inst, [0, *perm]))
    return best


@given(instances(max_n=7))
def test_bounds_are_valid_against_brute_force(inst):
    opt = _brute_force(inst)
    plain = one_tree_bound(inst)
    hk = PROBLEM.lower_bound(inst)
    assert plain <= opt + 1e-9 and hk <= opt + 1e-9
    assert hk >= one_tree_bound(inst, specials=1) - 1e-6 * max(1.0, abs(hk))
    if inst.rounded:
        assert hk == int(hk)


def test_one_tree_matches_networkx():
    inst = PROBLEM.generate(seed=3, n=60, kind="clustered")
    n = inst.n
    g = nx.Graph()
    xy = inst.coords
    g.add_weighted_edges_from((i, j, float(np.hypot(*(xy[i] - xy[j])))) for i in range(1, n) for j in range(i + 1, n))
    mst = nx.minimum_spanning_tree(g).size(weight="weight")
    two = sorted(float(np.hypot(*(xy[0] - xy[j]))) for j in range(1, n))[:2]
    assert one_tree_bound(inst, specials=1) == pytest.approx(mst + sum(two), rel=1e-8)


def test_held_karp_closes_most_of_the_one_tree_gap():
    inst = PROBLEM.generate(seed=0, n=100)
    best = float(PROBLEM.decode(inst, PROBLEM.sample(inst, 64, np.random.default_rng(0))).lengths.min())
    plain, hk = one_tree_bound(inst, specials=1), PROBLEM.lower_bound(inst)
    assert plain < hk <= best
    assert (best - hk) / best < 0.04 < (best - plain) / best
    assert plain < held_karp_bound(inst, best) <= best  # valid whatever tour length steers the steps


def test_grid_instance_bound_is_the_optimum():
    # A 4 x 4 grid of spacing 10 has tours of length 160 = 16 edges of 10: the optimum.
    coords = [[10 * i, 10 * j] for i in range(4) for j in range(4)]
    inst = parse_instance({"coords": coords, "distance": "euc_2d"})
    assert PROBLEM.lower_bound(inst) == 160
    best = PROBLEM.decode(inst, PROBLEM.sample(inst, 32, np.random.default_rng(0))).lengths.min()
    assert best == 160


def test_render_writes_png_and_svg(tmp_path):
    inst = PROBLEM.generate(seed=0, n=20)
    tour = PROBLEM.decode(inst, PROBLEM.heuristic_encodings(inst))[0]
    PROBLEM.render(inst, tour, tmp_path / "t.png")
    PROBLEM.render(inst, tour, tmp_path / "t.svg")
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "t.svg").read_bytes()[:400]
    with pytest.raises(ValueError, match="unsupported picture format"):
        PROBLEM.render(inst, tour, tmp_path / "t.gif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.png", "t.svg"]
