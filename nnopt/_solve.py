"""``nnopt.solve``: load, search within a budget, verify, and report."""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from nnopt._finish import finish_reserve, search_deadline
from nnopt._interrupted import heuristic_start, interrupt_once, interrupts_held
from nnopt._results import result_class
from nnopt.problems import InstanceError, OptionError, Problem, get_problem
from nnopt.problems._deadline import decode_deadline
from nnopt.problems._files import atomic_write_text
from nnopt.problems.base import RESERVED_SOLUTION_KEYS, read_json_file
from nnopt.problems.capabilities import FileFormats, file_suffixes
from nnopt.solver._incumbent import SearchResult
from nnopt.solver.methods import (
    DEFAULT_METHOD,
    DEFAULT_TIME_LIMIT,
    Budget,
    ProgressCallback,
    RunContext,
    get_method,
    run_method,
)

__all__ = ["ContradictionError", "PluginContractError", "SolveResult", "VerificationError", "contradiction",
           "load_instance", "solve", "solve_from", "atomic_write_text"]

class VerificationError(RuntimeError):
    """A method returned a solution the independent checker rejects (a bug in the method or the problem).

    Not a user's error, but not a crash either: the command line prints its one
    line and exits 1, and ``nnopt bench`` records it as an unverified row.
    """


class ContradictionError(VerificationError):
    """A checked solution beats the lower bound: the bound or the checker is wrong.

    Printing such a result would certify a wrong answer ("gap -33 %, optimal"),
    so nothing is reported; the message names the problem and both numbers.
    """


class PluginContractError(VerificationError):
    """A problem plugin breaks the contract in a way only a run reveals (e.g. a reserved solution key)."""


def contradiction(problem: Problem[Any, Any], objective: float, bound: float,
                  source: str = "lower bound") -> str | None:
    """The one-line verdict when ``objective`` is below ``bound`` (beyond rounding), else None."""
    if objective >= bound - 1e-9 * max(1.0, abs(bound)):
        return None
    return (f"problem {problem.name!r}: objective {objective:g} is below its {source} {bound:g} — the plugin's "
            "lower_bound or check is wrong, so nothing is certified")


@dataclass
class SolveResult:
    """A verified solution and the facts a user reads next to it."""

    problem: Problem[Any, Any]
    instance: Any
    solution: Any
    objective: float
    lower_bound: float
    method: str
    seconds: float
    seed: int
    evaluations: int
    status: str
    decoder: str | None
    #: What the method wants the user to know (e.g. that it ran without its network).
    notes: list[str] = field(default_factory=list)
    #: With status "optimal": the argument that proves it (a named bound, or the method's own proof).
    proof: str | None = None
    #: Whether the solution passed the problem's independent checker (a result is returned only then).
    verified: bool = True

    def plot(self, ax: Any = None) -> Any:
        """Draw the solution on a matplotlib Axes (a new figure when None) and return the Axes.

        Problems that draw in Python (binpack2d, tsp) give their result their own
        ``plot``; this one says that the problem does not.
        """
        raise OptionError(f"problem {self.problem.name!r} draws no pictures in Python "
                          "(it names no result_views with a plot)")

    def __reduce__(self) -> tuple[Any, ...]:
        # A problem's result class is made at run time (nnopt._results): rebuild it from the problem.
        return (_rebuilt_result, ({f.name: getattr(self, f.name) for f in fields(self)},))

    @property
    def gap(self) -> float:
        """Relative gap to the lower bound (0 means proven optimal)."""
        return (self.objective - self.lower_bound) / self.objective if self.objective else 0.0

    def summary(self) -> dict[str, Any]:
        """The facts of the result without the solution itself, as plain JSON values (``nnopt solve --json``)."""
        data: dict[str, Any] = {
            "problem": self.problem.name,
            "instance": self.problem.instance_name(self.instance),
            "method": self.method,
            "objective": json_number(self.objective),
            "lower_bound": json_number(self.lower_bound),
            "gap": self.gap,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "verified": self.verified,
            "seed": self.seed,
            "evaluations": self.evaluations,
            "notes": list(self.notes),
        }
        if self.decoder is not None:
            data["decoder"] = self.decoder
        if self.proof is not None:
            data["proof"] = self.proof
        return data

    def to_json(self) -> dict[str, Any]:
        """The solution file of design.md (what ``nnopt solve --out`` writes); the problem adds its own
        fields (``bins``, ``tour``). ``nnopt check`` reads it back."""
        obj = json_number(self.objective)
        lb = json_number(self.lower_bound)
        data: dict[str, Any] = {
            "problem": self.problem.name,
            "instance": self.problem.instance_name(self.instance),
            "objective": obj,
            "lower_bound": lb,
            "method": self.method,
            "seconds": round(self.seconds, 3),
            "seed": self.seed,
            "status": self.status,
            "evaluations": self.evaluations,
        }
        if self.decoder is not None:
            data["decoder"] = self.decoder
        if self.notes:
            data["notes"] = list(self.notes)
        if self.proof is not None:
            data["proof"] = self.proof
        own = self.problem.solution_to_json(self.instance, self.solution)
        clash = sorted(RESERVED_SOLUTION_KEYS.intersection(own))
        if clash:  # it would silently overwrite the engine's field
            raise PluginContractError(f"problem {self.problem.name!r}: solution_to_json uses the reserved key"
                                      f"{'s' if len(clash) > 1 else ''} {', '.join(map(repr, clash))}, which the "
                                      "engine writes itself; rename the field")
        data.update(own)
        return data


