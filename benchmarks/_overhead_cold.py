"""The first solves after a plain ``pip install`` (no ``make``, no ``nnopt warmup``): ``overhead.py --cold``.

Each method gets an empty kernel cache of its own (``NUMBA_CACHE_DIR``), so
its first run is the first run after an install, whichever method ran before.
"""
from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _overhead_md import replace_section

REPO = Path(__file__).resolve().parents[1]
INSTANCE = REPO / "examples" / "cl_07_040_01.json"
LIMIT = 3.0
#: label -> the method option (none: the default method).
METHODS = {"default (nnopt)": [], "best-heuristic": ["--method", "best-heuristic"]}
#: A first run holds when it ends within this, or says on its first line that it compiles once.
HOLDS_S = 3.5


def make_venv(venv: Path | None) -> tuple[Path, bool]:
    """A venv with this checkout installed as a user installs it (not editable), and whether it is new.

    An existing one is reused: only this checkout's nnopt is installed afresh.
    """
    venv = venv or Path(tempfile.mkdtemp(prefix="nnopt-fresh-")) / "venv"
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([*pip, "-c", str(REPO / "constraints.txt"), str(REPO)], check=True)
        return venv, True
    subprocess.run([*pip, "--no-deps", "--force-reinstall", str(REPO)], check=True)
    return venv, False


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: a busy machine stretches wall time, not this."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_solve(venv: Path, option: list[str], cache: Path, out: Path) -> dict[str, object]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    cmd = [str(venv / "bin" / "nnopt"), "solve", str(INSTANCE), *option, "--time-limit", f"{LIMIT:g}",
           "--out", str(out)]
    start, cpu0 = time.perf_counter(), _children_cpu()
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=out.parent, timeout=900)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr.strip()}")
    sol = json.loads(out.read_text())
    lines = res.stderr.strip().splitlines()
    return {"wall": round(wall, 2), "cpu": round(cpu, 2), "reported": sol["seconds"], "objective": sol["objective"],
            "evaluations": sol["evaluations"], "first_line": lines[0] if lines else ""}


def measure_cold(out: Path, venv: Path | None) -> None:
    t0 = time.perf_counter()
    venv, created = make_venv(venv)
    install_s = time.perf_counter() - t0
    how = f"{install_s:.0f} s" if created else f"a venv made so before, nnopt reinstalled in {install_s:.0f} s"
    tmp = Path(tempfile.mkdtemp(prefix="overhead-cold-"))
    rows = []
    for label, option in METHODS.items():
        cache = tmp / f"cache-{len(rows)}"
        cache.mkdir()
        for run in ("first", "second"):
            row = {"method": label, "run": run, **run_solve(venv, option, cache, tmp / "sol.json")}
            rows.append(row)
            print(f"{label:>16} {run:>6}: wall {row['wall']:6.2f} s, cpu {row['cpu']:6.2f} s, "
                  f"reported {row['reported']:.2f} s, {row['objective']} bins, {row['evaluations']} decodes; "
                  f"{row['first_line'][:70]}", flush=True)
    with open(out.with_name(out.name + "-cold.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    load = os.getloadavg()[0]
    lines = ["## The first solve after `pip install` (cold kernel cache)", "",
             f"`python benchmarks/overhead.py --cold` — a new venv, `pip install -c constraints.txt .` (not "
             f"editable; {how}), no `nnopt warmup`; then `nnopt solve {INSTANCE.relative_to(REPO)} "
             f"--time-limit {LIMIT:g}` twice per method, each method with an empty kernel cache of its own. "
             f"Wall time from launch to exit, and the CPU time the process used (a busy machine stretches the "
             f"first, not the second; the compiler runs on one core); *reported* is the solution's `seconds`, "
             f"the clock the limit binds (it skips the announced one-time compilation). A first run holds when "
             f"it ends within {HOLDS_S:g} s or its first line says it compiles once. Load average {load:.1f} at the "
             f"end ({os.cpu_count()} cores).", "",
             "| method | run | wall (s) | CPU (s) | reported (s) | bins | decodes | holds | first line on stderr |",
             "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        announced = "compiling" in str(r["first_line"]) and "once" in str(r["first_line"])
        holds = float(r["wall"]) <= HOLDS_S or announced
        first = str(r["first_line"]).replace("|", "\\|") or "(nothing)"
        lines.append(f"| {r['method']} | {r['run']} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['reported']:.2f} | "
                     f"{r['objective']} | {r['evaluations']} | {'yes' if holds else '**no**'} | {first} |")
    replace_section(out.with_suffix(".md"), "cold", "\n".join(lines))
    print("\n".join(lines))
