"""Cutting jobs through the contract: binpack2d hands a cutting job to its variant's problem object, which keeps
every rule of the contract suite; Python users solve a job built from a file or a mapping."""
from __future__ import annotations

import json
import time

import numpy as np
import pytest

import nnopt
from nnopt.problems.base import InstanceError
from nnopt.problems.binpack2d import BinPack2D, BinPackInstance
from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
from nnopt.problems.binpack2d._cutting_instance import CuttingInstance
from nnopt.problems.binpack2d._cutting_problem import CUTTING_PLANS, CuttingPlans
from nnopt.problems.binpack2d._cutting_spec import parse_cutting
from nnopt.problems.testing import problem_checks

CHECKS = problem_checks(CUTTING_PLANS)


@pytest.mark.parametrize("rule", [name for name, _ in CHECKS])
def test_the_cutting_problem_keeps_the_contract(rule):
    dict(CHECKS)[rule]()


def test_generated_jobs_cover_the_variants():
    jobs = [CUTTING_PLANS.generate(seed=s).job for s in range(40)]
    assert {len(j.stock) for j in jobs} == {1, 2, 3}
    assert {j.guillotine.stages for j in jobs if j.guillotine} == {2, 3}
    assert {j.guillotine.first_cut for j in jobs if j.guillotine} == {"horizontal", "vertical", "any"}
    assert any(j.guillotine is None for j in jobs)
    assert any(j.kerf for j in jobs) and any(j.trim.left for j in jobs)
    assert any(p.rotation is False for j in jobs for p in j.pieces)
    assert not any(j.is_classic for j in jobs)
    with pytest.raises(ValueError, match="unknown parameter 'klass'"):
        CUTTING_PLANS.generate(seed=0, klass=3)


def test_binpack2d_loads_a_cutting_job_and_hands_it_to_the_cutting_problem(repo):
    prob, inst = nnopt.load_instance(repo / "examples" / "kitchen" / "kitchen.json")
    assert isinstance(inst, CuttingInstance) and isinstance(prob, CuttingPlans)
    assert prob.name == "binpack2d" and inst.name == "kitchen" and inst.n == 27
    assert inst.widths.shape == inst.heights.shape == (27,)
    binpack = nnopt.get_problem("binpack2d")
    assert binpack.for_instance(inst) is CUTTING_PLANS
    classic = binpack.load({"bin": {"width": 10, "height": 10}, "items": [{"width": 3, "height": 4}]})
    assert isinstance(classic, BinPackInstance) and binpack.for_instance(classic) is binpack
    tsp = nnopt.get_problem("tsp")
    assert tsp.for_instance(tsp.generate(seed=0)) is tsp  # the default: the problem itself
    # warm-up compiles every variant for_instance may hand out: binpack2d names its cutting problem
    assert binpack.variants() == (CUTTING_PLANS,) and tsp.variants() == ()


def test_a_job_the_classic_form_can_say_loads_as_the_classic_instance():
    binpack = BinPack2D()
    data = {"bins": [{"width": 10, "height": 8}], "items": [{"width": 3, "height": 4, "count": 2}], "kerf": 0,
            "allow_rotation": True}
    inst = binpack.load(data)
    assert isinstance(inst, BinPackInstance)
    assert inst == binpack.load({"bin": {"width": 10, "height": 8}, "items": [{"width": 3, "height": 4, "count": 2}],
                                 "allow_rotation": True})
    for extra in ({"kerf": 1}, {"trim": 2}, {"guillotine": {"stages": 2}}):
        assert isinstance(binpack.load(dict(data, **extra)), CuttingInstance)
    named = dict(data, items=[{"width": 3, "height": 4, "name": "shelf"}])
    assert isinstance(binpack.load(named), CuttingInstance)
    priced = dict(data, bins=[{"width": 10, "height": 8, "cost": 5}])
    assert isinstance(binpack.load(priced), CuttingInstance)
    with pytest.raises(InstanceError, match="field 'kerf'"):
        binpack.load(dict(data, kerf=-1))


KITCHEN = {"problem": "binpack2d", "name": "kitchen",
           "bins": [{"width": 2800, "height": 2070, "cost": 48.5, "count": 3, "name": "oak 19"},
                    {"width": 2440, "height": 1220, "cost": 21.0}],
           "items": [{"width": 720, "height": 560, "count": 4, "rotation": False, "name": "side"},
                     {"width": 560, "height": 300, "count": 8},
                     {"width": 800, "height": 700, "count": 2, "name": "back"}],
           "allow_rotation": True,
           "guillotine": {"stages": 3, "exact": False, "first_cut": "any"},
           "kerf": 4, "trim": 10}