def json_number(value: float) -> float | int:
    """An integral value as a JSON integer (``3``, not ``3.0``), as solution files write counts."""
    return int(value) if float(value).is_integer() else value


def _rebuilt_result(state: dict[str, Any]) -> SolveResult:
    """A pickled result, as the class its problem's views give it."""
    return result_class(state["problem"], SolveResult)(**state)


#: The problem a JSON instance without a "problem" field is read as (design.md).
DEFAULT_PROBLEM = "binpack2d"


def _usable_problems() -> list[Problem[Any, Any]]:
    """Every registered problem that loads (broken plugins were already warned about)."""
    from nnopt.problems import available_problems

    out = []
    for name in available_problems():
        try:
            out.append(get_problem(name))
        except LookupError:
            continue
    return out


def _file_suffix(path: Path) -> str:
    """The suffix of the file a reference names; ``file.2bp:3`` (block 3 of a file) gives ``.2bp``."""
    name = path.name
    head, sep, block = name.rpartition(":")
    if sep and Path(head).suffix:  # any selector, even a bad one: the file's loader explains it
        name = head
    return Path(name).suffix.lower()


def _problem_by_suffix(suffix: str) -> Problem[Any, Any] | None:
    if suffix == ".json":
        return None
    return next((p for p in _usable_problems() if suffix in file_suffixes(p)), None)


def known_suffixes() -> set[str]:
    """``.json`` and the file suffixes of every usable registered problem."""
    return {".json"}.union(*(file_suffixes(p) for p in _usable_problems()))


def instances_in_file(path: str | os.PathLike[str]) -> list[str]:
    """The instance references a file holds, asking the problem its suffix belongs to."""
    prob = _problem_by_suffix(_file_suffix(Path(path)))
    return prob.instances_in_file(Path(path)) if isinstance(prob, FileFormats) else [str(path)]


def load_instance(path: str | os.PathLike[str], problem: str | None = None) -> tuple[Problem[Any, Any], Any]:
    """Read an instance file; the problem comes from ``problem``, the file's suffix
    (``.2bp``, ``.tsp``), or the JSON's ``"problem"`` field (binpack2d if absent)."""
    path = Path(path)
    suffix = _file_suffix(path)
    prob = get_problem(problem) if problem is not None else _problem_by_suffix(suffix)
    if isinstance(prob, FileFormats) and suffix in prob.file_suffixes:
        inst = prob.read(path)
        return prob.for_instance(inst), inst
    data = read_json_file(path, InstanceError)
    if prob is None:
        name = data.get("problem", DEFAULT_PROBLEM) if isinstance(data, dict) else DEFAULT_PROBLEM
        if not isinstance(name, str):
            raise InstanceError(f"{path}: field 'problem' must be a problem name, got {name!r}")
        try:
            prob = get_problem(name)
        except LookupError as exc:
            raise InstanceError(f"{path}: field 'problem': {exc}") from None
    inst = prob.load(data, source=str(path))
    return prob.for_instance(inst), inst


