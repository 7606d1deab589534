"""Cutting plans' solution-level search hooks: whole sheets as the components a ruin takes apart.

The encoding search decodes every item order from scratch; once it stalls, the
plans it finds are often one sheet above the best known because one sheet is
nearly empty and no single order fills the others well enough to absorb it.
These hooks let ruin and recreate (``nnopt.solver.ruin_recreate``) work on the
plan itself:

- the state (:class:`CuttingState`) is a plan in ``L`` sheet *slots* (a slot
  holds one sheet of a stock type, or is empty) with some pieces possibly left
  out, and a *budget*: the total cost the slots may hold;
- ``tighten`` takes the least-filled sheet away (its pieces left out) and lowers
  the budget by that sheet's cost, so the state aims at a plan one sheet cheaper;
- ``ruin`` empties a few slots: their pieces join the left-out ones;
- ``recreate`` puts left-out pieces back in three steps. (1) It re-decodes them
  into the empty slots with the guillotine decoders of :mod:`._guillotine_kernels`
  (a small sub-job: the pool's pieces, the stock still in stock after the kept
  sheets), over a batch of perturbed decreasing orders and orientations (the
  pieces left out before this ruin first in every other order), and keeps the row
  whose fullest sheets, as many as there are empty slots and within the budget
  left, leave the least area out; on guillotine jobs of one stock type the pool is
  planned instead by the piece-by-piece beam search of :mod:`._guillotine_tree`, whose
  fullest sheets are kept (the greedy rules lose a tight job's sheet to a strip none of
  them builds). (2) What is still out is decoded as new strips
  above the kept sheets' top strips (the room there as one-sheet stock types).
  (3) The rest goes, best fit, on top of a stack, into a new stack of a strip or a
  new strip of a kept sheet, whose strips and stacks are read off its pieces
  (:func:`._cutting_search_kernels.insert_pieces`). A sheet the
  kernels cut is a guillotine plan of its own, new strips above it are cut by
  first-stage cuts like its own, and pieces go into strips and stacks only as the
  job's cuts allow, so a plan keeps the stages, the first cut, exactness, kerf,
  trims and each piece's rotation; the stock counts hold because the sub-job only
  has the sheets the kept ones leave. Where a job may be cut either way first, a
  sheet of the start plan has unknown cuts: it is only ever ruined whole.
- ``state_cost``: the left-out area (in usable sheets of the largest type), then
  minus the mean squared fill, so that across equal left-out the search prefers
  uneven fills: area moved out of the emptiest sheet is what lets it go.

A complete state's plan is checked with :func:`._cutting_checker.check_cutting_plan`
before it is handed out; a plan the checker refuses is never returned.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan
from nnopt.problems.binpack2d._cutting_free import free_placement
from nnopt.problems.binpack2d._cutting_free_search import recreate_free, rehearse_free
from nnopt.problems.binpack2d._cutting_search_kernels import decode_pool, draw_orders, insert_pieces
from nnopt.problems.binpack2d._cutting_spec import CuttingJob, price_step
from nnopt.problems.binpack2d._cutting_tree import rehearse_tree
from nnopt.problems.binpack2d._guillotine_decode import cutting_modes, first_cut_ways
from nnopt.problems.binpack2d._guillotine_kernels import (
    RULE_BEST_FIT,
    RULE_FILL_AREA,
    RULE_FILL_WIDEN,
    RULE_KNAPSACK,
    RULE_STRIPS_KNAPSACK,
    decode_batch,
)
from nnopt.problems.binpack2d._guillotine_tree import tree_plan

__all__ = ["CuttingState", "SearchContext", "plan_from_state", "recreate_state", "ruin_state", "search_context",
           "state_cost", "state_from_plan", "state_weakness", "tighten_state"]

#: Rules a recreate draws from, and how often: the knapsack rules, the strongest single decoders on the
#: classic jobs, most often. A first choice, not tuned: every rule in each move (two orders each), and
#: 4, 8 or 16 orders of one rule, left the same sheets on the 18 three-stage classic jobs the encoding
#: search missed in a 100-job sample (313-315 sheets at 2 s against 302 best known).
_RULES = np.array([RULE_KNAPSACK, RULE_STRIPS_KNAPSACK, RULE_BEST_FIT, RULE_FILL_AREA, RULE_FILL_WIDEN])
_RULE_CUMULATIVE = np.cumsum([0.35, 0.2, 0.2, 0.15, 0.1])
#: Orders one recreate decodes (per first-cut direction).
ORDERS = 8
#: Multiplicative noise on the decreasing-size keys of an order.
NOISE = 0.3
#: Insertion orders tried per recreate (the one that puts the most area in wins).
INSERT_TRIES = 3
#: Probability that an insertion passes over a free place (for variety).
BLINK = 0.05
#: Share of the recreates that plan the left-out pieces by beam search (guillotine jobs on one stock type):
#: on the 46 three-stage classic jobs the decoders' recreate left a sheet above the best known at 10 s, the
#: best known on 37 at 0.3, 38 at 0.6, 39 at 1.0 (one run each).
TREE_SHARE = 1.0
#: Width of that beam search: 34, 39 and 38 of those 46 jobs at 16, 32 and 64.
TREE_WIDTH = 32
#: Where the recreate buys sheets: the probability that a ruined sheet is emptied whole (else a window of it).
WHOLE_RUIN = 0.5


@dataclass(frozen=True, eq=False)
class SearchContext:
    """What every move of one job reads: per item sizes and areas, per stock type sizes, prices, counts,
    the kernels' modes and the directions the first cut may take."""

    job: CuttingJob
    w: np.ndarray
    h: np.ndarray
    can_turn: np.ndarray
    area: np.ndarray
    #: per item, sort keys of the decreasing orders (height, width, area, perimeter, longest side)
    metrics: np.ndarray
    uw: np.ndarray
    uh: np.ndarray
    usable: np.ndarray
    unit: np.ndarray
    count: np.ndarray
    stacking: bool
    exact: bool
    #: the first-cut directions tried (True: the job transposed, first cuts vertical)
    ways: tuple[bool, ...]
    #: usable area of the largest stock type: the unit of left-out area
    ref_area: float


