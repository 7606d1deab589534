"""The area bound of cutting jobs: never above a feasible plan's cost, and tight where it should be."""
from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nnopt.problems.base import InstanceError
from nnopt.problems.binpack2d._cutting_bounds import area_bound, cutting_bound, sheet_capacity, sheet_count_bound
from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
from nnopt.problems.binpack2d._cutting_spec import parse_cutting
from nnopt.problems.binpack2d._guillotine_shelves import StockExhausted, plan_cost, shelf_plan


@st.composite
def jobs(draw):
    bins = []
    for _ in range(draw(st.integers(1, 3))):
        b = {"width": draw(st.integers(30, 90)), "height": draw(st.integers(30, 90))}
        if draw(st.booleans()):
            b["cost"] = draw(st.one_of(st.integers(1, 60), st.floats(0.5, 60)))
        if draw(st.booleans()):
            b["count"] = draw(st.integers(0, 6))
        bins.append(b)
    if all(b.get("count") == 0 for b in bins):
        bins[0]["count"] = 1
    items = [{"width": draw(st.integers(1, 24)), "height": draw(st.integers(1, 24)), "count": draw(st.integers(1, 5))}
             for _ in range(draw(st.integers(1, 8)))]
    data = {"bins": bins, "items": items, "kerf": draw(st.integers(0, 3)), "trim": draw(st.integers(0, 3)),
            "allow_rotation": draw(st.booleans())}
    if draw(st.booleans()):
        data["guillotine"] = {"stages": draw(st.sampled_from([2, 3, "unlimited"]))}
    try:
        return parse_cutting(data)
    except InstanceError:  # limited stock too small for the pieces' area: not a job
        assume(False)


@given(jobs())
def test_the_bound_never_exceeds_a_checked_plan(job):
    bound = area_bound(job)
    try:
        plan = shelf_plan(job)
    except StockExhausted:
        return
    assert check_cutting_plan(job, plan) == []
    assert bound <= plan_cost(job, plan) + 1e-9 * plan_cost(job, plan)


@given(jobs())
def test_the_best_bound_never_exceeds_a_checked_plan_and_never_falls_below_the_area_bound(job):
    bound = cutting_bound(job)
    assert bound >= area_bound(job)
    try:
        plan = shelf_plan(job)
    except StockExhausted:
        return
    assert bound <= plan_cost(job, plan) + 1e-9 * plan_cost(job, plan)


def test_the_classic_bounds_see_pieces_that_cannot_share_a_sheet_once_grown_by_the_kerf():
    # 5x5 pieces in the 10x10 left by trims of 1: with a kerf of 1, 5 + 1 + 5 > 10, so each needs its own
    # sheet; grown to 6x6 in 11x11 every pair conflicts, which the area bound (2 sheets) cannot see
    job = parse_cutting({"bins": [{"width": 12, "height": 12}], "items": [{"width": 5, "height": 5, "count": 4}],
                         "trim": 1, "kerf": 1})
    assert area_bound(job) == 2.0
    assert sheet_count_bound(job) == 4 and cutting_bound(job) == 4.0
    assert shelf_plan(job) and plan_cost(job, shelf_plan(job)) == 4.0


def test_a_priced_single_type_pays_for_the_counted_sheets_and_too_few_in_stock_is_no_plan():
    data = {"bins": [{"width": 12, "height": 12, "cost": 2.5}], "items": [{"width": 5, "height": 5, "count": 4}],
            "trim": 1, "kerf": 1}
    assert cutting_bound(parse_cutting(data)) == pytest.approx(4 * 2.5)
    data["bins"][0]["count"] = 3  # the area bound alone would let three sheets through
    assert area_bound(parse_cutting(data)) <= 3 * 2.5 and math.isinf(cutting_bound(parse_cutting(data)))


def test_classic_jobs_get_the_area_bound():
    job = parse_cutting({"bin": {"width": 10, "height": 10}, "items": [{"width": 5, "height": 5, "count": 5}]})
    assert area_bound(job) == 2.0


def test_kerf_and_trims_grow_the_pieces_and_shrink_the_sheet():
    # four 5x5 pieces fill the 10x10 left by a trim of 1; with a kerf of 1 only one fits (5 + 1 + 5 > 10),
    # and the bound, counting 6x6 per piece in 11x11, sees two sheets
    data = {"bins": [{"width": 12, "height": 12}], "items": [{"width": 5, "height": 5, "count": 4}], "trim": 1}
    assert area_bound(parse_cutting(data)) == 1.0
    data["kerf"] = 1
    job = parse_cutting(data)
    assert sheet_capacity(job, 0) == 11 * 11 and area_bound(job) == math.ceil(4 * 36 / 121)


def test_costs_pick_the_cheapest_capacity_first_within_counts():
    data = {"bins": [{"width": 10, "height": 10, "cost": 1, "count": 1},  # 0.01 per unit area, one in stock
                     {"width": 10, "height": 10, "cost": 3}],
            "items": [{"width": 10, "height": 5, "count": 3}]}  # area 150: one cheap sheet and half a dear one
    assert area_bound(parse_cutting(data)) == math.ceil(1 + 1.5) == 3.0
    data["bins"][1]["cost"] = 2.5  # not whole: no rounding
    assert area_bound(parse_cutting(data)) == pytest.approx(1 + 1.25)


def test_a_sheet_without_cost_costs_its_area():
    job = parse_cutting({"bins": [{"width": 10, "height": 10}, {"width": 20, "height": 20, "cost": 1000}],
                         "items": [{"width": 10, "height": 10, "count": 2}]})
    assert area_bound(job) == 200.0
