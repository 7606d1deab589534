"""The cutting-plan checker: it accepts plans cut by construction, rejects each single corruption,
agrees with a brute-force search over guillotine cuts, and its cut sequences replay."""
from __future__ import annotations

from functools import cache

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nnopt.problems.binpack2d._cutting_checker import (
    CUT_COLUMNS,
    Cut,
    check_cutting_plan,
    cut_sequence,
    cut_sequence_csv,
)
from nnopt.problems.binpack2d._cutting_spec import parse_cutting

# --- plans cut by construction ---------------------------------------------------
# A random guillotine pattern is grown top down: stage d splits each region into
# slabs along its axis (kerf apart, sometimes with waste between), the last stage's
# slabs hold a piece (the whole slab for exact cuts; anchored at one end along the
# next axis, for non-exact cuts) or waste. The job is then read off the plan.

AXIS = {"vertical": 0, "horizontal": 1}
OTHER = {"vertical": "horizontal", "horizontal": "vertical"}


def _range(region, axis, lo, hi):
    x0, y0, x1, y1 = region
    return (lo, y0, hi, y1) if axis == 0 else (x0, lo, x1, hi)


def _grow(draw, region, stage, orient, stages, exact, kerf, out):
    if stage > stages:
        if not draw(st.integers(0, 7)):
            return  # waste
        a = AXIS[orient]  # the trimming cut's axis
        lo, hi = region[a], region[a + 2]
        if not exact and hi - lo > 1 and draw(st.booleans()):
            size = draw(st.integers(1, hi - lo))
            lo, hi = (lo, lo + size) if draw(st.booleans()) else (hi - size, hi)
        out.append(_range(region, a, lo, hi))
        return
    a = AXIS[orient]
    start, end = region[a], region[a + 2]
    pos = start + draw(st.sampled_from([0, 0, 0, 1, 2]))
    for _ in range(draw(st.integers(1, 3))):
        if pos >= end:
            break
        size = draw(st.integers(1, end - pos))
        _grow(draw, _range(region, a, pos, pos + size), stage + 1, OTHER[orient], stages, exact, kerf, out)
        pos += size + kerf + draw(st.sampled_from([0, 0, 1, 3]))


@st.composite
def cut_plans(draw, stages=None, first=None, max_pieces=None):
    """``(job data, plan, first orientation)``: a plan cut by construction and the job read off it."""
    stages = draw(st.sampled_from([2, 3])) if stages is None else stages
    exact = draw(st.booleans())
    first = draw(st.sampled_from(["horizontal", "vertical"])) if first is None else first
    kerf = draw(st.integers(0, 3))
    trim = [draw(st.integers(0, 3)) for _ in range(4)]
    sizes = [(draw(st.integers(8, 40)), draw(st.integers(8, 40))) for _ in range(2)]
    allow = draw(st.booleans())
    bins = [{"width": w + trim[0] + trim[1], "height": h + trim[2] + trim[3]} for w, h in sizes]
    plan, items = [], []
    for _ in range(draw(st.integers(1, 3))):
        s = draw(st.integers(0, 1))
        usable = (trim[0], trim[2], bins[s]["width"] - trim[1], bins[s]["height"] - trim[3])
        rects: list = []
        _grow(draw, usable, 1, first, stages, exact, kerf, rects)
        if not rects:
            continue
        rows = []
        for x0, y0, x1, y1 in rects:
            w, h = x1 - x0, y1 - y0
            turned = draw(st.booleans()) and w != h
            item = {"width": h, "height": w} if turned else {"width": w, "height": h}
            flag = draw(st.sampled_from([None, True, False]))
            if turned and not allow:
                flag = True
            if turned and flag is False:
                flag = True
            if flag is not None:
                item["rotation"] = flag
            rows.append({"item": len(items), "x": x0, "y": y0, "width": w, "height": h, "rotated": turned})
            items.append(item)
        plan.append({"stock": s, "items": rows})
    assume(items and (max_pieces is None or max(len(s["items"]) for s in plan) <= max_pieces))
    used = [sum(sh["stock"] == s for sh in plan) for s in range(2)]
    for s in range(2):
        if draw(st.booleans()):
            bins[s]["count"] = used[s] + draw(st.integers(0, 1))
        if draw(st.booleans()):
            bins[s]["cost"] = draw(st.integers(1, 99))
    if all("count" in b for b in bins) and used[0] + used[1] == 0:
        bins[0]["count"] = 1
    data = {"bins": bins, "items": items, "allow_rotation": allow,
            "guillotine": {"stages": stages, "exact": exact, "first_cut": draw(st.sampled_from([first, "any"]))},
            "kerf": kerf, "trim": {"left": trim[0], "right": trim[1], "bottom": trim[2], "top": trim[3]}}
    return data, plan, first


