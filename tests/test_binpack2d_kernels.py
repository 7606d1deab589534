"""The Numba decoders of binpack2d (``_kernels``) against their Python twin.

Properties, for every rule and both bin choices: every item inside its bin, no
two items of a bin overlapping, bins numbered 0..k-1 without gaps, the kernel
equal to ``pack_one_python`` decision for decision, a batch equal to its rows
decoded one by one, the same answer twice and with any number of threads.
"""
from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnopt.problems.binpack2d._instance import read_instance
from nnopt.problems.binpack2d._kernels import (
    BIN_FIRST_FIT,
    BIN_GLOBAL_BEST,
    RULE_MAXRECTS_BSSF,
    RULE_NAMES,
    RULE_SKYLINE_BL,
    _pack_rows,
    pack_batch,
)
from nnopt.problems.binpack2d._kernels_reference import pack_one_python

RULES = sorted(RULE_NAMES.items(), key=lambda kv: kv[1])
RULE_IDS = [name for name, _ in RULES]
BIN_CHOICES = [BIN_FIRST_FIT, BIN_GLOBAL_BEST]


def decode(widths, heights, bin_w, bin_h, orders, rotated, rule, bin_choice):
    orders = np.ascontiguousarray(orders, dtype=np.int64)
    B, n = orders.shape
    out = [np.full((B, n), -1, dtype=np.int64) for _ in range(3)]
    pack_batch(np.asarray(widths, dtype=np.int64), np.asarray(heights, dtype=np.int64),
               np.int64(bin_w), np.int64(bin_h), orders,
               np.ascontiguousarray(rotated, dtype=np.uint8), rule, bin_choice, *out)
    return out


def assert_feasible(widths, heights, bin_w, bin_h, rotated, b, x, y):
    """Independent check of one decoded row (no code shared with the kernels)."""
    w = np.where(rotated != 0, heights, widths)
    h = np.where(rotated != 0, widths, heights)
    assert (x >= 0).all() and (y >= 0).all()
    assert (x + w <= bin_w).all() and (y + h <= bin_h).all()
    used = np.unique(b)
    assert used.tolist() == list(range(len(used))), f"bins not contiguous: {used}"
    same = b[:, None] == b[None, :]
    apart = (
        (x[:, None] + w[:, None] <= x[None, :]) | (x[None, :] + w[None, :] <= x[:, None])
        | (y[:, None] + h[:, None] <= y[None, :]) | (y[None, :] + h[None, :] <= y[:, None])
    )
    clash = same & ~apart
    np.fill_diagonal(clash, False)
    assert not clash.any(), f"items {np.argwhere(clash)[0].tolist()} overlap"


@st.composite
def instances(draw):
    """Bin 1..50 per side, 1..30 items, a random order, rotation flags that fit."""
    bin_w = draw(st.integers(1, 50))
    bin_h = draw(st.integers(1, 50))
    n = draw(st.integers(1, 30))
    widths = np.array(draw(st.lists(st.integers(1, bin_w), min_size=n, max_size=n)), dtype=np.int64)
    heights = np.array(draw(st.lists(st.integers(1, bin_h), min_size=n, max_size=n)), dtype=np.int64)
    order = np.array(draw(st.permutations(range(n))), dtype=np.int64)
    if draw(st.booleans()):
        flags = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        turnable = (heights <= bin_w) & (widths <= bin_h)
        rotated = (flags & turnable).astype(np.uint8)
    else:
        rotated = np.zeros(n, dtype=np.uint8)
    return widths, heights, bin_w, bin_h, order, rotated


@settings(max_examples=60, deadline=None)
@given(instances())
def test_kernel_matches_python_twin_and_is_feasible(inst):
    widths, heights, bin_w, bin_h, order, rotated = inst
    for _, rule in RULES:
        for bin_choice in BIN_CHOICES:
            rows = decode(widths, heights, bin_w, bin_h, order[None], rotated[None], rule, bin_choice)
            b, x, y = (a[0] for a in rows)
            assert_feasible(widths, heights, bin_w, bin_h, rotated, b, x, y)
            rb, rx, ry = pack_one_python(widths, heights, bin_w, bin_h, order, rotated, rule, bin_choice)
            assert b.tolist() == rb.tolist(), (rule, bin_choice)
            assert x.tolist() == rx.tolist(), (rule, bin_choice)
            assert y.tolist() == ry.tolist(), (rule, bin_choice)


