"""Independent checker of cutting plans, and the cut sequence a saw operator follows.

A plan is a list of sheets, each ``{"stock": INDEX, "items": [{"item", "x", "y",
"width", "height", "rotated"}, ...]}`` (lower-left corners, placed sizes, in the
sheet's own coordinates). This module shares no code with any decoder, so a bug
in a fast kernel cannot hide behind the same bug in its verifier.

The rules (the meanings are those of :mod:`._cutting_spec`):

- every item of the job exactly once, at its size or turned where its piece may
  turn, inside the trimmed sheet; every sheet holds a piece; stock counts kept;
- free placement: no two pieces closer than ``kerf`` both in x and in y (each
  piece grown by the kerf to its right and top overlaps no other);
- guillotine: the sheet is cut stage by stage, stage ``d`` cutting every region
  left by stage ``d - 1`` with full-length cuts of one orientation, the first
  stage's orientation given by ``first_cut`` and alternating after it. A cut
  removes a band ``kerf`` wide that must touch no piece. After the last stage
  each region holds at most one piece and, for exact cuts, is that piece; for
  non-exact cuts one more cut (of the next orientation) may trim the piece from
  its waste. A stage may make no cut. Unlimited stages: any number of stages.

How a region is cut, and why that decides separability: the pieces of a region
are projected on the cut axis and merged into blocks wherever two are less than
``kerf`` apart (no band fits between them); each block becomes its own slab,
cut tight to the block. Cutting at every possible place and cutting tight never
hurts: a later cut that was valid across a bigger slab is valid across a part
of it, and a tight slab leaves the least to trim at the end.

A cut is given by its ``position`` ``c`` and removes the band ``[c, c + kerf)``
of the region it splits; the two parts are ``[start, c]`` and ``[c + kerf, end]``
along the cut's axis (an empty part is no part). Where the waste between a
piece and the region's edge is thinner than the blade, ``c`` lies before the
region's start: the blade grinds that sliver away. The sheet's trims are cut
first and are not listed: the sequence starts from the trimmed sheet. A sheet
may carry its ``"cuts"``; the checker ignores them and judges the placements.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from nnopt.problems.binpack2d._cutting_spec import CuttingJob

__all__ = ["CUT_COLUMNS", "Cut", "check_cutting_plan", "cut_sequence", "cut_sequence_csv", "sheet_cuts"]

#: At most this many problems are listed; the rest are counted.
MAX_REPORTED = 20

#: The columns of a cut-sequence table, in order (the fields of :class:`Cut`).
CUT_COLUMNS = ("sheet", "stage", "orientation", "position", "x0", "y0", "x1", "y1")

_PLACEMENT_KEYS = {"item", "x", "y", "width", "height", "rotated"}
_SHEET_KEYS = {"stock", "items", "cuts"}
_VERTICAL, _HORIZONTAL = "vertical", "horizontal"


class Cut(NamedTuple):
    """One saw cut: ``orientation`` of the cut line ("vertical": constant x), at ``position``,
    splitting the region ``[x0, x1] x [y0, y1]`` of sheet ``sheet`` (0-based, plan order).

    ``stage`` counts from 1; a non-exact plan's trimming cuts carry stage ``k + 1``.
    """

    sheet: int
    stage: int
    orientation: str
    position: int
    x0: int
    y0: int
    x1: int
    y1: int


@dataclass(frozen=True)
class _Piece:
    item: int
    x0: int
    y0: int
    x1: int
    y1: int

    def lo(self, axis: int) -> int:
        return self.x0 if axis == 0 else self.y0

    def hi(self, axis: int) -> int:
        return self.x1 if axis == 0 else self.y1


@dataclass
class _Cutting:
    """The outcome of cutting one sheet: the cuts in saw order, or why it cannot be cut."""

    cuts: list[tuple[int, str, int, tuple[int, int, int, int]]] = field(default_factory=list)
    failure: str | None = None


def _axis(orientation: str) -> int:
    """The coordinate a cut of this orientation is placed at: x (0) for vertical lines, y (1) for horizontal."""
    return 0 if orientation == _VERTICAL else 1


def _other(orientation: str) -> str:
    return _HORIZONTAL if orientation == _VERTICAL else _VERTICAL


def _blocks(pieces: list[_Piece], axis: int, kerf: int) -> list[list[_Piece]]:
    """Pieces grouped along ``axis`` where no kerf band fits between neighbours."""
    ordered = sorted(pieces, key=lambda p: (p.lo(axis), p.hi(axis)))
    groups: list[list[_Piece]] = []
    end = None
    for p in ordered:
        if end is not None and p.lo(axis) < end + kerf:
            groups[-1].append(p)
            end = max(end, p.hi(axis))
        else:
            groups.append([p])
            end = p.hi(axis)
    return groups


def _with_range(region: tuple[int, int, int, int], axis: int, lo: int, hi: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = region
    return (lo, y0, hi, y1) if axis == 0 else (x0, lo, x1, hi)


def _cut_region(region: tuple[int, int, int, int], spans: list[tuple[int, int]], axis: int, orientation: str,
                stage: int, kerf: int, out: _Cutting) -> list[tuple[int, int, int, int]]:
    """Emit the cuts isolating each span of ``spans`` (sorted, kerf apart) in ``region``; return the slabs."""
    start, end = region[axis], region[axis + 2]
    slabs = []
    rem = start  # the current remainder is [rem, end] along the axis
    for lo, hi in spans:
        if lo > rem:  # waste before the span: cut so that the blade's far edge lands on lo
            out.cuts.append((stage, orientation, lo - kerf, _with_range(region, axis, rem, end)))
            rem = lo
        if hi < end:  # cut the span's slab off the remainder
            out.cuts.append((stage, orientation, hi, _with_range(region, axis, rem, end)))
        slabs.append(_with_range(region, axis, lo, hi))
        rem = hi + kerf
    return slabs


def _region_text(region: tuple[int, int, int, int]) -> str:
    x0, y0, x1, y1 = region
    return f"[{x0},{x1}]x[{y0},{y1}]"


def _items_text(pieces: list[_Piece]) -> str:
    ids = sorted(p.item for p in pieces)
    shown = ", ".join(map(str, ids[:6])) + (", ..." if len(ids) > 6 else "")
    return f"items {shown}"


def _cut(region: tuple[int, int, int, int], pieces: list[_Piece], first: str, stages: int | None, exact: bool,
         kerf: int, out: _Cutting) -> None:
    """Cut ``region`` holding ``pieces`` stage by stage; append the cuts to ``out`` or set its failure.

    Depth first with an explicit stack (a deep unlimited-stage tree would overflow
    Python's recursion), so that the cuts come out in saw order: a region's cuts,
    then each of its slabs in turn. ``stalled`` marks a region whose previous
    stage could not split its pieces: if this stage cannot either, nothing ever will.
    """
    todo: list[tuple[tuple[int, int, int, int], list[_Piece], int, str, bool]] = [(region, pieces, 1, first, False)]
    while todo and out.failure is None:
        region, pieces, stage, orientation, stalled = todo.pop()
        axis = _axis(orientation)
        if len(pieces) == 1 and (stages is None or stage < stages):
            # one piece and two stages left: cut it tight along this axis, then the other
            p = pieces[0]
            (slab,) = _cut_region(region, [(p.lo(axis), p.hi(axis))], axis, orientation, stage, kerf, out)
            other = 1 - axis
            _cut_region(slab, [(p.lo(other), p.hi(other))], other, _other(orientation), stage + 1, kerf, out)
            continue
        if stages is not None and stage > stages:
            if len(pieces) > 1:
                out.failure = (f"{_items_text(pieces)} in region {_region_text(region)} are still together "
                               f"after {stages} stages")
                break
            p = pieces[0]
            other = 1 - axis
            assert p.lo(other) == region[other] and p.hi(other) == region[other + 2], "slabs are cut tight"
            extra = (p.lo(axis) > region[axis]) + (p.hi(axis) < region[axis + 2])
            allowed = 0 if exact else 1
            if extra > allowed:
                kind = "exact" if exact else "non-exact"
                out.failure = (f"item {p.item} at ({p.x0},{p.y0}) needs {extra} trimming cuts after the last "
                               f"stage in region {_region_text(region)} ({kind} cuts allow {allowed})")
                break
            _cut_region(region, [(p.lo(axis), p.hi(axis))], axis, orientation, stage, kerf, out)
            continue
        groups = _blocks(pieces, axis, kerf)
        split = len(groups) > 1 or len(pieces) == 1
        if not split and stalled:
            out.failure = (f"{_items_text(pieces)} in region {_region_text(region)} cannot be separated by any "
                           f"guillotine cut" + (f" with a kerf of {kerf}" if kerf else ""))
            break
        spans = [(min(p.lo(axis) for p in g), max(p.hi(axis) for p in g)) for g in groups]
        slabs = _cut_region(region, spans, axis, orientation, stage, kerf, out)
        for slab, group in reversed(list(zip(slabs, groups))):
            todo.append((slab, group, stage + 1, _other(orientation), not split))


def _cut_sheet(job: CuttingJob, stock: int, pieces: list[_Piece]) -> _Cutting:
    """The cuts of one sheet under the job's guillotine rules (both first orientations tried for "any")."""
    g = job.guillotine
    assert g is not None
    firsts = [_HORIZONTAL, _VERTICAL] if g.first_cut == "any" else [g.first_cut]
    tries = []
    for first in firsts:
        out = _Cutting()
        if pieces:
            _cut(job.usable(stock), pieces, first, g.stages, g.exact, job.kerf, out)
        tries.append(out)
    feasible = [t for t in tries if t.failure is None]
    if feasible:
        # fewest cuts, then fewest stages (an empty first stage is a wasted stage)
        return min(feasible, key=lambda t: (len(t.cuts), max((c[0] for c in t.cuts), default=0)))
    tried = tries[0]
    tried.failure = f"{tried.failure} (first cut {firsts[0]}{'; nor vertical first' if len(firsts) > 1 else ''})"
    return tried


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kerf_overlaps(pieces: list[_Piece], kerf: int) -> list[tuple[_Piece, _Piece]]:
    """Pairs of pieces closer than ``kerf`` along both axes (overlapping, for kerf 0)."""
    ordered = sorted(pieces, key=lambda p: p.x0)
    bad = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.x0 >= a.x1 + kerf:
                break
            if b.y0 < a.y1 + kerf and a.y0 < b.y1 + kerf:
                bad.append((a, b))
    return bad


def _read_sheets(job: CuttingJob, sheets: Any, report: Any) -> list[tuple[int, list[_Piece]]]:
    """Well-formed sheets as ``(stock, pieces)``; each ill-formed part reported and skipped."""
    kinds = job.piece_of_item()
    n = len(kinds)
    out: list[tuple[int, list[_Piece]]] = []
    for s, sheet in enumerate(sheets):
        if not isinstance(sheet, dict) or not {"stock", "items"} <= set(sheet) or not set(sheet) <= _SHEET_KEYS:
            report(f"sheet {s}: must be an object with 'stock' and 'items' (and optionally 'cuts')")
            out.append((-1, []))
            continue
        stock = sheet["stock"]
        if not _int(stock) or not 0 <= stock < len(job.stock):
            report(f"sheet {s}: stock {repr(stock)[:40]} is no stock type (the job has 0..{len(job.stock) - 1})")
            stock = -1
        rows = sheet["items"]
        if not isinstance(rows, list) or not rows:
            report(f"sheet {s}: holds no piece" if rows == [] else f"sheet {s}: 'items' must be a list")
            out.append((stock, []))
            continue
        pieces = []
        for r, row in enumerate(rows):
            if not isinstance(row, dict) or set(row) != _PLACEMENT_KEYS:
                report(f"sheet {s} placement {r}: must have exactly the keys {', '.join(sorted(_PLACEMENT_KEYS))}")
                continue
            item, x, y, w, h, rot = (row[k] for k in ("item", "x", "y", "width", "height", "rotated"))
            if not all(map(_int, (item, x, y, w, h))) or not isinstance(rot, bool):
                report(f"sheet {s} placement {r}: item, x, y, width, height must be integers and rotated "
                       f"true or false")
                continue
            if not 0 <= item < n:
                report(f"sheet {s}: item {item}: no such item (the job has items 0..{n - 1})")
                continue
            kind = kinds[item]
            p = job.pieces[kind]
            if rot and not job.can_rotate(kind):
                report(f"sheet {s}: item {item} (items[{kind}]) is rotated but may not turn")
            want = (p.height, p.width) if rot else (p.width, p.height)
            if (w, h) != want:
                report(f"sheet {s}: item {item} placed as {w}x{h}, but it is {want[0]}x{want[1]}"
                       f"{' turned' if rot else ''}")
                continue
            if stock >= 0:
                ux0, uy0, ux1, uy1 = job.usable(stock)
                if x < ux0 or y < uy0 or x + w > ux1 or y + h > uy1:
                    report(f"sheet {s}: item {item} at ({x},{y}) size {w}x{h} lies outside the trimmed sheet "
                           f"{_region_text((ux0, uy0, ux1, uy1))}")
                    continue
            pieces.append(_Piece(item, x, y, x + w, y + h))
        out.append((stock, pieces))
    return out


def check_cutting_plan(job: CuttingJob, sheets: Any) -> list[str]:
    """All the ways ``sheets`` is not a feasible plan for ``job``, one line each (empty: feasible)."""
    messages: list[str] = []
    hidden = 0

    def report(text: str) -> None:
        nonlocal hidden
        if len(messages) < MAX_REPORTED:
            messages.append(text)
        else:
            hidden += 1

    if not isinstance(sheets, list):
        return [f"the plan must be a list of sheets, got {type(sheets).__name__}"]
    read = _read_sheets(job, sheets, report)
    seen: dict[int, int] = {}
    for _, pieces in read:
        for p in pieces:
            seen[p.item] = seen.get(p.item, 0) + 1
    twice = sorted(i for i, c in seen.items() if c > 1)
    for i in twice:
        report(f"item {i}: placed {seen[i]} times")
    kinds = job.piece_of_item()
    missing = [i for i in range(len(kinds)) if i not in seen]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        report(f"{len(missing)} item(s) not placed: {shown}")
    used: dict[int, int] = {}
    for stock, _ in read:
        if stock >= 0:
            used[stock] = used.get(stock, 0) + 1
    for stock, k in sorted(used.items()):
        limit = job.stock[stock].count
        if limit is not None and k > limit:
            report(f"stock {stock}: {k} sheets used, but only {limit} in stock")
    for s, (stock, pieces) in enumerate(read):
        if stock < 0 or not pieces:
            continue
        close = _kerf_overlaps(pieces, job.kerf)
        for a, b in close[:3]:
            what = "overlap" if job.kerf == 0 else f"are less than the kerf {job.kerf} apart"
            report(f"sheet {s}: items {a.item} at ({a.x0},{a.y0}) and {b.item} at ({b.x0},{b.y0}) {what}")
        if close or job.guillotine is None:
            continue
        cutting = _cut_sheet(job, stock, pieces)
        if cutting.failure is not None:
            g = job.guillotine
            limit_text = "unlimited stages" if g.stages is None else f"{g.stages} stages"
            report(f"sheet {s}: not cuttable with {limit_text}: {cutting.failure}")
    if hidden:
        messages.append(f"... and {hidden} more problem(s)")
    return messages


_SheetCut = tuple[int, str, int, tuple[int, int, int, int]]


def sheet_cuts(job: CuttingJob, stock: int, placements: Sequence[Any]) -> list[_SheetCut]:
    """The guillotine cuts of one checked sheet as ``(stage, orientation, position, region)``, in saw order."""
    pieces = [_Piece(r["item"], r["x"], r["y"], r["x"] + r["width"], r["y"] + r["height"]) for r in placements]
    cutting = _cut_sheet(job, stock, pieces)
    if cutting.failure is not None:
        raise ValueError(f"the sheet cannot be cut: {cutting.failure}")
    return cutting.cuts


def cut_sequence(job: CuttingJob, sheets: Sequence[Any]) -> list[Cut]:
    """The cuts a saw operator follows, sheet by sheet, for a plan that :func:`check_cutting_plan` accepts.

    Within a sheet: all the first-stage cuts of the trimmed sheet, in order along
    their axis; then each slab they made, in the same order, with its own cuts,
    depth first. Each row names the region it splits, so the plan can be replayed
    (each cut in a region left by the cuts before it). A job without guillotine
    rules has no cut sequence (ValueError); so has an infeasible plan.
    """
    if job.guillotine is None:
        raise ValueError("free placement has no guillotine cut sequence")
    rows = []
    for s, sheet in enumerate(sheets):
        for stage, orientation, position, (x0, y0, x1, y1) in sheet_cuts(job, sheet["stock"], sheet["items"]):
            rows.append(Cut(s, stage, orientation, position, x0, y0, x1, y1))
    return rows


def cut_sequence_csv(cuts: Sequence[Cut]) -> str:
    """The cut sequence as CSV text with a header row of :data:`CUT_COLUMNS` (for a saw operator's sheet)."""
    lines = [",".join(CUT_COLUMNS)]
    lines += [",".join(str(v) for v in cut) for cut in cuts]
    return "\n".join(lines) + "\n"