def _job(data):
    try:
        return parse_cutting(data)
    except Exception as exc:  # a corrupted job may itself be refused (e.g. not enough stock area)
        assume(False)
        raise AssertionError from exc


@given(cut_plans())
def test_plans_cut_by_construction_are_accepted(case):
    data, plan, _ = case
    assert check_cutting_plan(_job(data), plan) == []
    free = dict(data)
    del free["guillotine"]
    assert check_cutting_plan(_job(free), plan) == []  # a guillotine plan keeps the kerf between pieces


@given(cut_plans(), st.data())
def test_a_piece_moved_onto_another_is_rejected(case, data_):
    data, plan, _ = case
    sheets = [s for s in plan if len(s["items"]) > 1]
    assume(sheets)
    sheet = data_.draw(st.sampled_from(sheets))
    a, b = data_.draw(st.permutations(sheet["items"]))[:2]
    a["x"], a["y"] = b["x"], b["y"]
    problems = check_cutting_plan(_job(data), plan)
    assert problems and any(("overlap" in p or "apart" in p or "outside" in p) for p in problems), problems


@given(cut_plans(), st.data())
def test_a_piece_pushed_into_the_trim_is_rejected(case, data_):
    data, plan, _ = case
    sheet = data_.draw(st.sampled_from(plan))
    row = data_.draw(st.sampled_from(sheet["items"]))
    job = _job(data)
    ux0, uy0, ux1, uy1 = job.usable(sheet["stock"])
    edge = data_.draw(st.sampled_from(["left", "right", "bottom", "top"]))
    if edge == "left":
        row["x"] = ux0 - 1
    elif edge == "right":
        row["x"] = ux1 - row["width"] + 1
    elif edge == "bottom":
        row["y"] = uy0 - 1
    else:
        row["y"] = uy1 - row["height"] + 1
    problems = check_cutting_plan(job, plan)
    assert any(f"item {row['item']} at ({row['x']},{row['y']})" in p and "outside the trimmed sheet" in p
               for p in problems), problems


@given(cut_plans(), st.data())
def test_a_stock_count_exceeded_is_rejected(case, data_):
    data, plan, _ = case
    used = [sum(sh["stock"] == s for sh in plan) for s in range(2)]
    s = data_.draw(st.sampled_from([s for s in range(2) if used[s]]))
    data["bins"][s]["count"] = used[s] - 1
    data["bins"][1 - s].pop("count", None)  # the other type unlimited, so that the job stays valid
    problems = check_cutting_plan(_job(data), plan)
    assert f"stock {s}: {used[s]} sheets used, but only {used[s] - 1} in stock" in problems


@given(cut_plans(), st.data())
def test_a_piece_turned_against_its_flag_is_rejected(case, data_):
    data, plan, _ = case
    sheet = data_.draw(st.sampled_from(plan))
    row = data_.draw(st.sampled_from(sheet["items"]))
    item = data["items"][row["item"]]
    if not row["rotated"]:  # same place and size, now read as the turned piece
        item["width"], item["height"] = row["height"], row["width"]
        row["rotated"] = True
    item["rotation"] = False
    problems = check_cutting_plan(_job(data), plan)
    assert any(f"item {row['item']} (items[{row['item']}]) is rotated but may not turn" in p for p in problems)


