"""Compile a method's kernels before the clock when the disk cache lacks them, and say so first.

After a plain ``pip install`` no kernel is cached, and compiling the default
method's takes about 34 s of one core (``benchmarks/results/overhead.md``): a
first ``--time-limit 3`` solve would overrun by that much, silently. Instead the command checks the cache
(``nnopt._kernel_cache``) before it starts the search; when the method's
kernels are missing it prints one line as the first thing it prints, the
moment compilation begins, compiles them on small generated instances, and
starts the user's ``--time-limit`` afresh after that (the one-time compilation
is not searching time). Later runs find the kernels cached and start at once;
``nnopt warmup`` compiles the default method's ahead of time.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nnopt.cli._common import stderr

__all__ = ["ANNOUNCEMENT", "compile_if_cold", "compiling_noted", "method_label", "note_below_floor"]

#: The first line of a solve whose kernels are not cached yet ({method}, {problem}).
ANNOUNCEMENT = ("note: compiling the kernels of --method {method} for {problem} once (about 20-40 s on 2 free "
                "cores; not counted in --time-limit); later runs load them at once; `nnopt warmup` compiles them ahead")


def compile_if_cold(problem: Any, method: Any) -> float:
    """Seconds spent compiling ``method``'s kernels for ``problem`` ahead of the search (0.0 when cached).

    Cold is: the manifest records the method's kernels and one of them is not
    cached (the cache was cleared, a kernel's source changed), or the manifest
    does not know the method and none of the problem's kernels is cached (a
    fresh install). A rehearsal that ends up compiling nothing (everything was
    cached after all) announces nothing, and its time counts as start-up.
    """
    import sys

    if "numba" not in sys.modules:  # the problem loaded no kernels: nothing to compile ahead
        return 0.0
    from nnopt._kernel_cache import compile_listener, is_warm, kernels_of, manifest_key, nothing_cached

    label = method_label(problem, method.name)
    key = manifest_key(problem.name, label)
    cold = not is_warm(key) if kernels_of(key) else nothing_cached(problem)
    if not cold:
        return 0.0
    from nnopt._warmup import compile_method

    announce = ANNOUNCEMENT.format(method=method.name, problem=problem.name)
    t0 = time.perf_counter()
    with compile_listener(lambda: stderr(announce)) as compiled:
        try:
            compile_method(problem, method.base_name, method.params, label=label)
        except Exception:  # noqa: BLE001 - the timed run reports whatever is wrong, in its own words
            pass
    return time.perf_counter() - t0 if compiled[0] > 0 else 0.0


def method_label(problem: Any, method: str) -> str:
    """The manifest label of ``method`` on ``problem``: the method's name, and for a variant of a registered
    problem (binpack2d's cutting jobs) the variant's class in brackets, as ``nnopt warmup`` records it, so
    that a variant's own kernels (its decoders and moves) are checked, not the base problem's."""
    from nnopt.problems import get_problem

    try:
        base = get_problem(problem.name)
    except Exception:  # noqa: BLE001 - an unregistered problem object is its own base
        return method
    return method if type(base) is type(problem) else f"{method}[{type(problem).__name__}]"


#: Seconds a solve spends after its search on a small instance: checking, the bound, writing, the exit.
FINISH_S = 0.1


def note_below_floor(time_limit: float, started: float, problem: Any, method: Any) -> None:
    """One line on stderr when ``time_limit`` cannot hold: the start-up alone already takes longer.

    The start-up is measured, not guessed: the time since ``started`` (the
    process's start), after Numba's code generator is built when the method's
    kernels need it, plus what a solve spends after its search.
    """
    import sys

    if "numba" in sys.modules:
        from nnopt._kernel_cache import kernels_of, manifest_key, prepare_target

        if kernels_of(manifest_key(problem.name, method_label(problem, method.name))):
            prepare_target()
    floor = time.perf_counter() - started + FINISH_S
    if time_limit < floor:
        stderr(f"note: --time-limit {time_limit:g} is below this command's start-up time of about {floor:.1f} s; "
               "use the Python API (nnopt.solve), which answers in milliseconds once loaded, for sub-second solves")


@contextmanager
def compiling_noted(problem: Any, method: Any) -> Iterator[None]:
    """Within the block, a kernel that must still be compiled is announced before it compiles.

    Afterwards the kernels the run used are recorded, when it compiled any or
    the manifest did not know the method yet, so that the next run's check is exact.
    """
    import sys

    if "numba" not in sys.modules:  # the problem loaded no kernels: nothing to watch
        yield
        return
    from nnopt._kernel_cache import compile_listener, kernels_of, manifest_key, record_kernels

    key = manifest_key(problem.name, method_label(problem, method.name))
    line = f"note: compiling a kernel --method {method.name} needs, once (not cached yet); this run may overrun " \
           "--time-limit"
    with compile_listener(lambda: stderr(line)) as compiled:
        yield
    if compiled[0] > 0 or not kernels_of(key):
        record_kernels(key, problem)
