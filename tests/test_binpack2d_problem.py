"""binpack2d against the contract, plus properties of its decoders, bounds and cost."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnopt.problems.binpack2d import BinPack2D, parse_instance
from nnopt.problems.binpack2d._bounds import lower_bounds
from nnopt.problems.testing import check_problem, problem_checks

PROBLEM = BinPack2D()


@pytest.mark.parametrize("name, check", problem_checks(BinPack2D))
def test_contract(name, check):
    check()


def test_contract_with_rotation():
    instances = [PROBLEM.generate(seed=s, klass=k, n=30, allow_rotation=True) for s, k in ((0, 3), (1, 8))]
    check_problem(PROBLEM, instances)


@st.composite
def instances(draw):
    W = draw(st.integers(1, 30))
    H = draw(st.integers(1, 30))
    rotation = draw(st.booleans())
    n = draw(st.integers(1, 25))
    items = []
    for _ in range(n):
        w = draw(st.integers(1, W))
        h = draw(st.integers(1, H))
        if rotation and draw(st.booleans()) and h <= W and w <= H:
            w, h = h, w
        items.append({"width": w, "height": h, "count": draw(st.integers(1, 2))})
    return parse_instance({"bin": {"width": W, "height": H}, "items": items, "allow_rotation": rotation})


@given(instances(), st.integers(0, 2**32 - 1), st.sampled_from(BinPack2D.decoders))
def test_decoded_solutions_pass_the_checker_and_respect_the_bounds(inst, seed, decoder):
    X = np.concatenate([PROBLEM.heuristic_encodings(inst),
                        PROBLEM.sample(inst, 6, np.random.default_rng(seed))])
    batch = PROBLEM.decode(inst, X, decoder=decoder)
    b = lower_bounds(inst)
    assert b["L0"] <= b["L1"] <= b["L2"]
    costs = PROBLEM.cost(inst, batch)
    for i, sol in enumerate(batch):
        assert PROBLEM.check(inst, sol) == []
        obj = PROBLEM.objective(inst, sol)
        assert b["L2"] <= obj
        assert obj - 1 < costs[i] <= obj
        one = PROBLEM.decode(inst, X[i : i + 1], decoder=decoder)[0]
        assert one == sol


def test_cost_prefers_an_emptier_last_bin():
    inst = parse_instance({"bin": {"width": 10, "height": 10},
                           "items": [{"width": 10, "height": 10}, {"width": 1, "height": 1},
                                     {"width": 9, "height": 9}]})
    # items 0 and 2 cannot share; item 1 goes with 2 (cost 1 + 1/100) or alone (cost 2 + 1/100)
    good = PROBLEM.decode(inst, np.array([[0.1, 0.9, 0.5]], dtype=np.float32))
    assert PROBLEM.objective(inst, good[0]) == 2
    assert PROBLEM.cost(inst, good)[0] == pytest.approx(1 + 82 / 100)


def test_heuristic_encodings_reproduce_sorted_orders():
    inst = PROBLEM.generate(seed=3, klass=5, n=30)
    H = PROBLEM.heuristic_encodings(inst)
    area = inst.widths * inst.heights
    orders = np.argsort(H, axis=1, kind="stable")
    assert any(np.all(np.diff(area[o]) <= 0) for o in orders)


def test_solution_json_matches_the_design(example_path):
    inst = PROBLEM.read(example_path)
    sol = PROBLEM.decode(inst, PROBLEM.heuristic_encodings(inst)[:1])[0]
    data = json.loads(json.dumps(PROBLEM.solution_to_json(inst, sol)))
    placement = data["bins"][0][0]
    assert set(placement) == {"item", "x", "y", "width", "height", "rotated"}
    assert sum(len(b) for b in data["bins"]) == inst.n