@given(cut_plans(), st.data())
def test_a_wrong_size_or_an_item_twice_or_missing_is_rejected(case, data_):
    data, plan, _ = case
    job = _job(data)
    sheet = data_.draw(st.sampled_from(plan))
    row = data_.draw(st.sampled_from(sheet["items"]))
    how = data_.draw(st.sampled_from(["grow", "twice", "drop"]))
    if how == "grow":
        row["width"] += 1
        assert any(f"item {row['item']} placed as" in p for p in check_cutting_plan(job, plan))
    elif how == "twice":
        sheet["items"].append(dict(row))
        assert f"item {row['item']}: placed 2 times" in check_cutting_plan(job, plan)
    else:
        sheet["items"].remove(row)
        problems = check_cutting_plan(job, plan)
        assert problems and (str(row["item"]) in problems[0] or "holds no piece" in problems[0]), problems


# --- the guillotine verdict against a brute-force search -------------------------

def brute_cuttable(region, rects, stages, exact, first, kerf):
    """Whether ``rects`` can be cut out of ``region``: every cut position at every stage tried (slow)."""
    @cache
    def go(region, pieces, stage, orient, idle):
        if not pieces:
            return True
        a = AXIS[orient]
        if stages is not None and stage > stages:
            if len(pieces) > 1:
                return False
            (p,) = pieces
            o = 1 - a
            if (p[o], p[o + 2]) != (region[o], region[o + 2]):
                return False
            return (p[a] > region[a]) + (p[a + 2] < region[a + 2]) <= (0 if exact else 1)
        if stages is None and len(pieces) == 1:
            return True
        key_stage = stage if stages is not None else 0
        if not (idle and stages is None) and go(region, pieces, key_stage + 1 if stages else 0, OTHER[orient], True):
            return True  # no (more) cut at this stage
        start, end = region[a], region[a + 2]
        for c in sorted({p[a + 2] for p in pieces} | {p[a] - kerf for p in pieces}):
            if not (c < end and c + kerf > start):
                continue  # the cut would not touch the region
            if any(p[a] < c + kerf and p[a + 2] > c for p in pieces):
                continue  # the blade would cut a piece
            low = frozenset(p for p in pieces if p[a + 2] <= c)
            high = pieces - low
            parts = []
            if c > start:
                parts.append((_range(region, a, start, c), low))
            elif low:
                continue
            if c + kerf < end:
                parts.append((_range(region, a, c + kerf, end), high))
            elif high:
                continue
            if all(go(r, ps, stage, orient, False) for r, ps in parts):
                return True
        return False

    firsts = ["horizontal", "vertical"] if first == "any" else [first]
    return any(go(region, frozenset(rects), 1, f, False) for f in firsts)


@settings(max_examples=150)
@given(cut_plans(max_pieces=6), st.sampled_from([2, 3, "unlimited"]), st.booleans(),
       st.sampled_from(["horizontal", "vertical", "any"]))
def test_the_guillotine_verdict_matches_brute_force(case, stages, exact, first):
    data, plan, _ = case
    data["guillotine"] = {"stages": stages, "exact": exact, "first_cut": first}
    job = _job(data)
    got = check_cutting_plan(job, plan)
    assert not [p for p in got if "not cuttable" not in p]  # only the cutting rules changed
    for s, sheet in enumerate(plan):
        rects = [(r["x"], r["y"], r["x"] + r["width"], r["y"] + r["height"]) for r in sheet["items"]]
        expected = brute_cuttable(job.usable(sheet["stock"]), rects, None if stages == "unlimited" else stages,
                                  exact, first, job.kerf)
        mine = [p for p in got if p.startswith(f"sheet {s}: not cuttable")]
        assert (not mine) == expected, (mine, expected, sheet)