_CONTEXTS: dict[CuttingJob, SearchContext] = {}


def search_context(job: CuttingJob) -> SearchContext:
    """The job's :class:`SearchContext` (cached per job)."""
    ctx = _CONTEXTS.get(job)
    if ctx is not None:
        return ctx
    w, h, can_turn = job.item_arrays()
    T = len(job.stock)
    box = [job.usable(t) for t in range(T)]
    uw = np.array([x1 - x0 for x0, _, x1, _ in box], dtype=np.int64)
    uh = np.array([y1 - y0 for _, y0, _, y1 in box], dtype=np.int64)
    wf, hf = w.astype(np.float64), h.astype(np.float64)
    metrics = np.stack([hf * (wf.max() + 1) + wf, wf * (hf.max() + 1) + hf, wf * hf, wf + hf,
                        np.maximum(wf, hf)])
    stacking, exact = cutting_modes(job)
    ways = first_cut_ways(job)
    usable = (uw * uh).astype(np.float64)
    ctx = SearchContext(job, np.array(w), np.array(h), np.array(can_turn), (w * h).astype(np.float64), metrics,
                        uw, uh, usable,
                        np.array([1.0 if job.counts_sheets else s.unit_cost for s in job.stock], dtype=np.float64),
                        np.array([-1 if s.count is None else s.count for s in job.stock], dtype=np.int64),
                        stacking, exact, ways, float(usable.max()))
    if len(_CONTEXTS) > 64:
        _CONTEXTS.clear()
    _CONTEXTS[job] = ctx
    return ctx


