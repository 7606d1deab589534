"""The budgeted bounds report and its parts: reductions, the CPU-capped CP-SAT, the quick packing.

Validity is checked against exact optima (brute force on tiny instances, the
known-optimum generator, classic instances with proofs); the behaviour tests
use generous caps, so no assertion depends on how fast the machine is.
"""
from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnopt.problems.binpack2d._bounds import (
    COLGEN_ROW,
    DESTRUCTIVE_ROW,
    LONG_SHARE,
    bounds_report,
    long_item_share,
    lower_bound,
)
from nnopt.problems.binpack2d._bounds_reduce import fits_three, reduce_instance, sub_instance
from nnopt.problems.binpack2d._bounds_upper import quick_packing_bins
from nnopt.problems.binpack2d._instance import BinPackInstance, read_instance
from nnopt.problems.binpack2d._known_optimum import generate_known_optimum
from nnopt.problems.binpack2d._prove_cpsat import fewer_bins

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_bounds_brute", HERE / "test_binpack2d_bounds.py")
brute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(brute)  # type: ignore[union-attr]
INSTANCES = HERE.parent / "benchmarks" / "data" / "2bp" / "instances"


#: an instance from (bin width, height) and item sizes, as in the brute-force bounds tests
make = brute.make


def best_of(rows: list[tuple[str, int, float]]) -> int:
    return dict((name, v) for name, v, _ in rows)["best"]


@st.composite
def tiny(draw: st.DrawFn, max_items: int = 6) -> BinPackInstance:
    W, H = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    rotation = draw(st.booleans())
    items = [(draw(st.integers(1, W)), draw(st.integers(1, H))) for _ in range(draw(st.integers(1, max_items)))]
    return make((W, H), items, rotation)


# ------------------------------------------------------------------ reductions
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny())
def test_reduction_keeps_the_optimum(inst: BinPackInstance) -> None:
    """OPT = fixed bins + OPT(items left): the claim every use of the reduction rests on."""
    fixed, left = reduce_instance(inst)
    rest = brute._optimum(sub_instance(inst, left)) if left.any() else 0
    assert fixed + rest == brute._optimum(inst)


def test_reduction_fixes_what_it_should() -> None:
    # R1: the 6x6 item shares a bin only with the 4x1 one, and both fit together.
    inst = make((10, 10), [(6, 6), (4, 1), (5, 5), (5, 5), (5, 5)])
    fixed, left = reduce_instance(inst)
    assert fixed >= 1 and not left[0] and not left[1]
    # R2: the 6x6 item fits with any one of 4x7, 4x6, 3x7 but never with two of them, so R1
    # cannot fire; 4x7 dominates the others, so {6x6, 4x7} is fixed. Then {4x6, 3x7} (R1),
    # and each 8x8 alone (nothing shares its bin): 5 bins, the optimum.
    inst = make((10, 10), [(6, 6), (4, 7), (4, 6), (3, 7), (8, 8), (8, 8), (8, 8)])
    compat = reduce_instance(make((10, 10), [(6, 6), (4, 7), (4, 6), (3, 7)]))
    assert compat[0] == 2 and not compat[1].any()
    fixed, left = reduce_instance(inst)
    assert fixed == 5 == brute._optimum(inst) and not left.any()


@st.composite
def triples(draw: st.DrawFn) -> tuple[list[tuple[int, int]], int, int]:
    W, H = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    return [(draw(st.integers(1, W)), draw(st.integers(1, H))) for _ in range(3)], W, H


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(triples())
def test_fits_three_is_exact(case: tuple[list[tuple[int, int]], int, int]) -> None:
    items, W, H = case
    assert fits_three(*items, W, H) == brute._fits_one_bin(tuple(items), W, H, False)


# ------------------------------------------------------------- CPU-capped CP-SAT
def test_cpu_cap_stops_a_long_search() -> None:
    inst = read_instance(INSTANCES / "CLASS03_060_02.json")  # 12 bins: infeasible, about a second to prove
    start = time.process_time()
    status, _ = fewer_bins(inst, 12, time_limit=120.0, workers=1, cpu_limit=0.05, quick_refute=True)
    assert status == "UNKNOWN"
    assert time.process_time() - start < 60  # the wall cap (120 s) did not have to end it


