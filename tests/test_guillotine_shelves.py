"""The shelf constructor: its plans pass the independent checker under every rule set, and it
picks the stock that costs least per piece area."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan, cut_sequence
from nnopt.problems.binpack2d._cutting_spec import parse_cutting
from nnopt.problems.binpack2d._guillotine_shelves import StockExhausted, plan_cost, shelf_plan


@st.composite
def jobs(draw):
    trim = draw(st.one_of(st.integers(0, 5), st.fixed_dictionaries(
        {k: st.integers(0, 5) for k in ("left", "right", "bottom", "top")})))
    bins = []
    for _ in range(draw(st.integers(1, 3))):
        b = {"width": draw(st.integers(40, 120)), "height": draw(st.integers(40, 120))}
        if draw(st.booleans()):
            b["cost"] = draw(st.integers(1, 50))
        bins.append(b)
    items = []
    for _ in range(draw(st.integers(1, 12))):
        item = {"width": draw(st.integers(1, 30)), "height": draw(st.integers(1, 30)),
                "count": draw(st.integers(1, 4))}
        flag = draw(st.sampled_from([None, True, False]))
        if flag is not None:
            item["rotation"] = flag
        items.append(item)
    data = {"bins": bins, "items": items, "allow_rotation": draw(st.booleans()),
            "kerf": draw(st.integers(0, 4)), "trim": trim}
    stages = draw(st.sampled_from([None, 2, 3, 4, "unlimited"]))
    if stages is not None:
        data["guillotine"] = {"stages": stages, "exact": draw(st.booleans()),
                              "first_cut": draw(st.sampled_from(["horizontal", "vertical", "any"]))}
    return parse_cutting(data)


@given(jobs())
def test_shelf_plans_pass_the_checker(job):
    plan = shelf_plan(job)
    assert check_cutting_plan(job, plan) == []
    if job.guillotine is not None:
        cuts = cut_sequence(job, plan)
        assert {c.sheet for c in cuts} <= set(range(len(plan)))


def test_the_cheaper_stock_per_area_is_chosen():
    data = {"bins": [{"width": 100, "height": 100, "cost": 50, "name": "dear"},
                     {"width": 100, "height": 100, "cost": 30, "name": "cheap"}],
            "items": [{"width": 40, "height": 40, "count": 3}], "guillotine": {"stages": 3}}
    job = parse_cutting(data)
    plan = shelf_plan(job)
    assert [s["stock"] for s in plan] == [1] and plan_cost(job, plan) == 30


def test_limited_stock_is_respected_then_the_next_type_is_used():
    data = {"bins": [{"width": 50, "height": 50, "cost": 1, "count": 1}, {"width": 50, "height": 50, "cost": 5}],
            "items": [{"width": 50, "height": 50, "count": 3}], "guillotine": {"stages": 2, "exact": True}}
    job = parse_cutting(data)
    plan = shelf_plan(job)
    assert sorted(s["stock"] for s in plan) == [0, 1, 1] and check_cutting_plan(job, plan) == []
    assert plan_cost(job, plan) == 11


def test_one_type_without_cost_counts_sheets():
    job = parse_cutting({"bin": {"width": 10, "height": 10}, "items": [{"width": 5, "height": 10, "count": 3}],
                         "kerf": 0})
    plan = shelf_plan(job)
    assert plan_cost(job, plan) == len(plan) == 2


def test_running_out_of_stock_says_so():
    # A kerf of 1 leaves room for one 5x5 piece on a 10x10 sheet (5 + 1 + 5 > 10).
    data = {"bins": [{"width": 10, "height": 10, "count": 1}], "items": [{"width": 5, "height": 5, "count": 4}],
            "kerf": 1}
    with pytest.raises(StockExhausted, match=r"the stock ran out with 3 piece\(s\) left"):
        shelf_plan(parse_cutting(data))


def test_vertical_first_builds_columns():
    data = {"bin": {"width": 30, "height": 10}, "items": [{"width": 10, "height": 10},
                                                          {"width": 10, "height": 4, "count": 2}],
            "guillotine": {"stages": 2, "first_cut": "vertical"}}
    job = parse_cutting(data)
    plan = shelf_plan(job)
    assert check_cutting_plan(job, plan) == []
    assert all(c.orientation == "vertical" for c in cut_sequence(job, plan) if c.stage == 1)


def test_the_kitchen_example_from_csv_to_a_checked_plan_and_its_cuts(repo):
    from nnopt.problems.binpack2d._cutlist_csv import read_cut_list

    folder = repo / "examples" / "kitchen"
    data = read_cut_list(folder / "pieces.csv", folder / "stock.csv", allow_rotation=True, kerf=4, trim=10,
                         guillotine={"stages": 3, "exact": False, "first_cut": "horizontal"})
    job = parse_cutting(data, "pieces.csv")
    assert [s.count for s in job.stock] == [3, None] and job.n == 27
    assert not job.can_rotate(0) and job.can_rotate(2)
    plan = shelf_plan(job)
    assert check_cutting_plan(job, plan) == []
    cuts = cut_sequence(job, plan)
    assert {c.sheet for c in cuts} == set(range(len(plan)))
    assert all(c.orientation == "horizontal" for c in cuts if c.stage in (1, 3))
    assert max(c.stage for c in cuts) <= 4
