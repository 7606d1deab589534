"""Which components a ruin takes: drawn by weakness, uniformly, or chosen by a learned guide.

Ruin and recreate spends almost all of its time on moves that fail: on the hard
classic instances nine moves in ten leave the state no better. Choosing *where*
a move acts is where learned guidance has paid elsewhere (Learning to Delegate,
neural neighbourhood selection for MIP), so the loop's choice is a strategy:

* ``weakness`` — components drawn with probability rising with the problem's
  ``weakness`` score (the default, and a control);
* ``random`` — uniformly (the other control);
* ``learned`` — ``K`` = 8 candidate moves, half drawn as ``weakness`` draws them
  and half uniformly (as ``random``); the guide network
  (:mod:`nnopt.solver._guide_model`) predicts which will leave less out, the best
  is taken; trained online from this run's own logged moves. K and the half-and-half
  pool were chosen on a tuning set of generated instances (seeds 8001-8003, 31 that
  the start does not solve, 4,000 moves: pretrained K = 16 2,879 bins, K = 8 2,879,
  K = 4 2,881, all-uniform pool 2,881, ``random`` 2,883), never on the held-out set:
  K = 8, as good as 16 there with half the candidates to score;
* ``pretrained`` — the same, starting from weights the problem ships
  (``pretrained_guide``), trained across generated instances, refined online;
* ``gradient`` — the project's founding idea on a mask: the one extraction routine
  (:func:`nnopt.solver.extract.extract`) moves a soft mask over the state's
  components by gradient steps on the guide's predicted success, and moves draw
  their components with probability rising with the extracted mask.

Every strategy logs each move's outcome; only the learned ones use it. All
decisions use the loop's generator, so a seeded run under ``max_evals`` is
reproducible bit for bit.
"""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from nnopt.problems.base import Problem
from nnopt.problems.capabilities import ComponentFeatures, SolutionSearch, needs
from nnopt.solver._guide_model import AttemptLog, GuideModel

__all__ = ["CHOICES", "LEARNED_CHOICES", "Chooser", "DrawChooser", "LearnedChooser", "GradientChooser",
           "make_chooser"]

_EMPTY_EB = np.zeros((0, 0))
_EMPTY_CONST = np.zeros(0)
_EMPTY_HAVE = np.zeros(0, dtype=np.bool_)

#: A view of a state serves one pick more per this many components (at most ``refresh``):
#: a move rewrites a handful of components, so after ``r`` picks about ``r * 3 / C`` of
#: a view is stale. On the classic instances (up to ~70 bins) a view per state was better
#: at 1 s than 8 picks per view (7,240 and 7,241 bins against 7,244 twice, seeds 0 and 1).
VIEW_COMPONENTS_PER_PICK = 16

#: Every component choice the loop knows; the first two need no network.
CHOICES = ("weakness", "random", "learned", "pretrained", "gradient")
#: The choices that need the problem's ``component_features`` hook.
LEARNED_CHOICES = ("learned", "pretrained", "gradient")


class Chooser(Protocol):
    """What the loop asks: which components to ruin now; and how the last move went."""

    def pick(self, instance: Any, state: Any, rng: np.random.Generator) -> np.ndarray: ...

    def observe(self, new: tuple[float, float], current: tuple[float, float]) -> None: ...

    def restart(self) -> None:
        """The loop replaced its state without a move (a tighten): any view of the old one is void."""