def test_quick_refute_answers_like_the_default_model() -> None:
    inst = read_instance(INSTANCES / "CLASS05_080_10.json")  # optimum 23
    assert fewer_bins(inst, 22, 60.0, workers=1, quick_refute=True)[0] == "INFEASIBLE"
    status, packing = fewer_bins(inst, 23, 60.0, workers=1, quick_refute=True)
    assert status == "FEASIBLE" and packing is not None and packing.num_bins <= 23


# ------------------------------------------------------------------ quick packing
@pytest.mark.parametrize("name", ["CLASS01_040_02", "CLASS07_100_03", "CLASS09_020_01"])
def test_quick_packing_is_a_partition_above_the_bound(name: str) -> None:
    inst = read_instance(INSTANCES / f"{name}.json")
    bins, sets = quick_packing_bins(inst)
    assert len(sets) == bins and sorted(np.concatenate(sets).tolist()) == list(range(inst.n))
    assert bins >= lower_bound(inst)


# ------------------------------------------------------------------- the report
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny(max_items=5))
def test_budgeted_report_is_exact_on_tiny_instances(inst: BinPackInstance) -> None:
    """With a generous budget every step finishes: the best bound is the optimum, so never above it
    and monotone under adding items."""
    rows = bounds_report(inst, column_generation=5.0, destructive=5.0, budget=20.0)
    assert best_of(rows) == brute._optimum(inst)
    assert all(v <= best_of(rows) for _, v, _ in rows)


@pytest.mark.parametrize("rotation", [False, True])
def test_budgeted_report_on_known_optima(rotation: bool) -> None:
    for seed in range(3):
        inst = generate_known_optimum(4, 20, seed, allow_rotation=rotation)
        rows = bounds_report(inst, column_generation=1.0, destructive=1.0, budget=1.0)
        assert all(v <= 4 for _, v, _ in rows)


@pytest.mark.parametrize("name,cheap,optimum,first", [
    ("CLASS05_080_10", 22, 23, DESTRUCTIVE_ROW),  # CP-SAT first: few long items
    ("CLASS07_040_03", 9, 10, COLGEN_ROW),  # column generation first: mostly long items
])
def test_budgeted_report_closes_classic_gaps(name: str, cheap: int, optimum: int, first: str) -> None:
    inst = read_instance(INSTANCES / f"{name}.json")
    assert lower_bound(inst) == cheap
    assert (long_item_share(inst) >= LONG_SHARE) == (first == COLGEN_ROW)
    rows = bounds_report(inst, column_generation=30.0, destructive=30.0, budget=60.0)
    values = dict((n, v) for n, v, _ in rows)
    assert values["best"] == optimum and values[first] == optimum


def test_budgeted_report_skips_what_a_packing_already_settles() -> None:
    inst = read_instance(INSTANCES / "CLASS02_020_01.json")
    rows = bounds_report(inst, column_generation=1.0, destructive=1.0, budget=1.0)
    values = dict((n, (v, s)) for n, v, s in rows)
    assert values["best"][0] == lower_bound(inst) == quick_packing_bins(inst)[0]
    assert values[DESTRUCTIVE_ROW] == (values["best"][0], 0.0) and values[COLGEN_ROW][1] == 0.0


def test_cli_budget_names_every_bound() -> None:
    import json
    import subprocess
    import sys

    nnopt = Path(sys.executable).parent / "nnopt"
    res = subprocess.run([str(nnopt), "bounds", str(INSTANCES / "CLASS05_080_10.json"), "--budget", "30", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    rows = {b["name"]: b["value"] for b in json.loads(res.stdout)["bounds"]}
    assert {DESTRUCTIVE_ROW, COLGEN_ROW, "dff (fekete-schepers, carlier-clautiaux-moukrim)", "best"} <= set(rows)
    assert rows["best"] == 23  # CP-SAT proves 22 bins too few (the optimum is 23)
    bad = subprocess.run([str(nnopt), "bounds", str(INSTANCES / "CLASS05_080_10.json"), "--budget", "-1"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "--budget" in bad.stderr
