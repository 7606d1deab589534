"""Write the classic 500 as cutting jobs: one stock sheet (the bin), guillotine stages, no cost.

The literature's three-stage variants of the classic 2BP benchmark (the 3NHO and 3NHR
columns of PackingSolver's data files, whose best known values are in
``benchmarks/data/2bp/reference_3nho.csv`` and ``reference_3nhr.csv``) cut each bin in three
non-exact guillotine stages, first cut horizontal, without and with rotation. ``nnopt bench``
runs on the folder this writes::

    python benchmarks/guillotine_jobs.py --out /tmp/jobs_3nho
    nnopt bench /tmp/jobs_3nho --methods nnopt --time-limit 1 --jobs 2 \\
        --reference benchmarks/data/2bp/reference_3nho.csv --out benchmarks/results/guillotine_3nho_1s.csv

With a single stock type and no cost the objective is the number of sheets, as in the
published tables.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

INSTANCES = Path(__file__).resolve().parent / "data" / "2bp" / "instances"


def cutting_job(classic: dict, stages: int, rotation: bool, first_cut: str) -> dict:
    """The cutting job of one classic instance (its bin as the only stock type)."""
    return {"problem": "binpack2d", "name": classic["name"], "bins": [dict(classic["bin"])],
            "items": [dict(item) for item in classic["items"]], "allow_rotation": rotation,
            "guillotine": {"stages": stages, "exact": False, "first_cut": first_cut},
            "meta": classic.get("meta")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for the job files (created)")
    ap.add_argument("--stages", type=int, default=3)
    ap.add_argument("--rotation", action="store_true", help="pieces may turn (3NHR); default: fixed (3NHO)")
    ap.add_argument("--first-cut", default="horizontal", choices=("horizontal", "vertical", "any"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in sorted(INSTANCES.glob("*.json")):
        classic = json.loads(path.read_text())
        job = cutting_job(classic, args.stages, args.rotation, args.first_cut)
        (args.out / path.name).write_text(json.dumps(job) + "\n")
    print(f"wrote {len(list(args.out.glob('*.json')))} jobs to {args.out}")


if __name__ == "__main__":
    main()
