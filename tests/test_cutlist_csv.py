"""Cut lists from CSV: plain piece and stock lists and PackingSolver's files, read into jobs;
each refusal one line naming file, row and column."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnopt.problems.base import InstanceError
from nnopt.problems.binpack2d import _cutlist_csv
from nnopt.problems.binpack2d._cutlist_csv import (
    read_cut_list,
    read_packingsolver,
    read_pieces_csv,
    read_stock_csv,
)
from nnopt.problems.binpack2d._cutting_spec import Guillotine, PieceType, StockType, Trim, parse_cutting


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


PIECES = """name,width,height,count,rotation
side,720,560,4,no
shelf,560,300,8,
back,700,500,,yes
"""
STOCK = """name,width,height,cost,count
oak 19,2800,2070,48.5,6
,2440,1220,21,
"""


def test_a_kitchen_cut_list_reads_into_the_job(tmp_path):
    data = read_cut_list(write(tmp_path / "kitchen.csv", PIECES), write(tmp_path / "stock.csv", STOCK),
                         allow_rotation=True, kerf=4, trim=10, guillotine={"stages": 3})
    job = parse_cutting(data, "kitchen.csv")
    assert job.name == "kitchen"
    assert job.pieces == (PieceType(720, 560, 4, False, "side"), PieceType(560, 300, 8, None, "shelf"),
                          PieceType(700, 500, 1, True, "back"))
    assert job.stock == (StockType(2800, 2070, 48.5, 6, "oak 19"), StockType(2440, 1220, 21.0, None, None))
    assert (job.kerf, job.trim, job.guillotine) == (4, Trim(10, 10, 10, 10), Guillotine(3, False, "any"))


def test_columns_in_any_order_semicolons_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes("\ufeffHeight;Width;Name\r\n300;560;shelf\r\n\r\n;;\r\n".encode("utf-8"))
    assert read_pieces_csv(path) == [{"width": 560, "height": 300, "name": "shelf"}]


def test_a_quoted_name_may_hold_the_separator(tmp_path):
    path = write(tmp_path / "s.csv", 'name,width,height\n"oak, 19 mm",2800,2070\n')
    assert read_stock_csv(path) == [{"width": 2800, "height": 2070, "name": "oak, 19 mm"}]


def test_lists_read_from_text_touch_no_file_and_name_the_field(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a file named like the label must not be read
    write(tmp_path / "cut_list", "name,width,height\nwrong,1,1\n")
    assert read_pieces_csv("cut_list", text="\ufeff" + PIECES) == read_pieces_csv(write(tmp_path / "p.csv", PIECES))
    assert read_stock_csv("stock", text=STOCK) == read_stock_csv(write(tmp_path / "s.csv", STOCK))
    with pytest.raises(InstanceError) as info:
        read_pieces_csv("cut_list", text="name,width,height\nside,abc,560\n")
    assert str(info.value) == "cut_list: row 2, column 'width': expected a positive integer, got 'abc'"


BAD_PIECES = [
    ("name,width,height,count\nside,abc,560,4\n", "pieces.csv: row 2, column 'width': expected a positive integer, "
                                                  "got 'abc'"),
    ("name,width,height,count\nside,720,560,4\nshelf,560,-3,1\n", "row 3, column 'height': expected a positive "
                                                                  "integer, got '-3'"),
    ("name,width,height,count\nside,720,560,4.5\n", "row 2, column 'count': expected a positive integer, got '4.5'"),
    ("name,width,height,count\nside,720,560,0\n", "row 2, column 'count': expected a positive integer, got '0'"),
    ("name,width,height,count\nside,nan,560,1\n", "row 2, column 'width': expected a positive integer, got 'nan'"),
    ("name,width,height,rotation\nside,720,560,sometimes\n", "row 2, column 'rotation': expected yes or no"),
    ("name,width,count\nside,720,4\n", "row 1: missing column 'height'"),
    ("name,width,height,grain\nside,720,560,x\n", "row 1: unknown column 'grain'"),
    ("name,width,height,width\n", "row 1: column 'width' named twice"),
    ("name,width,height\nside,720,560,4\n", "row 2: 4 fields, but the header names 3 columns"),
    ("", "empty file; a header row naming the columns is required"),
    ("name,width,height\n", "no pieces after the header row"),
]


@pytest.mark.parametrize("text, fragment", BAD_PIECES)
def test_bad_piece_lists_give_one_line_naming_the_row(tmp_path, text, fragment):
    path = write(tmp_path / "pieces.csv", text)
    with pytest.raises(InstanceError) as info:
        read_pieces_csv(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path)) and fragment in message, message


@pytest.mark.parametrize("text, fragment", [
    ("name,width,height,cost\noak,2800,2070,cheap\n", "row 2, column 'cost': expected a positive number, got 'cheap'"),
    ("name,width,height,cost\noak,2800,2070,0\n", "row 2, column 'cost': expected a positive number, got '0'"),
    ("name,width,height,cost\noak,2800,2070,inf\n", "expected a positive number, got 'inf'"),
    ("name,width,height,count\noak,2800,2070,-1\n", "row 2, column 'count': expected an integer of at least 0, "
                                                   "got '-1'"),
])
def test_bad_stock_lists_give_one_line_naming_the_row(tmp_path, text, fragment):
    with pytest.raises(InstanceError, match=None) as info:
        read_stock_csv(write(tmp_path / "stock.csv", text))
    assert fragment in str(info.value)


def test_stock_of_zero_for_every_type_is_refused_by_the_job(tmp_path):
    data = read_cut_list(write(tmp_path / "p.csv", "width,height\n5,5\n"),
                         write(tmp_path / "s.csv", "width,height,count\n10,10,0\n20,20,0\n"))
    with pytest.raises(InstanceError, match="every stock type in 'bins' has count 0"):
        parse_cutting(data, "p.csv")


def test_files_are_guarded_like_every_reader(tmp_path, monkeypatch):
    with pytest.raises(InstanceError, match="no such file"):
        read_pieces_csv(tmp_path / "absent.csv")
    with pytest.raises(InstanceError, match="is a folder, not a file"):
        read_pieces_csv(tmp_path)
    if os.path.exists("/dev/zero"):
        with pytest.raises(InstanceError, match="not a regular file"):
            read_pieces_csv("/dev/zero")
    (tmp_path / "bin.csv").write_bytes(b"width,height\n\xff\xfe\n")
    with pytest.raises(InstanceError, match="not UTF-8 text"):
        read_pieces_csv(tmp_path / "bin.csv")
    monkeypatch.setattr(_cutlist_csv, "MAX_FILE_BYTES", 10)
    with pytest.raises(InstanceError, match="above the limit of 10"):
        read_pieces_csv(write(tmp_path / "big.csv", "width,height\n5,5\n"))


# --- round trips through a plain cut list --------------------------------------------

cells = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8).map(str.strip)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(cells, st.integers(1, 99), st.integers(1, 99), st.integers(1, 9),
                          st.sampled_from([None, True, False])), min_size=1, max_size=6),
       st.lists(st.tuples(cells, st.integers(100, 300), st.integers(100, 300),
                          st.one_of(st.none(), st.integers(1, 500), st.floats(0.25, 1e5)),
                          st.one_of(st.none(), st.integers(0, 5))), min_size=1, max_size=3))
def test_written_cut_lists_read_back(tmp_path, pieces, stock):
    import csv
    import io

    stock[0] = stock[0][:4] + (None,)  # one unlimited type, so that any pieces have room

    def table(header, rows):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(["" if v is None else ("yes" if v is True else "no" if v is False else
                                            repr(v) if isinstance(v, float) else v) for v in row] for row in rows)
        return buf.getvalue()

    p = write(tmp_path / "pieces.csv", table(["name", "width", "height", "count", "rotation"], pieces))
    s = write(tmp_path / "stock.csv", table(["name", "width", "height", "cost", "count"], stock))
    job = parse_cutting(read_cut_list(p, s), "pieces.csv")
    assert job.pieces == tuple(PieceType(w, h, c, r, n or None) for n, w, h, c, r in pieces)
    assert job.stock == tuple(StockType(w, h, None if c is None else float(c), k, n or None)
                              for n, w, h, c, k in stock)


# --- PackingSolver's files -----------------------------------------------------------
# bin_packing_3nvo, as in PackingSolver's data/rectangleguillotine/tests folder.

PS_ITEMS = "WIDTH,HEIGHT,ORIENTED,COPIES\n10,20,1,1\n5,10,1,2\n10,10,1,1\n"
PS_BINS = "WIDTH,HEIGHT,COPIES\n20,20,10\n"
PS_PARAMETERS = ("NAME,VALUE\nobjective,bin-packing\nnumber_of_stages,3\ncut_type,non-exact\n"
                 "first_stage_orientation,vertical\n")


def ps_files(folder: Path, items=PS_ITEMS, bins=PS_BINS, parameters: str | None = PS_PARAMETERS,
             prefix: str | None = "case") -> Path:
    folder.mkdir(exist_ok=True)
    name = (lambda part: f"{prefix}_{part}.csv") if prefix else (lambda part: f"{part}.csv")
    write(folder / name("items"), items)
    write(folder / name("bins"), bins)
    if parameters is not None:
        write(folder / name("parameters"), parameters)
    return folder / prefix if prefix else folder


def test_packingsolver_test_instance_reads(tmp_path):
    for prefix in ("case", None):  # PREFIX_items.csv..., or items.csv... in a folder
        job = parse_cutting(read_packingsolver(ps_files(tmp_path / str(prefix), prefix=prefix)))
        assert job.pieces == (PieceType(10, 20, 1, False), PieceType(5, 10, 2, False), PieceType(10, 10, 1, False))
        assert job.stock == (StockType(20, 20, None, 10),)
        assert job.guillotine == Guillotine(3, False, "vertical")


def test_packingsolver_bins_columns(tmp_path):
    bins = ("ID,WIDTH,HEIGHT,COST,COPIES,COPIES_MIN,BOTTOM_TRIM,TOP_TRIM,LEFT_TRIM,RIGHT_TRIM,"
            "BOTTOM_TRIM_TYPE,TOP_TRIM_TYPE,LEFT_TRIM_TYPE,RIGHT_TRIM_TYPE\n"
            "0,100,90,-1,-1,0,1,2,3,4,H,S,H,S\n1,50,60,7.5,3,0,1,2,3,4,H,S,H,S\n")
    items = "ID,WIDTH,HEIGHT,PROFIT,COPIES,ORIENTED,STACK_ID\n0,10,10,100,2,0,-1\n1,5,5,25,1,1,-1\n"
    data = read_packingsolver(ps_files(tmp_path, items=items, bins=bins, parameters="NAME,VALUE\n"
                                       "cut_thickness,2\nnumber_of_stages,u\ncut_type,exact\n"
                                       "first_stage_orientation,Horizontal\nminimum_distance_1_cuts,0\n"),
                              allow_rotation=False)
    job = parse_cutting(data)
    assert job.stock == (StockType(100, 90, None, None), StockType(50, 60, 7.5, 3))
    assert job.trim == Trim(left=3, right=4, bottom=1, top=2) and job.kerf == 2
    assert job.guillotine == Guillotine(None, True, "horizontal")
    assert job.pieces == (PieceType(10, 10, 2, None), PieceType(5, 5, 1, False)) and not job.allow_rotation
    no_costs = parse_cutting(read_packingsolver(tmp_path / "case", use_costs=False))
    assert [s.cost for s in no_costs.stock] == [None, None]


def test_packingsolver_files_without_parameters_are_free_placement(tmp_path):
    job = parse_cutting(read_packingsolver(ps_files(tmp_path, bins="ID,WIDTH,HEIGHT\n0,10,10\n", parameters=None,
                                                    items="ID,WIDTH,HEIGHT\n0,5,9\n1,4,2\n")))
    assert job.guillotine is None and job.stock == (StockType(10, 10),) and job.counts_sheets
    assert job.allow_rotation  # PackingSolver turns pieces unless told otherwise


@pytest.mark.parametrize("part, text, fragment", [
    ("parameters", "NAME,VALUE\nobjective,knapsack\n", "row 2, parameter 'objective': only bin packing"),
    ("parameters", "NAME,VALUE\nnumber_of_stages,1\n", "row 2, parameter 'number_of_stages': at least 2 stages"),
    ("parameters", "NAME,VALUE\ncut_type,roadef2018\n", "only exact and non-exact cuts are supported, got "
                                                        "'roadef2018'"),
    ("parameters", "NAME,VALUE\nfirst_stage_orientation,diagonal\n", "expected horizontal, vertical or any"),
    ("parameters", "NAME,VALUE\nmax1cut,50\n", "row 2, parameter 'max1cut': this constraint is not supported"),
    ("parameters", "NAME,VALUE\ncut_thickness,-4\n", "row 2, column 'VALUE': expected an integer of at least 0"),
    ("parameters", "NAME,VALUE\nsurprise,1\n", "row 2, parameter 'surprise': unknown parameter"),
    ("parameters", "NAME,VALUE\ncut_thickness,1\ncut_thickness,2\n", "parameter 'cut_thickness' given twice"),
    ("items", "WIDTH,HEIGHT,STACK_ID\n1,1,0\n2,2,0\n", "row 3, column 'STACK_ID': stack 0 is shared with row 2"),
    ("items", "WIDTH,HEIGHT,COLOUR\n1,1,red\n", "row 1: unknown column 'COLOUR'"),
    ("items", "WIDTH,HEIGHT\n1,x\n", "row 2, column 'HEIGHT': expected a positive integer, got 'x'"),
    ("bins", "WIDTH,HEIGHT,LEFT_TRIM\n20,20,1\n30,30,2\n", "row 3, column 'LEFT_TRIM': trims must be the same"),
    ("bins", "WIDTH,HEIGHT,COPIES_MIN\n20,20,1\n", "row 2, column 'COPIES_MIN': a minimum number of sheets"),
    ("bins", "WIDTH,HEIGHT,COST\n20,20,0\n", "row 2, column 'COST': expected a positive number, got '0'"),
])
def test_bad_packingsolver_files_give_one_line(tmp_path, part, text, fragment):
    files = {"items": PS_ITEMS, "bins": PS_BINS, "parameters": PS_PARAMETERS, part: text}
    prefix = ps_files(tmp_path, **files)
    with pytest.raises(InstanceError) as info:
        read_packingsolver(prefix)
    message = str(info.value)
    assert "\n" not in message and f"case_{part}.csv" in message and fragment in message, message
