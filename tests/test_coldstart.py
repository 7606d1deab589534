"""A solve on an empty kernel cache says first that it compiles once; a limit below the start-up is named.

An empty ``NUMBA_CACHE_DIR`` stands in for a fresh ``pip install``: Numba keeps
both the kernels and nnopt's kernel manifest there, so nothing is cached.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from numba import njit

from nnopt._kernel_cache import compile_listener

REPO = Path(__file__).resolve().parents[1]
NNOPT = Path(sys.executable).with_name("nnopt")
TSP = REPO / "examples" / "tsp_uniform_050.json"
ANNOUNCED = "note: compiling the kernels of --method nearest-neighbour for tsp once"


def _solve(args: list[str], cache_dir: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    return subprocess.run([str(NNOPT), "solve", *args], capture_output=True, text=True, timeout=timeout, env=env)


def _forget(cache: Path, kernel: str) -> None:
    """Delete the one cache index of ``kernel`` (``module.function``), as a changed source would void it."""
    index = list(cache.rglob(f"{kernel}-*.nbi"))
    assert len(index) == 1, index
    index[0].unlink()


def test_an_empty_cache_is_announced_first_then_compiled_once_outside_the_limit(tmp_path):
    cache = tmp_path / "numba-cache"
    cache.mkdir()
    out = tmp_path / "sol.json"
    args = [str(TSP), "--method", "nearest-neighbour", "--time-limit", "3", "--quiet", "--out", str(out)]

    t0 = time.perf_counter()
    cold = _solve(args, cache)
    cold_wall = time.perf_counter() - t0
    assert cold.returncode == 0, cold.stderr
    assert cold.stderr.splitlines()[0].startswith(ANNOUNCED), cold.stderr
    assert "nnopt warmup" in cold.stderr.splitlines()[0]
    # the limit's clock skips the one-time compilation, most of the cold run's wall time
    assert json.loads(out.read_text())["seconds"] < 0.6 * cold_wall
    assert list(cache.rglob("*.nbi")), "the kernels were cached"

    warm = _solve(args, cache)
    assert warm.returncode == 0, warm.stderr
    assert "compiling" not in warm.stderr, warm.stderr

    # a kernel whose cache entry is gone (its index deleted) makes the method cold again
    manifest = next(cache.rglob("nnopt-kernels.json"))
    assert "nnopt.problems.tsp._kernels:nearest_neighbour_tour_listed" in json.loads(manifest.read_text())[
        "tsp/nearest-neighbour"]
    _forget(cache, "_kernels.nearest_neighbour_tour_listed")
    again = _solve(args, cache)
    assert again.returncode == 0, again.stderr
    assert again.stderr.splitlines()[0].startswith(ANNOUNCED), again.stderr

    # a method not recorded yet, on a cache that holds the problem's kernels: no rehearsal (it would
    # cost a time-bound method its full default time); its run records it, any compilation announced first
    other = _solve([str(TSP), "--method", "cem", "--max-evals", "60", "--quiet"], cache)
    assert other.returncode == 0, other.stderr
    assert "compiling the kernels of" not in other.stderr, other.stderr
    assert all(line.startswith("note: compiling a kernel --method cem needs, once")
               for line in other.stderr.splitlines() if "compiling" in line), other.stderr
    assert json.loads(manifest.read_text()).get("tsp/cem"), "the run recorded its kernels"


def test_a_limit_below_the_start_up_is_named_in_one_line(tmp_path, example_path):
    short = _solve([str(example_path), "--time-limit", "0.05", "--quiet", "--out", str(tmp_path / "a.json")])
    assert short.returncode == 0, short.stderr
    notes = [line for line in short.stderr.splitlines() if "start-up time" in line]
    assert len(notes) == 1, short.stderr
    assert notes[0].startswith("note: --time-limit 0.05 is below this command's start-up time of about ")
    assert "nnopt.solve" in notes[0]

    roomy = _solve([str(example_path), "--time-limit", "8", "--max-evals", "50", "--quiet",
                    "--out", str(tmp_path / "b.json")])
    assert roomy.returncode == 0, roomy.stderr
    assert "start-up time" not in roomy.stderr, roomy.stderr


def test_the_listener_fires_once_before_a_compilation_and_not_for_a_compiled_kernel():
    calls = []

    @njit
    def double(x):
        return 2 * x

    with compile_listener(lambda: calls.append("compiling")) as spent:
        assert double(3) == 6
        assert double(4.5) == 9.0  # a second signature: compiled too, announced once
    assert calls == ["compiling"] and spent[0] > 0

    with compile_listener(lambda: calls.append("again")) as spent:
        assert double(5) == 10
    assert calls == ["compiling"] and spent[0] == 0.0


def test_a_cutting_job_checks_and_records_the_kernels_of_its_own_search(tmp_path):
    """Cutting jobs are a variant of binpack2d with kernels of their own (the free-placement recreate among
    them): a fresh cache rehearses them before the clock, records them under the variant's label, and a
    kernel of theirs gone from the cache makes the next solve compile ahead again."""
    cache = tmp_path / "numba-cache"
    cache.mkdir()
    job = REPO / "benchmarks" / "data" / "pisinger2005" / "instances" / "MB_C10_1.json"
    out = tmp_path / "plan.json"
    args = [str(job), "--time-limit", "2", "--quiet", "--out", str(out)]
    announced = "note: compiling the kernels of --method nnopt for binpack2d once"

    cold = _solve(args, cache)
    assert cold.returncode == 0, cold.stderr
    assert cold.stderr.splitlines()[0].startswith(announced), cold.stderr
    manifest = next(cache.rglob("nnopt-kernels.json"))
    recorded = json.loads(manifest.read_text())["binpack2d/nnopt[CuttingPlans]"]
    assert "nnopt.problems.binpack2d._cutting_free_kernels:recreate_sheets" in recorded

    _forget(cache, "_cutting_free_kernels.recreate_sheets")
    again = _solve(args, cache)
    assert again.returncode == 0, again.stderr
    assert again.stderr.splitlines()[0].startswith(announced), again.stderr
    assert json.loads(out.read_text())["seconds"] <= 2.0
