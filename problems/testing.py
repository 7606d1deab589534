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
"""
from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from nnopt.problems._registry import validate_problem_class
from nnopt.problems.base import InstanceError, Problem

__all__ = ["check_problem", "problem_checks"]

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
