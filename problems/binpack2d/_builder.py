"""Building a binpack2d instance in Python, validated exactly as a file is.

``Instance(bin=(10, 10), items=[(3, 7, 2), (4, 4)], rotation=False, name="demo")``
turns its arguments into the JSON form of design.md and hands that to the file
loader (:func:`parse_instance`): one set of rules and one set of messages, whether
an instance comes from a file or from code. An item larger than the bin is refused
here, naming the item and its size, not discovered after a search.

The builder only reshapes Python values (tuples into the JSON's objects); every
judgement of a value is the loader's. A new instance field is one more keyword
mapped to its JSON key, and the loader validates it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any

import numpy as np

from nnopt.problems.base import InstanceError
from nnopt.problems.binpack2d._instance import BinPackInstance, parse_instance

__all__ = ["Instance", "instance_json"]

#: What an error about an instance built in Python names as its source (a file loader names the file).
SOURCE = "binpack2d.Instance"
#: The name of an instance built without one (as the loader names a nameless JSON instance).
DEFAULT_NAME = "instance"


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python number it holds (the loader judges Python values)."""
    return value.item() if isinstance(value, np.generic) else value


def _pair_or_mapping(value: Any) -> bool:
    return isinstance(value, (tuple, list, np.ndarray, Mapping))


def _bin_json(bin: Any) -> Any:
    if isinstance(bin, Mapping):
        return dict(bin)
    if _pair_or_mapping(bin) and len(bin) == 2:
        return {"width": _plain(bin[0]), "height": _plain(bin[1])}
    raise InstanceError(f"{SOURCE}: bin must be (width, height) or a mapping {{'width': W, 'height': H}}, "
                        f"got {bin!r}"[:300])


def _item_json(item: Any, k: int) -> Any:
    if isinstance(item, Mapping):
        return dict(item)
    if _pair_or_mapping(item) and len(item) in (2, 3):
        values = [_plain(v) for v in item]
        out = {"width": values[0], "height": values[1]}
        if len(values) == 3:
            out["count"] = values[2]
        return out
    raise InstanceError(f"{SOURCE}: items[{k}] must be (width, height), (width, height, count) or a mapping "
                        f"like a file's items, got {item!r}"[:300])


def _items_json(items: Any) -> Any:
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        return items  # not a list of items: the loader says what it is
    return [_item_json(item, k) for k, item in enumerate(items)]


def instance_json(*, bin: Any, items: Any, rotation: Any = False, name: Any = None,
                  meta: Any = None) -> dict[str, Any]:
    """The JSON form (as in a ``.json`` instance file) of the builder's arguments, not yet validated."""
    data: dict[str, Any] = {
        "problem": "binpack2d",
        "name": DEFAULT_NAME if name is None else name,
        "bin": _bin_json(bin),
        "items": _items_json(items),
        "allow_rotation": rotation,
    }
    if meta is not None:
        data["meta"] = meta
    return data


class Instance(BinPackInstance):
    """A binpack2d instance built in Python; it is a :class:`BinPackInstance` and works wherever one does.

    ``bin`` is ``(width, height)``; each entry of ``items`` is ``(width, height)``,
    ``(width, height, count)`` or a mapping like a JSON file's items
    (``{"width": 3, "height": 7, "count": 2}``); ``rotation`` allows turning items
    by 90 degrees; ``meta`` is free-form JSON kept with the instance. Sizes are
    positive integers. Anything the file loader would refuse raises the same
    :class:`~nnopt.problems.InstanceError`, naming the item and the value.
    """

    def __init__(self, bin: Any, items: Any, *, rotation: bool = False, name: str | None = None,
                 meta: Any = None) -> None:
        loaded = parse_instance(instance_json(bin=bin, items=items, rotation=rotation, name=name, meta=meta),
                                source=SOURCE)
        super().__init__(**{f.name: getattr(loaded, f.name) for f in fields(BinPackInstance) if f.init})

    def __repr__(self) -> str:
        items = [(w, h, c) if c != 1 else (w, h) for w, h, c in self.item_types]
        shown = items if len(items) <= 8 else [*items[:8], "..."]
        return (f"Instance(bin=({self.bin_width}, {self.bin_height}), items={shown}, "
                f"rotation={self.allow_rotation}, name={self.name!r})")
