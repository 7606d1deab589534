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
  each through its own API, only where the package is installed (the optional extra
  ``blackbox-bench``; never required by nnopt; a missing one is skipped and the summary says
  so). They see bits and categories as categorical parameters, a permutation as random keys
  (argsort), and may evaluate a solution twice: every call counts against their budget, as it
  would for a user.

Budgets: a method that reads its budget (nnopt's methods, Nevergrad's optimisers, which size
their populations and portfolios by it) runs once per budget. An Optuna sampler never reads it:
its trial k depends only on the seed and the trials before it, so its run of the largest budget
of a phase gives the smaller budgets as prefixes, identical by construction to separate runs
(the row's seconds are the time to that trial).

The problems (lower is better), in four families:

- ``labs30``, ``labs50``: low-autocorrelation binary sequences (the sum of squared aperiodic
  autocorrelations of the +-1 sequence);
- ``maxcut50``, ``maxcut100``: minus the cut weight of a max-cut on G(n, 0.2) (seed 0, unit
  weights);
- ``qap12``, ``qap20``: Taillard-style quadratic assignment, flows and distances uniform on
  0..99 (seed 0). No QAPLIB instance: its data would have to be typed in from the published
  matrices, and a mistyped number would go unnoticed without the file to check against;
- ``pest25``: PestControl (Oh, Tomczak, Gavves and Welling, "Combinatorial Bayesian
  Optimization using the Graph Cartesian Product", NeurIPS 2019): 25 stages, at each one no
  pesticide or one of four, scored as the price paid plus, per stage, the share of 100
  simulated fields whose pest fraction exceeds 0.1. The dynamics and constants are the
  published ones; the random draws are fixed (common random numbers from seed 0, each
  Beta(1, b) draw by its inverse CDF from one fixed uniform), so the objective is
  deterministic.

Rows are appended to ``--csv`` (``problem,budget,method,seed,best,seconds``) as each run ends,
so an interrupted run loses nothing, and a run that finds rows already there skips them
(resume). The work is ordered so that the budgets that decide ``nnopt.minimize``'s default come
first: ``--phases 100,300;50;1000`` runs every method at 100 and 300 evaluations for every seed
and problem, then 50, then 1,000. The summary (mean +- sd per cell with seconds per run, mean
ranks, the network's paired Wilcoxon tests against every other method over seeds and problems
per budget, and against Optuna's TPE per family) goes to ``--md`` after every seed.

    nice -n 10 python benchmarks/blackbox.py --seeds 10 \\
        --csv benchmarks/results/blackbox.csv --md benchmarks/results/blackbox.md
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import os
import platform
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import nnopt
from nnopt.problems._files import atomic_write_text
from nnopt.spaces import Binary, Categorical, Permutation, Space

NNOPT_METHODS = ("network", "network-random-step", "no-model", "cem", "random")
ANCHORS = ("optuna-tpe", "optuna-tpe-multivariate", "nevergrad-ngopt", "nevergrad-discrete-1+1")
#: methods that never read the budget: one run of a phase's largest budget gives the others as prefixes
PREFIX_METHODS = ("optuna-tpe", "optuna-tpe-multivariate")
FIELDS = ["problem", "budget", "method", "seed", "best", "seconds"]
Objective = Callable[[Any], float]


# ------------------------------------------------------------------ problems
def labs(n: int) -> tuple[Objective, Space]:
    def energy(bits: Any) -> float:
        s = 2 * np.asarray(bits, dtype=np.int64) - 1
        return float(sum(int(np.dot(s[:-k], s[k:])) ** 2 for k in range(1, n)))

    return energy, Binary(n)


def maxcut(n: int, p: float, seed: int) -> tuple[Objective, Space]:
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.random((n, n)) < p, k=1)
    edges = np.argwhere(upper)

    def minus_cut(bits: Any) -> float:
        side = np.asarray(bits, dtype=bool)
        return -float((side[edges[:, 0]] != side[edges[:, 1]]).sum())

    return minus_cut, Binary(n)


def qap(n: int, seed: int) -> tuple[Objective, Space]:
    rng = np.random.default_rng(seed)
    flow = rng.integers(0, 100, (n, n))
    dist = rng.integers(0, 100, (n, n))
    np.fill_diagonal(flow, 0)
    np.fill_diagonal(dist, 0)

    def cost(perm: Any) -> float:
        p = np.asarray(perm)
        return float((flow * dist[np.ix_(p, p)]).sum())

    return cost, Permutation(n)


def pest_control(stages: int = 25, fields: int = 100, seed: int = 0) -> tuple[Objective, Space]:
    """PestControl as published by Oh et al. (2019); see the module's docstring.

    Each stage: with no pesticide the pest fraction f of a field grows to f + r (1 - f), r drawn
    from Beta(1, 17/3); pesticide j cuts it to (1 - c) f, c drawn from Beta(1, b_j), and each use
    of j raises b_j by its tolerance rate / stages (pests grow resistant). Pesticide j costs its
    price times (1 - its largest discount / stages x the number of stages that use j). The
    initial fractions are drawn from Beta(1, 30); the threshold is 0.1.
    """
    price = np.array([0.0, 1.0, 0.8, 0.7, 0.5])
    max_discount = np.array([0.0, 0.2, 0.3, 0.3, 0.0])
    tolerance_rate = np.array([0.0, 1.0, 2.5, 2.0, 0.5]) / 7.0
    control_beta0 = np.array([0.0, 2.0, 3.0, 3.0, 5.0]) / 7.0
    spread_beta, initial_beta, threshold = 17.0 / 3.0, 30.0, 0.1
    rng = np.random.default_rng(seed)
    u_initial, u_spread, u_control = rng.random(fields), rng.random((stages, fields)), rng.random((stages, fields))

    def beta_one(u: np.ndarray, b: float) -> np.ndarray:
        """Beta(1, b) by its inverse CDF: F(x) = 1 - (1 - x)^b."""
        return 1.0 - (1.0 - u) ** (1.0 / b)

    initial = beta_one(u_initial, initial_beta)

    def cost(choice: Any) -> float:
        x = np.asarray(choice, dtype=np.int64)
        uses = np.bincount(x, minlength=5)
        beta = control_beta0.copy()
        frac = initial
        paid = 0.0
        infested = 0.0
        for t, j in enumerate(x):
            infested += float(np.mean(frac > threshold))
            if j > 0:
                frac = (1.0 - beta_one(u_control[t], beta[j])) * frac
                beta[j] += tolerance_rate[j] / stages
                paid += price[j] * (1.0 - max_discount[j] / stages * uses[j])
            else:
                frac = frac + beta_one(u_spread[t], spread_beta) * (1.0 - frac)
        return paid + infested

    return cost, Categorical([5] * stages)


PROBLEMS: dict[str, Callable[[], tuple[Objective, Space]]] = {
    "labs30": lambda: labs(30),
    "labs50": lambda: labs(50),
    "maxcut50": lambda: maxcut(50, 0.2, 0),
    "maxcut100": lambda: maxcut(100, 0.2, 0),
    "qap12": lambda: qap(12, 0),
    "qap20": lambda: qap(20, 0),
    "pest25": lambda: pest_control(),
}
FAMILIES = {"labs30": "labs", "labs50": "labs", "maxcut50": "maxcut", "maxcut100": "maxcut",
            "qap12": "qap", "qap20": "qap", "pest25": "pest"}


# ------------------------------------------------------------------ anchors, each through its own API
def _leaf(space: Space) -> Binary | Categorical | Permutation:
    if not isinstance(space, (Binary, Categorical, Permutation)):
        raise SystemExit(f"the anchors here handle one Binary, Categorical or Permutation space, got {space!r}")
    return space


def run_optuna(fn: Objective, space: Space, budgets: list[int], seed: int,
               multivariate: bool) -> list[tuple[int, float, float]]:
    """One study of max(budgets) trials; (budget, best, seconds) at each budget, read as prefixes."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    leaf = _leaf(space)
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=multivariate)
    study = optuna.create_study(sampler=sampler)
    best = np.inf
    out: list[tuple[int, float, float]] = []
    t0 = time.perf_counter()
    for k in range(1, max(budgets) + 1):
        trial = study.ask()
        if isinstance(leaf, Binary):
            sol: Any = np.array([trial.suggest_categorical(f"x{i}", [0, 1]) for i in range(leaf.n)], dtype=bool)
        elif isinstance(leaf, Categorical):
            sol = [trial.suggest_categorical(f"x{i}", list(range(int(c)))) for i, c in enumerate(leaf.counts)]
        else:
            keys = np.array([trial.suggest_float(f"k{i}", 0.0, 1.0) for i in range(leaf.n)])
            sol = np.argsort(keys, kind="stable")
        value = fn(sol)
        study.tell(trial, value)
        best = min(best, value)
        if k in budgets:
            out.append((k, float(best), time.perf_counter() - t0))
    return out


def _nevergrad_metamodel_fallback() -> None:
    """Nevergrad 1.0.12's metamodel step calls float() on a one-element array, which numpy 2.4
    refuses with a TypeError (on random keys, in NGOpt's continuous branch). Nevergrad already
    falls back to its base optimiser when the metamodel fails (``MetaModelFailure``): this turns
    that TypeError into the same failure, so NGOpt runs as it would when its metamodel declines."""
    from nevergrad.optimization import metamodel, optimizerlib

    original = optimizerlib.learn_on_k_best
    if getattr(original, "falls_back", False):
        return

    def learn_or_fail(*args: Any, **kwargs: Any) -> Any:
        try:
            return original(*args, **kwargs)
        except TypeError as exc:
            raise metamodel.MetaModelFailure(f"metamodel step failed: {exc}") from exc

    learn_or_fail.falls_back = True  # type: ignore[attr-defined]
    optimizerlib.learn_on_k_best = learn_or_fail


def run_nevergrad(fn: Objective, space: Space, budget: int, seed: int, optimiser: str) -> float:
    import nevergrad as ng

    _nevergrad_metamodel_fallback()
    leaf = _leaf(space)
    param: Any
    if isinstance(leaf, Binary):
        param = ng.p.Choice([0, 1], repetitions=leaf.n)

        def wrapped(x: Any) -> float:
            return fn(np.asarray(x, dtype=bool))
    elif isinstance(leaf, Categorical):
        param = ng.p.Tuple(*(ng.p.Choice(list(range(int(c)))) for c in leaf.counts))

        def wrapped(x: Any) -> float:
            return fn(list(x))
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


def run(method: str, fn: Objective, space: Space, budgets: list[int], seed: int) -> list[tuple[int, float, float]]:
    """(budget, best, seconds) for each of ``budgets``: one run per budget, or prefixes of one run."""
    if method in PREFIX_METHODS:
        return run_optuna(fn, space, budgets, seed, multivariate=method.endswith("multivariate"))
    out = []
    for budget in budgets:
        t0 = time.perf_counter()
        if method in NNOPT_METHODS:
            best = nnopt.minimize(fn, space, max_evals=budget, seed=seed, method=method).fun
        else:
            best = run_nevergrad(fn, space, budget, seed,
                                 "NGOpt" if method == "nevergrad-ngopt" else "DiscreteOnePlusOne")
        out.append((budget, float(best), time.perf_counter() - t0))
    return out


def missing_packages() -> dict[str, str]:
    """Anchor -> the optional package it needs, for the anchors whose package is not installed."""
    needs = {"optuna-tpe": "optuna", "optuna-tpe-multivariate": "optuna",
             "nevergrad-ngopt": "nevergrad", "nevergrad-discrete-1+1": "nevergrad"}
    return {m: pkg for m, pkg in needs.items() if importlib.util.find_spec(pkg) is None}


def available_methods() -> list[str]:
    missing = missing_packages()
    return [m for m in (*NNOPT_METHODS, *ANCHORS) if m not in missing]


# ------------------------------------------------------------------ rows on disk
def read_rows(path: str) -> list[dict[str, Any]]:
    if not Path(path).exists():
        return []
    with open(path, newline="") as f:
        return [{"problem": r["problem"], "budget": int(r["budget"]), "method": r["method"], "seed": int(r["seed"]),
                 "best": float(r["best"]), "seconds": float(r["seconds"])} for r in csv.DictReader(f)]


def append_row(path: str, row: dict[str, Any]) -> None:
    """One finished run, on disk before the next starts (a line at a time, flushed and synced)."""
    new = not Path(path).exists() or Path(path).stat().st_size == 0
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerow(row)
        f.flush()
        os.fsync(f.fileno())


# ------------------------------------------------------------------ summary
def _ranks(values: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(values, method="average")


def _wilcoxon(d: np.ndarray) -> tuple[int, int, int, float]:
    from scipy.stats import wilcoxon

    better, worse = int((d < 0).sum()), int((d > 0).sum())
    pval = float(wilcoxon(d).pvalue) if better + worse > 0 else 1.0
    return better, worse, len(d) - better - worse, pval


def summary(rows: list[dict[str, Any]], note: str = "") -> str:
    cells: dict[tuple[str, int, str], dict[int, float]] = defaultdict(dict)
    secs: dict[tuple[str, int, str], list[float]] = defaultdict(list)
    for r in rows:
        cells[(r["problem"], r["budget"], r["method"])][r["seed"]] = r["best"]
        secs[(r["problem"], r["budget"], r["method"])].append(r["seconds"])
    problems = [p for p in PROBLEMS if any(k[0] == p for k in cells)]
    budgets = sorted({k[1] for k in cells})
    methods = [m for m in (*NNOPT_METHODS, *ANCHORS) if any(k[2] == m for k in cells)]
    out = io.StringIO()
    out.write("# Black-box objectives at equal evaluations\n\n")
    out.write(f"Written by `benchmarks/blackbox.py` on {platform.machine()} (Python {platform.python_version()}, "
              "one process at `nice -n 10` on a 2-core machine shared with other work, so seconds are "
              "indicative). Lower is better; each cell is the mean ± sd of the best value over the seeds "
              "run, with the seeds in brackets when fewer than all, and the mean wall time per run.\n\n")
    if note:
        out.write(note.rstrip() + "\n\n")
    missing = missing_packages()
    if missing:
        out.write("Skipped (optional package not installed): "
                  + ", ".join(f"`{m}` ({pkg})" for m, pkg in missing.items()) + ".\n\n")
    out.write("Nevergrad 1.0.12's metamodel step fails under numpy 2.4 (a TypeError in its own code); "
              "the benchmark turns that into the metamodel failure Nevergrad already handles, so NGOpt "
              "falls back to its base optimiser there, as it does whenever its metamodel declines.\n\n")
    out.write("Optuna's samplers never read the budget: their 50, 100 and 300 rows are prefixes of one "
              "run per seed (identical by construction to separate runs; seconds to that trial). Every "
              "other method runs once per budget.\n\n")
    n_seeds = max((len(v) for v in cells.values()), default=0)
    for b in budgets:
        out.write(f"## {b} evaluations\n\n| problem | " + " | ".join(methods) + " |\n|---|"
                  + "---|" * len(methods) + "\n")
        for p in problems:
            cell = []
            for m in methods:
                vals = np.array(list(cells[(p, b, m)].values()))
                if not len(vals):
                    cell.append("–")
                    continue
                sd = vals.std(ddof=1) if len(vals) > 1 else 0.0
                count = f" [{len(vals)}]" if len(vals) < n_seeds else ""
                cell.append(f"{vals.mean():.4g} ± {sd:.2g}{count} ({np.mean(secs[(p, b, m)]):.2g} s)")
            out.write(f"| {p} | " + " | ".join(cell) + " |\n")
        out.write("\n")

    def mean_ranks(among: list[str], b: int) -> dict[str, float]:
        ranks: dict[str, list[float]] = defaultdict(list)
        for p in problems:
            if not all(cells[(p, b, m)] for m in among):
                continue
            for s in sorted(set.intersection(*(set(cells[(p, b, m)]) for m in among))):
                for m, rk in zip(among, _ranks(np.array([cells[(p, b, m)][s] for m in among]))):
                    ranks[m].append(float(rk))
        return {m: float(np.mean(v)) for m, v in ranks.items()}

    out.write("## Mean rank per budget (1 is best; ties share the mean rank; over the problems and seeds "
              "every method ran)\n\n| budget | " + " | ".join(methods) + " |\n|---|" + "---|" * len(methods) + "\n")
    for b in budgets:
        r = mean_ranks(methods, b)
        out.write(f"| {b} | " + " | ".join(f"{r[m]:.2f}" if m in r else "–" for m in methods) + " |\n")
    own = [m for m in NNOPT_METHODS if m in methods]
    out.write("\n## Mean rank among nnopt's own methods\n\n| budget | " + " | ".join(own) + " |\n|---|"
              + "---|" * len(own) + "\n")
    for b in budgets:
        r = mean_ranks(own, b)
        out.write(f"| {b} | " + " | ".join(f"{r[m]:.2f}" if m in r else "–" for m in own) + " |\n")
    if "network" in methods:
        out.write("\n## network against each method, paired over seeds and problems (Wilcoxon signed-rank)\n\n"
                  "| budget | against | network better / worse / tied | p (two-sided) |\n|---|---|---|---|\n")
        for b in budgets:
            for m in methods:
                if m == "network":
                    continue
                d = np.array([cells[(p, b, "network")][s] - cells[(p, b, m)][s] for p in problems
                              for s in cells[(p, b, "network")] if s in cells[(p, b, m)]])
                if len(d):
                    better, worse, tied, pval = _wilcoxon(d)
                    out.write(f"| {b} | {m} | {better} / {worse} / {tied} | {pval:.3g} |\n")
        if "optuna-tpe" in methods:
            out.write("\n## network against optuna-tpe per family (Wilcoxon over seeds and the family's problems)"
                      "\n\n| budget | family | network better / worse / tied | p (two-sided) |\n|---|---|---|---|\n")
            for b in budgets:
                for fam in dict.fromkeys(FAMILIES[p] for p in problems):
                    d = np.array([cells[(p, b, "network")][s] - cells[(p, b, "optuna-tpe")][s]
                                  for p in problems if FAMILIES[p] == fam
                                  for s in cells[(p, b, "network")] if s in cells[(p, b, "optuna-tpe")]])
                    if len(d):
                        better, worse, tied, pval = _wilcoxon(d)
                        out.write(f"| {b} | {fam} | {better} / {worse} / {tied} | {pval:.3g} |\n")
    out.write(verdict(cells, problems, methods, mean_ranks))
    return out.getvalue()


def verdict(cells: dict[tuple[str, int, str], dict[int, float]], problems: list[str], methods: list[str],
            mean_ranks: Callable[[list[str], int], dict[str, float]]) -> str:
    """The rule that sets ``nnopt.minimize``'s default, applied to these rows.

    The network becomes the default only if, at 100 and at 300 evaluations, it beats both its
    controls (random step, no model) with p < 0.01 paired over seeds and problems, and against
    Optuna's TPE is not significantly worse (p < 0.05) on at least three of the four families and
    significantly better on at least one. Otherwise the default is nnopt's own method with the best
    mean rank (among nnopt's methods) over 100 and 300 evaluations.
    """
    budgets = [b for b in (100, 300) if any(k[1] == b and k[2] == "network" for k in cells)]
    own = [m for m in NNOPT_METHODS if m in methods]
    if not budgets or "network" not in methods:
        return ""

    def paired(b: int, m: str, probs: list[str]) -> np.ndarray:
        return np.array([cells[(p, b, "network")][s] - cells[(p, b, m)][s] for p in probs
                         for s in cells[(p, b, "network")] if s in cells[(p, b, m)]])

    lines = ["", "## The default this table sets", ""]
    network_wins = True
    for b in budgets:
        for control in ("network-random-step", "no-model"):
            d = paired(b, control, problems)
            better, worse, _, pval = _wilcoxon(d) if len(d) else (0, 0, 0, 1.0)
            ok = better > worse and pval < 0.01
            network_wins &= ok
            lines.append(f"- {b} evaluations, network against {control}: {better} better / {worse} worse, "
                         f"p = {pval:.3g}: {'beats it' if ok else 'does not beat it'} at p < 0.01")
        if "optuna-tpe" in methods:
            families = list(dict.fromkeys(FAMILIES[p] for p in problems))
            not_worse = better_on = 0
            for fam in families:
                d = paired(b, "optuna-tpe", [p for p in problems if FAMILIES[p] == fam])
                better, worse, _, pval = _wilcoxon(d) if len(d) else (0, 0, 0, 1.0)
                not_worse += not (worse > better and pval < 0.05)
                better_on += better > worse and pval < 0.05
            ok = not_worse >= 3 and better_on >= 1
            network_wins &= ok
            lines.append(f"- {b} evaluations, network against optuna-tpe: not significantly worse on {not_worse} "
                         f"of {len(families)} families, significantly better on {better_on}: "
                         f"{'enough' if ok else 'not enough'} (3 and 1 needed)")
        else:
            network_wins = False
            lines.append(f"- {b} evaluations: optuna-tpe was not run, so the network cannot be shown its equal")
    ranks = {m: float(np.mean([mean_ranks(own, b).get(m, np.nan) for b in budgets])) for m in own}
    best = min(ranks, key=lambda m: ranks[m])
    lines.append("- mean rank among nnopt's methods over " + " and ".join(map(str, budgets)) + " evaluations: "
                 + ", ".join(f"{m} {r:.2f}" for m, r in sorted(ranks.items(), key=lambda kv: kv[1])))
    chosen = "network" if network_wins else best
    lines += ["", f"So `method=\"auto\"` runs **{chosen}**"
              + (": the network met every condition." if network_wins else
                 ": the network did not meet every condition, and this is nnopt's best-ranked method here."), ""]
    return "\n".join(lines)


# ------------------------------------------------------------------ the run
def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--phases", default="100,300;50;1000",
                    help="budgets, a phase's separated by commas, phases by semicolons, run in this order")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--methods", default="", help="comma-separated; default: every available one")
    ap.add_argument("--csv", default="benchmarks/results/blackbox.csv")
    ap.add_argument("--md", default="benchmarks/results/blackbox.md")
    ap.add_argument("--note", default="", help="a paragraph for the summary's head (what the run covers)")
    ap.add_argument("--summary-only", action="store_true", help="write --md from the rows in --csv, run nothing")
    args = ap.parse_args()
    if args.summary_only:
        atomic_write_text(args.md, summary(read_rows(args.csv), args.note))
        return
    methods = args.methods.split(",") if args.methods else available_methods()
    unknown = [m for m in methods if m not in (*NNOPT_METHODS, *ANCHORS)]
    if unknown:
        raise SystemExit(f"--methods: unknown method {unknown[0]!r} (known: {', '.join(NNOPT_METHODS + ANCHORS)})")
    for m, pkg in missing_packages().items():
        if m in methods:
            raise SystemExit(f"--methods: {m} needs the optional package {pkg} (pip install nnopt[blackbox-bench])")
    names = args.problems.split(",")
    for name in names:
        if name not in PROBLEMS:
            raise SystemExit(f"--problems: unknown problem {name!r} (known: {', '.join(PROBLEMS)})")
    phases = [[int(b) for b in ph.split(",")] for ph in args.phases.split(";")]
    instances = {name: PROBLEMS[name]() for name in names}
    rows = read_rows(args.csv)
    done = {(r["problem"], r["budget"], r["method"], r["seed"]) for r in rows}
    for budgets in phases:
        for seed in range(args.seeds):
            for name in names:
                fn, space = instances[name]
                for method in methods:
                    todo = [b for b in budgets if (name, b, method, seed) not in done]
                    if not todo:
                        continue
                    try:
                        results = run(method, fn, space, todo, seed)
                    except Exception as exc:  # an anchor's own failure: no row, said in the log and the summary
                        if method in NNOPT_METHODS:
                            raise
                        print(f"{name} {todo} {method} seed {seed}: FAILED {type(exc).__name__}: {exc}", flush=True)
                        continue
                    for budget, best, seconds in results:
                        row = {"problem": name, "budget": budget, "method": method, "seed": seed,
                               "best": best, "seconds": round(seconds, 3)}
                        append_row(args.csv, row)
                        rows.append(row)
                        done.add((name, budget, method, seed))
                        print(f"{name} {budget} {method} seed {seed}: {best:g} ({row['seconds']} s)", flush=True)
            atomic_write_text(args.md, summary(rows, args.note))


if __name__ == "__main__":
    main()
