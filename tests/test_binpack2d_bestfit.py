"""The gap-driven "skyline-bestfit" decoder (``_bestfit_kernels``) against its Python twin.

Properties: the kernel equals ``pack_bestfit_python`` (a height map instead of
merged segments) placement for placement, with and without rotation and with a
capped scan; every row passes the independent checker; a bin is closed only
when no later item fits above its highest item (what "one bin at a time" means);
a batch equals its rows decoded one by one; and the problem's ``decode`` serves
it under its name and refuses it for the assignment encoding with one clear line.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnopt.problems.binpack2d import BinPack2D
from nnopt.problems.binpack2d._bestfit_kernels import BESTFIT_DECODER, pack_bestfit_batch
from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._kernels_reference import pack_bestfit_python

PROBLEM = BinPack2D()


@st.composite
def cases(draw, max_n: int = 24):
    W = draw(st.integers(1, 16))
    H = draw(st.integers(1, 16))
    rotation = draw(st.booleans())
    n = draw(st.integers(1, max_n))
    side = min(W, H) if rotation else None
    ws, hs = [], []
    for _ in range(n):
        if rotation and draw(st.booleans()):  # some items fit only turned
            w, h = draw(st.integers(1, side)), draw(st.integers(1, side))
        else:
            w, h = draw(st.integers(1, W)), draw(st.integers(1, H))
        ws.append(w)
        hs.append(h)
    order = draw(st.permutations(list(range(n))))
    w, h = np.array(ws, dtype=np.int64), np.array(hs, dtype=np.int64)
    # preferred orientations: only where the turned item fits
    fits_turned = (h <= W) & (w <= H)
    want = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    rot = (want & fits_turned & rotation).astype(np.uint8)
    scan = draw(st.sampled_from([1, 2, 5, 512]))
    return w, h, W, H, np.array(order, dtype=np.int64), rotation, rot, scan


def kernel(w, h, W, H, orders, rotation, rot, scan=512):
    B, n = orders.shape
    out = [np.full((B, n), -1, dtype=np.int64) for _ in range(3)]
    rot = np.ascontiguousarray(rot, dtype=np.uint8).copy()
    pack_bestfit_batch(w, h, np.int64(W), np.int64(H), np.ascontiguousarray(orders), rotation, rot, *out, scan)
    return out[0], out[1], out[2], rot


def assert_feasible(w, h, W, H, rot, b, x, y):
    """Independent check of one row: inside the bin, no overlap within a bin, bins 0..k-1."""
    pw = np.where(rot != 0, h, w)
    ph = np.where(rot != 0, w, h)
    assert (x >= 0).all() and (y >= 0).all()
    assert (x + pw <= W).all() and (y + ph <= H).all()
    assert set(np.unique(b).tolist()) == set(range(int(b.max()) + 1))
    for i in range(len(w)):
        for j in range(i + 1, len(w)):
            if b[i] == b[j]:
                apart = x[i] + pw[i] <= x[j] or x[j] + pw[j] <= x[i] or y[i] + ph[i] <= y[j] or y[j] + ph[j] <= y[i]
                assert apart, (i, j)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_kernel_equals_python_twin(case):
    w, h, W, H, order, rotation, rot, scan = case
    b, x, y, r = kernel(w, h, W, H, order[None, :], rotation, rot[None, :], scan)
    rb, rx, ry, rr = pack_bestfit_python(w, h, W, H, order, rotation, rot, scan)
    assert b[0].tolist() == rb and x[0].tolist() == rx and y[0].tolist() == ry and r[0].tolist() == rr
    assert_feasible(w, h, W, H, r[0], b[0], x[0], y[0])
    if not rotation:
        assert not r.any()


@settings(max_examples=200, deadline=None)
@given(cases())
def test_a_bin_closes_only_when_no_later_item_fits_above_it(case):
    w, h, W, H, order, rotation, rot, scan = case
    b, x, y, r = kernel(w, h, W, H, order[None, :], rotation, rot[None, :], 512)
    b, x, y, r = b[0], x[0], y[0], r[0]
    top = np.where(r != 0, w, h) + y
    for k in range(int(b.max())):
        room = H - int(top[b == k].max())
        later = b > k
        fits_up = (w[later] <= W) & (h[later] <= room)
        fits_turned = (h[later] <= W) & (w[later] <= room) & rotation
        assert not (fits_up | fits_turned).any()


@settings(max_examples=50, deadline=None)
@given(cases(max_n=16), st.integers(2, 9), st.integers(0, 2**32 - 1))
def test_batch_equals_rows(case, B, seed):
    w, h, W, H, _, rotation, rot, scan = case
    rng = np.random.default_rng(seed)
    orders = np.stack([rng.permutation(len(w)) for _ in range(B)]).astype(np.int64)
    rots = np.repeat(rot[None, :], B, axis=0)
    whole = kernel(w, h, W, H, orders, rotation, rots, scan)
    for r in range(B):
        row = kernel(w, h, W, H, orders[r:r + 1], rotation, rots[r:r + 1], scan)
        for a, c in zip(whole, row):
            assert a[r].tolist() == c[0].tolist()


def test_the_gap_chooses_the_item_not_the_order():
    # a 4 x 4 item comes first in the order, but the empty bin's one gap is 10 wide: the
    # 10 x 3 item fills it exactly and goes first, the 4 x 4 item then sits on top of it
    w = np.array([4, 10], dtype=np.int64)
    h = np.array([4, 3], dtype=np.int64)
    b, x, y, r = kernel(w, h, 10, 10, np.array([[0, 1]], dtype=np.int64), False, np.zeros((1, 2), np.uint8))
    assert b[0].tolist() == [0, 0] and y[0].tolist() == [3, 0] and x[0].tolist() == [0, 0]


def test_decode_serves_it_and_refuses_the_assignment_encoding():
    inst = BinPackInstance(name="t", bin_width=6, bin_height=6, item_types=((3, 2, 1), (4, 5, 1), (2, 2, 2), (5, 3, 1)))
    X = PROBLEM.sample(inst, 5, np.random.default_rng(0))
    assert BESTFIT_DECODER in PROBLEM.decoders and BESTFIT_DECODER in PROBLEM.search_decoders
    for packing in PROBLEM.decode(inst, X, decoder=BESTFIT_DECODER):
        assert PROBLEM.check(inst, packing) == []
    A = PROBLEM.sample(inst, 2, np.random.default_rng(0), encoding="assignment")
    with pytest.raises(ValueError, match="cannot decode the assignment encoding"):
        PROBLEM.decode(inst, A, decoder=BESTFIT_DECODER, encoding="assignment")
