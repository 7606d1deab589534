"""brkga (solver/brkga.py) and binpack2d's "keys+rule" encoding it was built for.

The search: verified results on two problems, bit-identical under a decode
budget, never worse than the classic constructions, within a time budget,
early stop at the bound, Ctrl-C. The encoding: every gene vector decodes to a
feasible packing (the independent checker), and one rule for every item is
exactly that rule's plain decoder.
"""
from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnopt.problems.binpack2d import BinPack2D
from nnopt.problems.binpack2d._kernels import BIN_FIRST_FIT, BIN_GLOBAL_BEST, RULE_NAMES, pack_batch
from nnopt.problems.binpack2d._problem import BIN_CHOICE
from nnopt.problems.binpack2d._rule_kernels import RULE_GENE_DECODERS, pack_rule_batch, rule_indices
from nnopt.problems.tsp import TSP
from nnopt.solver._budget import Budget
from nnopt.solver.brkga import BRKGAPopulation, brkga

BP = BinPack2D()
TS = TSP()


def _best_heuristic(problem, inst, encoding=None) -> tuple[float, float]:
    """(objective, cost) of the best heuristic encoding under the best search decoder."""
    H = problem.heuristic_encodings(inst, encoding)
    best = (np.inf, np.inf)
    for d in problem.search_decoders_for(encoding):
        sols = problem.decode(inst, H, decoder=d, encoding=encoding)
        costs = problem.cost(inst, sols)
        i = int(np.argmin(costs))
        best = min(best, (problem.objective(inst, sols[i]), float(costs[i])))
    return best


def _hard_binpack():
    """The classic constructions use 14 bins, the bound is 12: the search runs its whole budget."""
    return BP.generate(12, klass=3, n=50, allow_rotation=True)


# ----------------------------------------------------------------------------- the search


@pytest.mark.parametrize("encoding", [None, "keys+rule"])
def test_binpack2d_result_is_verified_and_replays(encoding):
    inst = _hard_binpack()
    r = brkga(BP, inst, Budget(max_evals=1500), seed=3, encoding=encoding)
    assert BP.check(inst, r.solution) == []
    assert r.objective == r.solution.num_bins and r.objective >= BP.lower_bound(inst)
    assert r.status in ("budget", "optimal") and r.evaluations <= 1500
    # the returned encoding and decoder rebuild the returned packing
    again = BP.decode(inst, r.encoding[None, :], decoder=r.decoder, encoding=encoding)
    assert float(BP.cost(inst, again)[0]) == r.cost
    assert (r.objective, r.cost) <= _best_heuristic(BP, inst, encoding)


def test_tsp_result_is_verified_and_not_worse_than_heuristics():
    inst = TS.generate(seed=4, n=40)
    r = brkga(TS, inst, Budget(max_evals=600), seed=1)
    assert TS.check(inst, r.solution) == []
    assert r.objective == pytest.approx(TS.objective(inst, r.solution))
    assert (r.objective, r.cost) <= _best_heuristic(TS, inst)
    assert r.evaluations == 600 and r.status == "budget"


def test_bit_identical_under_max_evals():
    inst = _hard_binpack()
    runs = [brkga(BP, inst, Budget(max_evals=1200), seed=7, encoding="keys+rule") for _ in range(2)]
    a, b = runs
    assert a.cost == b.cost and a.decoder == b.decoder
    assert np.array_equal(a.encoding, b.encoding)
    assert [t[0] for t in a.trace] == [t[0] for t in b.trace]  # improvements at the same decodes
    assert [t[2:] for t in a.trace] == [t[2:] for t in b.trace]


@pytest.mark.parametrize("encoding", [None, "keys+rule"])
def test_never_worse_than_best_heuristic_on_a_small_budget(encoding):
    inst = _hard_binpack()
    H = BP.heuristic_encodings(inst, encoding)
    # a budget of just the seeded first population: every heuristic row under every search decoder
    decoders = BP.search_decoders_for(encoding)
    r = brkga(BP, inst, Budget(max_evals=len(H) * len(decoders)), seed=0, encoding=encoding)
    assert (r.objective, r.cost) <= _best_heuristic(BP, inst, encoding)


def test_search_improves_on_the_heuristics():
    """The genetics do something: a modest budget beats the seeded population's best."""
    inst = _hard_binpack()
    r = brkga(BP, inst, Budget(max_evals=3000), seed=0, encoding="keys+rule")
    assert (r.objective, r.cost) < _best_heuristic(BP, inst, "keys+rule")
    assert any(t[0] > 200 for t in r.trace)  # an improvement after the first population


