"""Symmetric Euclidean travelling salesman (``tsp``): the shortest closed tour through cities.

One folder tells the problem's story: the instance object and its file formats,
JSON and TSPLIB EUC_2D (``_instance``), the tour object (``_solution``), the
Numba decoders and 1-trees (``_kernels``), the independent checker
(``_checker``), Held–Karp lower bounds (``_bounds``), seeded generators
(``_generate``), pictures (``_render``), and the contract class (``_problem``).
"""
from nnopt.problems.tsp._builder import Instance
from nnopt.problems.tsp._generate import KINDS, generate_instance
from nnopt.problems.tsp._instance import DISTANCES, MAX_CITIES, TSPInstance, parse_instance, parse_tsplib, read_instance
from nnopt.problems.tsp._problem import TSP, TourBatch, order_keys
from nnopt.problems.tsp._solution import Tour
from nnopt.problems.tsp._views import TourViews

__all__ = [
    "DISTANCES",
    "Instance",
    "KINDS",
    "MAX_CITIES",
    "TSP",
    "TSPInstance",
    "Tour",
    "TourViews",
    "TourBatch",
    "generate_instance",
    "order_keys",
    "parse_instance",
    "parse_tsplib",
    "read_instance",
]
