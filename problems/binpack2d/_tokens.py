"""Per-coordinate features of a packing encoding, for set scorers that learn across instances.

A set scorer sees an item through these numbers, not through its id, so what it
learns on one instance (for example "large items placed late cost a bin")
applies to the next. The columns mean the same on every instance — unlike the
rows of ``heuristic_encodings``, which are deduplicated and so shift when two
sort orders coincide.
"""
from __future__ import annotations

import numpy as np

from nnopt.problems.binpack2d._instance import BinPackInstance

__all__ = ["item_token_features", "TOKEN_COLUMNS"]

#: What each column holds (all scaled to about [0, 1]).
TOKEN_COLUMNS = ("width / bin width", "height / bin height", "area / bin area", "rank by area",
                 "rank by longest side", "longest side relative", "orientation token", "items / 200")


def _descending_rank(values: np.ndarray) -> np.ndarray:
    """0 for the largest value, 1 for the smallest; ties by id, as the sort orders break them."""
    n = len(values)
    order = np.lexsort((np.arange(n), -values))
    rank = np.empty(n, dtype=np.float64)
    rank[order] = np.arange(n) / max(1, n - 1)
    return rank


def item_token_features(inst: BinPackInstance, tokens: int) -> np.ndarray:
    """``(tokens, 8)`` float32: one row per item key, then one per orientation key (rotation only)."""
    w = inst.widths.astype(np.float64)
    h = inst.heights.astype(np.float64)
    W, H = float(inst.bin_width), float(inst.bin_height)
    rel_w, rel_h = w / W, h / H
    longest = np.maximum(rel_w, rel_h)
    base = np.stack([rel_w, rel_h, rel_w * rel_h, _descending_rank(w * h), _descending_rank(longest), longest,
                     np.zeros(inst.n), np.full(inst.n, min(1.0, inst.n / 200.0))], axis=1)
    if tokens == inst.n:
        return base.astype(np.float32)
    if tokens != 2 * inst.n:
        raise ValueError(f"expected {inst.n} or {2 * inst.n} tokens for {inst.n} items, got {tokens}")
    turned = base.copy()
    turned[:, 6] = 1.0
    return np.concatenate([base, turned]).astype(np.float32)
