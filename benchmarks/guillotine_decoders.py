"""How good are the guillotine decoders? The classic 500, three-stage non-exact, first cut horizontal.

Every classic instance becomes a cutting job with one stock type (the bin, no
cost: the objective is the number of sheets), ``guillotine: {stages: 3, exact:
false, first_cut: horizontal}``, without rotation (3NHO) and with it (3NHR).
Per variant, the totals over the 500 instances of:

- each decoder on the sorted orders (decreasing height, width, area, perimeter;
  with rotation each as listed, laid flat and stood up), the best row per
  instance; with rotation also with ``both_ways`` (each piece tried both ways);
- the best of all decoders on the sorted orders;
- the best of the sorted orders and ``--random`` random keys per instance
  (split evenly over the decoders);
- with ``--search-sample K`` > 0, two small searches over every ``500 / K``-th
  instance: a local search on the keys (``--search-evals`` decodes each) from
  the best sorted keys, each step decoding a batch of mutants (items of the
  emptiest sheet moved to the front of the order, or a few keys redrawn, an
  orientation key flipped) with every decoder and keeping the best if it is no
  worse (sheets, then the fill of the emptiest sheet); and ruin and recreate of
  whole sheets (``--rr-evals`` decodes each) from the best sorted plan: the
  emptiest sheet and one to three others are emptied and their pieces decoded
  alone, the recreation kept when it needs fewer sheets or spreads the area no
  more evenly.

Each instance's best plan is checked by the independent checker. Writes a
Markdown report (atomically) with the command beside it.

    python benchmarks/guillotine_decoders.py --out benchmarks/results/guillotine_decoders.md
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from nnopt.problems._files import atomic_write_text
from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
from nnopt.problems.binpack2d._cutting_spec import CuttingJob, PieceType, parse_cutting
from nnopt.problems.binpack2d._guillotine_decode import CUTTING_DECODERS, decode_cutting, sorted_cutting_keys

DATA = Path(__file__).resolve().parent / "data" / "2bp"
#: Totals of the Python shelf constructor (``_guillotine_shelves.shelf_plan``) on the same jobs.
SHELVES = {"3nho": 7529, "3nhr": 7440}


def load_jobs(rotation: bool) -> list[CuttingJob]:
    jobs = []
    for path in sorted((DATA / "instances").glob("*.json")):
        data = json.loads(path.read_text())
        data["allow_rotation"] = rotation
        data["guillotine"] = {"stages": 3, "exact": False, "first_cut": "horizontal"}
        jobs.append(parse_cutting(data, str(path)))
    return jobs


def reference(variant: str) -> dict[str, int]:
    with open(DATA / f"reference_{variant}.csv", newline="") as f:
        return {row["name"]: int(row[f"best_known_{variant}"]) for row in csv.DictReader(f)}


class Best:
    """The best plan seen per instance (fewest sheets, first found on ties)."""

    def __init__(self, jobs: list[CuttingJob]) -> None:
        self.jobs = jobs
        self.sheets = [10**9] * len(jobs)
        self.plans: list = [None] * len(jobs)

    def offer(self, k: int, batch) -> None:
        r = int(np.argmin(batch.sheets))
        if batch.sheets[r] < self.sheets[k]:
            self.sheets[k] = int(batch.sheets[r])
            self.plans[k] = batch.plan(r)

    def verified(self) -> int:
        """How many of the best plans the independent checker rejects (0 expected)."""
        return sum(bool(check_cutting_plan(job, plan)) for job, plan in zip(self.jobs, self.plans))


def settings(rotation: bool) -> list[tuple[str, bool]]:
    ways = [False, True] if rotation else [False]
    return [(d, b) for b in ways for d in CUTTING_DECODERS]


def label(decoder: str, both: bool) -> str:
    return f"{decoder}{' (both ways)' if both else ''}"


def emptiest_sheet_items(job: CuttingJob, batch, row: int) -> np.ndarray:
    """The items on the sheet of ``row`` holding the least piece area."""
    w, h, _ = job.item_arrays()
    sheets = batch.sheet[row]
    filled = np.bincount(sheets, weights=(w * h).astype(float), minlength=int(batch.sheets[row]))
    return np.flatnonzero(sheets == int(np.argmin(filled)))


def local_search(job: CuttingJob, start: np.ndarray, evals: int, rng: np.random.Generator,
                 rotation: bool) -> tuple[int, object]:
    """Mutate the keys in batches, decoding each with every decoder; keep the best that is no worse
    (sheets, then the fill of the emptiest sheet).

    Mutants: half move one to three items of the current plan's emptiest sheet to
    the front of the order (packed first, the others fill around them, so that the
    sheet may empty), half give one to three random items new keys; with rotation,
    half of them also flip one item's orientation key.
    """
    n = job.n
    runs = settings(rotation)
    cur = start.copy()
    cur_score, cur_plan = np.inf, None
    for d, b in runs:
        batch = decode_cutting(job, cur[None], d, b)
        s = batch.search_cost()[0]
        if s < cur_score:
            cur_score, cur_plan = s, (batch, 0)
    best_sheets, best_batch = int(cur_plan[0].sheets[0]), cur_plan
    batch_size = 16
    done = 0
    while done < evals:
        X = np.repeat(cur[None], batch_size, axis=0)
        weak = emptiest_sheet_items(job, *cur_plan)
        low = cur[:n].min()
        for r in range(batch_size):
            if r % 2 == 0:
                for i in rng.choice(weak, size=min(len(weak), int(rng.integers(1, 4))), replace=False):
                    X[r, i] = low - rng.random()
            else:
                for _ in range(rng.integers(1, 4)):
                    X[r, rng.integers(n)] = rng.random()
            if rotation and rng.random() < 0.5:
                i = n + rng.integers(n)
                X[r, i] = 1.0 - X[r, i]
        for d, b in runs:
            batch = decode_cutting(job, X, d, b)
            s = batch.search_cost()
            r = int(np.argmin(s))
            if s[r] <= cur_score:
                cur, cur_score, cur_plan = X[r].copy(), s[r], (batch, r)
            if batch.sheets[r] < best_sheets:
                best_sheets, best_batch = int(batch.sheets[r]), (batch, r)
            done += batch_size
    return best_sheets, best_batch


def sub_job(job: CuttingJob, items: np.ndarray) -> CuttingJob:
    """The job restricted to ``items`` (one piece each, keeping whether it may turn)."""
    w, h, turn = job.item_arrays()
    pieces = tuple(PieceType(int(w[i]), int(h[i]), 1, bool(turn[i])) for i in items)
    return replace(job, pieces=pieces)


def ruin_recreate(job: CuttingJob, plan: list, evals: int, rng: np.random.Generator, rotation: bool,
                  random_rows: int = 8) -> list:
    """Re-cut a few whole sheets at a time: the emptiest and one to three others are emptied, their
    pieces decoded alone (sorted orders and ``random_rows`` random keys, every decoder), and the
    best recreation kept when it needs fewer sheets, or as many with the piece area spread no
    more evenly (the sum of squared sheet fills does not fall: emptier sheets are closer to going)."""
    w, h, _ = job.item_arrays()
    area = (w * h).astype(float)
    sheets = [s for s in plan]
    runs = settings(rotation)
    done = 0
    while done < evals and len(sheets) > 1:
        fills = np.array([sum(area[r["item"]] for r in s["items"]) for s in sheets])
        k = int(rng.integers(2, min(4, len(sheets)) + 1))
        first = int(np.argmin(fills))
        others = rng.choice([i for i in range(len(sheets)) if i != first], size=k - 1, replace=False)
        chosen = [first, *map(int, others)]
        items = np.array([r["item"] for c in chosen for r in sheets[c]["items"]])
        sub = sub_job(job, items)
        X = np.vstack([sorted_cutting_keys(sub), rng.random((random_rows, 2 * len(items)))])
        best, best_key = None, (k, -float((fills[chosen] ** 2).sum()))
        for d, b in runs:
            batch = decode_cutting(sub, X, d, b)
            done += len(X)
            for r in np.flatnonzero(batch.sheets == batch.sheets.min()):
                new = batch.plan(int(r))
                sq = sum(sum(area[items[p["item"]]] for p in s["items"]) ** 2 for s in new)
                key = (len(new), -sq)
                if key <= best_key:
                    best, best_key = new, key
        if best is not None:
            for s in best:
                for p in s["items"]:
                    p["item"] = int(items[p["item"]])
            sheets = [s for c, s in enumerate(sheets) if c not in chosen] + best
    return sheets


def run_variant(variant: str, random_rows: int, sample: int, evals: int, rr_evals: int, seed: int
                ) -> list[str]:
    rotation = variant == "3nhr"
    jobs = load_jobs(rotation)
    ref = reference(variant)
    known = [ref[job.name] for job in jobs]
    rng = np.random.default_rng(seed)
    lines = [f"### {variant.upper()} (rotation {'allowed' if rotation else 'not allowed'})", ""]
    lines += ["| decoder(s) and keys | total sheets | over best known | seconds |", "|---|---:|---:|---:|"]
    lines.append(f"| shelf constructor `shelf_plan` (its totals on these jobs; not rerun here) | "
                 f"{SHELVES[variant]:,} | {SHELVES[variant] - sum(known):+,} | |")
    best_sorted = Best(jobs)
    start_keys = [None] * len(jobs)
    for d, b in settings(rotation):
        t0 = time.perf_counter()
        per = Best(jobs)
        for k, job in enumerate(jobs):
            K = sorted_cutting_keys(job)
            batch = decode_cutting(job, K, d, b)
            per.offer(k, batch)
            before = best_sorted.sheets[k]
            best_sorted.offer(k, batch)
            if best_sorted.sheets[k] < before:
                start_keys[k] = K[int(np.argmin(batch.sheets))]
        t = time.perf_counter() - t0
        lines.append(f"| {label(d, b)}, sorted orders | {sum(per.sheets):,} | {sum(per.sheets) - sum(known):+,} "
                     f"| {t:.1f} |")
        print(variant, label(d, b), sum(per.sheets), f"{t:.1f}s", file=sys.stderr)
    bad = best_sorted.verified()
    lines.append(f"| best of all decoders, sorted orders | {sum(best_sorted.sheets):,} | "
                 f"{sum(best_sorted.sheets) - sum(known):+,} | |")
    t0 = time.perf_counter()
    both_random = Best(jobs)
    both_random.sheets = list(best_sorted.sheets)
    both_random.plans = list(best_sorted.plans)
    decoders = list(CUTTING_DECODERS)
    for k, job in enumerate(jobs):
        X = rng.random((random_rows, 2 * job.n))
        for part, d in zip(np.array_split(X, len(decoders)), decoders):
            both_random.offer(k, decode_cutting(job, part, d, rotation))
    t = time.perf_counter() - t0
    bad += both_random.verified()
    lines.append(f"| best of all decoders, sorted orders + {random_rows:,} random keys "
                 f"{'(both ways) ' if rotation else ''}| {sum(both_random.sheets):,} | "
                 f"{sum(both_random.sheets) - sum(known):+,} | {t:.1f} |")
    lines.append(f"| best known (packingsolver's data) | {sum(known):,} | 0 | |")
    lines.append("")
    lines.append(f"Plans rejected by the independent checker: {bad} (each instance's best plan checked).")
    lines.append("")
    print(variant, "random", sum(both_random.sheets), f"{t:.1f}s", file=sys.stderr)
    if sample > 0:
        picks = list(range(0, len(jobs), max(1, len(jobs) // sample)))[:sample]
        t0 = time.perf_counter()
        found, bad_ls = [], 0
        for k in picks:
            m, (batch, r) = local_search(jobs[k], start_keys[k], evals, rng, rotation)
            bad_ls += bool(check_cutting_plan(jobs[k], batch.plan(r)))
            found.append(min(m, best_sorted.sheets[k]))
        t_ls = time.perf_counter() - t0
        t0 = time.perf_counter()
        recut, bad_rr = [], 0
        for k in picks:
            plan = ruin_recreate(jobs[k], best_sorted.plans[k], rr_evals, rng, rotation)
            bad_rr += bool(check_cutting_plan(jobs[k], plan))
            recut.append(len(plan))
        t_rr = time.perf_counter() - t0
        sub = lambda xs: sum(xs[k] for k in picks)  # noqa: E731
        lines += [f"Searches on {len(picks)} instances (every {len(jobs) // len(picks)}th):", "",
                  "| on the sample | total sheets | over best known | s per instance |", "|---|---:|---:|---:|",
                  f"| best of all decoders, sorted orders | {sub(best_sorted.sheets):,} | "
                  f"{sub(best_sorted.sheets) - sub(known):+,} | |",
                  f"| sorted + {random_rows:,} random keys | {sub(both_random.sheets):,} | "
                  f"{sub(both_random.sheets) - sub(known):+,} | |",
                  f"| local search on the keys from the best sorted keys, {evals:,} decodes | {sum(found):,} | "
                  f"{sum(found) - sub(known):+,} | {t_ls / len(picks):.2f} |",
                  f"| ruin and recreate of whole sheets from the best sorted plan, {rr_evals:,} decodes | "
                  f"{sum(recut):,} | {sum(recut) - sub(known):+,} | {t_rr / len(picks):.2f} |",
                  f"| best known | {sub(known):,} | 0 | |", "",
                  f"Search plans rejected by the checker: {bad_ls + bad_rr}.", ""]
        print(variant, "local search", sum(found), "ruin-recreate", sum(recut), sub(known),
              f"{t_ls:.1f}s {t_rr:.1f}s", file=sys.stderr)
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--random", type=int, default=1000, help="random keys per instance (default 1000)")
    ap.add_argument("--search-sample", type=int, default=50, help="instances for the local search (0: none)")
    ap.add_argument("--search-evals", type=int, default=4096, help="decodes per instance in the local search")
    ap.add_argument("--rr-evals", type=int, default=20000, help="decodes per instance in ruin and recreate")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--variants", default="3nho,3nhr")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    command = "python benchmarks/guillotine_decoders.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = ["# Guillotine decoders on the classic 500 (three stages, non-exact, first cut horizontal)", "",
             f"Command: `{command.strip()}`", "",
             "One stock type (the bin, no cost: sheets counted). Seconds: single-threaded decoding on a shared "
             "2-core machine.", ""]
    for variant in args.variants.split(","):
        lines += run_variant(variant, args.random, args.search_sample, args.search_evals, args.rr_evals, args.seed)
    text = "\n".join(lines)
    if args.out is not None:
        atomic_write_text(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
