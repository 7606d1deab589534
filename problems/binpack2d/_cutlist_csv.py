"""Cut lists from CSV: the shop's plain piece and stock lists, and PackingSolver's instance files.

Both readers return the JSON-shaped mapping that
:func:`nnopt.problems.binpack2d._cutting_spec.parse_cutting` validates, so a job
read from CSV obeys exactly the rules of one read from JSON. What only a CSV can
get wrong (a row with a word where a width belongs, a missing column) is refused
here, in one line naming the file, the row (the file's line number, the header
being line 1) and the column.

Plain cut lists (a header row is required; columns in any order, names case-blind):

- pieces: ``name,width,height,count[,rotation]`` (``width`` and ``height``
  required; ``count`` empty or absent: 1; ``rotation`` ``yes/no``, ``true/false``,
  ``1/0``, or empty to follow the job's ``allow_rotation``);
- stock: ``name,width,height[,cost,count]`` (``cost`` empty: the sheet's area;
  ``count`` empty: unlimited).

A header with ``;`` or tabs and no commas is read with that separator (spreadsheets
in many countries write ``;``); a UTF-8 byte-order mark is skipped.

PackingSolver's files (``PREFIX_items.csv``, ``PREFIX_bins.csv`` and, if present,
``PREFIX_parameters.csv``; or ``items.csv``... inside a folder), with the columns
its rectangleguillotine reader knows (read in the ``fontanf/packingsolver``
repository, ``src/rectangleguillotine/instance_builder.cpp``):

- items: ``WIDTH, HEIGHT`` required; ``COPIES`` (default 1); ``ORIENTED`` (1: the
  piece must not turn); ``ID`` and ``PROFIT`` are read and ignored (a bin-packing
  job places every piece); ``STACK_ID`` is refused when two items share a stack
  (cutting order is not modelled);
- bins: ``WIDTH, HEIGHT`` required; ``COST`` (absent or -1: the area, as there);
  ``COPIES`` (absent: unlimited, as PackingSolver's bin-packing benchmarks run
  with ``--bin-infinite-copies``; -1: unlimited); trims
  ``LEFT_TRIM, RIGHT_TRIM, BOTTOM_TRIM, TOP_TRIM`` must be the same for every bin
  type; the ``*_TRIM_TYPE`` columns are read and ignored (hard and soft trims
  differ only in PackingSolver's minimum-waste rule, which is not modelled);
  ``COPIES_MIN`` must be 0;
- parameters (``NAME,VALUE`` rows): ``objective`` (bin packing or variable-sized
  bin packing), ``number_of_stages``, ``cut_type`` (exact or non-exact),
  ``first_stage_orientation``, ``cut_thickness`` (the kerf); constraints nnopt does
  not model are accepted only at their neutral value. With a parameters file the
  job is guillotine, missing names taking PackingSolver's defaults (3 stages,
  non-exact, first stage vertical); without one it is free placement (the same
  items and bins files serve PackingSolver's non-guillotine solver too).
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from nnopt.problems.base import MAX_FILE_BYTES, InstanceError

__all__ = ["read_cut_list", "read_packingsolver", "read_pieces_csv", "read_stock_csv"]

_TRUE = {"1", "yes", "y", "true", "t"}
_FALSE = {"0", "no", "n", "false", "f"}


def _read_text(path: Path) -> str:
    """The file's text, with the guards every nnopt reader applies (regular file, size cap, UTF-8)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InstanceError(f"{path}: no such file") from None
    except OSError as exc:
        raise InstanceError(f"{path}: cannot read ({exc.strerror})") from None
    if path.is_dir():
        raise InstanceError(f"{path}: is a folder, not a file")
    if not path.is_file():
        raise InstanceError(f"{path}: not a regular file")
    if size > MAX_FILE_BYTES:
        raise InstanceError(f"{path}: file is {size} bytes, above the limit of {MAX_FILE_BYTES}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InstanceError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InstanceError(f"{path}: cannot read ({exc.strerror})") from None


class _Table:
    """A CSV file's header and rows, each row a ``{column: cell}`` dict with its line number."""

    def __init__(self, path: str | Path, *, fold_case: bool = True, text: str | None = None) -> None:
        self.path = Path(path)
        if text is None:
            text = _read_text(self.path)
        else:  # text handed in (a web form's field): ``path`` only names it in messages
            text = text.removeprefix("\ufeff")
        first = text.split("\n", 1)[0]
        delimiter = ","
        if "," not in first:
            delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None or not any(cell.strip() for cell in header):
                raise InstanceError(f"{self.path}: empty file; a header row naming the columns is required")
            self.columns = [cell.strip().lower() if fold_case else cell.strip() for cell in header]
            for k, name in enumerate(self.columns):
                if not name:
                    raise InstanceError(f"{self.path}: row 1: column {k + 1} of the header has no name")
                if name in self.columns[:k]:
                    raise InstanceError(f"{self.path}: row 1: column {name!r} named twice")
            self.rows: list[tuple[int, dict[str, str]]] = []
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue  # blank lines and rows of empty cells are skipped
                if len(cells) > len(self.columns):
                    raise InstanceError(f"{self.path}: row {reader.line_num}: {len(cells)} fields, but the header "
                                        f"names {len(self.columns)} columns")
                cells = cells + [""] * (len(self.columns) - len(cells))
                self.rows.append((reader.line_num, {c: v.strip() for c, v in zip(self.columns, cells)}))
        except csv.Error as exc:
            raise InstanceError(f"{self.path}: row {reader.line_num}: not valid CSV ({exc})") from None

    def require(self, *names: str) -> None:
        for name in names:
            if name not in self.columns:
                raise InstanceError(f"{self.path}: row 1: missing column {name!r} (the header has "
                                    f"{', '.join(self.columns)})")

    def only(self, allowed: set[str]) -> None:
        for name in self.columns:
            if name not in allowed:
                raise InstanceError(f"{self.path}: row 1: unknown column {name!r} (allowed: "
                                    f"{', '.join(sorted(allowed))})")

    def where(self, line: int, column: str) -> str:
        return f"{self.path}: row {line}, column {column!r}"

    def integer(self, line: int, column: str, cell: str, *, minimum: int = 1) -> int:
        """An integer at least ``minimum`` (``720.0`` read as 720)."""
        try:
            value = int(cell)
        except ValueError:
            try:
                number = float(cell)
            except ValueError:
                number = math.nan
            if not number.is_integer():
                kind = "a positive integer" if minimum == 1 else f"an integer of at least {minimum}"
                raise InstanceError(f"{self.where(line, column)}: expected {kind}, got {cell!r}") from None
            value = int(number)
        if value < minimum:
            kind = "a positive integer" if minimum == 1 else f"an integer of at least {minimum}"
            raise InstanceError(f"{self.where(line, column)}: expected {kind}, got {cell!r}")
        return value

    def number(self, line: int, column: str, cell: str) -> float:
        """A finite positive number (a price)."""
        try:
            value = float(cell)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise InstanceError(f"{self.where(line, column)}: expected a positive number, got {cell!r}")
        return value

    def flag(self, line: int, column: str, cell: str) -> bool:
        word = cell.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise InstanceError(f"{self.where(line, column)}: expected yes or no (true/false, 1/0), got {cell!r}")


def read_pieces_csv(path: str | Path, *, text: str | None = None) -> list[dict[str, Any]]:
    """The ``items`` list of a job from a plain piece list (see the module docstring).

    With ``text`` the list is read from that string and ``path`` only names it in
    messages (a server reads cut lists from requests, never from a path they give).
    """
    table = _Table(path, text=text)
    table.only({"name", "width", "height", "count", "rotation"})
    table.require("width", "height")
    if not table.rows:
        raise InstanceError(f"{table.path}: no pieces after the header row")
    items = []
    for line, row in table.rows:
        item: dict[str, Any] = {"width": table.integer(line, "width", row["width"]),
                                "height": table.integer(line, "height", row["height"])}
        if row.get("count"):
            item["count"] = table.integer(line, "count", row["count"])
        if row.get("rotation"):
            item["rotation"] = table.flag(line, "rotation", row["rotation"])
        if row.get("name"):
            item["name"] = row["name"]
        items.append(item)
    return items


def read_stock_csv(path: str | Path, *, text: str | None = None) -> list[dict[str, Any]]:
    """The ``bins`` list (stock types) of a job from a plain stock list (see the module docstring);
    ``text`` as for :func:`read_pieces_csv`."""
    table = _Table(path, text=text)
    table.only({"name", "width", "height", "cost", "count"})
    table.require("width", "height")
    if not table.rows:
        raise InstanceError(f"{table.path}: no stock sheets after the header row")
    bins = []
    for line, row in table.rows:
        entry: dict[str, Any] = {"width": table.integer(line, "width", row["width"]),
                                 "height": table.integer(line, "height", row["height"])}
        if row.get("cost"):
            entry["cost"] = table.number(line, "cost", row["cost"])
        if row.get("count"):
            entry["count"] = table.integer(line, "count", row["count"], minimum=0)
        if row.get("name"):
            entry["name"] = row["name"]
        bins.append(entry)
    return bins


def read_cut_list(pieces: str | Path, stock: str | Path, **job: Any) -> dict[str, Any]:
    """A job mapping from a piece list and a stock list; ``job`` adds top-level fields.

    For example ``read_cut_list("pieces.csv", "stock.csv", kerf=4, trim=10,
    guillotine={"stages": 3})``; the name defaults to the piece file's stem.
    """
    data: dict[str, Any] = {"problem": "binpack2d", "name": Path(pieces).stem,
                            "bins": read_stock_csv(stock), "items": read_pieces_csv(pieces)}
    data.update(job)
    return data


# --- PackingSolver -----------------------------------------------------------------

_PS_ITEM_COLUMNS = {"ID", "WIDTH", "HEIGHT", "PROFIT", "COPIES", "ORIENTED", "STACK_ID"}
_PS_BIN_COLUMNS = {"ID", "WIDTH", "HEIGHT", "COST", "COPIES", "COPIES_MIN", "LEFT_TRIM", "RIGHT_TRIM", "BOTTOM_TRIM",
                   "TOP_TRIM", "LEFT_TRIM_TYPE", "RIGHT_TRIM_TYPE", "BOTTOM_TRIM_TYPE", "TOP_TRIM_TYPE"}
_PS_TRIMS = ("LEFT_TRIM", "RIGHT_TRIM", "BOTTOM_TRIM", "TOP_TRIM")
_PS_OBJECTIVES = {"bin-packing", "binpacking", "bpp", "variable-sized-bin-packing", "variablesizedbinpacking", "vbpp"}
_PS_CUT_TYPES = {"non-exact": False, "nonexact": False, "exact": True}
#: Constraints nnopt does not model, with the values at which they constrain nothing.
_PS_NEUTRAL = {
    "min1cut": {"0"}, "min1Cut": {"0"}, "minimum_distance_1_cuts": {"0"},
    "max1cut": {"-1"}, "max1Cut": {"-1"}, "maximum_distance_1_cuts": {"-1"},
    "min2cut": {"0"}, "min2Cut": {"0"}, "minimum_distance_2_cuts": {"0"},
    "max2cut": {"-1"}, "max2Cut": {"-1"}, "maximum_distance_2_cuts": {"-1"},
    "min_waste": {"0", "1"}, "minwaste": {"0", "1"}, "minWaste": {"0", "1"}, "minimum_waste_length": {"0", "1"},
    "maximum_number_1_cuts": {"-1"}, "maximum_number_2_cuts": {"-1"},
    "cut_through_defects": {"0", "1"}, "waste_cost": {"0"},
}


def _packingsolver_paths(prefix: str | Path) -> tuple[Path, Path, Path]:
    p = Path(prefix)
    if p.is_dir():
        return p / "items.csv", p / "bins.csv", p / "parameters.csv"
    return Path(f"{p}_items.csv"), Path(f"{p}_bins.csv"), Path(f"{p}_parameters.csv")


def _ps_items(path: Path) -> list[dict[str, Any]]:
    table = _Table(path, fold_case=False)
    table.only(_PS_ITEM_COLUMNS)
    table.require("WIDTH", "HEIGHT")
    if not table.rows:
        raise InstanceError(f"{path}: no items after the header row")
    items = []
    stacks: dict[int, int] = {}
    for line, row in table.rows:
        item: dict[str, Any] = {"width": table.integer(line, "WIDTH", row["WIDTH"]),
                                "height": table.integer(line, "HEIGHT", row["HEIGHT"])}
        if row.get("COPIES"):
            item["count"] = table.integer(line, "COPIES", row["COPIES"])
        if row.get("ORIENTED") and table.integer(line, "ORIENTED", row["ORIENTED"], minimum=0):
            item["rotation"] = False
        if row.get("STACK_ID"):
            stack = table.integer(line, "STACK_ID", row["STACK_ID"], minimum=-1)
            if stack >= 0 and stack in stacks:
                raise InstanceError(f"{table.where(line, 'STACK_ID')}: stack {stack} is shared with row "
                                    f"{stacks[stack]}; cutting orders within stacks are not supported")
            stacks[stack] = line
        items.append(item)
    return items


def _ps_bins(path: Path, use_costs: bool) -> tuple[list[dict[str, Any]], dict[str, int]]:
    table = _Table(path, fold_case=False)
    table.only(_PS_BIN_COLUMNS)
    table.require("WIDTH", "HEIGHT")
    if not table.rows:
        raise InstanceError(f"{path}: no bins after the header row")
    bins = []
    trims: dict[str, int] | None = None
    first_line = 0
    for line, row in table.rows:
        entry: dict[str, Any] = {"width": table.integer(line, "WIDTH", row["WIDTH"]),
                                 "height": table.integer(line, "HEIGHT", row["HEIGHT"])}
        if row.get("COST") and row["COST"] != "-1":
            cost = table.number(line, "COST", row["COST"])
            if use_costs:
                entry["cost"] = cost
        if row.get("COPIES") and row["COPIES"] != "-1":
            entry["count"] = table.integer(line, "COPIES", row["COPIES"])
        if row.get("COPIES_MIN") and table.integer(line, "COPIES_MIN", row["COPIES_MIN"], minimum=0):
            raise InstanceError(f"{table.where(line, 'COPIES_MIN')}: a minimum number of sheets is not "
                                f"supported, got {row['COPIES_MIN']!r}")
        mine = {k: table.integer(line, k, row[k], minimum=0) if row.get(k) else 0 for k in _PS_TRIMS}
        if trims is None:
            trims, first_line = mine, line
        elif mine != trims:
            differ = next(k for k in _PS_TRIMS if mine[k] != trims[k])
            raise InstanceError(f"{table.where(line, differ)}: trims must be the same for every bin type "
                                f"({mine[differ]} here, {trims[differ]} in row {first_line})")
        bins.append(entry)
    assert trims is not None
    return bins, trims


def _ps_parameters(path: Path) -> dict[str, Any]:
    table = _Table(path, fold_case=False)
    table.only({"NAME", "VALUE"})
    table.require("NAME", "VALUE")
    found: dict[str, tuple[int, str]] = {}
    for line, row in table.rows:
        name, value = row["NAME"], row["VALUE"]
        if name in found:
            raise InstanceError(f"{path}: row {line}: parameter {name!r} given twice (first in row {found[name][0]})")
        found[name] = (line, value)
    out: dict[str, Any] = {}
    guillotine: dict[str, Any] = {"stages": 3, "exact": False, "first_cut": "vertical"}
    for name, (line, value) in found.items():
        where = f"{path}: row {line}, parameter {name!r}"
        word = value.lower()
        if name == "objective":
            if word not in _PS_OBJECTIVES:
                raise InstanceError(f"{where}: only bin packing and variable-sized bin packing are supported, "
                                    f"got {value!r}")
        elif name == "number_of_stages":
            if word in {"u", "unlimited"}:
                guillotine["stages"] = "unlimited"
            else:
                stages = table.integer(line, "VALUE", value)
                if stages < 2:
                    raise InstanceError(f"{where}: at least 2 stages (or unlimited) are supported, got {value!r}")
                guillotine["stages"] = stages
        elif name == "cut_type":
            if word not in _PS_CUT_TYPES:
                raise InstanceError(f"{where}: only exact and non-exact cuts are supported, got {value!r}")
            guillotine["exact"] = _PS_CUT_TYPES[word]
        elif name == "first_stage_orientation":
            if word not in {"horizontal", "vertical", "any"}:
                raise InstanceError(f"{where}: expected horizontal, vertical or any, got {value!r}")
            guillotine["first_cut"] = word
        elif name == "cut_thickness":
            out["kerf"] = table.integer(line, "VALUE", value, minimum=0)
        elif name in _PS_NEUTRAL:
            if value not in _PS_NEUTRAL[name]:
                raise InstanceError(f"{where}: this constraint is not supported; only "
                                    f"{' or '.join(sorted(_PS_NEUTRAL[name]))} (no constraint) is, got {value!r}")
        elif name.startswith(("cuts_fixed_cost_", "cuts_variable_cost_")):
            if value not in {"0", "0.0"}:
                raise InstanceError(f"{where}: cutting costs are not supported, got {value!r}")
        else:
            raise InstanceError(f"{where}: unknown parameter")
    out["guillotine"] = guillotine
    return out


def read_packingsolver(prefix: str | Path, *, allow_rotation: bool = True, use_costs: bool = True) -> dict[str, Any]:
    """A job mapping from PackingSolver's instance files (see the module docstring).

    ``allow_rotation`` is PackingSolver's default (pieces turn unless ``ORIENTED``);
    pass False for its ``--no-item-rotation``. ``use_costs=False`` reads the
    ``COST`` column (still checked) but leaves it out, so that each sheet costs its
    area: the unit in which the variable-sized literature (Pisinger and Sigurd's
    instances) reports its values. The name is the prefix's file name.
    """
    items_path, bins_path, parameters_path = _packingsolver_paths(prefix)
    bins, trims = _ps_bins(bins_path, use_costs)
    data: dict[str, Any] = {"problem": "binpack2d", "name": Path(prefix).name, "bins": bins,
                            "items": _ps_items(items_path), "allow_rotation": allow_rotation}
    if any(trims.values()):
        data["trim"] = {"left": trims["LEFT_TRIM"], "right": trims["RIGHT_TRIM"],
                        "bottom": trims["BOTTOM_TRIM"], "top": trims["TOP_TRIM"]}
    if parameters_path.exists():
        data.update(_ps_parameters(parameters_path))
    return data
