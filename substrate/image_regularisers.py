"""Image regularisers for :func:`nnopt.solver.extract.extract`: composable, like the rest.

Class visualisation moves an image ``(B, C, H, W)`` toward a class; left alone
it finds high-frequency patterns the classifier reacts to but no person would
call a digit. These priors, each one hook of the :class:`~nnopt.solver.extract.Regulariser`
protocol, pull it toward natural images (Mahendran & Vedaldi, 2015; Yosinski
et al., 2015; Olah et al., 2017):

* :class:`RandomShift` (perturb) — the gradient is taken at a copy rolled by up
  to ``max_shift`` pixels (jitter), so the image must work wherever it sits;
* :class:`RandomScale` (perturb) — the same at a random zoom;
* :class:`TotalVariation` (penalty) — neighbouring pixels should agree;
* :class:`GaussianBlur` (project) — blur the image every ``every`` steps;
* :class:`Diversity` (penalty) — rows of the same class should differ (cosine);
* :class:`BatchNormStatistics` (penalty) — DeepInversion: match the batch-norm running statistics;
* :class:`FeatureStatistics` (penalty) — the same for teachers *without* batch norm: match the per-layer
  activation statistics the teacher recorded over its own training data when it was trained
  (:func:`nnopt.substrate.classifiers.record_feature_statistics`), so no real image is needed at extraction;
* :class:`ActivationTerm` and :class:`ClassBalance` (penalties) — DAFL (Chen et al., ICCV 2019): images
  that fire the teacher's penultimate features strongly, and a batch whose mean prediction covers every class;
* :class:`Competition` (penalty) — DeepInversion's adaptive term: reward images on which a student
  disagrees with the teacher (student in the loop);
* :class:`Centring` (penalty) — ink far from the centre costs: a conv teacher with global pooling is
  indifferent to where strokes sit and piles them against the frame;
* ``L2`` and ``BoxClamp`` of :mod:`nnopt.solver.extract` do the pixel-norm prior
  and the valid pixel range.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch.nn import functional as F

from nnopt.solver.extract import BaseRegulariser

__all__ = ["RandomShift", "RandomScale", "TotalVariation", "GaussianBlur", "Diversity", "BatchNormStatistics",
           "FeatureStatistics", "ActivationTerm", "ClassBalance", "Competition", "Centring", "recorded_layers"]


def _check_image(x: torch.Tensor, what: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{what} works on image batches (B, C, H, W), got shape {tuple(x.shape)}")


@dataclass
class RandomShift(BaseRegulariser):
    """Jitter: roll the whole batch by a random ``(dy, dx)`` in ``[-max_shift, max_shift]`` per step."""

    max_shift: int = 1

    def __post_init__(self) -> None:
        if self.max_shift < 0:
            raise ValueError(f"max_shift must be >= 0, got {self.max_shift}")

    def perturb(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        _check_image(x, "RandomShift")
        if self.max_shift == 0:
            return x
        dy, dx = torch.randint(-self.max_shift, self.max_shift + 1, (2,), generator=gen).tolist()
        return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


@dataclass
class RandomScale(BaseRegulariser):
    """Zoom the batch by a factor drawn uniformly from ``[low, high]`` (same size, bilinear)."""

    low: float = 0.9
    high: float = 1.1

    def __post_init__(self) -> None:
        if not 0 < self.low <= self.high:
            raise ValueError(f"scale range needs 0 < low <= high, got [{self.low}, {self.high}]")

    def perturb(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        _check_image(x, "RandomScale")
        s = self.low + (self.high - self.low) * float(torch.rand((), generator=gen))
        theta = torch.tensor([[1.0 / s, 0.0, 0.0], [0.0, 1.0 / s, 0.0]], dtype=x.dtype, device=x.device)
        grid = F.affine_grid(theta.expand(x.shape[0], 2, 3), list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@dataclass
class TotalVariation(BaseRegulariser):
    """``weight * sum |neighbour differences|^2`` per row (anisotropic, squared)."""

    weight: float = 1e-2

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor:
        _check_image(x, "TotalVariation")
        dh = (x[:, :, 1:, :] - x[:, :, :-1, :]).pow(2).flatten(1).sum(dim=1)
        dw = (x[:, :, :, 1:] - x[:, :, :, :-1]).pow(2).flatten(1).sum(dim=1)
        return self.weight * (dh + dw)


def _gaussian_kernel(sigma: float, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    radius = max(1, int(round(2 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=dtype, device=device)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    return k / k.sum()


@dataclass
class GaussianBlur(BaseRegulariser):
    """After every ``every``-th step, replace the image by its Gaussian blur (``sigma`` pixels)."""

    sigma: float = 0.5
    every: int = 4
    _count: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        if self.sigma <= 0 or self.every <= 0:
            raise ValueError(f"blur needs sigma > 0 and every > 0, got {self.sigma}, {self.every}")

    def project(self, x: torch.Tensor) -> torch.Tensor:
        _check_image(x, "GaussianBlur")
        self._count += 1
        if self._count % self.every:
            return x
        k = _gaussian_kernel(self.sigma, x.dtype, x.device)
        c, r = x.shape[1], (len(k) - 1) // 2
        kh = k.view(1, 1, -1, 1).repeat(c, 1, 1, 1)
        kw = k.view(1, 1, 1, -1).repeat(c, 1, 1, 1)
        x = F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), kh, groups=c)
        return F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), kw, groups=c)


@dataclass
class Diversity(BaseRegulariser):
    """``weight *`` mean cosine similarity of a row to the other rows with the same ``labels`` entry.

    Pushes the K visualisations of one class apart, so they cover more of the
    class than K copies of one image would.
    """

    labels: torch.Tensor
    weight: float = 0.1

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor:
        flat = F.normalize(x.flatten(1) - x.flatten(1).mean(dim=1, keepdim=True), dim=1)
        labels = self.labels.to(x.device)
        same = (labels[:, None] == labels[None, :]).to(x.dtype)
        same.fill_diagonal_(0.0)
        sim = (flat @ flat.T) * same
        return self.weight * sim.sum(dim=1) / same.sum(dim=1).clamp_min(1.0)


class BatchNormStatistics(BaseRegulariser):
    """DeepInversion's prior (Yin et al., CVPR 2020): the batch's feature statistics at every
    batch-norm layer of ``model`` should match the running statistics stored there.

    Forward hooks record, during the extraction's own forward pass, each BN
    input's per-channel batch mean and variance; the penalty is ``weight *``
    the sum over layers of ``|mean - running_mean| + |var - running_var|``
    (2-norms), a batch quantity shared evenly among the rows. A model without
    batch norm gives no term. Call :meth:`close` (or use ``with``) to remove the hooks.

    ``per_row=True`` gives every row the whole term instead of a share, so the
    summed penalty is ``batch size * weight *`` the statistics mismatch: since
    the extraction sums the per-row objectives, the prior's pull on each image
    then stays the same whatever the batch size (as in DeepInversion, which
    averages the class loss over the batch). With the default (a share), the
    same ``weight`` pulls each image of a batch of 500 fifty times less than
    one of a batch of 10.
    """

    def __init__(self, model: torch.nn.Module, weight: float = 1.0, *, per_row: bool = False) -> None:
        self.weight = weight
        self.per_row = per_row
        self._terms: list[torch.Tensor] = []
        self._handles = [m.register_forward_hook(self._hook) for m in model.modules()
                         if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]

    def _hook(self, module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        x = inputs[0]
        if not x.requires_grad:  # the no-grad evaluations before and after the steps
            return
        dims = [d for d in range(x.ndim) if d != 1]
        mean, var = x.mean(dim=dims), x.var(dim=dims, unbiased=False)
        self._terms.append((mean - module.running_mean).norm()  # type: ignore[operator]  # batch-norm buffers
                           + (var - module.running_var).norm())  # type: ignore[operator]

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor | None:
        if not self._terms:
            return None
        total = torch.stack(self._terms).sum()
        self._terms = []
        if self.per_row:
            return self.weight * total.expand(x.shape[0])
        return self.weight * total.expand(x.shape[0]) / x.shape[0]

    def close(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self) -> BatchNormStatistics:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def recorded_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The modules of ``model`` that carry recorded activation statistics (``feature_mean`` / ``feature_var``)."""
    return [m for m in model.modules() if isinstance(getattr(m, "feature_mean", None), torch.Tensor)
            and isinstance(getattr(m, "feature_var", None), torch.Tensor)]


