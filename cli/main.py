"""The ``nnopt`` command line.

Errors in what the user handed in (files, options) print one line on stderr
and exit with code 2; ``--debug`` shows the traceback instead. Outputs are
written atomically, so an interrupted run never leaves a half-written file.
"""
from __future__ import annotations

import json
import math
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from nnopt import __version__
from nnopt._interrupted import interrupt_once, interrupts_held
from nnopt._solve import VerificationError
from nnopt.cli import _cutlist
from nnopt.cli._clock import EXIT_MARGIN_S, clock_start, quick_exit, start_clock_at_process_start
from nnopt.cli._common import (
    EXIT_BAD_INPUT,
    EXIT_INFEASIBLE,
    UserError,
    debug_option,
    load_or_error,
    problem_or_error,
    stderr,
    write_or_error,
)
from nnopt.cli._options import SEED, TIME_LIMIT, refuse_colliding_outputs, refuse_overwriting_inputs
from nnopt.cli._signals import terminate_as_interrupt
from nnopt.problems import NnoptError, SolutionError, problem_entries
from nnopt.problems._limits import shown
from nnopt.problems.base import read_json_file


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="nnopt")
@debug_option
def cli() -> None:
    """nnopt: combinatorial optimisation with learned solution scorers.

    \b
    Examples:
      nnopt solve examples/cl_07_040_01.json --time-limit 5 --plot sol.png
      nnopt check examples/cl_07_040_01.json sol.json
      nnopt generate binpack2d --class 7 --n 40 --seed 1 --out inst.json
      nnopt problems
    """


