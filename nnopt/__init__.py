"""nnopt: combinatorial optimisation by input backpropagation through learned scorers.

The public face: :func:`solve`, the problem contract and registry. The rooms
behind it are ``nnopt.problems`` (problem types), ``nnopt.solver`` (the
engine), ``nnopt.scorers`` (torch networks), ``nnopt.baselines`` (classical
methods) and ``nnopt.cli`` (the command line).
"""
__version__ = "0.1.0"

from nnopt._methods import METHODS, get_method
from nnopt._solve import SolveResult, VerificationError, load_instance, solve
from nnopt.problems import (
    InstanceError,
    Problem,
    SolutionError,
    available_problems,
    get_problem,
    register_problem,
)

__all__ = [
    "METHODS",
    "InstanceError",
    "Problem",
    "SolutionError",
    "SolveResult",
    "VerificationError",
    "__version__",
    "available_problems",
    "get_method",
    "get_problem",
    "load_instance",
    "register_problem",
    "solve",
]