def test_honours_the_time_budget():
    inst = BP.generate(5, klass=10, n=100)
    brkga(BP, inst, Budget(max_evals=10), seed=0)  # compile outside the timing
    t = time.perf_counter()
    r = brkga(BP, inst, Budget(time_limit=0.4), seed=0, population=64)
    spent = time.perf_counter() - t
    assert r.status in ("budget", "optimal")
    assert spent < 0.4 + 1.0  # one generation past the limit at most
    assert BP.check(inst, r.solution) == []


def test_stops_at_the_lower_bound():
    inst = BP.generate(3, klass=7, n=30)
    r = brkga(BP, inst, Budget(max_evals=50_000), seed=0)
    assert r.status == "optimal" and r.objective == BP.lower_bound(inst)
    assert r.evaluations < 50_000


def test_ctrl_c_returns_the_best_so_far():
    inst = _hard_binpack()
    seen = []

    def on_improve(evals, seconds, objective, cost):
        seen.append(cost)
        if len(seen) == 2:
            raise KeyboardInterrupt

    r = brkga(BP, inst, Budget(max_evals=5000), seed=0, encoding="keys+rule", on_improve=on_improve)
    assert r.status == "interrupted" and r.cost == seen[-1]
    assert BP.check(inst, r.solution) == []


def test_population_genetics():
    rng = np.random.default_rng(0)
    pop = BRKGAPopulation(20, elite=0.2, mutants=0.2, rho=0.7, n_decoders=1)
    X = rng.random((20, 6)).astype(np.float32)
    pop.set(X, np.arange(20, 0, -1, dtype=float))  # the last row is the best
    assert np.array_equal(pop.X[0], X[-1]) and pop.n_elite == 4 and pop.n_mutants == 4
    new = pop.offspring(rng, lambda k: np.full((k, 6), 2.0, dtype=np.float32))
    assert new.shape == (16, 6)
    children, mutants = new[:12], new[12:]
    assert np.all(mutants == 2.0)
    elite, rest = pop.X[:4], pop.X[4:]
    for child in children:  # every gene from one elite parent or one non-elite parent
        assert any(all(np.isin(g, (e[j], o[j])) for j, g in enumerate(child)) for e in elite for o in rest)
    # biased toward the elite parent: about rho of the genes agree with some elite row
    share = np.mean([np.isin(c, elite).mean() for c in children])
    assert share > 0.55
    before = pop.X[:4].copy()
    pop.advance(new, np.full(16, 100.0))  # worse offspring: the elite survives untouched
    assert np.array_equal(pop.X[:4], before)


def test_bad_parameters_are_refused():
    inst = BP.generate(0, n=10)
    with pytest.raises(ValueError):
        brkga(BP, inst, Budget(max_evals=10), rho=0.3)
    with pytest.raises(ValueError):
        brkga(BP, inst, Budget(max_evals=10), elite=0.6, mutants=0.5)


# ----------------------------------------------------------------------------- binpack2d "keys+rule"


def test_keys_rule_encoding_shape_and_heuristics():
    for rot in (False, True):
        inst = BP.generate(2, klass=4, n=25, allow_rotation=rot)
        d = BP.encoding_size(inst, "keys+rule")
        assert d == BP.encoding_size(inst) + inst.n
        H = BP.heuristic_encodings(inst, "keys+rule")
        keys = BP.heuristic_encodings(inst)
        k = len(keys)
        assert H.shape == (5 * k, d) and np.array_equal(H[:, :keys.shape[1]], np.tile(keys, (5, 1)))
        for slot in range(5):  # every classic order with every item on one rule, BSSF first
            assert np.all(rule_indices(H[slot * k:(slot + 1) * k, -inst.n:]) == slot)
        assert RULE_GENE_DECODERS[0] == "maxrects-bssf"
        X = BP.sample(inst, 3, np.random.default_rng(0), encoding="keys+rule")
        assert X.shape == (3, d) and X.dtype == np.float32
    assert BP.encodings[0] == "keys" and "keys+rule" in BP.encodings


@settings(max_examples=40)
@given(seed=st.integers(0, 10_000), klass=st.integers(1, 10), n=st.integers(1, 40), rot=st.booleans(),
       genes=st.lists(st.floats(0, 1, exclude_max=True, width=32), min_size=1, max_size=3 * 40))
