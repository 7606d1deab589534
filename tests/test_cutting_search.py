"""Cutting plans' solution-level search: ruin and recreate of whole sheets, re-decoded by the guillotine kernels.

Every plan it hands out must pass the independent checker (stages, first cut, exactness, kerf, trims,
each piece's rotation, stock counts), a seeded run must repeat itself, and on a job where the decoders
alone stop one sheet above the best plan the search must find that plan.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import nnopt
from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
from nnopt.problems.binpack2d._cutting_instance import CuttingInstance
from nnopt.problems.binpack2d._cutting_problem import CUTTING_PLANS
from nnopt.problems.binpack2d._cutting_spec import cutting_to_json, parse_cutting
from nnopt.problems.binpack2d._guillotine_decode import CUTTING_DECODERS, decode_cutting, sorted_cutting_keys
from nnopt.problems.capabilities import SolutionSearch
from nnopt.solver._budget import Budget
from nnopt.solver.ruin_recreate import ruin_recreate

INSTANCES = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "2bp" / "instances"


def _classic_job(name: str, rotation: bool = False) -> CuttingInstance:
    """A classic instance as a three-stage non-exact guillotine job, first cut horizontal."""
    classic = json.loads((INSTANCES / f"{name}.json").read_text())
    return CuttingInstance(parse_cutting({
        "problem": "binpack2d", "name": name, "bins": [dict(classic["bin"])], "items": classic["items"],
        "allow_rotation": rotation, "guillotine": {"stages": 3, "exact": False, "first_cut": "horizontal"}}))


def _decoders_alone(job) -> int:
    """Fewest sheets any decoder makes of the sorted orders (what the search starts from)."""
    keys = sorted_cutting_keys(job)
    return min(int(decode_cutting(job, keys, d, both_ways=True).sheets.min()) for d in CUTTING_DECODERS)


def _held_plan_issues(job, state) -> list[str]:
    """The checker's verdict on the sheets of a state, pieces left out or not: the pieces it holds as a job
    of their own (each with its own rotation flag; the same stock, kerf, trims and cuts)."""
    held = np.flatnonzero(state.ib >= 0)
    used = {int(s) for s in state.ib[held]}
    assert used == {s for s in range(state.L) if state.stock[s] >= 0}, "a sheet without pieces, or pieces in no sheet"
    if len(held) == 0:
        return []
    w, h, turn = job.item_arrays()
    data = cutting_to_json(job)
    data["items"] = [{"width": int(w[i]), "height": int(h[i]), "rotation": bool(turn[i])} for i in held]
    sub = parse_cutting(data)
    index = {int(i): k for k, i in enumerate(held)}
    sheets = [{"stock": int(state.stock[s]), "items": [
        {"item": index[int(i)], "x": int(state.x[i]), "y": int(state.y[i]), "width": int(state.pw[i]),
         "height": int(state.ph[i]), "rotated": bool(state.rot[i])} for i in held if state.ib[i] == s]}
        for s in sorted(used)]
    return check_cutting_plan(sub, sheets)


def test_cutting_plans_declare_the_solution_search():
    assert isinstance(CUTTING_PLANS, SolutionSearch)


def _largest_type_only(job):
    """The job on its largest stock type alone, unlimited, guillotine (three stages where it placed freely):
    the jobs whose recreate plans the left-out pieces by beam search."""
    data = cutting_to_json(job)
    largest = max(data["bins"], key=lambda b: b["width"] * b["height"])
    data["bins"] = [{k: v for k, v in largest.items() if k not in ("count", "cost")}]
    data["guillotine"] = data.get("guillotine") or {"stages": 3}
    return parse_cutting(data)


@pytest.mark.parametrize("one_type", [False, True])
@pytest.mark.parametrize("seed", range(16))
def test_every_complete_state_and_every_result_passes_the_checker(seed, one_type):
    job = CUTTING_PLANS.generate(seed=seed, n=24).job
    inst = CuttingInstance(_largest_type_only(job) if one_type else job)
    job = inst.job
    rng = np.random.default_rng(seed)
    sols = CUTTING_PLANS.decode(inst, CUTTING_PLANS.heuristic_encodings(inst))
    start = sols[int(np.argmin(CUTTING_PLANS.cost(inst, sols)))]
    state = CUTTING_PLANS.tighten(inst, CUTTING_PLANS.search_state(inst, start)) or \
        CUTTING_PLANS.search_state(inst, start)
    complete = 0
    for _ in range(80):
        weak = CUTTING_PLANS.weakness(inst, state)
        parts = rng.choice(len(weak), size=int(rng.integers(1, min(3, len(weak)) + 1)), replace=False)
        cand = CUTTING_PLANS.ruin(inst, state, parts, rng)
        assert _held_plan_issues(job, cand) == []  # what a ruin keeps is still a plan
        CUTTING_PLANS.recreate(inst, cand, rng)
        assert len(CUTTING_PLANS.weakness(inst, cand)) == len(weak)
        assert _held_plan_issues(job, cand) == []  # and so is every recreated state, pieces left out or not
        assert float(cand.ctx.unit[cand.stock[cand.stock >= 0]].sum()) <= cand.budget + 1e-9
        left, _ = CUTTING_PLANS.state_cost(inst, cand)
        if left == 0:
            plan = CUTTING_PLANS.state_solution(inst, cand)
            assert plan is not None
            assert check_cutting_plan(job, plan.sheets) == []
            complete += 1
        if CUTTING_PLANS.state_cost(inst, cand) <= CUTTING_PLANS.state_cost(inst, state):
            state = cand
    found = ruin_recreate(CUTTING_PLANS, inst, Budget(max_evals=150), seed=seed)
    assert check_cutting_plan(job, found.solution.sheets) == []
    assert found.objective <= CUTTING_PLANS.objective(inst, start)


def test_the_search_finds_a_sheet_fewer_than_the_decoders_alone():
    inst = _classic_job("CLASS01_020_06")
    assert _decoders_alone(inst.job) == 10
    found = ruin_recreate(CUTTING_PLANS, inst, Budget(max_evals=400), seed=0)
    assert found.objective == 9  # the best known: a plan of 9 sheets exists, the area bound is 8
    assert check_cutting_plan(inst.job, found.solution.sheets) == []
    assert len(found.solution.sheets) == 9


def test_the_default_method_searches_whole_plans():
    inst = _classic_job("CLASS07_040_06")
    assert _decoders_alone(inst.job) == 12
    res = nnopt.solve(inst, max_evals=3000, seed=0)
    assert res.verified and res.objective == 11


def test_a_seeded_search_repeats_itself():
    inst = CuttingInstance(CUTTING_PLANS.generate(seed=5, n=40).job)
    runs = [ruin_recreate(CUTTING_PLANS, inst, Budget(max_evals=200), seed=3) for _ in range(2)]
    a, b = (CUTTING_PLANS.solution_to_json(inst, r.solution) for r in runs)
    assert a == b
    assert runs[0].info["moves"] == runs[1].info["moves"] > 0


def _limited_job(rotation: bool) -> CuttingInstance:
    """A big sheet cheap per area but only two in stock, a small one dear but unlimited: kerf, trims, stages."""
    rng = np.random.default_rng(11)
    items = [{"width": int(rng.integers(10, 45)), "height": int(rng.integers(10, 45)),
              **({"rotation": False} if k % 3 == 0 else {})} for k in range(36)]
    return CuttingInstance(parse_cutting({
        "problem": "binpack2d", "name": "limited",
        "bins": [{"width": 120, "height": 100, "cost": 30, "count": 2}, {"width": 70, "height": 60, "cost": 14}],
        "items": items, "allow_rotation": rotation, "kerf": 2, "trim": {"left": 3, "right": 1, "bottom": 2, "top": 4},
        "guillotine": {"stages": 3, "exact": False, "first_cut": "any"}}))


@pytest.mark.parametrize("rotation", [False, True])
def test_limited_stock_counts_hold_across_the_whole_plan(rotation):
    inst = _limited_job(rotation)
    start = CUTTING_PLANS.fallback_plan(inst)
    found = ruin_recreate(CUTTING_PLANS, inst, Budget(max_evals=300), seed=1)
    used = Counter(s["stock"] for s in found.solution.sheets)
    assert used[0] <= 2
    assert check_cutting_plan(inst.job, found.solution.sheets) == []
    assert found.objective <= CUTTING_PLANS.objective(inst, start)


def test_the_search_keeps_the_time_limit():
    inst = _classic_job("CLASS05_100_01")
    ruin_recreate(CUTTING_PLANS, inst, Budget(max_evals=20), seed=0)  # compiled kernels: the limit times the search
    t = time.perf_counter()
    res = nnopt.solve(inst, time_limit=1.0, seed=0)
    assert time.perf_counter() - t < 1.4
    assert res.verified and res.status in ("budget", "optimal")
