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
