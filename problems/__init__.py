"""Problem types: the plugin contract, the registry and the shipped problems.

Nothing here imports ``nnopt.solver``, ``nnopt.cli`` or ``nnopt.scorers``
(a test checks the import graph): problems are the bottom layer.
"""
from nnopt.problems._registry import (
    ENTRY_POINT_GROUP,
    PluginWarning,
    UnknownProblemError,
    available_problems,
    get_problem,
    get_problem_class,
    problem_entries,
    register_problem,
    unregister_problem,
)
from nnopt.problems.base import InstanceError, Problem, SolutionError
from nnopt.problems.errors import NnoptError, OptionError

__all__ = [
    "ENTRY_POINT_GROUP",
    "InstanceError",
    "NnoptError",
    "OptionError",
    "PluginWarning",
    "Problem",
    "SolutionError",
    "UnknownProblemError",
    "available_problems",
    "get_problem",
    "get_problem_class",
    "problem_entries",
    "register_problem",
    "unregister_problem",
]
