"""Black-box objectives at equal evaluations: the network loop against its controls and other tools.

Each problem is one fixed instance; each method gets the same number of evaluations of the
objective (``--budgets``) on each seed, and a row records the best value it found and its wall
time. The methods:

- ``network``: ``nnopt.minimize(method="network")``, the ensemble of small networks with
  gradient extraction on the relaxed solution;
- ``network-random-step`` and ``no-model``: the same loop with a random step of the same length,
  and with no model at all (the controls that say whether the gradient and the model help);
- ``cem`` and ``random``: ``nnopt.minimize``'s cross-entropy search and uniform samples;
- ``optuna-tpe``, ``optuna-tpe-multivariate``, ``nevergrad-ngopt``, ``nevergrad-discrete-1+1``:
  each through its own API, only where the package is installed (optional benchmark
  dependencies, never required by nnopt). They see bits and categories as categorical
  parameters, a permutation as random keys (argsort), and may evaluate a solution twice:
  every call counts against their budget, as it would for a user.

The problems (lower is better):

- ``labs30``: low-autocorrelation binary sequences, n = 30 (the sum of squared aperiodic
  autocorrelations of the +-1 sequence);
- ``maxcut50``: minus the cut weight of a max-cut on G(50, 0.2) (seed 0, unit weights);
- ``qap12``: a Taillard-style quadratic assignment, n = 12, flows and distances uniform on
  0..99 (seed 0).

Rows go to ``--csv`` (``problem,budget,method,seed,best,seconds``); the summary (mean +- sd per
cell, mean ranks, and the network's paired Wilcoxon tests against every other method over seeds
and problems per budget) to ``--md``.

    nice -n 10 python benchmarks/blackbox.py --budgets 50,100,300 --seeds 10 \\
        --csv benchmarks/results/blackbox.csv --md benchmarks/results/blackbox.md
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import platform
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

import nnopt
from nnopt.problems._files import atomic_write_text
from nnopt.spaces import Binary, Permutation, Space

NNOPT_METHODS = ("network", "network-random-step", "no-model", "cem", "random")
ANCHORS = ("optuna-tpe", "optuna-tpe-multivariate", "nevergrad-ngopt", "nevergrad-discrete-1+1")


# ------------------------------------------------------------------ problems
def labs(n: int) -> tuple[Callable[[Any], float], Space]:
    def energy(bits: Any) -> float:
        s = 2 * np.asarray(bits, dtype=np.int64) - 1
        return float(sum(int(np.dot(s[:-k], s[k:])) ** 2 for k in range(1, n)))

    return energy, Binary(n)


def maxcut(n: int, p: float, seed: int) -> tuple[Callable[[Any], float], Space]:
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.random((n, n)) < p, k=1)
    edges = np.argwhere(upper)

    def minus_cut(bits: Any) -> float:
        side = np.asarray(bits, dtype=bool)
        return -float((side[edges[:, 0]] != side[edges[:, 1]]).sum())

    return minus_cut, Binary(n)


def qap(n: int, seed: int) -> tuple[Callable[[Any], float], Space]:
    rng = np.random.default_rng(seed)
    flow = rng.integers(0, 100, (n, n))
    dist = rng.integers(0, 100, (n, n))
    np.fill_diagonal(flow, 0)
    np.fill_diagonal(dist, 0)

    def cost(perm: Any) -> float:
        p = np.asarray(perm)
        return float((flow * dist[np.ix_(p, p)]).sum())

    return cost, Permutation(n)


PROBLEMS: dict[str, Callable[[], tuple[Callable[[Any], float], Space]]] = {
    "labs30": lambda: labs(30),
    "maxcut50": lambda: maxcut(50, 0.2, 0),
    "qap12": lambda: qap(12, 0),
}


# ------------------------------------------------------------------ anchors, each through its own API
def _leaf(space: Space) -> Binary | Permutation:
    if not isinstance(space, (Binary, Permutation)):
        raise SystemExit(f"the anchors here handle Binary and Permutation spaces, got {space!r}")
    return space


def run_optuna(fn: Callable[[Any], float], space: Space, budget: int, seed: int, multivariate: bool) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    leaf = _leaf(space)
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=multivariate)
    study = optuna.create_study(sampler=sampler)

    def objective(trial: Any) -> float:
        if isinstance(leaf, Binary):
            sol = np.array([trial.suggest_categorical(f"x{i}", [0, 1]) for i in range(leaf.n)], dtype=bool)
        else:
            keys = np.array([trial.suggest_float(f"k{i}", 0.0, 1.0) for i in range(leaf.n)])
            sol = np.argsort(keys, kind="stable")
        return fn(sol)

    study.optimize(objective, n_trials=budget)
    return float(study.best_value)


def run_nevergrad(fn: Callable[[Any], float], space: Space, budget: int, seed: int, optimiser: str) -> float:
    import nevergrad as ng

    leaf = _leaf(space)
    if isinstance(leaf, Binary):
        param: Any = ng.p.Choice([0, 1], repetitions=leaf.n)

        def wrapped(x: Any) -> float:
            return fn(np.asarray(x, dtype=bool))
    else:
        param = ng.p.Array(shape=(leaf.n,))

        def wrapped(x: Any) -> float:
            return fn(np.argsort(np.asarray(x), kind="stable"))
    param.random_state = np.random.RandomState(seed)
    opt = ng.optimizers.registry[optimiser](parametrization=param, budget=budget)
    best = np.inf
    for _ in range(budget):
        cand = opt.ask()
        value = wrapped(cand.value)
        best = min(best, value)
        opt.tell(cand, value)
    return float(best)


def run(method: str, fn: Callable[[Any], float], space: Space, budget: int, seed: int) -> float:
    if method in NNOPT_METHODS:
        return nnopt.minimize(fn, space, max_evals=budget, seed=seed, method=method).fun
    if method.startswith("optuna-tpe"):
        return run_optuna(fn, space, budget, seed, multivariate=method.endswith("multivariate"))
    return run_nevergrad(fn, space, budget, seed, "NGOpt" if method == "nevergrad-ngopt" else "DiscreteOnePlusOne")


def available_methods() -> list[str]:
    out = list(NNOPT_METHODS)
    if importlib.util.find_spec("optuna") is not None:
        out += ["optuna-tpe", "optuna-tpe-multivariate"]
    if importlib.util.find_spec("nevergrad") is not None:
        out += ["nevergrad-ngopt", "nevergrad-discrete-1+1"]
    return out


# ------------------------------------------------------------------ summary
def summary(rows: list[dict[str, Any]]) -> str:
    from scipy.stats import wilcoxon

    cells: dict[tuple[str, int, str], dict[int, float]] = defaultdict(dict)
    secs: dict[tuple[str, int, str], list[float]] = defaultdict(list)
    for r in rows:
        cells[(r["problem"], r["budget"], r["method"])][r["seed"]] = r["best"]
        secs[(r["problem"], r["budget"], r["method"])].append(r["seconds"])
    problems = sorted({k[0] for k in cells})
    budgets = sorted({k[1] for k in cells})
    methods = [m for m in (*NNOPT_METHODS, *ANCHORS) if any(k[2] == m for k in cells)]
    out = io.StringIO()
    out.write("# Black-box objectives at equal evaluations\n\n")
    out.write(f"Written by `benchmarks/blackbox.py` on {platform.machine()} ({platform.python_version()}); "
              "lower is better; mean ± sd over seeds, seconds per run beside it.\n\n")
    out.write("| problem | budget | " + " | ".join(methods) + " |\n|---|---|" + "---|" * len(methods) + "\n")
    ranks: dict[tuple[int, str], list[float]] = defaultdict(list)
    for p in problems:
        for b in budgets:
            cell = []
            for m in methods:
                vals = np.array(list(cells[(p, b, m)].values()))
                cell.append(f"{vals.mean():.1f} ± {vals.std(ddof=1) if len(vals) > 1 else 0:.1f} "
                            f"({np.mean(secs[(p, b, m)]):.2f} s)")
            out.write(f"| {p} | {b} | " + " | ".join(cell) + " |\n")
            seeds = sorted(set.intersection(*(set(cells[(p, b, m)]) for m in methods)))
            for s in seeds:
                vals = np.array([cells[(p, b, m)][s] for m in methods])
                order = vals.argsort(kind="stable").argsort().astype(float) + 1  # ties: not averaged
                for m, rk in zip(methods, order):
                    ranks[(b, m)].append(float(rk))
    out.write("\n## Mean rank per budget (1 is best)\n\n| budget | " + " | ".join(methods) + " |\n|---|"
              + "---|" * len(methods) + "\n")
    for b in budgets:
        out.write(f"| {b} | " + " | ".join(f"{np.mean(ranks[(b, m)]):.2f}" for m in methods) + " |\n")
    if "network" in methods:
        out.write("\n## network against each method, paired over seeds and problems (Wilcoxon signed-rank)\n\n"
                  "| budget | against | network better / worse / tied | p (two-sided) |\n|---|---|---|---|\n")
        for b in budgets:
            for m in methods:
                if m == "network":
                    continue
                diffs = [cells[(p, b, "network")][s] - cells[(p, b, m)][s] for p in problems
                         for s in cells[(p, b, "network")] if s in cells[(p, b, m)]]
                d = np.array(diffs)
                better, worse = int((d < 0).sum()), int((d > 0).sum())
                pval = float(wilcoxon(d).pvalue) if better + worse > 0 else 1.0
                out.write(f"| {b} | {m} | {better} / {worse} / {len(d) - better - worse} | {pval:.3g} |\n")
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budgets", default="50,100,300")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--methods", default="", help="comma-separated; default: every available one")
    ap.add_argument("--csv", default="benchmarks/results/blackbox.csv")
    ap.add_argument("--md", default="benchmarks/results/blackbox.md")
    args = ap.parse_args()
    methods = args.methods.split(",") if args.methods else available_methods()
    unknown = [m for m in methods if m not in (*NNOPT_METHODS, *ANCHORS)]
    if unknown:
        raise SystemExit(f"--methods: unknown method {unknown[0]!r} (known: {', '.join(NNOPT_METHODS + ANCHORS)})")
    rows: list[dict[str, Any]] = []
    for name in args.problems.split(","):
        if name not in PROBLEMS:
            raise SystemExit(f"--problems: unknown problem {name!r} (known: {', '.join(PROBLEMS)})")
        fn, space = PROBLEMS[name]()
        for budget in (int(b) for b in args.budgets.split(",")):
            for method in methods:
                for seed in range(args.seeds):
                    t0 = time.perf_counter()
                    best = run(method, fn, space, budget, seed)
                    rows.append({"problem": name, "budget": budget, "method": method, "seed": seed,
                                 "best": best, "seconds": round(time.perf_counter() - t0, 3)})
                    print(f"{name} {budget} {method} seed {seed}: {best:g} ({rows[-1]['seconds']} s)", flush=True)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["problem", "budget", "method", "seed", "best", "seconds"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(args.csv, text.getvalue())
    atomic_write_text(args.md, summary(rows))


if __name__ == "__main__":
    main()
