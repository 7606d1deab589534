"""Pricing for the set-cover bound: a multi-constraint knapsack with conflicts.

Given item values ``v_i >= 0`` this finds ``max sum v_i x_i`` over item sets ``x``
that satisfy a *relaxation* of "fits in one bin": every linear row
``a_k . x <= b_k`` (area, the stacking rows, DFF rows: see
:mod:`._bounds_colgen`), the conditional stacking rows of chosen items, no two
conflicting items, and no forbidden set (a set
found not to fit by an exact check) fully chosen. Every set that truly fits one
bin satisfies all of these, so the optimum here is at least the optimum over
truly feasible sets, which is what the bound's validity needs.

Method: depth-first branch and bound over the items in decreasing ``v / area``
(include first, then exclude), pruned by the Dantzig bound of the area row
of each row alone over the items still addable (see :func:`_row_bound`), which
is at least the best completion because it relaxes everything but that row. When the node budget
runs out the search is not exact; the bound returned is then the largest row
bound over the subtrees left unexplored (and the best value found), still an
upper bound on the optimum.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["price"]

_TOL = 1e-9


@njit(cache=True)
def _row_bound(
    t: int, pos: np.ndarray, row_order: np.ndarray, val: np.ndarray, rows: np.ndarray, caps: np.ndarray,
    load: np.ndarray, blocked: np.ndarray, limit: float,
) -> float:
    """Upper bound on what the items at main-order positions ``>= t`` can add.

    For each row alone, the fractional knapsack (Dantzig) over the undecided
    items that are still addable (not in conflict with a chosen item, and each
    fitting every row's residual on its own) bounds the best completion, since
    it drops every other constraint; the minimum over rows is then a bound too.
    Stops early once a row's bound is at most ``limit`` (the node is pruned).
    """
    k_rows = rows.shape[0]
    n = val.shape[0]
    addable = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        if pos[i] < t or blocked[i] > 0:
            continue
        ok = True
        for q in range(k_rows):
            if load[q] + rows[q, i] > caps[q]:
                ok = False
                break
        addable[i] = ok
    best = np.inf
    for k in range(k_rows):
        free = float(caps[k] - load[k])
        total = 0.0
        for r in range(n):
            i = row_order[k, r]
            if not addable[i]:
                continue
            a = float(rows[k, i])
            if a <= free:
                total += val[i]
                free -= a
            else:
                total += val[i] * free / a
                break
        if total < best:
            best = total
            if best <= limit:
                return best
    return best


@njit(cache=True)
def _search(
    order: np.ndarray,
    val: np.ndarray,
    rows: np.ndarray,
    caps: np.ndarray,
    conflict: np.ndarray,
    pos: np.ndarray,
    row_order: np.ndarray,
    cond: np.ndarray,
    cond_cap: np.ndarray,
    ng_ptr: np.ndarray,
    ng_ids: np.ndarray,
    ng_size: np.ndarray,
    node_limit: int,
    keep: int,
):
    """Branch and bound (module docstring). Row 0 of ``rows`` must be the area row.

    Returns ``(best value, chosen flags of the best set, found sets (keep, n),
    values of the found sets, how many found, exact)``: the found sets are the
    last ``keep`` incumbents, each a feasible set of the relaxation.
    """
    n = val.shape[0]
    m = order.shape[0]
    k_rows = rows.shape[0]
    load = np.zeros(k_rows, dtype=np.int64)
    n_cond = cond.shape[0]
    cond_load = np.zeros(n_cond, dtype=np.int64)
    blocked = np.zeros(n, dtype=np.int64)
    hit = np.zeros(ng_size.shape[0], dtype=np.int64)
    chosen = np.zeros(n, dtype=np.bool_)
    stack = np.empty(m, dtype=np.int64)
    depth = 0
    cur = 0.0
    best = 0.0
    best_set = np.zeros(n, dtype=np.bool_)
    found = np.zeros((keep, n), dtype=np.bool_)
    found_val = np.zeros(keep)
    n_found = 0
    nodes = 0
    t = 0
    exact = True
    while True:
        nodes += 1
        if nodes > node_limit:
            exact = False
            break
        descend = False
        if t < m:
            if cur + _row_bound(t, pos, row_order, val, rows, caps, load, blocked, best - cur + _TOL) > best + _TOL:
                descend = True
        if descend:
            i = order[t]
            ok = blocked[i] == 0
            if ok:
                for k in range(k_rows):
                    if load[k] + rows[k, i] > caps[k]:
                        ok = False
                        break
            if ok:
                for p in range(ng_ptr[i], ng_ptr[i + 1]):
                    g = ng_ids[p]
                    if hit[g] + 1 >= ng_size[g]:
                        ok = False
                        break
            if ok and n_cond > 0:
                # Conditional rows: row r belongs to item r % n and binds once it is chosen.
                for r in (i, n + i):
                    if cond_load[r] > cond_cap[r]:
                        ok = False
                if ok:
                    for d in range(depth):
                        c = order[stack[d]]
                        if (cond_load[c] + cond[c, i] > cond_cap[c]
                                or cond_load[n + c] + cond[n + c, i] > cond_cap[n + c]):
                            ok = False
                            break
            if ok:
                chosen[i] = True
                cur += val[i]
                for r in range(n_cond):
                    cond_load[r] += cond[r, i]
                for k in range(k_rows):
                    load[k] += rows[k, i]
                for j in range(n):
                    if conflict[i, j]:
                        blocked[j] += 1
                for p in range(ng_ptr[i], ng_ptr[i + 1]):
                    hit[ng_ids[p]] += 1
                stack[depth] = t
                depth += 1
                if cur > best + _TOL:
                    best = cur
                    best_set[:] = chosen
                    slot = n_found % keep
                    found[slot, :] = chosen
                    found_val[slot] = cur
                    n_found += 1
            t += 1
            continue
        # Pruned or at the end: undo the last inclusion and try without it.
        if depth == 0:
            break
        depth -= 1
        t = stack[depth]
        i = order[t]
        chosen[i] = False
        cur -= val[i]
        for r in range(n_cond):
            cond_load[r] -= cond[r, i]
        for k in range(k_rows):
            load[k] -= rows[k, i]
        for j in range(n):
            if conflict[i, j]:
                blocked[j] -= 1
        for p in range(ng_ptr[i], ng_ptr[i + 1]):
            hit[ng_ids[p]] -= 1
        t += 1
    upper = best
    if not exact:
        # What is left unexplored: the current node's subtree, and for each item
        # on the stack the branch that leaves it out (items after it, with the
        # set chosen before it). The row bound of each is an upper bound on it.
        upper = max(upper, cur + _row_bound(t, pos, row_order, val, rows, caps, load, blocked, -1.0))
        while depth > 0:
            depth -= 1
            t = stack[depth]
            i = order[t]
            chosen[i] = False
            cur -= val[i]
            for k in range(k_rows):
                load[k] -= rows[k, i]
            for j in range(n):
                if conflict[i, j]:
                    blocked[j] -= 1
            upper = max(upper, cur + _row_bound(t + 1, pos, row_order, val, rows, caps, load, blocked, -1.0))
    return best, best_set, found, found_val, min(n_found, keep), exact, upper


def price(
    val: np.ndarray,
    rows: np.ndarray,
    caps: np.ndarray,
    conflict: np.ndarray,
    nogoods: list[np.ndarray],
    node_limit: int = 200_000,
    keep: int = 8,
    cond: np.ndarray | None = None,
    cond_cap: np.ndarray | None = None,
) -> tuple[float, list[np.ndarray], bool]:
    """Best relaxed-feasible item set for values ``val`` (module docstring).

    ``cond`` ``(2n, n)`` and ``cond_cap`` ``(2n,)`` are optional conditional rows:
    row ``r`` binds only when item ``r % n`` is chosen, as
    ``sum_j cond[r, j] x_j <= cond_cap[r]``.

    Returns ``(upper bound on the optimum, found sets as index arrays (best
    first), exact)``; with ``exact`` the bound is the optimum itself.
    """
    n = val.shape[0]
    val = np.maximum(np.asarray(val, dtype=np.float64), 0.0)
    area = np.asarray(rows[0], dtype=np.float64)
    pos = np.flatnonzero(val > _TOL)
    order = pos[np.argsort(-val[pos] / np.maximum(area[pos], 1.0), kind="stable")].astype(np.int64)
    counts = np.zeros(n + 1, dtype=np.int64)
    for g in nogoods:
        counts[g + 1] += 1
    ng_ptr = np.cumsum(counts)
    ng_ids = np.empty(int(ng_ptr[-1]), dtype=np.int64)
    fill = ng_ptr[:-1].copy()
    for gid, g in enumerate(nogoods):
        ng_ids[fill[g]] = gid
        fill[g] += 1
    ng_size = np.array([len(g) for g in nogoods], dtype=np.int64)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    # Main-order position of each item (items of value 0 are never added: position n).
    pos = np.full(n, n, dtype=np.int64)
    pos[order] = np.arange(order.size)
    ratio = val[None, :] / np.maximum(rows, 1e-12)
    row_order = np.argsort(-ratio, axis=1, kind="stable").astype(np.int64)
    best, best_set, found, found_val, n_found, exact, upper = _search(
        order, val, rows, np.asarray(caps, dtype=np.int64), np.ascontiguousarray(conflict, dtype=np.bool_),
        pos, row_order,
        np.zeros((0, n), dtype=np.int64) if cond is None else np.ascontiguousarray(cond, dtype=np.int64),
        np.zeros(0, dtype=np.int64) if cond_cap is None else np.asarray(cond_cap, dtype=np.int64),
        ng_ptr, ng_ids, ng_size, node_limit, keep,
    )
    sets = [np.flatnonzero(found[s]) for s in np.argsort(-found_val[:n_found])]
    # Items of value <= _TOL are left out of the search and subtrees within _TOL of
    # the incumbent are pruned; adding both back keeps the result an upper bound.
    return float(upper) + float(val[val <= _TOL].sum()) + _TOL, sets, bool(exact)
