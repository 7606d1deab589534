"""Cutting jobs: the shop-floor form of a binpack2d instance, immutable and validated.

A shop cuts pieces from stock sheets. Beyond the classic instance (one bin size,
identical bins, one rotation switch) a job may have several stock types with
prices and limited counts, pieces that must not turn (grain), guillotine saws
with a limited number of stages, a blade that takes material (kerf) and sheet
edges that are trimmed away. The JSON form::

    {"problem": "binpack2d", "name": "kitchen",
     "bins": [{"width": 2800, "height": 2070, "cost": 48.5, "count": 6, "name": "oak 19"},
              {"width": 2440, "height": 1220, "cost": 21.0}],
     "items": [{"width": 720, "height": 560, "count": 4, "rotation": false, "name": "side"},
               {"width": 560, "height": 300, "count": 8}],
     "allow_rotation": true,
     "guillotine": {"stages": 3, "exact": false, "first_cut": "any"},
     "kerf": 4,
     "trim": {"left": 10, "right": 10, "bottom": 10, "top": 10}}

The classic ``"bin": {"width", "height"}`` stays valid (one stock type,
unlimited, no cost). Sizes, counts, kerf and trims are integers (``3.0`` is read
as 3, as the classic reader does), because a plan is checked exactly and a saw is
set in whole units of the job's length unit. Every field is validated and every
refusal is one line naming the field and its value: a plan computed for a
silently mis-read job wastes real material.

Meanings the rest of the package relies on:

- **cost**: a stock type without ``cost`` costs its area; with a single stock
  type and no cost the objective is the number of sheets (:attr:`CuttingJob.
  counts_sheets`). A ``count`` absent means unlimited; ``0`` means none in stock
  (allowed, unless every type is at 0).
- **rotation**: an item's ``rotation`` overrides the job's ``allow_rotation``.
- **trim**: the border cut off each sheet before use; it includes the kerf of
  the trimming cut, so pieces may touch the trimmed edge. One number means the
  same trim on all four edges.
- **kerf**: the blade width. With guillotine cuts each cut removes a band of
  ``kerf`` between the two parts it makes; with free placement no two pieces are
  closer than ``kerf`` both across and along (each piece grown by the kerf to its
  right and top overlaps no other piece).
- **guillotine** absent: free placement. ``stages`` is an integer >= 2 or
  ``"unlimited"``; ``exact: false`` (the literature's non-exact k-stage cuts)
  allows one more cut per piece after the last stage to trim it from waste.
- **first_cut** has the meaning of PackingSolver's ``first_stage_orientation``:
  ``"vertical"`` means the first-stage cuts are vertical lines (constant x), so
  the sheet is first cut into full-height columns side by side; ``"horizontal"``
  means the first-stage cuts are horizontal lines (constant y), so the sheet is
  first cut into full-width strips stacked bottom to top. Facts behind this, in
  the ``fontanf/packingsolver`` repository: the solution file
  ``data/rectangleguillotine/tests/bin_packing_3nvo/solution.csv`` of a
  vertical-first instance lists its depth-1 nodes as the full-height columns
  ``X=0, WIDTH=10`` and ``X=10, WIDTH=10`` of a 20x20 bin; and
  ``src/rectangleguillotine/instance_flipper.cpp`` solves a horizontal-first
  instance by swapping every width and height and solving it vertical-first.
  ``"any"`` lets each sheet choose.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnopt.problems import validate
from nnopt.problems._limits import MAX_NAME_CHARS, check_name
from nnopt.problems.base import InstanceError
from nnopt.problems.binpack2d._instance import MAX_ITEMS, MAX_SIDE

__all__ = [
    "FIRST_CUTS", "MAX_COST", "MAX_STAGES", "CuttingJob", "Guillotine", "PieceType", "StockType", "Trim",
    "classic_json", "cutting_to_json", "parse_cutting", "price_step",
]

#: Orientations of the first-stage cuts (see the module docstring).
FIRST_CUTS = ("horizontal", "vertical", "any")
#: Largest accepted number of stages; deeper trees are written ``"unlimited"``.
MAX_STAGES = 1000
#: Largest accepted price of one sheet.
MAX_COST = 1e15

#: Denominators tried for the prices' common step (cents, halves, quarters...).
_PRICE_STEPS = (1, 2, 4, 5, 10, 20, 25, 50, 100)

_TOP_KEYS = {"problem", "name", "bin", "bins", "items", "allow_rotation", "guillotine", "kerf", "trim", "meta"}
_CLASSIC_BIN_KEYS = {"width", "height"}
_STOCK_KEYS = {"width", "height", "cost", "count", "name"}
_ITEM_KEYS = {"width", "height", "count", "rotation", "name"}
_GUILLOTINE_KEYS = {"stages", "exact", "first_cut"}
_TRIM_KEYS = ("left", "right", "bottom", "top")


@dataclass(frozen=True)
class StockType:
    """One kind of stock sheet. ``count`` None: unlimited; ``cost`` None: the sheet's area."""

    width: int
    height: int
    cost: float | None = None
    count: int | None = None
    name: str | None = None

    @property
    def unit_cost(self) -> float:
        """What one sheet of this type costs in the objective."""
        return float(self.width * self.height) if self.cost is None else self.cost


