"""Train the learned column filter and measure it against its controls.

The set-cover master of ruin and recreate (``recombine``) sees part of the bin
pool. This script

1. **trains** (``ColumnModel``, logistic regression on ``pool_features``): on
   generated instances (classes 1-10, n = 100 and 200, seeds 1-4; never the
   classic set, never the held-out seeds) it runs ruin and recreate for
   ``--moves`` moves, keeps every visited bin, solves the set cover of the
   *whole* pool (fewest bins covering every item, CP-SAT) and labels each pool
   bin by whether that cover uses it; the weights go to
   ``problems/binpack2d/column_filter.npz``;
2. **measures the filter itself** on held-out instances (seeds 9001-9003, n = 200,
   classes 1-10): for each pool, the best cover using only the ``keep`` bins a
   filter kept (``learned``, ``fill`` = the fullest, ``random``), next to the
   whole pool's; an item no kept bin holds costs one bin of its own (the repair
   every filter can make), so every filter gets a number;
3. **measures the search**: ``ruin-recreate`` with each filter (and ``none``, the
   2,000 fullest) at equal moves on the same held-out instances.

Writes ``benchmarks/results/column_filter.{md,json}``. Run from the repository root:
``python benchmarks/pretrain_column_filter.py`` (about 15 minutes on two cores).
"""
from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from ablation import wilcoxon

REPO = Path(__file__).resolve().parents[1]
WEIGHTS = REPO / "problems" / "binpack2d" / "column_filter.npz"
TRAIN = [(c, n, s) for c in range(1, 11) for n in (100, 200) for s in (1, 2, 3, 4)]
HELDOUT = [(c, 200, s) for c in range(1, 11) for s in (9001, 9002, 9003)]
FILTERS = ("learned", "fill", "random")
#: Everything from this line on in the markdown is hand-written commentary, kept by reruns.
COMMENTARY = "<!-- commentary: kept when the tables above are regenerated -->"


def _pool_of(spec: tuple[int, int, int], moves: int) -> tuple[Any, Any, Any, float]:
    """(problem, instance, pool, bins found) after ``moves`` ruin-and-recreate moves."""
    import nnopt
    from nnopt.solver._budget import Budget
    from nnopt.solver.ruin_recreate import RRConfig, ruin_recreate

    c, n, s = spec
    prob = nnopt.get_problem("binpack2d")
    inst = prob.generate(s, klass=c, n=n)
    pool = prob.new_pool(inst)
    res = ruin_recreate(prob, inst, Budget(max_evals=moves), seed=0, config=RRConfig(choice="pretrained"), pool=pool)
    return prob, inst, pool, float(res.objective)


def min_cover(inst: Any, pool: Any, columns: np.ndarray, seconds: float) -> tuple[int, np.ndarray]:
    """(bins, chosen columns) of the fewest ``columns`` bins covering every item; an item none of
    them holds costs one bin of its own. CP-SAT, one worker, ``seconds``."""
    from ortools.sat.python import cp_model

    keys = list(pool.layouts)
    model = cp_model.CpModel()
    use = [model.NewBoolVar(f"b{j}") for j in range(len(columns))]
    covering: list[list[Any]] = [[] for _ in range(inst.n)]
    for j, col in enumerate(columns):
        for it in pool.layouts[keys[int(col)]][0]:
            covering[int(it)].append(use[j])
    alone = 0
    for it in range(inst.n):
        if covering[it]:
            model.AddBoolOr(covering[it])
        else:
            alone += 1
    model.Minimize(sum(use))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return len(columns) + alone, np.zeros(0, dtype=np.int64)
    chosen = np.array([int(columns[j]) for j in range(len(columns)) if solver.BooleanValue(use[j])], dtype=np.int64)
    return len(chosen) + alone, chosen


