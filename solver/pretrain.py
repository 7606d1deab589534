"""Pre-train the set scorer across generated instances: knowledge a run starts with.

The per-instance MLP of :mod:`nnopt.solver.engine` starts every run knowing
nothing, and the few hundred decodes it sees before its first turn are too few
to learn a rugged decoder. The :class:`~nnopt.scorers.SetScorer` sees every
coordinate through its *context* (what the problem says about the item: its
sizes, its ranks), not its id, so its weights transfer between instances. Here
it is shown many generated instances of a problem, with encodings drawn the way
CEM draws them (Gaussian clouds around the heuristic starts, then around the
best sample found), and regresses their costs.

Targets are z-scored per instance, exactly as :class:`~nnopt.scorers.ScorerTrainer`
standardises a run's buffer, so a pre-trained network starts a run predicting
*relative* quality on an instance it has never seen, and fine-tunes warm from
there. Everything goes through the contract; which instances to show is the
caller's choice (a problem-specific script generates them).

Weights files are plain ``torch.save`` dictionaries (``format``, ``context_dim``,
``hidden``, ``state_dict``, ``meta``) loaded with ``weights_only=True``.
"""
from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from nnopt.problems._files import atomic_write_bytes
from nnopt.problems.base import Problem
from nnopt.problems.capabilities import TokenFeatures
from nnopt.scorers import SetScorer
from nnopt.solver._evaluate import start_encodings
from nnopt.solver._tokens import CONTEXT_WIDTH, token_context

__all__ = ["PretrainConfig", "InstanceSamples", "sample_instance", "pretrain_set_scorer", "rank_correlation",
           "save_scorer", "load_scorer", "WEIGHTS_FORMAT", "offers_token_features", "pretrain_problem"]

WEIGHTS_FORMAT = "nnopt-set-scorer-1"


@dataclass(frozen=True)
class PretrainConfig:
    """How much to show the network; the defaults are what the shipped weights used."""

    samples: int = 512                              # decoded encodings per instance
    sigmas: tuple[float, ...] = (0.01, 0.03, 0.08, 0.2)  # spreads of the clouds (CEM starts at 0.08)
    uniform: float = 0.05                           # share of uniform random encodings
    steps: int = 3000                               # minibatch updates
    batch: int = 64                                 # rows per update (all from one instance)
    hidden: int = 32
    lr: float = 3e-3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.samples < 8 or self.steps <= 0 or self.batch <= 0 or self.hidden <= 0 or not self.sigmas:
            raise ValueError(f"need samples >= 8, positive steps/batch/hidden and some sigmas; got {self}")
        if not 0 <= self.uniform < 1:
            raise ValueError(f"uniform share must be in [0, 1), got {self.uniform}")


@dataclass
class InstanceSamples:
    """One instance's training data: token context, encodings and z-scored costs."""

    name: str
    context: np.ndarray  # (d, CONTEXT_WIDTH)
    X: np.ndarray        # (m, d) float32
    z: np.ndarray        # (m,) float32, per-instance z-scores of the cost
    decoder: str


def _best_start(problem: Problem, instance: Any, decoders: Sequence[str],
                encoding: str | None) -> tuple[np.ndarray, str, np.ndarray]:
    """The heuristic encodings, the decoder that does best on them, and its best row (as the engine starts)."""
    H = start_encodings(problem, instance, encoding, np.random.default_rng(0))
    best: tuple[float, str, int] = (np.inf, decoders[0], 0)
    for decoder in decoders:
        costs = problem.cost(instance, problem.decode(instance, H, decoder=decoder, encoding=encoding))
        i = int(np.argmin(costs))
        if costs[i] < best[0]:
            best = (float(costs[i]), decoder, i)
    return np.asarray(H, dtype=np.float32), best[1], np.asarray(H[best[2]], dtype=np.float32)


