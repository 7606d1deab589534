"""Plain-Python twin of the decoders in ``_kernels`` (tests only; slow on purpose).

Same rules, same keys, same tie-breaking as :func:`_kernels.pack_batch`, written
to be read rather than to be fast, and built differently where it can be:

- MaxRects keeps its free rectangles as a *set* and, after each split, removes
  every rectangle contained in another by testing all pairs (the kernel tests
  only the new ones);
- Skyline keeps a height per unit of x (a list of ``bin_w`` numbers) instead of
  merged segments; candidate x positions are where the height changes;
- Guillotine keeps a *set* of free rectangles and picks the minimise / maximise
  area splits by comparing the two candidate cuts (the kernel uses Jylanki's
  closed-form conditions);
- the shelf rules keep lists of shelf records; FBS sorts its shelves with ``sorted``;
- the "assignment" decode (:func:`pack_assigned_python`) sorts its passes with
  ``sorted`` and renumbers bins from a first-use list (the kernel counting-sorts
  and relabels in place).

Every candidate position in a bin gets the key ``(s1, s2, y, x)``; the smallest
wins. Across bins (global best) the smallest ``(s1, s2)`` wins, ties to the
lowest bin. See the module doc of ``_kernels`` for the table of rules.
"""
from __future__ import annotations

import numpy as np

from nnopt.problems.binpack2d._kernels import (
    RULE_GUILLOTINE_BAF_LAS,
    RULE_GUILLOTINE_BAF_LLAS,
    RULE_GUILLOTINE_BAF_MAXAS,
    RULE_GUILLOTINE_BAF_MINAS,
    RULE_GUILLOTINE_BAF_SAS,
    RULE_GUILLOTINE_BAF_SLAS,
    RULE_MAXRECTS_BAF,
    RULE_MAXRECTS_BL,
    RULE_MAXRECTS_BLSF,
    RULE_MAXRECTS_BSSF,
    RULE_MAXRECTS_CP,
    RULE_SHELF_FBS,
    RULE_SHELF_FF,
    RULE_SHELF_NF,
    RULE_SKYLINE_BL,
    RULE_SKYLINE_MINWASTE,
)

GUILLOTINE_RULES = (RULE_GUILLOTINE_BAF_SLAS, RULE_GUILLOTINE_BAF_LLAS, RULE_GUILLOTINE_BAF_MINAS,
                    RULE_GUILLOTINE_BAF_MAXAS, RULE_GUILLOTINE_BAF_SAS, RULE_GUILLOTINE_BAF_LAS)
SHELF_RULES = (RULE_SHELF_NF, RULE_SHELF_FF, RULE_SHELF_FBS)

__all__ = ["pack_assigned_python", "pack_one_python"]


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


class _GuillotineBin:
    """Disjoint free rectangles ``(x, y, w, h)``; an item takes one's lower-left corner."""

    def __init__(self, bin_w: int, bin_h: int, rule: int) -> None:
        self.rule = rule
        self.free: set[tuple[int, int, int, int]] = {(0, 0, bin_w, bin_h)}

    def best(self, w: int, h: int) -> tuple[int, int, int, int] | None:
        """Best area fit: smallest (leftover area, short leftover, y, x)."""
        keys = [(fw * fh - w * h, min(fw - w, fh - h), fy, fx)
                for fx, fy, fw, fh in self.free if fw >= w and fh >= h]
        return min(keys) if keys else None

    def split(self, fw: int, fh: int, w: int, h: int) -> bool:
        """True: cut along the item's top edge (top piece fw wide); False: along its right edge."""
        leftover_w, leftover_h = fw - w, fh - h
        # the smaller of the two pieces, for each cut
        smaller_if_horizontal = min(fw * leftover_h, leftover_w * h)
        smaller_if_vertical = min(w * leftover_h, leftover_w * fh)
        if self.rule == RULE_GUILLOTINE_BAF_SLAS:
            return leftover_w <= leftover_h
        if self.rule == RULE_GUILLOTINE_BAF_LLAS:
            return leftover_w > leftover_h
        if self.rule == RULE_GUILLOTINE_BAF_MINAS:  # ties: vertical
            return smaller_if_horizontal < smaller_if_vertical
        if self.rule == RULE_GUILLOTINE_BAF_MAXAS:  # ties: horizontal
            return smaller_if_horizontal >= smaller_if_vertical
        if self.rule == RULE_GUILLOTINE_BAF_SAS:
            return fw <= fh
        if self.rule == RULE_GUILLOTINE_BAF_LAS:
            return fw > fh
        raise ValueError(f"not a Guillotine rule: {self.rule}")

    def place(self, x: int, y: int, w: int, h: int) -> None:
        (fx, fy, fw, fh), = [f for f in self.free if f[0] == x and f[1] == y]
        self.free.remove((fx, fy, fw, fh))
        if self.split(fw, fh, w, h):
            right, top = (x + w, y, fw - w, h), (x, y + h, fw, fh - h)
        else:
            right, top = (x + w, y, fw - w, fh), (x, y + h, w, fh - h)
        self.free |= {piece for piece in (right, top) if piece[2] > 0 and piece[3] > 0}


