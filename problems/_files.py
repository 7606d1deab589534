"""File helpers every problem (and the command line) shares: safe reads, atomic writes.

Every input file is read through :func:`read_text_file`: only a regular file,
only up to a size cap, so a FIFO, ``/dev/zero`` or a runaway file ends in one
line instead of a hang or an exhausted memory, whatever its suffix.

An output is written to a temporary file beside its target and renamed into
place, so an interrupted run never leaves a half-written solution or picture.
A target that exists and is not a regular file is never replaced: a character
device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe) is written in
place, as a shell's ``>`` would; anything else (a block device, a socket) is
refused.
"""
from __future__ import annotations

import io
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["atomic_write_bytes", "atomic_write_text", "file_kind", "read_text_file", "save_figure",
           "written_in_place"]


def file_kind(mode: int) -> str:
    """What a ``st_mode`` names, in words for a one-line error."""
    for test, words in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISREG, "a file")):
        if test(mode):
            return words
    return "not a regular file"


def read_text_file(path: str | os.PathLike[str], error: type[Exception], *, limit: int,
                   errors: str = "strict") -> str:
    """The text of a regular file of at most ``limit`` bytes, or ``error`` in one line naming the file.

    The file is opened without blocking and checked again once open, so a path
    swapped for a FIFO after the first look still cannot hang the reader; at
    most ``limit + 1`` bytes are ever read. ``errors`` is the UTF-8 decoder's
    policy: ``"strict"`` refuses undecodable bytes, ``"replace"`` keeps going
    (text formats whose comments may be in any encoding).
    """
    p = Path(path)
    try:
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        raise error(f"{p}: no such file") from None
    except OSError as exc:
        raise error(f"{p}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise error(f"{p}: is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise error(f"{p}: not a regular file ({file_kind(mode)})")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise error(f"{p}: not a regular file ({file_kind(mode)})")
            data = fh.read(limit + 1)
    except OSError as exc:
        raise error(f"{p}: cannot read ({exc.strerror})") from None
    if len(data) > limit:
        raise error(f"{p}: file is above the limit of {limit} bytes")
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as exc:
        raise error(f"{p}: not UTF-8 text (byte {exc.start})") from None


def written_in_place(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a stream to write into rather than a file to replace (a character device, a FIFO).

    A path that is neither missing nor one of these, nor a regular file (a block
    device, a socket, a folder), is refused with ``IsADirectoryError`` or an
    ``OSError`` naming what it is.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    if stat.S_ISREG(mode):
        return False
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return True
    raise OSError(f"{file_kind(mode)}, not a file to write")


def _write_in_place(path: str | os.PathLike[str], data: bytes) -> None:
    """Write into a device or a FIFO; a FIFO nobody reads is an error at once (ENXIO), not a hang."""
    import fcntl

    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _file_mode(path: Path) -> int:
    """Keep the mode of a file being replaced; otherwise the usual 0644."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o644


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename: never half-written.

    A symlink is written through (its target is replaced, the link stays), as a
    plain ``open(path, "w")`` would (a link replaced by a file loses the link).
    A character device or a FIFO is written in place, never replaced by a file;
    any other non-regular target raises ``OSError``.
    """
    if written_in_place(path):
        _write_in_place(path, data)
        return
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp makes the file private (0600); an output is an ordinary file.
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def save_figure(fig: Any, path: str | os.PathLike[str], fmt: str, **savefig: Any) -> None:
    """Render a matplotlib figure and write it atomically.

    SVG keeps labels as ``<text>`` (searchable, smaller) and carries no date, so
    the same picture gives the same bytes; ``rc_context`` restores the global
    settings right after.
    """
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "nnopt"}):
        fig.savefig(buf, format=fmt, metadata={"Date": None} if fmt == "svg" else None, **savefig)
    atomic_write_bytes(path, buf.getvalue())
