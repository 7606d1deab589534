"""`nnopt bench` without a cluster: seed statistics, error rows in one process, older result files."""
from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest

import nnopt
from nnopt.bench.rows import COLUMNS, LEGACY_COLUMNS, BenchRun, read_rows
from nnopt.bench.runner import run_bench
from nnopt.bench.stats import paired_record, seed_spread, sign_test

NNOPT = Path(sys.executable).parent / "nnopt"


def row(instance: str, method: str, seed: int, objective: float | None) -> dict[str, str]:
    return {"instance": instance, "method": method, "seed": str(seed),
            "objective": "" if objective is None else str(objective),
            "verified": "false" if objective is None else "true"}


def test_sign_test_is_the_exact_binomial():
    assert sign_test(0, 0) == 1.0
    assert sign_test(3, 3) == 1.0
    assert sign_test(5, 0) == pytest.approx(2 / 32)
    assert sign_test(0, 10) == pytest.approx(2 / 1024)
    assert sign_test(8, 2) == pytest.approx(2 * (1 + 10 + 45) / 1024)


def test_seed_spread_and_pairs_match_instance_and_seed():
    rows = [row(i, "a", s, v) for (i, s, v) in [("x", 0, 10), ("x", 1, 12), ("y", 0, 5), ("y", 1, 5),
                                                 ("z", 0, 7), ("z", 1, None)]]
    rows += [row(i, "b", s, v) for (i, s, v) in [("x", 0, 11), ("x", 1, 11), ("y", 0, 6), ("y", 1, 4)]]
    spread = seed_spread(rows)
    # a: z lacks seed 1 (unverified), so totals are over x and y: 15 and 17
    assert spread["a"]["totals"] == [15, 17] and spread["a"]["instances"] == 2
    assert spread["a"]["mean"] == 16 and spread["a"]["sd"] == pytest.approx(math.sqrt(2))
    assert spread["b"]["totals"] == [17, 15]
    rec = paired_record(rows)[("a", "b")]  # pairs (x,0) win, (x,1) loss, (y,0) win, (y,1) loss
    assert (rec["wins"], rec["ties"], rec["losses"], rec["pairs"]) == (2, 0, 2, 4)
    assert rec["p"] == 1.0
    one_seed = seed_spread([row("x", "a", 0, 3)])["a"]
    assert one_seed["totals"] == [3] and math.isnan(one_seed["sd"])


def test_a_run_that_raises_in_this_process_is_an_error_row(tmp_path, repo, monkeypatch):
    real = nnopt.solve

    def flaky(instance, **kw):
        if kw["method"] == "random-keys" and kw["seed"] == 1:
            raise ValueError("bad luck\non two lines")
        return real(instance, **kw)

    monkeypatch.setattr(nnopt, "solve", flaky)
    problem, inst = nnopt.load_instance(repo / "examples" / "cl_07_040_01.json")
    runs = [BenchRun.of(problem, inst, "ex", m, s, max_evals=50) for m in ("best-heuristic", "random-keys")
            for s in (0, 1)]
    seen = []
    out = tmp_path / "r.csv"
    tally = run_bench(runs, out, on_update=lambda t, rows: seen.append((t.done, t.failed)))
    got = read_rows(out)
    assert [r["status"] for r in got].count("error") == 1
    bad = next(r for r in got if r["status"] == "error")
    assert (bad["method"], bad["seed"], bad["error"]) == ("random-keys", "1", "ValueError: bad luck / on two lines")
    assert bad["class"] == "7" and bad["n"] == "40" and bad["objective"] == ""
    assert (tally.done, tally.failed) == (4, 1) and seen[-1] == (4, 1)


def test_rows_of_an_older_file_count_as_the_first_seed(tmp_path, repo):
    out = tmp_path / "r.csv"
    out.write_text(",".join(LEGACY_COLUMNS) + "\ncl_07_040_01,7,40,best-heuristic,10,10,,0.1,optimal,true\n")
    res = subprocess.run([str(NNOPT), "bench", str(repo / "examples" / "cl_07_040_01.json"), "--methods",
                          "best-heuristic", "--max-evals", "50", "--seeds", "2", "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "1 results already there are kept" in res.stderr
    with out.open(newline="") as fh:
        got = list(csv.DictReader(fh))
    assert tuple(got[0]) == COLUMNS
    assert [(r["seed"], r["objective"]) for r in got] == [("", "10"), ("1", "10")]
    assert "2 instances" not in res.stdout and "bench: 1 instances" in res.stdout
