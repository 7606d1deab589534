"""Dataset compression pieces: controls, mixing, diversity measure, filter initialisation."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nnopt.substrate.datasets import load_dataset
from nnopt.substrate.distill import (
    DistillSettings,
    class_mean_images,
    filter_init_trial,
    filters_from_images,
    mixed_images,
    noise_images,
    random_real_images,
    within_class_cosine,
)


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
    from nnopt.solver.extract import extract
    from nnopt.substrate import distill as dmod
    from nnopt.substrate.distill import train_student_adversarial, train_teacher

    assert dmod.extract is extract  # no second copy of the extraction routine
    teacher = train_teacher(digits, "softmax", epochs=2, seed=0)
    x = noise_images(digits, 20, seed=0)
    model, n = train_student_adversarial(digits, "softmax", x, teacher, rounds=2, steps=30, extraction_steps=3)
    assert n == 60
    out = model(torch.as_tensor(digits.x_test[:5]))
    assert out.shape == (5, 10) and torch.isfinite(out).all()


def test_distill_report_with_kd_student_and_adversarial(digits):
    from nnopt.substrate.distill import distill

    s = DistillSettings(teacher="softmax", k=1, teacher_epochs=2, student_steps=5, viz_steps=5, mix=1, kd_steps=20,
                        kd_student="mlp", adversarial=1, adversarial_steps=2)
    rep = distill(digits, s).report
    assert rep["kd_student_parameters"] > rep["student_parameters"]
    assert 0 <= rep["student_accuracy_kd"] <= 1 and 0 <= rep["noise_kd_accuracy"] <= 1


def test_validation_split_is_carved_from_training_data_only(digits):
    from nnopt.substrate.distill import validation_split

    val = validation_split(digits, n_val=200, seed=1)
    assert len(val.x_train) == len(digits.x_train) - 200 and len(val.x_test) == 200
    assert val.n_classes == digits.n_classes and val.name.endswith("validation")
    train_rows = {r.tobytes() for r in digits.x_train}
    assert all(r.tobytes() in train_rows for r in val.x_test)  # never a test image
    assert np.bincount(val.y_test, minlength=10).min() >= 15  # stratified
    again = validation_split(digits, n_val=200, seed=1)
    assert np.array_equal(again.x_test, val.x_test)


def test_kd_images_keep_the_originals_first():
    from nnopt.substrate.distill import kd_images

    x = np.random.default_rng(0).random((5, 1, 2, 2), dtype=np.float32)
    assert kd_images(x, 0, seed=0) is x
    pool = kd_images(x, 3, seed=0)
    assert pool.shape == (20, 1, 2, 2) and np.array_equal(pool[:5], x)


def test_bn_per_image_reaches_the_prior(digits, monkeypatch):
    from nnopt.substrate import distill as dmod

    seen = []
    real = dmod.BatchNormStatistics

    def spy(model, weight, *, per_row=False):
        seen.append((weight, per_row))
        return real(model, weight, per_row=per_row)

    monkeypatch.setattr(dmod, "BatchNormStatistics", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny networks: more threads only fight over a shared machine
    s = DistillSettings(teacher="cnn-bn", k=1, teacher_epochs=1, student_steps=3, viz_steps=2, mix=0, kd_steps=3,
                        bn=5.0, bn_per_image=True, tv=0.05, kd_student="cnn-tiny")
    try:
        rep = dmod.distill(digits, s).report
    finally:
        torch.set_num_threads(before)
    assert seen == [(5.0, True)]
    assert rep["settings"]["bn_per_image"] is True and rep["settings"]["tv"] == 0.05
    assert rep["kd_student_parameters"] * 10 < rep["teacher_parameters"]  # cnn-tiny: a >= 10x compression
    with pytest.raises(ValueError):
        DistillSettings(bn=-1.0)
    with pytest.raises(ValueError):
        DistillSettings(tv=-0.1)


def test_tiny_cnn_is_ten_times_smaller_than_the_bn_teacher_on_mnist_shapes():
    from nnopt.substrate.classifiers import build_classifier, count_parameters

    teacher = build_classifier("cnn-bn", (1, 28, 28), 10)
    tiny = build_classifier("cnn-tiny", (1, 28, 28), 10)
    assert count_parameters(teacher) >= 10 * count_parameters(tiny)
    assert tiny(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_shifted_moves_each_image_by_at_most_the_shift_and_keeps_its_ink():
    from nnopt.substrate.distill import shifted

    x = torch.zeros(40, 1, 9, 9)
    x[:, 0, 4, 4] = 1.0  # one dot in the middle: every shift of up to 2 px keeps it inside
    gen = torch.Generator().manual_seed(0)
    out = shifted(x, 2, gen)
    assert out.shape == x.shape and torch.allclose(out.sum(dim=(1, 2, 3)), torch.ones(40))
    where = out[:, 0].flatten(1).argmax(dim=1)
    rows, cols = where // 9, where % 9
    assert (rows - 4).abs().max() <= 2 and (cols - 4).abs().max() <= 2
    assert len(set(zip(rows.tolist(), cols.tolist()))) > 5  # each image its own draw, not one roll for all
    assert shifted(x, 0, gen) is x


def test_augmented_batch_without_mixing_or_shift_draws_stored_rows_and_mixes_stay_convex():
    from nnopt.substrate.distill import augmented_batch

    x = torch.stack([torch.full((1, 3, 3), float(v)) for v in (0.0, 1.0, 2.0)])
    gen = torch.Generator().manual_seed(0)
    plain = augmented_batch(x, 50, mix=0, shift=0, gen=gen)
    assert plain.shape == (50, 1, 3, 3) and set(plain[:, 0, 0, 0].tolist()) <= {0.0, 1.0, 2.0}
    mixed = augmented_batch(x, 400, mix=4, shift=0, gen=gen)
    values = mixed[:, 0, 0, 0]
    assert torch.allclose(mixed, values.view(-1, 1, 1, 1).expand_as(mixed))  # a mix of constants is a constant
    assert values.min() >= 0 and values.max() <= 2
    off_grid = ~torch.isin(values, torch.tensor([0.0, 1.0, 2.0]))
    # mix / (mix + 1) of the rows are mixes, and a mix of two different rows (2 / 3 of them) leaves the grid
    assert 0.4 < off_grid.float().mean() < 0.7


def test_online_kd_learns_the_teacher_from_its_images_and_is_seeded(digits):
    from nnopt.substrate.classifiers import accuracy
    from nnopt.substrate.distill import train_student_online, train_teacher

    torch.set_num_threads(1)
    teacher = train_teacher(digits, "softmax", epochs=5, seed=0)
    x, _ = random_real_images(digits, 5, seed=0)
    a = train_student_online(digits, "softmax", x, teacher, steps=150, mix=2, shift=1, seed=0)
    b = train_student_online(digits, "softmax", x, teacher, steps=150, mix=2, shift=1, seed=0)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert accuracy(a, digits.x_test, digits.y_test) > 0.6


def test_online_kd_settings_are_validated_and_reach_the_report(digits):
    from nnopt.substrate.distill import distill

    with pytest.raises(ValueError, match="kd_online"):
        DistillSettings(kd_shift=2)
    with pytest.raises(ValueError):
        DistillSettings(kd_online=True, kd_shift=-1)
    s = DistillSettings(teacher="softmax", k=1, teacher_epochs=2, student_steps=5, viz_steps=5, kd_steps=10,
                        kd_online=True, kd_shift=1)
    rep = distill(digits, s).report
    assert rep["settings"]["kd_online"] is True and rep["settings"]["kd_shift"] == 1
    assert 0 <= rep["student_accuracy_kd"] <= 1 and 0 <= rep["noise_kd_accuracy"] <= 1
