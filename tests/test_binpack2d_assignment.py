"""The "assignment" encoding of binpack2d: a soft item-to-bin assignment, decoded per bin.

Properties on random small instances (with and without rotation) and random
rows: every packing passes the independent checker, the Numba kernel equals
its plain-Python twin, decoding is deterministic and a row decodes the same
in any batch, the heuristic rows stay within U bins, an item whose target bin
has room lands there, and bad input is refused with a clear message.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._kernels import RULE_NAMES
from nnopt.problems.binpack2d._kernels_reference import pack_assigned_python
from nnopt.problems.binpack2d._problem import (
    ASSIGNMENT_ORDER_SPAN,
    ASSIGNMENT_OTHER,
    ASSIGNMENT_OWN,
    BIN_CHOICE,
    BinPack2D,
    assignment_orders,
)
from nnopt.problems.testing import check_problem

PROBLEM = BinPack2D()
ASSIGNABLE = [name for name in RULE_NAMES if not name.startswith("shelf-")]
SHELF = [name for name in RULE_NAMES if name.startswith("shelf-")]


@st.composite
def instances(draw) -> BinPackInstance:
    """Bins 1..40 per side, 1..14 items that fit (upright), rotation sometimes allowed."""
    W = draw(st.integers(1, 40))
    H = draw(st.integers(1, 40))
    n = draw(st.integers(1, 14))
    sizes = draw(st.lists(st.tuples(st.integers(1, W), st.integers(1, H)), min_size=n, max_size=n))
    rotation = draw(st.booleans())
    return BinPackInstance(name="t", bin_width=W, bin_height=H, item_types=tuple((w, h, 1) for w, h in sizes),
                           allow_rotation=rotation)


def rows(inst: BinPackInstance, seed: int, B: int = 6) -> np.ndarray:
    """Random rows plus the heuristic rows: both kinds of input a search decodes."""
    X = PROBLEM.sample(inst, B, np.random.default_rng(seed), encoding="assignment")
    return np.concatenate([PROBLEM.heuristic_encodings(inst, "assignment"), X])


@settings(max_examples=40, deadline=None)
@given(instances(), st.integers(0, 2**32 - 1))
def test_packings_are_feasible_and_match_the_python_twin(inst, seed):
    X = rows(inst, seed)
    n, U = inst.n, PROBLEM.assignment_bins(inst)
    targets = np.argmax(X[:, :n * U].reshape(len(X), n, U), axis=2)
    orders = assignment_orders(X[:, :n * U].reshape(len(X), n, U), targets, inst)
    rotated = PROBLEM.orientations(inst, X)
    for name in ASSIGNABLE:
        batch = PROBLEM.decode(inst, X, decoder=name, encoding="assignment")
        for i in range(len(X)):
            assert PROBLEM.check(inst, batch[i]) == [], (name, i)
            want = pack_assigned_python(inst.widths, inst.heights, inst.bin_width, inst.bin_height, targets[i], U,
                                        orders[i], rotated[i], RULE_NAMES[name], BIN_CHOICE.get(name, 0))
            got = (batch.bins[i], batch.x[i], batch.y[i])
            for g, w in zip(got, want):
                assert g.tolist() == w.tolist(), (name, i)


@settings(max_examples=15, deadline=None)
@given(instances(), st.integers(0, 2**32 - 1))
def test_deterministic_and_independent_of_the_batch(inst, seed):
    X = rows(inst, seed, B=9)
    for name in PROBLEM.search_decoders_for("assignment"):
        a = PROBLEM.decode(inst, X, decoder=name, encoding="assignment")
        b = PROBLEM.decode(inst, X.copy(), decoder=name, encoding="assignment")
        rev = PROBLEM.decode(inst, X[::-1].copy(), decoder=name, encoding="assignment")
        for i in range(len(X)):
            one = PROBLEM.decode(inst, X[i:i + 1], decoder=name, encoding="assignment")
            for arr in ("bins", "x", "y", "rotated"):
                ref = getattr(a, arr)[i]
                assert np.array_equal(ref, getattr(b, arr)[i])
                assert np.array_equal(ref, getattr(one, arr)[0])
                assert np.array_equal(ref, getattr(rev, arr)[len(X) - 1 - i])


def best_heuristic_bins(inst: BinPackInstance) -> int:
    H = PROBLEM.heuristic_encodings(inst, "assignment")
    assert len(H) >= 1 and H.shape[1] == PROBLEM.encoding_size(inst, "assignment")
    U = PROBLEM.assignment_bins(inst)
    A = H[:, : inst.n * U].reshape(len(H), inst.n, U)
    own = (A >= np.float32(ASSIGNMENT_OWN)) & (A <= np.float32(ASSIGNMENT_OWN + ASSIGNMENT_ORDER_SPAN))
    assert ((A == np.float32(ASSIGNMENT_OTHER)) | own).all()
    assert (own.sum(axis=2) == 1).all()  # one own bin per item
    assert np.isin(H[:, inst.n * U:], (0.25, 0.75)).all()  # orientation keys, as in "keys"
    return min(int(PROBLEM.decode(inst, H, decoder=d, encoding="assignment").num_bins().min())
               for d in PROBLEM.search_decoders_for("assignment"))


@pytest.mark.parametrize("seed", range(12))
def test_best_heuristic_row_stays_within_u_bins(seed):
    inst = PROBLEM.generate(seed=seed, n=10 + 3 * seed, klass=1 + seed % 10, allow_rotation=bool(seed % 2))
    assert best_heuristic_bins(inst) <= PROBLEM.assignment_bins(inst)


def test_a_bin_refills_in_the_heuristic_order_where_area_order_fails():
    """17 x 12 bin: in area order 15x6 first, then 2x6 beside it leaves no 7-high gap for the 1x7
    item (two bins); the heuristic row records its own insertion order, which fits all three in one."""
    inst = BinPackInstance(name="t", bin_width=17, bin_height=12, item_types=((1, 7, 1), (2, 6, 1), (15, 6, 1)))
    assert PROBLEM.assignment_bins(inst) == 1
    assert best_heuristic_bins(inst) <= 1


def test_u_is_the_best_heuristic_packing_and_cached():
    inst = PROBLEM.generate(seed=3, n=30, allow_rotation=True)
    keys = PROBLEM.heuristic_encodings(inst)
    want = min(int(PROBLEM.decode(inst, keys, decoder=d).num_bins().min())
               for d in PROBLEM.search_decoders_for("assignment"))
    assert PROBLEM.assignment_bins(inst) == want
    assert PROBLEM.encoding_size(inst, "assignment") == inst.n * want + inst.n
    assert PROBLEM.heuristic_encodings(inst, "assignment") is not PROBLEM.heuristic_encodings(inst, "assignment")
    assert PROBLEM._assignment_start(inst) is PROBLEM._assignment_start(inst)


def test_an_item_with_room_in_its_target_bin_lands_there():
    """Two bins' worth of items; item 2 targets bin 1, which has room: it goes there, not to bin 0."""
    inst = BinPackInstance(name="t", bin_width=10, bin_height=10, item_types=((10, 6, 2), (10, 3, 1), (10, 4, 1)))
    U = PROBLEM.assignment_bins(inst)
    assert U == 2
    A = np.zeros((inst.n, U), dtype=np.float32)
    A[[0, 1, 2, 3], [0, 1, 1, 0]] = 1.0  # the 10x3 item to bin 1, beside the other 10x6
    for name in ASSIGNABLE:
        p = PROBLEM.decode(inst, A.reshape(1, -1), decoder=name, encoding="assignment")
        assert p.bins[0].tolist() == [0, 1, 1, 0], name
    # ties in a row go to the lowest bin: an all-equal row targets bin 0 for every item
    p = PROBLEM.decode(inst, np.full((1, inst.n * U), 0.5, np.float32), decoder="maxrects-bssf", encoding="assignment")
    assert p.num_bins()[0] >= 2 and PROBLEM.check(inst, p[0]) == []


