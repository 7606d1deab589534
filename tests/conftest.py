"""Shared fixtures: the repository, its examples, and the classic data in benchmarks/data/2bp.

Under ``--import-mode=importlib`` test modules cannot import this file, so
everything shared is a fixture.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
CLASSIC = REPO / "benchmarks" / "data" / "2bp"

settings.register_profile("nnopt", deadline=None, max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "nnopt"))


def _unlinked_modules() -> list[str]:
    """Package modules missing from a strict editable install's tree of links (added since the install).

    The ``nnopt`` command the tests run imports from that tree; a module added after the
    install is not in it, and the command would fail with an import error far from the cause.
    """
    import sysconfig

    pth = sorted(Path(sysconfig.get_paths()["purelib"]).glob("__editable__.nnopt-*.pth"))
    tree = Path(pth[0].read_text().strip()) if pth else None
    if tree is None or not (tree / "nnopt").is_dir():
        return []
    missing = []
    for top in ("nnopt", "solver", "problems", "scorers", "substrate", "baselines", "cli"):
        for path in (REPO / top).rglob("*.py"):
            rel = path.relative_to(REPO)
            if "__pycache__" in rel.parts or not (path.parent / "__init__.py").is_file():
                continue
            linked = tree / rel if top == "nnopt" else tree / "nnopt" / rel
            if not linked.exists():
                missing.append(rel.as_posix())
    return sorted(missing)


def pytest_sessionstart(session: pytest.Session) -> None:
    missing = _unlinked_modules()
    if missing:
        pytest.exit(f"the editable install predates {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}: "
                    "run `make install` (strict editable installs link the files present at install time)",
                    returncode=3)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def example_path() -> Path:
    return REPO / "examples" / "cl_07_040_01.json"


@pytest.fixture(scope="session")
def classic() -> Path:
    """``benchmarks/data/2bp``: the 500 classic instances ship with the repository."""
    return CLASSIC
