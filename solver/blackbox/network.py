"""The model loop: an ensemble of small networks scores solutions, and new ones are pulled out of it
by gradient steps on a relaxed solution, then rounded to a valid one.

The network reads the solution itself (a bit, a category's indicator, an item-at-position
indicator: :meth:`Space.one_hot`), not random keys, so its input gradient points at changes of the
solution. The extraction moves per-variable logits: bits and categories through a softmax over
their values, a permutation through Sinkhorn normalisation of an item x position matrix; it rounds
by argmax, or by an assignment (the Hungarian method) on the Sinkhorn matrix.

Each round: fit the ensemble (each member on a bootstrap of the evaluated solutions), start
candidates from the best evaluated solutions and from random relaxed points, give each candidate
one ensemble member (Thompson sampling: a draw from the ensemble's spread), take gradient steps
that lower that member's prediction, round, rank the rounded candidates by their member's
prediction and evaluate the best new ones. The warm-up (max(8, budget/10) uniform solutions), the
width of the networks and the number of steps grow with the budget, so the loop runs from the
first tens of evaluations.

Two controls run the same loop: ``network-random-step`` replaces each gradient step by a random
direction of the same length (the model still ranks the candidates), and ``no-model`` fits no
model and takes no step: its candidates are the noisy starts, rounded, in random order. A
rounded candidate already evaluated is moved to a new neighbour (:meth:`Space.mutate`).
torch is imported only when a rule runs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nnopt.problems.spaces import Binary, Categorical, LeafSpace, Permutation
from nnopt.solver.blackbox.evaluator import Evaluator
from nnopt.solver.blackbox.methods import SearchRule, batch_size, register_rule

if TYPE_CHECKING:
    import torch

__all__ = ["Ensemble", "ModelLoop", "RELAXATIONS"]

#: logit of a start's chosen value (its softmax weight is then ~0.9 against one other value)
START_SCALE = 2.0
#: Sinkhorn normalisations per relaxed permutation
SINKHORN_ITERATIONS = 20
#: ensemble members
MEMBERS = 5
#: full-batch epochs of the first fit, and of each refit (warm-started from the last round's weights)
FIRST_FIT_EPOCHS = 300
REFIT_EPOCHS = 100
#: logit of a cell that does not exist (a category beyond a variable's count)
ABSENT = -1e4


class Relaxation:
    """A leaf's continuous stand-in: logits of its ``variables x values`` cells."""

    def __init__(self, leaf: LeafSpace) -> None:
        self.leaf = leaf
        self.allowed = leaf.allowed()
        self.features = leaf.feature_cells()

    def logits_of(self, codes: np.ndarray) -> np.ndarray:
        """(k, variables, values) logits whose rounding gives ``codes``."""
        logits = START_SCALE * self.leaf.cells(codes).astype(np.float64)
        logits[:, ~self.allowed] = ABSENT
        return logits

    def relax(self, logits: torch.Tensor) -> torch.Tensor:
        """(k, variables, values) logits -> (k, features) relaxed features."""
        raise NotImplementedError

    def round(self, logits: np.ndarray) -> np.ndarray:
        """(k, variables, values) logits -> (k, code_size) codes."""
        raise NotImplementedError


class Independent(Relaxation):
    """Bits and categories: a softmax over each variable's values; rounding takes the argmax."""

    def relax(self, logits: torch.Tensor) -> torch.Tensor:
        import torch

        mask = torch.as_tensor(self.allowed)
        probs = torch.softmax(logits.masked_fill(~mask, ABSENT), dim=-1)
        return probs[:, torch.as_tensor(self.features)]

    def round(self, logits: np.ndarray) -> np.ndarray:
        return np.where(self.allowed[None], logits, -np.inf).argmax(axis=2).astype(np.int64)


class Sinkhorn(Relaxation):
    """A permutation: item x position logits made doubly stochastic; rounding solves the assignment."""

    def relax(self, logits: torch.Tensor) -> torch.Tensor:
        log_p = logits
        for _ in range(SINKHORN_ITERATIONS):
            log_p = log_p - log_p.logsumexp(dim=2, keepdim=True)
            log_p = log_p - log_p.logsumexp(dim=1, keepdim=True)
        return log_p.exp().reshape(len(logits), -1)

    def round(self, logits: np.ndarray) -> np.ndarray:
        from scipy.optimize import linear_sum_assignment

        codes = np.empty((len(logits), self.leaf.code_size), dtype=np.int64)
        for i, m in enumerate(logits):
            items, positions = linear_sum_assignment(-m)
            codes[i, items] = positions
        return codes


