"""What the classic-instance side-by-side scripts share: the reference values, and a warmed
process pool whose rows land in one CSV (``bestfit_ablation.py``, ``exact_repack.py``)."""
from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "2bp" / "instances"


def best_known() -> dict[str, int]:
    """Instance name -> best known bins (``benchmarks/data/2bp/reference.csv``)."""
    with open(DATA.parent / "reference.csv") as fh:
        return {r["name"]: int(r["best_known"]) for r in csv.DictReader(fh)}


def run_to_csv(tasks: Sequence[Any], run: Callable[[Any], dict[str, Any]], warm: Callable[[int], None], jobs: int,
               out: str, fields: Sequence[str]) -> list[dict[str, Any]]:
    """``run`` over ``tasks`` on ``jobs`` processes, each warmed first (kernels compiled outside the
    timed runs); the rows are written to ``out`` and returned."""
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(warm, range(jobs)))
        rows = list(pool.map(run, tasks, chunksize=1))
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return rows
