"""Dataset compression: a fresh student trained on a teacher's class visualisations alone, with its controls.

:func:`distill` trains (or takes) a teacher, extracts ``k`` visualisations per
class through :func:`nnopt.substrate.visualize.visualize_classes` (different
noise starts, an optional shift jitter and a diversity term; by default
maximising the class *log-probability*, which stops pushing once the teacher
is sure and so keeps the K images of a class apart — maximising the logit
drives them all to the same saturated image, see the benchmark), and trains fresh
students from scratch, each on ``k`` images per class and the same number of
optimiser steps:

* ``student_accuracy_hard`` — on the visualisations with their target class;
* ``student_accuracy_kd`` — on the visualisations with the teacher's logits
  (knowledge distillation, temperature ``temperature``);
* ``class_mean_accuracy`` — control: ``k`` class-average images per class (the
  class's training images split at random into ``k`` groups, one mean each);
* ``random_real_accuracy`` — control: ``k`` random training images per class;
* ``noise_kd_accuracy`` — control for KD: uniform noise images with the
  teacher's logits. KD that does no better on visualisations than on noise says
  nothing about the visualisations.

``bn`` > 0 adds DeepInversion's batch-norm statistics prior
(:class:`~nnopt.substrate.image_regularisers.BatchNormStatistics`; teachers with
batch norm, e.g. ``cnn-bn``). ``bn_per_image`` makes ``bn`` a per-image weight
(the batch term times the batch size, ``10 * k`` images), so one weight means the
same pull at every K; the setting chosen on the mnist5k validation split for
model compression of a ``cnn-bn`` teacher is ``bn=100, bn_per_image=True, tv=0.05``
with the ``cnn-tiny`` KD student (838 parameters, 12x fewer than the teacher; see
``python benchmarks/substrate_bn.py``); dataset compression's default run (the
teacher's own architecture) uses ``bn=30`` with centring and jitter
(:mod:`nnopt.substrate.distill_defaults`). ``mix`` > 0 adds, for both KD students
(visualisations and noise alike),
``mix`` random convex combinations per stored image, labelled by the teacher
(mixing visualisations, as in data-free distillation). The KD student is also
the *model compression* result: ``compression`` is teacher parameters over
KD-student parameters, ``kd_over_teacher`` the accuracy ratio.

The KD students (visualisations and noise control alike) get their own budget:
``kd_steps`` optimiser steps (None: ``student_steps``) and architecture
``kd_student`` (None: ``student``). The defaults ``mix=4, kd_steps=2000`` won
on a validation split carved from the mnist5k training data (3,000 / 1,000,
``random_state=1``; the test split was not used for the choice): for a softmax
student at K = 50, 0.865 -> 0.920 of the teacher's validation accuracy (an MLP
student: 0.902 -> 0.963). Mixing is free at distillation time: the teacher
labels every mix. Set ``mix=0, kd_steps=None`` for the old behaviour.

``kd_online`` trains both KD students (visualisations and noise alike) on batches drawn afresh at every
step (:func:`train_student_online`): each image moved by up to ``kd_shift`` pixels and a share
``mix / (mix + 1)`` of them mixed with another, the teacher labelling every batch as it comes. A fixed set
of mixes shows the student ``(mix + 1) * 10k`` points of the teacher's function; fresh draws show it a new
batch every step, and the shift covers the jitter real digits have. On the mnist5k validation split
(K = 10) it lifted an MLP student from 96 to 98 % of its teacher and a ``cnn-bn`` one from 97 to 99 %.

Teacher-knowledge priors, each a regulariser of the one extraction routine
(:func:`teacher_priors`): ``feature_stats`` > 0 matches the per-layer activation
statistics every teacher records over its training images when it is trained
(:func:`train_teacher`; DeepInversion's BN prior for teachers without batch
norm); ``activation`` and ``balance`` are DAFL's activation and class-balance
terms; ``competition`` > 0 adds a second extraction stage with DeepInversion's
adaptive term (a provisional student in the loop, see :func:`extract_visualisations`).
The field defaults of :class:`DistillSettings` are the historical ones the
older benchmark sections ran with; ``nnopt distill`` takes its defaults, per
teacher, from :mod:`nnopt.substrate.distill_defaults`.

``adversarial`` > 0 puts the student in the loop
(:func:`train_student_adversarial`): that many rounds of images extracted to
maximise teacher-student disagreement. The noise-KD control gets the same
rounds, and this is where it stops being a weak control: with an MLP student
the adversarial rounds lift noise KD nearly as high as visualisation KD at K = 50
(see the benchmark), so the gain belongs to the student-in-the-loop images,
not to the visualisations. Off by default: it does not help a softmax student.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from nnopt.solver.extract import L2, BoxClamp, extract
from nnopt.substrate.classifiers import (
    accuracy,
    build_classifier,
    count_parameters,
    per_class_accuracy,
    predict_logits,
    record_feature_statistics,
    train_classifier,
)
from nnopt.substrate.datasets import ImageData
from nnopt.substrate.image_regularisers import (
    ActivationTerm,
    BatchNormStatistics,
    Centring,
    ClassBalance,
    Competition,
    FeatureStatistics,
)
from nnopt.substrate.visualize import Visualisations, image_regularisers, visualize_classes

__all__ = ["DistillSettings", "DistillResult", "distill", "train_teacher", "class_mean_images",
           "random_real_images", "noise_images", "mixed_images", "within_class_cosine", "train_student",
           "filters_from_images", "filter_init_trial", "train_student_adversarial", "validation_split",
           "kd_images", "shifted", "augmented_batch", "train_student_online"]


@dataclass(frozen=True)
class DistillSettings:
    """Everything that decides a distillation run (all seeded)."""

    teacher: str = "mlp"
    student: str = "softmax"
    k: int = 10
    seed: int = 0
    teacher_epochs: int = 30
    student_steps: int = 300
    viz_steps: int = 200
    viz_lr: float = 0.05
    l2: float = 1e-2
    shift: int = 0
    tv: float = 0.0
    blur: float = 0.0
    scale: float = 0.0
    diversity: float = 0.1
    init_scale: float = 0.3
    temperature: float = 4.0
    objective: str = "logprob"
    mix: int = 4
    bn: float = 0.0
    bn_per_image: bool = False
    device: str = "cpu"
    kd_student: str | None = None
    kd_steps: int | None = 2000
    adversarial: int = 0
    adversarial_steps: int = 30
    feature_stats: float = 0.0
    activation: float = 0.0
    balance: float = 0.0
    competition: float = 0.0
    competition_steps: int = 100
    centring: float = 0.0
    kd_online: bool = False
    kd_shift: int = 0

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"k must be at least 1, got {self.k}")
        if self.mix < 0:
            raise ValueError(f"mix must be >= 0, got {self.mix}")
        if self.teacher_epochs < 1 or self.student_steps < 1 or self.viz_steps < 1:
            raise ValueError("teacher_epochs, student_steps and viz_steps must be positive")
        if self.adversarial < 0 or self.adversarial_steps < 1:
            raise ValueError("adversarial must be >= 0 and adversarial_steps positive")
        if self.bn < 0 or self.tv < 0:
            raise ValueError(f"bn and tv must be >= 0, got {self.bn}, {self.tv}")
        if min(self.feature_stats, self.activation, self.balance, self.competition, self.centring) < 0 \
                or self.competition_steps < 1:
            raise ValueError("feature_stats, activation, balance, competition and centring must be >= 0, "
                             "competition_steps positive")
        if self.kd_shift < 0 or (self.kd_shift and not self.kd_online):
            raise ValueError(f"kd_shift must be >= 0 and needs kd_online, got kd_shift={self.kd_shift}, "
                             f"kd_online={self.kd_online}")
        if self.kd_steps is not None and self.kd_steps < 1:
            raise ValueError(f"kd_steps must be positive, got {self.kd_steps}")


@dataclass
class DistillResult:
    report: dict[str, Any]
    visualisations: Visualisations
    teacher: torch.nn.Module


def train_teacher(data: ImageData, kind: str, *, epochs: int = 30, seed: int = 0, device: str = "cpu",
                  progress: bool = False) -> torch.nn.Module:
    """A ``kind`` classifier trained on the training split, with its hidden layers' activation statistics
    recorded over the same images (:func:`~nnopt.substrate.classifiers.record_feature_statistics`) — what
    batch norm keeps by itself, kept for every teacher so data-free extraction can match it."""
    model = build_classifier(kind, data.image_shape, data.n_classes, seed=seed)
    train_classifier(model, data.x_train, data.y_train, epochs=epochs, seed=seed, device=device,
                     progress=progress, description=f"teacher ({kind})")
    record_feature_statistics(model, data.x_train)
    return model


def validation_split(data: ImageData, n_val: int | float = 1000, seed: int = 1) -> ImageData:
    """The training split cut into train / validation (stratified, ``random_state=seed``), as an
    :class:`ImageData` whose *test* arrays are the validation images: tune on it, never on the test split.

    The default (1,000 validation images, ``seed=1``) is the cut the KD recipe and the batch-norm prior
    settings were chosen on (mnist5k: 3,000 / 1,000).
    """
    from sklearn.model_selection import train_test_split

    x_tr, x_va, y_tr, y_va = train_test_split(data.x_train, data.y_train, test_size=n_val, random_state=seed,
                                              stratify=data.y_train)
    return ImageData(f"{data.name}-validation", x_tr, y_tr, x_va, y_va, data.n_classes)


def class_mean_images(data: ImageData, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``k`` per class: the class's training images split at random into ``k`` groups, one mean each."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(data.n_classes):
        idx = rng.permutation(np.flatnonzero(data.y_train == c))
        for group in np.array_split(idx, min(k, len(idx))):
            xs.append(data.x_train[group].mean(axis=0))
            ys.append(c)
    return np.stack(xs).astype(np.float32), np.asarray(ys, dtype=np.int64)


def random_real_images(data: ImageData, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    idx = np.concatenate([rng.choice(np.flatnonzero(data.y_train == c), size=min(k, int((data.y_train == c).sum())),
                                     replace=False) for c in range(data.n_classes)])
    return data.x_train[idx], data.y_train[idx]


def noise_images(data: ImageData, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 2)
    return rng.random((n, *data.image_shape), dtype=np.float32)


def mixed_images(x: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` random convex combinations of two rows of ``x`` (weights uniform in [0, 1])."""
    rng = np.random.default_rng(seed + 3)
    i, j = rng.integers(0, len(x), n), rng.integers(0, len(x), n)
    lam = rng.random(n, dtype=np.float32).reshape(-1, *([1] * (x.ndim - 1)))
    return (lam * x[i] + (1 - lam) * x[j]).astype(np.float32)


