"""The command line's cut lists: CSV jobs, the cutting flags of ``nnopt solve``, and the cut sequence file.

``nnopt solve pieces.csv --stock stock.csv [--kerf 4 --trim 10 --guillotine 3
--first-cut horizontal --exact]`` reads a shop's plain cut list;
``nnopt solve PREFIX_items.csv`` (or ``PREFIX``) reads PackingSolver's instance
files (``PREFIX_bins.csv``, and ``PREFIX_parameters.csv`` where present), the
flags overriding what the files say. Every refusal is one line naming the file,
row or field, raised before any search, so that nothing is written.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from nnopt.cli._common import UserError
from nnopt.problems import InstanceError

__all__ = ["CuttingFlags", "check_cuts_option", "cut_sequence_text", "input_files", "is_cut_list", "load_cut_list",
           "plot_suffix_ok"]

#: Suffix of a PackingSolver items file.
_PS_ITEMS = "_items.csv"


class CuttingFlags:
    """The cutting flags of ``nnopt solve`` as given (None: not given)."""

    def __init__(self, stock: str | None, kerf: int | None, trim: int | None, guillotine: str | None,
                 first_cut: str | None, exact: bool, rotation: bool | None = None) -> None:
        self.stock, self.kerf, self.trim, self.guillotine = stock, kerf, trim, guillotine
        self.first_cut, self.exact, self.rotation = first_cut, exact, rotation

    def given(self) -> list[str]:
        """The flags the user gave (for the message refusing them on a JSON instance)."""
        names = [("--stock", self.stock), ("--kerf", self.kerf), ("--trim", self.trim),
                 ("--guillotine", self.guillotine), ("--first-cut", self.first_cut)]
        given = [n for n, v in names if v is not None] + (["--exact"] if self.exact else [])
        return given + ([] if self.rotation is None else ["--rotation" if self.rotation else "--no-rotation"])

    def fields(self, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` (a job mapping) with the flags' fields set."""
        if self.rotation is not None:
            data["allow_rotation"] = self.rotation
        if self.kerf is not None:
            data["kerf"] = self.kerf
        if self.trim is not None:
            data["trim"] = self.trim
        if self.guillotine is not None:
            stages: Any = self.guillotine
            if stages != "unlimited":
                try:
                    stages = int(stages)
                except ValueError:
                    raise UserError(f"--guillotine: expected a number of stages (2, 3, ...) or unlimited, "
                                    f"got {self.guillotine!r}") from None
            data["guillotine"] = dict(data.get("guillotine") or {}, stages=stages)
        if self.first_cut is not None or self.exact:
            if not isinstance(data.get("guillotine"), dict):
                flag = "--first-cut" if self.first_cut is not None else "--exact"
                raise UserError(f"{flag} needs guillotine cuts: give --guillotine STAGES too")
            if self.first_cut is not None:
                data["guillotine"]["first_cut"] = self.first_cut
            if self.exact:
                data["guillotine"]["exact"] = True
        return data


def _packingsolver_prefix(path: Path) -> Path | None:
    """The prefix of PackingSolver files that ``path`` names (``PREFIX_items.csv`` or ``PREFIX``), or None."""
    if path.name.lower().endswith(_PS_ITEMS):
        return path.with_name(path.name[: -len(_PS_ITEMS)])
    if path.suffix == "" and Path(f"{path}{_PS_ITEMS}").is_file():
        return path
    return None


def is_cut_list(instance: str) -> bool:
    """Whether the command line's INSTANCE is a CSV cut list (plain, or PackingSolver's files)."""
    path = Path(instance)
    return path.suffix.lower() == ".csv" or _packingsolver_prefix(path) is not None


def input_files(instance: str, stock: str | None) -> list[str]:
    """Every file the command reads for INSTANCE (PackingSolver's three, a piece list and its stock), so that
    no output may overwrite one."""
    prefix = _packingsolver_prefix(Path(instance))
    if prefix is not None:
        return [instance, f"{prefix}_items.csv", f"{prefix}_bins.csv", f"{prefix}_parameters.csv"]
    return [instance] + ([stock] if stock else [])


def load_cut_list(instance: str, flags: CuttingFlags, problem: str | None = None) -> tuple[Any, Any]:
    """``(problem, instance)`` of a CSV cut list with the flags applied; one-line ``UserError`` on bad input."""
    from nnopt.problems import get_problem
    from nnopt.problems.binpack2d._cutlist_csv import read_cut_list, read_packingsolver

    if problem not in (None, "binpack2d"):
        raise UserError(f"--problem {problem}: {instance} is a cut list, a binpack2d cutting job")
    path = Path(instance)
    prefix = _packingsolver_prefix(path)
    try:
        if prefix is not None:
            if flags.stock is not None:
                raise UserError(f"--stock: {instance} is a PackingSolver items file; its stock is "
                                f"{prefix}_bins.csv")
            data = read_packingsolver(prefix)
        else:
            if flags.stock is None:
                raise UserError(f"{instance}: a piece list needs its stock sheets: give --stock STOCK.csv "
                                f"(columns name,width,height[,cost,count])")
            data = read_cut_list(path, flags.stock)
        data = flags.fields(data)
        prob = get_problem("binpack2d")
        inst = prob.load(data, source=instance)
    except InstanceError as exc:
        raise UserError(str(exc)) from exc
    return prob.for_instance(inst), inst


def plot_suffix_ok(prob: Any, plot: str) -> None:
    """Refuse a ``--plot`` format the problem does not draw (PDF: cutting plans only)."""
    from nnopt.problems.binpack2d._cutting_problem import CuttingPlans

    if Path(plot).suffix.lower() == ".pdf" and not isinstance(prob, CuttingPlans):
        raise UserError(f"--plot: {plot}: PDF is drawn for cutting jobs only (use .png or .svg)")


def check_cuts_option(prob: Any, inst: Any, cuts: str | None) -> None:
    """Refuse ``--cuts`` where the plan has no guillotine cut sequence (before any search)."""
    from nnopt.problems.binpack2d._cutting_problem import CuttingPlans

    if cuts is None:
        return
    if not isinstance(prob, CuttingPlans):
        raise UserError("--cuts: the instance has no guillotine cuts (a classic packing); cut sequences "
                        "are written for cutting jobs with guillotine stages")
    if inst.job.guillotine is None:
        raise UserError("--cuts: the job places pieces freely (no 'guillotine' field or --guillotine STAGES): "
                        "it has no cut sequence")


def cut_sequence_text(inst: Any, solution: Any) -> str:
    """The verified plan's cut sequence as CSV text (a saw operator's sheet)."""
    from nnopt.problems.binpack2d._cutting_checker import cut_sequence, cut_sequence_csv

    return cut_sequence_csv(cut_sequence(inst.job, solution.sheets))
