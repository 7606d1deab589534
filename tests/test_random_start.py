"""A problem without heuristic starts: searches begin at the best of a seeded uniform random batch.

One fixed encoding would be one arbitrary solution: the midpoint ramp ``(i + 0.5) / d``
through a threshold decoder is "first half 0, the rest 1", a poor string for most
objectives, and CEM, centred there with a small spread, keeps near it. The black-box
problem below (low-autocorrelation binary sequences: bit i is key i > 0.5, energy the
sum of squared aperiodic autocorrelations) implements only the core contract.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from nnopt.problems import InstanceError, Problem, SolutionError, get_problem, register_problem, unregister_problem
from nnopt.problems.capabilities import capabilities_of
from nnopt.problems.testing import check_problem
from nnopt.solver._budget import Budget
from nnopt.solver._evaluate import RANDOM_START, Evaluator, start_encodings
from nnopt.solver._incumbent import Incumbent
from nnopt.solver.methods import get_method, run_method


@dataclass(frozen=True)
class Sequence_:
    name: str
    n: int


def energy(bits: tuple[int, ...]) -> int:
    s = np.array(bits, dtype=np.int64) * 2 - 1
    return int(sum(int(np.dot(s[: len(s) - k], s[k:])) ** 2 for k in range(1, len(s))))


class LABS(Problem[Sequence_, tuple[int, ...]]):
    """Low-autocorrelation binary sequences through a threshold decoder: the core contract only."""

    name = "labs_black_box"
    description = "low-autocorrelation binary sequences (test plugin; keys thresholded at 0.5)"

    def load(self, data: Any, *, source: str = "instance") -> Sequence_:
        if not isinstance(data, dict) or set(data) - {"problem", "name", "n"}:
            raise InstanceError(f"{source}: want {{'name': ..., 'n': ...}}, got {data!r}")
        n = data.get("n")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 1000:
            raise InstanceError(f"{source}: field 'n' must be an integer in 1..1000, got {n!r}")
        name = data.get("name", "labs")
        if not isinstance(name, str):
            raise InstanceError(f"{source}: field 'name' must be a string, got {name!r}")
        return Sequence_(name, n)

    def instance_to_json(self, instance: Sequence_) -> dict[str, Any]:
        return {"name": instance.name, "n": instance.n}

    def generate(self, seed: int, **params: Any) -> Sequence_:
        n = params.pop("n", 12)
        if params:
            raise ValueError(f"no parameter {sorted(params)[0]!r} (known: n)")
        return self.load({"name": f"labs_{n}", "n": n})

    def encoding_size(self, instance: Sequence_, encoding: str | None = None) -> int:
        return instance.n

    def decode(self, instance: Sequence_, X: np.ndarray, decoder: str | None = None,
               encoding: str | None = None) -> list[tuple[int, ...]]:
        return [tuple(int(b) for b in row) for row in (np.asarray(X) > 0.5)]

    def cost(self, instance: Sequence_, solutions: Sequence[tuple[int, ...]]) -> np.ndarray:
        return np.array([energy(s) for s in solutions], dtype=np.float64)

    def objective(self, instance: Sequence_, solution: tuple[int, ...]) -> float:
        return float(energy(solution))

    def lower_bound(self, instance: Sequence_) -> float:
        # C_k sums n - k terms of +-1: where n - k is odd it is odd, so its square is at least 1
        return float(sum((instance.n - k) % 2 for k in range(1, instance.n)))

    def check(self, instance: Sequence_, solution: tuple[int, ...]) -> list[str]:
        if len(solution) != instance.n or any(b not in (0, 1) for b in solution):
            return [f"want {instance.n} bits, got {solution!r}"]
        return []

    def solution_to_json(self, instance: Sequence_, solution: tuple[int, ...]) -> dict[str, Any]:
        return {"bits": list(solution)}

    def solution_from_json(self, instance: Sequence_, data: Mapping[str, Any]) -> tuple[int, ...]:
        bits = data.get("bits")
        if not isinstance(bits, list) or any(isinstance(b, bool) or not isinstance(b, int) for b in bits):
            raise SolutionError(f"field 'bits' must be a list of 0/1, got {bits!r}")
        return tuple(bits)


class LABSFromTheRamp(LABS):
    """The same problem, offering the midpoint ramp as its one heuristic start (what every search
    of a heuristic-free problem started from before)."""

    def heuristic_encodings(self, instance: Sequence_, encoding: str | None = None) -> np.ndarray:
        d = instance.n
        return ((np.arange(d, dtype=np.float32) + 0.5) / d)[None, :]


@pytest.fixture()
def registered():
    register_problem(LABS)
    try:
        yield get_problem(LABS.name)
    finally:
        unregister_problem(LABS.name)


def test_the_black_box_plugin_is_core_only_and_keeps_the_contract(registered):
    assert capabilities_of(registered) == ()
    check_problem(registered)


def test_the_start_is_the_best_of_a_seeded_random_batch_counted_in_the_budget(registered):
    inst = registered.generate(seed=0, n=40)
    budget = Budget(max_evals=10_000)
    ev = Evaluator(registered, inst, budget, Incumbent(registered, inst))
    x, decoder, cost = ev.best_start(("default",), np.random.default_rng(5))
    batch = registered.sample(inst, RANDOM_START, np.random.default_rng(5))
    costs = registered.cost(inst, registered.decode(inst, batch))
    assert budget.evals == RANDOM_START  # decoded and counted like any other encodings
    assert np.array_equal(x, batch[int(np.argmin(costs))]) and cost == costs.min()
    ramp = (np.arange(40, dtype=np.float32) + 0.5) / 40
    assert cost < registered.cost(inst, registered.decode(inst, ramp[None, :]))[0]


def test_a_small_decode_budget_keeps_most_of_itself_for_the_search(registered):
    inst = registered.generate(seed=0, n=40)
    assert len(start_encodings(registered, inst, None, np.random.default_rng(0), max_evals=200)) == 10
    assert len(start_encodings(registered, inst, None, np.random.default_rng(0), max_evals=10)) == 1
    assert len(start_encodings(registered, inst, None, np.random.default_rng(0), max_evals=200, decoders=4)) == 2
    # a large instance: as many rows as RANDOM_START_VALUES values allow (decodes cost time there)
    from nnopt.solver._evaluate import RANDOM_START_VALUES

    d = RANDOM_START_VALUES // 8 + 1
    assert len(start_encodings(registered, Sequence_("big", d), None, np.random.default_rng(0))) == 7
    assert len(start_encodings(registered, Sequence_("huge", 10 * RANDOM_START_VALUES), None,
                               np.random.default_rng(0))) == 1
    # a problem with heuristic starts keeps them, whatever the budget
    ramp_problem = LABSFromTheRamp()
    assert len(start_encodings(ramp_problem, inst, None, np.random.default_rng(0), max_evals=200)) == 1


def test_cem_from_the_random_start_beats_cem_from_the_ramp(registered):
    inst = registered.generate(seed=0, n=40)
    cem = get_method("cem")
    random_start = [run_method(cem, registered, inst, Budget(max_evals=1000), seed=s).objective for s in range(4)]
    ramp_start = [run_method(cem, LABSFromTheRamp(), inst, Budget(max_evals=1000), seed=s).objective
                  for s in range(4)]
    assert max(random_start) < min(ramp_start), (random_start, ramp_start)


def test_seeded_runs_repeat_themselves(registered):
    inst = registered.generate(seed=0, n=30)
    cem = get_method("cem")
    a = run_method(cem, registered, inst, Budget(max_evals=500), seed=3)
    b = run_method(cem, registered, inst, Budget(max_evals=500), seed=3)
    assert a.solution == b.solution and a.evaluations == b.evaluations == 500


def test_every_method_that_applies_solves_a_core_only_problem(registered):
    """The default and every encoding-space search run on the core alone; the rest say what is lacking."""
    from nnopt.solver.methods import available_methods

    inst = registered.generate(seed=1, n=16)
    usable = available_methods(registered)
    names = {m.name for m in usable}
    assert {"nnopt", "cem", "random-keys", "local-search", "brkga", "nnopt-cem"} <= names
    assert "ruin-recreate" not in names
    for method in usable:
        if method.name.startswith("nnopt-"):
            continue  # the network variants: torch start-up per run; nnopt-cem stands for them below
        found = run_method(method, registered, inst, Budget(max_evals=300), seed=0)
        assert not registered.check(inst, found.solution), method.name
        assert found.objective >= registered.lower_bound(inst)
    found = run_method(get_method("nnopt-cem"), registered, inst, Budget(max_evals=300), seed=0)
    assert not registered.check(inst, found.solution)
    why = get_method("ruin-recreate").unsupported(registered)
    assert why is not None and why.startswith("needs the SolutionSearch capability (search_state, weakness")
