"""Dual-feasible-function (DFF) lower bounds for 2D bin packing.

A function ``f: [0, C] -> R`` is *dual feasible* for capacity ``C`` when every
multiset of sizes with ``sum x <= C`` also has ``sum f(x) <= f(C)``. Fekete and
Schepers (2004, "A general framework for bounds for higher-dimensional
orthogonal packing problems", Math. Meth. Oper. Res. 60) show that for DFFs
``f`` (width capacity ``W``) and ``g`` (height capacity ``H``) the transformed
items ``f(w_i) x g(h_i)`` of any feasible one-bin packing still have total area
at most ``f(W) g(H)``. Summed over the bins of any packing,

    bins >= ceil( sum_i f(w_i) g(h_i) / (f(W) g(H)) ).

The bound here is the maximum of that over pairs ``(f, g)`` drawn from the
families below (a maximum of valid bounds is valid). Every family is
nondecreasing, zero at zero and superadditive on the integers ``0..C``, which is
sufficient for dual feasibility (``sum f(x_i) <= f(sum x_i) <= f(C)``); the tests
check that property exhaustively for small ``C``.

- ``identity``: ``f(x) = x`` (with ``g`` the identity too this is the area bound).
- ``f0`` (Fekete & Schepers' ``U^(eps)``; Carlier, Clautiaux & Moukrim 2007,
  "New reduction procedures and lower bounds for the two-dimensional bin packing
  problem with fixed orientation", Comput. Oper. Res. 34, their ``f_0^lambda``):
  for ``1 <= lam <= C/2``: ``C`` if ``x > C - lam``; ``x`` if ``lam <= x <= C - lam``;
  ``0`` if ``x < lam``.
- ``u^(k)`` (Fekete & Schepers 2004), scaled by ``C k`` to stay integral:
  ``k x`` if ``(k + 1) x`` is a multiple of ``C``, else ``C floor((k + 1) x / C)``;
  ``f(C) = C k``.
- ``f2`` (Carlier, Clautiaux & Moukrim 2007, ``f_2^lambda``; the discrete form of
  Fekete & Schepers' ``phi^(eps)``): for ``1 <= lam <= C/2``:
  ``2 (floor(C/lam) - floor((C - x)/lam))`` if ``x > C/2``; ``floor(C/lam)`` if
  ``x = C/2``; ``2 floor(x/lam)`` if ``x < C/2``; ``f(C) = 2 floor(C/lam)``.

**Rotation.** If an item may be placed turned, the packing uses one of its
allowed orientations, and the item's term in the sum is ``f(pw) g(ph)`` for the
placed sizes. Replacing it by the minimum over the allowed orientations can only
lower the left-hand side, so the bound stays valid whatever orientation is used.

**Floating point.** The sums are formed in float64; the ratio is rounded up only
after subtracting ``1e-9`` relative, so rounding error can weaken the bound by at
most one bin in a near-tie and can never make it too high.
"""
from __future__ import annotations

import numpy as np

from nnopt.problems.binpack2d._instance import BinPackInstance

__all__ = ["dff_bound", "dff_family", "orientations", "dff_values", "best_dff_pairs", "dff_item_terms", "MAX_PARAMS"]

#: Most parameters tried per family and dimension (the bound is a max: any subset is valid).
MAX_PARAMS = 48
#: ``u^(k)`` for ``k = 1..MAX_K``.
MAX_K = 24
_EPS = 1e-9
#: Budgets of (pairs x distinct item shapes) per bound, without and with rotation.
_CELL_BUDGET = 5e7
_CELL_BUDGET_ROT = 1e7
#: Cells (params_w x params_h x items) per block of the rotation tensor.
_BLOCK_CELLS = 1 << 22

