"""The extraction routine on models whose optimum is known."""
from __future__ import annotations

import pytest
import torch

from nnopt.solver.extract import L2, BoxClamp, Conservative, Jitter, TrustRegion, extract

TARGET = torch.tensor([0.2, -0.4, 0.7])


def quadratic(x: torch.Tensor) -> torch.Tensor:
    return (x - TARGET).pow(2).sum(dim=1)


def test_converges_to_the_optimum_of_a_quadratic():
    res = extract(torch.zeros(4, 3), quadratic, lr=0.1, steps=300)
    assert torch.allclose(res.x, TARGET.expand(4, 3), atol=1e-3)
    assert (res.final_value < res.start_value).all()


def test_sgd_converges_too():
    res = extract(torch.ones(2, 3), quadratic, optimiser="sgd", lr=0.2, steps=200)
    assert torch.allclose(res.x, TARGET.expand(2, 3), atol=1e-4)


def test_box_clamp_is_respected_every_step():
    res = extract(torch.full((3, 3), 0.5), quadratic, regularisers=[BoxClamp(0.0, 0.5)], lr=0.1, steps=200)
    assert res.x.min() >= 0.0 and res.x.max() <= 0.5
    assert torch.allclose(res.x[0], torch.tensor([0.2, 0.0, 0.5]), atol=1e-3)


def test_l2_moves_the_optimum_as_the_maths_says():
    # argmin (x - t)^2 + w x^2 = t / (1 + w)
    res = extract(torch.zeros(1, 3), quadratic, regularisers=[L2(weight=1.0)], lr=0.05, steps=600)
    assert torch.allclose(res.x[0], TARGET / 2, atol=2e-3)


def test_regularisers_compose():
    regs = [L2(weight=1.0), BoxClamp(0.0, 1.0)]
    res = extract(torch.zeros(1, 3), quadratic, regularisers=regs, lr=0.05, steps=600)
    assert torch.allclose(res.x[0], torch.tensor([0.1, 0.0, 0.35]), atol=2e-3)


def test_trust_region_keeps_points_near_their_start():
    res = extract(torch.zeros(2, 3), lambda x: -x.sum(dim=1), regularisers=[TrustRegion(radius=0.5, weight=100.0)],
                  lr=0.01, steps=400)
    assert (res.step_norms < 0.55).all()


def test_trust_region_to_anchors_uses_the_nearest():
    anchors = torch.tensor([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]])
    res = extract(torch.tensor([[4.5, 4.5, 4.5]]), quadratic,
                  regularisers=[TrustRegion(radius=0.1, weight=1000.0, anchors=anchors)], lr=0.05, steps=300)
    assert torch.cdist(res.x, anchors).min() < 0.2


def test_conservative_cap_stops_chasing_large_predicted_gains():
    free = extract(torch.zeros(1, 3), lambda x: -x.sum(dim=1), lr=0.01, steps=200)
    capped = extract(torch.zeros(1, 3), lambda x: -x.sum(dim=1), regularisers=[Conservative(margin=0.3, weight=2.0)],
                     lr=0.01, steps=200)
    assert float(free.start_value - free.final_value) > 1.0
    assert float(capped.start_value - capped.final_value) == pytest.approx(0.3, abs=0.05)


def test_jitter_is_seeded():
    a = extract(torch.zeros(2, 3), quadratic, regularisers=[Jitter(0.1)], steps=10,
                generator=torch.Generator().manual_seed(3))
    b = extract(torch.zeros(2, 3), quadratic, regularisers=[Jitter(0.1)], steps=10,
                generator=torch.Generator().manual_seed(3))
    assert torch.equal(a.x, b.x)


def test_random_step_control_has_the_same_length_and_another_direction():
    g = extract(torch.zeros(8, 3), quadratic, optimiser="sgd", lr=0.1, steps=1)
    r = extract(torch.zeros(8, 3), quadratic, optimiser="sgd", lr=0.1, steps=1, step="random")
    assert torch.allclose(g.step_norms, r.step_norms, atol=1e-6)
    cos = torch.nn.functional.cosine_similarity(g.x, r.x, dim=1)
    assert (cos < 0.999).all()


def test_topk_moves_only_the_steepest_coordinates():
    res = extract(torch.zeros(1, 3), quadratic, optimiser="signsgd", lr=0.01, steps=1, topk=1)
    assert torch.count_nonzero(res.x) == 1 and res.x[0, 2] > 0  # |target| largest in coordinate 2
    ctl = extract(torch.zeros(5, 3), quadratic, optimiser="signsgd", lr=0.01, steps=1, topk=1, step="random")
    assert (torch.count_nonzero(ctl.x, dim=1) == 1).all()
    assert torch.allclose(ctl.step_norms, torch.full((5,), 0.01))


def test_model_parameters_are_left_alone():
    model = torch.nn.Linear(3, 1)
    before = [p.detach().clone() for p in model.parameters()]
    extract(torch.zeros(2, 3), model, steps=5)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(p.grad is None and p.requires_grad for p in model.parameters())


def test_objective_selects_what_to_minimise():  # class-visualisation style: maximise one logit
    model = torch.nn.Linear(3, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    res = extract(torch.zeros(1, 3), model, objective=lambda out: -out[:, 1], regularisers=[BoxClamp(-1, 1)],
                  lr=0.1, steps=50)
    assert res.x[0, 1] == pytest.approx(1.0) and res.x[0, 0] == pytest.approx(0.0)


@pytest.mark.parametrize("kwargs", [{"steps": -1}, {"step": "sideways"}, {"optimiser": "lbfgs", "steps": 1},
                                    {"topk": 0}])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        extract(torch.zeros(1, 3), quadratic, **kwargs)


def test_box_needs_an_order():
    with pytest.raises(ValueError):
        BoxClamp(1.0, 0.0)
