"""What a problem can do beyond the core contract: named capabilities, declared by inheritance.

The core :class:`~nnopt.problems.base.Problem` is what every problem implements (instances,
the encoding space, decode, cost, objective, bound, checker, solution files): with it alone,
the default method and every encoding-space search run. Each capability below is a mixin
class holding the hooks of one further ability; a problem *declares* it by listing the class
among its bases, before ``Problem``::

    class MyProblem(SolutionSearch, Rendering, Problem[MyInstance, MySolution]):
        ...

(Mixins first is Python's convention; no capability hook shares a name with the core, so
the order changes nothing.) A declared capability's abstract hooks must be implemented (the
class cannot be built otherwise, and the registry names what is missing); its other hooks
have defaults. Code
asks ``isinstance(problem, SolutionSearch)``, which static type checkers understand too,
and methods list the capabilities they need in :attr:`nnopt.solver.methods.Method.requires`;
``nnopt methods PROBLEM`` names the one a problem lacks. Each capability has its own rules
in :mod:`nnopt.problems.testing`, run only for problems that declare it.

=====================  ================================================================
capability             what it adds
=====================  ================================================================
:class:`SolutionSearch`  a mutable search state moved by ruin and recreate
:class:`Pooling`       a pool of visited components and a recombination over it
:class:`Proofs`        slower, stronger arguments than ``lower_bound``
:class:`TokenFeatures`   per-coordinate features for a network trained across instances
:class:`ComponentFeatures`  per-component features for a learned ruin guide
:class:`PoolFeatures`  per-pooled-component features for a learned column filter
:class:`Rendering`     pictures of solutions
:class:`FileFormats`   instance files besides JSON
:class:`Polishing`     a finishing search in the problem's own terms, after the default's
=====================  ================================================================
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

import numpy as np

from nnopt.problems.base import InstanceT, Problem, Proof, SolutionT

__all__ = [
    "CAPABILITIES",
    "RUIN_DRAWS",
    "Capability",
    "ComponentFeatures",
    "FileFormats",
    "PoolFeatures",
    "Polishing",
    "Pooling",
    "Proofs",
    "Rendering",
    "SolutionSearch",
    "TokenFeatures",
    "capabilities_of",
    "describe",
    "file_suffixes",
    "lacking",
    "needs",
    "validate_capabilities",
]

#: A solution-level search state (mutable; the problem's own type).
StateT = TypeVar("StateT")
#: A pool of visited components (the problem's own type).
PoolT = TypeVar("PoolT")

#: The network-free ways a problem may name as its ``ruin_draw`` (``nnopt.solver.ruin_guide.CHOICES``
#: holds these and the learned guides).
RUIN_DRAWS = ("weakness", "random")


class Capability(ABC):  # noqa: B024 -- abstract as a family; each capability names its own abstract hooks
    """Base of every capability mixin: its hooks (the abstract ones are required) and prerequisites."""

    #: Capabilities a problem must also declare to declare this one (their hooks feed this one's).
    requires: ClassVar[tuple[type[Capability], ...]] = ()

    @classmethod
    def hooks(cls) -> tuple[str, ...]:
        """The hooks a problem declaring this capability must implement, in definition order."""
        return tuple(name for name, value in vars(cls).items() if getattr(value, "__isabstractmethod__", False))


class SolutionSearch(Capability, Generic[InstanceT, SolutionT, StateT]):
    """A mutable search state moved by ruin and recreate (``nnopt.solver.ruin_recreate``).

    The encoding-space searches move *encodings*; these hooks move *solutions*: the loop
    aims a state at one objective unit below the incumbent (:meth:`tighten`), takes a few
    *components* out (:meth:`ruin`: bins, tour segments), puts what is left out back
    (:meth:`recreate`) and ranks states by :meth:`state_cost`: first what is still left
    out, then a smooth tie-break. Needed by ``ruin-recreate``; the default ``nnopt`` runs
    it after CEM where offered (CEM alone otherwise).
    """

    #: How the default method's ruin and recreate chooses the components a move ruins, where
    #: no learned guide has shown it wins at equal wall time: ``"weakness"`` (probability rising
    #: with the :meth:`weakness` score) or ``"random"`` (uniform). One of ``RUIN_DRAWS``.
    ruin_draw: ClassVar[str] = "weakness"

    @abstractmethod
    def search_state(self, instance: InstanceT, solution: SolutionT) -> StateT:
        """A mutable search state holding ``solution`` (nothing left out)."""

    @abstractmethod
    def weakness(self, instance: InstanceT, state: StateT) -> np.ndarray:
        """A non-negative score per component of ``state`` (float64 ``(C,)``): how much
        ruining it promises; the loop picks components with probability rising with it."""

    @abstractmethod
    def ruin(self, instance: InstanceT, state: StateT, components: np.ndarray, rng: np.random.Generator) -> StateT:
        """A new state with (part of) ``components`` taken out; ``state`` stays as it was.

        Ruin and recreate keep the number of components (only :meth:`tighten` changes it), so a
        learned chooser may read one view of a state's components for a few moves."""

    @abstractmethod
    def recreate(self, instance: InstanceT, state: StateT, rng: np.random.Generator) -> None:
        """Put left-out parts back into ``state`` (in place), most restricted first;
        what still does not fit stays left out."""

    @abstractmethod
    def state_cost(self, instance: InstanceT, state: StateT) -> tuple[float, float]:
        """(what is left out, smooth tie-break), compared lexicographically; lower is better.
        A state with nothing left out has first element 0."""

    @abstractmethod
    def state_solution(self, instance: InstanceT, state: StateT) -> SolutionT | None:
        """The feasible solution a complete state holds; None while parts are left out."""

    def tighten(self, instance: InstanceT, state: StateT) -> StateT | None:
        """A new state aimed at one objective unit below ``state``'s complete solution,
        with what no longer fits left out; None (the default) when the problem has no such
        goal (its objective is not a count: the search then just improves the cost)."""
        return None

    def searches_few_components(self, instance: InstanceT) -> bool:
        """Whether the default method runs ruin and recreate on a start of no more components than
        one move ruins. False (the default): there every move takes the whole solution apart and
        the encoding search does better. A problem whose recreate changes more than where parts
        lie (which kind of component, as sheets of several sizes do) says True."""
        return False

    def acceptance_slack(self, instance: InstanceT, state: StateT) -> float:
        """How much worse the tie-break of :meth:`state_cost` may get in one accepted move among
        states that leave out equally much. 0 (the default) is plain late acceptance; a count
        objective with a shaping tie-break (bins) wants ``inf`` (free moves across a plateau); a
        length wants a fraction of one edge, so the search can climb out of local optima."""
        return 0.0


