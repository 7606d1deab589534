"""Cutting jobs (stock types, kerf, trims, guillotine stages) solved, checked and summarised for the server.

The server calls one function per need, :func:`solve_cutting`,
:func:`cutting_sheets`, :func:`cutting_plan_picture` and :func:`cutting_cuts_csv`,
so that the way a job is solved can change behind them. A job with free
placement, one unlimited stock type and one rotation rule for every piece is the
classic problem in disguise: each piece grown by the kerf, the trimmed sheet
grown by the kerf (a plan keeps a kerf between pieces exactly when the grown
pieces do not overlap), so the classic search solves it. Any other job is
searched as binpack2d's cutting plans (the guillotine decoders, stock types and
costs). Both searches are interruptible and report progress; a stop before the
search has started keeps the shelf plan (strips, stacks, pieces). Either way the
plan passes the cutting checker before it is returned.
"""
from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from nnopt.problems.binpack2d._cutting_spec import CuttingJob, parse_cutting

__all__ = ["cutting_cuts_csv", "cutting_plan_picture", "cutting_sheets", "solve_cutting"]

#: ``on_improve(objective, lower_bound, seconds)``: a better plan was found.
Progress = Callable[[float, float, float], None]
#: A context within which the search may be stopped (Ctrl-C); outside it a stop waits.
Stoppable = Callable[[], AbstractContextManager[Any]]


def _searchable(job: CuttingJob) -> bool:
    """Whether the job is the classic problem with grown pieces (see the module docstring)."""
    rotations = {job.can_rotate(t) for t in range(len(job.pieces))}
    return job.guillotine is None and len(job.stock) == 1 and job.stock[0].count is None and len(rotations) == 1


def _unit(job: CuttingJob) -> float:
    return 1.0 if job.counts_sheets else float(job.stock[0].unit_cost)


def _searched_plan(job: CuttingJob, time_limit: float, seed: int, method: str, bound: float,
                   on_improve: Progress | None, stoppable: Stoppable,
                   threads: int) -> tuple[list[dict[str, Any]], float, str, str]:
    import nnopt

    k = job.kerf
    x0, y0, x1, y1 = job.usable(0)
    grown = nnopt.binpack2d.Instance(bin=(x1 - x0 + k, y1 - y0 + k),
                                     items=[(p.width + k, p.height + k, p.count) for p in job.pieces],
                                     rotation=job.can_rotate(0), name=job.name)
    unit = _unit(job)

    def improved(evaluations: int, seconds: float, objective: float, cost: float) -> None:
        if on_improve is not None:
            on_improve(objective * unit, bound, seconds)

    with stoppable():
        res = nnopt.solve(grown, time_limit=time_limit, seed=seed, method=method, threads=threads,
                          on_improve=improved)
    sheets: dict[int, list[dict[str, Any]]] = {}
    assert isinstance(res, nnopt.binpack2d.Result)  # binpack2d's result view, with placements
    for p in res.placements:
        sheets.setdefault(p.bin, []).append({"item": p.item, "x": x0 + p.x, "y": y0 + p.y, "width": p.width - k,
                                             "height": p.height - k, "rotated": p.rotated})
    plan = [{"stock": 0, "items": sheets[b]} for b in sorted(sheets)]
    return plan, res.lower_bound * unit, res.status, res.method


def _searched_job(data: dict[str, Any], time_limit: float, seed: int, method: str, bound: float,
                  on_improve: Progress | None, stoppable: Stoppable,
                  threads: int) -> tuple[list[dict[str, Any]], float, str, str]:
    """Any other job through binpack2d's cutting plans: the guillotine decoders under the default search."""
    import nnopt

    instance = nnopt.get_problem("binpack2d").load(data, source="cut list")

    def improved(evaluations: int, seconds: float, objective: float, cost: float) -> None:
        if on_improve is not None:
            on_improve(objective, bound, seconds)

    with stoppable():
        res = nnopt.solve(instance, time_limit=time_limit, seed=seed, method=method, threads=threads,
                          on_improve=improved)
    plan = [{"stock": sheet["stock"], "items": sheet["items"]} for sheet in res.to_json()["sheets"]]
    return plan, res.lower_bound, res.status, res.method


