"""Image classifiers for the substrate: one-layer softmax regression, an MLP, a small CNN (``cnn-bn``: with batch norm;
``cnn-tiny``: 4 + 4 channels, about 12x fewer parameters than ``cnn`` / ``cnn-bn``, the model-compression student).

Every classifier takes ``(B, 1, H, W)`` images and returns ``(B, n_classes)``
logits, so the extraction routine can move an image toward a class. Training
is seeded (same seed, same weights on CPU) and shows a rich progress bar on a
terminal. :func:`train_classifier` also distils: given ``soft_targets``
(a teacher's logits) it minimises the temperature-scaled KL divergence
(Hinton et al., 2015) instead of the cross-entropy to hard labels.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["CLASSIFIERS", "SoftmaxRegression", "MLPClassifier", "SmallCNN", "build_classifier",
           "train_classifier", "predict_logits", "accuracy", "per_class_accuracy", "count_parameters",
           "hidden_layers", "record_feature_statistics"]

#: Names :func:`build_classifier` knows.
CLASSIFIERS = ("softmax", "mlp", "cnn", "cnn-bn", "cnn-tiny")

#: ``cnn-tiny``'s channels: 838 parameters on 28x28 MNIST against ``cnn-bn``'s 10,026.
TINY_CHANNELS = (4, 4)


class SoftmaxRegression(nn.Module):
    """``logits = W x + b`` on the flattened image: the class visualisation is ``W[c]`` (tested)."""

    def __init__(self, image_shape: Sequence[int], n_classes: int) -> None:
        super().__init__()
        self.linear = nn.Linear(int(np.prod(image_shape)), n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.flatten(1))


class MLPClassifier(nn.Module):
    """Flattened image -> ``hidden`` (x ``layers``, ReLU) -> logits."""

    def __init__(self, image_shape: Sequence[int], n_classes: int, hidden: int = 128, layers: int = 1) -> None:
        super().__init__()
        mods: list[nn.Module] = [nn.Flatten()]
        width = int(np.prod(image_shape))
        for _ in range(layers):
            mods += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        mods.append(nn.Linear(width, n_classes))
        self.net = nn.Sequential(*mods)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SmallCNN(nn.Module):
    """Two 3x3 conv blocks (``channels``), optional batch norm, a 4x4 adaptive pool and a linear head.

    ``conv1`` is the first layer whose filters :func:`nnopt.substrate.distill`
    may initialise from class visualisations.
    """

    def __init__(self, image_shape: Sequence[int], n_classes: int, channels: tuple[int, int] = (16, 32),
                 batch_norm: bool = False) -> None:
        super().__init__()
        c_in = int(image_shape[0])
        self.conv1 = nn.Conv2d(c_in, channels[0], 3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels[0]) if batch_norm else nn.Identity()
        self.conv2 = nn.Conv2d(channels[0], channels[1], 3, padding=1)
        self.bn2 = nn.BatchNorm2d(channels[1]) if batch_norm else nn.Identity()
        self.pool_first = int(image_shape[1]) >= 16  # 28x28 MNIST: pool after each block
        self.head = nn.Linear(channels[1] * 16, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn1(self.conv1(x)))
        if self.pool_first:
            h = F.max_pool2d(h, 2)
        h = F.relu(self.bn2(self.conv2(h)))
        h = F.adaptive_avg_pool2d(h, 4)
        return self.head(h.flatten(1))


def build_classifier(kind: str, image_shape: Sequence[int], n_classes: int, *, seed: int = 0,
                     **kwargs: object) -> nn.Module:
    """A freshly (seeded) initialised classifier of ``kind`` (one of :data:`CLASSIFIERS`)."""
    if kind not in CLASSIFIERS:
        raise ValueError(f"unknown classifier {kind!r} (known: {', '.join(CLASSIFIERS)})")
    torch.manual_seed(seed)
    if kind == "softmax":
        return SoftmaxRegression(image_shape, n_classes)
    if kind == "mlp":
        return MLPClassifier(image_shape, n_classes, **kwargs)  # type: ignore[arg-type]
    if kind == "cnn-bn":
        kwargs.setdefault("batch_norm", True)
    if kind == "cnn-tiny":
        kwargs.setdefault("channels", TINY_CHANNELS)
    return SmallCNN(image_shape, n_classes, **kwargs)  # type: ignore[arg-type]


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _as_tensor(a: np.ndarray | torch.Tensor, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    if isinstance(a, torch.Tensor):
        return a.detach().to(device=device, dtype=dtype)
    return torch.as_tensor(np.asarray(a), dtype=dtype, device=device)


def train_classifier(model: nn.Module, x: np.ndarray | torch.Tensor, y: np.ndarray | torch.Tensor | None = None, *,
                     soft_targets: np.ndarray | torch.Tensor | None = None, temperature: float = 4.0,
                     epochs: int = 30, batch_size: int = 64, lr: float = 3e-3, weight_decay: float = 1e-4,
                     seed: int = 0, device: str | torch.device = "cpu", progress: bool = False,
                     description: str = "training") -> nn.Module:
    """Train ``model`` in place (Adam, shuffled minibatches) and return it in eval mode.

    Hard labels ``y`` give cross-entropy; ``soft_targets`` (teacher logits, same
    rows as ``x``) give knowledge distillation at ``temperature``. ``progress``
    shows a transient rich bar on stderr when it is a terminal.
    """
    if (y is None) == (soft_targets is None):
        raise ValueError("give exactly one of y (hard labels) and soft_targets (teacher logits)")
    if epochs <= 0 or batch_size <= 0 or lr <= 0:
        raise ValueError(f"epochs, batch_size and lr must be positive, got {epochs}, {batch_size}, {lr}")
    dev = torch.device(device)
    model.to(dev)
    xt = _as_tensor(x, torch.float32, dev)
    target = (_as_tensor(y, torch.int64, dev) if y is not None
              else _as_tensor(cast("np.ndarray | torch.Tensor", soft_targets), torch.float32, dev))  # one is given
    if len(xt) == 0 or len(target) != len(xt):
        raise ValueError(f"need as many targets as images, got {len(target)} for {len(xt)}")
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps_per_epoch = math.ceil(len(xt) / batch_size)

    def run_epoch() -> None:
        order = torch.randperm(len(xt), generator=gen).to(dev)
        for i in range(steps_per_epoch):
            idx = order[i * batch_size:(i + 1) * batch_size]
            out = model(xt[idx])
            if y is not None:
                loss = F.cross_entropy(out, target[idx])
            else:
                t = temperature
                loss = F.kl_div(F.log_softmax(out / t, dim=1), F.softmax(target[idx] / t, dim=1),
                                reduction="batchmean") * t * t
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    model.train()
    bar = _progress(progress)
    if bar is None:
        for _ in range(epochs):
            run_epoch()
    else:
        with bar:
            task = bar.add_task(description, total=epochs)
            for _ in range(epochs):
                run_epoch()
                bar.advance(task)
    model.eval()
    return model


def _progress(show: bool):
    if not show:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return None
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("epochs"), TimeElapsedColumn(), console=console, transient=True)


@torch.no_grad()
def predict_logits(model: nn.Module, x: np.ndarray | torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Logits for every row of ``x`` (on CPU), in eval mode."""
    model.eval()
    dev = next(model.parameters()).device
    xt = _as_tensor(x, torch.float32, dev)
    return torch.cat([model(xt[i:i + batch_size]).cpu() for i in range(0, len(xt), batch_size)])