@dataclass
class CuttingState:
    """``L`` sheet slots (``stock``: the slot's stock type, -1 empty); per item its slot (-1: left out),
    placed corner, placed size and whether it is turned; ``budget``: the total cost the slots may hold."""

    stock: np.ndarray
    ib: np.ndarray
    x: np.ndarray
    y: np.ndarray
    pw: np.ndarray
    ph: np.ndarray
    rot: np.ndarray
    budget: float
    #: the job's context (every move reads it; looking a job up by value hashes all its pieces)
    ctx: SearchContext
    cost: tuple[float, float] | None = None
    #: per item, whether the last ruin took it out (the others left out were left out before)
    ruined: np.ndarray | None = None
    #: per slot, the direction of its sheet's first cuts: 0 as the sheet lies, 1 transposed, -1 unknown
    way: np.ndarray | None = None

    @property
    def L(self) -> int:
        return len(self.stock)

    def copy(self) -> CuttingState:
        return CuttingState(self.stock.copy(), self.ib.copy(), self.x.copy(), self.y.copy(), self.pw.copy(),
                            self.ph.copy(), self.rot.copy(), self.budget, self.ctx, self.cost,
                            way=None if self.way is None else self.way.copy())


def state_from_plan(job: CuttingJob, sheets: list[dict[str, Any]]) -> CuttingState:
    """The state holding a complete plan (one slot per sheet, in plan order; budget: the plan's cost)."""
    ctx = search_context(job)
    n = job.n
    ib = np.full(n, -1, dtype=np.int64)
    x, y, pw, ph = (np.zeros(n, dtype=np.int64) for _ in range(4))
    rot = np.zeros(n, dtype=np.bool_)
    stock = np.array([int(s["stock"]) for s in sheets], dtype=np.int64)
    for k, sheet in enumerate(sheets):
        for p in sheet["items"]:
            i = int(p["item"])
            ib[i], x[i], y[i], pw[i], ph[i], rot[i] = k, p["x"], p["y"], p["width"], p["height"], bool(p["rotated"])
    state = CuttingState(stock, ib, x, y, pw, ph, rot, float(ctx.unit[stock].sum()) if len(stock) else 0.0, ctx)
    # a job cut one way only says how its sheets were cut; a job cut either way does not
    state.way = np.full(len(stock), int(ctx.ways[0]) if len(ctx.ways) == 1 else -1, dtype=np.int64)
    if _buys_sheets(job, ctx):
        _pad_slots(state)
    state.cost = state_cost(job, state)
    _rehearse(job, state)
    return state


def _buys_sheets(job: CuttingJob, ctx: SearchContext) -> bool:
    """Free placement with several stock types: the recreate buys sheets within the budget
    (:mod:`._cutting_free_search`) and ``tighten`` aims just below the incumbent."""
    return free_placement(job) and len(ctx.unit) > 1


def _pad_slots(state: CuttingState) -> None:
    """Empty slots after the sheets, as many as there are sheets (at least two): a cheaper plan may
    need more, smaller sheets, and the number of slots stays as it is through every move."""
    extra = max(2, state.L)
    state.stock = np.concatenate([state.stock, np.full(extra, -1, dtype=np.int64)])
    if state.way is not None:
        state.way = np.concatenate([state.way, np.full(extra, -1, dtype=np.int64)])


_REHEARSED: list[bool] = []


def _rehearse(job: CuttingJob, state: CuttingState) -> None:
    """Once per process, one move on a copy of the first state (its own generator, so no seeded run
    changes), an insertion of nothing, a free-placement recreate of two pieces and a beam search of
    two: every kernel of the moves and of the polish, of guillotine and free-placement jobs alike, is
    then compiled or loaded.

    The default method builds a search state of every job it solves, also of one too small for
    ruin and recreate (it counts the sheets); ``nnopt warmup`` and the compile-ahead of a
    first solve run it on small generated jobs, so this is where the moves' kernels get
    compiled before a user's clock runs, not in the first move of a large job."""
    if _REHEARSED or state.L == 0:
        return
    _REHEARSED.append(True)
    ctx = state.ctx
    recreate_state(job, ruin_state(job, state, np.zeros(1, dtype=np.int64)), np.random.default_rng(0))
    slot_way = np.where(state.stock >= 0, -1 if state.way is None else state.way, -1)
    insert_pieces(ctx.w, ctx.h, ctx.can_turn, state.ib.copy(), state.x.copy(), state.y.copy(), state.rot.copy(),
                  state.stock, slot_way, ctx.uw, ctx.uh, np.int64(job.kerf), ctx.stacking, ctx.exact,
                  np.zeros(0, dtype=np.int64), BLINK, np.int64(0))
    rehearse_free()
    rehearse_tree()


