"""The plugin contract every problem type implements.

The engine (``nnopt.solver``) knows a problem only through this class: it samples
points of the problem's continuous *encoding space*, asks the problem to decode
them into feasible solutions, and reads back a learnable ``cost``. Everything
problem-specific (file formats, decoders, bounds, the feasibility checker,
pictures) lives behind these methods.

A third-party problem subclasses :class:`Problem`, implements the abstract
methods, and registers itself through the ``nnopt.problems`` entry-point group
(or :func:`nnopt.problems.register_problem` at run time). Its conformance is
checked by :func:`nnopt.problems.testing.check_problem`.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np

from nnopt.problems.errors import NnoptError

__all__ = ["InstanceError", "SolutionError", "Problem", "Proof", "MAX_FILE_BYTES", "RESERVED_SOLUTION_KEYS",
           "RUIN_RECREATE_HOOKS", "RUIN_DRAWS", "PROOF_HOOKS"]

#: Instance files larger than this are refused before parsing (a runaway input
#: should fail with a clear message, not exhaust memory).
MAX_FILE_BYTES = 256 * 1024 * 1024


class InstanceError(NnoptError, ValueError):
    """An instance (file or mapping) is invalid.

    The message names the place (file, field) and the offending value, so the
    command line can print it as the one line a user sees.
    """


class SolutionError(NnoptError, ValueError):
    """A solution file is malformed (not: infeasible — that is ``check``'s job)."""


class Proof(NamedTuple):
    """What a problem's :meth:`Problem.prove` hook settled about an incumbent.

    ``bound``: a valid lower bound on the objective (at least :meth:`Problem.lower_bound`);
    it proves the incumbent optimal when it reaches the incumbent's objective.
    ``solution``: a feasible solution strictly better than the incumbent, or None.
    ``argument``: the name of what proves ``bound`` (a named bound, "CP-SAT: ..."),
    shown as "proved by" when the bound certifies an optimum.
    """

    bound: float
    solution: Any | None
    argument: str


class Problem(ABC):
    """Base class of every problem type.

    Subclasses set the class attributes and implement the abstract methods.
    Instances of the problem *type* are immutable objects returned by
    :meth:`load`; solutions are whatever :meth:`decode` returns, as long as
    :meth:`solution_to_json` / :meth:`solution_from_json` round-trip them and
    :meth:`check` can verify them.
    """

    #: Registry key, e.g. ``"binpack2d"``; a valid Python identifier.
    name: ClassVar[str] = ""
    #: One line shown by ``nnopt problems``.
    description: ClassVar[str] = ""
    #: Names of the encodings this problem offers; the first is the default.
    encodings: ClassVar[tuple[str, ...]] = ("keys",)
    #: Names of the decoders; the first is the default.
    decoders: ClassVar[tuple[str, ...]] = ("default",)
    #: The decoders worth a search's budget (a subset of ``decoders``); empty means all.
    search_decoders: ClassVar[tuple[str, ...]] = ()
    #: Per encoding other than the default, the decoders worth a search's budget where they
    #: differ from ``search_decoders`` (a decoder that cannot read that encoding, or one that
    #: ignores the decoder name); read through :meth:`search_decoders_for`.
    encoding_search_decoders: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: How the default method's ruin and recreate chooses the components a move ruins, where
    #: no learned guide has shown it wins at equal wall time: ``"weakness"`` (probability rising
    #: with the :meth:`weakness` score) or ``"random"`` (uniform). One of ``RUIN_DRAWS``; the
    #: network-free draw that measured best for the problem (a guide stays ``--param choice=...``).
    ruin_draw: ClassVar[str] = "weakness"
    #: Name of the quantity :meth:`objective` returns, for tables ("bins", "length").
    objective_name: ClassVar[str] = "objective"
    #: File suffixes (lower case) that :meth:`read` understands besides ``.json``.
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    # ------------------------------------------------------------------ instances
    @abstractmethod
    def load(self, data: Any, *, source: str = "instance") -> Any:
        """Validate ``data`` (a parsed JSON object) and return an immutable instance.

        Any problem with the input raises :class:`InstanceError` whose message
        starts with ``source`` and names the field and the value.
        """

    def read(self, path: str | Path) -> Any:
        """Load an instance file; JSON by default, subclasses add formats."""
        data = read_json_file(path, InstanceError)
        return self.load(data, source=str(path))

    @abstractmethod
    def instance_to_json(self, instance: Any) -> dict[str, Any]:
        """The JSON object :meth:`load` turns back into an equal instance."""

    @abstractmethod
    def generate(self, seed: int, **params: Any) -> Any:
        """A seeded random instance; with no ``params`` a small, typical one.

        ``params`` arrive from ``nnopt generate PROBLEM --param key=value`` (the value
        parsed as JSON when it is JSON, else the string), and from the generic flags
        ``--n`` (``n``, the size: the contract suite asks for ``n=4..6`` to brute-force
        the bound, so accept ``n`` if you can), ``--name`` (``name``), ``--class``
        (``klass``) and ``--rotation`` (``allow_rotation``). Refuse an unknown
        parameter or a bad value with ``ValueError`` naming it and the known ones:
        the command line prints it as one line. Document the parameters here, and
        declare the ones users type often in :attr:`generate_flags`.
        """

    #: Problem-specific ``nnopt generate`` flags: ``name -> one line of help``. ``--name VALUE``
    #: (or ``--name=VALUE``) reaches :meth:`generate` as the keyword ``name`` (dashes become
    #: underscores), the value parsed as ``--param`` parses it; an undeclared flag is refused
    #: in one line that lists the declared ones. ``--param`` stays the route for everything.
    generate_flags: ClassVar[Mapping[str, str]] = {}

    def instance_name(self, instance: Any) -> str:
        return str(getattr(instance, "name", ""))

    def instance_size(self, instance: Any) -> int:
        """The instance's size for tables (items, cities); 0 when it has none."""
        return int(getattr(instance, "n", 0))

    def instance_class(self, instance: Any) -> str:
        """The instance's class for grouped tables (e.g. a generator class); "" if none."""
        return ""

    def instances_in_file(self, path: str | Path) -> list[str]:
        """References to the instances one file holds (most files hold one)."""
        return [str(path)]

    # ------------------------------------------------------------- search space
    @abstractmethod
    def encoding_size(self, instance: Any, encoding: str | None = None) -> int:
        """Dimension ``d`` of the continuous encoding of ``instance``."""

    def sample(
        self, instance: Any, n: int, rng: np.random.Generator, encoding: str | None = None
    ) -> np.ndarray:
        """``n`` random points of the encoding space, ``(n, d)`` float32 in [0, 1)."""
        d = self.encoding_size(instance, encoding)
        return rng.random((n, d), dtype=np.float32)

    def heuristic_encodings(self, instance: Any, encoding: str | None = None) -> np.ndarray:
        """Encodings of known-good constructions (e.g. sorted orders), ``(k, d)``.

        Search methods start from these so that they are never worse than the
        classic rules of thumb. The default offers none.
        """
        return np.zeros((0, self.encoding_size(instance, encoding)), dtype=np.float32)

    def search_decoders_for(self, encoding: str | None = None) -> tuple[str, ...]:
        """The decoders a search spends its budget on for ``encoding`` (None: the default encoding)."""
        own = self.encoding_search_decoders.get(encoding) if encoding is not None else None
        return tuple(own or self.search_decoders or self.decoders)

    @abstractmethod
    def decode(
        self,
        instance: Any,
        X: np.ndarray,
        decoder: str | None = None,
        encoding: str | None = None,
    ) -> Sequence[Any]:
        """Decode a batch ``(B, d)`` of encodings into ``B`` feasible solutions.

        Deterministic, and row ``i`` of a batch decodes exactly like the batch
        holding only row ``i``.
        """

    @abstractmethod
    def cost(self, instance: Any, solutions: Sequence[Any]) -> np.ndarray:
        """Learnable cost of each solution, float64 ``(B,)``; lower is better."""

    @abstractmethod
    def objective(self, instance: Any, solution: Any) -> float:
        """The number users care about (e.g. bins used); lower is better."""

    @abstractmethod
    def lower_bound(self, instance: Any) -> float:
        """A valid lower bound on :meth:`objective` over all feasible solutions."""

    def bound_argument(self, instance: Any) -> str:
        """Optional: the name of the argument behind :meth:`lower_bound`'s value (e.g. which of
        several bounds is the largest), shown when that bound proves a solution optimal."""
        return "the problem's lower bound"

    @abstractmethod
    def check(self, instance: Any, solution: Any) -> list[str]:
        """Independent feasibility verdict: an empty list, or what is wrong.

        Must share no code with the decoders; it is the guard on every
        solution nnopt prints or writes.
        """

    def pretrained_scorer(self, encoding: str | None = None) -> Path | None:
        """A weights file of a set scorer pre-trained on generated instances, or None.

        Written by :mod:`nnopt.solver.pretrain`; the engine's ``pretrained`` option
        starts its set scorer from it, so a run begins with what the network
        learnt on other instances. The default ships none.
        """
        return None

    def token_features(self, instance: Any, encoding: str | None = None) -> np.ndarray | None:
        """Optional: what the set scorer knows about each coordinate besides its value, ``(d, k)`` float.

        Features that mean the same on every instance (an item's size, its rank by
        size) let a network trained on some instances score others: ``nnopt
        pretrain PROBLEM`` needs them, and the weights it writes are what
        :meth:`pretrained_scorer` returns. None (the default) for an encoding without
        features; the set scorer then reads the coordinate's values in
        :meth:`heuristic_encodings` instead (columns beyond its width are dropped).
        """
        return None

    # ---------------------------------------------------------------- solutions
    @abstractmethod
    def solution_to_json(self, instance: Any, solution: Any) -> dict[str, Any]:
        """The problem-specific part of a solution file (e.g. ``{"bins": ...}``).

        Must not use a key of :data:`RESERVED_SOLUTION_KEYS` (the engine's own fields:
        ``objective``, ``method``...); a solution file with one is refused.
        """

    @abstractmethod
    def solution_from_json(self, instance: Any, data: Mapping[str, Any]) -> Any:
        """Parse a solution object; malformed input raises :class:`SolutionError`.

        An infeasible but well-formed solution parses; :meth:`check` judges it.
        """

    def infeasible_solutions(self, instance: Any) -> Sequence[Any]:
        """Optional: solutions of ``instance`` known to be infeasible (e.g. overfilled, an item twice).

        :func:`nnopt.problems.testing.problem_checks` asks :meth:`check` to reject each one,
        besides the corruptions it derives itself from :meth:`solution_to_json` (a component
        dropped or duplicated, a number out of range); a problem whose solution files yield no
        such corruption must offer this hook, or the rule fails saying so. The default offers none.
        """
        return ()

    def render(self, instance: Any, solution: Any, path: str | Path) -> None:
        """Draw ``solution`` to ``path`` (format from its suffix); optional."""
        raise NotImplementedError(f"problem {self.name!r} cannot draw solutions")

    # ----------------------------------------------- optional hooks: solution-level search
    # The encoding-space methods above move *encodings*; these move *solutions*.
    # ``nnopt.solver.ruin_recreate`` runs on them: it aims a mutable search state
    # at one objective unit below the incumbent (``tighten``), takes a few
    # *components* out (``ruin``: bins, tour segments), puts what is left out
    # back (``recreate``) and ranks states by ``state_cost`` — first what is
    # still left out, then a smooth tie-break. A problem offers the loop by
    # overriding every hook in ``RUIN_RECREATE_HOOKS`` (``tighten`` and the
    # pool hooks ``new_pool`` / ``pool_add`` / ``recombine`` are optional);
    # ``missing_hooks`` says what a problem lacks.

    def acceptance_slack(self, instance: Any, state: Any) -> float:
        """How much worse the tie-break of ``state_cost`` may get in one accepted move among
        states that leave out equally much. 0 (the default) is plain late acceptance; a
        count objective with a shaping tie-break (bins) wants ``inf`` (free moves across a
        plateau); a length wants a fraction of one edge, so the search can climb out of
        local optima."""
        return 0.0

    def search_state(self, instance: Any, solution: Any) -> Any:
        """A mutable search state holding ``solution`` (nothing left out)."""
        raise NotImplementedError(f"problem {self.name!r} offers no search_state hook")

    def tighten(self, instance: Any, state: Any) -> Any | None:
        """A new state aimed at one objective unit below ``state``'s complete solution,
        with what no longer fits left out; None when the problem has no such goal
        (its objective is not a count: the search then just improves the cost)."""
        return None

    def weakness(self, instance: Any, state: Any) -> np.ndarray:
        """A non-negative score per component of ``state`` (float64 ``(C,)``): how much
        ruining it promises; the loop picks components with probability rising with it."""
        raise NotImplementedError(f"problem {self.name!r} offers no weakness hook")

    def ruin(self, instance: Any, state: Any, components: np.ndarray, rng: np.random.Generator) -> Any:
        """A new state with (part of) ``components`` taken out; ``state`` stays as it was.

        Ruin and recreate keep the number of components (only ``tighten`` changes it), so a
        learned chooser may read one view of a state's components for a few moves."""
        raise NotImplementedError(f"problem {self.name!r} offers no ruin hook")

    def recreate(self, instance: Any, state: Any, rng: np.random.Generator) -> None:
        """Put left-out parts back into ``state`` (in place), most restricted first;
        what still does not fit stays left out."""
        raise NotImplementedError(f"problem {self.name!r} offers no recreate hook")

    def state_cost(self, instance: Any, state: Any) -> tuple[float, float]:
        """(what is left out, smooth tie-break), compared lexicographically; lower is better.
        A state with nothing left out has first element 0."""
        raise NotImplementedError(f"problem {self.name!r} offers no state_cost hook")

    def state_solution(self, instance: Any, state: Any) -> Any | None:
        """The feasible solution a complete state holds; None while parts are left out."""
        raise NotImplementedError(f"problem {self.name!r} offers no state_solution hook")

    def component_features(self, instance: Any, state: Any) -> np.ndarray:
        """Optional: ``(C, F)`` float features per component of ``state`` (the rows ``weakness``
        scores), meaning the same on every instance (fills, relative sizes, ranks), so a learned
        ruin guide trained on some instances reads another's components the same way."""
        raise NotImplementedError(f"problem {self.name!r} offers no component_features hook")

    def pretrained_guide(self) -> Path | None:
        """Optional: shipped weights of the learned ruin guide (``nnopt.solver.ruin_guide``),
        pre-trained on generated instances; None (the default) when there are none."""
        return None

    def new_pool(self, instance: Any) -> Any | None:
        """Optional: an empty pool of components (e.g. bins) for ``pool_add`` / ``recombine``;
        None (the default) when the problem offers no recombination."""
        return None

    def pool_add(self, instance: Any, pool: Any, state: Any) -> None:
        """Optional: remember the components of ``state`` (a visited state) in ``pool``."""

    def recombine(self, instance: Any, pool: Any, incumbent: Any, time_limit: float, seed: int,
                  columns: np.ndarray | None = None) -> Any | None:
        """Optional: a complete solution assembled from ``pool``'s components that is better
        than ``incumbent`` (e.g. a set cover over bins), found within ``time_limit`` s, or None.

        ``columns`` (indices into the rows of ``pool_features``) restricts the components the
        assembly may use, besides the incumbent's own; None leaves the choice to the problem.
        """
        return None

    def pool_features(self, instance: Any, pool: Any) -> np.ndarray:
        """Optional: ``(P, F)`` float features of ``pool``'s components, in a fixed order (the
        order ``recombine``'s ``columns`` index), meaning the same on every instance, so that a
        learned column filter (``nnopt.solver.column_filter``) can choose what the assembly sees."""
        raise NotImplementedError(f"problem {self.name!r} offers no pool_features hook")

    def pool_members(self, instance: Any, pool: Any) -> Sequence[np.ndarray]:
        """Optional: per pooled component (``pool_features`` order), the elements it holds (for
        binpack2d: a bin's item ids), so a column filter can keep every element covered."""
        raise NotImplementedError(f"problem {self.name!r} offers no pool_members hook")

    def pretrained_column_filter(self) -> Path | None:
        """Optional: shipped weights of the learned column filter (``nnopt.solver.column_filter``);
        None (the default) when there are none."""
        return None

    # ----------------------------------------------------- optional hook: proving optima
    # A search ends with an incumbent above the cheap ``lower_bound`` more often than
    # not because the bound is weak, not the solution. ``prove`` lets a problem spend
    # a few seconds on stronger, slower arguments (an LP bound, an exact "one unit
    # better?" question). ``nnopt.solver.prove_phase`` calls it at the end of the
    # default method; the contract suite checks its bound never exceeds an optimum.

    def prove(self, instance: Any, incumbent: Any, seconds: float, threads: int | None = None,
              seed: int = 0) -> Proof:
        """Optional: try for ``seconds`` to prove ``incumbent`` (feasible) optimal or to beat it.

        Returns a :class:`Proof`: a valid lower bound (never below :meth:`lower_bound`;
        equal to the incumbent's objective when proved optimal), a strictly better
        feasible solution found on the way (or None; the engine checks it with
        :meth:`check` before using it), and the name of the argument behind the
        bound. It may stop early, must return within about ``seconds``, and may
        use up to ``threads`` cores (None: all). A problem whose objective is not
        a count of units, or with nothing stronger than :meth:`lower_bound`, does
        not override it (the default restates the cheap bound).
        """
        return Proof(self.lower_bound(instance), None, self.bound_argument(instance))

    def missing_hooks(self, hooks: Sequence[str]) -> list[str]:
        """The names in ``hooks`` this problem does not override (does not offer)."""
        return [h for h in hooks if getattr(type(self), h, None) is getattr(Problem, h, None)]


#: Solution-file keys the engine writes itself (``nnopt solve --out``); a problem's
#: ``solution_to_json`` may not use them (``nnopt check`` reads ``objective`` and ``instance``).
RESERVED_SOLUTION_KEYS = frozenset({"problem", "instance", "objective", "lower_bound", "method", "seconds", "seed",
                                    "status", "evaluations", "decoder", "notes", "proof"})

#: The hook ``nnopt.solver.prove_phase`` needs.
PROOF_HOOKS = ("prove",)

#: The hooks ``nnopt.solver.ruin_recreate`` needs (``tighten`` and the pool hooks are optional).
RUIN_RECREATE_HOOKS = ("search_state", "weakness", "ruin", "recreate", "state_cost", "state_solution")

#: The network-free ways a problem may name as its ``ruin_draw`` (``nnopt.solver.ruin_guide.CHOICES``
#: holds these and the learned guides).
RUIN_DRAWS = ("weakness", "random")


def read_json_file(path: str | Path, error: type[ValueError]) -> Any:
    """Read a JSON file with one-line errors naming the file (a regular file, size-capped)."""
    import sys

    from nnopt.problems._files import read_text_file

    p = Path(path)
    text = read_text_file(p, error, limit=MAX_FILE_BYTES)
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise error(f"{p}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise error(f"{p}: JSON nested too deeply") from None
    except _DuplicateKey as exc:
        raise error(f"{p}: duplicate key {exc.args[0]!r} in a JSON object") from None
    except ValueError as exc:  # Python refuses to convert integers of more digits than it allows
        if "digits" not in str(exc):
            raise error(f"{p}: invalid JSON ({exc})") from None
        raise error(f"{p}: an integer has more than {sys.get_int_max_str_digits()} digits, "
                    "far beyond any size a problem accepts") from None


class _DuplicateKey(ValueError):
    """A JSON object names one key twice; json.loads would silently keep the last."""


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):  # rare: find the key named twice
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out
