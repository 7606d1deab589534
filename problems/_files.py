"""File helpers every problem (and the command line) shares: safe reads, atomic writes.

An output is written to a temporary file beside its target and renamed into
place, so an interrupted run never leaves a half-written solution or picture.
"""
from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["atomic_write_bytes", "atomic_write_text", "save_figure"]


def _file_mode(path: Path) -> int:
    """Keep the mode of a file being replaced; otherwise the usual 0644."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o644


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename: never half-written.

    A symlink is written through (its target is replaced, the link stays), as a
    plain ``open(path, "w")`` would (replacing the link by a file would surprise the user).
    """
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
