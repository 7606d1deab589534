"""The variable-sized table adds up the rows it is given, against the reference, per class."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_table_totals_and_compares_per_class(tmp_path):
    ref = tmp_path / "reference.csv"
    ref.write_text("name,class,n,best_known,best_bound,wei2013\nA,1,20,100,90,110\nB,2,20,200,180,200\n")
    rows = tmp_path / "variable_sized_10s.csv"
    with rows.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["instance", "class", "n", "method", "seed", "objective", "lower_bound", "best_known", "seconds",
                    "status", "verified", "error"])
        w.writerow(["A", 1, 20, "nnopt", 0, 105, 90, 100, 9.5, "budget", "true", ""])
        w.writerow(["B", 2, 20, "nnopt", 0, 200, 180, 200, 10.5, "budget", "true", ""])
        w.writerow(["B", 2, 20, "other", 0, 999, 180, 200, 1.0, "budget", "true", ""])
    out = tmp_path / "table.md"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "variable_sized_summary.py"), str(rows),
                    "--reference", str(ref), "--out", str(out)], check=True)
    text = out.read_text()
    assert "2 instances, 10 s each" in text
    assert "| nnopt (default), 10 s | 305 | +1.67 % | 1 of 2 |" in text
    assert "| Wei et al. (2013), as published | 310 | +3.33 % | |" in text
    assert "| 1 | 1 | 105 | 100 | +5.00 % | +10.00 % |" in text
    assert "every plan verified" in text
    assert "Mean time 10.00 s" in text
