"""`nnopt pretrain PROBLEM`: weights for a problem with the TokenFeatures capability, one line for others."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nnopt.solver.pretrain import load_scorer

NNOPT = Path(sys.executable).parent / "nnopt"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, timeout=300)


def test_pretrain_writes_weights_the_engine_loads(tmp_path):
    out = tmp_path / "scorer.pt"
    res = run("pretrain", "binpack2d", "--sizes", "8", "--instances", "2", "--held-out", "1", "--steps", "3",
              "--samples", "16", "--param", "klass=3", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"wrote {out}: 2 instances, 3 steps")
    model = load_scorer(out)
    assert model.context_dim > 0


def test_pretrain_refuses_a_problem_without_token_features(tmp_path):
    out = tmp_path / "scorer.pt"
    res = run("pretrain", "tsp", "--out", str(out))
    assert res.returncode == 2 and not out.exists()
    assert res.stderr.strip() == ("error: problem 'tsp' lacks the TokenFeatures capability (token_features); the "
                                  "set scorer needs per-coordinate features to pre-train (see docs/plugin-guide.md)")


def test_pretrain_passes_generate_errors_on_in_one_line(tmp_path):
    res = run("pretrain", "binpack2d", "--sizes", "8", "--param", "colour=red", "--out", str(tmp_path / "s.pt"))
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert res.stderr.startswith("error: pretrain binpack2d: ")
