"""Numba kernels: random keys decoded into two- and three-stage guillotine cutting plans.

Pure functions over arrays and scalars; no Python objects inside. The public
kernel is :func:`decode_batch`; :mod:`._guillotine_decode` validates a job,
allocates and calls it, and turns rows into plans. ``_guillotine_reference``
holds the slow, readable twin of the greedy rules that the tests compare
against, decision for decision.

Strip space
-----------
Every kernel cuts with the first-stage cuts horizontal: full-width *strips*
stacked bottom to top (stage 1), *stacks* side by side in a strip (stage 2),
pieces on top of each other in a stack (stage 3), and for non-exact cuts one
trimming cut per piece narrower than its stack. A job whose first cut is
vertical is handed over transposed (every width swapped with its height), so
the same kernels serve it. Coordinates are relative to the trimmed sheet.

A strip is as tall as the piece that opens it, a stack as wide as its first
piece (the widening rules below excepted). ``kerf`` lies between strips, between stacks and between the pieces of
a stack. The modes (what the job's cuts allow):

- ``stacking`` (three stages): a stack may hold several pieces; without it (two
  stages) every stack is one piece;
- ``exact``: a piece in a stack must be as wide as the stack (three stages) or,
  without stacking, as tall as its strip (two stages), so nothing is trimmed.

Decoding one row
----------------
Items come in the row's ``order``; ``turned`` says, per item, the orientation
the keys prefer (only where the item may turn). With ``both`` a turnable item
is tried both ways and the better placement kept, the keyed way winning ties.
A place for an item is, from the most to the least committed:

====  =================================  ====================================================
lvl   place                              best-fit scores (s1, s2), smaller is better
====  =================================  ====================================================
0     on top of an open stack            (stack width - w: trimmed away, height left above)
1     a new stack in an open strip       (strip height - h, strip width left after it)
2     a new strip in an open sheet       (sheet height left after it, sheet width - w)
3     a new sheet                        the stock type with the lowest cost per usable area
====  =================================  ====================================================

- ``RULE_FIRST_FIT`` (0): the lowest level, then the earliest stack, strip or
  sheet (creation order), where the item fits;
- ``RULE_BEST_FIT`` (1): the lowest level, then the smallest ``(s1, s2)`` over
  all open sheets, ties to the earliest;
- ``RULE_FILL_AREA`` (2) and ``RULE_FILL_ORDER`` (3), gap-driven: the first
  item in order not yet placed opens a sheet and its first strip; then the
  strip's gaps are filled from all remaining items, first the room above the
  current stack, then the width left for a new stack, with the fitting item of
  the largest area (2) or the first fitting one in order (3); when nothing fits
  the strip, the first item in order that fits the height left opens the next
  strip; when nothing fits, the next sheet. A stack-top gap takes, of an item's
  two orientations, the wider; a new stack the taller;
- ``RULE_STRIPS`` (4), two phases: strips are filled as by ``RULE_FILL_AREA``
  (each opened by the first item in order not yet placed, as wide as the
  cheapest stock type per area that holds it), then the strips, tallest first,
  go into sheets by best fit (the sheet left with the least height above it;
  else a new sheet). Strips, being full-width, move between sheets freely, so
  this is a one-dimensional bin packing of their heights. Should the strips'
  stock type run out, the row is decoded by ``RULE_FILL_AREA`` instead;
- ``RULE_FILL_WIDEN`` (5) and ``RULE_STRIPS_WIDEN`` (6): as 2 and 4, but with
  non-exact cuts the room above a stack may take an item wider than the stack,
  which then grows into the strip's free width: each candidate scores its area
  less the area widening wastes beside the stack below it, and the best
  positive score wins;
- ``RULE_KNAPSACK`` (7) and ``RULE_STRIPS_KNAPSACK`` (8): as 2 and 4, but once
  the opener's stack is built, the bottoms of the strip's next stacks are
  chosen together: the unplaced items (with ``both``, in either orientation
  that fits the strip's height) of the largest total area that fit the width
  left, a knapsack solved exactly over the width (among the first
  ``KNAPSACK_ITEMS`` candidates in order, ``O(KNAPSACK_ITEMS * W)`` per strip;
  ties to items earlier in order); each is then filled above as by rule 2, and
  any width still left is filled greedily.

On the classic 500 as three-stage non-exact jobs (first cut horizontal), the
knapsack rules are the best single decoders on the sorted orders, and the best
of all rules per instance beats any one of them by 30 to 50 sheets: a search
profits from several (``benchmarks/results/guillotine_decoders.md``). With
rotation, ``both`` matters most; the two-phase rules then lose to the
sheet-by-sheet ones, whose later strips may turn their openers to fit the
height a sheet has left.

A new sheet takes the stock type, with sheets left, of the lowest cost per
usable area that holds the item (its keyed orientation first; the other where
the keyed one fits no type left). When several types exist, a last pass moves
each sheet, in opening order, to the cheapest type left whose trimmed size
still holds the sheet's strips and stacks. A row that runs out of stock has
``sheets = -1`` and an infinite cost.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["KNAPSACK_ITEMS", "RULE_BEST_FIT", "RULE_FILL_AREA", "RULE_FILL_ORDER", "RULE_FILL_WIDEN", "RULE_FIRST_FIT",
           "RULE_KNAPSACK", "RULE_STRIPS", "RULE_STRIPS_KNAPSACK", "RULE_STRIPS_WIDEN", "decode_batch"]

RULE_FIRST_FIT = 0
RULE_BEST_FIT = 1
RULE_FILL_AREA = 2
RULE_FILL_ORDER = 3
RULE_STRIPS = 4
RULE_FILL_WIDEN = 5
RULE_STRIPS_WIDEN = 6
RULE_KNAPSACK = 7
RULE_STRIPS_KNAPSACK = 8

_BIG = np.int64(1) << np.int64(62)
#: Candidates of one knapsack (the first fitting items in order): bounds a strip's work on long cut lists.
KNAPSACK_ITEMS = 128
# which of an item's two fitting orientations a gap takes
_KEYED, _WIDE, _TALL = 0, 1, 2


@njit(cache=True)
def _sheet_type(w, h, sw, sh, unit, left):
    """The stock type with sheets left that holds a ``w x h`` piece at the lowest cost per area; -1: none."""
    best = -1
    best_ratio = np.inf
    for t in range(sw.shape[0]):
        if left[t] != 0 and w <= sw[t] and h <= sh[t]:
            ratio = unit[t] / (sw[t] * sh[t])
            if ratio < best_ratio:
                best = t
                best_ratio = ratio
    return best


@njit(cache=True)
def _opening(w, h, rot, can_turn, sw, sh, unit, left):
    """``(type, w, h, rot)`` of a new sheet for a piece keyed as ``(w, h, rot)``; type -1 when nothing is left."""
    t = _sheet_type(w, h, sw, sh, unit, left)
    if t < 0 and can_turn:
        t = _sheet_type(h, w, sw, sh, unit, left)
        if t >= 0:
            return t, h, w, not rot
    return t, w, h, rot


@njit(cache=True)
def _downsize(n_sheets, sheet_type, sheet_top, st_sheet, st_right, n_strips, sw, sh, unit, left, kerf):
    """Move each sheet, in opening order, to the cheapest type left that still holds its strips and stacks."""
    for s in range(n_sheets):
        used_w = np.int64(0)
        for j in range(n_strips):
            if st_sheet[j] == s and st_right[j] - kerf > used_w:
                used_w = st_right[j] - kerf
        used_h = sheet_top[s] - kerf
        cur = sheet_type[s]
        best = cur
        for t in range(sw.shape[0]):
            if t != cur and left[t] != 0 and used_w <= sw[t] and used_h <= sh[t] and unit[t] < unit[best]:
                best = t
        if best != cur:
            if left[cur] >= 0:
                left[cur] += 1
            if left[best] > 0:
                left[best] -= 1
            sheet_type[s] = best


@njit(cache=True)
def _greedy_row(pw, ph, can_turn, order, turned, sw, sh, unit, count, kerf, stacking, exact, best_fit, both,
                min_w, min_h, o_sheet, o_x, o_y, o_rot, sheet_type):
    """Decode one row with the first-fit or best-fit rule (module docstring); the number of sheets or -1."""
    n = pw.shape[0]
    left = count.copy()
    sheet_top = np.empty(n, dtype=np.int64)
    sheet_open = np.zeros(n, dtype=np.bool_)
    st_sheet = np.empty(n, dtype=np.int64)
    st_y = np.empty(n, dtype=np.int64)
    st_h = np.empty(n, dtype=np.int64)
    st_right = np.empty(n, dtype=np.int64)
    st_open = np.zeros(n, dtype=np.bool_)
    sk_strip = np.empty(n, dtype=np.int64)
    sk_x = np.empty(n, dtype=np.int64)
    sk_w = np.empty(n, dtype=np.int64)
    sk_top = np.empty(n, dtype=np.int64)
    sk_open = np.zeros(n, dtype=np.bool_)
    n_sheets = 0
    n_strips = 0
    n_stacks = 0
    for idx in range(n):
        i = order[idx]
        r0 = turned[i] != 0 and can_turn[i]
        w0 = ph[i] if r0 else pw[i]
        h0 = pw[i] if r0 else ph[i]
        tries = 2 if both and can_turn[i] else 1
        b_lvl = np.int64(3)
        b_s1 = _BIG
        b_s2 = _BIG
        b_pos = _BIG
        b_o = 0
        for o in range(tries):
            w = w0 if o == 0 else h0
            h = h0 if o == 0 else w0
            if stacking:
                for k in range(n_stacks):
                    if not sk_open[k]:
                        continue
                    j = sk_strip[k]
                    fits = (w == sk_w[k]) if exact else (w <= sk_w[k])
                    if fits and sk_top[k] + h <= st_h[j]:
                        s1 = sk_w[k] - w if best_fit else 0
                        s2 = st_h[j] - sk_top[k] - h if best_fit else 0
                        if (0 < b_lvl or (0 == b_lvl and (s1 < b_s1 or (s1 == b_s1 and (s2 < b_s2 or (
                                s2 == b_s2 and k < b_pos)))))):
                            b_lvl, b_s1, b_s2, b_pos, b_o = 0, s1, s2, k, o
                        if not best_fit:
                            break
            if b_lvl < 1:  # a lower level always wins
                continue
            for j in range(n_strips):
                if not st_open[j]:
                    continue
                W = sw[sheet_type[st_sheet[j]]]
                fits = (h == st_h[j]) if (exact and not stacking) else (h <= st_h[j])
                if fits and st_right[j] + w <= W:
                    s1 = st_h[j] - h if best_fit else 0
                    s2 = W - st_right[j] - w if best_fit else 0
                    if (1 < b_lvl or (1 == b_lvl and (s1 < b_s1 or (s1 == b_s1 and (s2 < b_s2 or (
                            s2 == b_s2 and j < b_pos)))))):
                        b_lvl, b_s1, b_s2, b_pos, b_o = 1, s1, s2, j, o
                    if not best_fit:
                        break
            if b_lvl < 2:
                continue
            for s in range(n_sheets):
                if not sheet_open[s]:
                    continue
                W = sw[sheet_type[s]]
                H = sh[sheet_type[s]]
                if w <= W and sheet_top[s] + h <= H:
                    s1 = H - sheet_top[s] - h if best_fit else 0
                    s2 = W - w if best_fit else 0
                    if (2 < b_lvl or (2 == b_lvl and (s1 < b_s1 or (s1 == b_s1 and (s2 < b_s2 or (
                            s2 == b_s2 and s < b_pos)))))):
                        b_lvl, b_s1, b_s2, b_pos, b_o = 2, s1, s2, s, o
                    if not best_fit:
                        break
        w = w0 if b_o == 0 else h0
        h = h0 if b_o == 0 else w0
        rot = r0 if b_o == 0 else not r0
        if b_lvl == 0:
            k = b_pos
            j = sk_strip[k]
            o_sheet[i] = st_sheet[j]
            o_x[i] = sk_x[k]
            o_y[i] = st_y[j] + sk_top[k]
            sk_top[k] += h + kerf
            if sk_top[k] + min_h > st_h[j]:
                sk_open[k] = False
        else:
            if b_lvl == 3:
                t, w, h, rot = _opening(w0, h0, r0, can_turn[i], sw, sh, unit, left)
                if t < 0:
                    return -1
                if left[t] > 0:
                    left[t] -= 1
                s = n_sheets
                n_sheets += 1
                sheet_type[s] = t
                sheet_top[s] = 0
                sheet_open[s] = True
                b_lvl = 2
                b_pos = s
            if b_lvl == 2:
                s = b_pos
                j = n_strips
                n_strips += 1
                st_sheet[j] = s
                st_y[j] = sheet_top[s]
                st_h[j] = h
                st_right[j] = 0
                st_open[j] = True
                sheet_top[s] += h + kerf
                if sheet_top[s] + min_h > sh[sheet_type[s]]:
                    sheet_open[s] = False
                b_pos = j
            j = b_pos
            k = n_stacks
            n_stacks += 1
            sk_strip[k] = j
            sk_x[k] = st_right[j]
            sk_w[k] = w
            sk_top[k] = h + kerf
            sk_open[k] = stacking and sk_top[k] + min_h <= st_h[j]
            o_sheet[i] = st_sheet[j]
            o_x[i] = st_right[j]
            o_y[i] = st_y[j]
            st_right[j] += w + kerf
            if st_right[j] + min_w > sw[sheet_type[st_sheet[j]]]:
                st_open[j] = False
        o_rot[i] = rot
    if sw.shape[0] > 1:
        _downsize(n_sheets, sheet_type, sheet_top, st_sheet, st_right, n_strips, sw, sh, unit, left, kerf)
    return n_sheets


@njit(cache=True)
def _gap_pick(pw, ph, can_turn, order, turned, placed, start, gap_w, gap_h, width_exact, height_exact,
              by_area, both, prefer):
    """The item (and whether it is placed turned against its listed size) for a ``gap_w x gap_h`` gap.

    ``width_exact`` / ``height_exact``: the piece must match the gap's width /
    height. By area: the largest fitting item, ties to the earliest in order;
    else the first fitting one in order. Of two fitting orientations ``prefer``
    takes the keyed one (``_KEYED``), the wider (``_WIDE``) or the taller
    (``_TALL``), ties to the keyed one. Returns ``(-1, False)`` when nothing fits.
    """
    n = order.shape[0]
    best = -1
    best_rot = False
    best_area = np.int64(-1)
    for idx in range(start, n):
        i = order[idx]
        if placed[i]:
            continue
        r0 = turned[i] != 0 and can_turn[i]
        found = False
        f_rot = False
        f_w = np.int64(0)
        f_h = np.int64(0)
        for o in range(2 if both and can_turn[i] else 1):
            rot = r0 if o == 0 else not r0
            w = ph[i] if rot else pw[i]
            h = pw[i] if rot else ph[i]
            ok_w = (w == gap_w) if width_exact else (w <= gap_w)
            ok_h = (h == gap_h) if height_exact else (h <= gap_h)
            if ok_w and ok_h:
                if not found or (prefer == _WIDE and w > f_w) or (prefer == _TALL and h > f_h):
                    found = True
                    f_rot = rot
                    f_w = w
                    f_h = h
        if found:
            area = pw[i] * ph[i]
            if not by_area:
                return i, f_rot
            if area > best_area:
                best = i
                best_rot = f_rot
                best_area = area
    return best, best_rot


@njit(cache=True)
def _widening_pick(pw, ph, can_turn, order, turned, placed, start, stack_w, max_w, gap_h, below, both):
    """The item for the room above a non-exact stack that may grow wider (up to ``max_w``).

    Score: the item's area, less what widening the stack wastes beside the
    ``below`` units of stack under it; the best positive score wins, ties to
    the earliest in order and to the keyed orientation. ``(-1, False)``: none.
    """
    n = order.shape[0]
    best = -1
    best_rot = False
    best_score = np.int64(0)
    for idx in range(start, n):
        i = order[idx]
        if placed[i]:
            continue
        r0 = turned[i] != 0 and can_turn[i]
        for o in range(2 if both and can_turn[i] else 1):
            rot = r0 if o == 0 else not r0
            w = ph[i] if rot else pw[i]
            h = pw[i] if rot else ph[i]
            if w <= max_w and h <= gap_h:
                score = w * h - max(w - stack_w, 0) * below
                if score > best_score:
                    best = i
                    best_rot = rot
                    best_score = score
    return best, best_rot


@njit(cache=True)
def _knapsack_bases(pw, ph, can_turn, order, turned, placed, head, cap, strip_h, kerf, height_exact, both):
    """The bottoms of a strip's next stacks: the unplaced items of the largest total area whose widths,
    kerf included, fit ``cap`` (each item in either orientation that fits the strip's height, with
    ``both``); a multiple-choice knapsack solved exactly by dynamic programming over the width, ties to
    items earlier in order and to the keyed orientation. Only the first ``KNAPSACK_ITEMS`` fitting items
    in order are candidates, which bounds the work per strip by ``KNAPSACK_ITEMS * cap``. Returns the
    chosen items in order and whether each is placed turned."""
    n = order.shape[0]
    ids = np.empty(n, dtype=np.int64)
    cw = np.zeros((n, 2), dtype=np.int64)  # width + kerf per option, 0: no such option
    val = np.empty(n, dtype=np.int64)
    rots = np.zeros((n, 2), dtype=np.bool_)
    m = 0
    for idx in range(head, n):
        i = order[idx]
        if placed[i]:
            continue
        if m == KNAPSACK_ITEMS:
            break
        r0 = turned[i] != 0 and can_turn[i]
        options = 0
        for o in range(2 if both and can_turn[i] else 1):
            rot = r0 if o == 0 else not r0
            w = ph[i] if rot else pw[i]
            h = pw[i] if rot else ph[i]
            ok_h = (h == strip_h) if height_exact else (h <= strip_h)
            if ok_h and w + kerf <= cap:
                cw[m, options] = w + kerf
                rots[m, options] = rot
                options += 1
        if options > 0:
            ids[m] = i
            val[m] = pw[i] * ph[i]
            if options == 1:
                cw[m, 1] = 0
            m += 1
    best = np.zeros(cap + 1, dtype=np.int64)
    take = np.zeros((m, cap + 1), dtype=np.int8)  # 0: not taken, 1 or 2: taken with that option
    for a in range(m - 1, -1, -1):  # the last item first, so that reading back prefers early items
        c0 = cw[a, 0]
        c1 = cw[a, 1]
        low = c0 if c1 == 0 else min(c0, c1)
        for x in range(cap, low - 1, -1):
            if x >= c0 and best[x - c0] + val[a] > best[x]:
                best[x] = best[x - c0] + val[a]
                take[a, x] = 1
            # the second option reads the table as it was before this item: x - c1 < x is not yet updated
            if c1 > 0 and x >= c1 and best[x - c1] + val[a] > best[x]:
                best[x] = best[x - c1] + val[a]
                take[a, x] = 2
    out = np.empty(m, dtype=np.int64)
    out_rot = np.empty(m, dtype=np.bool_)
    k = 0
    x = cap
    for a in range(m):
        if take[a, x] > 0:
            o = take[a, x] - 1
            out[k] = ids[a]
            out_rot[k] = rots[a, o]
            k += 1
            x -= cw[a, o]
    return out[:k], out_rot[:k]


@njit(cache=True)
def _fill_strip(pw, ph, can_turn, order, turned, placed, head, kerf, stacking, exact, by_area, both, widen, knap,
                W, i, w, h, rot, o_x, o_y, o_rot, members):
    """Fill one strip of width ``W`` opened by item ``i`` (``w x h``, ``rot``) from the unplaced items.

    Positions are relative to the strip's lower-left corner. The strip's items
    go to ``members``; returns ``(right, count)``: where a next stack would
    start (kerf included) and how many items the strip holds. ``knap``: after
    the opener's stack, the bottoms of the next stacks are chosen together by
    :func:`_knapsack_bases` (and reserved), each then filled above as usual.
    """
    strip_h = h
    right = np.int64(0)
    m = 0
    queue = np.empty(0, dtype=np.int64)
    queue_rot = np.empty(0, dtype=np.bool_)
    queued = 0
    first = True
    while i >= 0:
        placed[i] = True
        o_x[i] = right
        o_y[i] = 0
        o_rot[i] = rot
        members[m] = i
        m += 1
        stack_w = w
        stack_top = h + kerf
        while stacking:
            if widen and not exact:
                k, krot = _widening_pick(pw, ph, can_turn, order, turned, placed, head, stack_w, W - right,
                                         strip_h - stack_top, stack_top, both)
            else:
                k, krot = _gap_pick(pw, ph, can_turn, order, turned, placed, head, stack_w,
                                    strip_h - stack_top, exact, False, by_area, both, _WIDE)
            if k < 0:
                break
            stack_w = max(stack_w, ph[k] if krot else pw[k])
            placed[k] = True
            o_x[k] = right
            o_y[k] = stack_top
            o_rot[k] = krot
            members[m] = k
            m += 1
            stack_top += (pw[k] if krot else ph[k]) + kerf
        right += stack_w + kerf
        if knap and first:
            queue, queue_rot = _knapsack_bases(pw, ph, can_turn, order, turned, placed, head, W - right + kerf,
                                               strip_h, kerf, exact and not stacking, both)
            for q in range(queue.shape[0]):
                placed[queue[q]] = True  # reserved for its stack
        first = False
        if queued < queue.shape[0]:
            i = queue[queued]
            rot = queue_rot[queued]
            queued += 1
        else:
            i, rot = _gap_pick(pw, ph, can_turn, order, turned, placed, head, W - right, strip_h,
                               False, exact and not stacking, by_area, both, _TALL)
        if i >= 0:
            w = ph[i] if rot else pw[i]
            h = pw[i] if rot else ph[i]
    return right, m


@njit(cache=True)
def _fill_row(pw, ph, can_turn, order, turned, sw, sh, unit, count, kerf, stacking, exact, by_area, both, widen,
              knap, o_sheet, o_x, o_y, o_rot, sheet_type):
    """Decode one row with a gap-driven rule, sheet by sheet (module docstring); the number of sheets or -1."""
    n = pw.shape[0]
    left = count.copy()
    placed = np.zeros(n, dtype=np.bool_)
    members = np.empty(n, dtype=np.int64)
    sheet_top = np.zeros(n, dtype=np.int64)
    st_sheet = np.empty(n, dtype=np.int64)
    st_right = np.empty(n, dtype=np.int64)
    n_strips = 0
    n_sheets = 0
    head = 0  # every item before order[head] is placed
    while True:
        while head < n and placed[order[head]]:
            head += 1
        if head == n:
            break
        i = order[head]
        r0 = turned[i] != 0 and can_turn[i]
        t, w, h, rot = _opening(ph[i] if r0 else pw[i], pw[i] if r0 else ph[i], r0, can_turn[i], sw, sh, unit, left)
        if t < 0:
            return -1
        if left[t] > 0:
            left[t] -= 1
        s = n_sheets
        n_sheets += 1
        sheet_type[s] = t
        W = sw[t]
        H = sh[t]
        top = np.int64(0)
        while i >= 0:
            right, m = _fill_strip(pw, ph, can_turn, order, turned, placed, head, kerf, stacking, exact, by_area,
                                   both, widen, knap, W, i, w, h, rot, o_x, o_y, o_rot, members)
            for q in range(m):
                o_sheet[members[q]] = s
                o_y[members[q]] += top
            j = n_strips
            n_strips += 1
            st_sheet[j] = s
            st_right[j] = right
            top += h + kerf
            i, rot = _gap_pick(pw, ph, can_turn, order, turned, placed, head, W, H - top, False, False,
                               False, both, _KEYED)
            if i >= 0:
                w = ph[i] if rot else pw[i]
                h = pw[i] if rot else ph[i]
        sheet_top[s] = top
    if sw.shape[0] > 1:
        _downsize(n_sheets, sheet_type, sheet_top, st_sheet, st_right, n_strips, sw, sh, unit, left, kerf)
    return n_sheets


@njit(cache=True)
def _strips_row(pw, ph, can_turn, order, turned, sw, sh, unit, count, kerf, stacking, exact, both, widen, knap,
                o_sheet, o_x, o_y, o_rot, sheet_type):
    """Decode one row in two phases, strips first, then sheets (module docstring); the number of sheets or -1."""
    n = pw.shape[0]
    left = count.copy()
    placed = np.zeros(n, dtype=np.bool_)
    members = np.empty(n, dtype=np.int64)
    item_strip = np.empty(n, dtype=np.int64)
    st_type = np.empty(n, dtype=np.int64)
    st_h = np.empty(n, dtype=np.int64)
    st_right = np.empty(n, dtype=np.int64)
    st_sheet = np.empty(n, dtype=np.int64)
    st_y = np.empty(n, dtype=np.int64)
    n_strips = 0
    head = 0
    while True:
        while head < n and placed[order[head]]:
            head += 1
        if head == n:
            break
        i = order[head]
        r0 = turned[i] != 0 and can_turn[i]
        t, w, h, rot = _opening(ph[i] if r0 else pw[i], pw[i] if r0 else ph[i], r0, can_turn[i], sw, sh, unit, count)
        if t < 0:
            return -1
        right, m = _fill_strip(pw, ph, can_turn, order, turned, placed, head, kerf, stacking, exact, True,
                               both, widen, knap, sw[t], i, w, h, rot, o_x, o_y, o_rot, members)
        j = n_strips
        n_strips += 1
        for q in range(m):
            item_strip[members[q]] = j
        st_type[j] = t
        st_h[j] = h
        st_right[j] = right
    # strips, tallest first (ties: the first built), best fit into the sheets
    by_height = np.argsort(-st_h[:n_strips], kind="mergesort")
    sheet_top = np.zeros(n, dtype=np.int64)
    n_sheets = 0
    for q in range(n_strips):
        j = by_height[q]
        used_w = st_right[j] - kerf
        h = st_h[j]
        best = -1
        best_room = _BIG
        for s in range(n_sheets):
            room = sh[sheet_type[s]] - sheet_top[s] - h
            if used_w <= sw[sheet_type[s]] and 0 <= room < best_room:
                best = s
                best_room = room
        if best < 0:
            t = st_type[j]
            if left[t] == 0:
                t = _sheet_type(used_w, h, sw, sh, unit, left)
                if t < 0:  # the strips were cut for stock now used up: decode sheet by sheet instead
                    for s in range(n):
                        sheet_type[s] = -1
                    return _fill_row(pw, ph, can_turn, order, turned, sw, sh, unit, count, kerf, stacking, exact,
                                     True, both, widen, knap, o_sheet, o_x, o_y, o_rot, sheet_type)
            if left[t] > 0:
                left[t] -= 1
            best = n_sheets
            n_sheets += 1
            sheet_type[best] = t
        st_sheet[j] = best
        st_y[j] = sheet_top[best]
        sheet_top[best] += h + kerf
    for i in range(n):
        j = item_strip[i]
        o_sheet[i] = st_sheet[j]
        o_y[i] += st_y[j]
    if sw.shape[0] > 1:
        _downsize(n_sheets, sheet_type, sheet_top, st_sheet, st_right, n_strips, sw, sh, unit, left, kerf)
    return n_sheets


@njit(cache=True)
def decode_batch(pw, ph, can_turn, orders, turned, sw, sh, unit, count, kerf, stacking, exact, rule, both,
                 out_sheet, out_x, out_y, out_rot, out_type, out_sheets, out_cost):
    """Decode every row of ``orders`` (B, n) / ``turned`` (B, n) with ``rule``; outputs filled in place.

    Per item (strip space, relative to the trimmed sheet): ``out_sheet``,
    ``out_x``, ``out_y``, ``out_rot`` (B, n); per sheet ``out_type`` (B, n; -1
    past the last sheet); per row ``out_sheets`` (-1: the stock ran out) and
    ``out_cost`` (the sum of ``unit`` over the sheets; inf when out of stock).
    ``count`` is the stock per type, -1 unlimited; ``unit`` the cost of one sheet.
    """
    B, n = orders.shape
    min_w = _BIG
    min_h = _BIG
    for i in range(n):
        a = min(pw[i], ph[i]) if can_turn[i] else pw[i]
        b = min(pw[i], ph[i]) if can_turn[i] else ph[i]
        min_w = min(min_w, a)
        min_h = min(min_h, b)
    for r in range(B):
        for s in range(n):
            out_type[r, s] = -1
        if rule == RULE_FIRST_FIT or rule == RULE_BEST_FIT:
            m = _greedy_row(pw, ph, can_turn, orders[r], turned[r], sw, sh, unit, count, kerf, stacking, exact,
                            rule == RULE_BEST_FIT, both, min_w, min_h, out_sheet[r], out_x[r], out_y[r],
                            out_rot[r], out_type[r])
        elif rule == RULE_STRIPS or rule == RULE_STRIPS_WIDEN or rule == RULE_STRIPS_KNAPSACK:
            m = _strips_row(pw, ph, can_turn, orders[r], turned[r], sw, sh, unit, count, kerf, stacking, exact,
                            both, rule == RULE_STRIPS_WIDEN, rule == RULE_STRIPS_KNAPSACK, out_sheet[r], out_x[r],
                            out_y[r], out_rot[r], out_type[r])
        else:
            m = _fill_row(pw, ph, can_turn, orders[r], turned[r], sw, sh, unit, count, kerf, stacking, exact,
                          rule != RULE_FILL_ORDER, both, rule == RULE_FILL_WIDEN, rule == RULE_KNAPSACK, out_sheet[r],
                          out_x[r], out_y[r], out_rot[r], out_type[r])
        out_sheets[r] = m
        if m < 0:
            out_cost[r] = np.inf
            for s in range(n):
                out_type[r, s] = -1
        else:
            c = 0.0
            for s in range(m):
                c += unit[out_type[r, s]]
            out_cost[r] = c
