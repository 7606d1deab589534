"""Map the top-level folders onto sub-packages of the one import package ``nnopt``.

The repository's top level is the architecture (see design.md): ``solver/`` is
``nnopt.solver``, ``problems/binpack2d/`` is ``nnopt.problems.binpack2d`` and so on.
The package list is generated from the folders on disk, so a new sub-folder with an
``__init__.py`` is picked up without editing a hand-written list.
"""
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent
TOP_LEVEL = ("nnopt", "solver", "problems", "scorers", "substrate", "baselines", "cli")


def _packages() -> tuple[list[str], dict[str, str]]:
    """Every folder with an ``__init__.py`` under a top-level folder, as a package."""
    packages: list[str] = []
    package_dir: dict[str, str] = {}
    for top in TOP_LEVEL:
        for init in sorted((HERE / top).rglob("__init__.py")):
            rel = init.parent.relative_to(HERE)
            if "__pycache__" in rel.parts:
                continue
            parts = rel.parts if top == "nnopt" else ("nnopt", *rel.parts)
            name = ".".join(parts)
            packages.append(name)
            package_dir[name] = rel.as_posix()
    return packages, package_dir


PACKAGES, PACKAGE_DIR = _packages()

setup(
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    # pre-trained weights (problems/binpack2d/set_scorer.pt, ruin_guide.npz) ship inside their package
    # and the web page of `nnopt serve` (nnopt/server/static/), served from the package
    package_data={"nnopt": ["py.typed"], **{name: ["*.pt", "*.npz"] for name in PACKAGES},
                  "nnopt.server": ["static/*.html", "static/*.js", "static/*.css"]},
)
