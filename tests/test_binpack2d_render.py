"""Packing pictures: both formats come out whole and readable, bad requests fail
cleanly, and nothing half-written is left behind."""
from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnopt.problems.binpack2d._instance import BinPackInstance, parse_instance
from nnopt.problems.binpack2d._render import render_packing
from nnopt.problems.binpack2d._solution import Packing

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def small_case() -> tuple[BinPackInstance, Packing]:
    inst = parse_instance(
        {
            "name": "hand_made",
            "bin": {"width": 10, "height": 8},
            "items": [
                {"width": 6, "height": 4},
                {"width": 4, "height": 8},
                {"width": 6, "height": 4},
                {"width": 3, "height": 5},
                {"width": 5, "height": 2},
            ],
            "allow_rotation": True,
        }
    )
    rows = [
        # item, bin, x, y, w, h, rotated
        [0, 0, 0, 0, 6, 4, 0],
        [2, 0, 0, 4, 6, 4, 0],
        [1, 0, 6, 0, 4, 8, 0],
        [3, 1, 0, 0, 5, 3, 1],
        [4, 1, 5, 0, 5, 2, 0],
    ]
    return inst, Packing(np.array(rows))


def test_png(tmp_path: Path) -> None:
    inst, packing = small_case()
    out = tmp_path / "p.png"
    render_packing(inst, packing, out)
    data = out.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])
    assert 200 < width < 4000 and 100 < height < 4000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.png"]


def test_svg_has_item_ids_as_text(tmp_path: Path) -> None:
    inst, packing = small_case()
    out = tmp_path / "p.svg"
    render_packing(inst, packing, out, title="my title")
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    texts = [t.strip() for el in root.iter() if el.tag.endswith("text") for t in el.itertext()]
    for item in range(inst.n):
        assert str(item) in texts, (item, texts)
    joined = " ".join(texts)
    assert "my title" in joined and "2 bins" in joined
    assert "bin 0" in joined and "100%" in joined  # bin 0 is exactly full
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.svg"]


def test_overwrites_existing_file(tmp_path: Path) -> None:
    inst, packing = small_case()
    out = tmp_path / "p.png"
    out.write_bytes(b"old")
    render_packing(inst, packing, str(out))
    assert out.read_bytes().startswith(PNG_SIGNATURE)
    assert [p.name for p in tmp_path.iterdir()] == ["p.png"]


@pytest.mark.parametrize("name", ["p.pdf", "p.jpg", "p"])
def test_bad_suffix(tmp_path: Path, name: str) -> None:
    inst, packing = small_case()
    with pytest.raises(ValueError, match="unsupported picture format") as err:
        render_packing(inst, packing, tmp_path / name)
    assert (Path(name).suffix or "no suffix") in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_failed_save_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inst, packing = small_case()

    def broken(self: Figure, *args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        render_packing(inst, packing, tmp_path / "p.png")
    assert list(tmp_path.iterdir()) == []


def test_many_bins_stay_within_size_cap(tmp_path: Path) -> None:
    # 300 bins of one item each: the picture must not grow without bound.
    n = 300
    inst = parse_instance({"name": "many", "bin": {"width": 10, "height": 10},
                           "items": [{"width": 7, "height": 7, "count": n}]})
    rows = np.array([[i, i, 0, 0, 7, 7, 0] for i in range(n)])
    out = tmp_path / "many.png"
    render_packing(inst, Packing(rows), out)
    width, height = struct.unpack(">II", out.read_bytes()[16:24])
    assert width <= 2500 and height <= 2500
