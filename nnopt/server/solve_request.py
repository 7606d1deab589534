"""A request body read into a solve request: validated in the server, before any worker or queue slot is used.

Two forms (see docs/serve.md): ``{"instance": {...}}`` with an instance as a JSON
file holds it, or ``{"cut_list": CSV, "stock": CSV, "options": {...}}`` with the
shop's plain cut lists as text. Every mistake is an :class:`~nnopt.NnoptError`
with the one line the command line would print, naming the field (and the CSV
row): the page shows it next to that field.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nnopt.problems import InstanceError, OptionError, get_problem
from nnopt.server.config import ServerConfig

__all__ = ["CUTTING", "SolveRequest", "request_from_body"]

#: The kind of a request made from cut lists (solved as a cutting job, see :mod:`nnopt.server.cutting`).
CUTTING = "cutting"

_BODY_KEYS = {"instance", "cut_list", "stock", "options", "time_limit", "method", "seed"}
_FIRST_CUTS = ("any", "horizontal", "vertical")
_OPTION_KEYS = {"kerf", "trim", "stages", "first_cut", "exact", "allow_rotation", "name"}


@dataclass(frozen=True)
class SolveRequest:
    """What a worker needs to run one solve: plain data, so it crosses to a worker process as it is."""

    #: ``"instance"`` (any registered problem) or :data:`CUTTING`.
    kind: str
    problem: str
    #: The instance's JSON (for a cutting job, the job's JSON that ``parse_cutting`` reads).
    data: dict[str, Any]
    time_limit: float
    method: str
    seed: int
    #: Pieces (or cities) in the job, counts expanded.
    size: int


def _time_limit(value: Any, config: ServerConfig) -> float:
    if value is None:
        return min(config.default_time_limit, config.max_time_limit)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise OptionError(f"field 'time_limit': expected a positive number of seconds, got {value!r}")
    return min(float(value), config.max_time_limit)


def _seed(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise OptionError(f"field 'seed': expected an integer from 0 to 2**31 - 1, got {value!r}")
    return value


def _method(value: Any, problem: str) -> str:
    from nnopt.solver.methods import DEFAULT_METHOD, UnknownMethodError, available_methods

    if value is None:
        return DEFAULT_METHOD
    if not isinstance(value, str):
        raise OptionError(f"field 'method': expected a method name, got {value!r}")
    names = [m.name for m in available_methods(get_problem(problem))]
    if value not in names and value != DEFAULT_METHOD:
        raise UnknownMethodError(f"field 'method': no method {value!r} for problem {problem!r} "
                                 f"(known: {', '.join(sorted(names))})")
    return value


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InstanceError(f"field {field!r}: expected CSV text, got {type(value).__name__}")
    return value


def _size_limit(size: int, config: ServerConfig, what: str) -> None:
    if size > config.max_pieces:
        raise InstanceError(f"{what}: {size} pieces, above the server's limit of {config.max_pieces} per job")


def _instance(data: Any) -> tuple[str, dict[str, Any], int]:
    """The problem, the instance JSON and its size, after the problem's own loader accepted it."""
    if not isinstance(data, dict):
        raise InstanceError(f"field 'instance': expected a JSON object, got {type(data).__name__}")
    name = data.get("problem", "binpack2d")
    if not isinstance(name, str):
        raise InstanceError(f"instance: field 'problem' must be a problem name, got {name!r}")
    try:
        problem = get_problem(name)
    except LookupError as exc:
        raise InstanceError(f"instance: field 'problem': {str(exc).strip(chr(34) + chr(39))}") from None
    instance = problem.load(data, source="instance")
    return problem.name, data, int(problem.instance_size(instance))


def _cut_list(body: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """The cutting job's JSON from the cut lists and options, after the cutting rules accepted it."""
    from nnopt.problems.binpack2d._cutlist_csv import read_pieces_csv, read_stock_csv
    from nnopt.problems.binpack2d._cutting_spec import parse_cutting

    if "stock" not in body:
        raise InstanceError("field 'stock': missing (a CSV list of stock sheets: name,width,height,cost,count)")
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise OptionError(f"field 'options': expected a JSON object, got {type(options).__name__}")
    unknown = sorted(set(options) - _OPTION_KEYS)
    if unknown:
        raise OptionError(f"options: unknown field {unknown[0]!r} (allowed: {', '.join(sorted(_OPTION_KEYS))})")
    items = read_pieces_csv("cut_list", text=_text(body["cut_list"], "cut_list"))
    data: dict[str, Any] = {"problem": "binpack2d", "name": options.get("name", "cut list"),
                            "bins": read_stock_csv("stock", text=_text(body["stock"], "stock")), "items": items,
                            "allow_rotation": options.get("allow_rotation", True)}
    for key in ("kerf", "trim"):
        if options.get(key) is not None:
            data[key] = options[key]
    if options.get("first_cut", "any") not in _FIRST_CUTS:
        raise OptionError(f"options: field 'first_cut' must be one of {', '.join(_FIRST_CUTS)}, "
                          f"got {options['first_cut']!r}")
    stages = options.get("stages")
    if stages not in (None, "", "none", 0):
        data["guillotine"] = {"stages": stages, "exact": options.get("exact", False),
                              "first_cut": options.get("first_cut", "any")}
    job = parse_cutting(data, source="instance")
    return data, job.n


def request_from_body(body: Any, config: ServerConfig) -> SolveRequest:
    """The solve request a ``POST /solve`` body asks for (an ``NnoptError`` naming the field if it is wrong)."""
    if not isinstance(body, dict):
        raise InstanceError(f"request: expected a JSON object, got {type(body).__name__}")
    unknown = sorted(set(body) - _BODY_KEYS)
    if unknown:
        raise OptionError(f"request: unknown field {unknown[0]!r} (allowed: {', '.join(sorted(_BODY_KEYS))})")
    has_instance, has_list = "instance" in body, "cut_list" in body
    if has_instance == has_list:
        raise InstanceError("request: give either 'instance' (an instance's JSON) or 'cut_list' and 'stock' "
                            "(CSV text)")
    time_limit = _time_limit(body.get("time_limit"), config)
    seed = _seed(body.get("seed"))
    if has_instance:
        if isinstance(body["instance"], dict):
            items = body["instance"].get("items")
            if isinstance(items, list):  # refuse a huge job before loading it
                _size_limit(len(items), config, "instance")
        problem, data, size = _instance(body["instance"])
        kind = "instance"
    else:
        data, size = _cut_list(body)
        problem, kind = "binpack2d", CUTTING
    _size_limit(size, config, "instance" if has_instance else "cut_list")
    method = _method(body.get("method"), problem)
    return SolveRequest(kind, problem, data, time_limit, method, seed, size)