def kd_images(x: np.ndarray, mix: int, seed: int) -> np.ndarray:
    """The KD students' images: ``x`` and, when ``mix`` > 0, ``mix * len(x)`` random convex mixes of its rows."""
    return x if not mix else np.concatenate([x, mixed_images(x, mix * len(x), seed)])


def within_class_cosine(images: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean cosine similarity between different images of the same class (1.0: all alike)."""
    flat = torch.nn.functional.normalize(images.flatten(1), dim=1)
    same = (labels[:, None] == labels[None, :]).float()
    same.fill_diagonal_(0.0)
    if same.sum() == 0:
        return float("nan")
    return float(((flat @ flat.T) * same).sum() / same.sum())


def train_student(data: ImageData, kind: str, x: np.ndarray | torch.Tensor, *, y: Any = None, soft: Any = None,
                  steps: int = 300, seed: int = 0, temperature: float = 4.0, device: str = "cpu") -> torch.nn.Module:
    """A fresh ``kind`` network trained for about ``steps`` minibatch steps on ``x`` alone."""
    batch = min(64, len(x))
    epochs = max(1, math.ceil(steps / math.ceil(len(x) / batch)))
    model = build_classifier(kind, data.image_shape, data.n_classes, seed=seed + 1000)
    return train_classifier(model, x, y, soft_targets=soft, temperature=temperature, epochs=epochs,
                            batch_size=batch, seed=seed, device=device)


def shifted(x: torch.Tensor, max_shift: int, gen: torch.Generator) -> torch.Tensor:
    """Every image of ``x`` (B, C, H, W) moved by its own random ``(dy, dx)`` in ``[-max_shift, max_shift]``,
    the uncovered border filled with zeros (background): the jitter real digits have, one draw per image."""
    if max_shift <= 0:
        return x
    b, c, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4)
    dy, dx = (torch.randint(0, 2 * max_shift + 1, (2, b), generator=gen)).to(x.device)
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]
    batch_index = torch.arange(b, device=x.device)[:, None, None, None]
    channel_index = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch_index, channel_index, rows, cols]


def augmented_batch(x: torch.Tensor, batch: int, *, mix: int, shift: int, gen: torch.Generator) -> torch.Tensor:
    """``batch`` rows drawn from ``x``, each shifted by up to ``shift`` pixels, and a share ``mix / (mix + 1)``
    of them mixed with another shifted row (weight uniform in [0, 1]) — the same mixture of stored images and
    convex mixes that :func:`kd_images` builds once, but drawn afresh for every step."""
    n = len(x)
    idx = torch.randint(0, n, (batch,), generator=gen).to(x.device)
    xb = shifted(x[idx], shift, gen)
    if mix:
        other = shifted(x[torch.randint(0, n, (batch,), generator=gen).to(x.device)], shift, gen)
        lam = torch.rand(batch, generator=gen).to(x.device).view(-1, *([1] * (x.ndim - 1)))
        mixed = torch.rand(batch, generator=gen).to(x.device) < mix / (mix + 1)
        xb = torch.where(mixed.view_as(lam), lam * xb + (1 - lam) * other, xb)
    return xb


def train_student_online(data: ImageData, kind: str, x: np.ndarray | torch.Tensor, teacher: torch.nn.Module, *,
                         steps: int = 2000, mix: int = 4, shift: int = 2, batch_size: int = 64, seed: int = 0,
                         temperature: float = 4.0, lr: float = 3e-3, weight_decay: float = 1e-4,
                         device: str = "cpu") -> torch.nn.Module:
    """KD on images augmented afresh at every step (:func:`augmented_batch`), labelled by the teacher online.

    A fixed set of mixes (:func:`kd_images`) shows the student ``(mix + 1) * len(x)`` points of the teacher's
    function; drawing new shifts and mixes at every step shows it a new batch each time, around the same
    images, for the price of one teacher forward pass per step. The teacher is only asked — it sees no real
    image — so the same recipe applies to the noise-KD control.
    """
    dev = torch.device(device)
    model = build_classifier(kind, data.image_shape, data.n_classes, seed=seed + 1000).to(dev)
    teacher.eval()
    xt = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x, dtype=torch.float32).to(dev)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    t = temperature
    model.train()
    for _ in range(steps):
        xb = augmented_batch(xt, batch_size, mix=mix, shift=shift, gen=gen)  # with replacement: any size
        with torch.no_grad():
            target = F.softmax(teacher(xb) / t, dim=1)
        loss = F.kl_div(F.log_softmax(model(xb) / t, dim=1), target, reduction="batchmean") * t * t
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    model.eval()
    return model


class _Pair(torch.nn.Module):
    """Teacher and student logits side by side, so one extraction sees both."""

    def __init__(self, teacher: torch.nn.Module, student: torch.nn.Module) -> None:
        super().__init__()
        self.teacher, self.student = teacher, student

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.teacher(x), self.student(x)], dim=1)


def train_student_adversarial(data: ImageData, kind: str, x: np.ndarray, teacher: torch.nn.Module, *, rounds: int,
                              steps: int = 2000, extraction_steps: int = 30, l2: float = 1e-2, seed: int = 0,
                              temperature: float = 4.0, device: str = "cpu") -> tuple[torch.nn.Module, int]:
    """KD with the student in the loop (ZSKT / DAFL-style adversarial images, by the shared extraction routine).

    The student trains ``steps // (rounds + 1)`` steps on the pool (teacher logits);
    then, ``rounds`` times, ``len(x)`` pool images drawn at random are moved by
    :func:`~nnopt.solver.extract.extract` to *maximise* the teacher-student KL
    divergence at ``temperature`` (L2 ``l2``, pixels in [0, 1]), added to the pool
    with the teacher's logits, and the student trains on. Returns the student and
    the final pool size.
    """
    n_start = len(x)
    pool = np.asarray(x, dtype=np.float32)
    model = build_classifier(kind, data.image_shape, data.n_classes, seed=seed + 1000)
    gen = torch.Generator().manual_seed(seed)
    per_round = max(1, steps // (rounds + 1))
    nc = data.n_classes
    t = temperature

    def disagreement(out: torch.Tensor) -> torch.Tensor:  # minimised: minus KL(teacher || student)
        p_log = F.log_softmax(out[:, :nc] / t, dim=1)
        return -(p_log.exp() * (p_log - F.log_softmax(out[:, nc:] / t, dim=1))).sum(dim=1)

    for r in range(rounds + 1):
        soft = predict_logits(teacher, pool)
        epochs = max(1, math.ceil(per_round / math.ceil(len(pool) / 64)))
        train_classifier(model, pool, soft_targets=soft, temperature=t, epochs=epochs, batch_size=64,
                         seed=seed + r, device=device)
        if r == rounds:
            break
        idx = torch.randint(0, len(pool), (n_start,), generator=gen).numpy()
        for p in model.parameters():
            p.requires_grad_(False)
        res = extract(torch.as_tensor(pool[idx]).to(device), _Pair(teacher, model), disagreement,
                      [L2(l2), BoxClamp(0.0, 1.0)], lr=0.05, steps=extraction_steps, generator=gen)
        for p in model.parameters():
            p.requires_grad_(True)
        pool = np.concatenate([pool, res.x.detach().cpu().numpy().astype(np.float32)])
    return model, len(pool)


def teacher_priors(teacher: torch.nn.Module, s: DistillSettings) -> list[Any]:
    """The teacher-knowledge priors ``s`` switches on, each a regulariser of the shared extraction:
    BN statistics (``bn``), recorded feature statistics (``feature_stats``), DAFL's activation and
    class-balance terms (``activation``, ``balance``). Each holds hooks: close them after the extraction."""
    priors: list[Any] = []
    if s.bn > 0:
        priors.append(BatchNormStatistics(teacher, s.bn, per_row=s.bn_per_image))
    if s.feature_stats > 0:
        priors.append(FeatureStatistics(teacher, s.feature_stats))
    if s.activation > 0:
        priors.append(ActivationTerm(teacher, s.activation))
    if s.balance > 0:
        priors.append(ClassBalance(teacher, s.balance))
    return priors


def extract_visualisations(data: ImageData, teacher: torch.nn.Module, s: DistillSettings) -> Visualisations:
    """``k`` visualisations per class with every prior of ``s``; with ``competition`` > 0 a second stage
    (DeepInversion's adaptive term): a provisional KD student is trained on the first-stage images, then
    the images are extracted on, for ``competition_steps``, toward the class *and* away from the student's
    agreement with the teacher. The image count is the same either way."""
    labels = torch.arange(data.n_classes).repeat_interleave(s.k)
    regs = image_regularisers(labels, l2=s.l2, shift=s.shift, tv=s.tv, blur=s.blur, scale=s.scale,
                              diversity=s.diversity if s.k > 1 else 0.0)
    if s.centring > 0:
        regs.insert(0, Centring(s.centring))
    priors = teacher_priors(teacher, s)
    common: dict[str, Any] = dict(lr=s.viz_lr, objective=s.objective, seed=s.seed, device=s.device)
    try:
        viz = visualize_classes(teacher, data.image_shape, range(data.n_classes), per_class=s.k,
                                regularisers=[*priors, *regs], steps=s.viz_steps, init="noise",
                                init_scale=s.init_scale, mean_image=torch.full(data.image_shape, 0.0), **common)
        if s.competition > 0:
            x = viz.images.numpy()
            x_kd = kd_images(x, s.mix, s.seed)
            student = train_student(data, s.kd_student or s.student, x_kd, soft=predict_logits(teacher, x_kd),
                                    steps=max(1, (s.kd_steps or s.student_steps) // 4), seed=s.seed + 7,
                                    temperature=s.temperature, device=s.device)
            rival = Competition(teacher, student.to(s.device), s.competition)
            try:
                viz = visualize_classes(teacher, data.image_shape, range(data.n_classes), per_class=s.k,
                                        regularisers=[rival, *priors, *regs], steps=s.competition_steps,
                                        init="start", start=viz.images, **common)
            finally:
                rival.close()
    finally:
        for prior in priors:
            prior.close()
    return viz


def distill(data: ImageData, settings: DistillSettings, *, teacher: torch.nn.Module | None = None,
            progress: bool = False) -> DistillResult:
    """Teacher, visualisations, students and controls; ``report`` is the ``--json`` object."""
    s = settings
    t0 = time.perf_counter()
    if teacher is None:
        teacher = train_teacher(data, s.teacher, epochs=s.teacher_epochs, seed=s.seed, device=s.device,
                                progress=progress)
    t_teacher = time.perf_counter() - t0
    t1 = time.perf_counter()
    viz = extract_visualisations(data, teacher, s)
    t_viz = time.perf_counter() - t1
    x_viz = viz.images.numpy()
    y_viz = viz.labels.numpy()
    x_kd = kd_images(x_viz, s.mix, s.seed)
    soft_viz = predict_logits(teacher, x_kd)
    x_mean, y_mean = class_mean_images(data, s.k, s.seed)
    x_real, y_real = random_real_images(data, s.k, s.seed)
    x_noise = kd_images(noise_images(data, len(x_viz), s.seed), s.mix, s.seed)
    soft_noise = predict_logits(teacher, x_noise)

    common: dict[str, Any] = dict(steps=s.student_steps, seed=s.seed, temperature=s.temperature, device=s.device)
    kd_common: dict[str, Any] = dict(common, steps=s.kd_steps or s.student_steps)
    kd_kind = s.kd_student or s.student
    if s.adversarial:
        adv: dict[str, Any] = dict(rounds=s.adversarial, steps=s.kd_steps or s.student_steps,
                                   extraction_steps=s.adversarial_steps, l2=s.l2, seed=s.seed,
                                   temperature=s.temperature, device=s.device)
        kd_student, _ = train_student_adversarial(data, kd_kind, x_kd, teacher, **adv)
        noise_student, _ = train_student_adversarial(data, kd_kind, x_noise, teacher, **adv)
    elif s.kd_online:
        online: dict[str, Any] = dict(steps=s.kd_steps or s.student_steps, mix=s.mix, shift=s.kd_shift, seed=s.seed,
                      temperature=s.temperature, device=s.device)
        kd_student = train_student_online(data, kd_kind, x_viz, teacher, **online)
        noise_student = train_student_online(data, kd_kind, noise_images(data, len(x_viz), s.seed), teacher, **online)
    else:
        kd_student = train_student(data, kd_kind, x_kd, soft=soft_viz, **kd_common)
        noise_student = train_student(data, kd_kind, x_noise, soft=soft_noise, **kd_common)
    students = {
        "hard": train_student(data, s.student, x_viz, y=y_viz, **common),
        "kd": kd_student,
        "class_mean": train_student(data, s.student, x_mean, y=y_mean, **common),
        "random_real": train_student(data, s.student, x_real, y=y_real, **common),
        "noise_kd": noise_student,
    }
    acc = {name: accuracy(m, data.x_test, data.y_test) for name, m in students.items()}
    teacher_acc = accuracy(teacher, data.x_test, data.y_test)
    per_class_rows = {name: per_class_accuracy(m, data.x_test, data.y_test, data.n_classes)
                      for name, m in [("teacher", teacher), *students.items()]}
    per_class = [{"class": c, **{name: round(v[c], 4) for name, v in per_class_rows.items()}}
                 for c in range(data.n_classes)]
    report = {
        "dataset": data.name,
        "n_train": int(len(data.x_train)),
        "n_test": int(len(data.x_test)),
        "settings": asdict(s),
        "teacher_accuracy": round(teacher_acc, 4),
        "student_accuracy_hard": round(acc["hard"], 4),
        "student_accuracy_kd": round(acc["kd"], 4),
        "class_mean_accuracy": round(acc["class_mean"], 4),
        "random_real_accuracy": round(acc["random_real"], 4),
        "noise_kd_accuracy": round(acc["noise_kd"], 4),
        "kd_over_teacher": round(acc["kd"] / teacher_acc, 4) if teacher_acc else None,
        "images_per_student": int(len(x_viz)),
        "teacher_parameters": count_parameters(teacher),
        "student_parameters": count_parameters(students["hard"]),
        "kd_student_parameters": count_parameters(students["kd"]),
        "compression": round(count_parameters(teacher) / count_parameters(students["kd"]), 2),
        "visualisation_within_class_cosine": round(within_class_cosine(viz.images, viz.labels), 4),
        "visualisation_target_probability": round(float(viz.target_probability.mean()), 4),
        "visualisation_hits": round(float((viz.predicted == viz.labels).float().mean()), 4),
        "per_class": per_class,
        "seconds": {"teacher": round(t_teacher, 2), "visualisation": round(t_viz, 2),
                    "total": round(time.perf_counter() - t0, 2)},
    }
    return DistillResult(report, viz, teacher)


def filters_from_images(images: np.ndarray | torch.Tensor, labels: np.ndarray | torch.Tensor, n_filters: int,
                        size: int = 3, like: torch.Tensor | None = None) -> torch.Tensor:
    """``(n_filters, C, size, size)`` first-layer filters cut from ``images``.

    Every ``size`` x ``size`` patch is centred (mean removed); the patches with
    the largest spread are taken round-robin over the classes (so each class
    gives filters), then each is scaled to the norm of the matching filter of
    ``like`` (the default initialisation), so only the *direction* differs from
    a random start.
    """
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    y = torch.as_tensor(np.asarray(labels))
    patches = F.unfold(x, size)  # (N, C*size*size, L)
    n, d, per_image = patches.shape
    patches = patches.permute(0, 2, 1).reshape(n * per_image, d)
    patch_labels = y.repeat_interleave(per_image)
    patches = patches - patches.mean(dim=1, keepdim=True)
    spread = patches.norm(dim=1)
    by_class = [torch.nonzero(patch_labels == c).squeeze(1) for c in torch.unique(y).tolist()]
    by_class = [idx[torch.argsort(spread[idx], descending=True)] for idx in by_class]
    chosen: list[torch.Tensor] = []
    rank = 0
    while len(chosen) < n_filters:
        for idx in by_class:
            if rank < len(idx) and len(chosen) < n_filters:
                cand = patches[idx[rank]]
                if all(F.cosine_similarity(cand, c, dim=0) < 0.95 for c in chosen):
                    chosen.append(cand)
        rank += 1
        if rank > max(len(i) for i in by_class):
            break
    while len(chosen) < n_filters:  # too few distinct patches: repeat
        chosen.append(chosen[len(chosen) % max(1, len(chosen))])
    w = torch.stack(chosen).reshape(n_filters, x.shape[1], size, size)
    w = w / w.flatten(1).norm(dim=1).clamp_min(1e-8).view(-1, 1, 1, 1)
    if like is not None:
        w = w * like.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    return w


def filter_init_trial(data: ImageData, filters: dict[str, torch.Tensor | None], *, per_class: int = 50,
                      epochs: int = 1, seed: int = 0, device: str = "cpu") -> dict[str, float]:
    """Test accuracy of a small CNN after a short budget (``per_class`` real images per class,
    ``epochs`` epochs) for every named first-layer initialisation (None: the default random one)."""
    x, y = random_real_images(data, per_class, seed + 10)
    out: dict[str, float] = {}
    for name, w in filters.items():
        model = build_classifier("cnn", data.image_shape, data.n_classes, seed=seed)
        if w is not None:
            with torch.no_grad():
                conv1: Any = model.conv1  # the small CNN's first layer
                conv1.weight.copy_(filters_from_norm(w, conv1.weight))
        train_classifier(model, x, y, epochs=epochs, batch_size=16, seed=seed, device=device)
        out[name] = accuracy(model, data.x_test, data.y_test)
    return out


def filters_from_norm(w: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``w`` rescaled row by row to the norms of ``like`` (same shape)."""
    w = w / w.flatten(1).norm(dim=1).clamp_min(1e-8).view(-1, 1, 1, 1)
    return w * like.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
