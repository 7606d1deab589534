"""The worker processes, the bounded queue in front of them, and the jobs they run.

Runs in the server's event loop. A job waits in the queue (at most
``max_queue`` of them; :class:`QueueFull` beyond) until a worker is free; each
worker runs one job at a time. A reader thread per worker turns the worker's
messages into job updates on the loop; each job carries an event that wakes
whoever waits on it (a blocking ``POST /solve``, a progress stream). Finished
jobs are dropped ``job_ttl`` seconds after they ended.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import secrets
import signal
import threading
import time
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from nnopt.server.config import ServerConfig
from nnopt.server.solve_request import SolveRequest
from nnopt.server.worker import worker_main

__all__ = ["Job", "QueueFull", "WorkerPool"]

#: Seconds a worker may take to start and warm up before the server gives up.
START_TIMEOUT = 600.0
#: Job states; the last three are final.
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


class QueueFull(Exception):
    """Every worker is busy and the queue holds ``max_queue`` jobs (HTTP 429)."""


@dataclass
class Job:
    """One solve request and what became of it."""

    id: str
    request: SolveRequest
    status: str = QUEUED
    created: float = field(default_factory=time.monotonic)
    finished: float | None = None
    #: Progress so far: ``{"objective", "lower_bound", "seconds"}`` per improvement.
    events: list[dict[str, Any]] = field(default_factory=list)
    answer: dict[str, Any] | None = None
    error: tuple[int, str] | None = None
    stop_requested: bool = False
    #: The process id of the worker that runs (or ran) the job.
    worker: int | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def final(self) -> bool:
        return self.status in (DONE, FAILED, CANCELLED)

    def touch(self) -> None:
        """Wake everyone waiting on this job (they wait on a fresh event afterwards)."""
        event, self.changed = self.changed, asyncio.Event()
        event.set()

    def view(self) -> dict[str, Any]:
        """The job as ``GET /jobs/{id}`` shows it (without the solution itself)."""
        best = self.events[-1] if self.events else {}
        data: dict[str, Any] = {"job": self.id, "status": self.status, "problem": self.request.problem,
                                "kind": self.request.kind, "time_limit": self.request.time_limit,
                                "objective": best.get("objective"), "lower_bound": best.get("lower_bound"),
                                "improvements": len(self.events), "worker": self.worker}
        if self.answer is not None:
            for key in ("objective", "lower_bound", "verified", "seconds", "sheets"):
                if key in self.answer:
                    data[key] = self.answer[key]
            data["result_status"] = self.answer["status"]
        if self.error is not None:
            data["error"] = self.error[1]
        return data


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: Job | None = None
    send_lock: threading.Lock = field(default_factory=threading.Lock)


class WorkerPool:
    """``workers`` solver processes behind one bounded queue."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.jobs: dict[str, Job] = {}
        self._queue: deque[Job] = deque()
        self._workers: list[_Worker] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()  # kept until done (the loop holds tasks weakly)
        self.ready = False

    # --- life cycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Start the workers and wait until every one has warmed up."""
        self._loop = asyncio.get_running_loop()
        started = [self._spawn() for _ in range(self.config.workers)]
        for worker in started:
            await self._until_ready(worker)
        self._workers.extend(started)
        for worker in started:
            self._start_reader(worker)
        self._sweeper = asyncio.create_task(self._sweep())
        self.ready = True

    def _spawn(self) -> _Worker:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(target=worker_main, name="nnopt-serve-worker", daemon=True,
                                  args=(theirs, self.config.warm_up, self.config.solve_threads))
        process.start()
        theirs.close()
        return _Worker(process, ours)

    async def _until_ready(self, worker: _Worker) -> None:
        assert self._loop is not None
        message = await self._loop.run_in_executor(None, _receive_ready, worker.conn)
        if message[0] != "ready":
            raise RuntimeError(f"a solver worker failed to start: {message!r}")

    def _start_reader(self, worker: _Worker) -> None:
        threading.Thread(target=self._read, args=(worker,), daemon=True, name="nnopt-serve-reader").start()

    async def _replace(self, lost: _Worker) -> None:
        """A worker in place of one that died, so the pool keeps its size."""
        worker = self._spawn()
        try:
            await self._until_ready(worker)
        except RuntimeError:
            worker.process.kill()
            return
        if not self.ready:  # the server stopped meanwhile
            worker.process.kill()
            return
        self._workers[self._workers.index(lost)] = worker
        self._start_reader(worker)
        self._dispatch()

    async def stop(self) -> None:
        """Stop the workers (a running solve is interrupted)."""
        self.ready = False
        if self._sweeper is not None:
            self._sweeper.cancel()
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
            if worker.job is not None and worker.process.pid is not None:
                _interrupt(worker.process.pid)
        for worker in self._workers:
            await asyncio.get_running_loop().run_in_executor(None, worker.process.join, 10)
            if worker.process.is_alive():
                worker.process.terminate()
            worker.conn.close()

    # --- jobs ------------------------------------------------------------------------

    def submit(self, request: SolveRequest) -> Job:
        """Queue a job (:class:`QueueFull` when the queue is full) and start it if a worker is free."""
        if len(self._queue) >= self.config.max_queue:
            raise QueueFull(f"the queue is full ({self.config.max_queue} jobs wait for a worker); try again later")
        job = Job(secrets.token_urlsafe(12), request)
        self.jobs[job.id] = job
        self._queue.append(job)
        self._dispatch()
        return job

    def stop_job(self, job: Job) -> None:
        """Stop a job: a queued one is cancelled, a running one interrupted (it keeps its best so far)."""
        if job.final:
            return
        job.stop_requested = True
        if job.status == QUEUED:
            self._queue.remove(job)
            job.status, job.finished = CANCELLED, time.monotonic()
            job.touch()
            return
        worker = next((w for w in self._workers if w.job is job), None)
        if worker is not None:
            self._background(self._interrupt_until_final(worker, job))

    async def _interrupt_until_final(self, worker: _Worker, job: Job) -> None:
        """SIGINT the job's worker until the job ends: a signal that lands before its search started
        (the worker ignores it then) is sent again."""
        while not job.final and worker.job is job and worker.process.pid is not None:
            _interrupt(worker.process.pid)
            await asyncio.sleep(0.25)

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def pids(self) -> list[int]:
        """The worker processes' ids (for operators and tests)."""
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def counts(self) -> dict[str, int]:
        busy = sum(w.job is not None for w in self._workers)
        alive = sum(w.process.is_alive() for w in self._workers)
        return {"workers": len(self._workers), "alive": alive, "busy": busy, "queued": len(self._queue),
                "jobs": len(self.jobs)}

    def _dispatch(self) -> None:
        for worker in self._workers:
            if not self._queue:
                return
            if worker.job is None and worker.process.is_alive():
                job = self._queue.popleft()
                job.status = RUNNING
                job.worker = worker.process.pid
                worker.job = job
                job.touch()
                # a large instance fills the pipe until the worker reads it: send from a thread
                assert self._loop is not None
                self._loop.run_in_executor(None, _send_locked, worker, (job.id, job.request))

    def _read(self, worker: _Worker) -> None:
        """The reader thread of one worker: every message goes to the loop."""
        assert self._loop is not None
        while True:
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                self._loop.call_soon_threadsafe(self._lost, worker)
                return
            self._loop.call_soon_threadsafe(self._on_message, worker, message)

    def _on_message(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        kind, job_id = message[0], message[1]
        job = worker.job
        if job is None or job.id != job_id:
            return
        if kind == "event":
            job.events.append(message[2])
            job.touch()
            return
        if kind == "done":
            job.answer, job.status = message[2], DONE
        else:
            job.error, job.status = (message[2], message[3]), FAILED
        job.finished = time.monotonic()
        worker.job = None
        job.touch()
        self._forget_oldest()
        self._dispatch()

    def _forget_oldest(self) -> None:
        """Drop the oldest finished jobs beyond ``max_jobs_kept`` (jobs are kept in the order they came)."""
        finished = [j.id for j in self.jobs.values() if j.final]
        for job_id in finished[:max(0, len(finished) - self.config.max_jobs_kept)]:
            del self.jobs[job_id]

    def _lost(self, worker: _Worker) -> None:
        """A worker died (killed from outside): its job fails, a new worker takes its place."""
        job = worker.job
        worker.job = None
        if job is not None and not job.final:
            job.error, job.status, job.finished = (500, "the solver process ended unexpectedly"), FAILED, \
                time.monotonic()
            job.touch()
        if self.ready:
            self._background(self._replace(worker))

    async def _sweep(self) -> None:
        """Drop finished jobs ``job_ttl`` seconds after they ended."""
        ttl = self.config.job_ttl
        while True:
            await asyncio.sleep(min(max(ttl / 4, 0.05), 5.0))
            now = time.monotonic()
            for job_id in [j.id for j in self.jobs.values() if j.final and j.finished is not None
                           and now - j.finished > ttl]:
                del self.jobs[job_id]


def _receive_ready(conn: Connection) -> tuple[Any, ...]:
    if not conn.poll(START_TIMEOUT):
        return ("timeout",)
    try:
        message: tuple[Any, ...] = conn.recv()
    except EOFError:
        return ("exited",)
    return message


def _send_locked(worker: _Worker, message: Any) -> None:
    with worker.send_lock:
        try:
            worker.conn.send(message)
        except OSError:
            pass


def _interrupt(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        pass