def dff_values(kind: str, param: int, x: np.ndarray, cap: int) -> np.ndarray:
    """``f(x)`` for the DFF ``kind`` with parameter ``param`` and capacity ``cap`` (int64).

    ``x`` may include ``cap`` itself; ``f(cap)`` is the normaliser.
    """
    x = np.asarray(x, dtype=np.int64)
    if kind == "identity":
        return x.copy()
    if kind == "f0":
        lam = param
        return np.where(x > cap - lam, cap, np.where(x >= lam, x, 0)).astype(np.int64)
    if kind == "u":
        k = param
        exact = ((k + 1) * x) % cap == 0
        return np.where(exact, k * x, cap * (((k + 1) * x) // cap)).astype(np.int64)
    if kind == "f2":
        lam = param
        big = 2 * ((cap // lam) - (cap - x) // lam)
        half = np.full_like(x, cap // lam)
        small = 2 * (x // lam)
        return np.where(2 * x > cap, big, np.where(2 * x == cap, half, small)).astype(np.int64)
    raise ValueError(f"unknown DFF kind {kind!r}")


def _thin(values: np.ndarray, cap: int) -> np.ndarray:
    """Sorted distinct values, at most ``cap`` of them evenly spread."""
    v = np.unique(values)
    if v.size > cap:
        v = v[np.unique(np.linspace(0, v.size - 1, cap).round().astype(np.int64))]
    return v


def dff_family(sizes: np.ndarray, cap: int, max_params: int = MAX_PARAMS, max_k: int = MAX_K) -> list[tuple[str, int]]:
    """The ``(kind, param)`` DFFs worth trying for these item sizes and capacity.

    ``f0`` and ``f2`` only change value at an item where ``lam`` crosses its size
    ``x`` or ``cap - x + 1``, so those are the candidate ``lam`` (at most
    ``max_params``, all in ``1..cap/2``); ``u^(k)`` for ``k = 1..max_k``.
    """
    s = np.asarray(sizes, dtype=np.int64)
    lams = np.concatenate([s, cap - s + 1])
    lams = _thin(lams[(lams >= 1) & (2 * lams <= cap)], max_params)
    out: list[tuple[str, int]] = [("identity", 0)]
    out += [("f0", int(lam)) for lam in lams]
    out += [("u", k) for k in range(1, min(max_k, cap) + 1)]
    out += [("f2", int(lam)) for lam in lams]
    return out


def orientations(inst: BinPackInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Placed ``(width, height)`` per item and orientation, ``(n, 2)`` each, and which are allowed.

    Orientation 0 is the item as listed, 1 turned (allowed only with rotation and
    when it fits the bin). At least one orientation of each item is allowed.
    """
    w = np.asarray(inst.widths, dtype=np.int64)
    h = np.asarray(inst.heights, dtype=np.int64)
    W, H = inst.bin_width, inst.bin_height
    pw = np.stack([w, h], axis=1)
    ph = np.stack([h, w], axis=1)
    ok = (pw <= W) & (ph <= H)
    if not inst.allow_rotation:
        ok[:, 1] = False
    return pw, ph, ok


def _table(family: list[tuple[str, int]], x: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``f(x)`` (float64) per family member, and the normalisers ``f(cap)``."""
    vals = np.empty((len(family), x.size), dtype=np.float64)
    norm = np.empty(len(family), dtype=np.float64)
    for r, (kind, p) in enumerate(family):
        v = dff_values(kind, p, np.append(x, cap), cap)
        vals[r] = v[:-1]
        norm[r] = v[-1]
    return vals, norm


def _ratios(inst: BinPackInstance) -> tuple[list[tuple[str, int]], list[tuple[str, int]], np.ndarray]:
    """The families per dimension and ``sum f(w) g(h) / (f(W) g(H))`` for every pair."""
    W, H = inst.bin_width, inst.bin_height
    pw, ph, ok = orientations(inst)
    # Identical items contribute identical terms: sum over distinct shapes x count.
    keys = np.concatenate([pw, ph, ok.astype(np.int64)], axis=1)
    keys, counts = np.unique(keys, axis=0, return_counts=True)
    pw, ph, ok = keys[:, 0:2], keys[:, 2:4], keys[:, 4:6].astype(bool)
    # Work is about (pairs x distinct shapes); on very large instances fewer
    # parameters keep it bounded (a max over fewer pairs is still valid).
    budget = _CELL_BUDGET_ROT if ok[:, 1].any() else _CELL_BUDGET
    per_dim = int(np.sqrt(budget / max(1, pw.shape[0])))
    max_params = max(4, min(MAX_PARAMS, per_dim * 3 // 8))
    max_k = max(4, min(MAX_K, per_dim // 4))
    fam_w = dff_family(pw[ok], W, max_params, max_k)
    fam_h = dff_family(ph[ok], H, max_params, max_k)
    weight = counts.astype(np.float64)
    rotating = bool(ok[:, 1].any())
    _, nw = _table(fam_w, pw[:0, 0], W)
    _, nh = _table(fam_h, ph[:0, 0], H)
    total = np.zeros((len(fam_w), len(fam_h)))
    cells = len(fam_w) * (len(fam_h) if rotating else 1)
    step = max(1, _BLOCK_CELLS // max(1, cells))
    for a in range(0, pw.shape[0], step):
        b = slice(a, a + step)
        fw0, _ = _table(fam_w, pw[b, 0], W)
        gh0, _ = _table(fam_h, ph[b, 0], H)
        if not rotating:
            total += np.einsum("pi,qi->pq", fw0 * weight[None, b], gh0)  # sum_i f_p(w_i) g_q(h_i)
            continue
        fw1, _ = _table(fam_w, pw[b, 1], W)
        gh1, _ = _table(fam_h, ph[b, 1], H)
        t0 = np.where(ok[None, None, b, 0], fw0[:, None, :] * gh0[None, :, :], np.inf)
        t1 = np.where(ok[None, None, b, 1], fw1[:, None, :] * gh1[None, :, :], np.inf)
        total += (np.minimum(t0, t1) * weight[None, None, b]).sum(axis=2)
    return fam_w, fam_h, total / np.outer(nw, nh)


def dff_bound(inst: BinPackInstance) -> int:
    """``max ceil(sum f(w_i) g(h_i) / (f(W) g(H)))`` over the DFF pairs (module docstring)."""
    _, _, ratio = _ratios(inst)
    return int(max(0.0, np.ceil(ratio * (1 - _EPS) - _EPS).max()))


def best_dff_pairs(inst: BinPackInstance, k: int) -> list[tuple[tuple[str, int], tuple[str, int]]]:
    """The ``k`` DFF pairs ``((kind_f, param_f), (kind_g, param_g))`` of largest ratio."""
    fam_w, fam_h, ratio = _ratios(inst)
    flat = np.argsort(-ratio, axis=None, kind="stable")[:k]
    rows, cols = np.unravel_index(flat, ratio.shape)
    return [(fam_w[r], fam_h[c]) for r, c in zip(rows.tolist(), cols.tolist())]


def dff_item_terms(
    inst: BinPackInstance, pairs: list[tuple[tuple[str, int], tuple[str, int]]]
) -> tuple[np.ndarray, np.ndarray]:
    """Per pair, the exact integer terms ``min over allowed orientations f(pw) g(ph)``.

    Returns ``(terms (len(pairs), n) int64, capacities f(W) g(H) (len(pairs),) int64)``:
    every set of items that fits in one bin has ``terms[k] @ x <= capacities[k]``
    (the DFF argument of the module docstring, applied to a single bin).
    """
    W, H = inst.bin_width, inst.bin_height
    pw, ph, ok = orientations(inst)
    terms = np.empty((len(pairs), inst.n), dtype=np.int64)
    caps = np.empty(len(pairs), dtype=np.int64)
    big = np.iinfo(np.int64).max
    for r, ((kf, pf), (kg, pg)) in enumerate(pairs):
        per = []
        for o in (0, 1):
            t = dff_values(kf, pf, pw[:, o], W) * dff_values(kg, pg, ph[:, o], H) if ok[:, o].any() else None
            per.append(np.where(ok[:, o], t, big) if t is not None else np.full(inst.n, big))
        terms[r] = np.minimum(per[0], per[1])
        caps[r] = int(dff_values(kf, pf, np.array([W]), W)[0]) * int(dff_values(kg, pg, np.array([H]), H)[0])
    return terms, caps
