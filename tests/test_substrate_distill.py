"""Dataset compression pieces: controls, mixing, diversity measure, filter initialisation."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nnopt.scorers.datasets import load_dataset
from nnopt.solver.distill import (DistillSettings, class_mean_images, filter_init_trial, filters_from_images,
                                  mixed_images, noise_images, random_real_images, within_class_cosine)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_controls_have_the_same_budget(digits):
    xm, ym = class_mean_images(digits, 3, seed=0)
    xr, yr = random_real_images(digits, 3, seed=0)
    assert xm.shape == xr.shape == (30, 1, 8, 8)
    assert np.bincount(ym).tolist() == np.bincount(yr).tolist() == [3] * 10
    one, _ = class_mean_images(digits, 1, seed=0)
    assert np.allclose(one, digits.class_means(), atol=1e-6)  # K = 1 is the class average
    noise = noise_images(digits, 7, seed=0)
    assert noise.shape == (7, 1, 8, 8) and 0 <= noise.min() and noise.max() <= 1


def test_mixed_images_are_convex_combinations():
    x = np.stack([np.zeros((1, 2, 2)), np.ones((1, 2, 2))]).astype(np.float32)
    m = mixed_images(x, 50, seed=0)
    assert m.shape == (50, 1, 2, 2) and m.min() >= 0 and m.max() <= 1
    assert np.allclose(m, m[:, :, :1, :1])  # each mix is a constant image between the two


def test_within_class_cosine():
    a = torch.ones(1, 1, 2, 2)
    b = torch.tensor([[[[1.0, -1.0], [1.0, -1.0]]]])
    imgs = torch.cat([a, a, a, b])
    assert within_class_cosine(imgs, torch.tensor([0, 0, 1, 1])) == pytest.approx(0.5)
    assert within_class_cosine(imgs[:2], torch.tensor([0, 0])) == pytest.approx(1.0)


def test_filters_from_images_are_distinct_and_scaled(digits):
    x, y = random_real_images(digits, 5, seed=0)
    like = torch.full((16, 1, 3, 3), 0.1)
    w = filters_from_images(x, y, 16, like=like)
    assert w.shape == (16, 1, 3, 3)
    assert torch.allclose(w.flatten(1).norm(dim=1), like.flatten(1).norm(dim=1), atol=1e-5)
    assert torch.allclose(w.flatten(1).sum(dim=1), torch.zeros(16), atol=1e-5)  # centred patches
    res = filter_init_trial(digits, {"random": None, "patches": w}, per_class=5, epochs=1)
    assert set(res) == {"random", "patches"} and all(0 <= v <= 1 for v in res.values())


def test_settings_are_validated():
    with pytest.raises(ValueError):
        DistillSettings(k=0)
    with pytest.raises(ValueError):
        DistillSettings(mix=-1)
    assert DistillSettings().objective == "logprob"


def test_new_kd_settings_are_validated():
    s = DistillSettings()
    assert s.mix == 4 and s.kd_steps == 2000 and s.adversarial == 0  # won on a validation split (see distill.py)
    with pytest.raises(ValueError):
        DistillSettings(kd_steps=0)
    with pytest.raises(ValueError):
        DistillSettings(adversarial=-1)


def test_adversarial_rounds_grow_the_pool_and_use_the_shared_extract(digits):
    from nnopt.solver import distill as dmod
    from nnopt.solver.extract import extract
    from nnopt.solver.distill import train_student_adversarial, train_teacher

    assert dmod.extract is extract  # no second copy of the extraction routine
    teacher = train_teacher(digits, "softmax", epochs=2, seed=0)
    x = noise_images(digits, 20, seed=0)
    model, n = train_student_adversarial(digits, "softmax", x, teacher, rounds=2, steps=30, extraction_steps=3)
    assert n == 60
    out = model(torch.as_tensor(digits.x_test[:5]))
    assert out.shape == (5, 10) and torch.isfinite(out).all()


def test_distill_report_with_kd_student_and_adversarial(digits):
    from nnopt.solver.distill import distill

    s = DistillSettings(teacher="softmax", k=1, teacher_epochs=2, student_steps=5, viz_steps=5, mix=1, kd_steps=20,
                        kd_student="mlp", adversarial=1, adversarial_steps=2)
    rep = distill(digits, s).report
    assert rep["kd_student_parameters"] > rep["student_parameters"]
    assert 0 <= rep["student_accuracy_kd"] <= 1 and 0 <= rep["noise_kd_accuracy"] <= 1
