"""nnopt: combinatorial optimisation by input backpropagation through learned scorers."""
__version__ = "0.1.0"
