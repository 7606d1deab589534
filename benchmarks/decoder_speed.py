"""Decodes per second: nnopt's Numba decoders vs rectpack's same rules, same orders.

    python benchmarks/decoder_speed.py [--quick] [--out FILE.json]

Instances: the first instance of each classic class, n = 100
(``benchmarks/data/2bp/instances/CLASSkk_100_01.json``, kk = 01..10). Orders: the area-descending order (ties by item index) plus seeded
random permutations; rectpack packs the first few of them, nnopt packs the same
ones inside a larger batch (the batch is what the solver decodes).

rectpack is set up to insert in the given order, like nnopt: an offline packer
with ``sort_algo=SORT_NONE`` (its default sorts by area), ``rotation=False``,
one bin type with ``count=n`` (never short of bins), and the bin selection that
matches nnopt's ``bin_choice``: ``PackingBin.BFF`` (first open bin where the
item fits) for first fit (0), ``PackingBin.BBF`` (open bin of best fitness,
ties to the first) for global best (1). Both sides score positions the same
way; only MaxRects' tie-breaking differs (rectpack: first free rectangle in
its list; nnopt: long leftover, then lowest y, then lowest x), so bins used
are close but not always equal.

Times are the best of a few repeats, compile time excluded (warm-up first).
nnopt's one-core time uses ``numba.set_num_threads(1)``; "all cores" uses
numba's default thread count. The headline ``speedup_vs_rectpack`` is one
core, MaxRects-BSSF with the bin choice nnopt's ``maxrects-bssf`` decoder ships
(global best, against rectpack's best-bin-fit, its default): rectpack seconds per
pack / nnopt seconds per decode, both averaged over the ten classes. The
first-fit pairing is reported next to it.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import sys
import time
from pathlib import Path

import numba
import numpy as np
import rectpack
from rich.console import Console
from rich.table import Table

from nnopt.problems.binpack2d._instance import read_instance
from nnopt.problems.binpack2d._kernels import RULE_MAXRECTS_BSSF, RULE_SKYLINE_BL, pack_batch

REPO = Path(__file__).resolve().parents[1]
INSTANCES = REPO / "benchmarks" / "data" / "2bp" / "instances"
CLASSES = range(1, 11)
RULES = {
    "maxrects-bssf": (RULE_MAXRECTS_BSSF, rectpack.MaxRectsBssf),
    "skyline-bl": (RULE_SKYLINE_BL, rectpack.SkylineBl),
}
BIN_CHOICES = {
    "first-fit": (0, rectpack.PackingBin.BFF, "PackingBin.BFF"),
    "global-best": (1, rectpack.PackingBin.BBF, "PackingBin.BBF"),
}
SEED = 20240521


def load_instances():
    missing = [INSTANCES / f"CLASS{k:02d}_100_01.json" for k in CLASSES
               if not (INSTANCES / f"CLASS{k:02d}_100_01.json").is_file()]
    if missing:
        sys.exit(f"error: classic instance(s) missing, e.g. {missing[0]}; this benchmark needs "
                 f"the classic instances in {INSTANCES}")
    out = []
    for k in CLASSES:
        inst = read_instance(INSTANCES / f"CLASS{k:02d}_100_01.json")
        out.append((k, inst, np.array(inst.widths, dtype=np.int64), np.array(inst.heights, dtype=np.int64)))
    return out


def make_orders(widths, heights, batch, rng):
    """Row 0: area descending (ties by index); the other rows: random permutations."""
    n = len(widths)
    orders = np.empty((batch, n), dtype=np.int64)
    orders[0] = np.lexsort((np.arange(n), -(widths * heights)))
    orders[1:] = np.argsort(rng.random((batch - 1, n)), axis=1)
    return orders


def rectpack_pack(widths, heights, bin_w, bin_h, order, pack_algo, bin_algo):
    """Pack in the given order; returns bins used."""
    packer = rectpack.newPacker(mode=rectpack.PackingMode.Offline, bin_algo=bin_algo, pack_algo=pack_algo,
                                sort_algo=rectpack.SORT_NONE, rotation=False)
    packer.add_bin(bin_w, bin_h, count=len(order))
    for i in order:
        packer.add_rect(int(widths[i]), int(heights[i]), rid=int(i))
    packer.pack()
    placed = sum(len(b) for b in packer)
    if placed != len(order):
        raise RuntimeError(f"rectpack placed {placed} of {len(order)} items")
    return len(packer)


def time_rectpack(widths, heights, bin_w, bin_h, orders, pack_algo, bin_algo, repeats):
    """(best seconds per pack over repeats, bins per order)."""
    best = float("inf")
    bins = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        bins = [rectpack_pack(widths, heights, bin_w, bin_h, o, pack_algo, bin_algo) for o in orders]
        best = min(best, (time.perf_counter() - t0) / len(orders))
    return best, np.array(bins)


def time_nnopt(widths, heights, bin_w, bin_h, orders, rule, bin_choice, repeats, threads):
    """(best seconds per decode over repeats, bins per order) with `threads` numba threads."""
    B, n = orders.shape
    rotated = np.zeros((B, n), dtype=np.uint8)
    out = [np.empty((B, n), dtype=np.int64) for _ in range(3)]
    args = (widths, heights, np.int64(bin_w), np.int64(bin_h), orders, rotated, rule, bin_choice, *out)
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        pack_batch(*args)  # warm-up (compiles on a cold cache)
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            pack_batch(*args)
            best = min(best, (time.perf_counter() - t0) / B)
    finally:
        numba.set_num_threads(before)
    return best, out[0].max(axis=1) + 1


def _loadavg():
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None


def machine_info(load_at_start):
    return {
        "cpu_count": os.cpu_count(),
        "numba_threads_default": numba.config.NUMBA_NUM_THREADS,
        "numba_threading_layer": numba.threading_layer(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": _loadavg(),
        "note": "timings are only as quiet as the machine: a load average near or above cpu_count "
                "means other processes shared the cores (the all-cores numbers suffer first)",
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "rectpack": importlib.metadata.version("rectpack"),
    }


def markdown_table(result: dict, batch: int, n_rect: int, threads: int) -> str:
    """The summary table as Markdown, for the committed results."""
    m = result["machine"]
    lines = [
        "# Decoder speed: nnopt (Numba) vs rectpack (pure Python), same rules, same orders",
        "",
        f"Generated by `{result['command']}`. n = 100, classic classes 1-10 (instance 01 of each); "
        f"nnopt batch {batch}, rectpack {n_rect} orders per class; all cores = {threads} threads. "
        f"Machine: {json.dumps(m)}.",
        "",
        f"**speedup_vs_rectpack**: **{result['speedup_vs_rectpack']:.0f}x** ({result['headline']}); "
        f"first fit: {result['speedup_vs_rectpack_first_fit']:.0f}x, global best: "
        f"{result['speedup_vs_rectpack_global_best']:.0f}x.",
        "",
        "| rule | bin choice | rectpack ms/pack | nnopt us/decode, 1 core | nnopt us/decode, all cores "
        "| speedup 1 core | speedup all cores | mean bins rectpack | mean bins nnopt | same bins |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in result["rules"].values():
        lines.append(
            f"| {s['rule']} | {s['bin_choice']} | {s['rectpack_s_per_pack'] * 1e3:.2f} | "
            f"{s['nnopt_s_per_decode_1core'] * 1e6:.1f} | {s['nnopt_s_per_decode_allcores'] * 1e6:.1f} | "
            f"{s['speedup_1core']:.0f}x | {s['speedup_allcores']:.0f}x | {s['rectpack_mean_bins']:.2f} | "
            f"{s['nnopt_mean_bins']:.2f} | {s['equal_bins_share']:.0%} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="example: python benchmarks/decoder_speed.py --quick")
    ap.add_argument("--quick", action="store_true", help="fewer orders and repeats (about 30 s)")
    ap.add_argument("--out", type=Path, help="write the results as JSON to this file")
    args = ap.parse_args(argv)

    if args.quick:
        n_rect, batch, rep_rect, rep_nn = 3, 256, 1, 3
    else:
        n_rect, batch, rep_rect, rep_nn = 16, 2048, 3, 7
    load_at_start = _loadavg()
    all_threads = numba.config.NUMBA_NUM_THREADS
    console = Console() if sys.stdout.isatty() else Console(width=150)
    instances = load_instances()
    rng = np.random.default_rng(SEED)
    orders_by_class = {k: make_orders(w, h, batch, rng) for k, _, w, h in instances}

    per_class = []
    summary = {}
    with console.status("") as status:
        for bc_name, (bin_choice, bin_algo, bin_algo_name) in BIN_CHOICES.items():
            for rule_name, (rule, pack_algo) in RULES.items():
                rows = []
                for k, inst, w, h in instances:
                    status.update(f"{rule_name} {bc_name}: class {k}")
                    orders = orders_by_class[k]
                    W, H = inst.bin_width, inst.bin_height
                    rp_s, rp_bins = time_rectpack(w, h, W, H, orders[:n_rect], pack_algo, bin_algo, rep_rect)
                    nn1_s, nn_bins = time_nnopt(w, h, W, H, orders, rule, bin_choice, rep_nn, 1)
                    nna_s, nn_bins_a = time_nnopt(w, h, W, H, orders, rule, bin_choice, rep_nn, all_threads)
                    if not np.array_equal(nn_bins, nn_bins_a):
                        raise RuntimeError("nnopt decoded differently with 1 and all threads")
                    same = nn_bins[:n_rect]
                    rows.append({
                        "class": k, "instance": inst.name, "rule": rule_name, "bin_choice": bc_name,
                        "rectpack_s_per_pack": rp_s, "nnopt_s_per_decode_1core": nn1_s,
                        "nnopt_s_per_decode_allcores": nna_s,
                        "speedup_1core": rp_s / nn1_s, "speedup_allcores": rp_s / nna_s,
                        "orders_compared": n_rect,
                        "rectpack_mean_bins": float(rp_bins.mean()), "nnopt_mean_bins": float(same.mean()),
                        "equal_bins_share": float((rp_bins == same).mean()),
                        "rectpack_bins_area_desc": int(rp_bins[0]), "nnopt_bins_area_desc": int(same[0]),
                        "nnopt_mean_bins_whole_batch": float(nn_bins.mean()),
                    })
                per_class.extend(rows)
                rp = float(np.mean([r["rectpack_s_per_pack"] for r in rows]))
                n1 = float(np.mean([r["nnopt_s_per_decode_1core"] for r in rows]))
                na = float(np.mean([r["nnopt_s_per_decode_allcores"] for r in rows]))
                summary[f"{rule_name}/{bc_name}"] = {
                    "rule": rule_name, "bin_choice": bc_name, "nnopt_bin_choice": bin_choice,
                    "rectpack_bin_algo": bin_algo_name, "rectpack_pack_algo": pack_algo.__name__,
                    "rectpack_s_per_pack": rp, "nnopt_s_per_decode_1core": n1, "nnopt_s_per_decode_allcores": na,
                    "speedup_1core": rp / n1, "speedup_allcores": rp / na,
                    "nnopt_decodes_per_s_1core": 1 / n1, "nnopt_decodes_per_s_allcores": 1 / na,
                    "rectpack_packs_per_s": 1 / rp,
                    "rectpack_mean_bins": float(np.mean([r["rectpack_mean_bins"] for r in rows])),
                    "nnopt_mean_bins": float(np.mean([r["nnopt_mean_bins"] for r in rows])),
                    "equal_bins_share": float(np.mean([r["equal_bins_share"] for r in rows])),
                }

    table = Table(title=f"Decoders, n = 100, classes 1-10 (nnopt batch {batch}; "
                        f"rectpack {n_rect} orders; all cores = {all_threads} threads)")
    for col in ("rule", "bin choice", "rectpack ms/pack", "nnopt µs/decode 1 core",
                f"nnopt µs/decode {all_threads} thr",
                "speedup 1 core", f"speedup {all_threads} thr", "mean bins rectpack", "mean bins nnopt", "same bins"):
        table.add_column(col, justify="left" if col in ("rule", "bin choice") else "right",
                         no_wrap=col in ("rule", "bin choice"))
    for s in summary.values():
        table.add_row(s["rule"], s["bin_choice"], f"{s['rectpack_s_per_pack'] * 1e3:.2f}",
                      f"{s['nnopt_s_per_decode_1core'] * 1e6:.1f}", f"{s['nnopt_s_per_decode_allcores'] * 1e6:.1f}",
                      f"{s['speedup_1core']:.0f}x", f"{s['speedup_allcores']:.0f}x",
                      f"{s['rectpack_mean_bins']:.2f}", f"{s['nnopt_mean_bins']:.2f}",
                      f"{s['equal_bins_share']:.0%}")
    console.print(table)

    # The headline is the configuration nnopt ships for its `maxrects-bssf` decoder
    # (its bin choice, see BIN_CHOICE in binpack2d/_problem.py); both are reported.
    from nnopt.problems.binpack2d._problem import BIN_CHOICE

    shipped = {0: "first-fit", 1: "global-best"}[BIN_CHOICE.get("maxrects-bssf", 0)]
    head = summary[f"maxrects-bssf/{shipped}"]
    result = {
        "speedup_vs_rectpack": head["speedup_1core"],
        "speedup_vs_rectpack_allcores": head["speedup_allcores"],
        "speedup_vs_rectpack_first_fit": summary["maxrects-bssf/first-fit"]["speedup_1core"],
        "speedup_vs_rectpack_global_best": summary["maxrects-bssf/global-best"]["speedup_1core"],
        "headline": f"one core, maxrects-bssf, {shipped} (the bin choice nnopt's decoder uses; rectpack "
                    f"{head['rectpack_bin_algo']}, its newPacker default is BBF): "
                    "rectpack s/pack / nnopt s/decode, mean over classes 1-10, n = 100",
        "mode": "quick" if args.quick else "full",
        "settings": {"nnopt_batch": batch, "rectpack_orders_per_class": n_rect, "rectpack_repeats": rep_rect,
                     "nnopt_repeats": rep_nn, "seed": SEED, "timing": "best of repeats, compile excluded",
                     "orders": "row 0 area-descending (ties by index), others random permutations; "
                               "rectpack packs the first rectpack_orders_per_class rows",
                     "rectpack_setup": "newPacker(mode=Offline, sort_algo=SORT_NONE, rotation=False), "
                                       "add_bin(W, H, count=n); timed: build + add_rect + pack"},
        "rules": summary,
        "per_class": per_class,
        "machine": machine_info(load_at_start),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    console.print(f"speedup vs rectpack ({result['headline']}): "
                  f"[bold]{result['speedup_vs_rectpack']:.0f}x[/bold]; all cores: {head['speedup_allcores']:.0f}x")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_name(args.out.name + ".tmp")
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        os.replace(tmp, args.out)
        md = args.out.with_suffix(".md")
        md.write_text(markdown_table(result, batch, n_rect, all_threads))
        console.print(f"wrote {args.out} and {md}")


if __name__ == "__main__":
    main()
