"""``nnopt bench``: every method on every instance and seed, verified, one CSV row each.

A bench is a list of :class:`BenchRun` s, one per (instance, method, seed), each
self-contained (the instance travels as its JSON text, so a worker on another
machine needs no access to the client's files). Rows are appended and fsynced by
one writer, the client, as runs finish: an interrupted bench keeps what it
measured and a rerun with the same ``--out`` resumes where it stopped. A run
that raises becomes a row with status ``error`` and the bench goes on.
``jobs=1`` runs in this process; anything parallel (``--jobs N``, ``--scheduler``)
runs on Dask ``distributed`` (:mod:`nnopt._bench_dask`), so there is one parallel path.
"""
from __future__ import annotations

import csv
import glob
import json
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnopt.problems import InstanceError

__all__ = [
    "COLUMNS",
    "LEGACY_COLUMNS",
    "BenchRun",
    "Tally",
    "expand_instances",
    "read_reference",
    "run_one",
    "run_bench",
    "read_rows",
    "row_key",
    "suspect_rows",
    "method_summary",
    "pairwise_record",
    "group_ratios",
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


def expand_instances(specs: Iterable[str]) -> list[str]:
    """Files, folders (their instance files: ``.json`` and every problem's suffixes) and globs.

    A multi-instance file (``.2bp``) becomes one entry per instance it holds.
    """
    from nnopt._solve import instances_in_file, known_suffixes

    paths: list[Path] = []
    for spec in specs:
        p = Path(spec)
        if ".2bp:" in spec:
            paths.append(p)
        elif p.is_dir():
            suffixes = known_suffixes()
            found = sorted(q for q in p.iterdir() if q.suffix.lower() in suffixes and q.is_file())
            if not found:
                raise InstanceError(f"{spec}: folder holds no instance files ({', '.join(sorted(suffixes))})")
            paths.extend(found)
        elif p.exists():
            paths.append(p)
        else:
            matches = sorted(glob.glob(spec))
            if not matches:
                raise InstanceError(f"{spec}: no such file, folder or glob match")
            paths.extend(Path(m) for m in matches)
    out: list[str] = []
    for p in paths:
        out.extend(instances_in_file(p))
    seen: set[str] = set()
    return [x for x in out if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]


def read_reference(path: str | Path) -> dict[str, float]:
    """Instance name -> best known value from a CSV with ``name`` and ``best_known*`` columns."""
    p = Path(path)
    try:
        with p.open(newline="") as fh:
            reader = csv.DictReader(fh)
            fields = reader.fieldnames or []
            value_col = next((f for f in fields if f.startswith("best_known")), None)
            if "name" not in fields or value_col is None:
                raise InstanceError(f"{p}: reference CSV needs columns 'name' and 'best_known' (has {fields})")
            out: dict[str, float] = {}
            for lineno, row in enumerate(reader, start=2):
                value = (row.get(value_col) or "").strip()
                if not value:
                    continue
                try:
                    out[row["name"]] = float(value)
                except ValueError:
                    raise InstanceError(f"{p}: line {lineno}: {value_col} is not a number: {value!r}") from None
            return out
    except FileNotFoundError:
        raise InstanceError(f"{p}: no such file") from None
    except UnicodeDecodeError:
        raise InstanceError(f"{p}: not a text CSV file") from None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def row_key(row: dict[str, str]) -> tuple[str, str, str]:
    """(instance, method, seed) of a results row."""
    return (row["instance"], row["method"], row.get("seed", ""))


def _one_line(exc: BaseException) -> str:
    text = " / ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _worker_share() -> int:
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
           "best_known": "" if run.best_known is None else _fmt(run.best_known), "error": ""}
    threads = run.threads or _worker_share()
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
                   error=_one_line(exc))
    else:
        row.update(objective=_fmt(res.objective), lower_bound=_fmt(res.lower_bound),
                   seconds=f"{res.seconds:.3f}", status=res.status, verified="true" if not issues else "false")
    return {c: row.get(c, "") for c in COLUMNS}


