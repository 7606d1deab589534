"""benchmarks/blackbox.py: its objectives compute what their definitions say, its rows survive an
interruption, and the rule that sets ``nnopt.minimize``'s default reads the table as documented."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("_blackbox_benchmark", REPO / "benchmarks" / "blackbox.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["_blackbox_benchmark"] = bench
_spec.loader.exec_module(bench)


def test_labs_energy_of_a_short_sequence_by_hand():
    energy, space = bench.labs(3)
    # +1 +1 -1: C1 = 1 - 1 = 0, C2 = -1, so E = 0 + 1
    assert energy(np.array([True, True, False])) == 1.0
    assert energy(np.ones(3, dtype=bool)) == 2.0 ** 2 + 1.0 ** 2
    assert space.n == 3


def test_maxcut_counts_the_edges_across_the_cut():
    fn, _ = bench.maxcut(30, 0.3, 0)
    assert fn(np.zeros(30, dtype=bool)) == 0.0
    rng = np.random.default_rng(1)
    side = rng.random(30) < 0.5
    assert fn(side) == fn(~side) < 0


def test_pest_control_prices_and_infestation_follow_the_published_model():
    cost, space = bench.pest_control()
    assert space.code_size == 25 and list(space.counts) == [5] * 25
    untreated = cost([0] * 25)
    # no pesticide: nothing is paid, and the pests only grow, so the share of fields above the
    # threshold never falls: the cost is a sum of 25 non-decreasing shares
    assert 0 < untreated <= 25
    # pesticide 4 every stage: price 0.5 and no discount, 12.5 paid in all, and the pests are kept down
    only_four = cost([4] * 25)
    assert 12.5 < only_four < untreated
    # pesticide 2 every stage: price 0.8 less a 0.3 discount for 25 uses out of 25
    assert 25 * 0.8 * 0.7 < cost([2] * 25) < 25 * 0.8 * 0.7 + untreated
    # one use of pesticide 1 among untreated stages: its full price 1.0 less 0.2 / 25, and fewer pests
    once = cost([1] + [0] * 24)
    assert 0 < once - (1.0 - 0.2 / 25) < untreated
    assert cost([1, 2, 3, 4, 0] * 5) == cost([1, 2, 3, 4, 0] * 5)  # fixed draws: deterministic


def test_rows_are_appended_and_read_back(tmp_path):
    path = str(tmp_path / "rows.csv")
    for seed in range(2):
        bench.append_row(path, {"problem": "labs30", "budget": 50, "method": "cem", "seed": seed,
                                "best": 100.0 + seed, "seconds": 0.5})
    rows = bench.read_rows(path)
    assert [r["seed"] for r in rows] == [0, 1] and rows[1]["best"] == 101.0
    assert Path(path).read_text().count("problem,budget") == 1


def _rows(network_gain: float) -> list[dict]:
    """Seeds x problems where the network beats every other method by ``network_gain``."""
    rng = np.random.default_rng(0)
    rows = []
    for problem in bench.PROBLEMS:
        for seed in range(10):
            base = float(rng.normal(100, 5))
            for budget in (100, 300):
                for i, method in enumerate((*bench.NNOPT_METHODS, "optuna-tpe")):
                    value = base + i + float(rng.normal(0, 0.1)) - (network_gain if method == "network" else 0)
                    rows.append({"problem": problem, "budget": budget, "method": method, "seed": seed,
                                 "best": value, "seconds": 1.0})
    return rows


def test_the_network_becomes_the_default_only_when_it_meets_every_condition():
    won = bench.summary(_rows(network_gain=10.0))
    assert "So `method=\"auto\"` runs **network**: the network met every condition" in won
    lost = bench.summary(_rows(network_gain=-1.5))
    # the network is then second among nnopt's methods (0.5 worse than network-random-step, 0.5 better than no-model)
    assert "the network did not meet every condition" in lost
    assert "runs **network-random-step**" in lost
