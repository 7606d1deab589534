"""A worker process: loads the kernels once, then runs one solve at a time for the server.

The server talks to it over a pipe: it sends ``(job_id, SolveRequest)``, the
worker answers ``("event", job_id, progress)`` on each improvement and one
``("done", job_id, answer)`` or ``("error", job_id, status, line)`` per job.
Stopping a job is Ctrl-C: the server sends SIGINT, which the search turns into
"stop and keep the best so far" (status ``interrupted``). Outside a solve the
signal is ignored, and while a message is being written it waits until the
message is whole, so a stop never breaks the pipe.
"""
from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["WARM_PROBLEMS", "answer_request", "worker_main"]

#: The problems whose default method each worker runs before the server accepts requests.
WARM_PROBLEMS = ("binpack2d",)


class _Stops:
    """Whether SIGINT may interrupt now (during a solve, not while writing to the pipe)."""

    solving = False
    sending = False
    pending = False


def _on_sigint(signum: int, frame: Any) -> None:
    if not _Stops.solving:
        return
    if _Stops.sending:
        _Stops.pending = True
        return
    raise KeyboardInterrupt


def _send(conn: Connection, message: tuple[Any, ...]) -> None:
    _Stops.sending = True
    try:
        conn.send(message)
    finally:
        _Stops.sending = False
    if _Stops.pending and _Stops.solving:
        _Stops.pending = False
        raise KeyboardInterrupt


@contextmanager
def _stoppable() -> Iterator[None]:
    """Within the block a SIGINT stops the search (which keeps its best so far)."""
    _Stops.pending = False
    _Stops.solving = True
    try:
        yield
    finally:
        _Stops.solving = False


def answer_request(request: Any, on_progress: Any = None, threads: int = 1) -> dict[str, Any]:
    """Solve one :class:`~nnopt.server.solve_request.SolveRequest` and answer as ``POST /solve`` does.

    ``on_progress({"objective", "lower_bound", "seconds"})`` is called on each improvement; ``threads``
    caps the cores the solve may use.
    """
    from nnopt.server.solve_request import CUTTING

    if request.kind == CUTTING:
        from nnopt.server.cutting import solve_cutting

        def cutting_progress(objective: float, bound: float, seconds: float) -> None:
            if on_progress is not None:
                on_progress({"objective": objective, "lower_bound": bound, "seconds": round(seconds, 3)})

        return solve_cutting(request.data, time_limit=request.time_limit, seed=request.seed, method=request.method,
                             on_improve=cutting_progress, stoppable=_stoppable, threads=threads)
    import nnopt
    from nnopt.problems import get_problem
    from nnopt.solver.methods import get_method

    # Loading happens before the search may be stopped: a stop must never land in the middle of an import.
    problem = get_problem(request.problem)
    instance = problem.load(request.data, source="instance")
    get_method(request.method, problem)
    bound = float(problem.lower_bound(instance))

    def progress(evaluations: int, seconds: float, objective: float, cost: float) -> None:
        if on_progress is not None:
            on_progress({"objective": objective, "lower_bound": bound, "seconds": round(seconds, 3)})

    with _stoppable():
        res = nnopt.solve((problem, instance), method=request.method, time_limit=request.time_limit,
                          seed=request.seed, threads=threads, on_improve=progress)
    summary = res.summary()
    return {"solution": res.to_json(), "objective": summary["objective"], "lower_bound": summary["lower_bound"],
            "status": res.status, "verified": res.verified, "seconds": summary["seconds"]}


def _warm_up() -> None:
    """Solve small instances of :data:`WARM_PROBLEMS` with the default method, and small cutting jobs, so that
    the first request finds the kernels loaded (another problem loads its kernels on its first request)."""
    import nnopt
    from nnopt.problems import get_problem
    from nnopt.server.cutting import solve_cutting

    for name in WARM_PROBLEMS:
        try:
            problem = get_problem(name)
            for seed in range(2):
                nnopt.solve(problem.generate(seed), problem=name, max_evals=300, seed=seed, threads=1)
        except Exception:  # noqa: BLE001 -- a broken plugin is refused when a request names it
            continue
    job = {"problem": "binpack2d", "bins": [{"width": 100, "height": 80, "cost": 2}],
           "items": [{"width": 30, "height": 20, "count": 9}], "kerf": 2, "trim": 1, "allow_rotation": True}
    solve_cutting(job, time_limit=0.2)
    solve_cutting({**job, "guillotine": {"stages": 3}}, time_limit=0.2)


def worker_main(conn: Connection, warm: bool = True, threads: int = 1) -> None:
    """The worker's loop (the target of its process): warm up, say ready, then serve jobs until the pipe closes."""
    from nnopt.problems import NnoptError

    signal.signal(signal.SIGINT, _on_sigint)
    started = time.perf_counter()
    if warm:
        _warm_up()
    conn.send(("ready", round(time.perf_counter() - started, 3)))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job_id, request = message

        def progress(event: dict[str, Any], job_id: str = job_id) -> None:
            _send(conn, ("event", job_id, event))

        try:
            answer = answer_request(request, progress, threads)
            reply: tuple[Any, ...] = ("done", job_id, answer)
        except NnoptError as exc:
            reply = ("error", job_id, 400, str(exc))
        except KeyboardInterrupt:  # stopped before the search had anything
            reply = ("error", job_id, 409, "stopped before a solution was found")
        except Exception as exc:  # a bug: the job fails with its one line, the worker carries on
            reply = ("error", job_id, 500, f"{type(exc).__name__}: {exc}")
        conn.send(reply)
