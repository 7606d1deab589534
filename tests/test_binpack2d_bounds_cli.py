"""``nnopt bounds INSTANCE`` as a user runs it: the real console script in a subprocess."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NNOPT = Path(sys.executable).parent / "nnopt"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, timeout=300)


def test_bounds_table_names_every_bound(example_path: Path) -> None:
    res = run("bounds", str(example_path), "--cg-time", "0.5")
    assert res.returncode == 0, res.stderr
    for name in ("area L0", "martello-vigo L2", "dff", "set-cover lp", "best"):
        assert name in res.stdout


def test_bounds_json_is_consistent(example_path: Path) -> None:
    from nnopt.problems.binpack2d._bounds import lower_bound
    from nnopt.problems.binpack2d._instance import read_instance

    res = run("bounds", str(example_path), "--json", "--cg-time", "0")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    rows = {b["name"]: b for b in data["bounds"]}
    assert data["instance"] == "cl_07_040_01" and data["n"] == 40
    assert "set-cover lp (column generation)" not in rows  # --cg-time 0 leaves it out
    assert rows["best"]["value"] == max(b["value"] for b in data["bounds"] if b["name"] != "best")
    assert rows["best"]["value"] == lower_bound(read_instance(example_path))
    assert all(b["seconds"] >= 0 for b in data["bounds"])


def test_bounds_bad_input_is_one_line_exit_2(tmp_path: Path, example_path: Path) -> None:
    missing = run("bounds", str(tmp_path / "nothere.json"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "nothere.json" in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"bin": {"width": 10, "height": 10}, "items": [{"width": 11, "height": 1}]}')
    res = run("bounds", str(broken))
    assert res.returncode == 2 and res.stderr.startswith("error:") and res.stderr.count("\n") == 1
    neg = run("bounds", str(example_path), "--cg-time", "-1")
    assert neg.returncode == 2 and "--cg-time" in neg.stderr
    neg = run("bounds", str(example_path), "--cp-time", "-1")
    assert neg.returncode == 2 and "--cp-time" in neg.stderr


def test_bounds_destructive_row(example_path: Path) -> None:
    res = run("bounds", str(example_path), "--json", "--cg-time", "0", "--cp-time", "0.5")
    assert res.returncode == 0, res.stderr
    rows = {b["name"]: b["value"] for b in json.loads(res.stdout)["bounds"]}
    assert rows["best"] == rows["destructive (cp-sat: fewer bins infeasible)"] >= rows["martello-vigo L2"]


def test_budgeted_rows_that_were_not_run_say_so() -> None:
    """Where a quick packing meets the cheap bounds, the expensive rows are not computed:
    the table says "skipped" instead of a time, and the JSON marks them."""
    inst = Path(__file__).resolve().parents[1] / "benchmarks/data/2bp/instances/CLASS01_020_01.json"
    res = run("bounds", str(inst), "--budget", "1", "--json")
    assert res.returncode == 0, res.stderr
    rows = {b["name"]: b for b in json.loads(res.stdout)["bounds"]}
    assert rows["destructive (cp-sat: fewer bins infeasible)"]["skipped"]
    assert rows["set-cover lp (column generation)"]["skipped"]
    assert not rows["area L0"]["skipped"] and not rows["best"]["skipped"]
    table = run("bounds", str(inst), "--budget", "1")
    assert table.returncode == 0 and table.stdout.count("skipped") >= 3  # two rows and the footnote


def test_budgeted_rows_that_ran_are_not_marked_skipped() -> None:
    from nnopt.problems.binpack2d._bounds import bounds_report
    from nnopt.problems.binpack2d._instance import read_instance

    inst = read_instance(Path(__file__).resolve().parents[1] / "benchmarks/data/2bp/instances/CLASS06_040_02.json")
    skipped: list[str] = []
    rows = bounds_report(inst, column_generation=0.3, destructive=0.3, budget=0.6, skipped=skipped)
    ran = [name for name, _, sec in rows if sec > 0 and name != "best"]
    assert ran and skipped == []  # the gap is open there: both expensive rows ran