def test_a_plan_needing_three_stages_is_refused_at_two():
    # First cut horizontal: a tall piece spans the sheet's height, so no first-stage cut is
    # possible, and the two pieces stacked beside it need a third stage.
    data = {"bins": [{"width": 30, "height": 20}], "items": [{"width": 10, "height": 20},
                                                             {"width": 10, "height": 8}, {"width": 10, "height": 12}],
            "guillotine": {"stages": 3, "exact": False, "first_cut": "horizontal"}}
    plan = [{"stock": 0, "items": [{"item": 0, "x": 0, "y": 0, "width": 10, "height": 20, "rotated": False},
                                   {"item": 1, "x": 10, "y": 0, "width": 10, "height": 8, "rotated": False},
                                   {"item": 2, "x": 10, "y": 8, "width": 10, "height": 12, "rotated": False}]}]
    assert check_cutting_plan(parse_cutting(data), plan) == []
    data["guillotine"]["stages"] = 2
    (problem,) = check_cutting_plan(parse_cutting(data), plan)
    assert problem == ("sheet 0: not cuttable with 2 stages: items 1, 2 in region [10,20]x[0,20] are still "
                       "together after 2 stages (first cut horizontal)")
    data["guillotine"]["first_cut"] = "vertical"  # columns first: two stages suffice
    assert check_cutting_plan(parse_cutting(data), plan) == []


def test_packingsolver_vertical_first_example():
    """The geometry of PackingSolver's ``bin_packing_3nvo`` test solution: first-stage cuts are vertical lines.

    A 20x20 bin; a 10x20 piece left of x = 10, and right of it a 10x10 piece under
    two 5x10 pieces. Three non-exact stages cut it vertical first, not horizontal first.
    """
    data = {"bins": [{"width": 20, "height": 20, "count": 10}],
            "items": [{"width": 10, "height": 20}, {"width": 5, "height": 10, "count": 2},
                      {"width": 10, "height": 10}],
            "guillotine": {"stages": 3, "exact": False, "first_cut": "vertical"}}
    rows = [(0, 0, 0, 10, 20), (3, 10, 0, 10, 10), (1, 10, 10, 5, 10), (2, 15, 10, 5, 10)]
    plan = [{"stock": 0, "items": [{"item": i, "x": x, "y": y, "width": w, "height": h, "rotated": False}
                                   for i, x, y, w, h in rows]}]
    job = parse_cutting(data)
    assert check_cutting_plan(job, plan) == []
    assert cut_sequence(job, plan) == [Cut(0, 1, "vertical", 10, 0, 0, 20, 20),
                                       Cut(0, 2, "horizontal", 10, 10, 0, 20, 20),
                                       Cut(0, 3, "vertical", 15, 10, 10, 20, 20)]
    assert cut_sequence_csv(cut_sequence(job, plan)) == (
        "sheet,stage,orientation,position,x0,y0,x1,y1\n0,1,vertical,10,0,0,20,20\n"
        "0,2,horizontal,10,10,0,20,20\n0,3,vertical,15,10,10,20,20\n")
    data["guillotine"]["first_cut"] = "horizontal"
    (problem,) = check_cutting_plan(parse_cutting(data), plan)
    assert "after 3 stages (first cut horizontal)" in problem
    data["guillotine"]["stages"] = "unlimited"
    assert check_cutting_plan(parse_cutting(data), plan) == []


def test_kerf_between_pieces_is_required_in_both_models():
    data = {"bins": [{"width": 21, "height": 10}], "items": [{"width": 10, "height": 10, "count": 2}], "kerf": 2}
    plan = [{"stock": 0, "items": [{"item": 0, "x": 0, "y": 0, "width": 10, "height": 10, "rotated": False},
                                   {"item": 1, "x": 11, "y": 0, "width": 10, "height": 10, "rotated": False}]}]
    (problem,) = check_cutting_plan(parse_cutting(data), plan)
    assert problem == "sheet 0: items 0 at (0,0) and 1 at (11,0) are less than the kerf 2 apart"
    data["kerf"] = 1
    assert check_cutting_plan(parse_cutting(data), plan) == []
    data["guillotine"] = {"stages": 2}
    job = parse_cutting(data)
    assert check_cutting_plan(job, plan) == []
    assert cut_sequence(job, plan) == [Cut(0, 1, "vertical", 10, 0, 0, 21, 10)]


