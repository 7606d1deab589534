"""The proof phase of the default method: after the search, try to prove its answer optimal.

A search that ends above the problem's cheap ``lower_bound`` has either a
suboptimal answer or a weak bound, and on the classic 2D bin packing set it is
mostly the bound: of the 100 instances the default left unproved at 10 s, 87
were at the best known value. The problem's optional ``prove`` hook
(:class:`nnopt.problems.capabilities.Proofs`) holds the stronger and slower
arguments (an LP bound, an exact "one unit better?" question); this module
only decides how much time they get and folds the answer into the search's
result, problem-agnostically:

- the time is *reserved* before the search (:func:`proof_reserve`), a fixed
  share of the budget, since a search never knows it is done; a search that
  meets the cheap bound stops early and the reserve goes unused;
- a better solution the hook returns is checked with the problem's checker
  before it replaces the incumbent;
- a raised bound goes into ``SearchResult.bound`` with the argument's name in
  ``info["proof"]``, which ``nnopt.solve`` reports as "proved by".

Runs under a decode budget alone (no time limit) get no proof phase, so a
seeded run stays reproducible bit for bit.
"""
from __future__ import annotations

import math
from typing import Any

from nnopt.problems.base import Problem
from nnopt.problems.capabilities import Proofs
from nnopt.solver._budget import Budget
from nnopt.solver._incumbent import ProgressCallback, SearchResult

__all__ = ["PROOF_SHARE", "MIN_PROOF_SECONDS", "MAX_PROOF_SIZE", "proof_reserve", "prove_phase", "search_budget"]

#: Share of the time budget kept back for the proof phase.
PROOF_SHARE = 0.5
#: A reserve below this many seconds is not kept: loading an exact solver alone costs
#: a few tenths of a second, so a 1 s run is better spent searching.
MIN_PROOF_SECONDS = 1.5
#: Above this instance size no time is reserved: exact arguments do not scale past a
#: few hundred components within seconds, and the search needs the time more.
MAX_PROOF_SIZE = 400


def proof_reserve(problem: Problem, instance: Any, budget: Budget) -> float:
    """Seconds to keep back from the search for :func:`prove_phase` (0: no proof phase)."""
    if not isinstance(problem, Proofs) or budget.time_limit is None:
        return 0.0
    if problem.instance_size(instance) > MAX_PROOF_SIZE:
        return 0.0
    reserve = PROOF_SHARE * budget.seconds_left()
    return reserve if reserve >= MIN_PROOF_SECONDS else 0.0


def search_budget(budget: Budget, reserve: float) -> Budget:
    """The budget the search runs under: ``budget`` itself, or one ending ``reserve`` seconds earlier."""
    if reserve <= 0 or budget.time_limit is None:
        return budget
    return Budget(time_limit=max(0.01, budget.time_limit - reserve), max_evals=budget.max_evals,
                  start=budget.start, evals=budget.evals)


def prove_phase(problem: Problem, instance: Any, found: SearchResult, budget: Budget, *,
                threads: int | None = None, seed: int = 0,
                on_improve: ProgressCallback | None = None) -> SearchResult:
    """Spend what is left of ``budget`` on the problem's ``prove`` hook; return ``found`` updated.

    Nothing happens when the problem lacks the Proofs capability, the budget has no time limit,
    the search was interrupted or already proved its answer, or the cheap bound
    already meets it. ``found`` is updated in place (solution, bound, status).
    """
    if not isinstance(problem, Proofs) or budget.time_limit is None:
        return found
    if found.status in ("optimal", "interrupted"):
        return found
    bound = float(problem.lower_bound(instance))
    if found.bound is not None:
        bound = max(bound, float(found.bound))
    seconds = budget.seconds_left()
    if found.objective <= bound or seconds < 0.1 or problem.instance_size(instance) > MAX_PROOF_SIZE:
        return found
    try:
        proof = problem.prove(instance, found.solution, seconds, threads=threads, seed=seed)
    except KeyboardInterrupt:  # the search's answer stands
        found.status = "interrupted"
        found.seconds = budget.elapsed
        return found
    if proof.solution is not None:
        _take_better(problem, instance, found, proof.solution, budget, on_improve)
    if math.isfinite(proof.bound) and proof.bound > bound:
        found.bound = float(proof.bound)
        found.info["proof"] = proof.argument
    if found.objective <= max(bound, proof.bound):
        found.status = "optimal"
    found.seconds = budget.elapsed
    return found


def _take_better(problem: Problem, instance: Any, found: SearchResult, solution: Any, budget: Budget,
                 on_improve: ProgressCallback | None) -> None:
    """Replace the incumbent with ``solution`` if the checker accepts it and it is better."""
    issues = problem.check(instance, solution)
    if issues:  # a defective hook: keep the search's verified answer, say why
        found.notes.append(f"proof phase: the better solution of {problem.name}.prove was rejected by the "
                           f"checker ({issues[0]}); kept the search's")
        return
    objective = float(problem.objective(instance, solution))
    if objective >= found.objective:
        return
    cost = float(problem.cost(instance, [solution])[0])
    found.solution, found.objective, found.cost = solution, objective, cost
    found.decoder = "prove"
    found.encoding = None
    found.trace.append((found.evaluations, budget.elapsed, objective, cost))
    found.info["improved_by_proof"] = True
    if on_improve is not None:
        on_improve(found.evaluations, budget.elapsed, objective, cost)
