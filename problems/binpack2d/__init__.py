"""2D bin packing (``binpack2d``): rectangles into identical bins, optional rotation.

One folder tells the problem's story: the instance object and file formats
(``_instance``), the solution table (``_solution``), the Numba decoders
(``_kernels``), the independent checker (``_checker``), lower bounds
(``_bounds``), the classic instance generators (``_generate``), pictures
(``_render``), and the contract class tying them together (``_problem``).
"""
from nnopt.problems.binpack2d._builder import Instance
from nnopt.problems.binpack2d._generate import generate_instance
from nnopt.problems.binpack2d._instance import BinPackInstance, parse_2bp, parse_instance, read_instance
from nnopt.problems.binpack2d._known_optimum import generate_known_optimum
from nnopt.problems.binpack2d._problem import BinPack2D, PackingBatch, order_keys
from nnopt.problems.binpack2d._solution import Packing
from nnopt.problems.binpack2d._views import PackingViews, Placement

__all__ = [
    "BinPack2D",
    "BinPackInstance",
    "Instance",
    "Packing",
    "PackingViews",
    "Placement",
    "generate_instance",
    "generate_known_optimum",
    "PackingBatch",
    "order_keys",
    "parse_2bp",
    "parse_instance",
    "read_instance",
]
