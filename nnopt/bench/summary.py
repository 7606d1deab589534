"""The tables and the picture of a bench: per method totals and ratios, wins between methods, per class.

They read rows (:mod:`nnopt.bench.rows`) and nothing else, so a results file
written by any version, or merged from several benches, is summarised the same
way; the rows are taken one per (instance, method, seed).
"""
from __future__ import annotations

import io
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from nnopt.bench.rows import number, unique_rows
from nnopt.problems import InstanceError

__all__ = ["group_ratios", "method_summary", "pairwise_record", "plot_group_ratios"]


def _at_bound(row: dict[str, str]) -> bool:
    """Whether the row's objective meets its lower bound (proved optimal)."""
    obj, lb = number(row, "objective"), number(row, "lower_bound")
    return lb is not None and obj is not None and obj <= lb


def method_summary(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Per method: instances, totals of objective, lower bound and best known, ratios, mean time."""
    by_method: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in unique_rows(rows):
        by_method[row["method"]].append(row)
    out = []
    for method, mrows in by_method.items():
        ok = [r for r in mrows if r["verified"] == "true"]
        total = sum(number(r, "objective") or 0 for r in ok)
        lb = sum(number(r, "lower_bound") or 0 for r in ok)
        with_best = [r for r in ok if number(r, "best_known") is not None]
        total_b = sum(number(r, "objective") or 0 for r in with_best)
        best = sum(number(r, "best_known") or 0 for r in with_best)
        secs = [number(r, "seconds") or 0.0 for r in ok]
        out.append({
            "method": method,
            "instances": len(mrows),
            "verified": len(ok),
            "total": total,
            "lower_bound": lb,
            "ratio_lb": total / lb if lb else math.nan,
            "best_known": best,
            "ratio_best": total_b / best if best else math.nan,
            "optimal": sum(_at_bound(r) for r in ok),
            "mean_seconds": sum(secs) / len(secs) if secs else math.nan,
        })
    return sorted(out, key=lambda s: (s["ratio_best"] if not math.isnan(s["ratio_best"]) else math.inf,
                                      s["total"], s["method"]))


def pairwise_record(rows: list[dict[str, str]]) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(a, b) -> (wins, ties, losses) of method a against b on the (instance, seed) pairs both solved."""
    value: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for row in unique_rows(rows):
        obj = number(row, "objective")
        if row["verified"] == "true" and obj is not None:
            value[row["method"]][(row["instance"], row.get("seed", ""))] = obj
    methods = sorted(value)
    out = {}
    for a in methods:
        for b in methods:
            if a == b:
                continue
            common = value[a].keys() & value[b].keys()
            wins = sum(value[a][i] < value[b][i] for i in common)
            ties = sum(value[a][i] == value[b][i] for i in common)
            out[(a, b)] = (wins, ties, len(common) - wins - ties)
    return out


def group_ratios(rows: list[dict[str, str]],
                 keys: tuple[str, ...] = ("class",)) -> dict[tuple[str, ...], dict[str, float]]:
    """group -> method -> total objective / total best known (instances with a best known)."""
    sums: dict[tuple[str, ...], dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    for row in unique_rows(rows):
        obj, best = number(row, "objective"), number(row, "best_known")
        if row["verified"] != "true" or obj is None or best is None:
            continue
        acc = sums[tuple(row[k] for k in keys)][row["method"]]
        acc[0] += obj
        acc[1] += best
    return {g: {m: (v[0] / v[1] if v[1] else math.nan) for m, v in ms.items()} for g, ms in sums.items()}


def plot_group_ratios(rows: list[dict[str, str]], path: str | Path, title: str = "") -> None:
    """Grouped bars: per class, each method's total / best known; written atomically."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from nnopt.problems._files import atomic_write_bytes

    ratios = group_ratios(rows)
    if not ratios:
        raise InstanceError("no verified rows with a best known value to plot (pass --reference)")
    groups = sorted(ratios, key=lambda g: (len(g[0]), g[0]))
    methods = [s["method"] for s in method_summary(rows) if not math.isnan(s["ratio_best"])]
    fig = Figure(figsize=(max(6.0, 0.9 * len(groups) * max(1, len(methods)) ** 0.5 + 3), 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(methods))
    for k, method in enumerate(methods):
        xs = [i + (k - (len(methods) - 1) / 2) * width for i in range(len(groups))]
        ax.bar(xs, [ratios[g].get(method, math.nan) for g in groups], width, label=method)
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_xticks(range(len(groups)), [f"class {g[0]}" if g[0] else "?" for g in groups], rotation=0)
    ax.set_ylabel("total bins / best known")
    lo = min(v for g in groups for v in ratios[g].values() if not math.isnan(v))
    hi = max(v for g in groups for v in ratios[g].values() if not math.isnan(v))
    ax.set_ylim(min(0.98, lo - 0.01), hi + 0.02)
    ax.legend(fontsize="small", ncol=2 if len(methods) > 6 else 1)
    ax.set_title(title or "ratio to best known, per class (lower is better)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    atomic_write_bytes(path, buf.getvalue())
