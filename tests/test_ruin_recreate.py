"""Ruin and recreate over bins: the binpack2d hooks, the problem-agnostic loop, the method."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnopt.problems import Problem, get_problem
from nnopt.problems.capabilities import SolutionSearch, capabilities_of
from nnopt.solver import Budget
from nnopt.solver.methods import get_method
from nnopt.solver.portfolio import portfolio, start_components
from nnopt.solver.ruin_recreate import MissingHooksError, RRConfig, ruin_recreate

BP = get_problem("binpack2d")
NNOPT = Path(sys.executable).parent / "nnopt"
REPO = Path(__file__).resolve().parents[1]


def _overlaps(inst, state) -> list[str]:
    """Independent of the kernels: every placed item inside its bin, no two in one bin overlapping."""
    bad = []
    rot = state.rot.astype(bool)
    w = np.where(rot, inst.heights, inst.widths)
    h = np.where(rot, inst.widths, inst.heights)
    placed = np.flatnonzero(state.ib >= 0)
    for i in placed:
        if not (0 <= state.ix[i] and state.ix[i] + w[i] <= inst.bin_width and 0 <= state.iy[i]
                and state.iy[i] + h[i] <= inst.bin_height):
            bad.append(f"item {i} outside its bin")
        if not 0 <= state.ib[i] < state.L:
            bad.append(f"item {i} in slot {state.ib[i]} of {state.L}")
    for a in placed:
        for b in placed:
            if a < b and state.ib[a] == state.ib[b]:
                if (state.ix[a] < state.ix[b] + w[b] and state.ix[b] < state.ix[a] + w[a]
                        and state.iy[a] < state.iy[b] + h[b] and state.iy[b] < state.iy[a] + h[a]):
                    bad.append(f"items {a} and {b} overlap")
    return bad


def _start(inst):
    X = BP.heuristic_encodings(inst)
    sols = BP.decode(inst, X, decoder="maxrects-bssf")
    return sols[int(np.argmin(BP.cost(inst, sols)))]


@settings(max_examples=40)
@given(klass=st.integers(1, 10), n=st.integers(2, 40), seed=st.integers(0, 10_000), rotation=st.booleans(),
       moves=st.integers(1, 6))
def test_moves_keep_every_placed_item_feasible(klass, n, seed, rotation, moves):
    inst = BP.generate(seed=seed, klass=klass, n=n, allow_rotation=rotation)
    rng = np.random.default_rng(seed)
    start = BP.search_state(inst, _start(inst))
    assert not _overlaps(inst, start) and BP.state_cost(inst, start)[0] == 0
    state = BP.tighten(inst, start) or start
    for _ in range(moves):
        before = state.ib.copy(), state.ix.copy(), state.iy.copy()
        parts = rng.choice(state.L, size=min(2, state.L), replace=False)
        cand = BP.ruin(inst, state, parts, rng)
        assert all(np.array_equal(a, b) for a, b in zip(before, (state.ib, state.ix, state.iy)))
        BP.recreate(inst, cand, rng)
        assert not _overlaps(inst, cand)
        left = (cand.ib < 0).sum()
        assert (BP.state_cost(inst, cand)[0] == 0) == (left == 0)
        sol = BP.state_solution(inst, cand)
        assert (sol is None) == (left > 0)
        if sol is not None:
            assert BP.check(inst, sol) == []
            assert sol.num_bins <= cand.L
        state = cand


def test_tighten_leaves_out_the_emptiest_bin():
    inst = BP.generate(seed=3, klass=7, n=40)
    state = BP.search_state(inst, _start(inst))
    used = np.bincount(state.ib, weights=inst.widths * inst.heights, minlength=state.L)
    tight = BP.tighten(inst, state)
    assert tight.L == state.L - 1
    assert set(np.flatnonzero(tight.ib < 0)) == set(np.flatnonzero(state.ib == int(np.argmin(used))))
    assert BP.state_cost(inst, tight)[0] > 0


def test_loop_is_verified_reproducible_and_never_worse_than_the_start():
    inst = BP.generate(seed=11, klass=3, n=60)
    a = ruin_recreate(BP, inst, Budget(max_evals=400), seed=5)
    b = ruin_recreate(BP, inst, Budget(max_evals=400), seed=5)
    assert BP.check(inst, a.solution) == []
    assert a.solution == b.solution and a.objective == b.objective
    assert a.objective <= _start(inst).num_bins
    assert a.info["moves"] <= 400


def test_loop_stops_at_the_lower_bound():
    inst = BP.generate(seed=1, klass=1, n=20)
    res = ruin_recreate(BP, inst, Budget(max_evals=100_000), seed=0)
    if res.objective == BP.lower_bound(inst):
        assert res.status == "optimal" and res.info["moves"] < 100_000


def test_recombination_and_random_choice_run():
    inst = BP.generate(seed=4, klass=10, n=50)
    for cfg in (RRConfig(recombine_every=50), RRConfig(choice="random")):
        res = ruin_recreate(BP, inst, Budget(max_evals=200), seed=1, config=cfg)
        assert BP.check(inst, res.solution) == []
    with pytest.raises(ValueError, match="unknown component choice"):
        ruin_recreate(BP, inst, Budget(max_evals=10), config=RRConfig(choice="worst"))


def test_portfolio_splits_decodes_and_moves():
    inst = BP.generate(seed=8, klass=5, n=40)
    a = portfolio(BP, inst, Budget(max_evals=800), seed=2)
    b = portfolio(BP, inst, Budget(max_evals=800), seed=2)
    assert a.solution == b.solution and BP.check(inst, a.solution) == []


def test_portfolio_keeps_cem_where_a_move_would_ruin_every_bin():
    few = BP.generate(seed=3, klass=4, n=40)  # small items in a 100 x 100 bin: a bin or two
    many = BP.generate(seed=0, klass=3, n=60)  # about fifteen bins, not met by CEM's share
    assert start_components(BP, few) <= RRConfig().max_ruin < start_components(BP, many)
    a = portfolio(BP, few, Budget(max_evals=400), seed=0)
    b = portfolio(BP, many, Budget(max_evals=400), seed=0)
    assert a.info.get("few_components") and "moves" not in a.info and BP.check(few, a.solution) == []
    assert "few_components" not in b.info and b.info["moves"] == 300  # three quarters of the budget


def _core_only(problem: Problem) -> Problem:
    """A problem with ``problem``'s core (its abstract hooks and search decoders) and no capability."""
    def delegate(hook: str):
        return lambda self, *args, **kwargs: getattr(problem, hook)(*args, **kwargs)

    members = {hook: delegate(hook) for hook in Problem.__abstractmethods__}
    members.update(name="core_only", description="binpack2d's core alone", decoders=problem.decoders,
                   search_decoders=problem.search_decoders, heuristic_encodings=delegate("heuristic_encodings"))
    return type("CoreOnly", (Problem,), members)()


