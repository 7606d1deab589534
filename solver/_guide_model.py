"""The ruin guide's network: will ruining *these* components succeed?

A move of ruin and recreate costs about one decode (~50-150 us on CPU), so a
model that chooses among candidate moves must cost a few microseconds per
decision. This one is small enough to run in NumPy, with no torch start-up:

* each ruined component ``j`` is embedded by ``e_j = tanh(phi_j A + a)``
  (``phi``: the problem's ``component_features``, the same meaning on every
  instance, so weights learned on some instances apply to others);
* a candidate move is the mean of its members' embeddings, the mean raw
  features of the whole state (context) and its size ``k / max_ruin``;
* ``h = relu([pooled, context, size] B + b)``, logit ``= h v + c``: the
  predicted log-odds that the move improves the state.

The same weights are mirrored into a torch module (:meth:`GuideModel.torch_mask_model`)
whose input is a soft *mask* over all components, so the one extraction routine
can move the mask by gradient steps (the gradient-guided ruin). Training is
plain Adam on the logistic loss, in NumPy, from the loop's logged attempts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["GuideModel", "AttemptLog"]

#: Hidden width of the member embedding and of the head.
HIDDEN = 16


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


@dataclass
class GuideModel:
    """Weights of the guide for ``features`` columns per component and moves of up to ``max_ruin``."""

    features: int
    max_ruin: int
    params: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def new(cls, features: int, max_ruin: int, seed: int = 0) -> GuideModel:
        rng = np.random.default_rng(seed)
        F, H = features, HIDDEN
        head_in = H + F + 1
        p = {
            "A": rng.normal(0.0, 1.0 / np.sqrt(F), (F, H)),
            "a": np.zeros(H),
            "B": rng.normal(0.0, 1.0 / np.sqrt(head_in), (head_in, H)),
            "b": np.zeros(H),
            "v": rng.normal(0.0, 1.0 / np.sqrt(H), H),
            "c": np.zeros(1),
        }
        return cls(features, max_ruin, p)

    # ------------------------------------------------------------------ inference
    def embed(self, phi: np.ndarray) -> np.ndarray:
        """Embeddings ``(C, H)`` of a state's components (computed once per state, reused per candidate)."""
        return np.tanh(phi @ self.params["A"] + self.params["a"])

    def logits(self, E: np.ndarray, context: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """Log-odds of success of each candidate ``masks[i]`` (0/1 over components), batched."""
        k = masks.sum(axis=1, keepdims=True)
        pooled = (masks @ E) / np.maximum(k, 1.0)
        X = np.concatenate([pooled, np.broadcast_to(context, (len(masks), len(context))), k / self.max_ruin], axis=1)
        h = np.maximum(X @ self.params["B"] + self.params["b"], 0.0)
        return h @ self.params["v"] + self.params["c"][0]

    def prepare(self, phi: np.ndarray, context: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per state, once: the components' embeddings projected into the head, and the head's
        constant part (bias + context), so each candidate costs one small matrix product."""
        P, H = self.params, HIDDEN
        B = P["B"]
        EB = self.embed(phi) @ B[:H]  # (C, H): pooling commutes with the projection
        const = P["b"] + context @ B[H:H + len(context)]
        return EB, const

    # ------------------------------------------------------------------- training
    def fit(self, members: np.ndarray, counts: np.ndarray, context: np.ndarray, success: np.ndarray,
            steps: int, rng: np.random.Generator, lr: float = 0.01, batch: int = 256,
            adam: dict[str, Any] | None = None) -> dict[str, Any]:
        """``steps`` Adam steps on the logistic loss over logged attempts; returns the Adam state.

        ``members``: ``(N, max_ruin, F)`` ruined components' features (zero-padded),
        ``counts``: ``(N,)`` how many are real, ``context``: ``(N, F)``, ``success``: ``(N,)`` 0/1.
        Positives are rare (a few percent), so each class weighs half of the loss.
        """
        st: dict[str, Any] = adam if adam is not None else {"t": 0, "m": {}, "s": {}}
        N = len(success)
        pos = max(1.0, float(success.sum()))
        neg = max(1.0, float(N - success.sum()))
        weight = np.where(success > 0, 0.5 * N / pos, 0.5 * N / neg)
        for _ in range(steps):
            idx = rng.integers(0, N, size=min(batch, N))
            grads = self._grads(members[idx], counts[idx], context[idx], success[idx], weight[idx])
            st["t"] += 1
            for name, g in grads.items():
                m = st["m"].get(name, np.zeros_like(g)) * 0.9 + 0.1 * g
                s = st["s"].get(name, np.zeros_like(g)) * 0.999 + 0.001 * g * g
                st["m"][name], st["s"][name] = m, s
                mh = m / (1 - 0.9 ** st["t"])
                sh = s / (1 - 0.999 ** st["t"])
                self.params[name] = self.params[name] - lr * mh / (np.sqrt(sh) + 1e-8)
        return st

    def loss(self, members: np.ndarray, counts: np.ndarray, context: np.ndarray, success: np.ndarray) -> float:
        """Mean logistic loss (unweighted): what held-out attempts say about the model."""
        z = self._forward(members, counts, context)[0]
        p = _sigmoid(z)
        return float(-np.mean(success * np.log(p + 1e-9) + (1 - success) * np.log(1 - p + 1e-9)))

    def _forward(self, members: np.ndarray, counts: np.ndarray, context: np.ndarray) -> tuple[np.ndarray, ...]:
        P = self.params
        R = members.shape[1]
        valid = (np.arange(R)[None, :] < counts[:, None]).astype(np.float64)  # (N, R)
        E = np.tanh(members @ P["A"] + P["a"])  # (N, R, H)
        k = np.maximum(counts, 1)[:, None].astype(np.float64)
        pooled = (E * valid[:, :, None]).sum(axis=1) / k
        X = np.concatenate([pooled, context, counts[:, None] / self.max_ruin], axis=1)
        pre = X @ P["B"] + P["b"]
        h = np.maximum(pre, 0.0)
        z = h @ P["v"] + P["c"][0]
        return z, E, valid, k, X, pre, h

    def _grads(self, members: np.ndarray, counts: np.ndarray, context: np.ndarray, y: np.ndarray,
               w: np.ndarray) -> dict[str, np.ndarray]:
        P = self.params
        z, E, valid, k, X, pre, h = self._forward(members, counts, context)
        n = len(y)
        dz = w * (_sigmoid(z) - y) / n  # (N,)
        g = {"v": h.T @ dz, "c": np.array([dz.sum()])}
        dh = dz[:, None] * P["v"][None, :] * (pre > 0)
        g["B"] = X.T @ dh
        g["b"] = dh.sum(axis=0)
        H = E.shape[2]
        dpooled = (dh @ P["B"].T)[:, :H] / k  # (N, H)
        dE = dpooled[:, None, :] * valid[:, :, None] * (1.0 - E * E)  # (N, R, H)
        g["A"] = np.einsum("nrf,nrh->fh", members, dE)
        g["a"] = dE.sum(axis=(0, 1))
        return g

    # ------------------------------------------------------------------ weights files
    def save(self, path: str | Path) -> None:
        np.savez(path, features=self.features, max_ruin=self.max_ruin, **self.params)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | Path) -> GuideModel:
        with np.load(path) as data:
            params = {name: np.array(data[name], dtype=np.float64) for name in ("A", "a", "B", "b", "v", "c")}
            return cls(int(data["features"]), int(data["max_ruin"]), params)

    def copy(self) -> GuideModel:
        return GuideModel(self.features, self.max_ruin, {k: v.copy() for k, v in self.params.items()})

    # ----------------------------------------------------------- torch mirror (extraction)
    def torch_mask_model(self, phi: np.ndarray, context: np.ndarray) -> Any:
        """A torch callable: soft masks ``(B, C)`` over this state's components -> log-odds ``(B,)``.

        Pooling by the mask's weights generalises the 0/1 candidates of :meth:`logits`,
        so its input gradient says which components' inclusion raises the predicted success.
        """
        import torch

        P = {name: torch.as_tensor(v, dtype=torch.float32) for name, v in self.params.items()}
        E = torch.tanh(torch.as_tensor(phi, dtype=torch.float32) @ P["A"] + P["a"])
        ctx = torch.as_tensor(context, dtype=torch.float32)
        max_ruin = float(self.max_ruin)

        def model(m: Any) -> Any:
            k = m.sum(dim=1, keepdim=True)
            pooled = (m @ E) / k.clamp_min(1e-3)
            X = torch.cat([pooled, ctx.expand(m.shape[0], -1), k / max_ruin], dim=1)
            h = torch.relu(X @ P["B"] + P["b"])
            return h @ P["v"] + P["c"][0]

        return model


class AttemptLog:
    """A ring buffer of logged moves: the ruined components' features, the state context, success."""

    def __init__(self, features: int, max_ruin: int, capacity: int = 20000) -> None:
        self.members = np.zeros((capacity, max_ruin, features))
        self.counts = np.zeros(capacity, dtype=np.int64)
        self.context = np.zeros((capacity, features))
        self.success = np.zeros(capacity)
        self.size = 0
        self._next = 0
        self._positives = 0

    def add(self, phi_members: np.ndarray, context: np.ndarray, success: bool) -> None:
        """Log one move: the ruined components' features ``phi_members`` (one row each)."""
        self.add_rows(phi_members, np.arange(len(phi_members)), context, success)

    def add_rows(self, phi: np.ndarray, rows: np.ndarray, context: np.ndarray, success: bool) -> None:
        """Log one move whose ruined components are ``rows`` of the state's features ``phi``
        (one compiled copy, no intermediate array: the loop logs every move)."""
        from nnopt.solver._guide_kernels import log_attempt

        i = self._next
        if self.size == len(self.counts):  # full: the row overwritten leaves the count
            self._positives -= int(self.success[i])
        self._positives += bool(success)
        log_attempt(self.members, self.counts, self.context, self.success, i, phi, rows, context, bool(success))
        self._next = (i + 1) % len(self.counts)
        self.size = min(self.size + 1, len(self.counts))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n = self.size
        return self.members[:n], self.counts[:n], self.context[:n], self.success[:n]

    @property
    def positives(self) -> int:
        """Successes among the logged moves (kept as a count: the loop asks after every move)."""
        return self._positives