@dataclass(frozen=True)
class PieceType:
    """One line of the cut list; ``rotation`` None follows the job's ``allow_rotation``."""

    width: int
    height: int
    count: int = 1
    rotation: bool | None = None
    name: str | None = None


@dataclass(frozen=True)
class Guillotine:
    """Guillotine cutting: ``stages`` None is unlimited; ``first_cut`` as in the module docstring."""

    stages: int | None
    exact: bool = False
    first_cut: str = "any"

    def __post_init__(self) -> None:
        if self.stages is not None and not 2 <= self.stages <= MAX_STAGES:
            raise ValueError(f"stages must be 2..{MAX_STAGES} or None, got {self.stages!r}")
        if self.first_cut not in FIRST_CUTS:
            raise ValueError(f"first_cut must be one of {FIRST_CUTS}, got {self.first_cut!r}")


@dataclass(frozen=True)
class Trim:
    """Border cut off each sheet, per edge (the trimming cut's kerf included)."""

    left: int = 0
    right: int = 0
    bottom: int = 0
    top: int = 0


@dataclass(frozen=True)
class CuttingJob:
    """A validated cutting job. Items are numbered 0.. with counts expanded, in list order.

    ``classic_bin`` records that the file used the classic ``"bin"`` form, so
    that the job writes back as it was read.
    """

    name: str
    stock: tuple[StockType, ...]
    pieces: tuple[PieceType, ...]
    allow_rotation: bool = False
    guillotine: Guillotine | None = None
    kerf: int = 0
    trim: Trim = Trim()
    meta_json: str = "null"
    classic_bin: bool = False

    @property
    def counts_sheets(self) -> bool:
        """True when the objective is the number of sheets (one type, no cost)."""
        return len(self.stock) == 1 and self.stock[0].cost is None

    @property
    def is_classic(self) -> bool:
        """True when the job says nothing beyond the classic instance (one unlimited sheet size,
        no cost, free placement, no kerf or trims, no per-piece rotation or names): such a
        job is solved as the classic instance :func:`classic_json` writes."""
        s = self.stock[0]
        return (len(self.stock) == 1 and s.cost is None and s.count is None and s.name is None
                and self.guillotine is None and self.kerf == 0 and self.trim == Trim()
                and all(p.rotation is None and p.name is None for p in self.pieces))

    @property
    def n(self) -> int:
        """Number of items (piece counts expanded)."""
        return sum(p.count for p in self.pieces)

    def piece_of_item(self) -> list[int]:
        """For each item 0..n-1, the index of its piece type."""
        return [t for t, p in enumerate(self.pieces) for _ in range(p.count)]

    def item_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per item (counts expanded): widths, heights (int64) and whether it may turn (bool), read-only,
        the form the array-based decoders take. Built once per job: decoders ask on every call."""
        return self._item_arrays

    @functools.cached_property
    def _item_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        counts = [p.count for p in self.pieces]
        out = (np.repeat(np.array([p.width for p in self.pieces], dtype=np.int64), counts),
               np.repeat(np.array([p.height for p in self.pieces], dtype=np.int64), counts),
               np.repeat(np.array([self.can_rotate(t) for t in range(len(self.pieces))], dtype=bool), counts))
        for a in out:
            a.setflags(write=False)
        return out

    def can_rotate(self, piece_type: int) -> bool:
        """Whether pieces of type ``piece_type`` may be placed turned by 90 degrees."""
        own = self.pieces[piece_type].rotation
        return self.allow_rotation if own is None else own

    def usable(self, stock_type: int) -> tuple[int, int, int, int]:
        """The trimmed sheet ``(x0, y0, x1, y1)`` of a stock type: where pieces may lie."""
        s = self.stock[stock_type]
        t = self.trim
        return t.left, t.bottom, s.width - t.right, s.height - t.top

    @property
    def meta(self) -> Any:
        return json.loads(self.meta_json)


def _size(value: Any, where: str, source: str) -> int:
    return validate.positive_int(value, where, source, MAX_SIDE, integral_floats=True)


def _non_negative(value: Any, where: str, source: str, limit: int = MAX_SIDE) -> int:
    """A non-negative integer (``3.0`` read as 3; bool, NaN and fractions refused)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InstanceError(f"{source}: {where} must be a non-negative integer, got {value!r}")
    if value > limit:
        raise InstanceError(f"{source}: {where} is {value}, above the limit of {limit}")
    return value


