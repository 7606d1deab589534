"""The problem contract as runnable checks, for shipped and third-party problems.

Call :func:`check_problem` in a test to run every rule, or parametrize over
:func:`problem_checks` so that each rule is its own pytest case::

    import pytest
    from nnopt.problems.testing import check_problem, problem_checks

    def test_contract():
        check_problem(MyProblem)

    @pytest.mark.parametrize("name, check", problem_checks(MyProblem))
    def test_rule(name, check):
        check()

Each check raises ``AssertionError`` whose message names the rule that broke.
Instances come from the problem's own ``generate(seed)`` unless given.

Besides the plumbing (round trips, determinism, bad input), the suite tests the
two guards every printed result rests on: the checker must reject corrupted
solutions (derived from ``solution_to_json``, and those of the optional
``infeasible_solutions`` hook), and the lower bound must not exceed the best
solution over every order of tiny instances (``generate(seed, n<=6)``) nor any
decoded solution; ``cost`` must rank like ``objective``. A problem with the optional
``prove`` hook must not prove more than is true: handed the worst of a batch of decoded
solutions, its bound stays at or below the best of them (so a hook that declares its
incumbent optimal is caught), and a better solution it returns passes ``check``. A problem
with the solution-level search hooks must keep them consistent (:func:`check_search_hooks`).
"""
from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from nnopt.problems._registry import validate_problem_class
from nnopt.problems.base import (
    PROOF_HOOKS,
    RESERVED_SOLUTION_KEYS,
    RUIN_RECREATE_HOOKS,
    InstanceError,
    Problem,
    SolutionError,
)

__all__ = ["check_problem", "problem_checks", "check_search_hooks"]

_SEEDS = (0, 1, 2)
_BATCH = 12


def _as_problem(problem: Problem | type[Problem]) -> Problem:
    if isinstance(problem, type):
        validate_problem_class(problem)
        return problem()
    validate_problem_class(type(problem))
    return problem


def _sol_json(problem: Problem, inst: Any, sol: Any) -> str:
    return json.dumps(problem.solution_to_json(inst, sol), sort_keys=True)


def _batch(problem: Problem, inst: Any, seed: int) -> np.ndarray:
    X = problem.sample(inst, _BATCH, np.random.default_rng(seed))
    H = problem.heuristic_encodings(inst)
    return np.concatenate([H, X]).astype(np.float32) if len(H) else X


# Each rule takes (problem, instances) and raises AssertionError when broken.

def check_class_attributes(problem: Problem, instances: list[Any]) -> None:
    validate_problem_class(type(problem))
    assert problem.description.strip(), "rule 'description': the problem needs a one-line description"


def check_instance_round_trip(problem: Problem, instances: list[Any]) -> None:
    for inst in instances:
        data = problem.instance_to_json(inst)
        text = json.dumps(data)  # must be plain JSON
        again = problem.load(json.loads(text))
        assert again == inst, "rule 'instance round trip': load(instance_to_json(x)) != x"


def check_generate_deterministic(problem: Problem, instances: list[Any]) -> None:
    a = problem.instance_to_json(problem.generate(seed=7))
    b = problem.instance_to_json(problem.generate(seed=7))
    assert a == b, "rule 'generate is seeded': generate(seed=7) gave two different instances"


def check_bad_input_raises_instance_error(problem: Problem, instances: list[Any]) -> None:
    bad: object
    for bad in (None, [], "text", 3, 1.5, {}, {"problem": "no-such-problem"}):
        try:
            problem.load(bad)
        except InstanceError:
            continue
        except Exception as exc:  # noqa: BLE001 - the rule is about the exception type
            raise AssertionError(f"rule 'bad input': load({bad!r}) raised {type(exc).__name__}: {exc}") from exc
        raise AssertionError(f"rule 'bad input': load({bad!r}) was accepted")
    valid = problem.instance_to_json(instances[0])
    with_unknown = dict(valid, no_such_field_=1)
    try:
        problem.load(with_unknown)
    except InstanceError:
        pass
    else:
        raise AssertionError("rule 'bad input': an unknown top-level key was accepted")
    # Every field replaced by values of the wrong kind: only InstanceError may escape.
    for key in valid:
        junk: object
        for junk in (None, -1, 0, "x", [], {}, [None], 10**30, float("nan"), True):
            data = copy.deepcopy(valid)
            data[key] = junk
            try:
                problem.load(data)
            except InstanceError:
                pass
            except Exception as exc:  # noqa: BLE001
                raise AssertionError(
                    f"rule 'bad input': field {key!r} = {junk!r} raised {type(exc).__name__}: {exc}"
                ) from exc


