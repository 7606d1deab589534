"""The move choice in compiled calls: draw K candidate ruins, score them, keep the best.

In NumPy the same decision takes about ten small array operations (70 us on a
busy core), half the cost of the move it chooses; compiled, it is a few
microseconds. The scores are the guide network's
(:meth:`nnopt.solver._guide_model.GuideModel.prepare` folds everything per state
into ``EB`` and ``const``), so ``pick_candidate`` only pools and applies the head;
``state_view`` carries a component's embedding over from the previous state when
its features did not change. The controls' roulette draw (``roulette``,
``draw_members``) and the attempt log's row copy (``log_attempt``) are compiled
too: in Python each cost a tenth of a cheap move on its own.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["pick_candidate", "state_view", "roulette", "draw_members", "log_attempt"]


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
def _among(members, m, j):
    """Whether ``j`` is one of the first ``m`` members (a few at most: a linear scan)."""
    for q in range(m):
        if members[q] == j:
            return True
    return False


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
            weighted = mix == 0 or i % mix == 0
            j = _draw(cum, np.random.random()) if weighted else np.random.randint(0, cum.shape[0])
            if not _among(members, m, j):
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
def state_view(phi, weak, sharpness, b, Bctx, phi_old, have):
    """Once per state: the weakness roulette (cumulative), the mean features (context) and the
    head's constant part (bias + context projection), as ``GuideModel.prepare`` computes it.

    ``have`` marks the components whose head projection (a row of ``EB``) is known; a row
    stays known only where the component's features equal ``phi_old``'s row (then its
    embedding is unchanged: a move rewrites a few bins, so 80-90 % of rows carry over
    between consecutive states on 500-item instances). ``phi_old`` becomes ``phi``.
    """
    C, F = phi.shape
    cum = roulette(weak, sharpness, False)
    context = np.zeros(F)
    for c in range(C):
        same = have[c]
        for f in range(F):
            context[f] += phi[c, f]
            if phi_old[c, f] != phi[c, f]:
                same = False
                phi_old[c, f] = phi[c, f]
        have[c] = same
    for f in range(F):
        context[f] /= max(C, 1)
    const = b.copy()
    for f in range(F):
        for h in range(const.shape[0]):
            const[h] += context[f] * Bctx[f, h]
    return cum, const, context


@njit(cache=True)
def roulette(weak, sharpness, uniform):
    """The cumulative draw weights of a state's components: weakness ** sharpness (+ a floor), or 1 each."""
    C = weak.shape[0]
    cum = np.empty(C)
    total = 0.0
    for c in range(C):
        total += 1.0 if uniform else max(weak[c], 0.0) ** sharpness + 1e-3
        cum[c] = total
    return cum


@njit(cache=True)
def draw_members(cum, max_ruin, seed):
    """1..max_ruin distinct components drawn on the roulette ``cum`` (a control's whole decision)."""
    np.random.seed(seed)
    k = min(np.random.randint(1, max_ruin + 1), cum.shape[0])
    members = np.empty(k, dtype=np.int64)
    m = 0
    while m < k:
        j = _draw(cum, np.random.random())
        if not _among(members, m, j):
            members[m] = j
            m += 1
    return members


@njit(cache=True)
def log_attempt(members, counts, context, success, i, phi, last, ctx, ok):
    """Row ``i`` of the attempt log: the ruined components' features (zero-padded), context, outcome."""
    k = last.shape[0]
    F = phi.shape[1]
    for r in range(members.shape[1]):
        for f in range(F):
            members[i, r, f] = phi[last[r], f] if r < k else 0.0
    counts[i] = k
    for f in range(F):
        context[i, f] = ctx[f]
    success[i] = 1.0 if ok else 0.0
