"""Numba kernel of ruin and recreate on free-placement cutting jobs: sheets of several sizes, bought within a budget.

The classic engine's recreate (:mod:`._ruin_kernels`) puts left-out items into bins of one
size. A free-placement job with several stock types needs two more things of it, both
after Gardeyn & Wauters' goal-driven ruin and recreate for variable-sized bins:

- a left-out piece that fits no kept sheet may *open* a new sheet, of any stock type
  still in stock whose price fits what is left of the budget (the state aims below the
  incumbent's cost, so the budget is what makes a complete state a cheaper plan);
- a sheet that cannot take a newcomer as it lies is repacked with it, on its own
  type or on a larger type the budget pays the difference for: that is how a sheet
  changes size, which hole insertion alone never does.

Sizes here are the classic view of :mod:`._cutting_free`: pieces and the trimmed sheet
both grown by the kerf, corners measured from the trimmed sheet's lower left. Which
type a new sheet is: the largest the budget pays for (the most room for what is left
out), or with probability ``wander`` one drawn at random among those that do, so that
smaller sheets get tried where a large one would stay half empty.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from nnopt.problems.binpack2d._kernels import RULE_MAXRECTS_BSSF, _mr_best
from nnopt.problems.binpack2d._ruin_kernels import (
    _insert_sorted,
    _rebuild,
    _split,
    free_capacity,
    repack_alone,
    sort_fullest_first,
)

__all__ = ["recreate_sheets"]


@njit(cache=True)
def _fits_type(w, h, turns, TW, TH, t):
    """0: the piece (as it lies, ``w`` x ``h``) fits type t as it lies, 1: only turned, -1: not at all."""
    if w <= TW[t] and h <= TH[t]:
        return 0
    if turns and h <= TW[t] and w <= TH[t]:
        return 1
    return -1


@njit(cache=True)
def _members(head, nxt, b, ids):
    """Slot b's items into ``ids``; returns their number."""
    k = 0
    j = head[b]
    while j >= 0:
        ids[k] = j
        k += 1
        j = nxt[j]
    return k


@njit(cache=True)
def _open_sheet(it, stock, turns, pw, ph, rot, TW, TH, unit, in_stock, room, wander, affordable, ix, iy, cnt):
    """Piece ``it`` alone on a new sheet in the first empty slot, of a type the room pays for (see the
    module docstring): (the slot or -1, room left)."""
    L = stock.shape[0]
    nt = TW.shape[0]
    free_slot = -1
    for b in range(L):
        if stock[b] < 0:
            free_slot = b
            break
    if free_slot < 0:
        return -1, room
    na = 0
    for s in range(nt):
        if in_stock[s] != 0 and unit[s] <= room and _fits_type(pw[it], ph[it], turns[it], TW, TH, s) >= 0:
            affordable[na] = s
            na += 1
    if na == 0:
        return -1, room
    pick = affordable[0]
    if wander > 0.0 and np.random.random() < wander:
        pick = affordable[np.random.randint(na)]
    else:
        for u in range(1, na):
            s = affordable[u]
            if TW[s] * TH[s] > TW[pick] * TH[pick] or (
                    TW[s] * TH[s] == TW[pick] * TH[pick] and unit[s] < unit[pick]):
                pick = s
    if _fits_type(pw[it], ph[it], turns[it], TW, TH, pick) == 1:
        rot[it] = 1 - rot[it]
        pw[it], ph[it] = ph[it], pw[it]
    stock[free_slot] = pick
    if in_stock[pick] > 0:
        in_stock[pick] -= 1
    ix[it] = 0
    iy[it] = 0
    cnt[free_slot] = -2
    return free_slot, room - unit[pick]


