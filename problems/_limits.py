"""Bounds on free text: fields of instance files, and the values an error message echoes.

An instance name is printed in tables and written into every solution; a 50 MB
name was accepted and took 23 s and 1.5 GB to get through. Names are
identifiers for people, so a few hundred characters are plenty, and they must
be text that can be written out: an empty name names nothing, and a lone
surrogate (JSON's ``"\\ud800"``) cannot be encoded as UTF-8, so every later
print or write of it would fail.

An error message quotes the value it refuses, but a token of a text file can be
thousands of digits or binary noise: :func:`shown` quotes a bounded, escaped
excerpt.
"""
from __future__ import annotations

from nnopt.problems.base import InstanceError

__all__ = ["MAX_NAME_CHARS", "MAX_SHOWN_CHARS", "check_name", "name_from_path", "shown"]

MAX_NAME_CHARS = 256
#: Characters of a refused value an error message quotes before an ellipsis.
MAX_SHOWN_CHARS = 40


def shown(value: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """``repr(value)`` of at most ``limit`` characters and an ellipsis: non-printables escaped, then cut."""
    long_text = isinstance(value, str) and len(value) > limit
    try:
        text = repr(value[:limit] if isinstance(value, str) else value)
    except ValueError:  # an integer of more digits than Python converts
        return "an integer of thousands of digits"
    if len(text) <= limit and not long_text:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return text[:limit] + "…" + size


def check_name(name: object, source: str, where: str = "field 'name'") -> str:
    """``name`` if it is a non-empty string of at most ``MAX_NAME_CHARS`` encodable characters;
    else a one-line InstanceError naming ``where``."""
    if not isinstance(name, str):
        raise InstanceError(f"{source}: {where} must be a string, got {shown(name)}")
    if len(name) > MAX_NAME_CHARS:
        raise InstanceError(f"{source}: {where} has {len(name)} characters, above the limit of {MAX_NAME_CHARS}")
    if not name.strip():
        raise InstanceError(f"{source}: {where} is empty; give the instance a name (or leave the field out)")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InstanceError(f"{source}: {where} holds a character that is not valid text "
                            f"({name[exc.start]!r} at position {exc.start}, a lone surrogate)") from None
    return name


def name_from_path(source: str) -> str:
    """The name an instance file without one gets: its stem, as text that can be written out."""
    from pathlib import Path

    stem = Path(source).stem if source != "instance" else "instance"
    return stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace") or "instance"
