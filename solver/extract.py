"""Extraction: gradient descent on a network's *input* — the one routine nnopt has.

The same routine pulls good encodings out of a solution scorer (minimise the
predicted cost) and class visualisations out of an image classifier (minimise
minus a logit). It knows nothing about problems: it moves a batch of input
tensors, asks ``objective(model(x))`` for one number per row, and lets
composable :class:`Regulariser` objects shape the path:

* ``penalty(x, start)`` adds a differentiable term per row (L2, trust region,
  conservative cap);
* ``perturb(x, gen)`` changes the point the gradient is taken at (jitter);
* ``project(x)`` maps the point after each step back into the allowed set (box).

``step="random"`` is the *control*: the optimiser's displacement of each row is
replaced by a random direction of the same length, so a gain that the control
shows too is not the network's.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import torch

__all__ = [
    "Regulariser",
    "L2",
    "TrustRegion",
    "Conservative",
    "BoxClamp",
    "Jitter",
    "ExtractionResult",
    "extract",
    "STEPS",
]

#: How each step's displacement is chosen: the optimiser's, or random of equal length.
STEPS = ("gradient", "random")

Objective = Callable[[torch.Tensor], torch.Tensor]


@runtime_checkable
class Regulariser(Protocol):
    """A composable shaping term; every hook is optional (see :class:`BaseRegulariser`)."""

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor | None: ...

    def perturb(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor: ...

    def project(self, x: torch.Tensor) -> torch.Tensor: ...


class BaseRegulariser:
    """No-op hooks, so a regulariser implements only the one it needs."""

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor | None:
        return None

    def perturb(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        return x

    def project(self, x: torch.Tensor) -> torch.Tensor:
        return x


def _rowwise_sq(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(x.shape[0], -1).pow(2).sum(dim=1)


@dataclass
class L2(BaseRegulariser):
    """``weight * ||x - centre||^2``; ``centre`` None pulls toward the origin (image priors)."""

    weight: float = 1e-3
    centre: float | torch.Tensor | None = None

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor:
        c = 0.0 if self.centre is None else self.centre
        return self.weight * _rowwise_sq(x - c)


@dataclass
class TrustRegion(BaseRegulariser):
    """Penalise leaving a ball of ``radius`` around the nearest data point.

    ``anchors`` (k, ...) are the points the scorer was trained on (or just the
    start points when None): the network is only trusted near its data, so the
    squared distance beyond ``radius`` to the nearest anchor costs ``weight``
    per unit.
    """

    radius: float = 0.5
    weight: float = 10.0
    anchors: torch.Tensor | None = None

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(x.shape[0], -1)
        if self.anchors is None:
            dist = (flat - start.reshape(start.shape[0], -1)).norm(dim=1)
        else:
            dist = torch.cdist(flat, self.anchors.reshape(self.anchors.shape[0], -1).to(flat)).min(dim=1).values
        return self.weight * torch.relu(dist - self.radius).pow(2)


@dataclass
class Conservative(BaseRegulariser):
    """A COMs-style cap: predicted gains beyond ``margin`` over the start earn nothing.

    Conservative objective models (Trabucco et al., 2021) keep an optimiser from
    exploiting a network's over-optimism far from its data. Here, any predicted
    improvement of a row over its own start larger than ``margin`` is charged
    back with slope ``weight`` (>= 1 cancels it), so steps stop chasing gains the
    network cannot vouch for. The training-side COMs term lives with the
    scorers (``nnopt.scorers.ScorerTrainer``'s ``conservative`` argument).
    """

    margin: float = 0.5
    weight: float = 1.0
    _start_out: torch.Tensor | None = field(default=None, repr=False)

    def bind(self, start_out: torch.Tensor) -> None:
        self._start_out = start_out.detach()

    def penalty(self, x: torch.Tensor, start: torch.Tensor, model_out: torch.Tensor) -> torch.Tensor | None:
        if self._start_out is None:
            return None
        gain = self._start_out - model_out
        return self.weight * torch.relu(gain - self.margin)


@dataclass
class BoxClamp(BaseRegulariser):
    """Keep every coordinate in ``[low, high]`` after each step (random keys live in [0, 1))."""

    low: float = 0.0
    high: float = 1.0 - 1e-6

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"box needs low < high, got [{self.low}, {self.high}]")

    def project(self, x: torch.Tensor) -> torch.Tensor:
        return x.clamp(self.low, self.high)


@dataclass
class Jitter(BaseRegulariser):
    """Take each gradient at a noisy copy of the point (Gaussian ``sigma``): robust steps."""

    sigma: float = 0.01

    def perturb(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        noise = torch.randn(x.shape, generator=gen, dtype=x.dtype, device="cpu").to(x.device)
        return x + self.sigma * noise


@dataclass
class ExtractionResult:
    """The moved batch and what the model said about it before and after."""

    x: torch.Tensor
    start_value: torch.Tensor
    final_value: torch.Tensor
    step_norms: torch.Tensor  # total displacement length of each row


def _make_optimiser(name: str, params: list[torch.Tensor], lr: float) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "signsgd":  # plain SGD on sign(grad), applied in extract()
        return torch.optim.SGD(params, lr=lr)
    raise ValueError(f"unknown optimiser {name!r} (known: adam, sgd, signsgd)")


def extract(
    x0: torch.Tensor,
    model: Callable[[torch.Tensor], torch.Tensor],
    objective: Objective | None = None,
    regularisers: Sequence[Regulariser] = (),
    *,
    optimiser: str = "adam",
    lr: float = 0.05,
    steps: int = 20,
    step: str = "gradient",
    topk: int | None = None,
    generator: torch.Generator | None = None,
) -> ExtractionResult:
    """Minimise ``objective(model(x)) + sum(penalties)`` over the input ``x``, row by row.

    ``objective`` maps the model's output to one value per row (default: the
    output itself, squeezed — a scorer predicting cost). ``topk`` lets each
    step move only the ``k`` coordinates of a row with the largest gradient
    (the control: ``k`` random ones), so a step is a few targeted changes
    rather than a shuffle of every key. The model's own
    parameters are left untouched (no gradient is accumulated in them).
    Deterministic for a given ``generator`` seed on CPU.
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r} (known: {', '.join(STEPS)})")
    if topk is not None and topk <= 0:
        raise ValueError(f"topk must be positive, got {topk}")
    if x0.ndim < 2:
        raise ValueError(f"x0 must be a batch (B, ...), got shape {tuple(x0.shape)}")
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    objective = objective or (lambda out: out.reshape(out.shape[0], -1)[:, 0])
    start = x0.detach().clone()
    x = start.clone().requires_grad_(True)
    opt = _make_optimiser(optimiser, [x], lr)
    params = [p for p in getattr(model, "parameters", lambda: [])()]
    saved_flags = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    try:
        with torch.no_grad():
            start_value = objective(model(start))
        for reg in regularisers:
            if isinstance(reg, Conservative):
                reg.bind(start_value)
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            probe = x
            for reg in regularisers:
                probe = reg.perturb(probe, gen)
            value = objective(model(probe))
            total = value
            for reg in regularisers:
                term = reg.penalty(probe, start, value)
                if term is not None:
                    total = total + term
            total.sum().backward()
            if x.grad is None:  # the objective does not depend on x: nothing to follow
                break
            mask = _topk_mask(x.grad, topk, "gradient", gen)
            if optimiser == "signsgd":
                x.grad.sign_()
            before = x.detach().clone()
            opt.step()
            with torch.no_grad():
                delta = x - before
                if mask is not None:
                    delta = delta * mask
                if step == "random":  # same length, random direction (on k random coordinates)
                    delta = _random_like_step(delta, gen, _topk_mask(delta, topk, "random", gen))
                x.copy_(before + delta)
                for reg in regularisers:
                    x.copy_(reg.project(x))
        with torch.no_grad():
            final = x.detach().clone()
            final_value = objective(model(final))
    finally:
        for p, flag in zip(params, saved_flags):
            p.requires_grad_(flag)
    norms = (final - start).reshape(start.shape[0], -1).norm(dim=1)
    return ExtractionResult(final, start_value, final_value, norms)


def _topk_mask(grad: torch.Tensor, topk: int | None, step: str, gen: torch.Generator) -> torch.Tensor | None:
    """0/1 mask of the coordinates a step may move: largest ``|grad|`` (or random, for the control)."""
    flat = grad.reshape(grad.shape[0], -1)
    if topk is None or topk >= flat.shape[1]:
        return None
    if step == "random":
        score = torch.rand(flat.shape, generator=gen, device="cpu").to(flat.device)
    else:
        score = flat.abs()
    idx = torch.topk(score, topk, dim=1).indices
    return torch.zeros_like(flat).scatter_(1, idx, 1.0).reshape(grad.shape)


def _random_like_step(delta: torch.Tensor, gen: torch.Generator, mask: torch.Tensor | None = None) -> torch.Tensor:
    """A uniformly random direction per row (within ``mask``) with the length of ``delta``'s row."""
    flat = delta.reshape(delta.shape[0], -1)
    direction = torch.randn(flat.shape, generator=gen, dtype=flat.dtype, device="cpu").to(flat.device)
    if mask is not None:
        direction = direction * mask.reshape(flat.shape)
    direction = direction / direction.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return (direction * flat.norm(dim=1, keepdim=True)).reshape(delta.shape)