def test_malformed_plans_are_reported_not_raised():
    job = parse_cutting({"bin": {"width": 5, "height": 5}, "items": [{"width": 5, "height": 5}]})
    assert check_cutting_plan(job, {"stock": 0}) == ["the plan must be a list of sheets, got dict"]
    assert check_cutting_plan(job, [{"stock": 3, "items": [{"item": 0}]}])[:2] == [
        "sheet 0: stock 3 is no stock type (the job has 0..0)",
        "sheet 0 placement 0: must have exactly the keys height, item, rotated, width, x, y"]
    assert check_cutting_plan(job, [{"stock": 0, "items": []}, {"stock": 0, "items": [
        {"item": 0, "x": 0, "y": 0, "width": 5, "height": 5, "rotated": False}]}]) == ["sheet 0: holds no piece"]
    bad_type = [{"stock": 0, "items": [{"item": 0, "x": 0.0, "y": 0, "width": 5, "height": 5, "rotated": 0}]}]
    assert "must be integers" in check_cutting_plan(job, bad_type)[0]


# --- the cut sequence replays ------------------------------------------------------

def replay(job, plan, cuts):
    """Apply ``cuts`` in order to the trimmed sheets; return the final regions of each sheet."""
    g = job.guillotine
    regions = [{job.usable(s["stock"])} for s in plan]
    orient_of_stage: list[dict] = [{} for _ in plan]
    for cut in cuts:
        assert tuple(cut) == tuple(getattr(cut, c) for c in CUT_COLUMNS)
        region = (cut.x0, cut.y0, cut.x1, cut.y1)
        assert region in regions[cut.sheet], f"{cut} splits no region left by the cuts before it"
        limit = None if g.stages is None else g.stages + (0 if g.exact else 1)
        assert limit is None or 1 <= cut.stage <= limit
        seen = orient_of_stage[cut.sheet]
        assert seen.setdefault(cut.stage, cut.orientation) == cut.orientation
        if cut.stage - 1 in seen:
            assert seen[cut.stage - 1] != cut.orientation
        if cut.stage == 1 and g.first_cut != "any":
            assert cut.orientation == g.first_cut
        a = AXIS[cut.orientation]
        start, end = region[a], region[a + 2]
        c, k = cut.position, job.kerf
        assert c < end and c + k > start
        for p in plan[cut.sheet]["items"]:
            r = (p["x"], p["y"], p["x"] + p["width"], p["y"] + p["height"])
            inside = all(region[i] <= r[i] and r[i + 2] <= region[i + 2] for i in (0, 1))
            if inside:
                assert r[a + 2] <= c or r[a] >= c + k, f"{cut} cuts item {p['item']}"
        regions[cut.sheet].remove(region)
        if c > start:
            regions[cut.sheet].add(_range(region, a, start, c))
        if c + k < end:
            regions[cut.sheet].add(_range(region, a, c + k, end))
    return regions


@given(cut_plans())
def test_the_cut_sequence_replays_to_one_piece_per_region(case):
    data, plan, _ = case
    job = _job(data)
    cuts = cut_sequence(job, plan)
    finals = replay(job, plan, cuts)
    for sheet, final in zip(plan, finals):
        rects = {(p["x"], p["y"], p["x"] + p["width"], p["y"] + p["height"]) for p in sheet["items"]}
        assert rects <= final  # every piece is a region of its own
        for r in final - rects:  # the rest is waste: no piece overlaps it
            assert not any(p[0] < r[2] and r[0] < p[2] and p[1] < r[3] and r[1] < p[3] for p in rects)


def test_free_placement_has_no_cut_sequence():
    job = parse_cutting({"bin": {"width": 5, "height": 5}, "items": [{"width": 5, "height": 5}]})
    with pytest.raises(ValueError, match="free placement"):
        cut_sequence(job, [])


