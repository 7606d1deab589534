"""The engine and its no-network searches: verified, anytime, reproducible, controlled."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

import nnopt
from nnopt.problems import get_problem
from nnopt.solver import (
    Budget,
    EngineConfig,
    ExtractionConfig,
    RoundsConfig,
    ShareConfig,
    TrainingConfig,
    cem,
    local_search,
    neural_search,
)
from nnopt.solver._buffer import ReplayBuffer
from nnopt.solver._moves import neighbours

PROBLEM = get_problem("binpack2d")


@pytest.mark.parametrize("klass", range(1, 11))
def test_engine_returns_verified_solutions_on_every_class(klass):
    inst = PROBLEM.generate(500 + klass, klass=klass, n=24, allow_rotation=klass % 2 == 0)
    res = neural_search(PROBLEM, inst, Budget(max_evals=400),
                        EngineConfig(training=TrainingConfig(warmup=64, train_steps=5)), seed=0)
    assert PROBLEM.check(inst, res.solution) == []
    assert res.objective >= PROBLEM.lower_bound(inst)
    assert res.evaluations <= 400


@pytest.mark.parametrize("method", ["nnopt-cem", "nnopt-cem-control", "nnopt-set", "nnopt-ls", "nnopt-plain",
                                    "nnopt-rounds", "local-search", "cem"])
def test_methods_solve_and_verify(method):
    inst = PROBLEM.generate(31, klass=3, n=30)
    res = nnopt.solve(inst, problem="binpack2d", method=method, max_evals=500, seed=1)
    assert res.evaluations <= 500 and res.objective >= res.lower_bound


def test_search_methods_start_from_the_best_sort_order():
    inst = PROBLEM.generate(8, klass=8, n=40)
    heur = nnopt.solve(inst, problem="binpack2d", method="random-keys", max_evals=len(PROBLEM.decoders) * 5)
    for fn in (local_search, cem):
        res = fn(PROBLEM, inst, Budget(max_evals=600), seed=0)
        assert res.objective <= heur.objective


def test_engine_is_deterministic_with_max_evals():
    inst = PROBLEM.generate(1009, klass=8, n=40)  # not solved by the sort orders: the loop runs
    config = EngineConfig(training=TrainingConfig(warmup=64))
    runs = [neural_search(PROBLEM, inst, Budget(max_evals=700), config, seed=5) for _ in range(2)]
    assert np.array_equal(runs[0].encoding, runs[1].encoding)
    assert runs[0].evaluations == 700 and runs[0].status == "budget"
    assert runs[0].cost == runs[1].cost and [t[0] for t in runs[0].trace] == [t[0] for t in runs[1].trace]


def test_control_differs_only_in_the_step():
    cfg = EngineConfig()
    ctl = cfg.control()
    a, b = asdict(cfg), asdict(ctl)
    assert {k for k in a if a[k] != b[k]} == {"extraction"}
    assert a["extraction"] | {"step": "random"} == b["extraction"] and b["extraction"]["step"] == "random"
    from nnopt.solver.engine_methods import ENGINE_CONFIGS

    for name in ENGINE_CONFIGS:
        g, r = nnopt.get_method(name).engine_config, nnopt.get_method(f"{name}-control").engine_config
        assert g.control() == r and r.extraction.step == "random"
        assert nnopt.get_method(name, step="random").name == f"{name}-control"


def test_time_limit_returns_the_best_so_far():
    inst = PROBLEM.generate(6, klass=6, n=60)
    res = neural_search(PROBLEM, inst, Budget(time_limit=0.5), seed=0)
    assert PROBLEM.check(inst, res.solution) == [] and res.status in ("budget", "optimal")
    assert res.seconds < 5.0


def test_ctrl_c_returns_the_best_so_far():
    inst = PROBLEM.generate(7, klass=7, n=40)
    calls = {"n": 0}

    def interrupt(log):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt

    res = neural_search(PROBLEM, inst, Budget(max_evals=100_000), EngineConfig(training=TrainingConfig(warmup=32)),
                        seed=0, on_round=interrupt)
    assert res.status in ("interrupted", "optimal") and PROBLEM.check(inst, res.solution) == []


@pytest.mark.parametrize("config, kwargs", [
    (EngineConfig, {"search": "tabu"}), (EngineConfig, {"schedule": "sometimes"}),
    (TrainingConfig, {"scorer": "gnn"}), (ExtractionConfig, {"step": "sideways"}),
    (RoundsConfig, {"batch": 0}), (RoundsConfig, {"nn_share": 2.0}),
    (ShareConfig, {"share": 0.9, "share_max": 0.5}), (ShareConfig, {"share_min": 0.0}),
    (ShareConfig, {"proposals": 0})])
def test_bad_configurations_raise(config, kwargs):
    with pytest.raises(ValueError):
        config(**kwargs)


def test_cuda_without_a_gpu_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    inst = PROBLEM.generate(1, klass=1, n=10)
    with pytest.raises(ValueError, match="cuda"):
        neural_search(PROBLEM, inst, Budget(max_evals=10), EngineConfig(device="cuda"))


def test_neighbours_stay_in_the_box_and_move_something():
    rng = np.random.default_rng(0)
    x = rng.random(20, dtype=np.float32)
    N = neighbours(x, 200, rng, max_moves=3)
    assert N.min() >= 0 and N.max() < 1 and (np.abs(N - x).sum(axis=1) > 0).mean() > 0.95


def test_buffer_keeps_the_best_when_full():
    buf = ReplayBuffer(2, capacity=10, keep_best=2)
    buf.add(np.zeros((1, 2)), np.array([-5.0]))
    for i in range(5):
        buf.add(np.ones((4, 2)) * i, np.arange(4.0) + i)
    assert len(buf) == 10 and buf.y.min() == -5.0


def _solve_cli(tmp: Path, out: str, inst: str) -> dict:
    cmd = [sys.executable, "-m", "nnopt.cli.main", "solve", inst, "--method", "nnopt-cem", "--max-evals", "1000",
           "--seed", "1", "--out", str(tmp / out), "--quiet"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=240)
    data = json.loads((tmp / out).read_text())
    data.pop("seconds")
    return data


def test_cli_max_evals_gives_a_bit_identical_solution_file(tmp_path, example_path):
    """Through the real command line (two processes); the in-process twin above covers a longer run."""
    assert _solve_cli(tmp_path, "a.json", str(example_path)) == _solve_cli(tmp_path, "b.json", str(example_path))


def test_cli_trace_and_progress(tmp_path):
    from click.testing import CliRunner

    from nnopt.cli.main import cli

    gen = tmp_path / "inst.json"
    gen.write_text(json.dumps(PROBLEM.instance_to_json(PROBLEM.generate(1009, klass=8, n=40))))
    trace = tmp_path / "trace.csv"
    r = CliRunner().invoke(cli, ["solve", str(gen), "--method", "nnopt-cem", "--max-evals", "600", "--progress",
                                 "--trace", str(trace), "--device", "cpu"])
    assert r.exit_code == 0, r.output
    lines = trace.read_text().splitlines()
    assert lines[0] == "round,evaluations,seconds,best_objective,best_cost" and len(lines) > 2
    r = CliRunner().invoke(cli, ["solve", str(gen), "--method", "cem", "--max-evals", "300", "--trace", str(trace)])
    assert r.exit_code == 0 and len(trace.read_text().splitlines()) >= 2


# ------------------------------------------------------------------ the time-share scheduler


def test_proposals_that_miss_the_elite_leave_cem_bit_identical():
    from nnopt.solver.cem import CEMState
    from nnopt.solver.engine import merge_into_population

    rng = np.random.default_rng(0)
    X = rng.random((64, 12)).astype(np.float32)
    costs = rng.random(64)
    costs[5] = costs[9]  # a tie inside the population
    k = CEMState(X[0], "d").elite_count(64)
    kth = np.sort(costs)[k - 1]
    P = rng.random((10, 12)).astype(np.float32)
    for pc in (np.full(10, kth), kth + rng.random(10)):  # tied with the k-th or worse: not in the elite
        a, b = CEMState(X[0], "d"), CEMState(X[0], "d")
        a.update(X, costs)
        b.update(*merge_into_population(X, costs, P, pc))
        assert np.array_equal(a.mean, b.mean) and np.array_equal(a.sigma, b.sigma)
    a, b = CEMState(X[0], "d"), CEMState(X[0], "d")
    a.update(X, costs)
    b.update(*merge_into_population(X, costs, P, np.full(10, -1.0)))  # better than all: it moves CEM
    assert not np.array_equal(a.mean, b.mean)


def test_scheduler_bounds_the_networks_decode_share_under_max_evals():
    inst = PROBLEM.generate(1009, klass=8, n=40)
    cfg = EngineConfig(training=TrainingConfig(warmup=64, train_steps=5), share=ShareConfig(share=0.1, share_max=0.2))
    res = neural_search(PROBLEM, inst, Budget(max_evals=3000), cfg, seed=3)
    sc = cfg.share
    info = res.info
    assert info["schedule_units"] == "decodes" and info["turns"] > 0
    # a turn is charged its proposals; the network may run one turn over its share
    assert info["nn_spent"] == info["turns"] * sc.proposals
    assert info["nn_spent"] <= sc.share_max * (info["nn_spent"] + info["search_spent"]) + sc.proposals
    assert info["decoded"] <= info["nn_spent"] and sc.share_min <= info["share"] <= sc.share_max


def test_scheduler_bounds_the_networks_time_share_under_a_time_limit():
    inst = PROBLEM.generate(1001, klass=8, n=60)
    cfg = EngineConfig(training=TrainingConfig(warmup=64, train_steps=20),
                       share=ShareConfig(share=0.1, share_max=0.1, adapt=False))
    neural_search(PROBLEM, inst, Budget(max_evals=400), cfg, seed=0)  # kernels and torch warm, outside the clock
    res = neural_search(PROBLEM, inst, Budget(time_limit=1.0), cfg, seed=0)
    info = res.info
    assert info["schedule_units"] == "seconds" and info["turns"] > 0
    total = info["nn_spent"] + info["search_spent"]
    # a turn starts only while the network is within its share, so it overruns by at most one turn
    assert info["nn_spent"] <= 0.1 * total + info["longest_turn"] + 1e-9


def test_cem_component_matches_plain_cem_until_a_proposal_enters_the_elite():
    """With the network's turns never decoded (an impossible prediction cut), the run *is* plain CEM."""
    from nnopt.solver import engine

    inst = PROBLEM.generate(1009, klass=8, n=40)
    plain = cem(PROBLEM, inst, Budget(max_evals=1500), seed=2)
    orig = engine._Loop._predict
    try:  # the population is predicted best, every proposal worst: nothing passes the filter
        engine._Loop._predict = lambda self, X: np.zeros(len(X)) if len(X) == 64 else np.ones(len(X))
        res = neural_search(PROBLEM, inst, Budget(max_evals=1500),
                            EngineConfig(training=TrainingConfig(warmup=64, train_steps=2)), seed=2)
    finally:
        engine._Loop._predict = orig
    assert res.info["turns"] > 0 and res.info["decoded"] == 0
    assert res.cost == plain.cost and np.array_equal(res.encoding, plain.encoding)
    assert [t[0] for t in res.trace] == [t[0] for t in plain.trace]


