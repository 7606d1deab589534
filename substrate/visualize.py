"""Class visualisation: the image a classifier finds most like a class, by the shared extraction routine.

The classifier plays the part a solution scorer plays for packing: the same
:func:`nnopt.solver.extract.extract` (this module holds no second copy; a test
checks the function object) moves a batch of images to minimise minus the
class logit (``objective="logit"``) or minus the class log-probability
(``"logprob"``), shaped by image regularisers
(:mod:`nnopt.substrate.image_regularisers`).

For one-layer softmax regression ``z = W x + b`` with only ``L2(weight=lam)``:

* logit: ``max w_c.x - lam |x|^2`` gives ``x* = w_c / (2 lam)`` — the class's
  weight vector, exactly;
* log-probability: the stationary point is ``x* = (w_c - sum_j p_j w_j) / (2 lam)``
  with ``p = softmax(W x* + b)``, i.e. ``(1 - p_c)`` times ``w_c`` minus the
  probability-weighted mean of the other classes' weights — the other classes
  are pushed away.

Both are tested (``tests/test_substrate_visualize.py``).
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from nnopt.solver.extract import L2, BoxClamp, Regulariser, extract
from nnopt.substrate.image_regularisers import Diversity, GaussianBlur, RandomScale, RandomShift, TotalVariation

__all__ = ["OBJECTIVES", "Visualisations", "class_objective", "image_regularisers", "visualize_classes",
           "render_grid", "extract"]

#: What a visualisation maximises.
OBJECTIVES = ("logit", "logprob")


def class_objective(targets: torch.Tensor, kind: str = "logit"):
    """``objective(logits) -> (B,)`` to *minimise*: minus row ``i``'s logit (or log-probability) of ``targets[i]``."""
    if kind not in OBJECTIVES:
        raise ValueError(f"unknown objective {kind!r} (known: {', '.join(OBJECTIVES)})")

    def objective(logits: torch.Tensor) -> torch.Tensor:
        t = targets.to(logits.device)
        scores = logits if kind == "logit" else F.log_softmax(logits, dim=1)
        return -scores.gather(1, t[:, None]).squeeze(1)

    return objective


def image_regularisers(labels: torch.Tensor, *, l2: float = 1e-2, shift: int = 0, tv: float = 0.0,
                       blur: float = 0.0, scale: float = 0.0, diversity: float = 0.0,
                       box: tuple[float, float] | None = (0.0, 1.0)) -> list[Regulariser]:
    """The regulariser list for a visualisation run; a zero switches a prior off.

    ``scale`` = 0.1 means random zoom in ``[0.9, 1.1]``; ``box`` keeps pixels in
    the data's range. The defaults (L2 and the box only) are what helped the
    prototype's hard-label students; jitter and blur made them worse there.
    """
    regs: list[Regulariser] = []
    if shift:
        regs.append(RandomShift(shift))
    if scale:
        regs.append(RandomScale(1.0 - scale, 1.0 + scale))
    if l2:
        regs.append(L2(weight=l2))
    if tv:
        regs.append(TotalVariation(tv))
    if diversity:
        regs.append(Diversity(labels, diversity))
    if blur:
        regs.append(GaussianBlur(blur))
    if box is not None:
        regs.append(BoxClamp(*box))
    return regs


@dataclass
class Visualisations:
    """Extracted images, their target classes and the classifier's verdict on each."""

    images: torch.Tensor  # (N, C, H, W), CPU
    labels: torch.Tensor  # (N,) target class of each image
    probabilities: torch.Tensor  # (N, n_classes) softmax of the classifier on each image
    objective: str

    @property
    def predicted(self) -> torch.Tensor:
        return self.probabilities.argmax(dim=1)

    @property
    def target_probability(self) -> torch.Tensor:
        return self.probabilities.gather(1, self.labels[:, None]).squeeze(1)


def visualize_classes(model: nn.Module, image_shape: Sequence[int], classes: Sequence[int], *, per_class: int = 1,
                      objective: str = "logit", regularisers: Sequence[Regulariser] | None = None,
                      steps: int = 200, lr: float = 0.05, init: str = "zeros", init_scale: float = 0.1,
                      mean_image: torch.Tensor | None = None, start: torch.Tensor | None = None, seed: int = 0,
                      device: str | torch.device = "cpu") -> Visualisations:
    """``per_class`` visualisations of every class in ``classes`` (rows grouped by class).

    ``init``: ``"zeros"`` (or ``mean_image`` when given), or ``"noise"``:
    uniform noise of amplitude ``init_scale`` around it, seeded — different
    seeds give different visualisations; or ``"start"``: the images ``start``
    (one row per visualisation, e.g. an earlier extraction to continue). ``regularisers`` None uses
    :func:`image_regularisers`' defaults.
    """
    if per_class <= 0:
        raise ValueError(f"per_class must be positive, got {per_class}")
    if init not in ("zeros", "noise", "start"):
        raise ValueError(f"unknown init {init!r} (known: zeros, noise, start)")
    dev = torch.device(device)
    labels = torch.as_tensor(list(classes), dtype=torch.int64).repeat_interleave(per_class)
    gen = torch.Generator().manual_seed(seed)
    base = (torch.zeros((len(labels), *image_shape)) if mean_image is None
            else mean_image.expand(len(labels), *image_shape).clone())
    if init == "start":
        if start is None or tuple(start.shape) != tuple(base.shape):
            raise ValueError(f"init='start' needs start of shape {tuple(base.shape)}")
        base = start.detach().clone().float()
    if init == "noise":
        base = base + init_scale * (2 * torch.rand(base.shape, generator=gen) - 1)
    regs = list(regularisers) if regularisers is not None else image_regularisers(labels)
    model.eval()
    res = extract(base.to(dev), model, class_objective(labels, objective), regs, optimiser="adam", lr=lr,
                  steps=steps, generator=gen)
    images = res.x.detach().cpu()
    with torch.no_grad():
        probs = F.softmax(model(images.to(dev)), dim=1).cpu()
    return Visualisations(images, labels, probs, objective)


def render_grid(columns: Sequence[tuple[str, np.ndarray]], *, title: str = "",
                verdicts: Sequence[str] | None = None, row_names: Sequence[str] | None = None,
                symmetric: Sequence[bool] | None = None) -> bytes:
    """A PNG (bytes) with one row per class and one column per named image stack ``(n, H, W)``.

    ``verdicts[i]`` is written under row ``i`` of the first column (the
    classifier's answer on it); ``symmetric[j]`` shows column ``j`` on a
    blue-white-red scale centred at zero (weights), else grey 0..max.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_rows = len(columns[0][1])
    n_cols = len(columns)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(1.35 * n_cols + 0.6, 1.25 * n_rows + 0.5), squeeze=False)
    for j, (name, stack) in enumerate(columns):
        sym = bool(symmetric[j]) if symmetric is not None else False
        for i in range(n_rows):
            ax = axes[i, j]
            img = np.asarray(stack[i]).reshape(stack[i].shape[-2:])
            if sym:
                lim = float(np.abs(img).max()) or 1.0
                ax.imshow(img, cmap="bwr", vmin=-lim, vmax=lim)
            else:
                ax.imshow(img, cmap="gray_r", vmin=min(0.0, float(img.min())), vmax=max(1e-9, float(img.max())))
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(name, fontsize=7)
            if j == 0 and row_names is not None:
                ax.set_ylabel(row_names[i], fontsize=7)
            if j == 0 and verdicts is not None:
                ax.set_xlabel(verdicts[i], fontsize=6)
    if title:
        fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
