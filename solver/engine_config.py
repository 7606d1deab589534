"""The neural engine's configuration: one small config per loop, composed by :class:`EngineConfig`.

The engine runs several loops at once, and each config holds what one of them
reads, so a change to (say) the extraction step touches one small object and the
ablation's variants say which loop they change:

* :class:`TrainingConfig` — the scorer and how it learns from the decodes
  (architecture, optimiser, replay buffer, when and how long it trains);
* :class:`ExtractionConfig` — how proposals are pulled out of the scorer by input
  descent, including ``step="random"``, the random-step control;
* :class:`ShareConfig` — the time-share scheduler (``schedule="share"``): CEM's
  population and the network's bounded, adaptive share of the run;
* :class:`RoundsConfig` — the fixed rounds (``schedule="rounds"`` and
  ``search="none"``): each round's decodes and the part the network proposes.

Torch-free on purpose: methods build their configuration when they are listed,
and only running one imports torch (:mod:`nnopt.solver.engine`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = ["EngineConfig", "ExtractionConfig", "RoundsConfig", "ShareConfig", "TrainingConfig"]

SEARCHES = ("none", "local-search", "cem")
SCORERS = ("mlp", "set")
SCHEDULES = ("share", "rounds")
STEPS = ("gradient", "random")


def _known(what: str, value: str, known: tuple[str, ...]) -> None:
    if value not in known:
        raise ValueError(f"unknown {what} {value!r} (known: {', '.join(known)})")


@dataclass(frozen=True)
class TrainingConfig:
    """The scorer and its training on every decode (warm-started, a few minibatches at a time)."""

    scorer: str = "mlp"
    pretrained: bool = False    # set scorer only: start from the problem's shipped pre-trained weights
    hidden: int = 64
    lr: float = 3e-3
    conservative: float = 0.0   # training-side COMs weight
    warmup: int = 256           # decodes before the first training
    train_every: int = 4        # rounds between trainings (rounds schedule)
    train_steps: int = 20       # minibatch updates per training
    train_batch: int = 256
    buffer: int = 2048          # replay buffer capacity

    def __post_init__(self) -> None:
        _known("scorer", self.scorer, SCORERS)
        if self.pretrained and self.scorer != "set":
            raise ValueError("pretrained weights exist only for the set scorer (scorer='set')")


@dataclass(frozen=True)
class ExtractionConfig:
    """Input descent on the scorer; ``step="random"`` is the control (random steps of the same length)."""

    step: str = "gradient"
    steps: int = 5
    lr: float = 0.03
    topk: int | None = 2        # coordinates each step may move (None: all, with Adam instead of sign-SGD)
    trust_radius: float = 0.3
    cap_margin: float | None = None  # Conservative extraction cap (cost units); None: off
    jitter: float = 0.0

    def __post_init__(self) -> None:
        _known("step", self.step, STEPS)


@dataclass(frozen=True)
class ShareConfig:
    """The time-share scheduler: CEM runs as alone; the network takes turns within a bounded, adaptive share."""

    population: int = 64        # CEM population per generation (as nnopt.solver.cem.cem)
    share: float = 0.1          # the network's initial share of the run (seconds or decodes)
    share_min: float = 0.02
    share_max: float = 0.5
    adapt: bool = True          # grow / shrink the share with the network's success
    proposals: int = 16         # points extracted per network turn
    prescreen: int = 1          # CEM draws prescreen x population, the scorer keeps the best

    def __post_init__(self) -> None:
        if not 0 < self.share_min <= self.share <= self.share_max <= 1 or self.proposals <= 0 \
                or self.population < 4:
            raise ValueError(f"need 0 < share_min <= share <= share_max <= 1, proposals > 0, population >= 4; "
                             f"got {self.share_min}, {self.share}, {self.share_max}, {self.proposals}, "
                             f"{self.population}")
        if self.prescreen < 1:
            raise ValueError(f"prescreen must be >= 1, got {self.prescreen}")


@dataclass(frozen=True)
class RoundsConfig:
    """Fixed rounds: screened search candidates plus a fixed part of extracted proposals per round."""

    batch: int = 32             # decodes per round
    nn_share: float = 0.25      # part of a round's decodes proposed by extraction
    screen: int = 4             # candidates drawn per decoded search candidate (1: no screening)

    def __post_init__(self) -> None:
        if self.batch <= 0 or self.screen < 1 or not 0 <= self.nn_share <= 1:
            raise ValueError(f"need batch > 0, screen >= 1, 0 <= nn_share <= 1; got "
                             f"{self.batch}, {self.screen}, {self.nn_share}")


@dataclass(frozen=True)
class EngineConfig:
    """Which search and schedule the engine runs, where, and each loop's config; the defaults are ``nnopt-cem``."""

    search: str = "cem"
    schedule: str = "share"     # "share": time-share scheduler (cem only); "rounds": fixed per-round mix
    device: str = "cpu"
    training: TrainingConfig = field(default_factory=TrainingConfig)
    extraction: ExtractionConfig = field(default_factory=ExtractionConfig)
    share: ShareConfig = field(default_factory=ShareConfig)
    rounds: RoundsConfig = field(default_factory=RoundsConfig)

    def __post_init__(self) -> None:
        _known("search", self.search, SEARCHES)
        _known("schedule", self.schedule, SCHEDULES)

    def control(self) -> EngineConfig:
        """The same configuration with random steps of the same length."""
        return replace(self, extraction=replace(self.extraction, step="random"))
