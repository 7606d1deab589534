"""`nnopt generate`: flags a problem declares (tsp's --kind) next to the generic --param route."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NNOPT = Path(sys.executable).parent / "nnopt"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NNOPT), "generate", *args], capture_output=True, text=True, timeout=120)


def test_a_declared_flag_equals_its_param_route():
    flag = run("tsp", "--n", "12", "--kind", "clustered", "--seed", "3")
    eq = run("tsp", "--n", "12", "--kind=clustered", "--seed", "3")
    param = run("tsp", "--n", "12", "--param", "kind=clustered", "--seed", "3")
    assert flag.returncode == eq.returncode == param.returncode == 0, flag.stderr
    assert json.loads(flag.stdout) == json.loads(eq.stdout) == json.loads(param.stdout)
    assert "clustered" in json.loads(flag.stdout)["name"]


def test_an_undeclared_flag_is_one_line_naming_the_declared_ones():
    res = run("tsp", "--n", "5", "--colour", "red")
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert "--colour" in res.stderr and "--kind" in res.stderr
    res = run("binpack2d", "--kind", "1")
    assert res.returncode == 2 and "use --param" in res.stderr


def test_a_flag_without_its_value_is_refused():
    res = run("tsp", "--kind")
    assert res.returncode == 2 and "needs a value" in res.stderr and res.stderr.count("\n") == 1
