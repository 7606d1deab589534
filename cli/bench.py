"""``nnopt bench``: methods side by side on the same instances, every result verified."""
from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

import click

from nnopt.cli._options import SEED, TIME_LIMIT, refuse_overwriting_inputs

from nnopt.cli._common import EXIT_INFEASIBLE, UserError, debug_option, stderr
from nnopt.problems import InstanceError


@click.command("bench")
@click.argument("instances", nargs=-1, required=True)
@click.option("--methods", "methods_arg", default=None,
              help="Comma-separated methods (see `nnopt methods PROBLEM`); default: best-heuristic and "
                   "random-keys where they solve the instance's problem, and the methods a plugin ships for it.")
@click.option("--time-limit", type=TIME_LIMIT, default=10.0, show_default=True, help="Seconds per method and instance.")
@click.option("--jobs", type=int, default=1, show_default=True, help="Instances solved in parallel processes.")
@click.option("--reference", type=click.Path(dir_okay=False), default=None,
              help="CSV with columns name,best_known (e.g. benchmarks/data/2bp/reference.csv).")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Results CSV (rows appended).")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, help="PNG of per-class ratio to best known.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--overwrite", is_flag=True, help="Start --out afresh instead of resuming it.")
@click.option("--quiet", is_flag=True, help="No progress bar and no tables.")
@debug_option
def bench_cmd(instances: tuple[str, ...], methods_arg: str | None, time_limit: float, jobs: int, reference: str | None,
              out: str, plot: str | None, seed: int, overwrite: bool, quiet: bool) -> None:
    """Run every method on every instance (files, folders or globs), verify each
    solution with the problem's checker, and append one CSV row per result.

    Rows already in --out for the same instance and method are kept and skipped
    (a rerun resumes an interrupted bench); --overwrite starts afresh. The run
    ends with a table per method (total, vs lower bound, vs best known, mean
    time) and wins/ties/losses between methods.

    \b
    Example:
      nnopt bench benchmarks/data/2bp/instances --methods best-heuristic,cpsat \\
          --time-limit 10 --jobs 2 --reference benchmarks/data/2bp/reference.csv \\
          --out results.csv --plot results.png
    """
    from nnopt._bench import BenchTask, expand_instances, plot_group_ratios, read_reference, read_rows
    from nnopt._bench_file import repair_torn_tail
    from nnopt.solver.methods import UnknownMethodError, get_method

    methods = tuple(m.strip() for m in (methods_arg or "").split(",") if m.strip())
    if methods_arg is not None and not methods:
        raise UserError("--methods: give at least one method")
    chosen: dict[str, Any] = {}
    for m in methods:
        try:
            chosen[m] = get_method(m)
        except UnknownMethodError as exc:  # reworded below with the instances' problem's methods
            chosen[m] = exc
    if not time_limit > 0:
        raise UserError(f"--time-limit must be positive, got {time_limit}")
    if jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {jobs}")
    if plot is not None and Path(plot).suffix.lower() != ".png":
        raise UserError(f"--plot: {plot}: use a .png file")
    if not Path(out).resolve().parent.is_dir():
        raise UserError(f"--out: folder {Path(out).parent} does not exist")
    try:
        paths = expand_instances(instances)
        refuse_overwriting_inputs({"--out": out, "--plot": plot}, [*paths, *([reference] if reference else [])])
        best_known = read_reference(reference) if reference else {}
        if not overwrite:  # a torn last line is moved aside (with a warning) before it is read
            repair_torn_tail(out)
        # --overwrite replaces the file only when the first new row is written (run_bench)
        done_rows = [] if overwrite else read_rows(out)
    except InstanceError as exc:
        raise UserError(str(exc)) from exc
    # rows of older versions with status "interrupted" are cut-short runs: rerun them
    done = {(r["instance"], r["method"]) for r in done_rows if r["status"] != "interrupted"}

    threads = max(1, (os.cpu_count() or 1) // jobs)
    tasks = []
    from nnopt._solve import load_instance

    skipped = 0
    used: set[str] = set()
    for path in paths:
        try:
            problem, inst = load_instance(path)
        except InstanceError as exc:
            raise UserError(str(exc)) from exc
        name = problem.instance_name(inst)
        for m, found in chosen.items():
            if isinstance(found, UnknownMethodError):  # the hint lists this problem's methods
                try:
                    get_method(m, problem)
                except UnknownMethodError as exc:
                    raise UserError(f"--methods: {exc}") from exc
        wanted = methods or default_methods(problem)
        for m in wanted:
            chosen.setdefault(m, get_method(m))
        used.update(wanted)
        todo = tuple(m for m in wanted if (name, m) not in done)
        unsupported = [(m, chosen[m].unsupported(problem)) for m in todo if not chosen[m].supports(problem)]
        if unsupported:
            m, why = unsupported[0]
            raise UserError(f"--methods: {m!r} does not solve {problem.name!r} ({path}): {why}")
        skipped += len(wanted) - len(todo)
        if todo:
            tasks.append(BenchTask(path, todo, time_limit, seed, threads, best_known))
    if skipped and not quiet:
        stderr(f"resuming {out}: {skipped} results already there are kept (--overwrite to redo them)")

    total = sum(len(t.methods) for t in tasks)
    try:
        _run(tasks, out, jobs, total, quiet, overwrite)
    except KeyboardInterrupt:
        kept = len(read_rows(out)) if Path(out).exists() else 0
        stderr(f"interrupted: {kept} results are in {out}; run the same command again (without "
               "--overwrite) to resume")
        sys.exit(130)
    rows = read_rows(out)
    if plot is not None:
        try:
            plot_group_ratios(rows, plot)
        except InstanceError as exc:
            raise UserError(f"--plot: {exc}") from exc
    if not quiet:
        _print_tables(rows, tuple(used))
    from nnopt._bench import suspect_rows

    suspect = suspect_rows(r for r in rows if r["method"] in used)
    if suspect:  # a bench with rows that are no result must not pass a script's `&&` (issue 17)
        for line in suspect[:20]:
            stderr(f"error: {line}")
        if len(suspect) > 20:
            stderr(f"error: ... and {len(suspect) - 20} more")
        sys.exit(EXIT_INFEASIBLE)


#: What ``nnopt bench`` runs without ``--methods``, where the instance's problem supports it.
DEFAULT_BENCH_METHODS = ("best-heuristic", "random-keys")


def default_methods(problem: Any) -> tuple[str, ...]:
    """The methods a bench runs on ``problem`` when none are named: the default pair where it
    solves the problem, then every plugin method that does (a plugin's own exact method or
    baseline is what its author compares against); the default method when that is nothing."""
    from nnopt.solver.methods import DEFAULT_METHOD, available_methods, method_entries

    shipped = {e.name for e in method_entries() if e.origin == "nnopt (shipped)"}
    usable = [m.name for m in available_methods(problem)]
    out = [m for m in DEFAULT_BENCH_METHODS if m in usable]
    out += [m for m in usable if m not in shipped and m not in out]
    return tuple(out) or (DEFAULT_METHOD,)


def _run(tasks: list, out: str, jobs: int, total: int, quiet: bool, replace: bool) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from nnopt._bench import run_bench

    console = Console(stderr=True)
    if quiet or total == 0:
        run_bench(tasks, out, jobs=jobs, replace=replace)
        return
    with Progress(TextColumn("[bold]bench"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console, transient=not console.is_terminal) as progress:
        bar = progress.add_task("", total=total)

        def on_rows(rows: list[dict[str, str]]) -> None:
            last = rows[-1]
            progress.update(bar, advance=len(rows), description=f"{last['instance']}")

        run_bench(tasks, out, jobs=jobs, on_rows=on_rows, replace=replace)


def _print_tables(rows: list[dict[str, str]], methods: tuple[str, ...]) -> None:
    from rich.console import Console
    from rich.table import Table

    from nnopt._bench import method_summary, pairwise_record

    console = Console() if Console().is_terminal else Console(width=150)
    summary = [s for s in method_summary(rows) if s["method"] in methods]
    table = Table(title=f"bench: {len({r['instance'] for r in rows})} instances")
    for col in ("method", "verified", "total", "vs lower bound", "vs best known", "optimal", "mean s"):
        table.add_column(col, justify="left" if col == "method" else "right")

    def ratio(x: float) -> str:
        return "-" if math.isnan(x) else f"{x:.4f}"

    for s in summary:
        table.add_row(s["method"], f"{s['verified']}/{s['instances']}", f"{s['total']:g}", ratio(s["ratio_lb"]),
                      ratio(s["ratio_best"]), str(s["optimal"]), f"{s['mean_seconds']:.2f}")
    console.print(table)
    if len(summary) > 1:
        record = pairwise_record(rows)
        names = [s["method"] for s in summary]
        wtl = Table(title="wins / ties / losses (row vs column)")
        wtl.add_column("")
        for b in names:
            wtl.add_column(b, justify="right")
        for a in names:
            wtl.add_row(a, *["" if a == b else "{}/{}/{}".format(*record.get((a, b), (0, 0, 0))) for b in names])
        console.print(wtl)
