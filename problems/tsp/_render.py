"""Pictures of a tour, as PNG or SVG.

The cities as dots, the tour as one closed line, the start city marked, and a
title with the instance name, the number of cities and the length. Only
matplotlib's object API is used (``Figure`` + the Agg canvas), never
``pyplot``: no global figure registry or backend switch that could disturb other
code in the same process. Files are written atomically (a temporary file in the
same folder, then a rename), so a reader never sees half a picture.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nnopt.problems._files import save_figure
from nnopt.problems.tsp._instance import TSPInstance
from nnopt.problems.tsp._solution import Tour

__all__ = ["SUFFIXES", "draw_tour", "render_tour"]

#: File suffixes render_tour writes, and matplotlib's format name for each.
SUFFIXES = {".png": "png", ".svg": "svg"}

_FIG_IN = 7.0  # longer side of the drawing, inches
_DPI = 110


def render_tour(inst: TSPInstance, tour: Tour, path: str | Path, *, length: float | None = None,
                title: str | None = None) -> None:
    """Draw ``tour`` of ``inst`` to ``path`` (``.png`` or ``.svg``, by suffix).

    ``length`` is shown in the title when given. Cities the tour does not list
    (an infeasible tour from another tool) are drawn too, so the picture shows
    what is missing.
    """
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unsupported picture format {path.suffix or '(no suffix)'!r}; "
                         f"use one of {', '.join(SUFFIXES)}")
    save_figure(_draw(inst, tour, length, title), path, fmt)


def _draw(inst: TSPInstance, tour: Tour, length: float | None, title: str | None) -> Figure:
    xy = inst.coords
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    aspect = float(np.clip(span[1] / span[0], 0.25, 4.0))
    width, height = (_FIG_IN, _FIG_IN * aspect) if aspect <= 1 else (_FIG_IN / aspect, _FIG_IN)
    fig = Figure(figsize=(max(width, 3.0), max(height, 3.0) + 0.6), dpi=_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.04, 0.03, 0.92, 0.86))
    _draw_tour_on(ax, inst, tour)
    fig.suptitle(_title(inst, length, title), fontsize=11)
    return fig


def draw_tour(inst: TSPInstance, tour: Tour, ax: Axes | None = None, *, length: float | None = None,
              title: str | None = None) -> Axes:
    """Draw ``tour`` of ``inst`` on ``ax`` (a new figure when None) and return the Axes.

    The same picture as :func:`render_tour` inside the caller's Axes, for
    notebooks and composed figures. Without ``ax`` it asks ``pyplot`` for a
    figure, as a plotting call in a notebook is expected to; files go through
    :func:`render_tour`.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 6))
    _draw_tour_on(ax, inst, tour)
    ax.set_title(_title(inst, length, title), fontsize=11)
    return ax


def _title(inst: TSPInstance, length: float | None, title: str | None) -> str:
    name = title if title is not None else inst.name
    facts = f"{inst.n} cities"
    if length is not None:
        facts += f", length {length:g}" + (" (TSPLIB rounded distances)" if inst.rounded else "")
    return f"{name}\n{facts}"


def _draw_tour_on(ax: Axes, inst: TSPInstance, tour: Tour) -> None:
    xy = inst.coords
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    n = inst.n
    dot = float(np.clip(300.0 / np.sqrt(n), 2.0, 40.0))
    order = [c for c in tour.order.tolist() if 0 <= c < n]
    if order:
        closed = np.array(order + order[:1])
        ax.plot(xy[closed, 0], xy[closed, 1], color="#1f77b4", linewidth=max(0.5, min(1.6, 40 / np.sqrt(n))),
                zorder=1)
        ax.scatter([xy[order[0], 0]], [xy[order[0], 1]], s=dot * 4, color="#d62728", zorder=3,
                   label="start")
    ax.scatter(xy[:, 0], xy[:, 1], s=dot, color="#222222", zorder=2)
    if n <= 30:
        for i, (x, y) in enumerate(xy.tolist()):
            ax.annotate(str(i), (x, y), textcoords="offset points", xytext=(3, 3), fontsize=8)
