"""The variable-sized benchmark's table: an `nnopt bench` CSV of Pisinger & Sigurd's jobs against the
best known values and Wei et al. (2013), in total and per class.

    python benchmarks/variable_sized_summary.py benchmarks/results/variable_sized_10s.csv \
        --reading reading.md --out benchmarks/results/variable_sized_10s.md

The reference (``benchmarks/data/pisinger2005/reference.csv``) prices every sheet at its area, as
the published values do; so do the jobs, which leave ``cost`` out. ``--reading`` appends a
paragraph of interpretation (the numbers in it are the writer's, read off the tables above it).
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "benchmarks" / "data" / "pisinger2005" / "reference.csv"

COMMAND = ("nnopt bench benchmarks/data/pisinger2005/instances --methods nnopt --time-limit {limit} --jobs 2 \\\n"
           "        --reference benchmarks/data/pisinger2005/reference.csv --out {csv}")


def _pct(a: float, b: float) -> str:
    return f"{100 * (a / b - 1):+.2f} %"


def summary(rows: list[dict[str, str]], reference: dict[str, dict[str, str]], csv_name: str, limit: str) -> str:
    """The Markdown table of ``rows`` (one method's runs) against ``reference``."""
    missing = [r["instance"] for r in rows if r["instance"] not in reference]
    if missing:
        raise SystemExit(f"error: {len(missing)} instances are not in the reference, e.g. {missing[0]}")
    unverified = [r["instance"] for r in rows if r.get("verified") != "true"]
    total = sum(float(r["objective"]) for r in rows)
    best = sum(float(reference[r["instance"]]["best_known"]) for r in rows)
    wei = sum(float(reference[r["instance"]]["wei2013"]) for r in rows)
    bound = sum(float(reference[r["instance"]]["best_bound"]) for r in rows)
    at_best = sum(float(r["objective"]) <= float(reference[r["instance"]]["best_known"]) for r in rows)
    mean_s = sum(float(r["seconds"]) for r in rows) / len(rows)
    per: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for r in rows:
        ref = reference[r["instance"]]
        cell = per[int(ref["class"])]
        cell[0] += 1
        cell[1] += float(r["objective"])
        cell[2] += float(ref["best_known"])
        cell[3] += float(ref["wei2013"])
    lines = [
        f"# Variable-sized bin packing: Pisinger & Sigurd (2005), {len(rows)} instances, {limit} s each",
        "",
        f"Command (rows in `{Path(csv_name).name}`, the `nnopt bench` columns; this table by "
        f"`python benchmarks/variable_sized_summary.py {csv_name} --out ...`):",
        "",
        "    " + COMMAND.format(limit=limit, csv=csv_name),
        "",
        "The jobs and the published values come from PackingSolver's repository (MIT licence; see",
        "`benchmarks/data/pisinger2005/README.md`). **Each sheet costs its area**, as the published values",
        "count it (MB_C6_10: best known 66,483 = 249 x 267), not the cost column of the instance files; the",
        "jobs leave `cost` out so that nnopt prices a sheet at its area. Pieces may not turn, placement is",
        "free, every sheet type is unlimited. One run per instance (seed 0), two at a time on the 2-core",
        "machine; " + ("every plan verified by the independent cutting checker." if not unverified else
                       f"{len(unverified)} plans NOT verified: {', '.join(unverified[:5])}."),
        "",
        "| | total cost | vs best known | at best known |",
        "|---|---:|---:|---:|",
        f"| nnopt (default), {limit} s | {total:,.0f} | {_pct(total, best)} | {at_best} of {len(rows)} |",
        f"| Wei et al. (2013), as published | {wei:,.0f} | {_pct(wei, best)} | |",
        f"| best known value | {best:,.0f} | | {len(rows)} |",
        f"| best known bound | {bound:,.0f} | {_pct(bound, best)} | |",
        "",
        "Per class:",
        "",
        "| class | instances | nnopt | best known | nnopt vs best known | Wei et al. vs best known |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for c in sorted(per):
        n, ours, b, w = per[c]
        lines.append(f"| {c} | {int(n)} | {ours:,.0f} | {b:,.0f} | {_pct(ours, b)} | {_pct(w, b)} |")
    lines += ["", f"Mean time {mean_s:.2f} s per instance.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", help="an `nnopt bench` CSV of the variable-sized jobs")
    ap.add_argument("--method", default="nnopt", help="the method whose rows are summarised")
    ap.add_argument("--reference", default=str(REFERENCE))
    ap.add_argument("--reading", help="a Markdown paragraph appended after the tables")
    ap.add_argument("--out", help="where the Markdown goes (default: standard output)")
    ap.add_argument("--limit", help="seconds per job, for the heading (default: read off a name like *_10s.csv)")
    args = ap.parse_args(argv)
    with open(args.csv, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["method"] == args.method]
    if not rows:
        raise SystemExit(f"error: {args.csv} has no rows of method {args.method!r}")
    with open(args.reference, newline="") as fh:
        reference = {r["name"]: r for r in csv.DictReader(fh)}
    limit = args.limit or Path(args.csv).stem.rsplit("_", 1)[-1].rstrip("s")
    text = summary(rows, reference, args.csv, limit)
    if args.reading:
        text += "\n" + Path(args.reading).read_text().strip() + "\n"
    if args.out:
        tmp = Path(args.out).with_suffix(".md.tmp")
        tmp.write_text(text)
        tmp.replace(args.out)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
