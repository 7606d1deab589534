"""The travelling salesman from Python: build an instance from coordinates, solve it, read and draw the tour.

::

    import nnopt

    res = nnopt.solve(nnopt.tsp.Instance(coords=[(0, 0), (3, 0), (3, 4)]), time_limit=1)
    print(res.tour, res.objective)
    res.plot()

:class:`Instance` validates exactly as the ``.json`` / TSPLIB ``.tsp`` loaders
do; the result of :func:`nnopt.solve` on a tsp instance is a :class:`Result`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from nnopt._results import result_class_for
from nnopt.problems.tsp import TSP, Instance, Tour, TourViews, TSPInstance, generate_instance, read_instance

__all__ = ["TSP", "Instance", "Result", "TSPInstance", "Tour", "generate_instance", "read_instance"]

if TYPE_CHECKING:
    from nnopt._solve import SolveResult

    class Result(TourViews, SolveResult):
        """What :func:`nnopt.solve` returns for a tsp instance: ``tour`` and ``plot(ax=None)``."""
else:
    #: What :func:`nnopt.solve` returns for a tsp instance: ``tour`` and ``plot(ax=None)``.
    from nnopt._solve import SolveResult

    Result = result_class_for(TourViews, SolveResult)
