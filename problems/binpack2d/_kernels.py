"""Numba kernels: the 2D bin packing decoders (the hot path).

Pure functions over arrays and scalars; no Python objects inside. The public
kernel is :func:`pack_batch`; the Python-facing wrapper in ``_problem`` validates,
allocates and calls it. ``_kernels_reference.pack_one_python`` is the slow,
readable twin the tests compare against, decision for decision.

Decoding one row
----------------
Items are inserted in the row's ``order``, each in the orientation given by
``rotated`` (indexed by item id; the caller guarantees it fits an empty bin).
For each item the *rule* scores every candidate position in a bin, and the
best one (smallest key) is taken (the shelf rules, below, work differently). Keys are ``(s1, s2, y, x)``, compared
lexicographically, so the choice never depends on the order of a free list:

==========================  =====================================  ==============
rule                        candidates                             (s1, s2)
==========================  =====================================  ==============
MaxRects BSSF (0)           lower-left corner of each free rect    (short leftover, long leftover)
Skyline BL (1)              left end of each skyline segment       (top edge y + h, 0)
MaxRects BLSF (2)           as MaxRects                            (long leftover, short leftover)
MaxRects BAF (3)            as MaxRects                            (free area - item area, short leftover)
MaxRects BL (4)             as MaxRects                            (top edge y + h, 0)
MaxRects CP (5)             as MaxRects                            (-contact perimeter, 0)
Skyline MinWaste (6)        left and right ends of each segment    (area wasted below, top edge)
Guillotine BAF (10 to 15)   lower-left corner of each free rect    (free area - item area, short leftover)
==========================  =====================================  ==============

``(y, x)`` only break ties between positions inside one bin (a lower x says
nothing about which *bin* is better), so the bottom-left rules score ``(top, 0)``.

Contact perimeter (CP) counts the item's edge length lying on the bin's border
or on an already placed item of the same bin (Jylanki's definition).

Bin choice: ``BIN_FIRST_FIT`` (0) takes the first open bin, in opening order,
where the item fits anywhere; ``BIN_GLOBAL_BEST`` (1) takes the bin with the
smallest ``(s1, s2)`` over all open bins, ties to the lowest bin index. If the
item fits no open bin a new one is opened (the item goes to its (0, 0) corner).

Guillotine (Jylanki's GUILLOTINE-BAF-*): a bin's free rectangles are disjoint,
so a lower-left corner names one of them and the ``(y, x)`` tie-break is
exact. The item takes the chosen rectangle's lower-left corner; the L-shaped
rest is cut in two by one straight cut, *horizontal* (along the item's top
edge: a top piece as wide as the free rectangle, a right piece as tall as the
item) or *vertical* (along its right edge: a right piece as tall as the free
rectangle, a top piece as wide as the item). With ``dw, dh`` the leftover
width and height of an ``fw x fh`` free rectangle and a ``w x h`` item, the
split rules cut horizontally when:

======================  ====  ===========================================
rule                    id    horizontal cut when
======================  ====  ===========================================
guillotine-baf-slas     10    ``dw <= dh``   (shorter leftover axis)
guillotine-baf-llas     11    ``dw > dh``    (longer leftover axis)
guillotine-baf-minas    12    ``w * dh > dw * h``  (the smaller piece as small as possible)
guillotine-baf-maxas    13    ``w * dh <= dw * h`` (the smaller piece as large as possible)
guillotine-baf-sas      14    ``fw <= fh``   (shorter axis of the free rectangle)
guillotine-baf-las      15    ``fw > fh``    (longer axis)
======================  ====  ===========================================

Free rectangles are never merged (Jylanki's "-RM" / rectpack's ``merge=True``
improvement): merging two free neighbours can join pieces of different
branches of the cut tree, and the packing then need not be guillotine-cuttable
any more. Without it every bin *is* cuttable by guillotine cuts (the tests
check it); merging saved only 0.1 to 0.6 % of the bins per split rule on the
500 classic instances (area order).

Shelf rules (7 to 9; items in the row's order, each shelf as tall as its first
item, items left to right on a shelf, shelves stacked from y = 0 up):

- ``shelf-nf`` (Next Fit): the current shelf of the current bin if the item
  fits on it; else a new shelf on top of it if the bin has height room; else a
  new bin;
- ``shelf-ff`` (First Fit): the first shelf (bins in opening order, shelves
  bottom to top) with width room that is tall enough; else a new shelf on top
  of the first bin with height room; else a new bin;
- ``shelf-fbs`` (Finite Best Strip, Berkey & Wang): items go first onto the
  shelves of an infinite strip by Best Fit (the tall-enough shelf left with the
  least width, ties to the shelf opened first; else a new shelf), then the
  shelves, as 1D items of their heights, into bins by Best Fit Decreasing
  (tallest shelf first, ties in opening order; the bin left with the least
  height, ties to the lowest bin; else a new bin).

On items in decreasing height these are NFDH / FFDH / FBS (finite NFDH, FFF,
FBS of Berkey & Wang). The shelf rules ignore ``bin_choice``: each one fixes
its own choice of shelf and bin.

Data layout (one workspace per chunk of rows, reused across its rows)
---------------------------------------------------------------------
``F[b, :, k]`` holds bin ``b``'s k-th free rectangle ``(x, y, right, top)``
for MaxRects and Guillotine, or its k-th skyline segment ``(x, height, width, -)`` for
Skyline, segments sorted by x and merged (neighbours never share a height, so
the segmentation is canonical). Coordinates lie along the last axis, so a
bin's scans run over contiguous memory (the containment test vectorises).
``F`` grows by doubling (bins and capacity) only when full. After a MaxRects
split only the new rectangles are tested for containment (in the kept old
ones and in each other): an old rectangle cannot lie inside a new one, since
the new ones are parts of old maximal rectangles. Per-bin bounds (free area,
widest / tallest free rectangle, lowest skyline) skip bins that cannot take
the item, or (global best, Skyline BL) cannot beat the best bin so far.
A Guillotine placement replaces one free rectangle by at most two. The shelf
rules work on their own workspace ``S`` (``_SHELF_ROWS`` rows of n: shelf, bin
and item records, see ``_S_*``), allocated once per chunk like ``F``.

Skyline BL with either bin choice places every item where rectpack's
``SkylineBl`` (unsorted, no rotation, ``PackingBin.BFF`` / ``BBF``) does; the
tests check it.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "BIN_CHOICE",
    "BIN_FIRST_FIT",
    "BIN_GLOBAL_BEST",
    "RULE_GUILLOTINE_BAF_LAS",
    "RULE_GUILLOTINE_BAF_LLAS",
    "RULE_GUILLOTINE_BAF_MAXAS",
    "RULE_GUILLOTINE_BAF_MINAS",
    "RULE_GUILLOTINE_BAF_SAS",
    "RULE_GUILLOTINE_BAF_SLAS",
    "RULE_MAXRECTS_BAF",
    "RULE_MAXRECTS_BL",
    "RULE_MAXRECTS_BLSF",
    "RULE_MAXRECTS_BSSF",
    "RULE_MAXRECTS_CP",
    "RULE_NAMES",
    "RULE_SHELF_FBS",
    "RULE_SHELF_FF",
    "RULE_SHELF_NF",
    "RULE_SKYLINE_BL",
    "RULE_SKYLINE_MINWASTE",
    "pack_assigned_batch",
    "pack_batch",
]

RULE_MAXRECTS_BSSF = 0
RULE_SKYLINE_BL = 1
RULE_MAXRECTS_BLSF = 2
RULE_MAXRECTS_BAF = 3
RULE_MAXRECTS_BL = 4
RULE_MAXRECTS_CP = 5
RULE_SKYLINE_MINWASTE = 6
RULE_SHELF_NF = 7
RULE_SHELF_FF = 8
RULE_SHELF_FBS = 9
RULE_GUILLOTINE_BAF_SLAS = 10
RULE_GUILLOTINE_BAF_LLAS = 11
RULE_GUILLOTINE_BAF_MINAS = 12
RULE_GUILLOTINE_BAF_MAXAS = 13
RULE_GUILLOTINE_BAF_SAS = 14
RULE_GUILLOTINE_BAF_LAS = 15
_N_RULES = 16

#: Decoder name -> rule constant (the implemented rules only).
RULE_NAMES = {
    "maxrects-bssf": RULE_MAXRECTS_BSSF,
    "skyline-bl": RULE_SKYLINE_BL,
    "maxrects-blsf": RULE_MAXRECTS_BLSF,
    "maxrects-baf": RULE_MAXRECTS_BAF,
    "maxrects-bl": RULE_MAXRECTS_BL,
    "maxrects-cp": RULE_MAXRECTS_CP,
    "skyline-minwaste": RULE_SKYLINE_MINWASTE,
    "shelf-nf": RULE_SHELF_NF,
    "shelf-ff": RULE_SHELF_FF,
    "shelf-fbs": RULE_SHELF_FBS,
    "guillotine-baf-slas": RULE_GUILLOTINE_BAF_SLAS,
    "guillotine-baf-llas": RULE_GUILLOTINE_BAF_LLAS,
    "guillotine-baf-minas": RULE_GUILLOTINE_BAF_MINAS,
    "guillotine-baf-maxas": RULE_GUILLOTINE_BAF_MAXAS,
    "guillotine-baf-sas": RULE_GUILLOTINE_BAF_SAS,
    "guillotine-baf-las": RULE_GUILLOTINE_BAF_LAS,
}

BIN_FIRST_FIT = 0
BIN_GLOBAL_BEST = 1

#: Bin selection per rule: the MaxRects leftover rules do better choosing the best
#: bin over all open bins (1), the bottom-left and skyline rules with first fit (0)
#: (measured over the 500 classic instances, area order; see the module docstring).
#: Guillotine: global best, fewer bins for every split rule as the best of the sort
#: orders, and in area order for all but llas / maxas (1 and 4 bins more of ~7900).
#: The shelf rules ignore the bin choice.
BIN_CHOICE = {
    "maxrects-bssf": BIN_GLOBAL_BEST,
    "maxrects-blsf": BIN_GLOBAL_BEST,
    "maxrects-baf": BIN_GLOBAL_BEST,
    "guillotine-baf-slas": BIN_GLOBAL_BEST,
    "guillotine-baf-llas": BIN_GLOBAL_BEST,
    "guillotine-baf-minas": BIN_GLOBAL_BEST,
    "guillotine-baf-maxas": BIN_GLOBAL_BEST,
    "guillotine-baf-sas": BIN_GLOBAL_BEST,
    "guillotine-baf-las": BIN_GLOBAL_BEST,
}

#: Initial free-rectangle / segment slots per bin and initial bin rows of a workspace.
_INIT_CAP = 16
_INIT_BINS = 32
#: A batch is cut into at most this many chunks of rows, one workspace each.
_MAX_CHUNKS = 256
#: Smaller batches are decoded on the calling thread.
_PARALLEL_MIN_ROWS = 4


@njit(cache=True)
def _key_less(a1, a2, a3, a4, b1, b2, b3, b4):
    if a1 != b1:
        return a1 < b1
    if a2 != b2:
        return a2 < b2
    if a3 != b3:
        return a3 < b3
    return a4 < b4


@njit(cache=True)
def _is_skyline(rule):
    return rule == RULE_SKYLINE_BL or rule == RULE_SKYLINE_MINWASTE


@njit(cache=True)
def _is_shelf(rule):
    return RULE_SHELF_NF <= rule <= RULE_SHELF_FBS


@njit(cache=True)
def _is_guillotine(rule):
    return RULE_GUILLOTINE_BAF_SLAS <= rule <= RULE_GUILLOTINE_BAF_LAS


# ----------------------------------------------------------------------------- MaxRects


@njit(cache=True)
def _common_interval(a0, a1, b0, b1):
    if a1 < b0 or b1 < a0:
        return 0
    return min(a1, b1) - max(a0, b0)


@njit(cache=True)
def _contact(b, x, y, w, h, W, H, ox, oy, pw, ph, last, prev):
    """Contact perimeter of (x, y, w, h) with bin b's border and its placed items."""
    c = 0
    if x == 0 or x + w == W:
        c += h
    if y == 0 or y + h == H:
        c += w
    it = last[b]
    while it >= 0:
        rx = ox[it]
        ry = oy[it]
        rw = pw[it]
        rh = ph[it]
        if rx == x + w or rx + rw == x:
            c += _common_interval(ry, ry + rh, y, y + h)
        if ry == y + h or ry + rh == y:
            c += _common_interval(rx, rx + rw, x, x + w)
        it = prev[it]
    return c


