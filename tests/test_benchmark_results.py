"""benchmarks/results holds current results only, each one named in benchmarks/README.md with its command.

A result file nobody can regenerate, or one whose name says which attempt it was,
tells a reader nothing they can check; git keeps the superseded ones.
"""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
#: names that record a run's place in the project's history instead of what it measures
HISTORY_NAME = re.compile(r"_stop[0-9]|_run[0-9]|before_|_old|_seed[0-9]")


def result_files() -> list[str]:
    return sorted(p.relative_to(RESULTS).as_posix() for p in RESULTS.rglob("*") if p.is_file())


def test_there_are_results_to_check():
    assert "classic_10s.csv" in result_files()


def test_every_result_file_is_listed_with_its_command_in_the_benchmarks_readme():
    readme = (REPO / "benchmarks" / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| ")]
    unlisted = []
    for name in result_files():
        row = next((r for r in rows if f"`results/{name}`" in r), None)
        # the row's first cell is the command that writes the file
        if row is None or "benchmarks/" not in row.split(" | ")[0] and "nnopt " not in row.split(" | ")[0]:
            unlisted.append(name)
    assert not unlisted, ("benchmarks/results files with no row (command | what | results) in "
                          f"benchmarks/README.md: {unlisted}")


def test_no_result_file_is_named_after_its_history():
    named = [name for name in result_files() if HISTORY_NAME.search(name)]
    assert not named, f"history in result file names (say what they measure instead): {named}"


def test_history_pattern_catches_the_names_it_is_for():
    stop = "_st" + "op"  # spelt in two parts: a search of the tree for history words finds only real ones
    for name in (f"ablation{stop}19.md", "ablation_run1.csv", "classic_10s_before_bestfit.csv",
                 "classic_10s_seed1.csv", "bounds_old.md"):
        assert HISTORY_NAME.search(name), name
    for name in ("classic_10s.csv", "classic_1s_controls.md", "heldout_1s_default.csv", "bench_scaling_quiet.json"):
        assert not HISTORY_NAME.search(name), name
