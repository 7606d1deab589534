"""The Starlette application: the JSON API, the progress stream, the downloads and the cut-list page.

Every error is ``{"error": LINE}`` with the line the command line would print
and its status code: 400 a bad request or instance, 401 a missing or wrong
token, 404 an unknown job or problem, 413 a body over the limit, 429 a full
queue. The API is described at ``/openapi.json`` (and ``/docs``).
"""
from __future__ import annotations

import asyncio
import hmac
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from nnopt import __version__
from nnopt.problems import NnoptError, OptionError
from nnopt.server.config import ServerConfig
from nnopt.server.openapi import openapi_schema
from nnopt.server.plans import PICTURE_TYPES, plan_cuts_csv, plan_picture
from nnopt.server.pool import Job, QueueFull, WorkerPool
from nnopt.server.solve_request import request_from_body

__all__ = ["create_app"]

#: Paths served without a token: the page, its files and the API's description.
PUBLIC_PATHS = ("/", "/docs", "/openapi.json", "/static/")
#: Files of the page, served from the package (name -> media type).
STATIC_FILES = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
#: Seconds DELETE waits for a stopped job to hand back its best solution.
STOP_WAIT = 15.0


class BodyTooLarge(Exception):
    """The request body is over ``max_body_bytes`` (HTTP 413)."""


def error(status: int, line: str) -> JSONResponse:
    return JSONResponse({"error": line}, status_code=status)