@njit(cache=True)
def _mr_best(F, b, cnt, w, h, W, H, rule, ox, oy, pw, ph, last, prev):
    """Best position of a w x h item in MaxRects (or Guillotine) bin b: (found, s1, s2, x, y)."""
    X = F[b, 0]
    Y = F[b, 1]
    X2 = F[b, 2]
    Y2 = F[b, 3]
    found = False
    b1 = 0
    b2 = 0
    bx = 0
    by = 0
    for k in range(cnt):
        fw = X2[k] - X[k]
        fh = Y2[k] - Y[k]
        if fw < w or fh < h:
            continue
        x = X[k]
        y = Y[k]
        dw = fw - w
        dh = fh - h
        if rule == RULE_MAXRECTS_BSSF:
            s1 = min(dw, dh)
            s2 = max(dw, dh)
        elif rule == RULE_MAXRECTS_BLSF:
            s1 = max(dw, dh)
            s2 = min(dw, dh)
        elif rule == RULE_MAXRECTS_BL:
            s1 = y + h
            s2 = 0
        elif rule == RULE_MAXRECTS_CP:
            s1 = -_contact(b, x, y, w, h, W, H, ox, oy, pw, ph, last, prev)
            s2 = 0
        else:  # RULE_MAXRECTS_BAF and every Guillotine rule
            s1 = fw * fh - w * h
            s2 = min(dw, dh)
        if not found or _key_less(s1, s2, y, x, b1, b2, by, bx):
            found = True
            b1 = s1
            b2 = s2
            bx = x
            by = y
    return found, b1, b2, bx, by