def check_sample(problem: Problem, instances: list[Any]) -> None:
    for inst in instances:
        d = problem.encoding_size(inst)
        X = problem.sample(inst, 5, np.random.default_rng(0))
        assert X.shape == (5, d), f"rule 'sample shape': got {X.shape}, want (5, {d})"
        assert X.dtype == np.float32, f"rule 'sample dtype': got {X.dtype}, want float32"
        assert np.all((X >= 0) & (X < 1)), "rule 'sample range': samples outside [0, 1)"
        Y = problem.sample(inst, 5, np.random.default_rng(0))
        assert np.array_equal(X, Y), "rule 'sample is seeded': same rng seed, different samples"
        H = problem.heuristic_encodings(inst)
        assert H.ndim == 2 and H.shape[1] == d, f"rule 'heuristic encodings shape': got {H.shape}"


def check_decode_deterministic(problem: Problem, instances: list[Any]) -> None:
    for inst in instances:
        X = _batch(problem, inst, 1)
        for decoder in problem.decoders:
            a = problem.decode(inst, X, decoder=decoder)
            b = problem.decode(inst, X.copy(), decoder=decoder)
            assert len(a) == len(X), f"rule 'decode size': {len(a)} solutions for {len(X)} encodings"
            for i in range(len(X)):
                assert _sol_json(problem, inst, a[i]) == _sol_json(problem, inst, b[i]), (
                    f"rule 'decode is deterministic': decoder {decoder!r}, row {i}"
                )


def check_batch_equals_single(problem: Problem, instances: list[Any]) -> None:
    for inst in instances:
        X = _batch(problem, inst, 2)
        for decoder in problem.decoders:
            batch = problem.decode(inst, X, decoder=decoder)
            for i in range(len(X)):
                one = problem.decode(inst, X[i : i + 1], decoder=decoder)
                assert _sol_json(problem, inst, batch[i]) == _sol_json(problem, inst, one[0]), (
                    f"rule 'batched decode = one-by-one decode': decoder {decoder!r}, row {i}"
                )


def check_decoded_feasible(problem: Problem, instances: list[Any]) -> None:
    for inst in instances:
        X = _batch(problem, inst, 3)
        for decoder in problem.decoders:
            for i, sol in enumerate(problem.decode(inst, X, decoder=decoder)):
                issues = problem.check(inst, sol)
                assert not issues, (
                    f"rule 'decoded solutions pass check': decoder {decoder!r}, row {i}: {issues[:3]}"
                )


def check_solution_round_trip(problem: Problem, instances: list[Any]) -> None:
    for inst in instances:
        X = _batch(problem, inst, 4)
        for sol in problem.decode(inst, X):
            data = json.loads(json.dumps(problem.solution_to_json(inst, sol)))
            clash = sorted(RESERVED_SOLUTION_KEYS.intersection(data))
            assert not clash, (f"rule 'solution keys': solution_to_json uses {', '.join(map(repr, clash))}, "
                               "reserved for the engine's own fields (RESERVED_SOLUTION_KEYS)")
            again = problem.solution_from_json(inst, data)
            assert _sol_json(problem, inst, again) == _sol_json(problem, inst, sol), (
                "rule 'solution round trip': solution_from_json(solution_to_json(s)) differs from s"
            )
            assert problem.objective(inst, again) == problem.objective(inst, sol), (
                "rule 'solution round trip': objective changed"
            )


