"""The tsp solution object and its JSON form.

A :class:`Tour` is the visiting order of the cities (0-based, each once in a
feasible tour; the return to the first city is implied). ``length`` is what
the producer of the tour (a decoder, a baseline) claims its length to be, or
``None``; the checker recomputes it and reports a difference. Parsing keeps a
malformed-but-well-typed tour (a city twice, one missing) so that the checker,
not the parser, says what is wrong with it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnopt.problems.base import SolutionError

__all__ = ["Tour", "tour_from_json", "tour_to_json"]

#: Longest tour list accepted from a file (far above any instance nnopt loads).
_MAX_TOUR = 1_000_000


@dataclass(frozen=True, eq=False)
class Tour:
    """A closed tour: ``order`` is a read-only int64 array of city indices."""

    order: np.ndarray
    length: float | None = None

    def __post_init__(self) -> None:
        arr = np.array(self.order, dtype=np.int64).reshape(-1)
        arr.setflags(write=False)
        object.__setattr__(self, "order", arr)

    def __len__(self) -> int:
        return int(self.order.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tour):
            return NotImplemented
        return np.array_equal(self.order, other.order)

    def __hash__(self) -> int:
        return hash(self.order.tobytes())


def tour_to_json(tour: Tour) -> dict[str, Any]:
    """``{"tour": [city, ...]}`` (0-based, in visiting order)."""
    return {"tour": [int(c) for c in tour.order.tolist()]}


def tour_from_json(data: Mapping[str, Any], *, source: str = "solution") -> Tour:
    """Parse the ``tour`` field of a solution object (other fields are ignored)."""
    if not isinstance(data, Mapping):
        raise SolutionError(f"{source}: expected a JSON object, got {type(data).__name__}")
    if "tour" not in data:
        raise SolutionError(f"{source}: missing field 'tour'")
    tour = data["tour"]
    if not isinstance(tour, list):
        raise SolutionError(f"{source}: field 'tour' must be a list of city indices, got {type(tour).__name__}")
    if len(tour) > _MAX_TOUR:
        raise SolutionError(f"{source}: field 'tour' has {len(tour)} entries, above the limit of {_MAX_TOUR}")
    for k, city in enumerate(tour):
        if isinstance(city, bool) or not isinstance(city, int):
            raise SolutionError(f"{source}: tour[{k}] must be an integer city index, got {city!r}")
        if abs(city) > 2**62:
            raise SolutionError(f"{source}: tour[{k}] is out of range: {city!r}")
    return Tour(np.array(tour, dtype=np.int64))
