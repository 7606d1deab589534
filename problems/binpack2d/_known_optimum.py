"""Instances whose optimum is known by construction: bins cut into pieces.

Exact solvers and bounds need instances where the right answer is certain, not
just "best known". Cutting ``bins`` full ``W x H`` bins completely into
rectangles gives one: the pieces fill exactly ``bins`` bins, so the area bound
L0 equals ``bins`` and the cutting pattern itself is a packing with that many
bins, hence the optimum is exactly ``bins``.

Two cutting patterns are used:

- **guillotine**: a piece is split by one straight cut from edge to edge, again
  and again (every pattern such a sequence makes is guillotine);
- **pinwheel** (``guillotine=False``): the classic five-piece pattern that no
  straight full cut separates, four pieces turning around a centre piece::

      +-----+----------+
      |     |    C     |
      |  D  +----+-----+
      |     | E  |     |
      +-----+----+  B  |
      |    A     |     |
      +----------+-----+

  A and C between them cross every vertical line through the bin, B and D every
  horizontal one, so no full cut exists while they stay whole. That is why a
  pinwheel bin only ever cuts its centre E further: any cut inside E keeps the
  bin non-guillotine, whereas cutting A..D could line edges up into a full cut.

Guillotine-only heuristics (shelves, guillotine splits) cannot reach the optimum
of a pinwheel bin, which makes these instances good at telling methods apart.
"""
from __future__ import annotations

import numpy as np

from nnopt.problems.binpack2d._generate import _check_int
from nnopt.problems.binpack2d._instance import MAX_ITEMS, MAX_SIDE, BinPackInstance, parse_instance
from nnopt.problems.binpack2d._solution import Packing

__all__ = ["generate_known_optimum", "generate_known_optimum_packing", "pinwheel", "has_full_cut"]

#: Piece tuples are (x, y, width, height) inside one bin.
Piece = tuple[int, int, int, int]


def pinwheel(width: int, height: int, x1: int, x2: int, y1: int, y2: int) -> list[Piece]:
    """The five pinwheel pieces A, B, C, D, E of a ``width x height`` bin.

    ``0 < x1 < x2 < width`` and ``0 < y1 < y2 < height`` are the inner corner
    lines; E is ``[x1, x2] x [y1, y2]`` (see the module docstring's picture).
    """
    if not (0 < x1 < x2 < width and 0 < y1 < y2 < height):
        raise ValueError(
            f"pinwheel needs 0 < x1 < x2 < width and 0 < y1 < y2 < height, "
            f"got x1={x1}, x2={x2}, width={width}, y1={y1}, y2={y2}, height={height}"
        )
    return [
        (0, 0, x2, y1),  # A: bottom, from the left edge
        (x2, 0, width - x2, y2),  # B: right, from the bottom edge
        (x1, y2, width - x1, height - y2),  # C: top, to the right edge
        (0, y1, x1, height - y1),  # D: left, to the top edge
        (x1, y1, x2 - x1, y2 - y1),  # E: the centre
    ]


def has_full_cut(pieces: list[Piece], width: int, height: int) -> bool:
    """Whether a straight edge-to-edge cut of the bin crosses no piece's interior.

    A pattern with no such cut is not guillotine (its first cut cannot exist).
    """
    for side, lo, size in ((width, 0, 2), (height, 1, 3)):
        crossed = np.zeros(side + 1, dtype=bool)
        for p in pieces:
            crossed[p[lo] + 1 : p[lo] + p[size]] = True
        if not crossed[1:side].all():
            return True
    return False


