"""One results page, ``overhead.md``, written by several measurements: each replaces only its own section.

A section lies between ``<!-- begin NAME -->`` and ``<!-- end NAME -->``. A
section not on the page yet goes before the hand-written commentary
(``## Reading``), which no rerun touches.
"""
from __future__ import annotations

from pathlib import Path

READING = "## Reading"


def replace_section(md: Path, name: str, text: str) -> None:
    """Write ``text`` as section ``name`` of ``md``, keeping everything else on the page."""
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    block = f"{begin}\n{text.strip()}\n{end}\n"
    page = md.read_text() if md.is_file() else ""
    if begin in page and end in page:
        head, _, rest = page.partition(begin)
        page = head + block + rest.partition(end)[2].lstrip("\n")
    elif READING in page:
        head, _, rest = page.partition(READING)
        page = head.rstrip("\n") + "\n\n" + block + "\n" + READING + rest
    else:
        page = page.rstrip("\n") + ("\n\n" if page else "") + block
    tmp = md.with_name(md.name + ".tmp")
    tmp.write_text(page)
    tmp.replace(md)