@njit(cache=True)
def _mr_hits(F, b, cnt, x, y, w, h):
    """Number of bin b's free rectangles overlapping (x, y, w, h) (positive area)."""
    X = F[b, 0]
    Y = F[b, 1]
    X2 = F[b, 2]
    Y2 = F[b, 3]
    x2 = x + w
    y2 = y + h
    c = 0
    for k in range(cnt):
        if (x < X2[k]) & (x2 > X[k]) & (y < Y2[k]) & (y2 > Y[k]):
            c += 1
    return c


@njit(cache=True)
def _mr_place(F, b, cnt, x, y, w, h, T):
    """Split bin b's free rectangles around the placed (x, y, w, h) and prune.

    Returns (new count, widest free width, tallest free height). ``F`` must have
    room for ``cnt + 3 * hits`` rectangles and ``T`` (scratch) for ``4 * hits``.
    """
    X = F[b, 0]
    Y = F[b, 1]
    X2 = F[b, 2]
    Y2 = F[b, 3]
    TX = T[0]
    TY = T[1]
    TX2 = T[2]
    TY2 = T[3]
    x2 = x + w
    y2 = y + h
    j = 0
    m = 0
    for k in range(cnt):
        fx = X[k]
        fy = Y[k]
        fx2 = X2[k]
        fy2 = Y2[k]
        if x >= fx2 or x2 <= fx or y >= fy2 or y2 <= fy:
            if j != k:
                X[j] = fx
                Y[j] = fy
                X2[j] = fx2
                Y2[j] = fy2
            j += 1
            continue
        if x > fx:  # left of the item
            TX[m] = fx
            TY[m] = fy
            TX2[m] = x
            TY2[m] = fy2
            m += 1
        if x2 < fx2:  # right of it
            TX[m] = x2
            TY[m] = fy
            TX2[m] = fx2
            TY2[m] = fy2
            m += 1
        if y > fy:  # below it
            TX[m] = fx
            TY[m] = fy
            TX2[m] = fx2
            TY2[m] = y
            m += 1
        if y2 < fy2:  # above it
            TX[m] = fx
            TY[m] = y2
            TX2[m] = fx2
            TY2[m] = fy2
            m += 1
    kept = j
    for a in range(m):
        ax = TX[a]
        ay = TY[a]
        ax2 = TX2[a]
        ay2 = TY2[a]
        dominated = False
        for c in range(m):
            if c == a:
                continue
            cx = TX[c]
            cy = TY[c]
            cx2 = TX2[c]
            cy2 = TY2[c]
            if cx <= ax and cy <= ay and cx2 >= ax2 and cy2 >= ay2:
                # strictly inside c, or an equal copy of an earlier c
                if c < a or cx != ax or cy != ay or cx2 != ax2 or cy2 != ay2:
                    dominated = True
                    break
        if dominated:
            continue
        # inside a kept old rectangle? (branch-free, so it vectorises)
        inside = False
        for k in range(kept):
            inside |= (X[k] <= ax) & (Y[k] <= ay) & (X2[k] >= ax2) & (Y2[k] >= ay2)
        if not inside:
            X[j] = ax
            Y[j] = ay
            X2[j] = ax2
            Y2[j] = ay2
            j += 1
    maxw = 0
    maxh = 0
    for k in range(j):
        maxw = max(maxw, X2[k] - X[k])
        maxh = max(maxh, Y2[k] - Y[k])
    return j, maxw, maxh


# ----------------------------------------------------------------------------- Skyline


