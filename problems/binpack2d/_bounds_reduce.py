"""Reduction procedures for 2D bin packing: bins that some optimal packing is known to contain.

A reduction fixes a set ``S`` of items to a bin of its own when some optimal
packing has a bin holding exactly ``S``. Then ``OPT(I) = 1 + OPT(I \\ S)``, so
any lower bound on the rest plus the fixed bins is a lower bound on ``I``, and
often a stronger one: the fixed bin's unused space no longer dilutes the area
and DFF arguments of the rest. These are the 2D forms of the Martello–Toth
reduction (Martello & Toth 1990, *Knapsack Problems*, ch. 8) as used for 2D
bin packing by Carlier, Clautiaux & Moukrim (2007, "New reduction procedures
and lower bounds for the two-dimensional bin packing problem with fixed
orientation", Comput. Oper. Res. 34) and Boschetti & Mingozzi (2003, "The
two-dimensional finite bin packing problem", 4OR 1).

Two rules, applied to the largest items first and repeated until neither fires
(each is argued on the instance left by the earlier fixings, which is enough by
induction because each fixing keeps ``OPT(I) = fixed + OPT(rest)``):

**R1 (all its partners fit with it).** Let ``C(i)`` be the items that can share
a bin with item ``i`` (:func:`._bounds_colgen.conflicts`). If ``{i} ∪ C(i)``
fits one bin (shown by a bottom-left placement, so a "no" only means the rule
does not fire), fix it. Why: in an optimal packing the bin of ``i`` holds ``i``
and some items of ``C(i)`` (nothing else can share it). Put all of ``C(i)``
there instead and delete those items from their other bins: it still fits, and
no bin was added.

**R2 (one partner, and a dominant one).** If no two items of ``C(i)`` fit in
one bin together with ``i`` (each triple checked exactly: three rectangles fit
a bin iff a guillotine arrangement of them does), and some ``j ∈ C(i)`` is at
least as wide and as tall as every other item of ``C(i)``, fix ``{i, j}``.
Why: in an optimal packing the bin of ``i`` holds ``i`` and at most one item
``k`` of ``C(i)``. If ``k = j`` we are done. Otherwise move ``j`` into the bin
of ``i`` (``{i, j}`` fits) and ``k`` (if any) into the place ``j`` left,
which holds it since ``k`` is no wider and no taller than ``j``. No bin is
added. Only without rotation (with it, "no wider and no taller" would have to
hold in the orientation ``j`` was placed, which the rule does not know).

Both rules need only that the items they move fit where they are moved. The
destructive bound (:mod:`._bounds_destructive`) asks CP-SAT about the items left
(a smaller model: on CLASS05_040_04, 0.34 s of CPU instead of 0.64 s to prove
12 bins too few) and adds the fixed bins back. As a bound of its own (fixed bins
plus the cheap bound of the rest) it raised the cheap bound on 6 of the 500
classic instances and the best bound on none, and it is not monotone under
adding items (an added item can stop a rule from firing), so it is not reported.
"""
from __future__ import annotations

import numpy as np

from nnopt.problems.binpack2d._instance import BinPackInstance

__all__ = ["reduce_instance", "sub_instance", "fits_three", "MAX_PARTNERS_R2", "MAX_ITEMS_REDUCE"]

#: R2 checks every pair of an item's partners; above this many partners it is skipped.
MAX_PARTNERS_R2 = 12
#: Above this many items no reduction is tried (R1's fit check is quadratic).
MAX_ITEMS_REDUCE = 2000


def fits_three(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int], W: int, H: int) -> bool:
    """Whether three rectangles (fixed orientation) fit one ``W x H`` bin, exactly.

    Three rectangles that fit can always be placed so that a straight cut
    separates one of them from the other two (a non-guillotine placement needs
    at least five rectangles), and the other two then sit side by side or
    stacked. So it is enough to try each rectangle as the one cut off, by a
    vertical or a horizontal cut, with the other two side by side or stacked.
    """
    items = (a, b, c)
    for k in range(3):
        x = items[k]
        p, q = (items[t] for t in range(3) if t != k)
        # the pair (p, q) as one block: side by side or stacked
        for bw, bh in ((p[0] + q[0], max(p[1], q[1])), (max(p[0], q[0]), p[1] + q[1])):
            if x[0] + bw <= W and max(x[1], bh) <= H:  # vertical cut
                return True
            if max(x[0], bw) <= W and x[1] + bh <= H:  # horizontal cut
                return True
    return False