class _OutputHooks(BaseRegulariser):
    """Forward hooks on ``modules`` that keep, during the extraction's own (gradient) pass, each output."""

    def __init__(self, modules: list[torch.nn.Module]) -> None:
        self._outs: list[tuple[torch.nn.Module, torch.Tensor]] = []
        self._handles = [m.register_forward_hook(self._hook) for m in modules]

    def _hook(self, module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if output.requires_grad:  # skip the no-grad evaluations before and after the steps
            self._outs.append((module, output))

    def _take(self) -> list[tuple[torch.nn.Module, torch.Tensor]]:
        outs, self._outs = self._outs, []
        return outs

    def close(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self) -> _OutputHooks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FeatureStatistics(_OutputHooks):
    """DeepInversion's prior for any teacher: each recorded layer's batch statistics should match the
    statistics the teacher stored when it was trained.

    Batch norm keeps running means and variances of its inputs as a side effect of training; a teacher
    without it keeps nothing, so :func:`nnopt.substrate.classifiers.record_feature_statistics` records, once,
    after training and over the teacher's own training images, every hidden layer's per-unit (per-channel
    for convolutions) mean and variance as buffers (``feature_mean``, ``feature_var``) saved with the
    teacher. At extraction no real image is used: the penalty is ``weight *`` the sum over recorded layers
    of ``(|mean - feature_mean| + |var - feature_var|) / sqrt(units)`` (2-norms, divided so that wide layers
    do not dominate), per row like :class:`BatchNormStatistics` with ``per_row=True`` (the same pull per
    image at every batch size). A model with no recorded layer gives no term.
    """

    def __init__(self, model: torch.nn.Module, weight: float = 1.0) -> None:
        self.weight = weight
        super().__init__(recorded_layers(model))

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor | None:
        outs = self._take()
        if not outs:
            return None
        terms = []
        for module, h in outs:
            dims = [d for d in range(h.ndim) if d != 1]
            mean, var = h.mean(dim=dims), h.var(dim=dims, unbiased=False)
            scale = float(mean.numel()) ** 0.5
            deviation = ((mean - module.feature_mean).norm()  # type: ignore[operator]  # recorded buffers
                         + (var - module.feature_var).norm())  # type: ignore[operator]
            terms.append(deviation / scale)
        return self.weight * torch.stack(terms).sum().expand(x.shape[0])


def _penultimate(model: torch.nn.Module) -> torch.nn.Module:
    """The last ``Linear`` of ``model`` (its head): its *input* is the penultimate feature vector."""
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    if not linears:
        raise ValueError("ActivationTerm needs a model whose head is an nn.Linear")
    return linears[-1]


class ActivationTerm(BaseRegulariser):
    """DAFL's activation loss: ``-weight *`` the mean absolute penultimate feature of each row.

    Real images of a class fire the teacher's last hidden features strongly; images that only nudge the
    logits through weak features are the ones a student cannot learn from. (For a one-layer teacher the
    penultimate "features" are the pixels, and the term pushes them up — use it with hidden layers.)
    """

    def __init__(self, model: torch.nn.Module, weight: float = 0.1) -> None:
        self.weight = weight
        self._feats: list[torch.Tensor] = []
        self._handle = _penultimate(model).register_forward_hook(self._hook)

    def _hook(self, module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if inputs[0].requires_grad:
            self._feats.append(inputs[0])

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor | None:
        feats, self._feats = self._feats, []
        if not feats:
            return None
        return -self.weight * feats[-1].flatten(1).abs().mean(dim=1)

    def close(self) -> None:
        self._handle.remove()


class ClassBalance(BaseRegulariser):
    """DAFL's information-entropy loss: ``weight *`` minus the entropy of the batch's mean prediction,
    shared among the rows. Low when the batch's predictions cover every class evenly — a guard against a
    batch that collapses onto the classes easiest to reach (it matters most with free, untargeted images).
    """

    def __init__(self, model: torch.nn.Module, weight: float = 1.0) -> None:
        self.weight = weight
        self._logits: list[torch.Tensor] = []
        self._handle = model.register_forward_hook(self._hook)

    def _hook(self, module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if output.requires_grad:
            self._logits.append(output)

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor | None:
        logits, self._logits = self._logits, []
        if not logits:
            return None
        p = F.softmax(logits[-1], dim=1).mean(dim=0)
        neg_entropy = (p * p.clamp_min(1e-12).log()).sum()
        return self.weight * neg_entropy.expand(x.shape[0]) / x.shape[0]

    def close(self) -> None:
        self._handle.remove()


class Competition(BaseRegulariser):
    """DeepInversion's adaptive (competition) term: ``-weight *`` the Jensen-Shannon divergence between the
    teacher's and a student's predictions on each row.

    With a student in the loop, images are pulled toward what the teacher knows and the student does not
    yet: where the two agree there is nothing left to distil. The teacher's logits are taken from the
    extraction's own forward pass (a hook, so the teacher's other hooks see each step once); ``student``
    is evaluated on the same point and not trained here (the caller alternates extraction and training).
    """

    def __init__(self, teacher: torch.nn.Module, student: torch.nn.Module, weight: float = 1.0) -> None:
        self.student, self.weight = student, weight
        self._flags = [p.requires_grad for p in student.parameters()]
        for p in student.parameters():  # gradients flow to the image only
            p.requires_grad_(False)
        self._logits: list[torch.Tensor] = []
        self._handle = teacher.register_forward_hook(self._hook)

    def _hook(self, module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if output.requires_grad:
            self._logits.append(output)

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor | None:
        logits, self._logits = self._logits, []
        if not logits:
            return None
        self.student.eval()
        p_t = F.softmax(logits[-1], dim=1)
        p_s = F.softmax(self.student(x), dim=1)
        m = (0.5 * (p_t + p_s)).clamp_min(1e-12)
        js = 0.5 * ((p_t * (p_t.clamp_min(1e-12) / m).log()).sum(1) + (p_s * (p_s.clamp_min(1e-12) / m).log()).sum(1))
        return -self.weight * js

    def close(self) -> None:
        self._handle.remove()
        for p, flag in zip(self.student.parameters(), self._flags):
            p.requires_grad_(flag)


@dataclass
class Centring(BaseRegulariser):
    """``weight *`` the image's positive mass times its squared distance from the centre (coordinates in
    [-1, 1]), summed per row.

    A convolutional teacher with global pooling scores a stroke the same wherever it sits, so its
    visualisations pile strokes against the frame; a student trained on them with hard labels learns
    stroke positions no real digit has. This asks only that the ink be near the middle — no real image is
    used (the same kind of generic prior as L2 or total variation).
    """

    weight: float = 0.5

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor:
        _check_image(x, "Centring")
        h, w = x.shape[-2:]
        yy, xx = torch.meshgrid(torch.linspace(-1, 1, h, device=x.device), torch.linspace(-1, 1, w, device=x.device),
                                indexing="ij")
        return self.weight * (x.clamp_min(0) * (yy.pow(2) + xx.pow(2)).to(x.dtype)).flatten(1).sum(dim=1)
