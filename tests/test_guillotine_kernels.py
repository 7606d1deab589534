"""The guillotine decoders: every plan they make is accepted by the independent checker,
batches equal rows decoded alone, the kernel equals its readable twin."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
from nnopt.problems.binpack2d._cutting_spec import parse_cutting
from nnopt.problems.binpack2d._guillotine_decode import (
    CUTTING_DECODERS,
    cutting_modes,
    decode_cutting,
    sorted_cutting_keys,
)
from nnopt.problems.binpack2d._guillotine_reference import greedy_plan_python


@st.composite
def jobs(draw, first_cuts=("horizontal", "vertical", "any")):
    """A valid cutting job: 1-3 stock types (the first unlimited or with a sheet per piece, so that
    a plan always exists), pieces that fit the first type after trims, random cutting rules."""
    trim = draw(st.integers(0, 3))
    kerf = draw(st.integers(0, 3))
    W, H = draw(st.integers(8, 40)), draw(st.integers(8, 40))
    kinds = draw(st.integers(1, 6))
    pieces = []
    n = 0
    for _ in range(kinds):
        c = draw(st.integers(1, 4))
        n += c
        piece = {"width": draw(st.integers(1, W - 2 * trim)), "height": draw(st.integers(1, H - 2 * trim)),
                 "count": c}
        flag = draw(st.sampled_from([None, True, False]))
        if flag is not None:
            piece["rotation"] = flag
        pieces.append(piece)
    bins = [{"width": W, "height": H}]
    if draw(st.booleans()):
        bins[0]["count"] = n
    for _ in range(draw(st.integers(0, 2))):
        extra = {"width": draw(st.integers(2 * trim + 1, 50)), "height": draw(st.integers(2 * trim + 1, 50))}
        if draw(st.booleans()):
            extra["count"] = draw(st.integers(0, 3))
        if draw(st.booleans()):
            extra["cost"] = draw(st.integers(1, 3000))
        bins.append(extra)
    if len(bins) > 1 and draw(st.booleans()):
        bins[0]["cost"] = draw(st.integers(1, 3000))
    stages = draw(st.sampled_from([2, 3, 4, "unlimited", None]))
    data = {"bins": bins, "items": pieces, "allow_rotation": draw(st.booleans()), "kerf": kerf, "trim": trim}
    if stages is not None:
        data["guillotine"] = {"stages": stages, "exact": draw(st.booleans()),
                              "first_cut": draw(st.sampled_from(first_cuts))}
    return parse_cutting(data)


def _keys(job, rows, seed):
    return np.random.default_rng(seed).random((rows, 2 * job.n))


@settings(max_examples=150, deadline=None)
@given(jobs(), st.sampled_from(sorted(CUTTING_DECODERS)), st.booleans(), st.integers(0, 2**31))
def test_every_decoded_plan_is_accepted_by_the_checker(job, decoder, both, seed):
    X = np.vstack([_keys(job, 3, seed), sorted_cutting_keys(job)])
    batch = decode_cutting(job, X, decoder, both)
    assert (batch.sheets >= 1).all()  # the first type always suffices
    for r in range(len(X)):
        plan = batch.plan(r)
        assert check_cutting_plan(job, plan) == []
        assert len(plan) == batch.sheets[r]
        unit = [1.0 if job.counts_sheets else s.unit_cost for s in job.stock]
        assert batch.cost[r] == pytest.approx(sum(unit[s["stock"]] for s in plan))


@settings(max_examples=60, deadline=None)
@given(jobs(), st.sampled_from(sorted(CUTTING_DECODERS)), st.booleans(), st.integers(0, 2**31))
def test_a_batch_decodes_as_its_rows_alone_and_again_the_same(job, decoder, both, seed):
    X = _keys(job, 4, seed)
    batch = decode_cutting(job, X, decoder, both)
    again = decode_cutting(job, X, decoder, both)
    for r in range(len(X)):
        alone = decode_cutting(job, X[r:r + 1], decoder, both)
        assert alone.plan(0) == batch.plan(r) == again.plan(r)
        assert alone.cost[0] == batch.cost[r]


@settings(max_examples=150, deadline=None)
@given(jobs(first_cuts=("horizontal",)), st.sampled_from(["first-fit", "best-fit"]), st.booleans(),
       st.integers(0, 2**31))
def test_the_kernel_decides_as_its_python_twin(job, decoder, both, seed):
    X = _keys(job, 2, seed)
    batch = decode_cutting(job, X, decoder, both)
    pw, ph, can_turn = (a.tolist() for a in job.item_arrays())
    usable = [job.usable(t) for t in range(len(job.stock))]
    sw = [x1 - x0 for x0, _, x1, _ in usable]
    sh = [y1 - y0 for _, y0, _, y1 in usable]
    unit = [1.0 if job.counts_sheets else s.unit_cost for s in job.stock]
    count = [-1 if s.count is None else s.count for s in job.stock]
    stacking, exact = cutting_modes(job)
    for r in range(len(X)):
        order = np.argsort(X[r, :job.n], kind="stable").tolist()
        turned = (X[r, job.n:] >= 0.5).astype(int).tolist()
        m, kinds, placed = greedy_plan_python(pw, ph, can_turn, order, turned, sw, sh, unit, count, job.kerf,
                                              stacking, exact, decoder == "best-fit", both)
        assert m == batch.sheets[r]
        assert kinds == batch.stock[r, :m].tolist()
        got = [(int(batch.sheet[r, i]), int(batch.x[r, i]) - job.trim.left, int(batch.y[r, i]) - job.trim.bottom,
                bool(batch.rotated[r, i])) for i in range(job.n)]
        assert got == placed


def _job(**extra):
    data = {"bin": {"width": 10, "height": 10}, "items": [{"width": 5, "height": 5, "count": 4}]}
    data.update(extra)
    return parse_cutting(data)


@pytest.mark.parametrize("decoder", sorted(CUTTING_DECODERS))
def test_four_quarters_fill_one_sheet_in_two_and_three_stages(decoder):
    for stages in (2, 3):
        job = _job(guillotine={"stages": stages, "exact": True, "first_cut": "vertical"})
        batch = decode_cutting(job, _keys(job, 5, 1), decoder)
        assert batch.sheets.tolist() == [1] * 5 and batch.cost.tolist() == [1.0] * 5


def test_a_stack_holds_several_pieces_only_with_three_stages():
    # a 10-tall strip opened by a 10x10 piece, then 4x5 pieces: three stages stack two of them
    data = {"bin": {"width": 14, "height": 10},
            "items": [{"width": 10, "height": 10}, {"width": 4, "height": 5, "count": 2}]}
    order = np.array([[0.1, 0.2, 0.3]])
    three = parse_cutting({**data, "guillotine": {"stages": 3, "exact": False, "first_cut": "horizontal"}})
    two = parse_cutting({**data, "guillotine": {"stages": 2, "exact": False, "first_cut": "horizontal"}})
    assert decode_cutting(three, order, "first-fit").sheets[0] == 1
    assert decode_cutting(two, order, "first-fit").sheets[0] == 2


def test_best_fit_fills_the_tighter_strip():
    # strips of height 6 and 9 are open (in two sheets); a 3-tall piece goes to the strip it fits best
    data = {"bin": {"width": 10, "height": 10},
            "items": [{"width": 7, "height": 9}, {"width": 7, "height": 6}, {"width": 3, "height": 6}],
            "guillotine": {"stages": 2, "exact": False, "first_cut": "horizontal"}}
    job = parse_cutting(data)
    X = np.array([[0.1, 0.2, 0.3]])
    assert decode_cutting(job, X, "first-fit").sheet[0, 2] == 0
    assert decode_cutting(job, X, "best-fit").sheet[0, 2] == 1


def test_pieces_go_to_the_cheaper_stock_and_sheets_shrink_to_it():
    data = {"bins": [{"width": 20, "height": 20, "cost": 100}, {"width": 10, "height": 10, "cost": 10}],
            "items": [{"width": 15, "height": 15}, {"width": 5, "height": 5}],
            "guillotine": {"stages": 3, "exact": False, "first_cut": "horizontal"}}
    job = parse_cutting(data)
    batch = decode_cutting(job, np.array([[0.1, 0.2], [0.2, 0.1]]), "best-fit")
    # 15x15 first: one big sheet holds both; 5x5 first: a small sheet for it, a big one for the other
    assert batch.cost.tolist() == [100.0, 110.0]
    # the big sheet is the cheaper per area and also per sheet: it is opened and kept
    small = parse_cutting({**data, "items": [{"width": 5, "height": 5, "count": 3}],
                           "bins": [{"width": 20, "height": 20, "cost": 1}, {"width": 10, "height": 10, "cost": 2}]})
    assert decode_cutting(small, np.array([[0.1, 0.2, 0.3]])).cost.tolist() == [1.0]


def test_a_sheet_moves_to_a_cheaper_type_that_still_holds_it():
    # per area the big sheet is cheapest, but the one piece fits the small sheet, which costs less in all
    data = {"bins": [{"width": 20, "height": 20, "cost": 10}, {"width": 6, "height": 6, "cost": 9}],
            "items": [{"width": 5, "height": 5}],
            "guillotine": {"stages": 3, "exact": False, "first_cut": "horizontal"}}
    job = parse_cutting(data)
    for decoder in CUTTING_DECODERS:
        batch = decode_cutting(job, np.array([[0.5]]), decoder)
        assert batch.stock[0, 0] == 1 and batch.cost[0] == 9.0
        assert check_cutting_plan(job, batch.plan(0)) == []


def test_running_out_of_stock_is_a_row_without_plan():
    data = {"bins": [{"width": 10, "height": 10, "count": 2}],
            "items": [{"width": 6, "height": 6}, {"width": 6, "height": 2}, {"width": 2, "height": 6, "count": 2}],
            "guillotine": {"stages": 2, "exact": True, "first_cut": "horizontal"}}
    job = parse_cutting(data)
    # exact two stages: 6x6 opens a strip of height 6; 6x2 cannot join it and opens a second strip above;
    # the 2x6 pieces join the first strip
    ok = decode_cutting(job, np.array([[0.1, 0.2, 0.3, 0.4]]), "first-fit")
    assert ok.sheets[0] == 1 and check_cutting_plan(job, ok.plan(0)) == []
    # three 6x6 pieces need a sheet each, and only two are in stock
    tight = parse_cutting({**data, "items": [{"width": 6, "height": 6, "count": 3}]})
    batch = decode_cutting(tight, np.array([[0.1, 0.2, 0.3]]), "best-fit")
    assert batch.sheets[0] == -1 and batch.cost[0] == np.inf
    with pytest.raises(ValueError, match="ran out of stock"):
        batch.plan(0)


def test_bad_keys_and_decoder_names_are_refused():
    job = _job()
    with pytest.raises(ValueError, match=r"shape \(B, 4\) or \(B, 8\)"):
        decode_cutting(job, np.zeros((2, 5)))
    with pytest.raises(ValueError, match="finite"):
        decode_cutting(job, np.full((1, 4), np.nan))
    with pytest.raises(ValueError, match="unknown cutting decoder 'nope'"):
        decode_cutting(job, np.zeros((1, 4)), "nope")


def test_orientation_keys_turn_pieces_that_may_turn_only():
    data = {"bin": {"width": 10, "height": 10}, "allow_rotation": True,
            "items": [{"width": 4, "height": 2}, {"width": 4, "height": 2, "rotation": False}],
            "guillotine": {"stages": 3, "exact": False, "first_cut": "horizontal"}}
    job = parse_cutting(data)
    batch = decode_cutting(job, np.array([[0.1, 0.2, 0.9, 0.9], [0.1, 0.2, 0.1, 0.1]]), "first-fit")
    assert batch.rotated.tolist() == [[True, False], [False, False]]
    assert (batch.width[0].tolist(), batch.height[0].tolist()) == ([2, 4], [4, 2])


def test_a_stack_grows_wider_only_in_the_widening_rules():
    # 3x10 fills the height; 4x5 opens the next stack; 6x3 fits above it only if the stack widens to 6
    data = {"bin": {"width": 10, "height": 10},
            "items": [{"width": 3, "height": 10}, {"width": 4, "height": 5}, {"width": 6, "height": 3}],
            "guillotine": {"stages": 3, "exact": False, "first_cut": "horizontal"}}
    job = parse_cutting(data)
    X = np.array([[0.1, 0.2, 0.3]])
    for decoder, sheets in (("fill-area", 2), ("strips", 2), ("fill-widen", 1), ("strips-widen", 1)):
        batch = decode_cutting(job, X, decoder)
        assert batch.sheets[0] == sheets, decoder
        assert check_cutting_plan(job, batch.plan(0)) == []
    # exact cuts keep every stack as wide as its pieces: no widening
    exact = parse_cutting({**data, "guillotine": {"stages": 3, "exact": True, "first_cut": "horizontal"}})
    assert decode_cutting(exact, X, "fill-widen").sheets[0] == 2


def test_the_knapsack_rules_choose_a_strips_stacks_together():
    # after 4x5 opens the strip, 6 units of width are left: the largest area fitting them is 3x5 + 3x5
    # (30), which greedy by area misses by taking 4x4 (16) first
    data = {"bin": {"width": 10, "height": 5},
            "items": [{"width": 4, "height": 5}, {"width": 4, "height": 4}, {"width": 3, "height": 5},
                      {"width": 3, "height": 5}],
            "guillotine": {"stages": 2, "exact": False, "first_cut": "horizontal"}}
    job = parse_cutting(data)
    X = np.array([[0.1, 0.2, 0.3, 0.4]])
    for decoder in ("knapsack", "strips-knapsack"):
        batch = decode_cutting(job, X, decoder)
        assert batch.sheet[0].tolist() == [0, 1, 0, 0], decoder
        assert check_cutting_plan(job, batch.plan(0)) == []
    assert decode_cutting(job, X, "fill-area").sheet[0].tolist() == [0, 0, 1, 1]


def test_the_search_cost_counts_the_emptiest_sheet_by_its_fill():
    # 6x6 and 6x6 need two 10x10 sheets; the second holds 36 of 100: 1.36 sheets
    job = _job(items=[{"width": 6, "height": 6, "count": 2}])
    batch = decode_cutting(job, np.array([[0.1, 0.2]]), "first-fit")
    assert batch.search_cost() == pytest.approx([1.36])
    # with costs: the emptiest sheet, by the share of its trimmed area, counts at that share of its price
    priced = parse_cutting({"bins": [{"width": 12, "height": 12, "cost": 50, "count": 1},
                                     {"width": 10, "height": 10, "cost": 40}],
                            "items": [{"width": 9, "height": 9}, {"width": 8, "height": 8}], "trim": 1,
                            "guillotine": {"stages": 3, "exact": False, "first_cut": "horizontal"}})
    batch = decode_cutting(priced, np.array([[0.1, 0.2]]), "first-fit")
    plan = batch.plan(0)
    assert check_cutting_plan(priced, plan) == []
    shares = []
    for s in plan:
        x0, y0, x1, y1 = priced.usable(s["stock"])
        shares.append((sum(p["width"] * p["height"] for p in s["items"]) / ((x1 - x0) * (y1 - y0)), s["stock"]))
    share, kind = min(shares)
    assert batch.search_cost()[0] == pytest.approx(batch.cost[0] - (1 - share) * priced.stock[kind].unit_cost)
    out = decode_cutting(parse_cutting({"bins": [{"width": 10, "height": 10, "count": 1}],
                                        "items": [{"width": 6, "height": 6, "count": 2}]}), np.array([[0.1, 0.2]]))
    assert out.sheets[0] == -1 and out.search_cost()[0] == np.inf