def check_bound_and_cost(problem: Problem, instances: list[Any]) -> None:
    for inst in instances:
        bound = problem.lower_bound(inst)
        X = _batch(problem, inst, 5)
        sols = problem.decode(inst, X)
        cost = np.asarray(problem.cost(inst, sols))
        assert cost.shape == (len(X),), f"rule 'cost shape': got {cost.shape}, want ({len(X)},)"
        assert np.all(np.isfinite(cost)), "rule 'cost is finite'"
        again = np.asarray(problem.cost(inst, [sols[i] for i in range(len(sols))]))
        assert np.allclose(cost, again), "rule 'cost of a batch = cost of its list of solutions'"
        for sol in sols:
            obj = problem.objective(inst, sol)
            assert bound <= obj + 1e-9, f"rule 'lower bound <= objective': bound {bound} > objective {obj}"


# ------------------------------------------------------------------ the guards
# The checker and the lower bound are what every printed result rests on: a checker that
# accepts anything, or a bound above the optimum, makes the CLI certify wrong answers. The
# rules below test them against solutions whose verdict is known.

#: Largest encoding whose every order is decoded (6! = 720 rows per decoder).
_BRUTE_FORCE_DIM = 6
#: Sizes tried, largest first, when asking ``generate(seed, n=...)`` for tiny instances.
_TINY_SIZES = (6, 5, 4)
#: Random encodings decoded when an instance is too large for the brute force.
_LONG_SEARCH = 2000
#: Most corrupted solutions derived from one solution (keeps the rule fast).
_MAX_CORRUPTIONS = 16


def _corrupt_json(data: Any) -> list[Any]:
    """Solution files derived from ``data``: one component dropped or duplicated per list field,
    and numbers of the first component pushed out of range (-1, +10**6)."""
    out: list[Any] = []
    if not isinstance(data, dict):
        return out
    for key, value in data.items():
        if not isinstance(value, list) or not value:
            continue
        out.append(dict(data, **{key: value[1:]}))                      # drop a component
        out.append(dict(data, **{key: [*value, copy.deepcopy(value[0])]}))  # duplicate one
        for bad in (-1, 10**6):                                          # perturb its numbers
            first = _perturb(copy.deepcopy(value[0]), bad)
            if first is not None:
                out.append(dict(data, **{key: [first, *value[1:]]}))
    return out


def _perturb(value: Any, bad: int) -> Any | None:
    """``value`` with its first integer leaf (depth first) set to ``bad``; None when it has none."""
    if isinstance(value, int) and not isinstance(value, bool):
        return bad
    if isinstance(value, list):
        for i, v in enumerate(value):
            new = _perturb(v, bad)
            if new is not None:
                value[i] = new
                return value
    if isinstance(value, dict):
        for k in sorted(value, key=str):
            new = _perturb(value[k], bad)
            if new is not None:
                value[k] = new
                return value
    return None


def check_checker_rejects_infeasible(problem: Problem, instances: list[Any]) -> None:
    """Corrupted solutions: each one the checker accepts must be a valid solution (objective at or above
    the bound); per instance at least one must be rejected; every ``infeasible_solutions`` one must be."""
    rule = "rule 'checker rejects infeasible solutions'"
    for k, inst in enumerate(instances):
        derived_any = False
        bad_known = list(problem.infeasible_solutions(inst))
        for i, sol in enumerate(bad_known):
            assert problem.check(inst, sol), f"{rule}: infeasible_solutions(instance {k})[{i}] passed check"
        sols = problem.decode(inst, _batch(problem, inst, 6)[:3])
        rejected = len(bad_known)
        bound = problem.lower_bound(inst)
        for sol in sols:
            original = _sol_json(problem, inst, sol)
            for data in _corrupt_json(json.loads(json.dumps(problem.solution_to_json(inst, sol))))[:_MAX_CORRUPTIONS]:
                try:
                    bad = problem.solution_from_json(inst, data)
                except SolutionError:
                    continue  # refused at parsing: also a guard
                try:
                    if _sol_json(problem, inst, bad) == original:
                        continue  # parsed into the same solution: nothing to judge
                except Exception:  # noqa: BLE001 - a corrupted solution may not serialise; check judges it
                    pass
                derived_any = True
                if problem.check(inst, bad):
                    rejected += 1
                    continue
                try:
                    obj = problem.objective(inst, bad)
                except Exception as exc:  # noqa: BLE001
                    raise AssertionError(f"{rule}: check accepted {json.dumps(data)[:120]}, on which objective "
                                         f"raises {type(exc).__name__}: {exc}") from exc
                assert obj >= bound - 1e-9, (f"{rule}: check accepted {json.dumps(data)[:120]}, whose objective "
                                             f"{obj:g} is below the lower bound {bound:g}")
        if not derived_any and not bad_known:
            raise AssertionError(f"{rule}: no corrupted solution could be derived from solution_to_json and the "
                                 "problem offers no infeasible_solutions(instance) hook; define it")
        assert rejected, (f"{rule}: instance {k}: check accepted every corrupted solution (components dropped, "
                          "duplicated, numbers out of range)")