def _pack_shelves_python(sizes, bin_w, bin_h, order, rule):
    """The shelf rules: lists of shelf records ``{"bin", "y", "height", "used"}``."""
    n = len(sizes)
    out_bin = np.zeros(n, dtype=np.int64)
    out_x = np.zeros(n, dtype=np.int64)
    out_y = np.zeros(n, dtype=np.int64)
    if rule == RULE_SHELF_FBS:
        # 1. best fit shelves of an infinite strip, bin_w wide
        strip: list[dict] = []
        on_shelf = {}
        for item in order:
            w, h = sizes[item]
            fits = [(bin_w - s["used"] - w, q) for q, s in enumerate(strip)
                    if h <= s["height"] and s["used"] + w <= bin_w]
            if fits:
                q = min(fits)[1]
            else:
                strip.append({"height": h, "used": 0})
                q = len(strip) - 1
            on_shelf[item] = q
            out_x[item] = strip[q]["used"]
            strip[q]["used"] += w
        # 2. best fit decreasing of the shelves (by height) into bins
        bin_tops: list[int] = []
        for q in sorted(range(len(strip)), key=lambda q: (-strip[q]["height"], q)):
            sh = strip[q]["height"]
            fits = [(bin_h - top - sh, b) for b, top in enumerate(bin_tops) if top + sh <= bin_h]
            if fits:
                b = min(fits)[1]
            else:
                bin_tops.append(0)
                b = len(bin_tops) - 1
            strip[q]["bin"], strip[q]["y"] = b, bin_tops[b]
            bin_tops[b] += sh
        for item, q in on_shelf.items():
            out_bin[item], out_y[item] = strip[q]["bin"], strip[q]["y"]
        return out_bin, out_x, out_y

    bins: list[list[dict]] = []  # each bin's shelves, bottom to top
    for item in order:
        w, h = sizes[item]
        if rule == RULE_SHELF_NF:
            candidates = bins[-1][-1:] if bins else []
        elif rule == RULE_SHELF_FF:
            candidates = [s for shelves in bins for s in shelves]
        else:
            raise ValueError(f"not a shelf rule: {rule}")
        shelf = next((s for s in candidates if h <= s["height"] and s["used"] + w <= bin_w), None)
        if shelf is None:
            # a new shelf on top: of the current bin (NF) or of the first bin with room (FF)
            tops = [shelves[-1]["y"] + shelves[-1]["height"] for shelves in bins]
            room = list(range(len(bins)))[-1:] if rule == RULE_SHELF_NF else range(len(bins))
            b = next((b for b in room if tops[b] + h <= bin_h), None)
            if b is None:
                bins.append([])
                tops.append(0)
                b = len(bins) - 1
            y = tops[b]
            shelf = {"bin": b, "y": y, "height": h, "used": 0}
            bins[b].append(shelf)
        out_bin[item], out_x[item], out_y[item] = shelf["bin"], shelf["used"], shelf["y"]
        shelf["used"] += w
    return out_bin, out_x, out_y


def _bin_kind(rule: int) -> type:
    if rule in (RULE_SKYLINE_BL, RULE_SKYLINE_MINWASTE):
        return _SkylineBin
    return _GuillotineBin if rule in GUILLOTINE_RULES else _MaxRectsBin


def _sizes(widths, heights, rotated) -> list[tuple[int, int]]:
    """Placed (width, height) of every item."""
    return [(int(heights[i]), int(widths[i])) if rotated[i] else (int(widths[i]), int(heights[i]))
            for i in range(len(widths))]


def _choose(bins: list, candidates, w: int, h: int, bin_choice: int):
    """The rule's (bin index, key) among ``candidates`` for a w x h item, or None.

    First fit: the first candidate with room; global best: the smallest (s1, s2),
    ties to the earlier candidate.
    """
    chosen = None
    for b in candidates:
        key = bins[b].best(w, h)
        if key is None:
            continue
        if bin_choice == 0:
            return b, key
        if chosen is None or key[:2] < chosen[1][:2]:
            chosen = (b, key)
    return chosen


def _place_anywhere(bins: list, kind: type, w: int, h: int, bin_w: int, bin_h: int, rule: int,
                    bin_choice: int) -> tuple[int, int, int]:
    """The usual step: the chosen open bin, else a new one; returns (bin, x, y)."""
    chosen = _choose(bins, range(len(bins)), w, h, bin_choice)
    if chosen is None:
        bins.append(kind(bin_w, bin_h, rule))
        chosen = (len(bins) - 1, bins[-1].best(w, h))
    b, (_, _, y, x) = chosen
    bins[b].place(x, y, w, h)
    return b, x, y