def _filled(ctx: SearchContext, state: CuttingState) -> np.ndarray:
    """Piece area per slot."""
    held = state.ib >= 0
    return np.bincount(state.ib[held], weights=ctx.area[held], minlength=state.L)


def _fills(ctx: SearchContext, state: CuttingState) -> np.ndarray:
    """Per slot, the share of its sheet's usable area covered by pieces (0 for an empty slot)."""
    cap = np.where(state.stock >= 0, ctx.usable[np.clip(state.stock, 0, None)], 1.0)
    return _filled(ctx, state) / cap


def state_cost(job: CuttingJob, state: CuttingState) -> tuple[float, float]:
    """(left-out area in usable sheets of the largest type, minus the mean squared fill of the slots)."""
    if state.cost is not None:
        return state.cost
    ctx = state.ctx
    left = float(ctx.area[state.ib < 0].sum()) / ctx.ref_area
    fills = _fills(ctx, state)
    return left, -float((fills ** 2).sum()) / max(1, state.L)


def state_weakness(job: CuttingJob, state: CuttingState) -> np.ndarray:
    """Per slot, its free share: nearly empty sheets are ruined first. An empty slot scores 1, or 0 where
    the recreate buys sheets (the spare slots there hold nothing to ruin)."""
    weak = 1.0 - _fills(state.ctx, state)
    if _buys_sheets(job, state.ctx):
        weak[state.stock < 0] = 0.0
    return weak


def tighten_state(job: CuttingJob, state: CuttingState) -> CuttingState | None:
    """One slot fewer: the least-filled sheet's pieces are left out, the budget drops by its cost, and
    the last slot takes its index. None when the plan has a single sheet."""
    ctx = state.ctx
    held = np.flatnonzero(state.stock >= 0)
    if len(held) <= 1:
        return None
    fills = _fills(ctx, state)
    weakest = int(held[np.argmin(fills[held])])
    new = state.copy()
    price = float(ctx.unit[state.stock[weakest]])
    if _buys_sheets(job, ctx):
        # aim just below the incumbent, so the recreate may buy a cheaper sheet for the weakest
        # one's pieces (dropping a whole sheet's price at once asks too much of a job that fills
        # two or three sheets); the slot stays, empty
        new.budget = state.budget - min(price, max(1e-6 * state.budget, price_step(job)))
        new.ib[new.ib == weakest] = -1
        new.stock[weakest] = -1
        new.cost = None
        new.cost = state_cost(job, new)
        return new
    new.budget = state.budget - price
    new.ib[new.ib == weakest] = -1
    last = new.L - 1
    new.ib[new.ib == last] = weakest
    new.stock[weakest] = new.stock[last]
    new.stock = new.stock[:last].copy()
    if new.way is not None:
        new.way[weakest] = new.way[last]
        new.way = new.way[:last].copy()
    new.cost = None
    new.cost = state_cost(job, new)
    return new


