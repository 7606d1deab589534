"""Building a tsp instance in Python, validated exactly as a file is.

``Instance(coords=[(0, 0), (3, 0), (3, 4)], name="triangle")`` turns its
arguments into the JSON form of design.md and hands that to the file loader
(:func:`parse_instance`): one set of rules and one set of messages, whether an
instance comes from a file or from code. The builder only reshapes Python values
(tuples and NumPy rows into ``[x, y]`` lists); every judgement of a value is the
loader's.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any

import numpy as np

from nnopt.problems.tsp._instance import TSPInstance, parse_instance

__all__ = ["Instance", "instance_json"]

#: What an error about an instance built in Python names as its source (a file loader names the file).
SOURCE = "tsp.Instance"
#: The name of an instance built without one (as the loader names a nameless JSON instance).
DEFAULT_NAME = "instance"


def _pair(value: Any) -> Any:
    """A city as the JSON's ``[x, y]`` list; anything else goes on as it is, for the loader to name."""
    if isinstance(value, (tuple, list, np.ndarray)):
        return [v.item() if isinstance(v, np.generic) else v for v in value]
    return value


def _coords_json(coords: Any) -> Any:
    if isinstance(coords, np.ndarray):
        return [_pair(row) for row in coords] if coords.ndim == 2 else coords.tolist()
    if isinstance(coords, (str, bytes, Mapping)) or not isinstance(coords, Iterable):
        return coords  # not a list of cities: the loader says what it is
    return [_pair(c) for c in coords]


def instance_json(*, coords: Any, name: Any = None, distance: Any = "euclidean", meta: Any = None) -> dict[str, Any]:
    """The JSON form (as in a ``.json`` instance file) of the builder's arguments, not yet validated."""
    data: dict[str, Any] = {
        "problem": "tsp",
        "name": DEFAULT_NAME if name is None else name,
        "coords": _coords_json(coords),
        "distance": distance,
    }
    if meta is not None:
        data["meta"] = meta
    return data


class Instance(TSPInstance):
    """A tsp instance built in Python; it is a :class:`TSPInstance` and works wherever one does.

    ``coords`` is a sequence of ``(x, y)`` pairs (or an ``(n, 2)`` array), one per
    city, at least 3; ``distance`` is ``"euclidean"`` (real lengths) or
    ``"euc_2d"`` (TSPLIB's rounded lengths); ``meta`` is free-form JSON kept with
    the instance. Anything the file loader would refuse raises the same
    :class:`~nnopt.problems.InstanceError`, naming the city and the value.
    """

    def __init__(self, coords: Any, *, name: str | None = None, distance: str = "euclidean",
                 meta: Any = None) -> None:
        loaded = parse_instance(instance_json(coords=coords, name=name, distance=distance, meta=meta),
                                source=SOURCE)
        super().__init__(**{f.name: getattr(loaded, f.name) for f in fields(TSPInstance) if f.init})

    def __repr__(self) -> str:
        return f"Instance(coords=<{self.n} cities>, name={self.name!r}, distance={self.distance!r})"
