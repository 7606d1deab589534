"""nnopt: combinatorial optimisation by input backpropagation through learned scorers.

The public face: :func:`solve`, the problem contract and registry. The rooms
behind it are ``nnopt.problems`` (problem types), ``nnopt.solver`` (the
engine), ``nnopt.scorers`` (torch networks), ``nnopt.baselines`` (classical
methods), ``nnopt.substrate`` (class visualisation and distillation of image
classifiers) and ``nnopt.cli`` (the command line).
"""
__version__ = "0.1.0"

import os as _os
from typing import Any

# Run from the root of a source checkout, Python finds this folder (the current directory comes
# first on the path) rather than the installed package, and the sub-packages live beside it
# (solver/, problems/, ...: setup.py maps them): look for them there too.
_checkout = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if _os.path.isfile(_os.path.join(_checkout, "setup.py")) and _os.path.isfile(
        _os.path.join(_checkout, "solver", "__init__.py")):
    __path__.append(_checkout)

from nnopt._solve import ContradictionError, SolveResult, VerificationError, load_instance, solve
from nnopt.problems import (
    InstanceError,
    NnoptError,
    Problem,
    SolutionError,
    available_problems,
    get_problem,
    register_problem,
)
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
    "NnoptError",
    "UnknownMethodError",
    "Problem",
    "SolutionError",
    "SolveResult",
    "ContradictionError",
    "VerificationError",
    "__version__",
    "available_methods",
    "available_problems",
    "get_method",
    "get_problem",
    "load_instance",
    "register_method",
    "register_problem",
    "solve",
]


def __getattr__(name: str) -> Any:
    # ``nnopt.METHODS`` (name -> method) is built on first use: listing methods imports their modules.
    if name == "METHODS":
        return {m.name: m for m in available_methods()}
    raise AttributeError(f"module 'nnopt' has no attribute {name!r}")