def ruin_state(job: CuttingJob, state: CuttingState, components: np.ndarray,
               rng: np.random.Generator | None = None) -> CuttingState:
    """A copy of ``state`` with the sheets of the slots ``components`` emptied (their pieces left out).

    Whole sheets only, on guillotine jobs: the insertion reads a sheet's strips and stacks off its
    pieces, which a sheet missing some pieces no longer tells (a stack's upper piece may float
    above a strip's others). Where the recreate buys sheets (free placement, several types) and
    ``rng`` is given, a sheet is emptied whole with probability :data:`WHOLE_RUIN`, else only its
    pieces that reach into a random window of it are taken out: the hole they leave is where
    the recreate packs the sheet tighter."""
    new = state.copy()
    slots = np.asarray(components, dtype=np.int64)
    slots = slots[(slots >= 0) & (slots < new.L) & (new.stock[np.clip(slots, 0, None)] >= 0)]
    hit = np.zeros(new.L + 1, dtype=np.bool_)  # the last entry stands for -1 (left out already)
    if rng is not None and _buys_sheets(job, state.ctx):
        whole = rng.random(len(slots)) < WHOLE_RUIN
        hit[slots[whole]] = True
        out = hit[new.ib] & (new.ib >= 0)
        for s in slots[~whole]:
            out |= _window(job, new, int(s), rng)
    else:
        hit[slots] = True
        out = hit[new.ib] & (new.ib >= 0)
    new.ruined = out
    new.ib[out] = -1
    held = np.zeros(new.L, dtype=np.bool_)
    held[new.ib[new.ib >= 0]] = True
    new.stock[slots[~held[slots]]] = -1
    new.cost = None
    return new


def _window(job: CuttingJob, state: CuttingState, slot: int, rng: np.random.Generator) -> np.ndarray:
    """Per item, whether it lies on ``slot`` and reaches into a random window of the sheet (a third to
    two thirds of each side); one random piece of the sheet when none does (none of an empty sheet)."""
    x0, y0, x1, y1 = job.usable(int(state.stock[slot]))
    ww, wh = (x1 - x0) * rng.uniform(1 / 3, 2 / 3), (y1 - y0) * rng.uniform(1 / 3, 2 / 3)
    wx, wy = x0 + rng.uniform(0, x1 - x0 - ww), y0 + rng.uniform(0, y1 - y0 - wh)
    mine = state.ib == slot
    out = mine & (state.x < wx + ww) & (state.x + state.pw > wx) & (state.y < wy + wh) & (state.y + state.ph > wy)
    if not out.any() and mine.any():
        out[rng.choice(np.flatnonzero(mine))] = True
    return out


def _place(job: CuttingJob, state: CuttingState, items: np.ndarray, slots: np.ndarray, ox: np.ndarray,
           oy: np.ndarray, rot: np.ndarray, pw: np.ndarray, ph: np.ndarray, transposed: bool) -> None:
    """Put ``items`` into ``slots`` at strip-space corners ``(ox, oy)`` of the trimmed sheet (``pw``, ``ph``:
    their strip-space sizes as listed, ``rot``: turned), in sheet coordinates."""
    t = job.trim
    spw, sph = np.where(rot, ph, pw), np.where(rot, pw, ph)  # strip-space placed sizes
    state.ib[items] = slots
    state.rot[items] = rot
    if transposed:
        state.x[items], state.y[items] = oy + t.left, ox + t.bottom
        state.pw[items], state.ph[items] = sph, spw
    else:
        state.x[items], state.y[items] = ox + t.left, oy + t.bottom
        state.pw[items], state.ph[items] = spw, sph