def accuracy(model: nn.Module, x: np.ndarray | torch.Tensor, y: np.ndarray | torch.Tensor) -> float:
    pred = predict_logits(model, x).argmax(dim=1).numpy()
    return float((pred == np.asarray(y)).mean())


def per_class_accuracy(model: nn.Module, x: np.ndarray | torch.Tensor, y: np.ndarray | torch.Tensor,
                       n_classes: int) -> list[float]:
    pred = predict_logits(model, x).argmax(dim=1).numpy()
    y = np.asarray(y)
    return [float((pred[y == c] == c).mean()) if (y == c).any() else float("nan") for c in range(n_classes)]


def hidden_layers(model: nn.Module) -> list[nn.Module]:
    """Every ``Linear`` / ``Conv2d`` of ``model`` but the last (the head): the layers whose outputs are features."""
    layers: list[nn.Module] = [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    return layers[:-1]


@torch.no_grad()
def record_feature_statistics(model: nn.Module, x: np.ndarray | torch.Tensor, batch_size: int = 1024) -> int:
    """Store, on every hidden layer of ``model``, the per-unit (per-channel) mean and variance of its output
    over the images ``x`` — buffers ``feature_mean`` / ``feature_var``, saved with the model's state.

    Batch norm records such running statistics while it trains; this does the same once, after training,
    for teachers without it, so a data-free extraction can later match them
    (:class:`nnopt.substrate.image_regularisers.FeatureStatistics`) without seeing a real image. Returns the
    number of layers recorded (0 for a one-layer model).
    """
    layers = hidden_layers(model)
    if not layers:
        return 0
    sums: dict[nn.Module, list[torch.Tensor]] = {m: [] for m in layers}

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        dims = [d for d in range(output.ndim) if d != 1]
        n = output.numel() // output.shape[1]
        sums[module].append(torch.stack([output.sum(dim=dims), output.pow(2).sum(dim=dims),
                                         torch.full((output.shape[1],), float(n), device=output.device)]))

    handles = [m.register_forward_hook(hook) for m in layers]
    try:
        predict_logits(model, x, batch_size=batch_size)
    finally:
        for h in handles:
            h.remove()
    for m in layers:
        s, s2, n = torch.stack(sums[m]).sum(dim=0)
        mean = s / n
        var = (s2 / n - mean.pow(2)).clamp_min(0.0)
        for name, value in (("feature_mean", mean), ("feature_var", var)):
            if isinstance(getattr(m, name, None), torch.Tensor):
                getattr(m, name).copy_(value)
            else:
                m.register_buffer(name, value.clone())
    return len(layers)
