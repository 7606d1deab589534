"""Independent feasibility checker for binpack2d solutions.

It shares no code with the decoders on purpose, so a bug in a fast kernel cannot
hide behind the same bug in its verifier. Every solution nnopt prints or writes
has passed it. The per-placement rules are whole-array tests; overlaps are found
by one sweep line over all placed rectangles (``_sweep``), O(m log m), so a
million items are checked in seconds, not hours.
"""
from __future__ import annotations

import numpy as np

from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._solution import Packing
from nnopt.problems.binpack2d._sweep import flag_overlaps

__all__ = ["check_packing"]

#: At most this many problems are listed; the rest are counted.
MAX_REPORTED = 20


def check_packing(inst: BinPackInstance, packing: Packing) -> list[str]:
    """All the ways ``packing`` is infeasible for ``inst`` (empty list: feasible)."""
    rows = packing.placements
    n = inst.n
    W, H = inst.bin_width, inst.bin_height
    item, b, x, y, w, h, rot = (rows[:, k] for k in range(7))
    known = (item >= 0) & (item < n)
    safe = np.where(known, item, 0)
    turned = rot != 0
    want_w = np.where(turned, inst.heights[safe], inst.widths[safe])
    want_h = np.where(turned, inst.widths[safe], inst.heights[safe])
    bad_rot = known & turned & (not inst.allow_rotation)
    bad_size = known & ((w != want_w) | (h != want_h))
    outside = known & ((x < 0) | (y < 0) | (x + w > W) | (y + h > H))
    negative_bin = known & (b < 0)

    messages: list[str] = []

    def report(text: str) -> None:
        if len(messages) <= MAX_REPORTED:
            messages.append(text)

    for r in np.flatnonzero(~known | bad_rot | bad_size | outside | negative_bin):
        if len(messages) > MAX_REPORTED:
            break
        it, bi = int(item[r]), int(b[r])
        if not known[r]:
            report(f"item {it}: no such item (instance has items 0..{n - 1})")
            continue
        if negative_bin[r]:
            report(f"item {it}: negative bin index {bi}")
        if bad_rot[r]:
            report(f"item {it}: rotated, but the instance does not allow rotation")
        if bad_size[r]:
            how = "rotated" if turned[r] else "unrotated"
            report(f"item {it}: placed as {w[r]}x{h[r]}, but {how} it is {want_w[r]}x{want_h[r]}")
        if outside[r]:
            report(f"item {it}: at ({x[r]},{y[r]}) size {w[r]}x{h[r]} lies outside the {W}x{H} bin {bi}")
    total = sum(int(np.count_nonzero(m)) for m in (~known, negative_bin, bad_rot, bad_size, outside))

    seen = np.bincount(item[known], minlength=n)
    for it in np.flatnonzero(seen != 1)[: MAX_REPORTED + 1]:
        report(f"item {it}: missing" if seen[it] == 0 else f"item {it}: placed {seen[it]} times")
    total += int(np.count_nonzero(seen != 1))

    solid = known & (w > 0) & (h > 0)
    idx = np.flatnonzero(solid)
    flagged = idx[flag_overlaps(b[idx], x[idx], y[idx], w[idx], h[idx])]
    for r in flagged[: MAX_REPORTED + 1]:
        same = idx[(b[idx] == b[r]) & (idx != r)]
        hit = same[(x[same] < x[r] + w[r]) & (x[r] < x[same] + w[same])
                   & (y[same] < y[r] + h[r]) & (y[r] < y[same] + h[same])]
        other = int(item[hit].min()) if hit.size else -1
        a, c = sorted((int(item[r]), other))
        report(f"items {a} and {c} overlap in bin {b[r]}")
    total += int(flagged.size)

    if total > MAX_REPORTED:
        return messages[:MAX_REPORTED] + [f"... and {total - MAX_REPORTED} more problems"]
    return messages
