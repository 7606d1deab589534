"""The server running in a thread of this process on a free loopback port: for tests, benchmarks and notebooks."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from nnopt.server.config import ServerConfig

__all__ = ["free_port", "running_server"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_server(config: ServerConfig, start_timeout: float = 600.0) -> Iterator[str]:
    """Serve ``config`` (on a free port when its port is 0) until the block ends; yields the base URL.

    The workers have warmed up when the block starts; they are stopped when it ends.
    """
    import uvicorn

    from nnopt.server.app import create_app

    if config.port == 0:
        config = replace(config, port=free_port())
    server = uvicorn.Server(uvicorn.Config(create_app(config), host=config.host, port=config.port,
                                           log_level="warning", timeout_graceful_shutdown=5))
    thread = threading.Thread(target=server.run, daemon=True, name="nnopt-serve")
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://{config.host}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(30)