def _guillotine_cut(rng: np.random.Generator, region: Piece, k: int) -> list[Piece]:
    """Cut ``region`` into ``k`` pieces by repeated edge-to-edge cuts of one piece.

    The piece to cut is drawn with probability proportional to its area, so the
    pieces come out of similar size rather than one big one and many slivers.
    ``k`` must not exceed the region's area (then all pieces are unit squares).
    """
    pieces = [region]
    while len(pieces) < k:
        areas = np.array([p[2] * p[3] if p[2] * p[3] >= 2 else 0 for p in pieces], dtype=np.float64)
        i = int(rng.choice(len(pieces), p=areas / areas.sum()))
        x, y, w, h = pieces[i]
        # Cut across the longer side more often: keeps pieces from becoming needles.
        vertical = h < 2 or (w >= 2 and rng.random() < w / (w + h))
        if vertical:
            c = int(rng.integers(1, w))
            pieces[i : i + 1] = [(x, y, c, h), (x + c, y, w - c, h)]
        else:
            c = int(rng.integers(1, h))
            pieces[i : i + 1] = [(x, y, w, c), (x, y + c, w, h - c)]
    return pieces


def _random_pinwheel(rng: np.random.Generator, W: int, H: int, widest: bool) -> list[Piece]:
    """A pinwheel with random corner lines (``widest``: the largest centre piece)."""
    if widest:
        x1, x2, y1, y2 = 1, W - 1, 1, H - 1
    else:
        x1 = int(rng.integers(1, W - 1))
        x2 = int(rng.integers(x1 + 1, W))
        y1 = int(rng.integers(1, H - 1))
        y2 = int(rng.integers(y1 + 1, H))
    pieces = pinwheel(W, H, x1, x2, y1, y2)
    if rng.random() < 0.5:  # the other chirality: mirror left-right
        pieces = [(W - x - w, y, w, h) for x, y, w, h in pieces]
    return pieces


def _distribute(rng: np.random.Generator, low: np.ndarray, cap: np.ndarray, n: int) -> np.ndarray:
    """Piece counts per bin with ``low <= count <= cap`` and total ``n`` (random)."""
    counts = low.copy()
    rest = n - int(counts.sum())
    while rest > 0:
        room = cap - counts
        draw = rng.multinomial(rest, room / room.sum())
        counts += np.minimum(draw, room)
        rest = n - int(counts.sum())
    return counts


