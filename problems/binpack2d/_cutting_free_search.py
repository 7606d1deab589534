"""Recreate for free-placement cutting jobs: left-out pieces into kept sheets, new sheets, or repacked larger sheets.

The guillotine recreate of :mod:`._cutting_search` decodes left-out pieces into strips and
stacks and reads a kept sheet's strips off its pieces; a free-placement job needs none of
that, and its sheets hold more when pieces interlock. Here the state's sheets are seen as
the classic engine sees bins (pieces and trimmed sheets grown by the kerf, see
:mod:`._cutting_free`) and :func:`._cutting_free_kernels.recreate_sheets` inserts the
left-out pieces with MaxRects, opening new sheets of any type the budget pays for and
repacking a sheet onto a larger type where that is what lets a piece in. The budget is
the state's: just below the incumbent's cost where the job has several stock types (one
price step, see ``tighten_state``), the incumbent's cost less the sheet ``tighten`` took
away where it has one; either way a complete state is a cheaper plan, whichever types
it ended up with.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nnopt.problems.binpack2d._cutting_free_kernels import recreate_sheets
from nnopt.problems.binpack2d._cutting_spec import CuttingJob

if TYPE_CHECKING:
    from nnopt.problems.binpack2d._cutting_search import CuttingState

__all__ = ["recreate_free", "rehearse_free"]

#: Multiplicative noise on the decreasing-area keys of the insertion order.
NOISE = 0.3
#: Probability that an insertion passes over a kept sheet (for variety).
BLINK = 0.05
#: Probability that a new sheet's type is drawn among the affordable ones rather than the largest.
WANDER = 0.3
#: Orders a repack tries (area, height, width, relative longest side).
REPACK_ORDERS = 4
#: Probability that a recreate lets a piece no hole takes try repacking a kept sheet before buying a new
#: one (else after). Half and half: repacking first kept jobs of large pieces denser (class 4 of Pisinger
#: & Sigurd, 3 jobs at 6 s: 84,716 against 85,221), buying first did better on jobs of small pieces
#: (C6_48 274,624 against 278,392): one-off runs, the mix a hedge.
REPACK_FIRST = 0.5


def recreate_free(job: CuttingJob, state: CuttingState, rng: np.random.Generator) -> None:
    """Put the state's left-out pieces back (in place); new sheets go into its empty slots."""
    ctx = state.ctx
    pool = np.flatnonzero(state.ib < 0)
    if len(pool) == 0:
        return
    k, t = job.kerf, job.trim
    kept = state.stock[state.stock >= 0]
    used = np.bincount(kept, minlength=len(ctx.count))
    in_stock = np.where(ctx.count >= 0, np.maximum(ctx.count - used, 0), -1).astype(np.int64)
    room = state.budget - float(ctx.unit[kept].sum()) + 1e-9
    ix = state.x - t.left
    iy = state.y - t.bottom
    rot = state.rot.astype(np.uint8)
    recreate_sheets(ctx.w + k, ctx.h + k, ctx.can_turn.astype(np.uint8), ctx.uw + k, ctx.uh + k, ctx.unit,
                    in_stock, state.stock, state.ib, ix, iy, rot, room, np.int64(rng.integers(2**31)), NOISE, BLINK,
                    WANDER, np.int64(REPACK_ORDERS), bool(rng.random() < REPACK_FIRST))
    state.rot = rot.astype(np.bool_)
    state.x = ix + t.left
    state.y = iy + t.bottom
    state.pw = np.where(state.rot, ctx.h, ctx.w)
    state.ph = np.where(state.rot, ctx.w, ctx.h)


def rehearse_free() -> None:
    """The kernel of :func:`recreate_free` run once on two pieces and two sheet types, so that a rehearsal
    on any cutting job (a guillotine one included) compiles or loads it before a user's clock runs."""
    one = np.ones(2, dtype=np.int64)
    recreate_sheets(one, one, np.zeros(2, dtype=np.uint8), 2 * one, 2 * one, np.ones(2), -one, -one,
                    np.full(2, -1, dtype=np.int64), np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64),
                    np.zeros(2, dtype=np.uint8), 1.0, np.int64(0), NOISE, BLINK, WANDER, np.int64(REPACK_ORDERS), True)
