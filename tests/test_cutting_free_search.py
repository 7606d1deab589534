"""Ruin and recreate on free-placement jobs with several stock types: sheets bought within the budget.

A state never holds sheets dearer than its budget nor more sheets of a type than are in stock,
keeps its number of slots, and every complete state is a plan the independent checker accepts;
the search swaps a sheet for a cheaper type where one holds the pieces, also on a job of one
sheet, which the default method searches too.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
from nnopt.problems.binpack2d._cutting_free import free_placement
from nnopt.problems.binpack2d._cutting_free_kernels import recreate_sheets
from nnopt.problems.binpack2d._cutting_instance import CuttingInstance
from nnopt.problems.binpack2d._cutting_problem import CUTTING_PLANS, CuttingPlan, generate_cutting
from nnopt.problems.binpack2d._cutting_search import ruin_state, search_context
from nnopt.problems.binpack2d._cutting_spec import parse_cutting
from nnopt.solver._budget import Budget
from nnopt.solver.portfolio import portfolio
from nnopt.solver.ruin_recreate import ruin_recreate


def _free_jobs(count: int, n: int = 20) -> list[CuttingInstance]:
    """The first ``count`` generated jobs that place freely on several stock types."""
    found, seed = [], 0
    while len(found) < count:
        job = generate_cutting(seed, n=n)
        if free_placement(job) and len(job.stock) > 1:
            found.append(CuttingInstance(job))
        seed += 1
    return found


def _small_sheet_job(**extra) -> CuttingInstance:
    """Four 20 x 20 pieces; a 100 x 100 sheet and a 50 x 50 one that holds them all (each sheet costs its area)."""
    return CuttingInstance(parse_cutting({
        "problem": "binpack2d", "name": "small-sheet",
        "bins": [{"width": 100, "height": 100}, {"width": 50, "height": 50}],
        "items": [{"width": 20, "height": 20, "count": 4}], **extra}))


@pytest.mark.parametrize("inst", _free_jobs(6), ids=lambda inst: inst.job.name)
def test_a_state_stays_within_its_budget_and_stock(inst):
    job = inst.job
    ctx = search_context(job)
    rng = np.random.default_rng(1)
    start = CUTTING_PLANS.fallback_plan(inst)
    state = CUTTING_PLANS.tighten(inst, CUTTING_PLANS.search_state(inst, start))
    assert state is not None and state.budget < CUTTING_PLANS.objective(inst, start)
    slots = state.L
    complete = 0
    for _ in range(60):
        held = np.flatnonzero(state.stock >= 0)
        parts = rng.choice(held, size=int(rng.integers(1, min(2, len(held)) + 1)), replace=False)
        cand = CUTTING_PLANS.ruin(inst, state, parts, rng)
        CUTTING_PLANS.recreate(inst, cand, rng)
        kept = cand.stock[cand.stock >= 0]
        assert cand.L == slots
        assert float(ctx.unit[kept].sum()) <= cand.budget + 1e-6
        used = Counter(int(t) for t in kept)
        assert all(s.count is None or used[t] <= s.count for t, s in enumerate(job.stock))
        assert set(np.unique(cand.ib[cand.ib >= 0]).tolist()) <= set(np.flatnonzero(cand.stock >= 0).tolist())
        if CUTTING_PLANS.state_cost(inst, cand)[0] == 0:
            plan = CUTTING_PLANS.state_solution(inst, cand)
            assert plan is not None and check_cutting_plan(job, plan.sheets) == []
            assert CUTTING_PLANS.objective(inst, plan) < CUTTING_PLANS.objective(inst, start)
            complete += 1
        if CUTTING_PLANS.state_cost(inst, cand) <= CUTTING_PLANS.state_cost(inst, state):
            state = cand
    found = ruin_recreate(CUTTING_PLANS, inst, Budget(max_evals=100), seed=2)
    assert check_cutting_plan(job, found.solution.sheets) == []
    assert found.objective <= CUTTING_PLANS.objective(inst, start)


@pytest.mark.parametrize("extra", [{}, {"kerf": 2, "trim": 1}])
def test_the_search_buys_the_smaller_sheet_that_holds_the_pieces(extra):
    inst = _small_sheet_job(**extra)
    x0, y0, _, _ = inst.job.usable(0)
    big = CuttingPlan([{"stock": 0, "items": [
        {"item": i, "x": x0 + 25 * i, "y": y0, "width": 20, "height": 20, "rotated": False} for i in range(4)]}])
    assert check_cutting_plan(inst.job, big.sheets) == []
    found = ruin_recreate(CUTTING_PLANS, inst, Budget(max_evals=200), seed=0, start=big)
    assert [s["stock"] for s in found.solution.sheets] == [1]
    assert found.objective == 2500
    assert check_cutting_plan(inst.job, found.solution.sheets) == []


@pytest.mark.parametrize("guillotine", [None, {"stages": 2, "exact": False, "first_cut": "any"}])
def test_the_default_method_searches_a_job_of_one_sheet_where_it_buys_sheets(guillotine):
    data = {"bins": [{"width": 100, "height": 100}, {"width": 50, "height": 50}],
            "items": [{"width": 20, "height": 20, "count": 4}, {"width": 30, "height": 30}]}
    inst = CuttingInstance(parse_cutting({**data, **({"guillotine": guillotine} if guillotine else {})}))
    assert CUTTING_PLANS.lower_bound(inst) < CUTTING_PLANS.objective(inst, CUTTING_PLANS.fallback_plan(inst))
    found = portfolio(CUTTING_PLANS, inst, Budget(max_evals=400), seed=0, polish=False)
    assert check_cutting_plan(inst.job, found.solution.sheets) == []
    searched = guillotine is None  # free placement on two types: ruin and recreate runs on one sheet too
    assert ("moves" in found.info) is searched
    assert bool(found.info.get("few_components")) is not searched


def test_only_free_jobs_with_several_stock_types_search_few_sheets():
    one_type = CuttingInstance(parse_cutting({"bins": [{"width": 50, "height": 50}],
                                              "items": [{"width": 20, "height": 20, "count": 4}], "kerf": 1}))
    staged = _small_sheet_job(guillotine={"stages": 2, "exact": False, "first_cut": "any"})
    assert not CUTTING_PLANS.searches_few_components(one_type)
    assert not CUTTING_PLANS.searches_few_components(staged)
    assert CUTTING_PLANS.searches_few_components(_small_sheet_job())


def test_without_money_or_an_empty_slot_pieces_stay_out():
    inst = _small_sheet_job()
    ctx = search_context(inst.job)
    n = inst.job.n
    ib = np.full(n, -1, dtype=np.int64)
    stock = np.array([-1, -1], dtype=np.int64)
    zeros = [np.zeros(n, dtype=np.int64) for _ in range(2)]
    left, room = recreate_sheets(ctx.w, ctx.h, ctx.can_turn.astype(np.uint8), ctx.uw, ctx.uh, ctx.unit,
                                 np.array([-1, -1], dtype=np.int64), stock, ib, *zeros, np.zeros(n, dtype=np.uint8),
                                 2499.0, 0, 0.3, 0.0, 0.3, 4, False)
    assert (ib == -1).all() and left == 1600 and room == 2499.0 and (stock == -1).all()
    left, room = recreate_sheets(ctx.w, ctx.h, ctx.can_turn.astype(np.uint8), ctx.uw, ctx.uh, ctx.unit,
                                 np.array([-1, -1], dtype=np.int64), stock, ib, *zeros, np.zeros(n, dtype=np.uint8),
                                 2500.0, 0, 0.3, 0.0, 0.3, 4, False)
    assert left == 0 and room == 0.0 and stock.tolist() == [1, -1] and (ib == 0).all()


def test_a_window_ruin_takes_pieces_of_the_chosen_sheet_only():
    inst = _free_jobs(1, n=40)[0]
    state = CUTTING_PLANS.search_state(inst, CUTTING_PLANS.fallback_plan(inst))
    rng = np.random.default_rng(0)
    partial = 0
    for _ in range(30):
        held = np.flatnonzero(state.stock >= 0)
        slot = int(rng.choice(held))
        new = ruin_state(inst.job, state, np.array([slot]), rng)
        out = (new.ib < 0) & (state.ib >= 0)
        assert out.any() and (state.ib[out] == slot).all()
        if (new.ib == slot).any():
            partial += 1
            assert new.stock[slot] == state.stock[slot]
        else:
            assert new.stock[slot] == -1
    assert 0 < partial < 30
