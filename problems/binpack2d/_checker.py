"""Independent feasibility checker for binpack2d solutions.

It shares no code with the decoders on purpose: it is written in plain Python
over the placement rows, so a bug in a fast kernel cannot hide behind the same
bug in its verifier. Every solution nnopt prints or writes has passed it.
"""
from __future__ import annotations

from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._solution import Packing

__all__ = ["check_packing"]

#: At most this many problems are listed; the rest are counted.
MAX_REPORTED = 20


def check_packing(inst: BinPackInstance, packing: Packing) -> list[str]:
    """All the ways ``packing`` is infeasible for ``inst`` (empty list: feasible)."""
    problems: list[str] = []
    n = inst.n
    W, H = inst.bin_width, inst.bin_height
    widths = [int(v) for v in inst.widths]
    heights = [int(v) for v in inst.heights]
    seen = [0] * n
    per_bin: dict[int, list[tuple[int, int, int, int, int]]] = {}

    for row in packing.placements.tolist():
        item, b, x, y, w, h, rot = row
        label = f"item {item}"
        if not 0 <= item < n:
            problems.append(f"{label}: no such item (instance has items 0..{n - 1})")
            continue
        seen[item] += 1
        if b < 0:
            problems.append(f"{label}: negative bin index {b}")
        if rot and not inst.allow_rotation:
            problems.append(f"{label}: rotated, but the instance does not allow rotation")
        want = (heights[item], widths[item]) if rot else (widths[item], heights[item])
        if (w, h) != want:
            how = "rotated" if rot else "unrotated"
            problems.append(f"{label}: placed as {w}x{h}, but {how} it is {want[0]}x{want[1]}")
        if x < 0 or y < 0 or x + w > W or y + h > H:
            problems.append(
                f"{label}: at ({x},{y}) size {w}x{h} lies outside the {W}x{H} bin {b}"
            )
        per_bin.setdefault(b, []).append((x, y, w, h, item))

    for item, count in enumerate(seen):
        if count == 0:
            problems.append(f"item {item}: missing")
        elif count > 1:
            problems.append(f"item {item}: placed {count} times")

    for b in sorted(per_bin):
        rects = sorted(per_bin[b])
        # Sweep along x: only rectangles that start before this one ends can overlap it.
        for i, (x1, y1, w1, h1, a) in enumerate(rects):
            for x2, y2, w2, h2, c in rects[i + 1 :]:
                if x2 >= x1 + w1:
                    break
                if w1 <= 0 or h1 <= 0 or w2 <= 0 or h2 <= 0:
                    continue
                if y2 < y1 + h1 and y1 < y2 + h2:
                    problems.append(f"items {a} and {c} overlap in bin {b}")
                    if len(problems) > 10 * MAX_REPORTED:
                        break
    if len(problems) > MAX_REPORTED:
        extra = len(problems) - MAX_REPORTED
        problems = problems[:MAX_REPORTED] + [f"... and {extra} more problems"]
    return problems
