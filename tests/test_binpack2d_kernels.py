"""The Numba decoders of binpack2d (``_kernels``) against their Python twin.

Properties, for every rule and both bin choices: every item inside its bin, no
two items of a bin overlapping, bins numbered 0..k-1 without gaps, the kernel
equal to ``pack_one_python`` decision for decision, a batch equal to its rows
decoded one by one, the same answer twice and with any number of threads.
Then what defines a family: shelf packings are shelves (FFDH's on items by
decreasing height), Guillotine packings can be cut by guillotine cuts.
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
    RULE_GUILLOTINE_BAF_LLAS,
    RULE_GUILLOTINE_BAF_MAXAS,
    RULE_GUILLOTINE_BAF_MINAS,
    RULE_GUILLOTINE_BAF_SLAS,
    RULE_MAXRECTS_BSSF,
    RULE_NAMES,
    RULE_SHELF_FBS,
    RULE_SHELF_FF,
    RULE_SHELF_NF,
    RULE_SKYLINE_BL,
    _pack_rows,
    pack_batch,
)
from nnopt.problems.binpack2d._kernels_reference import pack_one_python

RULES = sorted(RULE_NAMES.items(), key=lambda kv: kv[1])
RULE_IDS = [name for name, _ in RULES]
BIN_CHOICES = [BIN_FIRST_FIT, BIN_GLOBAL_BEST]
SHELF_RULES = [(name, rule) for name, rule in RULES if name.startswith("shelf-")]
GUILLOTINE_RULES = [(name, rule) for name, rule in RULES if name.startswith("guillotine-")]


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
        for _, rule in RULES:
            for bin_choice in BIN_CHOICES:
                many = decode(widths, heights, 40, 40, orders, rotated, rule, bin_choice)
                numba.set_num_threads(1)
                one = decode(widths, heights, 40, 40, orders, rotated, rule, bin_choice)
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


def test_known_shelf_packings():
    # bin 10 x 10; items (width, height) in this order
    def run(items, rule):
        w, h = np.array(items).T
        n = len(items)
        b, x, y = (a[0] for a in decode(w, h, 10, 10, np.arange(n)[None], np.zeros((1, n)), rule, BIN_FIRST_FIT))
        return list(zip(b.tolist(), x.tolist(), y.tolist()))

    # Next Fit leaves the first shelf behind; First Fit goes back to it
    items = [(6, 4), (6, 3), (4, 2)]
    assert run(items, RULE_SHELF_NF) == [(0, 0, 0), (0, 0, 4), (0, 6, 4)]
    assert run(items, RULE_SHELF_FF) == [(0, 0, 0), (0, 0, 4), (0, 6, 0)]
    # a shelf that does not fit the current bin: NF opens a new bin, FF looks back
    items = [(10, 7), (10, 4), (10, 4), (10, 2)]
    assert run(items, RULE_SHELF_NF) == [(0, 0, 0), (1, 0, 0), (1, 0, 4), (1, 0, 8)]
    assert run(items, RULE_SHELF_FF) == [(0, 0, 0), (1, 0, 0), (1, 0, 4), (0, 0, 7)]
    assert run(items[:2] + [(10, 7)], RULE_SHELF_NF) == [(0, 0, 0), (1, 0, 0), (2, 0, 0)]
    # FBS: shelves 7, 4, 4, 2 by best fit decreasing: the 2 goes to the fuller bin 1
    assert run(items, RULE_SHELF_FBS) == [(0, 0, 0), (1, 0, 0), (1, 0, 4), (1, 0, 8)]
    # FBS strip phase by best fit: the 1 x 5 item joins the fuller shelf (the 9 x 5 one);
    # shelves 6 (bin 0), 5 (bin 1), 4 (on top of the 6: bin 0 left with 0, bin 1 with 1)
    items = [(7, 6), (9, 5), (1, 5), (2, 4), (5, 4)]
    assert run(items, RULE_SHELF_FBS) == [(0, 0, 0), (1, 0, 0), (1, 9, 0), (0, 7, 0), (0, 0, 6)]
    assert run(items, RULE_SHELF_FF)[2] == (0, 7, 0)


def test_known_guillotine_splits():
    # bin 10 x 10; a 6 x 3 item, then a 10 x 7 item: it fits above only after a horizontal cut
    # (dw = 4 <= dh = 7: SLAS cuts horizontally, LLAS vertically)
    w, h = np.array([6, 10]), np.array([3, 7])
    order, rot = np.arange(2)[None], np.zeros((1, 2))
    b, _, y = (a[0] for a in decode(w, h, 10, 10, order, rot, RULE_GUILLOTINE_BAF_SLAS, BIN_FIRST_FIT))
    assert b.tolist() == [0, 0] and y.tolist() == [0, 3]
    b, _, _ = (a[0] for a in decode(w, h, 10, 10, order, rot, RULE_GUILLOTINE_BAF_LLAS, BIN_FIRST_FIT))
    assert b.tolist() == [0, 1]
    # 6 x 3: w * dh = 42 > dw * h = 12: MINAS cuts horizontally (pieces 4 x 3 and 10 x 7), MAXAS not
    b, _, _ = (a[0] for a in decode(w, h, 10, 10, order, rot, RULE_GUILLOTINE_BAF_MINAS, BIN_FIRST_FIT))
    assert b.tolist() == [0, 0]
    b, _, _ = (a[0] for a in decode(w, h, 10, 10, order, rot, RULE_GUILLOTINE_BAF_MAXAS, BIN_FIRST_FIT))
    assert b.tolist() == [0, 1]
    # best area fit: a 4 x 3 item then takes the 4 x 3 piece beside the first item (no waste)
    w, h = np.array([6, 4]), np.array([3, 3])
    b, x, y = (a[0] for a in decode(w, h, 10, 10, order, rot, RULE_GUILLOTINE_BAF_MINAS, BIN_FIRST_FIT))
    assert (b[1], x[1], y[1]) == (0, 6, 0)


def shelves_of(order, w, h, b, x, y):
    """Shelves ``{(bin, bottom): [items in insertion order]}`` of a packing (items sharing a bottom)."""
    shelves: dict[tuple[int, int], list[int]] = {}
    for i in order.tolist():
        shelves.setdefault((int(b[i]), int(y[i])), []).append(i)
    return shelves


def assert_shelf_packing(order, w, h, b, x, y):
    """Every item on a shelf no taller than the shelf's first item, items left to
    right from x = 0 in insertion order, each shelf's bottom the sum of the heights
    of the shelves below it in its bin."""
    shelves = shelves_of(order, w, h, b, x, y)
    below: dict[int, int] = {}
    for bin_, bottom in sorted(shelves):
        items = shelves[(bin_, bottom)]
        height = h[items[0]]
        assert all(h[i] <= height for i in items), (bin_, bottom)
        assert x[items].tolist() == np.concatenate([[0], np.cumsum(w[items])[:-1]]).tolist()
        assert bottom == below.get(bin_, 0), (bin_, bottom)
        below[bin_] = bottom + height


@settings(max_examples=40, deadline=None)
@given(instances())
def test_shelf_rules_build_shelves(inst):
    widths, heights, bin_w, bin_h, order, rotated = inst
    w = np.where(rotated != 0, heights, widths)
    h = np.where(rotated != 0, widths, heights)
    for _, rule in SHELF_RULES:
        b, x, y = (a[0] for a in decode(widths, heights, bin_w, bin_h, order[None], rotated[None], rule, BIN_FIRST_FIT))
        assert_shelf_packing(order, w, h, b, x, y)


@settings(max_examples=40, deadline=None)
@given(instances())
def test_shelf_ff_on_decreasing_height_is_ffdh(inst):
    """FFDH: items by decreasing height, each on the lowest shelf (first bin first) with
    width room, else on a new shelf on top of the first bin with height room."""
    widths, heights, bin_w, bin_h, _, _ = inst
    n = len(widths)
    order = np.lexsort((np.arange(n), -heights))
    b, x, y = (a[0] for a in decode(widths, heights, bin_w, bin_h, order[None], np.zeros((1, n)),
                                    RULE_SHELF_FF, BIN_FIRST_FIT))
    assert_shelf_packing(order, widths, heights, b, x, y)
    shelves = shelves_of(order, widths, heights, b, x, y)
    # first fit: an item never skips an earlier shelf that was open and had width room
    # for it (with decreasing heights every earlier shelf is tall enough)
    place = {i: (int(b[i]), int(y[i])) for i in range(n)}
    for t, i in enumerate(order.tolist()):
        used: dict[tuple[int, int], int] = {}
        for j in order[:t].tolist():
            used[place[j]] = used.get(place[j], 0) + int(widths[j])
        for key in sorted(used):
            if key == place[i]:
                break
            assert used[key] + widths[i] > bin_w, (i, key)
        # a new shelf goes to the first bin whose shelves leave room for it
        if place[i] not in used:
            for bin_ in range(place[i][0]):
                top = sum(heights[s[0]] for (bb, _), s in shelves.items() if bb == bin_ and s[0] in order[:t])
                assert top + heights[i] > bin_h, (i, bin_)


def guillotine_cuttable(rects):
    """Whether rectangles ``(x, y, w, h)`` can be separated by straight cuts, recursively."""
    if len(rects) <= 1:
        return True
    for axis in (0, 1):
        for cut in sorted({r[axis] for r in rects}):
            first = [r for r in rects if r[axis] + r[axis + 2] <= cut]
            second = [r for r in rects if r[axis] >= cut]
            if first and second and len(first) + len(second) == len(rects):
                return guillotine_cuttable(first) and guillotine_cuttable(second)
    return False


def test_guillotine_cuttable_recognises_a_pinwheel():
    pinwheel = [(0, 0, 2, 1), (2, 0, 1, 2), (1, 2, 2, 1), (0, 1, 1, 2), (1, 1, 1, 1)]
    assert not guillotine_cuttable(pinwheel)
    assert guillotine_cuttable([(0, 0, 2, 1), (2, 0, 1, 3), (0, 1, 1, 2), (1, 1, 1, 2)])


@settings(max_examples=40, deadline=None)
@given(instances())
def test_guillotine_rules_pack_guillotine_cuttable_bins(inst):
    widths, heights, bin_w, bin_h, order, rotated = inst
    w = np.where(rotated != 0, heights, widths)
    h = np.where(rotated != 0, widths, heights)
    for _, rule in GUILLOTINE_RULES:
        for bin_choice in BIN_CHOICES:
            packed = decode(widths, heights, bin_w, bin_h, order[None], rotated[None], rule, bin_choice)
            b, x, y = (a[0] for a in packed)
            for k in range(int(b.max()) + 1):
                rects = [(x[i], y[i], w[i], h[i]) for i in np.flatnonzero(b == k)]
                assert guillotine_cuttable(rects), (rule, bin_choice, k)


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
