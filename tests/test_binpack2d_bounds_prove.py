"""``prove``: CP-SAT's answer to "do incumbent - 1 bins suffice?" on instances with a known optimum."""
from __future__ import annotations

import numpy as np
import pytest

from nnopt.baselines.binpack2d_prove import prove
from nnopt.problems.binpack2d import Packing
from nnopt.problems.binpack2d._checker import check_packing
from nnopt.problems.binpack2d._known_optimum import generate_known_optimum_packing


def one_more_bin(packing: Packing) -> Packing:
    """The same packing with one item moved alone into a new bin (still feasible)."""
    rows = np.array(packing.placements)
    rows[0, 1] = rows[:, 1].max() + 1
    rows[0, 2] = rows[0, 3] = 0
    return Packing(rows)


def test_bound_met_needs_no_search() -> None:
    inst, packing = generate_known_optimum_packing(2, 8, 0)
    res = prove(inst, packing.num_bins, 2, time_limit=1.0, hint_packing=packing)
    assert res.proved_optimal and res.status == "BOUND" and res.new_bound == 2
    proved, better, bound = res  # unpacks as the lead's call expects
    assert proved and better is None and bound == 2


@pytest.mark.parametrize("rotation", [False, True])
def test_optimal_incumbent_is_proved(rotation: bool) -> None:
    # The cut pieces fill the bins exactly: one bin fewer cannot hold them. The
    # bound handed in is deliberately one too low, so CP-SAT has to say so.
    inst, packing = generate_known_optimum_packing(3, 12, 1, allow_rotation=rotation)
    res = prove(inst, 3, 2, time_limit=20.0, hint_packing=packing, workers=1)
    assert res.proved_optimal and res.better_packing is None
    assert res.new_bound == 3 and res.status == "INFEASIBLE"


@pytest.mark.parametrize("rotation", [False, True])
def test_suboptimal_incumbent_is_improved(rotation: bool) -> None:
    inst, packing = generate_known_optimum_packing(2, 8, 2, allow_rotation=rotation)
    worse = one_more_bin(packing)
    assert worse.num_bins == 3 and check_packing(inst, worse) == []
    res = prove(inst, 3, 2, time_limit=20.0, hint_packing=worse, workers=1)
    assert not res.proved_optimal and res.status == "FEASIBLE"
    assert res.better_packing is not None and res.better_packing.num_bins == 2
    assert check_packing(inst, res.better_packing) == []
    assert res.new_bound == 2


def test_bad_arguments() -> None:
    inst, packing = generate_known_optimum_packing(2, 8, 0)
    with pytest.raises(ValueError):
        prove(inst, 2, 3, time_limit=1.0)
    with pytest.raises(ValueError):
        prove(inst, 3, 1, time_limit=0.0)