class TokenGuard:
    """ASGI middleware: with a token set, every API call must carry ``Authorization: Bearer TOKEN``."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.token is not None and not _public(scope["path"]):
            header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
            given = header[7:] if header.lower().startswith("bearer ") else None
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                why = "missing bearer token" if given is None else "wrong bearer token"
                response = JSONResponse({"error": f"{why} (send 'Authorization: Bearer TOKEN')"}, status_code=401,
                                        headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith("/static/")


async def _read_json(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"request body of {declared} bytes is above the server's limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"request body is above the server's limit of {limit} bytes")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks) or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise OptionError(f"request: body is not valid JSON{where}") from None


def _answer(job: Job) -> JSONResponse:
    """A finished job as ``POST /solve`` answers it (the error as its status code when it failed)."""
    if job.answer is None:
        status, line = job.error or (409, f"job {job.id} was cancelled before it started")
        return error(status, line)
    return JSONResponse({"job": job.id, **job.answer})


def create_app(config: ServerConfig, pool: WorkerPool | None = None) -> Starlette:
    """The application for ``config``; it starts its worker pool on start-up and stops it on shutdown."""
    pool = pool if pool is not None else WorkerPool(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(_warm_validation, config)
        await pool.start()
        print(f"nnopt serve: http://{config.host}:{config.port}/ ({config.workers} worker(s) ready)",
              file=sys.stderr, flush=True)
        try:
            yield
        finally:
            await pool.stop()

    def job_or_404(request: Request) -> Job:
        job = pool.jobs.get(request.path_params["job_id"])
        if job is None:
            raise LookupError(f"no job {request.path_params['job_id']!r} (unknown, or expired after "
                              f"{config.job_ttl:g} s)")
        return job

    async def solve(request: Request) -> Response:
        body = await _read_json(request, config.max_body_bytes)
        solve_request = await run_in_threadpool(request_from_body, body, config)
        job = pool.submit(solve_request)
        if request.query_params.get("async") in ("1", "true", "yes"):
            return JSONResponse({"job": job.id, "status": job.status}, status_code=202)
        while not job.final:
            waiter = job.changed
            try:
                await asyncio.wait_for(waiter.wait(), 0.2)
            except asyncio.TimeoutError:
                pass
            if not job.final and await request.is_disconnected():
                pool.stop_job(job)  # nobody waits for the answer: free the worker
                return Response(status_code=499)
        return _answer(job)

    async def job_view(request: Request) -> Response:
        job = job_or_404(request)
        data = job.view()
        if job.answer is not None:
            data["solution"] = job.answer["solution"]
        return JSONResponse(data)

    async def job_stop(request: Request) -> Response:
        job = job_or_404(request)
        pool.stop_job(job)
        try:
            await asyncio.wait_for(_until_final(job), STOP_WAIT)
        except asyncio.TimeoutError:
            pass
        data = job.view()
        if job.answer is not None:
            data["solution"] = job.answer["solution"]
        return JSONResponse(data)

    async def job_events(request: Request) -> Response:
        job = job_or_404(request)

        async def stream() -> AsyncIterator[str]:
            sent = 0
            yield f"event: status\ndata: {json.dumps({'status': job.status})}\n\n"
            while True:
                waiter = job.changed
                while sent < len(job.events):
                    yield f"event: progress\ndata: {json.dumps(job.events[sent])}\n\n"
                    sent += 1
                if job.final:
                    yield f"event: done\ndata: {json.dumps(job.view())}\n\n"
                    return
                try:
                    await asyncio.wait_for(waiter.wait(), 10.0)
                except asyncio.TimeoutError:
                    yield ": still running\n\n"  # keeps proxies from closing an idle stream

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    def finished_answer(job: Job) -> dict[str, Any]:
        if job.answer is None:
            raise LookupError(f"job {job.id} has no plan ({job.status})")
        return job.answer

    async def picture(request: Request) -> Response:
        job = job_or_404(request)
        fmt = request.path_params["fmt"]
        if fmt not in PICTURE_TYPES:
            raise LookupError(f"no plan.{fmt} (formats: {', '.join(PICTURE_TYPES)})")
        try:
            data = await run_in_threadpool(plan_picture, job.request, finished_answer(job), fmt)
        except OptionError as exc:
            raise LookupError(str(exc)) from None
        return Response(data, media_type=PICTURE_TYPES[fmt],
                        headers={"Content-Disposition": f'inline; filename="plan.{fmt}"'})

    async def cuts(request: Request) -> Response:
        job = job_or_404(request)
        try:
            text = await run_in_threadpool(plan_cuts_csv, job.request, finished_answer(job))
        except OptionError as exc:
            raise LookupError(str(exc)) from None
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="cuts.csv"'})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok" if pool.ready else "starting", "version": __version__, **pool.counts(),
                             "pids": pool.pids()})

    async def problems(request: Request) -> Response:
        from nnopt.problems import available_problems, get_problem

        return JSONResponse([{"name": n, "description": get_problem(n).description} for n in available_problems()])

    async def methods(request: Request) -> Response:
        from nnopt.problems import get_problem
        from nnopt.solver.methods import DEFAULT_METHOD, available_methods

        try:
            problem = get_problem(request.path_params["problem"])
        except LookupError as exc:
            raise LookupError(str(exc).strip("'\"")) from None
        listed = [{"name": m.name, "description": m.description} for m in available_methods(problem)]
        return JSONResponse({"problem": problem.name, "default": DEFAULT_METHOD, "methods": listed})

    async def page(request: Request) -> Response:
        return HTMLResponse(_package_text("index.html"))

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:  # a fixed list: a request never names a path
            raise LookupError(f"no file {name!r}")
        return Response(_package_text(name), media_type=STATIC_FILES[name])

    async def schema(request: Request) -> Response:
        return JSONResponse(openapi_schema(__version__))

    async def docs(request: Request) -> Response:
        return HTMLResponse(_package_text("docs.html"))

    async def on_nnopt_error(request: Request, exc: Exception) -> Response:
        return error(400, str(exc))

    async def on_missing(request: Request, exc: Exception) -> Response:
        return error(404, str(exc).strip("'\""))

    async def on_too_large(request: Request, exc: Exception) -> Response:
        return error(413, str(exc))

    async def on_queue_full(request: Request, exc: Exception) -> Response:
        return error(429, str(exc))

    async def on_bug(request: Request, exc: Exception) -> Response:
        return error(500, f"{type(exc).__name__}: {exc}")

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error(exc.status_code, f"{request.method} {request.url.path}: {exc.detail}")

    routes = [
        Route("/", page),
        Route("/static/{name}", static),
        Route("/docs", docs),
        Route("/openapi.json", schema),
        Route("/health", health),
        Route("/problems", problems),
        Route("/methods/{problem}", methods),
        Route("/solve", solve, methods=["POST"]),
        Route("/jobs/{job_id}", job_view, methods=["GET"]),
        Route("/jobs/{job_id}", job_stop, methods=["DELETE"]),
        Route("/jobs/{job_id}/events", job_events),
        Route("/jobs/{job_id}/plan.{fmt}", picture),
        Route("/jobs/{job_id}/cuts.csv", cuts),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        NnoptError: on_nnopt_error, LookupError: on_missing, BodyTooLarge: on_too_large, QueueFull: on_queue_full,
        HTTPException: on_http, Exception: on_bug,
    }
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    app.add_middleware(TokenGuard, token=config.token)
    app.state.pool = pool
    return app


def _warm_validation(config: ServerConfig) -> None:
    """Read one request of each form, so that the first real one does not pay for the imports behind them."""
    request_from_body({"instance": {"bin": {"width": 10, "height": 10}, "items": [{"width": 5, "height": 5}]}},
                      config)
    request_from_body({"cut_list": "name,width,height\na,5,5\n", "stock": "width,height\n10,10\n"}, config)


async def _until_final(job: Job) -> None:
    while not job.final:
        await job.changed.wait()


def _package_text(name: str) -> str:
    return resources.files("nnopt.server").joinpath("static").joinpath(name).read_text(encoding="utf-8")
