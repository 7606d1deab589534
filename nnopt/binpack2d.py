"""2D bin packing from Python: build an instance, solve it, read and draw the placements.

::

    import nnopt

    inst = nnopt.binpack2d.Instance(bin=(10, 10), items=[(3, 7, 2), (4, 4)], rotation=False, name="demo")
    res = nnopt.solve(inst, time_limit=2)
    for p in res.placements:
        print(p.item, p.bin, p.x, p.y, p.width, p.height, p.rotated)
    res.plot()

:class:`Instance` validates exactly as the ``.json`` / ``.2bp`` loaders do; the
result of :func:`nnopt.solve` on a binpack2d instance is a :class:`Result`. A cutting
job (stock types, kerf, trims, guillotine stages; ``docs/cutting.md``) loads as a
:class:`CuttingInstance` (``nnopt.get_problem("binpack2d").load(mapping)``), and its
result is a :class:`CuttingResult`: ``placements``, ``sheets`` and ``plot(ax=None)``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from nnopt._results import result_class_for
from nnopt.problems.binpack2d import (
    BinPack2D,
    BinPackInstance,
    Instance,
    Packing,
    PackingViews,
    Placement,
    generate_instance,
    read_instance,
)
from nnopt.problems.binpack2d._cutting_instance import CuttingInstance
from nnopt.problems.binpack2d._cutting_views import CuttingViews

__all__ = ["BinPack2D", "BinPackInstance", "CuttingInstance", "CuttingResult", "Instance", "Packing", "Placement",
           "Result", "generate_instance", "read_instance"]

if TYPE_CHECKING:
    from nnopt._solve import SolveResult

    class Result(PackingViews, SolveResult):
        """What :func:`nnopt.solve` returns for a binpack2d instance: ``placements`` and ``plot(ax=None)``."""

    class CuttingResult(CuttingViews, SolveResult):
        """What :func:`nnopt.solve` returns for a cutting job: ``placements``, ``sheets`` and ``plot(ax=None)``."""
else:
    #: What :func:`nnopt.solve` returns for a binpack2d instance: ``placements`` and ``plot(ax=None)``.
    from nnopt._solve import SolveResult

    Result = result_class_for(PackingViews, SolveResult)
    #: What :func:`nnopt.solve` returns for a cutting job: ``placements``, ``sheets`` and ``plot(ax=None)``.
    CuttingResult = result_class_for(CuttingViews, SolveResult)
