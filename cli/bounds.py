"""``nnopt bounds INSTANCE``: every lower bound of a binpack2d instance, named and timed.

A user with a 27-bin packing wants to know whether 26 could exist; this prints
each bound's argument (its name), its value and what it cost, so the strongest
certificate and its price are both visible.
"""
from __future__ import annotations

import json
import math

import click

from nnopt.cli._common import UserError, debug_option, load_or_error


@click.command("bounds")
@click.argument("instance")
@click.option("--cg-time", type=float, default=1.0, show_default=True,
              help="Seconds for the column-generation (set-cover LP) bound; 0 leaves it out.")
@click.option("--cp-time", type=float, default=0.0, show_default=True,
              help="Seconds for the destructive bound (CP-SAT proves fewer bins infeasible); 0 leaves it out.")
@click.option("--budget", type=float, default=0.0, show_default=True,
              help="Seconds (wall clock) for all bounds together, spent where the gap is: a quick packing first, "
                   "nothing more where the cheap bounds meet it; the destructive bound gets --cp-time "
                   "(0: as much as the budget allows). 0: each bound with its own cap.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object instead of a table.")
@debug_option
def bounds_cmd(instance: str, cg_time: float, cp_time: float, budget: float, as_json: bool) -> None:
    """Print every lower bound on the bins of INSTANCE (binpack2d) with its name and time.

    \b
    Example:
      nnopt bounds examples/cl_07_040_01.json
      nnopt bounds benchmarks/data/2bp/original/Class_01.2bp:3 --json
      nnopt bounds benchmarks/data/2bp/instances/CLASS03_100_06.json --cp-time 1
      nnopt bounds benchmarks/data/2bp/instances/CLASS05_080_10.json --budget 1
    """
    for option, seconds in (("--cg-time", cg_time), ("--cp-time", cp_time), ("--budget", budget)):
        if not (math.isfinite(seconds) and seconds >= 0):
            raise UserError(f"{option} must be a finite number of seconds, at least 0, got {seconds}")
    prob, inst = load_or_error(instance, None)
    if prob.name != "binpack2d":
        raise UserError(f"{instance}: bounds are implemented for binpack2d only, not {prob.name!r}")
    from nnopt.problems.binpack2d import BinPackInstance

    if not isinstance(inst, BinPackInstance):  # a cutting job: its one bound is the solve's lower bound
        raise UserError(f"{instance}: the bound report covers classic binpack2d instances; a cutting job's "
                        f"area bound ({prob.lower_bound(inst):g}) is the lower bound `nnopt solve` prints")
    from nnopt.problems.binpack2d._bounds import bounds_report

    skipped: list[str] = []
    if budget:
        rows = bounds_report(inst, column_generation=cg_time or None, destructive=cp_time or budget, budget=budget,
                             skipped=skipped)
    else:
        rows = bounds_report(inst, column_generation=cg_time or None, destructive=cp_time or None, skipped=skipped)
    if as_json:
        click.echo(json.dumps({
            "instance": inst.name,
            "n": inst.n,
            "allow_rotation": inst.allow_rotation,
            "bounds": [{"name": name, "value": value, "seconds": round(sec, 6), "skipped": name in skipped}
                       for name, value, sec in rows],
        }))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"lower bounds: {inst.name} (n = {inst.n}{', rotation' if inst.allow_rotation else ''})")
    table.add_column("bound")
    table.add_column("bins", justify="right")
    table.add_column("seconds", justify="right")
    for name, value, sec in rows:
        style = "bold" if name == "best" else "dim" if name in skipped else None
        table.add_row(name, str(value), "skipped" if name in skipped else f"{sec:.3f}", style=style)
    console = Console()
    console.print(table)
    if skipped:
        console.print("skipped: a packing already meets the bounds above them, so nothing higher is true "
                      "(their rows repeat a bound that holds anyway)")
