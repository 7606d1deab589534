"""The exact one-bin packing test (``_opp_kernels.fits_one_bin``) and its use in the recreate."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnopt.problems import get_problem
from nnopt.problems.binpack2d import BinPackInstance
from nnopt.problems.binpack2d._opp_kernels import dff_excludes, fits_one_bin
from nnopt.problems.binpack2d._ruin import BinState, recreate_state

BP = get_problem("binpack2d")


def _ask(ws, hs, W, H, rotation=False, nodes=10**7):
    k = len(ws)
    x, y, r = np.zeros(k, np.int64), np.zeros(k, np.int64), np.zeros(k, np.uint8)
    answer, spent = fits_one_bin(np.asarray(ws, np.int64), np.asarray(hs, np.int64), W, H, rotation, nodes, x, y, r)
    return answer, spent, x, y, r


def _valid(ws, hs, W, H, x, y, r) -> bool:
    """Independent of the kernel: inside the bin, no two overlapping (cell by cell)."""
    grid = np.zeros((W, H), dtype=np.int64)
    for w, h, a, b, turned in zip(ws, hs, x, y, r):
        if turned:
            w, h = h, w
        if a < 0 or b < 0 or a + w > W or b + h > H:
            return False
        grid[a:a + w, b:b + h] += 1
    return int(grid.max(initial=0)) <= 1


def _brute(ws, hs, W, H, rotation=False) -> bool:
    """Every cell position of every item, in turn (tiny bins only)."""
    grid = np.zeros((W, H), dtype=bool)

    def place(i: int) -> bool:
        if i == len(ws):
            return True
        for w, h in {(ws[i], hs[i]), (hs[i], ws[i])} if rotation else {(ws[i], hs[i])}:
            for a in range(W - w + 1):
                for b in range(H - h + 1):
                    if not grid[a:a + w, b:b + h].any():
                        grid[a:a + w, b:b + h] = True
                        if place(i + 1):
                            return True
                        grid[a:a + w, b:b + h] = False
        return False

    return place(0)


@settings(max_examples=300, deadline=None)
@given(W=st.integers(2, 7), H=st.integers(2, 7), data=st.data(), rotation=st.booleans())
def test_agrees_with_brute_force_on_small_bins(W, H, data, rotation):
    k = data.draw(st.integers(1, 5))
    ws = data.draw(st.lists(st.integers(1, W), min_size=k, max_size=k))
    hs = data.draw(st.lists(st.integers(1, H), min_size=k, max_size=k))
    answer, _, x, y, r = _ask(ws, hs, W, H, rotation)
    assert answer in (0, 1)
    assert (answer == 1) == _brute(ws, hs, W, H, rotation)
    if answer == 1:
        assert _valid(ws, hs, W, H, x, y, r)
        if not rotation:
            assert not r.any()


def _guillotine(rng, W, H, k):
    rects = [(W, H)]
    while len(rects) < k:
        i = int(rng.integers(len(rects)))
        w, h = rects[i]
        if w > 1 and (h == 1 or rng.random() < 0.5):
            a = int(rng.integers(1, w))
            rects[i:i + 1] = [(a, h), (w - a, h)]
        elif h > 1:
            a = int(rng.integers(1, h))
            rects[i:i + 1] = [(w, a), (w, h - a)]
    return [w for w, _ in rects], [h for _, h in rects]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), W=st.integers(8, 60), H=st.integers(8, 60), k=st.integers(2, 10))
def test_finds_perfect_guillotine_packings(seed, W, H, k):
    """A bin cut into k pieces and shuffled: no slack at all, and the search must put it back."""
    rng = np.random.default_rng(seed)
    ws, hs = _guillotine(rng, W, H, k)
    perm = rng.permutation(k)
    ws, hs = [ws[i] for i in perm], [hs[i] for i in perm]
    answer, _, x, y, r = _ask(ws, hs, W, H)
    assert answer == 1
    assert _valid(ws, hs, W, H, x, y, r)


@settings(max_examples=200, deadline=None)
@given(W=st.integers(2, 7), H=st.integers(2, 7), data=st.data())
def test_the_dff_cut_never_excludes_a_packing(W, H, data):
    k = data.draw(st.integers(1, 5))
    ws = data.draw(st.lists(st.integers(1, W), min_size=k, max_size=k))
    hs = data.draw(st.lists(st.integers(1, H), min_size=k, max_size=k))
    if dff_excludes(np.asarray(ws, np.int64), np.asarray(hs, np.int64), W, H):
        assert not _brute(ws, hs, W, H)


def test_the_dff_cut_sees_wide_items_stacked_too_tall():
    # three items wider than half the bin, each 4 high, in a 10 x 10 bin: area 3 * 6 * 4 = 72 fits
    assert dff_excludes(np.array([6, 6, 6], np.int64), np.array([4, 4, 4], np.int64), 10, 10)
    assert not dff_excludes(np.array([6, 6], np.int64), np.array([4, 4], np.int64), 10, 10)


@pytest.mark.parametrize("a,b", [(2, 5), (3, 7), (4, 9), (6, 11)])
def test_finds_the_pinwheel(a, b):
    """Four a x b pieces around a square: the smallest packing no guillotine cut produces."""
    ws, hs = [b, a, b, a, b - a], [a, b, a, b, b - a]
    answer, _, x, y, r = _ask(ws, hs, a + b, a + b)
    assert answer == 1 and _valid(ws, hs, a + b, a + b, x, y, r)


def test_turns_an_item_only_where_allowed():
    assert _ask([2, 5], [5, 3], 5, 5)[0] == 0  # the 5 x 3 fits beside the 2 x 5 only turned
    assert _ask([2, 5], [5, 3], 5, 5, rotation=True)[0] == 1
    answer, _, x, y, r = _ask([5, 2], [3, 5], 5, 5, rotation=True)
    assert answer == 1 and _valid([5, 2], [3, 5], 5, 5, x, y, r) and r.any()
    assert _ask([6], [2], 5, 8)[0] == 0 and _ask([6], [2], 5, 8, rotation=True)[0] == 1


def test_the_node_budget_makes_it_unknown():
    # six 4 x 4 squares and a 1 x 1 in a 10 x 10 bin: the area fits, but at most four squares do
    ws = [4] * 6 + [1]
    answer, spent, *_ = _ask(ws, ws, 10, 10, nodes=5)
    assert answer == -1 and spent == 5
    answer, spent, *_ = _ask(ws, ws, 10, 10)
    assert answer == 0 and spent > 5


def _pinwheel_state(exact_items: int):
    """One empty bin slot and the five pinwheel pieces left out: only a non-guillotine layout holds them."""
    a, b = 3, 7
    inst = BinPackInstance("pinwheel", a + b, a + b, ((b, a, 2), (a, b, 2), (b - a, b - a, 1)))
    n = inst.n
    state = BinState(1, np.full(n, -1, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.uint8))
    settings_ = dataclasses.replace(BP.recreate_settings, exact_items=exact_items, blink=0.0)
    return inst, state, settings_


def test_recreate_packs_what_only_the_exact_search_finds():
    found = []
    for exact_items in (0, 12):
        inst, state, settings_ = _pinwheel_state(exact_items)
        recreate_state(inst, state, np.random.default_rng(0), settings_)
        found.append(bool((state.ib >= 0).all()))
        if found[-1]:
            packing = BP.state_solution(inst, state)
            assert BP.check(inst, packing) == []
    assert found == [False, True]
