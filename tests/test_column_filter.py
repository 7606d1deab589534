"""The column filter of the set-cover master: pool features, the filters, the model, the wiring."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnopt.problems import get_problem
from nnopt.problems.binpack2d._bin_pool import POOL_COLUMNS, BinPool, pool_features, recombine_pool
from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._solution import Packing
from nnopt.solver import Budget
from nnopt.solver.column_filter import ColumnFilter, ColumnModel, filter_unsupported, make_filter
from nnopt.solver.methods import get_method
from nnopt.solver.ruin_recreate import RRConfig, ruin_recreate

BP = get_problem("binpack2d")


def _four_quarters() -> tuple[BinPackInstance, BinPool, Packing]:
    """Four 5x5 items in a 10x10 bin; the pool holds two half bins and the one full bin."""
    inst = BinPackInstance("quarters", 10, 10, ((5, 5, 4),))
    pool = BinPool(inst.bin_area)
    pool.add(np.array([0, 1]), np.array([0, 5]), np.array([0, 0]), np.zeros(2, np.uint8), 50)
    pool.add(np.array([2, 3]), np.array([0, 5]), np.array([0, 0]), np.zeros(2, np.uint8), 50)
    pool.add(np.array([0, 1, 2, 3]), np.array([0, 5, 0, 5]), np.array([0, 0, 5, 5]), np.zeros(4, np.uint8), 100)
    two_bins = Packing(np.array([[0, 0, 0, 0, 5, 5, 0], [1, 0, 5, 0, 5, 5, 0],
                                 [2, 1, 0, 0, 5, 5, 0], [3, 1, 5, 0, 5, 5, 0]], dtype=np.int64))
    return inst, pool, two_bins


def test_the_master_sees_only_the_columns_it_is_given():
    inst, pool, two_bins = _four_quarters()
    assert recombine_pool(inst, pool, two_bins, 1.0, 0, columns=np.array([0, 1])) is None
    pool.added_at_last_try = 0  # nothing new since: the master would not try again
    found = recombine_pool(inst, pool, two_bins, 1.0, 0, columns=np.array([2]))
    assert found is not None and found.num_bins == 1 and BP.check(inst, found) == []


def test_pool_features_read_fill_and_rarity():
    inst, pool, _ = _four_quarters()
    pool.add(np.array([0, 1]), np.array([0, 5]), np.array([0, 0]), np.zeros(2, np.uint8), 50)  # seen twice
    X = pool_features(inst, pool)
    assert X.shape == (3, len(POOL_COLUMNS))
    assert np.allclose(X[:, 0], [0.5, 0.5, 1.0])  # fill
    assert np.allclose(X[:, 3], 0.5)  # every item is in two pool bins
    assert X[2, 5] == 1.0 and X[:, 6].argmax() == 0  # the full bin ranks first; the twice-offered bin


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), klass=st.integers(1, 10))
def test_pool_features_stay_in_the_unit_box_for_visited_pools(seed, klass):
    inst = BP.generate(seed=seed, klass=klass, n=25)
    pool = BP.new_pool(inst)
    ruin_recreate(BP, inst, Budget(max_evals=60), seed=seed, pool=pool)
    X = BP.pool_features(inst, pool)
    assert X.shape == (len(pool.layouts), len(POOL_COLUMNS)) and len(X) > 0
    assert np.all(X >= 0.0) and np.all(X <= 1.0 + 1e-12)


def test_the_filters_keep_every_item_covered_then_go_by_score():
    inst = BP.generate(seed=3, klass=7, n=60)
    pool = BP.new_pool(inst)
    ruin_recreate(BP, inst, Budget(max_evals=400), seed=0, pool=pool)
    X = BP.pool_features(inst, pool)
    members = BP.pool_members(inst, pool)
    assert len(X) > 80 and len(members) == len(X)
    rng = np.random.default_rng(0)
    emptiest_first = ColumnModel(np.zeros(X.shape[1]), np.ones(X.shape[1]), -np.eye(X.shape[1])[0], 0.0)
    for f in (ColumnFilter("fill", keep=60), ColumnFilter("random", keep=60),
              ColumnFilter("learned", keep=60, model=emptiest_first)):
        cols = f.select(BP, inst, pool, rng)
        assert len(cols) == 60 and len(set(cols.tolist())) == 60 and np.all(np.diff(cols) > 0)
        assert set(np.concatenate([members[j] for j in cols]).tolist()) == set(range(inst.n))
    fill = ColumnFilter("fill", keep=60).select(BP, inst, pool, rng)
    assert int(np.argmax(X[:, 0])) in fill.tolist()
    thin = ColumnFilter("learned", keep=60, model=emptiest_first).select(BP, inst, pool, rng)
    assert X[thin, 0].mean() < X[fill, 0].mean()
    assert len(ColumnFilter("fill", keep=10_000).select(BP, inst, pool, rng)) == len(X)


def test_the_model_learns_a_separable_signal_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.random((400, 3))
    y = (X[:, 1] > 0.8).astype(float)
    model = ColumnModel.fit(X, y, steps=300)
    scores = model.logits(X)
    assert scores[y > 0].min() > np.median(scores[y == 0])
    model.save(tmp_path / "m.npz")
    assert np.allclose(ColumnModel.load(tmp_path / "m.npz").logits(X), scores)
    with pytest.raises(ValueError, match="features"):
        ColumnModel.fit(X, y[:10])


def test_bad_filters_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="unknown column filter"):
        ColumnFilter("fullest")
    with pytest.raises(ValueError, match="needs a model"):
        ColumnFilter("learned")
    tsp = get_problem("tsp")
    assert "pool_features" in filter_unsupported("fill", tsp)
    assert filter_unsupported("none", tsp) is None and make_filter("none", BP) is None


@pytest.mark.parametrize("columns", ["fill", "random"])
def test_ruin_recreate_with_a_filter_is_verified_and_reproducible(columns):
    inst = BP.generate(seed=11, klass=5, n=60)
    cfg = RRConfig(columns=columns, columns_keep=20, recombine_every=100)
    a = ruin_recreate(BP, inst, Budget(max_evals=400), seed=2, config=cfg)
    b = ruin_recreate(BP, inst, Budget(max_evals=400), seed=2, config=cfg)
    assert BP.check(inst, a.solution) == []
    assert np.array_equal(a.solution.placements, b.solution.placements)


def test_the_method_parameter_reaches_the_loop():
    method = get_method("ruin-recreate", BP, columns="random")
    assert method.config().columns == "random" and method.unsupported(BP) is None


def test_a_filter_without_a_recombination_says_so():
    tsp = get_problem("tsp")
    inst = tsp.generate(seed=2, n=30)
    found = get_method("ruin-recreate", tsp, columns="learned").run(tsp, inst, Budget(max_evals=50))
    assert any("nothing to filter" in note for note in found.notes)
    found = get_method("ruin-recreate", BP, columns="fill").run(BP, BP.generate(seed=2, klass=7, n=30),
                                                                 Budget(max_evals=50))
    assert not any("nothing to filter" in note for note in found.notes)
