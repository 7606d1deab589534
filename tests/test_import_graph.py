"""The import directions of design.md, checked on the source of every module."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# folder -> sub-packages of nnopt it must never import
FORBIDDEN = {
    "problems": ("nnopt.solver", "nnopt.cli", "nnopt.scorers", "nnopt.substrate", "nnopt.baselines", "nnopt._"),
    "solver": ("nnopt.cli", "nnopt.baselines", "nnopt.substrate", "nnopt.problems.binpack2d", "nnopt._"),
    "scorers": ("nnopt.problems", "nnopt.solver", "nnopt.substrate", "nnopt.cli", "nnopt.baselines", "nnopt._"),
    "substrate": ("nnopt.problems", "nnopt.solver", "nnopt.cli", "nnopt.baselines", "nnopt._"),
    "baselines": ("nnopt.solver", "nnopt.cli", "nnopt.scorers", "nnopt.substrate", "nnopt._"),
}
#: folder -> the modules of a forbidden package it may use: baselines register as methods, the
#: substrate shares the engine's extraction routine, and every room may raise the one error
#: family (a leaf module that imports nothing).
ALLOWED = {"baselines": ("nnopt.solver.methods",),
           "substrate": ("nnopt.solver.extract", "nnopt.problems.errors")}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import (design.md: imports are absolute)")
    return found


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_folder_respects_import_directions(folder):
    bad = []
    for path in sorted((REPO / folder).rglob("*.py")):
        for mod in imported_modules(path):
            if any(mod == a or mod.startswith(a + ".") for a in ALLOWED.get(folder, ())):
                continue
            if mod == "nnopt" or any(mod == f or mod.startswith(f + ".") or
                                     (f.endswith("_") and mod.startswith(f)) for f in FORBIDDEN[folder]):
                bad.append(f"{path.relative_to(REPO)} imports {mod}")
    assert not bad, "\n".join(bad)


def test_solver_sees_problems_only_through_the_contract():
    allowed = ("nnopt.problems.base", "nnopt.problems")
    for path in sorted((REPO / "solver").rglob("*.py")):
        for mod in imported_modules(path):
            if mod.startswith("nnopt.problems"):
                assert mod.startswith(allowed) and "binpack" not in mod, f"{path}: {mod}"
