"""Bounds on free-text fields of instance files.

An instance name is printed in tables and written into every solution; a 50 MB
name was accepted and took 23 s and 1.5 GB to get through. Names are
identifiers for people, so a few hundred characters are plenty.
"""
from __future__ import annotations

from nnopt.problems.base import InstanceError

__all__ = ["MAX_NAME_CHARS", "check_name"]

MAX_NAME_CHARS = 256


def check_name(name: object, source: str) -> str:
    """``name`` if it is a string of at most ``MAX_NAME_CHARS`` characters; else a one-line InstanceError."""
    if not isinstance(name, str):
        raise InstanceError(f"{source}: field 'name' must be a string, got {name!r}"[:300])
    if len(name) > MAX_NAME_CHARS:
        raise InstanceError(f"{source}: field 'name' has {len(name)} characters, above the limit of {MAX_NAME_CHARS}")
    return name
