"""Convert Pisinger & Sigurd's variable-sized bin packing instances into nnopt cutting jobs.

The 500 instances of Pisinger and Sigurd (2005), "The two-dimensional bin packing problem with
variable bin sizes and costs" (Discrete Optimization 2(2)), as PackingSolver's repository holds
them (``data/rectangle/pisinger2005/MB_C{class}_{k}_bins.csv`` and ``..._items.csv``, MIT
licence) with the published values (``data/rectangle/data_variable_sized_bin_packing_oriented_
pisinger2005.csv``: best known value, best known bound, Wei et al. 2013's value).

The published values count each sheet at its **area**, not at the ``COST`` column of the bin
files (MB_C6_10: best known 66,483 = 249 x 267, one sheet of the third type, whose cost column
says 61,779). The jobs this writes therefore leave ``cost`` out, so that a sheet costs its area,
and keep the file's cost under ``meta.file_cost`` for reference only. Bins are unlimited, pieces
may not turn, placement is free (no guillotine), as in the published tables.

    python benchmarks/variable_sized_data.py --packingsolver /path/to/packingsolver \\
        --out benchmarks/data/pisinger2005

writes ``instances/MB_C{class}_{k}.json`` (500 files) and ``reference.csv`` (``name,class,n,
best_known,best_bound,wei2013``).
"""
from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter
from pathlib import Path

_NAME = re.compile(r"MB_C(\d+)_(\d+)$")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def job(folder: Path, name: str) -> dict:
    """The cutting job of one instance: its sheet types without cost, its pieces grouped by size."""
    klass, k = (int(g) for g in _NAME.match(name).groups())  # type: ignore[union-attr]
    bins = _rows(folder / f"{name}_bins.csv")
    items = _rows(folder / f"{name}_items.csv")
    sizes = Counter((int(r["WIDTH"]), int(r["HEIGHT"])) for r in items for _ in range(int(r.get("COPIES") or 1)))
    return {"problem": "binpack2d", "name": name,
            "bins": [{"width": int(b["WIDTH"]), "height": int(b["HEIGHT"])} for b in bins],
            "items": [{"width": w, "height": h, "count": c} for (w, h), c in sizes.items()],
            "allow_rotation": False,
            "meta": {"source": f"fontanf/packingsolver data/rectangle/pisinger2005/{name}",
                     "class": klass, "n": sum(sizes.values()), "instance": k,
                     "file_cost": [float(b["COST"]) for b in bins]}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--packingsolver", type=Path, required=True, help="a checkout of fontanf/packingsolver")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    data = args.packingsolver / "data" / "rectangle"
    published = _rows(data / "data_variable_sized_bin_packing_oriented_pisinger2005.csv")
    (args.out / "instances").mkdir(parents=True, exist_ok=True)
    reference = []
    for row in published:
        name = Path(row["Path"]).name
        j = job(data / "pisinger2005", name)
        (args.out / "instances" / f"{name}.json").write_text(json.dumps(j) + "\n")
        reference.append({"name": name, "class": j["meta"]["class"], "n": j["meta"]["n"],
                          "best_known": row["Best known solution value"], "best_bound": row["Best known bound"],
                          "wei2013": row["Wei2013 / Solution value"]})
    with (args.out / "reference.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(reference[0]))
        w.writeheader()
        w.writerows(reference)
    print(f"wrote {len(reference)} jobs to {args.out / 'instances'} and {args.out / 'reference.csv'}")


if __name__ == "__main__":
    main()
