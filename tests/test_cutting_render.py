"""Pictures of cutting plans: every sheet drawn with its caption and use, pieces labelled, files deterministic."""
from __future__ import annotations

import pytest

from nnopt.problems.binpack2d._cutlist_csv import read_cut_list
from nnopt.problems.binpack2d._cutting_render import render_cutting_plan
from nnopt.problems.binpack2d._cutting_spec import parse_cutting
from nnopt.problems.binpack2d._guillotine_shelves import shelf_plan


@pytest.fixture(scope="module")
def kitchen(repo):
    folder = repo / "examples" / "kitchen"
    data = read_cut_list(folder / "pieces.csv", folder / "stock.csv", name="kitchen", allow_rotation=True, kerf=4,
                         trim=10, guillotine={"stages": 3, "first_cut": "horizontal"})
    job = parse_cutting(data)
    return job, shelf_plan(job)


def test_the_svg_names_every_sheet_its_use_and_the_pieces(kitchen, tmp_path):
    job, plan = kitchen
    path = tmp_path / "plan.svg"
    render_cutting_plan(job, plan, path)
    text = path.read_text(encoding="utf-8")
    assert "kitchen" in text and "3-stage non-exact guillotine, first cut horizontal, kerf 4" in text
    for k, sheet in enumerate(plan):
        stock = job.stock[sheet["stock"]]
        use = 100 * sum(p["width"] * p["height"] for p in sheet["items"]) / (stock.width * stock.height)
        assert f"sheet {k + 1} · {stock.name} {stock.width}×{stock.height} · use {use:.1f}%" in text
    assert "door" in text and "596×716" in text


@pytest.mark.parametrize("suffix, magic", [(".pdf", b"%PDF"), (".png", b"\x89PNG"), (".svg", b"<?xml")])
def test_each_format_is_written_the_same_twice(kitchen, tmp_path, suffix, magic):
    job, plan = kitchen
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    render_cutting_plan(job, plan, first)
    render_cutting_plan(job, plan, second)
    assert first.read_bytes().startswith(magic)
    assert first.read_bytes() == second.read_bytes()


def test_free_placement_and_unknown_formats(tmp_path):
    job = parse_cutting({"bin": {"width": 10, "height": 10}, "items": [{"width": 5, "height": 5, "count": 3}]})
    plan = shelf_plan(job)
    render_cutting_plan(job, plan, tmp_path / "free.svg")
    assert "1 sheet" in (tmp_path / "free.svg").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="unsupported picture format '.jpg'"):
        render_cutting_plan(job, plan, tmp_path / "plan.jpg")
    assert not (tmp_path / "plan.jpg").exists()