@st.composite
def loose_layouts(draw):
    """A few pieces dropped at random on a small sheet, kept where they clear the others by the kerf."""
    kerf = draw(st.integers(0, 2))
    trim = draw(st.integers(0, 2))
    width, height = draw(st.integers(6, 16)), draw(st.integers(6, 16))
    x0, y0, x1, y1 = trim, trim, width - trim, height - trim
    rects: list = []
    for _ in range(draw(st.integers(3, 10))):
        w, h = draw(st.integers(1, (x1 - x0 + 1) // 2)), draw(st.integers(1, (y1 - y0 + 1) // 2))
        x, y = draw(st.integers(x0, x1 - w)), draw(st.integers(y0, y1 - h))
        if all(x >= r[2] + kerf or r[0] >= x + w + kerf or y >= r[3] + kerf or r[1] >= y + h + kerf for r in rects):
            rects.append((x, y, x + w, y + h))
    data = {"bins": [{"width": width, "height": height}], "kerf": kerf, "trim": trim,
            "items": [{"width": r[2] - r[0], "height": r[3] - r[1]} for r in rects]}
    plan = [{"stock": 0, "items": [{"item": i, "x": r[0], "y": r[1], "width": r[2] - r[0], "height": r[3] - r[1],
                                    "rotated": False} for i, r in enumerate(rects)]}]
    return data, plan, rects


@settings(max_examples=200)
@given(loose_layouts(), st.sampled_from([2, 3, 4, "unlimited"]), st.booleans(),
       st.sampled_from(["horizontal", "vertical", "any"]))
def test_loose_layouts_verdict_matches_brute_force(case, stages, exact, first):
    data, plan, rects = case
    assert check_cutting_plan(parse_cutting(data), plan) == []  # free placement: all clear
    data["guillotine"] = {"stages": stages, "exact": exact, "first_cut": first}
    job = parse_cutting(data)
    got = check_cutting_plan(job, plan)
    expected = brute_cuttable(job.usable(0), rects, None if stages == "unlimited" else stages, exact, first, job.kerf)
    assert (got == []) == expected, (got, expected)
    if expected:  # and what it accepts, it can cut
        replay(job, plan, cut_sequence(job, plan))


def test_a_pinwheel_is_no_guillotine_plan_however_many_stages():
    rects = [(0, 0, 2, 1), (2, 0, 3, 2), (1, 2, 3, 3), (0, 1, 1, 3), (1, 1, 2, 2)]
    data = {"bins": [{"width": 3, "height": 3}],
            "items": [{"width": r[2] - r[0], "height": r[3] - r[1]} for r in rects],
            "guillotine": {"stages": "unlimited"}}
    plan = [{"stock": 0, "items": [{"item": i, "x": r[0], "y": r[1], "width": r[2] - r[0], "height": r[3] - r[1],
                                    "rotated": False} for i, r in enumerate(rects)]}]
    (problem,) = check_cutting_plan(parse_cutting(data), plan)
    assert "items 0, 1, 2, 3, 4 in region [0,3]x[0,3] cannot be separated by any guillotine cut" in problem
    del data["guillotine"]
    assert check_cutting_plan(parse_cutting(data), plan) == []


@pytest.mark.parametrize("exact, y, ok", [(True, 0, False), (False, 0, True), (False, 1, False), (True, None, True)])
def test_exact_cuts_leave_no_waste_beside_a_piece(exact, y, ok):
    # Two stages, strips first: a 6x4 strip holding a 4x4 piece and a 2x4 piece, or a 2x2 piece
    # at height y (one trimming cut when it touches the strip's floor, two when it floats).
    small = (2, 4) if y is None else (2, 2)
    data = {"bins": [{"width": 6, "height": 4}], "items": [{"width": 4, "height": 4},
                                                          {"width": small[0], "height": small[1]}],
            "guillotine": {"stages": 2, "exact": exact, "first_cut": "horizontal"}}
    plan = [{"stock": 0, "items": [{"item": 0, "x": 0, "y": 0, "width": 4, "height": 4, "rotated": False},
                                   {"item": 1, "x": 4, "y": y or 0, "width": small[0], "height": small[1],
                                    "rotated": False}]}]
    assert (check_cutting_plan(parse_cutting(data), plan) == []) == ok


# Placements from solutions PackingSolver ships with its test instances
# (data/rectangleguillotine/tests/NAME/solution.csv in fontanf/packingsolver): the plans
# its solver found under the same rules. Each is accepted; where the rules are tightened
# (one stage fewer, the other first cut), the verdict is what the geometry says.
PACKINGSOLVER_SOLUTIONS = [
    # name, sheet, trim, kerf, stages, exact, first cut, placements, [(changed rules, still feasible)]
    ("knapsack_3evo_soft_trims_cut_thickness", (40, 30), 5, 1, 3, True, "vertical",
     [(5, 5, 29, 9), (5, 15, 28, 9)], [({"stages": 2}, False), ({"first_cut": "horizontal"}, True)]),
    ("knapsack_2nvo_trims", (20, 15), {"left": 2, "right": 3, "bottom": 2, "top": 3}, 0, 2, False, "vertical",
     [(2, 2, 5, 7), (2, 9, 4, 3), (7, 2, 10, 6), (7, 8, 9, 4)], [({"first_cut": "horizontal"}, False),
                                                                 ({"exact": True}, False)]),
    ("knapsack_uo_cut_thickness", (21, 5), 0, 1, "unlimited", False, "any",
     [(0, 0, 10, 5), (11, 0, 10, 5)], [({"stages": 2, "exact": True}, True)]),
    ("knapsack_3nvo", (16, 12), 0, 0, 3, False, "vertical",
     [(0, 0, 5, 2), (5, 0, 5, 2), (0, 2, 2, 5), (2, 2, 2, 5), (4, 2, 2, 5), (6, 2, 2, 5), (8, 2, 2, 5), (0, 7, 2, 5),
      (2, 7, 2, 5), (4, 7, 2, 5), (6, 7, 2, 5), (10, 0, 6, 6), (10, 6, 3, 3), (13, 6, 3, 3), (10, 9, 3, 3)],
     [({"stages": 2}, False), ({"first_cut": "horizontal"}, False), ({"stages": 4, "first_cut": "horizontal"}, True)]),
    ("knapsack_2nho", (10, 15), 0, 0, 2, False, "horizontal",
     [(0, 0, 7, 5), (7, 0, 3, 4), (0, 5, 6, 10), (6, 5, 4, 9)], [({"first_cut": "vertical"}, False)]),
]


@pytest.mark.parametrize("name, sheet, trim, kerf, stages, exact, first, rects, variants", PACKINGSOLVER_SOLUTIONS,
                         ids=[case[0] for case in PACKINGSOLVER_SOLUTIONS])
def test_packingsolver_solutions_are_accepted(name, sheet, trim, kerf, stages, exact, first, rects, variants):
    rules = {"stages": stages, "exact": exact, "first_cut": first}
    data = {"name": name, "bins": [{"width": sheet[0], "height": sheet[1]}], "kerf": kerf, "trim": trim,
            "items": [{"width": w, "height": h} for _, _, w, h in rects], "guillotine": rules}
    plan = [{"stock": 0, "items": [{"item": i, "x": x, "y": y, "width": w, "height": h, "rotated": False}
                                   for i, (x, y, w, h) in enumerate(rects)]}]
    job = parse_cutting(data)
    assert check_cutting_plan(job, plan) == []
    replay(job, plan, cut_sequence(job, plan))
    for change, feasible in variants:
        job = parse_cutting(dict(data, guillotine={**rules, **change}))
        assert (check_cutting_plan(job, plan) == []) == feasible, change
        assert feasible == brute_cuttable(job.usable(0), [(x, y, x + w, y + h) for x, y, w, h in rects],
                                          job.guillotine.stages, job.guillotine.exact, job.guillotine.first_cut, kerf)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 30) | st.floats(allow_nan=True) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12)
placement_like = st.fixed_dictionaries(
    {k: st.one_of(st.integers(-2, 12), json_values) for k in ("item", "x", "y", "width", "height")}
).map(lambda d: {**d, "rotated": False})
sheet_like = st.fixed_dictionaries({"stock": st.one_of(st.integers(-1, 2), json_values),
                                    "items": st.one_of(st.lists(placement_like, max_size=4), json_values)})


@given(st.one_of(json_values, st.lists(sheet_like, max_size=3)), st.sampled_from([None, 2, "unlimited"]))
def test_any_json_plan_gets_lines_not_exceptions(plan, stages):
    data = {"bins": [{"width": 12, "height": 12}, {"width": 6, "height": 6, "count": 1}],
            "items": [{"width": 3, "height": 4, "count": 3}], "kerf": 1}
    if stages is not None:
        data["guillotine"] = {"stages": stages}
    problems = check_cutting_plan(parse_cutting(data), plan)
    assert all(isinstance(p, str) and "\n" not in p for p in problems)
