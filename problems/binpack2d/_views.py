"""What a binpack2d result shows in Python: one record per placed item, and a picture on an Axes.

The solution object (:class:`Packing`) is a table built for the decoders and the
checker; a user reads placements. :class:`PackingViews` is mixed into the result
``nnopt.solve`` returns for this problem (the problem names it as its
``result_views``), so ``res.placements`` and ``res.plot()`` read the verified
solution without the engine knowing what a bin is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nnopt.problems.binpack2d._solution import Packing

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["PackingViews", "Placement", "placements"]


@dataclass(frozen=True)
class Placement:
    """Where one item went: ``bin`` (0, 1, ... in order of use, as in the solution file), the
    lower-left corner ``(x, y)``, the placed ``width`` x ``height``, and whether it was ``rotated``."""

    item: int
    bin: int
    x: int
    y: int
    width: int
    height: int
    rotated: bool


def placements(packing: Packing) -> list[Placement]:
    """One :class:`Placement` per row of ``packing``, bins renumbered 0.. in order of use (as the JSON's ``bins``)."""
    out: list[Placement] = []
    bins: dict[int, int] = {}
    for item, b, x, y, w, h, rot in packing.placements.tolist():
        out.append(Placement(item, bins.setdefault(b, len(bins)), x, y, w, h, bool(rot)))
    return out


class PackingViews:
    """The binpack2d part of a solve result: ``placements`` and ``plot``.

    Mixed into the result, it reads the result's ``instance`` and ``solution``.
    """

    instance: Any
    solution: Any

    @property
    def placements(self) -> list[Placement]:
        """Every item once, where the verified packing put it (a fresh list each time)."""
        return placements(self.solution)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw every bin side by side on ``ax`` (a new figure when None); returns the Axes.

        matplotlib is imported here, on first use, not with nnopt.
        """
        from nnopt.problems.binpack2d._render import draw_packing

        return draw_packing(self.instance, self.solution, ax)
