"""`nnopt bench` and its files: one row per run whoever appends, clear lines for what cannot be read or written."""
from __future__ import annotations

import csv
import errno
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import nnopt
from nnopt.bench.inputs import read_reference
from nnopt.bench.results_file import ResultsFile, ResultsWriteError
from nnopt.bench.rows import COLUMNS, BenchRun, read_rows, result_key
from nnopt.bench.runner import run_bench
from nnopt.bench.summary import method_summary
from nnopt.cli.main import main
from nnopt.problems import InstanceError

NNOPT = Path(sys.executable).parent / "nnopt"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    captured = capsys.readouterr()
    code = exc.value.code
    return (0 if code is None else code), captured.out, captured.err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in err, err
    return lines[0]


def row(instance: str, method: str, seed: int, objective: int) -> dict[str, str]:
    return {"instance": instance, "class": "1", "n": "20", "method": method, "seed": str(seed),
            "objective": str(objective), "lower_bound": "3", "best_known": "", "seconds": "0.1",
            "status": "budget", "verified": "true", "error": ""}


def keys_in(path: Path) -> list[tuple[str, str, str]]:
    with path.open(newline="") as fh:
        return [(r["instance"], r["method"], r["seed"]) for r in csv.DictReader(fh)]


# ------------------------------------------------------------------ two benches, one file
def test_a_row_another_writer_appended_first_is_not_written_again(tmp_path):
    out = tmp_path / "r.csv"
    first = ResultsFile(out, COLUMNS, key=result_key)
    second = ResultsFile(out, COLUMNS, key=result_key)  # another bench's handle on the same file
    with first, second:
        first.write([row("a", "m", 0, 5)])
        second.write([row("a", "m", 0, 6), row("b", "m", 0, 7)])  # its own run of a/m/0 came second
        first.write([row("b", "m", 0, 7), row("c", "m", 0, 8)])
    assert keys_in(out) == [("a", "m", "0"), ("b", "m", "0"), ("c", "m", "0")]
    assert out.read_text().count(",".join(COLUMNS)) == 1  # one header


def test_two_benches_of_the_same_runs_on_one_file_write_each_run_once(tmp_path, repo):
    problem, inst = nnopt.load_instance(repo / "examples" / "cl_07_040_01.json")
    runs = [BenchRun.of(problem, inst, "ex", "best-heuristic", s, max_evals=20) for s in (0, 1)]
    out = tmp_path / "r.csv"
    run_bench(runs, out)
    run_bench(runs, out)  # a second bench that started before the first had written anything
    assert keys_in(out) == [("cl_07_040_01", "best-heuristic", "0"), ("cl_07_040_01", "best-heuristic", "1")]


def test_two_bench_commands_at_once_write_each_row_once_and_report_the_true_total(tmp_path, repo):
    out = tmp_path / "r.csv"
    args = [str(NNOPT), "bench", str(repo / "examples" / "cl_07_040_01.json"),
            str(repo / "examples" / "cl_01_020_01.json"), "--methods", "best-heuristic,random-keys",
            "--max-evals", "200", "--seeds", "2", "--out", str(out)]
    env = {**os.environ, "COLUMNS": "200"}
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    keys = keys_in(out)
    assert len(keys) == len(set(keys)) == 8
    rows = read_rows(out)
    total = sum(float(r["objective"]) for r in rows if r["method"] == "best-heuristic")
    for stdout, _ in results:
        line = next(x for x in stdout.splitlines() if "best-heuristic" in x and "│" in x)
        assert re.search(rf"│\s+{total:g} │", line), stdout


def test_rows_written_twice_by_an_older_version_count_once(tmp_path, repo):
    out = tmp_path / "r.csv"
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        rows = [row("cl_07_040_01", "best-heuristic", 0, 11), row("cl_07_040_01", "best-heuristic", 0, 11)]
        rows[0].update({"class": "7", "n": "40"})
        rows[1].update({"class": "7", "n": "40"})
        writer.writerows(rows)
    assert len(read_rows(out)) == 1 and method_summary(read_rows(out))[0]["total"] == 11
    res = subprocess.run([str(NNOPT), "bench", str(repo / "examples" / "cl_07_040_01.json"), "--methods",
                          "best-heuristic", "--max-evals", "20", "--out", str(out)], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "COLUMNS": "200"})
    assert res.returncode == 0, res.stderr
    stdout = res.stdout
    line = next(x for x in stdout.splitlines() if "best-heuristic" in x)
    assert "1/1" in line and " 11 " in line and " 22 " not in line, stdout