class DrawChooser:
    """``weakness`` and ``random``: one roulette draw per move, no learning (the controls).

    The roulette (weakness ** sharpness, or uniform) is built once per state and the
    draw is one compiled call: in Python the draw alone cost 15 us, a fifth of a cheap
    move, which handicapped the controls at equal wall time (the guide's draw was compiled).
    """

    def __init__(self, problem: Problem, max_ruin: int, uniform: bool, sharpness: float) -> None:
        assert isinstance(problem, SolutionSearch)  # make_chooser serves ruin and recreate only
        self.problem, self.max_ruin, self.uniform, self.sharpness = problem, max_ruin, uniform, sharpness
        self._state: Any = None
        self._cum: np.ndarray | None = None

    def pick(self, instance: Any, state: Any, rng: np.random.Generator) -> np.ndarray:
        from nnopt.solver._guide_kernels import draw_members, roulette

        if state is not self._state:  # states change only when a move is accepted
            weak = np.asarray(self.problem.weakness(instance, state), dtype=np.float64)
            self._state, self._cum = state, roulette(weak, float(self.sharpness), self.uniform)
        return draw_members(self._cum, self.max_ruin, int(rng.random() * 2**31))

    def observe(self, new: tuple[float, float], current: tuple[float, float]) -> None:
        pass

    def restart(self) -> None:
        self._state = None


