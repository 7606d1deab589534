"""The exact CP-SAT baseline: proves optima, never loses to its hint, always checks."""
from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnopt.baselines.binpack2d_cpsat import (
    CpSatResult,
    conflict_matrix,
    greedy_clique,
    heuristic_packing,
    solve_cpsat,
)
from nnopt.problems.binpack2d import BinPack2D, Packing, parse_instance
from nnopt.problems.binpack2d._bestfit_kernels import BESTFIT_DECODER
from nnopt.problems.binpack2d._bounds import lower_bound
from nnopt.problems.binpack2d._checker import check_packing
from nnopt.problems.binpack2d._kernels import RULE_NAMES
from nnopt.problems.binpack2d._known_optimum import generate_known_optimum

CLASSIC = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "2bp"
WORKERS = 2
#: Generous: every proof below takes well under a second, the limit only guards a hang.
LIMIT = 20.0


def assert_sound(inst, result: CpSatResult) -> None:
    assert result.packing is not None
    assert check_packing(inst, result.packing) == []
    assert result.objective == result.packing.num_bins
    bins = np.unique(result.packing.placements[:, 1])
    assert bins.tolist() == list(range(result.objective))  # renumbered contiguously
    assert lower_bound(inst) <= result.bound <= result.objective
    assert result.status in ("OPTIMAL", "FEASIBLE")
    assert (result.status == "OPTIMAL") == (result.bound == result.objective)


def each_heuristic_bins(inst, decoders: tuple[str, ...] | None = None) -> list[int]:
    problem = BinPack2D()
    encodings = problem.heuristic_encodings(inst)
    return [int(b) for d in decoders or problem.decoders
            for b in problem.decode(inst, encodings, decoder=d).num_bins()]


def pinwheel_instance(rotation: bool):
    """The classic 6x6 pinwheel: one bin holds all five, no shelf or corner rule finds it."""
    return parse_instance({
        "name": "pinwheel6",
        "bin": {"width": 6, "height": 6},
        "items": [{"width": 4, "height": 2, "count": 2}, {"width": 2, "height": 4, "count": 2},
                  {"width": 2, "height": 2}],
        "allow_rotation": rotation,
    })


@pytest.mark.parametrize(
    "bins,n,seed,guillotine,rotation",
    [
        (2, 6, 0, True, False),
        (2, 9, 1, False, False),
        (3, 12, 2, True, True),
        (3, 14, 3, False, True),
        (4, 16, 4, True, False),
        (4, 16, 6, False, False),
        (2, 10, 6, False, True),
    ],
)
def test_known_optimum_is_proven(bins, n, seed, guillotine, rotation):
    inst = generate_known_optimum(bins, n, seed, width=10, height=10, guillotine=guillotine,
                                  allow_rotation=rotation)
    result = solve_cpsat(inst, time_limit=LIMIT, workers=WORKERS)
    assert_sound(inst, result)
    assert result.status == "OPTIMAL"
    assert result.objective == result.bound == bins
    assert min(each_heuristic_bins(inst)) >= bins


@pytest.mark.parametrize("rotation", [False, True])
def test_proves_the_pinwheel_that_heuristics_miss(rotation):
    inst = pinwheel_instance(rotation)
    # every order-driven rule misses it; the gap-driven skyline-bestfit packs it where items may turn
    assert min(each_heuristic_bins(inst, tuple(RULE_NAMES))) == 2
    assert min(each_heuristic_bins(inst, (BESTFIT_DECODER,))) == (1 if rotation else 2)
    result = solve_cpsat(inst, time_limit=LIMIT, workers=WORKERS)
    assert_sound(inst, result)
    assert (result.status, result.objective) == ("OPTIMAL", 1)


def test_proves_optimum_without_the_bound_constraint():
    inst = generate_known_optimum(2, 10, 3, width=8, height=8, guillotine=False)
    result = solve_cpsat(inst, time_limit=LIMIT, workers=WORKERS, use_bound=False)
    assert_sound(inst, result)
    assert (result.status, result.objective) == ("OPTIMAL", 2)


@settings(max_examples=25)
@given(
    data=st.data(),
    n=st.integers(1, 7),
    W=st.integers(1, 8),
    H=st.integers(1, 8),
    rotation=st.booleans(),
)
def test_tiny_random_instances_are_solved_to_optimality(data, n, W, H, rotation):
    sizes = data.draw(st.lists(st.tuples(st.integers(1, W), st.integers(1, H)), min_size=n, max_size=n))
    inst = parse_instance({"bin": {"width": W, "height": H}, "allow_rotation": rotation,
                           "items": [{"width": w, "height": h} for w, h in sizes]})
    result = solve_cpsat(inst, time_limit=LIMIT, workers=WORKERS)
    assert_sound(inst, result)
    assert result.status == "OPTIMAL"
    assert lower_bound(inst) <= result.objective <= heuristic_packing(inst).num_bins


