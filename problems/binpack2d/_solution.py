"""The binpack2d solution object and its JSON form.

A :class:`Packing` is one table of placements, one row per placed item:
``item, bin, x, y, width, height, rotated`` (placed sizes, lower-left corner).
Keeping it a plain table, rather than nested per-bin lists, lets a malformed
solution from another tool (an item twice, one missing) be represented and then
judged by the checker instead of being rejected while parsing.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnopt.problems.base import SolutionError

__all__ = ["Packing", "ITEM", "BIN", "X", "Y", "W", "H", "ROT", "packing_to_json", "packing_from_json"]

ITEM, BIN, X, Y, W, H, ROT = range(7)
_PLACEMENT_KEYS = ("item", "x", "y", "width", "height", "rotated")


@dataclass(frozen=True, eq=False)
class Packing:
    """Placements ``(m, 7)`` int64, read-only; see the module docstring for columns."""

    placements: np.ndarray

    def __post_init__(self) -> None:
        arr = np.ascontiguousarray(self.placements, dtype=np.int64)
        if arr.ndim != 2 or arr.shape[1] != 7:
            raise ValueError(f"placements must have shape (m, 7), got {arr.shape}")
        # Canonical row order (bin, then item) so equal packings compare equal.
        arr = np.ascontiguousarray(arr[np.lexsort((arr[:, ITEM], arr[:, BIN]))])
        arr.setflags(write=False)
        object.__setattr__(self, "placements", arr)

    @property
    def num_bins(self) -> int:
        """Number of distinct bins used."""
        return int(np.unique(self.placements[:, BIN]).size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Packing):
            return NotImplemented
        return np.array_equal(self.placements, other.placements)

    def __hash__(self) -> int:
        return hash(self.placements.tobytes())


def packing_to_json(packing: Packing) -> dict[str, Any]:
    """``{"bins": [[placement, ...], ...]}``, bins renumbered 0.. in order of use.

    The placements are already sorted by (bin, item), so the bins are consecutive
    runs of rows: one pass, linear in the items (a filter per bin was quadratic:
    25 s for 100,000 items).
    """
    rows = packing.placements
    bins: list[list[dict[str, Any]]] = []
    last = None
    for item, b, x, y, w, h, rot in rows.tolist():
        if b != last:
            bins.append([])
            last = b
        bins[-1].append({"item": item, "x": x, "y": y, "width": w, "height": h, "rotated": bool(rot)})
    return {"bins": bins}


def _int_field(p: Mapping[str, Any], key: str, where: str) -> int:
    v = p[key]
    if isinstance(v, bool) or not isinstance(v, int):
        raise SolutionError(f"{where}.{key} must be an integer, got {v!r}")
    if abs(v) > 2**62:
        raise SolutionError(f"{where}.{key} is out of range: {v!r}")
    return v


def packing_from_json(data: Mapping[str, Any], *, source: str = "solution") -> Packing:
    """Parse the ``bins`` field of a solution object (other fields are ignored)."""
    if not isinstance(data, Mapping):
        raise SolutionError(f"{source}: expected a JSON object, got {type(data).__name__}")
    if "bins" not in data:
        raise SolutionError(f"{source}: missing field 'bins'")
    bins = data["bins"]
    if not isinstance(bins, list):
        raise SolutionError(f"{source}: field 'bins' must be a list, got {type(bins).__name__}")
    rows: list[tuple[int, ...]] = []
    for b, content in enumerate(bins):
        if not isinstance(content, list):
            raise SolutionError(f"{source}: bins[{b}] must be a list of placements, got {content!r}")
        for k, p in enumerate(content):
            where = f"bins[{b}][{k}]"
            if not isinstance(p, Mapping):
                raise SolutionError(f"{source}: {where} must be an object, got {p!r}")
            missing = [key for key in _PLACEMENT_KEYS[:5] if key not in p]
            if missing:
                raise SolutionError(f"{source}: {where} lacks field '{missing[0]}'")
            extra = sorted(set(p) - set(_PLACEMENT_KEYS), key=str)
            if extra:
                raise SolutionError(f"{source}: unknown key {extra[0]!r} in {where}")
            rotated = p.get("rotated", False)
            if not isinstance(rotated, bool):
                raise SolutionError(f"{source}: {where}.rotated must be true or false, got {rotated!r}")
            rows.append(
                (
                    _int_field(p, "item", f"{source}: {where}"),
                    b,
                    _int_field(p, "x", f"{source}: {where}"),
                    _int_field(p, "y", f"{source}: {where}"),
                    _int_field(p, "width", f"{source}: {where}"),
                    _int_field(p, "height", f"{source}: {where}"),
                    int(rotated),
                )
            )
    arr = np.array(rows, dtype=np.int64).reshape(-1, 7)
    return Packing(arr)