@njit(cache=True)
def _sk_eval(SX, SH, SW, ns, j, x, w, h, top_max, want_waste):
    """Item w x h with left edge x on a skyline; segment j contains x.

    Returns (fits, y, waste): y is the resting height, waste the area left
    below the item (computed only when asked). Fits means a top edge of at
    most ``top_max`` (the bin height, or less when only a lower top can win).
    """
    x2 = x + w
    y = 0
    k = j
    while k < ns and SX[k] < x2:
        if SH[k] > y:
            y = SH[k]
            if y + h > top_max:
                return False, y, 0
        k += 1
    if y + h > top_max:
        return False, y, 0
    waste = 0
    if want_waste:
        for q in range(j, k):
            s0 = max(SX[q], x)
            s1 = min(SX[q] + SW[q], x2)
            waste += (y - SH[q]) * (s1 - s0)
    return True, y, waste


@njit(cache=True)
def _sk_best(F, b, ns, w, h, W, H, rule):
    """Best position of a w x h item on skyline bin b: (found, s1, s2, x, y)."""
    SX = F[b, 0]
    SH = F[b, 1]
    SW = F[b, 2]
    found = False
    b1 = 0
    b2 = 0
    bx = 0
    by = 0
    mw = rule == RULE_SKYLINE_MINWASTE
    for i in range(ns):
        x = SX[i]
        if x + w > W:
            break
        # bottom-left: only a strictly lower top beats the best so far (x grows)
        top_max = H if mw or not found else min(H, b1 - 1)
        ok, y, waste = _sk_eval(SX, SH, SW, ns, i, x, w, h, top_max, mw)
        if not ok:
            continue
        if mw:
            s1 = waste
            s2 = y + h
        else:
            s1 = y + h
            s2 = 0
        if not found or _key_less(s1, s2, y, x, b1, b2, by, bx):
            found = True
            b1 = s1
            b2 = s2
            bx = x
            by = y
    if mw:
        # right edge of the item on the right end of each segment
        j = 0
        for i in range(ns):
            x = SX[i] + SW[i] - w
            if x < 0:
                continue
            while SX[j] + SW[j] <= x:
                j += 1
            ok, y, waste = _sk_eval(SX, SH, SW, ns, j, x, w, h, H, True)
            if not ok:
                continue
            s1 = waste
            s2 = y + h
            if not found or _key_less(s1, s2, y, x, b1, b2, by, bx):
                found = True
                b1 = s1
                b2 = s2
                bx = x
                by = y
    return found, b1, b2, bx, by


@njit(cache=True)
def _sk_push(T, m, x, hgt, wid):
    if m > 0 and T[1, m - 1] == hgt:
        T[2, m - 1] += wid
        return m
    T[0, m] = x
    T[1, m] = hgt
    T[2, m] = wid
    return m + 1


@njit(cache=True)
def _sk_place(F, b, ns, x, y, w, h, T):
    """Raise bin b's skyline over [x, x + w) to y + h. Returns (segments, lowest height).

    ``F`` and ``T`` (scratch) must have room for ``ns + 2`` segments.
    """
    SX = F[b, 0]
    SH = F[b, 1]
    SW = F[b, 2]
    top = y + h
    x2 = x + w
    m = 0
    inserted = False
    for k in range(ns):
        s0 = SX[k]
        sh = SH[k]
        s1 = s0 + SW[k]
        if s1 <= x:
            m = _sk_push(T, m, s0, sh, s1 - s0)
        elif s0 >= x2:
            if not inserted:
                m = _sk_push(T, m, x, top, w)
                inserted = True
            m = _sk_push(T, m, s0, sh, s1 - s0)
        else:
            if s0 < x:
                m = _sk_push(T, m, s0, sh, x - s0)
            if not inserted:
                m = _sk_push(T, m, x, top, w)
                inserted = True
            if s1 > x2:
                m = _sk_push(T, m, x2, sh, s1 - x2)
    minh = T[1, 0]
    for k in range(m):
        SX[k] = T[0, k]
        SH[k] = T[1, k]
        SW[k] = T[2, k]
        minh = min(minh, T[1, k])
    return m, minh


# ----------------------------------------------------------------------------- Guillotine


@njit(cache=True)
def _gl_split_horizontal(rule, fw, fh, w, h):
    """Whether the rule cuts the rest of an fw x fh free rectangle horizontally.

    A horizontal cut runs along the item's top edge across the whole free
    rectangle (top piece fw wide, right piece h tall); a vertical one along its
    right edge (right piece fh tall, top piece w wide). Jylanki's conditions.
    """
    dw = fw - w
    dh = fh - h
    if rule == RULE_GUILLOTINE_BAF_SLAS:
        return dw <= dh
    if rule == RULE_GUILLOTINE_BAF_LLAS:
        return dw > dh
    if rule == RULE_GUILLOTINE_BAF_MINAS:
        return w * dh > dw * h
    if rule == RULE_GUILLOTINE_BAF_MAXAS:
        return w * dh <= dw * h
    if rule == RULE_GUILLOTINE_BAF_SAS:
        return fw <= fh
    return fw > fh  # RULE_GUILLOTINE_BAF_LAS


@njit(cache=True)
def _gl_place(F, b, cnt, x, y, w, h, rule):
    """Put a w x h item on the free rectangle of bin b whose lower-left corner is (x, y).

    The rectangle leaves the list; the rest of it beside the item goes back as
    two rectangles (empty ones dropped), cut by the rule's split.
    Returns (new count, widest free width, tallest free height); ``F`` needs
    ``cnt + 1`` slots.
    """
    X = F[b, 0]
    Y = F[b, 1]
    X2 = F[b, 2]
    Y2 = F[b, 3]
    k = 0
    while X[k] != x or Y[k] != y:  # disjoint rectangles: one per lower-left corner
        k += 1
    fx2 = X2[k]
    fy2 = Y2[k]
    horizontal = _gl_split_horizontal(rule, fx2 - x, fy2 - y, w, h)
    cnt -= 1
    X[k] = X[cnt]
    Y[k] = Y[cnt]
    X2[k] = X2[cnt]
    Y2[k] = Y2[cnt]
    x2 = x + w
    y2 = y + h
    if x2 < fx2:  # right of the item
        X[cnt] = x2
        Y[cnt] = y
        X2[cnt] = fx2
        Y2[cnt] = y2 if horizontal else fy2
        cnt += 1
    if y2 < fy2:  # above it
        X[cnt] = x
        Y[cnt] = y2
        X2[cnt] = fx2 if horizontal else x2
        Y2[cnt] = fy2
        cnt += 1
    maxw = 0
    maxh = 0
    for k in range(cnt):
        maxw = max(maxw, X2[k] - X[k])
        maxh = max(maxh, Y2[k] - Y[k])
    return cnt, maxw, maxh


