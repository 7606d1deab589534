"""tsp instances: strict JSON, TSPLIB EUC_2D files, generators; fuzzed loaders raise only InstanceError."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnopt.problems import InstanceError
from nnopt.problems.tsp import MAX_CITIES, TSP, generate_instance, parse_instance, parse_tsplib, read_instance

PROBLEM = TSP()

TSPLIB_TEXT = """NAME : tiny5
COMMENT : five cities (hand made)
TYPE : TSP
DIMENSION : 5
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 3.0e0 0
4 0.4 0.6
5 10 10
EOF
"""


def test_json_round_trip_keeps_integers_and_defaults():
    data = {"problem": "tsp", "name": "tri", "coords": [[0, 0], [3, 4], [6.5, 0]]}
    inst = parse_instance(data)
    assert inst.n == 3 and inst.distance == "euclidean" and not inst.rounded
    assert inst.to_json() == data  # integral coordinates write back as integers
    assert parse_instance(inst.to_json()) == inst
    assert not inst.coords.flags.writeable


def test_problem_field_and_name_are_optional(tmp_path):
    path = tmp_path / "my_cities.json"
    path.write_text(json.dumps({"coords": [[0, 0], [1, 0], [0, 1]]}))
    inst = read_instance(path)
    assert inst.name == "my_cities"


@pytest.mark.parametrize("data, message", [
    ({"coords": [[0, 0], [1, 1]]}, "at least 3"),
    ({"coords": [[0, 0], [1, 1], [2, 2]], "colour": 1}, "unknown key 'colour'"),
    ({"problem": "binpack2d", "coords": [[0, 0], [1, 1], [2, 2]]}, "expected 'tsp'"),
    ({"coords": [[0, 0], [1, 1], [2, float("nan")]]}, r"coords\[2\]\[1\] must be a finite number, got nan"),
    ({"coords": [[0, 0], [1, 1], [2, float("inf")]]}, r"coords\[2\]\[1\] must be a finite number"),
    ({"coords": [[0, 0], [1, True], [2, 2]]}, r"coords\[1\]\[1\] must be a number, got True"),
    ({"coords": [[0, 0], [1, 1, 1], [2, 2]]}, r"coords\[1\] must be a pair"),
    ({"coords": [[0, 0], [1, 1], [2, 10**12]]}, r"coords\[2\]\[1\] is 1000000000000, beyond the limit"),
    ({"coords": [[0, 0], [1, 1], [2, 2]], "distance": "manhattan"}, "field 'distance' must be one of"),
    ({"coords": "0 0 1 1 2 2"}, "field 'coords' must be a list"),
    ({"name": 7, "coords": [[0, 0], [1, 1], [2, 2]]}, "field 'name' must be a string, got 7"),
    ({}, "missing field 'coords'"),
])
def test_bad_json_names_the_field_and_value(data, message):
    with pytest.raises(InstanceError, match=message):
        parse_instance(data)


def test_too_many_cities_is_refused_before_work():
    with pytest.raises(InstanceError, match=f"above the limit of {MAX_CITIES}"):
        parse_instance({"coords": [[0, 0]] * (MAX_CITIES + 1)})


def test_tsplib_euc_2d_uses_rounded_lengths(tmp_path):
    path = tmp_path / "tiny5.tsp"
    path.write_text(TSPLIB_TEXT)
    inst = PROBLEM.read(path)
    assert inst.name == "tiny5" and inst.n == 5 and inst.distance == "euc_2d"
    assert inst.meta == {"comment": "five cities (hand made)", "source": "tiny5.tsp"}
    # Tour 0-1-4-2-3: edges 5, nint(9.22)=9, nint(12.21)=12, nint(2.65)=3, nint(0.72)=1.
    tour = PROBLEM.solution_from_json(inst, {"tour": [0, 1, 4, 2, 3]})
    assert PROBLEM.objective(inst, tour) == 5 + 9 + 12 + 3 + 1
    # The JSON form keeps the rounding, and loads back equal.
    data = PROBLEM.instance_to_json(inst)
    assert data["distance"] == "euc_2d"
    assert PROBLEM.load(json.loads(json.dumps(data))) == inst


def test_tsplib_file_is_found_by_suffix(tmp_path):
    import nnopt

    path = tmp_path / "tiny5.tsp"
    path.write_text(TSPLIB_TEXT)
    prob, inst = nnopt.load_instance(path)
    assert prob.name == "tsp" and inst.n == 5


@pytest.mark.parametrize("edit, message", [
    (("EDGE_WEIGHT_TYPE : EUC_2D", "EDGE_WEIGHT_TYPE : GEO"), "EDGE_WEIGHT_TYPE is 'GEO'; only EUC_2D"),
    (("EDGE_WEIGHT_TYPE : EUC_2D", "EDGE_WEIGHT_TYPE : EXPLICIT"), "EDGE_WEIGHT_TYPE is 'EXPLICIT'"),
    (("EDGE_WEIGHT_TYPE : EUC_2D\n", ""), "missing EDGE_WEIGHT_TYPE"),
    (("TYPE : TSP", "TYPE : ATSP"), "TYPE is 'ATSP'"),
    (("DIMENSION : 5", "DIMENSION : 6"), "has 5 nodes, DIMENSION says 6"),
    (("DIMENSION : 5", "DIMENSION : 4"), "line 11: more node lines than DIMENSION 4"),
    (("DIMENSION : 5", "DIMENSION : five"), "DIMENSION must be an integer, got 'five'"),
    (("DIMENSION : 5", "DIMENSION : 2"), "at least 3"),
    (("2 3 4", "1 3 4"), "line 8: node 1 given twice"),
    (("2 3 4", "9 3 4"), "line 8: node id 9 outside 1..5"),
    (("2 3 4", "2 3 x4"), "line 8: expected a number, got 'x4'"),
    (("2 3 4", "2 3 nan"), "line 8: coordinate must be finite"),
    (("2 3 4", "2 3"), "line 8: expected 'id x y'"),
    (("NODE_COORD_SECTION", "EDGE_WEIGHT_SECTION"), "section EDGE_WEIGHT_SECTION is not supported"),
    (("COMMENT :", "CAPACITY : 3\nCOMMENT :"), "unsupported TSPLIB key 'CAPACITY'"),
    (("NAME : tiny5", "NAME : tiny5\nNAME : again"), "key NAME given twice"),
])
def test_bad_tsplib_names_what_is_wrong(edit, message):
    old, new = edit
    assert old in TSPLIB_TEXT
    with pytest.raises(InstanceError, match=message):
        parse_tsplib(TSPLIB_TEXT.replace(old, new, 1), source="x.tsp")


def test_missing_and_folder_paths_are_instance_errors(tmp_path):
    with pytest.raises(InstanceError, match="no such file"):
        read_instance(tmp_path / "nope.tsp")
    (tmp_path / "dir.tsp").mkdir()
    with pytest.raises(InstanceError, match="is a folder"):
        read_instance(tmp_path / "dir.tsp")


# ----------------------------------------------------------------------------- generators


@pytest.mark.parametrize("kind", ["uniform", "clustered"])
def test_generators_are_seeded_and_in_the_square(kind):
    a = generate_instance(seed=3, kind=kind, n=120)
    b = generate_instance(seed=3, kind=kind, n=120)
    c = generate_instance(seed=4, kind=kind, n=120)
    assert a == b and a != c
    assert a.n == 120 and a.coords.min() >= 0 and a.coords.max() <= 1000
    assert np.all(a.coords == np.round(a.coords))
    assert PROBLEM.instance_class(a) == kind and a.name == f"tsp_{kind}_120_s3"


def test_clustered_is_more_clustered_than_uniform():
    def mean_nearest(inst):
        d = np.hypot(*(inst.coords[:, None, :] - inst.coords[None, :, :]).transpose(2, 0, 1))
        np.fill_diagonal(d, np.inf)
        return d.min(axis=1).mean()

    u = generate_instance(seed=0, kind="uniform", n=200)
    c = generate_instance(seed=0, kind="clustered", n=200)
    assert mean_nearest(c) < 0.8 * mean_nearest(u)


@pytest.mark.parametrize("params, message", [
    ({"kind": "ring"}, "kind must be one of uniform, clustered"),
    ({"n": 2}, "n .* must be in 3"),
    ({"n": True}, "must be an integer"),
    ({"klass": 2}, "no parameter 'klass'"),
    ({"distance": "l1"}, "distance must be one of"),
])
def test_generator_parameters_are_checked(params, message):
    with pytest.raises(ValueError, match=message):
        PROBLEM.generate(seed=0, **params)


def test_euc_2d_generation_round_trips():
    inst = PROBLEM.generate(seed=1, n=30, distance="euc_2d")
    assert inst.rounded and PROBLEM.load(PROBLEM.instance_to_json(inst)) == inst


# ----------------------------------------------------------------------------- fuzzing

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=25,
)
coordinate = st.one_of(st.integers(-(10**10), 10**10), st.floats(allow_nan=True, allow_infinity=True),
                       st.none(), st.booleans(), st.text(max_size=2))


@given(json_values)
def test_fuzzed_json_raises_only_instance_error(data):
    try:
        inst = parse_instance(data)
    except InstanceError:
        return
    assert inst.n >= 3


@given(st.lists(st.lists(coordinate, min_size=0, max_size=3), min_size=0, max_size=8),
       st.sampled_from([None, "euclidean", "euc_2d", "x", 3]), st.one_of(st.none(), json_values))
def test_fuzzed_instances_raise_only_instance_error(coords, distance, meta):
    data: dict = {"coords": coords}
    if distance is not None:
        data["distance"] = distance
    if meta is not None:
        data["meta"] = meta
    try:
        inst = parse_instance(data)
    except InstanceError:
        return
    assert inst.n == len(coords) and np.all(np.isfinite(inst.coords))
    assert parse_instance(inst.to_json()) == inst


tsplib_line = st.one_of(
    st.sampled_from(["NAME : a", "TYPE : TSP", "TYPE: ATSP", "DIMENSION : 3", "DIMENSION: 4", "DIMENSION : -1",
                     "EDGE_WEIGHT_TYPE : EUC_2D", "EDGE_WEIGHT_TYPE: CEIL_2D", "NODE_COORD_SECTION",
                     "COMMENT : x", "EOF", "", "1 0 0", "2 1 1", "3 5 5", "4 1e3 -2", "3 nan 1", "1 0",
                     "DISPLAY_DATA_SECTION", ":", "NODE_COORD_TYPE : THREED_COORDS", "2 1 1 1"]),
    st.text(max_size=12),
)


@given(st.lists(tsplib_line, max_size=14))
def test_fuzzed_tsplib_raises_only_instance_error(lines):
    try:
        inst = parse_tsplib("\n".join(lines), source="fuzz.tsp")
    except InstanceError:
        return
    assert inst.n >= 3 and inst.rounded and all(math.isfinite(v) for v in inst.coords.ravel())
