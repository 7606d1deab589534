"""nnopt: combinatorial optimisation by input backpropagation through learned scorers.

The public face: :func:`solve`, :func:`minimize` (a black-box objective over a space of
``nnopt.spaces``), the problem contract and registry, and one module per shipped problem
(``nnopt.binpack2d``, ``nnopt.tsp``) to build instances and read results. The rooms
behind it are ``nnopt.problems`` (problem types), ``nnopt.solver`` (the
engine), ``nnopt.scorers`` (torch networks), ``nnopt.baselines`` (classical
methods), ``nnopt.substrate`` (class visualisation and distillation of image
classifiers) and ``nnopt.cli`` (the command line).
"""
__version__ = "0.1.0"

from typing import Any

import nnopt._checkout  # noqa: F401  (imported for its effect: run from a checkout, finds the sub-packages)
from nnopt._solve import ContradictionError, SolveResult, VerificationError, load_instance, solve
from nnopt.problems import (
    InstanceError,
    NnoptError,
    OptionError,
    Problem,
    SolutionError,
    available_problems,
    get_problem,
    register_problem,
)
from nnopt.solver.blackbox.minimize import MinimizeResult, ObjectiveError, minimize
from nnopt.solver.methods import (
    Method,
    UnknownMethodError,
    available_methods,
    get_method,
    register_method,
)

__all__ = [
    "METHODS",
    "InstanceError",
    "Method",
    "MinimizeResult",
    "NnoptError",
    "ObjectiveError",
    "OptionError",
    "UnknownMethodError",
    "Problem",
    "SolutionError",
    "SolveResult",
    "ContradictionError",
    "VerificationError",
    "__version__",
    "available_methods",
    "binpack2d",
    "available_problems",
    "get_method",
    "get_problem",
    "load_instance",
    "minimize",
    "register_method",
    "register_problem",
    "solve",
    "spaces",
    "tsp",
]

#: The shipped problems' Python faces (``nnopt.binpack2d.Instance(...)``), imported on first use so that
#: ``import nnopt`` stays light.
_FACES = ("binpack2d", "spaces", "tsp")


def __getattr__(name: str) -> Any:
    # ``nnopt.METHODS`` (name -> method) is built on first use: listing methods imports their modules.
    if name == "METHODS":
        return {m.name: m for m in available_methods()}
    if name in _FACES:
        import importlib

        return importlib.import_module(f"nnopt.{name}")
    raise AttributeError(f"module 'nnopt' has no attribute {name!r}")