def test_overflow_is_repaired_and_bins_are_contiguous():
    """All four items target bin 1 (one fits twice, two spill): bin 0 unused, numbering starts at 0."""
    inst = BinPackInstance(name="t", bin_width=10, bin_height=10, item_types=((10, 6, 2), (10, 3, 1), (10, 4, 1)))
    A = np.zeros((inst.n, 2), dtype=np.float32)
    A[:, 1] = 1.0
    p = PROBLEM.decode(inst, A.reshape(1, -1), decoder="maxrects-bssf", encoding="assignment")
    assert sorted(set(p.bins[0].tolist())) == [0, 1]
    assert p.num_bins()[0] == 2
    assert PROBLEM.check(inst, p[0]) == []
    assert np.isfinite(PROBLEM.cost(inst, p)).all()


@pytest.mark.parametrize("name", SHELF)
def test_shelf_decoders_refuse_the_assignment_encoding(name):
    inst = PROBLEM.generate(seed=0, n=10)
    X = PROBLEM.sample(inst, 2, np.random.default_rng(0), encoding="assignment")
    with pytest.raises(ValueError, match="shelf"):
        PROBLEM.decode(inst, X, decoder=name, encoding="assignment")


def test_wrong_shape_names_the_expected_shape():
    inst = PROBLEM.generate(seed=0, n=10)
    d = PROBLEM.encoding_size(inst, "assignment")
    with pytest.raises(ValueError, match=rf"\(B, {d}\)"):
        PROBLEM.decode(inst, np.zeros((2, inst.n)), encoding="assignment")
    with pytest.raises(ValueError, match="no encoding 'soft'.*keys, assignment"):
        PROBLEM.decode(inst, np.zeros((2, inst.n)), encoding="soft")


def test_sample_is_uniform_unit_rows_of_the_right_size():
    inst = PROBLEM.generate(seed=1, n=12, allow_rotation=True)
    X = PROBLEM.sample(inst, 5, np.random.default_rng(0), encoding="assignment")
    assert X.shape == (5, PROBLEM.encoding_size(inst, "assignment")) and X.dtype == np.float32
    assert ((X >= 0) & (X < 1)).all()


def test_contract_still_holds():
    check_problem(PROBLEM, [PROBLEM.generate(seed=s, n=12, allow_rotation=bool(s % 2)) for s in range(2)])
