"""What a tsp result shows in Python: the tour as a list of cities, and a picture on an Axes.

:class:`TourViews` is mixed into the result ``nnopt.solve`` returns for this
problem (the problem names it as its ``result_views``), so ``res.tour`` and
``res.plot()`` read the verified tour without the engine knowing what a city is.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["TourViews"]


class TourViews:
    """The tsp part of a solve result: ``tour`` and ``plot``.

    Mixed into the result, it reads the result's ``instance``, ``solution`` and ``objective``.
    """

    instance: Any
    solution: Any
    objective: float

    @property
    def tour(self) -> list[int]:
        """The cities in visiting order, 0-based, each once (the return to the first is implied)."""
        return [int(c) for c in self.solution.order.tolist()]

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the cities and the closed tour on ``ax`` (a new figure when None); returns the Axes.

        matplotlib is imported here, on first use, not with nnopt.
        """
        from nnopt.problems.tsp._render import draw_tour

        return draw_tour(self.instance, self.solution, ax, length=self.objective)
