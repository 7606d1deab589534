"""Plain-Python twin of the decoders in ``_kernels`` (tests only; slow on purpose).

Same rules, same keys, same tie-breaking as :func:`_kernels.pack_batch`, written
to be read rather than to be fast, and built differently where it can be:

- MaxRects keeps its free rectangles as a *set* and, after each split, removes
  every rectangle contained in another by testing all pairs (the kernel tests
  only the new ones);
- Skyline keeps a height per unit of x (a list of ``bin_w`` numbers) instead of
  merged segments; candidate x positions are where the height changes.

Every candidate position in a bin gets the key ``(s1, s2, y, x)``; the smallest
wins. Across bins (global best) the smallest ``(s1, s2)`` wins, ties to the
lowest bin. See the module doc of ``_kernels`` for the table of rules.
"""
from __future__ import annotations

import numpy as np

from nnopt.problems.binpack2d._kernels import (
    RULE_MAXRECTS_BAF,
    RULE_MAXRECTS_BL,
    RULE_MAXRECTS_BLSF,
    RULE_MAXRECTS_BSSF,
    RULE_MAXRECTS_CP,
    RULE_SKYLINE_BL,
    RULE_SKYLINE_MINWASTE,
)

__all__ = ["pack_one_python"]


def _overlap_1d(a0: int, a1: int, b0: int, b1: int) -> int:
    """Length shared by [a0, a1] and [b0, b1] (0 when they are apart or only touch)."""
    if a1 < b0 or b1 < a0:
        return 0
    return min(a1, b1) - max(a0, b0)


class _MaxRectsBin:
    def __init__(self, bin_w: int, bin_h: int, rule: int) -> None:
        self.bin_w = bin_w
        self.bin_h = bin_h
        self.rule = rule
        self.free: set[tuple[int, int, int, int]] = {(0, 0, bin_w, bin_h)}
        self.placed: list[tuple[int, int, int, int]] = []

    def contact(self, x: int, y: int, w: int, h: int) -> int:
        c = 0
        if x == 0 or x + w == self.bin_w:
            c += h
        if y == 0 or y + h == self.bin_h:
            c += w
        for rx, ry, rw, rh in self.placed:
            if rx == x + w or rx + rw == x:
                c += _overlap_1d(ry, ry + rh, y, y + h)
            if ry == y + h or ry + rh == y:
                c += _overlap_1d(rx, rx + rw, x, x + w)
        return c

    def best(self, w: int, h: int) -> tuple[int, int, int, int] | None:
        """Smallest key (s1, s2, y, x) over the free rectangles that hold w x h."""
        keys = []
        for fx, fy, fw, fh in self.free:
            if fw < w or fh < h:
                continue
            leftover_w, leftover_h = fw - w, fh - h
            short, long_ = min(leftover_w, leftover_h), max(leftover_w, leftover_h)
            if self.rule == RULE_MAXRECTS_BSSF:
                s = (short, long_)
            elif self.rule == RULE_MAXRECTS_BLSF:
                s = (long_, short)
            elif self.rule == RULE_MAXRECTS_BAF:
                s = (fw * fh - w * h, short)
            elif self.rule == RULE_MAXRECTS_BL:
                s = (fy + h, 0)
            elif self.rule == RULE_MAXRECTS_CP:
                s = (-self.contact(fx, fy, w, h), 0)
            else:
                raise ValueError(f"not a MaxRects rule: {self.rule}")
            keys.append((s[0], s[1], fy, fx))
        return min(keys) if keys else None

    def place(self, x: int, y: int, w: int, h: int) -> None:
        self.placed.append((x, y, w, h))
        pieces = set()
        for fx, fy, fw, fh in self.free:
            overlaps = x < fx + fw and x + w > fx and y < fy + fh and y + h > fy
            if not overlaps:
                pieces.add((fx, fy, fw, fh))
                continue
            if x > fx:  # left of the item
                pieces.add((fx, fy, x - fx, fh))
            if x + w < fx + fw:  # right of it
                pieces.add((x + w, fy, fx + fw - (x + w), fh))
            if y > fy:  # below it
                pieces.add((fx, fy, fw, y - fy))
            if y + h < fy + fh:  # above it
                pieces.add((fx, y + h, fw, fy + fh - (y + h)))

        def inside(a, b):
            return b[0] <= a[0] and b[1] <= a[1] and a[0] + a[2] <= b[0] + b[2] and a[1] + a[3] <= b[1] + b[3]

        self.free = {a for a in pieces if not any(b != a and inside(a, b) for b in pieces)}


class _SkylineBin:
    def __init__(self, bin_w: int, bin_h: int, rule: int) -> None:
        self.bin_w = bin_w
        self.bin_h = bin_h
        self.rule = rule
        self.height = [0] * bin_w  # skyline height over [x, x + 1)

    def best(self, w: int, h: int) -> tuple[int, int, int, int] | None:
        hm = self.height
        W = self.bin_w
        lefts = [x for x in range(W - w + 1) if x == 0 or hm[x] != hm[x - 1]]
        xs = set(lefts)
        if self.rule == RULE_SKYLINE_MINWASTE:
            # the item's right edge on the right end of a segment
            xs |= {x for x in range(W - w + 1) if x + w == W or hm[x + w - 1] != hm[x + w]}
        keys = []
        for x in xs:
            y = max(hm[x:x + w])
            if y + h > self.bin_h:
                continue
            if self.rule == RULE_SKYLINE_BL:
                keys.append((y + h, 0, y, x))
            elif self.rule == RULE_SKYLINE_MINWASTE:
                waste = sum(y - v for v in hm[x:x + w])
                keys.append((waste, y + h, y, x))
            else:
                raise ValueError(f"not a Skyline rule: {self.rule}")
        return min(keys) if keys else None

    def place(self, x: int, y: int, w: int, h: int) -> None:
        for u in range(x, x + w):
            self.height[u] = y + h


def pack_one_python(widths, heights, bin_w, bin_h, order, rotated, rule, bin_choice):
    """Decode one insertion order; returns (bin, x, y) int64 arrays indexed by item id."""
    widths = [int(v) for v in widths]
    heights = [int(v) for v in heights]
    bin_w, bin_h, rule, bin_choice = int(bin_w), int(bin_h), int(rule), int(bin_choice)
    skyline = rule in (RULE_SKYLINE_BL, RULE_SKYLINE_MINWASTE)
    n = len(widths)
    out_bin = np.zeros(n, dtype=np.int64)
    out_x = np.zeros(n, dtype=np.int64)
    out_y = np.zeros(n, dtype=np.int64)
    bins: list = []
    for item in (int(i) for i in order):
        w, h = widths[item], heights[item]
        if rotated[item]:
            w, h = h, w
        chosen = None  # (bin index, key)
        for b, abin in enumerate(bins):
            key = abin.best(w, h)
            if key is None:
                continue
            if bin_choice == 0:
                chosen = (b, key)
                break
            if chosen is None or key[:2] < chosen[1][:2]:
                chosen = (b, key)
        if chosen is None:
            bins.append(_SkylineBin(bin_w, bin_h, rule) if skyline else _MaxRectsBin(bin_w, bin_h, rule))
            chosen = (len(bins) - 1, bins[-1].best(w, h))
        b, (_, _, y, x) = chosen
        bins[b].place(x, y, w, h)
        out_bin[item], out_x[item], out_y[item] = b, x, y
    return out_bin, out_x, out_y
