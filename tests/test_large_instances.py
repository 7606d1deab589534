"""Large instances decode in bounded time per item, stop at the deadline, and write fast."""
from __future__ import annotations

import time

import numpy as np

from nnopt.problems import get_problem
from nnopt.problems._deadline import decode_deadline
from nnopt.problems.binpack2d._solution import packing_to_json
from nnopt.problems.binpack2d._windows import LARGE_ITEMS

PROB = get_problem("binpack2d")
INST = PROB.generate(seed=3, klass=7, n=LARGE_ITEMS + 5000)


def test_windowed_decode_is_feasible_and_near_the_bound():
    X = PROB.heuristic_encodings(INST)[:1]
    sol = PROB.decode(INST, X, decoder="maxrects-bssf")[0]
    assert PROB.check(INST, sol) == []
    assert PROB.objective(INST, sol) <= 1.1 * PROB.lower_bound(INST)


def test_a_passed_deadline_finishes_the_batch_with_the_cheap_rule():
    X = PROB.heuristic_encodings(INST)[:2]
    t0 = time.perf_counter()
    with decode_deadline(time.perf_counter() - 1.0):
        sols = PROB.decode(INST, X, decoder="skyline-bl")
    assert time.perf_counter() - t0 < 2.0
    assert all(PROB.check(INST, s) == [] for s in sols)


def test_solution_json_is_linear():
    """packing_to_json filtered the rows once per bin: 25 s for 100,000 items."""
    sol = PROB.decode(INST, PROB.heuristic_encodings(INST)[:1], decoder="shelf-nf")[0]
    t0 = time.perf_counter()
    data = packing_to_json(sol)
    assert time.perf_counter() - t0 < 2.0
    assert sum(len(b) for b in data["bins"]) == INST.n
    assert len(data["bins"]) == PROB.objective(INST, sol)
    items = sorted(p["item"] for b in data["bins"] for p in b)
    assert items == list(range(INST.n)) and np.all(np.diff([p["item"] for p in data["bins"][0]]) > 0)


def test_solve_on_a_large_instance_stops_near_its_limit(tmp_path):
    """100,000 items with --time-limit 2 once ran 14 s. Here 25,000 items (tests stay small);
    the bound leaves room for a loaded test machine, benchmarks/scale.py measures the real targets."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    nnopt_cmd = str(Path(sys.executable).parent / "nnopt")
    inst, sol = tmp_path / "big.json", tmp_path / "sol.json"
    inst.write_text(json.dumps(PROB.instance_to_json(INST)))
    t0 = time.perf_counter()
    res = subprocess.run([nnopt_cmd, "solve", str(inst), "--time-limit", "3", "--out", str(sol), "--quiet"],
                         capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - t0
    assert res.returncode == 0, res.stderr
    assert wall < 3 + 2.5, wall
    check = subprocess.run([nnopt_cmd, "check", str(inst), str(sol)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr


def test_row_by_row_under_a_deadline_decodes_exactly_as_the_batch():
    """Between ROW_CHECK_ITEMS and LARGE_ITEMS a deadline only adds clock reads between rows."""
    inst = PROB.generate(seed=1, klass=7, n=5000)
    X = PROB.heuristic_encodings(inst)
    plain = PROB.decode(inst, X, decoder="maxrects-bssf")
    with decode_deadline(time.perf_counter() + 1e6):
        checked = PROB.decode(inst, X, decoder="maxrects-bssf")
    assert all(np.array_equal(getattr(plain, a), getattr(checked, a)) for a in ("bins", "x", "y", "rotated"))


def test_the_gap_driven_decoder_reads_the_clock_between_rows():
    """skyline-bestfit above ROW_CHECK_ITEMS: row by row as the batch while time is left; rows
    that start after the deadline are Next Fit shelves, still packings."""
    inst = PROB.generate(seed=1, klass=7, n=5000)
    X = PROB.sample(inst, 3, np.random.default_rng(0))
    plain = PROB.decode(inst, X, decoder="skyline-bestfit")
    with decode_deadline(time.perf_counter() + 1e6):
        checked = PROB.decode(inst, X, decoder="skyline-bestfit")
    assert all(np.array_equal(getattr(plain, a), getattr(checked, a)) for a in ("bins", "x", "y", "rotated"))
    with decode_deadline(time.perf_counter() - 1.0):
        late = PROB.decode(inst, X, decoder="skyline-bestfit")
        shelves = PROB.decode(inst, X, decoder="shelf-nf")
    assert all(PROB.check(inst, s) == [] for s in late)
    assert np.array_equal(late.bins, shelves.bins) and np.array_equal(late.x, shelves.x)