@settings(max_examples=15, deadline=None)
@given(instances(), st.integers(0, 2**32 - 1))
def test_batch_equals_rows_one_by_one_and_is_deterministic(inst, seed):
    widths, heights, bin_w, bin_h, _, rotated1 = inst
    n = len(widths)
    rng = np.random.default_rng(seed)
    B = 9
    orders = np.argsort(rng.random((B, n)), axis=1)
    turnable = (heights <= bin_w) & (widths <= bin_h)
    rotated = ((rng.random((B, n)) < 0.5) & turnable).astype(np.uint8)
    rotated[0] = rotated1
    for _, rule in RULES:
        for bin_choice in BIN_CHOICES:
            batch = decode(widths, heights, bin_w, bin_h, orders, rotated, rule, bin_choice)
            again = decode(widths, heights, bin_w, bin_h, orders, rotated, rule, bin_choice)
            for a, c in zip(batch, again):
                np.testing.assert_array_equal(a, c)
            for i in range(B):
                row = decode(widths, heights, bin_w, bin_h, orders[i:i + 1], rotated[i:i + 1], rule, bin_choice)
                for a, c in zip(batch, row):
                    np.testing.assert_array_equal(a[i], c[0])


@pytest.mark.parametrize("rule", [r for _, r in RULES], ids=RULE_IDS)
def test_tiny_workspace_grows_to_the_same_answer(rule):
    """Start from one bin row and one slot: every buffer has to double its way up."""
    rng = np.random.default_rng(rule)
    n, B = 40, 6
    widths = rng.integers(1, 30, n)
    heights = rng.integers(1, 30, n)
    orders = np.argsort(rng.random((B, n)), axis=1).astype(np.int64)
    rotated = (rng.random((B, n)) < 0.5).astype(np.uint8)
    for bin_choice in BIN_CHOICES:
        want = decode(widths, heights, 30, 30, orders, rotated, rule, bin_choice)
        got = [np.full((B, n), -1, dtype=np.int64) for _ in range(3)]
        _pack_rows(widths, heights, np.int64(30), np.int64(30), orders, rotated, rule, bin_choice, *got, 0, B, 1, 1)
        for a, c in zip(want, got):
            np.testing.assert_array_equal(a, c)


def test_threads_do_not_change_the_answer():
    rng = np.random.default_rng(7)
    n, B = 50, 64
    widths = rng.integers(1, 40, n)
    heights = rng.integers(1, 40, n)
    orders = np.argsort(rng.random((B, n)), axis=1)
    rotated = np.zeros((B, n), dtype=np.uint8)
    before = numba.get_num_threads()
    try:
        for rule in (RULE_MAXRECTS_BSSF, RULE_SKYLINE_BL):
            many = decode(widths, heights, 40, 40, orders, rotated, rule, BIN_FIRST_FIT)
            numba.set_num_threads(1)
            one = decode(widths, heights, 40, 40, orders, rotated, rule, BIN_FIRST_FIT)
            numba.set_num_threads(before)
            for a, c in zip(many, one):
                np.testing.assert_array_equal(a, c)
    finally:
        numba.set_num_threads(before)


def test_known_small_packings():
    # four 5x5 squares fill a 10x10 bin in reading order; a fifth opens bin 1
    widths = heights = np.full(5, 5)
    order = np.arange(5)[None]
    for rule in (RULE_MAXRECTS_BSSF, RULE_SKYLINE_BL):
        b, x, y = (a[0] for a in decode(widths, heights, 10, 10, order, np.zeros((1, 5)), rule, BIN_FIRST_FIT))
        assert b.tolist() == [0, 0, 0, 0, 1]
        assert sorted(zip(x[:4].tolist(), y[:4].tolist())) == [(0, 0), (0, 5), (5, 0), (5, 5)]
    # a turned 2x8 item stands 8 high
    b, x, y = (a[0] for a in decode([8], [2], 10, 10, [[0]], [[1]], RULE_SKYLINE_BL, BIN_FIRST_FIT))
    assert (b[0], x[0], y[0]) == (0, 0, 0)


