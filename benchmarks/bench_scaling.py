"""Does `nnopt bench` scale out on Dask, and does a large sweep come back whole?

Two measurements, each a real `nnopt bench` command timed from process start to exit:

1. scaling: the same fixed-work sweep (generated TSP instances x 2 methods,
   ``--max-evals``, so every setting does identical work; TSP because no bound
   ends its runs early, so each run spends its whole budget) with ``--jobs 1`` (one
   process, no Dask), ``--scheduler local:1`` and ``--scheduler local:2``;
   settings run alternately, ``--runs`` times; the rows of every setting are
   checked equal (seconds aside).
2. volume: ``--instances-large`` generated binpack2d instances (20 items) x 3 cheap methods x 2 seeds
   with ``--scheduler local:2``; every (instance, method, seed) row must be there
   exactly once and verified.

    python benchmarks/bench_scaling.py [--runs 2] [--instances 20] [--max-evals 3000]
        [--instances-large 1000] [--out benchmarks/results/bench_scaling.json]

--instances 0 skips the scaling part, --instances-large 0 the volume part (the
file keeps the other part's last result).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NNOPT = str(Path(sys.executable).parent / "nnopt")
SCALING_METHODS = "random-keys,cem"
VOLUME_METHODS = "best-heuristic,maxrects-bssf,skyline-bl-area"


def generate(folder: Path, problem_name: str, count: int, n: int, seed0: int) -> None:
    """``count`` instances written as JSON: binpack2d classes 1..10 in turn, tsp uniform / clustered."""
    from nnopt import get_problem

    problem = get_problem(problem_name)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(count):
        params = {"klass": 1 + k % 10} if problem_name == "binpack2d" else {"kind": ("uniform", "clustered")[k % 2]}
        inst = problem.generate(seed0 + k, n=n, **params)
        data = problem.instance_to_json(inst)
        data["name"] = f"gen_{k:05d}"
        (folder / f"gen_{k:05d}.json").write_text(json.dumps(data))


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


#: CPU seconds (user + system) of the last bench command and its worker processes.
LAST_CPU = [0.0]


def bench(folder: Path, out: Path, methods: str, flags: list[str]) -> float:
    cmd = [NNOPT, "bench", str(folder), "--methods", methods, "--out", str(out), "--overwrite", "--quiet", *flags]
    t0, c0 = time.perf_counter(), _children_cpu()
    res = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    LAST_CPU[0] = _children_cpu() - c0
    if res.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} exited {res.returncode}: {res.stderr.strip()[-500:]}")
    return wall


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--instances", type=int, default=20)
    ap.add_argument("--n", type=int, default=150, help="cities per instance of the scaling sweep")
    ap.add_argument("--max-evals", type=int, default=5000)
    ap.add_argument("--instances-large", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "bench_scaling.json")
    args = ap.parse_args()
    settings = {"jobs1": ["--jobs", "1"], "local1": ["--scheduler", "local:1"], "local2": ["--scheduler", "local:2"]}
    result: dict = json.loads(args.out.read_text()) if args.out.exists() else {}
    result["cpu_count"] = os.cpu_count()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        small = work / "small"
        generate(small, "tsp", max(1, args.instances), args.n, seed0=1000)
        flags = ["--max-evals", str(args.max_evals)]
        if args.instances == 0:
            args.runs = 0
        if args.instances:  # Numba's cache, imports
            bench(small, work / "warm.csv", SCALING_METHODS, ["--max-evals", "50", "--jobs", "2"])
        times: dict[str, list[float]] = {k: [] for k in settings}
        cpu: dict[str, list[float]] = {k: [] for k in settings}
        rows: dict[str, list] = {}
        for _ in range(args.runs):
            for name, extra in settings.items():
                out = work / f"{name}.csv"
                times[name].append(bench(small, out, SCALING_METHODS, flags + extra))
                cpu[name].append(LAST_CPU[0])
                rows[name] = sorted(tuple(v for k, v in r.items() if k != "seconds") for r in read(out))
        same = all(rows[k] == rows["jobs1"] for k in rows)
        med = {k: statistics.median(v) for k, v in times.items() if v}
        result["scaling"] = result.get("scaling") if not med else {
            "problem": "tsp", "instances": args.instances, "n": args.n, "methods": SCALING_METHODS, "max_evals": args.max_evals,
            "runs": args.runs, "rows": len(rows["jobs1"]), "rows_equal_across_settings": same,
            "wall_seconds": {k: {"median": med[k], "all": v} for k, v in times.items()},
            # CPU seconds the command and its workers got, and that over the wall time: the cores it had
            "cpu_seconds": cpu,
            "cores_obtained": {k: [c / w for c, w in zip(cpu[k], times[k])] for k in settings},
            "speedup_local2_vs_local1": med["local1"] / med["local2"],
            "speedup_local2_vs_jobs1": med["jobs1"] / med["local2"],
            "load_average_at_end": os.getloadavg(),
        }
        print(json.dumps(result["scaling"]), flush=True)
        if args.instances_large == 0:  # the scaling part only; the file keeps the last volume result
            args.out.write_text(json.dumps(result, indent=2) + "\n")
            return
        large = work / "large"
        generate(large, "binpack2d", args.instances_large, 20, seed0=50_000)
        out = work / "large.csv"
        wall = bench(large, out, VOLUME_METHODS, ["--max-evals", "50", "--seeds", "2", "--scheduler", "local:2"])
        got = read(out)
        keys = [(r["instance"], r["method"], r["seed"]) for r in got]
        expected = args.instances_large * 3 * 2
        result["volume"] = {
            "problem": "binpack2d", "n": 20, "instances": args.instances_large, "methods": VOLUME_METHODS, "seeds": 2, "max_evals": 50,
            "expected_rows": expected, "rows": len(got), "distinct_rows": len(set(keys)),
            "verified": sum(r["verified"] == "true" for r in got),
            "errors": sum(r["status"] == "error" for r in got), "wall_seconds": wall,
            "load_average_at_end": os.getloadavg(),
        }
        print(json.dumps(result["volume"]), flush=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
