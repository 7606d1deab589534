"""The server's settings: where it listens, how many workers, and the limits every request obeys."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

__all__ = ["TOKEN_ENV", "ServerConfig", "default_workers", "is_loopback"]

#: The environment variable that carries the bearer token when ``--token`` is not given.
TOKEN_ENV = "NNOPT_TOKEN"


def default_workers() -> int:
    """One worker per core (a solve uses one core), at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine (``localhost``, ``127.0.0.0/8``, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerConfig:
    """Everything the app and its workers are started with (each limit is a command-line flag)."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    #: Bearer token every API call must carry; None: no token (loopback only).
    token: str | None = None
    #: Largest request body read, in bytes (413 above).
    max_body_bytes: int = 2_000_000
    #: Most pieces (items, counts expanded) or cities in one job (400 above).
    max_pieces: int = 5_000
    #: Longest time limit a job may run, in seconds; longer requests are capped to it.
    max_time_limit: float = 60.0
    #: Time limit of a request that names none, in seconds.
    default_time_limit: float = 1.0
    #: Most jobs waiting for a worker (429 above).
    max_queue: int = 100
    #: Seconds a finished job (its plan, its downloads) is kept after it ended.
    job_ttl: float = 3600.0
    #: Most finished jobs kept at once (the oldest go first): a steady stream of requests within
    #: ``job_ttl`` must not hold every answer in memory.
    max_jobs_kept: int = 2_000
    #: Whether each worker solves a small instance before the server accepts requests.
    warm_up: bool = True

    @property
    def solve_threads(self) -> int:
        """Cores one solve may use (the proof phase's CP-SAT workers): the machine's cores shared by the workers."""
        return max(1, default_workers() // self.workers)
