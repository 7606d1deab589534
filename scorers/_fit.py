"""Regression of a scorer on (encoding, cost) pairs, warm-started round after round.

The engine retrains the same network on a growing replay buffer; keeping the
network and its optimiser in one :class:`ScorerTrainer` makes every round a
continuation (warm start) rather than a fresh fit. Targets are standardised
per round so one learning rate suits every instance's cost scale; calling the
trainer returns predictions in cost units again.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["ScorerTrainer"]


class ScorerTrainer:
    """Owns a scorer, its optimiser and the target scale; ``trainer(x)`` predicts cost.

    ``conservative`` > 0 adds the training-side COMs term (Trabucco et al., 2021):
    points found by a few descent steps on the network's input from the batch
    (where it is most optimistic) get their prediction pushed up, data points
    down, so extraction is not lured by over-optimism far from the data.
    """

    def __init__(self, model: nn.Module, *, lr: float = 3e-3, weight_decay: float = 1e-5,
                 batch_size: int = 256, conservative: float = 0.0, adversarial_steps: int = 3,
                 adversarial_lr: float = 0.05, device: str | torch.device = "cpu", seed: int = 0) -> None:
        if batch_size <= 0 or lr <= 0:
            raise ValueError(f"batch_size and lr must be positive, got {batch_size}, {lr}")
        self.device = torch.device(device)
        self.model = model.to(self.device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr, weight_decay=weight_decay)
        self.batch_size, self.conservative = batch_size, conservative
        self.adversarial_steps, self.adversarial_lr = adversarial_steps, adversarial_lr
        self.gen = torch.Generator().manual_seed(seed)
        self.mean, self.std = 0.0, 1.0
        self.last_loss = float("nan")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x) * self.std + self.mean

    def fit(self, X: np.ndarray, y: np.ndarray, steps: int) -> float:
        """``steps`` minibatch updates on ``(X, y)``; returns the mean loss of the last steps."""
        if len(X) == 0 or steps <= 0:
            return self.last_loss
        y = np.asarray(y, dtype=np.float64)
        self.mean, self.std = float(y.mean()), float(max(y.std(), 1e-6))
        Xt = torch.as_tensor(np.asarray(X, dtype=np.float32), device=self.device)
        yt = torch.as_tensor(((y - self.mean) / self.std).astype(np.float32), device=self.device)
        self.model.train()
        losses = []
        for _ in range(steps):
            idx = torch.randint(0, len(Xt), (min(self.batch_size, len(Xt)),), generator=self.gen).to(self.device)
            xb, yb = Xt[idx], yt[idx]
            loss = nn.functional.mse_loss(self.model(xb), yb)
            if self.conservative > 0:
                loss = loss + self.conservative * (self.model(xb).mean() - self.model(self._adversarial(xb)).mean())
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            losses.append(float(loss.detach()))
        self.model.eval()
        self.last_loss = float(np.mean(losses[-max(1, steps // 4):]))
        return self.last_loss

    def _adversarial(self, xb: torch.Tensor) -> torch.Tensor:
        """A few sign-gradient descent steps on the prediction from ``xb`` (the model's optimism)."""
        x = xb.detach().clone()
        for _ in range(self.adversarial_steps):
            x.requires_grad_(True)
            (g,) = torch.autograd.grad(self.model(x).sum(), x)
            x = (x - self.adversarial_lr * g.sign()).clamp(0.0, 1.0).detach()
        return x
