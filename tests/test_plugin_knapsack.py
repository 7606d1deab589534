"""The out-of-tree plugin examples/knapsack-plugin, installed apart and used through the real `nnopt`.

The plugin is built from a copy of its folder (so no build files land in the
repository) and installed with pip into a temporary target folder; the
developer's console script then sees it through ``PYTHONPATH``. Nothing is
installed into the development environment, and the test checks that.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PLUGIN = REPO / "examples" / "knapsack-plugin"
NNOPT = Path(sys.executable).parent / "nnopt"


def _dev_distributions() -> list[str]:
    code = ("import importlib.metadata as m, json; "
            "print(json.dumps(sorted(str(d.metadata['Name']) for d in m.distributions())))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                     check=True).stdout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(environment with the plugin on the path, copy of the plugin folder)."""
    before = _dev_distributions()
    tmp = tmp_path_factory.mktemp("plugin")
    src = tmp / "knapsack-plugin"
    shutil.copytree(PLUGIN, src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    site = tmp / "site"
    res = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                          "--no-compile", "--disable-pip-version-check", "-q", "--target", str(site), str(src)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(site), COLUMNS="200")
    yield env, src
    assert _dev_distributions() == before, "the development environment changed"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, env=env, timeout=300)


def test_problems_lists_knapsack_from_its_distribution(installed):
    env, _ = installed
    res = run(env, "problems")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""  # no plugin warnings
    rows = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.count("│") >= 3}
    assert {"binpack2d", "tsp", "knapsack"} <= set(rows)
    assert "nnopt-knapsack 0.1.0" in rows["knapsack"] and "nnopt (shipped)" in rows["tsp"]


def test_solve_and_check_the_plugin_example(installed, tmp_path):
    env, src = installed
    out = tmp_path / "sol.json"
    res = run(env, "solve", str(src / "example.json"), "--max-evals", "3000", "--seed", "0", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "value left out" in res.stdout and "verified" in res.stdout
    sol = json.loads(out.read_text())
    assert sol["problem"] == "knapsack" and sol["instance"] == "knapsack_20"
    assert 0 <= sol["lower_bound"] <= sol["objective"]
    weights = [item["weight"] for item in json.loads((src / "example.json").read_text())["items"]]
    assert sum(weights[i] for i in sol["items"]) <= 50
    ok = run(env, "check", str(src / "example.json"), str(out))
    assert ok.returncode == 0 and ok.stdout.startswith("feasible:"), ok.stderr
    res = run(env, "methods", "knapsack")
    solving, _, refused = res.stdout.partition("not for knapsack (why):")
    assert res.returncode == 0 and "random-keys" in solving and "cpsat" not in solving
    assert "knapsack-dp" in solving and res.stderr == ""
    # a core-only problem: the default and the encoding-space searches apply; what does not says why
    assert "nnopt (default)" in solving and "cem " in solving and "brkga" in solving
    assert "ruin-recreate: needs the SolutionSearch capability (search_state, weakness, ruin" in refused
    assert "nnopt-amortised: needs the TokenFeatures capability" in refused
    assert "solves binpack2d only" in refused and "solves tsp only" in refused


def test_the_plugins_own_method_comes_through_the_entry_point(installed, tmp_path):
    env, src = installed
    res = run(env, "methods", "--json")
    entry = next(m for m in json.loads(res.stdout) if m["name"] == "knapsack-dp")
    assert entry["origin"] == "nnopt-knapsack 0.1.0"
    out = tmp_path / "dp.json"
    res = run(env, "solve", str(src / "example.json"), "--method", "knapsack-dp", "--out", str(out))
    assert res.returncode == 0, res.stderr
    sol = json.loads(out.read_text())
    assert sol["method"] == "knapsack-dp" and sol["status"] == "optimal"
    assert 0 <= sol["lower_bound"] <= sol["objective"]
    ok = run(env, "check", str(src / "example.json"), str(out))
    assert ok.returncode == 0, ok.stderr
    res = run(env, "solve", str(REPO / "examples" / "cl_01_020_01.json"), "--method", "knapsack-dp")
    assert res.returncode == 2 and "solves knapsack only" in res.stderr


def test_without_the_plugin_knapsack_is_unknown(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = run(env, "solve", str(PLUGIN / "example.json"), "--max-evals", "10")
    assert res.returncode == 2
    assert "unknown problem 'knapsack'" in res.stderr and "Traceback" not in res.stderr


def test_the_plugins_own_tests_pass(installed):
    env, src = installed
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", str(src / "tests")], capture_output=True,
                         text=True, env=env, cwd=src, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert " passed" in res.stdout


def test_bench_without_methods_runs_what_solves_the_plugins_problem(installed, tmp_path):
    """A plugin needs nothing more: no --methods, and the plugin's problem gets methods that solve it."""
    env, src = installed
    out = tmp_path / "r.csv"
    res = run(env, "bench", str(src / "example.json"), "--out", str(out), "--time-limit", "0.5", "--quiet")
    assert res.returncode == 0, res.stderr
    import csv

    rows = list(csv.DictReader(out.open()))
    assert [r["method"] for r in rows] == ["random-keys", "knapsack-dp"]
    assert all(r["verified"] == "true" for r in rows)
    assert rows[1]["status"] == "optimal" and float(rows[0]["objective"]) >= float(rows[1]["objective"])


def test_an_unknown_method_lists_the_problems_methods_and_the_closest(installed):
    env, src = installed
    res = run(env, "solve", str(src / "example.json"), "--method", "random-key")
    assert res.returncode == 2
    line = res.stderr.strip()
    assert "\n" not in line and "unknown method 'random-key' (closest: random-keys" in line, line
    assert "methods for knapsack: " in line and "knapsack-dp" in line and "maxrects" not in line
    res = run(env, "bench", str(src / "example.json"), "--methods", "knapsack-pd", "--out", "unused.csv")
    assert res.returncode == 2 and "closest: knapsack-dp" in res.stderr and "methods for knapsack" in res.stderr


def test_a_refused_method_says_what_the_problem_lacks(installed):
    env, src = installed
    res = run(env, "solve", str(src / "example.json"), "--method", "nnopt-amortised")
    assert res.returncode == 2 and "needs the TokenFeatures capability" in res.stderr
    res = run(env, "solve", str(src / "example.json"), "--method", "ruin-recreate")
    assert res.returncode == 2 and "needs the SolutionSearch capability" in res.stderr
    res = run(env, "solve", str(src / "example.json"), "--max-evals", "50", "--plot", "never.svg")
    assert res.returncode == 2 and res.stderr.strip() == (
        "error: --plot: problem 'knapsack' cannot draw solutions (it lacks the Rendering capability)")


def test_generate_reaches_the_plugins_parameters_through_the_generic_options(installed):
    env, _ = installed
    res = run(env, "generate", "knapsack", "--n", "5", "--name", "tiny", "--param", "kind=strongly-correlated")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["name"] == "tiny" and len(data["items"]) == 5 and data["meta"]["kind"] == "strongly-correlated"
    res = run(env, "generate", "knapsack", "--param", "colour=red")
    assert res.returncode == 2 and "no parameter 'colour' (known: kind, n, name)" in res.stderr
