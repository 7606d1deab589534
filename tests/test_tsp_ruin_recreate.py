"""tsp's ruin-and-recreate hooks, and the problem-agnostic loop running on them.

The loop was written for bins; these tests pin down that tsp's hooks honour the
same contract (a ruin leaves its argument alone, a recreate makes the tour
whole again, weakness is one non-negative score per city) and that the loop
then returns verified, reproducible tours no longer than its start.
"""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnopt.problems.capabilities import Pooling, SolutionSearch
from nnopt.problems.tsp import TSP, Tour
from nnopt.problems.tsp._ruin import WEAKNESS_FLOOR, RuinSettings, TourState, string_cap
from nnopt.solver._budget import Budget
from nnopt.solver.ruin_recreate import RRConfig, ruin_recreate

PROBLEM = TSP()


def _start(instance) -> Tour:
    """The best heuristic tour: what the loop starts from."""
    batch = PROBLEM.decode(instance, PROBLEM.heuristic_encodings(instance))
    return batch[int(np.argmin(batch.lengths))]


def test_tsp_offers_every_hook_and_no_goal() -> None:
    assert isinstance(PROBLEM, SolutionSearch) and not isinstance(PROBLEM, Pooling)
    inst = PROBLEM.generate(seed=3, n=30)
    assert PROBLEM.tighten(inst, PROBLEM.search_state(inst, _start(inst))) is None


def test_weakness_is_each_citys_detour() -> None:
    inst = PROBLEM.generate(seed=1, n=40)
    state = PROBLEM.search_state(inst, _start(inst))
    weak = PROBLEM.weakness(inst, state)
    assert weak.shape == (inst.n,) and weak.dtype == np.float64
    assert (weak >= 0).all()
    order, xy = state.order, inst.coords
    k = 7
    p, c, s = order[k - 1], order[k], order[k + 1]
    d = lambda a, b: float(np.hypot(*(xy[a] - xy[b])))  # noqa: E731
    floor = WEAKNESS_FLOOR * (weak.mean() / (1 + WEAKNESS_FLOOR))
    assert np.isclose(weak[c], d(p, c) + d(c, s) - d(p, s) + floor)
    assert (weak >= floor - 1e-12).all()  # no city is out of reach of the weighted choice


def test_ruin_leaves_its_argument_untouched_and_recreate_restores_a_valid_tour() -> None:
    inst = PROBLEM.generate(seed=2, n=60, kind="clustered")
    state = PROBLEM.search_state(inst, _start(inst))
    before = state.order.copy()
    length = state.length
    rng = np.random.default_rng(0)
    cand = PROBLEM.ruin(inst, state, np.array([5, 17, 40]), rng)
    assert np.array_equal(state.order, before) and state.length == length and state.left.size == 0
    assert cand.left.size > 0
    assert sorted(cand.order.tolist() + cand.left.tolist()) == list(range(inst.n))
    left, length_partial = PROBLEM.state_cost(inst, cand)
    assert left == cand.left.size and length_partial < length  # a shortcut never lengthens a tour
    assert PROBLEM.state_solution(inst, cand) is None
    PROBLEM.recreate(inst, cand, rng)
    assert PROBLEM.state_cost(inst, cand)[0] == 0.0
    tour = PROBLEM.state_solution(inst, cand)
    assert isinstance(tour, Tour) and PROBLEM.check(inst, tour) == []  # checker recomputes the length
    assert np.isclose(PROBLEM.state_cost(inst, cand)[1], PROBLEM.objective(inst, tour))


def test_strings_respect_the_cap_and_keep_a_tour() -> None:
    inst = PROBLEM.generate(seed=4, n=200)
    state = PROBLEM.search_state(inst, _start(inst))
    rng = np.random.default_rng(1)
    cap = string_cap(inst.n, PROBLEM.ruin_settings)
    s = PROBLEM.ruin_settings
    for _ in range(50):
        cand = PROBLEM.ruin(inst, state, rng.choice(inst.n, 1), rng)
        assert 1 <= cand.left.size <= s.strings * cap
    tiny = PROBLEM.generate(seed=4, n=5)
    cand = PROBLEM.ruin(tiny, PROBLEM.search_state(tiny, _start(tiny)), np.arange(5), rng)
    assert cand.order.size >= 3


def test_recreate_without_polish_is_pure_cheapest_insertion() -> None:
    """With no blinks and no 2-opt, one city put back goes where it costs least."""
    inst = PROBLEM.generate(seed=5, n=25)
    tour = _start(inst)
    order = tour.order[tour.order != 9]
    state = TourState(order.copy(), np.array([9]), 0.0)
    problem = TSP()
    problem.ruin_settings = RuinSettings(blink=0.0, polish=False, neighbours=24)
    problem.recreate(inst, state, np.random.default_rng(0))
    xy = inst.coords
    d = lambda a, b: float(np.hypot(*(xy[a] - xy[b])))  # noqa: E731
    costs = [d(order[i], 9) + d(9, order[(i + 1) % len(order)]) - d(order[i], order[(i + 1) % len(order)])
             for i in range(len(order))]
    best = int(np.argmin(costs))
    p = int(np.flatnonzero(state.order == 9)[0])
    pair = {int(state.order[p - 1]), int(state.order[(p + 1) % inst.n])}
    assert pair == {int(order[best]), int(order[(best + 1) % len(order)])}


def test_loop_is_verified_reproducible_and_never_worse_than_its_start() -> None:
    inst = PROBLEM.generate(seed=0, n=80)
    start = PROBLEM.objective(inst, _start(inst))
    a = ruin_recreate(PROBLEM, inst, Budget(max_evals=400), seed=7)
    b = ruin_recreate(PROBLEM, inst, Budget(max_evals=400), seed=7)
    assert PROBLEM.check(inst, a.solution) == []
    assert np.array_equal(a.solution.order, b.solution.order) and a.objective == b.objective
    assert a.info["moves"] == 400
    assert a.objective < start  # 400 moves improve a nearest-neighbour + 2-opt tour of 80 cities


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(3, 40), seed=st.integers(0, 10_000), kind=st.sampled_from(["uniform", "clustered"]),
       rounded=st.booleans(), choice=st.sampled_from(["weakness", "random"]))
def test_property_random_small_instances(n: int, seed: int, kind: str, rounded: bool, choice: str) -> None:
    inst = PROBLEM.generate(seed=seed, n=n, kind=kind, distance="euc_2d" if rounded else "euclidean")
    start = PROBLEM.objective(inst, _start(inst))
    res = ruin_recreate(PROBLEM, inst, Budget(max_evals=60), seed=seed, config=RRConfig(choice=choice))
    assert PROBLEM.check(inst, res.solution) == []
    assert res.objective <= start + 1e-9
    assert np.isclose(res.objective, PROBLEM.objective(inst, res.solution))
