"""Torch networks: solution scorers for the engine and image classifiers.

Nothing here imports ``nnopt.problems``: a scorer sees tensors, never a problem.
"""
__all__: list[str] = []
