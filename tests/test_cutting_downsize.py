"""Cheaper sheets for finished plans: re-cut sheets keep every rule of the job and never cost more."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nnopt.problems.base import InstanceError
from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
from nnopt.problems.binpack2d._cutting_downsize import cheaper_sheets, sheet_by_sheet
from nnopt.problems.binpack2d._cutting_instance import CuttingInstance
from nnopt.problems.binpack2d._cutting_problem import CUTTING_PLANS
from nnopt.problems.binpack2d._cutting_spec import parse_cutting
from nnopt.problems.binpack2d._guillotine_shelves import StockExhausted, plan_cost, shelf_plan

ROOT = Path(__file__).resolve().parents[1]


@st.composite
def jobs(draw):
    bins = [{"width": draw(st.integers(30, 90)), "height": draw(st.integers(30, 90))}
            for _ in range(draw(st.integers(2, 4)))]
    for b in bins:
        if draw(st.booleans()):
            b["cost"] = draw(st.integers(1, 60))
        if draw(st.booleans()):
            b["count"] = draw(st.integers(1, 4))
    items = [{"width": draw(st.integers(1, 28)), "height": draw(st.integers(1, 28)), "count": draw(st.integers(1, 4)),
              "rotation": draw(st.sampled_from([None, False, True]))} for _ in range(draw(st.integers(1, 7)))]
    for it in items:
        if it["rotation"] is None:
            del it["rotation"]
    data = {"bins": bins, "items": items, "kerf": draw(st.integers(0, 2)), "trim": draw(st.integers(0, 2)),
            "allow_rotation": draw(st.booleans())}
    if draw(st.booleans()):
        data["guillotine"] = {"stages": draw(st.sampled_from([2, 3])), "exact": draw(st.booleans()),
                              "first_cut": draw(st.sampled_from(["horizontal", "vertical", "any"]))}
    try:
        return parse_cutting(data)
    except InstanceError:
        assume(False)


@settings(max_examples=60, deadline=None)
@given(jobs(), st.integers(0, 3))
def test_cheaper_sheets_keep_the_rules_and_never_cost_more(job, seed):
    try:
        plan = shelf_plan(job)
    except StockExhausted:
        return
    better = cheaper_sheets(job, plan, seed=seed)
    assert check_cutting_plan(job, better) == []
    assert plan_cost(job, better) <= plan_cost(job, plan)
    assert sorted(p["item"] for s in better for p in s["items"]) == list(range(job.n))


@settings(max_examples=40, deadline=None)
@given(jobs(), st.integers(0, 3))
def test_the_sheet_by_sheet_plan_is_checked_or_absent(job, seed):
    plan = sheet_by_sheet(job, seed=seed)
    if plan is not None:
        assert check_cutting_plan(job, plan) == []


def test_a_big_sheet_whose_pieces_fit_a_small_one_moves_to_it():
    job = parse_cutting({"bins": [{"width": 100, "height": 100}, {"width": 40, "height": 30}],
                         "items": [{"width": 20, "height": 30, "count": 2}]})
    plan = [{"stock": 0, "items": [{"item": 0, "x": 0, "y": 0, "width": 20, "height": 30, "rotated": False},
                                   {"item": 1, "x": 20, "y": 0, "width": 20, "height": 30, "rotated": False}]}]
    better = cheaper_sheets(job, plan)
    assert [s["stock"] for s in better] == [1] and plan_cost(job, better) == 1200.0


def test_one_sheet_splits_into_two_cheaper_ones_and_two_merge_into_one():
    # the four 50x40 pieces fill the 100x100 sheet to 80 %; two 50x80 sheets (cost 4000 each) hold them
    job = parse_cutting({"bins": [{"width": 100, "height": 100}, {"width": 50, "height": 80}],
                         "items": [{"width": 50, "height": 40, "count": 4}]})
    one = [{"stock": 0, "items": [{"item": i, "x": 50 * (i % 2), "y": 40 * (i // 2), "width": 50, "height": 40,
                                   "rotated": False} for i in range(4)]}]
    split = cheaper_sheets(job, one)
    assert sorted(s["stock"] for s in split) == [1, 1] and plan_cost(job, split) == 8000.0
    # three pieces on three big sheets go onto one big sheet (cheaper than the three together)
    job = parse_cutting({"bins": [{"width": 100, "height": 100}, {"width": 10, "height": 10, "cost": 1e6}],
                         "items": [{"width": 50, "height": 40, "count": 3}]})
    three = [{"stock": 0, "items": [{"item": i, "x": 0, "y": 0, "width": 50, "height": 40, "rotated": False}]}
             for i in range(3)]
    assert plan_cost(job, cheaper_sheets(job, three)) == 10000.0


def test_limited_stock_is_never_overdrawn():
    job = parse_cutting({"bins": [{"width": 100, "height": 100}, {"width": 40, "height": 30, "count": 1}],
                         "items": [{"width": 20, "height": 30, "count": 2}, {"width": 90, "height": 90}]})
    plan = [{"stock": 0, "items": [{"item": 0, "x": 0, "y": 0, "width": 20, "height": 30, "rotated": False}]},
            {"stock": 0, "items": [{"item": 1, "x": 0, "y": 0, "width": 20, "height": 30, "rotated": False}]},
            {"stock": 0, "items": [{"item": 2, "x": 0, "y": 0, "width": 90, "height": 90, "rotated": False}]}]
    better = cheaper_sheets(job, plan)
    assert check_cutting_plan(job, better) == []
    assert sum(s["stock"] == 1 for s in better) <= 1


def test_variable_sized_jobs_convert_with_the_sheet_priced_at_its_area(tmp_path):
    folder = tmp_path / "data" / "rectangle"
    (folder / "pisinger2005").mkdir(parents=True)
    raw = folder / "pisinger2005"
    (raw / "MB_C6_10_bins.csv").write_text("ID,WIDTH,HEIGHT,COST\n0,300,300,90000\n1,249,267,61779\n")
    (raw / "MB_C6_10_items.csv").write_text("ID,WIDTH,HEIGHT\n0,100,50\n1,100,50\n2,30,20\n")
    (folder / "data_variable_sized_bin_packing_oriented_pisinger2005.csv").write_text(
        "Path,Best known solution value,Best known bound,Wei2013 / Solution value\n"
        "pisinger2005/MB_C6_10,66483,66000,66483\n")
    out = tmp_path / "out"
    script = ROOT / "benchmarks" / "variable_sized_data.py"
    subprocess.run([sys.executable, str(script), "--packingsolver", str(tmp_path), "--out", str(out)],
                   check=True, capture_output=True)
    data = json.loads((out / "instances" / "MB_C6_10.json").read_text())
    inst = CuttingInstance(parse_cutting(data))
    assert CUTTING_PLANS.instance_class(inst) == "6" and inst.job.n == 3
    assert [s.unit_cost for s in inst.job.stock] == [90000.0, 249 * 267]
    assert (out / "reference.csv").read_text().splitlines()[1] == "MB_C6_10,6,3,66483,66000,66483"
