"""`nnopt bench` on a real Dask LocalCluster with 2 workers: the same rows as one process,
every row exactly once when a worker dies mid-run, an `error` row for a run that raises.

Faults are injected into the workers with a Dask worker preload (a script every
worker runs at start, named by ``DASK_DISTRIBUTED__WORKER__PRELOAD``): it wraps
``nnopt.solve`` so that one chosen run kills its worker process with SIGKILL
(as the OOM killer would), once, or raises. The client process is untouched.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")

NNOPT = Path(sys.executable).parent / "nnopt"

PRELOAD = '''
"""Test preload: NNOPT_TEST_KILL=name/method kills the worker on that run's first try; NNOPT_TEST_RAISE raises."""
import os
import signal

import nnopt

def _faulty(real):
    def solve(instance, **kw):
        run = f"{nnopt.get_problem(kw['problem']).instance_name(instance)}/{kw['method']}"
        if run == os.environ.get("NNOPT_TEST_KILL"):
            try:  # once, whichever worker gets the run first; the retry runs normally
                os.close(os.open(os.environ["NNOPT_TEST_MARK"], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                pass
            else:
                os.kill(os.getpid(), signal.SIGKILL)
        if run == os.environ.get("NNOPT_TEST_RAISE"):
            raise RuntimeError("boom on purpose")
        return real(instance, **kw)

    solve.fault_injected = True
    return solve


if not hasattr(nnopt.solve, "fault_injected"):  # Dask may run a preload twice in one process
    nnopt.solve = _faulty(nnopt.solve)
'''


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def without_seconds(found: list[dict[str, str]]) -> list[tuple]:
    return sorted(tuple(v for k, v in r.items() if k != "seconds") for r in found)


def faulty_env(tmp_path: Path, **faults: str) -> dict[str, str]:
    script = tmp_path / "preload_faults.py"
    script.write_text(PRELOAD)
    return {"DASK_DISTRIBUTED__WORKER__PRELOAD": json.dumps([str(script)]),
            "NNOPT_TEST_MARK": str(tmp_path / "killed-once"), **faults}


@pytest.fixture()
def sweep(repo):
    """Three instances x two methods: 6 runs per seed."""
    ex = repo / "examples"
    return [str(ex / "cl_01_020_01.json"), str(ex / "cl_07_040_01.json"), str(ex / "cl_03_020_01_rot.json")]


def test_local_cluster_rows_equal_one_process_and_resume(tmp_path, repo):
    """--max-evals makes runs deterministic: 2 workers give the rows of --jobs 1, seed for seed."""
    ex = repo / "examples"
    inst = [str(ex / "tsp_uniform_050.json"), str(ex / "tsp_clustered_100.json")]
    args = ("bench", *inst, "--methods", "random-keys,nnopt", "--max-evals", "200", "--seeds", "2", "--quiet")
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    res = run(*args, "--jobs", "1", "--out", str(one))
    assert res.returncode == 0, res.stderr
    res = run(*args, "--scheduler", "local:2", "--out", str(two))
    assert res.returncode == 0, res.stderr
    assert len(rows(two)) == 8 and without_seconds(rows(two)) == without_seconds(rows(one))
    # the seeds matter (the clustered tour differs between seeds), so the equality is not vacuous
    clustered = {r["seed"]: r["objective"] for r in rows(one)
                 if r["instance"].startswith("tsp_clustered") and r["method"] == "random-keys"}
    assert clustered["0"] != clustered["1"]

    # A rerun with a third seed runs only that seed: finished rows are kept, not rerun (in one
    # process: the resume is decided by the client before anything is submitted).
    before = two.read_text()
    res = run(*args[:-3], "--seeds", "3", "--out", str(two))
    assert res.returncode == 0, res.stderr
    assert "4 results already there are kept" not in res.stderr  # 8 were there
    assert "8 results already there are kept" in res.stderr
    assert two.read_text().startswith(before)
    got = rows(two)
    assert len(got) == 12 and len({(r["instance"], r["method"], r["seed"]) for r in got}) == 12
    assert sorted(r["seed"] for r in got[8:]) == ["2"] * 4


def test_a_worker_killed_mid_run_yields_every_row_once(tmp_path, sweep):
    out = tmp_path / "r.csv"
    env = faulty_env(tmp_path, NNOPT_TEST_KILL="cl_07_040_01/best-heuristic")
    res = run("bench", *sweep, "--methods", "best-heuristic,random-keys", "--max-evals", "200", "--seeds", "2",
              "--scheduler", "local:2", "--out", str(out), "--quiet", env=env)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "killed-once").exists()  # a worker did die in the middle of the sweep
    got = rows(out)
    keys = [(r["instance"], r["method"], r["seed"]) for r in got]
    assert len(keys) == 12 and len(set(keys)) == 12
    assert all(r["verified"] == "true" and r["error"] == "" for r in got)  # the killed run was retried


def test_a_run_that_raises_is_one_error_row_and_the_sweep_goes_on(tmp_path, sweep):
    out = tmp_path / "r.csv"
    env = faulty_env(tmp_path, NNOPT_TEST_RAISE="cl_01_020_01/random-keys")
    res = run("bench", *sweep, "--methods", "best-heuristic,random-keys", "--max-evals", "200",
              "--scheduler", "local:2", "--out", str(out), env=env)
    assert res.returncode == 1, res.stderr  # rows that are no result fail a script's `&&`
    got = rows(out)
    assert len(got) == 6
    errors = [r for r in got if r["status"] == "error"]
    assert len(errors) == 1
    assert (errors[0]["instance"], errors[0]["method"]) == ("cl_01_020_01", "random-keys")
    assert errors[0]["error"] == "RuntimeError: boom on purpose" and errors[0]["verified"] == "false"
    assert all(r["verified"] == "true" for r in got if r is not errors[0])
    assert "cl_01_020_01 / random-keys: unverified (error: RuntimeError: boom on purpose) [seed 0]" in res.stderr
    assert "2 workers" in res.stderr and "core-seconds" in res.stderr  # the summary's cluster line


def test_without_distributed_the_flags_say_how_to_install_it(tmp_path, repo):
    """The import of distributed fails (a stand-in package that raises, first on the path)."""
    fake = tmp_path / "site" / "distributed"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named distributed (simulated)')\n")
    env = {"PYTHONPATH": str(tmp_path / "site")}
    ex = str(repo / "examples" / "cl_01_020_01.json")
    for flags in (("--scheduler", "local:2"), ("--scheduler", "tcp://127.0.0.1:8786"), ("--jobs", "2")):
        res = run("bench", ex, "--methods", "best-heuristic", *flags, "--out", str(tmp_path / "a.csv"), env=env)
        assert res.returncode == 2, (flags, res.stderr)
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert "pip install 'nnopt[distributed]'" in res.stderr
    assert not (tmp_path / "a.csv").exists()
    # one process needs no distributed
    res = run("bench", ex, "--methods", "best-heuristic", "--max-evals", "50", "--out", str(tmp_path / "b.csv"),
              "--quiet", env=env)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("flags, fragment", [
    (("--scheduler", "local:0"), "use local:N"),
    (("--scheduler", "local:two"), "use local:N"),
    (("--scheduler", "local:2", "--jobs", "2"), "give --jobs or --scheduler, not both"),
    (("--seeds", "0"), "--seeds: '0' is not a count K"),
    (("--seeds", "x"), "--seeds: 'x' is not a count K"),
    (("--seeds", "1,1"), "give distinct seeds"),
    (("--seeds", "1,2", "--seed", "3"), "give --seed or a --seeds list, not both"),
    (("--max-evals", "0"), "--max-evals must be positive"),
])
def test_bad_scheduler_and_seed_flags(tmp_path, repo, flags, fragment):
    res = run("bench", str(repo / "examples" / "cl_01_020_01.json"), "--methods", "best-heuristic", *flags,
              "--out", str(tmp_path / "a.csv"))
    assert res.returncode == 2, res.stderr
    assert fragment in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
