"""The method contract: one class per way of solving, one ``run`` signature for all.

A :class:`Method` is what a user picks with ``--method``. It says which problems
it solves (:attr:`Method.requires` lists the problem capabilities it needs, of
:mod:`nnopt.problems.capabilities`; :meth:`Method.unsupported` gives the reason it
cannot, in one line, naming the capability a problem lacks), which parameters it takes (each with its
allowed values, the first the default), and runs within a :class:`Budget`.
Whatever start-up a method needs (importing torch, compiling a kernel) happens
inside ``run`` and is charged to that budget: the clock is the user's.
"""
from __future__ import annotations

import copy
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from nnopt.problems.base import Problem
from nnopt.problems.capabilities import Capability, needs
from nnopt.problems.errors import NnoptError
from nnopt.solver._budget import Budget
from nnopt.solver._incumbent import ProgressCallback, SearchResult

__all__ = ["Method", "MethodError", "RunContext", "UnknownMethodError", "UnsupportedMethodError"]

_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class MethodError(NnoptError, ValueError):
    """A method cannot run as asked (bad parameter, unsupported problem)."""


class UnknownMethodError(NnoptError, LookupError):
    """No method of that name is registered."""


class UnsupportedMethodError(MethodError):
    """The method does not solve this problem; the message says why."""


@dataclass(frozen=True)
class RunContext:
    """What the caller offers every method; each uses what it understands and ignores the rest."""

    #: Cores a method may use (CP-SAT workers); None: all.
    threads: int | None = None
    #: Where networks train: "cpu", "cuda" or "auto".
    device: str = "cpu"
    #: Called after every round of a round-based method (``--progress``, ``--trace``).
    on_round: Callable[[Any], None] | None = None


class Method(ABC):
    """Base class of every solution method (shipped or from a plugin).

    Subclasses set :attr:`name` and :attr:`description` (as class attributes or
    through the constructor), implement :meth:`run`, list the problem capabilities
    ``run`` uses in :attr:`requires`, and override :meth:`unsupported` (calling
    ``super().unsupported(problem)`` first) for any further condition. Parameters are
    declared in :attr:`parameters` as ``name -> allowed values`` (first is the
    default); :meth:`configure` returns a copy with chosen values, named by
    :meth:`label` (``maxrects-bssf`` with ``order=area`` is ``maxrects-bssf-area``).
    """

    #: Registry key: lower-case words joined by hyphens, e.g. ``"ratio-greedy"``.
    name: str = ""
    #: One line for ``nnopt methods``.
    description: str = ""
    #: The row ``nnopt methods`` groups this method into (default: its own name).
    family: str = ""
    #: One line for a family listed by names alone (many members, one description).
    family_description: str = ""
    #: parameter -> allowed values (strings); the first value is the default.
    parameters: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: Whether ``run`` reports honest decode counts and repeats itself bit for bit
    #: under a ``max_evals`` budget with a fixed seed (the contract suite checks it).
    deterministic: ClassVar[bool] = True
    #: The problem capabilities ``run`` needs (:mod:`nnopt.problems.capabilities`); a problem
    #: without one of them is refused, and ``nnopt methods PROBLEM`` names the one it lacks.
    requires: ClassVar[tuple[type[Capability], ...]] = ()

    def __init__(self, name: str | None = None, description: str | None = None, *,
                 family: str | None = None) -> None:
        if name is not None:
            self.name = name
        if description is not None:
            self.description = description
        if family is not None:
            self.family = family
        self.base_name = self.name
        self.params: dict[str, str] = {k: v[0] for k, v in self.parameters.items()}

    # ------------------------------------------------------------------ support
    def unsupported(self, problem: Problem[Any, Any]) -> str | None:
        """Why this method cannot solve ``problem`` (one line), or None when it can.

        The default names the first capability of :attr:`requires` the problem lacks."""
        return needs(problem, *self.requires)

    def supports(self, problem: Problem[Any, Any]) -> bool:
        return self.unsupported(problem) is None

    # --------------------------------------------------------------- parameters
    def configure(self, **values: str) -> Method:
        """A copy with the given parameter values; :class:`MethodError` names a bad one."""
        params = dict(self.params)
        for key, value in values.items():
            allowed = self.parameters.get(key)
            if allowed is None:
                known = ", ".join(self.parameters) or "none"
                raise MethodError(f"method {self.base_name!r} has no parameter {key!r} (parameters: {known})")
            if str(value) not in allowed:
                raise MethodError(f"method {self.base_name!r}: {key}={value!r} is not one of {', '.join(allowed)}")
            params[key] = str(value)
        other = copy.copy(self)
        other.params = params
        other.name = self.label(params)
        return other

    def label(self, params: Mapping[str, str]) -> str:
        """The name of this method with ``params``: the base name, then each non-default value."""
        extra = [params[k] for k, v in self.parameters.items() if params.get(k, v[0]) != v[0]]
        return "-".join([self.base_name, *extra])

    def aliases(self) -> dict[str, dict[str, str]]:
        """Names that mean this method with one parameter changed (``label -> params``)."""
        out = {}
        for key, values in self.parameters.items():
            for value in values[1:]:
                params = {**self.params, key: value}
                out[self.label(params)] = {key: value}
        return out

    # --------------------------------------------------------------------- run
    @abstractmethod
    def run(self, problem: Problem[Any, Any], instance: Any, budget: Budget, seed: int = 0,
            on_improve: ProgressCallback | None = None, context: RunContext | None = None) -> SearchResult:
        """Solve ``instance`` within ``budget`` and return the best solution found.

        The clock in ``budget`` is already running: start-up work counts.
        ``on_improve(evaluations, seconds, objective, cost)`` is called on each
        improvement when given. The caller verifies the solution; a method
        never needs to trust itself.
        """

    def __repr__(self) -> str:
        return f"<method {self.name!r} ({type(self).__name__})>"


def validate_method(method: object, expected_name: str | None = None) -> Method:
    """``method`` if it keeps the contract's form, else ``TypeError`` naming the breach."""
    if isinstance(method, type):
        if not issubclass(method, Method):
            raise TypeError(f"{method.__qualname__} does not subclass nnopt.solver.methods.Method")
        method = method()
    if not isinstance(method, Method):
        raise TypeError(f"{method!r} is not an nnopt.solver.methods.Method")
    if not isinstance(method.name, str) or not _NAME_RE.match(method.name):
        raise TypeError(f"{type(method).__qualname__}.name must be lower-case words joined by hyphens, "
                        f"got {method.name!r}")
    if expected_name is not None and method.name != expected_name:
        raise TypeError(f"method {method.name!r} is registered as {expected_name!r}")
    if not isinstance(method.description, str) or not method.description.strip() or "\n" in method.description:
        raise TypeError(f"method {method.name!r} needs a one-line description")
    for key, values in method.parameters.items():
        if not values or not all(isinstance(v, str) for v in values):
            raise TypeError(f"method {method.name!r}: parameter {key!r} needs a tuple of allowed string values")
    return method
