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

Each check raises ``AssertionError`` whose message names the rule that broke and,
where one instance shows it, that instance. Instances come from the problem's own
``generate(seed)`` unless given.

The core rules run for every problem: the plumbing (round trips, determinism, bad
input) and the two guards every printed result rests on. The checker must reject
corrupted solutions (derived from ``solution_to_json``, and those of the optional
``infeasible_solutions`` hook); the lower bound must not exceed the best solution over
every order of many tiny instances (``generate(seed, n=1..6)``: at the smallest sizes a
correct bound often meets the optimum, so a bound even one unit too high is caught) nor
any decoded solution; ``cost`` must rank like ``objective``. Each capability of
:mod:`nnopt.problems.capabilities` a problem declares adds its own rules (:data:`CAPABILITY_RULES`):
a ``prove`` hook must not prove more than is true, the solution-level search hooks must
keep their states consistent, features must be finite and of the documented shapes, and so on.
"""
from __future__ import annotations

import copy
import itertools
import json
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from nnopt.problems._registry import validate_problem_class
from nnopt.problems.base import RESERVED_SOLUTION_KEYS, InstanceError, Problem, SolutionError
from nnopt.problems.capabilities import (
    Capability,
    ComponentFeatures,
    FileFormats,
    Polishing,
    PoolFeatures,
    Pooling,
    Proofs,
    Rendering,
    SolutionSearch,
    TokenFeatures,
    capabilities_of,
)

__all__ = ["CAPABILITY_RULES", "CORE_RULES", "check_problem", "problem_checks", "check_search_hooks"]

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
        where = _describe(problem, inst, f"the given instance {k}")
        derived_any = False
        bad_known = list(problem.infeasible_solutions(inst))
        for i, sol in enumerate(bad_known):
            assert problem.check(inst, sol), f"{rule}: infeasible_solutions(instance)[{i}] passed check, on {where}"
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
                                         f"raises {type(exc).__name__}: {exc}, on {where}") from exc
                assert obj >= bound - 1e-9, (f"{rule}: check accepted {json.dumps(data)[:120]}, whose objective "
                                             f"{obj:g} is below the lower bound {bound:g}, on {where}")
        if not derived_any and not bad_known:
            raise AssertionError(f"{rule}: no corrupted solution could be derived from solution_to_json and the "
                                 "problem offers no infeasible_solutions(instance) hook; define it")
        assert rejected, (f"{rule}: check accepted every corrupted solution (components dropped, "
                          f"duplicated, numbers out of range), on {where}")


#: Sizes asked of ``generate(seed, n=...)`` for the brute force, smallest first: at the smallest a
#: correct bound is most often tight (one item, everything fits), so a bound too high shows there.
_BRUTE_FORCE_SIZES = (1, 2, 3, 4, 5, 6)
#: Seeds per size: many tiny instances, so that some are ones where the bound meets the optimum.
_BRUTE_FORCE_SEEDS = tuple(range(8))
#: Most rows decoded per size over all seeds (every order: 6! = 720 rows per instance and decoder),
#: which keeps the rule within a few seconds for a problem with many decoders.
_BRUTE_FORCE_ROWS = 6000


def _describe(problem: Problem, inst: Any, how: str | None = None) -> str:
    """An instance as a failure message names it: how it was made, and its JSON (shortened)."""
    try:
        text = json.dumps(problem.instance_to_json(inst), sort_keys=True)
    except Exception:  # noqa: BLE001 - the message must not fail on a broken instance_to_json
        text = repr(inst)
    text = text if len(text) <= 300 else text[:297] + "..."
    made = f" from {how}" if how else ""
    return f"instance {problem.instance_name(inst)!r}{made}: {text}"


def _tiny_instances(problem: Problem, instances: list[Any]) -> list[tuple[Any, str]]:
    """(instance, how it was made) with at most ``_BRUTE_FORCE_DIM`` coordinates: ``generate(seed, n=k)``
    for every size of ``_BRUTE_FORCE_SIZES`` and seed of ``_BRUTE_FORCE_SEEDS`` the problem accepts
    (several seeds giving one instance count once), else the given instances that happen to be that small."""
    out: list[tuple[Any, str]] = []
    seen: set[str] = set()
    for n in _BRUTE_FORCE_SIZES:
        rows = 0
        for seed in _BRUTE_FORCE_SEEDS:
            try:
                inst = problem.generate(seed=seed, n=n)
            except (TypeError, ValueError):
                break  # the problem does not take this size (or n at all)
            d = problem.encoding_size(inst)
            key = json.dumps(problem.instance_to_json(inst), sort_keys=True)
            if d > _BRUTE_FORCE_DIM or key in seen:
                continue
            seen.add(key)
            out.append((inst, f"generate(seed={seed}, n={n})"))
            rows += len(problem.decoders) * int(np.prod(np.arange(1, d + 1)))
            if rows >= _BRUTE_FORCE_ROWS:
                break
    if out:
        return out
    return [(i, f"the given instance {k}") for k, i in enumerate(instances)
            if problem.encoding_size(i) <= _BRUTE_FORCE_DIM]


def _all_orders(d: int) -> np.ndarray:
    """Keys for every order of ``d`` coordinates, ``(d!, d)``: row r ranks the coordinates by permutation r."""
    perms = np.array(list(itertools.permutations(range(d))), dtype=np.int64).reshape(-1, d)
    keys = np.empty(perms.shape, dtype=np.float32)
    rows = np.arange(perms.shape[0])[:, None]
    keys[rows, perms] = (np.arange(d, dtype=np.float32) + 0.5) / d
    return keys


def check_bound_below_optimum(problem: Problem, instances: list[Any]) -> None:
    """The bound stops searches and certifies optimality, so it must not exceed the best solution
    the decoders reach: every order on many tiny instances (``generate(seed, n=1..6)``), where a
    correct bound is often tight, so one even a unit too high fails; a long search otherwise."""
    rule = "rule 'lower bound <= optimum'"
    tiny = _tiny_instances(problem, instances)
    cases = [(inst, _all_orders(problem.encoding_size(inst)), "every order", how) for inst, how in tiny]
    if not tiny:
        cases = [(inst, np.concatenate([problem.heuristic_encodings(inst),
                                        problem.sample(inst, _LONG_SEARCH, np.random.default_rng(11))]),
                  f"{_LONG_SEARCH} random encodings", "the first given instance") for inst in instances[:1]]
    for inst, X, what, how in cases:
        bound = problem.lower_bound(inst)
        X = X.astype(np.float32)
        best = min(min(problem.objective(inst, s) for s in problem.decode(inst, X, decoder=dec))
                   for dec in problem.decoders)
        assert bound <= best + 1e-9, (f"{rule}: lower bound {bound:g} is above {best:g}, the best of {what} "
                                      f"through the decoders, on {_describe(problem, inst, how)}")


#: Seconds each call of a ``prove`` hook gets in :func:`check_proof_below_optimum`.
_PROOF_SECONDS = 0.5
#: Tiny instances handed to a ``prove`` hook (each call may take up to ``_PROOF_SECONDS``).
_PROOF_TINY = 6


def check_proof_below_optimum(problem: Problem, instances: list[Any]) -> None:
    """Proofs: a ``prove`` hook certifies optima like the bound does, so it gets the bound's test: handed
    the worst solution of a decoded batch (tiny instances: of every order), its bound must not exceed the
    best of the batch; a better solution it returns must pass ``check`` and beat the incumbent."""
    assert isinstance(problem, Proofs)
    rule = "rule 'proof <= optimum'"
    tiny = _tiny_instances(problem, instances)
    step = max(1, len(tiny) // _PROOF_TINY)
    cases = [(inst, _all_orders(problem.encoding_size(inst)), how) for inst, how in tiny[::step]]
    cases += [(inst, _batch(problem, inst, 5), f"the given instance {k}") for k, inst in enumerate(instances[:2])]
    for inst, X, how in cases:
        sols = list(problem.decode(inst, X.astype(np.float32)))  # the default decoder: any reached objective will do
        objs = [problem.objective(inst, s) for s in sols]
        best, worst = min(objs), max(objs)
        proof = problem.prove(inst, sols[int(np.argmax(objs))], _PROOF_SECONDS, threads=1)
        where = _describe(problem, inst, how)
        assert proof.bound <= best + 1e-9, (f"{rule}: prove's bound {proof.bound:g} ({proof.argument}) is above "
                                            f"{best:g}, an objective the decoders reach (incumbent {worst:g}), "
                                            f"on {where}")
        assert proof.bound >= problem.lower_bound(inst) - 1e-9, (
            f"{rule}: prove's bound {proof.bound:g} is below lower_bound {problem.lower_bound(inst):g}, on {where}")
        if proof.solution is not None:
            issues = problem.check(inst, proof.solution)
            assert not issues, f"{rule}: prove returned an infeasible solution: {issues[0]}, on {where}"
            obj = problem.objective(inst, proof.solution)
            assert proof.bound - 1e-9 <= obj < worst, (f"{rule}: prove returned objective {obj:g}, not between "
                                                       f"its bound {proof.bound:g} and the incumbent's {worst:g}, "
                                                       f"on {where}")


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


# ------------------------------------------------------------- the capabilities
# Each rule below belongs to one capability and runs only for problems that declare it.

#: Ruin-and-recreate moves each instance gets in the solution-level search rules.
_MOVES = 20


def _start_state(problem: SolutionSearch, inst: Any) -> tuple[Any, Any, float]:
    """(best decoded solution of a batch, its search state, its objective)."""
    assert isinstance(problem, Problem)
    sols = problem.decode(inst, _batch(problem, inst, 11))
    best = sols[int(np.argmin(problem.cost(inst, sols)))]
    return best, problem.search_state(inst, best), float(problem.objective(inst, best))


def _moves(problem: SolutionSearch, inst: Any, state: Any, rng: np.random.Generator,
           visit: Callable[[Any, Any], None]) -> Any:
    """``_MOVES`` ruin-and-recreate moves from ``state`` (tightened first where the problem aims lower);
    ``visit(before, after)`` sees each move. Returns the last state."""
    tighter = problem.tighten(inst, state)
    if tighter is not None:
        state = tighter
    for _ in range(_MOVES):
        weak = np.asarray(problem.weakness(inst, state), dtype=np.float64)
        parts = rng.choice(len(weak), size=min(2, len(weak)), replace=False)
        cand = problem.ruin(inst, state, parts, rng)
        problem.recreate(inst, cand, rng)
        visit(state, cand)
        state = cand
    return state


def check_search_state_round_trip(problem: Problem, instances: list[Any]) -> None:
    """SolutionSearch: a solution's state gives the solution back, and ``state_cost`` of a complete
    state is (0, finite); ``acceptance_slack`` is a number at or above 0."""
    assert isinstance(problem, SolutionSearch)
    rule = "rule 'search state round trip'"
    for k, inst in enumerate(instances):
        where = _describe(problem, inst, f"the given instance {k}")
        best, state, obj = _start_state(problem, inst)
        back = problem.state_solution(inst, state)
        assert back is not None and abs(float(problem.objective(inst, back)) - obj) <= 1e-6 * max(1.0, abs(obj)), (
            f"{rule}: state_solution(search_state(s)) does not give back a solution of s's objective {obj:g}, "
            f"on {where}")
        cost = problem.state_cost(inst, state)
        assert len(cost) == 2 and all(np.isfinite(cost)) and cost[0] == 0, (
            f"{rule}: state_cost of a complete state must be (0, finite), got {cost!r}, on {where}")
        slack = float(problem.acceptance_slack(inst, state))
        assert slack >= 0, f"{rule}: acceptance_slack must be a number at or above 0, got {slack!r}, on {where}"


def check_search_moves(problem: Problem, instances: list[Any]) -> None:
    """SolutionSearch: ``weakness`` scores every component (finite), a ruined and recreated state is
    still a state with as many components (only ``tighten`` changes the number), its ``state_cost``
    is finite with nothing negative left out, and a complete one holds a solution ``check`` accepts."""
    assert isinstance(problem, SolutionSearch)
    rule = "rule 'search moves'"
    rng = np.random.default_rng(0)
    for k, inst in enumerate(instances):
        where = _describe(problem, inst, f"the given instance {k}")
        _, state, _ = _start_state(problem, inst)

        def visit(before: Any, after: Any, inst: Any = inst, where: str = where) -> None:
            weak = np.asarray(problem.weakness(inst, before), dtype=np.float64)
            assert weak.ndim == 1 and len(weak) >= 1 and np.all(np.isfinite(weak)), (
                f"{rule}: weakness must be a finite score per component, got shape {weak.shape}, on {where}")
            c = problem.state_cost(inst, after)
            assert len(c) == 2 and all(np.isfinite(c)) and c[0] >= 0, f"{rule}: state_cost gave {c!r}, on {where}"
            count = len(np.asarray(problem.weakness(inst, after)))
            assert count == len(weak), (f"{rule}: ruin and recreate must keep the number of components "
                                        f"(only tighten changes it): {len(weak)} before, {count} after, on {where}")
            if c[0] == 0:
                sol = problem.state_solution(inst, after)
                issues = problem.check(inst, sol) if sol is not None else ["state_solution gave None"]
                assert not issues, (f"{rule}: a state with nothing left out is not a feasible solution: "
                                    f"{issues[0]}, on {where}")

        _moves(problem, inst, state, rng, visit)


def check_component_features(problem: Problem, instances: list[Any]) -> None:
    """ComponentFeatures: ``(C, F)`` finite features for the C components ``weakness`` scores, F the
    same on every state; ``pretrained_guide`` is None or an existing file."""
    assert isinstance(problem, ComponentFeatures) and isinstance(problem, SolutionSearch)
    rule = "rule 'component features'"
    rng = np.random.default_rng(1)
    width: list[int] = []
    for k, inst in enumerate(instances):
        where = _describe(problem, inst, f"the given instance {k}")
        _, state, _ = _start_state(problem, inst)

        def visit(before: Any, after: Any, inst: Any = inst, where: str = where) -> None:
            weak = np.asarray(problem.weakness(inst, before))
            phi = np.asarray(problem.component_features(inst, before), dtype=np.float64)
            assert phi.ndim == 2 and phi.shape[0] == len(weak) and np.all(np.isfinite(phi)), (
                f"{rule}: component_features must be (components, F) finite, got {phi.shape} "
                f"for {len(weak)} components, on {where}")
            width.append(phi.shape[1])
            assert len(set(width)) == 1, f"{rule}: the number of features F changed ({sorted(set(width))}), on {where}"

        _moves(problem, inst, state, rng, visit)
    path = problem.pretrained_guide()
    assert path is None or Path(path).is_file(), f"{rule}: pretrained_guide names {path}, which is not a file"


def _filled_pool(problem: Problem, inst: Any, seed: int) -> tuple[Any, Any, float]:
    """(a pool filled with the states of a few moves, the start solution, its objective); pool None
    where the problem offers none for ``inst``."""
    assert isinstance(problem, Pooling) and isinstance(problem, SolutionSearch)
    best, state, obj = _start_state(problem, inst)
    pool = problem.new_pool(inst)
    if pool is not None:
        problem.pool_add(inst, pool, state)
        _moves(problem, inst, state, np.random.default_rng(seed),
               lambda before, after: problem.pool_add(inst, pool, after))
    return pool, best, obj


def check_recombine(problem: Problem, instances: list[Any]) -> None:
    """Pooling: pooling the states of a few moves works, and ``recombine`` returns None or a feasible
    solution strictly better than the incumbent it was handed."""
    assert isinstance(problem, Pooling)
    rule = "rule 'recombine'"
    for k, inst in enumerate(instances):
        where = _describe(problem, inst, f"the given instance {k}")
        pool, best, obj = _filled_pool(problem, inst, 2)
        if pool is None:
            continue
        found = problem.recombine(inst, pool, best, 0.5, 0)
        if found is not None:
            issues = problem.check(inst, found)
            assert not issues, f"{rule}: recombine returned an infeasible solution: {issues[0]}, on {where}"
            assert float(problem.objective(inst, found)) < obj, (
                f"{rule}: recombine returned no better solution than the incumbent's {obj:g}, on {where}")


def check_pool_features(problem: Problem, instances: list[Any]) -> None:
    """PoolFeatures: ``pool_features`` is finite ``(P, F)``, ``pool_members`` lists the same P components;
    ``pretrained_column_filter`` is None or an existing file."""
    assert isinstance(problem, PoolFeatures)
    rule = "rule 'pool features'"
    for k, inst in enumerate(instances):
        where = _describe(problem, inst, f"the given instance {k}")
        pool, _, _ = _filled_pool(problem, inst, 3)
        if pool is None:
            continue
        feats = np.asarray(problem.pool_features(inst, pool), dtype=np.float64)
        assert feats.ndim == 2 and np.all(np.isfinite(feats)), (
            f"{rule}: pool_features must be finite (P, F), got shape {feats.shape}, on {where}")
        members = problem.pool_members(inst, pool)
        assert len(members) == len(feats), (f"{rule}: pool_members lists {len(members)} components, "
                                            f"pool_features {len(feats)}, on {where}")
    path = problem.pretrained_column_filter()
    assert path is None or Path(path).is_file(), f"{rule}: pretrained_column_filter names {path}, not a file"


def check_token_features(problem: Problem, instances: list[Any]) -> None:
    """TokenFeatures: per encoding, ``token_features`` is None or a finite ``(d, k)`` array with k the same
    on every instance; ``pretrained_scorer`` is None or an existing file."""
    assert isinstance(problem, TokenFeatures)
    rule = "rule 'token features'"
    for encoding in problem.encodings:
        widths = set()
        for k, inst in enumerate(instances):
            C = problem.token_features(inst, encoding)
            if C is None:
                continue
            C = np.asarray(C, dtype=np.float64)
            d = problem.encoding_size(inst, encoding)
            assert C.ndim == 2 and C.shape[0] == d and np.all(np.isfinite(C)), (
                f"{rule}: token_features(encoding {encoding!r}) must be finite (d={d}, k), got {C.shape}, "
                f"on {_describe(problem, inst, f'the given instance {k}')}")
            widths.add(C.shape[1])
        assert len(widths) <= 1, f"{rule}: token_features(encoding {encoding!r}) widths differ: {sorted(widths)}"
        path = problem.pretrained_scorer(encoding)
        assert path is None or Path(path).is_file(), f"{rule}: pretrained_scorer names {path}, not a file"


def check_render(problem: Problem, instances: list[Any]) -> None:
    """Rendering: ``render`` writes a non-empty ``.svg`` picture of a decoded solution."""
    assert isinstance(problem, Rendering)
    rule = "rule 'render'"
    inst = instances[0]
    sol = problem.decode(inst, _batch(problem, inst, 12)[:1])[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "solution.svg"
        problem.render(inst, sol, path)
        assert path.is_file() and path.stat().st_size > 0, (
            f"{rule}: render wrote no picture to {path.name}, on {_describe(problem, inst, 'the given instance 0')}")


def check_file_formats(problem: Problem, instances: list[Any]) -> None:
    """FileFormats: ``read`` loads a JSON file as ``load`` does; ``instances_in_file`` of it is the file itself."""
    assert isinstance(problem, FileFormats)
    rule = "rule 'file formats'"
    with tempfile.TemporaryDirectory() as tmp:
        for k, inst in enumerate(instances):
            path = Path(tmp) / f"instance_{k}.json"
            path.write_text(json.dumps(problem.instance_to_json(inst)), encoding="utf-8")
            again = problem.read(path)
            assert again == problem.load(problem.instance_to_json(inst), source=str(path)), (
                f"{rule}: read(JSON file) differs from load, on {_describe(problem, inst, f'the given instance {k}')}")
            assert problem.instances_in_file(path) == [str(path)], (
                f"{rule}: instances_in_file of a JSON file must be [the file], got {problem.instances_in_file(path)}")


def check_polish(problem: Problem, instances: list[Any]) -> None:
    """Polishing: ``polish`` of a decoded solution passes the checker, costs no more, and repeats itself
    for the same ``moves`` and seed."""
    assert isinstance(problem, Polishing)
    rule = "rule 'polish'"
    for k, inst in enumerate(instances):
        if not problem.polishes(inst):
            continue
        where = _describe(problem, inst, f"the given instance {k}")
        sol = problem.decode(inst, _batch(problem, inst, 13)[:1])[0]
        better = problem.polish(inst, sol, None, 20, seed=k)
        issues = problem.check(inst, better)
        assert issues == [], f"{rule}: polish returned an infeasible solution ({issues[0]}), on {where}"
        before, after = problem.objective(inst, sol), problem.objective(inst, better)
        assert after <= before, f"{rule}: polish made the objective worse ({before} -> {after}), on {where}"
        again = problem.polish(inst, sol, None, 20, seed=k)
        assert problem.solution_to_json(inst, again) == problem.solution_to_json(inst, better), (
            f"{rule}: polish with the same moves and seed gave another solution, on {where}")


def check_search_hooks(problem: Problem, instances: list[Any]) -> None:
    """Every rule of the solution-level search capabilities the problem declares (SolutionSearch,
    ComponentFeatures, Pooling, PoolFeatures), in one call."""
    for capability, rules in CAPABILITY_RULES.items():
        if capability in (SolutionSearch, ComponentFeatures, Pooling, PoolFeatures) and isinstance(problem, capability):
            for rule in rules:
                rule(problem, instances)


Rule = Callable[[Problem, list[Any]], None]

#: The rules every problem keeps.
CORE_RULES: tuple[Rule, ...] = (
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
    check_cost_ranks_like_objective,
)

#: The rules of each capability, run for problems that declare it.
CAPABILITY_RULES: dict[type[Capability], tuple[Rule, ...]] = {
    SolutionSearch: (check_search_state_round_trip, check_search_moves),
    Pooling: (check_recombine,),
    Proofs: (check_proof_below_optimum,),
    TokenFeatures: (check_token_features,),
    ComponentFeatures: (check_component_features,),
    PoolFeatures: (check_pool_features,),
    Rendering: (check_render,),
    FileFormats: (check_file_formats,),
    Polishing: (check_polish,),
}


def problem_checks(
    problem: Problem | type[Problem], instances: Iterable[Any] | None = None
) -> list[tuple[str, Callable[[], None]]]:
    """``(rule name, zero-argument check)`` pairs: the core rules, then those of each capability
    the problem declares."""
    obj = _as_problem(problem)
    cache: list[list[Any]] = []

    def insts() -> list[Any]:
        if not cache:
            cache.append(list(instances) if instances is not None else [obj.generate(seed=s) for s in _SEEDS])
        return cache[0]

    def bind(rule: Rule) -> Callable[[], None]:
        return lambda: rule(obj, insts())

    rules = list(CORE_RULES)
    for capability in capabilities_of(obj):
        rules.extend(CAPABILITY_RULES[capability])
    return [(f"{obj.name}:{rule.__name__}", bind(rule)) for rule in rules]


def check_problem(problem: Problem | type[Problem], instances: Iterable[Any] | None = None) -> None:
    """Run every rule of the contract the problem keeps; the first broken one raises ``AssertionError``."""
    for _, check in problem_checks(problem, instances):
        check()
