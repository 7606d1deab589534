"""The rows of a bench: what one run is, what its CSV row holds, and how rows are read back and judged.

A leaf of :mod:`nnopt.bench`: every other module of the bench imports it and it
imports none of them, so the runner, the executors and the summaries share one
definition of a row without importing each other.
"""
from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnopt.problems import InstanceError

__all__ = [
    "COLUMNS",
    "LEGACY_COLUMNS",
    "BenchRun",
    "Emit",
    "OnUpdate",
    "Tally",
    "error_row",
    "format_value",
    "number",
    "one_line",
    "read_rows",
    "result_key",
    "row_key",
    "suspect_rows",
    "unique_rows",
]

COLUMNS = ("instance", "class", "n", "method", "seed", "objective", "lower_bound", "best_known", "seconds",
           "status", "verified", "error")
#: The columns before seeds and error rows (read, and upgraded in place when appended to).
LEGACY_COLUMNS = ("instance", "class", "n", "method", "objective", "lower_bound", "best_known", "seconds",
                  "status", "verified")


@dataclass(frozen=True)
class BenchRun:
    """One (instance, method, seed) run with everything a worker needs to do it.

    ``instance`` is the instance's JSON text (what ``problem.load`` reads back),
    not a path: a worker on another machine may not see the client's files.
    ``threads`` caps the cores of a run; 0 means the worker's share of its machine.
    """

    problem: str
    instance: str
    source: str
    name: str
    method: str
    seed: int
    time_limit: float | None = None
    max_evals: int | None = None
    threads: int = 1
    best_known: float | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.method, str(self.seed))

    @classmethod
    def of(cls, problem: Any, instance: Any, source: str, method: str, seed: int, **kw: Any) -> BenchRun:
        """The run of ``method`` with ``seed`` on a loaded ``instance`` of ``problem``."""
        text = json.dumps(problem.instance_to_json(instance), separators=(",", ":"))
        return cls(problem.name, text, source, problem.instance_name(instance), method, seed, **kw)


@dataclass
class Tally:
    """Where a bench stands: what the progress bar shows and the summary's cluster line."""

    total: int
    done: int = 0
    failed: int = 0
    running: int = 0
    lost: int = 0
    workers: int = 1
    threads: int = 1
    core_seconds: float = 0.0
    started: float = field(default_factory=time.perf_counter)


#: What an executor hands each finished run to: its row (None when it was cut short) and its core-seconds.
Emit = Callable[[dict[str, str] | None, float], None]
#: What sees the tally after every row (and, on a cluster, about every second): the progress bar.
OnUpdate = Callable[[Tally, list[dict[str, str]]], None]


def format_value(value: float) -> str:
    """A number as a row holds it: integers without a decimal point, others to 6 significant digits."""
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def one_line(exc: BaseException) -> str:
    """``Type: message`` of ``exc`` on one line (a row's ``error`` field is one CSV cell)."""
    text = " / ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def row_key(row: dict[str, str]) -> tuple[str, str, str]:
    """(instance, method, seed) of a results row."""
    return (row["instance"], row["method"], row.get("seed", ""))


def result_key(row: dict[str, str]) -> tuple[str, str, str] | None:
    """(instance, method, seed) of a row that holds a result; None for a cut-short run's row
    (status ``interrupted``, written by older versions), which a rerun does again."""
    return None if row.get("status") == "interrupted" else row_key(row)


def number(row: dict[str, str], key: str) -> float | None:
    """The row's ``key`` as a number; None when the cell is empty."""
    value = row.get(key, "")
    return float(value) if value not in ("", None) else None


def error_row(run: BenchRun, message: str) -> dict[str, str]:
    """The ``error`` row of a run that produced no row of its own."""
    row = {"instance": run.name, "method": run.method, "seed": str(run.seed),
           "best_known": "" if run.best_known is None else format_value(run.best_known),
           "status": "error", "verified": "false", "error": message}
    return {c: row.get(c, "") for c in COLUMNS}


def unique_rows(rows: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """One row per (instance, method, seed): the first that is a result, else the first.

    Two benches appending to one file at once could write a run twice (and a cut-short run
    of an older version leaves an ``interrupted`` row before its rerun); counting both would
    add a run to the totals twice.
    """
    first: dict[tuple[str, str, str], dict[str, str]] = {}
    for row in rows:
        key = row_key(row)
        kept = first.get(key)
        if kept is None or (kept.get("status") == "interrupted" and row.get("status") != "interrupted"):
            first[key] = row
    return list(first.values())


def suspect_rows(rows: Iterable[dict[str, str]]) -> list[str]:
    """One line per row that is no result: unverified, or an objective below its lower bound
    (a row written before such contradictions were refused)."""
    out = []
    for row in rows:
        obj, lb = number(row, "objective"), number(row, "lower_bound")
        what = f"{row['instance']} / {row['method']}"
        seed = f" [seed {row['seed']}]" if row.get("seed") else ""
        if row.get("verified") != "true":
            why = row.get("status", "") + (f": {row['error']}" if row.get("error") else "")
            out.append(f"{what}: unverified ({why}){seed}")
        elif obj is not None and lb is not None and obj < lb - 1e-9 * max(1.0, abs(lb)):
            out.append(f"{what}: contradiction (objective {format_value(obj)} below "
                       f"lower bound {format_value(lb)}){seed}")
    return out


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a results CSV, one per (instance, method, seed) (:func:`unique_rows`); empty when the
    file does not exist; an older file's rows get the newer columns empty (``seed`` unknown, no ``error``)."""
    p = Path(path)
    if not p.exists() or p.stat().st_size == 0:
        return []
    with p.open(newline="") as fh:
        reader = csv.DictReader(fh)
        fields = tuple(reader.fieldnames or ())
        if fields not in (COLUMNS, LEGACY_COLUMNS):
            raise InstanceError(f"{p}: existing file is not an nnopt bench CSV (columns {reader.fieldnames})")
        return unique_rows({c: row.get(c) or "" for c in COLUMNS} for row in reader)