# ----------------------------------------------------------------------------- Shelf

#: Rows of a shelf workspace ``S`` (each of length n): per shelf, per bin, per item.
_S_BIN, _S_Y, _S_HEIGHT, _S_USED, _S_NEXT, _S_BIN_FIRST, _S_BIN_LAST, _S_BIN_TOP, _S_ITEM = range(9)
_S_BIN_ROOM, _S_BIN_TALLEST = 9, 10
_SHELF_ROWS = 11


@njit(cache=True)
def _shelf_nf(widths, heights, W, H, order, rot, ob, ox, oy):
    """Next Fit: only the current shelf of the current bin takes items."""
    nb = 0
    sy = 0  # current shelf: bottom, height, width used
    sh = 0
    su = 0
    for t in range(order.shape[0]):
        it = order[t]
        if rot[it] != 0:
            w = heights[it]
            h = widths[it]
        else:
            w = widths[it]
            h = heights[it]
        if nb > 0 and h <= sh and su + w <= W:
            pass
        elif nb > 0 and sy + sh + h <= H:  # a new shelf on top of the current one
            sy += sh
            sh = h
            su = 0
        else:
            nb += 1
            sy = 0
            sh = h
            su = 0
        ob[it] = nb - 1
        ox[it] = su
        oy[it] = sy
        su += w


@njit(cache=True)
def _shelf_ff(widths, heights, W, H, order, rot, ob, ox, oy, S):
    """First Fit: the first shelf (bins in opening order, shelves bottom to top) that takes the item.

    A bin is skipped when its widest shelf room or its tallest shelf is too small.
    """
    sbin = S[_S_BIN]
    sy = S[_S_Y]
    sh = S[_S_HEIGHT]
    su = S[_S_USED]
    snext = S[_S_NEXT]
    bfirst = S[_S_BIN_FIRST]
    blast = S[_S_BIN_LAST]
    btop = S[_S_BIN_TOP]
    broom = S[_S_BIN_ROOM]
    btallest = S[_S_BIN_TALLEST]
    nb = 0
    ns = 0
    for t in range(order.shape[0]):
        it = order[t]
        if rot[it] != 0:
            w = heights[it]
            h = widths[it]
        else:
            w = widths[it]
            h = heights[it]
        s = -1
        room = W - w
        for b in range(nb):
            if broom[b] < w or btallest[b] < h:
                continue
            q = bfirst[b]
            while q >= 0:
                if h <= sh[q] and su[q] <= room:
                    s = q
                    break
                q = snext[q]
            if s >= 0:
                break
        if s < 0:
            # a new shelf on top of the first bin with height room, or in a new bin
            bb = -1
            for b in range(nb):
                if btop[b] + h <= H:
                    bb = b
                    break
            if bb < 0:
                bb = nb
                nb += 1
                bfirst[bb] = -1
                blast[bb] = -1
                btop[bb] = 0
                broom[bb] = 0
                btallest[bb] = 0
            s = ns
            ns += 1
            sbin[s] = bb
            sy[s] = btop[bb]
            sh[s] = h
            su[s] = 0
            snext[s] = -1
            if blast[bb] >= 0:
                snext[blast[bb]] = s
            else:
                bfirst[bb] = s
            blast[bb] = s
            btop[bb] += h
            btallest[bb] = max(btallest[bb], h)
        ob[it] = sbin[s]
        ox[it] = su[s]
        oy[it] = sy[s]
        su[s] += w
        b = sbin[s]
        room = 0
        q = bfirst[b]
        while q >= 0:
            room = max(room, W - su[q])
            q = snext[q]
        broom[b] = room


@njit(cache=True)
def _shelf_fbs(widths, heights, W, H, order, rot, ob, ox, oy, S):
    """Finite Best Strip: Best Fit shelves of a strip, then Best Fit Decreasing of the shelves into bins."""
    sbin = S[_S_BIN]
    sy = S[_S_Y]
    sh = S[_S_HEIGHT]
    su = S[_S_USED]
    rank = S[_S_NEXT]  # shelves by decreasing height
    btop = S[_S_BIN_TOP]
    item_shelf = S[_S_ITEM]
    n = order.shape[0]
    ns = 0
    for t in range(n):
        it = order[t]
        if rot[it] != 0:
            w = heights[it]
            h = widths[it]
        else:
            w = widths[it]
            h = heights[it]
        # best fit: the shelf left with the least width, ties to the one opened first
        s = -1
        room = W - w
        best = room + 1  # more than any shelf can leave
        for q in range(ns):
            left = room - su[q]
            if 0 <= left < best and h <= sh[q]:
                s = q
                best = left
        if s < 0:
            s = ns
            ns += 1
            sh[s] = h
            su[s] = 0
        item_shelf[it] = s
        ox[it] = su[s]
        su[s] += w
    # shelves by decreasing height, ties in opening order (stable insertion sort)
    for q in range(ns):
        i = q
        while i > 0 and sh[rank[i - 1]] < sh[q]:
            rank[i] = rank[i - 1]
            i -= 1
        rank[i] = q
    # best fit decreasing: the bin left with the least height, ties to the lowest bin
    nb = 0
    for i in range(ns):
        q = rank[i]
        bb = -1
        room = H - sh[q]
        best = room + 1
        for b in range(nb):
            left = room - btop[b]
            if 0 <= left < best:
                bb = b
                best = left
        if bb < 0:
            bb = nb
            nb += 1
            btop[bb] = 0
        sbin[q] = bb
        sy[q] = btop[bb]
        btop[bb] += sh[q]
    for it in range(n):
        s = item_shelf[it]
        ob[it] = sbin[s]
        oy[it] = sy[s]


