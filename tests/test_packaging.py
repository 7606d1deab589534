"""The wheel holds every sub-package: build it, install it apart, import everything."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("nnopt", "solver", "problems", "scorers", "substrate", "baselines", "cli")


def expected_packages() -> list[str]:
    names = []
    for top in TOP_LEVEL:
        for init in (REPO / top).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO).parts
            names.append(".".join(rel if top == "nnopt" else ("nnopt", *rel)))
    return sorted(names)


def test_every_folder_with_modules_is_a_package():
    missing = [str(p.parent.relative_to(REPO)) for top in TOP_LEVEL for p in (REPO / top).rglob("*.py")
               if "__pycache__" not in p.parts and not (p.parent / "__init__.py").exists()]
    assert not missing, f"folders without __init__.py drop out of the wheel: {sorted(set(missing))}"


def test_wheel_installs_and_imports_every_subpackage(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
        "benchmarks", "tests"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(src)], check=True, capture_output=True, text=True)
    (wheel,) = wheels.glob("nnopt-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, str(wheel)],
                   check=True, capture_output=True, text=True)
    # Dependencies come from the test environment, appended after the wheel: a path
    # listed in a .pth file is not itself scanned for .pth files, so the developer's
    # editable install stays out of the way.
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    packages = expected_packages()
    code = ("import importlib, sys\n"
            f"for name in {packages!r}:\n"
            "    mod = importlib.import_module(name)\n"
            f"    assert mod.__file__.startswith({site!r}), (name, mod.__file__)\n"
            "from nnopt.problems import get_problem\n"
            "weights = get_problem('binpack2d').pretrained_scorer()\n"
            f"assert weights is not None and str(weights).startswith({site!r}), weights\n"
            "from importlib import resources\n"  # the page of `nnopt serve` ships inside its package
            "page = resources.files('nnopt.server').joinpath('static')\n"
            "assert all(page.joinpath(f).is_file() for f in ('index.html', 'app.js', 'style.css', 'docs.html'))\n"
            "print('ok', len(sys.modules))\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    assert "nnopt.solver" in packages and "nnopt.problems.binpack2d" in packages
