"""tsp through the real console script: solve, check, generate, TSPLIB files, baselines."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnopt.problems.tsp import TSP

NNOPT = Path(sys.executable).parent / "nnopt"
REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "tsp_uniform_050.json"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, timeout=300)


def test_solve_writes_a_checked_tour_and_check_catches_tampering(tmp_path):
    out, plot = tmp_path / "sol.json", tmp_path / "sol.svg"
    res = run("solve", str(EXAMPLE), "--max-evals", "2000", "--seed", "1", "--out", str(out), "--plot", str(plot))
    assert res.returncode == 0, res.stderr
    assert "length" in res.stdout and "verified" in res.stdout
    sol = json.loads(out.read_text())
    assert sol["problem"] == "tsp" and sol["instance"] == "tsp_uniform_050_s0" and sol["method"] == "nnopt"
    # the default spends its budget on the search decoders, then on moves of whole tours
    assert sol["decoder"] in ("order+2opt", "ruin-recreate")
    assert sorted(sol["tour"]) == list(range(50))
    assert sol["lower_bound"] <= sol["objective"] < 1.05 * sol["lower_bound"]
    assert b"<svg" in plot.read_bytes()[:400]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sol.json", "sol.svg"]  # nothing half-written

    ok = run("check", str(EXAMPLE), str(out))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("feasible:") and "length" in ok.stdout

    claimed = dict(sol, objective=sol["objective"] - 1)
    (tmp_path / "claim.json").write_text(json.dumps(claimed))
    res = run("check", str(EXAMPLE), str(tmp_path / "claim.json"))
    assert res.returncode == 1 and "claims objective" in res.stderr

    tour = list(sol["tour"])
    tour[5] = tour[6]
    (tmp_path / "dup.json").write_text(json.dumps(dict(sol, tour=tour)))
    res = run("check", str(EXAMPLE), str(tmp_path / "dup.json"))
    assert res.returncode == 1
    assert f"visited more than once: {tour[6]}" in res.stderr and "never visited" in res.stderr

    (tmp_path / "bad.json").write_text(json.dumps(dict(sol, tour="0 1 2")))
    res = run("check", str(EXAMPLE), str(tmp_path / "bad.json"))
    assert res.returncode == 2 and "field 'tour' must be a list" in res.stderr


def test_same_seed_and_decodes_give_the_same_tour(tmp_path):
    outs = []
    for k in range(2):
        out = tmp_path / f"s{k}.json"
        res = run("solve", str(EXAMPLE), "--max-evals", "700", "--seed", "4", "--quiet", "--out", str(out))
        assert res.returncode == 0 and res.stdout == "", res.stderr
        data = json.loads(out.read_text())
        data.pop("seconds")
        outs.append(data)
    assert outs[0] == outs[1] and outs[0]["evaluations"] <= 700


def test_tsplib_grid_is_solved_to_proven_optimality(tmp_path):
    lines = ["NAME: grid16", "TYPE: TSP", "DIMENSION: 16", "EDGE_WEIGHT_TYPE: EUC_2D", "NODE_COORD_SECTION"]
    lines += [f"{4 * i + j + 1} {10 * i} {10 * j}" for i in range(4) for j in range(4)] + ["EOF"]
    path = tmp_path / "grid16.tsp"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "sol.json"
    res = run("solve", str(path), "--time-limit", "5", "--quiet", "--out", str(out))
    assert res.returncode == 0, res.stderr
    sol = json.loads(out.read_text())
    assert sol["objective"] == 160 and sol["lower_bound"] == 160 and sol["status"] == "optimal"
    assert isinstance(sol["objective"], int)  # TSPLIB lengths are integers


def test_bad_tsplib_file_is_one_line_exit_2(tmp_path):
    path = tmp_path / "geo.tsp"
    path.write_text("NAME: g\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: GEO\nNODE_COORD_SECTION\n"
                    "1 0 0\n2 1 1\n3 2 2\nEOF\n")
    res = run("solve", str(path), "--time-limit", "1")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [f"error: {path}: EDGE_WEIGHT_TYPE is 'GEO'; only EUC_2D is supported"]


def test_generate_writes_the_seeded_instance(tmp_path):
    out = tmp_path / "g.json"
    res = run("generate", "tsp", "--n", "30", "--seed", "2", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert TSP().load(json.loads(out.read_text())) == TSP().generate(seed=2, n=30)


# The baseline methods register themselves next to their code (baselines/tsp_baselines.py).
@pytest.mark.parametrize("method", ["nearest-neighbour", "christofides", "ortools-gls"])
def test_baseline_methods_solve_through_nnopt_solve(method):
    import nnopt

    res = nnopt.solve(str(EXAMPLE), method=method, time_limit=1.0)
    assert res.problem.check(res.instance, res.solution) == []
    assert np.array_equal(np.sort(res.solution.order), np.arange(50))
    assert res.lower_bound <= res.objective