def train_sample(task: tuple[tuple[int, int, int], int, float]) -> dict[str, Any]:
    spec, moves, seconds = task
    prob, inst, pool, _ = _pool_of(spec, moves)
    X = prob.pool_features(inst, pool)
    y = np.zeros(len(X))
    if len(X):
        _, chosen = min_cover(inst, pool, np.arange(len(X)), seconds)
        y[chosen] = 1.0
    return {"spec": spec, "X": X, "y": y}


def evaluate(task: tuple[tuple[int, int, int], int, float, list[int]]) -> dict[str, Any]:
    from nnopt.solver.column_filter import ColumnFilter, ColumnModel

    spec, moves, seconds, keeps = task
    prob, inst, pool, found = _pool_of(spec, moves)
    X = prob.pool_features(inst, pool)
    row: dict[str, Any] = {"instance": f"g{spec[0]:02d}_{spec[1]}_{spec[2]}", "pool": len(X), "found": found}
    if len(X) == 0:
        return row
    full, chosen = min_cover(inst, pool, np.arange(len(X)), seconds)
    row["full"] = full
    y = np.zeros(len(X))
    y[chosen] = 1.0
    model = ColumnModel.load(WEIGHTS)
    row["auc"] = _auc(model.logits(X), y)
    row["auc_fill"] = _auc(X[:, 0], y)
    for keep in keeps:
        for kind in FILTERS:
            f = ColumnFilter(kind, keep, model if kind == "learned" else None)
            cols = f.select(prob, inst, pool, np.random.default_rng(0))
            row[f"{kind}_{keep}"] = min_cover(inst, pool, cols, seconds)[0]
    return row