def _clouds(centres: np.ndarray, count: int, cfg: PretrainConfig, rng: np.random.Generator) -> np.ndarray:
    """``count`` points: each a random centre plus Gaussian noise of a random spread, clipped to the box."""
    pick = rng.integers(0, len(centres), count)
    sig = np.asarray(cfg.sigmas, dtype=np.float64)[rng.integers(0, len(cfg.sigmas), count)]
    X = centres[pick] + sig[:, None] * rng.standard_normal((count, centres.shape[1]))
    return np.clip(X, 0.0, 1 - 1e-6).astype(np.float32)


def sample_instance(problem: Problem, instance: Any, cfg: PretrainConfig, rng: np.random.Generator, *,
                    encoding: str | None = None, decoders: Sequence[str] | None = None) -> InstanceSamples:
    """Decode ``cfg.samples`` encodings of one instance, drawn where CEM would look.

    Half around the heuristic starts (the best one weighted as much as all the
    others), half around the best few found in that first half — a second
    "generation" — plus a small uniform share. Decoded with the decoder the
    engine would pick (the best on the heuristic encodings).
    """
    decs = tuple(decoders or problem.search_decoders_for(encoding))
    H, decoder, x0 = _best_start(problem, instance, decs, encoding)
    n_uniform = int(round(cfg.uniform * cfg.samples))
    n_first = (cfg.samples - n_uniform) // 2
    centres = np.concatenate([H, np.repeat(x0[None, :], max(1, len(H)), axis=0)])
    X1 = np.concatenate([H, _clouds(centres, max(0, n_first - len(H)), cfg, rng)])
    c1 = problem.cost(instance, problem.decode(instance, X1, decoder=decoder, encoding=encoding))
    elite = X1[np.argsort(c1, kind="stable")[:8]]
    X2 = np.concatenate([_clouds(elite, cfg.samples - n_uniform - len(X1), cfg, rng),
                         problem.sample(instance, n_uniform, rng, encoding)])
    c2 = problem.cost(instance, problem.decode(instance, X2, decoder=decoder, encoding=encoding))
    X = np.concatenate([X1, X2]).astype(np.float32)
    y = np.concatenate([c1, c2]).astype(np.float64)
    z = ((y - y.mean()) / max(float(y.std()), 1e-6)).astype(np.float32)
    return InstanceSamples(problem.instance_name(instance), token_context(problem, instance, encoding), X, z, decoder)


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho (average ranks for ties); 0 when either side is constant."""
    ra, rb = _average_ranks(np.asarray(a, dtype=np.float64)), _average_ranks(np.asarray(b, dtype=np.float64))
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def _average_ranks(v: np.ndarray) -> np.ndarray:
    order = np.argsort(v, kind="stable")
    ranks = np.empty(len(v), dtype=np.float64)
    ranks[order] = np.arange(len(v), dtype=np.float64)
    _, inverse, counts = np.unique(v, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return (sums / counts)[inverse]


def _predict(model: SetScorer, data: InstanceSamples) -> np.ndarray:
    model.set_context(torch.as_tensor(data.context))
    with torch.no_grad():
        return model(torch.as_tensor(data.X)).numpy()


def pretrain_set_scorer(
    train: Sequence[InstanceSamples],
    cfg: PretrainConfig,
    *,
    held_out: Sequence[InstanceSamples] = (),
    on_step: Callable[[int, float], None] | None = None,
) -> tuple[SetScorer, dict[str, Any]]:
    """Fit one :class:`SetScorer` to many instances' samples; returns it and a report.

    Every minibatch comes from one instance (the context is per instance). The
    report holds the loss curve and, per held-out instance, the rank correlation
    of the untouched pre-trained predictions with the true costs — the honest
    measure of what the network knows about an instance it has never seen.
    """
    if not train:
        raise ValueError("pretraining needs at least one instance's samples")
    torch.manual_seed(cfg.seed)
    gen = np.random.default_rng(cfg.seed)
    model = SetScorer(CONTEXT_WIDTH, hidden=cfg.hidden)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=1e-5)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.steps, eta_min=cfg.lr * 0.05)
    contexts = [torch.as_tensor(s.context) for s in train]
    losses: list[float] = []
    model.train()
    for step in range(cfg.steps):
        i = int(gen.integers(0, len(train)))
        rows = gen.integers(0, len(train[i].X), min(cfg.batch, len(train[i].X)))
        model.set_context(contexts[i])
        loss = nn.functional.mse_loss(model(torch.as_tensor(train[i].X[rows])), torch.as_tensor(train[i].z[rows]))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if on_step is not None:
            on_step(step, losses[-1])
    model.eval()
    report: dict[str, Any] = {
        "config": asdict(cfg),
        "instances": len(train),
        "loss_first_100": float(np.mean(losses[:100])),
        "loss_last_100": float(np.mean(losses[-100:])),
        "train_rho": [rank_correlation(_predict(model, s), s.z) for s in train[: min(20, len(train))]],
        "held_out_rho": {s.name: rank_correlation(_predict(model, s), s.z) for s in held_out},
    }
    return model, report


def offers_token_features(problem: Problem) -> bool:
    """Whether ``problem`` has the TokenFeatures capability (what a set scorer reads per coordinate).

    Without it the context falls back to the heuristic encodings' ranks, which on a
    problem with few or no heuristic encodings says nothing that transfers between
    instances: pre-training is refused rather than shipping weights that know nothing.
    """
    return isinstance(problem, TokenFeatures)


def pretrain_problem(
    problem: Problem,
    train: Sequence[Any],
    cfg: PretrainConfig,
    *,
    held_out: Sequence[Any] = (),
    out: str | Path | None = None,
    meta: dict[str, Any] | None = None,
    encoding: str | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> tuple[SetScorer, dict[str, Any], list[InstanceSamples]]:
    """Sample ``train`` instances, fit the set scorer, and write it to ``out`` when given.

    Any problem with ``token_features`` (``nnopt pretrain PROBLEM``); returns the
    model, :func:`pretrain_set_scorer`'s report and the held-out samples (for
    further measures). The file is what the problem's ``pretrained_scorer`` returns.
    """
    if not offers_token_features(problem):
        raise ValueError(f"problem {problem.name!r} lacks the TokenFeatures capability (token_features); "
                         "the set scorer needs per-coordinate features to pre-train")
    rng = np.random.default_rng(cfg.seed)
    samples = [sample_instance(problem, inst, cfg, rng, encoding=encoding) for inst in train]
    held = [sample_instance(problem, inst, cfg, rng, encoding=encoding) for inst in held_out]
    model, report = pretrain_set_scorer(samples, cfg, held_out=held, on_step=on_step)
    if out is not None:
        save_scorer(model, out, meta={"problem": problem.name, "encoding": encoding or problem.encodings[0],
                                      **(meta or {})})
    return model, report, held


def save_scorer(model: SetScorer, path: str | Path, meta: dict[str, Any] | None = None) -> None:
    """Write the weights atomically (a half-written file never replaces a good one)."""
    buf = io.BytesIO()
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    torch.save({"format": WEIGHTS_FORMAT, "context_dim": model.context_dim, "hidden": model.hidden,
                "state_dict": state, "meta": meta or {}}, buf)
    atomic_write_bytes(Path(path), buf.getvalue())


def load_scorer(path: str | Path, device: str | torch.device = "cpu") -> SetScorer:
    """A :class:`SetScorer` from a weights file; a clear error for anything else."""
    try:
        blob = torch.load(Path(path), map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path}: cannot read scorer weights ({first})") from exc
    if not isinstance(blob, dict) or blob.get("format") != WEIGHTS_FORMAT:
        raise ValueError(f"{path}: not an nnopt set-scorer weights file (format {WEIGHTS_FORMAT!r} expected)")
    model = SetScorer(int(blob["context_dim"]), hidden=int(blob["hidden"]))
    model.load_state_dict(blob["state_dict"])
    model.eval()
    return model.to(device)