def test_keys_rule_decodes_feasible_packings(seed, klass, n, rot, genes):
    inst = BP.generate(seed, klass=klass, n=n, allow_rotation=rot)
    d = BP.encoding_size(inst, "keys+rule")
    rng = np.random.default_rng(seed)
    X = rng.random((3, d), dtype=np.float32)
    g = np.resize(np.asarray(genes, dtype=np.float32), d)
    X[0] = g  # hypothesis-chosen genes, then random ones
    X[1, -n:] = g[:n]  # random order, hypothesis-chosen rules
    batch = BP.decode(inst, X, encoding="keys+rule")
    for i in range(len(X)):
        assert BP.check(inst, batch[i]) == []
        one = BP.decode(inst, X[i:i + 1], encoding="keys+rule")
        assert np.array_equal(one.bins[0], batch.bins[i]) and np.array_equal(one.x[0], batch.x[i])


def _same_packings(a, b) -> bool:
    return all(np.array_equal(u, v) for u, v in ((a.bins, b.bins), (a.x, b.x), (a.y, b.y), (a.rotated, b.rotated)))


def _one_rule_rows(inst, slot):
    rng = np.random.default_rng(slot)
    keys = np.concatenate([BP.heuristic_encodings(inst), BP.sample(inst, 12, rng)])
    genes = rng.uniform(slot / 5, (slot + 1) / 5, size=(len(keys), inst.n)).astype(np.float32)
    return keys, np.concatenate([keys, genes], axis=1)


@pytest.mark.parametrize("rot", [False, True])
@pytest.mark.parametrize("slot, decoder", list(enumerate(RULE_GENE_DECODERS)))
def test_one_rule_for_every_item_is_the_plain_decoder(slot, decoder, rot):
    """BSSF, BLSF, BAF: the plain decoders choose the globally best bin too, so they must agree
    exactly; BL and CP decode with first fit, so keys+rule is checked against the plain
    kernel with global best, and the kernel with first fit against the plain decoder."""
    inst = BP.generate(slot + 20, klass=(slot % 10) + 1, n=45, allow_rotation=rot)
    keys, X = _one_rule_rows(inst, slot)
    ext = BP.decode(inst, X, encoding="keys+rule")
    plain = BP.decode(inst, keys, decoder=decoder)
    rule = RULE_NAMES[decoder]
    if BIN_CHOICE.get(decoder, BIN_FIRST_FIT) == BIN_GLOBAL_BEST:
        assert _same_packings(ext, plain)
        return
    n, B = inst.n, len(keys)
    common = (np.array(inst.widths), np.array(inst.heights), np.int64(inst.bin_width), np.int64(inst.bin_height))
    orders = np.argsort(keys[:, :n], axis=1, kind="stable").astype(np.int64)
    rules = np.full((B, n), rule, dtype=np.int64)
    out = [np.empty((B, n), dtype=np.int64) for _ in range(3)]
    pack_batch(*common, orders, plain.rotated, rule, BIN_GLOBAL_BEST, *out)
    assert np.array_equal(ext.bins, out[0]) and np.array_equal(ext.x, out[1]) and np.array_equal(ext.y, out[2])
    first_fit = np.full(len(RULE_NAMES), BIN_FIRST_FIT, dtype=np.int64)
    pack_rule_batch(*common, orders, plain.rotated, rules, first_fit, *out)
    assert np.array_equal(plain.bins, out[0]) and np.array_equal(plain.x, out[1]) and np.array_equal(plain.y, out[2])


def test_keys_rule_heuristics_match_the_plain_maxrects_decoders():
    """The seeded rows are as good as the classic orders under the global-best MaxRects decoders."""
    inst = BP.generate(8, klass=5, n=40, allow_rotation=True)
    H = BP.heuristic_encodings(inst, "keys+rule")
    ext = BP.cost(inst, BP.decode(inst, H, encoding="keys+rule")).min()
    keys = BP.heuristic_encodings(inst)
    assert ext <= min(BP.cost(inst, BP.decode(inst, keys, decoder=d)).min() for d in RULE_GENE_DECODERS[:3])


def test_mixed_rules_differ_from_every_single_rule():
    """The rule genes matter: on some rows a mix packs differently from all five plain decoders."""
    inst = BP.generate(9, klass=3, n=40)
    rng = np.random.default_rng(1)
    X = BP.sample(inst, 20, rng, encoding="keys+rule")
    mixed = BP.decode(inst, X, encoding="keys+rule")
    plains = [BP.decode(inst, X[:, :inst.n], decoder=d) for d in RULE_GENE_DECODERS]
    differs = [all(not (np.array_equal(mixed.x[i], p.x[i]) and np.array_equal(mixed.bins[i], p.bins[i]))
                   for p in plains) for i in range(len(X))]
    assert sum(differs) >= 10