def _decode_into_empty(job: CuttingJob, state: CuttingState, rng: np.random.Generator, rule: np.int64) -> None:
    """The left-out pieces re-decoded into the empty slots, the best of a batch of orders kept."""
    ctx = state.ctx
    pool = np.flatnonzero(state.ib < 0)
    empty = np.flatnonzero(state.stock < 0)
    kept = state.stock[state.stock >= 0]
    used = np.bincount(kept, minlength=len(ctx.count))
    left = np.where(ctx.count >= 0, np.maximum(ctx.count - used, 0), -1)  # sheets still in stock, -1: unlimited
    if len(pool) == 0 or len(empty) == 0 or not (left != 0).any():
        return
    room = state.budget - float(ctx.unit[kept].sum()) + 1e-9
    first = np.ones(len(pool), dtype=np.bool_) if state.ruined is None else ~state.ruined[pool]
    best: Any = None
    for transposed in ctx.ways:
        pw, ph = (ctx.h[pool], ctx.w[pool]) if transposed else (ctx.w[pool], ctx.h[pool])
        sw, sh = (ctx.uh, ctx.uw) if transposed else (ctx.uw, ctx.uh)
        found = decode_pool(pw, ph, ctx.can_turn[pool], first, ctx.metrics[:, pool], sw, sh, ctx.unit, ctx.usable,
                            left, np.int64(job.kerf), ctx.stacking, ctx.exact, rule, np.int64(ORDERS), NOISE,
                            np.int64(len(empty)), room, np.int64(rng.integers(2**31)))
        if best is None or (found[0], -found[1]) < (best[1][0], -best[1][1]):
            best = (transposed, found, pw, ph)
    transposed, (lost, _, slot_of, sheet, ox, oy, rot, types), pw, ph = best
    if not np.isfinite(lost):
        return
    rank = slot_of[sheet]  # per pool piece: its kept sheet's rank, -1 where not kept
    mine = rank >= 0
    for s in np.flatnonzero(slot_of >= 0):
        state.stock[empty[slot_of[s]]] = types[s]
        if state.way is not None:
            state.way[empty[slot_of[s]]] = int(transposed)
    _place(job, state, pool[mine], empty[rank[mine]], ox[mine], oy[mine], rot[mine].astype(np.bool_), pw[mine],
           ph[mine], transposed)


