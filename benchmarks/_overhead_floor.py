"""The start-up floor per method: ``nnopt solve --time-limit 0.01`` with a warm cache (``overhead.py --floor``).

No limit can be shorter than what one ``nnopt solve`` process needs to start,
load, check and write; this is that time per method, next to a warm
``nnopt.solve`` call in a Python process that has already loaded everything.
"""
from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _overhead_md import replace_section

REPO = Path(__file__).resolve().parents[1]
NNOPT = Path(sys.executable).parent / "nnopt"
SMALL = REPO / "examples" / "cl_01_020_01.json"
LIMIT = "0.01"
#: Times a warm ``nnopt.solve`` (the second call in one process), in ms.
_WARM_API = f"""
import sys, time, nnopt
prob, inst = nnopt.load_instance(sys.argv[1])
nnopt.solve(inst, problem=prob.name, method=sys.argv[2], time_limit={LIMIT})
t0 = time.perf_counter()
nnopt.solve(inst, problem=prob.name, method=sys.argv[2], time_limit={LIMIT})
print(1000 * (time.perf_counter() - t0))
"""


def _instance_for(instance: str) -> str:
    return str(SMALL) if instance == "binpack" else instance


def _one(method: str, instance: str, out: Path) -> tuple[float, str]:
    cmd = [str(NNOPT), "solve", instance, "--method", method, "--time-limit", LIMIT, "--quiet", "--out", str(out)]
    start = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - start
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr.strip()}")
    return wall, res.stderr


def measure_floor(out: Path, families: dict[str, tuple[str, str]], repeats: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="overhead-floor-"))
    rows = []
    for name, (method, instance) in families.items():
        inst = _instance_for(instance)
        _one(method, inst, tmp / "warm.json")  # the kernel cache and the disk cache, as on a warm machine
        walls, noted = [], 0
        for _ in range(repeats):
            wall, err = _one(method, inst, tmp / "sol.json")
            walls.append(wall)
            noted += "start-up time" in err
        api = subprocess.run([sys.executable, "-c", _WARM_API, inst, method], capture_output=True, text=True,
                             timeout=300, check=True)
        api_ms = float(api.stdout.strip().splitlines()[-1])
        rows.append({"family": name, "method": method, "median_wall": round(statistics.median(walls), 3),
                     "max_wall": round(max(walls), 3), "noted": noted, "runs": repeats,
                     "warm_api_ms": round(api_ms, 1)})
        print(f"{name:>26}: {statistics.median(walls):.2f} s (max {max(walls):.2f}), note {noted}/{repeats}, "
              f"warm nnopt.solve {api_ms:.1f} ms", flush=True)
    with open(out.with_name(out.name + "-floor.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    load = os.getloadavg()[0]
    lines = ["## Start-up floor per method (warm cache)", "",
             f"`python benchmarks/overhead.py --floor` — `nnopt solve INSTANCE --method M --time-limit {LIMIT} "
             f"--quiet` ({repeats} runs after one warm-up run; binpack2d on `{SMALL.relative_to(REPO)}`, 20 "
             f"items), wall time from launch to exit, in seconds (median / max): the shortest limit the command "
             f"can keep. *Noted* counts the runs that said so on stderr (\"--time-limit {LIMIT} is below this "
             f"command's start-up time of about … s\"). The last column is the same solve through the Python "
             f"API, `nnopt.solve(..., time_limit={LIMIT})`, in a process that has loaded everything (the second "
             f"call), in milliseconds. Load average {load:.1f} at the end ({os.cpu_count()} cores).", "",
             "| method | floor (s) | noted | warm `nnopt.solve` (ms) |", "|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['family']} | {r['median_wall']:.2f} / {r['max_wall']:.2f} | {r['noted']}/{r['runs']} | "
                     f"{r['warm_api_ms']:.1f} |")
    replace_section(out.with_suffix(".md"), "floor", "\n".join(lines))
    print("\n".join(lines))
