"""What the substrate benchmark scripts share: the report columns, number formats, and one section writer.

Each ``benchmarks/substrate_*.py`` script owns one section of
``benchmarks/results/substrate.md``, between its two HTML comment markers, and
rewrites only that. The hand-written commentary (how settings were chosen, the
reading of a committed run) lives in the markdown itself, outside the markers,
so a rerun replaces the numbers and never the prose; when the numbers change,
the prose is reread by hand.
"""
from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

#: The report's columns (keys of :func:`nnopt.substrate.distill.distill`'s report) and their headers.
KEYS = ("teacher_accuracy", "student_accuracy_hard", "student_accuracy_kd", "class_mean_accuracy",
        "random_real_accuracy", "noise_kd_accuracy")
NAMES = ("teacher", "viz hard", "viz KD", "class mean", "random real", "noise KD")

#: Where every script writes unless told otherwise (``OUT.md``, ``OUT_*.json``, ``OUT_*.png``).
DEFAULT_OUT = Path(__file__).parent / "results" / "substrate"


def fmt(values: list[float]) -> str:
    """One value as is; several as mean ± standard deviation."""
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def short(ratio: float) -> str:
    """The 98 %-of-the-teacher target, met or by how much it was missed."""
    return "met" if ratio >= 0.98 else f"short by {100 * (0.98 - ratio):.1f} points"


def load_average() -> float:
    """The one-minute load at a run's start (reported: the machine is shared)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def markers(name: str) -> tuple[str, str]:
    """The begin and end markers of section ``name``."""
    return f"<!-- {name}-section begin -->", f"<!-- {name}-section end -->"


def put_section(md_path: Path, name: str, section: str) -> None:
    """Replace section ``name`` (its markers included) in ``md_path``; append it when the file lacks it.

    ``section`` starts and ends with the section's markers. Everything outside
    them, the hand-written commentary included, is left as it is.
    """
    begin, end = markers(name)
    if not (section.startswith(begin) and section.rstrip().endswith(end)):
        raise ValueError(f"section {name!r} must start with {begin} and end with {end}")
    text = md_path.read_text() if md_path.exists() else ""
    if begin in text and end in text:
        text = text[:text.index(begin)] + section.rstrip("\n") + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section.rstrip("\n") + "\n"
    md_path.write_text(text)
    print(f"wrote the {name} section of {md_path}", file=sys.stderr)

#: The KD recipe the main tables were committed with (before shifts and mixes): no mixing, 300 KD steps.
OLD_KD = {"mix": 0, "kd_steps": None}
