"""Combinatorial search spaces for black-box objectives: bits, categories, permutations and products.

A space turns the user's solutions (a bool array, a list of category values, a permutation, or a
tuple of those for a product) into one integer *code* per solution and back. Everything a search
method needs is defined on codes, so a method never learns which kind of space it searches:

- ``sample_codes``: uniform samples (a start that favours no solution, unlike a fixed ramp of keys);
- ``key``: the bytes of a code, hashable, so that no solution is evaluated twice;
- ``decode_keys``: random keys in [0, 1) to codes (threshold, argmax per category block, argsort),
  so that key-space methods (CEM, BRKGA, random keys) can search the space;
- ``one_hot``: the code as 0/1 features (a bit, a category's indicator, an item-at-position
  indicator), which a model of the objective learns from and whose relaxation it optimises;
- ``marginals_of`` / ``sample_marginals``: a product of per-variable distributions over the
  values, the model of a cross-entropy search.

Every leaf space describes itself as ``variables x values`` cells (``table_shape``): a bit is a
variable with 2 values, a category variable with k values, a permutation of n items n variables
(the items) each taking one of n positions, with the constraint that positions are distinct.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnopt.problems.errors import NnoptError

__all__ = ["Binary", "Categorical", "Permutation", "Product", "Space", "SpaceError"]

#: spaces larger than this many one-hot features are refused: a model over them would not fit
MAX_FEATURES = 1_000_000


class SpaceError(NnoptError, ValueError):
    """A space was built with an invalid argument, or a solution does not belong to its space."""


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise SpaceError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class Space(ABC):
    """A finite combinatorial space; see the module's docstring for the code each solution has."""

    #: length of a solution's integer code
    code_size: int
    #: number of random keys :meth:`decode_keys` reads per solution
    key_size: int

    # ------------------------------------------------------------------ the user's solutions
    @abstractmethod
    def to_solution(self, code: np.ndarray) -> Any:
        """The user's solution for one code."""

    @abstractmethod
    def to_code(self, solution: Any) -> np.ndarray:
        """The code of a user's solution; a solution outside the space raises :class:`SpaceError`."""

    def key(self, solution: Any) -> bytes:
        """A canonical hashable key of ``solution``: equal solutions, equal keys."""
        return self.to_code(solution).tobytes()

    def sample(self, rng: np.random.Generator, k: int) -> list[Any]:
        """``k`` solutions drawn uniformly at random."""
        return [self.to_solution(c) for c in self.sample_codes(rng, k)]

    @property
    @abstractmethod
    def size(self) -> int:
        """The number of solutions in the space (an exact integer, possibly huge)."""

    # ------------------------------------------------------------------ codes
    @abstractmethod
    def sample_codes(self, rng: np.random.Generator, k: int) -> np.ndarray:
        """(k, code_size) int64 codes drawn uniformly."""

    @abstractmethod
    def decode_keys(self, keys: np.ndarray) -> np.ndarray:
        """(k, key_size) random keys in [0, 1) -> (k, code_size) codes."""

    @property
    def leaves(self) -> list[tuple[LeafSpace, int]]:
        """The leaf spaces with the offset of their code in this space's code."""
        raise NotImplementedError

    def mutate(self, code: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A neighbour of ``code``: one leaf (chosen in proportion to its code's length) takes one small move."""
        leaves = self.leaves
        sizes = np.array([leaf.code_size for leaf, _ in leaves], dtype=np.float64)
        leaf, off = leaves[int(rng.choice(len(leaves), p=sizes / sizes.sum()))]
        out = np.array(code, dtype=np.int64, copy=True)
        out[off:off + leaf.code_size] = leaf.move(out[off:off + leaf.code_size], rng)
        return out

    @property
    def feature_size(self) -> int:
        """Length of :meth:`one_hot`'s rows."""
        return sum(leaf.feature_size for leaf, _ in self.leaves)

    def one_hot(self, codes: np.ndarray) -> np.ndarray:
        """(k, code_size) codes -> (k, feature_size) float32 0/1 features, leaves side by side."""
        codes = np.asarray(codes, dtype=np.int64).reshape(-1, self.code_size)
        parts = [leaf.one_hot(codes[:, off:off + leaf.code_size]) for leaf, off in self.leaves]
        return np.concatenate(parts, axis=1) if parts else np.zeros((len(codes), 0), np.float32)

    def __mul__(self, other: Space) -> Product:
        if not isinstance(other, Space):
            return NotImplemented
        return Product(self, other)


class LeafSpace(Space):
    """A space of ``variables x values`` cells: bits, categories, a permutation."""

    @property
    def leaves(self) -> list[tuple[LeafSpace, int]]:
        return [(self, 0)]

    @property
    @abstractmethod
    def table_shape(self) -> tuple[int, int]:
        """(variables, values): the shape of :meth:`marginals_of`'s table."""

    @abstractmethod
    def allowed(self) -> np.ndarray:
        """(variables, values) bool: which cells exist (categories of unequal counts leave some out)."""

    def feature_cells(self) -> np.ndarray:
        """(variables, values) bool: the cells that are features (all that exist, unless one is implied)."""
        return self.allowed()

    @property
    def feature_size(self) -> int:
        return int(self.feature_cells().sum())

    def one_hot(self, codes: np.ndarray) -> np.ndarray:
        return self.cells(codes)[:, self.feature_cells()].astype(np.float32)

    def cells(self, codes: np.ndarray) -> np.ndarray:
        """(k, variables, values) 0/1 table of each code's cells."""
        codes = np.asarray(codes, dtype=np.int64).reshape(-1, self.code_size)
        v, m = self.table_shape
        out = np.zeros((len(codes), v, m), dtype=np.float32)
        rows = np.arange(len(codes))[:, None]
        out[rows, np.arange(v)[None, :], codes] = 1.0
        return out

    def marginals_of(self, codes: np.ndarray) -> np.ndarray:
        """The per-variable frequency of each value among ``codes``: (variables, values)."""
        return self.cells(codes).mean(axis=0)

    def uniform_marginals(self) -> np.ndarray:
        allowed = self.allowed().astype(np.float64)
        return allowed / allowed.sum(axis=1, keepdims=True)

    @abstractmethod
    def sample_marginals(self, table: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
        """(k, code_size) codes drawn from the per-variable distributions of ``table``."""

    def move(self, code: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One variable takes another of its values (a bit flips, a category changes)."""
        out = code.copy()
        allowed = self.allowed()
        i = int(rng.integers(self.code_size))
        others = np.flatnonzero(allowed[i] & (np.arange(allowed.shape[1]) != out[i]))
        if len(others):
            out[i] = int(rng.choice(others))
        return out


class Binary(LeafSpace):
    """``n`` bits; a solution is a bool array of length n."""

    def __init__(self, n: int) -> None:
        self.n = _positive_int("Binary(n)", n)
        if self.n > MAX_FEATURES:
            raise SpaceError(f"Binary(n) must be at most {MAX_FEATURES}, got {n}")
        self.code_size = self.key_size = self.n

    def __repr__(self) -> str:
        return f"Binary({self.n})"

    @property
    def size(self) -> int:
        return 2 ** self.n

    @property
    def table_shape(self) -> tuple[int, int]:
        return (self.n, 2)

    def allowed(self) -> np.ndarray:
        return np.ones((self.n, 2), dtype=bool)

    def feature_cells(self) -> np.ndarray:
        # a bit is its own feature: the indicator of 0 would only repeat it
        cells = np.zeros((self.n, 2), dtype=bool)
        cells[:, 1] = True
        return cells

    def to_solution(self, code: np.ndarray) -> np.ndarray:
        return np.asarray(code, dtype=bool).copy()

    def to_code(self, solution: Any) -> np.ndarray:
        arr = np.asarray(solution)
        if arr.shape != (self.n,):
            raise SpaceError(f"a solution of {self!r} must have shape ({self.n},), got {arr.shape}")
        if arr.dtype != bool and not np.all((arr == 0) | (arr == 1)):
            raise SpaceError(f"a solution of {self!r} must hold 0/1 or bools, got {solution!r}")
        return arr.astype(np.int64)

    def sample_codes(self, rng: np.random.Generator, k: int) -> np.ndarray:
        return rng.integers(0, 2, size=(k, self.n), dtype=np.int64)

    def decode_keys(self, keys: np.ndarray) -> np.ndarray:
        return (np.asarray(keys).reshape(-1, self.n) >= 0.5).astype(np.int64)

    def sample_marginals(self, table: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
        return (rng.random((k, self.n)) < table[None, :, 1]).astype(np.int64)


class Categorical(LeafSpace):
    """Category variables. ``Categorical([3, 4])``: two variables taking 0..2 and 0..3;
    ``Categorical([["a", "b"], [1, 2, 3]])``: a solution is a list of the chosen values."""

    def __init__(self, choices: Sequence[int] | Sequence[Sequence[Any]]) -> None:
        if isinstance(choices, (str, bytes)) or not isinstance(choices, Sequence) or len(choices) == 0:
            raise SpaceError(f"Categorical(choices) must be a non-empty list of category counts or of "
                             f"lists of values, got {choices!r}")
        self.choices: list[list[Any]] = []
        for i, c in enumerate(choices):
            if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
                k = _positive_int(f"Categorical(choices)[{i}]", c)
                self.choices.append(list(range(k)))
            elif isinstance(c, Sequence) and not isinstance(c, (str, bytes)) and len(c) >= 1:
                values = list(c)
                if any(values[a] == values[b] for a in range(len(values)) for b in range(a)):
                    raise SpaceError(f"Categorical(choices)[{i}] holds a value twice: {values!r}")
                self.choices.append(values)
            else:
                raise SpaceError(f"Categorical(choices)[{i}] must be a positive count or a non-empty list of "
                                 f"values, got {c!r}")
        self.counts = np.array([len(c) for c in self.choices], dtype=np.int64)
        if int(self.counts.sum()) > MAX_FEATURES:
            raise SpaceError(f"Categorical(choices) has {int(self.counts.sum())} categories in all, "
                             f"more than {MAX_FEATURES}")
        self.code_size = len(self.choices)
        self.key_size = int(self.counts.sum())
        self._starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)

    def __repr__(self) -> str:
        return f"Categorical({[len(c) for c in self.choices]!r})"

    @property
    def size(self) -> int:
        return math.prod(int(k) for k in self.counts)

    @property
    def table_shape(self) -> tuple[int, int]:
        return (self.code_size, int(self.counts.max()))

    def allowed(self) -> np.ndarray:
        return np.arange(int(self.counts.max()))[None, :] < self.counts[:, None]

    def to_solution(self, code: np.ndarray) -> list[Any]:
        return [self.choices[i][int(c)] for i, c in enumerate(code)]

    def to_code(self, solution: Any) -> np.ndarray:
        if isinstance(solution, (str, bytes)) or not hasattr(solution, "__len__") \
                or len(solution) != self.code_size:
            raise SpaceError(f"a solution of {self!r} must be a list of {self.code_size} values, got {solution!r}")
        code = np.empty(self.code_size, dtype=np.int64)
        for i, v in enumerate(solution):
            for j, c in enumerate(self.choices[i]):
                if c == v:
                    code[i] = j
                    break
            else:
                raise SpaceError(f"value {v!r} at position {i} is not one of {self.choices[i]!r}")
        return code

    def sample_codes(self, rng: np.random.Generator, k: int) -> np.ndarray:
        return np.floor(rng.random((k, self.code_size)) * self.counts[None, :]).astype(np.int64)

    def decode_keys(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys).reshape(-1, self.key_size)
        return np.stack([keys[:, s:s + k].argmax(axis=1) for s, k in zip(self._starts, self.counts)], axis=1)

    def sample_marginals(self, table: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
        cum = np.cumsum(table, axis=1)
        cum /= cum[:, -1:]
        u = rng.random((k, self.code_size, 1))
        codes = (u > cum[None, :, :]).sum(axis=2)
        return np.minimum(codes, self.counts[None, :] - 1).astype(np.int64)


class Permutation(LeafSpace):
    """Orders of ``n`` items; a solution is an int array holding each of 0..n-1 once (item at each place).

    Its code is the *position* of each item (the inverse permutation), so that the cell table is
    item x position, the features a model reads and the matrix a Sinkhorn relaxation makes doubly
    stochastic.
    """

    def __init__(self, n: int) -> None:
        self.n = _positive_int("Permutation(n)", n)
        if self.n * self.n > MAX_FEATURES:
            raise SpaceError(f"Permutation(n) must be at most {math.isqrt(MAX_FEATURES)}, got {n}")
        self.code_size = self.key_size = self.n

    def __repr__(self) -> str:
        return f"Permutation({self.n})"

    @property
    def size(self) -> int:
        return math.factorial(self.n)

    @property
    def table_shape(self) -> tuple[int, int]:
        return (self.n, self.n)

    def allowed(self) -> np.ndarray:
        return np.ones((self.n, self.n), dtype=bool)

    def to_solution(self, code: np.ndarray) -> np.ndarray:
        return np.argsort(np.asarray(code), kind="stable").astype(np.int64)

    def to_code(self, solution: Any) -> np.ndarray:
        arr = np.asarray(solution)
        if arr.shape != (self.n,) or not np.issubdtype(arr.dtype, np.integer) \
                or not np.array_equal(np.sort(arr), np.arange(self.n)):
            raise SpaceError(f"a solution of {self!r} must hold each of 0..{self.n - 1} once, got {solution!r}")
        return np.argsort(arr, kind="stable").astype(np.int64)

    def sample_codes(self, rng: np.random.Generator, k: int) -> np.ndarray:
        return np.argsort(rng.random((k, self.n)), axis=1).astype(np.int64)

    def decode_keys(self, keys: np.ndarray) -> np.ndarray:
        order = np.argsort(np.asarray(keys).reshape(-1, self.n), axis=1, kind="stable")
        return np.argsort(order, axis=1, kind="stable").astype(np.int64)

    def move(self, code: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Two items swap their positions."""
        out = code.copy()
        if self.n > 1:
            a, b = rng.choice(self.n, size=2, replace=False)
            out[a], out[b] = out[b], out[a]
        return out

    def sample_marginals(self, table: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
        """Items in random order each take a free position drawn by their row of ``table``."""
        codes = np.empty((k, self.n), dtype=np.int64)
        for r in range(k):
            free = np.ones(self.n, dtype=bool)
            for item in rng.permutation(self.n):
                w = np.where(free, table[item], 0.0)
                total = w.sum()
                pos = int(rng.choice(self.n, p=w / total)) if total > 0 else int(rng.choice(np.flatnonzero(free)))
                codes[r, item] = pos
                free[pos] = False
        return codes


class Product(Space):
    """Several spaces side by side; a solution is a tuple with one solution of each."""

    def __init__(self, *spaces: Space) -> None:
        if not spaces:
            raise SpaceError("Product(*spaces) needs at least one space, got none")
        flat: list[LeafSpace] = []
        for i, s in enumerate(spaces):
            if isinstance(s, Product):
                flat.extend(s.parts)
            elif isinstance(s, LeafSpace):
                flat.append(s)
            else:
                raise SpaceError(f"Product(*spaces)[{i}] must be a space (Binary, Categorical, Permutation, "
                                 f"Product), got {s!r}")
        self.parts: list[LeafSpace] = flat
        self._offsets = np.concatenate([[0], np.cumsum([p.code_size for p in flat])]).astype(np.int64)
        self._key_offsets = np.concatenate([[0], np.cumsum([p.key_size for p in flat])]).astype(np.int64)
        self.code_size = int(self._offsets[-1])
        self.key_size = int(self._key_offsets[-1])
        if self.feature_size > MAX_FEATURES:
            raise SpaceError(f"Product(*spaces) has {self.feature_size} features, more than {MAX_FEATURES}")

    def __repr__(self) -> str:
        return " * ".join(repr(p) for p in self.parts)

    @property
    def size(self) -> int:
        return math.prod(p.size for p in self.parts)

    @property
    def leaves(self) -> list[tuple[LeafSpace, int]]:
        return [(p, int(o)) for p, o in zip(self.parts, self._offsets)]

    def to_solution(self, code: np.ndarray) -> tuple[Any, ...]:
        return tuple(p.to_solution(code[o:o + p.code_size]) for p, o in self.leaves)

    def to_code(self, solution: Any) -> np.ndarray:
        if not isinstance(solution, (tuple, list)) or len(solution) != len(self.parts):
            raise SpaceError(f"a solution of {self!r} must be a tuple of {len(self.parts)} solutions, "
                             f"got {solution!r}")
        return np.concatenate([p.to_code(s) for p, s in zip(self.parts, solution)])

    def sample_codes(self, rng: np.random.Generator, k: int) -> np.ndarray:
        return np.concatenate([p.sample_codes(rng, k) for p in self.parts], axis=1)

    def decode_keys(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys).reshape(-1, self.key_size)
        return np.concatenate([p.decode_keys(keys[:, a:b]) for p, a, b in
                               zip(self.parts, self._key_offsets[:-1], self._key_offsets[1:])], axis=1)
