"""Option types that refuse, in one line, the values that used to end in a traceback (issue 16).

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