class Pooling(Capability, Generic[InstanceT, SolutionT, StateT, PoolT]):
    """A pool of the components ruin and recreate visits, and a recombination over it.

    Ruin and recreate adds every accepted state to the pool and every so many moves asks
    :meth:`recombine` for a better solution assembled from pooled components (binpack2d: a
    set cover over every distinct bin seen). Used by ``ruin-recreate`` (``recombine=on``)
    and the default ``nnopt``.
    """

    requires: ClassVar[tuple[type[Capability], ...]] = (SolutionSearch,)

    @abstractmethod
    def new_pool(self, instance: InstanceT) -> PoolT | None:
        """An empty pool of components (e.g. bins); None for an instance where recombination
        would not pay (binpack2d: too many items for the set cover)."""

    @abstractmethod
    def pool_add(self, instance: InstanceT, pool: PoolT, state: StateT) -> None:
        """Remember the components of ``state`` (a visited state) in ``pool``."""

    @abstractmethod
    def recombine(self, instance: InstanceT, pool: PoolT, incumbent: SolutionT, time_limit: float, seed: int,
                  columns: np.ndarray | None = None) -> SolutionT | None:
        """A complete solution assembled from ``pool``'s components that is better than
        ``incumbent`` (e.g. a set cover over bins), found within ``time_limit`` s, or None.

        ``columns`` (indices into the rows of :meth:`PoolFeatures.pool_features`) restricts the
        components the assembly may use, besides the incumbent's own; None leaves the choice
        to the problem."""


