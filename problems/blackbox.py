"""A Python objective over a space of :mod:`nnopt.problems.spaces` as a problem of the contract.

For users who prefer ``nnopt.solve`` and the engine's methods to :func:`nnopt.minimize`: the
problem's encoding is the space's random keys (decoded by threshold, argmax per category block,
argsort), its cost the objective's value. Build the class with :func:`blackbox_problem` and
register it at run time::

    from nnopt import register_problem, solve
    from nnopt.problems.blackbox import BlackBoxInstance, blackbox_problem

    register_problem(blackbox_problem(my_fn, Binary(30), name="my_objective"))
    result = solve(BlackBoxInstance(), problem="my_objective", method="cem", max_evals=300)

The engine counts decodes, not distinct solutions; the problem caches values by solution, so a
repeated solution does not call the objective again. A registration made at run time lives in
its process: the ``nnopt`` command sees only plugins installed with an entry point.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from nnopt.problems.base import InstanceError, Problem, SolutionError
from nnopt.problems.errors import NnoptError, OptionError
from nnopt.problems.spaces import Space, SpaceError

__all__ = ["BlackBoxInstance", "BlackBoxProblem", "ObjectiveError", "blackbox_problem", "objective_value"]


class ObjectiveError(NnoptError, RuntimeError):
    """The objective raised, or returned no usable number; ``result`` holds every finished evaluation."""

    def __init__(self, message: str, result: Any = None) -> None:
        super().__init__(message)
        self.result = result


def objective_value(raw: Any, evaluation: int) -> float:
    """``raw`` as a value: a finite number, or +inf for a solution the objective rejects."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ObjectiveError(f"the objective returned {raw!r} at evaluation {evaluation}: "
                             f"it must return a number") from None
    if math.isnan(value) or value == -math.inf:
        raise ObjectiveError(f"the objective returned {value} at evaluation {evaluation}: it must return a "
                             f"finite number, or +inf for a solution it rejects")
    return value


@dataclass(frozen=True)
class BlackBoxInstance:
    """The one instance of a black-box problem: the objective and its space live on the problem class."""

    name: str = "blackbox"


class BlackBoxProblem(Problem[BlackBoxInstance, Any]):
    """Base of the classes :func:`blackbox_problem` builds; ``fn`` and ``space`` are class attributes."""

    name: ClassVar[str] = "blackbox"
    description: ClassVar[str] = "a Python objective over a space of nnopt.spaces, registered at run time"
    objective_name: ClassVar[str] = "value"
    space: ClassVar[Space]
    bound: ClassVar[float] = -math.inf

    @staticmethod
    def fn(solution: Any) -> Any:
        raise NotImplementedError("build the problem with blackbox_problem(fn, space)")

    def __init__(self) -> None:
        self._cache: dict[bytes, float] = {}

    # ------------------------------------------------------------------ instances
    def load(self, data: Any, *, source: str = "instance") -> BlackBoxInstance:
        if not isinstance(data, Mapping):
            raise InstanceError(f"{source}: a black-box instance must be a JSON object, got {data!r}")
        unknown = sorted(set(data) - {"problem", "name"})
        if unknown:
            raise InstanceError(f"{source}: unknown field {unknown[0]!r} (a black-box instance has only 'name')")
        # an instance names the run; the objective and its space live on the problem class
        if data.get("problem", self.name) != self.name:
            raise InstanceError(f"{source}: field 'problem' must be {self.name!r}, got {data['problem']!r}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise InstanceError(f"{source}: field 'name' must be a non-empty string, got {name!r}")
        return BlackBoxInstance(name)

    def instance_to_json(self, instance: BlackBoxInstance) -> dict[str, Any]:
        return {"problem": self.name, "name": instance.name}

    def generate(self, seed: int, **params: Any) -> BlackBoxInstance:
        if params:
            raise ValueError(f"a black-box problem takes no parameters, got {sorted(params)[0]!r}")
        return BlackBoxInstance(self.name)

    def instance_size(self, instance: BlackBoxInstance) -> int:
        return self.space.code_size

    # ------------------------------------------------------------------ search space
    def encoding_size(self, instance: BlackBoxInstance, encoding: str | None = None) -> int:
        return self.space.key_size

    def decode(self, instance: BlackBoxInstance, X: np.ndarray, decoder: str | None = None,
               encoding: str | None = None) -> Sequence[Any]:
        return [self.space.to_solution(c) for c in self.space.decode_keys(np.asarray(X, dtype=np.float64))]

    # ------------------------------------------------------------------ judging
    def value(self, solution: Any) -> float:
        """The objective's value of ``solution``, called once per distinct solution."""
        key = self.space.key(solution)
        if key not in self._cache:
            evaluation = len(self._cache) + 1
            try:
                raw = self.fn(solution)
            except Exception as exc:
                raise ObjectiveError(f"the objective raised {type(exc).__name__} at evaluation {evaluation}: "
                                     f"{exc}") from exc
            self._cache[key] = objective_value(raw, evaluation)
        return self._cache[key]

    def cost(self, instance: BlackBoxInstance, solutions: Sequence[Any]) -> np.ndarray:
        return np.array([self.value(s) for s in solutions], dtype=np.float64)

    def objective(self, instance: BlackBoxInstance, solution: Any) -> float:
        return self.value(solution)

    def lower_bound(self, instance: BlackBoxInstance) -> float:
        return self.bound

    def bound_argument(self, instance: BlackBoxInstance) -> str:
        return "the bound given to blackbox_problem"

    def check(self, instance: BlackBoxInstance, solution: Any) -> list[str]:
        try:
            self.space.to_code(solution)
        except SpaceError as err:
            return [str(err)]
        return []

    def infeasible_solutions(self, instance: BlackBoxInstance) -> Sequence[Any]:
        return [None]

    # ------------------------------------------------------------------ solution files
    def solution_to_json(self, instance: BlackBoxInstance, solution: Any) -> dict[str, Any]:
        return {"code": self.space.to_code(solution).tolist()}

    def solution_from_json(self, instance: BlackBoxInstance, data: Mapping[str, Any]) -> Any:
        code = data.get("code")
        if not isinstance(code, list) or len(code) != self.space.code_size \
                or not all(isinstance(c, int) and not isinstance(c, bool) for c in code):
            raise SolutionError(f"field 'code' must be a list of {self.space.code_size} integers, got {code!r}")
        try:
            solution = self.space.to_solution(np.array(code, dtype=np.int64))
            self.space.to_code(solution)
        except (SpaceError, IndexError) as err:
            raise SolutionError(f"field 'code' is no solution of {self.space!r}: {err}") from None
        return solution


def blackbox_problem(fn: Callable[[Any], Any], space: Space, *, name: str = "blackbox",
                     lower_bound: float = -math.inf) -> type[BlackBoxProblem]:
    """A problem class for ``fn`` over ``space`` (pass it to ``register_problem``); ``lower_bound``,
    if known, lets a search stop at a proved optimum."""
    if not callable(fn):
        raise OptionError(f"fn must be callable, got {fn!r}")
    if not isinstance(space, Space):
        raise SpaceError(f"space must be a nnopt.spaces space, got {space!r}")
    if not isinstance(name, str) or not name.isidentifier():
        raise OptionError(f"name must be a Python identifier, got {name!r}")
    attrs = {"name": name, "fn": staticmethod(fn), "space": space, "bound": float(lower_bound),
             "__module__": __name__}
    return type(f"BlackBox_{name}", (BlackBoxProblem,), attrs)
