"""An interrupted solve (Ctrl-C or SIGTERM, start-up included) keeps the best verified solution."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import nnopt
import nnopt._solve as solve_module

NNOPT = Path(sys.executable).parent / "nnopt"


def test_interrupt_during_start_up_returns_the_heuristic_start(repo, monkeypatch):
    def interrupted(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(solve_module, "run_method", interrupted)
    res = nnopt.solve(str(repo / "examples" / "cl_07_040_01.json"), time_limit=5)
    assert res.status == "interrupted"
    assert res.problem.check(res.instance, res.solution) == []
    assert res.objective >= res.lower_bound


def test_sigterm_writes_the_best_solution(tmp_path, repo):
    out = tmp_path / "sol.json"
    proc = subprocess.Popen([str(NNOPT), "solve", str(repo / "examples" / "cl_07_040_01.json"), "--method",
                             "random-keys", "--time-limit", "60", "--out", str(out), "--progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr.readline()  # the first improvement: the search is under way
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    data = json.loads(out.read_text())
    assert data["status"] in ("interrupted", "optimal")
    check = subprocess.run([str(NNOPT), "check", str(repo / "examples" / "cl_07_040_01.json"), str(out)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_a_signal_while_the_answer_is_finished_is_held_not_raised():
    import os

    from nnopt._interrupted import interrupts_held

    before = signal.getsignal(signal.SIGINT)
    with interrupts_held() as held:
        os.kill(os.getpid(), signal.SIGINT)
        sum(range(1000))  # the handler runs between bytecodes: it must note, not raise
    assert held.received
    assert signal.getsignal(signal.SIGINT) is before


def test_verification_holds_a_signal_that_lands_in_the_checker(repo, monkeypatch):
    import os

    prob = nnopt.get_problem("binpack2d")
    real_check = type(prob).check

    def check_hit_by_sigint(self, instance, solution):
        os.kill(os.getpid(), signal.SIGINT)
        return real_check(self, instance, solution)

    monkeypatch.setattr(type(prob), "check", check_hit_by_sigint)
    res = nnopt.solve(str(repo / "examples" / "cl_07_040_01.json"), method="random-keys", max_evals=200)
    assert res.objective >= res.lower_bound
