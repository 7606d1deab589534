"""Teacher-knowledge image priors (recorded feature statistics, DAFL terms, competition) and the per-teacher
defaults."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from nnopt.solver.extract import BoxClamp, extract
from nnopt.substrate.classifiers import build_classifier, hidden_layers, record_feature_statistics, train_classifier
from nnopt.substrate.datasets import load_dataset
from nnopt.substrate.distill import DistillSettings
from nnopt.substrate.distill_defaults import TEACHER_DEFAULTS, distill_settings, teacher_defaults
from nnopt.substrate.image_regularisers import (
    ActivationTerm,
    ClassBalance,
    Competition,
    FeatureStatistics,
    recorded_layers,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def mlp_digits():
    data = load_dataset("digits")
    model = build_classifier("mlp", data.image_shape, data.n_classes, seed=0)
    train_classifier(model, data.x_train, data.y_train, epochs=10, seed=0)
    record_feature_statistics(model, data.x_train)
    return data, model


def _zero(out: torch.Tensor) -> torch.Tensor:
    return torch.zeros(out.shape[0])


def test_recorded_statistics_are_the_hidden_layers_moments_and_travel_with_the_state(mlp_digits):
    data, model = mlp_digits
    (layer,) = hidden_layers(model)  # one hidden Linear; the head is not a feature layer
    with torch.no_grad():
        h = layer(torch.as_tensor(data.x_train).flatten(1))
    assert torch.allclose(layer.feature_mean, h.mean(0), atol=1e-4)
    assert torch.allclose(layer.feature_var, h.var(0, unbiased=False), atol=1e-4)
    assert any(k.endswith("feature_mean") for k in model.state_dict())
    assert recorded_layers(model) == [layer]
    softmax = build_classifier("softmax", data.image_shape, data.n_classes)
    assert record_feature_statistics(softmax, data.x_train) == 0 and recorded_layers(softmax) == []
    cnn = build_classifier("cnn", (1, 8, 8), 10)
    assert record_feature_statistics(cnn, data.x_train[:50]) == 2  # conv1, conv2
    assert cnn.conv1.feature_mean.shape == (16,)


def test_feature_statistics_prior_pulls_noise_toward_the_recorded_moments(mlp_digits):
    data, model = mlp_digits
    (layer,) = recorded_layers(model)
    x0 = torch.rand(40, *data.image_shape, generator=torch.Generator().manual_seed(0))

    def mismatch(x: torch.Tensor) -> float:
        with torch.no_grad():
            h = layer(x.flatten(1))
        return float((h.mean(0) - layer.feature_mean).norm() + (h.var(0, unbiased=False) - layer.feature_var).norm())

    with FeatureStatistics(model, weight=1.0) as prior:
        res = extract(x0, model, _zero, [prior, BoxClamp(0.0, 1.0)], lr=0.02, steps=150)
    assert not prior._handles
    assert mismatch(res.x) < 0.5 * mismatch(x0)
    x = x0.clone().requires_grad_(True)
    with FeatureStatistics(model, weight=2.0) as prior:
        model(x)
        term = prior.penalty(x, x, torch.zeros(40))
    assert term.shape == (40,) and torch.allclose(term, term[0].expand(40))  # the same pull on every row
    assert FeatureStatistics(build_classifier("softmax", (1, 8, 8), 10)).penalty(x0, x0, torch.zeros(40)) is None


def test_activation_term_fires_the_penultimate_features(mlp_digits):
    data, model = mlp_digits
    x0 = 0.1 * torch.rand(10, *data.image_shape, generator=torch.Generator().manual_seed(1))
    feats = lambda x: model.net[:-1](x).abs().mean()  # noqa: E731
    term = ActivationTerm(model, weight=1.0)
    res = extract(x0, model, _zero, [term, BoxClamp(0.0, 1.0)], lr=0.02, steps=50)
    term.close()
    with torch.no_grad():
        assert float(feats(res.x)) > 2 * float(feats(x0))


def test_class_balance_spreads_a_batch_over_the_classes(mlp_digits):
    data, model = mlp_digits
    x0 = torch.as_tensor(np.repeat(data.x_train[data.y_train == 3][:1], 20, axis=0))
    x0 = x0 + 0.05 * torch.rand(x0.shape, generator=torch.Generator().manual_seed(2))

    def entropy(x: torch.Tensor) -> float:
        with torch.no_grad():
            p = F.softmax(model(x), dim=1).mean(0)
        return float(-(p * p.clamp_min(1e-12).log()).sum())

    term = ClassBalance(model, weight=1.0)
    res = extract(x0, model, _zero, [term, BoxClamp(0.0, 1.0)], lr=0.05, steps=60)
    term.close()
    assert entropy(res.x) > entropy(x0) + 0.5


def test_competition_is_minus_the_js_divergence_and_seeks_disagreement(mlp_digits):
    data, teacher = mlp_digits
    x = torch.as_tensor(data.x_test[:16]).requires_grad_(True)
    same = Competition(teacher, teacher, weight=1.0)
    teacher(x)
    assert torch.allclose(same.penalty(x, x, torch.zeros(16)), torch.zeros(16), atol=1e-6)
    same.close()
    student = build_classifier("softmax", data.image_shape, data.n_classes, seed=3)
    train_classifier(student, data.x_train[:100], data.y_train[:100], epochs=2, seed=0)
    rival = Competition(teacher, student, weight=1.0)
    teacher(x)
    term = rival.penalty(x, x, torch.zeros(16))
    assert term.shape == (16,) and bool((term <= 0).all()) and bool((term >= -np.log(2) - 1e-6).all())
    res = extract(x.detach(), teacher, _zero, [rival, BoxClamp(0.0, 1.0)], lr=0.05, steps=30)
    rival.close()
    with torch.no_grad():
        before = F.kl_div(F.log_softmax(student(x), 1), F.softmax(teacher(x), 1), reduction="batchmean")
        after = F.kl_div(F.log_softmax(student(res.x), 1), F.softmax(teacher(res.x), 1), reduction="batchmean")
    assert float(after) > float(before)


def test_every_table_entry_is_a_valid_setting_and_the_student_follows_the_teacher():
    fields = {f.name for f in dataclasses.fields(DistillSettings)}
    for teacher, entry in TEACHER_DEFAULTS.items():
        assert set(entry) <= fields and "student" not in entry
        s = distill_settings(teacher)
        assert s.teacher == teacher and s.student == teacher and s.kd_student is None
        assert all(getattr(s, key) == value for key, value in entry.items())
    assert distill_settings("mlp").feature_stats > 0 and distill_settings("cnn-bn").bn > 0
    assert distill_settings("softmax").feature_stats == 0  # nothing recorded on a one-layer teacher
    assert teacher_defaults("cnn")["student"] == "cnn"  # a teacher outside the table: its own architecture
    # KD on fresh shifts and mixes where the validation split chose it; not for softmax (its noise control rises)
    assert distill_settings("mlp").kd_online and distill_settings("cnn-bn").kd_shift == 2
    assert not distill_settings("softmax").kd_online and distill_settings("softmax").kd_shift == 0


def test_explicit_overrides_win_and_none_means_not_given():
    s = distill_settings("cnn-bn", student="softmax", kd_student="cnn-tiny", l2=None, tv=0.2, k=3)
    assert (s.student, s.kd_student, s.tv, s.k) == ("softmax", "cnn-tiny", 0.2, 3)
    assert s.l2 == TEACHER_DEFAULTS["cnn-bn"]["l2"]
    with pytest.raises(ValueError):
        distill_settings("mlp", feature_stats=-1.0)


def test_competition_stage_keeps_the_image_count(mlp_digits):
    from nnopt.substrate.distill import extract_visualisations

    data, teacher = mlp_digits
    s = DistillSettings(teacher="mlp", student="mlp", k=2, viz_steps=5, competition=1.0, competition_steps=5,
                        kd_steps=8, mix=1, feature_stats=1.0, activation=0.1, balance=0.1)
    viz = extract_visualisations(data, teacher, s)
    assert viz.images.shape == (20, *data.image_shape) and viz.labels.tolist() == sorted(viz.labels.tolist())
    assert not teacher._forward_hooks and not hidden_layers(teacher)[0]._forward_hooks  # every hook removed


def test_centring_pulls_ink_from_the_frame_to_the_middle():
    from nnopt.substrate.image_regularisers import Centring

    x0 = torch.zeros(2, 1, 9, 9)
    x0[:, :, 0, :] = 1.0  # a stroke along the top edge
    centre = x0.clone()
    centre[:, :, 0, :] = 0.0
    centre[:, :, 4, 4] = 9.0  # the same ink, all in the middle pixel
    prior = Centring(1.0)
    assert float(prior.penalty(centre, centre, torch.zeros(2))[0]) == pytest.approx(0.0, abs=1e-6)
    assert float(prior.penalty(x0, x0, torch.zeros(2))[0]) > 9.0  # every edge pixel is >= 1 away
    res = extract(x0, lambda x: torch.zeros(x.shape[0], 1), _zero, [prior, BoxClamp(0.0, 1.0)], lr=0.05, steps=50)
    assert float(res.x[:, :, 0, :].sum()) < 0.5 * float(x0[:, :, 0, :].sum())
    with pytest.raises(ValueError):
        DistillSettings(centring=-1.0)
