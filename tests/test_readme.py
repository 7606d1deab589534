"""The README's code runs as written: its Python blocks, and every `nnopt` line of its shell blocks.

A new user copies these first; a quickstart that no longer runs is the first thing they meet.
Time limits are cut to 1 s so that the file stays quick; everything else runs as printed.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
NNOPT = Path(sys.executable).parent / "nnopt"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
#: what the quickstart's names must hold once its block has run (a README that prints but
#: delivers nothing would still exit 0)
PYTHON_CHECKS = """
assert res.verified is True, res.verified
assert res.objective >= res.lower_bound > 0, (res.objective, res.lower_bound)
assert len(res.placements) == 3, res.placements          # (3, 7) twice and (4, 4) once
assert {p.bin for p in res.placements} == set(range(int(res.objective)))
assert ax.has_data(), "res.plot() drew nothing"
assert sorted(tour) == [0, 1, 2], tour
"""


def blocks(*languages: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README.read_text()) if lang in languages]


def cli_lines() -> list[str]:
    """Every command of the shell blocks that starts with `nnopt `, continuation lines joined."""
    lines: list[str] = []
    for body in blocks("bash", "sh", "shell", "console"):
        for line in body.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line.startswith("nnopt "):
                lines.append(line)
    return lines


def test_the_readme_has_a_python_quickstart_and_command_lines():
    assert blocks("python"), "no ```python block in README.md"
    assert any(line.startswith("nnopt solve") for line in cli_lines())


def test_python_blocks_run_and_deliver(tmp_path):
    code = "\n\n".join(blocks("python"))
    if "res = nnopt.solve(" in code:
        code += PYTHON_CHECKS
    script = tmp_path / "readme_python.py"
    script.write_text(code)
    env = dict(os.environ, MPLBACKEND="Agg")
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"README's Python failed:\n{run.stdout}\n{run.stderr}"


def quick(args: list[str]) -> list[str]:
    """The same command with every time limit cut to 1 s."""
    out = list(args)
    for k, arg in enumerate(out[:-1]):
        if arg == "--time-limit":
            out[k + 1] = "1"
    return out


def test_command_lines_run_in_order(tmp_path):
    (tmp_path / "examples").symlink_to(REPO / "examples")
    env = dict(os.environ, MPLBACKEND="Agg")
    for line in cli_lines():
        args = quick(shlex.split(line, comments=True))
        run = subprocess.run([str(NNOPT), *args[1:]], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, f"README line failed: {line}\n{run.stdout}\n{run.stderr}"
        if "--json" in args:
            answer = json.loads(run.stdout)
            assert answer["verified"] is True and answer["objective"] >= answer["lower_bound"], answer
        if "--plot" in args:
            assert (tmp_path / args[args.index("--plot") + 1]).stat().st_size > 0


@pytest.mark.parametrize("line", ["nnopt solve x.json --time-limit 5 --plot a.png # note",
                                  "nnopt solve x.json --time-limit 5"])
def test_time_limits_are_cut_and_comments_dropped(line):
    args = quick(shlex.split(line, comments=True))
    assert args[args.index("--time-limit") + 1] == "1" and "note" not in args
