"""The strong binpack2d bounds: DFF bounds and the column-generation (set-cover LP) bound.

A bound above the optimum would let nnopt call a non-optimal packing optimal, so
each piece is tested against exact answers: the DFFs for dual feasibility
(superadditivity, exhaustively for small capacities), the pattern check and the
pricing against brute force, and the bounds against brute-forced optima of tiny
instances, the known-optimum generator and the classic instances' best known
values.
"""
from __future__ import annotations

import csv
import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnopt.problems.binpack2d._bounds import bounds_report, lower_bound, lower_bounds
from nnopt.problems.binpack2d._bounds_colgen import colgen_bound, conflicts, fits_one_bin, pricing_rows
from nnopt.problems.binpack2d._bounds_colgen_pricing import price
from nnopt.problems.binpack2d._bounds_dff import best_dff_pairs, dff_bound, dff_item_terms, dff_values
from nnopt.problems.binpack2d._instance import BinPackInstance, read_instance
from nnopt.problems.binpack2d._known_optimum import generate_known_optimum

HERE = Path(__file__).resolve().parent
# The brute-force helpers (exact one-bin check, exact optimum) live with the older bound tests.
_spec = importlib.util.spec_from_file_location("_bounds_brute", HERE / "test_binpack2d_bounds.py")
brute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(brute)  # type: ignore[union-attr]

DATA = HERE.parent / "benchmarks" / "data" / "2bp"  # ships with the repository


#: an instance from (bin width, height) and item sizes, as in the brute-force bounds tests
make = brute.make


# ------------------------------------------------------------------------ the DFFs
FAMILIES = [("identity", [0]), ("f0", None), ("u", range(1, 30)), ("f2", None)]


@pytest.mark.parametrize("cap", range(1, 41))
def test_every_dff_is_superadditive_and_nondecreasing(cap: int) -> None:
    # f(0) = 0, nondecreasing and superadditive on 0..C imply dual feasibility:
    # sum f(x_i) <= f(sum x_i) <= f(C) whenever sum x_i <= C.
    x = np.arange(cap + 1)
    for kind, params in FAMILIES:
        for p in params if params is not None else range(1, cap // 2 + 1):
            f = dff_values(kind, p, x, cap)
            assert f[0] == 0 and np.all(np.diff(f) >= 0), (kind, p, cap)
            pair = f[:, None] + f[None, :]
            total = x[:, None] + x[None, :]
            ok = total <= cap
            assert np.all(pair[ok] <= f[total[ok]]), (kind, p, cap)


def test_dff_bound_beats_l2_where_expected() -> None:
    # Six 4x4 items in a 10x10 bin: area 96 <= 100 and no item is above half, so
    # L2 says 1; but at most two 4-wide items stand side by side (3 x 4 > 10), so
    # at most 2 x 2 = 4 fit a bin. u^(2) maps 4 -> 10 (floor(3 * 4 / 10) = 1, x C):
    # each item counts 10 x 10 of 20 x 20, so 6 items need ceil(6/4) = 2 bins.
    inst = make((10, 10), [(4, 4)] * 6)
    assert lower_bounds(inst)["L2"] == 1
    assert dff_bound(inst) == 2 == lower_bound(inst)


def test_dff_rotation_stays_valid() -> None:
    # 10x3 items in a 10x10 bin: upright, three stack and a fourth does not fit
    # (4 x 3 > 10, and 10 + 10 > 10 side by side), so four need two bins. With
    # rotation the answer is still two (area 120 > 100, and three 3x10 stand side by
    # side), and the rotation-aware bound must find no more than that.
    assert lower_bound(make((10, 10), [(10, 3)] * 4)) == 2
    assert lower_bound(make((10, 10), [(10, 3)] * 4, rotation=True)) == 2
    # Written turned and allowed to turn: the same instance, the same bound.
    assert lower_bound(make((10, 10), [(3, 10)] * 4, rotation=True)) == 2


def test_dff_item_terms_are_valid_rows() -> None:
    # Every row of the pricing relaxation must hold for a set that truly fits.
    inst = make((10, 10), [(5, 5)] * 4 + [(3, 7), (7, 3)])
    A, b = pricing_rows(inst)
    four = np.zeros(inst.n, dtype=np.int64)
    four[:4] = 1  # four 5x5 squares tile the bin
    assert np.all(A @ four <= b)
    terms, caps = dff_item_terms(inst, best_dff_pairs(inst, 5))
    assert np.all(terms @ four <= caps)


# ----------------------------------------------------------- exact pattern check
@st.composite
def tiny_sets(draw: st.DrawFn) -> tuple[list[list[tuple[int, int]]], int, int, bool]:
    W, H = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    rotation = draw(st.booleans())
    items = []
    for _ in range(draw(st.integers(1, 5))):
        w, h = draw(st.integers(1, W)), draw(st.integers(1, H))
        items.append((w, h))
    shapes = [[(w, h)] + ([(h, w)] if rotation and h <= W and w <= H and w != h else []) for w, h in items]
    return shapes, W, H, rotation


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_sets())
def test_fits_one_bin_agrees_with_brute_force(case: tuple[list[list[tuple[int, int]]], int, int, bool]) -> None:
    shapes, W, H, rotation = case
    got = fits_one_bin(shapes, W, H, time_limit=5.0)
    assert got is not None
    assert got == brute._fits_one_bin(tuple(o[0] for o in shapes), W, H, rotation)


