"""The piece-by-piece beam search for guillotine plans: its plans pass the independent checker in every
mode the kernels serve, it never claims fewer sheets than the bound, it reaches plans the greedy
decoders miss, and it serves the default's polish (ruin and recreate's use of it:
``test_cutting_search``)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnopt.problems.binpack2d._cutting_bounds import cutting_bound
from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
from nnopt.problems.binpack2d._cutting_instance import CuttingInstance
from nnopt.problems.binpack2d._cutting_problem import CUTTING_PLANS, CuttingPlan, generate_cutting
from nnopt.problems.binpack2d._cutting_spec import CuttingJob, cutting_to_json, parse_cutting
from nnopt.problems.binpack2d._cutting_tree import tree_applies, tree_search_plan
from nnopt.problems.binpack2d._guillotine_decode import CUTTING_DECODERS, decode_cutting, sorted_cutting_keys

INSTANCES = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "2bp" / "instances"


def _one_type(seed: int, n: int, stages: int | None = None, exact: bool | None = None,
              first_cut: str | None = None) -> CuttingJob:
    """A generated job cut down to its largest stock type (unlimited), guillotine (three stages where the
    generator chose free placement), with the cuts given where asked."""
    data = cutting_to_json(generate_cutting(seed, n=n))
    largest = max(data["bins"], key=lambda b: b["width"] * b["height"])
    data["bins"] = [{k: v for k, v in largest.items() if k not in ("count", "cost")}]
    g = dict(data.get("guillotine") or {"stages": 3, "exact": False, "first_cut": "horizontal"})
    if stages is not None:
        g["stages"] = stages
    if exact is not None:
        g["exact"] = exact
    if first_cut is not None:
        g["first_cut"] = first_cut
    data["guillotine"] = g
    return parse_cutting(data)


def _classic(name: str, rotation: bool = False) -> CuttingInstance:
    classic = json.loads((INSTANCES / f"{name}.json").read_text())
    return CuttingInstance(parse_cutting({
        "problem": "binpack2d", "name": name, "bins": [dict(classic["bin"])], "items": classic["items"],
        "allow_rotation": rotation, "guillotine": {"stages": 3, "exact": False, "first_cut": "horizontal"}}))


def _decoders_alone(job: CuttingJob) -> int:
    keys = sorted_cutting_keys(job)
    return min(int(decode_cutting(job, keys, d, both_ways=True).sheets.min()) for d in CUTTING_DECODERS)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 14), stages=st.sampled_from([2, 3, None]),
       exact=st.booleans(), first_cut=st.sampled_from(["horizontal", "vertical", "any"]))
def test_every_plan_passes_the_checker_and_respects_the_bound(seed, n, stages, exact, first_cut):
    job = _one_type(seed, n, stages, exact, first_cut)
    plan = tree_search_plan(job, job.n + 1, 0, moves=16)
    # a plan of at most one sheet per piece always exists, and the search always completes one
    assert plan is not None
    assert check_cutting_plan(job, plan) == []
    placed = sorted(p["item"] for sheet in plan for p in sheet["items"])
    assert placed == list(range(job.n))
    assert len(plan) >= cutting_bound(job)
    assert all(sheet["items"] for sheet in plan)


@pytest.mark.parametrize("seed", range(6))
def test_only_plans_below_the_cutoff_count_and_the_same_arguments_repeat(seed):
    job = _one_type(seed, 12)
    plan = tree_search_plan(job, job.n + 1, 0, moves=32, seed=seed)
    assert plan is not None
    again = tree_search_plan(job, job.n + 1, 0, moves=32, seed=seed)
    assert again == plan
    fewer = tree_search_plan(job, len(plan), 0, moves=32, seed=seed)
    assert fewer is None or len(fewer) < len(plan)


def test_it_reaches_the_bound_where_every_decoder_needs_a_sheet_more():
    inst = _classic("CLASS01_020_08")
    job = inst.job
    assert _decoders_alone(job) == 7
    assert cutting_bound(job) == 6
    plan = tree_search_plan(job, 7, 6, moves=64)
    assert plan is not None and len(plan) == 6
    assert check_cutting_plan(job, plan) == []


def test_a_limited_stock_count_caps_the_plans():
    data = cutting_to_json(_classic("CLASS01_020_08").job)
    data["bins"][0]["count"] = 6
    job = parse_cutting(data)
    plan = tree_search_plan(job, 99, 0, moves=64)
    assert plan is not None and len(plan) <= 6


def test_it_applies_to_guillotine_jobs_of_one_stock_type_only():
    assert tree_applies(_one_type(3, 8))
    free = cutting_to_json(_one_type(3, 8))
    del free["guillotine"]
    free["kerf"] = 2
    assert not tree_applies(parse_cutting(free))
    two = cutting_to_json(_one_type(3, 8))
    two["bins"].append({"width": 40, "height": 40})
    assert not tree_applies(parse_cutting(two))
    with pytest.raises(ValueError, match="one stock type"):
        tree_search_plan(parse_cutting(two), 9, 0, moves=4)


def test_the_polish_finds_the_sheet_the_decoders_miss_and_never_costs_more():
    inst = _classic("CLASS01_020_08")
    assert CUTTING_PLANS.polishes(inst)
    sols = CUTTING_PLANS.decode(inst, CUTTING_PLANS.heuristic_encodings(inst))
    start = sols[int(np.argmin(CUTTING_PLANS.cost(inst, sols)))]
    assert CUTTING_PLANS.objective(inst, start) == 7
    better = CUTTING_PLANS.polish(inst, start, None, 64)
    assert CUTTING_PLANS.objective(inst, better) == 6
    assert CUTTING_PLANS.check(inst, better) == []
    # from a plan at the bound there is nothing to find: the plan comes back as it was
    assert CUTTING_PLANS.polish(inst, better, None, 64) is better
    assert isinstance(better, CuttingPlan)
