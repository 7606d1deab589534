"""The yardstick: every heuristic, CP-SAT and rectpack on the 500 classic 2BP instances.

Steps (each resumable: rerunning keeps the rows already in the CSV):

1. ``nnopt bench`` (the real command line) runs nnopt's methods on
   ``benchmarks/data/2bp/instances`` and appends verified rows to
   ``benchmarks/results/classic_2bp.csv``.
2. rectpack, an outside reference used only here, packs every instance with each
   of its rules and sort orders (offline, no rotation, its default best-bin-fit
   bin selection); each packing is converted and verified by nnopt's checker.
   Rows: ``rectpack-maxrects-bssf-area`` (its default single rule and order),
   ``rectpack-<family>`` (best of the family's rules x orders per instance) and
   ``rectpack-best`` (best of all its rules x orders per instance).
3. ``summary.md`` and ``classic_2bp.png``: totals, ratios to lower bound and best
   known per class and n, CP-SAT's proof rates, wins/ties/losses.

Usage::

    python benchmarks/classic_2bp.py [--jobs 2] [--time-limit 10] [--quick]
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / "data" / "2bp"
RESULTS = HERE / "results"


def rectpack_combos():
    import rectpack

    families = {
        "maxrects": ["MaxRectsBl", "MaxRectsBssf", "MaxRectsBaf", "MaxRectsBlsf"],
        "skyline": ["SkylineBl", "SkylineBlWm", "SkylineMwf", "SkylineMwfl", "SkylineMwfWm", "SkylineMwflWm"],
        "guillotine": [n for n in dir(rectpack) if n.startswith("Guillotine") and n != "Guillotine"],
    }
    sorts = ["SORT_AREA", "SORT_PERI", "SORT_DIFF", "SORT_SSIDE", "SORT_LSIDE", "SORT_RATIO"]
    return families, sorts


def rectpack_rows(path: str) -> list[dict[str, str]]:
    """All rectpack rules x orders on one instance; the family bests, verified."""
    import rectpack

    from nnopt.problems.binpack2d import Packing, read_instance
    from nnopt.problems.binpack2d._checker import check_packing

    inst = read_instance(path)
    families, sorts = rectpack_combos()
    best: dict[str, tuple[int, str]] = {}
    spent: dict[str, float] = defaultdict(float)  # a best-of row costs all its runs
    default_bins = None
    for family, algos in families.items():
        for algo in algos:
            for sort in sorts:
                t0 = time.perf_counter()
                packer = rectpack.newPacker(mode=rectpack.PackingMode.Offline, pack_algo=getattr(rectpack, algo),
                                            sort_algo=getattr(rectpack, sort), rotation=False)
                packer.add_bin(inst.bin_width, inst.bin_height, count=inst.n)
                for i in range(inst.n):
                    packer.add_rect(int(inst.widths[i]), int(inst.heights[i]), rid=i)
                packer.pack()
                seconds = time.perf_counter() - t0
                rows = [(rid, b, x, y, w, h, 0) for b, x, y, w, h, rid in packer.rect_list()]
                packing = Packing(np.array(rows, dtype=np.int64).reshape(-1, 7))
                if check_packing(inst, packing):
                    raise RuntimeError(f"rectpack {algo}/{sort} infeasible on {inst.name}")
                bins = packing.num_bins
                for key in (family, "best"):
                    spent[key] += seconds
                    if key not in best or bins < best[key][0]:
                        best[key] = (bins, f"{algo}/{sort}")
                if algo == "MaxRectsBssf" and sort == "SORT_AREA":
                    default_bins = (bins, seconds)
    meta = inst.meta
    base = {"instance": inst.name, "class": str(meta.get("class", "")), "n": str(inst.n)}
    out = []
    if default_bins is None:
        raise RuntimeError("rectpack's MaxRectsBssf / SORT_AREA combination was not run")
    entries = [("rectpack-maxrects-bssf-area", default_bins[0], default_bins[1])]
    entries += [(f"rectpack-{k}", v[0], spent[k]) for k, v in best.items()]
    for method, bins, seconds in entries:
        out.append({**base, "method": method, "objective": str(bins), "lower_bound": "", "best_known": "",
                    "seconds": f"{seconds:.4f}", "status": "heuristic", "verified": "true"})
    return out


def run_rectpack(paths: list[str], out: Path, jobs: int, reference: dict[str, float], bounds: dict[str, str]) -> None:
    from nnopt.bench.rows import COLUMNS, read_rows

    done = {r["instance"] for r in read_rows(out) if r["method"] == "rectpack-best"}
    todo = [p for p in paths if Path(p).stem not in done]
    print(f"rectpack: {len(todo)} instances to pack ({len(paths) - len(todo)} already in {out.name})", flush=True)
    with out.open("a", newline="") as fh, ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        for k, rows in enumerate(pool.map(rectpack_rows, todo, chunksize=4)):
            for row in rows:
                best = reference.get(row["instance"])
                row["best_known"] = "" if best is None else str(int(best))
                row["lower_bound"] = bounds.get(row["instance"], "")
            writer.writerows(rows)
            fh.flush()
            if (k + 1) % 50 == 0:
                print(f"  rectpack {k + 1}/{len(todo)}", flush=True)


def summarise(out: Path, summary: Path, plot: Path, time_limit: float) -> None:
    from nnopt.bench.rows import read_rows
    from nnopt.bench.summary import group_ratios, method_summary, pairwise_record, plot_group_ratios

    rows = read_rows(out)
    lines = ["# Classic 2BP benchmark (500 instances, Berkey-Wang 1-6, Martello-Vigo 7-10)", ""]
    lines += [f"Generated by `benchmarks/classic_2bp.py` from `{out.name}`; every row verified by nnopt's "
              f"independent checker. CP-SAT: {time_limit:g} s per instance. Best known total: 7225 "
              "(`benchmarks/data/2bp/reference.csv`). Machine: 2 cores.", ""]
    unverified = sum(r["verified"] != "true" for r in rows)
    lines += [f"Rows: {len(rows)}, unverified: {unverified}.", ""]
    lines += ["## Per method", "",
              "| method | instances | total bins | / lower bound | / best known | optimal (= bound) | mean s |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    summ = method_summary(rows)
    for s in summ:
        lb = "" if math.isnan(s["ratio_lb"]) else f"{s['ratio_lb']:.4f}"
        lines.append(f"| {s['method']} | {s['verified']} | {s['total']:g} | {lb} | {s['ratio_best']:.4f} | "
                     f"{s['optimal']} | {s['mean_seconds']:.3f} |")
    key_methods = [m for m in ("best-heuristic", "cpsat", "rectpack-best", "rectpack-maxrects-bssf-area",
                               "maxrects-bssf", "maxrects-bssf-area") if any(s["method"] == m for s in summ)]
    ratios = group_ratios(rows, keys=("class", "n"))
    lines += ["", "## Per class and n: total bins / best known", "",
              "| class | n | " + " | ".join(key_methods) + " |", "|---|---:|" + "---:|" * len(key_methods)]
    for g in sorted(ratios, key=lambda g: (int(g[0] or 0), int(g[1] or 0))):
        lines.append(f"| {g[0]} | {g[1]} | " + " | ".join(
            f"{ratios[g].get(m, math.nan):.4f}" for m in key_methods) + " |")
    # bins per class and n (absolute)
    totals: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    best_tot: dict[tuple[str, str], float] = defaultdict(float)
    seen_best: set[tuple[str, str, str]] = set()
    for r in rows:
        if r["verified"] != "true":
            continue
        g = (r["class"], r["n"])
        totals[g][r["method"]] += float(r["objective"])
        if r["best_known"] and (g + (r["instance"],)) not in seen_best:
            seen_best.add(g + (r["instance"],))
            best_tot[g] += float(r["best_known"])
    lines += ["", "## Per class and n: total bins (best known in the last column)", "",
              "| class | n | " + " | ".join(key_methods) + " | best known |",
              "|---|---:|" + "---:|" * (len(key_methods) + 1)]
    for g in sorted(totals, key=lambda g: (int(g[0] or 0), int(g[1] or 0))):
        lines.append(f"| {g[0]} | {g[1]} | " + " | ".join(f"{totals[g].get(m, math.nan):g}" for m in key_methods)
                     + f" | {best_tot[g]:g} |")
    cp = [r for r in rows if r["method"] == "cpsat" and r["verified"] == "true"]
    if cp:
        proofs: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for r in cp:
            acc = proofs[(r["class"], r["n"])]
            acc[0] += r["status"] == "optimal"
            acc[1] += 1
        lines += ["", "## CP-SAT: instances proven optimal (of 10) per class and n", "",
                  "| class | " + " | ".join(f"n={n}" for n in (20, 40, 60, 80, 100)) + " |", "|---|" + "---:|" * 5]
        for c in range(1, 11):
            cells = [proofs.get((str(c), str(n)), [0, 0]) for n in (20, 40, 60, 80, 100)]
            lines.append(f"| {c} | " + " | ".join(f"{a}/{b}" for a, b in cells) + " |")
    rec = pairwise_record(rows)
    pairs = [("best-heuristic", "rectpack-best"), ("best-heuristic", "rectpack-maxrects-bssf-area"),
             ("cpsat", "best-heuristic"), ("maxrects-bssf-area", "rectpack-maxrects-bssf-area")]
    lines += ["", "## Wins / ties / losses (fewer bins wins)", "", "| a | b | a wins | ties | b wins |",
              "|---|---|---:|---:|---:|"]
    for a, b in pairs:
        if (a, b) in rec:
            w, t, l_ = rec[(a, b)]
            lines.append(f"| {a} | {b} | {w} | {t} | {l_} |")
    summary.write_text("\n".join(lines) + "\n")
    plot_group_ratios([r for r in rows if r["method"] in key_methods], plot,
                      title="classic 2BP: total bins / best known per class (lower is better)")
    print(f"wrote {summary} and {plot}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=10.0, help="CP-SAT seconds per instance")
    ap.add_argument("--quick", action="store_true", help="instance 01 of each class and n only")
    ap.add_argument("--skip-nnopt", action="store_true")
    ap.add_argument("--skip-rectpack", action="store_true")
    ap.add_argument("--methods", default=None, help="nnopt methods (default: every rule, its area order, "
                                                    "best-heuristic, cpsat)")
    ap.add_argument("--out", type=Path, default=RESULTS / "classic_2bp.csv")
    args = ap.parse_args()
    if not (DATA / "instances").is_dir():
        sys.exit(f"error: {DATA / 'instances'} not found (the classic instances ship in benchmarks/data/2bp)")
    from nnopt.baselines.binpack2d_heuristics import RULES
    from nnopt.bench.inputs import read_reference
    from nnopt.bench.rows import read_rows

    pattern = "*_01.json" if args.quick else "*.json"
    paths = sorted(str(p) for p in (DATA / "instances").glob(pattern))
    methods = args.methods or ",".join([*RULES, *(f"{r}-area" for r in RULES), "best-heuristic", "cpsat"])
    nnopt_bin = Path(sys.executable).parent / "nnopt"
    if not args.skip_nnopt:
        cmd = [str(nnopt_bin), "bench", *paths, "--methods", methods, "--time-limit", str(args.time_limit),
               "--jobs", str(args.jobs), "--reference", str(DATA / "reference.csv"), "--out", str(args.out),
               "--quiet"]
        print(f"nnopt bench: {len(paths)} instances x {len(methods.split(','))} methods", flush=True)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        print(f"  done in {time.perf_counter() - t0:.0f} s", flush=True)
    if not args.skip_rectpack:
        bounds = {r["instance"]: r["lower_bound"] for r in read_rows(args.out) if r["method"] == "best-heuristic"}
        run_rectpack(paths, args.out, args.jobs, read_reference(DATA / "reference.csv"), bounds)
    summarise(args.out, args.out.with_name("summary.md"), args.out.with_suffix(".png"), args.time_limit)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