@njit(cache=True)
def _repack_some(it, a, grow, skip_own, stock, used, count, head, nxt, ids, slots, pw, ph, TW, TH, unit, in_stock,
                 room, F, Tmp, cnt, repack_orders, keys, tx, ty, ix, iy, dummy):
    """Piece ``it`` into the fullest kept sheet that repacks with it, on its own type (unless ``skip_own``:
    tried already) or (``grow``) a larger one the room pays for: (the slot or -1, room left)."""
    L = stock.shape[0]
    nt = TW.shape[0]
    ns = 0
    for b in range(L):
        if stock[b] >= 0 and count[b] > 0:
            slots[ns] = b
            ns += 1
    sort_fullest_first(slots, ns, used)
    for q in range(ns):
        b = slots[q]
        own = stock[b]
        k = _members(head, nxt, b, ids)
        ids[k] = it
        k += 1
        # candidate types: its own, then (growing) larger ones by area, each paid for by the room
        last = -1
        while True:
            pick = -1
            if last < 0:
                pick = own
            elif grow:
                for s in range(nt):
                    area_s = TW[s] * TH[s]
                    if s == own or in_stock[s] == 0 or unit[s] - unit[own] > room:
                        continue
                    if area_s <= TW[last] * TH[last]:
                        continue  # not larger than the last one tried (types go by growing area)
                    if pick < 0 or area_s < TW[pick] * TH[pick]:
                        pick = s
            if pick < 0:
                break
            last = pick
            W = TW[pick]
            H = TH[pick]
            if used[b] + a > W * H or (pick == own and skip_own):
                continue
            fits = True
            for u in range(k):
                if pw[ids[u]] > W or ph[ids[u]] > H:
                    fits = False
                    break
            if not fits:
                continue
            cnt[b] = -2  # F[b] is overwritten by the attempts
            if repack_alone(F, Tmp, b, ids, k, pw, ph, W, H, repack_orders, keys, tx, ty, dummy):
                if pick != own:
                    room -= unit[pick] - unit[own]
                    if in_stock[own] >= 0:
                        in_stock[own] += 1
                    if in_stock[pick] > 0:
                        in_stock[pick] -= 1
                    stock[b] = pick
                for u in range(k):
                    ix[ids[u]] = tx[ids[u]]
                    iy[ids[u]] = ty[ids[u]]
                return b, room
    return -1, room


