"""Class visualisation: the shared extraction routine, the softmax weight equivalence, the image priors."""
from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

import nnopt.solver.extract as extract_module
import nnopt.substrate.visualize as visualize_module
from nnopt.solver.extract import L2, extract
from nnopt.substrate.classifiers import build_classifier, train_classifier
from nnopt.substrate.datasets import load_dataset
from nnopt.substrate.image_regularisers import Diversity, GaussianBlur, RandomScale, RandomShift, TotalVariation
from nnopt.substrate.visualize import class_objective, visualize_classes


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """The networks are tiny; one torch thread is fastest on a shared 2-core machine (restored after)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def softmax_digits():
    data = load_dataset("digits")
    model = build_classifier("softmax", data.image_shape, data.n_classes, seed=0)
    train_classifier(model, data.x_train, data.y_train, epochs=20, seed=0)
    return data, model


def test_visualisation_uses_the_solvers_extraction_routine():
    assert visualize_module.extract is extract_module.extract
    import nnopt.solver.engine as engine  # the engine reaches the same object through the module

    assert getattr(engine, "extract", extract_module.extract) is extract_module.extract


def test_softmax_logit_visualisation_is_the_class_weight_vector(softmax_digits):
    data, model = softmax_digits
    lam = 0.05
    viz = visualize_classes(model, data.image_shape, range(10), regularisers=[L2(lam)], steps=400, lr=0.05)
    w = model.linear.weight.detach()
    cos = F.cosine_similarity(viz.images.flatten(1), w)
    assert (cos > 0.99).all(), cos
    # the optimum is w_c / (2 lam), scale included
    assert torch.allclose(viz.images.flatten(1), w / (2 * lam), atol=0.05 * float(w.abs().max() / (2 * lam)))
    assert (viz.predicted == viz.labels).all()


def test_softmax_logprob_visualisation_subtracts_the_other_classes(softmax_digits):
    data, model = softmax_digits
    lam = 0.05
    viz = visualize_classes(model, data.image_shape, range(10), objective="logprob", regularisers=[L2(lam)],
                            steps=500, lr=0.05)
    w = model.linear.weight.detach()
    x = viz.images.flatten(1)
    pulled = w - viz.probabilities @ w  # (1 - p_c) w_c - sum_{j != c} p_j w_j
    assert (F.cosine_similarity(x, pulled) > 0.99).all()
    # and it is measurably not the plain weight vector
    assert (F.cosine_similarity(x, w) < 0.99).any()


def test_class_objective_is_minus_the_target_score():
    logits = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]])
    t = torch.tensor([2, 0])
    assert torch.allclose(class_objective(t)(logits), torch.tensor([-3.0, -0.5]))
    assert torch.allclose(class_objective(t, "logprob")(logits), -F.log_softmax(logits, 1)[[0, 1], [2, 0]])
    with pytest.raises(ValueError):
        class_objective(t, "nope")


def test_image_regularisers_do_what_they_say():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(3, 1, 8, 8, generator=gen)
    shifted = RandomShift(2).perturb(x, gen)
    assert torch.allclose(shifted.sum(dim=(1, 2, 3)), x.sum(dim=(1, 2, 3)))  # a roll keeps every pixel
    assert torch.allclose(RandomScale(1.0, 1.0).perturb(x, gen), x, atol=1e-5)
    const = torch.full((2, 1, 8, 8), 0.3)
    assert torch.allclose(TotalVariation(1.0).penalty(const, const, torch.zeros(2)), torch.zeros(2))
    assert (TotalVariation(1.0).penalty(x, x, torch.zeros(3)) > 0).all()
    blur = GaussianBlur(1.0, every=1)
    assert torch.allclose(blur.project(const), const, atol=1e-6)
    assert blur.project(x).var() < x.var()
    labels = torch.tensor([0, 0, 1])
    same = torch.stack([x[0], x[0], x[2]])
    div = Diversity(labels, 1.0).penalty(same, same, torch.zeros(3))
    assert div[0] == pytest.approx(1.0, abs=1e-5) and div[2] == 0.0
    with pytest.raises(ValueError):
        RandomShift(1).perturb(torch.zeros(2, 64), gen)


def test_priors_compose_in_one_extraction(softmax_digits):
    data, model = softmax_digits
    from nnopt.substrate.visualize import image_regularisers

    labels = torch.arange(10).repeat_interleave(2)
    regs = image_regularisers(labels, shift=1, tv=0.01, blur=0.5, scale=0.1, diversity=0.1)
    viz = visualize_classes(model, data.image_shape, range(10), per_class=2, regularisers=regs, steps=60,
                            init="noise", seed=3)
    assert viz.images.shape == (20, 1, 8, 8)
    assert viz.images.min() >= 0.0 and viz.images.max() <= 1.0
    assert (viz.predicted == viz.labels).float().mean() >= 0.8
    again = visualize_classes(model, data.image_shape, range(10), per_class=2,
                              regularisers=image_regularisers(labels, shift=1, tv=0.01, blur=0.5, scale=0.1,
                                                              diversity=0.1), steps=60, init="noise", seed=3)
    assert torch.equal(viz.images, again.images)  # seeded


def test_extract_still_moves_plain_vectors():
    res = extract(torch.zeros(1, 2), lambda x: (x - 1).pow(2).sum(1), lr=0.1, steps=200)
    assert torch.allclose(res.x, torch.ones(1, 2), atol=1e-3)


def test_batch_norm_prior_pulls_toward_the_running_statistics():
    from nnopt.substrate.image_regularisers import BatchNormStatistics

    torch.manual_seed(0)
    model = build_classifier("cnn-bn", (1, 8, 8), 10)
    model.train()
    with torch.no_grad():
        for _ in range(20):  # running statistics of images around 0.5
            model(0.5 + 0.1 * torch.randn(32, 1, 8, 8))
    model.eval()
    x0 = torch.zeros(8, 1, 8, 8)
    with BatchNormStatistics(model, weight=1.0) as prior:
        res = extract(x0, model, lambda out: torch.zeros(out.shape[0]), [prior], lr=0.05, steps=150)
        assert prior._handles  # hooks live inside the with-block
    assert not prior._handles
    assert abs(float(res.x.mean()) - 0.5) < 0.15  # moved from 0 toward the data the statistics came from
    none = BatchNormStatistics(build_classifier("mlp", (1, 8, 8), 10))
    assert none.penalty(x0, x0, torch.zeros(8)) is None


def test_batch_norm_prior_per_row_weighs_each_image_whatever_the_batch():
    from nnopt.substrate.image_regularisers import BatchNormStatistics

    torch.manual_seed(0)
    model = build_classifier("cnn-bn", (1, 8, 8), 10)
    model.eval()
    totals = {}
    batches = {b: torch.rand(b, 1, 8, 8) for b in (4, 16)}
    for per_row in (False, True):
        for b in (4, 16):
            x = batches[b].clone().requires_grad_(True)  # hooks only record under autograd
            with BatchNormStatistics(model, weight=2.0, per_row=per_row) as prior:
                model(x)
                term = prior.penalty(x, x, torch.zeros(b))
            assert term.shape == (b,)
            totals[per_row, b] = (float(term.sum()), float(term[0]))
    # a share (default): the summed term does not grow with the batch; per row: every row carries all of it
    for b in (4, 16):
        assert totals[True, b][0] == pytest.approx(b * totals[False, b][0], rel=1e-5)
        assert totals[True, b][1] == pytest.approx(totals[False, b][0], rel=1e-5)