@cli.command("problems")
@debug_option
def problems_cmd() -> None:
    """List the registered problem types and where each comes from."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="problems")
    for col in ("name", "from", "description"):
        table.add_column(col)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entries = problem_entries(load=True)
    for entry in entries:
        if entry.cls is None:
            table.add_row(entry.name, entry.origin, f"[red]unusable: {entry.error}[/red]")
        else:
            table.add_row(entry.name, entry.origin, entry.cls.description)
    Console().print(table)
    for w in caught:
        stderr(f"warning: {w.message}")


@cli.command("generate", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("problem")
@click.option("--class", "klass", type=int, default=None, help="Instance class (binpack2d: 1..10).")
@click.option("--n", type=int, default=None, help="Number of items.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--rotation/--no-rotation", default=None, help="Allow 90-degree turns.")
@click.option("--name", default=None, help="Instance name (default from the parameters).")
@click.option("--param", "params_kv", multiple=True, metavar="KEY=VALUE",
              help="Any other generator parameter (repeatable), e.g. --param kind=clustered for tsp.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write here instead of stdout.")
@debug_option
@click.pass_context
def generate_cmd(ctx: click.Context, problem: str, klass: int | None, n: int | None, seed: int,
                 rotation: bool | None, name: str | None, params_kv: tuple[str, ...], out: str | None) -> None:
    """Write a seeded random instance of PROBLEM as JSON.

    Problems declare flags of their own (tsp: --kind, --size, --distance);
    --param KEY=VALUE reaches any generator parameter.

    \b
    Example:
      nnopt generate binpack2d --class 7 --n 40 --seed 1 --out inst.json
      nnopt generate tsp --n 100 --kind clustered --seed 2
    """
    from nnopt._solve import dump_json

    prob = problem_or_error(problem)
    params: dict[str, Any] = {}
    if klass is not None:
        params["klass"] = klass
    if n is not None:
        params["n"] = n
    if rotation is not None:
        params["allow_rotation"] = rotation
    if name is not None:
        params["name"] = name
    pairs = [(kv.partition("=")[0], kv) for kv in params_kv]
    for key, kv in pairs:
        if "=" not in kv or not key.isidentifier():
            raise UserError(f"--param: expected KEY=VALUE, got {kv!r}")
    pairs = [(key, kv.partition("=")[2]) for key, kv in pairs] + _problem_flags(prob, list(ctx.args))
    for key, raw in pairs:
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
        except ValueError:  # an integer of more digits than Python converts
            raise UserError(f"--param {key}: the number has more digits than any parameter takes") from None
    try:
        inst = prob.generate(seed=seed, **params)
    except TypeError as exc:  # a plugin's generate() that passes its parameters on unchecked
        raise UserError(f"generate {problem}: {_unknown_parameter(prob, exc)}") from exc
    except ValueError as exc:
        raise UserError(f"generate {problem}: {exc}") from exc
    text = dump_json(prob.instance_to_json(inst))
    if out is None:
        click.echo(text, nl=False)
    else:
        write_or_error(out, text)


def _unknown_parameter(prob: Any, exc: TypeError) -> str:
    """Python's "f() got an unexpected keyword argument 'x'" as the parameter's name and the known ones."""
    import inspect
    import re

    match = re.search(r"unexpected keyword argument '(\w+)'", str(exc))
    if match is None:
        return str(exc)
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    known = {name for name, p in inspect.signature(prob.generate).parameters.items()
             if p.kind in kinds and name != "seed"} | set(prob.generate_flags)
    listed = ", ".join(sorted(known)) or "see the problem's generate() documentation"
    return f"no parameter {match.group(1)!r} (known: {listed})"


def _problem_flags(prob: Any, args: list[str]) -> list[tuple[str, str]]:
    """``--flag VALUE`` / ``--flag=VALUE`` pairs of the flags ``prob.generate_flags`` declares."""
    declared = dict(prob.generate_flags)
    known = ", ".join(f"--{k.replace('_', '-')}" for k in declared) or "none (use --param KEY=VALUE)"
    out: list[tuple[str, str]] = []
    while args:
        arg = args.pop(0)
        flag, sep, value = arg.partition("=")
        key = flag[2:].replace("-", "_") if flag.startswith("--") else ""
        if key not in declared:
            raise UserError(f"generate {prob.name}: unknown option {flag!r} (its own flags: {known})")
        if not sep:
            if not args:
                raise UserError(f"generate {prob.name}: {flag} needs a value")
            value = args.pop(0)
        out.append((key, value))
    return out


@cli.command("solve")
@click.argument("instance", type=click.Path(dir_okay=False))
@click.option("--problem", default=None, help="Problem type (default: the file's 'problem' field).")
@click.option("--method", default=None, help="Solution method (see `nnopt methods`).")
@click.option("--param", "method_params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of the method (repeatable), e.g. --param order=area; see `nnopt methods`.")
@click.option("--order", default=None, help="Sort order of a placement heuristic (same as --param order=ORDER).")
@click.option("--time-limit", type=TIME_LIMIT, default=None,
              help="Seconds for the whole command, from process start to exit (default 10).")
@click.option("--max-evals", type=int, default=None, help="Stop after this many decodes instead.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the solution JSON here.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Draw the solution (.png or .svg; cutting jobs also .pdf).")
@click.option("--stock", type=click.Path(dir_okay=False), default=None,
              help="Cut lists: the stock sheets CSV (name,width,height[,cost,count]) of a pieces CSV.")
@click.option("--kerf", type=int, default=None, help="Cut lists: the blade width.")
@click.option("--trim", type=int, default=None, help="Cut lists: the border trimmed off every sheet edge.")
@click.option("--guillotine", "stages", default=None, metavar="STAGES",
              help="Cut lists: guillotine cuts in STAGES stages (2, 3, ... or unlimited).")
@click.option("--first-cut", default=None, metavar="horizontal|vertical|any",
              help="Cut lists: orientation of the first-stage cuts (with --guillotine).")
@click.option("--exact", is_flag=True, help="Cut lists: exact guillotine cuts (no trimming cut after the last stage).")
@click.option("--rotation/--no-rotation", "rotation", default=None,
              help="Cut lists: whether pieces without their own rotation may turn (default: the files' rule).")
@click.option("--cuts", type=click.Path(dir_okay=False), default=None,
              help="Write the guillotine cut sequence of the plan to this CSV file (cutting jobs).")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="cpu", show_default=True,
              help="Where the neural methods train (auto: a CUDA GPU when there is one).")
@click.option("--progress", is_flag=True, help="Print the best cost per round (neural methods) or per improvement.")
@click.option("--trace", type=click.Path(dir_okay=False), default=None,
              help="Write the best cost per round (or per improvement) to this CSV file.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the result as one JSON object on stdout, and nothing else there.")
@debug_option
def solve_cmd(instance: str, problem: str | None, method: str | None, time_limit: float | None,
              max_evals: int | None, seed: int, out: str | None, plot: str | None, quiet: bool,
              device: str, progress: bool, trace: str | None, method_params: tuple[str, ...],
              order: str | None, as_json: bool, stock: str | None, kerf: int | None, trim: int | None,
              stages: str | None, first_cut: str | None, exact: bool, rotation: bool | None,
              cuts: str | None) -> None:
    """Solve INSTANCE and print bins, lower bound, gap, time and the checker's verdict.

    The default method is `nnopt`: CEM on the encodings for a share of the
    budget, then ruin and recreate from CEM's best (CEM alone where the problem
    lacks the ruin-and-recreate hooks); `nnopt methods` lists the others, the
    neural ones among them. --time-limit
    bounds the whole command, loading and checking included; drawing --plot
    comes after it. Ctrl-C stops early and keeps the best solution found. With --max-evals
    (and no --time-limit) the same seed gives the same solution file, bit for
    bit apart from the time, on CPU.

    \b
    Example:
      nnopt solve examples/cl_07_040_01.json --time-limit 5 --out sol.json --plot sol.png
      nnopt solve examples/cl_07_040_01.json --method nnopt-cem --max-evals 2000 --trace trace.csv
      nnopt solve pieces.csv --stock stock.csv --kerf 4 --trim 10 --guillotine 3 --plot plan.pdf --cuts cuts.csv
    """
    from nnopt._solve import dump_json, solve_from
    from nnopt.cli._compile_ahead import compile_if_cold, compiling_noted, note_below_floor
    from nnopt.solver.methods import DEFAULT_METHOD, DEFAULT_TIME_LIMIT, get_method

    started = clock_start()
    method = method or DEFAULT_METHOD
    params = _key_values("--param", method_params)
    if order is not None:
        params["order"] = order
    if time_limit is not None and not time_limit > 0:
        raise UserError(f"--time-limit must be positive, got {time_limit}")
    if max_evals is not None and max_evals <= 0:
        raise UserError(f"--max-evals must be positive, got {max_evals}")
    if plot is not None and Path(plot).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise UserError(f"--plot: {plot}: unsupported picture format (use .png or .svg; cutting jobs also .pdf)")
    for opt, path in (("--out", out), ("--plot", plot), ("--trace", trace), ("--cuts", cuts)):
        if path is not None and not Path(path).resolve().parent.is_dir():
            raise UserError(f"{opt}: folder {Path(path).parent} does not exist")
    refuse_overwriting_inputs({"--out": out, "--plot": plot, "--trace": trace, "--cuts": cuts},
                              _cutlist.input_files(instance, stock))
    refuse_colliding_outputs({"--out": out, "--plot": plot, "--trace": trace, "--cuts": cuts})
    flags = _cutlist.CuttingFlags(stock, kerf, trim, stages, first_cut, exact, rotation)
    if _cutlist.is_cut_list(instance):
        prob, inst = _cutlist.load_cut_list(instance, flags, problem)
    elif flags.given():
        raise UserError(f"{flags.given()[0]}: the cutting flags apply to CSV cut lists; {instance} states its "
                        "own job (put the field in the file)")
    else:
        prob, inst = load_or_error(instance, problem)
    if plot is not None:
        _cutlist.plot_suffix_ok(prob, plot)
    _cutlist.check_cuts_option(prob, inst, cuts)
    chosen = get_method(method, prob, **params)
    why = chosen.unsupported(prob)
    if why is not None:
        raise UserError(f"--method: {chosen.name!r} does not solve {prob.name!r}: {why}")

    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UserError("--device cuda: no CUDA GPU is available (use --device auto or cpu)")
    rounds: list[tuple[int, int, float, float, float]] = []
    improvements: list[tuple[int, int, float, float, float]] = []
    extra: dict[str, Any] = {"device": device}
    if progress or trace:  # engine rounds when the method has them, else one row per improvement
        show = progress and not quiet
        extra["on_round"] = _round_recorder(rounds, show)
        extra["on_improve"] = _improvement_rounds(_round_recorder(improvements, show, unless=rounds))
    if time_limit is None and max_evals is None:
        time_limit = DEFAULT_TIME_LIMIT
    started += compile_if_cold(prob, chosen)  # announced on the first line; not searching time
    if time_limit is not None:  # the clock started with the process; leave time to check and write
        note_below_floor(time_limit, started, prob, chosen)  # one line when the limit cannot hold
        time_limit = max(0.01, time_limit - EXIT_MARGIN_S)
    # One interrupt stops the search (before it, skips it); a second cannot stop the answer being written.
    with interrupt_once(armed=False):
        with compiling_noted(prob, chosen):
            result = _run_with_progress(solve_from, quiet or as_json, inst, problem=prob.name,
                                        method=chosen.base_name, params=chosen.params, time_limit=time_limit,
                                        max_evals=max_evals, seed=seed, started=started, **extra)
        with interrupts_held():  # the answer is verified: a signal now must not lose it
            failed = _write_outputs(
                ("--out", out, lambda path: write_or_error(path, dump_json(result.to_json()))),  # the solution first
                ("--cuts", cuts, lambda path: write_or_error(path, _cutlist.cut_sequence_text(inst, result.solution))),
                ("--trace", trace, lambda path: _write_trace(path, rounds or improvements)),
                ("--plot", plot, lambda path: _render(prob, inst, result.solution, path)),
            )
            if as_json:  # machine-readable: the one object, whatever --quiet says
                click.echo(json.dumps(result.summary()))
            elif not quiet:
                _print_result(result, None if "--out" in failed else out, None if "--plot" in failed else plot)
                if cuts is not None and "--cuts" not in failed:
                    click.echo(f"cut sequence: {cuts}")
    if failed:
        raise UserError("; ".join(failed.values()))


def _write_outputs(*outputs: tuple[str, str | None, Callable[[str], None]]) -> dict[str, str]:
    """Write each output that was asked for, each on its own: one that fails (a full disk, a read-only
    folder) leaves the others written. Returns the failures' one-line messages by option."""
    failed: dict[str, str] = {}
    for option, path, write in outputs:
        if path is None:
            continue
        try:
            write(path)
        except UserError as exc:
            failed[option] = exc.format_message()
    return failed


