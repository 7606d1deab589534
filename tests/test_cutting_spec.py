"""Cutting jobs: every field validated with one line naming it, and JSON round trips."""
from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnopt.problems.base import InstanceError
from nnopt.problems.binpack2d import parse_instance
from nnopt.problems.binpack2d._cutting_spec import (
    CuttingJob,
    Guillotine,
    PieceType,
    StockType,
    Trim,
    classic_json,
    cutting_to_json,
    parse_cutting,
)

KITCHEN = {
    "problem": "binpack2d", "name": "kitchen",
    "bins": [{"width": 2800, "height": 2070, "cost": 48.5, "count": 6, "name": "oak 19"},
             {"width": 2440, "height": 1220, "cost": 21.0}],
    "items": [{"width": 720, "height": 560, "count": 4, "rotation": False, "name": "side"},
              {"width": 560, "height": 300, "count": 8}],
    "allow_rotation": True,
    "guillotine": {"stages": 3, "exact": False, "first_cut": "any"},
    "kerf": 4,
    "trim": {"left": 10, "right": 10, "bottom": 10, "top": 10},
}


def kitchen() -> dict:
    return copy.deepcopy(KITCHEN)


def test_the_kitchen_example_reads_field_by_field():
    job = parse_cutting(kitchen(), "kitchen.json")
    assert job.stock == (StockType(2800, 2070, 48.5, 6, "oak 19"), StockType(2440, 1220, 21.0, None, None))
    assert job.pieces == (PieceType(720, 560, 4, False, "side"), PieceType(560, 300, 8, None, None))
    assert job.guillotine == Guillotine(3, False, "any")
    assert (job.kerf, job.trim) == (4, Trim(10, 10, 10, 10))
    assert job.n == 12 and job.piece_of_item() == [0] * 4 + [1] * 8
    widths, heights, turns = job.item_arrays()
    assert widths.tolist() == [720] * 4 + [560] * 8 and heights.tolist() == [560] * 4 + [300] * 8
    assert turns.tolist() == [False] * 4 + [True] * 8 and not widths.flags.writeable
    assert not job.can_rotate(0) and job.can_rotate(1)  # the item's own flag wins over allow_rotation
    assert job.usable(1) == (10, 10, 2430, 1210)
    assert not job.counts_sheets
    assert job.stock[1].unit_cost == 21.0


def test_classic_form_stays_valid_and_counts_sheets():
    job = parse_cutting({"bin": {"width": 10, "height": 8}, "items": [{"width": 3, "height": 4, "count": 2}]})
    assert job.classic_bin and job.counts_sheets and job.guillotine is None and job.kerf == 0
    assert job.stock[0].unit_cost == 80.0
    assert cutting_to_json(job)["bin"] == {"width": 10, "height": 8}


@pytest.mark.parametrize("extra, classic", [
    ({}, True), ({"kerf": 0, "trim": 0, "allow_rotation": True}, True), ({"kerf": 1}, False), ({"trim": 2}, False),
    ({"guillotine": {"stages": 2}}, False), ({"bins": [{"width": 10, "height": 8}]}, True),
    ({"bins": [{"width": 10, "height": 8, "count": 3}]}, False),
    ({"bins": [{"width": 10, "height": 8, "cost": 1}]}, False),
])
def test_classic_jobs_write_the_classic_instance(extra, classic):
    data = {"bin": {"width": 10, "height": 8}, "items": [{"width": 3, "height": 4, "count": 2}], **extra}
    if "bins" in data:
        del data["bin"]
    job = parse_cutting(data)
    assert job.is_classic == classic
    if classic:
        inst = parse_instance(classic_json(job))
        assert (inst.bin_width, inst.bin_height, inst.item_types, inst.allow_rotation) == (
            10, 8, ((3, 4, 2),), job.allow_rotation)
    else:
        with pytest.raises(ValueError, match="beyond the classic form"):
            classic_json(job)
    data["items"][0]["rotation"] = True
    assert not parse_cutting(data).is_classic


def test_a_type_without_cost_costs_its_area_beside_priced_types():
    data = kitchen()
    del data["bins"][1]["cost"]
    job = parse_cutting(data)
    assert job.stock[1].unit_cost == 2440 * 1220 and not job.counts_sheets


def _set(path: str, value):
    """A mutation setting ``path`` (dotted, with list indices) of the kitchen example to ``value``."""
    def mutate(d):
        *head, last = path.split(".")
        for key in head:
            d = d[int(key)] if key.isdigit() else d[key]
        d[int(last) if last.isdigit() else last] = value
    return mutate