@njit(cache=True)
def recreate_sheets(gw, gh, turns, TW, TH, unit, in_stock, stock, ib, ix, iy, rot, room, seed, noise, blink, wander,
                    repack_orders, repack_first):
    """Insert every left-out piece (``ib == -1``) into the slots ``stock`` (a stock type per slot, -1 empty), in place.

    ``gw``, ``gh``: grown piece sizes as listed; ``turns``: may the piece turn; ``TW``, ``TH``, ``unit``:
    per stock type its grown usable size and price; ``in_stock``: sheets of each type still to be had
    (-1: unlimited), updated as sheets open or change type; ``room``: the budget left over the kept
    sheets. Pieces go largest first (area keys perturbed by ``noise``): into the hole that leaves a
    kept sheet the least free area (a sheet passed over with probability ``blink``); else (with
    ``repack_first``) into the fullest sheet that repacks with it; else onto a new sheet in an empty
    slot (see the module docstring for its type); else into the fullest sheet that repacks with it,
    on its own type or a larger one the room pays for. What still does not fit stays out. Returns
    (left-out area, room left).
    """
    np.random.seed(seed)
    n = ib.shape[0]
    L = stock.shape[0]
    nt = TW.shape[0]
    pw = np.empty(n, dtype=np.int64)
    ph = np.empty(n, dtype=np.int64)
    for it in range(n):
        if rot[it] != 0:
            pw[it] = gh[it]
            ph[it] = gw[it]
        else:
            pw[it] = gw[it]
            ph[it] = gh[it]
    used = np.zeros(L, dtype=np.int64)
    count = np.zeros(L, dtype=np.int64)
    head = np.full(L, -1, dtype=np.int64)
    nxt = np.full(n, -1, dtype=np.int64)
    pool = np.empty(n, dtype=np.int64)
    npool = 0
    for it in range(n - 1, -1, -1):
        b = ib[it]
        if b >= 0:
            used[b] += gw[it] * gh[it]
            count[b] += 1
            nxt[it] = head[b]
            head[b] = it
    keys = np.zeros(n)
    for it in range(n):
        if ib[it] < 0:
            pool[npool] = it
            npool += 1
            keys[it] = gw[it] * gh[it] * (1.0 + noise * (np.random.random() - 0.5))
    _insert_sorted(keys, pool, npool)

    cap = free_capacity(n)
    F = np.empty((L, 4, cap), dtype=np.int64)
    Tmp = np.empty((4, 4 * cap), dtype=np.int64)
    cnt = np.full(L, -2, dtype=np.int64)  # -2: not built, -1: overflowed
    ids = np.empty(n + 1, dtype=np.int64)
    tx = np.empty(n, dtype=np.int64)
    ty = np.empty(n, dtype=np.int64)
    dummy = np.empty(1, dtype=np.int64)
    slots = np.empty(L, dtype=np.int64)
    affordable = np.empty(nt, dtype=np.int64)
    for t in range(npool):
        it = pool[t]
        a = gw[it] * gh[it]
        best = -1
        best_res = 0
        best_s1 = 0
        bx = 0
        by = 0
        brot = rot[it]
        for b in range(L):
            s = stock[b]
            if s < 0 or count[b] == 0:
                continue
            W = TW[s]
            H = TH[s]
            if used[b] + a > W * H or (blink > 0.0 and np.random.random() < blink):
                continue
            if cnt[b] == -2:
                k = _members(head, nxt, b, ids)
                cnt[b] = _rebuild(F, Tmp, b, ids, k, ix, iy, pw, ph, W, H)
            if cnt[b] < 0:
                continue
            res = W * H - used[b] - a
            for r in range(2 if turns[it] else 1):
                w = pw[it] if r == 0 else ph[it]
                h = ph[it] if r == 0 else pw[it]
                if (r == 1 and w == h) or w > W or h > H:
                    continue
                ok, s1, s2, x, y = _mr_best(F, b, cnt[b], w, h, W, H, RULE_MAXRECTS_BSSF, dummy, dummy, dummy,
                                            dummy, dummy, dummy)
                if ok and (best < 0 or res < best_res or (res == best_res and s1 < best_s1)):
                    best = b
                    best_res = res
                    best_s1 = s1
                    bx = x
                    by = y
                    brot = rot[it] if r == 0 else 1 - rot[it]
        if best >= 0:
            if brot != rot[it]:
                rot[it] = brot
                pw[it], ph[it] = ph[it], pw[it]
            c = _split(F, Tmp, best, cnt[best], bx, by, pw[it], ph[it])
            cnt[best] = c if c >= 0 else -2
            ix[it] = bx
            iy[it] = by
        if best < 0 and repack_first:
            best, room = _repack_some(it, a, False, False, stock, used, count, head, nxt, ids, slots, pw, ph, TW, TH,
                                      unit, in_stock, room, F, Tmp, cnt, repack_orders, keys, tx, ty, ix, iy, dummy)
        if best < 0:
            best, room = _open_sheet(it, stock, turns, pw, ph, rot, TW, TH, unit, in_stock, room, wander, affordable,
                                     ix, iy, cnt)
        if best < 0:
            best, room = _repack_some(it, a, True, repack_first, stock, used, count, head, nxt, ids, slots, pw, ph, TW,
                                      TH, unit, in_stock, room, F, Tmp, cnt, repack_orders, keys, tx, ty, ix, iy, dummy)
        if best >= 0:
            ib[it] = best
            used[best] += a
            count[best] += 1
            nxt[it] = head[best]
            head[best] = it
    left = 0
    for it in range(n):
        if ib[it] < 0:
            left += gw[it] * gh[it]
    return left, room