def _render(prob: Any, inst: Any, solution: Any, path: str) -> None:
    """Draw the solution; a problem without pictures, or a picture that cannot be written, is one line."""
    from nnopt.problems.capabilities import Rendering

    try:
        if not isinstance(prob, Rendering):
            raise NotImplementedError(f"problem {prob.name!r} cannot draw solutions (it lacks the "
                                      "Rendering capability)")
        prob.render(inst, solution, path)
    except NotImplementedError as exc:
        raise UserError(f"--plot: {exc}") from exc
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _key_values(option: str, pairs: tuple[str, ...]) -> dict[str, str]:
    """``KEY=VALUE`` strings as a dict; a malformed one is the user's one-line error."""
    out = {}
    for kv in pairs:
        key, sep, value = kv.partition("=")
        if not sep or not key.isidentifier():
            raise UserError(f"{option}: expected KEY=VALUE, got {kv!r}")
        out[key] = value
    return out


def _round_recorder(rounds: list[tuple[int, int, float, float, float]], show: bool,
                    unless: list[Any] | None = None) -> Any:
    """Collects one row per engine round; with ``show``, prints it when the best changes (or each second),
    but not once ``unless`` holds rows (improvements stay quiet when the method reports rounds)."""
    last = {"cost": float("inf"), "t": -1.0}

    def on_round(log: Any) -> None:
        rounds.append((log.round, log.evaluations, log.seconds, log.best_objective, log.best_cost))
        if show and not unless and (log.best_cost < last["cost"] or log.seconds - last["t"] >= 1.0):
            last["cost"], last["t"] = log.best_cost, log.seconds
            stderr(f"round {log.round}: {log.evaluations} decodes, {log.seconds:.2f} s, "
                   f"best {log.best_objective:g} (cost {log.best_cost:.4f})")

    return on_round


