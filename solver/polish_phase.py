"""The default method's last phase: the problem's own finishing search on the best solution found.

Where a problem declares :class:`~nnopt.problems.capabilities.Polishing` and says the polish applies
to an instance, :func:`polished` gives it what is left of the budget: the time until the budget's
end, or, under ``max_evals``, the decodes left as moves (so a seeded run stays reproducible). The
polished solution is taken only when the checker passes it and its objective is lower.
"""
from __future__ import annotations

from typing import Any

from nnopt.problems.base import Problem
from nnopt.problems.capabilities import Polishing
from nnopt.solver._budget import Budget
from nnopt.solver._incumbent import ProgressCallback, SearchResult

__all__ = ["polished"]


def polished(problem: Problem, instance: Any, found: SearchResult, budget: Budget, seed: int = 0,
             on_improve: ProgressCallback | None = None) -> SearchResult:
    """``found`` after the problem's polish within ``budget`` (unchanged where none applies)."""
    if not isinstance(problem, Polishing) or not problem.polishes(instance):
        return found
    if found.status in ("optimal", "interrupted") or budget.exhausted():
        return found
    deadline = None if budget.time_limit is None else budget.start + budget.time_limit
    moves = budget.remaining_evals()
    try:
        better = problem.polish(instance, found.solution, deadline, moves, seed=seed)
    except KeyboardInterrupt:
        found.status = "interrupted"
        return found
    budget.spend(moves or 0)
    objective = float(problem.objective(instance, better))
    if objective < found.objective and not problem.check(instance, better):
        found.solution, found.objective = better, objective
        found.cost = float(problem.cost(instance, [better])[0])
        found.info["polished"] = True
        found.trace.append((budget.evals, budget.elapsed, found.objective, found.cost))
        if on_improve is not None:
            on_improve(budget.evals, budget.elapsed, found.objective, found.cost)
    return found
