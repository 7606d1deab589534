"""Ablation of the neural engine: what does the network add over the same search without it?

Every engine option runs next to its random-step control (the same loop, the
gradient step replaced by a random step of the same length) and next to the
no-network methods (random keys, local search, CEM, the best classic
heuristic), on the classic instances, at equal decodes and at equal wall time.
Paired Wilcoxon signed-rank tests (implemented here, see :func:`wilcoxon`)
compare each method with ``nnopt`` per (instance, seed) pair.

Scaled to a 2-core machine (see the ``--help`` defaults); the full
protocol is ``--classes 1-10 --sizes 40,60,100 --instances 10 --seeds 5``.

    python benchmarks/ablation.py --out benchmarks/results/ablation_engine
"""
from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CLASSIC = REPO / "benchmarks" / "data" / "2bp"

METHODS = ("best-heuristic", "random-keys", "local-search", "cem",
           "nnopt-cem", "nnopt-cem-control", "nnopt-amortised", "nnopt-amortised-control", "nnopt-screen",
           "nnopt-screen-control", "nnopt-rounds", "nnopt-rounds-control", "nnopt-ls", "nnopt-ls-control", "nnopt-set", "nnopt-set-control",
           "nnopt-plain", "nnopt-plain-control")
COLUMNS = ("budget", "instance", "class", "n", "seed", "method", "objective", "cost", "lower_bound",
           "best_known", "evaluations", "seconds", "verified", "nn_turns", "nn_decoded", "nn_elite",
           "nn_improved", "nn_fraction")


# ----------------------------------------------------------------------------- statistics
def _norm_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def wilcoxon(a: np.ndarray, b: np.ndarray) -> tuple[float, float, int]:
    """Paired two-sided Wilcoxon signed-rank test of ``a - b``; returns ``(W+, p, n_used)``.

    Zero differences are dropped (Wilcoxon's original treatment); tied absolute
    differences get average ranks and the variance its tie correction; p comes
    from the normal approximation with continuity correction. ``p = 1`` when no
    pair differs.
    """
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    d = d[np.abs(d) > 1e-12]
    n = d.shape[0]
    if n == 0:
        return 0.0, 1.0, 0
    absd = np.abs(d)
    order = np.argsort(absd, kind="stable")
    ranks = np.empty(n)
    sorted_abs = absd[order]
    i = 0
    tie_term = 0.0
    while i < n:
        j = i
        while j + 1 < n and abs(sorted_abs[j + 1] - sorted_abs[i]) <= 1e-12:
            j += 1
        ranks[order[i:j + 1]] = (i + j + 2) / 2.0
        t = j - i + 1
        tie_term += t ** 3 - t
        i = j + 1
    w_plus = float(ranks[d > 0].sum())
    mean = n * (n + 1) / 4.0
    var = n * (n + 1) * (2 * n + 1) / 24.0 - tie_term / 48.0
    if var <= 0:
        return w_plus, 1.0, n
    z = (abs(w_plus - mean) - 0.5) / math.sqrt(var)
    return w_plus, min(1.0, 2.0 * _norm_sf(max(z, 0.0))), n


# ----------------------------------------------------------------------------- running
def _run_one(task: tuple[str, str, float | None, int | None, int, tuple[str, ...], float | None]) -> list[dict[str, Any]]:
    path, budget_name, time_limit, max_evals, seed, methods, best_known = task
    import numba
    import torch

    numba.set_num_threads(1)
    torch.set_num_threads(1)
    from nnopt._solve import load_instance
    from nnopt.solver.methods import Budget, RunContext, get_method

    prob, inst = load_instance(path)
    for m in ("random-keys", "nnopt-cem"):  # warm up: decoders compiled, torch loaded, outside the timed runs
        get_method(m).run(prob, inst, Budget(max_evals=400), seed, None, RunContext(threads=1))  # 400: it trains too
    rows = []
    for m in methods:
        res = get_method(m).run(prob, inst, Budget(time_limit=time_limit, max_evals=max_evals), seed, None,
                                RunContext(threads=1))
        ok = not prob.check(inst, res.solution)
        rows.append({
            "budget": budget_name, "instance": prob.instance_name(inst), "class": prob.instance_class(inst),
            "n": prob.instance_size(inst), "seed": seed, "method": m,
            "objective": prob.objective(inst, res.solution), "cost": res.cost,
            "lower_bound": prob.lower_bound(inst), "best_known": "" if best_known is None else best_known,
            "evaluations": res.evaluations, "seconds": round(res.seconds, 3), "verified": ok,
            "trace": [(e, s, c) for e, s, _, c in res.trace],
            **_scheduler_columns(res.info),
        })
    return rows


def _scheduler_columns(info: dict[str, Any]) -> dict[str, Any]:
    """The engine's time-share scheduler: turns, proposals decoded / in CEM's elite / improving, share spent."""
    if "turns" not in info:
        return {}
    total = info["nn_spent"] + info["search_spent"]
    return {"nn_turns": info["turns"], "nn_decoded": info["decoded"], "nn_elite": info["elite"],
            "nn_improved": info["improved"], "nn_fraction": round(info["nn_spent"] / total, 4) if total else 0.0}


