"""The network as a guide for ruin and recreate, against its controls.

    python benchmarks/ruin_guide.py --set heldout --moves 200 1000 --time-limit 10 --jobs 2 \
        --out benchmarks/results/ruin_guide

Options of ``ruin-recreate``'s component choice (``nnopt.solver.ruin_guide``):
``learned`` (best of 16 candidate ruins, half weakness-drawn, half uniform, by the guide network, trained
online on this run's moves), ``pretrained`` (the same from the shipped weights,
trained on generated instances only), ``gradient`` (extraction moves a soft mask
over the bins) and the controls ``weakness`` (the default) and ``random``.

Sets: ``heldout`` — 100 generated instances, classes 1-10, n = 200 and 500, seeds
9001-9005 (never used in pre-training, which uses seeds below 9000); ``tuning`` — the
same classes and sizes, seeds 8001-8003, where the guide's settings are chosen; ``classic`` —
the 500 classic instances in ``benchmarks/data/2bp``. Budgets: equal moves
(``--moves``; the network's own time not counted, reproducible bit for bit) and
equal wall time (``--time-limit``; everything counted, kernels compiled and torch
imported once per worker before the timed runs). Recombination is off in every row
(it had no measured effect, ``bin_search_ablation.md``, and its CP-SAT slices are
timed, so equal-move rows would not reproduce).

Measures per run: bins, and the *smooth cost* ``bins - 1 + left_out`` while the
search still leaves items out of its one-bin-fewer target (``bins`` when it got there
or stopped at the bound): the bins the best state needed, counting the left-out
area in bins. Pairs: Wilcoxon signed-rank per (instance, budget), each option against
each control.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from ablation import wilcoxon

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "benchmarks" / "data" / "2bp" / "instances"
OPTIONS = ("weakness", "random", "learned", "pretrained", "gradient")
CONTROLS = ("weakness", "random")
NETWORK = ("learned", "pretrained", "gradient")
HELDOUT_SEEDS = (9001, 9002, 9003, 9004, 9005)
#: the tuning set's seeds: settings of the guide are chosen there, never on the held-out set
TUNING_SEEDS = (8001, 8002, 8003)
#: Everything from this line on in the results markdown is hand-written commentary, kept by reruns.
COMMENTARY = "<!-- commentary: kept when the tables above are regenerated -->"
FIELDS = ("instance", "budget", "option", "bins", "smooth", "lower_bound", "seconds", "moves", "improved",
          "guided", "verified")


def heldout() -> list[tuple[str, dict[str, Any]]]:
    """(name, generator parameters) of the held-out set."""
    return [(f"g{c:02d}_{n:03d}_{s}", {"seed": s, "klass": c, "n": n})
            for c in range(1, 11) for n in (200, 500) for s in HELDOUT_SEEDS]


def tuning() -> list[tuple[str, dict[str, Any]]]:
    """(name, generator parameters) of the tuning set: like the held-out set, other seeds."""
    return [(f"t{c:02d}_{n:03d}_{s}", {"seed": s, "klass": c, "n": n})
            for c in range(1, 11) for n in (200, 500) for s in TUNING_SEEDS]


def classic() -> list[tuple[str, dict[str, Any]]]:
    return [(p.stem, {"path": str(p)}) for p in sorted(DATA.glob("*.json"))]


#: ``--recreate`` settings, handed to the workers through their environment
RECREATE_ENV = "RUIN_GUIDE_RECREATE"


def _recreate_settings(prob: Any) -> None:
    """Apply ``--recreate KEY=VALUE,...`` (binpack2d's ``RecreateSettings``) to ``prob``."""
    text = os.environ.get(RECREATE_ENV, "")
    if not text:
        return
    import dataclasses

    values = {k: type(getattr(prob.recreate_settings, k))(float(v) if "." in v else int(v))
              for k, v in (kv.split("=", 1) for kv in text.split(",") if kv)}
    prob.recreate_settings = dataclasses.replace(prob.recreate_settings, **values)


def _check_recreate(ap: argparse.ArgumentParser, text: str) -> None:
    """One clear line for a ``--recreate`` key that binpack2d's settings do not have, before any worker starts."""
    import dataclasses

    from nnopt.problems.binpack2d._ruin import RecreateSettings

    known = {f.name for f in dataclasses.fields(RecreateSettings)}
    for kv in filter(None, text.split(",")):
        key, eq, value = kv.partition("=")
        if key not in known or not eq:
            ap.error(f"--recreate: {kv!r} is not KEY=VALUE with KEY one of {', '.join(sorted(known))}")
        try:
            float(value)
        except ValueError:
            ap.error(f"--recreate: {key}={value!r} is not a number")


def _instance(spec: dict[str, Any]) -> tuple[Any, Any]:
    import nnopt

    if "path" in spec:
        prob, inst = nnopt.load_instance(spec["path"])
    else:
        prob = nnopt.get_problem("binpack2d")
        inst = prob.generate(spec["seed"], klass=spec["klass"], n=spec["n"])
    _recreate_settings(prob)
    return prob, inst


def _config(option: str) -> Any:
    """The loop's settings for an option: a choice, optionally with guide settings after a colon
    (``pretrained:candidates=8``)."""
    from nnopt.solver.ruin_recreate import RRConfig

    choice, _, extra = option.partition(":")
    guide = tuple((k, int(v) if v.lstrip("-").isdigit() else float(v))
                  for k, v in (kv.split("=", 1) for kv in extra.split(",") if kv))
    return RRConfig(choice=choice, guide=guide)


def _base(option: str) -> str:
    return option.partition(":")[0]


def _warm(options: list[str]) -> None:
    """Compile every kernel and import torch in this worker, outside the measured runs."""
    from nnopt.solver._budget import Budget
    from nnopt.solver.ruin_recreate import ruin_recreate

    prob, inst = _instance({"seed": 1, "klass": 7, "n": 60})
    for option in options:
        ruin_recreate(prob, inst, Budget(max_evals=400), seed=0, config=_config(option))
    import torch  # noqa: F401  (the gradient option's extraction)


def run_one(task: tuple[str, dict[str, Any], str, str, float]) -> dict[str, Any]:
    from nnopt.solver._budget import Budget
    from nnopt.solver.ruin_recreate import ruin_recreate

    name, spec, budget_name, option, amount = task
    prob, inst = _instance(spec)
    budget = Budget(max_evals=int(amount)) if budget_name.startswith("moves") else Budget(time_limit=amount)
    t = time.perf_counter()
    res = ruin_recreate(prob, inst, budget, seed=0, config=_config(option))
    seconds = time.perf_counter() - t
    bins = float(res.objective)
    left = float(res.info.get("left_out", 0.0))
    return {"instance": name, "budget": budget_name, "option": option, "bins": int(bins),
            "smooth": round(bins - 1 + left if left > 0 else bins, 6), "lower_bound": prob.lower_bound(inst),
            "seconds": round(seconds, 3), "moves": res.info["moves"], "improved": res.info["improved"],
            "guided": res.info["guided"], "verified": not prob.check(inst, res.solution)}


def decision_cost(specs: list[tuple[str, dict[str, Any]]], moves: int = 3000,
                  guide: str = "pretrained", repeats: int = 3) -> list[dict[str, Any]]:
    """Per instance: microseconds per move spent choosing (``pick``) and logging/training (``observe``)
    for ``weakness`` and the ``guide`` option (as the default runs it), beside the whole move; the
    guide's own share is what it adds to ``weakness``. Each run is seeded, so its ``repeats``
    repetitions make the same moves; the least of each time is kept (single runs on the shared
    2-core machine varied up to twofold)."""
    import nnopt.solver.ruin_recreate as rr
    from nnopt.solver._budget import Budget

    out = []
    for name, spec in specs:
        prob, inst = _instance(spec)
        row: dict[str, Any] = {"instance": name}
        for key, option in (("weakness", "weakness"), ("guide", guide)):
            best: dict[str, float] = {}
            make = rr.make_chooser

            def timed(*a: Any, **kw: Any) -> Any:
                chooser = make(*a, **kw)  # noqa: B023  (called within this pass of the loop)
                for hook in ("pick", "observe"):
                    inner = getattr(chooser, hook)

                    def wrapper(*args: Any, _inner: Any = inner, _hook: str = hook) -> Any:
                        t0 = time.perf_counter()
                        try:
                            return _inner(*args)
                        finally:
                            spent[_hook] += time.perf_counter() - t0  # noqa: B023  (this pass's tally)

                    setattr(chooser, hook, wrapper)
                return chooser

            # kernels loaded and the instance's arrays touched outside the timed run
            rr.ruin_recreate(prob, inst, Budget(max_evals=300), seed=0, config=_config(option))
            for _ in range(repeats):
                spent = {"pick": 0.0, "observe": 0.0}
                rr.make_chooser = timed
                try:
                    t = time.perf_counter()
                    res = rr.ruin_recreate(prob, inst, Budget(max_evals=moves), seed=0, config=_config(option))
                    total = time.perf_counter() - t
                finally:
                    rr.make_chooser = make
                m = max(1, res.info["moves"])
                for what, sec in (("move", total), ("pick", spent["pick"]),
                                  ("choice", spent["pick"] + spent["observe"])):
                    best[what] = min(best.get(what, float("inf")), 1e6 * sec / m)
            for what, us in best.items():
                row[f"{key}_{what}_us"] = round(us, 1)
        row["pick_share"] = round(row["guide_pick_us"] / row["weakness_move_us"], 3)
        row["choice_share"] = round(row["guide_choice_us"] / row["weakness_move_us"], 3)
        row["added_share"] = round((row["guide_choice_us"] - row["weakness_choice_us"]) / row["weakness_move_us"], 3)
        out.append(row)
    return out


def summarise(rows: list[dict[str, Any]]) -> str:
    budgets = sorted({r["budget"] for r in rows}, key=lambda b: (not b.startswith("moves"), len(b), b))
    by = {(r["instance"], r["budget"], r["option"]): r for r in rows}
    seen = list(dict.fromkeys(r["option"] for r in rows))
    options = [o for o in OPTIONS if o in seen] + [o for o in seen if o not in OPTIONS]
    out = ["| budget | option | bins | smooth cost | improving moves | seconds |", "|---|---|---:|---:|---:|---:|"]
    for b in budgets:
        for o in options:
            rs = [r for r in rows if r["budget"] == b and r["option"] == o]
            if rs:
                out.append(f"| {b} | `{o}` | {sum(r['bins'] for r in rs)} | {sum(r['smooth'] for r in rs):.2f} | "
                           f"{sum(int(r['improved']) for r in rs)} | {sum(float(r['seconds']) for r in rs):.0f} |")
    out += ["", "Paired Wilcoxon signed-rank per instance (two-sided; wins / losses = instances better / worse):", "",
            "| budget | option | control | smooth: wins / losses, p | bins: wins / losses, p |",
            "|---|---|---|---|---|"]
    for b in budgets:
        for o in (x for x in options if _base(x) in NETWORK):
            for c in (x for x in options if x in CONTROLS):
                names = sorted({i for (i, bb, oo) in by if bb == b and oo == o and (i, b, c) in by})
                cells = []
                for key in ("smooth", "bins"):
                    a = np.array([float(by[(i, b, o)][key]) for i in names])
                    z = np.array([float(by[(i, b, c)][key]) for i in names])
                    wins, losses = int((a < z - 1e-9).sum()), int((a > z + 1e-9).sum())
                    p = wilcoxon(a, z)[1]
                    cells.append(f"{wins} / {losses}, p = {p:.2g}")
                out.append(f"| {b} | `{o}` | `{c}` | {cells[0]} | {cells[1]} |")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=("heldout", "tuning", "classic"), default="heldout")
    ap.add_argument("--moves", type=int, nargs="*", default=[200, 1000])
    ap.add_argument("--time-limit", type=float, default=10.0, help="0: equal moves only")
    ap.add_argument("--options", nargs="*", default=list(OPTIONS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="only the first N instances (a quick look)")
    ap.add_argument("--decision-cost", type=int, default=0, metavar="N",
                    help="also time the choice itself on N of the set's instances that the start does not solve")
    ap.add_argument("--guide", default="pretrained:refresh=8",
                    help="the guide option whose decision cost is timed (as the default runs it)")
    ap.add_argument("--recreate", default="", metavar="KEY=VALUE,...",
                    help="binpack2d recreate settings for every run (e.g. exact_items=12)")
    ap.add_argument("--names", help="a file with one instance name per line: only these (a quick look)")
    ap.add_argument("--out", default="benchmarks/results/ruin_guide")
    args = ap.parse_args()
    _check_recreate(ap, args.recreate)
    os.environ[RECREATE_ENV] = args.recreate  # before the workers start: they inherit it
    insts = {"heldout": heldout, "tuning": tuning, "classic": classic}[args.set]()
    if args.limit:
        insts = insts[: args.limit]
    if args.names:
        wanted = set(Path(args.names).read_text().split())
        insts = [(name, spec) for name, spec in insts if name in wanted]
    budgets = [(f"moves {m}", float(m)) for m in args.moves]
    if args.time_limit:
        budgets.append((f"{args.time_limit:g} s", args.time_limit))
    out_csv = Path(f"{args.out}.csv")
    done: list[dict[str, Any]] = []
    if out_csv.exists():  # resume: keep finished rows
        done = list(csv.DictReader(open(out_csv)))
    have = {(r["instance"], r["budget"], r["option"]) for r in done}
    tasks = [(name, spec, b, o, amount) for name, spec in insts for b, amount in budgets for o in args.options
             if (name, b, o) not in have]
    new = not out_csv.exists()
    with open(out_csv, "a", newline="") as fh, ProcessPoolExecutor(args.jobs) as pool:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        if new:
            writer.writeheader()
        list(pool.map(_warm, [args.options] * args.jobs))
        for i, row in enumerate(pool.map(run_one, tasks, chunksize=1)):
            writer.writerow(row)
            fh.flush()
            os.fsync(fh.fileno())
            done.append(row)
            if (i + 1) % 50 == 0:
                print(f"{i + 1}/{len(tasks)} runs", flush=True)
    rows = [{**r, "bins": int(r["bins"]), "smooth": float(r["smooth"])} for r in done]
    text = (f"# Ruin guide: {args.set} set, {len({r['instance'] for r in rows})} instances, "
            f"{', '.join(label for label, _ in budgets)}"
            + (f", recreate {args.recreate}" if args.recreate else "") + "\n\n"
            f"Generated by `benchmarks/ruin_guide.py --set {args.set}"
            + (f" --recreate {args.recreate}" if args.recreate else "") + "` (see its docstring).\n\n" + summarise(rows))
    if args.decision_cost:
        open_ones = [(n, s) for n, s in insts if any(r["instance"] == n and int(r["bins"]) > float(r["lower_bound"])
                                                     for r in rows)]
        step = max(1, len(open_ones) // args.decision_cost)
        cost = decision_cost(open_ones[::step][: args.decision_cost], guide=args.guide)
        text += (f"\nCost of the choice, microseconds per move (3,000 moves, the least of 3 seeded repetitions, "
                 f"one process, the guide as "
                 f"`{args.guide}`; *pick* = the decision: the state's view (features, weakness, embeddings that "
                 "changed), the candidates drawn and scored; *choice* = pick + logging + training; shares of a "
                 "whole `weakness` move):\n\n"
                 "| instance | weakness move | weakness pick | guide pick | guide choice | pick share | "
                 "choice share | added share |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
        text += "".join(f"| {r['instance']} | {r['weakness_move_us']} | {r['weakness_pick_us']} | "
                        f"{r['guide_pick_us']} | {r['guide_choice_us']} | {r['pick_share']:.1%} | "
                        f"{r['choice_share']:.1%} | {r['added_share']:.1%} |\n" for r in cost)
    md = Path(f"{args.out}.md")
    if md.exists() and COMMENTARY in md.read_text():  # hand-written reading: kept across reruns
        text += "\n" + md.read_text()[md.read_text().index(COMMENTARY):]
    md.write_text(text)
    print(text)
    Path(f"{args.out}.json").write_text(json.dumps({"set": args.set, "budgets": budgets,
                                                    "recreate": args.recreate}, indent=1))


if __name__ == "__main__":
    main()