#: leaf space type -> its relaxation (a new leaf type adds its own here)
RELAXATIONS: dict[type[LeafSpace], type[Relaxation]] = {
    Binary: Independent, Categorical: Independent, Permutation: Sinkhorn,
}


class Ensemble:
    """``MEMBERS`` MLPs [features -> hidden -> hidden -> 1] held as stacked weights, trained together."""

    def __init__(self, n_in: int, hidden: int, gen: torch.Generator) -> None:
        import torch

        def layer(fan_in: int, shape: tuple[int, ...]) -> torch.Tensor:
            bound = 1.0 / np.sqrt(fan_in)
            return ((torch.rand(shape, generator=gen) * 2 - 1) * bound).requires_grad_()

        m = MEMBERS
        self.w1, self.b1 = layer(n_in, (m, n_in, hidden)), layer(n_in, (m, hidden))
        self.w2, self.b2 = layer(hidden, (m, hidden, hidden)), layer(hidden, (m, hidden))
        self.w3, self.b3 = layer(hidden, (m, hidden)), layer(hidden, (m,))
        self.params = [self.w1, self.b1, self.w2, self.b2, self.w3, self.b3]
        self.optimiser = torch.optim.Adam(self.params, lr=3e-3, weight_decay=1e-4)
        self.gen = gen

    def predict_all(self, x: torch.Tensor) -> torch.Tensor:
        """(n, features) -> (members, n)."""
        import torch.nn.functional as F  # noqa: N812

        h = F.silu(x @ self.w1 + self.b1[:, None])
        h = F.silu(h @ self.w2 + self.b2[:, None])
        return (h @ self.w3[:, :, None])[:, :, 0] + self.b3[:, None]

    def predict(self, x: torch.Tensor, members: torch.Tensor) -> torch.Tensor:
        """(c, features) and one member per row -> (c,) that member's predictions."""
        import torch.nn.functional as F  # noqa: N812

        h = F.silu((x[:, None] @ self.w1[members])[:, 0] + self.b1[members])
        h = F.silu((h[:, None] @ self.w2[members])[:, 0] + self.b2[members])
        return (h * self.w3[members]).sum(dim=1) + self.b3[members]

    def fit(self, x: torch.Tensor, y: torch.Tensor, epochs: int) -> None:
        """Full-batch steps, each member weighting the solutions by its own bootstrap draw."""
        import torch

        weights = torch.poisson(torch.ones((MEMBERS, len(y))), generator=self.gen)
        weights = weights / weights.sum(dim=1, keepdim=True).clamp_min(1.0)
        for _ in range(epochs):
            self.optimiser.zero_grad()
            loss = (weights * (self.predict_all(x) - y[None]) ** 2).sum()
            loss.backward()
            self.optimiser.step()


