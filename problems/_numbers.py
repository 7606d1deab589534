"""Numbers of text formats (``.2bp``, TSPLIB), read by a strict pattern.

Python's ``int()`` and ``float()`` accept more than a number written in a data
file: ``"1_000"``, Unicode digits such as ``"²"`` or ``"٣"``, and ``"nan"``; and
``int()`` raises its own error on more than 4,300 digits. A file that holds
such a token is mis-written, so the readers refuse it by name instead of
guessing. An integer token is limited to a few digits more than any size a
problem accepts, which also keeps its conversion cheap.
"""
from __future__ import annotations

import re

from nnopt.problems._limits import shown

__all__ = ["MAX_DIGITS", "strict_float", "strict_int"]

#: Longest integer token converted (far above every limit; longer ones are refused as too large).
MAX_DIGITS = 30

_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def strict_int(token: str) -> int:
    """The integer an ASCII decimal token writes (a sign allowed); ``ValueError`` saying what is wrong otherwise."""
    if not _INT.fullmatch(token):
        raise ValueError(f"expected an integer, got {shown(token)}")
    digits = len(token.lstrip("+-"))
    if digits > MAX_DIGITS:
        raise ValueError(f"an integer of {digits} digits, far above any limit (it starts {token[:12]!r})")
    return int(token)


def strict_float(token: str) -> float:
    """The number an ASCII decimal token writes (``12``, ``-3.5``, ``1e6``); ``ValueError`` otherwise."""
    if len(token) > 400 or not _FLOAT.fullmatch(token):
        raise ValueError(f"expected a number, got {shown(token)}")
    return float(token)