def test_python_solves_a_job_from_a_file_and_from_a_mapping(repo):
    res = nnopt.solve(nnopt.load_instance(repo / "examples" / "kitchen" / "kitchen.json"), max_evals=2000)
    assert res.verified and res.objective >= res.lower_bound
    job = res.instance.job
    assert not check_cutting_plan(job, res.solution.sheets)
    assert res.objective == sum(job.stock[s].unit_cost for s in res.sheets)

    inst = nnopt.get_problem("binpack2d").load(KITCHEN)
    res = nnopt.solve(inst, max_evals=2000, seed=1)
    assert isinstance(res.problem, CuttingPlans) and isinstance(res, nnopt.binpack2d.CuttingResult)
    assert isinstance(inst, nnopt.binpack2d.CuttingInstance)
    assert sorted(p.item for p in res.placements) == list(range(inst.n))
    assert {p.bin for p in res.placements} == set(range(len(res.sheets)))
    data = res.to_json()
    assert data["problem"] == "binpack2d" and data["cuts"] and len(data["sheets"]) == len(res.sheets)
    again = nnopt.solve(inst, max_evals=2000, seed=1)
    assert again.to_json()["sheets"] == data["sheets"]  # seeded: the same plan

    import matplotlib

    matplotlib.use("Agg")
    ax = res.plot()
    assert len(ax.patches) == 2 * len(res.sheets) + inst.n


@pytest.mark.parametrize("method", ["nnopt", "cem", "brkga", "random-keys", "local-search"])
def test_the_search_methods_solve_a_job_within_the_time_limit(method):
    inst = nnopt.get_problem("binpack2d").load(KITCHEN)
    nnopt.solve(inst, method=method, max_evals=200)  # compiled before the clock starts
    started = time.perf_counter()
    res = nnopt.solve(inst, method=method, time_limit=1.0)
    assert time.perf_counter() - started < 1.5
    assert res.verified and not check_cutting_plan(inst.job, res.solution.sheets)


def test_a_row_that_runs_out_of_stock_decodes_to_a_feasible_plan():
    inst = CuttingInstance(parse_cutting({
        "bins": [{"width": 10, "height": 10, "count": 2}],
        "items": [{"width": 6, "height": 4, "count": 2}, {"width": 4, "height": 6, "count": 2},
                  {"width": 4, "height": 4, "count": 2}, {"width": 6, "height": 6}],
        "guillotine": {"stages": 2, "first_cut": "horizontal"}}))
    from nnopt.problems.binpack2d._guillotine_decode import decode_cutting

    X = np.random.default_rng(0).random((200, inst.n))
    assert (decode_cutting(inst.job, X, "best-fit", both_ways=True).sheets < 0).any()  # some rows run out
    sols = CUTTING_PLANS.decode(inst, X)
    assert all(not CUTTING_PLANS.check(inst, s) for s in sols)
    assert all(len(s.sheets) <= 2 for s in sols)


def test_the_cost_step_follows_the_prices():
    inst = nnopt.get_problem("binpack2d").load(KITCHEN)  # prices 48.5 and 21: totals differ by 0.5 at least
    sols = CUTTING_PLANS.decode(inst, CUTTING_PLANS.sample(inst, 64, np.random.default_rng(2)))
    cost = CUTTING_PLANS.cost(inst, sols)
    obj = np.array([CUTTING_PLANS.objective(inst, s) for s in sols])
    assert np.all(cost <= obj) and np.all(cost > obj - 0.5)
    assert np.allclose(cost, CUTTING_PLANS.cost(inst, [sols[i] for i in range(len(sols))]))


def test_a_solution_file_with_a_wrong_cut_list_is_refused(repo):
    prob, inst = nnopt.load_instance(repo / "examples" / "kitchen" / "kitchen.json")
    sol = prob.decode(inst, prob.heuristic_encodings(inst)[:1])[0]
    data = json.loads(json.dumps(prob.solution_to_json(inst, sol)))
    assert not prob.check(inst, prob.solution_from_json(inst, data))
    data["cuts"] = data["cuts"][1:]
    assert any("cuts" in issue for issue in prob.check(inst, prob.solution_from_json(inst, data)))


def test_the_cost_of_a_batch_with_fallback_rows_equals_the_cost_of_its_plans():
    inst = CuttingInstance(parse_cutting({
        "bins": [{"width": 10, "height": 10, "count": 2}],
        "items": [{"width": 6, "height": 4, "count": 2}, {"width": 4, "height": 6, "count": 2},
                  {"width": 4, "height": 4, "count": 2}, {"width": 6, "height": 6}],
        "guillotine": {"stages": 2, "first_cut": "horizontal"}}))
    sols = CUTTING_PLANS.decode(inst, np.random.default_rng(1).random((100, inst.n)))
    batch = CUTTING_PLANS.cost(inst, sols)
    one_by_one = CUTTING_PLANS.cost(inst, [sols[i] for i in range(len(sols))])
    assert np.all(np.isfinite(batch)) and np.allclose(batch, one_by_one)