def standardised(values: np.ndarray) -> np.ndarray:
    """Values as z-scores; a rejected solution (+inf) counts as a little worse than the worst finite one."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return np.zeros_like(values)
    spread = float(finite.std()) or 1.0
    filled = np.where(np.isfinite(values), values, finite.max() + spread)
    return (filled - filled.mean()) / (filled.std() or 1.0)


class ModelLoop(SearchRule):
    """The loop of the module's docstring; ``step`` is "gradient", "random" (same length) or "none"."""

    def __init__(self, name: str, description: str, step: str) -> None:
        self.name = name
        self.description = description
        self.step = step

    def run(self, ev: Evaluator, rng: np.random.Generator) -> None:
        import torch

        # the networks are small: one thread is several times faster than a pool that has to
        # share the cores (measured 4 ms against 33 ms per fitting epoch on a busy 2-core machine)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            self._loop(ev, rng)
        finally:
            torch.set_num_threads(threads)

    def _loop(self, ev: Evaluator, rng: np.random.Generator) -> None:
        import torch

        space = ev.space
        budget = ev.max_evals
        gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
        warm = max(8, budget // 10)
        while ev.n_evals < warm:
            ev.evaluate(space.sample_codes(rng, warm - ev.n_evals))
        q = batch_size(budget)
        n_cand = 4 * q
        hidden = 32 if budget <= 200 else 64
        steps = int(np.clip(budget // 20, 5, 25))
        leaves = space.leaves
        relaxations = [RELAXATIONS[type(leaf)](leaf) for leaf, _ in leaves]
        n_variables = sum(leaf.code_size for leaf, _ in leaves)
        eta = 3.0 * np.sqrt(n_variables) / steps
        uses_model = self.step != "none"
        model: Ensemble | None = None
        while True:
            if uses_model:
                x = torch.as_tensor(space.one_hot(np.stack(ev.trace.codes)))
                y = torch.as_tensor(standardised(np.asarray(ev.trace.values)), dtype=torch.float32)
                epochs = REFIT_EPOCHS
                if model is None:
                    model, epochs = Ensemble(space.feature_size, hidden, gen), FIRST_FIT_EPOCHS
                model.fit(x, y, epochs)
            logits = self._starts(ev, relaxations, rng, n_cand, q)
            members = torch.as_tensor(rng.integers(MEMBERS, size=n_cand))
            if self.step != "none":
                logits = self._steps(logits, relaxations, model, members, steps, eta, rng)
            codes = np.concatenate([r.round(lg) for r, lg in zip(relaxations, logits)], axis=1)
            if model is not None:
                with torch.no_grad():
                    scores = model.predict(torch.as_tensor(space.one_hot(codes)), members).numpy()
                order = np.argsort(scores, kind="stable")
            else:
                order = rng.permutation(n_cand)
            batch = self._new(ev, codes[order], q, rng)
            if not len(batch):
                batch = space.sample_codes(rng, q)
            ev.evaluate(batch)

    @staticmethod
    def _starts(ev: Evaluator, relaxations: list[Relaxation], rng: np.random.Generator, n_cand: int,
                q: int) -> list[np.ndarray]:
        """Half the candidates start near the best evaluated solutions, half at random relaxed points."""
        top = ev.best(max(2, q))
        n_top = n_cand // 2
        starts = top[np.arange(n_top) % len(top)]
        out = []
        for r, (leaf, off) in zip(relaxations, ev.space.leaves):
            near = r.logits_of(starts[:, off:off + leaf.code_size])
            far = np.zeros((n_cand - n_top, *near.shape[1:]))
            lg = np.concatenate([near, far]) + rng.normal(0.0, 1.0, size=(n_cand, *near.shape[1:]))
            lg[:, ~r.allowed] = ABSENT
            out.append(lg)
        return out

    def _steps(self, logits: list[np.ndarray], relaxations: list[Relaxation], model: Ensemble | None,
               members: torch.Tensor, steps: int, eta: float, rng: np.random.Generator) -> list[np.ndarray]:
        """``steps`` moves of length ``eta`` per candidate: down its member's gradient, or in a random direction."""
        import torch

        params = [torch.as_tensor(lg, dtype=torch.float32).requires_grad_() for lg in logits]
        masks = [torch.as_tensor(r.allowed) for r in relaxations]
        for _ in range(steps):
            if self.step == "gradient":
                assert model is not None
                feats = torch.cat([r.relax(p) for r, p in zip(relaxations, params)], dim=1)
                grads = torch.autograd.grad(model.predict(feats, members).sum(), params)
            else:
                grads = tuple(torch.as_tensor(rng.normal(size=tuple(p.shape)), dtype=torch.float32) for p in params)
            grads = tuple(g * m for g, m in zip(grads, masks))
            norm = torch.sqrt(torch.stack([(g.reshape(len(g), -1) ** 2).sum(dim=1) for g in grads]).sum(dim=0))
            norm = norm.clamp_min(1e-12)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p -= eta * g / norm.reshape(-1, *([1] * (g.dim() - 1)))
        return [p.detach().double().numpy() for p in params]

    @staticmethod
    def _new(ev: Evaluator, ranked: np.ndarray, q: int, rng: np.random.Generator) -> np.ndarray:
        """The first ``q`` distinct unevaluated codes of ``ranked``, an evaluated one moved to a new neighbour."""
        picked: list[np.ndarray] = []
        keys: set[bytes] = set()
        for code in ranked:
            for _ in range(20):
                if not ev.seen(code) and code.tobytes() not in keys:
                    break
                code = ev.space.mutate(code, rng)
            else:
                continue
            picked.append(code)
            keys.add(code.tobytes())
            if len(picked) == q:
                break
        return np.array(picked, dtype=np.int64).reshape(-1, ev.space.code_size)


def _register() -> None:
    register_rule(ModelLoop("network", "an ensemble of small networks scores solutions; candidates come from "
                                       "gradient steps on a relaxed solution (Thompson sampling)", "gradient"))
    register_rule(ModelLoop("network-random-step", "the network loop with each gradient step replaced by a "
                                                   "random step of the same length", "random"))
    register_rule(ModelLoop("no-model", "the network loop's proposals without a model: noisy copies of the best "
                                        "solutions and random ones, rounded", "none"))


_register()
