"""The learned move choice in one compiled call: draw K candidate ruins, score them, keep the best.

In NumPy the same decision takes about ten small array operations (70 us on a
busy core), half the cost of the move it chooses; compiled, it is a few
microseconds, inside the issue's budget of a tenth of a move. The scores are the
guide network's (:meth:`nnopt.solver._guide_model.GuideModel.prepare` folds
everything per state into ``EB`` and ``const``), so this kernel only pools and
applies the head.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["pick_candidate", "state_view"]


@njit(cache=True)
def _draw(cum, u):
    """The component whose roulette interval holds ``u * total`` (binary search on ``cum``)."""
    target = u * cum[cum.shape[0] - 1]
    lo, hi = 0, cum.shape[0] - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] > target:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True)
def _embed_row(phi, A, a, BH, EB, j):
    """Component ``j``'s head projection ``tanh(phi[j] A + a) BH`` into ``EB[j]``."""
    F, H = A.shape
    E = np.empty(H)
    for h in range(H):
        z = a[h]
        for f in range(F):
            z += phi[j, f] * A[f, h]
        E[h] = np.tanh(z)
    for g in range(BH.shape[1]):
        s = 0.0
        for h in range(H):
            s += E[h] * BH[h, g]
        EB[j, g] = s


@njit(cache=True)
def pick_candidate(cum, EB, have, phi, A, a, BH, const, size_w, v, c0, K, max_ruin, guided, seed, mix):
    """Members of the best of ``K`` candidates (1..max_ruin distinct components each): every
    ``mix``-th one (``mix`` > 0; the first included) roulette-drawn on ``cum``, the others uniform,
    so the guide can prefer either control's kind (``mix`` 0: all roulette).

    ``guided`` False returns the first candidate unscored: exactly a weakness draw.
    A candidate's log-odds: ``relu(mean_j EB[j] + const + size_w * k / max_ruin) . v + c0``.
    Rows of ``EB`` are computed when a candidate first needs them (``have`` marks the done
    ones): a state is often left after a move or two, and embedding all its components
    up front cost more than the move on large instances.
    """
    np.random.seed(seed)
    H = EB.shape[1]
    members = np.empty(max_ruin, dtype=np.int64)
    best = np.empty(max_ruin, dtype=np.int64)
    best_m = 0
    best_score = -np.inf
    pre = np.empty(H)
    for i in range(K):
        k = np.random.randint(1, max_ruin + 1)
        m = 0
        for _ in range(k):
            roulette = mix == 0 or i % mix == 0
            j = _draw(cum, np.random.random()) if roulette else np.random.randint(0, cum.shape[0])
            dup = False
            for q in range(m):
                if members[q] == j:
                    dup = True
                    break
            if not dup:
                members[m] = j
                m += 1
        if not guided:
            return members[:m].copy()
        for q in range(m):
            if not have[members[q]]:
                _embed_row(phi, A, a, BH, EB, members[q])
                have[members[q]] = True
        for h in range(H):
            s = 0.0
            for q in range(m):
                s += EB[members[q], h]
            pre[h] = s / m + const[h] + size_w[h] * m / max_ruin
        score = c0
        for h in range(H):
            if pre[h] > 0.0:
                score += pre[h] * v[h]
        if score > best_score:
            best_score = score
            best_m = m
            for q in range(m):
                best[q] = members[q]
    return best[:best_m].copy()


@njit(cache=True)
def state_view(phi, weak, sharpness, b, Bctx):
    """Once per state: the weakness roulette (cumulative), the mean features (context) and the
    head's constant part (bias + context projection), as ``GuideModel.prepare`` computes it."""
    C, F = phi.shape
    cum = np.empty(C)
    total = 0.0
    for c in range(C):
        total += max(weak[c], 0.0) ** sharpness + 1e-3
        cum[c] = total
    context = np.zeros(F)
    for c in range(C):
        for f in range(F):
            context[f] += phi[c, f]
    for f in range(F):
        context[f] /= max(C, 1)
    const = b.copy()
    for f in range(F):
        for h in range(const.shape[0]):
            const[h] += context[f] * Bctx[f, h]
    return cum, const, context
