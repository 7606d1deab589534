"""Seeded generators for the ten classic 2D bin packing instance classes.

Classes 1-6 are Berkey & Wang (1987): square bins, both item sides drawn
uniformly from one range. Classes 7-10 are Martello & Vigo (1998): 100 x 100 bins
and four item *types* (long and flat, tall and thin, large, small), one of which
dominates each class. Being able to draw fresh instances of the same distributions
as the published benchmark lets training and tuning happen on instances that the
benchmark then judges, without fitting to the benchmark itself.

The generated files follow the classic ones: one item entry per item (``count``
1), in the order drawn, so an item's id is its draw index.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from nnopt.problems.binpack2d._instance import MAX_ITEMS, BinPackInstance, parse_instance

__all__ = ["generate_instance", "CLASS_BINS", "MV_TYPE_PROBS", "mv_type_ranges"]

#: Berkey & Wang classes: bin side, and the inclusive range of both item sides.
_BW_CLASSES: dict[int, tuple[int, tuple[int, int]]] = {
    1: (10, (1, 10)),
    2: (30, (1, 10)),
    3: (40, (1, 35)),
    4: (100, (1, 35)),
    5: (100, (1, 100)),
    6: (300, (1, 100)),
}

#: Bin side of every class (all bins are square).
CLASS_BINS: dict[int, int] = {k: side for k, (side, _) in _BW_CLASSES.items()} | {
    7: 100, 8: 100, 9: 100, 10: 100,
}

#: Martello & Vigo classes: probability of item types 1..4 (70% for the class's
#: own type, 10% for each other one).
MV_TYPE_PROBS: dict[int, tuple[float, float, float, float]] = {
    7: (0.7, 0.1, 0.1, 0.1),
    8: (0.1, 0.7, 0.1, 0.1),
    9: (0.1, 0.1, 0.7, 0.1),
    10: (0.1, 0.1, 0.1, 0.7),
}


def mv_type_ranges(W: int, H: int) -> np.ndarray:
    """Inclusive size ranges of the four Martello–Vigo types, shape ``(4, 4)``.

    Rows are types 1..4, columns ``w_lo, w_hi, h_lo, h_hi``. Fractional ends are
    rounded inwards (lower ends up, upper ends down) so every drawn size lies in
    the published real interval.

    - type 1: w in [2W/3, W], h in [1, H/2]   (long and flat)
    - type 2: w in [1, W/2],  h in [2H/3, H]  (tall and thin)
    - type 3: w in [W/2, W],  h in [H/2, H]   (large)
    - type 4: w in [1, W/2],  h in [1, H/2]   (small)
    """
    return np.array(
        [
            [math.ceil(2 * W / 3), W, 1, H // 2],
            [1, W // 2, math.ceil(2 * H / 3), H],
            [math.ceil(W / 2), W, math.ceil(H / 2), H],
            [1, W // 2, 1, H // 2],
        ],
        dtype=np.int64,
    )


def _check_int(value: Any, what: str, lo: int, hi: int | None) -> int:
    # bool is an int subclass; `True` as a class or seed is a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        upper = "" if hi is None else f"..{hi}"
        raise ValueError(f"{what} must be in {lo}{upper if hi is not None else ' or more'}, got {value}")
    return value


def generate_instance(
    klass: int,
    n: int,
    seed: int,
    allow_rotation: bool = False,
    name: str | None = None,
) -> BinPackInstance:
    """Draw an instance of classic class ``klass`` (1..10) with ``n`` items.

    The same ``(klass, n, seed)`` always gives the same instance (numpy's
    ``default_rng(seed)``). ``name`` defaults to ``gen_c07_n040_s0`` style;
    ``meta`` records the class, n, seed and ``"generator": "nnopt"``.
    """
    klass = _check_int(klass, "klass (instance class)", 1, 10)
    n = _check_int(n, "n (number of items)", 1, MAX_ITEMS)
    seed = _check_int(seed, "seed", 0, None)
    if not isinstance(allow_rotation, bool):
        raise ValueError(f"allow_rotation must be true or false, got {allow_rotation!r}")
    if name is None:
        name = f"gen_c{klass:02d}_n{n:03d}_s{seed}"
    elif not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")

    rng = np.random.default_rng(seed)
    side = CLASS_BINS[klass]
    if klass in _BW_CLASSES:
        lo, hi = _BW_CLASSES[klass][1]
        widths = rng.integers(lo, hi + 1, size=n)
        heights = rng.integers(lo, hi + 1, size=n)
    else:
        types = rng.choice(4, size=n, p=MV_TYPE_PROBS[klass])
        r = mv_type_ranges(side, side)[types]
        widths = rng.integers(r[:, 0], r[:, 1] + 1)
        heights = rng.integers(r[:, 2], r[:, 3] + 1)

    data = {
        "problem": "binpack2d",
        "name": name,
        "bin": {"width": side, "height": side},
        "items": [{"width": int(w), "height": int(h)} for w, h in zip(widths.tolist(), heights.tolist())],
        "allow_rotation": allow_rotation,
        "meta": {"class": klass, "n": n, "seed": seed, "generator": "nnopt"},
    }
    return parse_instance(data, source=name)