class LearnedChooser:
    """``learned`` / ``pretrained``: the best of ``K`` candidates by the guide's prediction.

    Candidates alternate between weakness draws and uniform draws (``mix``). Without
    shipped weights, the guide first trains (``first_steps`` Adam steps) once the log
    holds ``warmup`` moves with ``min_positives`` successes; until then every move takes
    the first candidate, which is exactly a ``weakness`` draw. A share ``explore`` of
    later moves does too, so the log keeps seeing what the guide would not choose.
    One view of a state (its features, weakness and the members' embeddings) serves up to
    ``refresh`` = 8 picks once the state has moved on, fewer on states with fewer than 128
    components (``VIEW_COMPONENTS_PER_PICK``): on the tuning set (seeds 8001-8003, 60
    instances, n = 200 and 500, 5 s) 8 picks per view made 13 % more improving moves than
    a view per state and the lowest smooth cost of 1, 4, 8, 16 and 32 (4,614.46 against
    4,615.48 for 1; at 1,000 moves 4,624.64 against 4,624.89).
    Every ``refit_every`` moves the guide takes ``refit_steps`` more steps on the log
    (40 steps every 250 moves cost about a third of a move at n = 500; see
    ``benchmarks/results/ablation.md`` for the cost as shipped).
    """

    def __init__(self, problem: Problem, instance: Any, max_ruin: int, sharpness: float, seed: int,
                 model: GuideModel | None = None, candidates: int = 8, warmup: int = 300, min_positives: int = 10,
                 explore: float = 0.1, refit_every: int = 1000, refit_steps: int = 20, first_steps: int = 100,
                 mix: int = 2, refresh: int = 8, per_pick: int | None = None) -> None:
        assert isinstance(problem, SolutionSearch) and isinstance(problem, ComponentFeatures)  # make_chooser checked
        self.problem, self.instance = problem, instance
        self.max_ruin, self.sharpness = max_ruin, sharpness
        self.K, self.warmup, self.min_positives, self.explore = candidates, warmup, min_positives, explore
        self.refit_every, self.refit_steps, self.first_steps = refit_every, refit_steps, first_steps
        self.mix, self.refresh = mix, refresh
        #: components per pick a view serves (``VIEW_COMPONENTS_PER_PICK``; 0: ``refresh`` on any state)
        self.per_pick = VIEW_COMPONENTS_PER_PICK if per_pick is None else per_pick
        self._age = self._serves = 0
        self.pretrained = model is not None
        self._model = model
        self._seed = seed
        self._log: AttemptLog | None = None
        self._adam: dict[str, Any] | None = None
        self._train_rng = np.random.default_rng(seed + 1)
        self._state: Any = None
        self._phi: np.ndarray | None = None
        self._context: np.ndarray | None = None
        self._cum: np.ndarray | None = None
        self._weak: np.ndarray | None = None
        #: per component: head projection, whether it is known, the features it was computed from
        self._head: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._const: np.ndarray | None = None
        self._weights: tuple[Any, ...] = ()
        self._last: np.ndarray | None = None
        self.moves = 0
        self.guided = 0
        self.refits = 0

    # -------------------------------------------------------------------- state view
    def _view(self, state: Any) -> None:
        """Features (and embeddings) of ``state``, computed once per state: states change only when accepted.

        With ``refresh`` above 1, one view serves up to ``refresh`` picks after the state has
        moved on (a move rewrites a few components and keeps their number, see
        ``Problem.ruin``), so its cost is shared by several moves; ``restart`` forces a new one.
        A component's head projection (its row of ``EB``) is kept from the previous state
        where its features did not change (``state_view``), and computed when a candidate
        first needs it otherwise; a refit or a change in the number of components drops them all.
        """
        if self._state is not None and (state is self._state or self._age < self._serves):
            self._age += state is not self._state
            return
        from nnopt.solver._guide_kernels import state_view

        self._state, self._age = state, 1
        self._phi = np.asarray(self.problem.component_features(self.instance, state), dtype=np.float64)
        C, F = self._phi.shape
        self._serves = self.refresh if self.per_pick <= 0 else max(1, min(self.refresh, C // self.per_pick))
        if self._model is None:
            self._model = GuideModel.new(F, self.max_ruin, self._seed)
        if self._log is None:
            self._log = AttemptLog(F, self.max_ruin)
        self._weak = np.asarray(self.problem.weakness(self.instance, state), dtype=np.float64)
        P, H = self._model.params, self._model.params["A"].shape[1]
        if self._head is None or self._head[0].shape[0] != C:
            self._head = (np.empty((C, H)), np.zeros(C, dtype=np.bool_), np.full((C, F), np.nan))
            # the weights pick_candidate reads, looked up once per set of weights rather than once per move
            self._weights = (P["A"], P["a"], P["B"][:H], P["B"][-1], P["v"], float(P["c"][0]), P["b"], P["B"][H:-1])
        EB, have, phi_old = self._head
        self._cum, self._const, self._context = state_view(self._phi, self._weak, float(self.sharpness),
                                                           self._weights[6], self._weights[7], phi_old, have)

    def restart(self) -> None:
        self._state = None

    def ready(self) -> bool:
        """Whether the guide chooses: shipped weights, or trained at least once on this run's log."""
        return self.pretrained or self.refits > 0

    def pick(self, instance: Any, state: Any, rng: np.random.Generator) -> np.ndarray:
        from nnopt.solver._guide_kernels import pick_candidate

        self._view(state)
        guided = self.ready() and rng.random() >= self.explore
        assert self._head is not None  # made by _view
        EB, have, _ = self._head
        A, a, BH, size_w, v, c0 = self._weights[:6]
        self._last = pick_candidate(self._cum, EB, have, self._phi, A, a, BH, self._const, size_w, v, c0, self.K,
                                    self.max_ruin, guided, int(rng.random() * 2**31), self.mix)
        self.guided += guided
        return self._last

    def observe(self, new: tuple[float, float], current: tuple[float, float]) -> None:
        """Log the last move; success means less left out (or, with nothing left out, a lower cost)."""
        if self._last is None or self._phi is None:
            return
        if self.refit_every <= 0 and self.pretrained:  # shipped weights, never refined: nothing to log
            self.moves += 1
            return
        success = new[0] < current[0] or (current[0] == 0 and new < current)
        assert self._log is not None and self._model is not None and self._context is not None  # made by _view
        self._log.add_rows(self._phi, self._last, self._context, success)
        self.moves += 1
        if self._log.positives < self.min_positives:
            return
        first = not self.pretrained and self.refits == 0
        if (first and self._log.size >= self.warmup) or (not first and self.refit_every > 0
                                                          and self.moves % self.refit_every == 0):
            members, counts, context, y = self._log.arrays()
            self._adam = self._model.fit(members, counts, context, y, self.first_steps if first else self.refit_steps,
                                         self._train_rng, adam=self._adam)
            self._state = self._head = None  # the next pick views its state afresh, with the new weights
            self.refits += 1


class GradientChooser(LearnedChooser):
    """``gradient``: extraction moves a soft mask over the components toward higher predicted success.

    The mask starts at the weakness draw's probabilities (scaled so it holds about
    ``max_ruin / 2`` components), takes ``steps`` gradient steps in the box [0, 1]
    through :func:`nnopt.solver.extract.extract`, and moves then draw their
    components with probability rising with the mask (the mask replaces the
    weakness score). A move changes a few bins and slots keep their place, so one
    extraction serves ``extract_every`` moves; until the guide is ready, and for a
    share ``explore`` of moves, components are weakness draws.
    """

    def __init__(self, *args: Any, steps: int = 5, lr: float = 0.1, extract_every: int = 25,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps, self.lr, self.extract_every = steps, lr, extract_every
        self._mask_cum: np.ndarray | None = None
        self._since = 0

    def _extract(self) -> np.ndarray:
        import torch

        from nnopt.solver.extract import BoxClamp, extract

        assert self._model is not None and self._phi is not None and self._context is not None  # made by _view
        assert self._weak is not None
        p = np.maximum(self._weak, 0.0) ** self.sharpness + 1e-3
        start = np.minimum(1.0, p / p.sum() * (self.max_ruin + 1) / 2.0)
        model = self._model.torch_mask_model(self._phi, self._context)
        res = extract(torch.as_tensor(start[None, :], dtype=torch.float32), model,
                      objective=lambda out: -out, regularisers=[BoxClamp(0.0, 1.0)], lr=self.lr, steps=self.steps)
        mask = res.x[0].numpy().astype(np.float64)
        return np.cumsum(mask ** self.sharpness + 1e-3)

    def pick(self, instance: Any, state: Any, rng: np.random.Generator) -> np.ndarray:
        from nnopt.solver._guide_kernels import pick_candidate

        self._view(state)
        guided = self.ready() and rng.random() >= self.explore
        cum = self._cum
        assert cum is not None  # made by _view
        if guided:
            stale = self._mask_cum is None or len(self._mask_cum) != len(cum)
            if stale or self._since >= self.extract_every:
                self._mask_cum, self._since = self._extract(), 0
            self._since += 1
            cum = self._mask_cum
        self._last = pick_candidate(cum, _EMPTY_EB, _EMPTY_HAVE, _EMPTY_EB, _EMPTY_EB, _EMPTY_CONST, _EMPTY_EB,
                                    _EMPTY_CONST, _EMPTY_CONST, _EMPTY_CONST, 0.0, 1, self.max_ruin, False,
                                    int(rng.random() * 2**31), 0)
        self.guided += guided
        return self._last

    def observe(self, new: tuple[float, float], current: tuple[float, float]) -> None:
        refits = self.refits
        super().observe(new, current)
        if self.refits != refits:  # refitted: the mask is stale
            self._mask_cum = None


def make_chooser(choice: str, problem: Problem, instance: Any, max_ruin: int, sharpness: float,
                 seed: int, **settings: Any) -> Chooser:
    """The strategy named ``choice`` (one of ``CHOICES``) for this run."""
    if choice in ("weakness", "random"):
        return DrawChooser(problem, max_ruin, uniform=choice == "random", sharpness=sharpness)
    if choice not in CHOICES:
        raise ValueError(f"unknown component choice {choice!r} (known: {', '.join(CHOICES)})")
    if not isinstance(problem, ComponentFeatures):
        raise ValueError(f"choice {choice!r} {needs(problem, ComponentFeatures)}")
    model = None
    if choice == "pretrained":
        path = problem.pretrained_guide()
        if path is None:
            raise ValueError(f"choice 'pretrained': problem {problem.name!r} ships no pretrained guide")
        model = GuideModel.load(path)
        if model.max_ruin != max_ruin:
            raise ValueError(f"the shipped guide was trained for max_ruin={model.max_ruin}, not {max_ruin}")
    cls = GradientChooser if choice == "gradient" else LearnedChooser
    return cls(problem, instance, max_ruin, sharpness, seed, model=model, **settings)