@pytest.mark.parametrize("fn", ["neural_search", "cem", "local_search"])
def test_searches_use_the_search_decoders(fn):
    inst = PROBLEM.generate(1009, klass=8, n=40)
    run = {"neural_search": neural_search, "cem": cem, "local_search": local_search}[fn]
    res = run(PROBLEM, inst, Budget(max_evals=300), seed=0)
    assert PROBLEM.search_decoders and res.decoder in PROBLEM.search_decoders
    assert res.evaluations <= 300


def test_start_up_is_charged_to_the_budget_and_a_short_one_runs_the_search_alone():
    """The network's start-up runs on the run's clock; a budget too short to pay it skips the network."""
    from nnopt.solver.engine_methods import EngineMethod

    inst = PROBLEM.generate(70, klass=1, n=30)
    method = nnopt.get_method("nnopt-cem")
    assert isinstance(method, EngineMethod)
    short = Budget(time_limit=0.3)
    assert not method.network_pays(short)
    res = nnopt.solve(inst, problem="binpack2d", method="nnopt-cem", time_limit=0.3)
    assert res.notes and "network skipped" in res.notes[0] and res.evaluations > 0
    assert res.to_json()["notes"] == res.notes
    assert method.network_pays(Budget(max_evals=100))  # decode budgets do not depend on the clock
    res = nnopt.solve(inst, problem="binpack2d", method="nnopt-cem", max_evals=300)
    assert res.notes == []


