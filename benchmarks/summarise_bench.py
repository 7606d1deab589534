"""Summarise an ``nnopt bench`` CSV as a Markdown table: totals, per class, paired comparisons.

    python benchmarks/summarise_bench.py benchmarks/results/classic_10s.csv benchmarks/results/classic_2bp.csv \
        --methods nnopt,cem,best-heuristic,cpsat \
        --title "nnopt vs cem, 10 s per instance" --command "nnopt bench ..." --out benchmarks/results/classic_10s.md

Only instances that every listed method finished are counted, so a bench still
running (or resumed) gives a fair partial table. Pairs: wins / ties / losses
in bins of every method against the first, and the paired Wilcoxon test of
:mod:`ablation` on bins.
"""
from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from ablation import wilcoxon


def summarise(rows: list[dict[str, str]], title: str, command: str, against: str | None = None) -> str:
    """With several seeds in the rows, each (instance, seed) is one unit: totals sum over the
    seeds, a per-seed table follows the totals, and pairs match seed to seed."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    seeds = sorted({r.get("seed", "0") for r in rows}, key=int)
    by: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for r in rows:
        unit = r["instance"] if len(seeds) == 1 else f"{r['instance']}@{r['seed']}"
        by[unit][r["method"]] = r
    done = sorted(i for i, ms in by.items() if all(m in ms for m in methods))
    classes = sorted({by[i][methods[0]]["class"] for i in done}, key=lambda c: (len(c), c))
    lb = sum(float(by[i][methods[0]]["lower_bound"]) for i in done)
    bk = [float(by[i][methods[0]]["best_known"]) for i in done if by[i][methods[0]]["best_known"]]
    lines = [f"# {title}", "", f"Generated from the `nnopt bench` CSV of `{command}` by "
             "`benchmarks/summarise_bench.py`.", "",
             (f"{len(done)} instances finished by every method" if len(seeds) == 1 else
              f"{len(done)} runs (instance, seed) finished by every method, seeds {', '.join(seeds)}: every "
              f"total below sums over the seeds")
             + f"; lower bounds sum to {lb:g}"
             + (f", best known values to {sum(bk):g}." if len(bk) == len(done) else "."), "",
             "| method | bins | vs lower bound | vs best known | at best known | objective = its row's lower bound (cpsat: its own proven bound) | mean s | mean s where at best known | verified |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for m in methods:
        rs = [by[i][m] for i in done]
        bins = sum(float(r["objective"]) for r in rs)
        at_lb = sum(float(r["objective"]) <= float(r["lower_bound"]) for r in rs)
        secs = np.mean([float(r["seconds"]) for r in rs]) if rs else float("nan")
        ver = all(r["verified"].lower() == "true" for r in rs)
        hit = [r for r in rs if r["best_known"] and float(r["objective"]) <= float(r["best_known"])]
        hit_s = np.mean([float(r["seconds"]) for r in hit]) if hit else float("nan")
        lines.append(f"| {m} | {bins:g} | +{bins - lb:g} | {'+%g' % (bins - sum(bk)) if len(bk) == len(done) else '–'} | "
                     f"{len(hit) if len(bk) == len(done) else '–'} | {at_lb} | {secs:.2f} | {hit_s:.2f} | "
                     f"{'yes' if ver else 'NO'} |")
    def grouped(label: str, column: str, align: str, keys: list[Any], key_of: Callable[[str], Any]) -> None:
        """One table of bins per group of units (a class, a size, a seed), every method a column."""
        lines.extend(["", f"Per {label} (bins):", "", f"| {column} | instances | " + " | ".join(methods) + " |",
                      f"|{align}|---:|" + "---:|" * len(methods)])
        for key in keys:
            inst = [i for i in done if key_of(i) == key]
            lines.append(f"| {key} | {len(inst)} | " + " | ".join(
                f"{sum(float(by[i][m]['objective']) for i in inst):g}" for m in methods) + " |")

    if len(seeds) > 1:
        grouped("seed", "seed", "---:", seeds, lambda i: by[i][methods[0]]["seed"])
    grouped("class", "class", "---", classes, lambda i: by[i][methods[0]]["class"])
    grouped("size n", "n", "---:", sorted({int(by[i][methods[0]]["n"]) for i in done}),
            lambda i: int(by[i][methods[0]]["n"]))
    first = against or methods[0]
    lines += ["", f"Paired against `{first}` (bins; Wilcoxon as in `ablation.md`"
              + ("" if len(seeds) == 1 else "; one pair per instance and seed") + "):", "",
              "| method | wins | ties | losses | p |", "|---|---:|---:|---:|---|"]
    for m in (m for m in methods if m != first):
        a = np.array([float(by[i][m]["objective"]) for i in done])
        b = np.array([float(by[i][first]["objective"]) for i in done])
        _, p, _ = wilcoxon(a, b)
        lines.append(f"| {m} | {int((a < b).sum())} | {int((a == b).sum())} | {int((a > b).sum())} | {p:.3g} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", type=Path, nargs="+", help="one or more bench CSVs (rows are pooled)")
    ap.add_argument("--methods", help="comma-separated methods to keep, in this order (default: all)")
    ap.add_argument("--title", default="nnopt bench")
    ap.add_argument("--command", default="nnopt bench")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--against", help="the method every other is paired against (default: the first)")
    args = ap.parse_args(argv)
    rows: list[dict[str, str]] = []
    for path in args.csv:
        with open(path, newline="") as fh:
            rows += list(csv.DictReader(fh))
    if args.methods:
        keep = args.methods.split(",")
        rows = sorted((r for r in rows if r["method"] in keep), key=lambda r: keep.index(r["method"]))
    if not rows:
        raise SystemExit(f"{', '.join(map(str, args.csv))}: no rows")
    args.out.write_text(summarise(rows, args.title, args.command, args.against))
    print(args.out.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