def _tiny_instances(problem: Problem, instances: list[Any]) -> list[Any]:
    """Instances with at most ``_BRUTE_FORCE_DIM`` coordinates: ``generate(seed, n=...)`` when the
    problem takes ``n``, else the given instances that happen to be that small."""
    out = []
    for seed in _SEEDS:
        for n in _TINY_SIZES:
            try:
                inst = problem.generate(seed=seed, n=n)
            except (TypeError, ValueError):
                continue
            if problem.encoding_size(inst) <= _BRUTE_FORCE_DIM:
                out.append(inst)
                break
    return out or [i for i in instances if problem.encoding_size(i) <= _BRUTE_FORCE_DIM]


def _all_orders(d: int) -> np.ndarray:
    """Keys for every order of ``d`` coordinates, ``(d!, d)``: row r ranks the coordinates by permutation r."""
    perms = np.array(list(itertools.permutations(range(d))), dtype=np.int64).reshape(-1, d)
    keys = np.empty(perms.shape, dtype=np.float32)
    rows = np.arange(perms.shape[0])[:, None]
    keys[rows, perms] = (np.arange(d, dtype=np.float32) + 0.5) / d
    return keys


def check_bound_below_optimum(problem: Problem, instances: list[Any]) -> None:
    """The bound stops searches and certifies optimality, so it must not exceed the best solution
    the decoders reach: every order on tiny instances (``generate(seed, n<=6)``), a long search otherwise."""
    rule = "rule 'lower bound <= optimum'"
    tiny = _tiny_instances(problem, instances)
    cases = [(inst, _all_orders(problem.encoding_size(inst)), "every order") for inst in tiny]
    if not tiny:
        cases = [(inst, np.concatenate([problem.heuristic_encodings(inst),
                                        problem.sample(inst, _LONG_SEARCH, np.random.default_rng(11))]),
                  f"{_LONG_SEARCH} random encodings") for inst in instances[:1]]
    for inst, X, how in cases:
        bound = problem.lower_bound(inst)
        X = X.astype(np.float32)
        best = min(min(problem.objective(inst, s) for s in problem.decode(inst, X, decoder=dec))
                   for dec in problem.decoders)
        assert bound <= best + 1e-9, (f"{rule}: lower bound {bound:g} is above {best:g}, the best of {how} "
                                      f"through the decoders (n={problem.instance_size(inst)})")


#: Seconds each call of a ``prove`` hook gets in :func:`check_proof_below_optimum`.
_PROOF_SECONDS = 0.5


