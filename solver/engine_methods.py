"""The neural engine's configurations as methods (``nnopt``, ``nnopt-set``, ... and their controls).

This module stays free of torch: the engine (``nnopt.solver.engine``) is
imported inside ``run``, so listing methods or running a no-network method never
pays for it. A network's start-up (torch's import, the first training step) is
charged to the run's own budget; when the time left cannot pay for it, the
method runs its search alone and says so in the result's notes.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from nnopt.problems.base import Problem
from nnopt.problems.capabilities import TokenFeatures, needs
from nnopt.solver._budget import Budget
from nnopt.solver._incumbent import ProgressCallback, SearchResult
from nnopt.solver._method import Method, RunContext
from nnopt.solver._method_registry import register_method
from nnopt.solver.cem import cem
from nnopt.solver.engine_config import EngineConfig, ExtractionConfig, RoundsConfig, ShareConfig, TrainingConfig
from nnopt.solver.local_search import local_search
from nnopt.solver.random_search import random_key_search

__all__ = ["ENGINE_CONFIGS", "EngineMethod", "NETWORK_START_UP_S"]

#: Seconds a fresh process spends before a network can help: importing torch and the
#: engine (2.4-4.8 s on the shared development machine), then one training step and one
#: extraction (1-2 s quiet, up to 7 s under load). With torch imported only the warm-up is left.
NETWORK_START_UP_S = 4.5
_WARM_START_UP_S = 1.0
#: The network runs only when the time left is at least this multiple of its start-up;
#: it is asked twice: before importing torch, and again before the warm-up.
START_UP_MULTIPLE = 2.0

#: The set model's training: fewer, smaller minibatches (attention over items is the costly part).
_SET_TRAINING = TrainingConfig(scorer="set", train_steps=8, train_batch=64)

#: name -> (description, engine configuration, encoding (None: the problem's default));
#: each also runs with ``step=random`` (its ``-control``).
ENGINE_CONFIGS: dict[str, tuple[str, EngineConfig, str | None]] = {
    "nnopt-cem": ("CEM on the keys; a per-instance MLP with a bounded share proposes points by extraction",
                  EngineConfig(), None),
    "nnopt-rounds": ("the older CEM hybrid: each round the MLP screens CEM and proposes a quarter",
                     EngineConfig(schedule="rounds"), None),
    "nnopt-ls": ("local search whose candidates the MLP screens and whose moves it proposes",
                 EngineConfig(search="local-search", schedule="rounds"), None),
    "nnopt-set": ("as nnopt-cem with a permutation-invariant set model (attention over items)",
                  EngineConfig(training=_SET_TRAINING), None),
    "nnopt-amortised": ("as nnopt-set, pre-trained on generated instances (shipped weights), screening CEM",
                        EngineConfig(training=replace(_SET_TRAINING, pretrained=True), share=ShareConfig(prescreen=4)),
                        None),
    "nnopt-screen": ("as nnopt-cem whose MLP also screens CEM (4x drawn, best quarter decoded)",
                     EngineConfig(share=ShareConfig(prescreen=4)), None),
    "nnopt-assign": ("as nnopt-cem on the soft item-to-bin assignment instead of the keys",
                     EngineConfig(), "assignment"),
    "nnopt-plain": ("the naive engine: MLP on random samples, extraction from the best and new points",
                    EngineConfig(search="none", rounds=RoundsConfig(nn_share=1.0, screen=1),
                                 extraction=ExtractionConfig(topk=None)), None),
}

#: Above this many encoding coordinates the engine runs its search without a network: the
#: network's first layer, its optimiser state and its replay buffer grow with the dimension.
MAX_NETWORK_DIM = 50_000


class EngineMethod(Method):
    """One engine configuration; ``step=random`` swaps the gradient step for a random one (the control)."""

    family = "nnopt"
    parameters = {"step": ("gradient", "random")}  # random: the control, also named NAME-control

    def __init__(self, name: str, description: str, config: EngineConfig, encoding: str | None = None) -> None:
        super().__init__(name, description)
        self.config = config
        self.encoding = encoding

    def label(self, params: Mapping[str, str]) -> str:
        return self.base_name + ("-control" if params.get("step") == "random" else "")

    @property
    def engine_config(self) -> EngineConfig:
        """The configuration this method runs with (on the CPU; ``run`` sets the device)."""
        return self.config.control() if self.params["step"] == "random" else self.config

    def unsupported(self, problem: Problem) -> str | None:
        if self.encoding is not None and self.encoding not in problem.encodings:
            return f"needs the {self.encoding!r} encoding (the problem offers {', '.join(problem.encodings)})"
        if self.config.training.pretrained:
            lacks = needs(problem, TokenFeatures)
            if lacks is not None:
                return f"{lacks} with shipped weights (pretrained_scorer)"
            assert isinstance(problem, TokenFeatures)  # needs() found the capability
            if problem.pretrained_scorer(self.encoding) is None:
                return (f"needs shipped weights (pretrained_scorer; `nnopt pretrain {problem.name}` writes them "
                        "from the problem's token_features)")
        return None

    def network_pays(self, budget: Budget) -> bool:
        """Whether the time left can pay the network's start-up (always, when only decodes count)."""
        if budget.time_limit is None:
            return True
        cost = _WARM_START_UP_S if "torch" in sys.modules else NETWORK_START_UP_S
        return budget.seconds_left() >= START_UP_MULTIPLE * cost

    def run(self, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        ctx = context or RunContext()
        left = budget.seconds_left()
        d = problem.encoding_size(instance, self.encoding)
        if d > MAX_NETWORK_DIM:  # a network on n inputs would need GBs at a million items
            return self._search_alone(problem, instance, budget, seed, on_improve,
                                      f"the encoding has {d} coordinates, above the {MAX_NETWORK_DIM} "
                                      "a network is sized for")
        if not self.network_pays(budget):
            return self._search_alone(problem, instance, budget, seed, on_improve,
                                      f"{left:.1f} s left cannot pay its start-up (about "
                                      f"{NETWORK_START_UP_S:g} s)")
        from nnopt.solver.engine import neural_search, warm_up  # torch: on the run's clock

        if not self.network_pays(budget):  # the import took longer than hoped
            return self._search_alone(problem, instance, budget, seed, on_improve,
                                      f"importing torch left {budget.seconds_left():.1f} s")
        warm_up(problem, instance, self.encoding, ctx.device)
        cfg = replace(self.engine_config, device=ctx.device)
        return neural_search(problem, instance, budget, cfg, seed=seed, encoding=self.encoding,
                             on_improve=on_improve, on_round=ctx.on_round)

    def _search_alone(self, problem: Problem, instance: Any, budget: Budget, seed: int,
                      on_improve: ProgressCallback | None, why: str) -> SearchResult:
        search = self.config.search
        if search == "cem":
            found = cem(problem, instance, budget, seed=seed, encoding=self.encoding, on_improve=on_improve)
        elif search == "local-search":
            found = local_search(problem, instance, budget, seed=seed, on_improve=on_improve)
        else:
            found = random_key_search(problem, instance, budget, seed=seed, on_improve=on_improve)
            search = "random-keys"
        found.notes.append(f"network skipped: {why}; ran {search} alone")
        found.info["network"] = "skipped"
        return found


for _name, (_text, _cfg, _encoding) in ENGINE_CONFIGS.items():
    register_method(EngineMethod(_name, _text, _cfg, _encoding))