def test_pricing_is_exact_on_small_cases() -> None:
    rng = np.random.default_rng(7)
    for _ in range(40):
        n = int(rng.integers(2, 11))
        val = rng.random(n)
        rows = rng.integers(1, 10, size=(3, n))
        caps = rng.integers(5, 25, size=3)
        conflict = rng.random((n, n)) < 0.2
        conflict = conflict | conflict.T
        np.fill_diagonal(conflict, False)
        nogoods = [np.sort(rng.choice(n, size=2, replace=False)) for _ in range(int(rng.integers(0, 3)))]
        best = 0.0
        for r in range(1, n + 1):
            for s in itertools.combinations(range(n), r):
                x = np.zeros(n, dtype=np.int64)
                x[list(s)] = 1
                if np.any(rows @ x > caps) or conflict[np.ix_(s, s)].any():
                    continue
                if any(set(g.tolist()) <= set(s) for g in nogoods):
                    continue
                best = max(best, float(val[list(s)].sum()))
        z, sets, exact = price(val, rows, caps, conflict, nogoods)
        assert exact and best <= z <= best + 1e-6
        # Cut short, the search still returns an upper bound on the optimum.
        for limit in (1, 3, 10):
            z_cut, _, _ = price(val, rows, caps, conflict, nogoods, node_limit=limit)
            assert z_cut >= best - 1e-9
        if best > 0:
            assert float(val[sets[0]].sum()) == pytest.approx(best)


# ----------------------------------------------------- validity against optima
@st.composite
def tiny_instances(draw: st.DrawFn) -> BinPackInstance:
    W, H = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    rotation = draw(st.booleans())
    items = []
    for _ in range(draw(st.integers(1, 6))):
        w, h = draw(st.integers(1, W)), draw(st.integers(1, H))
        if rotation and draw(st.booleans()):
            w, h = h, w
        items.append((w, h))
    return make((W, H), items, rotation)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_bounds_never_exceed_the_optimum(inst: BinPackInstance) -> None:
    opt = brute._optimum(inst)
    assert lower_bound(inst) <= opt
    assert dff_bound(inst) <= opt
    assert colgen_bound(inst, time_limit=2.0) <= opt
    assert colgen_bound(inst, time_limit=2.0, exact_check=False) <= opt


def test_column_generation_sees_what_dffs_miss() -> None:
    # In a 6x6 bin these four items conflict pairwise (for every pair, the widths
    # sum above 6 and so do the heights), so each needs its own bin. The cheap
    # bounds see only the three wide ones; the set-cover LP's patterns are
    # singletons, so its value is 4.
    inst = make((6, 6), [(5, 4), (5, 5), (5, 3), (3, 4)])
    assert brute._optimum(inst) == 4
    assert lower_bound(inst) == 3
    assert colgen_bound(inst, time_limit=5.0) == 4
    assert dict((k, v) for k, v, _ in bounds_report(inst))["best"] == 4