class Proofs(Capability, Generic[InstanceT, SolutionT]):
    """Slower, stronger arguments than the cheap ``lower_bound``: an LP bound, an exact "one unit
    better?" question. A search often ends above the cheap bound because the bound is weak,
    not the solution; ``nnopt.solver.prove_phase`` calls :meth:`prove` at the end of the
    default method, and the contract suite checks its bound never exceeds an optimum."""

    @abstractmethod
    def prove(self, instance: InstanceT, incumbent: SolutionT, seconds: float, threads: int | None = None,
              seed: int = 0) -> Proof:
        """Try for ``seconds`` to prove ``incumbent`` (feasible) optimal or to beat it.

        Returns a :class:`~nnopt.problems.base.Proof`: a valid lower bound (never below
        ``lower_bound``; equal to the incumbent's objective when proved optimal), a strictly
        better feasible solution found on the way (or None; the engine checks it before using
        it), and the name of the argument behind the bound. It may stop early, must return
        within about ``seconds``, and may use up to ``threads`` cores (None: all)."""


class TokenFeatures(Capability, Generic[InstanceT]):
    """Per-coordinate features that mean the same on every instance, so a set scorer trained on
    generated instances (``nnopt pretrain PROBLEM``) scores others; ``nnopt-amortised`` needs
    them and shipped weights (:meth:`pretrained_scorer`)."""

    @abstractmethod
    def token_features(self, instance: InstanceT, encoding: str | None = None) -> np.ndarray | None:
        """What the set scorer knows about each coordinate besides its value, ``(d, k)`` float
        (an item's size, its rank by size); None for an encoding without features (the scorer
        then reads the coordinate's values in ``heuristic_encodings`` instead)."""

    def pretrained_scorer(self, encoding: str | None = None) -> Path | None:
        """A weights file of a set scorer pre-trained on generated instances, or None (the default).

        Written by ``nnopt pretrain``; the engine's ``pretrained`` option starts its set scorer
        from it, so a run begins with what the network learnt on other instances."""
        return None


class ComponentFeatures(Capability, Generic[InstanceT, StateT]):
    """Per-component features of a search state, meaning the same on every instance, so a learned
    ruin guide (``nnopt.solver.ruin_guide``) trained on some instances chooses another's components;
    ruin and recreate's ``choice=learned|gradient|pretrained`` need them."""

    requires: ClassVar[tuple[type[Capability], ...]] = (SolutionSearch,)

    @abstractmethod
    def component_features(self, instance: InstanceT, state: StateT) -> np.ndarray:
        """``(C, F)`` float features per component of ``state`` (the rows ``weakness`` scores):
        fills, relative sizes, ranks."""

    def pretrained_guide(self) -> Path | None:
        """Shipped weights of the learned ruin guide, or None (the default): ``choice=pretrained``
        needs them."""
        return None


class PoolFeatures(Capability, Generic[InstanceT, PoolT]):
    """Per-pooled-component features, so a learned column filter (``nnopt.solver.column_filter``)
    chooses what the recombination sees; ``ruin-recreate``'s ``columns=fill|random|learned`` need them."""

    requires: ClassVar[tuple[type[Capability], ...]] = (Pooling,)

    @abstractmethod
    def pool_features(self, instance: InstanceT, pool: PoolT) -> np.ndarray:
        """``(P, F)`` float features of ``pool``'s components, in a fixed order (the order
        ``recombine``'s ``columns`` index), meaning the same on every instance."""

    @abstractmethod
    def pool_members(self, instance: InstanceT, pool: PoolT) -> Sequence[np.ndarray]:
        """Per pooled component (``pool_features`` order), the elements it holds (for binpack2d:
        a bin's item ids), so a column filter can keep every element covered."""

    def pretrained_column_filter(self) -> Path | None:
        """Shipped weights of the learned column filter, or None (the default)."""
        return None


class Rendering(Capability, Generic[InstanceT, SolutionT]):
    """Pictures of solutions: ``nnopt solve --plot`` and ``nnopt visualize`` need it."""

    @abstractmethod
    def render(self, instance: InstanceT, solution: SolutionT, path: str | Path) -> None:
        """Draw ``solution`` to ``path`` (format from its suffix)."""


class FileFormats(Capability, Generic[InstanceT]):
    """Instance files besides JSON (``.2bp``, TSPLIB ``.tsp``): ``nnopt solve FILE`` picks the
    problem by the file's suffix and reads it with :meth:`read`."""

    #: File suffixes (lower case, with the dot) that :meth:`read` understands besides ``.json``.
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def read(self, path: str | Path) -> InstanceT:
        """Load an instance file of one of :attr:`file_suffixes` (or JSON); one-line
        ``InstanceError`` naming the file on bad input."""

    def instances_in_file(self, path: str | Path) -> list[str]:
        """References to the instances one file holds (most files hold one: the default)."""
        return [str(path)]


