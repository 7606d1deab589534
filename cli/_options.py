"""Option types that refuse, in one line, the values that would otherwise end in a traceback.

A seed must suit every method (NumPy takes any non-negative integer, CP-SAT and
torch a 32-bit one), so the one range all accept is the range of the option. A
time limit must be a finite positive number: ``inf`` or ``1e300`` reached
OR-Tools and CP-SAT as values they reject with a traceback.
"""
from __future__ import annotations

import math
from typing import Any

import click

__all__ = ["SEED", "TIME_LIMIT", "FiniteFloat"]

#: Seeds every method accepts: 0 .. 2^31 - 1.
SEED = click.IntRange(0, 2**31 - 1)
#: The longest time limit accepted: a year, in seconds.
MAX_SECONDS = 365 * 24 * 3600.0


class FiniteFloat(click.ParamType):
    """A finite float in ``(low, high]`` (``low`` excluded); nan and inf refused."""

    name = "number"

    def __init__(self, low: float = 0.0, high: float = MAX_SECONDS) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(x) or not self.low < x <= self.high:
            self.fail(f"must be positive and finite (at most {self.high:g}), got {value!r}", param, ctx)
        return x


TIME_LIMIT = FiniteFloat()


class AnyFinite(click.ParamType):
    """Any finite float: a penalty weight, a blur; nan and inf refused (they ran and printed nan)."""

    name = "number"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(x):
            self.fail(f"must be a finite number, got {value!r}", param, ctx)
        return x


FINITE = AnyFinite()
#: Step sizes and temperatures: finite and above zero.
POSITIVE = FiniteFloat(0.0, 1e12)


class TorchDevice(click.ParamType):
    """``cpu``, ``cuda`` or ``cuda:N``: the devices the substrate can use (``tpu`` was a traceback)."""

    name = "device"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        text = str(value)
        head, _, index = text.partition(":")
        if head == "cpu" and not index or head == "cuda" and (not index or index.isdigit()):
            return text
        self.fail(f"unknown device {text!r} (use cpu, cuda or cuda:N)", param, ctx)


DEVICE = TorchDevice()


def refuse_overwriting_inputs(outputs: dict[str, str | None], inputs: list[str]) -> None:
    """A one-line error when an output path names an input file (``--out`` = the instance overwrote it).

    Paths are compared after resolving links; a ``FILE.2bp:K`` reference names ``FILE.2bp``.
    """
    import os

    from nnopt.cli._common import UserError

    def real(path: str) -> str:
        head, sep, block = path.rpartition(":")
        return os.path.realpath(head if sep and os.path.splitext(head)[1] else path)

    taken = {real(p): p for p in inputs}
    for opt, path in outputs.items():
        if path is not None and real(path) in taken:
            raise UserError(f"{opt} {path}: that is the input file {taken[real(path)]}; choose another name")


def refuse_colliding_outputs(outputs: dict[str, str | None]) -> None:
    """A one-line error when two output options name one file (``--out x --plot x``: the second write
    would replace the first), before any work is done.

    Paths are compared after resolving links, and as the same file (a hard link) where both exist. A
    character device or a FIFO (``/dev/null``) is written into, not replaced, so it may take several.
    """
    import os

    from nnopt.cli._common import UserError
    from nnopt.problems._files import written_in_place

    seen: list[tuple[str, str, str]] = []
    for opt, path in outputs.items():
        if path is None:
            continue
        try:
            if written_in_place(path):
                continue
        except OSError:
            pass  # not a file to write at all: the write itself says so
        real = os.path.realpath(path)
        for other_opt, other, other_real in seen:
            if real == other_real or _same_file(path, other):
                raise UserError(f"{opt} {path} and {other_opt} {other} name the same file; one would replace "
                                "the other (choose two names)")
        seen.append((opt, path, real))


def _same_file(a: str, b: str) -> bool:
    import os

    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
