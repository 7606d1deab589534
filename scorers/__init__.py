"""Torch networks that score encodings for the engine (an MLP, a permutation-invariant set model) and their training.

Nothing here imports ``nnopt.problems``: a scorer sees tensors, never a problem.
"""
from nnopt.scorers._fit import ScorerTrainer
from nnopt.scorers._nets import MLPScorer, SetScorer, soft_rank

__all__ = ["MLPScorer", "ScorerTrainer", "SetScorer", "soft_rank"]
