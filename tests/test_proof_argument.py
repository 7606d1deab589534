"""`nnopt solve` names the argument that proves a solution optimal."""
from __future__ import annotations

from pathlib import Path

import nnopt
from nnopt.problems import get_problem
from nnopt.problems.binpack2d._bounds import lower_bounds

REPO = Path(__file__).resolve().parents[1]


def test_an_optimum_met_by_the_bound_names_that_bound():
    res = nnopt.solve(str(REPO / "examples" / "cl_07_040_01.json"), max_evals=200, seed=0)
    assert res.status == "optimal" and res.objective == res.lower_bound
    l2 = lower_bounds(res.instance)["L2"]
    expected = "Martello-Vigo L2 bound" if l2 >= res.lower_bound else "dual-feasible-function bound"
    assert res.proof == expected and res.to_json()["proof"] == expected


def test_no_proof_without_optimality():
    res = nnopt.solve(str(REPO / "benchmarks" / "data" / "2bp" / "instances" / "CLASS07_040_02.json"),
                      method="best-heuristic", seed=0)
    assert res.objective > res.lower_bound
    assert res.proof is None and "proof" not in res.to_json()


def test_the_default_argument_of_a_problem_is_its_lower_bound():
    tsp = get_problem("tsp")
    assert tsp.bound_argument(tsp.generate(seed=0, n=8)) == "the problem's lower bound"
