"""Numba kernel: beam search piece by piece for two- and three-stage guillotine plans on one stock type.

The greedy decoders of :mod:`._guillotine_kernels` build a strip from one
rule; on tight jobs (every sheet must be nearly full) the strip that loses a
sheet is one a rule never builds. This search builds plans one piece at a
time and keeps the ``width`` most promising partial plans at each step, as the
tree searches of the cutting literature do (after Fontan & Libralesso's
branching scheme for staged guillotine cuts).

A partial plan has a *front*, in the kernels' strip space (first-stage cuts
horizontal): the open sheet, its open strip (bottom ``y0``, height so far),
and the strip's open stack (left ``x0``, width so far, height so far). The
next piece, in each orientation it may take, goes

- on top of the open stack (three stages; exact cuts: only a piece as wide as
  the stack; non-exact: a wider piece widens the stack, the pieces below it
  get a trimming cut),
- into a new stack right of the open one,
- into a new strip above the open one,
- onto a new sheet, only where it fits none of the above.

A strip is as tall as its tallest stack, a stack as wide as its widest piece.
Kerf lies between strips, stacks and the pieces of a stack. The *waste* of a
partial plan is the area the front has closed (the sheets before, the strips
below the open one, the stacks left of the open one at the strip's height, and
the open stack up to its height) less the pieces' area. Children are ranked
by waste per area placed, divided by the mean area of the pieces placed to the
power ``guide`` (0: the waste ratio alone; 1 or 2: plans that placed the large
pieces first are preferred at equal waste ratio);
children reaching the same pieces with the same front are counted once
(Zobrist hashes), and a child whose sheets, with the area still to place,
cannot beat the best complete plan is dropped. Pieces of the same size and
turn rights are interchangeable (a piece that may turn, in either orientation): only the first
unplaced one is tried.

Plans come out in strip space as the decoders write them (per piece: sheet,
x, y, turned), so they take the same conversion and checker.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["tree_plan"]

#: Children a partial plan may hand to the next step, at most (its best by the guide): fewer keeps the
#: beam's plans apart. On the 46 three-stage classic jobs the decoders' search missed, 3 s each from
#: scratch, the best known on 15, 19, 15, 14 and 12 of them at 2, 4, 8, 16 and 32.
PER_NODE = 4

_A, _B, _C, _D = 0, 1, 2, 3  # on the stack, new stack, new strip, new sheet


@njit(cache=True)
def _child(kind, W, H, kerf, y0, sh, x0, sw, st, w, h, stacking, exact):
    """The front after placing a ``w x h`` piece with insertion ``kind``, or ``ok = False`` where it does
    not fit. Returns ``(ok, y0, sh, x0, sw, st, px, py)``: the new front and where the piece goes."""
    if kind == _A:
        if not stacking or sw == 0:
            return False, y0, sh, x0, sw, st, 0, 0
        if exact and w != sw:
            return False, y0, sh, x0, sw, st, 0, 0
        if x0 + w > W:
            return False, y0, sh, x0, sw, st, 0, 0
        nst = st + kerf + h
        if y0 + nst > H:
            return False, y0, sh, x0, sw, st, 0, 0
        return True, y0, max(sh, nst), x0, max(sw, w), nst, x0, y0 + st + kerf
    if kind == _B:
        if sw == 0:
            return False, y0, sh, x0, sw, st, 0, 0
        nx = x0 + sw + kerf
        if nx + w > W or y0 + h > H:
            return False, y0, sh, x0, sw, st, 0, 0
        if not stacking and exact and h != sh:
            return False, y0, sh, x0, sw, st, 0, 0
        return True, y0, max(sh, h), nx, w, h, nx, y0
    if kind == _C:
        ny = y0 + sh + kerf if sw > 0 else 0
        if ny + h > H or w > W:
            return False, y0, sh, x0, sw, st, 0, 0
        return True, ny, h, 0, w, h, 0, ny
    # a new sheet
    if w > W or h > H:
        return False, y0, sh, x0, sw, st, 0, 0
    return True, 0, h, 0, w, h, 0, 0


@njit(cache=True)
def _closed(W, y0, sh, x0, sw, st):
    """Area of the open sheet the front has closed."""
    return W * y0 + x0 * sh + sw * st


@njit(cache=True)
def _mix(key, sheets, y0, sh, x0, sw, st):
    """The Zobrist key of the pieces placed, mixed with the front."""
    z = key
    for v in (sheets, y0, sh, x0, sw, st):
        z = (z ^ np.uint64(v)) * np.uint64(0x9E3779B97F4A7C15)
        z ^= z >> np.uint64(29)
    return z


@njit(cache=True)
def tree_plan(pw, ph, can_turn, W, H, kerf, stacking, exact, width, target, cutoff, guide, zob,
              o_sheet, o_x, o_y, o_rot):
    """Beam search of ``width`` partial plans (module docstring); the best complete plan goes to ``o_*``
    (per piece: sheet, x, y in strip space, turned). Returns its number of sheets, or -1 where no plan of
    fewer than ``cutoff`` sheets was found. Stops at a plan of ``target`` sheets or fewer."""
    n = pw.shape[0]
    A = W * H
    area = pw * ph
    total = area.sum()
    # pieces of one size and turn rights share a shape: only the first unplaced one is tried
    shape = np.empty(n, dtype=np.int64)
    n_shapes = 0
    for i in range(n):
        shape[i] = -1
        for j in range(i):
            same = pw[j] == pw[i] and ph[j] == ph[i]
            if can_turn[i] and not same:  # a piece that may turn is the same shape as its turned twin
                same = pw[j] == ph[i] and ph[j] == pw[i]
            if same and can_turn[j] == can_turn[i]:
                shape[i] = shape[j]
                break
        if shape[i] < 0:
            shape[i] = n_shapes
            n_shapes += 1
    # the tree: every node kept, by its parent, piece and placement, so that plans are read back
    cap_nodes = width * n + 1
    t_parent = np.empty(cap_nodes, dtype=np.int64)
    t_item = np.empty(cap_nodes, dtype=np.int64)
    t_sheet = np.empty(cap_nodes, dtype=np.int64)
    t_x = np.empty(cap_nodes, dtype=np.int64)
    t_y = np.empty(cap_nodes, dtype=np.int64)
    t_rot = np.empty(cap_nodes, dtype=np.bool_)
    t_parent[0] = -1
    n_nodes = 1
    # the beam: per partial plan its tree node, pieces placed and front
    node = np.zeros(width, dtype=np.int64)
    placed = np.zeros((width, n), dtype=np.bool_)
    sheets = np.ones(width, dtype=np.int64)
    fy0 = np.zeros(width, dtype=np.int64)
    fsh = np.zeros(width, dtype=np.int64)
    fx0 = np.zeros(width, dtype=np.int64)
    fsw = np.zeros(width, dtype=np.int64)
    fst = np.zeros(width, dtype=np.int64)
    count = np.zeros(width, dtype=np.int64)  # pieces placed
    done = np.zeros(width, dtype=np.int64)
    key = np.zeros(width, dtype=np.uint64)
    nb = 1
    n_node = np.zeros(width, dtype=np.int64)
    n_placed = np.zeros((width, n), dtype=np.bool_)
    n_sheets = np.zeros(width, dtype=np.int64)
    n_fy0 = np.zeros(width, dtype=np.int64)
    n_fsh = np.zeros(width, dtype=np.int64)
    n_fx0 = np.zeros(width, dtype=np.int64)
    n_fsw = np.zeros(width, dtype=np.int64)
    n_fst = np.zeros(width, dtype=np.int64)
    n_count = np.zeros(width, dtype=np.int64)
    n_done = np.zeros(width, dtype=np.int64)
    n_key = np.zeros(width, dtype=np.uint64)
    cap = width * PER_NODE
    c_score = np.empty(cap, dtype=np.float64)
    c_parent = np.empty(cap, dtype=np.int64)
    c_item = np.empty(cap, dtype=np.int64)
    c_rot = np.empty(cap, dtype=np.bool_)
    c_kind = np.empty(cap, dtype=np.int64)
    l_score = np.empty(PER_NODE, dtype=np.float64)
    l_item = np.empty(PER_NODE, dtype=np.int64)
    l_rot = np.empty(PER_NODE, dtype=np.bool_)
    l_kind = np.empty(PER_NODE, dtype=np.int64)
    seen = np.zeros(n_shapes, dtype=np.bool_)
    mask = np.uint64(1)
    while mask < np.uint64(4 * cap):
        mask <<= np.uint64(1)
    table = np.zeros(int(mask), dtype=np.uint64)
    mask -= np.uint64(1)
    best = np.int64(cutoff)
    best_node = -1
    while nb > 0:
        nc = 0
        for b in range(nb):
            m = 0
            fits_open = False
            for kind_pass in range(2):  # the open sheet first; a new sheet only where nothing fits it
                if kind_pass == 1 and fits_open:
                    break
                seen[:] = False
                for i in range(n):
                    if placed[b, i] or seen[shape[i]]:
                        continue
                    seen[shape[i]] = True
                    for o in range(2 if can_turn[i] and pw[i] != ph[i] else 1):
                        r = o == 1
                        w = ph[i] if r else pw[i]
                        h = pw[i] if r else ph[i]
                        for kind in range(3) if kind_pass == 0 else range(3, 4):
                            ok, y0, sh, x0, sw, st, px, py = _child(kind, W, H, kerf, fy0[b], fsh[b], fx0[b], fsw[b],
                                                                    fst[b], w, h, stacking, exact)
                            if not ok:
                                continue
                            s = sheets[b] + (1 if kind == _D else 0)
                            fits_open = fits_open or kind != _D
                            dn = done[b] + area[i]
                            closed = _closed(W, y0, sh, x0, sw, st)
                            wst = (s - 1) * A + closed - dn  # closed area of all sheets less the pieces'
                            rest = total - dn - (A - closed)
                            low = s + (0 if rest <= 0 else (rest + A - 1) // A)
                            if low >= best:
                                continue
                            # waste per area placed, over the mean area of a piece placed to the power ``guide``
                            score = wst / dn * ((count[b] + 1.0) / dn) ** guide
                            # keep the node's PER_NODE best children (insertion into a small sorted list)
                            if m < PER_NODE or score < l_score[m - 1]:
                                q = min(m, PER_NODE - 1)
                                while q > 0 and l_score[q - 1] > score:
                                    if q < PER_NODE:
                                        l_score[q] = l_score[q - 1]
                                        l_item[q] = l_item[q - 1]
                                        l_rot[q] = l_rot[q - 1]
                                        l_kind[q] = l_kind[q - 1]
                                    q -= 1
                                l_score[q] = score
                                l_item[q] = i
                                l_rot[q] = r
                                l_kind[q] = kind
                                if m < PER_NODE:
                                    m += 1
            for q in range(m):
                c_score[nc] = l_score[q]
                c_parent[nc] = b
                c_item[nc] = l_item[q]
                c_rot[nc] = l_rot[q]
                c_kind[nc] = l_kind[q]
                nc += 1
        if nc == 0:
            break
        pick = np.argsort(c_score[:nc], kind="mergesort")
        table[:] = 0
        nn = 0
        taken = 0  # children made nodes of the tree: at most ``width`` per step, so the tree never overflows
        for p in range(nc):
            if taken == width:
                break
            c = pick[p]
            b = c_parent[c]
            i = c_item[c]
            r = c_rot[c]
            kind = c_kind[c]
            w = ph[i] if r else pw[i]
            h = pw[i] if r else ph[i]
            ok, y0, sh, x0, sw, st, px, py = _child(kind, W, H, kerf, fy0[b], fsh[b], fx0[b], fsw[b], fst[b], w, h,
                                                    stacking, exact)
            s = sheets[b] + (1 if kind == _D else 0)
            k = _mix(key[b] ^ zob[i], s, y0, sh, x0, sw, st)
            slot = k & mask
            dup = False
            while table[slot] != 0:
                if table[slot] == k:
                    dup = True
                    break
                slot = (slot + np.uint64(1)) & mask
            if dup:
                continue
            table[slot] = k
            taken += 1
            t = n_nodes
            n_nodes += 1
            t_parent[t] = node[b]
            t_item[t] = i
            t_sheet[t] = s - 1
            t_x[t] = px
            t_y[t] = py
            t_rot[t] = r
            dn = done[b] + area[i]
            if dn == total:
                if s < best:
                    best = s
                    best_node = t
                    if best <= target:
                        break
                continue
            n_node[nn] = t
            n_placed[nn] = placed[b]
            n_placed[nn, i] = True
            n_sheets[nn] = s
            n_fy0[nn] = y0
            n_fsh[nn] = sh
            n_fx0[nn] = x0
            n_fsw[nn] = sw
            n_fst[nn] = st
            n_done[nn] = dn
            n_count[nn] = count[b] + 1
            n_key[nn] = key[b] ^ zob[i]
            nn += 1
        if best_node >= 0 and best <= target:
            break
        node, n_node = n_node, node
        placed, n_placed = n_placed, placed
        sheets, n_sheets = n_sheets, sheets
        fy0, n_fy0 = n_fy0, fy0
        fsh, n_fsh = n_fsh, fsh
        fx0, n_fx0 = n_fx0, fx0
        fsw, n_fsw = n_fsw, fsw
        fst, n_fst = n_fst, fst
        done, n_done = n_done, done
        count, n_count = n_count, count
        key, n_key = n_key, key
        nb = nn
    if best_node < 0:
        return -1
    t = best_node
    while t > 0:
        i = t_item[t]
        o_sheet[i] = t_sheet[t]
        o_x[i] = t_x[t]
        o_y[i] = t_y[t]
        o_rot[i] = t_rot[t]
        t = t_parent[t]
    return best
