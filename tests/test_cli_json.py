"""``nnopt solve --json`` and ``nnopt check --json``: one JSON object on stdout, nothing else there."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NNOPT = Path(sys.executable).parent / "nnopt"

SOLVE_KEYS = {"problem", "instance", "method", "objective", "lower_bound", "gap", "status", "seconds", "verified",
              "seed", "evaluations", "notes"}
CHECK_KEYS = {"problem", "instance", "feasible", "verified", "objective", "lower_bound", "errors"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_solve_json_prints_one_object_with_the_facts(tmp_path, example_path):
    out = run("solve", str(example_path), "--max-evals", "200", "--seed", "3", "--json", "--progress",
              "--out", str(tmp_path / "sol.json"))
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.strip().splitlines()) == 1
    facts = json.loads(out.stdout)
    assert SOLVE_KEYS <= set(facts)
    assert facts["problem"] == "binpack2d" and facts["instance"] == "cl_07_040_01"
    assert facts["seed"] == 3 and facts["verified"] is True and facts["evaluations"] > 0
    written = json.loads((tmp_path / "sol.json").read_text())
    for key in ("objective", "lower_bound", "method", "status", "evaluations"):
        assert facts[key] == written[key]
    assert facts["gap"] == (facts["objective"] - facts["lower_bound"]) / facts["objective"]


def test_solve_json_on_a_tsp_file(tmp_path):
    inst = {"problem": "tsp", "name": "square", "coords": [[0, 0], [2, 0], [2, 2], [0, 2], [1, 3]]}
    (tmp_path / "sq.json").write_text(json.dumps(inst))
    out = run("solve", str(tmp_path / "sq.json"), "--max-evals", "50", "--json", "--quiet")
    assert out.returncode == 0, out.stderr
    facts = json.loads(out.stdout)
    assert facts["problem"] == "tsp" and facts["instance"] == "square" and facts["objective"] > 0


def test_solve_json_errors_stay_one_line_on_stderr_with_exit_2(tmp_path):
    out = run("solve", str(tmp_path / "missing.json"), "--json")
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.strip().count("\n") == 0 and "no such file" in out.stderr


def test_check_json_reports_a_feasible_solution(tmp_path, example_path):
    sol = tmp_path / "sol.json"
    assert run("solve", str(example_path), "--max-evals", "100", "--quiet", "--out", str(sol)).returncode == 0
    out = run("check", str(example_path), str(sol), "--json")
    assert out.returncode == 0, out.stderr
    verdict = json.loads(out.stdout)
    assert CHECK_KEYS <= set(verdict)
    assert verdict["feasible"] is True and verdict["verified"] is True and verdict["errors"] == []
    assert verdict["objective"] == json.loads(sol.read_text())["objective"]


def test_check_json_lists_what_is_wrong_and_exits_1(tmp_path, example_path):
    sol = tmp_path / "sol.json"
    assert run("solve", str(example_path), "--max-evals", "100", "--quiet", "--out", str(sol)).returncode == 0
    data = json.loads(sol.read_text())
    data["bins"][0][0]["x"] = -1
    sol.write_text(json.dumps(data))
    out = run("check", str(example_path), str(sol), "--json")
    assert out.returncode == 1
    verdict = json.loads(out.stdout)
    assert verdict["feasible"] is False and verdict["verified"] is False
    assert verdict["errors"] and any("-1" in e or "outside" in e for e in verdict["errors"])
    assert verdict["objective"] is None


def test_check_json_bad_input_is_one_line_with_exit_2(tmp_path, example_path):
    (tmp_path / "bad.json").write_text("{not json")
    out = run("check", str(example_path), str(tmp_path / "bad.json"), "--json")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().count("\n") == 0
