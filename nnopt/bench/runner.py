"""``nnopt bench``: every method on every instance and seed, verified, one CSV row each.

A bench is a list of :class:`~nnopt.bench.rows.BenchRun` s, one per (instance,
method, seed), each self-contained (the instance travels as its JSON text, so a
worker on another machine needs no access to the client's files). Rows are
appended and fsynced by one writer, the client, as runs finish: an interrupted
bench keeps what it measured and a rerun with the same ``--out`` resumes where it
stopped. A run that raises becomes a row with status ``error`` and the bench goes
on. ``scheduler=None`` runs here, one run after another
(:class:`~nnopt.bench.executor.InProcessExecutor`); anything parallel
(``--jobs N``, ``--scheduler``) runs on Dask ``distributed``
(:class:`~nnopt.bench.cluster.DaskExecutor`), so there is one parallel path.
"""
from __future__ import annotations

from pathlib import Path

from nnopt.bench.executor import Executor, InProcessExecutor
from nnopt.bench.results_file import ResultsFile
from nnopt.bench.rows import COLUMNS, BenchRun, OnUpdate, Tally, result_key, row_key

__all__ = ["executor_for", "run_bench"]


def executor_for(scheduler: str | None) -> Executor:
    """This process for ``None``; a Dask cluster for ``local:N`` or a scheduler's address."""
    if scheduler is None:
        return InProcessExecutor()
    from nnopt.bench.cluster import DaskExecutor  # imports nothing of Dask until a run needs it

    return DaskExecutor(scheduler)


def run_bench(
    runs: list[BenchRun],
    out: str | Path,
    *,
    scheduler: str | None = None,
    on_update: OnUpdate | None = None,
    replace: bool = False,
) -> Tally:
    """Run ``runs`` here, one after another, or on a Dask cluster (``scheduler``: ``local:N`` or an
    address); append each row to ``out`` as it arrives, once.

    ``replace``: start ``out`` afresh, but only when the first new row is written
    (an interrupted or failed run keeps the old file). Ctrl-C / SIGTERM stop the
    runs (and a local cluster's workers) and re-raise ``KeyboardInterrupt``; rows
    already written stay. ``on_update`` sees the tally after every row and, on a
    cluster, about every second. A row that another bench appending to the same
    file wrote first is not written again.
    """
    tally = Tally(total=len(runs))
    written: set[tuple[str, str, str]] = set()
    with ResultsFile(out, COLUMNS, replace=replace, key=result_key) as results:

        def emit(row: dict[str, str] | None, core_seconds: float) -> None:
            tally.core_seconds += core_seconds
            if row is None:  # cut short (a worker's interrupt): not a result, a rerun redoes it
                tally.lost += 1
            elif row_key(row) not in written:  # one row per run, whatever a cluster sends twice
                written.add(row_key(row))
                results.write([row])
                tally.done += 1
                tally.failed += row["verified"] != "true"
            if on_update is not None:
                on_update(tally, [row] if row is not None else [])

        if runs:  # nothing to do: no cluster to start
            executor_for(scheduler).run(runs, emit, tally, on_update)
    return tally
