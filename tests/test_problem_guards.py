"""The contract suite tests the guards: broken copies of the knapsack example each fail a named rule.

A checker that accepts everything, a lower bound above the optimum and a decoder
that overfills would let the CLI certify wrong answers; each must fail a named rule,
and the message names the instance that shows it. Each broken copy below is a subclass of the example
plugin's problem; the unmodified example and the shipped problems still pass.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nnopt.problems import Problem, get_problem
from nnopt.problems.binpack2d._cutting_problem import CUTTING_PLANS
from nnopt.problems.testing import check_problem, problem_checks

REPO = Path(__file__).resolve().parents[1]
PLUGIN_SRC = REPO / "examples" / "knapsack-plugin" / "src"


@pytest.fixture(scope="module")
def knapsack(tmp_path_factory) -> Any:
    """The example's module, imported from a copy (Numba's cache stays out of the repository)."""
    copy = tmp_path_factory.mktemp("knapsack_src")
    shutil.copytree(PLUGIN_SRC / "nnopt_knapsack", copy / "nnopt_knapsack",
                    ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(copy))
    try:
        import nnopt_knapsack

        yield nnopt_knapsack
    finally:
        sys.path.remove(str(copy))
        for name in [m for m in sys.modules if m.startswith("nnopt_knapsack")]:
            del sys.modules[name]


def _failures(problem: Problem) -> dict[str, str]:
    """Rule name -> message of every rule ``problem`` breaks."""
    out = {}
    for name, check in problem_checks(problem):
        try:
            check()
        except AssertionError as exc:
            out[name] = str(exc)
    return out


def test_the_unmodified_example_passes(knapsack):
    check_problem(knapsack.Knapsack)


def test_a_checker_that_accepts_everything_fails(knapsack):
    class AcceptsAll(knapsack.Knapsack):
        def check(self, instance, solution):
            return []

    failed = _failures(AcceptsAll())
    assert set(failed) == {"knapsack:check_checker_rejects_infeasible"}, failed
    msg = failed["knapsack:check_checker_rejects_infeasible"]
    assert msg.startswith("rule 'checker rejects infeasible solutions': infeasible_solutions(instance)[0] passed "
                          "check, on instance 'knapsack_uncorrelated_030_s0' from the given instance 0: {"), msg


def test_derived_corruptions_alone_catch_an_accept_all_checker(knapsack):
    class AcceptsAllNoHook(knapsack.Knapsack):
        def check(self, instance, solution):
            return []

        def infeasible_solutions(self, instance):
            return ()

    failed = _failures(AcceptsAllNoHook())
    msg = failed["knapsack:check_checker_rejects_infeasible"]
    assert "accepted every corrupted solution" in msg or "below the lower bound" in msg, msg
    assert "on instance 'knapsack_uncorrelated_030_s0' from the given instance 0: {" in msg, msg


def test_a_bound_above_the_optimum_fails(knapsack):
    """A bound one unit above the optimum everywhere (every decoded solution is
    often still above it, so only the brute force over all orders on tiny instances sees it)."""
    import itertools

    base = knapsack.Knapsack()

    def optimum(inst):
        return min(base.objective(inst, knapsack.Selection(s)) for r in range(inst.n + 1)
                   for s in itertools.combinations(range(inst.n), r)
                   if not base.check(inst, knapsack.Selection(s)))

    class OptimumPlusOne(knapsack.Knapsack):
        def lower_bound(self, instance):  # the plain bound on large instances: the brute force is for tiny ones
            return optimum(instance) + 1 if instance.n <= 12 else super().lower_bound(instance)

    failed = _failures(OptimumPlusOne())
    assert "knapsack:check_bound_below_optimum" in failed, failed
    assert "rule 'lower bound <= optimum'" in failed["knapsack:check_bound_below_optimum"]


def test_a_bound_one_unit_too_high_fails_naming_the_rule_and_the_instance(knapsack):
    """Dantzig's bound plus one: above the optimum only where the LP bound is tight (one item that
    does not fit, everything fitting), which the smallest generated sizes reach."""
    class BoundPlusOne(knapsack.Knapsack):
        def lower_bound(self, instance):
            return super().lower_bound(instance) + 1

    failed = _failures(BoundPlusOne())
    msg = failed["knapsack:check_bound_below_optimum"]
    assert msg.startswith("rule 'lower bound <= optimum': lower bound "), msg
    assert "the best of every order through the decoders" in msg
    assert "on instance 'knapsack_uncorrelated_001_s0' from generate(seed=0, n=1): {" in msg, msg
    inst = knapsack.Knapsack().generate(seed=0, n=1)
    assert f'"capacity": {inst.capacity}' in msg  # the instance itself, to rebuild the case


def test_the_unmodified_bound_is_tight_somewhere_the_suite_looks(knapsack):
    """The rule above can only catch a bound one too high if some instance it tries has a tight bound."""
    from nnopt.problems.testing import _all_orders, _tiny_instances

    problem = knapsack.Knapsack()
    tiny = _tiny_instances(problem, [])
    assert len(tiny) >= 20 and {problem.instance_size(i) for i, _ in tiny} == {1, 2, 3, 4, 5, 6}
    tight = [how for inst, how in tiny
             if problem.lower_bound(inst) == min(problem.objective(inst, s)
                                                 for s in problem.decode(inst, _all_orders(inst.n)))]
    assert len(tight) >= 5, tight


def test_a_decoder_that_overfills_fails(knapsack):
    class Overfills(knapsack.Knapsack):
        def decode(self, instance, X, decoder=None, encoding=None):
            sols = super().decode(instance, X, decoder, encoding)
            return [knapsack.Selection(tuple(range(instance.n))) if i % 2 else s for i, s in enumerate(sols)]

    failed = _failures(Overfills())
    assert "knapsack:check_decoded_feasible" in failed, failed
    assert "rule 'decoded solutions pass check'" in failed["knapsack:check_decoded_feasible"]


def test_a_cost_that_ranks_against_the_objective_fails(knapsack):
    class Upside(knapsack.Knapsack):
        def cost(self, instance, solutions):
            return -super().cost(instance, solutions)

    failed = _failures(Upside())
    assert set(failed) == {"knapsack:check_cost_ranks_like_objective"}, failed


def test_a_problem_offering_no_corruption_and_no_hook_fails_saying_so(knapsack):
    class Opaque(knapsack.Knapsack):
        """Solution files hold one string: nothing to drop, duplicate or push out of range."""

        def solution_to_json(self, instance, solution):
            return {"packed": ",".join(map(str, solution.items))}

        def solution_from_json(self, instance, data):
            text = data.get("packed", "")
            return knapsack.Selection(tuple(int(t) for t in text.split(",") if t))

        def infeasible_solutions(self, instance):
            return ()

    failed = _failures(Opaque())
    assert "offers no infeasible_solutions(instance) hook" in failed["knapsack:check_checker_rejects_infeasible"]


@pytest.mark.parametrize("name", ["binpack2d", "tsp"])
def test_shipped_problems_pass_the_guard_rules(name):
    rules = [(n, c) for n, c in problem_checks(get_problem(name))
             if n.split(":")[1] in ("check_checker_rejects_infeasible", "check_bound_below_optimum",
                                    "check_cost_ranks_like_objective")]
    assert len(rules) == 3
    for _, check in rules:
        check()


def test_the_brute_force_covers_every_order():
    from nnopt.problems.testing import _all_orders

    keys = _all_orders(4)
    assert keys.shape == (24, 4)
    assert len({tuple(np.argsort(r)) for r in keys}) == 24


def test_a_reserved_solution_key_fails_a_named_rule(knapsack):
    class Reserved(knapsack.Knapsack):
        def solution_to_json(self, instance, solution):
            return {**super().solution_to_json(instance, solution), "objective": 0}

    failed = _failures(Reserved())
    assert "rule 'solution keys': solution_to_json uses 'objective'" in failed["knapsack:check_solution_round_trip"]


def test_problem_names_must_be_identifiers(knapsack):
    from nnopt.problems import register_problem

    class Dashed(knapsack.Knapsack):
        name = "bin-pack-1d"

    with pytest.raises(TypeError, match=r"Dashed.name must be a Python identifier \(e.g. 'bin_pack_1d'\), "
                                        r"got 'bin-pack-1d'"):
        register_problem(Dashed)


def test_token_features_is_a_declared_capability():
    from nnopt.problems.capabilities import TokenFeatures
    from nnopt.solver.pretrain import offers_token_features

    assert offers_token_features(get_problem("binpack2d")) and not offers_token_features(get_problem("tsp"))
    assert isinstance(get_problem("binpack2d"), TokenFeatures)
    assert not hasattr(get_problem("tsp"), "token_features")  # a capability's hooks live on its mixin only
    assert not hasattr(Problem, "features")  # the unused member is gone


def _binpack_instances():
    bp = get_problem("binpack2d")
    return [bp.generate(seed=s, klass=7, n=25) for s in range(2)]


def test_search_hooks_that_lose_a_solution_fail_the_contract():
    from nnopt.problems.binpack2d import BinPack2D
    from nnopt.problems.testing import check_search_hooks

    class ForgetsLeftOut(BinPack2D):
        def state_cost(self, instance, state):  # never admits that anything is left out
            left, tie = super().state_cost(instance, state)
            return 0.0, tie

    with pytest.raises(AssertionError, match="search moves"):
        check_search_hooks(ForgetsLeftOut(), _binpack_instances())


def test_a_recombination_that_returns_an_infeasible_packing_fails_the_contract():
    from nnopt.problems.binpack2d import BinPack2D
    from nnopt.problems.testing import check_search_hooks

    class StacksEverything(BinPack2D):
        def recombine(self, instance, pool, incumbent, time_limit, seed, columns=None):
            rows = incumbent.placements.copy()
            rows[:, 1] = 0  # every item in one bin, overlapping
            rows[:, 2:4] = 0
            return type(incumbent)(rows)

    with pytest.raises(AssertionError, match="recombine returned an infeasible"):
        check_search_hooks(StacksEverything(), _binpack_instances())


def test_the_shipped_search_hooks_pass():
    from nnopt.problems.testing import check_search_hooks

    check_search_hooks(get_problem("binpack2d"), _binpack_instances())
    tsp = get_problem("tsp")
    check_search_hooks(tsp, [tsp.generate(seed=1, n=30)])


def test_the_suite_runs_the_rules_of_the_capabilities_a_problem_declares(knapsack):
    from nnopt.problems.testing import CAPABILITY_RULES, CORE_RULES

    def rules(problem):
        return {name.split(":")[1] for name, _ in problem_checks(problem)}

    core = {r.__name__ for r in CORE_RULES}
    per = {cap.__name__: {r.__name__ for r in rs} for cap, rs in CAPABILITY_RULES.items()}
    assert rules(knapsack.Knapsack) == core  # the example declares no capability
    tsp = per["SolutionSearch"] | per["Rendering"] | per["FileFormats"]
    assert rules(get_problem("tsp")) == core | tsp
    finishing = per.pop("Polishing")  # bin packing's textbook variant has one sheet size, nothing to polish
    assert rules(get_problem("binpack2d")) == core.union(*per.values())
    assert finishing <= rules(CUTTING_PLANS)
    assert "check_proof_below_optimum" in per["Proofs"] and "check_search_moves" in per["SolutionSearch"]