def test_never_worse_than_its_hint():
    inst = generate_known_optimum(3, 14, 8, width=10, height=10, guillotine=False)
    # One item per bin, bins numbered sparsely: a poor but feasible hint.
    rows = np.array([(i, 3 * i, 0, 0, w, h, 0) for i, (w, h) in
                     enumerate(zip(inst.widths.tolist(), inst.heights.tolist()))], dtype=np.int64)
    poor = Packing(rows)
    result = solve_cpsat(inst, time_limit=0.01, workers=1, hint=poor)
    assert_sound(inst, result)
    assert result.objective <= poor.num_bins
    good = solve_cpsat(inst, time_limit=LIMIT, workers=WORKERS, hint=poor)
    assert (good.status, good.objective) == ("OPTIMAL", 3)


def test_hint_reaching_the_bound_returns_at_once():
    inst = parse_instance({"bin": {"width": 10, "height": 10},
                           "items": [{"width": 10, "height": 6}, {"width": 10, "height": 4}]})
    hint = Packing(np.array([(0, 7, 0, 4, 10, 6, 0), (1, 7, 0, 0, 10, 4, 0)], dtype=np.int64))
    result = solve_cpsat(inst, time_limit=LIMIT, workers=WORKERS, hint=hint)
    assert_sound(inst, result)
    assert (result.status, result.objective, result.bound) == ("OPTIMAL", 1, 1)
    assert result.packing.placements[:, 2:4].tolist() == [[0, 4], [0, 0]]  # the hint itself, bin renamed


def test_bad_arguments_are_refused():
    inst = pinwheel_instance(False)
    overlapping = Packing(np.array([(i, 0, 0, 0, int(w), int(h), 0) for i, (w, h) in
                                    enumerate(zip(inst.widths, inst.heights))], dtype=np.int64))
    with pytest.raises(ValueError, match="hint"):
        solve_cpsat(inst, hint=overlapping)
    for kwargs, word in [({"time_limit": 0}, "time_limit"), ({"time_limit": float("nan")}, "time_limit"),
                         ({"workers": -1}, "workers"), ({"seed": 1.5}, "seed")]:
        with pytest.raises(ValueError, match=word):
            solve_cpsat(inst, **kwargs)


def test_conflicts_are_pairs_that_cannot_share_a_bin():
    inst = parse_instance({"bin": {"width": 10, "height": 10}, "allow_rotation": True,
                           "items": [{"width": 6, "height": 6}, {"width": 6, "height": 7},
                                     {"width": 9, "height": 3}, {"width": 3, "height": 9},
                                     {"width": 5, "height": 5}]})
    c = conflict_matrix(inst)
    assert (c == c.T).all() and not c.diagonal().any()
    for i, j in itertools.combinations(range(inst.n), 2):
        # brute force: any orientation pair side by side or stacked?
        fits = False
        for a, b in itertools.product([False, True], repeat=2):
            wi, hi = (inst.heights[i], inst.widths[i]) if a else (inst.widths[i], inst.heights[i])
            wj, hj = (inst.heights[j], inst.widths[j]) if b else (inst.widths[j], inst.heights[j])
            fits |= wi + wj <= 10 or hi + hj <= 10
        assert c[i, j] == (not fits), (i, j)
    clique = greedy_clique(c, inst.widths * inst.heights)
    assert all(c[a, b] for a, b in itertools.combinations(clique, 2))
    assert sorted(clique) == [0, 1, 4]  # 6x6, 6x7 and 5x5; the 9x3 (3x9) fits beside any of them


@pytest.mark.parametrize("name", ["CLASS01_020_01", "CLASS05_020_05", "CLASS07_020_08", "CLASS08_020_05",
                                  "CLASS10_020_09"])
def test_classic_n20_best_known_is_proven(name):
    folder = CLASSIC
    from nnopt.problems.binpack2d import read_instance

    with open(folder / "reference.csv", newline="") as fh:
        best = {row["name"]: int(row["best_known"]) for row in csv.DictReader(fh)}
    inst = read_instance(folder / "instances" / f"{name}.json")
    result = solve_cpsat(inst, time_limit=10.0, workers=WORKERS)
    assert_sound(inst, result)
    assert (result.status, result.objective) == ("OPTIMAL", best[name])
