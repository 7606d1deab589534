"""The first Ctrl-C (or SIGTERM) stops a solve; the answer is still verified and written, whenever it lands
and however often the user presses again."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nnopt
import nnopt._solve as solve_module
from nnopt._interrupted import interrupt_once, interrupts_held

NNOPT = Path(sys.executable).parent / "nnopt"


def _interrupt_self() -> None:
    """Send SIGINT to this process and let the handler run (it runs between bytecodes)."""
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(100):
        time.sleep(0.001)


def test_an_interrupt_while_the_bound_is_computed_still_gives_a_verified_solution(example_path, monkeypatch):
    prob = nnopt.get_problem("binpack2d")
    real_bound = type(prob).lower_bound

    def bound_hit_by_sigint(self, instance):
        _interrupt_self()
        return real_bound(self, instance)

    monkeypatch.setattr(type(prob), "lower_bound", bound_hit_by_sigint)
    res = nnopt.solve(str(example_path), time_limit=30)
    assert res.status == "interrupted"
    assert res.problem.check(res.instance, res.solution) == []
    assert res.objective >= res.lower_bound


def test_a_second_interrupt_while_the_heuristic_start_is_decoded_is_held(example_path, monkeypatch):
    real_start = solve_module.heuristic_start

    def stopped_by_sigint(*a, **kw):
        _interrupt_self()
        raise AssertionError("the first interrupt should have stopped the method")

    def start_hit_by_sigint(*a, **kw):
        _interrupt_self()
        return real_start(*a, **kw)

    monkeypatch.setattr(solve_module, "run_method", stopped_by_sigint)
    monkeypatch.setattr(solve_module, "heuristic_start", start_hit_by_sigint)
    res = nnopt.solve(str(example_path), time_limit=30)
    assert res.status == "interrupted"
    assert res.problem.check(res.instance, res.solution) == []


def test_only_the_first_interrupt_is_raised_and_handlers_come_back():
    before = signal.getsignal(signal.SIGINT)
    raised = 0
    with interrupt_once() as run:
        for _ in range(3):
            try:
                _interrupt_self()
            except KeyboardInterrupt:
                raised += 1
    assert raised == 1 and run.spent and run.received == 3
    assert signal.getsignal(signal.SIGINT) is before


def test_an_unarmed_block_notes_the_interrupt_and_an_inner_block_arms_it():
    with interrupt_once(armed=False) as outer:
        _interrupt_self()  # noted, not raised: nothing to stop yet
        assert outer.spent
        with interrupt_once() as inner:
            assert inner is outer
            _interrupt_self()  # spent already: noted
    assert outer.received == 2


def test_a_held_interrupt_counts_as_the_run_s_one():
    with interrupt_once() as run:
        with interrupts_held():
            _interrupt_self()
        _interrupt_self()  # the second: only counted
    assert run.spent and run.received == 2


def test_two_sigterms_in_quick_succession_keep_the_solution(tmp_path, repo):
    out = tmp_path / "sol.json"
    proc = subprocess.Popen([str(NNOPT), "solve", str(repo / "examples" / "cl_07_040_01.json"), "--method",
                             "random-keys", "--time-limit", "60", "--out", str(out), "--progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr.readline()  # the first improvement: the search is under way
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(out.read_text())["status"] in ("interrupted", "optimal")
