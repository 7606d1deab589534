"""Solution scorers: networks that map an encoding to a predicted cost.

Two shapes of knowledge:

* :class:`MLPScorer` reads the flat encoding of one instance; it can only learn
  that instance (its inputs are item *ids*).
* :class:`SetScorer` sees every coordinate as a token — the coordinate's
  context (what the problem says about that item: sizes, ranks) next to its
  value — and pools over tokens, so it is blind to item ids, works for any
  number of items and can be pre-trained across instances.

Both return one number per row and are differentiable in their input, which
is all the extraction routine needs.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["MLPScorer", "SetScorer", "soft_rank"]


class MLPScorer(nn.Module):
    """``in_dim -> hidden x layers -> 1`` with SiLU: smooth, so input gradients are informative."""

    def __init__(self, in_dim: int, hidden: int = 128, layers: int = 2) -> None:
        super().__init__()
        if in_dim <= 0 or hidden <= 0 or layers <= 0:
            raise ValueError(f"MLPScorer needs positive sizes, got in_dim={in_dim}, hidden={hidden}, layers={layers}")
        mods: list[nn.Module] = []
        width = in_dim
        for _ in range(layers):
            mods += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        mods.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*mods)
        self.in_dim = in_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def soft_rank(x: torch.Tensor, tau: float = 0.05) -> torch.Tensor:
    """Differentiable rank in [0, 1] of each coordinate within its row.

    Random keys mean nothing alone, only relative to each other; the soft rank
    turns "key value" into "position in the order", which a per-token network
    can read.
    """
    diff = (x.unsqueeze(-1) - x.unsqueeze(-2)) / tau
    return torch.sigmoid(diff).mean(dim=-1)


class SetScorer(nn.Module):
    """A permutation-invariant scorer over tokens ``[context_j, x_j, soft_rank(x)_j]``.

    ``context`` is a ``(d, c)`` tensor fixed per instance (set with
    :meth:`set_context`), so the same weights serve every instance. Tokens go
    through an embedding MLP, one self-attention block (items see each other,
    which a sum of independent terms could not), a mean pool and a head.
    """

    def __init__(self, context_dim: int, hidden: int = 32, heads: int = 2, tau: float = 0.05) -> None:
        super().__init__()
        if context_dim < 0 or hidden <= 0 or hidden % heads:
            raise ValueError(f"SetScorer needs context_dim >= 0 and hidden divisible by heads, "
                             f"got {context_dim}, {hidden}, {heads}")
        self.context_dim, self.hidden, self.tau = context_dim, hidden, tau
        self.embed = nn.Sequential(nn.Linear(context_dim + 2, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.attn = nn.MultiheadAttention(hidden, heads, batch_first=True)
        self.norm = nn.LayerNorm(hidden)
        self.head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.SiLU(), nn.Linear(hidden, 1))
        self.register_buffer("context", torch.zeros(0, context_dim), persistent=False)

    def set_context(self, context: torch.Tensor) -> None:
        if context.ndim != 2 or context.shape[1] != self.context_dim:
            raise ValueError(f"context must be (d, {self.context_dim}), got {tuple(context.shape)}")
        self.context = context.to(self.embed[0].weight)  # type: ignore[arg-type]  # a Linear's weight: a Tensor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, d = x.shape
        if self.context.shape[0] != d:
            raise ValueError(f"context holds {self.context.shape[0]} tokens, input has {d}; call set_context")
        tokens = torch.cat([self.context.unsqueeze(0).expand(B, d, -1), x.unsqueeze(-1),
                            soft_rank(x, self.tau).unsqueeze(-1)], dim=-1)
        h = self.embed(tokens)
        a, _ = self.attn(h, h, h, need_weights=False)
        h = self.norm(h + a)
        pooled = torch.cat([h.mean(dim=1), h.max(dim=1).values], dim=-1)
        return self.head(pooled).squeeze(-1)
