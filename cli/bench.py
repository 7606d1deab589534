"""``nnopt bench``: methods side by side on the same instances, every result verified."""
from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from nnopt.cli._common import EXIT_INFEASIBLE, UserError, debug_option, stderr
from nnopt.cli._options import SEED, TIME_LIMIT, refuse_overwriting_inputs
from nnopt.problems import InstanceError


@click.command("bench")
@click.argument("instances", nargs=-1, required=True)
@click.option("--methods", "methods_arg", default=None,
              help="Comma-separated methods (see `nnopt methods PROBLEM`); default: best-heuristic and "
                   "random-keys where they solve the instance's problem, and the methods a plugin ships for it.")
@click.option("--time-limit", type=TIME_LIMIT, default=None,
              help="Seconds per run [default: 10, none with --max-evals].")
@click.option("--max-evals", type=int, default=None,
              help="Stop each run after this many decodes (as in `nnopt solve`): sweeps that reproduce bit for bit.")
@click.option("--seed", type=SEED, default=None, help="Seed of every run, or the first of --seeds K [default: 0].")
@click.option("--seeds", "seeds_arg", default=None, metavar="K|S1,S2,...",
              help="Run each (instance, method) K times (seeds --seed .. --seed+K-1) or with these seeds.")
@click.option("--jobs", type=int, default=1, show_default=True,
              help="Runs in parallel on this machine: --jobs N is --scheduler local:N.")
@click.option("--scheduler", default=None, metavar="ADDRESS|local:N",
              help="Run on a Dask cluster: a scheduler's address (tcp://HOST:8786) or local:N (N worker "
                   "processes here). Needs pip install 'nnopt[distributed]'.")
@click.option("--reference", type=click.Path(dir_okay=False), default=None,
              help="CSV with columns name,best_known (e.g. benchmarks/data/2bp/reference.csv).")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Results CSV (rows appended).")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, help="PNG of per-class ratio to best known.")
