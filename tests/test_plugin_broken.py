"""Broken plugins, end to end: the real `nnopt` warns naming each one, and everything else keeps working.

Four fake distributions are put on ``PYTHONPATH`` (a ``.dist-info`` folder with
an ``entry_points.txt`` is all ``importlib.metadata`` needs): one whose module
does not exist, one whose module raises ImportError on import, one whose class
breaks the contract, and one that claims the shipped name ``tsp``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NNOPT = Path(sys.executable).parent / "nnopt"

PLUGINS = {
    # dist name: (entry point line, module file name, module text)
    "missing-dist": ("missing = nnopt_test_no_such_module_xyz:Thing", None, None),
    "crashing-dist": ("crashing = crashing_plugin:Crashing", "crashing_plugin.py",
                      "raise ImportError('needs libfoo, which is not installed')\n"),
    "half-dist": ("halfdone = half_plugin:Half", "half_plugin.py",
                  "from nnopt.problems import Problem\n\n"
                  "class Half(Problem):\n    name = 'halfdone'\n    description = 'not finished'\n"),
    "clash-dist": ("tsp = clash_plugin:OtherTSP", None, None),
}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    site = tmp_path_factory.mktemp("broken_site")
    for dist, (line, module, text) in PLUGINS.items():
        info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[nnopt.problems]\n{line}\n")
        if module:
            (site / module).write_text(text)
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environ.update(PYTHONPATH=str(site), COLUMNS="200")
    return environ


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, env=env, timeout=300)


def test_problems_warns_naming_each_broken_plugin_and_lists_the_rest(env):
    res = run(env, "problems")
    assert res.returncode == 0, res.stderr
    warnings = [line for line in res.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 4, res.stderr
    text = "\n".join(warnings)
    assert "'tsp' from clash-dist 1.0 (clash_plugin:OtherTSP) ignored: the name is already taken by nnopt (shipped)" \
        in text
    assert "'missing' from missing-dist 1.0" in text and "ModuleNotFoundError" in text
    assert "'crashing' from crashing-dist 1.0" in text and "needs libfoo" in text
    assert "'halfdone' from half-dist 1.0" in text and "does not implement" in text
    assert "Traceback" not in res.stderr
    rows = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.count("│") >= 3}
    assert "nnopt (shipped)" in rows["tsp"] and "nnopt (shipped)" in rows["binpack2d"]
    assert "unusable" in rows["crashing"] and "unusable" in rows["missing"]


def test_solving_still_works_next_to_broken_plugins(env, tmp_path):
    out = tmp_path / "sol.json"
    res = run(env, "solve", str(REPO / "examples" / "tsp_uniform_050.json"), "--max-evals", "300", "--quiet",
              "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and out.exists()
    assert run(env, "check", str(REPO / "examples" / "tsp_uniform_050.json"), str(out)).returncode == 0


def test_asking_for_a_broken_plugin_is_a_one_line_error(env):
    res = run(env, "solve", str(REPO / "examples" / "tsp_uniform_050.json"), "--problem", "crashing")
    assert res.returncode == 2
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "crashing-dist" in errors[0] and "needs libfoo" in errors[0]
    assert "Traceback" not in res.stderr