def _tree_into_empty(job: CuttingJob, state: CuttingState, rng: np.random.Generator) -> None:
    """The left-out pieces planned by the piece-by-piece beam search (:mod:`._guillotine_tree`, width
    :data:`TREE_WIDTH`, one first-cut direction the job allows), its fullest sheets kept, as many as there
    are empty slots: for guillotine jobs on one stock type, where a sheet is lost to a strip no greedy
    rule builds."""
    ctx = state.ctx
    pool = np.flatnonzero(state.ib < 0)
    empty = np.flatnonzero(state.stock < 0)
    kept = int((state.stock >= 0).sum())
    room = int((state.budget - float(ctx.unit[0]) * kept + 1e-9) // float(ctx.unit[0]))
    k = min(len(empty), room if ctx.count[0] < 0 else min(room, int(ctx.count[0]) - kept))
    if len(pool) == 0 or k <= 0:
        return
    transposed = bool(ctx.ways[int(rng.integers(len(ctx.ways)))])
    pw, ph = (ctx.h[pool], ctx.w[pool]) if transposed else (ctx.w[pool], ctx.h[pool])
    sw, sh = (ctx.uh[0], ctx.uw[0]) if transposed else (ctx.uw[0], ctx.uh[0])
    m = len(pool)
    sheet, ox, oy = (np.zeros(m, dtype=np.int64) for _ in range(3))
    rot = np.zeros(m, dtype=np.uint8)
    zob = rng.integers(1, 2**63 - 1, m, dtype=np.int64).astype(np.uint64)
    found = tree_plan(pw, ph, ctx.can_turn[pool], sw, sh, np.int64(job.kerf), ctx.stacking, ctx.exact,
                      np.int64(TREE_WIDTH), np.int64(k), np.int64(m + 1), float(rng.integers(2)) * 2.0, zob,
                      sheet, ox, oy, rot)
    if found <= 0:
        return
    fill = np.bincount(sheet, weights=ctx.area[pool], minlength=found)
    chosen = np.argsort(-fill, kind="stable")[:k]
    rank = np.full(found, -1, dtype=np.int64)
    rank[chosen] = np.arange(len(chosen))
    mine = rank[sheet] >= 0
    for r in range(len(chosen)):
        state.stock[empty[r]] = 0
        if state.way is not None:
            state.way[empty[r]] = int(transposed)
    _place(job, state, pool[mine], empty[rank[sheet[mine]]], ox[mine], oy[mine], rot[mine].astype(np.bool_),
           pw[mine], ph[mine], transposed)


def _fill_tops(job: CuttingJob, state: CuttingState, rng: np.random.Generator, rule: np.int64) -> None:
    """The left-out pieces decoded as new first-stage strips above the top strip of the kept sheets.

    The room above a sheet's last strip is a sheet of its own for the decoders: each such room
    is a stock type with one sheet, and one more type, unlimited and dear, takes what fits
    nowhere (those pieces stay left out). New strips above the old ones are cut by first-stage
    cuts like them, so the sheet keeps the job's stages, kerf and trims."""
    ctx = state.ctx
    if state.way is None:
        return
    kerf = job.kerf
    for transposed in ctx.ways:
        pool = np.flatnonzero(state.ib < 0)
        if len(pool) == 0:
            return
        slots = np.flatnonzero((state.stock >= 0) & (state.way == int(transposed)))
        if len(slots) == 0:
            continue
        held = state.ib >= 0
        t = job.trim
        reach = (state.x - t.left + state.pw) if transposed else (state.y - t.bottom + state.ph)
        top = np.zeros(state.L, dtype=np.int64)
        np.maximum.at(top, state.ib[held], reach[held])
        sw_all, sh_all = (ctx.uh, ctx.uw) if transposed else (ctx.uw, ctx.uh)
        room_h = sh_all[state.stock[slots]] - top[slots] - kerf
        pw, ph = (ctx.h[pool], ctx.w[pool]) if transposed else (ctx.w[pool], ctx.h[pool])
        shortest = int(np.where(ctx.can_turn[pool], np.minimum(pw, ph), ph).min())
        open_ = room_h >= shortest
        if not open_.any():
            continue
        slots, room_h = slots[open_], room_h[open_]
        R = len(slots)
        big = int(max(pw.max(), ph.max(), sw_all.max(), sh_all.max()))
        sw = np.append(sw_all[state.stock[slots]], big).astype(np.int64)
        sh = np.append(room_h, big).astype(np.int64)
        unit = np.append(np.ones(R), 1e12)
        count = np.append(np.ones(R, dtype=np.int64), -1)
        rows = 4
        orders, turned = draw_orders(ctx.metrics[:, pool], ctx.can_turn[pool], np.zeros(len(pool), dtype=np.bool_),
                                     np.int64(rows), NOISE, np.int64(rng.integers(2**31)))
        m = len(pool)
        o_sheet, o_x, o_y, o_type = (np.zeros((rows, m), dtype=np.int64) for _ in range(4))
        o_rot = np.zeros((rows, m), dtype=np.uint8)
        o_sheets = np.zeros(rows, dtype=np.int64)
        o_cost = np.zeros(rows, dtype=np.float64)
        decode_batch(pw, ph, ctx.can_turn[pool], orders, turned, sw, sh, unit, count, np.int64(kerf), ctx.stacking,
                     ctx.exact, rule, True, o_sheet, o_x, o_y, o_rot, o_type, o_sheets, o_cost)
        area = ctx.area[pool]
        best_r, best_area = -1, 0.0
        for r in range(rows):
            if o_sheets[r] < 0:
                continue
            inside = o_type[r][o_sheet[r]] < R
            got = float(area[inside].sum())
            if got > best_area:
                best_r, best_area = r, got
        if best_r < 0:
            continue
        kind = o_type[best_r][o_sheet[best_r]]
        inside = kind < R
        slot = slots[kind[inside]]
        _place(job, state, pool[inside], slot, o_x[best_r][inside], o_y[best_r][inside] + top[slot] + kerf,
               o_rot[best_r][inside].astype(np.bool_), pw[inside], ph[inside], transposed)


def _insert(job: CuttingJob, state: CuttingState, rng: np.random.Generator) -> None:
    """The left-out pieces, largest first (noisy), put into the free places of the kept sheets, best fit."""
    ctx = state.ctx
    pool = np.flatnonzero(state.ib < 0)
    if len(pool) == 0 or state.way is None:
        return
    t = job.trim
    held = state.ib >= 0
    slot_way = np.where(state.stock >= 0, state.way, -1)
    tr = held & (slot_way[np.where(held, state.ib, 0)] == 1)
    sx = np.where(tr, state.y - t.bottom, state.x - t.left)
    sy = np.where(tr, state.x - t.left, state.y - t.bottom)
    best: Any = None
    for _ in range(INSERT_TRIES):
        ib, rot, bx, by = state.ib.copy(), state.rot.copy(), sx.copy(), sy.copy()
        keys = -ctx.metrics[int(rng.integers(ctx.metrics.shape[0])), pool] * (1.0 + NOISE * rng.random(len(pool)))
        order = pool[np.argsort(keys, kind="stable")]
        insert_pieces(ctx.w, ctx.h, ctx.can_turn, ib, bx, by, rot, state.stock, slot_way, ctx.uw, ctx.uh,
                      np.int64(job.kerf), ctx.stacking, ctx.exact, order, BLINK, np.int64(rng.integers(2**31)))
        got = float(ctx.area[pool[ib[pool] >= 0]].sum())
        if best is None or got > best[0]:
            best = (got, ib, rot, bx, by)
    _, ib, rot, sx, sy = best
    moved = pool[ib[pool] >= 0]
    turned = slot_way[ib[moved]] == 1
    state.ib[moved] = ib[moved]
    state.rot[moved] = rot[moved]
    state.x[moved] = np.where(turned, sy[moved], sx[moved]) + t.left
    state.y[moved] = np.where(turned, sx[moved], sy[moved]) + t.bottom
    state.pw[moved] = np.where(rot[moved], ctx.h[moved], ctx.w[moved])
    state.ph[moved] = np.where(rot[moved], ctx.w[moved], ctx.h[moved])


def recreate_state(job: CuttingJob, state: CuttingState, rng: np.random.Generator) -> None:
    """Re-decode the left-out pieces into the empty slots, then what is still left out above the kept
    sheets' top strips (in place; see the module docstring). Free-placement jobs insert with MaxRects
    instead (:mod:`._cutting_free_search`)."""
    if free_placement(job):
        recreate_free(job, state, rng)
        state.ruined = None
        state.cost = None
        state.cost = state_cost(job, state)
        return
    rule = np.int64(_RULES[min(int(np.searchsorted(_RULE_CUMULATIVE, rng.random(), side="right")), len(_RULES) - 1)])
    if len(state.ctx.unit) == 1 and job.guillotine is not None and rng.random() < TREE_SHARE:
        _tree_into_empty(job, state, rng)
    else:
        _decode_into_empty(job, state, rng, rule)
    state.ruined = None
    _fill_tops(job, state, rng, rule)
    _insert(job, state, rng)
    state.cost = None
    state.cost = state_cost(job, state)


def plan_from_state(job: CuttingJob, state: CuttingState) -> list[dict[str, Any]] | None:
    """The plan a complete state holds (non-empty slots in slot order), checked by the independent
    checker; None while pieces are left out, or should the checker refuse it."""
    if (state.ib < 0).any():
        return None
    slots = [int(s) for s in range(state.L) if state.stock[s] >= 0]
    index = {s: k for k, s in enumerate(slots)}
    sheets: list[dict[str, Any]] = [{"stock": int(state.stock[s]), "items": []} for s in slots]
    for i in range(job.n):
        sheets[index[int(state.ib[i])]]["items"].append(
            {"item": i, "x": int(state.x[i]), "y": int(state.y[i]), "width": int(state.pw[i]),
             "height": int(state.ph[i]), "rotated": bool(state.rot[i])})
    sheets = [s for s in sheets if s["items"]]
    if check_cutting_plan(job, sheets):
        return None
    return sheets


def as_state(obj: Any) -> CuttingState:
    if not isinstance(obj, CuttingState):
        raise TypeError(f"expected a cutting-plan search state, got {type(obj).__name__}")
    return obj
