"""``nnopt bench`` on Dask ``distributed``: a local cluster (``local:N``) or an existing scheduler.

Why Dask: a bench is many independent Python runs whose rows stream back, which
is exactly what ``Client.submit`` / ``as_completed`` do, on one machine or many,
with workers that can die and be replaced. The scheduler reschedules the runs of
a worker that died (killed, out of memory) on another worker, up to
``distributed.scheduler.allowed-failures`` times; a run that still kills its
worker after that is recorded as an ``error`` row. A run that raises never
reaches Dask as an error: :func:`nnopt.bench.worker.run_one` turns it into a row.

Only the client writes the results file (:func:`nnopt.bench.runner.run_bench`
hands :class:`DaskExecutor` its ``emit``), so rows are never interleaved or
written twice. ``distributed`` is an optional extra and is imported here only
when a bench runs in parallel.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nnopt.bench.rows import BenchRun, Emit, OnUpdate, Tally, error_row, one_line
from nnopt.bench.worker import timed_run

__all__ = ["DaskExecutor", "DistributedMissing", "INSTALL_HINT", "SchedulerUnreachable", "local_threads",
           "parse_scheduler", "require_distributed"]

INSTALL_HINT = "pip install 'nnopt[distributed]'"


class DistributedMissing(ImportError):
    """Dask ``distributed`` is not installed; the message says how to install it."""


class SchedulerUnreachable(ConnectionError):
    """No Dask scheduler answers at the address given."""


def require_distributed() -> Any:
    """The ``distributed`` module, or :class:`DistributedMissing` with the install line."""
    try:
        import distributed
    except ImportError as exc:
        raise DistributedMissing(f"parallel runs use Dask distributed, which is not installed "
                                 f"({exc}): {INSTALL_HINT}") from None
    return distributed


def parse_scheduler(spec: str) -> tuple[str, Any]:
    """``("local", N)`` for ``local:N``, ``("address", spec)`` for a scheduler address; ValueError otherwise."""
    spec = spec.strip()
    if spec.startswith("local"):
        _, _, n = spec.partition(":")
        if not n.isdigit() or int(n) < 1:
            raise ValueError(f"{spec!r}: use local:N with N workers, N at least 1 (e.g. local:2)")
        return "local", int(n)
    if not spec or any(c.isspace() for c in spec):
        raise ValueError(f"{spec!r}: give a scheduler address (tcp://HOST:8786) or local:N")
    return "address", spec


def local_threads(n_workers: int) -> int:
    """Cores for one run when ``n_workers`` one-thread workers share this machine."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // n_workers)


def execute(run: BenchRun) -> tuple[dict[str, str] | None, float]:
    """What a worker does with one run (module-level, so workers import it rather than unpickle code)."""
    return timed_run(run)


@contextmanager
def connect(scheduler: str) -> Iterator[Any]:
    """A ``Client`` on ``scheduler``; a local cluster lives as long as the block and its workers end with it."""
    distributed = require_distributed()
    kind, value = parse_scheduler(scheduler)
    cluster = None
    try:
        if kind == "local":
            # one thread per worker process: runs use Numba / OR-Tools threads of their own, and
            # processes keep a crashing run from taking the client down
            cluster = distributed.LocalCluster(n_workers=value, threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=logging.CRITICAL)
            client = distributed.Client(cluster)
        else:
            try:
                client = distributed.Client(value, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise SchedulerUnreachable(f"cannot reach the Dask scheduler at {value} ({exc})") from None
    except BaseException:
        if cluster is not None:
            cluster.close(timeout=5)
        raise
    try:
        yield client
    finally:
        try:
            client.close(timeout=5)
        finally:
            if cluster is not None:
                cluster.close(timeout=5)


def _running(client: Any, pending: int, threads: int) -> int:
    """Runs the workers hold now (at most one per worker thread)."""
    try:
        held = sum(len(keys) for keys in client.processing().values())
    except Exception:  # a scheduler that is going away: the tally is only for the progress bar
        held = pending
    return min(held, pending, threads)


class DaskExecutor:
    """The runs on a Dask cluster: ``local:N`` (N worker processes here) or a scheduler's address."""

    def __init__(self, scheduler: str) -> None:
        self.scheduler = scheduler

    def run(self, runs: list[BenchRun], emit: Emit, tally: Tally, on_update: OnUpdate | None) -> None:
        """Submit every run, hand each row to ``emit`` as it finishes (the caller writes it)."""
        _run_on_cluster(self.scheduler, runs, emit, tally, on_update)


def _run_on_cluster(scheduler: str, runs: list[BenchRun], emit: Emit, tally: Tally, on_update: OnUpdate | None) -> None:
    distributed = require_distributed()
    with connect(scheduler) as client:
        nthreads = client.nthreads()
        tally.workers, tally.threads = len(nthreads), max(1, sum(nthreads.values()))
        futures: dict[Any, BenchRun] = {}
        try:
            for run, fut in zip(runs, client.map(execute, runs, pure=False)):
                futures[fut] = run
            done = distributed.as_completed(list(futures))
            last_poll = 0.0
            while not done.is_empty():
                batch = done.next_batch(block=False)
                if not batch:
                    now = time.perf_counter()
                    if now - last_poll >= 1.0:  # the workers' load, for the progress bar
                        last_poll = now
                        tally.running = _running(client, len(futures), tally.threads)
                        if on_update is not None:
                            on_update(tally, [])
                    time.sleep(0.05)
                    continue
                for fut in batch:
                    outcome = _outcome(fut, futures[fut], distributed)
                    if outcome is None:  # its result died with a worker: the scheduler reruns it
                        done.add(fut)
                        continue
                    del futures[fut]
                    row, core_seconds = outcome
                    fut.release()
                    tally.running = min(tally.running, len(futures))
                    emit(row, core_seconds)
        except BaseException:
            if futures:
                try:
                    client.cancel(list(futures))
                except Exception:
                    pass
            raise
        tally.running = 0
        tally.workers = max(tally.workers, len(client.nthreads()))


def _outcome(fut: Any, run: BenchRun, distributed: Any) -> tuple[dict[str, str] | None, float] | None:
    """(row, core-seconds) of a finished future: its result, or an ``error`` row for what killed it;
    None when it is running again (a worker that held its result died; the scheduler recomputes it)."""
    if fut.status == "finished":
        try:
            return fut.result()
        except Exception:
            if fut.status != "error":  # lost between its end and the gather
                return None
    if fut.status == "cancelled":  # the scheduler dropped it (it went away): not a result
        return None, 0.0
    if fut.status != "error":  # pending again ("lost"): wait for its rerun
        return None
    exc = fut.exception()
    if isinstance(exc, distributed.KilledWorker):
        message = ("KilledWorker: the run's worker died every time it ran it (killed, out of memory): "
                   f"{one_line(exc)}")
    else:  # run_one turns a method's exceptions into rows; this is Dask or the transport failing
        message = one_line(exc)
    return error_row(run, message), 0.0
