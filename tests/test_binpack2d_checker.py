"""The independent checker rejects every kind of infeasible packing by name."""
from __future__ import annotations

import numpy as np
import pytest

from nnopt.problems.binpack2d import Packing, parse_instance
from nnopt.problems.binpack2d._checker import check_packing

# Bin 10x10; items: 0 is 5x10, 1 is 5x10, 2 is 3x2
INST = parse_instance({"bin": {"width": 10, "height": 10},
                       "items": [{"width": 5, "height": 10, "count": 2}, {"width": 3, "height": 2}]})
ROT = parse_instance({"bin": {"width": 10, "height": 10}, "allow_rotation": True,
                      "items": [{"width": 5, "height": 10, "count": 2}, {"width": 3, "height": 2}]})


def packing(*rows):
    return Packing(np.array(rows, dtype=np.int64))


GOOD = [(0, 0, 0, 0, 5, 10, 0), (1, 0, 5, 0, 5, 10, 0), (2, 1, 0, 0, 3, 2, 0)]


def test_touching_edges_accepted():
    assert check_packing(INST, packing(*GOOD)) == []


@pytest.mark.parametrize(
    "rows, fragment",
    [
        ([(0, 0, 0, 0, 5, 10, 0), (1, 0, 4, 0, 5, 10, 0), GOOD[2]], "items 0 and 1 overlap in bin 0"),
        ([GOOD[0], GOOD[1], (2, 0, 4, 4, 3, 2, 0)], "overlap in bin 0"),
        ([GOOD[0], (1, 0, 6, 0, 5, 10, 0), GOOD[2]], "outside the 10x10 bin"),
        ([GOOD[0], GOOD[1], (2, 1, -1, 0, 3, 2, 0)], "outside"),
        ([GOOD[0], GOOD[1]], "item 2: missing"),
        ([GOOD[0], GOOD[1], GOOD[2], (2, 2, 0, 0, 3, 2, 0)], "item 2: placed 2 times"),
        ([GOOD[0], GOOD[1], (2, 1, 0, 0, 2, 3, 1)], "does not allow rotation"),
        ([GOOD[0], GOOD[1], (2, 1, 0, 0, 2, 3, 0)], "placed as 2x3, but unrotated it is 3x2"),
        ([GOOD[0], GOOD[1], GOOD[2], (7, 1, 5, 5, 1, 1, 0)], "item 7: no such item"),
        ([GOOD[0], GOOD[1], (2, -1, 0, 0, 3, 2, 0)], "negative bin index"),
    ],
)
def test_infeasible_packings_are_named(rows, fragment):
    issues = check_packing(INST, packing(*rows))
    assert any(fragment in issue for issue in issues), issues


def test_rotation_when_allowed():
    rows = [GOOD[0], GOOD[1], (2, 1, 0, 0, 2, 3, 1)]
    assert check_packing(ROT, packing(*rows)) == []
    rows_bad = [GOOD[0], GOOD[1], (2, 1, 0, 0, 3, 2, 1)]
    assert any("rotated it is 2x3" in i for i in check_packing(ROT, packing(*rows_bad)))


def test_many_problems_are_capped():
    rows = [(0, 0, 0, 0, 5, 10, 0)] * 30 + [(1, 0, 0, 0, 5, 10, 0), (2, 0, 0, 0, 3, 2, 0)]
    issues = check_packing(INST, packing(*rows))
    assert len(issues) == 21 and issues[-1].startswith("... and ")


def _pairwise_overlap(rows):
    """The obvious all-pairs test the sweep must agree with."""
    for i, (_, b1, x1, y1, w1, h1, _) in enumerate(rows):
        for _, b2, x2, y2, w2, h2, _ in rows[i + 1:]:
            if b1 == b2 and x1 < x2 + w2 and x2 < x1 + w1 and y1 < y2 + h2 and y2 < y1 + h1:
                return True
    return False


@pytest.mark.parametrize("seed", range(40))
def test_sweep_agrees_with_all_pairs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 25))
    sizes = rng.integers(1, 5, size=(n, 2))
    inst = parse_instance({"bin": {"width": 8, "height": 8},
                           "items": [{"width": int(a), "height": int(c)} for a, c in sizes]})
    rows = [(i, int(rng.integers(0, 2)), int(rng.integers(0, 9 - a)), int(rng.integers(0, 9 - c)), int(a), int(c), 0)
            for i, (a, c) in enumerate(sizes)]
    issues = check_packing(inst, packing(*rows))
    assert bool(issues) == _pairwise_overlap(rows), (rows, issues)


def test_strip_of_unit_items_checks_fast():
    """20,000 unit items stacked in a 1 x 1,000,000 bin took 20 s (all pairs); the sweep is O(n log n)."""
    import time

    n = 20_000
    inst = parse_instance({"bin": {"width": 1, "height": 1_000_000}, "items": [{"width": 1, "height": 1, "count": n}]})
    rows = np.stack([np.arange(n), np.zeros(n, int), np.zeros(n, int), np.arange(n), np.ones(n, int),
                     np.ones(n, int), np.zeros(n, int)], axis=1)
    check_packing(inst, Packing(rows[:10]))  # compile outside the clock
    t0 = time.perf_counter()
    assert check_packing(inst, Packing(rows)) == []
    assert time.perf_counter() - t0 < 2.0
    rows[-1, 3] = 0  # the last item onto the first
    assert check_packing(inst, Packing(rows)) == [f"items 0 and {n - 1} overlap in bin 0"]
