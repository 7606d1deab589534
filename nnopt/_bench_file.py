"""The bench results file: repaired before appending, replaced only once there is something new.

A bench that was killed mid-write can leave a last line without its newline;
appending to it merges the next row into it (13 fields). So the torn
tail is moved to a side file, with a warning, before anything is appended.
``--overwrite`` must not destroy the old results before the new run has produced
a row: :class:`ResultsFile` truncates the file only when the first new row is
written. A file written before a column was added (``seed``, ``error``) is
rewritten with the new header, its rows' new fields empty, before a row with
more fields is appended to it (the rewrite is atomic: a crash keeps the old file).
"""
from __future__ import annotations

import csv
import os
import time
import warnings
from pathlib import Path
from typing import IO, Any

__all__ = ["ResultsFile", "repair_torn_tail", "upgrade_header"]


def repair_torn_tail(path: str | Path) -> Path | None:
    """If ``path`` does not end with a newline, move its last, partial line aside; returns the side file."""
    p = Path(path)
    if not p.is_file() or p.stat().st_size == 0:
        return None
    with p.open("rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 1))
        if fh.read(1) == b"\n":
            return None
        # find the start of the last line (read backwards in blocks)
        pos, tail = size, b""
        while pos > 0 and b"\n" not in tail:
            step = min(65536, pos)
            pos -= step
            fh.seek(pos)
            tail = fh.read(step) + tail
        cut = pos + tail.rfind(b"\n") + 1 if b"\n" in tail else 0
        fh.seek(cut)
        torn = fh.read()
        side = p.with_name(f"{p.name}.torn-{time.strftime('%Y%m%d-%H%M%S')}")
        side.write_bytes(torn)
        fh.truncate(cut)
    warnings.warn(f"{p}: its last line was cut short (an interrupted write); moved it to {side}")
    return side


def upgrade_header(path: str | Path, columns: tuple[str, ...]) -> bool:
    """Rewrite ``path`` with ``columns`` when its header is an older subset of them; True if rewritten.

    A header that is not a subset (another tool's CSV) is left alone: the caller refuses it.
    """
    p = Path(path)
    if not p.is_file() or p.stat().st_size == 0:
        return False
    with p.open(newline="") as fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        if header == columns or not set(header) < set(columns):
            return False
        rows = list(reader)
    tmp = p.with_name(f".{p.name}.upgrade-{os.getpid()}")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, p)
    return True


class ResultsFile:
    """Appends CSV rows durably; with ``replace``, the old file is truncated at the first row."""

    def __init__(self, path: str | Path, columns: tuple[str, ...], *, replace: bool = False) -> None:
        self.path, self.columns, self.replace = Path(path), columns, replace
        self._fh: IO[str] | None = None
        self._writer: Any = None

    def _open(self) -> None:
        fresh = self.replace or not self.path.exists() or self.path.stat().st_size == 0
        if not self.replace:
            repair_torn_tail(self.path)
            upgrade_header(self.path, self.columns)
        self._fh = self.path.open("w" if self.replace else "a", newline="")
        self._writer = csv.DictWriter(self._fh, fieldnames=self.columns, restval="")
        if fresh:
            self._writer.writeheader()

    def write(self, rows: list[dict[str, str]]) -> None:
        if not rows:
            return
        if self._fh is None:
            self._open()
        assert self._fh is not None
        self._writer.writerows(rows)
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
