"""A simple feasible cutting plan: shelves (strips, stacks, pieces) filled first-fit decreasing.

This is the constructor every cutting job can start from: quick, always within
the job's rules, and good enough to be a baseline. The sheet is cut in three
stages: strips across the sheet (their height set by the tallest piece, which
opens the strip), stacks side by side in a strip (their width set by the piece
that opens the stack), pieces on top of each other in a stack; for non-exact
cuts a piece narrower than its stack is trimmed by a fourth cut. The rules of
the job shape it:

- two stages: one piece per stack (trimmed to the strip's height when non-exact);
- exact cuts: a stack holds pieces of its own width only (three stages), a strip
  pieces of its own height only (two stages), so that no piece needs trimming;
- four stages or more, or unlimited: the non-exact three-stage shelves (the
  trimming cut is the fourth stage); free placement takes the same plan, whose
  cuts keep the kerf between pieces;
- ``first_cut`` vertical: the same shelves turned (columns, then stacks across),
  built on the transposed sheet; ``"any"``: both, the cheaper kept;
- pieces that may turn are laid flat, stood up, or left as listed: all three are
  built and the cheapest plan kept.

Sheets are opened one at a time: each stock type still in stock is filled from
the remaining pieces (tallest first), and the sheet that costs least per unit of
piece area it holds is kept. With limited stock this greedy choice can run out
of sheets where a plan exists; it then says so (:class:`StockExhausted`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nnopt.problems.binpack2d._cutting_spec import CuttingJob
from nnopt.problems.binpack2d._guillotine_decode import first_cut_ways
from nnopt.problems.errors import NnoptError

__all__ = ["StockExhausted", "plan_cost", "shelf_plan"]


class StockExhausted(NnoptError, ValueError):
    """The greedy shelves ran out of stock sheets with pieces left."""


@dataclass
class _Stack:
    x: int
    width: int
    top: int  # where the next piece would start (kerf included)


@dataclass
class _Strip:
    y: int
    height: int
    right: int  # where the next stack would start (kerf included)
    stacks: list[_Stack] = field(default_factory=list)


def _mode(job: CuttingJob) -> tuple[bool, bool]:
    """``(stacking, exact)``: whether stacks may hold several pieces, and whether pieces must fill their slots."""
    g = job.guillotine
    if g is None or g.stages is None or g.stages >= 4:
        return True, False
    return g.stages == 3, g.exact


_Shape = tuple[int, int, bool]


def _strip_space(job: CuttingJob, stock: int, transposed: bool) -> tuple[int, int, int, int]:
    """The trimmed sheet ``(x0, y0, x1, y1)`` in strip space (axes swapped when transposed)."""
    x0, y0, x1, y1 = job.usable(stock)
    return (y0, x0, y1, x1) if transposed else (x0, y0, x1, y1)


#: How a piece that may turn is turned: lying (longer side across the strip), standing, or as listed.
_POSES = ("lie", "stand", "listed")


def _shapes(job: CuttingJob, stock: int, kinds: list[int], transposed: bool, pose: str
            ) -> list[tuple[int, _Shape]]:
    """Every item that fits ``stock`` as ``(item, (width, height, rotated))`` in strip space, turned as
    ``pose`` says where it may, tallest first (the shelves' first-fit-decreasing order)."""
    x0, y0, x1, y1 = _strip_space(job, stock, transposed)
    width, height = x1 - x0, y1 - y0
    out = []
    for item, kind in enumerate(kinds):
        p = job.pieces[kind]
        w, h = (p.height, p.width) if transposed else (p.width, p.height)
        options = [(w, h, False)]
        if job.can_rotate(kind):
            options.append((h, w, True))
        options = [o for o in options if o[0] <= width and o[1] <= height]
        if options:
            if pose == "lie":
                out.append((item, max(options, key=lambda o: (o[0] >= o[1], -o[2]))))
            elif pose == "stand":
                out.append((item, max(options, key=lambda o: (o[1] >= o[0], -o[2]))))
            else:
                out.append((item, min(options, key=lambda o: o[2])))
    out.sort(key=lambda t: (-t[1][1], -t[1][0], t[0]))
    return out


def _fill_sheet(job: CuttingJob, stock: int, order: list[tuple[int, _Shape]], transposed: bool
                ) -> list[dict[str, Any]]:
    """Fill one sheet of ``stock`` from ``order`` (the pending items' shapes, tallest first); its placements."""
    x0, y0, x1, y1 = _strip_space(job, stock, transposed)
    width, height = x1 - x0, y1 - y0
    kerf = job.kerf
    stacking, exact = _mode(job)
    if not order:
        return []
    min_w = min(s[0] for _, s in order)
    min_h = order[-1][1][1]
    strips: list[_Strip] = []  # the strips that may still take a piece
    top = 0  # where the next strip would start
    placed: list[tuple[int, int, int, int, int, bool]] = []
    for item, (w, h, rotated) in order:
        spot = None
        for strip in strips:
            if stacking:
                for stack in strip.stacks:
                    fits_width = w == stack.width if exact else w <= stack.width
                    if fits_width and stack.top + h <= strip.height:
                        spot = (stack.x, strip.y + stack.top)
                        stack.top += h + kerf
                        if stack.top + min_h > strip.height:  # full: no later piece fits on it
                            strip.stacks.remove(stack)
                        break
            if spot is None and strip.right + w <= width and (h == strip.height if exact and not stacking
                                                              else h <= strip.height):
                spot = (strip.right, strip.y)
                if stacking and h + kerf + min_h <= strip.height:
                    strip.stacks.append(_Stack(strip.right, w, h + kerf))
                strip.right += w + kerf
            if spot is not None:
                if not strip.stacks and strip.right + min_w > width:
                    strips.remove(strip)
                break
        if spot is None and top + h <= height:
            # the strip's first piece sets its height: its own stack is full from the start
            strip = _Strip(top, h, w + kerf)
            if strip.right + min_w <= width:
                strips.append(strip)
            spot = (0, top)
            top += h + kerf
        if spot is not None:
            placed.append((item, spot[0], spot[1], w, h, rotated))
        elif not strips and top + min_h > height:
            break  # the sheet is full: nothing later can fit
    rows = []
    for item, x, y, w, h, rotated in placed:
        if transposed:
            x, y, w, h = y + y0, x + x0, h, w  # strip space (x, y) is sheet space (y, x)
        else:
            x, y = x + x0, y + y0
        rows.append({"item": item, "x": x, "y": y, "width": w, "height": h, "rotated": rotated})
    return sorted(rows, key=lambda r: r["item"])


def _plan(job: CuttingJob, transposed: bool, pose: str) -> list[dict[str, Any]]:
    kinds = job.piece_of_item()
    shapes = [_shapes(job, s, kinds, transposed, pose) for s in range(len(job.stock))]
    pending = set(range(len(kinds)))
    left_in_stock = [s.count for s in job.stock]
    plan: list[dict[str, Any]] = []
    while pending:
        best = None
        for s, stock in enumerate(job.stock):
            if left_in_stock[s] == 0:
                continue
            shapes[s] = [t for t in shapes[s] if t[0] in pending]
            rows = _fill_sheet(job, s, shapes[s], transposed)
            if not rows:
                continue
            area = sum(r["width"] * r["height"] for r in rows)
            key = (stock.unit_cost / area, -area, s)
            if best is None or key < best[0]:
                best = (key, s, rows)
        if best is None:
            rest = sorted(pending)
            raise StockExhausted(f"{job.name}: the stock ran out with {len(rest)} piece(s) left "
                                 f"(items {', '.join(map(str, rest[:8]))}{', ...' if len(rest) > 8 else ''})")
        _, s, rows = best
        pending.difference_update(r["item"] for r in rows)
        left = left_in_stock[s]
        if left is not None:
            left_in_stock[s] = left - 1
        plan.append({"stock": s, "items": rows})
    return plan


def plan_cost(job: CuttingJob, plan: list[dict[str, Any]]) -> float:
    """The objective of a plan: the sheets' total cost (their number, for one type without cost)."""
    if job.counts_sheets:
        return float(len(plan))
    return sum(job.stock[sheet["stock"]].unit_cost for sheet in plan)


def shelf_plan(job: CuttingJob) -> list[dict[str, Any]]:
    """A feasible plan for ``job`` (see the module docstring), as ``[{"stock", "items"}, ...]``.

    Raises :class:`StockExhausted` when limited stock runs out first.
    """
    layouts = first_cut_ways(job)
    turning = any(job.can_rotate(t) for t in range(len(job.pieces)))
    plans = []
    failure: StockExhausted | None = None
    for transposed in layouts:
        for pose in _POSES if turning else _POSES[:1]:
            try:
                plans.append(_plan(job, transposed, pose))
            except StockExhausted as exc:
                failure = exc
    if not plans:
        assert failure is not None
        raise failure
    return min(plans, key=lambda p: (plan_cost(job, p), len(p)))