def solve_cutting(data: dict[str, Any], *, time_limit: float, seed: int = 0, method: str = "nnopt",
                  on_improve: Progress | None = None, stoppable: Stoppable = nullcontext,
                  threads: int = 1) -> dict[str, Any]:
    """Solve the cutting job ``data`` (its JSON) and answer as ``POST /solve`` does (solution, objective...).

    A stop (Ctrl-C, SIGINT) within ``stoppable()`` ends the search with its best plan so far."""
    from nnopt.problems.binpack2d._cutting_bounds import area_bound
    from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
    from nnopt.problems.binpack2d._guillotine_shelves import plan_cost, shelf_plan

    started = time.perf_counter()
    job = parse_cutting(data)
    bound = area_bound(job)
    if _searchable(job):
        try:
            plan, found_bound, status, used = _searched_plan(job, time_limit, seed, method, bound, on_improve,
                                                             stoppable, threads)
            bound = max(bound, found_bound)
        except KeyboardInterrupt:  # stopped while the search was still loading: the shelf plan is the best so far
            plan, status, used = shelf_plan(job), "interrupted", "shelves"
    else:
        try:
            plan, found_bound, status, used = _searched_job(data, time_limit, seed, method, bound, on_improve,
                                                            stoppable, threads)
            bound = max(bound, found_bound)
        except KeyboardInterrupt:  # stopped while the search was still loading: the shelf plan is the best so far
            plan, status, used = shelf_plan(job), "interrupted", "shelves"
    issues = check_cutting_plan(job, plan)
    objective = plan_cost(job, plan)
    if objective <= bound and status != "interrupted":
        status = "optimal"
    if on_improve is not None:
        on_improve(objective, bound, time.perf_counter() - started)
    seconds = round(time.perf_counter() - started, 3)
    solution = {"problem": "binpack2d", "instance": job.name, "objective": _tidy(objective),
                "lower_bound": _tidy(bound), "method": used, "seconds": seconds, "seed": seed,
                "status": status, "bins": plan}
    return {"solution": solution, "objective": _tidy(objective), "lower_bound": _tidy(bound), "status": status,
            "verified": not issues, "issues": issues[:3], "seconds": seconds,
            "sheets": cutting_sheets(job, plan)}


def _tidy(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 6)


def cutting_sheets(job: CuttingJob, plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per sheet of ``plan``: its stock type, size, cost, the pieces' share of it (use %) and the waste area."""
    out = []
    for s, sheet in enumerate(plan):
        stock = job.stock[sheet["stock"]]
        area = stock.width * stock.height
        used = sum(r["width"] * r["height"] for r in sheet["items"])
        out.append({"sheet": s, "stock": sheet["stock"], "name": stock.name or f"{stock.width}x{stock.height}",
                    "width": stock.width, "height": stock.height,
                    "cost": _tidy(1.0 if job.counts_sheets else stock.unit_cost), "pieces": len(sheet["items"]),
                    "use": round(100.0 * used / area, 1), "waste": area - used})
    return out


def cutting_plan_picture(data: dict[str, Any], plan: list[dict[str, Any]], fmt: str) -> bytes:
    """The plan drawn sheet by sheet as ``fmt`` (``"svg"``, ``"pdf"`` or ``"png"``), in a private scratch folder."""
    from nnopt.problems.binpack2d._cutting_render import render_cutting_plan

    job = parse_cutting(data)
    with tempfile.TemporaryDirectory(prefix="nnopt-plan-") as folder:
        path = Path(folder) / f"plan.{fmt}"
        render_cutting_plan(job, plan, path, title=job.name)
        return path.read_bytes()


def cutting_cuts_csv(data: dict[str, Any], plan: list[dict[str, Any]]) -> str:
    """The guillotine cut sequence as CSV (ValueError for free placement, which has none)."""
    from nnopt.problems.binpack2d._cutting_checker import cut_sequence, cut_sequence_csv

    return cut_sequence_csv(cut_sequence(parse_cutting(data), plan))