def solve(
    instance: Any,
    *,
    problem: str | None = None,
    method: str = DEFAULT_METHOD,
    time_limit: float | None = None,
    max_evals: int | None = None,
    seed: int = 0,
    on_improve: ProgressCallback | None = None,
    threads: int | None = None,
    device: str = "cpu",
    on_round: Callable[[Any], None] | None = None,
    params: Mapping[str, str | bool | int | float] | None = None,
) -> SolveResult:
    """Solve ``instance`` within a budget and return the verified best solution found.

    ``instance`` is an instance object (``nnopt.binpack2d.Instance(...)``,
    ``nnopt.tsp.Instance(...)``, a plugin's), whose type names its problem; a file
    path (``str`` or ``pathlib.Path``: ``.json``, ``.2bp``, ``.tsp``); or the
    ``(problem, instance)`` pair :func:`load_instance` returns. ``problem`` names
    the problem where the instance's type does not.

    The search stops at ``time_limit`` seconds of wall time for the whole call
    (loading and checking included) or after ``max_evals`` decodes (10 s when
    neither is given), or on Ctrl-C. ``method`` is a name from
    :func:`nnopt.available_methods`; ``params`` configure it with Python values
    (``{"order": "area"}``, ``{"recombine": False}``); ``seed`` (0 .. 2**31 - 1) makes
    a ``max_evals`` run repeat itself. ``threads`` caps the cores a method may use
    (``None``: all); ``device`` (``"auto"``, ``"cpu"``, ``"cuda"``) and ``on_round``
    (called with each round's log) reach the methods that train networks;
    ``on_improve(evaluations, seconds, objective, cost)`` is called on each
    improvement.

    The result's type is the problem's: for binpack2d it has ``placements`` and
    ``plot(ax=None)``, for tsp ``tour`` and ``plot(ax=None)``; every result has
    ``objective``, ``lower_bound``, ``gap``, ``status``, ``seconds``, ``verified``
    and ``to_json()``. A wrong argument raises an :class:`~nnopt.NnoptError`
    subclass with one line naming it, before any work.
    """
    from nnopt import _arguments as check

    started = time.perf_counter()  # the user's budget covers the whole call, loading included
    time_limit = check.check_time_limit(time_limit)
    max_evals = check.check_max_evals(max_evals)
    seed = check.check_seed(seed)
    method = check.check_method(method)
    device = check.check_device(device)
    threads = check.check_threads(threads)
    problem = check.check_problem(problem)
    texts = check.check_params(params)
    on_improve = check.check_callback("on_improve", on_improve)
    on_round = check.check_callback("on_round", on_round)
    if not check.is_path(instance):
        prob, instance = check.instance_problem(instance, problem)
        problem = prob.name
    return solve_from(instance, problem=problem, method=method, time_limit=time_limit, max_evals=max_evals,
                      seed=seed, on_improve=on_improve, threads=threads, device=device, on_round=on_round,
                      params=texts, started=started)


