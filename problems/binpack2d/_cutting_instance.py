"""A cutting job as a binpack2d instance, and the loader that tells a cutting job from a classic instance.

A binpack2d file may describe the textbook instance (one ``"bin"``, plain items)
or a shop's cutting job (stock types, kerf, trims, guillotine stages, per-piece
rotation and names; see :mod:`._cutting_spec`). Both are binpack2d instances:
:func:`load_binpack` reads a mapping as the classic :class:`BinPackInstance`
whenever the classic form can say everything it says (so classic results stay
exactly as they were), and as a :class:`CuttingInstance` otherwise. The problem
object that judges a :class:`CuttingInstance` is
:class:`nnopt.problems.binpack2d._cutting_problem.CuttingPlans`, which
``BinPack2D.for_instance`` hands out.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from nnopt.problems.binpack2d._cutting_spec import CuttingJob, classic_json, cutting_to_json, parse_cutting
from nnopt.problems.binpack2d._instance import BinPackInstance, parse_instance

__all__ = ["CuttingInstance", "is_cutting_mapping", "load_binpack"]

#: Top-level fields only a cutting job has.
_CUTTING_FIELDS = ("bins", "kerf", "trim", "guillotine")
#: Item fields only a cutting job has.
_CUTTING_ITEM_FIELDS = ("rotation", "name")


@dataclass(frozen=True)
class CuttingInstance:
    """An immutable cutting job seen as a binpack2d instance (compared by value).

    ``job`` is the validated :class:`CuttingJob`; ``name``, ``n`` (items, counts
    expanded), ``widths`` and ``heights`` (per item, as listed) are what tables and
    the engine read of any binpack2d instance.
    """

    job: CuttingJob

    #: Instances of this type are solved as binpack2d (``nnopt.solve`` reads it).
    problem_name: ClassVar[str] = "binpack2d"

    @property
    def name(self) -> str:
        return self.job.name

    @property
    def n(self) -> int:
        return self.job.n

    @property
    def widths(self) -> np.ndarray:
        return self.job.item_arrays()[0]

    @property
    def heights(self) -> np.ndarray:
        return self.job.item_arrays()[1]

    @property
    def allow_rotation(self) -> bool:
        return self.job.allow_rotation

    @property
    def meta(self) -> Any:
        return self.job.meta

    def to_json(self) -> dict[str, Any]:
        return cutting_to_json(self.job)


def is_cutting_mapping(data: Any) -> bool:
    """Whether ``data`` uses a field only a cutting job has (stock types, kerf, trims, guillotine
    rules, or a piece's own rotation or name)."""
    if not isinstance(data, Mapping):
        return False
    if any(key in data for key in _CUTTING_FIELDS):
        return True
    items = data.get("items")
    return isinstance(items, list) and any(
        isinstance(item, Mapping) and any(key in item for key in _CUTTING_ITEM_FIELDS) for item in items)


def load_binpack(data: Any, source: str = "instance") -> BinPackInstance | CuttingInstance:
    """A binpack2d instance from a parsed JSON object: the classic instance when the classic form
    says it all (one unlimited stock type without cost, free placement, no kerf, trims or piece
    flags), else a :class:`CuttingInstance`. One-line ``InstanceError`` naming the field on bad input."""
    if not is_cutting_mapping(data):
        return parse_instance(data, source=source)
    job = parse_cutting(data, source)
    if job.is_classic:
        return parse_instance(classic_json(job), source=source)
    return CuttingInstance(job)
