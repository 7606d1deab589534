"""The classic-class generators: seeded, inside the published ranges, and drawing
from the same distributions as the benchmark files (so training on generated
instances means training on the benchmark's kind of instance)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnopt.problems.binpack2d._generate import CLASS_BINS, MV_TYPE_PROBS, generate_instance, mv_type_ranges
from nnopt.problems.binpack2d._instance import read_instance

INSTANCES = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "2bp" / "instances"

BW_RANGES = {1: (1, 10), 2: (1, 10), 3: (1, 35), 4: (1, 35), 5: (1, 100), 6: (1, 100)}


@pytest.mark.parametrize("klass", range(1, 11))
def test_same_seed_same_instance(klass: int) -> None:
    a = generate_instance(klass, 50, seed=11)
    b = generate_instance(klass, 50, seed=11)
    assert a == b
    assert a.to_json() == b.to_json()
    assert generate_instance(klass, 50, seed=12) != a


def test_name_meta_and_rotation() -> None:
    inst = generate_instance(7, 40, 0)
    assert inst.name == "gen_c07_n040_s0"
    assert inst.meta == {"class": 7, "n": 40, "seed": 0, "generator": "nnopt"}
    assert inst.n == 40 and not inst.allow_rotation
    turned = generate_instance(7, 40, 0, allow_rotation=True, name="mine")
    assert turned.allow_rotation and turned.name == "mine"
    assert np.array_equal(turned.widths, inst.widths)  # rotation only changes the flag


@pytest.mark.parametrize("klass", range(1, 7))
def test_berkey_wang_ranges(klass: int) -> None:
    inst = generate_instance(klass, 3000, seed=1)
    side = CLASS_BINS[klass]
    lo, hi = BW_RANGES[klass]
    assert (inst.bin_width, inst.bin_height) == (side, side)
    for sizes in (inst.widths, inst.heights):
        assert sizes.min() == lo and sizes.max() == hi  # both ends are reachable


def _type_masks(w: np.ndarray, h: np.ndarray) -> np.ndarray:
    """(4, n) membership of each item in the four type boxes (boxes touch at edges)."""
    r = mv_type_ranges(100, 100)
    return np.stack([(w >= a) & (w <= b) & (h >= c) & (h <= d) for a, b, c, d in r])


def test_mv_type_ranges_round_inwards() -> None:
    assert mv_type_ranges(100, 100).tolist() == [
        [67, 100, 1, 50],
        [1, 50, 67, 100],
        [50, 100, 50, 100],
        [1, 50, 1, 50],
    ]


@pytest.mark.parametrize("klass", range(7, 11))
def test_martello_vigo_types(klass: int) -> None:
    inst = generate_instance(klass, 2000, seed=5)
    assert (inst.bin_width, inst.bin_height) == (100, 100)
    masks = _type_masks(inst.widths, inst.heights)
    assert masks.any(axis=0).all(), "an item outside every type's range"
    # Boxes overlap only on their edges (about 1-2% of items), so the share of
    # each box is the type's probability up to that and sampling noise.
    share = masks.mean(axis=1)
    for t, p in enumerate(MV_TYPE_PROBS[klass]):
        assert abs(share[t] - p) < 0.045, (klass, t, share)


def test_bad_arguments() -> None:
    for klass in (0, 11, -1, True, 1.5, "7"):
        with pytest.raises(ValueError, match="klass"):
            generate_instance(klass, 10, 0)  # type: ignore[arg-type]
    for n in (0, -3, 1_000_001, 2.0):
        with pytest.raises(ValueError, match="n "):
            generate_instance(1, n, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed"):
        generate_instance(1, 10, -1)
    with pytest.raises(ValueError, match="allow_rotation"):
        generate_instance(1, 10, 0, allow_rotation=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name"):
        generate_instance(1, 10, 0, name="")


def test_numpy_integer_arguments() -> None:
    assert generate_instance(np.int64(3), np.int32(5), np.uint8(2)) == generate_instance(3, 5, 2)


@pytest.mark.parametrize("klass", range(1, 11))
def test_mean_area_matches_classic_class(klass: int) -> None:
    files = sorted(INSTANCES.glob(f"CLASS{klass:02d}_*.json"))
    assert len(files) == 50
    classic = np.concatenate([read_instance(f).widths * read_instance(f).heights for f in files])
    gen = generate_instance(klass, 4000, seed=0)
    ratio = float((gen.widths * gen.heights).mean()) / float(classic.mean())
    assert 0.75 < ratio < 1.25, (klass, ratio)
