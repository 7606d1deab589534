"""What a worker does with one run: solve, verify again, and turn whatever happens into a row.

Module-level functions only, so that a Dask worker imports them by name rather
than unpickling code, and the in-process executor calls the very same ones.
"""
from __future__ import annotations

import json
import os
import time

from nnopt.bench.rows import COLUMNS, BenchRun, format_value, one_line

__all__ = ["run_one", "timed_run", "worker_share"]


def worker_share() -> int:
    """Cores for one run on a Dask worker: the machine's cores over the worker's threads."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        from distributed import get_worker

        return max(1, cores // max(1, get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 1


def run_one(run: BenchRun) -> dict[str, str]:
    """Do ``run``; its verified row, or a row with status ``error`` and the message when it raises.

    A run cut short by Ctrl-C (status ``interrupted``) is no result: it raises
    ``KeyboardInterrupt`` and nothing of it is stored.
    """
    import nnopt
    from nnopt.problems import get_problem

    row = {"instance": run.name, "class": "", "n": "", "method": run.method, "seed": str(run.seed),
           "best_known": "" if run.best_known is None else format_value(run.best_known), "error": ""}
    threads = run.threads or worker_share()
    try:
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    except (ImportError, ValueError):
        pass
    try:
        problem = get_problem(run.problem)
        inst = problem.load(json.loads(run.instance), source=run.source)
        problem = problem.for_instance(inst)  # a variant's instance (a cutting job) is judged by its own object
        row.update({"class": problem.instance_class(inst), "n": str(problem.instance_size(inst))})
        res = nnopt.solve(inst, problem=problem.name, method=run.method, time_limit=run.time_limit,
                          max_evals=run.max_evals, seed=run.seed, threads=threads)
        if res.status == "interrupted":  # a cut-short run is not a result: stop, store nothing of it
            raise KeyboardInterrupt(f"{run.name}: {run.method} interrupted")
        issues = problem.check(inst, res.solution)  # the guard, again, on what is reported
    except KeyboardInterrupt:  # raised in the start-up: nothing of this method is stored
        raise
    except nnopt.ContradictionError as exc:  # a defective bound or checker: no result, no "optimal"
        row.update(objective="", lower_bound="", seconds="", status=f"contradiction: {exc}", verified="false")
    except nnopt.VerificationError as exc:
        row.update(objective="", lower_bound="", seconds="", status=f"infeasible: {exc}", verified="false")
    except Exception as exc:  # the method (or a plugin) failed: record it, the bench goes on
        row.update(objective="", lower_bound="", seconds="", status="error", verified="false",
                   error=one_line(exc))
    else:
        row.update(objective=format_value(res.objective), lower_bound=format_value(res.lower_bound),
                   seconds=f"{res.seconds:.3f}", status=res.status, verified="true" if not issues else "false")
    return {c: row.get(c, "") for c in COLUMNS}


def timed_run(run: BenchRun) -> tuple[dict[str, str] | None, float]:
    """(row, core-seconds) of ``run``: its wall time times the cores it was given; row None if cut short."""
    t0 = time.perf_counter()
    try:
        row = run_one(run)
    except KeyboardInterrupt:
        return None, (time.perf_counter() - t0) * (run.threads or worker_share())
    return row, (time.perf_counter() - t0) * (run.threads or worker_share())