def _label(value: Any, where: str, source: str) -> str:
    if not isinstance(value, str):
        raise InstanceError(f"{source}: {where} must be a string, got {value!r}"[:300])
    if len(value) > MAX_NAME_CHARS:
        raise InstanceError(f"{source}: {where} has {len(value)} characters, above the limit of {MAX_NAME_CHARS}")
    return value


def _object(value: Any, where: str, source: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InstanceError(f"{source}: {where} must be an object, got {value!r}"[:300])
    return value


def _stock(data: Mapping[str, Any], source: str) -> tuple[tuple[StockType, ...], bool]:
    if ("bin" in data) == ("bins" in data):
        which = "both 'bin' and 'bins'" if "bin" in data else "neither 'bin' nor 'bins'"
        raise InstanceError(f"{source}: the instance has {which}; give exactly one")
    if "bin" in data:
        bin_ = _object(data["bin"], "field 'bin'", source)
        validate.known_keys(bin_, _CLASSIC_BIN_KEYS, "'bin'", source)
        w = _size(validate.required(bin_, "width", source, "bin"), "bin.width", source)
        h = _size(validate.required(bin_, "height", source, "bin"), "bin.height", source)
        return (StockType(w, h),), True
    bins = data["bins"]
    if not isinstance(bins, list):
        raise InstanceError(f"{source}: field 'bins' must be a list, got {type(bins).__name__}")
    if not bins:
        raise InstanceError(f"{source}: field 'bins' is empty")
    if len(bins) > MAX_ITEMS:
        raise InstanceError(f"{source}: field 'bins' has {len(bins)} stock types, above the limit of {MAX_ITEMS}")
    out = []
    for k, entry in enumerate(bins):
        where = f"bins[{k}]"
        entry = _object(entry, where, source)
        validate.known_keys(entry, _STOCK_KEYS, where, source)
        w = _size(validate.required(entry, "width", source, where), f"{where}.width", source)
        h = _size(validate.required(entry, "height", source, where), f"{where}.height", source)
        cost = None
        if "cost" in entry:
            cost = validate.finite_number(entry["cost"], f"{where}.cost", source, MAX_COST)
            if cost <= 0:
                raise InstanceError(f"{source}: {where}.cost must be positive, got {entry['cost']!r}")
        count = None
        if "count" in entry:
            count = _non_negative(entry["count"], f"{where}.count", source, MAX_ITEMS)
        name = _label(entry["name"], f"{where}.name", source) if "name" in entry else None
        out.append(StockType(w, h, cost, count, name))
    if all(s.count == 0 for s in out):
        raise InstanceError(f"{source}: every stock type in 'bins' has count 0: no sheet to cut")
    return tuple(out), False


def _pieces(data: Mapping[str, Any], source: str) -> tuple[PieceType, ...]:
    items = validate.required(data, "items", source)
    if not isinstance(items, list):
        raise InstanceError(f"{source}: field 'items' must be a list, got {type(items).__name__}")
    if not items:
        raise InstanceError(f"{source}: field 'items' is empty")
    out = []
    total = 0
    for k, item in enumerate(items):
        where = f"items[{k}]"
        item = _object(item, where, source)
        validate.known_keys(item, _ITEM_KEYS, where, source)
        w = _size(validate.required(item, "width", source, where), f"{where}.width", source)
        h = _size(validate.required(item, "height", source, where), f"{where}.height", source)
        c = validate.positive_int(item.get("count", 1), f"{where}.count", source, MAX_ITEMS, integral_floats=True)
        total += c
        if total > MAX_ITEMS:
            raise InstanceError(f"{source}: {total} items after {where}, above the limit of {MAX_ITEMS}")
        rotation = validate.boolean(item["rotation"], f"{where}.rotation", source) if "rotation" in item else None
        name = _label(item["name"], f"{where}.name", source) if "name" in item else None
        out.append(PieceType(w, h, c, rotation, name))
    return tuple(out)


def _guillotine(value: Any, source: str) -> Guillotine | None:
    if value is None:
        return None
    g = _object(value, "field 'guillotine'", source)
    validate.known_keys(g, _GUILLOTINE_KEYS, "'guillotine'", source)
    stages_raw = validate.required(g, "stages", source, "guillotine")
    if stages_raw == "unlimited":
        stages = None
    elif isinstance(stages_raw, bool) or not isinstance(stages_raw, int) or not 2 <= stages_raw <= MAX_STAGES:
        raise InstanceError(f"{source}: guillotine.stages must be an integer from 2 to {MAX_STAGES} "
                            f"or \"unlimited\", got {stages_raw!r}"[:300])
    else:
        stages = stages_raw
    exact = validate.boolean(g.get("exact", False), "guillotine.exact", source)
    first_cut = g.get("first_cut", "any")
    if not isinstance(first_cut, str) or first_cut not in FIRST_CUTS:
        raise InstanceError(f"{source}: guillotine.first_cut must be \"horizontal\", \"vertical\" or \"any\", "
                            f"got {first_cut!r}"[:300])
    return Guillotine(stages, exact, first_cut)


def _trim(value: Any, source: str) -> Trim:
    if isinstance(value, dict):
        validate.known_keys(value, _TRIM_KEYS, "'trim'", source)
        return Trim(*(_non_negative(value.get(k, 0), f"trim.{k}", source) for k in _TRIM_KEYS))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        t = _non_negative(value, "field 'trim'", source)
        return Trim(t, t, t, t)
    raise InstanceError(f"{source}: field 'trim' must be a non-negative integer or an object with "
                        f"left, right, bottom, top, got {value!r}"[:300])


def _piece_label(pieces: tuple[PieceType, ...], k: int) -> str:
    p = pieces[k]
    named = f" ({p.name!r})" if p.name is not None else ""
    return f"items[{k}]{named}"


def _check_fit(job: CuttingJob, source: str) -> None:
    """Every piece fits some stock sheet in stock, after trims, in an allowed orientation; stock suffices."""
    t = job.trim
    usable = []
    for k, s in enumerate(job.stock):
        uw, uh = s.width - t.left - t.right, s.height - t.bottom - t.top
        if uw <= 0 or uh <= 0:
            raise InstanceError(f"{source}: trims {t.left}+{t.right} x {t.bottom}+{t.top} leave nothing of "
                                f"the {s.width}x{s.height} sheet of {'bin' if job.classic_bin else f'bins[{k}]'}")
        if s.count != 0:
            usable.append((uw, uh))
    for k, p in enumerate(job.pieces):
        turn = job.can_rotate(k)
        if not any((p.width <= uw and p.height <= uh) or (turn and p.height <= uw and p.width <= uh)
                   for uw, uh in usable):
            how = "in either orientation" if turn else "unturned (rotation not allowed)"
            largest = max(usable, key=lambda wh: wh[0] * wh[1])
            raise InstanceError(f"{source}: {_piece_label(job.pieces, k)} of size {p.width}x{p.height} fits no "
                                f"stock sheet after trims {how} (largest usable sheet {largest[0]}x{largest[1]})")
    if all(s.count is not None for s in job.stock):
        room = sum((s.count or 0) * (s.width - t.left - t.right) * (s.height - t.bottom - t.top)
                   for s in job.stock)  # every count is given (checked above)
        need = sum(p.count * p.width * p.height for p in job.pieces)
        if need > room:
            raise InstanceError(f"{source}: the pieces' area {need} exceeds the usable area {room} of all "
                                f"the sheets in 'bins' (counts {[s.count for s in job.stock]})")


def parse_cutting(data: Any, source: str = "instance") -> CuttingJob:
    """Validate a parsed JSON object (see the module docstring) into a :class:`CuttingJob`.

    Raises :class:`InstanceError` with one line naming the field and the value.
    """
    data = validate.json_object(data, source)
    validate.known_keys(data, _TOP_KEYS, "the instance", source)
    problem = data.get("problem", "binpack2d")
    if problem != "binpack2d":
        raise InstanceError(f"{source}: field 'problem' is {problem!r}, expected 'binpack2d'"[:300])
    name = check_name(data.get("name", Path(source).stem if source != "instance" else "instance"), source)
    stock, classic = _stock(data, source)
    pieces = _pieces(data, source)
    rotation = validate.boolean(data.get("allow_rotation", False), "field 'allow_rotation'", source)
    guillotine = _guillotine(data.get("guillotine"), source)
    kerf = _non_negative(data.get("kerf", 0), "field 'kerf'", source)
    trim = _trim(data.get("trim", 0), source)
    meta_json = validate.plain_json(data.get("meta"), "field 'meta'", source)
    job = CuttingJob(name, stock, pieces, rotation, guillotine, kerf, trim, meta_json, classic)
    _check_fit(job, source)
    return job


def _number(x: float) -> int | float:
    """A cost as written: integral values as integers, so JSON stays tidy and round-trips."""
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else x


def classic_json(job: CuttingJob) -> dict[str, Any]:
    """The classic instance form (``"bin"``, plain items) of a job that :attr:`CuttingJob.is_classic`."""
    if not job.is_classic:
        raise ValueError(f"{job.name}: the job has stock types, cutting rules or piece flags beyond the classic form")
    data = cutting_to_json(job)
    data.pop("bins", None)
    s = job.stock[0]
    data["bin"] = {"width": s.width, "height": s.height}
    return data


def cutting_to_json(job: CuttingJob) -> dict[str, Any]:
    """The job as a JSON object that :func:`parse_cutting` reads back into an equal job."""
    data: dict[str, Any] = {"problem": "binpack2d", "name": job.name}
    if job.classic_bin:
        s = job.stock[0]
        data["bin"] = {"width": s.width, "height": s.height}
    else:
        bins = []
        for s in job.stock:
            entry: dict[str, Any] = {"width": s.width, "height": s.height}
            if s.cost is not None:
                entry["cost"] = _number(s.cost)
            if s.count is not None:
                entry["count"] = s.count
            if s.name is not None:
                entry["name"] = s.name
            bins.append(entry)
        data["bins"] = bins
    items = []
    for p in job.pieces:
        item: dict[str, Any] = {"width": p.width, "height": p.height}
        if p.count != 1:
            item["count"] = p.count
        if p.rotation is not None:
            item["rotation"] = p.rotation
        if p.name is not None:
            item["name"] = p.name
        items.append(item)
    data["items"] = items
    data["allow_rotation"] = job.allow_rotation
    g = job.guillotine
    if g is not None:
        data["guillotine"] = {"stages": "unlimited" if g.stages is None else g.stages,
                              "exact": g.exact, "first_cut": g.first_cut}
    if job.kerf:
        data["kerf"] = job.kerf
    t = job.trim
    if t != Trim():
        data["trim"] = t.left if t.left == t.right == t.bottom == t.top else \
            {"left": t.left, "right": t.right, "bottom": t.bottom, "top": t.top}
    meta = job.meta
    if meta is not None:
        data["meta"] = meta
    return data


def price_step(job: CuttingJob) -> float:
    """The smallest difference two plans' totals can have (0 when the prices have no simple common step)."""
    if job.counts_sheets:
        return 1.0
    prices = [s.unit_cost for s in job.stock]
    for q in _PRICE_STEPS:
        if all(abs(p * q - round(p * q)) <= 1e-9 * max(1.0, p * q) for p in prices):
            return 1.0 / q
    return 0.0
