"""Large instances end to end: `nnopt solve` on generated instances of 10^3 to 10^6 items.

    python benchmarks/scale.py [--sizes 1000,10000,100000,1000000] [--out benchmarks/results/scale.md]

For each size: a class-7 instance (Martello & Vigo, seed 1) is generated, then
``nnopt solve`` runs as a user runs it (a fresh process, ``--out``, ``--trace``)
with ``--time-limit`` 5 s (30 s for 10^6 items). Reported: the process's wall
time against the limit, the time of the first verified packing (the first row of
the trace; the clock starts at process start), bins against the lower bound, the
peak resident memory and the CPU time of the solve process, and the checker's own time on the
written solution (``nnopt check`` in-process, compile excluded). The machine's
load average is recorded with the results, because wall times on a shared
machine are only as good as the cores it had free.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NNOPT = Path(sys.executable).parent / "nnopt"


def limit_for(n: int) -> float:
    return 30.0 if n >= 1_000_000 else 5.0


def one(n: int, tmp: Path) -> dict[str, object]:
    inst, sol, trace = tmp / f"inst_{n}.json", tmp / f"sol_{n}.json", tmp / f"trace_{n}.csv"
    subprocess.run([str(NNOPT), "generate", "binpack2d", "--class", "7", "--n", str(n), "--seed", "1",
                    "--out", str(inst)], check=True)
    limit = limit_for(n)
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = usage0.ru_maxrss
    t0 = time.perf_counter()
    res = subprocess.run([str(NNOPT), "solve", str(inst), "--time-limit", str(limit), "--out", str(sol),
                          "--trace", str(trace), "--quiet"], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kb = usage1.ru_maxrss
    cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    row: dict[str, object] = {"n": n, "limit_s": limit, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                              "exit": res.returncode,
                              "peak_mb": round(max(peak_kb, before) / 1024) if peak_kb > before else "n/a"}
    if res.returncode != 0:
        row["error"] = res.stderr.strip().splitlines()[-1] if res.stderr.strip() else "?"
        return row
    data = json.loads(sol.read_text())
    with trace.open() as fh:
        first = next(csv.DictReader(fh), None)
    row.update(bins=data["objective"], lower_bound=data["lower_bound"], status=data["status"],
               decodes=data["evaluations"], first_packing_s=float(first["seconds"]) if first else None,
               notes="; ".join(data.get("notes", [])))
    from nnopt._solve import load_instance
    from nnopt.problems.binpack2d._checker import check_packing

    prob, instance = load_instance(inst)
    packing = prob.solution_from_json(instance, data)
    check_packing(instance, type(packing)(packing.placements[:10]))  # compile outside the clock
    t1 = time.perf_counter()
    issues = check_packing(instance, packing)
    row["check_s"] = round(time.perf_counter() - t1, 2)
    row["verified"] = not issues
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--out", default="benchmarks/results/scale.md")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            load = os.getloadavg()[0]
            row = one(n, Path(tmp))
            row["load"] = round(load, 1)
            print(row, flush=True)
            rows.append(row)
    cols = ["n", "limit_s", "wall_s", "cpu_s", "exit", "first_packing_s", "bins", "lower_bound", "status", "decodes",
            "peak_mb", "check_s", "verified", "load", "notes"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    Path(args.out).write_text(Path(args.out).read_text().split("<!-- table -->")[0] + "<!-- table -->\n"
                              + "\n".join(lines) + "\n" if Path(args.out).exists() else "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