def _improvement_rounds(on_round: Any) -> Any:
    """Adapts an improvement callback to the per-round recorder (a "round" per improvement)."""
    from types import SimpleNamespace

    count = [0]

    def on_improve(evals: int, seconds: float, objective: float, cost: float) -> None:
        count[0] += 1
        on_round(SimpleNamespace(round=count[0], evaluations=evals, seconds=seconds, best_objective=objective,
                                 best_cost=cost))

    return on_improve


def _write_trace(path: str, rounds: list[tuple[int, int, float, float, float]]) -> None:
    lines = ["round,evaluations,seconds,best_objective,best_cost"]
    lines += [f"{r},{e},{s:.4f},{o:g},{c:.6f}" for r, e, s, o, c in rounds]
    write_or_error(path, "\n".join(lines) + "\n")


def _run_with_progress(solve: Any, quiet: bool, inst: Any, **kwargs: Any) -> Any:
    chained = kwargs.pop("on_improve", None)
    if quiet:  # no bar: rich is not even imported (start-up time)
        return solve(inst, on_improve=chained, **kwargs)
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return solve(inst, on_improve=chained, **kwargs)
    limit = kwargs.get("time_limit") or (None if kwargs.get("max_evals") else 10.0)
    with Progress(TextColumn("[bold]solving"), BarColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("", total=limit or kwargs.get("max_evals"))

        def on_improve(evals: int, seconds: float, objective: float, cost: float) -> None:
            progress.update(task, completed=seconds if limit else evals,
                            description=f"best {objective:g} (cost {cost:.3f}) after {evals} decodes")
            if chained is not None:
                chained(evals, seconds, objective, cost)

        return solve(inst, on_improve=on_improve, **kwargs)


def _print_result(result: Any, out: str | None, plot: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    prob = result.problem
    table = Table(title=f"{prob.name} · {prob.instance_name(result.instance)}", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row(prob.objective_name, f"{result.objective:g}")
    table.add_row("lower bound", f"{result.lower_bound:g}")
    table.add_row("gap", f"{100 * result.gap:.1f}%" + (" (optimal)" if result.gap == 0 else ""))
    table.add_row("time", f"{result.seconds:.2f} s")
    table.add_row("method", result.method + (f" ({result.decoder})" if result.decoder else ""))
    table.add_row("decodes", str(result.evaluations))
    table.add_row("status", result.status)
    if result.proof is not None:
        table.add_row("proved by", result.proof)
    for note in result.notes:
        table.add_row("note", note)
    table.add_row("verified", "yes (independent checker)")
    if out:
        table.add_row("solution", out)
    if plot:
        table.add_row("picture", plot)
    Console().print(table)


@cli.command("check")
@click.argument("instance", type=click.Path(dir_okay=False))
@click.argument("solution", type=click.Path(dir_okay=False))
@click.option("--problem", default=None, help="Problem type (default: from the files).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the verdict as one JSON object on stdout, and nothing else there.")
@debug_option
def check_cmd(instance: str, solution: str, problem: str | None, as_json: bool) -> None:
    """Verify SOLUTION (from any source) against INSTANCE; exit 1 if infeasible.

    \b
    Example:
      nnopt check examples/cl_07_040_01.json sol.json
    """
    data = read_json_file(solution, SolutionError)
    prob, inst = _instance_for_solution(instance, solution, data, problem)
    try:
        sol = prob.solution_from_json(inst, data)
    except SolutionError as exc:
        raise UserError(f"{solution}: {exc}") from exc
    issues = prob.check(inst, sol)
    name = prob.instance_name(inst)
    if isinstance(data, dict):
        claimed_inst = data.get("instance")
        if claimed_inst is not None and claimed_inst != name:
            issues.append(f"solution is for instance {shown(claimed_inst)}, not {name!r}")
        if not issues and "objective" in data:
            actual = prob.objective(inst, sol)
            claimed = data["objective"]
            if not _same_number(claimed, actual):
                issues.append(f"solution claims objective {shown(claimed)}, but it is {actual:g}")
    verdict: dict[str, Any] = {"problem": prob.name, "instance": name, "solution_file": solution,
                               "feasible": not issues, "verified": False, "objective": None,
                               "lower_bound": None, "errors": list(issues)}
    if issues:
        if as_json:
            click.echo(json.dumps(verdict))
        else:
            stderr(f"INFEASIBLE: {solution} for {instance}:")
            for issue in issues:
                stderr(f"  - {issue}")
        sys.exit(EXIT_INFEASIBLE)
    obj = prob.objective(inst, sol)
    bound = prob.lower_bound(inst)
    from nnopt._solve import contradiction, json_number

    why = contradiction(prob, obj, bound)
    verdict.update(objective=json_number(obj), lower_bound=json_number(bound), verified=why is None,
                   errors=[why] if why else [])
    if as_json:
        click.echo(json.dumps(verdict))
        if why is not None:
            sys.exit(EXIT_INFEASIBLE)
        return
    if why is not None:  # a feasible solution below the bound: the checker or the bound lies
        stderr(f"error: {why}")
        sys.exit(EXIT_INFEASIBLE)
    click.echo(f"feasible: {obj:g} {prob.objective_name} (lower bound {bound:g}) — {name}")


def _instance_for_solution(instance: str, solution: str, data: Any, problem: str | None) -> tuple[Any, Any]:
    """The instance, read as the problem ``--problem`` names, else as the one the solution names.

    A solution of another problem than the instance's is the solution file's
    fault: the message names that file and both problems, instead of blaming
    the instance for fields the other problem does not know.
    """
    if problem is not None:
        return load_or_error(instance, problem)
    claimed = data.get("problem") if isinstance(data, dict) else None
    if claimed is None:
        return load_or_error(instance, None)
    if not isinstance(claimed, str):
        raise UserError(f"{solution}: field 'problem' must be a problem name, got {shown(claimed)}")
    try:
        problem_or_error(claimed)
    except UserError as exc:
        raise UserError(f"{solution}: field 'problem': {exc.format_message()}") from exc
    try:
        return load_or_error(instance, claimed)
    except UserError:
        try:
            own, _ = load_or_error(instance, None)
        except UserError:
            own = None
        if own is not None and own.name != claimed:
            raise UserError(f"{solution}: the solution is for problem {claimed!r}, but {instance} is a "
                            f"{own.name!r} instance") from None
        raise


def _same_number(claimed: Any, actual: float) -> bool:
    """Whether a solution's claimed objective is a number equal to ``actual`` (to rounding); an integer too
    large for a float (10**400) is simply not equal."""
    if isinstance(claimed, bool) or not isinstance(claimed, (int, float)):
        return False
    try:
        return math.isclose(claimed, actual, rel_tol=1e-9, abs_tol=1e-9)
    except OverflowError:
        return False


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: one-line errors, exit code 2, tracebacks with --debug."""
    start_clock_at_process_start()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    terminate_as_interrupt()  # SIGTERM stops like Ctrl-C: best solution kept, bench workers ended
    warnings.simplefilter("default")
    warnings.showwarning = lambda message, category, *a, **k: stderr(f"warning: {message}")
    try:
        cli.main(args=args, prog_name="nnopt", standalone_mode=False)
    except click.exceptions.Abort:
        if debug:  # where the interrupt landed
            traceback.print_exc()
        stderr("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        if debug:  # the traceback, and still the exit code of a user's error
            traceback.print_exc()
        stderr(f"error: {exc.format_message()}")
        sys.exit(exc.exit_code if isinstance(exc, UserError) else EXIT_BAD_INPUT)
    except NnoptError as exc:
        if debug:
            traceback.print_exc()
        stderr(f"error: {exc}")
        sys.exit(EXIT_BAD_INPUT)
    except VerificationError as exc:  # an infeasible result or a contradiction: one line, no result
        if debug:
            traceback.print_exc()
        stderr(f"error: {exc}")
        sys.exit(EXIT_INFEASIBLE)
    except KeyboardInterrupt:
        stderr("interrupted")
        sys.exit(130)
    except OSError as exc:  # an output the system refused (standard output on a full disk, ...)
        if debug:
            traceback.print_exc()
        stderr(f"error: {_os_error_line(exc)}")
        quick_exit(EXIT_BAD_INPUT)  # skips the interpreter's own, second attempt at the failed stream
    quick_exit(0)


def _os_error_line(exc: OSError) -> str:
    """One line for an operating-system error no command turned into its own message."""
    import errno

    if exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EPIPE):
        # Every file a command writes names itself (write_or_error); a nameless write is standard output.
        return f"cannot write to standard output ({exc.strerror or exc})"
    return str(exc.strerror or exc)  # the answer is out: do not make the user wait for the interpreter's teardown


@cli.command("warmup")
@click.option("--problem", "names", multiple=True, help="Only this problem (repeatable); default: every one.")
@debug_option
def warmup_cmd(names: tuple[str, ...]) -> None:
    """Compile and cache every problem's kernels (once per install; `make install` runs it).

    The first solve after an install otherwise spends its time limit compiling
    (21.6 s at --time-limit 3 on a 2-core machine, 0.8 s once cached).
    """
    from nnopt._warmup import warm_up
    from nnopt.problems import available_problems

    unknown = [n for n in names if n not in available_problems()]
    if unknown:
        raise UserError(f"--problem {unknown[0]!r}: no such problem (known: {', '.join(available_problems())})")
    failed = []

    def report(name: str, seconds: float, error: str | None) -> None:
        if error is not None:
            failed.append(name)
            stderr(f"warmup: {name}: {error}")
        else:
            click.echo(f"{name}: {seconds:.1f} s")

    warm_up(list(names) or None, report)
    if failed:
        sys.exit(1)


# Commands with their own modules register here (imported last: they use the helpers above).
from nnopt.cli.bench import bench_cmd  # noqa: E402
from nnopt.cli.bounds import bounds_cmd  # noqa: E402
from nnopt.cli.methods import methods_cmd  # noqa: E402
from nnopt.cli.pretrain import pretrain_cmd  # noqa: E402
from nnopt.cli.serve import serve_cmd  # noqa: E402
from nnopt.cli.substrate import distill_cmd, visualize_cmd  # noqa: E402

for _command in (bench_cmd, methods_cmd, visualize_cmd, distill_cmd):
    cli.add_command(_command)
cli.add_command(bounds_cmd)
cli.add_command(pretrain_cmd)
cli.add_command(serve_cmd)

if __name__ == "__main__":
    main()
