"""``nnopt warmup``: compiles and caches the kernels, refuses unknown problems in one line."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NNOPT = Path(sys.executable).with_name("nnopt")


def test_warmup_reports_each_problem_it_warmed(tmp_path):
    res = subprocess.run([str(NNOPT), "warmup", "--problem", "tsp"], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("tsp: ") and res.stdout.strip().endswith(" s")


def test_warmup_refuses_an_unknown_problem_in_one_line():
    res = subprocess.run([str(NNOPT), "warmup", "--problem", "nope"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "'nope'" in lines[0] and "no such problem" in lines[0] and "tsp" in lines[0]


def test_a_failing_problem_is_named_and_the_others_still_warm(monkeypatch):
    from nnopt import _warmup
    from nnopt.problems import get_problem

    seen = []
    tsp = get_problem("tsp")

    def broken(seed, **params):
        raise RuntimeError("generator broke")

    monkeypatch.setattr(type(tsp), "generate", lambda self, seed, **kw: broken(seed))
    spent = _warmup.warm_up(["tsp"], lambda name, s, err: seen.append((name, err)))
    assert list(spent) == ["tsp"] and seen == [("tsp", "RuntimeError: generator broke")]
