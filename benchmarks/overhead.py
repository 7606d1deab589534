"""Whole-process wall time of ``nnopt solve --time-limit T``: does the limit hold, start to exit?

For each method family and each T, the command is run as a user runs it (a new
process each time, output written with ``--out``), and the wall time is taken
from launching the process to its exit. The methods are run side by side, in
turns (family after family within one repetition), after one warm-up run each,
so that the Numba cache and the disk cache are filled as on a warm machine.

The binpack2d instance is generated (class 10, 100 items, seed 4): the best
heuristic does not reach its lower bound, so every search spends its whole
limit. The tsp family runs on ``examples/tsp_uniform_050.json``.

    python benchmarks/overhead.py --out benchmarks/results/overhead          # writes .csv and .md
    python benchmarks/overhead.py --limits 3 --repeats 1 --out /tmp/o        # a quick look

Two more measurements each write a section of their own into the same .md (and
a .csv beside it), leaving the others as they are:

    python benchmarks/overhead.py --cold --out benchmarks/results/overhead   # a fresh venv, no warm-up
    python benchmarks/overhead.py --floor --out benchmarks/results/overhead  # start-up floor per method

``--cold`` makes a new virtual environment (``python -m venv``, then ``pip
install -c constraints.txt .``, not editable: what a user who never runs
``make`` has; ``--venv PATH`` keeps it for a rerun, which reinstalls only
nnopt) and times the first and the second ``nnopt solve --time-limit 3`` on
the 40-item classic example, for the default method and ``best-heuristic``,
each method with an empty kernel cache of its own (``NUMBA_CACHE_DIR``), and
records the first line the command printed on stderr. ``--floor`` times
``nnopt solve --time-limit 0.01`` per method on a 20-item instance with a warm
cache, beside a warm ``nnopt.solve`` in one process.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NNOPT = Path(sys.executable).parent / "nnopt"
#: family -> (method, instance); the instance "binpack" is generated, see the module docstring.
FAMILIES = {
    "best-heuristic": ("best-heuristic", "binpack"),
    "cpsat": ("cpsat", "binpack"),
    "random-keys": ("random-keys", "binpack"),
    "local-search": ("local-search", "binpack"),
    "cem": ("cem", "binpack"),
    "nnopt (default)": ("nnopt", "binpack"),
    "nnopt-cem (neural engine)": ("nnopt-cem", "binpack"),
    "brkga": ("brkga", "binpack"),
    "ortools-gls (tsp)": ("ortools-gls", str(REPO / "examples" / "tsp_uniform_050.json")),
    # Not bound by T: one decode (--max-evals 1), the process's fixed cost at that moment
    # (interpreter, imports, Numba's start, loading, checking, writing). No limit can go below it.
    "floor (1 decode)": ("random-keys", "binpack"),
}
FLOOR = "floor (1 decode)"
#: The hand-written commentary below the tables starts here; a rerun keeps it.
READING = "## Reading"  # (kept by _overhead_md.replace_section)
#: How much a run may exceed its limit and still hold it (the slack the time-limit tests allow).
TOLERANCE_S = 0.5


def run_once(method: str, instance: str, limit: float | None, out: Path) -> dict[str, object]:
    budget = ["--time-limit", f"{limit:g}"] if limit is not None else ["--max-evals", "1"]
    cmd = [str(NNOPT), "solve", instance, "--method", method, *budget, "--quiet", "--out", str(out)]
    start = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=(limit or 10) * 3 + 120)
    wall = time.perf_counter() - start
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr.strip()}")
    sol = json.loads(out.read_text())
    return {"wall": round(wall, 3), "reported": sol["seconds"], "objective": sol["objective"],
            "notes": " | ".join(sol.get("notes", []))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limits", default="1,3,10", help="comma-separated time limits in seconds")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--out", required=True, help="path without suffix (.csv and .md are written)")
    parser.add_argument("--cold", action="store_true", help="first and second solve in a fresh venv")
    parser.add_argument("--venv", default=None, help="with --cold: the venv to make, or to reuse if it exists")
    parser.add_argument("--floor", action="store_true", help="wall time of --time-limit 0.01 per method")
    args = parser.parse_args()
    if args.cold:
        from _overhead_cold import measure_cold

        measure_cold(Path(args.out), Path(args.venv) if args.venv else None)
        return
    if args.floor:
        from _overhead_floor import measure_floor

        chosen = [f.strip() for f in args.families.split(",") if f.strip() and f.strip() != FLOOR]
        unknown = [f for f in chosen if f not in FAMILIES]
        if unknown:
            parser.error(f"unknown family {unknown[0]!r} (known: {', '.join(FAMILIES)})")
        measure_floor(Path(args.out), {k: FAMILIES[k] for k in chosen}, args.repeats)
        return
    limits = [float(x) for x in args.limits.split(",")]
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        parser.error(f"unknown family {unknown[0]!r} (known: {', '.join(FAMILIES)})")

    tmp = Path(tempfile.mkdtemp(prefix="overhead-"))
    binpack = tmp / "cl10_100.json"
    subprocess.run([str(NNOPT), "generate", "binpack2d", "--class", "10", "--n", "100", "--seed", "4", "--out",
                    str(binpack)], check=True)
    where = {name: (m, str(binpack) if inst == "binpack" else inst) for name, (m, inst) in FAMILIES.items()}
    load = os.getloadavg()[0]
    for name in families:  # warm-up: Numba cache, disk cache
        run_once(*where[name], None if name == FLOOR else 1.0, tmp / "warm.json")
    rows = []
    for rep in range(args.repeats):
        for limit in limits:
            for name in families:
                row = run_once(*where[name], None if name == FLOOR else limit, tmp / "sol.json")
                rows.append({"family": name, "method": where[name][0], "limit": limit, "repeat": rep, **row})
                print(f"{name:>18}  T={limit:<4g} wall {row['wall']:6.2f} s  {row['notes']}", flush=True)
    load_after = os.getloadavg()[0]

    out = Path(args.out)
    with open(out.with_suffix(".csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = ["# Whole-process wall time under `--time-limit T`", "",
             f"`python benchmarks/overhead.py` — {args.repeats} runs per cell after one warm-up run per method; "
             f"wall time from launching `nnopt solve` to its exit, in seconds (median / max). A cell holds when "
             f"its max is at most T + {TOLERANCE_S:g} s. The last row is not bound by T: it is "
             f"`--max-evals 1`, the fixed cost of one `nnopt solve` process at that moment, run in the same "
             f"turns. Load average {load:.1f} before, {load_after:.1f} after "
             f"({os.cpu_count()} cores).", "",
             "| family | " + " | ".join(f"T = {t:g} s" for t in limits) + " |",
             "|---|" + "---:|" * len(limits)]
    for name in families:
        cells = []
        for limit in limits:
            walls = [r["wall"] for r in rows if r["family"] == name and r["limit"] == limit]
            ok = max(walls) <= limit + TOLERANCE_S or name == FLOOR
            cells.append(f"{statistics.median(walls):.2f} / {max(walls):.2f}" + ("" if ok else " **over**"))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    notes = sorted({(r["family"], r["limit"], r["notes"]) for r in rows if r["notes"]})
    if notes:
        lines += ["", "Notes the runs printed (the default method says when its network was skipped):", ""]
        lines += [f"- {fam}, T = {lim:g} s: {note}" for fam, lim, note in notes[:12]]
    from _overhead_md import replace_section

    replace_section(out.with_suffix(".md"), "limits", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
