"""Known-optimum instances: bins cut into pieces, so the optimum is the bin count."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnopt.problems.binpack2d._bounds import lower_bound, lower_bounds
from nnopt.problems.binpack2d._checker import check_packing
from nnopt.problems.binpack2d._known_optimum import (
    generate_known_optimum,
    generate_known_optimum_packing,
    has_full_cut,
    pinwheel,
)


def guillotine_separable(pieces: list[tuple[int, int, int, int]]) -> bool:
    """Plain recursive test: can the pieces be separated by edge-to-edge cuts only?

    Written independently of the generator's ``has_full_cut``: it looks for a
    line at a piece edge that no piece straddles, splits, and recurses.
    """
    if len(pieces) <= 1:
        return True
    for lo, size in ((0, 2), (1, 3)):
        for cut in sorted({p[lo] for p in pieces} | {p[lo] + p[size] for p in pieces}):
            below = [p for p in pieces if p[lo] + p[size] <= cut]
            above = [p for p in pieces if p[lo] >= cut]
            if below and above and len(below) + len(above) == len(pieces):
                return guillotine_separable(below) and guillotine_separable(above)
    return False


def bins_of(packing, bins):
    rows = packing.placements
    return [[tuple(r) for r in rows[rows[:, 1] == b][:, 2:6].tolist()] for b in range(bins)]


def test_same_arguments_same_instance_and_seed_matters():
    a = generate_known_optimum(3, 15, seed=4, guillotine=False, allow_rotation=True)
    b = generate_known_optimum(3, 15, seed=4, guillotine=False, allow_rotation=True)
    c = generate_known_optimum(3, 15, seed=5, guillotine=False, allow_rotation=True)
    assert a == b
    assert a.item_types != c.item_types


@pytest.mark.parametrize("guillotine", [True, False])
@pytest.mark.parametrize("rotation", [False, True])
@pytest.mark.parametrize("bins,n,seed", [(1, 5, 0), (2, 9, 1), (3, 14, 2), (5, 40, 3), (4, 200, 4)])
def test_items_fill_exactly_the_bins(bins, n, seed, guillotine, rotation):
    inst, packing = generate_known_optimum_packing(bins, n, seed, guillotine=guillotine, allow_rotation=rotation)
    W, H = inst.bin_width, inst.bin_height
    assert (W, H) == (20, 20) and inst.n == n and inst.allow_rotation is rotation
    assert int((inst.widths * inst.heights).sum()) == bins * W * H
    assert lower_bounds(inst)["L0"] == bins  # the area bound alone proves the optimum
    assert lower_bound(inst) == bins
    assert ((inst.widths <= W) & (inst.heights <= H) | rotation).all()
    assert check_packing(inst, packing) == []
    assert packing.num_bins == bins
    assert inst.meta == {"generator": "nnopt-known-optimum", "optimum": bins, "seed": seed, "guillotine": guillotine}
    cut = bins_of(packing, bins)
    if guillotine:
        assert all(guillotine_separable(pieces) for pieces in cut)
    else:
        assert any(not guillotine_separable(pieces) for pieces in cut)
        assert any(not has_full_cut(pieces, W, H) for pieces in cut)


def test_rectangular_bins_and_item_order_is_shuffled():
    inst, packing = generate_known_optimum_packing(2, 30, 7, width=13, height=9)
    assert (inst.bin_width, inst.bin_height) == (13, 9)
    assert check_packing(inst, packing) == []
    bins_by_item = packing.placements[np.argsort(packing.placements[:, 0]), 1]
    assert not np.all(np.diff(bins_by_item) >= 0)  # not listed bin by bin


def test_rotation_lists_some_pieces_turned():
    inst, packing = generate_known_optimum_packing(3, 30, 0, allow_rotation=True)
    assert packing.placements[:, 6].any()
    assert check_packing(inst, packing) == []


@pytest.mark.parametrize("x1,x2,y1,y2", [(1, 2, 1, 2), (1, 18, 3, 4), (5, 9, 2, 17)])
def test_pinwheel_is_not_guillotine(x1, x2, y1, y2):
    pieces = pinwheel(20, 20, x1, x2, y1, y2)
    assert len(pieces) == 5
    assert sum(w * h for _, _, w, h in pieces) == 400
    assert not has_full_cut(pieces, 20, 20)
    assert not guillotine_separable(pieces)


def test_pinwheel_rejects_bad_corners():
    with pytest.raises(ValueError, match="x1"):
        pinwheel(20, 20, 0, 5, 1, 2)


def test_largest_request_uses_every_unit_square():
    inst = generate_known_optimum(2, 2 * 4 * 3, 0, width=4, height=3)
    assert set(zip(inst.widths.tolist(), inst.heights.tolist())) == {(1, 1)}


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(bins=3, n=2, seed=0), "n "),
        (dict(bins=2, n=801, seed=0), "n "),
        (dict(bins=2, n=5, seed=0, guillotine=False), "n "),
        (dict(bins=1, n=5, seed=0, guillotine=False, width=2), "width"),
        (dict(bins=1, n=30, seed=0, guillotine=False, width=4, height=4), "n "),
        (dict(bins=0, n=5, seed=0), "bins"),
        (dict(bins=True, n=5, seed=0), "bins"),
        (dict(bins=1, n=5, seed=-1), "seed"),
        (dict(bins=1, n=5, seed=0, width=0), "width"),
        (dict(bins=1, n=5, seed=0, guillotine="no"), "guillotine"),
        (dict(bins=1, n=5, seed=0, name=""), "name"),
    ],
)
def test_impossible_requests_name_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        generate_known_optimum(**kwargs)


@settings(max_examples=40)
@given(
    bins=st.integers(1, 4),
    extra=st.integers(0, 30),
    seed=st.integers(0, 2**32),
    width=st.integers(3, 12),
    height=st.integers(3, 12),
    guillotine=st.booleans(),
    rotation=st.booleans(),
)
def test_generated_instances_always_certify_their_optimum(bins, extra, seed, width, height, guillotine, rotation):
    n = bins + (4 if not guillotine else 0) + extra
    n = min(n, (bins - 1) * width * height + 4 + (width - 2) * (height - 2)) if not guillotine else \
        min(n, bins * width * height)
    inst, packing = generate_known_optimum_packing(bins, n, seed, width=width, height=height,
                                                   guillotine=guillotine, allow_rotation=rotation)
    assert inst.n == n
    assert int((inst.widths * inst.heights).sum()) == bins * width * height
    assert lower_bound(inst) == bins
    assert check_packing(inst, packing) == [] and packing.num_bins == bins
    if not guillotine:
        assert any(not guillotine_separable(p) for p in bins_of(packing, bins))