def solve_from(
    instance: Any,
    *,
    problem: str | None = None,
    method: str = DEFAULT_METHOD,
    time_limit: float | None = None,
    max_evals: int | None = None,
    seed: int = 0,
    on_improve: ProgressCallback | None = None,
    threads: int | None = None,
    device: str = "cpu",
    on_round: Callable[[Any], None] | None = None,
    params: dict[str, str] | None = None,
    started: float | None = None,
) -> SolveResult:
    """:func:`solve` on arguments already checked, with the method's parameters as strings.

    The command line's way in: ``started`` (a ``time.perf_counter()`` reading)
    starts the clock earlier than the call, at process start, so that everything
    after it, loading included, counts against ``time_limit``.
    """
    if isinstance(instance, (str, os.PathLike)):
        prob, inst = load_instance(instance, problem)
    else:
        if problem is None:
            raise ValueError("pass problem=NAME with an instance object")
        prob, inst = get_problem(problem).for_instance(instance), instance
    runner = get_method(method, prob, **(params or {}))
    if time_limit is None and max_evals is None:
        time_limit = DEFAULT_TIME_LIMIT
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"unknown device {device!r} (known: auto, cpu, cuda)")
    if time_limit is not None:  # large instances: keep back the time to verify and write
        time_limit = max(0.01, time_limit - finish_reserve(prob, inst))
    budget = Budget(time_limit=time_limit, max_evals=max_evals)
    if started is not None:
        budget.start = min(budget.start, started)
    bound = None
    found = None
    with interrupt_once() as run:  # the first interrupt stops the search; later ones cannot lose its answer
        if not run.spent:  # (an interrupt before the call began skips the search)
            try:
                with decode_deadline(search_deadline(budget.start, budget.time_limit)):
                    # The bound before the search: its first call may load compiled kernels, which must not
                    # happen after a time limit has been spent. Under the deadline: a bound whose steps are
                    # long (tsp's 1-trees at scale) stops stepping when the time is up, still a valid bound.
                    bound = prob.lower_bound(inst)
                    found = run_method(runner, prob, inst, budget, seed, on_improve,
                                       RunContext(threads=threads, device=device, on_round=on_round))
            except KeyboardInterrupt:  # during the method's start-up
                pass
        if found is None:  # interrupted before the search had a solution: the best heuristic start
            found = heuristic_start(prob, inst, budget.elapsed)
        if bound is None:  # interrupted while bounding: the bound's cheapest steps, as under a spent limit
            with decode_deadline(budget.start):
                bound = prob.lower_bound(inst)
        with interrupts_held():  # the search is over: a signal now must not lose its verified answer
            return _verified(prob, inst, found, bound, runner.name, seed)


def _verified(prob: Problem[Any, Any], inst: Any, found: SearchResult, bound: float, method: str,
              seed: int) -> SolveResult:
    """The search's answer checked by the independent checker and against every bound, as a result."""
    issues = prob.check(inst, found.solution)
    if issues:
        raise VerificationError(f"method {method!r} produced an infeasible {prob.name} solution: "
                                f"{'; '.join(issues[:3])}")
    objective = prob.objective(inst, found.solution)
    why = contradiction(prob, objective, bound)
    if why is None and found.bound is not None:
        why = contradiction(prob, objective, found.bound, f"lower bound from method {method!r}")
    if why is not None:
        raise ContradictionError(why)
    own_proof = found.bound is not None and found.bound > bound
    if found.bound is not None:
        bound = max(bound, found.bound)
    status = found.status
    proof = None
    if objective <= bound and status != "interrupted":
        status = "optimal"
        # A method may name the argument behind its own bound (the default's proof phase does).
        proof = (found.info.get("proof") or f"{method}'s own proof") if own_proof else prob.bound_argument(inst)
    return result_class(prob, SolveResult)(
        problem=prob,
        instance=inst,
        solution=found.solution,
        objective=objective,
        lower_bound=bound,
        method=method,
        seconds=found.seconds,
        seed=seed,
        evaluations=found.evaluations,
        status=status,
        decoder=found.decoder,
        notes=list(found.notes),
        proof=proof,
    )


def dump_json(data: Any) -> str:
    """JSON text for a solution or instance file: one top-level field per line, a list's entries one per line.

    ``json.dumps(indent=...)`` runs Python's pure encoder, 25 s for a million
    placements; this layout uses the C encoder per entry and stays readable (one
    bin, one item per line).
    """
    if not isinstance(data, dict):
        return json.dumps(data, indent=2) + "\n"
    fields = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            body = ",\n    ".join(json.dumps(v) for v in value)
            fields.append(f"  {json.dumps(key)}: [\n    {body}\n  ]")
        else:
            fields.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"