@njit(cache=True)
def _shelf_row(widths, heights, W, H, order, rot, rule, ob, ox, oy, S):
    if rule == RULE_SHELF_NF:
        _shelf_nf(widths, heights, W, H, order, rot, ob, ox, oy)
    elif rule == RULE_SHELF_FF:
        _shelf_ff(widths, heights, W, H, order, rot, ob, ox, oy, S)
    else:
        _shelf_fbs(widths, heights, W, H, order, rot, ob, ox, oy, S)


# ----------------------------------------------------------------------------- one row


@njit(cache=True)
def _grow(F, nb, cnt, need_bins, need_cap):
    """A copy of F with at least need_bins rows and need_cap slots (doubling)."""
    nbins = F.shape[0]
    cap = F.shape[2]
    while nbins < need_bins:
        nbins *= 2
    while cap < need_cap:
        cap *= 2
    G = np.empty((nbins, 4, cap), dtype=np.int64)
    for b in range(nb):
        for c in range(4):
            for k in range(cnt[b]):
                G[b, c, k] = F[b, c, k]
    return G


@njit(cache=True)
def _open_bin(F, nb, cnt, farea, mfw, mfh, last, W, H, sky):
    """Make bin ``nb`` empty: one free rectangle (or one flat segment) covering it.

    The caller grows ``F`` first (``nb < F.shape[0]``). ``_place_items`` writes
    the same lines out in its loop: a call there (even Numba-inlined, and worse
    one returning the grown array) cost the keys decoder 5 to 10 % in timing.
    """
    F[nb, 0, 0] = 0  # x
    F[nb, 1, 0] = 0  # y (MaxRects) or height (Skyline)
    F[nb, 2, 0] = W  # right edge (MaxRects) or width (Skyline)
    if sky:
        mfh[nb] = 0
    else:
        F[nb, 3, 0] = H
        mfw[nb] = W
        mfh[nb] = H
    cnt[nb] = 1
    farea[nb] = W * H
    last[nb] = -1


@njit(cache=True)
def _place_items(items, targets, nb, widths, heights, W, H, rot, rule, bin_choice, ob, ox, oy,
                 F, tmp, cnt, farea, mfw, mfh, last, prev, pw, ph):
    """Place ``items`` in turn; the per-item step both encodings' decoders share.

    ``targets`` given: item ``it`` may go only into bin ``targets[it]``; one that
    does not fit there is skipped with ``ob[it] = -1`` (deferred by the caller).
    ``targets`` None: the rule's bin choice over all open bins (first fit, or the
    smallest (s1, s2) with ties to the lowest bin), and a new bin, the item at
    its (0, 0) corner, when none takes it. A loop rather than a per-item call:
    a call per item with this many arrays costs more than the placement, and
    ``targets is None`` is pruned at compile time, so the keys decoder's
    specialisation carries no trace of the restriction.
    Returns the (possibly grown) F and tmp and the number of open bins.
    """
    sky = _is_skyline(rule)
    gil = _is_guillotine(rule)
    for t in range(items.shape[0]):
        it = items[t]
        if rot[it] != 0:
            w = heights[it]
            h = widths[it]
        else:
            w = widths[it]
            h = heights[it]
        area = w * h
        if targets is None:
            lo = 0
            hi = nb
        else:
            lo = targets[it]
            hi = lo + 1
        bb = -1
        bs1 = 0
        bs2 = 0
        bx = 0
        by = 0
        for b in range(lo, hi):
            if farea[b] < area:
                continue
            if sky:
                if mfh[b] + h > H:
                    continue
                if rule == RULE_SKYLINE_BL and bb >= 0 and mfh[b] + h >= bs1:
                    continue  # global best: its lowest possible top cannot beat bin bb's
                ok, s1, s2, x, y = _sk_best(F, b, cnt[b], w, h, W, H, rule)
            else:
                if mfw[b] < w or mfh[b] < h:
                    continue
                ok, s1, s2, x, y = _mr_best(F, b, cnt[b], w, h, W, H, rule, ox, oy, pw, ph, last, prev)
            if ok:
                if bb < 0 or s1 < bs1 or (s1 == bs1 and s2 < bs2):
                    bb = b
                    bs1 = s1
                    bs2 = s2
                    bx = x
                    by = y
                if bin_choice == 0:
                    break
        if bb < 0:
            if targets is not None:
                ob[it] = -1
                continue
            # a new bin: the only candidate position is its (0, 0) corner
            if nb >= F.shape[0]:
                F = _grow(F, nb, cnt, nb + 1, 1)
            bb = nb
            nb += 1
            F[bb, 0, 0] = 0  # _open_bin, written out (see its doc)
            F[bb, 1, 0] = 0
            F[bb, 2, 0] = W
            if sky:
                mfh[bb] = 0
            else:
                F[bb, 3, 0] = H
                mfw[bb] = W
                mfh[bb] = H
            cnt[bb] = 1
            farea[bb] = W * H
            last[bb] = -1
        if sky:
            need = cnt[bb] + 2
            if need > F.shape[2]:
                F = _grow(F, nb, cnt, nb, need)
            if tmp.shape[1] < need:
                tmp = np.empty((4, 4 * F.shape[2]), dtype=np.int64)
            c, low = _sk_place(F, bb, cnt[bb], bx, by, w, h, tmp)
            cnt[bb] = c
            mfh[bb] = low
        elif gil:
            need = cnt[bb] + 1
            if need > F.shape[2]:
                F = _grow(F, nb, cnt, nb, need)
            c, maxw, maxh = _gl_place(F, bb, cnt[bb], bx, by, w, h, rule)
            cnt[bb] = c
            mfw[bb] = maxw
            mfh[bb] = maxh
        else:
            hits = _mr_hits(F, bb, cnt[bb], bx, by, w, h)
            need = cnt[bb] + 3 * hits
            if need > F.shape[2]:
                F = _grow(F, nb, cnt, nb, need)
            if tmp.shape[1] < 4 * hits:
                tmp = np.empty((4, 4 * F.shape[2]), dtype=np.int64)
            c, maxw, maxh = _mr_place(F, bb, cnt[bb], bx, by, w, h, tmp)
            cnt[bb] = c
            mfw[bb] = maxw
            mfh[bb] = maxh
        farea[bb] -= area
        ob[it] = bb
        ox[it] = bx
        oy[it] = by
        pw[it] = w
        ph[it] = h
        prev[it] = last[bb]
        last[bb] = it
    return F, tmp, nb


