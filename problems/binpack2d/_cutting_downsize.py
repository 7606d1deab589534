"""Cheaper sheets for a finished plan: each sheet's pieces, or two sheets' pieces, re-cut from a cheaper stock type.

Why: the decoders open every new sheet on the stock type with the lowest cost per usable area,
and when several types tie (the variable-sized benchmark prices each sheet at its area, so all
do) they take the first. A plan's last sheets are then often far emptier than a smaller type
would be. Which type suits a set of pieces is a question about that set alone, so it is asked
after decoding, sheet by sheet: the pieces of one sheet (and of two sheets, for a single sheet
of a type cheaper than both) are decoded alone into one sheet of each cheaper type with every
decoder over the sorted orders and a few random ones, and the first plan that holds them all
replaces the sheets. The result keeps every rule of the job (stages, first cut, kerf, trims,
turns), because it is the decoders' own plan for a sub-job of the same job; stock counts are
kept by only taking a type with a sheet left. On a free-placement job the classic decoders
answer instead (:mod:`._cutting_free`): pieces interlock there where guillotine stages
cannot.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from typing import Any

import numpy as np

from nnopt.problems.binpack2d._cutting_bounds import sheet_capacity
from nnopt.problems.binpack2d._cutting_free import free_placement, pack_free
from nnopt.problems.binpack2d._cutting_spec import CuttingJob, Guillotine, PieceType
from nnopt.problems.binpack2d._guillotine_decode import decode_cutting, sorted_cutting_keys

__all__ = ["cheaper_sheets", "regroup_sheets", "sheet_by_sheet"]

#: Decoders tried for a sub-job, the strongest single ones on the classic benchmark first.
DOWNSIZE_DECODERS = ("knapsack", "strips-knapsack", "best-fit", "fill-area", "fill-widen")
#: Random orders added to the sorted ones for a sub-job.
RANDOM_ORDERS = 24
#: Most sheets whose pairs are tried (the pairs grow with its square).
MERGE_SHEETS = 40
#: Most sheets a set of cheaper sheets may have.
SET_SIZE = 2

Plan = list[dict[str, Any]]


def _fits(job: CuttingJob, items: list[int], types: tuple[int, ...], rng: np.random.Generator,
          sorted_orders: bool = True) -> Plan | None:
    """A plan of ``items`` (item ids of ``job``) on at most the sheets ``types`` (one stock type per
    sheet, repeats allowed), or None when no decoder finds one."""
    w, h, turns = job.item_arrays()
    k = job.kerf
    if sum((int(w[i]) + k) * (int(h[i]) + k) for i in items) > sum(sheet_capacity(job, t) for t in types):
        return None
    for i in items:
        if not any(_fits_sheet(job, int(w[i]), int(h[i]), bool(turns[i]), t) for t in set(types)):
            return None
    if free_placement(job):
        return pack_free(job, items, types, rng, RANDOM_ORDERS)
    kinds = sorted(set(types))
    stock = tuple(replace(job.stock[t], count=types.count(t)) for t in kinds)
    pieces = tuple(PieceType(int(w[i]), int(h[i]), 1, bool(turns[i])) for i in items)
    # free placement takes any guillotine plan: the decoders may try both first-cut orientations
    cuts = job.guillotine if job.guillotine is not None else Guillotine(None, False, "any")
    sub = replace(job, stock=stock, pieces=pieces, classic_bin=False, guillotine=cuts)
    randoms = rng.random((RANDOM_ORDERS, 2 * len(items)))
    keys = np.vstack([sorted_cutting_keys(sub), randoms]) if sorted_orders else randoms
    for decoder in DOWNSIZE_DECODERS:
        batch = decode_cutting(sub, keys, decoder, both_ways=True)
        ok = np.flatnonzero(batch.sheets >= 0)
        if ok.size:
            row = int(ok[np.argmin(batch.cost[ok])])
            return [{"stock": kinds[sheet["stock"]], "items": [{**p, "item": items[p["item"]]} for p in sheet["items"]]}
                    for sheet in batch.plan(row)]
    return None


def _fits_sheet(job: CuttingJob, w: int, h: int, turns: bool, stock: int) -> bool:
    x0, y0, x1, y1 = job.usable(stock)
    return (w <= x1 - x0 and h <= y1 - y0) or (turns and h <= x1 - x0 and w <= y1 - y0)


def _cheaper_sets(unit: list[float], below: float, most: int) -> list[tuple[int, ...]]:
    """Multisets of 1..``most`` stock types costing less than ``below`` in all, cheapest first."""
    found: list[tuple[int, ...]] = []

    def grow(start: int, chosen: tuple[int, ...], cost: float) -> None:
        if chosen:
            found.append(chosen)
        if len(chosen) == most:
            return
        for t in range(start, len(unit)):
            if cost + unit[t] < below:
                grow(t, chosen + (t,), cost + unit[t])

    grow(0, (), 0.0)
    return sorted(found, key=lambda c: (sum(unit[t] for t in c), len(c)))


def cheaper_sheets(job: CuttingJob, plan: Plan, deadline: float | None = None, seed: int = 0) -> Plan:
    """``plan`` with its sheets re-cut from cheaper stock (see the module docstring).

    Two moves, repeated until neither finds a cheaper plan: the pieces of one sheet, then of
    two sheets, are decoded alone onto each cheaper set of at most ``SET_SIZE`` sheets (cheapest
    first), and the first set that holds them replaces those sheets. Never costlier than
    ``plan``; stops between sub-jobs once ``time.perf_counter()`` passes ``deadline``.
    Deterministic for a given ``seed``.
    """
    if len(job.stock) < 2:
        return plan
    rng = np.random.default_rng(seed)
    unit = [s.unit_cost for s in job.stock]
    plan = [{"stock": s["stock"], "items": list(s["items"])} for s in plan]
    used = Counter(s["stock"] for s in plan)

    def in_stock(types: tuple[int, ...], freed: Counter[int]) -> bool:
        want = Counter(types)
        return all(job.stock[t].count is None or used[t] - freed[t] + c <= job.stock[t].count  # type: ignore[operator]
                   for t, c in want.items())

    def improve(group: tuple[int, ...]) -> bool:
        nonlocal plan
        cost = sum(unit[plan[i]["stock"]] for i in group)
        items = [p["item"] for i in group for p in plan[i]["items"]]
        freed = Counter(plan[i]["stock"] for i in group)
        for types in _cheaper_sets(unit, cost, SET_SIZE):
            if deadline is not None and time.perf_counter() > deadline:
                raise TimeoutError
            if not in_stock(types, freed):
                continue
            found = _fits(job, items, types, rng)
            if found is not None:
                used.subtract(freed)
                used.update(s["stock"] for s in found)
                plan = [s for i, s in enumerate(plan) if i not in group] + found
                return True
        return False

    try:
        changed = True
        while changed:
            changed = False
            for s in sorted(range(len(plan)), key=lambda i: -unit[plan[i]["stock"]]):
                if improve((s,)):
                    changed = True
                    break
            if changed:
                continue
            order = sorted(range(len(plan)), key=lambda i: len(plan[i]["items"]))[:MERGE_SHEETS]
            for i, a in enumerate(order):
                for b in order[i + 1:]:
                    if improve((a, b)):
                        changed = True
                        break
                if changed:
                    break
    except TimeoutError:
        pass
    return plan


def _best_first_sheet(job: CuttingJob, items: list[int], rng: np.random.Generator, rows: int) -> dict[str, Any] | None:
    """Of one sheet of each stock type in hand, filled by the decoders from ``items``, the one with the
    most piece area per unit of cost (None when no type holds any of them)."""
    w, h, turns = job.item_arrays()
    pieces = tuple(PieceType(int(w[i]), int(h[i]), 1, bool(turns[i])) for i in items)
    best, best_score = None, -1.0
    for t, s in enumerate(job.stock):
        if s.count == 0:
            continue
        if not all(_fits_sheet(job, p.width, p.height, bool(p.rotation), t) for p in pieces):
            continue
        sub = replace(job, stock=(replace(s, count=None),), pieces=pieces, classic_bin=False)
        keys = sorted_cutting_keys(sub)
        keys = np.vstack([keys, rng.random((rows, keys.shape[1]))])
        for decoder in ("knapsack", "fill-area"):
            batch = decode_cutting(sub, keys, decoder, both_ways=True)
            area = np.where(batch.sheet == 0, batch.width * batch.height, 0).sum(axis=1)
            r = int(np.argmax(area))
            score = float(area[r]) / s.unit_cost
            if score > best_score:
                first = batch.plan(r)[0]
                best_score = score
                best = {"stock": t, "items": [{**p, "item": items[p["item"]]} for p in first["items"]]}
    return best


def sheet_by_sheet(job: CuttingJob, seed: int = 0, rows: int = 8) -> Plan | None:
    """A plan built one sheet at a time: while the pieces left need more than one sheet, the sheet of
    the type that takes the most piece area per unit of cost; the last of the cheapest type that
    holds them all. None where limited stock runs out."""
    rng = np.random.default_rng(seed)
    left = list(range(job.n))
    unit = [s.unit_cost for s in job.stock]
    plan: Plan = []
    used: Counter[int] = Counter()
    while left:
        in_hand = [t for t, s in enumerate(job.stock) if s.count is None or used[t] < s.count]
        if not in_hand:
            return None
        sub = replace(job, stock=tuple(replace(s, count=None if s.count is None else s.count - used[t])
                                       for t, s in enumerate(job.stock)))
        for t in sorted(in_hand, key=lambda t: unit[t]):
            last = _fits(sub, left, (t,), rng)
            if last is not None:
                return plan + last
        sheet = _best_first_sheet(sub, left, rng, rows)
        if sheet is None or not sheet["items"]:
            return None
        plan.append(sheet)
        used[sheet["stock"]] += 1
        placed = {p["item"] for p in sheet["items"]}
        left = [i for i in left if i not in placed]
    return plan


def _fill(job: CuttingJob, sheet: dict[str, Any]) -> float:
    """Piece area per unit of cost of one sheet (higher is better use of the money)."""
    return sum(p["width"] * p["height"] for p in sheet["items"]) / job.stock[sheet["stock"]].unit_cost


def regroup_sheets(job: CuttingJob, plan: Plan, deadline: float | None, seed: int = 0,
                   moves: int | None = None) -> Plan:
    """A local search over the stock types of ``plan`` until ``time.perf_counter()`` passes ``deadline``
    or after ``moves`` moves (one of them given).

    After :func:`cheaper_sheets`, each move takes two or three sheets (the worse used, by piece area
    per unit of cost, the likelier) and decodes their pieces onto each cheaper set of at most one
    sheet more, cheapest first; the first that holds them replaces them. Where none does, the
    pieces are decoded again onto the same types in random orders, and a plan that leaves its
    worst-used sheet emptier is kept (the same cost; area moves to where a later move can drop or
    shrink a sheet). Never costlier than ``plan``; deterministic for a ``seed`` and a move count.
    """
    if deadline is None and moves is None:
        raise ValueError("regroup_sheets needs a deadline or a number of moves")
    plan = cheaper_sheets(job, plan, deadline, seed)
    if len(job.stock) < 2 or len(plan) < 2:
        return plan
    rng = np.random.default_rng(seed)
    unit = [s.unit_cost for s in job.stock]
    used = Counter(s["stock"] for s in plan)
    done = 0

    def late() -> bool:
        return deadline is not None and time.perf_counter() > deadline

    while not late() and (moves is None or done < moves) and len(plan) >= 2:
        done += 1
        fills = np.array([_fill(job, s) for s in plan])
        weight = fills.max() - fills + 1e-9 * fills.max() + 1e-12
        k = int(rng.integers(2, min(3, len(plan)) + 1))
        group = tuple(int(g) for g in rng.choice(len(plan), size=k, replace=False, p=weight / weight.sum()))
        cost = sum(unit[plan[i]["stock"]] for i in group)
        items = [p["item"] for i in group for p in plan[i]["items"]]
        freed = Counter(plan[i]["stock"] for i in group)
        found = None
        for types in _cheaper_sets(unit, cost, k + 1):
            if late():
                return plan
            want = Counter(types)
            if all(job.stock[t].count is None or used[t] - freed[t] + c <= job.stock[t].count  # type: ignore[operator]
                   for t, c in want.items()):
                found = _fits(job, items, types, rng)
                if found is not None:
                    break
        if found is None:
            same = tuple(sorted(plan[i]["stock"] for i in group))
            again = _fits(job, items, same, rng, sorted_orders=False)
            if again is None or len(again) != k:
                continue
            if min(_fill(job, s) for s in again) >= fills[list(group)].min():
                continue
            found = again
        used.subtract(freed)
        used.update(s["stock"] for s in found)
        plan = [s for i, s in enumerate(plan) if i not in group] + found
    return plan
