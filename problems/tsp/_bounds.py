"""Lower bounds on the length of a tour: 1-trees, improved by Held–Karp penalties.

Validity. A tour is a 1-tree (a spanning tree of the cities other than a
*special* one, plus two edges at the special city) in which every city has
degree 2, so the minimum 1-tree weighs at most the shortest tour. Adding a
penalty ``pi[i]`` to every edge at city ``i`` adds exactly ``2 * sum(pi)`` to
every tour, so for *any* ``pi``

    L(pi) = (minimum 1-tree weight under d(i, j) + pi[i] + pi[j]) - 2 * sum(pi)

is a lower bound on the shortest tour (Held & Karp, 1970/71). ``pi = 0`` is the
plain 1-tree bound (at least the minimum spanning tree's weight). Subgradient
steps ``pi += t * (degree - 2)`` push ``L`` up towards the Held–Karp bound,
typically within about 1 % of the optimum on random Euclidean instances, against
about 10 % for the plain 1-tree. Whatever ``pi`` the steps reach, the bound
reported is the best ``L(pi)`` actually evaluated, so it is valid however the
steps are tuned.

Numerics. ``L`` is a sum of floats; the reported bound is lowered by a relative
``1e-9`` to stay below the true value, and, for TSPLIB's rounded (integer)
lengths, rounded up to the next integer (a tour's length is an integer then).

Cost. Each 1-tree is O(n²) (Prim on the implicit complete graph); the number of
subgradient steps shrinks with ``n`` so that a bound costs at most about
:data:`WORK_LIMIT` distance evaluations (about a second at n = 10 000).
"""
from __future__ import annotations

import math
import time

import numpy as np

from nnopt.problems._deadline import seconds_to_deadline
from nnopt.problems.tsp._instance import TSPInstance
from nnopt.problems.tsp._kernels import one_tree

__all__ = ["one_tree_bound", "held_karp_bound", "held_karp_bound_in_time", "lower_bound", "WORK_LIMIT"]

#: Distance evaluations a bound may spend (each 1-tree costs about n²).
WORK_LIMIT = 1e8
#: Relative safety margin subtracted from the floating-point bound.
MARGIN = 1e-9


def _arrays(inst: TSPInstance) -> tuple[np.ndarray, np.ndarray, int]:
    return np.array(inst.coords[:, 0]), np.array(inst.coords[:, 1]), int(inst.rounded)


def _finish(inst: TSPInstance, value: float) -> float:
    value -= MARGIN * max(1.0, abs(value))
    return float(math.ceil(value)) if inst.rounded else float(value)


def one_tree_bound(inst: TSPInstance, specials: int = 5) -> float:
    """The plain 1-tree bound: best over the first ``specials`` cities as the special one."""
    xs, ys, rounded = _arrays(inst)
    pi = np.zeros(inst.n)
    degree = np.zeros(inst.n, dtype=np.int64)
    best = max(one_tree(xs, ys, rounded, pi, s, degree) for s in range(min(specials, inst.n)))
    return _finish(inst, best)


def held_karp_bound(inst: TSPInstance, upper: float, iterations: int | None = None) -> float:
    """Held–Karp subgradient bound (see the module doc); ``upper`` is any tour's length."""
    return held_karp_bound_in_time(inst, upper, iterations)[0]


def held_karp_bound_in_time(inst: TSPInstance, upper: float, iterations: int | None = None) -> tuple[float, bool]:
    """Held–Karp's bound and whether every step was taken (False: the run's deadline cut it short).

    Step ``t = lam * (upper - L) / |g|²`` with ``lam`` starting at 2 and halved
    after ``patience`` steps without a new best; stops when every degree is 2
    (the 1-tree is a tour: the bound is the optimum), when ``lam`` is tiny, or
    after ``iterations`` steps. Under a run's deadline (:mod:`nnopt.problems._deadline`)
    a step is begun only while the time left covers the last one: each is an O(n²)
    1-tree, a second or more at 10,000 cities on a busy core. The best ``L`` so far is
    a valid bound whenever it stops.
    """
    n = inst.n
    xs, ys, rounded = _arrays(inst)
    if iterations is None:
        iterations = int(max(3, min(50 + 3 * n, WORK_LIMIT // (n * n))))
    patience = 10
    pi = np.zeros(n)
    degree = np.zeros(n, dtype=np.int64)
    best = -math.inf
    lam, stale = 2.0, 0
    step_s = 0.0
    for it in range(iterations):
        left = seconds_to_deadline()
        if it > 0 and left is not None and left < step_s:
            return _finish(inst, best), False
        t0 = time.perf_counter()
        value = one_tree(xs, ys, rounded, pi, 0, degree) - 2.0 * pi.sum()
        step_s = time.perf_counter() - t0
        if best == -math.inf or value > best + 1e-12 * max(1.0, abs(best)):
            best, stale = value, 0
        else:
            stale += 1
            if stale >= patience:
                lam, stale = lam / 2, 0
                if lam < 1e-4:
                    break
        g = (degree - 2).astype(np.float64)
        norm = float(g @ g)
        if norm == 0.0:
            break  # the 1-tree is a tour
        gap = max(upper - value, 1e-6 * max(1.0, abs(upper)))
        pi += lam * gap / norm * g
    return _finish(inst, best), True


def lower_bound(inst: TSPInstance, upper: float) -> tuple[float, bool]:
    """The bound nnopt reports: Held–Karp's, whose first step is the plain 1-tree bound; and
    whether it is complete (a run's deadline may cut the steps short)."""
    return held_karp_bound_in_time(inst, upper)
