"""``nnopt serve``: the web page and JSON API (the ``serve`` extra: Starlette and uvicorn)."""
from __future__ import annotations

import os

import click

from nnopt.cli._common import UserError, debug_option

__all__ = ["serve_cmd"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; a non-loopback address needs --token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Solver processes (default: one per core).")
@click.option("--token", default=None, help="Bearer token every API call must carry (default: $NNOPT_TOKEN).")
@click.option("--max-body-bytes", type=click.IntRange(1), default=2_000_000, show_default=True,
              help="Largest request body.")
@click.option("--max-pieces", type=click.IntRange(1), default=5_000, show_default=True,
              help="Most pieces (items) per job.")
@click.option("--max-time-limit", type=click.FloatRange(0, min_open=True), default=60.0, show_default=True,
              help="Longest time limit per job, in seconds (longer requests are capped).")
@click.option("--max-queue", type=click.IntRange(0), default=100, show_default=True,
              help="Most jobs waiting for a worker (429 beyond).")
@click.option("--job-ttl", type=click.FloatRange(0, min_open=True), default=3600.0, show_default=True,
              help="Seconds a finished job is kept.")
@debug_option
def serve_cmd(host: str, port: int, workers: int | None, token: str | None, max_body_bytes: int, max_pieces: int,
              max_time_limit: float, max_queue: int, job_ttl: float) -> None:
    """Serve the cut-list page and the JSON API (solves run in warm worker processes).

    \b
    Example:
      nnopt serve --port 8000        # then open http://127.0.0.1:8000/
    """
    from nnopt.server.config import TOKEN_ENV, ServerConfig, default_workers, is_loopback

    token = token if token is not None else (os.environ.get(TOKEN_ENV) or None)
    if not is_loopback(host) and token is None:
        raise UserError(f"--host {host}: refusing to listen beyond this machine without a token "
                        f"(give --token or set {TOKEN_ENV})")
    try:
        import uvicorn

        from nnopt.server.app import create_app
    except ImportError as exc:
        raise UserError(f"nnopt serve needs the serve extra ({exc.name} is missing): "
                        "pip install 'nnopt[serve]'") from None
    config = ServerConfig(host=host, port=port, workers=workers or default_workers(), token=token,
                          max_body_bytes=max_body_bytes, max_pieces=max_pieces, max_time_limit=max_time_limit,
                          max_queue=max_queue, job_ttl=job_ttl)
    click.echo(f"nnopt serve: starting {config.workers} worker(s) (loading the solver kernels)...", err=True)
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
