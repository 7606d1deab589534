"""What a set model knows about each coordinate of an encoding besides its value.

Shared by the engine (which builds a set scorer per run) and pre-training
(which must show the network the very same features), so it sits apart from both.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from nnopt.problems.base import Problem
from nnopt.problems.capabilities import TokenFeatures

__all__ = ["CONTEXT_WIDTH", "token_context"]

#: Columns of context per token; every set scorer (and every weights file) uses this width.
CONTEXT_WIDTH = 8


def token_context(problem: Problem, instance: Any, encoding: str | None = None,
                  width: int = CONTEXT_WIDTH) -> np.ndarray:
    """What the set model knows about each coordinate besides its value: ``(d, width)``.

    Through the contract only: a coordinate's values in the problem's heuristic
    encodings (for packing: the item's rank in each classic sort order — area,
    perimeter, sides — so its size, not its id). A problem with the
    :class:`~nnopt.problems.capabilities.TokenFeatures` capability gives its own
    (``token_features`` may return None for an encoding it has none for). Padded
    with 0.5 to ``width`` columns.
    """
    d = problem.encoding_size(instance, encoding)
    C = problem.token_features(instance, encoding) if isinstance(problem, TokenFeatures) else None
    if C is None:  # the problem gives no features for this encoding
        C = problem.heuristic_encodings(instance, encoding).T
    C = np.asarray(C, dtype=np.float32)
    out = np.full((d, width), 0.5, dtype=np.float32)
    cols = min(width, C.shape[1]) if C.ndim == 2 and C.shape[0] == d else 0
    out[:, :cols] = C[:, :cols]
    return out
