"""The Python API as a user meets it: build an instance, solve it, read, draw and save the result."""
from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import nnopt  # noqa: E402
from nnopt.problems.binpack2d import BinPackInstance, Packing  # noqa: E402

NNOPT = Path(sys.executable).parent / "nnopt"


def test_the_documented_snippet_runs_as_written():
    import nnopt
    inst = nnopt.binpack2d.Instance(bin=(10, 10), items=[(3, 7, 2), (4, 4)], rotation=False, name="demo")
    res = nnopt.solve(inst, time_limit=2)          # the problem comes from the instance
    res.objective, res.lower_bound, res.status, res.seconds, res.verified  # noqa: B018  (the snippet as documented)
    for p in res.placements: p.item, p.bin, p.x, p.y, p.width, p.height, p.rotated  # noqa: B018, E701
    ax = res.plot()                                # a matplotlib Axes; res.plot(ax=my_ax) draws there
    res.to_json()
    tour = nnopt.solve(nnopt.tsp.Instance(coords=[(0, 0), (3, 0), (3, 4)]), time_limit=1).tour

    assert res.objective == 1 and res.lower_bound == 1 and res.status == "optimal" and res.verified is True
    assert res.gap == 0.0 and res.seconds >= 0
    assert sorted(p.item for p in res.placements) == [0, 1, 2]
    assert ax.patches or ax.collections
    assert sorted(tour) == [0, 1, 2]
    assert isinstance(res, nnopt.binpack2d.Result)


def test_import_nnopt_stays_light():
    code = ("import sys, nnopt; heavy = [m for m in ('torch', 'ortools', 'matplotlib', 'nnopt.binpack2d') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- instances from Python

def test_instance_is_a_binpack_instance_equal_to_the_loaded_file(tmp_path):
    built = nnopt.binpack2d.Instance(bin=(10, 8), items=[(3, 7, 2), {"width": 4, "height": 4}],
                                     rotation=True, name="demo", meta={"from": "a test"})
    data = {"problem": "binpack2d", "name": "demo", "bin": {"width": 10, "height": 8},
            "items": [{"width": 3, "height": 7, "count": 2}, {"width": 4, "height": 4}],
            "allow_rotation": True, "meta": {"from": "a test"}}
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(data))
    _, loaded = nnopt.load_instance(path)
    assert isinstance(built, BinPackInstance)
    assert built == loaded and hash(built) == hash(loaded)
    assert built.n == 3 and list(built.widths) == [3, 3, 4]
    assert built.to_json() == loaded.to_json()
    # the old positional form still builds instances (without validation, as before)
    assert BinPackInstance("demo", 10, 10, ((3, 7, 2), (4, 4, 1))).n == 3


def test_numpy_sizes_are_taken_as_numbers():
    inst = nnopt.binpack2d.Instance(bin=np.array([10, 10]), items=np.array([[3, 7], [4, 4]]))
    assert inst.item_types == ((3, 7, 1), (4, 4, 1)) and inst.name == "instance"
    tsp = nnopt.tsp.Instance(coords=np.array([[0.0, 0.0], [3.0, 0.0], [3.0, 4.0]]), name="tri")
    assert tsp.n == 3 and tsp.name == "tri"


def _message_after_source(exc: BaseException) -> str:
    return str(exc).split(": ", 1)[1]


def test_an_item_larger_than_the_bin_is_refused_as_the_file_loader_refuses_it(tmp_path):
    with pytest.raises(nnopt.InstanceError) as built:
        nnopt.binpack2d.Instance(bin=(10, 10), items=[(3, 7), (11, 4)], rotation=False, name="demo")
    message = str(built.value)
    assert "items[1]" in message and "item 1" in message and "11x4" in message and "10x10" in message
    path = tmp_path / "too_big.json"
    path.write_text(json.dumps({"name": "demo", "bin": {"width": 10, "height": 10},
                                "items": [{"width": 3, "height": 7}, {"width": 11, "height": 4}]}))
    with pytest.raises(nnopt.InstanceError) as loaded:
        nnopt.load_instance(path)
    assert _message_after_source(built.value) == _message_after_source(loaded.value)
    assert str(loaded.value).startswith(str(path))


@pytest.mark.parametrize("kwargs, words", [
    (dict(bin=(10, 10), items=[(0, 4)]), ["items[0].width", "positive integer", "0"]),
    (dict(bin=(10, 10), items=[(2.5, 4)]), ["items[0].width", "2.5"]),
    (dict(bin=(10, 10), items=[(2, 4, -1)]), ["items[0].count", "-1"]),
    (dict(bin=(10, 10), items=[]), ["'items' is empty"]),
    (dict(bin=(10, 10), items=[(2, 4)], rotation="yes"), ["allow_rotation", "'yes'"]),
    (dict(bin=(10, 10), items=[(2, 4)], name=5), ["name", "5"]),
    (dict(bin=(10, 10, 3), items=[(2, 4)]), ["bin must be (width, height)"]),
    (dict(bin=(10, 10), items=[(2, 4, 1, 9)]), ["items[0] must be (width, height)"]),
    (dict(bin=(10, 10), items=[(2, 4)], meta={"x": float("nan")}), ["meta"]),
])
def test_bad_binpack_arguments_raise_one_instance_error(kwargs, words):
    try:
        nnopt.binpack2d.Instance(**kwargs)
    except nnopt.InstanceError as exc:
        assert "\n" not in str(exc)
        for word in words:
            assert word in str(exc)
    else:
        pytest.fail(f"no InstanceError for {kwargs}")


