"""Recombination over a pool of bins: a CP-SAT set cover chooses the fewest good bins.

Every bin a search visits is a feasible packing of its item set, and any subset
of a feasible bin is feasible too. So the bins of many different solutions can
be recombined: choose the fewest pool bins that cover every item, then drop
each item covered twice from all but one of its bins — still feasible. This is
the set-covering idea behind Monaci & Toth (2006) and the recombination step of
the bin-level search; a ruin-and-recreate run supplies the bins.

The master is a CP-SAT model (one Boolean per pool bin, a clause per item),
asked for a cover with at most ``incumbent - 1`` bins, hinted with the
incumbent's own bins, on one worker within a small time slice. Only the
``max_bins`` fullest distinct bins take part: thin bins are almost never in a
good cover and make the model slow.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._ruin import BinState
from nnopt.problems.binpack2d._solution import BIN, ITEM, ROT, Packing, X, Y

__all__ = ["BinPool", "MAX_ITEMS", "POOL_COLUMNS", "pool_add_state", "pool_features", "recombine_pool"]

#: Above this many items the master is not built: one clause per item, and a slice of a
#: fraction of a second would not even pay the model's construction.
MAX_ITEMS = 5000


@dataclass
class BinPool:
    """Distinct bins (by item set) with one layout each: item ids, x, y, rotated."""

    bin_area: int
    capacity: int = 5000
    layouts: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]] = field(default_factory=dict)
    #: bins added so far, and at the last recombination (none new since: nothing to try)
    added: int = 0
    added_at_last_try: int = 0
    #: how often each bin was offered (a bin the search keeps finding is a stable one)
    seen: dict[bytes, int] = field(default_factory=dict)

    def add(self, items: np.ndarray, x: np.ndarray, y: np.ndarray, rot: np.ndarray, area: int) -> bytes:
        """Remember one bin (``items`` sorted); a full pool keeps the fuller bins. Returns its key."""
        key = np.ascontiguousarray(items, dtype=np.int64).tobytes()
        if key in self.layouts:
            self.seen[key] += 1
            return key
        if len(self.layouts) >= self.capacity:
            # full: keep the fuller half (one sort per capacity / 2 additions, not a scan per bin)
            keep = sorted(self.layouts, key=lambda k: -self.layouts[k][4])[:self.capacity // 2]
            self.layouts = {k: self.layouts[k] for k in keep}
            self.seen = {k: self.seen[k] for k in keep}
        self.seen[key] = 1
        self.added += 1
        self.layouts[key] = (np.array(items, dtype=np.int64), np.array(x, dtype=np.int64),
                             np.array(y, dtype=np.int64), np.array(rot, dtype=np.uint8), int(area))
        return key


def pool_add_state(instance: BinPackInstance, pool: BinPool, state: BinState, slots: np.ndarray | None = None) -> None:
    """Add ``state``'s bins (only ``slots`` when given) to the pool."""
    area = instance.widths * instance.heights
    ib = state.ib
    order = np.argsort(ib, kind="stable")
    sorted_bins = ib[order]
    starts = np.searchsorted(sorted_bins, np.arange(state.L + 1))
    for b in (range(state.L) if slots is None else slots):
        items = order[starts[b]:starts[b + 1]]
        if len(items) == 0:
            continue
        items = np.sort(items)
        pool.add(items, state.ix[items], state.iy[items], state.rot[items], int(area[items].sum()))


#: What each column of :func:`pool_features` holds (all in [0, 1], the same on every instance).
POOL_COLUMNS = ("fill", "items / mean items per pool bin (halved, capped at 1)", "largest item area",
                "mean rarity of its items (1 / pool bins holding the item)",
                "rarest item's rarity", "fill rank in the pool (0 emptiest)",
                "times the search offered it (log, relative to the most offered)")


