"""A Python objective over a space as a problem of the contract: the contract suite, solve, errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

from nnopt import register_problem, solve
from nnopt.problems import unregister_problem
from nnopt.problems.blackbox import BlackBoxInstance, ObjectiveError, blackbox_problem
from nnopt.problems.testing import problem_checks
from nnopt.spaces import Binary, Categorical, Permutation


def weighted(sol):
    bits, perm, cats = sol
    return float(bits.sum()) + float(np.dot(perm, np.arange(len(perm)))) + cats[0]


PROBLEM = blackbox_problem(weighted, Binary(4) * Permutation(3) * Categorical([3]), name="weighted_bb",
                           lower_bound=0.0 + 0 + 0)


@pytest.mark.parametrize(("name", "check"), problem_checks(PROBLEM))
def test_contract(name, check):
    check()


def test_solve_runs_the_engine_on_a_registered_objective_and_calls_it_once_per_solution():
    calls = []

    def onemax(x):
        calls.append(x.tobytes())
        return -float(x.sum())

    register_problem(blackbox_problem(onemax, Binary(16), name="onemax_bb", lower_bound=-16), replace=True)
    try:
        result = solve(BlackBoxInstance("onemax"), problem="onemax_bb", method="random-keys", max_evals=200, seed=0)
    finally:
        unregister_problem("onemax_bb")
    assert result.verified and result.objective <= -10
    assert len(calls) == len(set(calls)) <= 200
    assert result.to_json()["code"] and result.to_json()["problem"] == "onemax_bb"


def test_an_objective_returning_nan_is_one_clear_error():
    problem = blackbox_problem(lambda x: math.nan, Binary(3), name="nan_bb")()
    with pytest.raises(ObjectiveError, match="nan at evaluation 1"):
        problem.cost(BlackBoxInstance(), [np.zeros(3, bool)])
