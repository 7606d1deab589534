"""Pieces every command shares: the one-line error type, --debug, loading and writing."""
from __future__ import annotations

from typing import Any

import click

from nnopt.problems import InstanceError, get_problem

EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 1


class UserError(click.ClickException):
    """Something the user can fix; shown as one line, exit code 2."""

    exit_code = EXIT_BAD_INPUT


def stderr(msg: str) -> None:
    click.echo(msg, err=True)


def debug_option(f: Any) -> Any:
    """``--debug`` on every command (main() reads it before click parses)."""
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True,
                        help="Show tracebacks instead of one-line errors.")(f)


def problem_or_error(name: str) -> Any:
    try:
        return get_problem(name)
    except LookupError as exc:
        raise UserError(str(exc).strip("'\"")) from exc


def load_or_error(path: str, problem: str | None) -> tuple[Any, Any]:
    from nnopt._solve import load_instance

    if problem is not None:
        problem_or_error(problem)
    try:
        return load_instance(path, problem)
    except InstanceError as exc:
        raise UserError(str(exc)) from exc


def write_or_error(path: str, data: str | bytes) -> None:
    """Write an output atomically; a failure is the user's one-line error."""
    from nnopt.problems._files import atomic_write_bytes

    try:
        atomic_write_bytes(path, data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
