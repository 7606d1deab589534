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
- with ``--search-sample K`` > 0, a small local search on the keys over every
  ``500 / K``-th instance (``--search-evals`` decodes each): start from the best
  sorted keys, each step decodes a batch of mutants (a few keys moved, an
  orientation key flipped) with every decoder and keeps the best if it is no
  worse (sheets, then the fill of the emptiest sheet).

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
from pathlib import Path

import numpy as np

from nnopt.problems._files import atomic_write_text
from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
from nnopt.problems.binpack2d._cutting_spec import CuttingJob, parse_cutting
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


def score(job: CuttingJob, batch) -> np.ndarray:
    """Sheets minus one plus the fill of the emptiest sheet: a slope between whole sheet counts."""
    B, n = batch.sheet.shape
    w, h, _ = job.item_arrays()
    area = (w * h).astype(float)
    filled = np.zeros((B, n))
    np.add.at(filled, (np.repeat(np.arange(B), n), batch.sheet.ravel()), np.tile(area, B))
    filled[np.arange(n)[None, :] >= batch.sheets[:, None]] = np.inf
    s = job.stock[0]
    return batch.sheets - 1 + filled.min(axis=1) / (s.width * s.height)


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


def local_search(job: CuttingJob, start: np.ndarray, evals: int, rng: np.random.Generator,
                 rotation: bool) -> tuple[int, object]:
    """Mutate the keys in batches, decoding each with every decoder; keep the best that is no worse."""
    n = job.n
    runs = settings(rotation)
    cur = start.copy()
    cur_score = min(score(job, decode_cutting(job, cur[None], d, b))[0] for d, b in runs)
    best_batch, best_sheets = None, 10**9
    batch_size = 16
    done = 0
    while done < evals:
        X = np.repeat(cur[None], batch_size, axis=0)
        for r in range(batch_size):
            for _ in range(rng.integers(1, 4)):
                X[r, rng.integers(n)] = rng.random()
            if rotation and rng.random() < 0.5:
                i = n + rng.integers(n)
                X[r, i] = 1.0 - X[r, i]
        for d, b in runs:
            batch = decode_cutting(job, X, d, b)
            s = score(job, batch)
            r = int(np.argmin(s))
            if s[r] <= cur_score:
                cur, cur_score = X[r].copy(), s[r]
            if batch.sheets[r] < best_sheets:
                best_sheets, best_batch = int(batch.sheets[r]), (batch, r)
            done += batch_size
    return best_sheets, best_batch


def run_variant(variant: str, random_rows: int, sample: int, evals: int, seed: int) -> list[str]:
    rotation = variant == "3nhr"
    jobs = load_jobs(rotation)
    ref = reference(variant)
    known = [ref[job.name] for job in jobs]
    rng = np.random.default_rng(seed)
    lines = [f"### {variant.upper()} (rotation {'allowed' if rotation else 'not allowed'})", ""]
    lines += ["| decoder(s) and keys | total sheets | over best known | seconds |", "|---|---:|---:|---:|"]
    lines.append(f"| shelf constructor (Python, first fit decreasing) | {SHELVES[variant]:,} | "
                 f"{SHELVES[variant] - sum(known):+,} | |")
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
        t = time.perf_counter() - t0
        sub = lambda xs: sum(xs[k] for k in picks)  # noqa: E731
        lines += [f"Local search on {len(picks)} instances (every {len(jobs) // len(picks)}th), {evals:,} decodes "
                  f"each, {t / len(picks):.2f} s per instance:", "",
                  "| on the sample | total sheets | over best known |", "|---|---:|---:|",
                  f"| best of all decoders, sorted orders | {sub(best_sorted.sheets):,} | "
                  f"{sub(best_sorted.sheets) - sub(known):+,} |",
                  f"| sorted + {random_rows:,} random keys | {sub(both_random.sheets):,} | "
                  f"{sub(both_random.sheets) - sub(known):+,} |",
                  f"| local search from the best sorted keys | {sum(found):,} | {sum(found) - sub(known):+,} |",
                  f"| best known | {sub(known):,} | 0 |", "",
                  f"Local-search plans rejected by the checker: {bad_ls}.", ""]
        print(variant, "local search", sum(found), sub(known), f"{t:.1f}s", file=sys.stderr)
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--random", type=int, default=1000, help="random keys per instance (default 1000)")
    ap.add_argument("--search-sample", type=int, default=50, help="instances for the local search (0: none)")
    ap.add_argument("--search-evals", type=int, default=2048, help="decodes per instance in the local search")
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
        lines += run_variant(variant, args.random, args.search_sample, args.search_evals, args.seed)
    text = "\n".join(lines)
    if args.out is not None:
        atomic_write_text(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
