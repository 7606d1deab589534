"""The readable twin of the first-fit and best-fit guillotine kernels, for tests.

It makes the same decisions as ``_guillotine_kernels._greedy_row`` (see that
module's docstring for the rules), written with small objects and candidate
tuples instead of parallel arrays, so that a slip in the kernel's bookkeeping
shows up as a different plan. Slow; never on a hot path.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["greedy_plan_python"]


@dataclass
class _Sheet:
    kind: int
    top: int = 0
    open: bool = True


@dataclass
class _Strip:
    sheet: int
    y: int
    height: int
    right: int = 0
    open: bool = True


@dataclass
class _Stack:
    strip: int
    x: int
    width: int
    top: int
    open: bool = True


@dataclass
class _State:
    left: list[int]
    sheets: list[_Sheet] = field(default_factory=list)
    strips: list[_Strip] = field(default_factory=list)
    stacks: list[_Stack] = field(default_factory=list)


def _candidates(st: _State, w: int, h: int, sw: list[int], sh: list[int], stacking: bool, exact: bool,
                best_fit: bool) -> list[tuple[int, int, int, int]]:
    """Every place for a ``w x h`` piece as ``(level, s1, s2, index)`` (s1 = s2 = 0 for first fit)."""
    out = []
    if stacking:
        for k, sk in enumerate(st.stacks):
            strip = st.strips[sk.strip]
            if sk.open and (w == sk.width if exact else w <= sk.width) and sk.top + h <= strip.height:
                s = (sk.width - w, strip.height - sk.top - h) if best_fit else (0, 0)
                out.append((0, *s, k))
    for j, strip in enumerate(st.strips):
        W = sw[st.sheets[strip.sheet].kind]
        height_ok = h == strip.height if exact and not stacking else h <= strip.height
        if strip.open and height_ok and strip.right + w <= W:
            s = (strip.height - h, W - strip.right - w) if best_fit else (0, 0)
            out.append((1, *s, j))
    for s_, sheet in enumerate(st.sheets):
        W, H = sw[sheet.kind], sh[sheet.kind]
        if sheet.open and w <= W and sheet.top + h <= H:
            s = (H - sheet.top - h, W - w) if best_fit else (0, 0)
            out.append((2, *s, s_))
    return out


def _cheapest_type(w: int, h: int, sw: list[int], sh: list[int], unit: list[float], left: list[int]) -> int:
    fitting = [(unit[t] / (sw[t] * sh[t]), t) for t in range(len(sw)) if left[t] != 0 and w <= sw[t] and h <= sh[t]]
    return min(fitting)[1] if fitting else -1


def greedy_plan_python(pw: list[int], ph: list[int], can_turn: list[bool], order: list[int], turned: list[int],
                       sw: list[int], sh: list[int], unit: list[float], count: list[int], kerf: int,
                       stacking: bool, exact: bool, best_fit: bool, both: bool
                       ) -> tuple[int, list[int], list[tuple[int, int, int, bool]]]:
    """``(sheets, stock per sheet, [(sheet, x, y, rotated) per item])`` in strip space; sheets -1 when out of stock.

    The arguments are those of the kernel's row (plain lists; ``count`` -1 is unlimited).
    """
    n = len(pw)
    min_w = min(min(pw[i], ph[i]) if can_turn[i] else pw[i] for i in range(n))
    min_h = min(min(pw[i], ph[i]) if can_turn[i] else ph[i] for i in range(n))
    st = _State(left=list(count))
    placed: list[tuple[int, int, int, bool]] = [(-1, 0, 0, False)] * n
    for i in order:
        keyed = bool(turned[i]) and can_turn[i]
        ways = [keyed, not keyed] if both and can_turn[i] else [keyed]
        best = None
        for o, rot in enumerate(ways):
            w, h = (ph[i], pw[i]) if rot else (pw[i], ph[i])
            for cand in _candidates(st, w, h, sw, sh, stacking, exact, best_fit):
                key = (cand, o)  # the keyed way (o = 0) wins ties
                if best is None or key < best[0]:
                    best = (key, rot)
        if best is None:
            w, h = (ph[i], pw[i]) if keyed else (pw[i], ph[i])
            rot = keyed
            t = _cheapest_type(w, h, sw, sh, unit, st.left)
            if t < 0 and can_turn[i]:
                rot = not keyed
                w, h = h, w
                t = _cheapest_type(w, h, sw, sh, unit, st.left)
            if t < 0:
                return -1, [], []
            if st.left[t] > 0:
                st.left[t] -= 1
            st.sheets.append(_Sheet(t))
            level, index = 2, len(st.sheets) - 1
        else:
            (level, _, _, index), _ = best[0]
            rot = best[1]
            w, h = (ph[i], pw[i]) if rot else (pw[i], ph[i])
        if level == 0:
            sk = st.stacks[index]
            strip = st.strips[sk.strip]
            placed[i] = (strip.sheet, sk.x, strip.y + sk.top, rot)
            sk.top += h + kerf
            sk.open = sk.top + min_h <= strip.height
            continue
        if level == 2:
            sheet = st.sheets[index]
            st.strips.append(_Strip(index, sheet.top, h))
            sheet.top += h + kerf
            sheet.open = sheet.top + min_h <= sh[sheet.kind]
            index = len(st.strips) - 1
        strip = st.strips[index]
        st.stacks.append(_Stack(index, strip.right, w, h + kerf))
        st.stacks[-1].open = stacking and h + kerf + min_h <= strip.height
        placed[i] = (strip.sheet, strip.right, strip.y, rot)
        strip.right += w + kerf
        strip.open = strip.right + min_w <= sw[st.sheets[strip.sheet].kind]
    kinds = [s.kind for s in st.sheets]
    if len(sw) > 1:
        for s, sheet in enumerate(st.sheets):
            used_w = max([strip.right - kerf for strip in st.strips if strip.sheet == s], default=0)
            used_h = sheet.top - kerf
            cur = kinds[s]
            cheaper = [t for t in range(len(sw)) if t != cur and st.left[t] != 0 and used_w <= sw[t]
                       and used_h <= sh[t] and unit[t] < unit[cur]]
            if cheaper:
                t = min(cheaper, key=lambda t: (unit[t], t))
                if st.left[cur] >= 0:
                    st.left[cur] += 1
                if st.left[t] > 0:
                    st.left[t] -= 1
                kinds[s] = t
    return len(st.sheets), kinds, placed
