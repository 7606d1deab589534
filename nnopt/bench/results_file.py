"""The bench results file: repaired before appending, replaced only once there is something new.

A bench that was killed mid-write can leave a last line without its newline;
appending to it merges the next row into it (one line of 13 fields). So the torn
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
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from nnopt.problems import NnoptError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one bench per results file
    fcntl = None  # type: ignore[assignment]

__all__ = ["ResultsFile", "ResultsWriteError", "repair_torn_tail", "upgrade_header"]


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
    warnings.warn(f"{p}: its last line was cut short (an interrupted write); moved it to {side}", stacklevel=2)
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


class ResultsWriteError(NnoptError, OSError):
    """The results file cannot be written (a read-only or full file system, no permission)."""


class ResultsFile:
    """Appends CSV rows durably; with ``replace``, the old file is truncated at the first row.

    Every write holds an exclusive lock on the file (``flock``), so two benches appending to
    one file at once never interleave a line; under the lock, rows whose ``key`` another
    writer has already appended are not written again (each bench reads what was appended
    since its last write). ``key`` returns None for a row that does not count as done.
    A write that fails raises :class:`ResultsWriteError` naming the file; a file this
    object created and could not fill is removed rather than left empty.
    """

    def __init__(self, path: str | Path, columns: tuple[str, ...], *, replace: bool = False,
                 key: Callable[[dict[str, str]], Hashable | None] | None = None) -> None:
        self.path, self.columns, self.replace, self.key = Path(path), columns, replace, key
        self._fh: IO[str] | None = None
        self._writer: Any = None
        self._created = False
        self._written = False  # a write of this object's went through, fsync included
        self._read_upto = 0  # bytes of the file whose rows are in self._present
        self._present: set[Hashable] = set()

    def _open(self) -> None:
        if not self.replace:
            repair_torn_tail(self.path)
            upgrade_header(self.path, self.columns)
        self._created = not self.path.exists()
        self._fh = self.path.open("a", newline="")  # truncated under the lock at the first write (replace)
        self._writer = csv.DictWriter(self._fh, fieldnames=self.columns, restval="")

    def _appended_by_others(self, size: int) -> None:
        """Add the keys of the rows appended since the last look (by this writer or another)."""
        if self.key is None or not self.path.is_file():
            return
        if size < self._read_upto:  # replaced meanwhile: start over
            self._read_upto, self._present = 0, set()
        with self.path.open("rb") as fh:
            fh.seek(self._read_upto)
            data = fh.read(size - self._read_upto)
        self._read_upto = size
        lines = data.decode("utf-8", errors="replace").splitlines()
        for cells in csv.reader(lines):
            if len(cells) != len(self.columns) or tuple(cells) == self.columns:
                continue
            key = self.key(dict(zip(self.columns, cells)))
            if key is not None:
                self._present.add(key)

    def write(self, rows: list[dict[str, str]]) -> None:
        if not rows:
            return
        try:
            self._write(rows)
        except OSError as exc:
            self._abandon()
            raise ResultsWriteError(f"{self.path}: cannot write the results: "
                                    f"{exc.strerror or type(exc).__name__}") from exc

    def _write(self, rows: list[dict[str, str]]) -> None:
        if self._fh is None:
            self._open()
        assert self._fh is not None
        fd = self._fh.fileno()
        with _locked(fd):
            if self.replace:  # start afresh now that there is something new
                os.ftruncate(fd, 0)
                self.replace, self._read_upto, self._present = False, 0, set()
            self._appended_by_others(os.fstat(fd).st_size)
            if self.key is not None:
                rows = [r for r in rows if self.key(r) is None or self.key(r) not in self._present]
            if os.fstat(fd).st_size == 0:
                self._writer.writeheader()
            self._writer.writerows(rows)
            self._fh.flush()
            os.fsync(fd)
            self._written = True
            if self.key is not None:  # this writer's own rows count as present too
                self._present.update(k for k in map(self.key, rows) if k is not None)
                self._read_upto = os.fstat(fd).st_size

    def _abandon(self) -> None:
        """After a failed write: close, and remove the file if this object created it and no write succeeded."""
        fh, self._fh = self._fh, None
        if fh is not None:
            try:
                fh.close()
            except OSError:  # the same full disk again on the flush of close: nothing more to save
                pass
        if self._created and not self._written:  # nothing of it was ever stored for sure
            try:
                if self.path.is_file():
                    self.path.unlink()
            except OSError:
                pass

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def _locked(fd: int) -> Iterator[None]:
    """An exclusive lock on the open file ``fd`` for the block (none where ``fcntl`` is missing)."""
    if fcntl is None:
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
