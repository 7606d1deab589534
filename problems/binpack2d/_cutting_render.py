"""Pictures of a cutting plan for the shop: every sheet to scale, pieces labelled, trims, kerf and waste shown.

A cutting plan goes to the saw on paper, so the picture says what the person
cutting needs: which stock sheet (name and size), each piece's name and size
where it lies, the trimmed edges (hatched), the waste (grey), the saw cuts as
bands as wide as the blade (guillotine jobs), and how much of each sheet the
pieces use. PDF, SVG or PNG, chosen by the file's suffix; matplotlib's object
API only (no ``pyplot``), written atomically.
"""
from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from nnopt.problems._files import atomic_write_bytes, save_figure
from nnopt.problems.binpack2d._cutting_checker import cut_sequence
from nnopt.problems.binpack2d._cutting_spec import CuttingJob

__all__ = ["PLAN_SUFFIXES", "render_cutting_plan"]

#: File suffixes :func:`render_cutting_plan` writes, and matplotlib's format name for each.
PLAN_SUFFIXES = {".pdf": "pdf", ".svg": "svg", ".png": "png"}

_MAX_FIG_IN = 24.0
_SHEET_IN = 4.0  # preferred drawn size of the largest sheet's longer side, inches
_DPI = 110
_GAP = 0.10
_CAPTION = 0.12
_TITLE_IN = 0.7
_WASTE = "#d9d9d9"
_TRIM = "#9e9e9e"
_CUT = "#c0392b"


def _colours(k: int) -> list[tuple[float, ...]]:
    cmap = matplotlib.colormaps["tab20"]
    order = list(range(1, 20, 2)) + list(range(0, 20, 2))
    return [cmap(order[i % 20])[:3] for i in range(k)]


def render_cutting_plan(job: CuttingJob, plan: list[dict[str, Any]], path: str | Path, *,
                        title: str | None = None) -> None:
    """Draw ``plan`` (a plan :func:`check_cutting_plan` accepts) to ``path`` (``.pdf``, ``.svg`` or ``.png``)."""
    path = Path(path)
    fmt = PLAN_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unsupported picture format {path.suffix or '(no suffix)'!r}; "
                         f"use one of {', '.join(PLAN_SUFFIXES)}")
    fig = _draw(job, plan, title)
    if fmt != "pdf":
        save_figure(fig, path, fmt)
        return
    # PDF without its creation date, so that the same plan gives the same bytes (as SVG does)
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", metadata={"CreationDate": None})
    atomic_write_bytes(path, buf.getvalue())