def check_proof_below_optimum(problem: Problem, instances: list[Any]) -> None:
    """A ``prove`` hook certifies optima like the bound does, so it gets the bound's test: handed the
    worst solution of a decoded batch (tiny instances: of every order), its bound must not exceed the best
    of the batch; a better solution it returns must pass ``check`` and beat the incumbent."""
    if problem.missing_hooks(PROOF_HOOKS):
        return
    rule = "rule 'proof <= optimum'"
    tiny = _tiny_instances(problem, instances)
    cases = [(inst, _all_orders(problem.encoding_size(inst))) for inst in tiny]
    cases += [(inst, _batch(problem, inst, 5)) for inst in instances[:2]]
    for inst, X in cases:
        sols = list(problem.decode(inst, X.astype(np.float32)))  # the default decoder: any reached objective will do
        objs = [problem.objective(inst, s) for s in sols]
        best, worst = min(objs), max(objs)
        proof = problem.prove(inst, sols[int(np.argmax(objs))], _PROOF_SECONDS, threads=1)
        assert proof.bound <= best + 1e-9, (f"{rule}: prove's bound {proof.bound:g} ({proof.argument}) is above "
                                            f"{best:g}, an objective the decoders reach (incumbent {worst:g})")
        assert proof.bound >= problem.lower_bound(inst) - 1e-9, (
            f"{rule}: prove's bound {proof.bound:g} is below lower_bound {problem.lower_bound(inst):g}")
        if proof.solution is not None:
            issues = problem.check(inst, proof.solution)
            assert not issues, f"{rule}: prove returned an infeasible solution: {issues[0]}"
            obj = problem.objective(inst, proof.solution)
            assert proof.bound - 1e-9 <= obj < worst, (f"{rule}: prove returned objective {obj:g}, not between "
                                                       f"its bound {proof.bound:g} and the incumbent's {worst:g}")


def check_cost_ranks_like_objective(problem: Problem, instances: list[Any]) -> None:
    """Searches rank by ``cost``, users by ``objective``: a strictly better objective must have a strictly
    lower cost, or a search would keep the worse solution."""
    rule = "rule 'cost ranks like objective'"
    for inst in instances:
        sols = problem.decode(inst, _batch(problem, inst, 7))
        cost = np.asarray(problem.cost(inst, sols), dtype=np.float64)
        obj = np.array([problem.objective(inst, s) for s in sols], dtype=np.float64)
        better = obj[:, None] < obj[None, :] - 1e-9
        wrong = better & ~(cost[:, None] < cost[None, :])
        if wrong.any():
            i, j = map(int, np.argwhere(wrong)[0])
            raise AssertionError(f"{rule}: objective {obj[i]:g} < {obj[j]:g} but cost {cost[i]:g} >= {cost[j]:g}")


#: Ruin-and-recreate moves each instance gets in :func:`check_search_hooks`.
_MOVES = 20


