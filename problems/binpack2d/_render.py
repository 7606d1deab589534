"""Pictures of a 2D packing, as PNG or SVG.

A picture is how a person checks at a glance that a packing is sensible (where
the waste is, which bins are nearly empty), so it must stay readable from three
bins to several hundred: bins are laid out in a grid inside one set of axes
(one patch collection, not one axes per bin, so hundreds of bins stay fast), the
figure size is capped, and labels are drawn only where they fit.

Only matplotlib's object API is used (``Figure`` + the Agg canvas), never
``pyplot``: no global figure registry or backend switch that could disturb
other code in the same process. Files are written atomically.
"""
from __future__ import annotations

import colorsys
import math
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from nnopt.problems._files import save_figure
from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._solution import BIN, ITEM, H, Packing, W, X, Y

__all__ = ["draw_packing", "render_packing", "SUFFIXES"]

#: File suffixes render_packing writes, and matplotlib's format name for each.
SUFFIXES = {".png": "png", ".svg": "svg"}

_MAX_FIG_IN = 22.0  # cap on figure width and height, inches
_BIN_IN = 2.6  # preferred drawn size of a bin's longer side, inches
_DPI = 110
_GAP = 0.12  # gap between bins, as a fraction of the bin's longer side
_LABEL_ROOM = 0.16  # room above each bin for its caption, same unit
_TITLE_IN = 0.65  # band above the bins for the two-line title, inches
_EDGE = "#222222"
_MISSING = "#bbbbbb"  # colour for an item id the instance does not have


