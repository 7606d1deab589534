"""What a cutting-plan result shows in Python: placements per sheet, the sheets' stock, a picture on an Axes.

Mixed into the result ``nnopt.solve`` returns for a cutting job (the cutting
problem names it as its ``result_views``), as :class:`._views.PackingViews` is for
the classic instance: ``res.placements`` lists every piece with its sheet
(``bin``, 0.. in plan order), ``res.sheets`` the stock type of each sheet, and
``res.plot()`` draws the sheets side by side.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nnopt.problems.binpack2d._views import Placement

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CuttingViews"]

#: Gap between two drawn sheets, as a fraction of the widest sheet.
_GAP = 0.05


class CuttingViews:
    """The cutting part of a solve result: ``placements``, ``sheets`` and ``plot``."""

    instance: Any
    solution: Any

    @property
    def placements(self) -> list[Placement]:
        """Every piece once, with the sheet (``bin``) it is cut from, in item order."""
        out = [Placement(p["item"], k, p["x"], p["y"], p["width"], p["height"], p["rotated"])
               for k, sheet in enumerate(self.solution.sheets) for p in sheet["items"]]
        return sorted(out, key=lambda p: p.item)

    @property
    def sheets(self) -> list[int]:
        """The stock type (index into the job's ``bins``) of each sheet of the plan, in plan order."""
        return [sheet["stock"] for sheet in self.solution.sheets]

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw every sheet side by side on ``ax`` (a new figure when None), trims hatched; returns the Axes."""
        import matplotlib.pyplot as plt
        from matplotlib.patches import Rectangle

        job = self.instance.job
        if ax is None:
            _, ax = plt.subplots()
        gap = _GAP * max(s.width for s in job.stock)
        left = 0.0
        for sheet in self.solution.sheets:
            stock = job.stock[sheet["stock"]]
            x0, y0, x1, y1 = job.usable(sheet["stock"])
            ax.add_patch(Rectangle((left, 0), stock.width, stock.height, facecolor="white", edgecolor="black",
                                   hatch="////"))
            ax.add_patch(Rectangle((left + x0, y0), x1 - x0, y1 - y0, facecolor="#eeeeee", edgecolor="none"))
            for p in sheet["items"]:
                ax.add_patch(Rectangle((left + p["x"], p["y"]), p["width"], p["height"], facecolor="#7fb3d5",
                                       edgecolor="#222222", linewidth=0.5))
            left += stock.width + gap
        ax.set_xlim(0, max(left - gap, 1))
        ax.set_ylim(0, max(s.height for s in job.stock))
        ax.set_aspect("equal")
        return ax