def generate_known_optimum_packing(
    bins: int,
    n: int,
    seed: int,
    *,
    width: int = 20,
    height: int = 20,
    guillotine: bool = True,
    allow_rotation: bool = False,
    name: str | None = None,
) -> tuple[BinPackInstance, Packing]:
    """An instance of optimum ``bins`` together with the packing that proves it.

    See :func:`generate_known_optimum` for the arguments. The packing is the
    cutting pattern (bin ``b`` holds the pieces cut from bin ``b``); with
    rotation allowed some items are listed turned and placed back rotated.
    """
    bins = _check_int(bins, "bins", 1, MAX_ITEMS)
    n = _check_int(n, "n (number of items)", 1, MAX_ITEMS)
    seed = _check_int(seed, "seed", 0, None)
    width = _check_int(width, "width", 1, MAX_SIDE)
    height = _check_int(height, "height", 1, MAX_SIDE)
    for flag, value in (("guillotine", guillotine), ("allow_rotation", allow_rotation)):
        if not isinstance(value, bool):
            raise ValueError(f"{flag} must be true or false, got {value!r}")
    if name is not None and (not isinstance(name, str) or not name):
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    W, H = width, height
    if n < bins:
        raise ValueError(f"n (number of items) must be at least bins={bins} (every bin holds a piece), got {n}")
    if guillotine:
        most = bins * W * H
    else:
        if W < 3 or H < 3:
            raise ValueError(f"width and height must be at least 3 for a pinwheel (guillotine=False), got {W}x{H}")
        if n < bins + 4:
            raise ValueError(f"n (number of items) must be at least bins + 4 = {bins + 4} for a pinwheel "
                             f"(guillotine=False), got {n}")
        # One pinwheel with the largest centre; the other bins cut freely.
        most = (bins - 1) * W * H + 4 + (W - 2) * (H - 2)
    if n > most:
        raise ValueError(f"n (number of items) is {n}, but {bins} bin(s) of {W}x{H} yield at most {most} pieces"
                         + ("" if guillotine else " with a pinwheel"))

    rng = np.random.default_rng(seed)
    # Which bins are pinwheels: each with chance 1/2, at least one, and no more
    # than the n - bins spare pieces allow (a pinwheel takes 4 beyond its first).
    patterns: list[list[Piece] | None] = [None] * bins
    if not guillotine:
        wanted = rng.random(bins) < 0.5
        wanted[int(rng.integers(bins))] = True
        chosen = np.flatnonzero(wanted)[: (n - bins) // 4]
        for b in chosen:
            patterns[b] = _random_pinwheel(rng, W, H, widest=False)
        capacity = sum(W * H if p is None else 4 + p[4][2] * p[4][3] for p in patterns)
        if capacity < n:  # too many pieces for these centres: fall back to the roomiest layout
            patterns = [None] * bins
            patterns[int(chosen[0])] = _random_pinwheel(rng, W, H, widest=True)
    low = np.array([1 if p is None else 5 for p in patterns], dtype=np.int64)
    cap = np.array([W * H if p is None else 4 + p[4][2] * p[4][3] for p in patterns], dtype=np.int64)
    counts = _distribute(rng, low, cap, n)

    cut: list[tuple[int, Piece]] = []  # (bin, piece)
    for b, (pattern, k) in enumerate(zip(patterns, counts.tolist())):
        if pattern is None:
            pieces = _guillotine_cut(rng, (0, 0, W, H), k)
        else:
            pieces = pattern[:4] + _guillotine_cut(rng, pattern[4], k - 4)
        cut.extend((b, p) for p in pieces)

    # The item list is shuffled so that the file order gives the pattern away;
    # with rotation, pieces are also listed turned at random (where that fits).
    order = rng.permutation(n)
    turn = rng.random(n) < 0.5 if allow_rotation else np.zeros(n, dtype=bool)
    items = []
    rows = []
    for item, k in enumerate(order.tolist()):
        b, (x, y, w, h) = cut[k]
        turned = bool(turn[item]) and h <= W and w <= H and w != h
        items.append({"width": h, "height": w} if turned else {"width": w, "height": h})
        rows.append((item, b, x, y, w, h, int(turned)))

    if name is None:
        name = f"ko_b{bins}_n{n:03d}_s{seed}" + ("" if guillotine else "_ng") + ("_r" if allow_rotation else "")
    data = {
        "problem": "binpack2d",
        "name": name,
        "bin": {"width": W, "height": H},
        "items": items,
        "allow_rotation": allow_rotation,
        "meta": {"generator": "nnopt-known-optimum", "optimum": bins, "seed": seed, "guillotine": guillotine},
    }
    return parse_instance(data, source=name), Packing(np.array(rows, dtype=np.int64))


def generate_known_optimum(
    bins: int,
    n: int,
    seed: int,
    *,
    width: int = 20,
    height: int = 20,
    guillotine: bool = True,
    allow_rotation: bool = False,
    name: str | None = None,
) -> BinPackInstance:
    """An instance of ``n`` items that fill exactly ``bins`` bins of ``width x height``.

    Each bin is cut completely into pieces (guillotine cuts; with
    ``guillotine=False`` at least one bin is a pinwheel, see the module
    docstring), so the optimum is exactly ``bins``: the area bound proves no
    fewer will do and the cutting pattern packs them. Items are shuffled; the
    same arguments always give the same instance. ``meta`` records the
    generator, the optimum, the seed and ``guillotine``. Raises ``ValueError``
    naming the argument when the request is impossible (``n < bins``, more
    pieces than unit squares, a pinwheel in a bin narrower than 3).
    """
    inst, _ = generate_known_optimum_packing(
        bins, n, seed, width=width, height=height, guillotine=guillotine,
        allow_rotation=allow_rotation, name=name,
    )
    return inst