@click.option("--overwrite", is_flag=True, help="Start --out afresh instead of resuming it.")
@click.option("--quiet", is_flag=True, help="No progress bar and no tables.")
@debug_option
def bench_cmd(instances: tuple[str, ...], methods_arg: str | None, time_limit: float | None,
              max_evals: int | None, seed: int | None, seeds_arg: str | None, jobs: int, scheduler: str | None,
              reference: str | None, out: str, plot: str | None, overwrite: bool, quiet: bool) -> None:
    """Run every method on every instance (files, folders or globs) and seed, verify
    each solution with the problem's checker, and append one CSV row per run.

    Rows already in --out for the same instance, method and seed are kept and
    skipped (a rerun resumes an interrupted bench); --overwrite starts afresh. A
    run that raises is stored as a row with status "error" and the bench goes on.
    The run ends with a table per method (total, its mean ± sd over seeds, vs lower
    bound, vs best known, mean time) and wins/ties/losses between methods on
    seed-matched pairs with a sign test.

    \b
    Example:
      nnopt bench benchmarks/data/2bp/instances --methods best-heuristic,cpsat \\
          --time-limit 10 --jobs 2 --reference benchmarks/data/2bp/reference.csv \\
          --out results.csv --plot results.png
      nnopt bench instances/ --max-evals 2000 --seeds 5 --scheduler tcp://head:8786 --out r.csv
    """
    from nnopt.bench.inputs import expand_instances, read_reference
    from nnopt.bench.results_file import ResultsWriteError, repair_torn_tail
    from nnopt.bench.rows import BenchRun, read_rows, row_key
    from nnopt.bench.summary import plot_group_ratios
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
    if max_evals is not None and max_evals < 1:
        raise UserError(f"--max-evals must be positive, got {max_evals}")
    if time_limit is None and max_evals is None:
        time_limit = 10.0
    seeds = parse_seeds(seeds_arg, seed)
    if jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {jobs}")
    scheduler = resolve_scheduler(scheduler, jobs)
    if plot is not None and Path(plot).suffix.lower() != ".png":
        raise UserError(f"--plot: {plot}: use a .png file")
    if not Path(out).resolve().parent.is_dir():
        raise UserError(f"--out: folder {Path(out).parent} does not exist")
    if plot is not None and os.path.realpath(plot) == os.path.realpath(out):
        raise UserError(f"--plot {plot}: that is the --out results file; choose another name")
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
    except OSError as exc:  # the results file cannot be read or repaired (no permission, read-only)
        raise UserError(f"--out: {out}: {exc.strerror or exc}") from exc
    # rows of older versions with status "interrupted" are cut-short runs: rerun them; rows written
    # before the seed column count as the first seed (a rerun of the same command skipped them before)
    done = {(i, m, s or str(seeds[0])) for i, m, s in (row_key(r) for r in done_rows if r["status"] != "interrupted")}

    threads = 0  # a remote worker's share of its machine (decided on the worker)
    if scheduler is None:
        threads = max(1, os.cpu_count() or 1)
    elif scheduler.startswith("local"):
        from nnopt.bench.cluster import local_threads, parse_scheduler

        threads = local_threads(parse_scheduler(scheduler)[1])
    runs: list[BenchRun] = []
    from nnopt._solve import load_instance

    skipped = 0
    used: set[str] = set()
    named: dict[str, str] = {}  # instance name -> its file: rows are keyed by the name
    for path in paths:
        try:
            problem, inst = load_instance(path)
        except InstanceError as exc:
            raise UserError(str(exc)) from exc
        name = problem.instance_name(inst)
        if name in named:
            raise UserError(f"{path}: instance name {name!r} is also the name of {named[name]}; rows are keyed "
                            "by name, so bench them separately or rename one")
        named[name] = str(path)
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
        todo = [(m, s) for m in wanted for s in seeds if (name, m, str(s)) not in done]
        unsupported = [(m, chosen[m].unsupported(problem)) for m in dict.fromkeys(m for m, _ in todo)
                       if not chosen[m].supports(problem)]
        if unsupported:
            m, why = unsupported[0]
            raise UserError(f"--methods: {m!r} does not solve {problem.name!r} ({path}): {why}")
        skipped += len(wanted) * len(seeds) - len(todo)
        runs.extend(BenchRun.of(problem, inst, str(path), m, s, time_limit=time_limit, max_evals=max_evals,
                                threads=threads, best_known=best_known.get(name)) for m, s in todo)
    if skipped and not quiet:
        stderr(f"resuming {out}: {skipped} results already there are kept (--overwrite to redo them)")

    try:
        tally = _run(runs, out, scheduler, quiet, overwrite)
    except ResultsWriteError as exc:
        raise UserError(f"--out: {exc}") from exc
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
        except OSError as exc:  # a read-only or full folder: the results are in --out all the same
            raise UserError(f"--plot: {plot}: cannot write the picture: {exc.strerror or exc}") from exc
    if not quiet:
        _print_tables(rows, tuple(used))
        if runs:
            elapsed = time.perf_counter() - tally.started
            where = "in this process" if scheduler is None else f"on {scheduler}"
            stderr(f"ran {tally.done} runs in {elapsed:.1f} s {where}: {tally.workers} worker"
                   f"{'s' if tally.workers != 1 else ''} ({tally.threads} thread{'s' if tally.threads != 1 else ''}), "
                   f"{tally.core_seconds:.1f} core-seconds")
    if tally.lost:
        stderr(f"warning: {tally.lost} runs were cut short and not stored; run the same command again to do them")
    from nnopt.bench.rows import suspect_rows

    suspect = suspect_rows(r for r in rows if r["method"] in used)
    if suspect:  # a bench with rows that are no result must not pass a script's `&&`
        for line in suspect[:20]:
            stderr(f"error: {line}")
        if len(suspect) > 20:
            stderr(f"error: ... and {len(suspect) - 20} more")
        sys.exit(EXIT_INFEASIBLE)


def parse_seeds(spec: str | None, seed: int | None) -> list[int]:
    """The seeds of a bench: ``--seed`` alone, ``--seeds K`` counting from it, or a ``--seeds`` list."""
    if spec is None:
        return [seed or 0]
    text = spec.strip()
    if "," in text:
        if seed is not None:
            raise UserError("give --seed or a --seeds list, not both")
        try:
            seeds = [int(x) for x in text.split(",") if x.strip()]
        except ValueError:
            raise UserError(f"--seeds: {spec!r} is not a count K or a list of seeds like 0,1,2") from None
        if not seeds or any(not 0 <= s < 2**31 for s in seeds) or len(set(seeds)) != len(seeds):
            raise UserError(f"--seeds: {spec!r}: give distinct seeds in 0..{2**31 - 1}")
        return seeds
    if not text.isdigit() or int(text) < 1:
        raise UserError(f"--seeds: {spec!r} is not a count K (at least 1) or a list of seeds like 0,1,2")
    first = seed or 0
    if first + int(text) - 1 >= 2**31:
        raise UserError(f"--seeds: seeds {first}..{first + int(text) - 1} pass {2**31 - 1}")
    return list(range(first, first + int(text)))


