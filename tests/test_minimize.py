"""nnopt.minimize: counted, never repeated evaluations; errors that keep every finished evaluation."""
from __future__ import annotations

import math
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import nnopt
from nnopt import NnoptError, ObjectiveError, OptionError
from nnopt.solver.blackbox.methods import available_rules
from nnopt.spaces import Binary, Categorical, Permutation, SpaceError

FAST_METHODS = ["random", "cem"]
MODEL_METHODS = ["network", "network-random-step", "no-model"]


def labs_energy(bits: np.ndarray) -> float:
    """Low-autocorrelation binary sequences: the sum of squared aperiodic autocorrelations."""
    s = 2 * np.asarray(bits, dtype=np.int64) - 1
    return float(sum(int(np.dot(s[:-k], s[k:])) ** 2 for k in range(1, len(s))))


class Counted:
    """An objective that records every call."""

    def __init__(self, fn):
        self.fn = fn
        self.calls: list = []

    def __call__(self, x):
        self.calls.append(x)
        return self.fn(x)


def test_the_methods_are_in_a_registry():
    assert {"random", "cem", "network", "network-random-step", "no-model"} <= set(available_rules())


def test_auto_runs_the_registered_method_the_benchmark_chose():
    from nnopt.solver.blackbox.minimize import AUTO_METHOD

    assert AUTO_METHOD in available_rules()
    result = nnopt.minimize(lambda x: -float(x.sum()), Binary(8), max_evals=30, seed=0)
    assert result.method == AUTO_METHOD and result.n_evals == 30


def test_cem_reaches_the_onemax_optimum_within_200_evaluations():
    result = nnopt.minimize(lambda x: -float(x.sum()), Binary(20), max_evals=200, seed=0, method="cem")
    assert result.fun == -20.0 and result.x.dtype == bool and result.x.all()
    assert result.n_evals <= 200


@pytest.mark.parametrize("method", FAST_METHODS + MODEL_METHODS)
def test_every_evaluation_is_counted_once_and_none_is_repeated(method):
    fn = Counted(labs_energy)
    budget = 40 if method in MODEL_METHODS else 120
    result = nnopt.minimize(fn, Binary(12), max_evals=budget, seed=3, method=method)
    keys = [x.tobytes() for x in fn.calls]
    assert len(keys) == len(set(keys)) == result.n_evals == budget == len(result.history)
    assert [v for _, v in result.history] == [labs_energy(x) for x in fn.calls]
    assert result.fun == min(v for _, v in result.history) == labs_energy(result.x)
    assert result.stopped_by == "max_evals"


@pytest.mark.parametrize("method", ["cem", "no-model"])
def test_a_small_space_is_evaluated_whole_and_then_the_search_stops(method):
    fn = Counted(lambda x: float(x.sum()))
    result = nnopt.minimize(fn, Binary(3), max_evals=100, seed=0, method=method)
    assert result.n_evals == len(fn.calls) == 8 and result.stopped_by == "space exhausted"
    assert result.fun == 0.0


def test_an_objective_that_raises_stops_the_run_and_keeps_the_finished_evaluations():
    def fn(x):
        if len(calls) == 5:
            raise RuntimeError("simulator crashed")
        calls.append(x)
        return float(x.sum())

    calls: list = []
    with pytest.raises(ObjectiveError, match=r"RuntimeError at evaluation 6: simulator crashed") as err:
        nnopt.minimize(fn, Binary(10), max_evals=50, seed=0, method="random")
    assert isinstance(err.value, NnoptError) and "\n" not in str(err.value)
    partial = err.value.result
    assert partial.n_evals == 5 and partial.stopped_by == "error"
    assert [x.tolist() for x, _ in partial.history] == [x.tolist() for x in calls]
    assert partial.fun == min(float(x.sum()) for x in calls)


def test_in_parallel_the_evaluations_that_finished_beside_a_failure_are_kept():
    def fn(x):
        time.sleep(0.005)
        if x[0] and x[1] and x[2]:
            raise ValueError("bad point")
        return float(x.sum())

    with pytest.raises(ObjectiveError, match="ValueError at evaluation") as err:
        nnopt.minimize(fn, Binary(8), max_evals=200, seed=0, method="random", n_jobs=2)
    partial = err.value.result
    assert partial.n_evals >= 1
    assert all(not (x[0] and x[1] and x[2]) for x, _ in partial.history)
    assert all(v == float(x.sum()) for x, v in partial.history)


@pytest.mark.parametrize("bad", [math.nan, -math.inf, "seven", None])
def test_nan_minus_inf_or_no_number_is_an_error_naming_the_evaluation(bad):
    values = iter([3.0, 2.0, bad])
    with pytest.raises(ObjectiveError, match="at evaluation 3") as err:
        nnopt.minimize(lambda x: next(values), Binary(10), max_evals=20, seed=0, method="random")
    assert [v for _, v in err.value.result.history] == [3.0, 2.0]


