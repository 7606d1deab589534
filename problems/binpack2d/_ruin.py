"""binpack2d's solution-level search hooks: bins as the components a ruin takes apart.

The state (:class:`BinState`) is a packing in ``L`` bin slots with some items
possibly left out. ``tighten`` is the goal-driven step of ruin and recreate
(Gardeyn & Wauters 2022): take the incumbent's emptiest bin away, so the state
holds one bin fewer than the best packing and its left-out items say how far
it is from a packing that good. ``state_cost`` ranks states by left-out area,
then prefers uneven fills (a larger sum of squared fills: free space gathered
in few bins is what lets the next left-out item in).

Every heavy step runs in the Numba kernels of ``_ruin_kernels``; the hooks only
copy arrays and draw the seeds, so a move costs about one decode.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnopt.problems.binpack2d._instance import BinPackInstance
from nnopt.problems.binpack2d._ruin_kernels import (
    bin_fill,
    bin_weakness,
    component_profile,
    recreate,
    refill_slots,
    ruin_bins,
)
from nnopt.problems.binpack2d._solution import BIN, ITEM, ROT, Packing, X, Y

__all__ = ["BinState", "RecreateSettings", "state_from_packing", "tighten_state", "state_weakness",
           "ruin_state", "recreate_state", "state_cost", "packing_from_state", "component_features",
           "COMPONENT_COLUMNS"]


@dataclass
class BinState:
    """``L`` bin slots; per item its slot (-1: left out), lower-left corner and orientation."""

    L: int
    ib: np.ndarray
    ix: np.ndarray
    iy: np.ndarray
    rot: np.ndarray
    #: (left-out area, -sum of squared fills / L), filled in by ``recreate_state``
    cost: tuple[float, float] | None = None
    #: slots the last ruin emptied, rebuilt from scratch by the next recreate
    emptied: np.ndarray | None = None
    #: the slots of the state this one was ruined from (what a move changed, for the bin pool)
    parent_ib: np.ndarray | None = None

    def changed_slots(self) -> np.ndarray | None:
        """Slots that received items since the ruin (all slots: None)."""
        if self.parent_ib is None:
            return None
        return np.unique(self.ib[(self.ib != self.parent_ib) & (self.ib >= 0)])

    def copy(self) -> BinState:
        return BinState(self.L, self.ib.copy(), self.ix.copy(), self.iy.copy(), self.rot.copy(), self.cost)


@dataclass(frozen=True)
class RecreateSettings:
    """Knobs of one ruin-and-recreate move (how they were chosen: see ``RRConfig``)."""

    #: probability that a ruined bin loses every item (else each item with probability 1/2)
    p_all: float = 0.8
    #: probability that a recreate skips a bin when placing one item (SISR's blinks)
    blink: float = 0.05
    #: multiplicative noise on the most-restricted-first keys
    noise: float = 0.3
    #: sort orders tried when repacking a bin with a newcomer (1 to 4)
    repack_orders: int = 4
    #: left-out items cost (area / bin area) ** left_power: above 1, one big item left out
    #: weighs more than several small ones of the same total area
    left_power: float = 1.0
    #: orders tried when rebuilding emptied bins from scratch (0: only hole filling)
    refill_attempts: int = 4
    #: bin choice of a recreate: the tightest hole (best short side fit) first, else the bin
    #: left with the least free area first
    fit_first: bool = False
    #: a repack that no sort order manages is searched exactly (``_opp_kernels``) when the
    #: bin would hold at most this many items (0: never). Off: at 12 it cut the moves to 36-49 % on
    #: instances with few items per bin and found no bin more (classic 500 at 10 s: 7,237
    #: against 7,235, ``classic_10s_exact.md``; ``exact_repack.md``, ``ruin_guide_tuning_exact.md``) ...
    exact_items: int = 0
    #: ... within this many placements per recreate, shared by its exact searches
    exact_nodes: int = 300


def state_from_packing(instance: BinPackInstance, packing: Packing) -> BinState:
    rows = packing.placements
    n = instance.n
    ib = np.empty(n, dtype=np.int64)
    ix = np.empty(n, dtype=np.int64)
    iy = np.empty(n, dtype=np.int64)
    rot = np.empty(n, dtype=np.uint8)
    _, slots = np.unique(rows[:, BIN], return_inverse=True)
    ib[rows[:, ITEM]] = slots
    ix[rows[:, ITEM]] = rows[:, X]
    iy[rows[:, ITEM]] = rows[:, Y]
    rot[rows[:, ITEM]] = rows[:, ROT]
    state = BinState(int(slots.max()) + 1 if n else 0, ib, ix, iy, rot)
    state.cost = state_cost(instance, state)
    return state


def _fills(instance: BinPackInstance, state: BinState) -> tuple[np.ndarray, np.ndarray]:
    return bin_fill(instance.widths, instance.heights, np.int64(state.L), state.ib)


def tighten_state(instance: BinPackInstance, state: BinState) -> BinState | None:
    """One slot fewer: the least-filled bin's items are left out and the last slot takes its index."""
    if state.L <= 1:
        return None
    new = state.copy()
    used, _ = _fills(instance, new)
    weakest = int(np.argmin(used))
    new.ib[new.ib == weakest] = -1
    new.ib[new.ib == new.L - 1] = weakest
    new.L -= 1
    new.cost = None
    new.cost = state_cost(instance, new)
    return new


