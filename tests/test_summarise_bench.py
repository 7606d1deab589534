"""``benchmarks/summarise_bench.py``: the committed result tables are built by it, so its sums must be right."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

FIELDS = ("instance", "class", "n", "method", "seed", "objective", "lower_bound", "best_known", "seconds",
          "status", "verified", "error")


def _row(instance: str, method: str, seed: int, objective: int) -> dict[str, str]:
    return {"instance": instance, "class": "1", "n": "20", "method": method, "seed": str(seed),
            "objective": str(objective), "lower_bound": "3", "best_known": "", "seconds": "0.5",
            "status": "budget", "verified": "true", "error": ""}


def _summarise(tmp_path: Path, rows: list[dict[str, str]]) -> str:
    path = tmp_path / "bench.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "bench.md"
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "summarise_bench.py"
    subprocess.run([sys.executable, str(script), str(path), "--methods", "a,b", "--out", str(out)],
                   check=True, capture_output=True, cwd=script.parent)
    return out.read_text()


def test_several_seeds_are_summed_per_seed_and_paired_seed_to_seed(tmp_path):
    rows = [_row("i1", "a", 0, 5), _row("i1", "b", 0, 4), _row("i1", "a", 1, 4), _row("i1", "b", 1, 4),
            _row("i2", "a", 0, 6), _row("i2", "b", 0, 6), _row("i2", "a", 1, 7), _row("i2", "b", 1, 6)]
    text = _summarise(tmp_path, rows)
    assert "4 runs (instance, seed) finished by every method, seeds 0, 1" in text
    assert "| a | 22 |" in text and "| b | 20 |" in text  # every run counted once, not the last seed only
    assert "| 0 | 2 | 11 | 10 |" in text and "| 1 | 2 | 11 | 10 |" in text  # per seed
    assert "| b | 2 | 2 | 0 |" in text  # b better in two (instance, seed) pairs, tied in two


def test_one_seed_keeps_the_plain_table(tmp_path):
    text = _summarise(tmp_path, [_row("i1", "a", 0, 5), _row("i1", "b", 0, 4)])
    assert "1 instances finished by every method" in text and "Per seed" not in text
    assert "| a | 5 |" in text and "| b | 4 |" in text
