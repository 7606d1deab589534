"""nnopt-knapsack: 0-1 knapsack as an nnopt problem plugin.

Installing the distribution registers ``knapsack`` through the entry point
group ``nnopt.problems`` (see ``pyproject.toml``); nothing in nnopt lists it.
"""
from nnopt_knapsack._problem import Knapsack, KnapsackInstance, Selection

__all__ = ["Knapsack", "KnapsackInstance", "Selection"]
__version__ = "0.1.0"
