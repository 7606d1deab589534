"""Seed statistics for ``nnopt bench``: a method's spread over seeds and paired tests between methods.

One seed per (instance, method) says nothing about luck. With ``--seeds K`` every
method runs K times on every instance; what a reader needs is how much a method's
result moves from seed to seed (mean ± sd of its per-seed total) and whether one
method beats another more often than chance on the *same* instance and seed.

The paired test is the exact two-sided sign test on the seed-matched pairs: bin
counts and tour lengths tie often, and the sign test drops ties and assumes
nothing about the size of the differences (a Wilcoxon or t test would).
"""
from __future__ import annotations

import math
import statistics
from collections import defaultdict
from typing import Any

__all__ = ["seed_spread", "paired_record", "sign_test"]


def _value(row: dict[str, str]) -> float | None:
    """The row's objective when it is a verified result, else None."""
    if row.get("verified") != "true" or row.get("objective", "") == "":
        return None
    return float(row["objective"])


def _by_method(rows: list[dict[str, str]]) -> dict[str, dict[tuple[str, str], float]]:
    """method -> (instance, seed) -> objective, verified rows only."""
    out: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for row in rows:
        value = _value(row)
        if value is not None:
            out[row["method"]][(row["instance"], row.get("seed", ""))] = value
    return out


def seed_spread(rows: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    """method -> seeds, instances, mean and sd (over seeds) of the total objective.

    A total is only comparable across seeds over the same instances, so each
    method's totals are taken over the instances it solved (verified) for every
    one of its seeds. ``sd`` is the sample standard deviation (nan with one seed).
    """
    out: dict[str, dict[str, Any]] = {}
    for method, values in _by_method(rows).items():
        seeds = sorted({s for _, s in values}, key=lambda s: (len(s), s))
        instances = {i for i, _ in values}
        complete = sorted(i for i in instances if all((i, s) in values for s in seeds))
        totals = [sum(values[(i, s)] for i in complete) for s in seeds]
        out[method] = {
            "seeds": len(seeds),
            "instances": len(complete),
            "totals": totals,
            "mean": statistics.fmean(totals) if totals else math.nan,
            "sd": statistics.stdev(totals) if len(totals) > 1 else math.nan,
        }
    return out


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign-test p-value for ``wins`` against ``losses`` (ties dropped); 1.0 with no pairs."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, j) for j in range(k + 1)) / 2.0**n
    return min(1.0, 2.0 * tail)


def paired_record(rows: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(a, b) -> wins, ties, losses of a against b (lower objective wins) and the sign test's p,
    over the (instance, seed) pairs both methods solved."""
    values = _by_method(rows)
    methods = sorted(values)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for a in methods:
        for b in methods:
            if a == b:
                continue
            common = values[a].keys() & values[b].keys()
            wins = sum(values[a][k] < values[b][k] for k in common)
            ties = sum(values[a][k] == values[b][k] for k in common)
            losses = len(common) - wins - ties
            out[(a, b)] = {"wins": wins, "ties": ties, "losses": losses, "pairs": len(common),
                           "p": sign_test(wins, losses)}
    return out
