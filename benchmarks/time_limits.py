"""Does ``--time-limit`` hold for every method at scale, and beside a CPU-bound neighbour?

Every method ``nnopt methods PROBLEM`` lists is run as a user runs it (a new
``nnopt solve`` process, ``--time-limit T --out FILE``) on generated instances
of 10^4 and 10^5 items (binpack2d, class 7) and 10^4 cities (tsp; the tsp
generator stops there). The wall time is taken from launching the process to
its exit, and the peak resident memory is the child's (``getrusage``). A method
that refuses a size with one line and exit code 2 holds the limit too; it is
reported as refused. With ``--neighbours K``, K busy-loop processes run beside
every solve, as on a machine that is not quiet.

Beside each run, the same command's fixed cost is measured in the same turn: one
linear-time construction (``--max-evals 1`` with ``shelf-nf-area`` or tsp's
``nearest-neighbour``: the interpreter, imports, loading the instance, its bound,
the first kernel calls, checking and writing). No limit
can be held below it, so a run also counts as holding when it ends within 0.5 s
of that floor where the floor alone is longer than the limit (a loaded machine).

The kernel cache is warm (one small solve per method first): what a cold cache
costs is measured in ``overhead.md``.

    python benchmarks/time_limits.py --out benchmarks/results/time_limits                 # all of it
    python benchmarks/time_limits.py --neighbours 1 --out benchmarks/results/time_limits_loaded
    python benchmarks/time_limits.py --problems tsp --sizes 10000 --methods christofides --out /tmp/t
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
#: How much a run may exceed its limit and still hold it.
TOLERANCE_S = 0.5
#: What may be generated per problem (the tsp generator's largest is 10^4 cities).
SIZES = {"binpack2d": (10_000, 100_000), "tsp": (10_000,)}
#: A run still going after this many seconds past its limit is killed and reported as such.
KILL_AFTER_S = 60.0
BUSY_LOOP = "while True:\n    pass\n"
#: The hand-written commentary below the table starts here; a rerun keeps it.
READING = "## Reading"
#: The floor per problem: one linear-time construction, the fixed cost of an ``nnopt solve`` process.
FLOOR_METHODS = {"binpack2d": "shelf-nf-area", "tsp": "nearest-neighbour"}


def methods_of(problem: str) -> list[str]:
    out = subprocess.run([str(NNOPT), "methods", problem, "--json"], capture_output=True, text=True, check=True)
    return [m["name"] for m in json.loads(out.stdout)]


def generate(problem: str, n: int, folder: Path) -> Path:
    path = folder / f"{problem}_{n}.json"
    extra = ["--class", "7"] if problem == "binpack2d" else []
    subprocess.run([str(NNOPT), "generate", problem, "--n", str(n), "--seed", "1", *extra, "--out", str(path)],
                   check=True)
    return path


def run_once(method: str, instance: Path, limit: float, out: Path,
             kill_after: float = KILL_AFTER_S) -> dict[str, object]:
    """One ``nnopt solve`` process: its wall time, peak memory, exit code and first error line.

    ``limit`` 0 measures the floor instead: one decode (``--max-evals 1``), no time limit.
    """
    budget = ["--time-limit", f"{limit:g}"] if limit > 0 else ["--max-evals", "1"]
    cmd = [str(NNOPT), "solve", str(instance), "--method", method, *budget, "--seed", "1",
           "--quiet", "--out", str(out)]
    limit = limit if limit > 0 else 10.0
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, err = proc.communicate(timeout=limit + kill_after)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        status = "killed"
    wall = time.perf_counter() - start
    # The largest of any child so far: ``measure`` runs each solve from a fresh helper process.
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    outcome = "solved" if status == 0 else "refused" if status == 2 else f"failed ({status})"
    objective = json.loads(out.read_text())["objective"] if status == 0 and out.is_file() else ""
    line = (err or "").strip().splitlines()
    return {"wall_s": round(wall, 2), "peak_mb": round(peak_kb / 1024),
            "outcome": outcome, "objective": objective,
            "message": line[-1][:160] if line and status != 0 else "",
            "holds": status in (0, 2) and wall <= limit + TOLERANCE_S}


def measure(method: str, instance: Path, limit: float, out: Path, kill_after: float) -> dict[str, object]:
    """Run in a fresh Python helper so that the children's peak memory is this run's alone."""
    helper = [sys.executable, __file__, "--kill-after", f"{kill_after:g}", "--one", method, str(instance),
              f"{limit:g}", str(out)]
    res = subprocess.run(helper, capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def start_neighbours(k: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(k)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="path without suffix (.csv and .md are written)")
    parser.add_argument("--limit", type=float, default=2.0)
    parser.add_argument("--problems", default="binpack2d,tsp")
    parser.add_argument("--sizes", default="", help="comma-separated sizes (default: all of SIZES)")
    parser.add_argument("--methods", default="", help="comma-separated method names (default: all listed)")
    parser.add_argument("--neighbours", type=int, default=0, help="busy-loop processes beside every solve")
    parser.add_argument("--kill-after", type=float, default=KILL_AFTER_S,
                        help="seconds past the limit after which a run is killed")
    parser.add_argument("--one", nargs=4, metavar=("METHOD", "INSTANCE", "LIMIT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        method, instance, limit, out = args.one
        print(json.dumps(run_once(method, Path(instance), float(limit), Path(out), args.kill_after)))
        return
    if not args.out:
        parser.error("--out is required")
    tmp = Path(tempfile.mkdtemp(prefix="time-limits-"))
    wanted = [m for m in args.methods.split(",") if m]
    sizes_wanted = [int(s) for s in args.sizes.split(",") if s]
    rows = []
    neighbours = start_neighbours(args.neighbours)
    load = os.getloadavg()[0]
    try:
        for problem in [p for p in args.problems.split(",") if p]:
            methods = [m for m in methods_of(problem) if not wanted or m in wanted]
            small = generate(problem, 200, tmp)
            for method in methods:  # a warm kernel cache: what a cold one costs is measured elsewhere
                run_once(method, small, 1.0, tmp / "warm.json")
            for n in [s for s in SIZES[problem] if not sizes_wanted or s in sizes_wanted]:
                instance = generate(problem, n, tmp)
                for method in methods:
                    floor = measure(FLOOR_METHODS[problem], instance, 0.0, tmp / "floor.json", args.kill_after)["wall_s"]
                    row = {"problem": problem, "n": n, "method": method, "limit_s": args.limit,
                           "neighbours": args.neighbours, "floor_s": floor,
                           **measure(method, instance, args.limit, tmp / "sol.json", args.kill_after)}
                    row["holds_over_floor"] = row["outcome"] in ("solved", "refused") and \
                        float(row["wall_s"]) <= max(args.limit, float(floor)) + TOLERANCE_S
                    rows.append(row)
                    print(f"{problem:>9} n={n:<6} {method:<24} {row['wall_s']:7.2f} s (floor {floor:5.2f}) "
                          f"{row['peak_mb']!s:>6} MB {row['outcome']:<8} "
                          f"{'' if row['holds'] else 'OVER ' if row['holds_over_floor'] else 'OVER FLOOR '}"
                          f"{row['message']}", flush=True)
    finally:
        for p in neighbours:
            p.kill()
            p.wait()
    load_after = os.getloadavg()[0]
    write(Path(args.out), rows, args, load, load_after)


def write(out: Path, rows: list[dict[str, object]], args: argparse.Namespace, load: float, load_after: float) -> None:
    from nnopt.problems._files import atomic_write_text

    fields = list(rows[0])
    with tempfile.NamedTemporaryFile("w", newline="", delete=False) as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    atomic_write_text(out.with_suffix(".csv"), Path(f.name).read_text())
    os.unlink(f.name)
    chosen = [("--problems", args.problems if args.problems != "binpack2d,tsp" else ""), ("--sizes", args.sizes),
              ("--methods", args.methods), ("--neighbours", str(args.neighbours or "")),
              ("--limit", f"{args.limit:g}" if args.limit != 2.0 else "")]
    command = "python benchmarks/time_limits.py" + "".join(f" {k} {v}" for k, v in chosen if v) + f" --out {out}"
    held = sum(bool(r["holds"]) for r in rows)
    held_floor = sum(bool(r["holds_over_floor"]) for r in rows)
    lines = [f"# `--time-limit {args.limit:g}` for every method at scale"
             + (f", beside {args.neighbours} busy neighbour(s)" if args.neighbours else ""), "",
             f"`{command}` — one run per cell, a new `nnopt solve` process each (`--seed 1 --out FILE`), "
             f"on a warm kernel cache. Wall time from launch to exit; peak resident memory of the process. "
             f"A run holds when it ends within {args.limit:g} + {TOLERANCE_S:g} s, solved (exit 0) or "
             f"refused in one line (exit 2). Load average {load:.1f} before, {load_after:.1f} after "
             f"({os.cpu_count()} cores). {held} of {len(rows)} runs hold the limit; {held_floor} end within "
             f"{TOLERANCE_S:g} s of the larger of the limit and their floor (the same command's one decode, "
             f"`--max-evals 1` with {' / '.join(f'`{m}` ({p})' for p, m in FLOOR_METHODS.items())}, a linear-time "
             "construction, measured just before it).", "",
             "| problem | n | method | wall s | floor s | peak MB | outcome | holds | over floor | objective / message |",
             "|---|---:|---|---:|---:|---:|---|---|---|---|"]
    for r in rows:
        detail = r["message"] if r["outcome"] != "solved" else r["objective"]
        lines.append(f"| {r['problem']} | {r['n']} | {r['method']} | {r['wall_s']:.2f} | {r['floor_s']:.2f} | "
                     f"{r['peak_mb']} | {r['outcome']} | {'yes' if r['holds'] else '**no**'} | "
                     f"{'within' if r['holds_over_floor'] else '**no**'} | {detail} |")
    md = out.with_suffix(".md")
    kept = md.read_text().partition(READING)[2] if md.is_file() else ""  # the hand-written reading stays
    atomic_write_text(md, "\n".join(lines) + "\n" + (f"\n{READING}{kept}" if kept else ""))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
