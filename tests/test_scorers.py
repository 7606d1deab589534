"""The scorers learn, see sets not ids, and are seeded."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nnopt.scorers import MLPScorer, ScorerTrainer, SetScorer, soft_rank


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny networks: one thread is fastest and keeps timings stable on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_mlp_trainer_fits_a_smooth_function():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.random((512, 6), dtype=np.float32)
    y = 3.0 + (X * np.arange(6)).sum(axis=1)
    trainer = ScorerTrainer(MLPScorer(6, hidden=32), lr=1e-2, seed=0)
    trainer.fit(X, y, steps=250)
    pred = trainer(torch.as_tensor(X)).detach().numpy()
    assert np.corrcoef(pred, y)[0, 1] > 0.98
    assert abs(pred.mean() - y.mean()) < 0.3  # predictions come back in cost units


def test_warm_start_continues_training():
    rng = np.random.default_rng(1)
    X = rng.random((256, 4), dtype=np.float32)
    y = X.sum(axis=1)
    trainer = ScorerTrainer(MLPScorer(4, hidden=16), lr=1e-2, seed=0)
    first = trainer.fit(X, y, steps=50)
    second = trainer.fit(X, y, steps=50)
    assert second < first


def test_training_is_seeded():
    rng = np.random.default_rng(2)
    X, y = rng.random((128, 5), dtype=np.float32), rng.random(128)

    def run() -> torch.Tensor:
        torch.manual_seed(7)
        t = ScorerTrainer(MLPScorer(5, hidden=8), seed=3, conservative=0.1)
        t.fit(X, y, steps=20)
        return t(torch.as_tensor(X)).detach()

    assert torch.equal(run(), run())


def test_soft_rank_orders_like_the_keys():
    x = torch.tensor([[0.9, 0.1, 0.5]])
    r = soft_rank(x, tau=0.01)
    assert torch.equal(torch.argsort(r), torch.argsort(x))


def test_set_scorer_is_permutation_invariant():
    torch.manual_seed(0)
    d, c = 7, 3
    model = SetScorer(c, hidden=16)
    ctx = torch.rand(d, c)
    x = torch.rand(4, d)
    model.set_context(ctx)
    out = model(x)
    perm = torch.randperm(d)
    model.set_context(ctx[perm])
    assert torch.allclose(model(x[:, perm]), out, atol=1e-5)


def test_set_scorer_serves_any_size_and_is_differentiable():
    model = SetScorer(2, hidden=8)
    for d in (3, 11):
        model.set_context(torch.rand(d, 2))
        x = torch.rand(2, d, requires_grad=True)
        model(x).sum().backward()
        assert x.grad is not None and x.grad.shape == (2, d)


def test_set_scorer_needs_its_context():
    model = SetScorer(2, hidden=8)
    with pytest.raises(ValueError):
        model(torch.rand(1, 4))
    with pytest.raises(ValueError):
        model.set_context(torch.rand(4, 3))


@pytest.mark.parametrize("args", [(0, 8, 1), (4, 0, 1), (4, 8, 0)])
def test_mlp_sizes_are_validated(args):
    with pytest.raises(ValueError):
        MLPScorer(*args)


def test_scorer_on_device_argument():
    trainer = ScorerTrainer(MLPScorer(3, hidden=4), device="cpu")
    assert next(trainer.model.parameters()).device.type == "cpu"
