"""The plugin's own tests: nnopt's contract suite, one case per rule, plus knapsack facts."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from nnopt_knapsack import Knapsack, Selection

from nnopt.problems import InstanceError
from nnopt.problems.testing import check_problem, problem_checks

PROBLEM = Knapsack()
EXAMPLE = Path(__file__).resolve().parents[1] / "example.json"


@pytest.mark.parametrize("name, check", problem_checks(Knapsack))
def test_contract(name, check):
    check()


def test_the_example_implements_the_core_alone():
    from nnopt.problems.capabilities import capabilities_of

    assert capabilities_of(Knapsack) == ()  # the default method and the encoding-space searches solve it


def test_contract_on_every_kind_and_the_example():
    instances = [PROBLEM.generate(seed=1, kind=k, n=25) for k in ("weakly-correlated", "strongly-correlated")]
    instances.append(PROBLEM.load(json.loads(EXAMPLE.read_text())))
    check_problem(PROBLEM, instances)


def test_bound_and_best_decode_bracket_the_brute_force_optimum():
    inst = PROBLEM.generate(seed=3, n=12)
    best_left_out = min(
        PROBLEM.objective(inst, Selection(tuple(s)))
        for r in range(inst.n + 1) for s in itertools.combinations(range(inst.n), r)
        if not PROBLEM.check(inst, Selection(tuple(s)))
    )
    X = np.concatenate([PROBLEM.heuristic_encodings(inst), PROBLEM.sample(inst, 500, np.random.default_rng(0))])
    decoded = min(PROBLEM.cost(inst, PROBLEM.decode(inst, X)))
    assert PROBLEM.lower_bound(inst) <= best_left_out <= decoded


def test_checker_and_loader_name_the_problem():
    inst = PROBLEM.load(json.loads(EXAMPLE.read_text()))
    assert PROBLEM.check(inst, Selection((0, 5, 7, 9))) == ["packed weight 61 exceeds the capacity 50"]
    with pytest.raises(InstanceError, match=r"items\[1\].weight must be a positive integer, got 0"):
        PROBLEM.load({"capacity": 5, "items": [{"weight": 1, "value": 1}, {"weight": 0, "value": 1}]})


# ------------------------------------------------------------------ the plugin's own method
from nnopt_knapsack import KnapsackDP  # noqa: E402

from nnopt.solver.testing import method_checks  # noqa: E402


class _Other(Knapsack):
    name = "not_knapsack"


@pytest.mark.parametrize("name, check", method_checks(KnapsackDP(), PROBLEM, [PROBLEM.generate(seed=2, n=25)],
                                                      unsupported=[_Other()]))
def test_method_contract(name, check):
    check()


def test_dp_finds_the_brute_force_optimum():
    from nnopt.solver.methods import Budget

    for seed in range(3):
        inst = PROBLEM.generate(seed=seed, n=12)
        best = min(PROBLEM.objective(inst, Selection(tuple(s)))
                   for r in range(inst.n + 1) for s in itertools.combinations(range(inst.n), r)
                   if not PROBLEM.check(inst, Selection(tuple(s))))
        assert KnapsackDP().run(PROBLEM, inst, Budget(max_evals=1)).objective == best