def timed_run(run: BenchRun) -> tuple[dict[str, str] | None, float]:
    """(row, core-seconds) of ``run``: its wall time times the cores it was given; row None if cut short."""
    t0 = time.perf_counter()
    try:
        row = run_one(run)
    except KeyboardInterrupt:
        return None, (time.perf_counter() - t0) * (run.threads or _worker_share())
    return row, (time.perf_counter() - t0) * (run.threads or _worker_share())


def suspect_rows(rows: Iterable[dict[str, str]]) -> list[str]:
    """One line per row that is no result: unverified, or an objective below its lower bound
    (a row written before such contradictions were refused)."""
    out = []
    for row in rows:
        obj, lb = _num(row, "objective"), _num(row, "lower_bound")
        what = f"{row['instance']} / {row['method']}"
        seed = f" [seed {row['seed']}]" if row.get("seed") else ""
        if row.get("verified") != "true":
            why = row.get("status", "") + (f": {row['error']}" if row.get("error") else "")
            out.append(f"{what}: unverified ({why}){seed}")
        elif obj is not None and lb is not None and obj < lb - 1e-9 * max(1.0, abs(lb)):
            out.append(f"{what}: contradiction (objective {_fmt(obj)} below "
                       f"lower bound {_fmt(lb)}){seed}")
    return out


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a results CSV (empty when the file does not exist); an older file's rows get the
    newer columns empty (``seed`` unknown, no ``error``)."""
    p = Path(path)
    if not p.exists() or p.stat().st_size == 0:
        return []
    with p.open(newline="") as fh:
        reader = csv.DictReader(fh)
        fields = tuple(reader.fieldnames or ())
        if fields not in (COLUMNS, LEGACY_COLUMNS):
            raise InstanceError(f"{p}: existing file is not an nnopt bench CSV (columns {reader.fieldnames})")
        return [{c: row.get(c) or "" for c in COLUMNS} for row in reader]


def run_bench(
    runs: list[BenchRun],
    out: str | Path,
    *,
    scheduler: str | None = None,
    on_update: Callable[[Tally, list[dict[str, str]]], None] | None = None,
    replace: bool = False,
) -> Tally:
    """Run ``runs`` here, one after another, or on a Dask cluster (``scheduler``: ``local:N`` or an
    address); append each row to ``out`` as it arrives, once.

    ``replace``: start ``out`` afresh, but only when the first new row is written
    (an interrupted or failed run keeps the old file). Ctrl-C / SIGTERM stop the
    runs (and a local cluster's workers) and re-raise ``KeyboardInterrupt``; rows
    already written stay. ``on_update`` sees the tally after every row and, on a
    cluster, about every second.
    """
    from nnopt._bench_file import ResultsFile

    tally = Tally(total=len(runs))
    written: set[tuple[str, str, str]] = set()
    with ResultsFile(out, COLUMNS, replace=replace) as results:

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

        if not runs:  # nothing to do: no cluster to start
            return tally
        if scheduler is None:
            tally.running = 1
            for run in runs:
                t0 = time.perf_counter()
                row = run_one(run)  # KeyboardInterrupt: nothing of this run is stored
                emit(row, (time.perf_counter() - t0) * (run.threads or 1))
            tally.running = 0
            return tally
        from nnopt._bench_dask import run_on_cluster

        run_on_cluster(scheduler, runs, emit, tally, on_update)
    return tally


# ------------------------------------------------------------------ summaries
def _num(row: dict[str, str], key: str) -> float | None:
    value = row.get(key, "")
    return float(value) if value not in ("", None) else None


def method_summary(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Per method: instances, totals of objective, lower bound and best known, ratios, mean time."""
    by_method: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_method[row["method"]].append(row)
    out = []
    for method, mrows in by_method.items():
        ok = [r for r in mrows if r["verified"] == "true"]
        total = sum(_num(r, "objective") or 0 for r in ok)
        lb = sum(_num(r, "lower_bound") or 0 for r in ok)
        with_best = [r for r in ok if _num(r, "best_known") is not None]
        total_b = sum(_num(r, "objective") or 0 for r in with_best)
        best = sum(_num(r, "best_known") or 0 for r in with_best)
        secs = [_num(r, "seconds") or 0.0 for r in ok]
        out.append({
            "method": method,
            "instances": len(mrows),
            "verified": len(ok),
            "total": total,
            "lower_bound": lb,
            "ratio_lb": total / lb if lb else math.nan,
            "best_known": best,
            "ratio_best": total_b / best if best else math.nan,
            "optimal": sum(_num(r, "lower_bound") is not None and _num(r, "objective") <= _num(r, "lower_bound")
                           for r in ok),
            "mean_seconds": sum(secs) / len(secs) if secs else math.nan,
        })
    return sorted(out, key=lambda s: (s["ratio_best"] if not math.isnan(s["ratio_best"]) else math.inf,
                                      s["total"], s["method"]))


def pairwise_record(rows: list[dict[str, str]]) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(a, b) -> (wins, ties, losses) of method a against b on the (instance, seed) pairs both solved."""
    value: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for row in rows:
        obj = _num(row, "objective")
        if row["verified"] == "true" and obj is not None:
            value[row["method"]][(row["instance"], row.get("seed", ""))] = obj
    methods = sorted(value)
    out = {}
    for a in methods:
        for b in methods:
            if a == b:
                continue
            common = value[a].keys() & value[b].keys()
            wins = sum(value[a][i] < value[b][i] for i in common)
            ties = sum(value[a][i] == value[b][i] for i in common)
            out[(a, b)] = (wins, ties, len(common) - wins - ties)
    return out


def group_ratios(rows: list[dict[str, str]], keys: tuple[str, ...] = ("class",)) -> dict[tuple[str, ...], dict[str, float]]:
    """group -> method -> total objective / total best known (instances with a best known)."""
    sums: dict[tuple[str, ...], dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    for row in rows:
        obj, best = _num(row, "objective"), _num(row, "best_known")
        if row["verified"] != "true" or obj is None or best is None:
            continue
        acc = sums[tuple(row[k] for k in keys)][row["method"]]
        acc[0] += obj
        acc[1] += best
    return {g: {m: (v[0] / v[1] if v[1] else math.nan) for m, v in ms.items()} for g, ms in sums.items()}


def plot_group_ratios(rows: list[dict[str, str]], path: str | Path, title: str = "") -> None:
    """Grouped bars: per class, each method's total / best known; written atomically."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from nnopt.problems._files import atomic_write_bytes

    ratios = group_ratios(rows)
    if not ratios:
        raise InstanceError("no verified rows with a best known value to plot (pass --reference)")
    groups = sorted(ratios, key=lambda g: (len(g[0]), g[0]))
    methods = [s["method"] for s in method_summary(rows) if not math.isnan(s["ratio_best"])]
    fig = Figure(figsize=(max(6.0, 0.9 * len(groups) * max(1, len(methods)) ** 0.5 + 3), 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(methods))
    for k, method in enumerate(methods):
        xs = [i + (k - (len(methods) - 1) / 2) * width for i in range(len(groups))]
        ax.bar(xs, [ratios[g].get(method, math.nan) for g in groups], width, label=method)
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_xticks(range(len(groups)), [f"class {g[0]}" if g[0] else "?" for g in groups], rotation=0)
    ax.set_ylabel("total bins / best known")
    lo = min(v for g in groups for v in ratios[g].values() if not math.isnan(v))
    hi = max(v for g in groups for v in ratios[g].values() if not math.isnan(v))
    ax.set_ylim(min(0.98, lo - 0.01), hi + 0.02)
    ax.legend(fontsize="small", ncol=2 if len(methods) > 6 else 1)
    ax.set_title(title or "ratio to best known, per class (lower is better)")
    fig.tight_layout()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    atomic_write_bytes(path, buf.getvalue())
