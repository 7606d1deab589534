"""Free-placement sheets from the classic decoders: every plan keeps the job's rules (trims, kerf, turns)."""
from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import nnopt
from nnopt.problems.base import InstanceError
from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
from nnopt.problems.binpack2d._cutting_free import free_placement, pack_free
from nnopt.problems.binpack2d._cutting_problem import CUTTING_PLANS
from nnopt.problems.binpack2d._cutting_spec import parse_cutting


@st.composite
def free_jobs(draw):
    bins = [{"width": draw(st.integers(20, 70)), "height": draw(st.integers(20, 70))}
            for _ in range(draw(st.integers(1, 3)))]
    items = [{"width": draw(st.integers(1, 19)), "height": draw(st.integers(1, 19)), "count": draw(st.integers(1, 4))}
             for _ in range(draw(st.integers(1, 8)))]
    data = {"bins": bins, "items": items, "kerf": draw(st.integers(0, 3)), "trim": draw(st.integers(0, 3)),
            "allow_rotation": draw(st.booleans())}
    try:
        return parse_cutting(data, "drawn")
    except InstanceError:  # a piece no trimmed sheet holds: not a job
        assume(False)


@settings(max_examples=60, deadline=None)
@given(free_jobs(), st.integers(0, 2**31 - 1), st.lists(st.integers(0, 2), min_size=1, max_size=3))
def test_a_free_plan_keeps_kerf_trims_and_places_every_piece(job, seed, picks):
    assert free_placement(job)
    types = tuple(p % len(job.stock) for p in picks)
    items = list(range(job.n))
    plan = pack_free(job, items, types, np.random.default_rng(seed), rows=4)
    if plan is None:
        return
    assert len(plan) <= len(types)
    assert sorted(p["item"] for s in plan for p in s["items"]) == items
    assert [s["stock"] for s in plan if s["stock"] not in types] == []
    unlimited = parse_cutting({"bins": [{"width": s.width, "height": s.height} for s in job.stock],
                               "items": [{"width": p.width, "height": p.height, "count": p.count} for p in job.pieces],
                               "kerf": job.kerf, "trim": job.trim.left, "allow_rotation": job.allow_rotation}, "drawn")
    assert check_cutting_plan(unlimited, plan) == []


def test_free_placement_is_a_job_without_guillotine_cuts():
    base = {"bins": [{"width": 50, "height": 40}], "items": [{"width": 10, "height": 20, "count": 3}], "kerf": 1}
    assert free_placement(parse_cutting(base, "x"))
    assert not free_placement(parse_cutting({**base, "guillotine": {"stages": 3}}, "x"))


def test_a_piece_that_may_not_turn_stays_upright_beside_pieces_that_may():
    job = parse_cutting({"bins": [{"width": 32, "height": 12}], "allow_rotation": True,
                         "items": [{"width": 10, "height": 12, "count": 2},
                                   {"width": 12, "height": 10, "rotation": False}]}, "grain")
    for seed in range(5):
        plan = pack_free(job, list(range(job.n)), (0,), np.random.default_rng(seed), rows=8)
        assert plan is not None and check_cutting_plan(job, plan) == []
        assert not any(p["rotated"] for s in plan for p in s["items"])


def test_interlocking_pieces_fit_where_guillotine_stages_cannot():
    """Four 2x1 pieces pinwheel around a 1x1 hole in a 3x3 sheet: no guillotine cut separates them,
    and with a fifth unit piece only free placement holds all five on one sheet."""
    job = parse_cutting({"bins": [{"width": 3, "height": 3, "cost": 5}, {"width": 9, "height": 9, "cost": 100}],
                         "items": [{"width": 2, "height": 1, "count": 2}, {"width": 1, "height": 2, "count": 2},
                                   {"width": 1, "height": 1}]}, "pinwheel")
    plan = pack_free(job, list(range(job.n)), (0,), np.random.default_rng(0), rows=64)
    assert plan is not None and check_cutting_plan(job, plan) == []
    res = nnopt.solve(CUTTING_PLANS.load({"bins": [{"width": 3, "height": 3, "cost": 5},
                                                   {"width": 9, "height": 9, "cost": 100}],
                                          "items": [{"width": 2, "height": 1, "count": 2},
                                                    {"width": 1, "height": 2, "count": 2},
                                                    {"width": 1, "height": 1}]}), max_evals=400, seed=0)
    assert res.objective == 5 and res.verified
