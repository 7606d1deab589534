"""The CP-SAT placement model of 2D bin packing, shared by the exact baseline and the proofs.

Both ``baselines/binpack2d_cpsat.py`` (minimise the bins) and
:mod:`._prove_cpsat` (can ``k`` bins hold every item?) place items the same way:
``p[i,b]`` puts item ``i`` in bin ``b`` (exactly one of its allowed bins), one
lower-left corner per item, a turn literal where both orientations are allowed,
optional intervals per bin under ``NoOverlap2D``, and two redundant cumulative
rows per bin (a vertical line crosses items whose heights stack to at most
``H``; a horizontal one, widths to ``W``: the "energetic" argument of Clautiaux,
Carlier & Moukrim 2007). What differs — the objective, symmetry breaking, the
cuts, the hint — each caller adds around :func:`add_placements`.

OR-Tools is imported by the callers, inside their functions, so ``import nnopt``
does not load it; this module only receives the model.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnopt.problems.binpack2d._bounds_dff import orientations
from nnopt.problems.binpack2d._instance import BinPackInstance

__all__ = ["cores", "greedy_clique", "placement_orientations", "Placements", "add_placements"]


def cores() -> int:
    """Cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def greedy_clique(conflict: np.ndarray, areas: np.ndarray) -> list[int]:
    """A large set of pairwise incompatible items (each needs a bin of its own).

    From every item as a seed (largest first), repeatedly add the candidate that
    is incompatible with the most other candidates (ties: larger area, then lower
    index); keep the largest set. Its size is a lower bound on the bins, and
    pinning its items to bins ``0..c-1`` removes symmetric copies of every
    packing. Returned largest area first.
    """
    n = conflict.shape[0]
    best: list[int] = []
    for seed in np.lexsort((np.arange(n), -areas)):
        chosen = [int(seed)]
        cand = conflict[seed].copy()
        while cand.any():
            idx = np.flatnonzero(cand)
            degree = conflict[np.ix_(idx, idx)].sum(axis=1)
            pick = int(idx[np.lexsort((idx, -areas[idx], -degree))[0]])
            chosen.append(pick)
            cand &= conflict[pick]
        if len(chosen) > len(best):
            best = chosen
    return sorted(best, key=lambda i: (-int(areas[i]), i))


def placement_orientations(inst: BinPackInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Placed widths and heights per item and orientation, ``(n, 2)`` each, and which are allowed:
    :func:`._bounds_dff.orientations`, with a square's turn left out (turned, it is itself)."""
    pw, ph, ok = orientations(inst)
    ok = ok.copy()
    ok[:, 1] &= pw[:, 0] != ph[:, 0]
    return pw, ph, ok


@dataclass
class Placements:
    """The variables and per-bin intervals :func:`add_placements` created."""

    xs: dict[int, Any] = field(default_factory=dict)
    ys: dict[int, Any] = field(default_factory=dict)
    #: item -> its turn literal (only items with both orientations allowed)
    turned: dict[int, Any] = field(default_factory=dict)
    #: (item, bin) -> the literal "item in bin"
    present: dict[tuple[int, int], Any] = field(default_factory=dict)
    x_iv: list[list[Any]] = field(default_factory=list)
    y_iv: list[list[Any]] = field(default_factory=list)
    x_dem: list[list[Any]] = field(default_factory=list)
    y_dem: list[list[Any]] = field(default_factory=list)


def add_placements(model: Any, inst: BinPackInstance, pw: np.ndarray, ph: np.ndarray, ok: np.ndarray,
                   order: list[int], allowed_bins: Callable[[int], list[int]], bins: int,
                   used: list[Any] | None = None,
                   after_bin: Callable[[int, Placements], None] | None = None) -> Placements:
    """Place every item of ``order`` in exactly one of its ``allowed_bins`` (model module docstring).

    Items are modelled in ``order`` (the callers' symmetry breaking depends on it);
    ``used`` (optional, one literal per bin) is implied by every placement in its
    bin. Adds per bin with two or more candidate items ``NoOverlap2D`` and the two
    cumulative rows, then calls ``after_bin(b, placements)`` (optional) for the
    caller's rows of that bin, so each caller's model keeps its order of constraints.
    """
    W, H = inst.bin_width, inst.bin_height
    out = Placements(x_iv=[[] for _ in range(bins)], y_iv=[[] for _ in range(bins)],
                     x_dem=[[] for _ in range(bins)], y_dem=[[] for _ in range(bins)])
    for i in order:
        both = bool(ok[i, 0] and ok[i, 1])
        min_w = int(pw[i][ok[i]].min())
        min_h = int(ph[i][ok[i]].min())
        x = model.new_int_var(0, W - min_w, f"x{i}")
        y = model.new_int_var(0, H - min_h, f"y{i}")
        out.xs[i], out.ys[i] = x, y
        if both:
            r = model.new_bool_var(f"r{i}")
            out.turned[i] = r
            size_x = int(pw[i, 0]) + int(pw[i, 1] - pw[i, 0]) * r
            size_y = int(ph[i, 0]) + int(ph[i, 1] - ph[i, 0]) * r
            x_end = model.new_int_var(min_w, W, f"xe{i}")
            y_end = model.new_int_var(min_h, H, f"ye{i}")
            model.add(x + size_x == x_end)
            model.add(y + size_y == y_end)
        else:
            o = 0 if ok[i, 0] else 1  # the only orientation
            fw, fh = int(pw[i, o]), int(ph[i, o])
        lits = []
        for b in allowed_bins(i):
            lit = model.new_bool_var(f"p{i}_{b}")
            out.present[i, b] = lit
            lits.append(lit)
            if both:
                out.x_iv[b].append(model.new_optional_interval_var(x, size_x, x_end, lit, f"xi{i}_{b}"))
                out.y_iv[b].append(model.new_optional_interval_var(y, size_y, y_end, lit, f"yi{i}_{b}"))
            else:
                out.x_iv[b].append(model.new_optional_fixed_size_interval_var(x, fw, lit, f"xi{i}_{b}"))
                out.y_iv[b].append(model.new_optional_fixed_size_interval_var(y, fh, lit, f"yi{i}_{b}"))
            if used is not None:
                model.add_implication(lit, used[b])
            out.x_dem[b].append(size_y if both else fh)
            out.y_dem[b].append(size_x if both else fw)
        model.add_exactly_one(lits)
    for b in range(bins):
        if len(out.x_iv[b]) > 1:
            model.add_no_overlap_2d(out.x_iv[b], out.y_iv[b])
            model.add_cumulative(out.x_iv[b], out.x_dem[b], H)
            model.add_cumulative(out.y_iv[b], out.y_dem[b], W)
        if after_bin is not None:
            after_bin(b, out)
    return out