@pytest.mark.parametrize("coords, words", [
    ([(0, 0), (1, 1)], ["2 cities"]),
    ([(0, 0), (1, 1), (1, float("inf"))], ["coords[2][1]", "finite"]),
    ([(0, 0), (1, 1), (1,)], ["coords[2]", "pair"]),
    ("abc", ["coords"]),
])
def test_bad_tsp_arguments_raise_one_instance_error(coords, words):
    with pytest.raises(nnopt.InstanceError) as exc:
        nnopt.tsp.Instance(coords=coords)
    for word in words:
        assert word in str(exc.value)


# --------------------------------------------------------------------------- the result

@pytest.fixture(scope="module")
def packed():
    inst = nnopt.binpack2d.Instance(bin=(10, 10), items=[(6, 6, 3), (4, 10), (5, 3, 4)], rotation=True,
                                    name="several bins")
    return inst, nnopt.solve(inst, max_evals=300, seed=1)


def test_placements_cover_every_item_once_and_pass_the_checker(packed):
    inst, res = packed
    places = res.placements
    assert sorted(p.item for p in places) == list(range(inst.n))
    assert {p.bin for p in places} == set(range(int(res.objective)))
    rows = [(p.item, p.bin, p.x, p.y, p.width, p.height, int(p.rotated)) for p in places]
    assert nnopt.get_problem("binpack2d").check(inst, Packing(np.array(rows))) == []
    for p in places:
        size = (inst.widths[p.item], inst.heights[p.item])
        assert (p.width, p.height) == (size[::-1] if p.rotated else size)
    with pytest.raises(AttributeError):
        places[0].x = 1  # a record, not a handle into the solution


def test_placements_number_bins_as_the_solution_file_does(packed):
    _, res = packed
    bins = res.to_json()["bins"]
    from_file = sorted((pl["item"], b, pl["x"], pl["y"]) for b, content in enumerate(bins) for pl in content)
    assert from_file == sorted((p.item, p.bin, p.x, p.y) for p in res.placements)


def test_plot_draws_on_the_given_axes_and_returns_it(packed):
    _, res = packed
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    assert res.plot(ax=ax) is ax
    rectangles = sum(len(c.get_paths()) for c in ax.collections)
    assert rectangles == len(res.placements) + int(res.objective)  # every item, and each bin's outline
    assert "several bins" in ax.get_title()
    assert len(fig.axes) == 1  # drawn where asked: no other Axes added


def test_tsp_result_has_the_tour_and_draws_it():
    coords = [(0, 0), (4, 0), (4, 3), (0, 3), (2, 5)]
    res = nnopt.solve(nnopt.tsp.Instance(coords=coords, name="house"), max_evals=50)
    assert sorted(res.tour) == list(range(5))
    closed = res.tour + res.tour[:1]
    length = sum(math.dist(coords[a], coords[b]) for a, b in zip(closed, closed[1:]))
    assert length == pytest.approx(res.objective)
    ax = Figure().add_subplot()
    assert res.plot(ax=ax) is ax and ax.lines
    assert isinstance(res, nnopt.tsp.Result)