def _palette(k: int) -> list[tuple[float, float, float]]:
    """``k`` distinct light colours, so that dark edges and black text stay readable.

    Up to 20 keys use matplotlib's qualitative ``tab20``; beyond that, hues
    spaced by the golden ratio keep neighbouring keys far apart in hue.
    """
    if k <= 20:
        cmap = matplotlib.colormaps["tab20"]
        # Light shades first (odd indices of tab20), then the stronger ones.
        order = list(range(1, 20, 2)) + list(range(0, 20, 2))
        return [cmap(i)[:3] for i in order[:k]]
    golden = 0.618033988749895
    out = []
    for i in range(k):
        hue = (i * golden) % 1.0
        light = 0.72 + 0.10 * ((i // 7) % 2)
        out.append(colorsys.hls_to_rgb(hue, light, 0.65))
    return out


def _item_colours(inst: BinPackInstance, items: np.ndarray) -> list[tuple[float, float, float]]:
    """Colour per placed item, keyed by its item *type* (the same size gets the
    same colour whatever its orientation), which makes repeated shapes easy to spot."""
    n = inst.n
    w = np.asarray(inst.widths)
    h = np.asarray(inst.heights)
    sizes = np.stack([np.minimum(w, h), np.maximum(w, h)], axis=1)
    _, type_of = np.unique(sizes, axis=0, return_inverse=True)
    type_of = type_of.reshape(-1)
    palette = _palette(int(type_of.max()) + 1 if n else 0)
    return [palette[type_of[i]] if 0 <= i < n else _hex_rgb(_MISSING) for i in items.tolist()]


def _hex_rgb(code: str) -> tuple[float, float, float]:
    return tuple(int(code[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def _grid(num_bins: int, bw: int, bh: int) -> int:
    """Columns of the bin grid: aims at a roughly 3:2 landscape picture."""
    if num_bins <= 1:
        return 1
    cell_aspect = (bw * (1 + _GAP)) / (bh * (1 + _GAP + _LABEL_ROOM))
    cols = math.ceil(math.sqrt(num_bins * 1.5 / cell_aspect))
    return max(1, min(num_bins, cols))


def render_packing(
    inst: BinPackInstance,
    packing: Packing,
    path: str | Path,
    *,
    title: str | None = None,
) -> None:
    """Draw ``packing`` of ``inst`` to ``path`` (``.png`` or ``.svg``, by suffix).

    Each bin is outlined and captioned with its number and fill percentage;
    items are filled rectangles labelled with their id where large enough.
    The title shows ``title`` (default: the instance name) and the bins used.
    The file is written to a temporary name in the same folder and then moved
    into place, so a reader never sees half a picture.
    """
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"{path}: unsupported picture format {path.suffix or '(no suffix)'!r}; "
            f"use one of {', '.join(SUFFIXES)}"
        )
    fig = _draw(inst, packing, title)
    save_figure(fig, path, fmt)


def _draw(inst: BinPackInstance, packing: Packing, title: str | None) -> Figure:
    rows = packing.placements
    bw, bh = inst.bin_width, inst.bin_height
    side = max(bw, bh)
    num_bins = int(np.unique(rows[:, BIN]).size)
    cols, span_w, span_h = _spans(num_bins, bw, bh)
    gap = _GAP * side

    # Figure size: preferred inches per bin, shrunk uniformly to fit the cap.
    scale = _BIN_IN / side  # inches per data unit
    scale = min(scale, _MAX_FIG_IN / span_w, (_MAX_FIG_IN - _TITLE_IN) / span_h)
    fig_w = max(span_w * scale, 4.0)
    fig_h = span_h * scale + _TITLE_IN
    fig = Figure(figsize=(fig_w, fig_h), dpi=_DPI)
    FigureCanvasAgg(fig)
    top = 1 - _TITLE_IN / fig_h
    ax = fig.add_axes((0.0, 0.0, 1.0, top))
    ax.set_axis_off()
    ax.set_xlim(-gap / 2, -gap / 2 + max(span_w, fig_w / scale))
    ax.set_ylim(-span_h + gap / 2, gap / 2)
    ax.set_aspect("equal", adjustable="datalim")
    _draw_bins(ax, inst, packing, cols, scale * 72)
    fig.suptitle(_title(inst, packing, title), fontsize=11, y=1 - 0.06 / fig_h, va="top")
    return fig


def draw_packing(inst: BinPackInstance, packing: Packing, ax: Axes | None = None, *,
                 title: str | None = None) -> Axes:
    """Draw ``packing`` of ``inst`` on ``ax`` (a new figure when None) and return the Axes.

    The same picture as :func:`render_packing` (bins side by side in rows,
    captions, item ids where they fit) inside the caller's Axes, for notebooks and
    composed figures. Without ``ax`` it asks ``pyplot`` for a figure, as a plotting
    call in a notebook is expected to; files go through :func:`render_packing`.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 6))
    rows = packing.placements
    bw, bh = inst.bin_width, inst.bin_height
    gap = _GAP * max(bw, bh)
    cols, span_w, span_h = _spans(int(np.unique(rows[:, BIN]).size), bw, bh)
    ax.set_axis_off()
    ax.set_xlim(-gap / 2, -gap / 2 + span_w)
    ax.set_ylim(-span_h + gap / 2, gap / 2)
    ax.set_aspect("equal", adjustable="box")  # the caller's Axes shrinks to the bins, its limits stay
    box = ax.get_position()  # the Axes' share of its figure: its size in inches sets the font sizes
    figure: Any = ax.figure  # the figure holding the Axes (its size is in inches)
    width_in = box.width * figure.get_figwidth()
    height_in = box.height * figure.get_figheight()
    _draw_bins(ax, inst, packing, cols, 72 * min(width_in / span_w, height_in / span_h))
    ax.set_title(_title(inst, packing, title), fontsize=11)
    return ax


def _spans(num_bins: int, bw: int, bh: int) -> tuple[int, float, float]:
    """Columns of the bin grid, and its width and height in data units."""
    side = max(bw, bh)
    cols = _grid(max(num_bins, 1), bw, bh)
    grid_rows = max(1, math.ceil(num_bins / cols))
    gap = _GAP * side
    return cols, cols * (bw + gap), grid_rows * (bh + _LABEL_ROOM * side + gap)


def _title(inst: BinPackInstance, packing: Packing, title: str | None) -> str:
    rows = packing.placements
    num_bins = int(np.unique(rows[:, BIN]).size)
    name = title if title is not None else inst.name
    used = f"{num_bins} bin{'s' if num_bins != 1 else ''}, {rows.shape[0]} items"
    if inst.allow_rotation:
        used += f", {int(rows[:, 6].sum())} rotated"
    return f"{name}\n{used}"


def _draw_bins(ax: Axes, inst: BinPackInstance, packing: Packing, cols: int, pt_per_unit: float) -> None:
    """Bins laid out in ``cols`` columns, row 0 at the top; text sized by ``pt_per_unit`` (points per data unit)."""
    rows = packing.placements
    bw, bh = inst.bin_width, inst.bin_height
    side = max(bw, bh)
    bins = np.unique(rows[:, BIN])
    gap = _GAP * side
    room = _LABEL_ROOM * side
    cell_w = bw + gap
    cell_h = bh + room + gap

    # Where each bin's lower-left corner goes (row 0 at the top).
    origin: dict[int, tuple[float, float]] = {}
    for k, b in enumerate(bins.tolist()):
        r, c = divmod(k, cols)
        origin[b] = (c * cell_w, -(r + 1) * cell_h + gap)

    ox = np.array([origin[b][0] for b in rows[:, BIN].tolist()], dtype=float)
    oy = np.array([origin[b][1] for b in rows[:, BIN].tolist()], dtype=float)
    colours = _item_colours(inst, rows[:, ITEM])
    line = max(0.2, min(0.8, 0.02 * pt_per_unit * side / 10))
    items = PatchCollection(
        [Rectangle((x0 + r[X], y0 + r[Y]), r[W], r[H]) for x0, y0, r in zip(ox, oy, rows)],
        facecolors=colours,
        edgecolors=_EDGE,
        linewidths=line,
    )
    ax.add_collection(items)
    outlines = PatchCollection(
        [Rectangle(origin[b], bw, bh) for b in bins.tolist()],
        facecolors="none",
        edgecolors="black",
        linewidths=line * 2,
    )
    ax.add_collection(outlines)

    # Captions: bin number and fill, sized to the room above the bin.
    areas = rows[:, W] * rows[:, H]
    cap_pt = min(11.0, 0.6 * room * pt_per_unit, bw * pt_per_unit / 9)
    if cap_pt >= 3.0:
        for b in bins.tolist():
            fill = areas[rows[:, BIN] == b].sum() / inst.bin_area
            x0, y0 = origin[b]
            ax.text(
                x0, y0 + bh + room * 0.25, f"bin {b} · {100 * fill:.0f}%",
                fontsize=cap_pt, ha="left", va="bottom", color="black",
            )

    # Item ids where the rectangle is big enough for a legible number.
    for x0, y0, r in zip(ox, oy, rows):
        label = str(int(r[ITEM]))
        w_pt, h_pt = r[W] * pt_per_unit, r[H] * pt_per_unit
        size = min(12.0, 0.55 * h_pt, 0.85 * w_pt / (0.62 * len(label)))
        if size >= 5.0:
            ax.text(
                x0 + r[X] + r[W] / 2, y0 + r[Y] + r[H] / 2, label,
                fontsize=size, ha="center", va="center", color="black",
            )
