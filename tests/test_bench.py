"""`nnopt bench` through the real console script: rows, verification, resume, jobs."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

NNOPT = Path(sys.executable).parent / "nnopt"
COLUMNS = "instance,class,n,method,seed,objective,lower_bound,best_known,seconds,status,verified,error"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, timeout=600)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def write_reference(path: Path) -> Path:
    path.write_text("name,class,n,lb,best_known\ncl_01_020_01,1,20,8,8\ncl_07_040_01,7,40,10,10\n")
    return path


def test_bench_rows_tables_resume_and_plot(tmp_path, repo):
    out, plot = tmp_path / "r.csv", tmp_path / "r.png"
    ref = write_reference(tmp_path / "ref.csv")
    inst = [str(repo / "examples" / "cl_01_020_01.json"), str(repo / "examples" / "cl_07_040_01.json")]
    res = run("bench", *inst, "--methods", "best-heuristic,skyline-bl-area", "--time-limit", "2",
              "--reference", str(ref), "--out", str(out), "--plot", str(plot))
    assert res.returncode == 0, res.stderr
    assert out.read_text().splitlines()[0] == COLUMNS
    got = rows(out)
    assert len(got) == 4 and all(r["verified"] == "true" for r in got)
    assert {r["best_known"] for r in got} == {"8", "10"}
    assert all(int(r["objective"]) >= int(r["lower_bound"]) for r in got)
    assert {r["class"] for r in got} == {"1", "7"}
    assert "wins / ties / losses" in res.stdout and "best-heuristic" in res.stdout
    assert plot.read_bytes()[:4] == b"\x89PNG"

    # A rerun resumes: only the new method runs, nothing is duplicated.
    res = run("bench", *inst, "--methods", "best-heuristic,maxrects-bssf-area", "--time-limit", "2",
              "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    got = rows(out)
    assert len(got) == 6
    assert sorted(r["method"] for r in got).count("best-heuristic") == 2


def test_bench_jobs_and_folders_and_2bp_blocks(tmp_path, repo):
    import shutil

    folder = tmp_path / "instances"
    folder.mkdir()
    for p in (repo / "examples").glob("cl_*.json"):
        shutil.copy(p, folder / p.name)
    out = tmp_path / "r.csv"
    res = run("bench", str(folder), "--methods", "maxrects-bssf", "--jobs", "2", "--out", str(out),
              "--quiet")
    assert res.returncode == 0, res.stderr
    got = rows(out)
    assert sorted(r["instance"] for r in got) == ["cl_01_020_01", "cl_03_020_01_rot", "cl_07_040_01"]
    two = tmp_path / "two.2bp"
    two.write_text("1\n2\n1 1\n10 10\n3 3\n4 4\n1\n1\n2 2\n10 10\n5 5\n")
    res = run("bench", str(two), "--methods", "best-heuristic", "--out", str(tmp_path / "b.csv"), "--quiet")
    assert res.returncode == 0, res.stderr
    assert [r["instance"] for r in rows(tmp_path / "b.csv")] == ["CLASS01_002_01", "CLASS01_001_02"]


def test_bench_bad_input(tmp_path, repo):
    ex = str(repo / "examples" / "cl_01_020_01.json")
    for args, fragment in [
        (("bench", ex, "--methods", "nope", "--out", str(tmp_path / "a.csv")), "unknown method 'nope'"),
        (("bench", str(tmp_path / "none*.json"), "--out", str(tmp_path / "a.csv")), "no such file, folder or glob"),
        (("bench", ex, "--jobs", "0", "--out", str(tmp_path / "a.csv")), "--jobs must be at least 1"),
        (("bench", ex, "--reference", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "a.csv")),
         "missing.csv: no such file"),
    ]:
        res = run(*args)
        assert res.returncode == 2, (args, res.stderr)
        assert fragment in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
