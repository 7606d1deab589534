"""Does `nnopt bench --jobs 2` run close to twice as fast as `--jobs 1`?

Times the whole `nnopt bench` command (process start to exit) on 12 classic
instances that CP-SAT could not close in 10 s, so `random-keys` searches its full
time limit on each; runs the two settings alternately, several times, and
reports min / median / max wall seconds and the pairwise ratio jobs1 / jobs2.

    python benchmarks/bench_jobs.py [--runs 3] [--time-limit 2] [--out results/bench_jobs.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "2bp" / "instances"
INSTANCES = ["CLASS01_060_07", "CLASS03_100_02", "CLASS04_060_03", "CLASS04_100_07", "CLASS06_100_08",
             "CLASS07_100_08", "CLASS08_040_08", "CLASS08_040_09", "CLASS10_060_04", "CLASS10_080_04",
             "CLASS10_080_10", "CLASS10_100_10"]


def run(jobs: int, time_limit: float, workdir: Path) -> float:
    out = workdir / f"jobs{jobs}.csv"
    cmd = [str(Path(sys.executable).parent / "nnopt"), "bench", *(str(DATA / f"{n}.json") for n in INSTANCES),
           "--methods", "random-keys", "--time-limit", str(time_limit), "--jobs", str(jobs),
           "--out", str(out), "--overwrite", "--quiet"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=2.0)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "bench_jobs.json")
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"error: {DATA} not found (the classic instances ship in benchmarks/data/2bp)")
    times: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        run(2, 0.2, Path(tmp))  # warm-up: Numba's cache, imports
        for _ in range(args.runs):
            for jobs in (1, 2):
                times[jobs].append(run(jobs, args.time_limit, Path(tmp)))
    ratios = [a / b for a, b in zip(times[1], times[2])]
    result = {
        "instances": len(INSTANCES), "method": "random-keys", "time_limit": args.time_limit, "runs": args.runs,
        "wall_seconds": {f"jobs{j}": {"min": min(t), "median": statistics.median(t), "max": max(t), "all": t}
                         for j, t in times.items()},
        "speedup_jobs2_vs_jobs1": {"min": min(ratios), "median": statistics.median(ratios), "max": max(ratios)},
        "cpu_count": os.cpu_count(), "load_average_at_end": os.getloadavg(),
        "ideal": "jobs1 ~ 12 x time_limit + start-up; jobs2 ~ half the search time + start-up of 2 spawned workers",
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["speedup_jobs2_vs_jobs1"]), json.dumps({k: v["median"] for k, v in
                                                                   result["wall_seconds"].items()}))


if __name__ == "__main__":
    main()