def _parse_range(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            out.extend(range(int(lo), int(hi) + 1))
        else:
            out.append(int(part))
    return out


def _reference() -> dict[str, float]:
    ref: dict[str, float] = {}
    p = CLASSIC / "reference.csv"
    if p.exists():
        with p.open() as fh:
            for row in csv.DictReader(fh):
                ref[row["name"]] = float(row["best_known"])
    return ref


# ----------------------------------------------------------------------------- reporting
def _curve(rows: list[dict[str, Any]], axis: int, grid: np.ndarray) -> np.ndarray:
    """Mean over runs of (best cost so far) / lower bound at each grid point (NaN before a first decode)."""
    curves = []
    for r in rows:
        tr = r["trace"]
        if not tr:
            continue
        xs = np.array([t[axis] for t in tr])
        cs = np.array([t[2] for t in tr])
        idx = np.searchsorted(xs, grid, side="right") - 1
        val = np.where(idx >= 0, cs[np.clip(idx, 0, None)], cs[0]) / r["lower_bound"]
        curves.append(val)
    return np.mean(curves, axis=0) if curves else np.full(grid.shape, np.nan)


def _plot(rows: list[dict[str, Any]], path: Path, max_evals: int, time_limit: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, budget, axis, grid, label in (
        (axes[0], "decodes", 0, np.linspace(1, max_evals, 200), "decodes"),
        (axes[1], "time", 1, np.linspace(0.01, time_limit, 200), "seconds"),
    ):
        by_m: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            if r["budget"] == budget and r["method"] != "best-heuristic":
                by_m[r["method"]].append(r)
        palette = plt.get_cmap("tab20").colors
        bases = list(dict.fromkeys(k.removesuffix("-control") for k in by_m))
        for m, rs in by_m.items():
            # an option and its control share a colour (the control dashed), so pairs read at a glance
            colour = palette[(bases.index(m.removesuffix("-control")) * 2) % 20]
            style = "--" if m.endswith("-control") else "-"
            ax.plot(grid, _curve(rs, axis, grid), style, color=colour, label=m, lw=1.5 if m == "nnopt-cem" else 1.0)
        ax.set_xlabel(label)
        ax.set_ylabel("mean best cost / lower bound")
        ax.set_title(f"equal {budget}")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _table(rows: list[dict[str, Any]], budget: str) -> list[str]:
    sel = [r for r in rows if r["budget"] == budget]
    seeds = sorted({r["seed"] for r in sel})
    key = lambda r: (r["instance"], r["seed"])  # noqa: E731
    by_m: dict[str, dict[tuple[str, int], dict[str, Any]]] = defaultdict(dict)
    for r in sel:
        by_m[r["method"]][key(r)] = r
    ref = by_m.get("nnopt-cem", {})
    lines = [f"| method | bins (sum, mean over {len(seeds)} seeds) | cost (sum) | mean decodes | mean s | "
             "vs nnopt on cost: W+ / n / p | vs nnopt on bins: p | all verified |",
             "|---|---:|---:|---:|---:|---|---|---|"]
    for m in [*METHODS, *sorted(set(by_m) - set(METHODS))]:
        if m not in by_m:
            continue
        rs = list(by_m[m].values())
        bins = sum(r["objective"] for r in rs) / len(seeds)
        cost = sum(r["cost"] for r in rs) / len(seeds)
        keys = sorted(set(by_m[m]) & set(ref))
        if m == "nnopt-cem" or not keys:
            cmp_cost = cmp_bins = "—"
        else:
            a = np.array([by_m[m][k]["cost"] for k in keys])
            b = np.array([ref[k]["cost"] for k in keys])
            w, p, n = wilcoxon(a, b)
            wb, pb, nb = wilcoxon(np.array([by_m[m][k]["objective"] for k in keys]),
                                  np.array([ref[k]["objective"] for k in keys]))
            cmp_cost = f"{w:.0f} / {n} / {p:.3g}"
            cmp_bins = f"{pb:.3g} (n={nb})"
        ev = np.mean([r["evaluations"] for r in rs])
        sec = np.mean([r["seconds"] for r in rs])
        ver = all(r["verified"] for r in rs)
        lines.append(f"| {m} | {bins:.1f} | {cost:.2f} | {ev:.0f} | {sec:.2f} | {cmp_cost} | {cmp_bins} | "
                     f"{'yes' if ver else 'NO'} |")
    return lines


def _paired(rows: list[dict[str, Any]], budget: str) -> list[str]:
    """Each engine option against its own random-step control and against plain ``cem``.

    The question asked of every option: is a gain the network's (it
    beats its control) and is it worth having (it beats the search alone)?
    Negative mean differences favour the option.
    """
    sel = [r for r in rows if r["budget"] == budget]
    by_m: dict[str, dict[tuple[str, int], dict[str, Any]]] = defaultdict(dict)
    for r in sel:
        by_m[r["method"]][(r["instance"], r["seed"])] = r
    lines = ["| option | vs | mean cost difference | bins (option / other) | W+ / n / p on cost | p on bins |",
             "|---|---|---:|---|---|---|"]
    for m in sorted(by_m):
        if m.endswith("-control") or not m.startswith("nnopt"):
            continue
        for other in (f"{m}-control", "cem"):
            keys = sorted(set(by_m[m]) & set(by_m.get(other, {})))
            if not keys:
                continue
            a = np.array([by_m[m][k]["cost"] for k in keys])
            b = np.array([by_m[other][k]["cost"] for k in keys])
            ab = np.array([by_m[m][k]["objective"] for k in keys])
            bb = np.array([by_m[other][k]["objective"] for k in keys])
            w, p, n = wilcoxon(a, b)
            _, pb, nb = wilcoxon(ab, bb)
            lines.append(f"| {m} | {other} | {float(np.mean(a - b)):+.4f} | {ab.sum():g} / {bb.sum():g} | "
                         f"{w:.0f} / {n} / {p:.3g} | {pb:.3g} (n={nb}) |")
    return lines


def _report(rows: list[dict[str, Any]], args: argparse.Namespace, argv: list[str] | None) -> list[str]:
    return [f"# Ablation of the neural engine ({len({r['instance'] for r in rows})} classic instances, "
            f"{args.seeds} seeds)", "",
            f"Classes {args.classes}, n = {args.sizes}, {args.instances} instance(s) each; budgets: "
            f"{args.max_evals} decodes, and {args.time_limit} s wall time. Generated with "
            f"`python benchmarks/ablation.py {' '.join(argv if argv is not None else sys.argv[1:])}` "
            f"on a shared 2-core CPU machine (1 thread per run, {args.jobs} runs in parallel; other "
            "processes were running, so the seconds are indicative).", "",
            "Wilcoxon: paired (instance, seed) signed-rank test of method minus nnopt, two-sided, zero "
            "differences dropped, average ranks for ties with tie-corrected variance, normal approximation "
            "with continuity correction. W+ > n(n+1)/4 means the method has the higher (worse) cost.", "",
            f"## Equal decodes ({args.max_evals})", "", *_table(rows, "decodes"), "",
            "Each engine option against its random-step control and against `cem`:", "",
            *_paired(rows, "decodes"), "",
            f"## Equal wall time ({args.time_limit} s)", "", *_table(rows, "time"), "",
            "Each engine option against its random-step control and against `cem`:", "",
            *_paired(rows, "time"), ""]


def _read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a results CSV with the numeric columns typed again (``--from-csv``)."""
    rows = []
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            for k in ("objective", "cost", "lower_bound", "seconds", "nn_fraction"):
                r[k] = float(r[k]) if r.get(k) not in (None, "") else float("nan")
            for k in ("n", "seed", "evaluations", "nn_turns", "nn_decoded", "nn_elite", "nn_improved"):
                r[k] = int(float(r[k])) if r.get(k) not in (None, "") else 0
            r["verified"] = r["verified"] in ("True", "true", "1", "yes")
            rows.append(r)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--classes", default="1-10")
    ap.add_argument("--sizes", default="40,100")
    ap.add_argument("--instances", type=int, default=1, help="instances per (class, size), from _01 on")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--max-evals", type=int, default=2000, help="the equal-decodes budget")
    ap.add_argument("--time-limit", type=float, default=1.5, help="the equal-time budget (seconds)")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "ablation_engine"))
    ap.add_argument("--from-csv", type=Path, help="only rewrite OUT.md from this results CSV")
    args = ap.parse_args(argv)
    if args.from_csv is not None:
        rows = _read_rows(args.from_csv)
        out = Path(args.out)  # the traces behind OUT.png are not in the CSV: the picture stays as it is
        Path(f"{out}.md").write_text("\n".join(_report(rows, args, argv)))
        return 0

    methods = tuple(args.methods.split(","))
    ref = _reference()
    tasks = []
    for k in _parse_range(args.classes):
        for n in _parse_range(args.sizes):
            for i in range(1, args.instances + 1):
                name = f"CLASS{k:02d}_{n:03d}_{i:02d}"
                path = CLASSIC / "instances" / f"{name}.json"
                for seed in range(args.seeds):
                    tasks.append((str(path), "decodes", None, args.max_evals, seed, methods, ref.get(name)))
                    tasks.append((str(path), "time", args.time_limit, None, seed, methods, ref.get(name)))
    rows: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for done, res in enumerate(pool.map(_run_one, tasks), start=1):
            rows.extend(res)
            print(f"[{done}/{len(tasks)}] {res[0]['budget']} {res[0]['instance']} seed {res[0]['seed']}: " +
                  " ".join(f"{r['method']}={r['objective']:g}" for r in res), file=sys.stderr, flush=True)
    out = Path(args.out)
    with open(f"{out}.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    _plot(rows, Path(f"{out}.png"), args.max_evals, args.time_limit)
    md = _report(rows, args, argv)
    Path(f"{out}.md").write_text("\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