# ------------------------------------------------------------------ inputs
def test_two_instance_files_with_one_name_are_refused_naming_both(tmp_path, capsys, repo):
    src = repo / "examples" / "cl_07_040_01.json"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "x.json", tmp_path / "b" / "y.json"
    shutil.copy(src, first)
    shutil.copy(src, second)
    out = tmp_path / "r.csv"
    code, _, err = run_cli(capsys, "bench", str(first), str(second), "--methods", "best-heuristic",
                           "--max-evals", "20", "--out", str(out))
    line = one_error_line(err)
    assert code == 2 and str(first) in line and str(second) in line and "'cl_07_040_01'" in line
    assert not out.exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-3", "NaN"])
def test_a_reference_value_that_is_no_objective_is_refused(tmp_path, capsys, repo, value):
    ref = tmp_path / "ref.csv"
    ref.write_text(f"name,best_known\nother,5\ncl_07_040_01,{value}\n")
    with pytest.raises(InstanceError, match=f"{ref}: line 3: best_known .* got '{value}'"):
        read_reference(ref)
    out = tmp_path / "r.csv"
    code, _, err = run_cli(capsys, "bench", str(repo / "examples" / "cl_07_040_01.json"), "--methods",
                           "best-heuristic", "--max-evals", "20", "--reference", str(ref), "--out", str(out),
                           "--plot", str(tmp_path / "r.png"))
    line = one_error_line(err)
    assert code == 2 and str(ref) in line and "line 3" in line and value in line
    assert not out.exists() and not (tmp_path / "r.png").exists()


def test_a_reference_reads_zero_and_skips_empty_values(tmp_path):
    ref = tmp_path / "ref.csv"
    ref.write_text("name,best_known\nzero,0\nnone,\nsome,7.5\n")
    assert read_reference(ref) == {"zero": 0.0, "some": 7.5}  # zero is an objective a run can reach


# ------------------------------------------------------------------ outputs
def test_plot_onto_the_results_file_is_refused(tmp_path, capsys, repo):
    same = tmp_path / "r.png"
    code, _, err = run_cli(capsys, "bench", str(repo / "examples" / "cl_07_040_01.json"), "--methods",
                           "best-heuristic", "--max-evals", "20", "--out", str(same), "--plot", str(same))
    line = one_error_line(err)
    assert code == 2 and "--plot" in line and "--out" in line and not same.exists()


def test_plot_through_a_link_onto_the_results_file_is_refused(tmp_path, capsys, repo):
    out = tmp_path / "r.png"
    link = tmp_path / "link.png"
    link.symlink_to(out)
    code, _, err = run_cli(capsys, "bench", str(repo / "examples" / "cl_07_040_01.json"), "--methods",
                           "best-heuristic", "--max-evals", "20", "--out", str(out), "--plot", str(link))
    assert code == 2 and "--out" in one_error_line(err)


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in: a read-only one, or (as root, whom the mode
    does not stop) /sys, where nobody may create a file."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    for folder in (Path("/sys"), Path("/proc")):
        probe = folder / "nnopt-bench-probe.csv"
        try:
            probe.open("a").close()
        except OSError:
            return folder
        probe.unlink()
    pytest.skip("no folder here refuses a new file to this user")


def test_out_in_a_folder_that_refuses_files_is_one_line_and_no_file(tmp_path, capsys, repo):
    folder = _unwritable_folder(tmp_path)
    out = folder / "r.csv"
    code, _, err = run_cli(capsys, "bench", str(repo / "examples" / "cl_07_040_01.json"), "--methods",
                           "best-heuristic", "--max-evals", "20", "--out", str(out), "--quiet")
    line = one_error_line(err)
    assert code == 2 and "--out" in line and str(out) in line and "cannot write" in line
    assert not out.exists()


def test_a_full_disk_leaves_no_empty_results_file(tmp_path, monkeypatch):
    out = tmp_path / "r.csv"

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with ResultsFile(out, COLUMNS, key=result_key) as results:
        with pytest.raises(ResultsWriteError, match=f"{out}: cannot write the results: No space left on device"):
            results.write([row("a", "m", 0, 5)])
    assert not out.exists()


def test_a_full_disk_keeps_the_rows_already_there(tmp_path, monkeypatch):
    out = tmp_path / "r.csv"
    with ResultsFile(out, COLUMNS, key=result_key) as results:
        results.write([row("a", "m", 0, 5)])
    before = out.read_text()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with ResultsFile(out, COLUMNS, key=result_key) as results, pytest.raises(ResultsWriteError):
        results.write([row("b", "m", 0, 5)])
    assert out.exists() and out.read_text().startswith(before)


def test_out_on_a_full_device_is_one_line(tmp_path, capsys, repo):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    code, _, err = run_cli(capsys, "bench", str(repo / "examples" / "cl_07_040_01.json"), "--methods",
                           "best-heuristic", "--max-evals", "20", "--out", "/dev/full", "--quiet")
    line = one_error_line(err)
    assert code == 2 and "/dev/full" in line and Path("/dev/full").is_char_device()
