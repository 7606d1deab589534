"""The README's picture of the classic 500: bins above the best known value, per class and method.

    python benchmarks/plot_classic.py [--out benchmarks/results/classic_500.png]

Reads the committed bench CSVs only (``classic_1s.csv``, ``classic_10s.csv`` and CP-SAT's rows
of ``classic_2bp.csv``), so the picture always shows the numbers of the tables beside it.
"""
from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
#: (label, file, method): the bars, in drawing order
SERIES = (("nnopt, 1 s", "classic_1s.csv", "nnopt"),
          ("nnopt, 10 s", "classic_10s.csv", "nnopt"),
          ("cem, 10 s", "classic_10s.csv", "cem"),
          ("brkga, 10 s", "classic_10s.csv", "brkga"),
          ("CP-SAT, 10 s", "classic_2bp.csv", "cpsat"),
          ("best-heuristic", "classic_10s.csv", "best-heuristic"))


def above_best_known(path: Path, method: str) -> dict[int, float]:
    """Class -> bins above the best known value, summed over the class's instances."""
    gap: dict[int, float] = defaultdict(float)
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            if r["method"] == method and r.get("seed", "0") in ("", "0"):
                gap[int(r["class"])] += float(r["objective"]) - float(r["best_known"])
    return dict(gap)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=RESULTS / "classic_500.png")
    args = ap.parse_args(argv)
    series = [(label, above_best_known(RESULTS / name, method)) for label, name, method in SERIES]
    classes = sorted({c for _, gap in series for c in gap})
    fig, ax = plt.subplots(figsize=(10, 3.6), dpi=120)
    width = 0.8 / len(series)
    for k, (label, gap) in enumerate(series):
        total = sum(gap.values())
        ax.bar([c + (k - (len(series) - 1) / 2) * width for c in classes], [gap.get(c, 0) for c in classes],
               width, label=f"{label} (+{total:g} in all)")
    ax.set_xticks(classes, [f"class {c}" for c in classes])
    ax.set_ylabel("bins above the best known value")
    ax.set_title("The 500 classic instances (50 per class): bins above the best known value, lower is better")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
