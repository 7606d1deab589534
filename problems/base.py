"""The core plugin contract every problem type implements.

The engine (``nnopt.solver``) knows a problem only through this class: it samples
points of the problem's continuous *encoding space*, asks the problem to decode
them into feasible solutions, and reads back a learnable ``cost``. Everything
problem-specific (file formats, decoders, bounds, the feasibility checker)
lives behind these methods.

A third-party problem subclasses :class:`Problem`, implements its abstract
methods (the core: what every problem must do), and registers itself through the
``nnopt.problems`` entry-point group (or :func:`nnopt.problems.register_problem`
at run time). What it can do beyond the core (a solution-level search, proofs,
pictures, ...) it declares by also inheriting the capability mixins of
:mod:`nnopt.problems.capabilities`. Its conformance is checked by
:func:`nnopt.problems.testing.check_problem`.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

import numpy as np

from nnopt.problems.errors import NnoptError

__all__ = ["InstanceError", "SolutionError", "Problem", "Proof", "MAX_FILE_BYTES", "RESERVED_SOLUTION_KEYS",
           "InstanceT", "SolutionT"]

#: Instance files larger than this are refused before parsing (a runaway input
#: should fail with a clear message, not exhaust memory).
MAX_FILE_BYTES = 256 * 1024 * 1024

#: A problem's instance type (immutable, compared by value).
InstanceT = TypeVar("InstanceT")
#: A problem's solution type.
SolutionT = TypeVar("SolutionT")


class InstanceError(NnoptError, ValueError):
    """An instance (file or mapping) is invalid.

    The message names the place (file, field) and the offending value, so the
    command line can print it as the one line a user sees.
    """


class SolutionError(NnoptError, ValueError):
    """A solution file is malformed (not: infeasible — that is ``check``'s job)."""


class Proof(NamedTuple):
    """What a problem's ``prove`` hook (:class:`nnopt.problems.capabilities.Proofs`) settled about an incumbent.

    ``bound``: a valid lower bound on the objective (at least :meth:`Problem.lower_bound`);
    it proves the incumbent optimal when it reaches the incumbent's objective.
    ``solution``: a feasible solution strictly better than the incumbent, or None.
    ``argument``: the name of what proves ``bound`` (a named bound, "CP-SAT: ..."),
    shown as "proved by" when the bound certifies an optimum.
    """

    bound: float
    solution: Any | None
    argument: str


class Problem(ABC, Generic[InstanceT, SolutionT]):
    """Base class of every problem type: the core every problem implements.

    Subclasses set :attr:`name` and :attr:`description` and implement the eleven
    abstract methods: instances (:meth:`load`, :meth:`instance_to_json`,
    :meth:`generate`), the encoding space (:meth:`encoding_size`, :meth:`decode`),
    judging solutions (:meth:`cost`, :meth:`objective`, :meth:`lower_bound`,
    :meth:`check`) and solution files (:meth:`solution_to_json`,
    :meth:`solution_from_json`). Instances are immutable objects returned by
    :meth:`load`; solutions are whatever :meth:`decode` returns, as long as the
    solution-file hooks round-trip them and :meth:`check` can verify them.

    Everything else here has a default that is a complete answer: one encoding and
    one decoder, uniform random samples, no heuristic start (searches then start from
    the best of a random batch), names and sizes read from the instance. Override
    what fits the problem; the capability mixins of :mod:`nnopt.problems.capabilities`
    add the rest.
    """

    #: Registry key, e.g. ``"binpack2d"``; a valid Python identifier.
    name: ClassVar[str] = ""
    #: One line shown by ``nnopt problems``.
    description: ClassVar[str] = ""
    #: Name of the quantity :meth:`objective` returns, for tables ("bins", "length").
    objective_name: ClassVar[str] = "objective"

    # ------------------------------------------------------------------ instances
    @abstractmethod
    def load(self, data: Any, *, source: str = "instance") -> InstanceT:
        """Validate ``data`` (a parsed JSON object) and return an immutable instance.

        Any problem with the input raises :class:`InstanceError` whose message
        starts with ``source`` and names the field and the value.
        """

    @abstractmethod
    def instance_to_json(self, instance: InstanceT) -> dict[str, Any]:
        """The JSON object :meth:`load` turns back into an equal instance."""

    @abstractmethod
    def generate(self, seed: int, **params: Any) -> InstanceT:
        """A seeded random instance; with no ``params`` a small, typical one.

        ``params`` arrive from ``nnopt generate PROBLEM --param key=value`` (the value
        parsed as JSON when it is JSON, else the string), and from the generic flags
        ``--n`` (``n``, the size: the contract suite asks for ``n=1..6`` to brute-force
        the bound where it is tight, so accept ``n`` if you can), ``--name`` (``name``),
        ``--class`` (``klass``) and ``--rotation`` (``allow_rotation``). Refuse an unknown
        parameter or a bad value with ``ValueError`` naming it and the known ones:
        the command line prints it as one line. Document the parameters here, and
        declare the ones users type often in :attr:`generate_flags`.
        """

    #: Problem-specific ``nnopt generate`` flags: ``name -> one line of help``. ``--name VALUE``
    #: (or ``--name=VALUE``) reaches :meth:`generate` as the keyword ``name`` (dashes become
    #: underscores), the value parsed as ``--param`` parses it; an undeclared flag is refused
    #: in one line that lists the declared ones. ``--param`` stays the route for everything.
    generate_flags: ClassVar[Mapping[str, str]] = {}

    def for_instance(self, instance: Any) -> Problem[Any, Any]:
        """The problem object that handles ``instance``: a problem with variants (binpack2d's cutting
        jobs) returns the variant's problem object, whose hooks then judge that instance; the default
        is the problem itself.

        Every place that pairs a problem with an instance it did not load itself asks this
        (``nnopt.load_instance``, ``nnopt.solve``), so a variant keeps its registered name and
        needs no registry entry of its own."""
        return self

    def variants(self) -> tuple[Problem[Any, Any], ...]:
        """Every other problem object :meth:`for_instance` may hand an instance to (none by default).

        ``nnopt warmup`` compiles their kernels too, so the first solve of a variant's instance
        does not spend its time limit compiling."""
        return ()

    def instance_name(self, instance: InstanceT) -> str:
        return str(getattr(instance, "name", ""))

    def instance_size(self, instance: InstanceT) -> int:
        """The instance's size for tables (items, cities); 0 when it has none."""
        return int(getattr(instance, "n", 0))

    def instance_class(self, instance: InstanceT) -> str:
        """The instance's class for grouped tables (e.g. a generator class); "" if none."""
        return ""

    # ------------------------------------------------------------- search space
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

    @abstractmethod
    def encoding_size(self, instance: InstanceT, encoding: str | None = None) -> int:
        """Dimension ``d`` of the continuous encoding of ``instance``."""

    def sample(
        self, instance: InstanceT, n: int, rng: np.random.Generator, encoding: str | None = None
    ) -> np.ndarray:
        """``n`` random points of the encoding space, ``(n, d)`` float32 in [0, 1)."""
        d = self.encoding_size(instance, encoding)
        return rng.random((n, d), dtype=np.float32)

    def heuristic_encodings(self, instance: InstanceT, encoding: str | None = None) -> np.ndarray:
        """Encodings of known-good constructions (e.g. sorted orders), ``(k, d)``.

        Search methods start from the best of these so that they are never worse than
        the classic rules of thumb. The default offers none: searches then start from
        the best of a seeded uniform random batch (counted in their budget).
        """
        return np.zeros((0, self.encoding_size(instance, encoding)), dtype=np.float32)

    def search_decoders_for(self, encoding: str | None = None) -> tuple[str, ...]:
        """The decoders a search spends its budget on for ``encoding`` (None: the default encoding)."""
        own = self.encoding_search_decoders.get(encoding) if encoding is not None else None
        return tuple(own or self.search_decoders or self.decoders)

    @abstractmethod
    def decode(
        self,
        instance: InstanceT,
        X: np.ndarray,
        decoder: str | None = None,
        encoding: str | None = None,
    ) -> Sequence[SolutionT]:
        """Decode a batch ``(B, d)`` of encodings into ``B`` feasible solutions.

        Deterministic, and row ``i`` of a batch decodes exactly like the batch
        holding only row ``i``.
        """

    # ------------------------------------------------------- judging solutions
    @abstractmethod
    def cost(self, instance: InstanceT, solutions: Sequence[SolutionT]) -> np.ndarray:
        """Learnable cost of each solution, float64 ``(B,)``; lower is better."""

    @abstractmethod
    def objective(self, instance: InstanceT, solution: SolutionT) -> float:
        """The number users care about (e.g. bins used); lower is better."""

    @abstractmethod
    def lower_bound(self, instance: InstanceT) -> float:
        """A valid lower bound on :meth:`objective` over all feasible solutions.

        It stops searches and certifies optima ("optimal" is printed when a solution
        reaches it), so it must never exceed the optimum: the contract suite checks it by
        brute force on many tiny instances, where a correct bound is often tight."""

    def bound_argument(self, instance: InstanceT) -> str:
        """The name of the argument behind :meth:`lower_bound`'s value (e.g. which of several
        bounds is the largest), shown when that bound proves a solution optimal."""
        return "the problem's lower bound"

    @abstractmethod
    def check(self, instance: InstanceT, solution: SolutionT) -> list[str]:
        """Independent feasibility verdict: an empty list, or what is wrong.

        Must share no code with the decoders; it is the guard on every
        solution nnopt prints or writes.
        """

    def infeasible_solutions(self, instance: InstanceT) -> Sequence[SolutionT]:
        """Solutions of ``instance`` known to be infeasible (e.g. overfilled, an item twice), for the tests.

        :func:`nnopt.problems.testing.problem_checks` asks :meth:`check` to reject each one,
        besides the corruptions it derives itself from :meth:`solution_to_json` (a component
        dropped or duplicated, a number out of range); a problem whose solution files yield no
        such corruption must offer this hook, or the rule fails saying so. The default offers none.
        """
        return ()

    # ---------------------------------------------------------------- solutions
    @abstractmethod
    def solution_to_json(self, instance: InstanceT, solution: SolutionT) -> dict[str, Any]:
        """The problem-specific part of a solution file (e.g. ``{"bins": ...}``).

        Must not use a key of :data:`RESERVED_SOLUTION_KEYS` (the engine's own fields:
        ``objective``, ``method``...); a solution file with one is refused.
        """

    @abstractmethod
    def solution_from_json(self, instance: InstanceT, data: Mapping[str, Any]) -> SolutionT:
        """Parse a solution object; malformed input raises :class:`SolutionError`.

        An infeasible but well-formed solution parses; :meth:`check` judges it.
        """


#: Solution-file keys the engine writes itself (``nnopt solve --out``); a problem's
#: ``solution_to_json`` may not use them (``nnopt check`` reads ``objective`` and ``instance``).
RESERVED_SOLUTION_KEYS = frozenset({"problem", "instance", "objective", "lower_bound", "method", "seconds", "seed",
                                    "status", "evaluations", "decoder", "notes", "proof"})

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