def test_a_problem_without_the_capability_is_refused_by_name():
    prob = _core_only(BP)
    assert SolutionSearch in capabilities_of(BP) and capabilities_of(prob) == ()
    with pytest.raises(MissingHooksError, match=r"needs the SolutionSearch capability \(search_state, weakness"):
        ruin_recreate(prob, BP.generate(seed=0), Budget(max_evals=5))
    reason = get_method("ruin-recreate").unsupported(prob)
    assert reason == ("needs the SolutionSearch capability (search_state, weakness, ruin, recreate, state_cost, "
                      "state_solution)")


def test_the_default_method_runs_cem_alone_on_a_core_only_problem():
    prob, inst = _core_only(BP), BP.generate(seed=3, klass=1, n=60)
    found = get_method("nnopt").run(prob, inst, Budget(max_evals=400), seed=0)
    alone = get_method("cem").run(prob, inst, Budget(max_evals=400), seed=0)
    assert found.evaluations == alone.evaluations and found.objective == alone.objective
    assert [t[::2] for t in found.trace] == [t[::2] for t in alone.trace]  # (evaluations, objective) alike
    assert not BP.check(inst, found.solution)


def test_cli_runs_ruin_recreate_with_a_verified_file(tmp_path):
    out = tmp_path / "sol.json"
    res = subprocess.run([str(NNOPT), "solve", str(REPO / "examples" / "cl_07_040_01.json"), "--method",
                          "ruin-recreate", "--max-evals", "300", "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    sol = json.loads(out.read_text())
    assert sol["method"] == "ruin-recreate" and sol["objective"] >= sol["lower_bound"]


def test_a_full_bin_pool_still_recombines_with_the_incumbent():
    from nnopt.problems.binpack2d._bin_pool import BinPool, pool_add_state, recombine_pool

    inst = BP.generate(seed=5, klass=7, n=30)
    start = _start(inst)
    pool = BinPool(inst.bin_area, capacity=4)
    rng = np.random.default_rng(0)
    state = BP.tighten(inst, BP.search_state(inst, start))
    for _ in range(30):  # far more bins than the pool holds: it sheds its thinner half
        state = BP.ruin(inst, state, rng.choice(state.L, size=2, replace=False), rng)
        BP.recreate(inst, state, rng)
        pool_add_state(inst, pool, state)
    assert len(pool.layouts) <= 4 and pool.added > 4
    found = recombine_pool(inst, pool, start, time_limit=1.0, seed=0)
    assert found is None or (BP.check(inst, found) == [] and found.num_bins < start.num_bins)
