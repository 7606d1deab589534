"""The problem-agnostic engine: search loops that know problems only through the contract.

Nothing here imports a concrete problem (a test checks the import graph).
"""
from nnopt.solver._budget import Budget
from nnopt.solver._incumbent import Incumbent, SearchResult
from nnopt.solver.random_search import random_key_search

__all__ = ["Budget", "Incumbent", "SearchResult", "random_key_search"]
