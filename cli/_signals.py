"""SIGTERM handled like Ctrl-C, so ``kill`` stops a run the way the user's key does.

Without this a terminated ``nnopt solve`` dies with no solution file and no
message, and a terminated ``nnopt bench`` leaves its worker processes running.
Raising ``KeyboardInterrupt`` from the handler sends both signals
down the one path every search already takes: stop, keep the best so far.
"""
from __future__ import annotations

import signal
import threading
from types import FrameType

__all__ = ["terminate_as_interrupt"]


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def terminate_as_interrupt() -> None:
    """From now on SIGTERM raises ``KeyboardInterrupt`` in the main thread (no-op elsewhere)."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _raise_interrupt)
