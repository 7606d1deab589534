"""`nnopt bench` loses nothing: --overwrite, torn lines, interrupted runs, signals."""
from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import nnopt
from nnopt.bench.rows import COLUMNS, LEGACY_COLUMNS, BenchRun
from nnopt.bench.runner import run_bench

NNOPT = Path(sys.executable).parent / "nnopt"
OLD = ",".join(COLUMNS) + "\nold,7,40,best-heuristic,0,11,10,,0.1,heuristic,true,\n"
STATUS = COLUMNS.index("status")


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, timeout=300, **kw)


def test_overwrite_with_an_unsupported_method_keeps_the_file(tmp_path, repo):
    out = tmp_path / "keep.csv"
    out.write_text(OLD)
    res = run("bench", str(repo / "examples" / "cl_07_040_01.json"), "--methods", "christofides",
              "--out", str(out), "--overwrite")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert out.read_text() == OLD


def test_overwrite_with_a_bad_instance_keeps_the_file(tmp_path, repo):
    out, bad = tmp_path / "keep.csv", tmp_path / "bad.json"
    out.write_text(OLD)
    bad.write_text('{"bin": {"width": 0, "height": 5}, "items": [{"width": 1, "height": 1}]}')
    res = run("bench", str(repo / "examples" / "cl_07_040_01.json"), str(bad), "--methods", "best-heuristic",
              "--out", str(out), "--overwrite")
    assert res.returncode == 2 and "bin.width" in res.stderr
    assert out.read_text() == OLD


def test_a_torn_last_line_is_moved_aside(tmp_path, repo):
    out = tmp_path / "r.csv"
    out.write_text(OLD + "cl_01_020_01,1,20,best-heur")
    res = run("bench", str(repo / "examples" / "cl_07_040_01.json"), "--methods", "best-heuristic",
              "--time-limit", "2", "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    assert "cut short" in res.stderr
    with out.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert all(len(r) == len(COLUMNS) for r in rows) and len(rows) == 3
    sides = list(tmp_path.glob("r.csv.torn-*"))
    assert len(sides) == 1 and sides[0].read_text() == "cl_01_020_01,1,20,best-heur"


def test_an_interrupted_run_is_not_stored(tmp_path, repo, monkeypatch):
    real = nnopt.solve

    def cut_short(*a, **kw):
        res = real(*a, **kw)
        res.status = "interrupted"
        return res

    monkeypatch.setattr(nnopt, "solve", cut_short)
    out = tmp_path / "r.csv"
    problem, inst = nnopt.load_instance(repo / "examples" / "cl_07_040_01.json")
    run = BenchRun.of(problem, inst, "cl_07_040_01.json", "best-heuristic", 0, time_limit=1.0)
    with pytest.raises(KeyboardInterrupt):
        run_bench([run], out)
    assert not out.exists() or len(out.read_text().splitlines()) <= 1


def test_old_interrupted_rows_are_rerun(tmp_path, repo):
    out = tmp_path / "r.csv"
    out.write_text(",".join(LEGACY_COLUMNS) + "\ncl_07_040_01,7,40,best-heuristic,11,10,,0.1,interrupted,true\n")
    res = run("bench", str(repo / "examples" / "cl_07_040_01.json"), "--methods", "best-heuristic",
              "--time-limit", "2", "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    lines = out.read_text().splitlines()  # the older file was upgraded to the seed and error columns
    assert lines[0] == ",".join(COLUMNS) and len(lines) == 3
    assert lines[1].split(",")[STATUS] == "interrupted" and lines[-1].split(",")[STATUS] != "interrupted"


def test_sigterm_stops_bench_and_its_workers(tmp_path, repo):
    out = tmp_path / "r.csv"
    # instances no bound closes at the start (best known above the lower bound), so runs last
    data = repo / "benchmarks" / "data" / "2bp" / "instances"
    inst = [str(data / f"{n}.json") for n in ("CLASS10_100_04", "CLASS07_080_04")]
    proc = subprocess.Popen([str(NNOPT), "bench", *inst, "--methods", "random-keys", "--time-limit", "30",
                             "--jobs", "2", "--out", str(out), "--quiet"], stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    kids: list[str] = []
    for _ in range(120):  # until the pool's workers exist (the run is under way)
        time.sleep(0.5)
        kids = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        if len(kids) >= 2:
            break
    time.sleep(2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "resume" in err
    time.sleep(1)
    alive = [k for k in kids if Path(f"/proc/{k}").exists()
             and "zombie" not in Path(f"/proc/{k}/status").read_text().lower()]
    assert not alive, alive
    if out.exists():
        assert all(line.split(",")[STATUS] != "interrupted" for line in out.read_text().splitlines()[1:])
