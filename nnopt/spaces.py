"""Combinatorial spaces for :func:`nnopt.minimize`: ``Binary(n)``, ``Categorical([...])``,
``Permutation(n)`` and their products (``Product(a, b)`` or ``a * b``)."""
from nnopt.problems.spaces import Binary, Categorical, Permutation, Product, Space, SpaceError

__all__ = ["Binary", "Categorical", "Permutation", "Product", "Space", "SpaceError"]