def _drop(path: str):
    def mutate(d):
        *head, last = path.split(".")
        for key in head:
            d = d[int(key)] if key.isdigit() else d[key]
        del d[last]
    return mutate


BAD = [
    (_set("kerf", -1), "field 'kerf' must be a non-negative integer, got -1"),
    (_set("kerf", 2.5), "field 'kerf' must be a non-negative integer, got 2.5"),
    (_set("kerf", True), "field 'kerf' must be a non-negative integer, got True"),
    (_set("kerf", "4"), "field 'kerf' must be a non-negative integer, got '4'"),
    (_set("guillotine.stages", 1), "guillotine.stages must be an integer from 2 to 1000 or \"unlimited\", got 1"),
    (_set("guillotine.stages", "three"), "guillotine.stages must be an integer from 2"),
    (_set("guillotine.stages", True), "guillotine.stages must be an integer from 2"),
    (_drop("guillotine.stages"), "missing field 'guillotine.stages'"),
    (_set("guillotine.first_cut", "diagonal"), "guillotine.first_cut must be \"horizontal\", \"vertical\" or "
                                               "\"any\", got 'diagonal'"),
    (_set("guillotine.first_cut", ["any"]), "guillotine.first_cut must be"),
    (_set("guillotine.exact", "no"), "guillotine.exact must be true or false, got 'no'"),
    (_set("guillotine.depth", 2), "unknown key 'depth' in 'guillotine'"),
    (_set("guillotine", 3), "field 'guillotine' must be an object, got 3"),
    (_set("bins.0.count", 0), None),  # one type out of stock is fine; every type is not (below)
    (_set("bins", [{"width": 10, "height": 10, "count": 0}]), "every stock type in 'bins' has count 0"),
    (_set("bins.0.count", -2), "bins[0].count must be a non-negative integer, got -2"),
    (_set("bins.1.cost", 0), "bins[1].cost must be positive, got 0"),
    (_set("bins.1.cost", float("nan")), "bins[1].cost must be a finite number, got nan"),
    (_set("bins.1.cost", "cheap"), "bins[1].cost must be a number, got 'cheap'"),
    (_set("bins.1.width", float("nan")), "bins[1].width must be a positive integer, got nan"),
    (_set("bins.1.height", True), "bins[1].height must be a positive integer, got True"),
    (_set("bins.1.colour", "red"), "unknown key 'colour' in bins[1]"),
    (_set("bins.1.name", 7), "bins[1].name must be a string, got 7"),
    (_drop("bins.0.width"), "missing field 'bins[0].width'"),
    (_set("bins", []), "field 'bins' is empty"),
    (_set("bin", {"width": 5, "height": 5}), "the instance has both 'bin' and 'bins'"),
    (_drop("bins"), "the instance has neither 'bin' nor 'bins'"),
    (_set("items.1.width", "wide"), "items[1].width must be a positive integer, got 'wide'"),
    (_set("items.1.width", 0), "items[1].width must be a positive integer, got 0"),
    (_set("items.0.height", float("inf")), "items[0].height must be a positive integer, got inf"),
    (_set("items.0.height", False), "items[0].height must be a positive integer, got False"),
    (_set("items.0.count", 0), "items[0].count must be a positive integer, got 0"),
    (_set("items.0.rotation", 1), "items[0].rotation must be true or false, got 1"),
    (_set("items.0.grain", "x"), "unknown key 'grain' in items[0]"),
    (_set("items", []), "field 'items' is empty"),
    (_set("allow_rotation", "yes"), "field 'allow_rotation' must be true or false, got 'yes'"),
    (_set("trim", -3), "field 'trim' must be a non-negative integer, got -3"),
    (_set("trim.left", 1.5), "trim.left must be a non-negative integer, got 1.5"),
    (_set("trim.middle", 1), "unknown key 'middle' in 'trim'"),
    (_set("trim", [10]), "field 'trim' must be a non-negative integer or an object"),
    (_set("trim", 700), "trims 700+700 x 700+700 leave nothing of the 2440x1220 sheet of bins[1]"),
    (_set("colour", "red"), "unknown key 'colour' in the instance"),
    (_set("problem", "tsp"), "field 'problem' is 'tsp', expected 'binpack2d'"),
    # a piece that fits no sheet after trims names the piece, by name where it has one
    (_set("items.0.width", 2790), "items[0] ('side') of size 2790x560 fits no stock sheet after trims unturned"),
    (_set("items.1.width", 2790), "items[1] of size 2790x300 fits no stock sheet after trims in either orientation"),
]


