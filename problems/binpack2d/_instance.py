"""binpack2d instances: the immutable object and its two file formats.

JSON (design.md): ``{"problem", "name", "bin": {"width", "height"}, "items":
[{"width", "height", "count"}], "allow_rotation", "meta"}``; and the classic
``.2bp`` text files of Lodi, Martello and Vigo (height first, comment text after
the numbers). Validation is strict and every error names the field and value,
because a packing computed on a silently mis-read instance is worse than none.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nnopt.problems import validate
from nnopt.problems._files import read_text_file
from nnopt.problems._limits import check_name, name_from_path, shown
from nnopt.problems._numbers import strict_int
from nnopt.problems.base import MAX_FILE_BYTES, InstanceError

__all__ = ["BinPackInstance", "MAX_ITEMS", "count_2bp_instances", "parse_instance", "parse_2bp", "read_instance"]

#: Total item count (counts expanded) above which an instance is refused.
MAX_ITEMS = 1_000_000
#: Largest accepted bin side; keeps every area product inside int64.
MAX_SIDE = 1_000_000

_TOP_KEYS = {"problem", "name", "bin", "items", "allow_rotation", "meta"}
_BIN_KEYS = {"width", "height"}
_ITEM_KEYS = {"width", "height", "count"}


@dataclass(frozen=True, eq=False)
class BinPackInstance:
    """A validated 2D bin packing instance; items numbered 0.. with counts expanded.

    ``widths`` / ``heights`` are read-only int64 arrays of length ``n``.
    ``item_types`` keeps the file's (width, height, count) rows so that the
    instance writes back as it was read.
    """

    #: The registered problem this instance belongs to: ``nnopt.solve`` reads it, so no ``problem=`` is needed.
    problem_name: ClassVar[str] = "binpack2d"

    name: str
    bin_width: int
    bin_height: int
    item_types: tuple[tuple[int, int, int], ...]
    allow_rotation: bool = False
    meta_json: str = "null"
    widths: np.ndarray = field(init=False, repr=False)
    heights: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        counts = [c for _, _, c in self.item_types]
        w = np.repeat(np.array([t[0] for t in self.item_types], dtype=np.int64), counts)
        h = np.repeat(np.array([t[1] for t in self.item_types], dtype=np.int64), counts)
        w.setflags(write=False)
        h.setflags(write=False)
        object.__setattr__(self, "widths", w)
        object.__setattr__(self, "heights", h)

    @property
    def n(self) -> int:
        return int(self.widths.shape[0])

    @property
    def meta(self) -> Any:
        """The free-form ``meta`` object, as read (a fresh copy each time)."""
        return json.loads(self.meta_json)

    @property
    def bin_area(self) -> int:
        return self.bin_width * self.bin_height

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BinPackInstance):
            return NotImplemented
        return (
            self.name == other.name
            and self.bin_width == other.bin_width
            and self.bin_height == other.bin_height
            and self.item_types == other.item_types
            and self.allow_rotation == other.allow_rotation
            and self.meta_json == other.meta_json
        )

    def __hash__(self) -> int:
        return hash((self.name, self.bin_width, self.bin_height, self.item_types, self.allow_rotation))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "problem": "binpack2d",
            "name": self.name,
            "bin": {"width": self.bin_width, "height": self.bin_height},
            "items": [
                {"width": w, "height": h, "count": c} if c != 1 else {"width": w, "height": h}
                for w, h, c in self.item_types
            ],
            "allow_rotation": self.allow_rotation,
        }
        meta = self.meta
        if meta is not None:
            data["meta"] = meta
        return data


def _positive_int(value: Any, where: str, source: str, limit: int = MAX_SIDE) -> int:
    return validate.positive_int(value, where, source, limit, integral_floats=True)


_unknown_keys = validate.known_keys


def _plain_item_types(items: list[Any], bw: int, bh: int, rotation: bool) -> list[tuple[int, int, int]] | None:
    """The items' ``(width, height, count)`` when every entry is valid and plain (ints, known keys), else None.

    The same rules as the per-item loop of :func:`parse_instance`, checked on whole
    arrays: a million items load in about a second instead of seven. Anything
    irregular returns None, and the loop then finds it and names it.
    """
    if set(map(type, items)) != {dict} or not set().union(*items) <= _ITEM_KEYS:
        return None
    try:
        ws = [it["width"] for it in items]
        hs = [it["height"] for it in items]
    except KeyError:
        return None
    cs = [it.get("count", 1) for it in items]
    if not set(map(type, ws)) | set(map(type, hs)) | set(map(type, cs)) <= {int}:
        return None
    try:
        w, h, c = (np.array(v, dtype=np.int64) for v in (ws, hs, cs))
    except OverflowError:
        return None
    fits = (w <= bw) & (h <= bh)
    if rotation:
        fits |= (h <= bw) & (w <= bh)
    sane = (w > 0).all() and (h > 0).all() and (c > 0).all() and (w <= MAX_SIDE).all() and (h <= MAX_SIDE).all()
    if not (sane and (c <= MAX_ITEMS).all() and int(c.sum()) <= MAX_ITEMS and fits.all()):
        return None
    return list(zip(ws, hs, cs))


def parse_instance(data: Any, *, source: str = "instance") -> BinPackInstance:
    """Validate a parsed JSON object and build the instance (see module doc)."""
    if not isinstance(data, dict):
        raise InstanceError(f"{source}: expected a JSON object, got {type(data).__name__}")
    _unknown_keys(data, _TOP_KEYS, "the instance", source)
    problem = data.get("problem", "binpack2d")
    if problem != "binpack2d":
        raise InstanceError(f"{source}: field 'problem' is {problem!r}, expected 'binpack2d'")
    name = check_name(data["name"], source) if "name" in data else name_from_path(source)

    if "bin" not in data:
        raise InstanceError(f"{source}: missing field 'bin'")
    bin_ = data["bin"]
    if not isinstance(bin_, dict):
        raise InstanceError(f"{source}: field 'bin' must be an object, got {bin_!r}")
    _unknown_keys(bin_, _BIN_KEYS, "'bin'", source)
    for key in ("width", "height"):
        if key not in bin_:
            raise InstanceError(f"{source}: missing field 'bin.{key}'")
    bw = _positive_int(bin_["width"], "bin.width", source)
    bh = _positive_int(bin_["height"], "bin.height", source)

    rotation = data.get("allow_rotation", False)
    if not isinstance(rotation, bool):
        raise InstanceError(f"{source}: field 'allow_rotation' must be true or false, got {rotation!r}")

    if "items" not in data:
        raise InstanceError(f"{source}: missing field 'items'")
    items = data["items"]
    if not isinstance(items, list):
        raise InstanceError(f"{source}: field 'items' must be a list, got {type(items).__name__}")
    if not items:
        raise InstanceError(f"{source}: field 'items' is empty")
    types: list[tuple[int, int, int]] = _plain_item_types(items, bw, bh, rotation) or []
    total = 0
    first_id = 0
    for k, item in enumerate(items if not types else ()):
        where = f"items[{k}]"
        if not isinstance(item, dict):
            raise InstanceError(f"{source}: {where} must be an object, got {item!r}")
        _unknown_keys(item, _ITEM_KEYS, where, source)
        for key in ("width", "height"):
            if key not in item:
                raise InstanceError(f"{source}: missing field '{where}.{key}'")
        w = _positive_int(item["width"], f"{where}.width", source)
        h = _positive_int(item["height"], f"{where}.height", source)
        c = _positive_int(item.get("count", 1), f"{where}.count", source, limit=MAX_ITEMS)
        total += c
        if total > MAX_ITEMS:
            raise InstanceError(f"{source}: {total} items after {where}, above the limit of {MAX_ITEMS}")
        fits = w <= bw and h <= bh
        if rotation:
            fits = fits or (h <= bw and w <= bh)
        if not fits:
            turn = " in either orientation" if rotation else " (rotation not allowed)"
            raise InstanceError(
                f"{source}: {where} (item {first_id}) of size {w}x{h} does not fit the {bw}x{bh} bin{turn}"
            )
        types.append((w, h, c))
        first_id += c

    meta = data.get("meta")
    try:
        meta_json = json.dumps(meta, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InstanceError(f"{source}: field 'meta' is not plain JSON ({exc})") from None
    return BinPackInstance(
        name=name,
        bin_width=bw,
        bin_height=bh,
        item_types=tuple(types),
        allow_rotation=rotation,
        meta_json=meta_json,
    )


def _2bp_numbers(line: str, want: int, lineno: int, source: str) -> list[int]:
    """The first ``want`` integers of a ``.2bp`` line (the rest is comment text)."""
    tokens = line.split()
    if len(tokens) < want:
        raise InstanceError(f"{source}: line {lineno}: expected {want} integer(s), got {shown(line.strip())}")
    out = []
    for tok in tokens[:want]:
        try:
            out.append(strict_int(tok))
        except ValueError as exc:
            raise InstanceError(f"{source}: line {lineno}: {exc}") from None
    return out


def _looks_like_item(line: str) -> bool:
    """Two integers first: an item line (a header's class line holds one integer, then words)."""
    tokens = line.split()
    return len(tokens) >= 2 and all(t.lstrip("+-").isascii() and t.lstrip("+-").isdigit() for t in tokens[:2])


def parse_2bp(text: str, *, source: str = "instance.2bp", index: int = 0) -> BinPackInstance:
    """Parse block ``index`` (0-based) of a classic ``.2bp`` file.

    A block is: class; n; relative and absolute instance number; ``HBIN WBIN``;
    then n lines ``H W``. Heights come first in this format.
    """
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    pos = 0
    block = 0
    while True:
        if pos >= len(lines):
            if block == 0:
                raise InstanceError(f"{source}: no instance found (empty file)")
            raise InstanceError(f"{source}: instance index {index} out of range (file holds {block})")
        header = lines[pos : pos + 4]
        if len(header) < 4:
            raise InstanceError(f"{source}: line {lines[-1][0]}: file ends inside an instance header")
        (klass,) = _2bp_numbers(header[0][1], 1, header[0][0], source)
        (n,) = _2bp_numbers(header[1][1], 1, header[1][0], source)
        if n <= 0 or n > MAX_ITEMS:
            raise InstanceError(f"{source}: line {header[1][0]}: item count must be in 1..{MAX_ITEMS}, got {n}")
        rel, absolute = _2bp_numbers(header[2][1], 2, header[2][0], source)
        hbin, wbin = _2bp_numbers(header[3][1], 2, header[3][0], source)
        body = lines[pos + 4 : pos + 4 + n]
        if len(body) < n:
            raise InstanceError(f"{source}: file ends after {len(body)} of {n} items of instance {block + 1}")
        if pos + 4 + n < len(lines) and _looks_like_item(lines[pos + 4 + n][1]):
            lineno = lines[pos + 4 + n][0]
            raise InstanceError(f"{source}: line {lineno}: instance {block + 1} lists more items than its "
                                f"count line says ({n})")
        if block == index:
            items = []
            for lineno, ln in body:
                h, w = _2bp_numbers(ln, 2, lineno, source)
                items.append({"width": w, "height": h})
            name = f"CLASS{klass:02d}_{n:03d}_{rel:02d}" if 0 <= klass < 100 else name_from_path(source)
            data = {
                "problem": "binpack2d",
                "name": name,
                "bin": {"width": wbin, "height": hbin},
                "items": items,
                "meta": {"class": klass, "n": n, "instance": rel, "absolute_instance": absolute,
                         "source": Path(source).name},
            }
            return parse_instance(data, source=source)
        pos += 4 + n
        block += 1


def count_2bp_instances(path: str | Path) -> int:
    """How many instances a ``.2bp`` file holds (headers are read, items skipped)."""
    p = Path(path)
    text = read_text_file(p, InstanceError, limit=MAX_FILE_BYTES, errors="replace")
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    pos = count = 0
    while pos < len(lines):
        if pos + 4 > len(lines):
            raise InstanceError(f"{p}: line {lines[pos][0]}: file ends inside an instance header")
        (n,) = _2bp_numbers(lines[pos + 1][1], 1, lines[pos + 1][0], str(p))
        if n <= 0:
            raise InstanceError(f"{p}: line {lines[pos + 1][0]}: item count must be positive, got {n}")
        pos += 4 + n
        count += 1
    return count


def read_instance(path: str | Path, *, allow_rotation: bool | None = None) -> BinPackInstance:
    """Read a ``.json`` or ``.2bp`` file (``file.2bp:K`` picks block K, 0-based)."""
    from nnopt.problems.base import read_json_file

    text_path = str(path)
    index = 0
    if ".2bp:" in text_path:
        text_path, _, idx = text_path.rpartition(":")
        if not (idx.isascii() and idx.isdigit()):  # FILE.2bp:-1, FILE.2bp:abc, FILE.2bp:² (a Unicode digit)
            raise InstanceError(f"{text_path}: instance index after ':' must be 0, 1, 2, ..., got {shown(idx)}")
        try:
            index = strict_int(idx)
        except ValueError as exc:
            raise InstanceError(f"{text_path}: instance index after ':': {exc}") from None
    p = Path(text_path)
    if p.suffix.lower() == ".2bp":
        text = read_text_file(p, InstanceError, limit=MAX_FILE_BYTES, errors="replace")
        inst = parse_2bp(text, source=str(p), index=index)
    else:
        inst = parse_instance(read_json_file(p, InstanceError), source=str(p))
    if allow_rotation is not None and allow_rotation != inst.allow_rotation:
        data = inst.to_json()
        data["allow_rotation"] = allow_rotation
        inst = parse_instance(data, source=str(p))
    return inst
