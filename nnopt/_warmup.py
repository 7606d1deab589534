"""Compile every installed problem's kernels once, so that a timed solve spends its limit searching.

Numba compiles a kernel the first time it runs and caches the machine code on
disk. On a fresh install that first run is the user's first solve: measured
on the 2-core machine, ``nnopt solve examples/cl_07_040_01.json --time-limit 3``
took 21.6 s with an empty cache and 0.8 s with a warm one. ``nnopt warmup``
(and ``make install``, which calls it) pays that cost up front: for each
problem it solves a few small generated instances with the default method
under a decode budget, and tries its proof hook, so the kernels the default
path uses are compiled and cached. :func:`compile_method` does the same for one
method on one problem: ``nnopt solve`` runs it, before its clock, when the
method's kernels are not cached yet (``_kernel_cache``).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["compile_method", "warm_up"]

#: Generated instances per problem (seeds 0..): several, so that a start that is already
#: optimal does not leave the search kernels cold.
INSTANCES = 3
#: Decodes (moves) per warm-up solve.
EVALS = 400


def warm_up(names: list[str] | None = None,
            on_problem: Callable[[str, float, str | None], None] | None = None) -> dict[str, float]:
    """Seconds spent warming each problem (all registered ones by default).

    ``on_problem(name, seconds, error)`` is called after each; a problem whose warm-up
    raises is reported there with its error and skipped (the others still warm up).
    """
    from nnopt._kernel_cache import manifest_key, record_kernels
    from nnopt.problems import available_problems, get_problem
    from nnopt.problems.capabilities import Proofs
    from nnopt.solver.methods import DEFAULT_METHOD

    spent: dict[str, float] = {}
    for name in names if names is not None else available_problems():
        t0 = time.perf_counter()
        error = None
        try:
            problem = get_problem(name)
            for seed, inst, res in compile_method(problem, DEFAULT_METHOD):
                if isinstance(problem, Proofs):
                    problem.prove(inst, res.solution, 0.3, threads=1, seed=seed)
            record_kernels(manifest_key(name, DEFAULT_METHOD), problem)  # the proof phase's kernels too
            for variant in problem.variants():  # e.g. binpack2d's cutting jobs: their own decoders
                compile_method(variant, DEFAULT_METHOD, label=f"{DEFAULT_METHOD}[{type(variant).__name__}]")
        except Exception as exc:  # a broken plugin: say so, warm the others
            error = f"{type(exc).__name__}: {exc}"
        spent[name] = time.perf_counter() - t0
        if on_problem is not None:
            on_problem(name, spent[name], error)
    return spent


def compile_method(problem: Any, method: str, params: dict[str, str] | None = None,
                   label: str | None = None) -> list[tuple[int, Any, Any]]:
    """Run ``method`` on ``INSTANCES`` generated instances of ``problem`` under a decode budget.

    Every kernel on the method's path is compiled (or loaded) and cached by the
    end, and its name recorded in the kernel manifest under the method's
    ``label`` (its name with parameters; default ``method``). Returns
    ``(seed, instance, result)`` per instance.
    """
    import nnopt
    from nnopt._kernel_cache import manifest_key, record_kernels

    runs = []
    for seed in range(INSTANCES):
        inst = problem.generate(seed)
        res = nnopt.solve(inst, problem=problem.name, method=method, params=params, max_evals=EVALS, seed=seed,
                          threads=1)
        runs.append((seed, inst, res))
    record_kernels(manifest_key(problem.name, label or method), problem, replace=True)
    return runs
