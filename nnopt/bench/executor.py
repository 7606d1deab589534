"""Where a bench's runs are done: the executor interface, and the executor that runs them in this process.

:func:`nnopt.bench.runner.run_bench` owns the results file and the tally; an
executor only does the runs and hands each finished one to ``emit``. So the
in-process executor here and the Dask one (:mod:`nnopt.bench.cluster`) share
one runner, and rows are written by one writer whatever does the runs.
"""
from __future__ import annotations

import time
from typing import Protocol

from nnopt.bench.rows import BenchRun, Emit, OnUpdate, Tally
from nnopt.bench.worker import run_one

__all__ = ["Executor", "InProcessExecutor"]


class Executor(Protocol):
    """Does ``runs`` and calls ``emit(row, core_seconds)`` once per finished run, as it finishes.

    It sets the tally's ``workers``, ``threads`` and ``running`` for the progress bar; Ctrl-C
    (``KeyboardInterrupt``) stops the runs and propagates.
    """

    def run(self, runs: list[BenchRun], emit: Emit, tally: Tally, on_update: OnUpdate | None) -> None: ...


class InProcessExecutor:
    """One run after another in this process (``--jobs 1``): a Ctrl-C stores nothing of the run it cuts."""

    def run(self, runs: list[BenchRun], emit: Emit, tally: Tally, on_update: OnUpdate | None) -> None:
        tally.running = 1
        for run in runs:
            t0 = time.perf_counter()
            row = run_one(run)  # KeyboardInterrupt: nothing of this run is stored
            emit(row, (time.perf_counter() - t0) * (run.threads or 1))
        tally.running = 0