def test_empty_batch_and_bad_rule():
    out = [np.empty((0, 3), dtype=np.int64) for _ in range(3)]
    pack_batch(np.ones(3, np.int64), np.ones(3, np.int64), np.int64(2), np.int64(2),
               np.empty((0, 3), np.int64), np.empty((0, 3), np.uint8), 0, 0, *out)
    with pytest.raises(ValueError):
        decode([1], [1], 2, 2, [[0]], [[0]], 99, 0)
    with pytest.raises(ValueError):
        decode([1], [1], 2, 2, [[0]], [[0]], 0, 5)


@settings(max_examples=25, deadline=None)
@given(instances())
def test_skyline_bl_places_like_rectpack(inst):
    """An outside reference: rectpack's SkylineBl, unsorted, no rotation, places every
    item exactly where nnopt does (PackingBin.BFF = first fit, BBF = global best)."""
    rectpack = pytest.importorskip("rectpack")
    widths, heights, bin_w, bin_h, order, _ = inst
    n = len(widths)
    for bin_choice, bin_algo in ((BIN_FIRST_FIT, rectpack.PackingBin.BFF), (BIN_GLOBAL_BEST, rectpack.PackingBin.BBF)):
        packer = rectpack.newPacker(bin_algo=bin_algo, pack_algo=rectpack.SkylineBl,
                                    sort_algo=rectpack.SORT_NONE, rotation=False)
        packer.add_bin(bin_w, bin_h, count=n)
        for i in order:
            packer.add_rect(int(widths[i]), int(heights[i]), rid=int(i))
        packer.pack()
        want = {rid: (b, x, y) for b, x, y, _, _, rid in packer.rect_list()}
        b, x, y = (a[0] for a in decode(widths, heights, bin_w, bin_h, order[None], np.zeros((1, n)),
                                        RULE_SKYLINE_BL, bin_choice))
        assert {i: (b[i], x[i], y[i]) for i in range(n)} == want


@pytest.mark.parametrize("name", ["CLASS07_100_01", "CLASS01_100_01", "CLASS10_100_01"])
def test_classic_instances(classic, name):
    inst = read_instance(classic / "instances" / f"{name}.json")
    widths = np.array(inst.widths, dtype=np.int64)
    heights = np.array(inst.heights, dtype=np.int64)
    n = inst.n
    rng = np.random.default_rng(1)
    area_desc = np.lexsort((np.arange(n), -(widths * heights)))
    orders = np.vstack([area_desc, np.argsort(rng.random((15, n)), axis=1)])
    turnable = (heights <= inst.bin_width) & (widths <= inst.bin_height)
    rotated = np.zeros(orders.shape, dtype=np.uint8)
    rotated[8:] = (rng.random((8, n)) < 0.5) & turnable
    area_bound = -(-int((widths * heights).sum()) // (inst.bin_width * inst.bin_height))
    for _, rule in RULES:
        for bin_choice in BIN_CHOICES:
            bins, xs, ys = decode(widths, heights, inst.bin_width, inst.bin_height, orders, rotated, rule, bin_choice)
            for i in range(len(orders)):
                assert_feasible(widths, heights, inst.bin_width, inst.bin_height, rotated[i], bins[i], xs[i], ys[i])
                assert bins[i].max() + 1 >= area_bound
            # the twin, on the area-descending order and one rotated row
            for i in (0, 8):
                rb, rx, ry = pack_one_python(widths, heights, inst.bin_width, inst.bin_height,
                                             orders[i], rotated[i], rule, bin_choice)
                assert bins[i].tolist() == rb.tolist()
                assert xs[i].tolist() == rx.tolist()
                assert ys[i].tolist() == ry.tolist()
