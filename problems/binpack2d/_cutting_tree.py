"""Guillotine plans of fewer sheets from the piece-by-piece beam search, within a deadline.

The search of :mod:`._cutting_search` repacks whole sheets with the greedy
decoders; on tight jobs it stalls one sheet above the bound, and the plan it
misses is one whose strips no rule builds. :func:`tree_search_plan` runs the
beam search of :mod:`._guillotine_tree` with widths 1, 2, 4, ... (each first-cut
direction the job allows in turn) until a plan reaches the bound, the next width
would overrun the deadline (its time estimated from the last one's), or, under a
move budget, the widths run past it. Only plans with fewer sheets than the one
in hand count, and the search prunes with that number from the start.

It applies to guillotine jobs on one stock type (any stages, kerf and trims:
the kernels' strips, stacks and trimming cuts are a two- or three-stage plan,
and a three-stage plan is one of more stages too).
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from nnopt.problems.binpack2d._cutting_spec import CuttingJob
from nnopt.problems.binpack2d._guillotine_decode import cutting_modes, first_cut_ways, strip_rows, strip_space
from nnopt.problems.binpack2d._guillotine_tree import tree_plan

__all__ = ["rehearse_tree", "tree_applies", "tree_search_plan"]

#: Nodes of one beam, pieces times width, at most: bounds the search's memory (about 40 bytes a node).
MAX_NODES = 2_000_000
#: The next width runs only if the time left is this many times the last width's time (each doubles it).
GROWTH = 2.5
#: The guide's powers of the mean piece area tried at each width (the kernel's ``guide``): 0 ranks by
#: waste per area placed alone, 1 and 2 also prefer plans that placed the large pieces first. On the 46
#: three-stage classic jobs the decoders' search missed, 3 s each from scratch: 21 reach the best known
#: with 0 alone, 19 with 1, 20 with 2, 23 with 0 and 2 in turn, 22 with all three (each guide finds
#: some that the others miss).
GUIDES = (0.0, 1.0, 2.0)


def tree_applies(job: CuttingJob) -> bool:
    """Guillotine jobs on one stock type."""
    return job.guillotine is not None and len(job.stock) == 1


def tree_search_plan(job: CuttingJob, sheets: int, target: int, deadline: float | None = None,
                     moves: int | None = None, seed: int = 0) -> list[dict[str, Any]] | None:
    """A plan of fewer than ``sheets`` sheets (``[{"stock", "items"}, ...]``), or None where none was found
    before ``time.perf_counter()`` passed ``deadline`` or the widths summed past ``moves``; stops at a plan
    of ``target`` sheets (the bound). Deterministic for given arguments where ``deadline`` is None."""
    if not tree_applies(job):
        raise ValueError(f"{job.name}: the beam search plans guillotine jobs on one stock type")
    count = job.stock[0].count
    cutoff = sheets if count is None else min(sheets, count + 1)
    _, _, can_turn = job.item_arrays()
    stacking, exact = cutting_modes(job)
    n = job.n
    zob = np.random.default_rng(seed).integers(1, 2**63 - 1, n, dtype=np.int64).astype(np.uint64)
    o_sheet, o_x, o_y = (np.zeros((1, n), dtype=np.int64) for _ in range(3))
    o_rot = np.zeros((1, n), dtype=np.uint8)
    best: list[dict[str, Any]] | None = None
    width, spent, last = 1, 0, 0.0
    while width * n <= MAX_NODES:
        for transposed, guide in ((t, g) for t in first_cut_ways(job) for g in GUIDES):
            if moves is not None and spent + width > moves:
                return best
            if deadline is not None and time.perf_counter() + GROWTH * last > deadline:
                return best
            pw, ph, sw, sh = strip_space(job, transposed)
            start = time.perf_counter()
            found = tree_plan(pw, ph, np.array(can_turn), sw[0], sh[0], np.int64(job.kerf), stacking, exact,
                              np.int64(width), np.int64(target), np.int64(cutoff), guide, zob,
                              o_sheet[0], o_x[0], o_y[0], o_rot[0])
            last = time.perf_counter() - start
            spent += width
            if found > 0:
                batch = strip_rows(job, transposed, np.array([found]), np.array([float(found)]),
                                   np.zeros((1, n), dtype=np.int64), o_sheet, o_x, o_y, o_rot)
                best, cutoff = batch.plan(0), found
                if found <= target:
                    return best
        width *= 2
    return best


def rehearse_tree() -> None:
    """Compile (or load) the beam search's kernel on two pieces, so that no user's clock pays for it."""
    one = np.ones(2, dtype=np.int64)
    out = np.zeros(2, dtype=np.int64)
    tree_plan(one, one, np.zeros(2, dtype=np.bool_), np.int64(2), np.int64(2), np.int64(0), True, False,
              np.int64(2), np.int64(1), np.int64(3), 0.0, np.ones(2, dtype=np.uint64), out, out.copy(), out.copy(),
              np.zeros(2, dtype=np.uint8))
