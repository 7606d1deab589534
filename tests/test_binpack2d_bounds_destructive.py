"""The destructive CP-SAT bound: never above an optimum, monotone under adding items, and it closes gaps.

Tiny instances are solved exactly by brute force (the helpers of the older bound
tests); there CP-SAT answers in milliseconds, so with a generous cap the bound is
exact, and monotone because the optimum is.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnopt.problems.binpack2d._bounds import bounds_report, lower_bound
from nnopt.problems.binpack2d._bounds_destructive import destructive_bound
from nnopt.problems.binpack2d._instance import BinPackInstance, read_instance
from nnopt.problems.binpack2d._known_optimum import generate_known_optimum

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_bounds_brute", HERE / "test_binpack2d_bounds.py")
brute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(brute)  # type: ignore[union-attr]
INSTANCES = HERE.parent / "benchmarks" / "data" / "2bp" / "instances"


#: an instance from (bin width, height) and item sizes, as in the brute-force bounds tests
make = brute.make


@st.composite
def tiny_pair(draw: st.DrawFn) -> tuple[BinPackInstance, BinPackInstance]:
    W, H = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    rotation = draw(st.booleans())
    items = [(draw(st.integers(1, W)), draw(st.integers(1, H))) for _ in range(draw(st.integers(1, 5)))]
    extra = [(draw(st.integers(1, W)), draw(st.integers(1, H))) for _ in range(draw(st.integers(1, 2)))]
    return make((W, H), items, rotation), make((W, H), items + extra, rotation)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_pair())
def test_never_above_the_optimum_and_monotone(pair: tuple[BinPackInstance, BinPackInstance]) -> None:
    small, large = pair
    # From the weakest start (1 bin) the loop has to prove every step itself.
    b_small = destructive_bound(small, 1, time_limit=10.0)
    b_large = destructive_bound(large, 1, time_limit=10.0)
    assert b_small <= brute._optimum(small) and b_large <= brute._optimum(large)
    assert b_large >= b_small


@pytest.mark.parametrize("rotation", [False, True])
def test_known_optimum_instances(rotation: bool) -> None:
    for seed in range(3):
        inst = generate_known_optimum(3, 14, seed, allow_rotation=rotation)
        assert destructive_bound(inst, 1, time_limit=5.0) <= 3


def test_closes_a_classic_gap_within_a_second() -> None:
    inst = read_instance(INSTANCES / "CLASS03_100_06.json")  # cheap bound 26, optimum 27
    assert lower_bound(inst) == 26
    assert destructive_bound(inst, 26, time_limit=10.0) == 27  # 0.2 s on a quiet machine
    report = dict((name, v) for name, v, _ in bounds_report(inst, column_generation=None, destructive=10.0))
    assert report["best"] == 27 and report["destructive (cp-sat: fewer bins infeasible)"] == 27
