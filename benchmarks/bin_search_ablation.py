"""Each ingredient of the bin-level search removed in turn, on the 30-instance ablation set.

    python benchmarks/bin_search_ablation.py --seeds 2 --moves 3000 --decodes 10000 \
        --time-limit 1.5 --out benchmarks/results/bin_search_ablation

Rows: ``ruin-recreate`` (weakness-chosen bins, set-cover recombination)
against ``ruin-recreate-random`` (bins chosen uniformly) and ``ruin-recreate-off``
(no recombination); ``brkga`` (a placement-rule gene per item) against ``brkga-keys``
(the plain keys); ``cem`` and the default ``nnopt`` for reference. Budgets: equal work
(``--moves`` ruin-and-recreate moves, ``--decodes`` decodes for the encoding searches;
reproducible bit for bit) and equal wall time (``--time-limit`` seconds). Instances:
the classic ``CLASSkk_nnn_01`` for classes 1-10 and n = 40, 60, 100 (the set of
``ablation.md``). Pairs: Wilcoxon signed-rank on bins per (instance, seed), as there.
"""
from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

import numpy as np
from ablation import wilcoxon

import nnopt

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "benchmarks" / "data" / "2bp" / "instances"
#: (variant, its full method): each ablated variant is paired with the method it removes a part of
PAIRS = (("ruin-recreate-random", "ruin-recreate"), ("ruin-recreate-off", "ruin-recreate"),
         ("brkga-keys", "brkga"), ("cem", "nnopt"))
METHODS = ("nnopt", "cem", "ruin-recreate", "ruin-recreate-random", "ruin-recreate-off", "brkga", "brkga-keys")
WORK = {"ruin-recreate": "moves", "ruin-recreate-random": "moves", "ruin-recreate-off": "moves"}


#: set name -> instances: "ablation" (``ablation.md``'s 30) or "hard" (``HARD``)
SETS = ("ablation", "hard")
#: the 27 classic instances on which some bin-level or keys search stayed above the best known
#: value at 10 s before skyline-bestfit joined the search decoders: where the ingredients can differ
HARD = ("CLASS01_060_06", "CLASS03_040_09", "CLASS03_080_07", "CLASS03_100_02", "CLASS04_060_03", "CLASS04_060_04",
        "CLASS04_080_07", "CLASS04_100_07", "CLASS05_100_01", "CLASS05_100_05", "CLASS05_100_08", "CLASS05_100_09",
        "CLASS06_040_06", "CLASS06_100_02", "CLASS06_100_08", "CLASS07_040_02", "CLASS07_060_01", "CLASS07_080_04",
        "CLASS08_060_08", "CLASS08_100_04", "CLASS10_020_09", "CLASS10_060_01", "CLASS10_080_06", "CLASS10_080_09",
        "CLASS10_100_01", "CLASS10_100_02", "CLASS10_100_04")


def instances(which: str = "ablation") -> list[Path]:
    if which == "hard":
        return [DATA / f"{name}.json" for name in HARD]
    return [DATA / f"CLASS{c:02d}_{n:03d}_01.json" for c in range(1, 11) for n in (40, 60, 100)]


def run_all(seeds: int, moves: int, decodes: int, time_limit: float, which: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for m in METHODS:  # compile kernels and import OR-Tools outside the measured runs
        nnopt.solve(str(instances(which)[0]), method=m, max_evals=50, seed=0)
    for path in instances(which):
        for seed in range(seeds):
            for m in METHODS:
                work = moves if WORK.get(m) == "moves" else decodes
                if m == "nnopt":  # a quarter decodes, the rest moves: the same share as in time
                    work = decodes // 4 + 3 * moves // 4
                budgets = [("work", {"max_evals": work})] + ([("time", {"time_limit": time_limit})] if time_limit else [])
                for budget, kw in budgets:
                    res = nnopt.solve(str(path), method=m, seed=seed, **kw)
                    rows.append({"budget": budget, "instance": path.stem, "seed": seed, "method": m,
                                 "bins": res.objective, "lower_bound": res.lower_bound,
                                 "seconds": round(res.seconds, 3), "verified": True})
                print(path.stem, seed, m, [r["bins"] for r in rows[-len(budgets):]], flush=True)
    return rows


def report(rows: list[dict[str, object]], args: argparse.Namespace, load: float) -> str:
    title = ("30 classic instances" if args.set == "ablation" else
             f"the {len({r['instance'] for r in rows})} hard classic instances")
    lines = [f"# Bin-level search: each ingredient removed ({title})", "",
             f"`python benchmarks/bin_search_ablation.py --set {args.set} --seeds {args.seeds} --moves {args.moves} "
             f"--decodes {args.decodes} --time-limit {args.time_limit:g}` on a shared 2-core machine "
             f"(one run at a time; load average {load:.1f} at the start). Instances: "
             + ("classes 1-10, n = 40, 60, 100, the first of each (`ablation.md`'s set)" if args.set == "ablation"
                else "those on which some bin-level or keys search stayed above the best known value at "
                     "10 s before skyline-bestfit joined the search decoders") + ". Equal work: ruin-and-recreate "
             f"variants {args.moves} moves, encoding searches {args.decodes} decodes, `nnopt` a quarter of "
             "the decodes then three quarters of the moves. Every solution verified by the checker.", ""]
    for budget, title in (("work", "Equal work"), ("time", f"Equal wall time ({args.time_limit:g} s)")):
        sel = [r for r in rows if r["budget"] == budget]
        if not sel:
            continue
        lines += [f"## {title}", "", "| method | bins | at lower bound | mean s |", "|---|---:|---:|---:|"]
        for m in METHODS:
            rs = [r for r in sel if r["method"] == m]
            lines.append(f"| {m} | {sum(float(r['bins']) for r in rs):g} | "
                         f"{sum(float(r['bins']) <= float(r['lower_bound']) for r in rs)} | "
                         f"{np.mean([float(r['seconds']) for r in rs]):.2f} |")
        lines += ["", "| ablated | against | wins | ties | losses | p (bins) |", "|---|---|---:|---:|---:|---|"]
        for var, full in PAIRS:
            key = {(r["instance"], r["seed"]): float(r["bins"]) for r in sel if r["method"] == var}
            ref = {(r["instance"], r["seed"]): float(r["bins"]) for r in sel if r["method"] == full}
            a = np.array([key[k] for k in sorted(key)])
            b = np.array([ref[k] for k in sorted(key)])
            _, p, _ = wilcoxon(a, b)
            lines.append(f"| {var} | {full} | {int((a < b).sum())} | {int((a == b).sum())} | "
                         f"{int((a > b).sum())} | {p:.3g} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--set", choices=SETS, default="ablation")
    ap.add_argument("--moves", type=int, default=3000)
    ap.add_argument("--decodes", type=int, default=10000)
    ap.add_argument("--time-limit", type=float, default=1.5, help="the equal-time budget (0: equal work only)")
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "bin_search_ablation"))
    args = ap.parse_args()
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    rows = run_all(args.seeds, args.moves, args.decodes, args.time_limit, args.set)
    out = Path(args.out)
    with out.with_suffix(".csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out.with_suffix(".md").write_text(report(rows, args, load) + f"\nTotal {time.perf_counter() - t0:.0f} s.\n")
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
