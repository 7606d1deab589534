"""The ``prove`` hook of binpack2d and the default method's proof phase.

The hook must never prove more than is true (its bound at most a known optimum),
must return only verified, strictly better packings, and the default method must
report *which* argument proved an optimum.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nnopt
from nnopt.problems import get_problem
from nnopt.problems.base import Proof
from nnopt.problems.binpack2d import Packing
from nnopt.problems.binpack2d import _prove as prove_module
from nnopt.problems.binpack2d._checker import check_packing
from nnopt.problems.binpack2d._known_optimum import generate_known_optimum_packing
from nnopt.problems.binpack2d._prove import COLGEN_ARGUMENT, cpsat_argument
from nnopt.problems.capabilities import Proofs
from nnopt.solver import prove_phase as phase
from nnopt.solver._budget import Budget
from nnopt.solver._incumbent import SearchResult

REPO = Path(__file__).resolve().parents[1]
INSTANCES = REPO / "benchmarks" / "data" / "2bp" / "instances"
PROBLEM = get_problem("binpack2d")


def spread(packing: Packing, extra: int) -> Packing:
    """The same packing with ``extra`` items moved alone into new bins (still feasible, worse)."""
    rows = np.array(packing.placements)
    top = int(rows[:, 1].max())
    for k in range(extra):
        rows[k, 1] = top + 1 + k
        rows[k, 2] = rows[k, 3] = 0
    return Packing(rows)


def test_binpack2d_has_the_proofs_capability_and_tsp_does_not() -> None:
    assert isinstance(PROBLEM, Proofs) and Proofs.hooks() == ("prove",)
    assert not isinstance(get_problem("tsp"), Proofs) and not hasattr(get_problem("tsp"), "prove")


@pytest.mark.parametrize("seed, rotation", [(0, False), (1, True), (2, False), (3, True)])
def test_bound_never_above_a_known_optimum(seed: int, rotation: bool) -> None:
    # Pieces cut from full bins: the optimum is the bins cut. Handed a worse packing the hook
    # may improve it (verified, never below the optimum) but must not claim more than the optimum.
    inst, packing = generate_known_optimum_packing(3, 12, seed, allow_rotation=rotation)
    opt = packing.num_bins
    worse = spread(packing, 2)
    proof = PROBLEM.prove(inst, worse, 1.0, threads=1)
    assert PROBLEM.lower_bound(inst) <= proof.bound <= opt
    if proof.solution is not None:
        assert check_packing(inst, proof.solution) == []
        assert opt <= proof.solution.num_bins < worse.num_bins
        assert proof.bound <= proof.solution.num_bins


def test_an_optimal_packing_is_proved_by_cpsat_when_the_bounds_fall_short(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prove_module, "COLGEN_CAP", 0.0)  # no LP bound: CP-SAT alone
    inst = PROBLEM.read(INSTANCES / "CLASS03_100_06.json")  # cheap bound 26, optimum 27
    found = nnopt.solve(inst, problem="binpack2d", method="best-heuristic", seed=0)
    if found.objective != 27:
        pytest.skip("the heuristic is not at the optimum here")
    proof = PROBLEM.prove(inst, found.solution, 20.0, threads=1)  # ends at the proof (0.2 s)
    assert proof == Proof(27.0, None, cpsat_argument(27))


def test_a_gap_closed_by_column_generation_is_named() -> None:
    inst = PROBLEM.read(INSTANCES / "CLASS03_020_01.json")  # cheap bound 5, optimum 6
    found = nnopt.solve(inst, problem="binpack2d", method="best-heuristic", seed=0)
    assert PROBLEM.lower_bound(inst) == 5 and found.objective == 6
    proof = PROBLEM.prove(inst, found.solution, 2.0, threads=1)
    assert proof.bound == 6 and proof.solution is None and proof.argument == COLGEN_ARGUMENT


def result_of(packing: Packing, inst) -> SearchResult:  # type: ignore[no-untyped-def]
    cost = float(PROBLEM.cost(inst, [packing])[0])
    return SearchResult(packing, float(packing.num_bins), cost, evaluations=7, seconds=0.0, status="budget")


def test_the_phase_takes_a_verified_better_solution_and_its_proof() -> None:
    inst, packing = generate_known_optimum_packing(2, 8, 2)
    found = result_of(spread(packing, 1), inst)
    out = phase.prove_phase(PROBLEM, inst, found, Budget(time_limit=3.0), threads=1)
    assert out.objective == 2 and check_packing(inst, out.solution) == [] and out.decoder == "prove"
    assert out.status == "optimal"  # 2 bins meet the bound


class Liar(type(PROBLEM)):  # type: ignore[misc]
    """A defective hook: an infeasible 'better' solution (every item in one bin at the origin)."""

    def prove(self, instance, incumbent, seconds, threads=None, seed=0):  # type: ignore[no-untyped-def]
        rows = np.array(incumbent.placements)
        rows[:, 1:4] = 0
        return Proof(self.lower_bound(instance), Packing(rows), "lie")


def test_the_phase_refuses_a_solution_the_checker_rejects() -> None:
    inst, packing = generate_known_optimum_packing(2, 8, 2)
    found = result_of(spread(packing, 1), inst)
    out = phase.prove_phase(Liar(), inst, found, Budget(time_limit=3.0))
    assert out.objective == 3 and out.solution is found.solution and out.status == "budget"
    assert any("rejected by the checker" in note for note in out.notes)


def test_no_phase_under_a_decode_budget() -> None:
    inst, packing = generate_known_optimum_packing(2, 8, 2)
    found = result_of(spread(packing, 1), inst)
    budget = Budget(max_evals=100)
    assert phase.proof_reserve(PROBLEM, inst, budget) == 0.0
    assert phase.prove_phase(PROBLEM, inst, found, budget).objective == 3


def test_the_default_reports_the_argument_that_proved_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phase, "MIN_PROOF_SECONDS", 0.2)  # a short test: keep a reserve of 1.5 s
    path = str(INSTANCES / "CLASS03_020_01.json")
    res = nnopt.solve(path, time_limit=3.0, seed=0, threads=1)
    if res.seconds > 4.0:  # an empty Numba cache (a fresh clone): kernels compiled inside the limit
        pytest.skip(f"the run compiled its kernels inside its limit ({res.seconds:.1f} s of 3 s)")
    assert res.objective == 6 and res.status == "optimal" and res.lower_bound == 6
    assert res.proof in (COLGEN_ARGUMENT, "CP-SAT: no packing in 5 bins")
    assert res.to_json()["proof"] == res.proof