def state_weakness(instance: BinPackInstance, state: BinState) -> np.ndarray:
    """Per slot: its free fraction, plus 1 per missing item below the mean count (few, big items
    pack badly), so nearly empty and awkward bins are ruined first."""
    return bin_weakness(instance.widths, instance.heights, float(instance.bin_area), np.int64(state.L), state.ib)


#: What each column of :func:`component_features` holds (all about [0, 1], the same on every instance).
COMPONENT_COLUMNS = ("fill", "items / mean items per bin (halved, capped at 1)", "largest item area",
                     "smallest item area", "mean item area", "fill rank (0 emptiest)", "longest relative side",
                     "left-out area in bins (capped at 1)", "free area / left-out area (capped at 1)",
                     "share of left-out items no larger than the free area")


def component_features(instance: BinPackInstance, state: BinState) -> np.ndarray:
    """``(L, 10)`` float64 per bin slot (see ``COMPONENT_COLUMNS``): what a learned ruin guide sees.

    Areas are relative to the bin and counts to the state's mean, so a model trained on
    some instances reads the bins of another the same way. One compiled pass: the guide
    reads it once per accepted state, a cost inside its budget of a tenth of a move.
    """
    return component_profile(instance.widths, instance.heights, float(instance.bin_width),
                             float(instance.bin_height), np.int64(state.L), state.ib)


def ruin_state(instance: BinPackInstance, state: BinState, components: np.ndarray, rng: np.random.Generator,
               settings: RecreateSettings) -> BinState:
    new = state.copy()
    new.parent_ib = state.ib
    bins = np.asarray(components, dtype=np.int64)
    ruin_bins(new.ib, bins, int(rng.integers(2**31)), settings.p_all)
    new.cost = None
    if settings.refill_attempts > 0:
        _, count = _fills(instance, new)
        new.emptied = bins[count[bins] == 0]
    return new


def recreate_state(instance: BinPackInstance, state: BinState, rng: np.random.Generator,
                   settings: RecreateSettings) -> None:
    if state.emptied is not None and len(state.emptied):
        refill_slots(instance.widths, instance.heights, np.int64(instance.bin_width), np.int64(instance.bin_height),
                     instance.allow_rotation, state.ib, state.ix, state.iy, state.rot, state.emptied,
                     np.int64(settings.refill_attempts), int(rng.integers(2**31)), settings.noise,
                     settings.left_power)
        state.emptied = None
    left, sq = recreate(instance.widths, instance.heights, np.int64(instance.bin_width),
                        np.int64(instance.bin_height), instance.allow_rotation, np.int64(state.L),
                        state.ib, state.ix, state.iy, state.rot, int(rng.integers(2**31)),
                        settings.blink, settings.noise, np.int64(settings.repack_orders), settings.fit_first,
                        np.int64(settings.exact_items), np.int64(settings.exact_nodes))
    if settings.left_power != 1.0 and left > 0:
        rel = (instance.widths * instance.heights)[state.ib < 0] / instance.bin_area
        left_cost = float((rel ** settings.left_power).sum())
    else:
        left_cost = float(left) / instance.bin_area
    state.cost = (left_cost, -float(sq) / (instance.bin_area ** 2 * max(1, state.L)))


def state_cost(instance: BinPackInstance, state: BinState) -> tuple[float, float]:
    if state.cost is not None:
        return state.cost
    used, _ = _fills(instance, state)
    area = instance.widths * instance.heights
    left = float(area[state.ib < 0].sum()) / instance.bin_area
    return left, -float((used.astype(np.float64) ** 2).sum()) / (instance.bin_area ** 2 * max(1, state.L))


def packing_from_state(instance: BinPackInstance, state: BinState) -> Packing | None:
    """The packing a complete state holds (slots renumbered in order of use); None if items are left out."""
    if (state.ib < 0).any():
        return None
    rot = state.rot.astype(bool)
    w = np.where(rot, instance.heights, instance.widths)
    h = np.where(rot, instance.widths, instance.heights)
    _, bins = np.unique(state.ib, return_inverse=True)
    rows = np.stack([np.arange(instance.n), bins, state.ix, state.iy, w, h, state.rot.astype(np.int64)], axis=1)
    return Packing(rows)


def as_state(obj: Any) -> BinState:
    if not isinstance(obj, BinState):
        raise TypeError(f"expected a binpack2d search state, got {type(obj).__name__}")
    return obj
