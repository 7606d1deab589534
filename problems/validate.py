"""Validation helpers for problem authors: one-line :class:`InstanceError`s, the same words everywhere.

Every loader of a JSON instance asks the same questions — is it an object, are
the required fields there and no others, is this a positive integer, a finite
number, plain JSON — and a user should read the same answer whichever problem
asked. Each helper takes ``source`` (the file or "instance") and ``where`` (the
field, e.g. ``"items[3].width"``) and raises an error that names both and the
offending value::

    from nnopt.problems import validate as v

    data = v.json_object(data, source)
    v.known_keys(data, {"name", "capacity", "items"}, "the instance", source)
    capacity = v.positive_int(v.required(data, "capacity", source), "field 'capacity'", source)
"""
from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from typing import Any

from nnopt.problems.base import InstanceError

__all__ = ["boolean", "finite_number", "json_object", "known_keys", "plain_json", "positive_int", "required"]


def json_object(data: Any, source: str) -> dict[str, Any]:
    """``data`` if it is a JSON object (a dict), else an error naming what it is."""
    if not isinstance(data, dict):
        raise InstanceError(f"{source}: expected a JSON object, got {type(data).__name__}")
    return data


def known_keys(obj: Mapping[str, Any], allowed: Collection[str], where: str, source: str) -> None:
    """Refuse the first key of ``obj`` (sorted) that is not in ``allowed``."""
    extra = sorted(set(obj) - set(allowed), key=str)
    if extra:
        raise InstanceError(f"{source}: unknown key {extra[0]!r} in {where} (allowed: {', '.join(sorted(allowed))})")


def required(obj: Mapping[str, Any], key: str, source: str, where: str = "") -> Any:
    """``obj[key]``, or an error naming the missing field (``where.key`` when ``where`` is given)."""
    if key not in obj:
        raise InstanceError(f"{source}: missing field '{where + '.' if where else ''}{key}'")
    return obj[key]


def positive_int(value: Any, where: str, source: str, limit: int | None = None, *,
                 integral_floats: bool = False) -> int:
    """A positive integer at most ``limit``; ``true`` is refused (bool is an int in Python).

    ``integral_floats`` also takes ``3.0`` as 3 (files written by tools that print floats).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        if integral_floats and isinstance(value, float) and value.is_integer() and 0 < value <= (limit or math.inf):
            return int(value)
        raise InstanceError(f"{source}: {where} must be a positive integer, got {value!r}")
    if value <= 0:
        raise InstanceError(f"{source}: {where} must be a positive integer, got {value!r}")
    if limit is not None and value > limit:
        raise InstanceError(f"{source}: {where} is {value}, above the limit of {limit}")
    return value


def finite_number(value: Any, where: str, source: str, limit: float | None = None) -> float:
    """A finite number (int or float, not bool) of absolute value at most ``limit``, as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InstanceError(f"{source}: {where} must be a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InstanceError(f"{source}: {where} must be a finite number, got {value!r}")
    if limit is not None and abs(value) > limit:
        shown = value if isinstance(value, int) else repr(value)
        raise InstanceError(f"{source}: {where} is {shown}, beyond the limit of ±{limit:g}")
    return float(value)


def boolean(value: Any, where: str, source: str) -> bool:
    """``true`` or ``false``; anything else (including 0 and 1) is an error."""
    if not isinstance(value, bool):
        raise InstanceError(f"{source}: {where} must be true or false, got {value!r}")
    return value


def plain_json(value: Any, where: str, source: str) -> str:
    """``value`` as canonical JSON text (sorted keys, no NaN), or an error when it is not plain JSON."""
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InstanceError(f"{source}: {where} is not plain JSON ({exc})") from None
