"""Pre-train the ruin guide across generated instances; writes binpack2d's shipped weights.

    python benchmarks/pretrain_ruin_guide.py --out problems/binpack2d/ruin_guide.npz

The guide (``nnopt.solver._guide_model``) predicts whether ruining a set of bins
will leave less out. Its inputs are the problem's ``component_features`` (fills
and sizes relative to the bin), which mean the same on every instance, so one
model can serve instances it never saw. Data: ruin-and-recreate runs with the
online ``learned`` choice (``--moves`` moves each) on generated instances of
classes 1-10 and n = 50, 100, 200, 500, seeds 1..``--seeds`` (the held-out set of
``benchmarks/ruin_guide.py`` uses seeds 9001-9005; the classic instances are never
used). Every logged move, successful or not, is a training row; a fifth of the
instances are held back to report the model's AUC. Deterministic for its arguments.
"""
from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

CLASSES = tuple(range(1, 11))
SIZES = (50, 100, 200, 500)


def _log_of(task: tuple[int, int, int, int]) -> tuple[np.ndarray, ...]:
    """The logged moves of one run: members, counts, context, success."""
    import nnopt
    import nnopt.solver.ruin_recreate as rr
    from nnopt.solver._budget import Budget

    klass, n, seed, moves = task
    prob = nnopt.get_problem("binpack2d")
    inst = prob.generate(seed, klass=klass, n=n)
    captured = {}
    make = rr.make_chooser

    def keep(*a, **kw):  # the run's chooser, to read its log afterwards
        captured["chooser"] = make(*a, **kw)
        return captured["chooser"]

    rr.make_chooser = keep
    try:
        rr.ruin_recreate(prob, inst, Budget(max_evals=moves), seed=seed, config=rr.RRConfig(choice="learned"))
    finally:
        rr.make_chooser = make
    chooser = captured.get("chooser")
    log = getattr(chooser, "_log", None)
    if log is None or log.size == 0:  # the start met the bound: no moves
        return ()
    return tuple(np.array(a) for a in log.arrays())


def _auc(score: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    pos = y > 0
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if not n1 or not n0:
        return float("nan")
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def main() -> None:
    from nnopt.solver._guide_model import GuideModel

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--moves", type=int, default=3000)
    ap.add_argument("--steps", type=int, default=3000, help="Adam steps on the pooled log")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--max-ruin", type=int, default=5)
    ap.add_argument("--out", default="problems/binpack2d/ruin_guide.npz")
    ap.add_argument("--report", default="benchmarks/results/pretrain_ruin_guide.json")
    args = ap.parse_args()
    tasks = [(c, n, s, args.moves) for c in CLASSES for n in SIZES for s in range(1, args.seeds + 1)]
    t = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        logs = list(pool.map(_log_of, tasks))
    collected = time.perf_counter() - t
    held = [i for i in range(len(tasks)) if i % 5 == 4]
    train = [i for i in range(len(tasks)) if i % 5 != 4]

    def stack(idx: list[int]) -> tuple[np.ndarray, ...]:
        parts = [logs[i] for i in idx if logs[i]]
        return tuple(np.concatenate([p[j] for p in parts]) for j in range(4))

    M, C, X, Y = stack(train)
    Mh, Ch, Xh, Yh = stack(held)
    model = GuideModel.new(M.shape[2], args.max_ruin, seed=0)
    model.fit(M, C, X, Y, args.steps, np.random.default_rng(0), batch=1024)
    z = model._forward(Mh, Ch, Xh)[0]
    report = {"instances": len(tasks), "moves_per_run": args.moves, "train_rows": int(len(Y)),
              "train_positives": int(Y.sum()), "held_rows": int(len(Yh)), "held_positives": int(Yh.sum()),
              "held_auc": round(_auc(z, Yh), 4), "held_loss": round(model.loss(Mh, Ch, Xh, Yh), 5),
              "collect_seconds": round(collected, 1), "steps": args.steps}
    model.save(args.out)
    Path(args.report).write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
