"""The CLI never certifies a contradiction: defective plugins, through the real `nnopt`, give one line and exit 1.

Copies of the knapsack example with one defect each are registered as problems
of a fake distribution on ``PYTHONPATH`` (a ``.dist-info`` folder is all
``importlib.metadata`` needs): a lower bound above every solution, a decoder
that overfills, and a checker that accepts anything. The instance file says
``knapsack``; ``--problem`` picks the defective copy.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NNOPT = Path(sys.executable).parent / "nnopt"
EXAMPLE = REPO / "examples" / "knapsack-plugin" / "example.json"

DEFECTS = '''
from nnopt_knapsack import Knapsack as _Knapsack, Selection


class Knapsack(_Knapsack):
    """Reads files whose "problem" names the copy (bench finds the problem there)."""

    def load(self, data, *, source="instance"):
        if isinstance(data, dict) and data.get("problem") == self.name:
            data = dict(data, problem="knapsack")
        return super().load(data, source=source)


class HighBound(Knapsack):
    """Claims nothing can beat leaving out all the value."""
    name = "knapsack_highbound"

    def lower_bound(self, instance):
        return float(sum(instance.values))


class Overfills(Knapsack):
    """Packs every item, whatever the capacity."""
    name = "knapsack_overfills"

    def decode(self, instance, X, decoder=None, encoding=None):
        return [Selection(tuple(range(instance.n))) for _ in range(len(X))]


class AcceptsAll(Knapsack):
    """A checker that finds nothing wrong with anything."""
    name = "knapsack_acceptsall"

    def check(self, instance, solution):
        return []


class Reserved(Knapsack):
    """Writes its own 'method' field into solution files."""
    name = "knapsack_reserved"

    def solution_to_json(self, instance, solution):
        return {**super().solution_to_json(instance, solution), "method": "greedy"}
'''


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    site = tmp_path_factory.mktemp("defective_site")
    shutil.copytree(REPO / "examples" / "knapsack-plugin" / "src" / "nnopt_knapsack", site / "nnopt_knapsack",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (site / "knapsack_defects.py").write_text(DEFECTS)
    info = site / "knapsack_defects-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: knapsack-defects\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[nnopt.problems]\nknapsack = nnopt_knapsack:Knapsack\n"
        "knapsack_highbound = knapsack_defects:HighBound\nknapsack_overfills = knapsack_defects:Overfills\n"
        "knapsack_acceptsall = knapsack_defects:AcceptsAll\nknapsack_reserved = knapsack_defects:Reserved\n")
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environ.update(PYTHONPATH=str(site), COLUMNS="200")
    return environ


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, env=env, timeout=300)


def _one_line(res: subprocess.CompletedProcess) -> str:
    # the plugin's kernels are cached in a fresh folder: its first solve first says it compiles them once
    lines = [line for line in res.stderr.strip().splitlines() if not line.startswith("note: compiling")]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    return lines[0]


def test_an_objective_below_the_lower_bound_is_one_line_and_exit_1(env, tmp_path):
    out = tmp_path / "sol.json"
    res = run(env, "solve", str(EXAMPLE), "--problem", "knapsack_highbound", "--method", "random-keys",
              "--max-evals", "200", "--out", str(out))
    assert res.returncode == 1
    line = _one_line(res)
    assert line.startswith("error: problem 'knapsack_highbound': objective ") and "lower bound 406" in line, line
    assert "optimal" not in res.stdout and not out.exists()


def test_an_infeasible_result_of_a_method_is_one_line_and_exit_1(env):
    res = run(env, "solve", str(EXAMPLE), "--problem", "knapsack_overfills", "--method", "random-keys",
              "--max-evals", "50")
    assert res.returncode == 1
    line = _one_line(res)
    assert "infeasible knapsack_overfills solution" in line and "exceeds the capacity 50" in line, line
    assert "optimal" not in res.stdout


def test_check_refuses_a_solution_an_accept_all_checker_passes_below_the_bound(env, tmp_path):
    everything = tmp_path / "all.json"
    everything.write_text(json.dumps({"items": list(range(20))}))
    res = run(env, "check", str(EXAMPLE), str(everything), "--problem", "knapsack_acceptsall")
    assert res.returncode == 1
    line = _one_line(res)
    assert "objective 0 is below its lower bound" in line and "'knapsack_acceptsall'" in line, line
    assert "feasible" not in res.stdout


@pytest.mark.parametrize("problem, word", [("knapsack_overfills", "unverified"),
                                           ("knapsack_highbound", "unverified (contradiction")])
def test_bench_exits_1_naming_the_rows_that_are_no_result(env, tmp_path, problem, word):
    inst = tmp_path / "inst.json"
    inst.write_text(json.dumps(dict(json.loads(EXAMPLE.read_text()), problem=problem)))
    out = tmp_path / "r.csv"
    res = run(env, "bench", str(inst), "--methods", "random-keys", "--time-limit", "0.3", "--out", str(out),
              "--quiet")
    assert res.returncode == 1, res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert errors == [line for line in res.stderr.splitlines() if line.strip()], res.stderr
    assert len(errors) == 1 and f"knapsack_20 / random-keys: {word}" in errors[0], errors
    rows = list(csv.DictReader(out.open()))
    assert [r["verified"] for r in rows] == ["false"] and "optimal" not in rows[0]["status"]


def test_a_reserved_solution_key_is_one_line_and_exit_1(env, tmp_path):
    out = tmp_path / "sol.json"
    res = run(env, "solve", str(EXAMPLE), "--problem", "knapsack_reserved", "--method", "random-keys",
              "--max-evals", "50", "--out", str(out))
    assert res.returncode == 1 and not out.exists()
    assert _one_line(res) == ("error: problem 'knapsack_reserved': solution_to_json uses the reserved key 'method', "
                              "which the engine writes itself; rename the field")
