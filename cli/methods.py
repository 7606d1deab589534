"""``nnopt methods``: the registered methods, one screen, one row per family (``--json`` for tools)."""
from __future__ import annotations

import json
import textwrap
import warnings
from collections.abc import Sequence
from typing import Any

import click

from nnopt.cli._common import debug_option, problem_or_error, stderr

#: Families with more members than this, and a family description, list their names together.
_LONG_FAMILY = 8
_WIDTH = 100
#: Listing order of the shipped families; plugin families follow in the order they register.
_FAMILY_ORDER = ("nnopt", "search", "heuristics", "exact", "tsp baselines")


def _families(methods: Sequence[Any]) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {}
    for m in methods:
        groups.setdefault(m.family or m.name, []).append(m)
    rank = {f: i for i, f in enumerate(_FAMILY_ORDER)}
    return dict(sorted(groups.items(), key=lambda kv: rank.get(kv[0], len(rank))))


def _parameters(members: Sequence[Any]) -> str:
    """Every parameter of a family once, saying which members take it when not all do."""
    out = []
    seen: dict[str, tuple[str, ...]] = {}
    for m in members:
        for k, v in m.parameters.items():
            seen.setdefault(k, v)
    for k, v in seen.items():
        takers = [m.name for m in members if m.parameters.get(k) == v]
        others = [m.name for m in members if m.name not in takers]
        which = "" if not others else (f" ({', '.join(takers)})" if len(takers) <= len(others)
                                       else f" (all but {', '.join(others)})")
        out.append(f"--param {k}={'|'.join(v)}{which}")
    return "; ".join(out)


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, _WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False)


def render_methods(methods: Sequence[Any], default: str, problem: str | None) -> list[str]:
    """The text listing: a header per family with its parameters, then its members."""
    where = f" for {problem}" if problem else ""
    lines = [f"methods{where} (nnopt solve FILE --method NAME [--param KEY=VALUE]; --json for all details)"]
    for family, members in _families(methods).items():
        params = _parameters(members)
        lines.append("")
        lines.extend(_wrap(f"{family}:" + (f" {params}" if params else ""), ""))
        summary = next((m.family_description for m in members if m.family_description), "")
        if len(members) > _LONG_FAMILY and summary:
            lines.extend(_wrap(", ".join(m.name for m in members), "  "))
            lines.extend(_wrap(summary, "  "))
            continue
        names = [m.name + (" (default)" if m.name == default else "") for m in members]
        width = max(map(len, names))
        for name, m in zip(names, members):
            lines.extend(textwrap.wrap(f"{name:<{width}}  {m.description}", _WIDTH, initial_indent="  ",
                                       subsequent_indent=" " * (width + 4), break_on_hyphens=False))
    return lines


def render_unsupported(refused: Sequence[tuple[Any, str]], problem: str) -> list[str]:
    """The methods that do not solve ``problem``, grouped by the reason (the capability it lacks);
    a large family sharing one reason is named by its family."""
    if not refused:
        return []
    by_reason: dict[str, list[Any]] = {}
    for m, why in refused:
        by_reason.setdefault(why, []).append(m)
    lines = ["", f"not for {problem} (why):"]
    for why, members in by_reason.items():
        families = _families(members)
        names = [f"{fam} ({len(ms)} methods)" if len(ms) > _LONG_FAMILY else ", ".join(m.name for m in ms)
                 for fam, ms in families.items()]
        lines.extend(_wrap(f"{', '.join(names)}: {why}", "  "))
    return lines


@click.command("methods")
@click.argument("problem", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per method (name, family, description, "
              "parameters, aliases, origin, requires, default) in a list.")
@debug_option
def methods_cmd(problem: str | None, as_json: bool) -> None:
    """List the solution methods (those that solve PROBLEM, if given), one row per family.

    With PROBLEM, the methods that do not solve it follow, each with the reason: the
    capability the problem lacks (see docs/plugin-guide.md), or the one problem it solves.

    \b
    Example:
      nnopt methods binpack2d
      nnopt solve examples/cl_07_040_01.json --method maxrects-bssf --param order=area
    """
    from nnopt.solver.methods import DEFAULT_METHOD, available_methods, method_entries

    prob = problem_or_error(problem) if problem else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entries = method_entries()
        methods = available_methods(prob)
        refused = [(m, m.unsupported(prob)) for m in available_methods()] if prob is not None else []
    origin = {e.name: e.origin for e in entries}
    if as_json:
        data = [{"name": m.name, "family": m.family or m.name, "description": m.description,
                 "parameters": {k: list(v) for k, v in m.parameters.items()},
                 "aliases": sorted(m.aliases()), "origin": origin.get(m.name, ""),
                 "requires": [c.__name__ for c in m.requires],
                 "default": m.name == DEFAULT_METHOD} for m in methods]
        click.echo(json.dumps(data, indent=1))
    else:
        lines = render_methods(methods, DEFAULT_METHOD, prob.name if prob else None)
        if prob is not None:
            lines += render_unsupported([(m, why) for m, why in refused if why is not None], prob.name)
        click.echo("\n".join(lines))
    for w in caught:
        stderr(f"warning: {w.message}")