def resolve_scheduler(scheduler: str | None, jobs: int) -> str | None:
    """The one parallel path: ``--jobs N`` (N > 1) is ``local:N``; None runs in this process.

    Checks that Dask distributed is installed (one line saying how to install it otherwise).
    """
    if scheduler is not None and jobs > 1:
        raise UserError("give --jobs or --scheduler, not both (--jobs N is --scheduler local:N)")
    if scheduler is None and jobs > 1:
        scheduler = f"local:{jobs}"
    if scheduler is None:
        return None
    from nnopt.bench.cluster import DistributedMissing, parse_scheduler, require_distributed

    flag = "--jobs" if jobs > 1 else "--scheduler"
    try:
        parse_scheduler(scheduler)
    except ValueError as exc:
        raise UserError(f"--scheduler: {exc}") from None
    try:
        require_distributed()
    except DistributedMissing:
        raise UserError(f"{flag}: parallel runs need Dask distributed, which is not installed: "
                        "pip install 'nnopt[distributed]'") from None
    return scheduler


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


def _run(runs: list, out: str, scheduler: str | None, quiet: bool, replace: bool) -> Any:
    """Run the bench under a progress bar: runs done / failed / running and the time left."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from nnopt.bench.cluster import SchedulerUnreachable
    from nnopt.bench.runner import run_bench

    console = Console(stderr=True)
    try:
        if quiet or not runs:
            return run_bench(runs, out, scheduler=scheduler, replace=replace)
        with Progress(TextColumn("[bold]bench"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("failed {task.fields[failed]} · running {task.fields[running]}"),
                      TextColumn("left"), TimeRemainingColumn(), TimeElapsedColumn(),
                      TextColumn("{task.description}"), console=console,
                      transient=not console.is_terminal) as progress:
            bar = progress.add_task("", total=len(runs), failed=0, running=0)

            def on_update(tally: Any, rows: list[dict[str, str]]) -> None:
                fields: dict[str, Any] = {"completed": tally.done + tally.lost, "failed": tally.failed,
                                          "running": tally.running}
                if rows:
                    fields["description"] = f"{rows[-1]['instance']} {rows[-1]['method']}"
                progress.update(bar, **fields)

            return run_bench(runs, out, scheduler=scheduler, on_update=on_update, replace=replace)
    except SchedulerUnreachable as exc:
        raise UserError(f"--scheduler: {exc}") from None


def _print_tables(rows: list[dict[str, str]], methods: tuple[str, ...]) -> None:
    """Per method: runs verified, totals with their mean ± sd over seeds, ratios, time; then the paired
    record between methods on seed-matched (instance, seed) pairs with the sign test's p."""
    from rich.console import Console
    from rich.table import Table

    from nnopt.bench.rows import unique_rows
    from nnopt.bench.stats import paired_record, seed_spread
    from nnopt.bench.summary import method_summary

    console = Console() if Console().is_terminal else Console(width=150)
    rows = unique_rows(r for r in rows if r["method"] in methods)
    summary = method_summary(rows)
    spread = seed_spread(rows)
    n_seeds = len({r["seed"] for r in rows})
    title = f"bench: {len({r['instance'] for r in rows})} instances" + (f" x {n_seeds} seeds" if n_seeds > 1 else "")
    table = Table(title=title)
    for col in ("method", "verified", "total", "per seed: mean ± sd", "vs lower bound", "vs best known",
                "optimal", "mean s"):
        table.add_column(col, justify="left" if col == "method" else "right")

    def ratio(x: float) -> str:
        return "-" if math.isnan(x) else f"{x:.4f}"

    def mean_sd(method: str) -> str:
        sp = spread.get(method)
        if sp is None or not sp["totals"]:
            return "-"
        sd = "-" if math.isnan(sp["sd"]) else f"{sp['sd']:.4g}"
        return f"{sp['mean']:.6g} ± {sd} ({sp['seeds']} seeds, {sp['instances']} inst.)"

    for s in summary:
        table.add_row(s["method"], f"{s['verified']}/{s['instances']}", f"{s['total']:g}", mean_sd(s["method"]),
                      ratio(s["ratio_lb"]), ratio(s["ratio_best"]), str(s["optimal"]), f"{s['mean_seconds']:.2f}")
    console.print(table)
    if len(summary) > 1:
        record = paired_record(rows)
        names = [s["method"] for s in summary]
        wtl = Table(title="wins / ties / losses (row vs column) on seed-matched pairs, sign-test p")
        wtl.add_column("")
        for b in names:
            wtl.add_column(b, justify="right")

        def cell(a: str, b: str) -> str:
            r = record.get((a, b))
            if a == b or r is None:
                return ""
            return f"{r['wins']}/{r['ties']}/{r['losses']} p={r['p']:.2g}"

        for a in names:
            wtl.add_row(a, *[cell(a, b) for b in names])
        console.print(wtl)
