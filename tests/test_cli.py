"""The command line as a user runs it: the real console script in a subprocess."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
NNOPT = BIN / "nnopt"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_solve_writes_a_verified_solution_and_picture(tmp_path, example_path):
    out, plot = tmp_path / "sol.json", tmp_path / "sol.png"
    res = run("solve", str(example_path), "--time-limit", "2", "--out", str(out), "--plot", str(plot))
    assert res.returncode == 0, res.stderr
    assert "verified" in res.stdout and "lower bound" in res.stdout
    sol = json.loads(out.read_text())
    assert set(sol) >= {"problem", "instance", "objective", "lower_bound", "method", "seconds", "seed", "bins"}
    assert sol["problem"] == "binpack2d" and sol["instance"] == "cl_07_040_01"
    assert sol["objective"] == len(sol["bins"]) >= sol["lower_bound"]
    assert sorted(p["item"] for b in sol["bins"] for p in b) == list(range(40))
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sol.json", "sol.png"]  # no temp files left

    ok = run("check", str(example_path), str(out))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("feasible:")

    # Move one item onto another: the checker names the overlap, exit code 1.
    first = sol["bins"][0]
    first[1]["x"], first[1]["y"] = first[0]["x"], first[0]["y"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(sol))
    res = run("check", str(example_path), str(bad))
    assert res.returncode == 1
    assert "overlap" in res.stderr


def test_max_evals_is_reproducible(tmp_path, example_path):
    outs = []
    for k in range(2):
        out = tmp_path / f"s{k}.json"
        res = run("solve", str(example_path), "--max-evals", "600", "--seed", "3", "--quiet", "--out", str(out))
        assert res.returncode == 0 and res.stdout == "", res.stderr
        data = json.loads(out.read_text())
        data.pop("seconds")
        outs.append(data)
    assert outs[0] == outs[1]
    assert outs[0]["evaluations"] <= 600


def test_generate_then_solve_a_2bp_file(tmp_path, classic):
    res = run("solve", f"{classic / 'original' / 'Class_05.2bp'}:3", "--time-limit", "1", "--quiet",
              "--out", str(tmp_path / "s.json"))
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "s.json").read_text())["instance"] == "CLASS05_020_04"


def test_generate_writes_a_loadable_instance(tmp_path):
    out = tmp_path / "g.json"
    res = run("generate", "binpack2d", "--class", "9", "--n", "25", "--seed", "4", "--out", str(out))
    assert res.returncode == 0, res.stderr
    inst = json.loads(out.read_text())
    assert inst["problem"] == "binpack2d" and sum(i.get("count", 1) for i in inst["items"]) == 25
    again = run("generate", "binpack2d", "--class", "9", "--n", "25", "--seed", "4")
    assert json.loads(again.stdout) == inst


def test_problems_and_methods_list():
    res = run("problems")
    assert res.returncode == 0 and "binpack2d" in res.stdout and "nnopt (shipped)" in res.stdout
    res = run("methods", "binpack2d")
    assert res.returncode == 0 and "nnopt (default)" in res.stdout


def bad_instance(tmp_path: Path, text: str) -> str:
    p = tmp_path / "inst.json"
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize(
    "make_args, fragment",
    [
        (lambda t: ["solve", str(t / "missing.json")], "missing.json: no such file"),
        (lambda t: ["solve", bad_instance(t, "{oops")], "invalid JSON at line 1"),
        (lambda t: ["solve", bad_instance(t, '{"bin": {"width": 5, "height": 5}, '
                                             '"items": [{"width": 6, "height": 1}]}')],
         "items[0] (item 0) of size 6x1 does not fit the 5x5 bin"),
        (lambda t: ["solve", bad_instance(t, '{"bin": {"width": 5, "height": -5}, "items": []}')],
         "bin.height must be a positive integer, got -5"),
        (lambda t: ["solve", bad_instance(t, '{"bin": {"width": 5, "height": 5}, "items": [], "x": 1}')],
         "unknown key 'x'"),
        (lambda t: ["solve", bad_instance(t, '{"problem": "nope", "items": []}')], "unknown problem 'nope'"),
        (lambda t: ["solve", "examples/cl_01_020_01.json", "--time-limit", "-1"], "--time-limit': must be positive"),
        (lambda t: ["solve", "examples/cl_01_020_01.json", "--method", "magic"], "unknown method 'magic'"),
        (lambda t: ["solve", "examples/cl_01_020_01.json", "--plot", "x.gif"], "unsupported picture format"),
        (lambda t: ["solve", "examples/cl_01_020_01.json", "--out", str(t / "no" / "s.json")], "does not exist"),
        (lambda t: ["solve", "examples/cl_01_020_01.json", "--seed", "abc"], "'abc' is not a valid integer"),
        (lambda t: ["check", "examples/cl_01_020_01.json", bad_instance(t, '{"bins": 3}')],
         "field 'bins' must be a list"),
        (lambda t: ["generate", "binpack2d", "--class", "11"], "class"),
        (lambda t: ["generate", "nope"], "unknown problem 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, repo, make_args, fragment):
    res = run(*make_args(tmp_path), cwd=repo)
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert fragment in lines[0] and "Traceback" not in res.stderr


def test_debug_shows_the_traceback(tmp_path):
    res = run("solve", str(tmp_path / "missing.json"), "--debug")
    assert res.returncode != 0 and "Traceback" in res.stderr
