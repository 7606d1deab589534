"""The command's clock: started when the process started, not when a command began.

``--time-limit T`` promises the user T seconds of wall time from launching
``nnopt`` to getting the prompt back, so the interpreter's start-up and the
imports before any nnopt code runs count too. On Linux the kernel records when
the process started (``/proc/self/stat``, field 22, in clock ticks since boot);
elsewhere the clock starts when this module is imported, which is early.
"""
from __future__ import annotations

import os
import time

__all__ = ["EXIT_MARGIN_S", "clock_start", "process_start", "start_clock_at_process_start"]

#: Seconds kept back from ``--time-limit`` for what follows the search: checking the
#: solution, the lower bound, writing the output, and the interpreter's exit.
EXIT_MARGIN_S = 0.3

_IMPORTED = time.perf_counter()
_started: float | None = None


def _age_from_proc() -> float | None:
    try:
        with open("/proc/self/stat", "rb") as f:
            stat = f.read().decode()
        ticks = int(stat[stat.rindex(")") + 2:].split()[19])  # field 22; the name in (...) may hold spaces
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError, IndexError):
        return None
    return age if 0 <= age < 3600 else None


def process_start() -> float:
    """The process's start as a ``time.perf_counter()`` reading."""
    now = time.perf_counter()
    age = _age_from_proc()
    return now - age if age is not None else _IMPORTED


def start_clock_at_process_start() -> None:
    """Called by the console script: commands then count from the process's start."""
    global _started
    _started = process_start()


def clock_start() -> float:
    """When a command's time limit began: the process start under the console script, else now
    (a command invoked in-process, e.g. by a test, has its own clock)."""
    return _started if _started is not None else time.perf_counter()


def quick_exit(code: int = 0) -> None:
    """Flush and end the process now, skipping the interpreter's teardown.

    Tearing down torch and Numba's thread pools took 0.7-4 s at exit on the
    development machine — time a user waits after the answer is written.
    Every output file is complete by then (written atomically), so nothing is lost.
    """
    import sys

    try:
        sys.stdout.flush()
    except OSError as exc:  # stdout on a full disk or /dev/full: the answer did not reach the user
        if code == 0:
            code = 2
            _say_on_stderr(f"error: cannot write to standard output ({exc.strerror or exc})")
    except ValueError:
        pass
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)


def _say_on_stderr(line: str) -> None:
    try:
        os.write(2, (line + "\n").encode("utf-8", "replace"))
    except OSError:
        pass