def _bottom_left_fits(w: np.ndarray, h: np.ndarray, W: int, H: int) -> bool:
    from nnopt.problems.binpack2d._bounds_colgen import _bottom_left

    if int((w * h).sum()) > W * H:
        return False
    shapes = [[(int(a), int(b))] for a, b in zip(w, h)]
    for key in (lambda s: -s[0][0] * s[0][1], lambda s: -s[0][1], lambda s: -s[0][0]):
        if _bottom_left(sorted(shapes, key=key), W, H):
            return True
    return False


def reduce_instance(inst: BinPackInstance) -> tuple[int, np.ndarray]:
    """``(fixed bins, mask of the items left)`` after rules R1 and R2 (module docstring).

    ``OPT(inst) = fixed + OPT(items left)``. With rotation only R1 runs; above
    :data:`MAX_ITEMS_REDUCE` items nothing is fixed.
    """
    from nnopt.problems.binpack2d._bounds_colgen import conflicts

    n = inst.n
    left = np.ones(n, dtype=bool)
    if n == 0 or n > MAX_ITEMS_REDUCE:
        return 0, left
    W, H = inst.bin_width, inst.bin_height
    w = np.asarray(inst.widths, dtype=np.int64)
    h = np.asarray(inst.heights, dtype=np.int64)
    compatible = ~conflicts(inst)
    np.fill_diagonal(compatible, False)
    order = np.lexsort((np.arange(n), -(w * h)))
    fixed = 0
    changed = True
    while changed:
        changed = False
        for i in order.tolist():
            if not left[i]:
                continue
            part = np.flatnonzero(compatible[i] & left)
            group = np.append(part, i)
            if inst.allow_rotation:
                fit = part.size == 0 or (part.size < 40 and _fits_rotating(inst, group))
            else:
                fit = part.size == 0 or _bottom_left_fits(w[group], h[group], W, H)
            if fit:
                left[group] = False
                fixed += 1
                changed = True
                continue
            if inst.allow_rotation or part.size > MAX_PARTNERS_R2:
                continue
            # R2: is some partner at least as wide and as tall as every other?
            j = int(part[np.lexsort((part, -h[part], -w[part]))[0]])
            if not (np.all(w[part] <= w[j]) and np.all(h[part] <= h[j])):
                continue
            lone = all(not fits_three((w[i], h[i]), (w[a], h[a]), (w[b], h[b]), W, H)
                       for x, a in enumerate(part.tolist()) for b in part[x + 1:].tolist())
            if lone:
                left[[i, j]] = False
                fixed += 1
                changed = True
    return fixed, left


def _fits_rotating(inst: BinPackInstance, group: np.ndarray) -> bool:
    from nnopt.problems.binpack2d._bounds_colgen import _bottom_left
    from nnopt.problems.binpack2d._bounds_dff import orientations

    pw, ph, ok = orientations(inst)
    W, H = inst.bin_width, inst.bin_height
    if int((inst.widths[group] * inst.heights[group]).sum()) > W * H:
        return False
    shapes = [[(int(pw[i, o]), int(ph[i, o])) for o in (0, 1) if ok[i, o]] for i in group.tolist()]
    for key in (lambda s: -s[0][0] * s[0][1], lambda s: -max(b for _, b in s), lambda s: -max(a for a, _ in s)):
        if _bottom_left(sorted(shapes, key=key), W, H):
            return True
    return False


def sub_instance(inst: BinPackInstance, mask: np.ndarray) -> BinPackInstance:
    """The instance of the items in ``mask`` (same bin, same rotation rule)."""
    types = tuple((int(a), int(b), 1) for a, b in zip(inst.widths[mask], inst.heights[mask]))
    return BinPackInstance(name=inst.name + "-reduced", bin_width=inst.bin_width, bin_height=inst.bin_height,
                           item_types=types, allow_rotation=inst.allow_rotation)