class Polishing(Capability, Generic[InstanceT, SolutionT]):
    """A finishing search on a finished solution, in the problem's own terms, for what the
    decoders cannot reach (a cutting job with several stock types: which sheet types hold the
    pieces of a few sheets for less). The default method gives it :meth:`polish_share_of` its
    budget at the end, on the instances :meth:`polishes` names; the contract suite checks that
    it keeps solutions feasible and never makes them costlier."""

    #: Share of the default method's budget the polish gets at the end, where it applies.
    polish_share: ClassVar[float] = 0.25

    def polishes(self, instance: InstanceT) -> bool:
        """Whether :meth:`polish` can improve solutions of ``instance`` (False: the default skips it)."""
        return True

    def polish_share_of(self, instance: InstanceT) -> float:
        """The polish's share of the default method's budget on ``instance``: :attr:`polish_share`
        unless the problem knows that some instances gain more from polishing than from searching."""
        return self.polish_share

    @abstractmethod
    def polish(self, instance: InstanceT, solution: SolutionT, deadline: float | None, moves: int | None,
               seed: int = 0) -> SolutionT:
        """A feasible solution no costlier than ``solution`` (feasible), searched until
        ``time.perf_counter()`` passes ``deadline`` or after ``moves`` moves, whichever is first (at
        least one of them is given). With ``moves`` alone the result depends only on the arguments."""


#: Every capability, in the order tables list them.
CAPABILITIES: tuple[type[Capability], ...] = (SolutionSearch, Pooling, Proofs, TokenFeatures, ComponentFeatures,
                                              PoolFeatures, Rendering, FileFormats, Polishing)


def capabilities_of(problem: Problem | type[Problem]) -> tuple[type[Capability], ...]:
    """The capabilities ``problem`` (an object or a class) declares, in :data:`CAPABILITIES` order."""
    cls = problem if isinstance(problem, type) else type(problem)
    return tuple(c for c in CAPABILITIES if issubclass(cls, c))


def lacking(problem: Problem | type[Problem], *needed: type[Capability]) -> list[type[Capability]]:
    """The capabilities of ``needed`` that ``problem`` does not declare."""
    have = capabilities_of(problem)
    return [c for c in needed if c not in have]


def describe(capability: type[Capability]) -> str:
    """``Name (hook, hook, ...)``: how messages name a capability."""
    return f"{capability.__name__} ({', '.join(capability.hooks())})"


def needs(problem: Problem | type[Problem], *needed: type[Capability]) -> str | None:
    """None when ``problem`` declares every capability of ``needed``; else one line naming the
    first it lacks and its hooks (what ``nnopt methods`` and a refused ``--method`` print)."""
    missing = lacking(problem, *needed)
    if not missing:
        return None
    return f"needs the {missing[0].__name__} capability ({', '.join(missing[0].hooks())})"


def file_suffixes(problem: Problem) -> tuple[str, ...]:
    """The file suffixes ``problem`` reads besides ``.json`` (none without :class:`FileFormats`)."""
    return tuple(problem.file_suffixes) if isinstance(problem, FileFormats) else ()


def validate_capabilities(cls: type[Problem]) -> None:
    """Raise ``TypeError`` naming the first way ``cls`` declares its capabilities wrongly: a capability
    without the one it builds on, a capability's class attribute of the wrong form. (Missing hooks
    are the registry's abstract-method check.)"""
    for cap in capabilities_of(cls):
        for prerequisite in cap.requires:
            if not issubclass(cls, prerequisite):
                raise TypeError(f"{cls.__qualname__} declares {cap.__name__}, which builds on "
                                f"{prerequisite.__name__}: declare that too")
    if issubclass(cls, SolutionSearch) and cls.ruin_draw not in RUIN_DRAWS:
        raise TypeError(f"{cls.__qualname__}.ruin_draw must be one of {', '.join(RUIN_DRAWS)}, got {cls.ruin_draw!r}")
    if issubclass(cls, FileFormats):
        suffixes = cls.file_suffixes
        if not isinstance(suffixes, tuple) or not all(
                isinstance(s, str) and s.startswith(".") and s == s.lower() for s in suffixes):
            raise TypeError(f"{cls.__qualname__}.file_suffixes must be a tuple of lower-case suffixes such as "
                            f"'.txt', got {suffixes!r}")
