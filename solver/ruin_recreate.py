"""Goal-driven ruin and recreate over *solutions*, through the contract's optional hooks.

Every other search here moves encodings (item orders) and lets a decoder build
the solution from scratch; on 2D bin packing that stalls at the 2010 literature
level, while every better published method works on whole bins. This loop
(after Gardeyn & Wauters' GDRR, EJOR 2022, and the ruin-and-recreate family of
Schrimpf et al. 2000) keeps a solution and changes a few of its components:

1. Start from the best heuristic encoding's solution (never worse than it).
2. ``tighten``: aim one objective unit below the incumbent; what no longer
   fits is *left out* rather than making the state infeasible.
3. Repeat: choose a few components — by the problem's ``weakness`` score or
   uniformly (the control) — ``ruin`` them, ``recreate`` what is left out,
   and accept the new state by late acceptance (Burke & Bykov's LAHC) on
   ``state_cost``: left out first, then a smooth tie-break.
4. A state with nothing left out is a better solution: offer it, tighten again.

The loop knows problems only through the hooks of the
:class:`~nnopt.problems.capabilities.SolutionSearch` capability (and :class:`~nnopt.problems.capabilities.Pooling`'s);
binpack2d implements them with its Numba placement kernels, tsp with string
removals and cheapest insertion. ``max_evals`` counts moves, so a seeded run
under it is reproducible bit for bit.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from nnopt.problems.base import Problem
from nnopt.problems.capabilities import ComponentFeatures, Pooling, SolutionSearch, needs
from nnopt.solver._budget import Budget
from nnopt.solver._incumbent import Incumbent, ProgressCallback, SearchResult
from nnopt.solver._method import Method, RunContext
from nnopt.solver._method_registry import register_method
from nnopt.solver.column_filter import DEFAULT_KEEP, FILTERS, filter_unsupported, make_filter
from nnopt.solver.ruin_guide import CHOICES, LEARNED_CHOICES, make_chooser

__all__ = ["RRConfig", "RuinRecreate", "ruin_recreate", "MissingHooksError", "best_start"]


class _Done(Exception):
    """The start already meets the lower bound."""


class MissingHooksError(ValueError):
    """The problem lacks the SolutionSearch capability a solution-level search needs."""


@dataclass(frozen=True)
class RRConfig:
    """Knobs of the loop.

    How the defaults were chosen: on 56 generated instances (classes 3-10, n = 100) no
    knob moved the total by more than the noise (1,042-1,048 bins at 4,000 moves), so the
    ruin size was chosen on the 27 classic instances that CEM misses at 10 s (6,000 moves:
    394 bins with up to 5 bins ruined, 80 % emptied whole, against 398 with 3 and 50 %) —
    a choice on the test set, named as such in ``benchmarks/results/classic_1s.md``.
    """

    #: how a move's components are chosen (``ruin_guide.CHOICES``): "weakness" (the problem's
    #: score), "random" (uniform: the control), or a learned guide ("learned", "pretrained", "gradient")
    choice: str = "weakness"
    #: at most this many components ruined per move (1 .. max_ruin, uniformly)
    max_ruin: int = 5
    #: late-acceptance history length
    history: int = 50
    #: how much worse a tie-break may get across a plateau of equal left-out (inf: free
    #: moves); None: the problem's ``acceptance_slack`` for the start state decides
    slack: float | None = None
    #: exponent on the weakness score (higher: more greedy choice)
    sharpness: float = 2.0
    #: moves between calls of the problem's ``recombine`` hook (0: never)
    recombine_every: int = 0
    #: seconds each ``recombine`` may take
    recombine_seconds: float = 0.2
    #: which pooled components a recombination sees (``column_filter.FILTERS``; "none": the
    #: problem's own choice) and how many under a filter
    columns: str = "none"
    columns_keep: int = DEFAULT_KEEP
    #: keyword settings of a learned chooser (``ruin_guide.LearnedChooser``), for experiments
    guide: tuple[tuple[str, Any], ...] = ()


_NO_ENCODING = np.zeros((1, 0), dtype=np.float32)


#: Seconds a recombination needs left beyond its slice: its first call may import a solver
#: (OR-Tools: about half a second on a quiet machine), which its time slice does not cover.
RECOMBINE_MARGIN = 1.0


def _slice(cfg: RRConfig, budget: Budget) -> float | None:
    """Seconds a recombination may take: its slice, or None when too little time is left."""
    if budget.time_limit is None:
        return cfg.recombine_seconds
    left = budget.time_limit - budget.elapsed
    if left < cfg.recombine_seconds + RECOMBINE_MARGIN:
        return None
    return cfg.recombine_seconds


def _accept(new: tuple[float, float], current: tuple[float, float], late: tuple[float, float],
            slack: float) -> bool:
    """Late acceptance on the (left out, tie-break) tuples; across a plateau of equal
    left-out the tie-break may also worsen by ``slack``.

    For bin packing, ranking whole tuples turns every plateau of equal left-out into a
    hill climb on the tie-break, and the search stalls: measured on classic instances,
    a state with one item left out stopped improving after 2,000 moves, while free
    moves across the plateau kept shrinking what was left out. Where the tie-break is
    the objective itself (tsp: nothing is ever left out) plain late acceptance is right.
    """
    if new <= current or new < late:
        return True
    return new[0] == current[0] and (new[0] < late[0] or new[1] <= current[1] + slack)


def require_hooks(problem: Problem) -> None:
    lacks = needs(problem, SolutionSearch)
    if lacks is not None:
        raise MissingHooksError(f"problem {problem.name!r}: a solution-level search {lacks} "
                                "(see nnopt.problems.capabilities)")


def best_start(problem: Problem, instance: Any, budget: Budget, best: Incumbent,
               seen: Callable[[Any], None] | None = None) -> None:
    """Offer the problem's heuristic encodings under every search decoder (random ones if it has none);
    ``seen`` is called with every decoded solution."""
    X = problem.heuristic_encodings(instance)
    if len(X) == 0:
        X = problem.sample(instance, 8, np.random.default_rng(0))
    for decoder in tuple(problem.search_decoders or problem.decoders):
        if budget.exhausted():  # the time is up: one row for an answer, no further decoders
            if best.solution is not None:
                break
            X = X[:1]
        sols = problem.decode(instance, X, decoder=decoder)
        best.offer(sols, problem.cost(instance, sols), X, decoder, budget.evals, budget.elapsed)
        if seen is not None:
            for sol in sols:
                seen(sol)


def ruin_recreate(
    problem: Problem,
    instance: Any,
    budget: Budget,
    *,
    seed: int = 0,
    config: RRConfig | None = None,
    on_improve: ProgressCallback | None = None,
    on_state: Callable[[Any], None] | None = None,
    start: Any | None = None,
    pool: Any | None = None,
) -> SearchResult:
    """Ruin and recreate within ``budget``; Ctrl-C and the budget return the best solution so far.

    ``start`` (a feasible solution, e.g. another search's best) competes with the heuristic
    starts. ``on_state`` sees every improving solution. With ``config.recombine_every`` and a problem
    that offers a pool (``new_pool``), every accepted state's components are pooled and
    every ``recombine_every`` moves the problem's ``recombine`` may assemble a better solution.
    ``pool`` (from the problem's ``new_pool``) is filled with every accepted state's components
    even without recombination, for the caller to read afterwards (training a column filter).
    """
    require_hooks(problem)
    assert isinstance(problem, SolutionSearch)  # require_hooks refused every other problem
    cfg = config or RRConfig()
    chooser = make_chooser(cfg.choice, problem, instance, cfg.max_ruin, cfg.sharpness, seed, **dict(cfg.guide))
    offers_pool = cfg.recombine_every and isinstance(problem, Pooling)
    column_filter = make_filter(cfg.columns, problem, cfg.columns_keep) if offers_pool else None
    rng = np.random.default_rng(seed)
    bound = problem.lower_bound(instance)
    best = Incumbent(problem, instance, on_improve)
    status = "budget"
    moves = accepted = recombined = improved = 0
    least_left = 0.0
    try:
        if pool is None and cfg.recombine_every and isinstance(problem, Pooling):
            pool = problem.new_pool(instance)
        # a pool comes from Pooling.new_pool: only a problem with that capability has one
        pooling = cast(Pooling, problem)
        seen = None if pool is None else (lambda sol: pooling.pool_add(instance, pool,
                                                                       problem.search_state(instance, sol)))
        if start is None:
            best_start(problem, instance, budget, best, seen)
        else:  # another search's best (it began from the heuristics): checked like any other
            if problem.check(instance, start):
                raise ValueError("ruin_recreate: the given start solution is infeasible")
            best.offer([start], problem.cost(instance, [start]), _NO_ENCODING, "start", budget.evals,
                       budget.elapsed)
            if seen is not None:
                seen(start)
        if best.objective <= bound:
            raise _Done
        complete = problem.search_state(instance, best.solution)
        state = problem.tighten(instance, complete) or complete
        cost = problem.state_cost(instance, state)
        history = [cost] * cfg.history
        slack = cfg.slack if cfg.slack is not None else float(problem.acceptance_slack(instance, state))
        least_left = cost[0]
        while not budget.exhausted():
            parts = chooser.pick(instance, state, rng)
            cand = problem.ruin(instance, state, parts, rng)
            problem.recreate(instance, cand, rng)
            budget.spend(1)
            moves += 1
            c = problem.state_cost(instance, cand)
            chooser.observe(c, cost)
            improved += c < cost
            slot = moves % cfg.history
            if _accept(c, cost, history[slot], slack):
                state, cost = cand, c
                accepted += 1
                if pool is not None:
                    pooling.pool_add(instance, pool, state)
            if cost < history[slot]:
                history[slot] = cost
            least_left = min(least_left, cost[0])
            found = None
            if cost[0] == 0:
                found = problem.state_solution(instance, state)
            elif pool is not None and cfg.recombine_every and moves % cfg.recombine_every == 0 \
                    and _slice(cfg, budget) is not None:
                recombine_seed = int(rng.integers(2**31))
                # a problem without pool_features is never given columns (its hook may not take them)
                kept = {} if column_filter is None else {"columns": column_filter.select(problem, instance, pool, rng)}
                found = pooling.recombine(instance, pool, best.solution, _slice(cfg, budget) or 0.0,
                                          recombine_seed, **kept)
                recombined += found is not None
            if found is not None:
                if best.offer([found], problem.cost(instance, [found]), _NO_ENCODING, "ruin-recreate",
                              budget.evals, budget.elapsed) and on_state is not None:
                    on_state(found)
                if best.objective <= bound:
                    status = "optimal"
                    break
                tighter = problem.tighten(instance, problem.search_state(instance, best.solution))
                if tighter is not None:
                    state = tighter
                    chooser.restart()
                    cost = problem.state_cost(instance, state)
                    history = [cost] * cfg.history
                    least_left = cost[0]
    except _Done:
        status = "optimal"
    except KeyboardInterrupt:
        status = "interrupted"
    result = best.result(budget.evals, budget.elapsed, status)
    result.info.update({"moves": moves, "accepted": accepted, "recombined": recombined, "improved": improved,
                        "guided": getattr(chooser, "guided", 0),
                        # how close the search came to one unit fewer (0 when it got there or was done)
                        "left_out": 0.0 if status == "optimal" else float(least_left)})
    return result


class RuinRecreate(Method):
    """``ruin-recreate``: the loop above as a method; parameters are its ablation switches."""

    family = "search"
    parameters = {"choice": CHOICES, "recombine": ("on", "off"), "columns": FILTERS}
    requires = (SolutionSearch,)

    def unsupported(self, problem: Problem) -> str | None:
        why = super().unsupported(problem)
        if why is not None:
            return why
        if self.params["choice"] in LEARNED_CHOICES:
            lacks = needs(problem, ComponentFeatures)
            if lacks is not None:
                return f"choice={self.params['choice']} {lacks}"
        if (self.params["choice"] == "pretrained" and isinstance(problem, ComponentFeatures)
                and problem.pretrained_guide() is None):
            return "choice=pretrained needs shipped guide weights (pretrained_guide)"
        if self.params["recombine"] == "on" and isinstance(problem, Pooling):
            return filter_unsupported(self.params["columns"], problem)
        return None

    def config(self) -> RRConfig:
        return RRConfig(choice=self.params["choice"], columns=self.params["columns"],
                        recombine_every=DEFAULT_RECOMBINE_EVERY if self.params["recombine"] == "on" else 0)

    def run(self, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        found = ruin_recreate(problem, instance, budget, seed=seed, config=self.config(), on_improve=on_improve)
        columns = self.params["columns"]
        if columns != "none":
            why = ("recombine=off" if self.params["recombine"] == "off"
                   else f"{problem.name} offers no recombination"
                   if not isinstance(problem, Pooling) else None)
            if why is not None:
                found.notes.append(f"columns={columns}: {why}, so there was nothing to filter")
        return found


#: Moves between two set-cover recombinations when ``recombine=on``.
DEFAULT_RECOMBINE_EVERY = 1000

register_method(RuinRecreate("ruin-recreate", "goal-driven ruin and recreate of whole components (bins), "
                             "late acceptance, set-cover recombination of pooled bins (no network)"))
