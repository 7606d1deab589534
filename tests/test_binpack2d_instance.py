"""The binpack2d loaders: strict JSON, the classic .2bp text, and fuzzing."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnopt.problems import InstanceError
from nnopt.problems.binpack2d import parse_2bp, parse_instance, read_instance
from nnopt.problems.binpack2d._instance import MAX_ITEMS

VALID = {"problem": "binpack2d", "name": "t", "bin": {"width": 10, "height": 10},
         "items": [{"width": 3, "height": 7, "count": 2}, {"width": 4, "height": 4}],
         "allow_rotation": False}


def test_counts_expand_in_file_order():
    inst = parse_instance(VALID)
    assert inst.n == 3
    assert inst.widths.tolist() == [3, 3, 4] and inst.heights.tolist() == [7, 7, 4]
    assert not inst.widths.flags.writeable


def test_defaults_and_meta_kept_as_is():
    data = {"bin": {"width": 5, "height": 6}, "items": [{"width": 1, "height": 2}],
            "meta": {"class": 3, "nested": [1, {"a": None}]}}
    inst = parse_instance(data)
    assert inst.allow_rotation is False
    assert inst.meta == {"class": 3, "nested": [1, {"a": None}]}
    assert parse_instance(inst.to_json()) == inst


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda d: d.update(extra=1), "unknown key 'extra'"),
        (lambda d: d["bin"].update(depth=3), "unknown key 'depth' in 'bin'"),
        (lambda d: d["items"][1].update(colour="red"), "unknown key 'colour' in items[1]"),
        (lambda d: d["bin"].update(width=0), "bin.width must be a positive integer, got 0"),
        (lambda d: d["bin"].update(height=2.5), "bin.height must be a positive integer, got 2.5"),
        (lambda d: d["items"][0].update(width=-3), "items[0].width must be a positive integer, got -3"),
        (lambda d: d["items"][0].update(count=True), "items[0].count must be a positive integer, got True"),
        (lambda d: d["items"][1].update(width=11), "items[1] (item 2) of size 11x4 does not fit the 10x10 bin"),
        (lambda d: d.update(problem="tsp"), "field 'problem' is 'tsp'"),
        (lambda d: d.update(items=[]), "field 'items' is empty"),
        (lambda d: d.pop("bin"), "missing field 'bin'"),
        (lambda d: d.update(allow_rotation="yes"), "allow_rotation"),
        (lambda d: d["items"][0].update(count=MAX_ITEMS), f"above the limit of {MAX_ITEMS}"),
    ],
)
def test_bad_json_names_field_and_value(mutate, fragment):
    data = json.loads(json.dumps(VALID))
    mutate(data)
    with pytest.raises(InstanceError) as err:
        parse_instance(data, source="f.json")
    assert fragment in str(err.value)
    assert str(err.value).startswith("f.json: ")
    assert "\n" not in str(err.value)


def test_rotation_lets_a_turned_item_fit():
    data = {"bin": {"width": 10, "height": 4}, "items": [{"width": 3, "height": 8}]}
    with pytest.raises(InstanceError, match="rotation not allowed"):
        parse_instance(data)
    assert parse_instance({**data, "allow_rotation": True}).n == 1


def test_read_file_errors(tmp_path):
    with pytest.raises(InstanceError, match="no such file"):
        read_instance(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    with pytest.raises(InstanceError, match=r"bad.json: invalid JSON at line 1"):
        read_instance(bad)
    with pytest.raises(InstanceError, match="is a folder"):
        read_instance(tmp_path)


TWO_BLOCKS = """    1        PROBLEM CLASS\r
    2        N. OF ITEMS\r
    1    1   RELATIVE AND ABSOLUTE N. OF INSTANCE\r
   10   12   HBIN,WBIN\r
    9    5   H(I),W(I),I=1,...,N\r
    2    4\r
\r
    1        PROBLEM CLASS\r
    1        N. OF ITEMS\r
    2    2   RELATIVE AND ABSOLUTE N. OF INSTANCE\r
   10   12   HBIN,WBIN\r
    3    7   H(I),W(I),I=1,...,N\r
"""


def test_2bp_height_first_and_block_index(tmp_path):
    first = parse_2bp(TWO_BLOCKS)
    assert (first.bin_width, first.bin_height) == (12, 10)
    assert first.widths.tolist() == [5, 4] and first.heights.tolist() == [9, 2]
    assert first.name == "CLASS01_002_01"
    f = tmp_path / "x.2bp"
    f.write_text(TWO_BLOCKS)
    second = read_instance(f"{f}:1")
    assert second.widths.tolist() == [7] and second.heights.tolist() == [3]
    with pytest.raises(InstanceError, match="out of range"):
        read_instance(f"{f}:2")


def test_2bp_matches_the_shared_json(classic):
    for klass in (1, 7):
        text = (classic / "original" / f"Class_{klass:02d}.2bp").read_text()
        for index in (0, 13, 49):
            ours = parse_2bp(text, index=index)
            ref = read_instance(classic / "instances" / f"{ours.name}.json")
            assert ours.widths.tolist() == ref.widths.tolist()
            assert ours.heights.tolist() == ref.heights.tolist()
            assert (ours.bin_width, ours.bin_height) == (ref.bin_width, ref.bin_height)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 2**70) | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["problem", "name", "bin", "items", "width", "height", "count",
                         "allow_rotation", "meta", "x"]), children, max_size=5),
    max_leaves=20,
)


@given(json_values)
def test_fuzz_any_json_gives_instance_error_or_instance(value):
    try:
        inst = parse_instance(value)
    except InstanceError as exc:
        assert "\n" not in str(exc)
    else:
        assert inst.n >= 1 and np.all(inst.widths > 0)


@given(st.sampled_from(["bin", "items", "allow_rotation", "name", "problem"]), json_values)
def test_fuzz_one_field_replaced(field, value):
    data = json.loads(json.dumps(VALID))
    data[field] = value
    try:
        parse_instance(data)
    except InstanceError:
        pass


@given(st.text(alphabet="0123456789 -\r\nabc.", max_size=200))
def test_fuzz_2bp_text(text):
    try:
        parse_2bp(text)
    except InstanceError:
        pass