def _draw(job: CuttingJob, plan: list[dict[str, Any]], title: str | None) -> Figure:
    sizes = [(job.stock[s["stock"]].width, job.stock[s["stock"]].height) for s in plan] or [(1, 1)]
    cw, ch = max(w for w, _ in sizes), max(h for _, h in sizes)
    side = max(cw, ch)
    cols = max(1, min(len(plan), math.ceil(math.sqrt(max(len(plan), 1) * 1.5 * ch / cw))))
    rows = max(1, math.ceil(len(plan) / cols))
    cell_w, cell_h = cw + _GAP * side, ch + (_GAP + _CAPTION) * side
    scale = min(_SHEET_IN / side, _MAX_FIG_IN / (cols * cell_w), (_MAX_FIG_IN - _TITLE_IN) / (rows * cell_h))
    fig_w, fig_h = max(cols * cell_w * scale, 4.0), rows * cell_h * scale + _TITLE_IN
    fig = Figure(figsize=(fig_w, fig_h), dpi=_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1 - _TITLE_IN / fig_h))
    ax.set_axis_off()
    ax.set_xlim(-_GAP * side / 2, max(cols * cell_w, fig_w / scale) - _GAP * side / 2)
    ax.set_ylim(-rows * cell_h + _GAP * side / 2, _GAP * side / 2)
    ax.set_aspect("equal", adjustable="datalim")
    pt = scale * 72  # points per length unit

    kinds = job.piece_of_item()
    palette = _colours(len(job.pieces))
    cuts = cut_sequence(job, plan) if job.guillotine is not None and plan else []
    t = job.trim
    line = 0.4
    for k, sheet in enumerate(plan):
        stock = job.stock[sheet["stock"]]
        r, c = divmod(k, cols)
        ox, oy = c * cell_w, -(r + 1) * cell_h + _GAP * side
        ux0, uy0, ux1, uy1 = job.usable(sheet["stock"])
        ax.add_patch(Rectangle((ox, oy), stock.width, stock.height, facecolor="white", edgecolor=_TRIM,
                               hatch="////", linewidth=0, zorder=0))  # the trims: hatched where not covered
        ax.add_patch(Rectangle((ox + ux0, oy + uy0), ux1 - ux0, uy1 - uy0, facecolor=_WASTE, edgecolor="none",
                               zorder=1))
        pieces = sheet["items"]
        ax.add_collection(PatchCollection(
            [Rectangle((ox + p["x"], oy + p["y"]), p["width"], p["height"]) for p in pieces],
            facecolors=[palette[kinds[p["item"]]] for p in pieces], edgecolors="#222222", linewidths=line,
            zorder=3))
        bands = [cut for cut in cuts if cut.sheet == k]
        if bands:
            width = max(job.kerf, side / 2000)
            rects = []
            for cut in bands:
                if cut.orientation == "vertical":
                    lo, hi = max(cut.position, cut.x0), min(cut.position + width, cut.x1)
                    rects.append(Rectangle((ox + lo, oy + cut.y0), hi - lo, cut.y1 - cut.y0))
                else:
                    lo, hi = max(cut.position, cut.y0), min(cut.position + width, cut.y1)
                    rects.append(Rectangle((ox + cut.x0, oy + lo), cut.x1 - cut.x0, hi - lo))
            ax.add_collection(PatchCollection(rects, facecolors=_CUT, edgecolors="none", alpha=0.8, zorder=2))
        ax.add_patch(Rectangle((ox, oy), stock.width, stock.height, facecolor="none", edgecolor="black",
                               linewidth=line * 2, zorder=4))
        for p in pieces:
            piece = job.pieces[kinds[p["item"]]]
            size = f"{p['width']}×{p['height']}"
            label = f"{piece.name}\n{size}" if piece.name else size
            lines = label.split("\n")
            font = min(10.0, 0.8 * p["height"] * pt / (1.3 * len(lines)),
                       0.9 * p["width"] * pt / (0.6 * max(len(s) for s in lines)))
            if font >= 4.0:
                ax.text(ox + p["x"] + p["width"] / 2, oy + p["y"] + p["height"] / 2, label, fontsize=font,
                        ha="center", va="center", zorder=5)
        used = sum(p["width"] * p["height"] for p in pieces) / (stock.width * stock.height)
        name = f"{stock.name} " if stock.name else ""
        caption = f"sheet {k + 1} · {name}{stock.width}×{stock.height} · use {100 * used:.1f}%"
        font = min(11.0, 0.5 * _CAPTION * side * pt, stock.width * pt / (0.6 * len(caption)))
        if font >= 3.0:
            ax.text(ox, oy + stock.height + 0.2 * _CAPTION * side, caption, fontsize=font, ha="left",
                    va="bottom")
    n_sheets = len(plan)
    cost = (f"{n_sheets} sheet{'s' if n_sheets != 1 else ''}" if job.counts_sheets else
            f"{n_sheets} sheet{'s' if n_sheets != 1 else ''}, cost "
            f"{sum(job.stock[s['stock']].unit_cost for s in plan):g}")
    rules = []
    if job.guillotine is not None:
        g = job.guillotine
        rules.append(f"{'unlimited' if g.stages is None else g.stages}-stage {'exact' if g.exact else 'non-exact'} "
                     f"guillotine, first cut {g.first_cut}")
    if job.kerf:
        rules.append(f"kerf {job.kerf}")
    if t.left or t.right or t.bottom or t.top:
        rules.append(f"trims {t.left}/{t.right}/{t.bottom}/{t.top}")
    subtitle = cost + (" · " + ", ".join(rules) if rules else "")
    fig.suptitle(f"{title if title is not None else job.name}\n{subtitle}", fontsize=11, y=1 - 0.06 / fig_h,
                 va="top")
    return fig
