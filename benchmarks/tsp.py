"""tsp: nnopt's search methods against the classical baselines, every tour verified.

Generated instances (seeded): n = 50, 100, 200; per size two uniform and one
clustered instance. Optional TSPLIB EUC_2D files join with ``--tsplib``.

Methods:

- ``random-keys`` — nnopt's default (``nnopt.solve``): nearest-neighbour keys,
  then uniform random keys, each decoded by ``order+2opt`` (the problem's
  ``search_decoders``), best kept;
- ``local-search`` and ``nnopt`` (the neural engine) — ``nnopt.solve`` too,
  at the same number of decodes as ``random-keys`` (equal decodes);
- ``random-keys@time`` — ``random-keys`` again, for as long as OR-Tools runs
  (equal time);
- ``nearest-neighbour``, ``christofides`` (networkx), ``ortools-gls`` (OR-Tools
  routing, guided local search for ``--ortools-time`` seconds) — the functions
  of ``nnopt.baselines.tsp_baselines``.

Every tour is checked by the problem's independent checker. The tables give
each method's gap to the best tour any method found on the instance and to
the Held–Karp (1-tree) lower bound, and its time.

    python benchmarks/tsp.py --out benchmarks/results/tsp          # the committed tables
    python benchmarks/tsp.py --quick --out /tmp/tsp_quick          # smoke run
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

import nnopt
from nnopt.baselines.tsp_baselines import BASELINES
from nnopt.problems.tsp import TSP, Tour

ENGINE_METHODS = ("random-keys", "local-search", "nnopt", "random-keys@time")
BASELINE_METHODS = tuple(BASELINES)
COLUMNS = ("instance", "kind", "n", "method", "length", "lower_bound", "best_found", "gap_best_pct",
           "gap_bound_pct", "evaluations", "seconds", "verified")


def instances(sizes: list[int], tsplib: list[str]) -> list[Any]:
    problem = TSP()
    out = []
    for n in sizes:
        out += [problem.generate(seed=s, kind="uniform", n=n) for s in (0, 1)]
        out.append(problem.generate(seed=0, kind="clustered", n=n))
    out += [problem.read(path) for path in tsplib]
    return out


def run_instance(inst: Any, methods: list[str], evals: int, ortools_time: float, seed: int) -> list[dict[str, Any]]:
    problem = TSP()
    bound = problem.lower_bound(inst)
    rows = []
    for method in methods:
        if method in BASELINES:
            start = time.perf_counter()
            limit = ortools_time if method == "ortools-gls" else 0.0
            order = BASELINES[method](inst, limit, seed)
            seconds = time.perf_counter() - start
            length = problem.objective(inst, Tour(order))
            issues = problem.check(inst, Tour(order, length))
            evaluations = 0
        else:
            if method.endswith("@time"):  # equal time with OR-Tools instead of equal decodes
                budget: dict[str, Any] = {"time_limit": ortools_time}
            else:
                budget = {"max_evals": evals}
            res = nnopt.solve(inst, problem="tsp", method=method.removesuffix("@time"), seed=seed, **budget)
            length, seconds, evaluations = res.objective, res.seconds, res.evaluations
            issues = problem.check(inst, res.solution)
        rows.append({"instance": inst.name, "kind": problem.instance_class(inst) or "tsplib", "n": inst.n,
                     "method": method, "length": length, "lower_bound": bound, "evaluations": evaluations,
                     "seconds": seconds, "verified": not issues})
        print(f"  {method:18s} {length:12.2f}  ({seconds:6.2f} s){'' if not issues else '  INFEASIBLE'}",
              flush=True)
    best = min(r["length"] for r in rows if r["verified"])
    for r in rows:
        r["best_found"] = best
        r["gap_best_pct"] = 100 * (r["length"] - best) / best
        r["gap_bound_pct"] = 100 * (r["length"] - bound) / r["length"]
    return rows


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in r.items()})


def markdown(rows: list[dict[str, Any]], methods: list[str], header: str) -> str:
    by_inst: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        by_inst[r["instance"]][r["method"]] = r
    lines = [header, "",
             "Per instance: tour length, then gap to the best tour found by any method (%) "
             "and time (s). `bound` is the Held–Karp 1-tree lower bound.", ""]
    lines.append("| instance | n | bound | best | " + " | ".join(methods) + " |")
    lines.append("|---|---:|---:|---:|" + "---:|" * len(methods))
    for name, per in by_inst.items():
        any_row = next(iter(per.values()))
        cells = []
        for m in methods:
            r = per.get(m)
            cells.append("" if r is None else
                         f"{r['length']:.0f} (+{r['gap_best_pct']:.2f}%, {r['seconds']:.1f}s)"
                         + ("" if r["verified"] else " INFEASIBLE"))
        lines.append(f"| {name} | {any_row['n']} | {any_row['lower_bound']:.0f} | {any_row['best_found']:.0f} | "
                     + " | ".join(cells) + " |")
    lines += ["", "Summary by size: mean gap to the best found / mean gap to the bound (%), mean time (s), "
              "mean decodes (0: not a decoding method), and how often the method found the best tour.", ""]
    sizes = sorted({r["n"] for r in rows})
    lines.append("| method | " + " | ".join(f"n = {n}: to best / to bound" for n in sizes)
                 + " | mean time (s) | mean decodes | best found |")
    lines.append("|---|" + "---:|" * len(sizes) + "---:|---:|---:|")
    for m in methods:
        mine = [r for r in rows if r["method"] == m]
        if not mine:
            continue
        cells = []
        for n in sizes:
            sel = [r for r in mine if r["n"] == n]
            cells.append(f"{np.mean([r['gap_best_pct'] for r in sel]):.2f} / "
                         f"{np.mean([r['gap_bound_pct'] for r in sel]):.2f}" if sel else "")
        wins = sum(r["gap_best_pct"] <= 1e-9 for r in mine)
        lines.append(f"| {m} | " + " | ".join(cells)
                     + f" | {np.mean([r['seconds'] for r in mine]):.2f}"
                     + f" | {np.mean([r['evaluations'] for r in mine]):.0f}"
                     + f" | {wins}/{len(mine)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50,100,200", help="comma-separated city counts")
    parser.add_argument("--tsplib", nargs="*", default=[], help="TSPLIB EUC_2D .tsp files to add")
    parser.add_argument("--methods", default=",".join(ENGINE_METHODS + BASELINE_METHODS))
    parser.add_argument("--evals", type=int, default=4000, help="decodes for nnopt's methods (equal decodes)")
    parser.add_argument("--ortools-time", type=float, default=5.0, help="OR-Tools guided local search seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="n = 50 only, 500 decodes, OR-Tools 1 s")
    parser.add_argument("--out", required=True, help="output path without suffix (.csv and .md are written)")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.evals, args.ortools_time = "50", 500, 1.0
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in BASELINES and m.removesuffix("@time") not in nnopt.METHODS]
    if unknown:
        parser.error(f"unknown method {unknown[0]!r}")
    sizes = [int(s) for s in args.sizes.split(",")]

    load = os.getloadavg()[0]
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for inst in instances(sizes, args.tsplib):
        print(f"{inst.name} (n = {inst.n})", flush=True)
        rows += run_instance(inst, methods, args.evals, args.ortools_time, args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(rows, out.with_suffix(".csv"))
    header = (f"# tsp benchmark\n\n`python benchmarks/tsp.py {' '.join(os.sys.argv[1:])}` — "
              f"{args.evals} decodes for nnopt's methods (random-keys, local-search, nnopt: equal decodes), "
              f"OR-Tools guided local search and random-keys@time {args.ortools_time:g} s each (equal time), "
              f"seed {args.seed}; every tour verified by "
              f"the independent checker. Machine: {os.cpu_count()} cores shared with other work "
              f"(load average {load:.1f} at the start), {platform.processor() or platform.machine()}, "
              f"total {time.perf_counter() - started:.0f} s. Timings on a loaded machine are indicative only.")
    out.with_suffix(".md").write_text(markdown(rows, methods, header))
    print(f"wrote {out.with_suffix('.csv')} and {out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
