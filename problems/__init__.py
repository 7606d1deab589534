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
from nnopt.problems.base import InstanceError, Problem, Proof, SolutionError
from nnopt.problems.capabilities import (
    CAPABILITIES,
    ComponentFeatures,
    FileFormats,
    PoolFeatures,
    Pooling,
    Proofs,
    Rendering,
    SolutionSearch,
    TokenFeatures,
)
from nnopt.problems.errors import NnoptError, OptionError

__all__ = [
    "CAPABILITIES",
    "ENTRY_POINT_GROUP",
    "ComponentFeatures",
    "FileFormats",
    "PoolFeatures",
    "Pooling",
    "Proof",
    "Proofs",
    "Rendering",
    "SolutionSearch",
    "TokenFeatures",
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
