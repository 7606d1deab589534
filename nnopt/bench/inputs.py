"""What a bench reads before it runs: the instance files it is given and the best known values.

Both are checked here, before the first run, so that a bad file costs one clear
line rather than a bench's worth of runs or a crash when the results are drawn.
"""
from __future__ import annotations

import csv
import glob
import math
from collections.abc import Iterable
from pathlib import Path

from nnopt.problems import InstanceError

__all__ = ["expand_instances", "read_reference"]


def expand_instances(specs: Iterable[str]) -> list[str]:
    """Files, folders (their instance files: ``.json`` and every problem's suffixes) and globs.

    A multi-instance file (``.2bp``) becomes one entry per instance it holds.
    """
    from nnopt._solve import instances_in_file, known_suffixes

    paths: list[Path] = []
    for spec in specs:
        p = Path(spec)
        if ".2bp:" in spec:
            paths.append(p)
        elif p.is_dir():
            suffixes = known_suffixes()
            found = sorted(q for q in p.iterdir() if q.suffix.lower() in suffixes and q.is_file())
            if not found:
                raise InstanceError(f"{spec}: folder holds no instance files ({', '.join(sorted(suffixes))})")
            paths.extend(found)
        elif p.exists():
            paths.append(p)
        else:
            matches = sorted(glob.glob(spec))
            if not matches:
                raise InstanceError(f"{spec}: no such file, folder or glob match")
            paths.extend(Path(m) for m in matches)
    out: list[str] = []
    for p in paths:
        out.extend(instances_in_file(p))
    return list(dict.fromkeys(out))


def read_reference(path: str | Path) -> dict[str, float]:
    """Instance name -> best known value from a CSV with ``name`` and ``best_known*`` columns.

    A best known value is an objective someone reached: a finite number, not below
    zero. Anything else (NaN, inf, a negative value) is refused naming the line, as
    it would make every ratio to it meaningless.
    """
    p = Path(path)
    try:
        with p.open(newline="") as fh:
            reader = csv.DictReader(fh)
            fields = reader.fieldnames or []
            value_col = next((f for f in fields if f.startswith("best_known")), None)
            if "name" not in fields or value_col is None:
                raise InstanceError(f"{p}: reference CSV needs columns 'name' and 'best_known' (has {fields})")
            out: dict[str, float] = {}
            for lineno, row in enumerate(reader, start=2):
                value = (row.get(value_col) or "").strip()
                if not value:
                    continue
                try:
                    number = float(value)
                except ValueError:
                    raise InstanceError(f"{p}: line {lineno}: {value_col} is not a number: {value!r}") from None
                if not math.isfinite(number) or number < 0:
                    raise InstanceError(f"{p}: line {lineno}: {value_col} must be a finite number, not below 0, "
                                        f"got {value!r}")
                out[row["name"]] = number
            return out
    except FileNotFoundError:
        raise InstanceError(f"{p}: no such file") from None
    except UnicodeDecodeError:
        raise InstanceError(f"{p}: not a text CSV file") from None