@pytest.mark.parametrize("rotation", [False, True])
@pytest.mark.parametrize("bins,n,seed", [(1, 5, 0), (3, 14, 2), (5, 40, 3)])
def test_known_optimum_instances(bins: int, n: int, seed: int, rotation: bool) -> None:
    inst = generate_known_optimum(bins, n, seed, allow_rotation=rotation)
    assert lower_bound(inst) == bins
    report = dict((name, v) for name, v, _ in bounds_report(inst, column_generation=1.0))
    assert all(v <= bins for v in report.values())
    assert report["best"] == bins


@st.composite
def instance_and_extra(draw: st.DrawFn) -> tuple[BinPackInstance, BinPackInstance]:
    W, H = draw(st.integers(2, 20)), draw(st.integers(2, 20))
    rotation = draw(st.booleans())
    items = [(draw(st.integers(1, W)), draw(st.integers(1, H))) for _ in range(draw(st.integers(1, 25)))]
    extra = [(draw(st.integers(1, W)), draw(st.integers(1, H))) for _ in range(draw(st.integers(1, 5)))]
    return make((W, H), items, rotation), make((W, H), items + extra, rotation)


@settings(max_examples=200, deadline=None)
@given(instance_and_extra())
def test_default_bound_is_monotone_under_adding_items(pair: tuple[BinPackInstance, BinPackInstance]) -> None:
    # With at most 20 distinct sizes no candidate threshold is thinned out, so the
    # larger instance's maximum runs over a superset of terms, each no smaller.
    small, large = pair
    assert lower_bound(large) >= lower_bound(small)
    assert dff_bound(large) >= dff_bound(small)


def test_conflicts_respect_rotation() -> None:
    inst = make((10, 10), [(6, 6), (6, 6), (6, 4), (4, 6)])
    c = conflicts(inst)
    assert c[0, 1] and not c[2, 3]
    turned = make((10, 4), [(3, 8), (3, 8)], rotation=True)  # only the turned 8x3 fits; two stack? 3 + 3 > 4
    assert conflicts(turned)[0, 1]


# -------------------------------------------------------------- classic instances
def _csv(name: str) -> dict[str, dict[str, str]]:
    assert DATA is not None
    with open(DATA / name, newline="") as fh:
        return {row["name"]: row for row in csv.DictReader(fh)}


def test_classic_default_bound_is_valid_and_strong() -> None:
    ref = _csv("reference.csv")
    rot = _csv("reference_rotation.csv")
    total = 0
    for name, row in ref.items():
        inst = read_instance(DATA / "instances" / f"{name}.json")
        b = lower_bound(inst)
        assert b <= int(row["best_known"]), name
        total += b
        turned = read_instance(DATA / "instances" / f"{name}.json", allow_rotation=True)
        assert lower_bound(turned) <= int(rot[name]["best_known_rotation"]), name
    # Regression floor: the DFF bound lifted the sum from 6979 (L2) to 7138.
    assert total >= 7138


@pytest.mark.parametrize("name", ["CLASS03_020_06", "CLASS05_020_01", "CLASS09_080_05", "CLASS01_040_03"])
def test_classic_column_generation_closes_gaps(name: str) -> None:
    # On these the cheap bounds are one below the best known value and the
    # set-cover LP reaches it, which proves the best known packing optimal.
    inst = read_instance(DATA / "instances" / f"{name}.json")
    best_known = int(_csv("reference.csv")[name]["best_known"])
    assert lower_bound(inst) == best_known - 1
    assert colgen_bound(inst, time_limit=5.0, start=lower_bound(inst)) == best_known


def test_report_seeded_by_a_packing_stays_valid() -> None:
    from nnopt.problems.binpack2d._known_optimum import generate_known_optimum_packing

    inst, packing = generate_known_optimum_packing(4, 30, 5)
    rows = bounds_report(inst, column_generation=0.5, upper=4, packing=packing)
    assert [r[0] for r in rows][-1] == "best"
    assert all(v <= 4 for _, v, _ in rows) and rows[-1][1] == 4
