"""The neural engine: learn a scorer from decoded encodings, extract new ones by input descent.

One loop, several configurations (:class:`~nnopt.solver.engine_config.EngineConfig`,
which composes one small config per loop: training, extraction, the share and
the rounds schedules; all in the ablation):

``search="none"`` — the project's founding idea as such: a replay buffer of random
    encodings, a scorer trained on it, extraction from the buffer's best and
    from fresh points, decode, add, repeat.
``search="local-search"`` / ``"cem"`` — the hybrid: the search component of
    :mod:`nnopt.solver.local_search` / :mod:`nnopt.solver.cem` runs as usual
    and trains the scorer for free with what it decodes; the network
    (a) *screens* the search's candidates (``screen`` times more are drawn,
    only the best predicted are decoded) and (b) *proposes* a share of each
    round's decodes by extraction from the search's current point.

``schedule="share"`` (``nnopt-cem`` and its kin; with ``search="cem"``) — the
    time-share hybrid: plain CEM runs generation after generation exactly as
    :func:`nnopt.solver.cem.cem` would (same seed, same random stream, same
    population), and between generations the network gets a *turn* (train on
    the buffer, extract ``proposals`` points from the buffer's best and from
    CEM samples) whenever its spending is below its share of the run. Only
    proposals the scorer predicts inside CEM's elite quantile of the current
    population are decoded; they replace the population's worst members, so a
    proposal changes CEM only if it truly enters the elite. The share is
    bounded (``share_min`` .. ``share_max``) and adaptive: it grows when a turn
    improves the incumbent, stays when a proposal enters the elite, shrinks
    otherwise. Spending is counted in seconds under a time limit and in
    decodes (a turn costs its ``proposals``) otherwise, so ``max_evals`` runs
    have no clock in the loop.
``schedule="rounds"`` — the older fixed hybrid: every round mixes screened
    search candidates and ``nn_share`` of extracted proposals.

``prescreen`` > 1 (share schedule) — CEM draws that many times its
    population and the scorer keeps the best-predicted ones (free in decodes,
    charged to the network's share under a time limit).
``scorer="set", pretrained=True`` — the amortised model: a set scorer that
    starts from the weights the problem ships (:mod:`nnopt.solver.pretrain`)
    and fine-tunes warm on the run's decodes.

``step="random"`` turns any configuration into its own control: every
extraction step is replaced by a random step of the same length
(:func:`nnopt.solver.extract.extract`), nothing else changes.

Determinism: with a ``max_evals`` budget (no clock in the loop) the result
depends only on the seed; torch runs single-threaded with deterministic
algorithms inside :func:`neural_search`.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from nnopt.problems.base import Problem
from nnopt.problems.capabilities import TokenFeatures
from nnopt.scorers import MLPScorer, ScorerTrainer, SetScorer
from nnopt.solver._budget import Budget
from nnopt.solver._buffer import ReplayBuffer
from nnopt.solver._evaluate import BudgetSpent, Evaluator
from nnopt.solver._incumbent import Incumbent, ProgressCallback, SearchResult
from nnopt.solver._tokens import token_context
from nnopt.solver.cem import CEMState
from nnopt.solver.engine_config import EngineConfig, TrainingConfig
from nnopt.solver.extract import BoxClamp, Conservative, Jitter, Regulariser, TrustRegion, extract
from nnopt.solver.local_search import LocalSearchState

__all__ = ["neural_search", "resolve_device", "token_context", "RoundLog", "merge_into_population",
           "warm_up"]

@dataclass
class RoundLog:
    """One line of ``--trace``: where the run stands after a round."""

    round: int
    evaluations: int
    seconds: float
    best_cost: float
    best_objective: float
    train_loss: float


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; ``cuda`` without one is an error."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' requested but no CUDA GPU is available (use --device auto or cpu)")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {device!r} (known: auto, cpu, cuda)")
    return device


@contextlib.contextmanager
def _torch_deterministic(seed: int) -> Iterator[None]:
    """Single-threaded, deterministic torch for the duration of a run; restored after."""
    threads = torch.get_num_threads()
    was_det = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(was_det)


def _build_scorer(cfg: TrainingConfig, problem: Problem, instance: Any, encoding: str | None,
                  d: int, device: str) -> torch.nn.Module:
    if cfg.scorer == "mlp":
        return MLPScorer(d, hidden=cfg.hidden, layers=2)
    ctx = token_context(problem, instance, encoding)
    if cfg.pretrained:
        from nnopt.solver.pretrain import load_scorer

        path = problem.pretrained_scorer(encoding) if isinstance(problem, TokenFeatures) else None
        if path is None:
            raise ValueError(f"problem {problem.name!r} ships no pre-trained scorer for encoding {encoding!r}")
        model = load_scorer(path, device)
    else:
        model = SetScorer(ctx.shape[1], hidden=max(8, cfg.hidden // 2))
    model.to(device)
    model.set_context(torch.as_tensor(ctx, device=device))
    return model


def warm_up(problem: Problem, instance: Any, encoding: str | None = None, device: str = "cpu") -> None:
    """Pay the one-off costs before a clock starts: torch's first training step and extraction, the decoder's load.

    A fresh process spends about a second on these (autograd, the optimiser,
    the cached Numba kernels); under a short ``--time-limit`` that second would
    otherwise be taken from the search.
    """
    device = resolve_device(device)
    with _torch_deterministic(0):
        d = problem.encoding_size(instance, encoding)
        X = problem.sample(instance, 8, np.random.default_rng(0), encoding)
        trainer = ScorerTrainer(MLPScorer(d, hidden=8, layers=1), batch_size=8, device=device)
        trainer.fit(X, np.arange(8, dtype=np.float64), 2)
        extract(torch.as_tensor(X, device=device), trainer, regularisers=[BoxClamp()], steps=1, lr=0.01)
    problem.decode(instance, X[:4], decoder=problem.search_decoders_for(encoding)[0], encoding=encoding)


def neural_search(
    problem: Problem,
    instance: Any,
    budget: Budget,
    config: EngineConfig | None = None,
    *,
    seed: int = 0,
    decoders: tuple[str, ...] | None = None,
    encoding: str | None = None,
    on_improve: ProgressCallback | None = None,
    on_round: Any = None,
) -> SearchResult:
    """Run the engine within ``budget``; Ctrl-C and the budget return the best solution so far.

    ``on_round(RoundLog)`` is called after every round (``--progress``, ``--trace``).
    """
    cfg = config or EngineConfig()
    device = resolve_device(cfg.device)
    best = Incumbent(problem, instance, on_improve)
    ev = Evaluator(problem, instance, budget, best, encoding)
    status = "budget"
    with _torch_deterministic(seed):
        rng = np.random.default_rng(seed)
        gen = torch.Generator().manual_seed(seed)
        d = problem.encoding_size(instance, encoding)
        tc = cfg.training
        trainer = ScorerTrainer(_build_scorer(tc, problem, instance, encoding, d, device), lr=tc.lr,
                                batch_size=tc.train_batch, conservative=tc.conservative, device=device, seed=seed)
        buffer = ReplayBuffer(d, capacity=tc.buffer)
        loop = _Loop(cfg, problem, instance, ev, buffer, trainer, rng, gen, device, d, seed)
        try:
            loop.run(tuple(decoders or problem.search_decoders_for(encoding)), on_round)
        except BudgetSpent:
            status = "optimal" if ev.optimal else "budget"
        except KeyboardInterrupt:
            status = "interrupted"
    res = best.result(budget.evals, budget.elapsed, status)
    res.info = {"schedule_units": "seconds" if budget.time_limit is not None else "decodes", **loop.stats}
    return res


@dataclass
class _Population:
    X: np.ndarray
    screened: bool


class _Loop:
    """The rounds of :func:`neural_search`; state lives here so the function reads like the picture."""

    def __init__(self, cfg: EngineConfig, problem: Problem, instance: Any, ev: Evaluator, buffer: ReplayBuffer,
                 trainer: ScorerTrainer, rng: np.random.Generator, gen: torch.Generator, device: str,
                 d: int, seed: int = 0) -> None:
        self.cfg, self.problem, self.instance, self.ev = cfg, problem, instance, ev
        self.buffer, self.trainer, self.rng, self.gen, self.device, self.d = buffer, trainer, rng, gen, device, d
        self.trained = cfg.training.pretrained  # pre-trained weights rank solutions before any decode of this instance
        self.round = 0
        # the network's own random stream: the search component's stream (self.rng) stays that of
        # the search alone, so a turn that changes nothing leaves the search bit-identical
        self.nn_rng = np.random.default_rng([seed, 1])
        self.stats: dict[str, float] = {"turns": 0, "proposed": 0, "decoded": 0, "elite": 0, "improved": 0,
                                        "nn_spent": 0.0, "search_spent": 0.0, "share": cfg.share.share}

    # -------------------------------------------------------------- helpers
    def _evaluate(self, X: np.ndarray, decoder: str) -> tuple[np.ndarray, np.ndarray]:
        Xu, costs = self.ev.evaluate(X, decoder)
        self.buffer.add(Xu, costs)
        return Xu, costs

    def _predict(self, X: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.trainer(torch.as_tensor(X, device=self.device)).cpu().numpy()

    def _train(self) -> None:
        if len(self.buffer) >= min(self.cfg.training.warmup, 64) and self.round % self.cfg.training.train_every == 0:
            self.trainer.fit(self.buffer.X, self.buffer.y, self.cfg.training.train_steps)
            self.trained = True

    def _regularisers(self, anchors: np.ndarray | None) -> list[Regulariser]:
        ec = self.cfg.extraction
        regs: list[Regulariser] = []
        if ec.jitter > 0:
            regs.append(Jitter(ec.jitter))
        if ec.trust_radius > 0:
            a = None if anchors is None else torch.as_tensor(anchors, device=self.device)
            regs.append(TrustRegion(radius=ec.trust_radius, anchors=a))
        if ec.cap_margin is not None:
            regs.append(Conservative(margin=ec.cap_margin))
        regs.append(BoxClamp())
        return regs

    def _extract(self, starts: np.ndarray, anchors: np.ndarray | None = None) -> np.ndarray:
        if len(starts) == 0 or not self.trained:
            return starts
        ec = self.cfg.extraction
        res = extract(torch.as_tensor(starts, device=self.device), self.trainer,
                      regularisers=self._regularisers(anchors), optimiser="signsgd" if ec.topk else "adam",
                      lr=ec.lr, steps=ec.steps, step=ec.step, topk=ec.topk, generator=self.gen)
        return res.x.cpu().numpy().astype(np.float32)

    def _screen(self, candidates: np.ndarray, keep: int) -> np.ndarray:
        if self.cfg.rounds.screen <= 1 or not self.trained or len(candidates) <= keep:
            return candidates[:keep]
        pred = self._predict(candidates)
        return candidates[np.argsort(pred, kind="stable")[:keep]]

    def _log(self, on_round: Any) -> None:
        self.round += 1
        if on_round is not None:
            inc, b = self.ev.incumbent, self.ev.budget
            on_round(RoundLog(self.round, b.evals, b.elapsed, inc.cost, inc.objective, self.trainer.last_loss))

    # -------------------------------------------------------------- loops
    def run(self, decoders: tuple[str, ...], on_round: Any) -> None:
        x, decoder, cost = self.ev.best_start(decoders, self.rng)
        self.buffer.add(x[None, :], np.array([cost]))
        if self.cfg.search == "none":
            self._run_plain(decoder, on_round)
        elif self.cfg.search == "cem" and self.cfg.schedule == "share":
            self._run_shared(CEMState(x, decoder), on_round)
        elif self.cfg.search == "local-search":
            self._run_hybrid(LocalSearchState(x, cost, decoder), on_round)
        else:
            self._run_hybrid(CEMState(x, decoder), on_round)

    def _run_plain(self, decoder: str, on_round: Any) -> None:
        """The seed's loop: random data, then extraction from the best and from fresh points."""
        batch = self.cfg.rounds.batch
        while len(self.buffer) < self.cfg.training.warmup:
            self._evaluate(self.problem.sample(self.instance, batch, self.rng), decoder)
        while True:
            self._train()
            half = batch // 2
            starts = np.concatenate([self.buffer.best(half),
                                     self.problem.sample(self.instance, batch - half, self.rng)])
            self._evaluate(self._extract(starts, anchors=None), decoder)
            self._log(on_round)

    def _run_hybrid(self, state: LocalSearchState | CEMState, on_round: Any) -> None:
        """The search runs as it would alone; the network screens its candidates and proposes extras."""
        cfg = self.cfg.rounds
        n_nn = int(round(cfg.nn_share * cfg.batch))
        n_search = cfg.batch - n_nn
        while True:
            self._train()
            if self.trained:
                search = self._screen(state.propose(n_search * cfg.screen, self.rng), n_search)
                starts = state.propose(n_nn, self.rng)
                proposals = self._extract(starts, anchors=None)
                X = np.concatenate([search, proposals])
            else:
                X = state.propose(cfg.batch, self.rng)
            Xu, costs = self._evaluate(X, state.decoder)
            if isinstance(state, LocalSearchState):
                state.accept(Xu, costs)
            else:
                state.update(Xu, costs)
            self._log(on_round)

    # -------------------------------------------------------------- the time-share scheduler
    def _run_shared(self, state: CEMState, on_round: Any) -> None:
        """CEM as it runs alone; the network takes a turn whenever it is below its share of the run."""
        cfg, budget, warmup = self.cfg.share, self.ev.budget, self.cfg.training.warmup
        clock = budget.time_limit is not None  # seconds only under a time limit: max_evals runs stay clock-free
        share, spent_nn, spent_search = cfg.share, 0.0, 0.0
        while True:
            within = spent_nn <= share * (spent_nn + spent_search)
            t0 = time.perf_counter() if clock else 0.0
            P = self._population(state, screen=within or not clock)
            if clock and P.screened:  # forward passes are the network's spending, not the search's
                spent_nn += time.perf_counter() - t0
                t0 = time.perf_counter()
            X, costs = self._evaluate(P.X, state.decoder)
            spent_search += time.perf_counter() - t0 if clock else len(X)
            if len(self.buffer) >= warmup and len(X) == cfg.population \
                    and spent_nn <= share * (spent_nn + spent_search):
                t0 = time.perf_counter() if clock else 0.0
                X, costs, outcome = self._turn(state, X, costs)
                turn = time.perf_counter() - t0 if clock else cfg.proposals
                spent_nn += turn
                self.stats["longest_turn"] = max(self.stats.get("longest_turn", 0.0), turn)
                if cfg.adapt:
                    if outcome == "improved":
                        share = min(cfg.share_max, share * 1.5)
                    elif outcome != "elite":
                        share = max(cfg.share_min, share * 0.8)
            self.stats.update(nn_spent=spent_nn, search_spent=spent_search, share=share)
            state.update(X, costs)
            self._log(on_round)

    def _population(self, state: CEMState, screen: bool) -> _Population:
        """CEM's next population; with ``prescreen`` > 1 the scorer picks it from a larger draw.

        Screening spends no decodes, only forward passes: under ``max_evals`` it
        runs every generation (the network's cheapest way to help at equal
        decodes); under a time limit its seconds count as the network's, so it
        runs only while the network is within its share (``screen``).
        """
        cfg = self.cfg.share
        if cfg.prescreen <= 1 or not self.trained or not screen:
            return _Population(state.propose(cfg.population, self.rng), False)
        C = state.propose(cfg.population * cfg.prescreen, self.rng)
        self.stats["screened"] = self.stats.get("screened", 0) + len(C)
        return _Population(C[np.sort(np.argsort(self._predict(C), kind="stable")[: cfg.population])], True)

    def _turn(self, state: CEMState, X: np.ndarray, costs: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
        """Train, extract, decode the proposals predicted in the elite quantile, merge them into the population.

        Returns the population to update CEM with and the outcome: ``"improved"``
        (a proposal beat the incumbent), ``"elite"`` (one entered CEM's elite),
        ``"decoded"`` or ``"none"`` (nothing predicted good enough).
        """
        cfg, st = self.cfg.share, self.stats
        before = self.ev.incumbent.cost
        self.trainer.fit(self.buffer.X, self.buffer.y, self.cfg.training.train_steps)
        self.trained = True
        half = cfg.proposals // 2
        starts = np.concatenate([self.buffer.best(half), state.propose(cfg.proposals - half, self.nn_rng)])
        P = self._extract(starts, anchors=None)
        k = state.elite_count(len(X))
        threshold = np.sort(self._predict(X))[k - 1]  # the scorer's own elite quantile of this population
        keep = P[self._predict(P) <= threshold][: len(X) - k]
        st["turns"] += 1
        st["proposed"] += len(P)
        if len(keep) == 0:
            return X, costs, "none"
        Pu, pc = self._evaluate(keep, state.decoder)
        st["decoded"] += len(Pu)
        elite_cost = float(np.sort(costs, kind="stable")[k - 1])
        X2, c2 = merge_into_population(X, costs, Pu, pc)
        if float(pc.min()) < before - 1e-12:
            st["improved"] += 1
            st["elite"] += 1
            return X2, c2, "improved"
        if float(pc.min()) < elite_cost:
            st["elite"] += 1
            return X2, c2, "elite"
        return X2, c2, "decoded"


def merge_into_population(X: np.ndarray, costs: np.ndarray, P: np.ndarray,
                          pc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Proposals ``P`` (true costs ``pc``) replace the worst ``len(P)`` members of a population.

    The population's own rows come first, in their order, so with a stable sort
    a proposal that is not strictly better than the population's elite leaves
    the elite — and hence CEM's update — bit-identical.
    """
    if len(P) == 0:
        return X, costs
    if len(P) >= len(X):
        raise ValueError(f"{len(P)} proposals cannot replace a population of {len(X)}")
    survivors = np.sort(np.argsort(costs, kind="stable")[: len(X) - len(P)])
    return np.concatenate([X[survivors], P]), np.concatenate([costs[survivors], pc])
