"""nnopt-knapsack: 0-1 knapsack as an nnopt problem plugin.

Installing the distribution registers ``knapsack`` through the entry point
group ``nnopt.problems`` and its exact method ``knapsack-dp`` through
``nnopt.methods`` (see ``pyproject.toml``); nothing in nnopt lists either.
"""
from nnopt_knapsack._dp import KnapsackDP
from nnopt_knapsack._problem import Knapsack, KnapsackInstance, Selection

__all__ = ["Knapsack", "KnapsackDP", "KnapsackInstance", "Selection"]
__version__ = "0.1.0"