def search(task: tuple[tuple[int, int, int], str, int]) -> dict[str, Any]:
    import nnopt
    from nnopt.solver._budget import Budget
    from nnopt.solver.ruin_recreate import DEFAULT_RECOMBINE_EVERY, RRConfig, ruin_recreate

    spec, kind, moves = task
    c, n, s = spec
    prob = nnopt.get_problem("binpack2d")
    inst = prob.generate(s, klass=c, n=n)
    res = ruin_recreate(prob, inst, Budget(max_evals=moves), seed=0,
                        config=RRConfig(choice="pretrained", columns=kind, recombine_every=DEFAULT_RECOMBINE_EVERY // 2))
    assert not prob.check(inst, res.solution)
    return {"instance": f"g{c:02d}_{n}_{s}", "columns": kind, "bins": float(res.objective),
            "recombined": res.info["recombined"]}


def _auc(scores: np.ndarray, y: np.ndarray) -> float | None:
    pos, neg = scores[y > 0], scores[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return None
    ranks = np.argsort(np.argsort(np.concatenate([pos, neg]), kind="stable"), kind="stable") + 1.0
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--moves", type=int, default=2000)
    ap.add_argument("--cover-seconds", type=float, default=2.0)
    ap.add_argument("--keep", type=int, nargs="*", default=[100, 200])
    ap.add_argument("--search-moves", type=int, default=3000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--skip-train", action="store_true", help="evaluate the shipped weights")
    ap.add_argument("--from-json", action="store_true", help="only re-render the markdown from the JSON")
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "column_filter"))
    args = ap.parse_args()
    from nnopt.solver.column_filter import ColumnModel

    if args.from_json:
        _write_md(Path(f"{args.out}.md"), render(json.loads(Path(f"{args.out}.json").read_text())))
        return
    t0 = time.time()
    report: dict[str, Any] = {"moves": args.moves, "cover_seconds": args.cover_seconds, "keep": args.keep}
    with ProcessPoolExecutor(args.jobs) as pool:
        if not args.skip_train:
            samples = list(pool.map(train_sample, [(s, args.moves, args.cover_seconds) for s in TRAIN]))
            X = np.concatenate([r["X"] for r in samples if len(r["X"])])
            y = np.concatenate([r["y"] for r in samples if len(r["X"])])
            model = ColumnModel.fit(X, y)
            model.save(WEIGHTS)
            report["train"] = {"instances": len(TRAIN), "columns": int(len(y)), "positives": int(y.sum()),
                               "auc": _auc(model.logits(X), y), "weights": model.w.round(4).tolist()}
            print("trained", report["train"], flush=True)
        rows = list(pool.map(evaluate, [(s, args.moves, args.cover_seconds, args.keep) for s in HELDOUT]))
        report["heldout"] = rows
        print("evaluated", flush=True)
        runs = list(pool.map(search, [(s, k, args.search_moves) for s in HELDOUT for k in ("none",) + FILTERS]))
        report["search"] = runs
    report["minutes"] = round((time.time() - t0) / 60, 1)
    Path(f"{args.out}.json").write_text(json.dumps(report, indent=1, default=float))
    _write_md(Path(f"{args.out}.md"), render(report))
    print(render(report))


def _write_md(path: Path, text: str) -> None:
    """Write the tables; a hand-written reading after ``COMMENTARY`` in the old file is kept."""
    if path.exists() and COMMENTARY in path.read_text():
        old = path.read_text()
        text += "\n" + old[old.index(COMMENTARY):]
    path.write_text(text)


def render(report: dict[str, Any]) -> str:
    rows = [r for r in report["heldout"] if "full" in r]
    out = ["# Learned column filter for the set-cover master", "",
           "Generated by `python benchmarks/pretrain_column_filter.py` (see its docstring): pools of "
           f"{report['moves']} ruin-and-recreate moves, covers by CP-SAT ({report['cover_seconds']} s, one worker), "
           f"{report['minutes']} min on a shared 2-core machine.", ""]
    if "train" in report:
        t = report["train"]
        out += [f"Training: {t['instances']} generated instances, {t['columns']} pool bins, {t['positives']} in a "
                f"minimum cover of their pool; AUC on the training pools {t['auc']:.3f}.", ""]
    aucs = [r["auc"] for r in rows if r.get("auc") is not None]
    fills = [r["auc_fill"] for r in rows if r.get("auc_fill") is not None]
    out += [f"Held out ({len(rows)} instances, n = 200, classes 1-10, seeds 9001-9003): mean pool "
            f"{np.mean([r['pool'] for r in rows]):.0f} bins; AUC of the learned score {np.mean(aucs):.3f} "
            f"(fill alone {np.mean(fills):.3f}) for membership in the whole pool's minimum cover.", "",
            "Cover size from the bins each filter keeps (total over the held-out pools; an item no kept bin "
            "holds counts one bin; lower is better):", "",
            "| kept | whole pool | " + " | ".join(f"`{k}`" for k in FILTERS)
            + " | learned vs fill: wins / ties / losses, p | learned vs random |",
            "|---:|---:|" + "---:|" * len(FILTERS) + "---|---|"]
    full = sum(r["full"] for r in rows)
    for keep in report["keep"]:
        tot = {k: sum(r[f"{k}_{keep}"] for r in rows) for k in FILTERS}
        cells = []
        for control in ("fill", "random"):
            a = np.array([r[f"learned_{keep}"] for r in rows], dtype=float)
            b = np.array([r[f"{control}_{keep}"] for r in rows], dtype=float)
            w, lo = int((a < b).sum()), int((a > b).sum())
            cells.append(f"{w} / {len(rows) - w - lo} / {lo}, p = {wilcoxon(a, b)[1]:.2g}")
        out.append(f"| {keep} | {full} | " + " | ".join(str(tot[k]) for k in FILTERS) + " | " + " | ".join(cells) + " |")
    runs = report["search"]
    out += ["", "The search with each filter (`ruin-recreate`, pretrained guide, recombination every 500 moves, "
            "equal moves; `none` = the problem's 2,000 fullest bins):", "",
            "| columns | bins | recombinations that improved |", "|---|---:|---:|"]
    for kind in ("none",) + FILTERS:
        sel = [r for r in runs if r["columns"] == kind]
        out.append(f"| `{kind}` | {sum(r['bins'] for r in sel):.0f} | {sum(r['recombined'] for r in sel)} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