def pool_features(instance: BinPackInstance, pool: BinPool) -> np.ndarray:
    """``(P, 7)`` float64 per pool bin, in the pool's order (``POOL_COLUMNS``): what a learned
    column filter sees. Rarity is relational: an item that few pool bins hold makes every bin
    that holds it a likely member of a cover, however thin the bin is."""
    keys = list(pool.layouts)
    P = len(keys)
    out = np.zeros((P, len(POOL_COLUMNS)))
    if P == 0:
        return out
    item_lists = [pool.layouts[k][0] for k in keys]
    sizes = np.array([len(items) for items in item_lists], dtype=np.int64)
    flat = np.concatenate(item_lists)
    owner = np.repeat(np.arange(P), sizes)
    cover = np.bincount(flat, minlength=instance.n).astype(np.float64)
    rarity = 1.0 / np.maximum(cover[flat], 1.0)
    area = (instance.widths * instance.heights).astype(np.float64)
    fills = np.array([pool.layouts[k][4] for k in keys], dtype=np.float64) / float(instance.bin_area)
    out[:, 0] = fills
    out[:, 1] = np.minimum(1.0, 0.5 * sizes / max(1e-9, sizes.mean()))
    largest = np.zeros(P)
    np.maximum.at(largest, owner, area[flat])
    out[:, 2] = largest / float(instance.bin_area)
    out[:, 3] = np.bincount(owner, weights=rarity, minlength=P) / np.maximum(sizes, 1)
    rarest = np.zeros(P)
    np.maximum.at(rarest, owner, rarity)
    out[:, 4] = rarest
    out[:, 5] = np.argsort(np.argsort(fills, kind="stable"), kind="stable") / max(1, P - 1)
    seen = np.log1p(np.array([pool.seen.get(k, 1) for k in keys], dtype=np.float64))
    out[:, 6] = seen / max(1e-9, seen.max())
    return out


def recombine_pool(instance: BinPackInstance, pool: BinPool, incumbent: Packing, time_limit: float,
                   seed: int, max_bins: int = 2000, columns: np.ndarray | None = None) -> Packing | None:
    """A packing with fewer bins than ``incumbent`` made of pool bins, or None (none found in time).

    ``columns`` (indices into the pool's order, as :func:`pool_features` rows) are the pool
    bins the master sees; by default its ``max_bins`` fullest.
    """
    from ortools.sat.python import cp_model

    target = incumbent.num_bins - 1
    if target < 1 or pool.added <= pool.added_at_last_try or instance.n > MAX_ITEMS:
        return None
    pool.added_at_last_try = pool.added
    rows = incumbent.placements
    layouts = dict(pool.layouts)  # the incumbent's bins join this copy: a full pool may refuse them
    incumbent_keys = set()
    for b in np.unique(rows[:, BIN]):  # the incumbent's own bins make the hint complete
        sel = rows[rows[:, BIN] == b]
        sel = sel[np.argsort(sel[:, ITEM])]
        key = np.ascontiguousarray(sel[:, ITEM], dtype=np.int64).tobytes()
        incumbent_keys.add(key)
        layouts.setdefault(key, (sel[:, ITEM].astype(np.int64), sel[:, X], sel[:, Y], sel[:, ROT].astype(np.uint8),
                                 int((instance.widths[sel[:, ITEM]] * instance.heights[sel[:, ITEM]]).sum())))
    if columns is None:
        keys = sorted(pool.layouts, key=lambda k: -pool.layouts[k][4])[:max_bins]
    else:
        order = list(pool.layouts)
        keys = [order[int(j)] for j in columns]
    chosen = set(keys)
    keys += [k for k in incumbent_keys if k not in chosen]
    model = cp_model.CpModel()
    use = [model.new_bool_var(f"b{j}") for j in range(len(keys))]
    covering: list[list[Any]] = [[] for _ in range(instance.n)]
    for j, k in enumerate(keys):
        for it in layouts[k][0]:
            covering[int(it)].append(use[j])
        model.add_hint(use[j], k in incumbent_keys)
    for it in range(instance.n):
        model.add_bool_or(covering[it])
    model.add(sum(use) <= target)
    # the area bound: chosen bins must hold every item's area
    model.minimize(sum(use))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, float(time_limit))
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed) % (2**31)
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    placed = np.zeros(instance.n, dtype=bool)
    out = []
    b_out = 0
    for j, k in enumerate(keys):
        if not solver.BooleanValue(use[j]):
            continue
        items, x, y, rot, _ = layouts[k]
        keep = ~placed[items]
        if not keep.any():
            continue
        items, x, y, rot = items[keep], x[keep], y[keep], rot[keep].astype(bool)
        placed[items] = True
        w = np.where(rot, instance.heights[items], instance.widths[items])
        h = np.where(rot, instance.widths[items], instance.heights[items])
        out.append(np.stack([items, np.full(len(items), b_out), x, y, w, h, rot.astype(np.int64)], axis=1))
        b_out += 1
    if not placed.all() or b_out > target:
        return None
    return Packing(np.concatenate(out).astype(np.int64))
