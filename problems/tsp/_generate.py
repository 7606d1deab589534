"""Seeded generators for random Euclidean TSP instances, in the DIMACS TSP challenge's spirit.

- ``uniform``: cities uniform on the square ``[0, size]²``;
- ``clustered``: ``k = max(2, n // 20)`` centres uniform on the square, each
  city normal around a centre chosen uniformly, with standard deviation
  ``size / (4 sqrt(k))``, clipped to the square.

Coordinates are rounded to integers, so files stay small and the instances read
the same in TSPLIB form; ``distance`` picks real (``"euclidean"``, the default)
or TSPLIB-rounded (``"euc_2d"``) edge lengths. The same parameters and seed
always give the same instance (numpy's ``default_rng(seed)``).
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from nnopt.problems.tsp._instance import DISTANCES, MAX_CITIES, TSPInstance, parse_instance

__all__ = ["KINDS", "generate_instance"]

KINDS = ("uniform", "clustered")


def _check_int(value: Any, what: str, lo: int, hi: int | None) -> int:
    # bool is an int subclass; `True` as a size or seed is a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        raise ValueError(f"{what} must be in {lo}..{hi if hi is not None else ''}, got {value}")
    return value


def generate_instance(
    seed: int,
    kind: str = "uniform",
    n: int = 100,
    *,
    size: int = 1000,
    distance: str = "euclidean",
    name: str | None = None,
) -> TSPInstance:
    """Draw a ``kind`` instance (see the module doc) with ``n`` cities.

    ``name`` defaults to ``tsp_uniform_100_s0`` style; ``meta`` records the
    generator, kind, n, size and seed.
    """
    seed = _check_int(seed, "seed", 0, None)
    n = _check_int(n, "n (number of cities)", 3, MAX_CITIES)
    size = _check_int(size, "size (side of the square)", 1, 10**9)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if distance not in DISTANCES:
        raise ValueError(f"distance must be one of {', '.join(DISTANCES)}, got {distance!r}")
    if name is None:
        name = f"tsp_{kind}_{n:03d}_s{seed}"
    elif not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")

    rng = np.random.default_rng(seed)
    if kind == "uniform":
        xy = rng.integers(0, size + 1, size=(n, 2))
    else:
        k = max(2, n // 20)
        centres = rng.uniform(0, size, size=(k, 2))
        which = rng.integers(0, k, size=n)
        sigma = size / (4 * math.sqrt(k))
        xy = np.clip(np.rint(centres[which] + rng.normal(0.0, sigma, size=(n, 2))), 0, size).astype(np.int64)
    data: dict[str, Any] = {
        "problem": "tsp",
        "name": name,
        "coords": xy.tolist(),
        "meta": {"generator": "nnopt", "kind": kind, "n": n, "size": size, "seed": seed},
    }
    if distance != "euclidean":
        data["distance"] = distance
    return parse_instance(data, source=name)
