"""The default search: population search on the encodings first, then ruin and recreate.

The two families find different instances' improvements (measured on the
classic set's hard instances: CEM on item orders wins where a whole new order
helps, ruin and recreate where moving a few bins does), and CEM stops improving
after about a second. So the portfolio gives CEM a bounded share of the budget
and hands its best solution to the solution-level search for the rest. A
problem without the ruin-and-recreate hooks, an instance above
``MAX_RUIN_RECREATE_SIZE``, or one whose heuristic start holds no more
components than a move ruins (:func:`start_components`) gets CEM for the whole budget.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from nnopt.problems.base import Problem
from nnopt.problems.capabilities import RUIN_DRAWS, ComponentFeatures, Polishing, SolutionSearch
from nnopt.solver._budget import Budget
from nnopt.solver._incumbent import ProgressCallback, SearchResult
from nnopt.solver._method import Method, RunContext
from nnopt.solver._method_registry import register_method
from nnopt.solver.cem import cem
from nnopt.solver.polish_phase import polished
from nnopt.solver.prove_phase import proof_reserve, prove_phase, search_budget
from nnopt.solver.ruin_guide import CHOICES, LEARNED_CHOICES
from nnopt.solver.ruin_recreate import DEFAULT_RECOMBINE_EVERY, RRConfig, ruin_recreate

__all__ = ["MAX_RUIN_RECREATE_SIZE", "portfolio", "split_budget", "start_components"]

#: Above this instance size the portfolio runs CEM alone: a ruin-and-recreate move rebuilds
#: every bin's free space (O(n)), so a budget of seconds buys too few moves to pay for the
#: kernels' first compilation (a 25,000-item solve under --time-limit 3 took 12 s with a cold
#: Numba cache).
MAX_RUIN_RECREATE_SIZE = 5000


#: The portfolio's ruin choices, its default first: ``auto`` is the problem's own network-free
#: draw (``Problem.ruin_draw``). The default runs a learned guide only where it
#: beats both draws at equal wall time; the shipped guide (``pretrained``) beats them at equal
#: moves but only ties the uniform draw at 10 s (held out and on the classic 500;
#: ``benchmarks/results/ablation.md``), so it stays one parameter away (``nnopt-pretrained``).
DEFAULT_CHOICES = ("auto",) + CHOICES


#: The time limit of a part whose share of the time is already spent (a Budget's limit is positive).
_SPENT = 1e-6


def split_budget(budget: Budget, share: float) -> tuple[Budget, Budget]:
    """A first budget of ``share`` of the time / evaluations left, and a second one ending with ``budget``."""
    # Whichever limit comes first ends each part: a time limit that start-up has spent stays
    # a limit (a part then decodes its first batch and stops), never dropped for the decodes.
    first_time = None if budget.time_limit is None else \
        max(_SPENT, share * max(0.0, budget.time_limit - budget.elapsed))
    first_evals = None if budget.max_evals is None else max(1, int(share * (budget.remaining_evals() or 0)))
    first = Budget(time_limit=first_time, max_evals=first_evals)
    second_evals = None if budget.max_evals is None else max(1, (budget.remaining_evals() or 0) - (first_evals or 0))
    second = Budget(time_limit=budget.time_limit, max_evals=second_evals, start=budget.start)
    return first, second


def start_components(problem: Problem, instance: Any) -> int:
    """Components (bins) of the best heuristic solution under the first search decoder: one batch of decodes.

    Ruin and recreate needs more components than one move ruins (``RRConfig.max_ruin``):
    with fewer, every move takes the whole solution apart and its greedy repack starts from
    scratch, which the encoding search does better. Measured on the 19 classic instances
    whose best heuristic start holds 2-5 bins above the lower bound (10 s, seeds 0-2): CEM
    for the whole search 161 bins, CEM then ruin and recreate 163, no instance worse (a one-off
    experiment); the classic 500 with the rule: ``classic_10s.md``.
    """
    X = problem.heuristic_encodings(instance)
    if len(X) == 0 or not isinstance(problem, SolutionSearch):
        return np.iinfo(np.int64).max
    solutions = problem.decode(instance, X, decoder=problem.search_decoders_for()[0])
    best = solutions[int(np.argmin(problem.cost(instance, solutions)))]
    return len(problem.weakness(instance, problem.search_state(instance, best)))


def portfolio(problem: Problem, instance: Any, budget: Budget, *, seed: int = 0, cem_share: float = 0.25,
              config: RRConfig | None = None, on_improve: ProgressCallback | None = None,
              prove: bool = False, threads: int | None = None, polish: bool = True) -> SearchResult:
    """CEM for ``cem_share`` of the budget, then ruin and recreate from its best solution, then the
    problem's polish (:mod:`.polish_phase`) for its share of the budget (``polish_share_of``), where it applies.

    Under ``max_evals`` the share counts CEM's decodes and the rest ruin-and-recreate
    moves, so a seeded run stays reproducible bit for bit. With ``prove`` (and a time
    limit) the search ends early by the reserve of :mod:`.prove_phase`, which then
    tries to prove its answer optimal (CP-SAT workers: ``threads``).
    """
    if prove:
        reserve = proof_reserve(problem, instance, budget)
        searching = search_budget(budget, reserve)
        # CEM keeps its share of the whole budget (its seconds are where the search's own proofs
        # come from: a spot check lost CLASS04_080_07, found at 2.3 s, when CEM got half as long);
        # the reserve comes out of ruin and recreate's part.
        left = budget.seconds_left()
        share = cem_share if not reserve else min(0.9, cem_share * left / max(1e-9, left - reserve))
        found = portfolio(problem, instance, searching, seed=seed, cem_share=share, config=config,
                          on_improve=on_improve)
        found = prove_phase(problem, instance, found, budget, threads=threads, seed=seed, on_improve=on_improve)
        found.seconds = budget.elapsed
        return found
    if polish and isinstance(problem, Polishing) and problem.polishes(instance):
        searching, finishing = split_budget(budget, 1.0 - problem.polish_share_of(instance))
        found = portfolio(problem, instance, searching, seed=seed, cem_share=cem_share, config=config,
                          on_improve=on_improve, polish=False)
        found = polished(problem, instance, found, finishing, seed=seed, on_improve=on_improve)
        found.seconds = budget.elapsed
        return found
    if not isinstance(problem, SolutionSearch) or problem.instance_size(instance) > MAX_RUIN_RECREATE_SIZE:
        return cem(problem, instance, budget, seed=seed, on_improve=on_improve)
    if (start_components(problem, instance) <= (config or RRConfig()).max_ruin
            and not problem.searches_few_components(instance)):
        found = cem(problem, instance, budget, seed=seed, on_improve=on_improve)
        found.info["few_components"] = True
        return found
    first, second = split_budget(budget, cem_share)
    found = cem(problem, instance, first, seed=seed, on_improve=on_improve)
    if found.status in ("optimal", "interrupted") or second.exhausted():
        found.seconds = budget.elapsed
        return found
    result = ruin_recreate(problem, instance, second, seed=seed, config=config, on_improve=on_improve,
                           start=found.solution)
    if result.decoder == "start":  # CEM's solution stood: name the decoder that made it
        result.decoder = found.decoder
    result.evaluations += found.evaluations
    result.info["cem_evaluations"] = found.evaluations
    return result


class Portfolio(Method):
    """The portfolio as a method: the default ``nnopt``."""

    family = "nnopt"
    #: the ruin phase's component choice (``auto`` or one of ``ruin_guide.CHOICES``); the first is the default
    parameters = {"choice": DEFAULT_CHOICES}

    def choice(self, problem: Problem) -> tuple[str, str | None]:
        """The ruin choice this problem can run, and a note when it is not the one asked for.

        ``auto`` (the default) is the problem's network-free ``ruin_draw``. A guide needs the
        problem's ``component_features`` (and ``pretrained`` its shipped weights); a problem
        without them still gets the method, with its own draw, and the result says so.
        """
        choice = self.params["choice"]
        # without SolutionSearch the portfolio runs CEM alone and no draw is used
        draw = problem.ruin_draw if isinstance(problem, SolutionSearch) else RUIN_DRAWS[0]
        if choice == "auto":
            return draw, None
        if choice in LEARNED_CHOICES and not isinstance(problem, ComponentFeatures):
            why = (f"choice={choice}: {problem.name} lacks the ComponentFeatures capability (component_features), "
                   f"ran choice={draw}")
            return draw, why
        if choice == "pretrained" and isinstance(problem, ComponentFeatures) and problem.pretrained_guide() is None:
            why = f"choice=pretrained: {problem.name} ships no guide weights, ran choice=learned"
            return "learned", why
        return choice, None

    def run(self, problem: Problem, instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        choice, note = self.choice(problem)
        found = portfolio(problem, instance, budget, seed=seed,
                          config=RRConfig(choice=choice, recombine_every=DEFAULT_RECOMBINE_EVERY),
                          on_improve=on_improve, prove=True, threads=context.threads if context is not None else None)
        if note is not None:
            found.notes.append(note)
        return found


register_method(Portfolio("nnopt", "the default: CEM for a quarter of the budget, then ruin and recreate of "
                          "whole components, set-cover recombination; the last half proves optima"))