def test_methods_needing_shipped_weights_are_offered_only_where_they_exist():
    from nnopt.problems.capabilities import TokenFeatures

    tsp = get_problem("tsp")
    assert not isinstance(tsp, TokenFeatures)
    from nnopt.solver.methods import UnsupportedMethodError, available_methods, get_method

    assert get_method("nnopt-amortised").unsupported(tsp) == (
        "needs the TokenFeatures capability (token_features) with shipped weights (pretrained_scorer)")
    assert "nnopt-amortised" not in {m.name for m in available_methods(tsp)}
    assert "nnopt-amortised" in {m.name for m in available_methods(PROBLEM)}
    with pytest.raises(UnsupportedMethodError, match="does not solve 'tsp': needs the TokenFeatures capability"):
        nnopt.solve(tsp.generate(1, n=20), problem="tsp", method="nnopt-amortised", max_evals=10)
    assert not get_method("nnopt-amortised-control").supports(tsp)


def test_the_assignment_search_uses_the_assignment_decoders():
    inst = PROBLEM.generate(1009, klass=8, n=40)
    res = cem(PROBLEM, inst, Budget(max_evals=300), seed=0, encoding="assignment")
    assert res.decoder in PROBLEM.search_decoders_for("assignment") and res.evaluations <= 300
