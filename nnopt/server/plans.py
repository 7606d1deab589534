"""A finished job's plan as the files the page and the API hand out: picture (SVG, PDF) and cut sequence (CSV).

One function per need, whatever the job's kind: cut lists and binpack2d
instances are drawn by the cutting plan renderer (sheets to scale, labels,
kerf, trims, waste, use %; SVG and PDF), any other instance by its problem's own
``render`` (SVG). Pictures are drawn in a private
scratch folder that the server creates; nothing from a request names a path.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from nnopt.problems import OptionError, get_problem
from nnopt.problems.capabilities import Rendering
from nnopt.server.solve_request import CUTTING, SolveRequest

__all__ = ["PICTURE_TYPES", "plan_cuts_csv", "plan_picture"]

#: Picture formats served, with their media types.
PICTURE_TYPES = {"svg": "image/svg+xml", "pdf": "application/pdf"}


def plan_picture(request: SolveRequest, answer: dict[str, Any], fmt: str) -> bytes:
    """The answer's solution drawn as ``fmt`` (``svg`` or ``pdf``); OptionError if the problem draws none."""
    solution = answer["solution"]
    if request.kind == CUTTING or request.problem == "binpack2d":
        from nnopt.server.cutting import cutting_plan_picture

        return cutting_plan_picture(request.data, _sheets(solution), fmt)
    problem = get_problem(request.problem)
    if not isinstance(problem, Rendering) or fmt != "svg":
        raise OptionError(f"problem {request.problem!r} draws no {fmt.upper()} pictures")
    instance = problem.load(request.data, source="instance")
    parsed = problem.solution_from_json(instance, solution)
    with tempfile.TemporaryDirectory(prefix="nnopt-plan-") as folder:
        path = Path(folder) / f"plan.{fmt}"
        problem.render(instance, parsed, path)
        return path.read_bytes()


def _sheets(solution: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's sheets as ``{"stock", "items"}``; the classic form (one list of placements per bin) is stock 0."""
    return [s if isinstance(s, dict) else {"stock": 0, "items": s} for s in solution["bins"]]


def plan_cuts_csv(request: SolveRequest, answer: dict[str, Any]) -> str:
    """The guillotine cut sequence of the answer's plan as CSV; OptionError when it has none."""
    if request.problem != "binpack2d" or "guillotine" not in request.data:
        raise OptionError("the plan has no guillotine cut sequence (free placement; give 'stages' in the options)")
    from nnopt.server.cutting import cutting_cuts_csv

    return cutting_cuts_csv(request.data, _sheets(answer["solution"]))