def test_plus_inf_marks_a_rejected_solution_and_ranks_last():
    def fn(x):
        return math.inf if x[0] else float(x.sum())

    result = nnopt.minimize(fn, Binary(6), max_evals=30, seed=1, method="cem")
    assert result.n_evals == 30 and math.isfinite(result.fun) and not result.x[0]
    assert any(math.isinf(v) for _, v in result.history)


@pytest.mark.parametrize("method", ["random", "cem", "no-model"])
def test_parallel_evaluations_give_the_sequential_run(method):
    def fn(x):
        time.sleep(0.001)
        return labs_energy(x)

    runs = [nnopt.minimize(fn, Binary(14), max_evals=60, seed=7, method=method, n_jobs=j) for j in (1, 3)]
    assert [x.tolist() for x, _ in runs[0].history] == [x.tolist() for x, _ in runs[1].history]
    assert runs[0].fun == runs[1].fun


def test_n_jobs_runs_evaluations_at_the_same_time():
    lock, running, peak = threading.Lock(), [0], [0]

    def fn(x):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return float(x.sum())

    nnopt.minimize(fn, Binary(10), max_evals=32, seed=0, method="random", n_jobs=4)
    assert peak[0] > 1


def test_callback_stops_the_search_and_time_limit_is_kept():
    seen = []

    def callback(evaluation, solution, value):
        seen.append((evaluation, value))
        return evaluation == 7

    result = nnopt.minimize(lambda x: float(x.sum()), Binary(10), max_evals=50, method="cem", callback=callback)
    assert result.n_evals == 7 and result.stopped_by == "callback" and [e for e, _ in seen] == list(range(1, 8))

    def slow(x):
        time.sleep(0.02)
        return float(x.sum())

    t0 = time.perf_counter()
    result = nnopt.minimize(slow, Binary(20), max_evals=10_000, method="random", time_limit=0.3)
    assert result.stopped_by == "time_limit" and time.perf_counter() - t0 < 0.3 + 16 * 0.02 + 0.5


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"max_evals": 0}, "max_evals"), ({"n_jobs": 0}, "n_jobs"), ({"method": "tpe"}, "method"),
    ({"time_limit": -1.0}, "time_limit"), ({"max_evals": 2.5}, "max_evals"),
])
def test_bad_arguments_are_one_line_naming_them(kwargs, named):
    with pytest.raises(OptionError, match=named) as err:
        nnopt.minimize(lambda x: 0.0, Binary(3), **kwargs)
    assert "\n" not in str(err.value)


def test_a_space_that_is_not_a_space_is_refused():
    with pytest.raises(SpaceError, match="space must be"):
        nnopt.minimize(lambda x: 0.0, [0, 1, 2])


def test_network_runs_on_labs_and_its_history_is_consistent():
    fn = Counted(labs_energy)
    result = nnopt.minimize(fn, Binary(20), max_evals=100, seed=0, method="network")
    values = [v for _, v in result.history]
    assert result.n_evals == 100 and len({x.tobytes() for x in fn.calls}) == 100
    assert values == [labs_energy(x) for x in fn.calls]
    warm_up = max(8, 100 // 10)
    assert result.fun <= min(values[:warm_up])
    assert list(result.best_so_far) == list(np.minimum.accumulate(values))
    again = nnopt.minimize(labs_energy, Binary(20), max_evals=100, seed=0, method="network")
    assert [x.tolist() for x, _ in again.history] == [x.tolist() for x, _ in result.history]


@pytest.mark.parametrize("method", MODEL_METHODS)
def test_the_model_loop_searches_permutations_and_categories(method):
    rng = np.random.default_rng(0)
    flow, dist = rng.integers(0, 9, (6, 6)), rng.integers(0, 9, (6, 6))
    space = Permutation(6) * Categorical([["low", "mid", "high"], 2])

    def fn(sol):
        perm, (level, flag) = sol
        return float((flow * dist[np.ix_(perm, perm)]).sum()) + {"low": 5, "mid": 0, "high": 9}[level] + flag

    fn_counted = Counted(fn)
    result = nnopt.minimize(fn_counted, space, max_evals=40, seed=2, method=method)
    assert result.n_evals == 40 == len({space.key(s) for s in fn_counted.calls})
    perm, cats = result.x
    assert sorted(perm.tolist()) == list(range(6)) and cats[0] in ("low", "mid", "high")
    assert result.fun == fn(result.x)


def test_import_nnopt_does_not_import_torch():
    code = "import sys, nnopt, nnopt.spaces; nnopt.minimize; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_worked_examples_of_the_docs_run(repo):
    import re

    text = (repo / "docs" / "minimize.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 2
    scope: dict = {}
    exec(compile(blocks[0], "docs/minimize.md", "exec"), scope)
    assert scope["result"].n_evals == 80
    try:
        exec(compile(blocks[1], "docs/minimize.md", "exec"), scope)
    finally:
        from nnopt.problems import unregister_problem

        unregister_problem("onemax")