@njit(cache=True)
def _pack_row(widths, heights, W, H, order, rot, rule, bin_choice, ob, ox, oy,
              F, tmp, cnt, farea, mfw, mfh, last, prev, pw, ph):
    """Decode one order into (ob, ox, oy); returns the (possibly grown) F and tmp.

    Per-bin scalars: ``cnt`` free rects / segments, ``farea`` free area, and for
    MaxRects ``mfw``/``mfh`` the widest / tallest free rectangle (a quick
    reject), for Skyline ``mfh`` the lowest skyline height. ``last``/``prev``
    chain each bin's placed items (for the contact score).
    """
    F, tmp, _ = _place_items(order, None, 0, widths, heights, W, H, rot, rule, bin_choice, ob, ox, oy,
                             F, tmp, cnt, farea, mfw, mfh, last, prev, pw, ph)
    return F, tmp


@njit(cache=True)
def _group_by_target(targets, n_assigned, order, grouped, start):
    """Items grouped by target bin (bins in index order), each group in ``order``.

    A counting sort: ``start`` (n_assigned + 1 slots) is scratch.
    """
    for b in range(n_assigned + 1):
        start[b] = 0
    for i in range(targets.shape[0]):
        start[targets[i] + 1] += 1
    for b in range(n_assigned):
        start[b + 1] += start[b]
    for t in range(order.shape[0]):
        it = order[t]
        grouped[start[targets[it]]] = it
        start[targets[it]] += 1


@njit(cache=True)
def _pack_assigned_row(widths, heights, W, H, targets, n_assigned, order, area_order, rot, rule, bin_choice,
                       ob, ox, oy, F, tmp, cnt, farea, mfw, mfh, last, prev, pw, ph, grouped, start, label):
    """Decode one item-to-bin assignment into (ob, ox, oy); returns the (possibly grown) F and tmp.

    ``n_assigned`` empty bins are opened. Pass 1: each item, grouped by target
    bin in the row's ``order``, is tried in its target bin only; one that does not
    fit is deferred. Pass 2: the deferred items, in ``area_order``, take the
    rule's bin choice over all open bins, opening new ones as needed. Bins are
    then renumbered 0.. in order of first use, empty ones dropped, so a
    packing looks like the keys decoder's (contiguous bins).
    """
    n = targets.shape[0]
    sky = _is_skyline(rule)
    if n_assigned > F.shape[0]:
        F = _grow(F, 0, cnt, n_assigned, 1)
    for b in range(n_assigned):
        _open_bin(F, b, cnt, farea, mfw, mfh, last, W, H, sky)
    for b in range(label.shape[0]):
        label[b] = -1
    _group_by_target(targets, n_assigned, order, grouped, start)
    F, tmp, nb = _place_items(grouped, targets, n_assigned, widths, heights, W, H, rot, rule, bin_choice,
                              ob, ox, oy, F, tmp, cnt, farea, mfw, mfh, last, prev, pw, ph)
    # pass 1 filled bins in index order: that is their order of first use
    for it in range(n):
        if ob[it] >= 0:
            label[ob[it]] = 0
    used = 0
    for b in range(n_assigned):
        if label[b] == 0:
            label[b] = used
            used += 1
    nd = 0
    for t in range(n):
        it = area_order[t]
        if ob[it] < 0:
            grouped[nd] = it  # reused: the deferred items, by descending area
            nd += 1
    deferred = grouped[:nd]
    F, tmp, nb = _place_items(deferred, None, nb, widths, heights, W, H, rot, rule, bin_choice,
                              ob, ox, oy, F, tmp, cnt, farea, mfw, mfh, last, prev, pw, ph)
    for t in range(nd):
        b = ob[deferred[t]]
        if label[b] < 0:
            label[b] = used
            used += 1
    for it in range(n):
        ob[it] = label[ob[it]]
    return F, tmp


# ----------------------------------------------------------------------------- batch


@njit(cache=True)
def _workspace(n_bins, init_bins, init_cap):
    """Free-space arrays and per-bin / per-item scalars for up to ``n_bins`` bins (one per chunk)."""
    F = np.empty((max(1, min(n_bins, init_bins)), 4, max(1, init_cap)), dtype=np.int64)
    tmp = np.empty((4, 4 * F.shape[2]), dtype=np.int64)
    cnt = np.zeros(n_bins, dtype=np.int64)
    farea = np.empty(n_bins, dtype=np.int64)
    mfw = np.empty(n_bins, dtype=np.int64)
    mfh = np.empty(n_bins, dtype=np.int64)
    last = np.empty(n_bins, dtype=np.int64)
    return F, tmp, cnt, farea, mfw, mfh, last


@njit(cache=True)
def _pack_rows(widths, heights, W, H, orders, rotated, rule, bin_choice,
               out_bin, out_x, out_y, lo, hi, init_bins, init_cap):
    """Decode rows lo..hi-1 serially with one workspace, allocated here once."""
    n = orders.shape[1]
    if _is_shelf(rule):
        S = np.empty((_SHELF_ROWS, n), dtype=np.int64)
        for r in range(lo, hi):
            _shelf_row(widths, heights, W, H, orders[r], rotated[r], rule, out_bin[r], out_x[r], out_y[r], S)
        return
    F, tmp, cnt, farea, mfw, mfh, last = _workspace(n, init_bins, init_cap)
    prev = np.empty(n, dtype=np.int64)
    pw = np.empty(n, dtype=np.int64)
    ph = np.empty(n, dtype=np.int64)
    for r in range(lo, hi):
        F, tmp = _pack_row(widths, heights, W, H, orders[r], rotated[r], rule, bin_choice,
                           out_bin[r], out_x[r], out_y[r],
                           F, tmp, cnt, farea, mfw, mfh, last, prev, pw, ph)