@pytest.mark.parametrize("mutate, fragment", BAD)
def test_each_bad_field_gives_one_line_naming_it(mutate, fragment):
    data = kitchen()
    mutate(data)
    if fragment is None:
        parse_cutting(data, "kitchen.json")
        return
    with pytest.raises(InstanceError) as info:
        parse_cutting(data, "kitchen.json")
    text = str(info.value)
    assert "\n" not in text and text.startswith("kitchen.json: ")
    assert fragment in text, text


def test_a_piece_fitting_only_an_empty_stock_type_is_refused():
    data = kitchen()
    data["bins"][0]["count"] = 0  # the big sheet is out of stock
    data["items"][1]["width"] = 2500  # fits only the big sheet, even turned
    with pytest.raises(InstanceError, match=r"items\[1\] of size 2500x300 fits no stock sheet"):
        parse_cutting(data)


def test_trims_decide_fit_to_the_unit():
    data = {"bins": [{"width": 100, "height": 50}], "items": [{"width": 80, "height": 30}], "trim": 10}
    parse_cutting(data)
    data["items"][0]["width"] = 81
    with pytest.raises(InstanceError, match="fits no stock sheet after trims"):
        parse_cutting(data)


def test_limited_stock_too_small_for_the_pieces_area():
    data = {"bins": [{"width": 10, "height": 10, "count": 1}], "items": [{"width": 6, "height": 6, "count": 3}]}
    with pytest.raises(InstanceError, match="area 108 exceeds the usable area 100"):
        parse_cutting(data)


def test_integral_floats_read_as_integers():
    data = kitchen()
    data["kerf"] = 4.0
    data["items"][0]["width"] = 720.0
    job = parse_cutting(data)
    assert job.kerf == 4 and isinstance(job.kerf, int) and job.pieces[0].width == 720


# --- round trips ---------------------------------------------------------------

names = st.one_of(st.none(), st.text(max_size=12))
stock_types = st.builds(StockType, st.integers(60, 500), st.integers(60, 500),
                        st.one_of(st.none(), st.integers(1, 10**6).map(float), st.floats(0.5, 1e6)),
                        st.one_of(st.none(), st.integers(1, 50)), names)
piece_types = st.builds(PieceType, st.integers(1, 40), st.integers(1, 40), st.integers(1, 30),
                        st.one_of(st.none(), st.booleans()), names)
guillotines = st.one_of(st.none(), st.builds(Guillotine, st.one_of(st.none(), st.integers(2, 6)), st.booleans(),
                                             st.sampled_from(["horizontal", "vertical", "any"])))
trims = st.one_of(st.integers(0, 10).map(lambda t: Trim(t, t, t, t)),
                  st.builds(Trim, *(st.integers(0, 10) for _ in range(4))))


@st.composite
def jobs(draw) -> CuttingJob:
    classic = draw(st.booleans())
    if classic:
        stock = (StockType(draw(st.integers(60, 500)), draw(st.integers(60, 500))),)
    else:
        stock = tuple(draw(st.lists(stock_types, min_size=1, max_size=4)))
        if all(s.count is not None for s in stock):  # keep the stock large enough for the pieces
            stock = stock[:-1] + (StockType(stock[-1].width, stock[-1].height, stock[-1].cost, None, stock[-1].name),)
    meta = draw(st.one_of(st.none(), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2)))
    job_name = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10).filter(str.strip)
    return CuttingJob(draw(job_name), stock, tuple(draw(st.lists(piece_types, min_size=1, max_size=5))),
                      draw(st.booleans()), draw(guillotines), draw(st.integers(0, 5)), draw(trims),
                      json.dumps(meta, sort_keys=True), classic)


@given(jobs())
def test_json_round_trip(job):
    text = json.dumps(cutting_to_json(job), allow_nan=False)
    back = parse_cutting(json.loads(text), "job.json")
    assert back == job
    assert cutting_to_json(back) == cutting_to_json(job)


@given(jobs(), st.sampled_from(["kerf", "guillotine", "trim", "items", "bins"]), st.sampled_from([-1, 1.5, "x", None,
                                                                                                   True, [], {}]))
def test_any_bad_value_is_one_line_naming_its_field(job, key, bad):
    data = cutting_to_json(job)
    if key == "bins" and job.classic_bin:
        key = "bin"
    data[key] = bad
    if (key, bad) in (("guillotine", None), ("trim", {})):  # free placement; no trim on any edge
        parse_cutting(data)
        return
    with pytest.raises(InstanceError) as info:
        parse_cutting(data, "job.json")
    text = str(info.value)
    assert "\n" not in text and key in text, text
