"""The method contract as runnable checks, for shipped and third-party methods.

Parametrize a test over :func:`method_checks` so that each rule is its own
pytest case (the problem contract's twin, :mod:`nnopt.problems.testing`)::

    import pytest
    from nnopt.solver.testing import method_checks

    @pytest.mark.parametrize("name, check", method_checks(MyMethod(), MyProblem()))
    def test_method_contract(name, check):
        check()

The rules: the method keeps the contract's form; under a decode budget it
stays within it and returns a solution the problem's checker accepts; with the
same seed it repeats itself bit for bit; under a time budget it returns in
time; and a problem it does not solve is refused in one line. Each check
raises ``AssertionError`` naming the rule that broke.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from nnopt.problems.base import Problem
from nnopt.solver._budget import Budget
from nnopt.solver._method import Method, UnsupportedMethodError, validate_method
from nnopt.solver._method_registry import run_method

__all__ = ["check_method", "method_checks"]

_SEEDS = (0, 1)


def _solution_text(problem: Problem, instance: Any, solution: Any) -> str:
    return json.dumps(problem.solution_to_json(instance, solution), sort_keys=True)


def _verified(rule: str, method: Method, problem: Problem, instance: Any, result: Any) -> None:
    issues = problem.check(instance, result.solution)
    assert not issues, f"rule '{rule}': {method.name} returned an infeasible solution: {issues[:3]}"
    objective = problem.objective(instance, result.solution)
    assert objective == result.objective, (
        f"rule '{rule}': {method.name} reports objective {result.objective}, the solution has {objective}")
    bound = problem.lower_bound(instance)
    assert bound <= objective + 1e-9, f"rule '{rule}': objective {objective} below the lower bound {bound}"


class _Rules:
    """The rules, bound to one method, problem and instance set."""

    def __init__(self, method: Method, problem: Problem, instances: Sequence[Any], max_evals: int,
                 time_limit: float, slack: float, others: Sequence[Problem]) -> None:
        self.method, self.problem, self.instances = method, problem, instances
        self.max_evals, self.time_limit, self.slack, self.others = max_evals, time_limit, slack, others

    def run(self, instance: Any, budget: Budget, seed: int) -> Any:
        return run_method(self.method, self.problem, instance, budget, seed)

    def form(self) -> None:
        try:
            validate_method(self.method)
        except TypeError as exc:
            raise AssertionError(f"rule 'form': {exc}") from exc
        assert self.method.supports(self.problem), (
            f"rule 'form': {self.method.name} was given {self.problem.name!r}, which it refuses: "
            f"{self.method.unsupported(self.problem)}")
        for alias, params in self.method.aliases().items():
            assert self.method.configure(**params).name == alias, f"rule 'form': alias {alias!r} names another method"

    def decode_budget(self) -> None:
        for inst in self.instances:
            res = self.run(inst, Budget(max_evals=self.max_evals), seed=0)
            assert res.evaluations <= self.max_evals, (
                f"rule 'decode budget': {res.evaluations} decodes under --max-evals {self.max_evals}")
            _verified("decode budget", self.method, self.problem, inst, res)

    def repeatable(self) -> None:
        if not self.method.deterministic:
            return  # the method says it is not; nothing to hold it to
        for inst in self.instances:
            for seed in _SEEDS:
                a, b = (self.run(inst, Budget(max_evals=self.max_evals), seed=seed) for _ in range(2))
                same = _solution_text(self.problem, inst, a.solution) == _solution_text(self.problem, inst, b.solution)
                assert same, (
                    f"rule 'repeatable': seed {seed} and --max-evals {self.max_evals} gave two different solutions")

    def _warm(self, instance: Any) -> None:
        """Before the clock: the bound (nnopt.solve computes it first too) and each decoder's first
        call (a compiled kernel loads once per process); the rule measures the method's own discipline."""
        self.problem.lower_bound(instance)
        X = self.problem.sample(instance, 2, np.random.default_rng(0))
        for decoder in self.problem.search_decoders or self.problem.decoders:
            self.problem.decode(instance, X, decoder=decoder)

    def time_budget(self) -> None:
        for inst in self.instances:
            self._warm(inst)
            start = time.perf_counter()
            res = self.run(inst, Budget(time_limit=self.time_limit), seed=0)
            took = time.perf_counter() - start
            assert took <= self.time_limit + self.slack, (
                f"rule 'time budget': {took:.2f} s under a {self.time_limit:g} s limit (slack {self.slack:g} s)")
            _verified("time budget", self.method, self.problem, self.instances[0], res)

    def refuses_in_one_line(self) -> None:
        refused = [p for p in self.others if not self.method.supports(p)]
        for other in refused:
            why = self.method.unsupported(other)
            assert isinstance(why, str) and why.strip() and "\n" not in why, (
                f"rule 'refusal': unsupported({other.name!r}) must be one line, got {why!r}")
            try:
                run_method(self.method, other, None, Budget(max_evals=1), 0)
            except UnsupportedMethodError as exc:
                assert "\n" not in str(exc) and why in str(exc), f"rule 'refusal': message {exc!s:.200}"
            else:
                raise AssertionError(f"rule 'refusal': {self.method.name} ran on {other.name!r}")


def method_checks(method: Method, problem: Problem, instances: Iterable[Any] | None = None, *,
                  max_evals: int = 150, time_limit: float = 0.5, slack: float = 0.5,
                  unsupported: Iterable[Problem] = ()) -> list[tuple[str, Callable[[], None]]]:
    """``(rule name, zero-argument check)`` pairs for ``method`` on ``problem``.

    ``instances`` default to ``problem.generate(seed=0)``; ``unsupported`` are
    problems the method should refuse (those it does solve are skipped).
    """
    insts = list(instances) if instances is not None else [problem.generate(seed=0)]
    rules = _Rules(method, problem, insts, max_evals, time_limit, slack, list(unsupported))
    names: Mapping[str, Callable[[], None]] = {
        "form": rules.form,
        "decode_budget": rules.decode_budget,
        "repeatable": rules.repeatable,
        "time_budget": rules.time_budget,
        "refusal": rules.refuses_in_one_line,
    }
    return [(f"{method.name}@{problem.name}:{rule}", check) for rule, check in names.items()]


def check_method(method: Method, problem: Problem, instances: Iterable[Any] | None = None, **kw: Any) -> None:
    """Run every rule; the first broken one raises ``AssertionError``."""
    for _, check in method_checks(method, problem, instances, **kw):
        check()