@njit(cache=True)
def _check_args(rule, bin_choice):
    if rule < 0 or rule >= _N_RULES:
        raise ValueError("binpack2d kernel: unknown rule")
    if bin_choice != 0 and bin_choice != 1:
        raise ValueError("binpack2d kernel: bin_choice must be 0 (first fit) or 1 (global best)")


@njit(cache=True, parallel=True)
def pack_batch(widths, heights, bin_w, bin_h, orders, rotated, rule, bin_choice, out_bin, out_x, out_y):
    """Decode a batch of insertion orders into packings, in place.

    widths, heights: int64 (n,) unrotated item sizes; bin_w, bin_h: int64.
    orders: int64 (B, n), each row a permutation of 0..n-1 (insertion order).
    rotated: uint8 (B, n) by item id; 1 = placed turned (the caller guarantees it fits).
    rule: one of the ``RULE_*`` constants; bin_choice: 0 first fit, 1 global best.
    out_bin, out_x, out_y: int64 (B, n) by item id: bin (0-based, in opening
    order) and lower-left corner. Rows are decoded independently (in parallel);
    the result does not depend on the number of threads.
    """
    _check_args(rule, bin_choice)
    B = orders.shape[0]
    n = orders.shape[1]
    if B == 0 or n == 0:
        return
    W = np.int64(bin_w)
    H = np.int64(bin_h)
    if B < _PARALLEL_MIN_ROWS:
        # a few rows do not pay for waking the thread pool
        _pack_rows(widths, heights, W, H, orders, rotated, rule, bin_choice, out_bin, out_x, out_y,
                   0, B, _INIT_BINS, _INIT_CAP)
        return
    # Fixed chunking (get_num_threads() here would keep the function out of the
    # cache); each chunk allocates one workspace and reuses it for its rows.
    nchunks = min(B, _MAX_CHUNKS)
    for c in prange(nchunks):
        _pack_rows(widths, heights, W, H, orders, rotated, rule, bin_choice, out_bin, out_x, out_y,
                   c * B // nchunks, (c + 1) * B // nchunks, _INIT_BINS, _INIT_CAP)


@njit(cache=True)
def _pack_assigned_rows(widths, heights, W, H, targets, n_assigned, orders, rotated, rule, bin_choice,
                        out_bin, out_x, out_y, lo, hi, init_bins, init_cap):
    """Decode assignment rows lo..hi-1 serially with one workspace, allocated here once."""
    n = targets.shape[1]
    # pass 2 opens a bin only when every open bin is in use, so at most max(n, n_assigned) bins
    n_bins = max(n, n_assigned)
    F, tmp, cnt, farea, mfw, mfh, last = _workspace(n_bins, init_bins, init_cap)
    prev = np.empty(n, dtype=np.int64)
    pw = np.empty(n, dtype=np.int64)
    ph = np.empty(n, dtype=np.int64)
    grouped = np.empty(n, dtype=np.int64)
    start = np.empty(n_assigned + 1, dtype=np.int64)
    label = np.empty(n_bins, dtype=np.int64)
    # descending area, ties by id (a stable sort of the negated areas)
    area_order = np.argsort(-(widths * heights), kind="mergesort")
    for r in range(lo, hi):
        F, tmp = _pack_assigned_row(widths, heights, W, H, targets[r], n_assigned, orders[r], area_order, rotated[r],
                                    rule, bin_choice, out_bin[r], out_x[r], out_y[r],
                                    F, tmp, cnt, farea, mfw, mfh, last, prev, pw, ph, grouped, start, label)


@njit(cache=True, parallel=True)
def pack_assigned_batch(widths, heights, bin_w, bin_h, targets, n_assigned, orders, rotated, rule, bin_choice,
                        out_bin, out_x, out_y):
    """Decode a batch of item-to-bin assignments into packings, in place.

    targets: int64 (B, n), item i's target bin in 0..n_assigned-1 (by item id).
    orders: int64 (B, n), each row a permutation: the order in which each bin
    receives its items (a heuristic packing's insertion order replays that
    packing exactly). The other arguments are as in :func:`pack_batch`; the
    shelf rules have no per-bin placement and are refused. Pass 1 places every
    item only into its target bin (bins in index order, each bin's items in the
    row's order) and defers the ones that do not fit; pass 2 places the deferred ones
    (descending area) by the rule's bin choice over all bins, opening new ones.
    out_bin: bins renumbered 0.. in order of first use, empty ones dropped.
    Deterministic and independent of the number of threads, like ``pack_batch``.
    """
    _check_args(rule, bin_choice)
    if _is_shelf(rule):
        raise ValueError("pack_assigned_batch: the shelf rules cannot decode an assignment")
    B = targets.shape[0]
    n = targets.shape[1]
    if B == 0 or n == 0:
        return
    if n_assigned < 1:
        raise ValueError("pack_assigned_batch: n_assigned must be at least 1")
    for r in range(B):
        for i in range(n):
            if targets[r, i] < 0 or targets[r, i] >= n_assigned:
                raise ValueError("pack_assigned_batch: a target bin is outside 0..n_assigned-1")
    W = np.int64(bin_w)
    H = np.int64(bin_h)
    if B < _PARALLEL_MIN_ROWS:
        _pack_assigned_rows(widths, heights, W, H, targets, n_assigned, orders, rotated, rule, bin_choice,
                            out_bin, out_x, out_y, 0, B, _INIT_BINS, _INIT_CAP)
        return
    nchunks = min(B, _MAX_CHUNKS)
    for c in prange(nchunks):
        _pack_assigned_rows(widths, heights, W, H, targets, n_assigned, orders, rotated, rule, bin_choice,
                            out_bin, out_x, out_y, c * B // nchunks, (c + 1) * B // nchunks,
                            _INIT_BINS, _INIT_CAP)