def pack_one_python(widths, heights, bin_w, bin_h, order, rotated, rule, bin_choice):
    """Decode one insertion order; returns (bin, x, y) int64 arrays indexed by item id."""
    bin_w, bin_h, rule, bin_choice = int(bin_w), int(bin_h), int(rule), int(bin_choice)
    sizes = _sizes(widths, heights, rotated)
    n = len(sizes)
    if rule in SHELF_RULES:  # bin_choice does not apply
        return _pack_shelves_python(sizes, bin_w, bin_h, [int(i) for i in order], rule)
    out = np.zeros((3, n), dtype=np.int64)
    bins: list = []
    for item in (int(i) for i in order):
        out[:, item] = _place_anywhere(bins, _bin_kind(rule), *sizes[item], bin_w, bin_h, rule, bin_choice)
    return out[0], out[1], out[2]


def pack_assigned_python(widths, heights, bin_w, bin_h, targets, n_assigned, order, rotated, rule, bin_choice):
    """Decode one item-to-bin assignment (the "assignment" encoding); (bin, x, y) by item id.

    ``n_assigned`` empty bins; pass 1 tries each item only in ``targets[item]``
    (bins in index order, each bin's items in ``order``) and
    defers the ones that do not fit; pass 2 places the deferred ones (descending
    area, ties by id) with the usual bin choice, opening bins as needed. Bins
    are renumbered 0.. in order of first use; empty ones vanish.
    """
    bin_w, bin_h, rule, bin_choice = int(bin_w), int(bin_h), int(rule), int(bin_choice)
    if rule in SHELF_RULES:
        raise ValueError(f"shelf rule {rule} cannot decode an assignment")
    sizes = _sizes(widths, heights, rotated)
    n = len(sizes)
    kind = _bin_kind(rule)
    bins = [kind(bin_w, bin_h, rule) for _ in range(int(n_assigned))]
    out = np.zeros((3, n), dtype=np.int64)
    first_use: list[int] = []
    deferred = []
    by_area = sorted(range(n), key=lambda i: (-sizes[i][0] * sizes[i][1], i))
    for item in sorted((int(i) for i in order), key=lambda i: int(targets[i])):  # stable: the row's order inside a bin
        b = int(targets[item])
        key = bins[b].best(*sizes[item])
        if key is None:
            deferred.append(item)
            continue
        _, _, y, x = key
        bins[b].place(x, y, *sizes[item])
        out[:, item] = b, x, y
        if b not in first_use:
            first_use.append(b)
    for item in sorted(deferred, key=by_area.index):
        out[:, item] = _place_anywhere(bins, kind, *sizes[item], bin_w, bin_h, rule, bin_choice)
        if out[0, item] not in first_use:
            first_use.append(int(out[0, item]))
    label = {b: k for k, b in enumerate(first_use)}
    out[0] = [label[int(b)] for b in out[0]]
    return out[0], out[1], out[2]


def pack_bestfit_python(widths, heights, bin_w, bin_h, order, allow_rotation, rotated, scan):
    """Twin of ``_bestfit_kernels`` for one order: ``(bins, x, y, rotated)`` lists by item id.

    Built on a height per unit of x (the kernel keeps merged segments): the lowest
    gap is the leftmost run of the smallest height, its walls the heights beside
    the run (the bin's sides count as ``bin_h``). ``rotated`` is the preferred
    orientation per item; ``scan`` caps the unplaced items scored per placement.
    """
    n = len(order)
    W, H = int(bin_w), int(bin_h)
    bins, xs, ys = [-1] * n, [0] * n, [0] * n
    rot = [int(r) for r in rotated]
    unplaced = [int(j) for j in order]
    b = 0
    while unplaced:
        height = [0] * W
        placed_here = 0
        while True:
            y = min(height)
            if y >= H:
                break
            x0 = height.index(y)
            x1 = x0
            while x1 < W and height[x1] == y:
                x1 += 1
            left_wall = H if x0 == 0 else height[x0 - 1]
            right_wall = H if x1 == W else height[x1]
            best, best_key = None, None
            for j in unplaced[:scan]:
                turns = [rot[j]] + ([1 - rot[j]] if allow_rotation and widths[j] != heights[j] else [])
                for turn in turns:
                    w, h = (int(heights[j]), int(widths[j])) if turn else (int(widths[j]), int(heights[j]))
                    if w > x1 - x0 or y + h > H:
                        continue
                    score = 4 * (w == x1 - x0) + 2 * (y + h in (left_wall, right_wall))
                    if best_key is None or score > best_key:
                        best, best_key = (j, turn, w, h), score
            if best is None:
                if x0 == 0 and x1 == W:
                    break
                for x in range(x0, x1):
                    height[x] = min(left_wall, right_wall)
                continue
            j, turn, w, h = best
            top = y + h
            at_left = top == left_wall or (top != right_wall and left_wall >= right_wall)
            px = x0 if at_left else x1 - w
            for x in range(px, px + w):
                height[x] = top
            bins[j], xs[j], ys[j], rot[j] = b, px, y, turn
            unplaced.remove(j)
            placed_here += 1
        if placed_here == 0:
            raise ValueError("an item fits in no bin")
        b += 1
    return bins, xs, ys, rot