def test_to_json_is_what_solve_out_writes_and_check_accepts_it(packed, tmp_path):
    inst, res = packed
    (tmp_path / "inst.json").write_text(json.dumps(inst.to_json()))
    (tmp_path / "sol.json").write_text(json.dumps(res.to_json()))
    out = subprocess.run([str(NNOPT), "check", str(tmp_path / "inst.json"), str(tmp_path / "sol.json"), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    verdict = json.loads(out.stdout)
    assert verdict["feasible"] and verdict["verified"] and verdict["objective"] == res.objective


def test_a_result_survives_pickling(packed):
    _, res = packed
    back = pickle.loads(pickle.dumps(res))
    assert type(back) is type(res) and back.placements == res.placements and back.objective == res.objective


def test_seeded_runs_give_the_same_solution_through_every_way_in(packed, tmp_path):
    inst, res = packed
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(inst.to_json()))
    from_file = nnopt.solve(path, max_evals=300, seed=1)
    from_pair = nnopt.solve(nnopt.load_instance(path), max_evals=300, seed=1)
    from_named = nnopt.solve(nnopt.load_instance(path)[1], problem="binpack2d", max_evals=300, seed=1)
    assert from_file.solution == res.solution == from_pair.solution == from_named.solution


def test_params_take_python_values():
    inst = nnopt.binpack2d.Instance(bin=(10, 10), items=[(6, 6, 3), (5, 3, 4)])
    res = nnopt.solve(inst, method="maxrects-bssf", params={"order": "area"}, max_evals=10)
    assert res.method == "maxrects-bssf-area"
    with pytest.raises(nnopt.NnoptError, match="order"):
        nnopt.solve(inst, method="maxrects-bssf", params={"order": "sideways"}, max_evals=10)


# --------------------------------------------------------------------------- wrong arguments

@pytest.fixture(scope="module")
def small():
    return nnopt.binpack2d.Instance(bin=(10, 10), items=[(3, 7, 2), (4, 4)], name="small")


@pytest.mark.parametrize("kwargs, words", [
    (dict(time_limit=-1), ["time_limit", "-1"]),
    (dict(time_limit=0), ["time_limit", "0"]),
    (dict(time_limit=float("nan")), ["time_limit", "nan"]),
    (dict(time_limit=float("inf")), ["time_limit", "inf"]),
    (dict(time_limit=1e300), ["time_limit", "1e+300", "a year"]),
    (dict(time_limit="2"), ["time_limit", "'2'"]),
    (dict(time_limit=True), ["time_limit", "True"]),
    (dict(method="no-such-method"), ["no-such-method"]),
    (dict(method=None), ["method", "None"]),
    (dict(seed="x"), ["seed", "'x'"]),
    (dict(seed=-1), ["seed", "-1"]),
    (dict(seed=2**40), ["seed"]),
    (dict(seed=1.5), ["seed", "1.5"]),
    (dict(max_evals=0), ["max_evals", "0"]),
    (dict(max_evals=2.5), ["max_evals", "2.5"]),
    (dict(device="tpu"), ["device", "'tpu'"]),
    (dict(threads=0), ["threads", "0"]),
    (dict(params="order=area"), ["params"]),
    (dict(params={"order": object()}), ["params['order']"]),
    (dict(problem="tsp"), ["binpack2d", "'tsp'"]),
    (dict(problem="no-such-problem"), ["no-such-problem"]),
    (dict(problem=3), ["problem", "3"]),
    (dict(on_improve="print"), ["on_improve"]),
])
def test_each_wrong_argument_is_one_nnopt_error(small, kwargs, words):
    with pytest.raises(nnopt.NnoptError) as exc:
        nnopt.solve(small, **{"max_evals": 5, **kwargs})
    message = str(exc.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("instance, words", [
    ({"bin": {"width": 10, "height": 10}, "items": [{"width": 3, "height": 3}]}, ["mapping", "Instance"]),
    (b"examples/cl_07_040_01.json", ["bytes", "str or pathlib.Path"]),
    (None, ["instance must be"]),
    (42, ["instance must be"]),
    ([(3, 7)], ["instance must be"]),
    (object(), ["cannot tell the problem", "problem=NAME"]),
    ("no/such/file.json", ["no such file"]),
])
def test_each_wrong_instance_is_one_nnopt_error(instance, words):
    with pytest.raises(nnopt.NnoptError) as exc:
        nnopt.solve(instance, max_evals=5)
    for word in words:
        assert word in str(exc.value), str(exc.value)


def test_a_loaded_pair_is_solved_and_a_mismatched_problem_is_named(example_path):
    pair = nnopt.load_instance(example_path)
    res = nnopt.solve(pair, problem="binpack2d", max_evals=20)
    assert res.verified and res.problem.name == "binpack2d"
    with pytest.raises(nnopt.NnoptError, match="'tsp'"):
        nnopt.solve(pair, problem="tsp", max_evals=20)


def test_started_is_not_public(small):
    with pytest.raises(TypeError):
        nnopt.solve(small, max_evals=5, started=0.0)


def test_a_problem_derived_from_the_instances_problem_may_be_named(small):
    from nnopt.problems import _registry
    from nnopt.problems.binpack2d import BinPack2D

    class Variant(BinPack2D):
        name = "binpack2d_variant"
        description = "binpack2d under another name, reading the same instances"

    _registry.register_problem(Variant)
    try:
        res = nnopt.solve(small, problem="binpack2d_variant", max_evals=5)
        assert res.problem.name == "binpack2d_variant" and res.verified
        with pytest.raises(nnopt.NnoptError, match="binpack2d instance"):
            nnopt.solve(small, problem="tsp", max_evals=5)
    finally:
        _registry.unregister_problem("binpack2d_variant")


def test_cuda_without_a_gpu_is_one_nnopt_error(small):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    with pytest.raises(nnopt.NnoptError, match="no CUDA GPU"):
        nnopt.solve(small, device="cuda", max_evals=5)


def test_a_problem_without_views_gets_the_generic_result(small):
    from nnopt.problems import _registry
    from nnopt.problems.binpack2d import BinPack2D

    class Plain(BinPack2D):
        name = "binpack2d_plain"
        description = "binpack2d without Python views"
        result_views = None

    _registry.register_problem(Plain)
    try:
        res = nnopt.solve(small, problem="binpack2d_plain", max_evals=5)
        assert type(res) is nnopt.SolveResult and res.verified
        assert not hasattr(res, "placements")
        with pytest.raises(nnopt.NnoptError, match="binpack2d_plain"):
            res.plot()
    finally:
        _registry.unregister_problem("binpack2d_plain")
