"""Pre-training the amortised set scorer: data through the contract, learning, weights files, engine use."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

import nnopt
from nnopt.problems import get_problem
from nnopt.problems.capabilities import TokenFeatures
from nnopt.solver import Budget, EngineConfig, ShareConfig, TrainingConfig, neural_search
from nnopt.solver._tokens import CONTEXT_WIDTH, token_context
from nnopt.solver.pretrain import (
    PretrainConfig,
    load_scorer,
    pretrain_set_scorer,
    rank_correlation,
    sample_instance,
    save_scorer,
)

PROBLEM = get_problem("binpack2d")
TINY = PretrainConfig(samples=48, steps=150, batch=32, hidden=16)


def _samples(seeds, n=20, cfg=TINY):
    """Class 1 (varied item sizes): every instance's sampled costs differ, so ranks mean something."""
    rng = np.random.default_rng(0)
    return [sample_instance(PROBLEM, PROBLEM.generate(s, klass=1, n=n), cfg, rng) for s in seeds]


def test_samples_come_through_the_contract_and_are_z_scored():
    inst = PROBLEM.generate(3, klass=1, n=24, allow_rotation=True)
    s = sample_instance(PROBLEM, inst, TINY, np.random.default_rng(1))
    d = PROBLEM.encoding_size(inst)
    assert s.X.shape == (TINY.samples, d) and s.z.shape == (TINY.samples,)
    assert s.X.min() >= 0 and s.X.max() < 1
    assert abs(float(s.z.mean())) < 1e-5 and abs(float(s.z.std()) - 1) < 1e-3
    assert s.context.shape == (d, CONTEXT_WIDTH) and s.decoder in PROBLEM.search_decoders
    # the costs behind the z-scores are the problem's own: the best sample is the best decode
    costs = PROBLEM.cost(inst, PROBLEM.decode(inst, s.X, decoder=s.decoder))
    assert np.argmin(costs) == np.argmin(s.z)


def test_binpack_token_features_mean_the_same_on_every_instance():
    inst = PROBLEM.generate(5, klass=2, n=12, allow_rotation=True)
    ctx = token_context(PROBLEM, inst)
    assert ctx.shape == (24, CONTEXT_WIDTH)
    assert np.allclose(ctx[:12, 0], inst.widths / inst.bin_width)
    assert np.all(ctx[:12, 6] == 0) and np.all(ctx[12:, 6] == 1)
    biggest = int(np.argmax(inst.widths * inst.heights))
    assert ctx[biggest, 3] == 0.0  # rank by area: the largest item first


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=3, max_size=30), st.integers(0, 2 ** 31 - 1))
def test_rank_correlation_is_spearman(values, seed):
    a = np.array(values, dtype=float)
    b = np.random.default_rng(seed).permutation(a) + np.arange(len(a)) % 3
    expected = spearmanr(a, b).statistic
    got = rank_correlation(a, b)
    if np.isnan(expected):
        assert got == 0.0
    else:
        assert got == pytest.approx(expected, abs=1e-9)


def test_pretraining_learns_what_transfers_to_unseen_instances():
    train, held = _samples(range(8)), _samples(range(100, 104))
    model, report = pretrain_set_scorer(train, TINY, held_out=held)
    assert report["loss_last_100"] < report["loss_first_100"]
    assert set(report["held_out_rho"]) == {s.name for s in held}
    # what it learnt ranks solutions of instances it never saw better than chance
    assert np.mean(list(report["held_out_rho"].values())) > 0.2


def test_weights_round_trip_and_bad_files_are_refused(tmp_path):
    train = _samples(range(3))
    model, _ = pretrain_set_scorer(train, PretrainConfig(samples=48, steps=5, hidden=16))
    path = tmp_path / "w.pt"
    save_scorer(model, path, meta={"note": "test"})
    again = load_scorer(path)
    for s in train:
        model.set_context(torch.as_tensor(s.context))
        again.set_context(torch.as_tensor(s.context))
        with torch.no_grad():
            assert torch.equal(model(torch.as_tensor(s.X)), again(torch.as_tensor(s.X)))
    torch.save({"something": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not an nnopt set-scorer"):
        load_scorer(tmp_path / "other.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="cannot read"):
        load_scorer(tmp_path / "junk.pt")


def test_shipped_weights_load_and_drive_the_engine():
    path = PROBLEM.pretrained_scorer()
    assert path is not None and path.is_file(), "binpack2d ships set_scorer.pt (benchmarks/pretrain_set_scorer.py)"
    model = load_scorer(path)
    assert model.context_dim == CONTEXT_WIDTH
    inst = PROBLEM.generate(1001, klass=1, n=30)  # not solved by the start: the search runs
    cfg = EngineConfig(training=TrainingConfig(scorer="set", pretrained=True, warmup=64, train_steps=4, train_batch=32),
                       share=ShareConfig(prescreen=4))
    a = neural_search(PROBLEM, inst, Budget(max_evals=600), cfg, seed=3)
    b = neural_search(PROBLEM, inst, Budget(max_evals=600), cfg, seed=3)
    assert PROBLEM.check(inst, a.solution) == []
    assert a.info["screened"] > 0  # screening ran from the first generation
    assert np.array_equal(a.solution.placements, b.solution.placements)


def test_amortised_method_solves_and_rejects_what_has_no_weights():
    inst = PROBLEM.generate(41, klass=9, n=25)
    res = nnopt.solve(inst, problem="binpack2d", method="nnopt-amortised", max_evals=400, seed=0)
    assert res.objective >= res.lower_bound
    with pytest.raises(ValueError, match="set scorer"):
        TrainingConfig(pretrained=True)
    with pytest.raises(ValueError, match="prescreen"):
        ShareConfig(prescreen=0)

    class NoWeights(type(PROBLEM)):  # the contract's default: no shipped weights
        name = "binpack2d-no-weights"

        def pretrained_scorer(self, encoding=None):
            return TokenFeatures.pretrained_scorer(self, encoding)

    with pytest.raises(ValueError, match="ships no pre-trained scorer"):
        neural_search(NoWeights(), inst, Budget(max_evals=100),
                      EngineConfig(training=TrainingConfig(scorer="set", pretrained=True)))
