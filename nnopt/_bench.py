"""``nnopt bench``: every method on every instance, verified, one CSV row each.

Rows are appended and flushed as they finish, so an interrupted run keeps what
it measured and a rerun with the same ``--out`` resumes where it stopped.
Instances run in parallel processes (``--jobs``); each process gets an equal
share of the cores for the methods that use threads (decoders, CP-SAT).
"""
from __future__ import annotations

import csv
import glob
import math
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from nnopt.problems import InstanceError

__all__ = [
    "COLUMNS",
    "BenchTask",
    "expand_instances",
    "read_reference",
    "run_bench",
    "read_rows",
    "suspect_rows",
    "method_summary",
    "pairwise_record",
    "group_ratios",
]

COLUMNS = ("instance", "class", "n", "method", "objective", "lower_bound", "best_known", "seconds",
           "status", "verified")


@dataclass(frozen=True)
class BenchTask:
    """One instance file (or ``file.2bp:K`` block) and the methods to run on it."""

    path: str
    methods: tuple[str, ...]
    time_limit: float
    seed: int
    threads: int
    best_known: dict[str, float]


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


def run_task(task: BenchTask) -> list[dict[str, str]]:
    """Run every method of ``task`` on its instance; one verified row per method."""
    import nnopt
    from nnopt._solve import load_instance

    if task.threads:
        try:
            import numba

            numba.set_num_threads(max(1, min(task.threads, numba.config.NUMBA_NUM_THREADS)))
        except (ImportError, ValueError):
            pass
    problem, inst = load_instance(task.path)
    name = problem.instance_name(inst)
    best = task.best_known.get(name)
    rows = []
    for method in task.methods:
        row = {
            "instance": name,
            "class": problem.instance_class(inst),
            "n": str(problem.instance_size(inst)),
            "method": method,
            "best_known": "" if best is None else _fmt(best),
        }
        try:
            res = nnopt.solve(inst, problem=problem.name, method=method, time_limit=task.time_limit,
                              seed=task.seed, threads=task.threads)
        except KeyboardInterrupt:  # raised in the start-up: nothing of this method is stored
            raise
        except nnopt.ContradictionError as exc:  # a defective bound or checker: no result, no "optimal"
            row.update(objective="", lower_bound="", seconds="", status=f"contradiction: {exc}", verified="false")
        except nnopt.VerificationError as exc:
            row.update(objective="", lower_bound="", seconds="", status=f"infeasible: {exc}", verified="false")
        else:
            if res.status == "interrupted":  # a cut-short run is not a result: stop, store nothing of it
                raise KeyboardInterrupt(f"{name}: {method} interrupted")
            issues = problem.check(inst, res.solution)  # the guard, again, on what is reported
            row.update(objective=_fmt(res.objective), lower_bound=_fmt(res.lower_bound),
                       seconds=f"{res.seconds:.3f}", status=res.status,
                       verified="true" if not issues else "false")
        rows.append(row)
    return rows


def suspect_rows(rows: Iterable[dict[str, str]]) -> list[str]:
    """One line per row that is no result: unverified, or an objective below its lower bound
    (a row written before such contradictions were refused)."""
    out = []
    for row in rows:
        obj, lb = _num(row, "objective"), _num(row, "lower_bound")
        if row.get("verified") != "true":
            out.append(f"{row['instance']} / {row['method']}: unverified ({row.get('status', '')})")
        elif obj is not None and lb is not None and obj < lb - 1e-9 * max(1.0, abs(lb)):
            out.append(f"{row['instance']} / {row['method']}: contradiction (objective {_fmt(obj)} below "
                       f"lower bound {_fmt(lb)})")
    return out


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a results CSV (empty when the file does not exist)."""
    p = Path(path)
    if not p.exists() or p.stat().st_size == 0:
        return []
    with p.open(newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise InstanceError(f"{p}: existing file is not an nnopt bench CSV (columns {reader.fieldnames})")
        return list(reader)


def run_bench(
    tasks: list[BenchTask],
    out: str | Path,
    *,
    jobs: int = 1,
    on_rows: Callable[[list[dict[str, str]]], None] | None = None,
    replace: bool = False,
) -> None:
    """Run ``tasks`` (in ``jobs`` processes), appending rows to ``out`` as they finish.

    ``replace``: start ``out`` afresh, but only when the first new row is written
    (an interrupted or failed run keeps the old file). Ctrl-C / SIGTERM end the
    worker processes too and re-raise ``KeyboardInterrupt``; rows already written stay.
    """
    from nnopt._bench_file import ResultsFile

    with ResultsFile(out, COLUMNS, replace=replace) as results:

        def emit(rows: list[dict[str, str]]) -> None:
            results.write(rows)
            if on_rows is not None:
                on_rows(rows)

        if jobs <= 1:
            for task in tasks:
                emit(run_task(task))
            return
        # spawn: Numba's and OR-Tools' thread pools do not survive a fork.
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"))
        pending: set[Future[list[dict[str, str]]]] = set()
        queue: Iterator[BenchTask] = iter(tasks)
        try:
            for task in queue:
                pending.add(pool.submit(run_task, task))
                if len(pending) >= 2 * jobs:
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    emit(fut.result())
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending.add(pool.submit(run_task, nxt))
        except BaseException:
            _stop_workers(pool)
            raise
        pool.shutdown(wait=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End a pool's worker processes now (shutdown alone waits for their running tasks)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.join(timeout=5)


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
    """(a, b) -> (wins, ties, losses) of method a against b on the instances both solved."""
    value: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        obj = _num(row, "objective")
        if row["verified"] == "true" and obj is not None:
            value[row["method"]][row["instance"]] = obj
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