def check_search_hooks(problem: Problem, instances: list[Any]) -> None:
    """A problem offering the solution-level search hooks (``RUIN_RECREATE_HOOKS``) keeps them
    consistent: a solution's state gives the solution back, ``state_cost`` is two finite numbers
    and zero left out whenever the state is complete, ``weakness`` (and ``component_features``)
    score every component, a ruined and recreated state is still a state, and a complete one is
    a solution the checker accepts. The optional pool hooks: ``pool_features`` and
    ``pool_members`` describe the same components; ``recombine`` returns nothing or a better,
    feasible solution."""
    if problem.missing_hooks(RUIN_RECREATE_HOOKS):
        return
    rule = "rule 'search hooks'"
    rng = np.random.default_rng(0)
    for inst in instances:
        sols = problem.decode(inst, _batch(problem, inst, 11))
        best = sols[int(np.argmin(problem.cost(inst, sols)))]
        obj = float(problem.objective(inst, best))
        state = problem.search_state(inst, best)
        back = problem.state_solution(inst, state)
        assert back is not None and abs(float(problem.objective(inst, back)) - obj) <= 1e-6 * max(1.0, abs(obj)), (
            f"{rule}: state_solution(search_state(s)) does not give back a solution of s's objective {obj:g}")
        cost = problem.state_cost(inst, state)
        assert len(cost) == 2 and all(np.isfinite(cost)) and cost[0] == 0, (
            f"{rule}: state_cost of a complete state must be (0, finite), got {cost!r}")
        pool = problem.new_pool(inst)
        if pool is not None:
            problem.pool_add(inst, pool, state)
        tighter = problem.tighten(inst, state)
        if tighter is not None:
            state = tighter
        for _ in range(_MOVES):
            weak = np.asarray(problem.weakness(inst, state), dtype=np.float64)
            assert weak.ndim == 1 and len(weak) >= 1 and np.all(np.isfinite(weak)), (
                f"{rule}: weakness must be a finite score per component, got shape {weak.shape}")
            if not problem.missing_hooks(("component_features",)):
                phi = np.asarray(problem.component_features(inst, state), dtype=np.float64)
                assert phi.ndim == 2 and phi.shape[0] == len(weak) and np.all(np.isfinite(phi)), (
                    f"{rule}: component_features must be (components, F) finite, got {phi.shape} "
                    f"for {len(weak)} components")
            parts = rng.choice(len(weak), size=min(2, len(weak)), replace=False)
            cand = problem.ruin(inst, state, parts, rng)
            problem.recreate(inst, cand, rng)
            c = problem.state_cost(inst, cand)
            assert len(c) == 2 and all(np.isfinite(c)) and c[0] >= 0, f"{rule}: state_cost gave {c!r}"
            after = len(np.asarray(problem.weakness(inst, cand)))
            assert after == len(weak), (f"{rule}: ruin and recreate must keep the number of components "
                                        f"(only tighten changes it): {len(weak)} before, {after} after")
            if c[0] == 0:
                sol = problem.state_solution(inst, cand)
                issues = problem.check(inst, sol) if sol is not None else ["state_solution gave None"]
                assert not issues, f"{rule}: a state with nothing left out is not a feasible solution: {issues[0]}"
            state = cand
            if pool is not None:
                problem.pool_add(inst, pool, state)
        if pool is None:
            continue
        if not problem.missing_hooks(("pool_features",)):
            feats = np.asarray(problem.pool_features(inst, pool), dtype=np.float64)
            assert feats.ndim == 2 and np.all(np.isfinite(feats)), f"{rule}: pool_features must be finite (P, F)"
            if not problem.missing_hooks(("pool_members",)):
                assert len(problem.pool_members(inst, pool)) == len(feats), (
                    f"{rule}: pool_members and pool_features must list the same components")
        found = problem.recombine(inst, pool, best, 0.5, 0)
        if found is not None:
            issues = problem.check(inst, found)
            assert not issues, f"{rule}: recombine returned an infeasible solution: {issues[0]}"
            assert float(problem.objective(inst, found)) < obj, f"{rule}: recombine returned no better solution"


_RULES: tuple[Callable[[Problem, list[Any]], None], ...] = (
    check_class_attributes,
    check_instance_round_trip,
    check_generate_deterministic,
    check_bad_input_raises_instance_error,
    check_sample,
    check_decode_deterministic,
    check_batch_equals_single,
    check_decoded_feasible,
    check_solution_round_trip,
    check_bound_and_cost,
    check_checker_rejects_infeasible,
    check_bound_below_optimum,
    check_proof_below_optimum,
    check_cost_ranks_like_objective,
    check_search_hooks,
)


def problem_checks(
    problem: Problem | type[Problem], instances: Iterable[Any] | None = None
) -> list[tuple[str, Callable[[], None]]]:
    """``(rule name, zero-argument check)`` pairs, one per rule of the contract."""
    obj = _as_problem(problem)
    cache: list[list[Any]] = []

    def insts() -> list[Any]:
        if not cache:
            cache.append(list(instances) if instances is not None else [obj.generate(seed=s) for s in _SEEDS])
        return cache[0]

    def bind(rule: Callable[[Problem, list[Any]], None]) -> Callable[[], None]:
        return lambda: rule(obj, insts())

    return [(f"{obj.name}:{rule.__name__}", bind(rule)) for rule in _RULES]


def check_problem(problem: Problem | type[Problem], instances: Iterable[Any] | None = None) -> None:
    """Run every rule of the contract; the first broken one raises ``AssertionError``."""
    for _, check in problem_checks(problem, instances):
        check()
