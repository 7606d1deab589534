"""Methods as plugins: the contract suite on every shipped method, the registry, and `nnopt methods`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import nnopt
from nnopt.problems import PluginWarning, _plugin_registry, get_problem
from nnopt.solver import _method_registry as registry
from nnopt.solver.methods import (
    Budget,
    Method,
    MethodError,
    SearchResult,
    UnknownMethodError,
    UnsupportedMethodError,
    available_methods,
    get_method,
    register_method,
    unregister_method,
)
from nnopt.solver.testing import method_checks

REPO = Path(__file__).resolve().parents[1]
NNOPT = Path(sys.executable).parent / "nnopt"
PROBLEMS = {name: get_problem(name) for name in ("binpack2d", "tsp")}
INSTANCES = {"binpack2d": PROBLEMS["binpack2d"].generate(3, klass=3, n=12),
             "tsp": PROBLEMS["tsp"].generate(1, n=12)}


def _contract_cases() -> list[tuple[str, object]]:
    cases = []
    for method in available_methods():
        for name, problem in PROBLEMS.items():
            if not method.supports(problem):
                continue
            others = [p for p in PROBLEMS.values() if p is not problem]
            # slack 1.5 s: a library's first import (networkx, OR-Tools) is the method's own cost and
            # takes a second on a loaded 2-core machine; a method that ignores its budget overshoots by far more.
            cases += method_checks(method, problem, [INSTANCES[name]], max_evals=120, time_limit=0.2, slack=1.5,
                                    unsupported=others)
    return cases


@pytest.mark.parametrize("name, check", _contract_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_shipped_method_keeps_the_contract(name, check):
    check()


def test_every_shipped_method_solves_some_shipped_problem():
    orphans = [m.name for m in available_methods() if not any(m.supports(p) for p in PROBLEMS.values())]
    assert orphans == []


class _Bad(Method):
    """A method that ignores its decode budget and returns an infeasible packing: the suite must catch it."""

    name = "bad-method"
    description = "breaks the rules on purpose"

    def run(self, problem, instance, budget, seed=0, on_improve=None, context=None):
        X = problem.sample(instance, 500, __import__("numpy").random.default_rng(seed))
        sols = problem.decode(instance, X)
        best = sols[0]
        return SearchResult(best, problem.objective(instance, best), 0.0, evaluations=500, seconds=0.0,
                            status="budget")


def test_the_contract_suite_catches_a_method_that_overspends():
    checks = dict(method_checks(_Bad(), PROBLEMS["binpack2d"], [INSTANCES["binpack2d"]], max_evals=100))
    with pytest.raises(AssertionError, match="rule 'decode budget': 500 decodes"):
        checks["bad-method@binpack2d:decode_budget"]()


def test_names_parameters_and_aliases_resolve_to_one_method():
    assert get_method("maxrects-bssf-area").params == {"order": "area"}
    assert get_method("maxrects-bssf", order="area").name == "maxrects-bssf-area"
    assert get_method("nnopt-cem-control").engine_config.extraction.step == "random"
    with pytest.raises(MethodError, match="order='diagonal' is not one of best, area"):
        get_method("maxrects-bssf", order="diagonal")
    with pytest.raises(MethodError, match="has no parameter 'speed'"):
        get_method("cem", speed="fast")
    with pytest.raises(UnknownMethodError, match="closest: maxrects-bssf"):
        get_method("maxrects-bsf")
    assert issubclass(UnknownMethodError, nnopt.NnoptError) and issubclass(MethodError, nnopt.NnoptError)


def test_a_method_registered_at_run_time_solves_and_a_taken_name_is_refused():
    class FirstOrder(Method):
        name = "first-order"
        description = "decodes the problem's first heuristic encoding"

        def unsupported(self, problem):
            return None if problem.name == "binpack2d" else "solves binpack2d only"

        def run(self, problem, instance, budget, seed=0, on_improve=None, context=None):
            X = problem.heuristic_encodings(instance)[:1]
            sol = problem.decode(instance, X)[0]
            budget.spend(1)
            return SearchResult(sol, problem.objective(instance, sol), 0.0, 1, budget.elapsed, "heuristic")

    register_method(FirstOrder())
    try:
        res = nnopt.solve(INSTANCES["binpack2d"], problem="binpack2d", method="first-order", max_evals=5)
        assert res.method == "first-order" and res.evaluations == 1
        with pytest.raises(UnsupportedMethodError, match="'first-order' does not solve 'tsp': solves binpack2d only"):
            nnopt.solve(INSTANCES["tsp"], problem="tsp", method="first-order", max_evals=5)
        with pytest.raises(ValueError, match="'cem' is already taken by nnopt \\(shipped\\)"):
            register_method(type("Cem", (FirstOrder,), {"name": "cem"})())
    finally:
        unregister_method("first-order")
    assert "first-order" not in nnopt.METHODS


def test_a_broken_method_plugin_is_skipped_with_a_warning(monkeypatch):
    def broken():
        raise ImportError("no module named 'missing_dep'")

    eps = [SimpleNamespace(name="fine-plugin", value="x:Fine", dist=SimpleNamespace(name="fine-dist", version="1"),
                           load=lambda: type("Fine", (Method,), {"name": "fine-plugin", "description": "ok",
                                                                "run": lambda self, *a, **k: None})),
           SimpleNamespace(name="broken-plugin", value="y:Broken", dist=SimpleNamespace(name="broken-dist",
                                                                                       version="2"), load=broken),
           SimpleNamespace(name="cem", value="z:Cem", dist=SimpleNamespace(name="clash-dist", version="3"),
                           load=broken)]
    monkeypatch.setattr(registry._REGISTRY, "_entries", dict(registry._REGISTRY._entries))
    monkeypatch.setattr(registry._REGISTRY, "_discovered", False)
    monkeypatch.setattr(_plugin_registry, "entry_points", lambda group: eps if group == "nnopt.methods" else [])
    with pytest.warns(PluginWarning) as caught:
        names = {m.name for m in available_methods()}
    messages = " | ".join(str(w.message) for w in caught)
    assert "fine-plugin" in names and "broken-plugin" not in names and "cem" in names
    assert "'broken-plugin' from broken-dist 2 (y:Broken) skipped: ImportError" in messages
    assert "'cem' from clash-dist 3 (z:Cem) ignored: the name is already taken by nnopt (shipped)" in messages
    entry = registry._REGISTRY.entries()["fine-plugin"]
    assert entry.origin == "fine-dist 1"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, cwd=REPO, timeout=300)


def test_methods_listing_fits_one_screen_and_json_lists_every_method():
    res = run_cli("methods", "binpack2d")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) <= 43, res.stdout
    assert lines[-2:] == ["not for binpack2d (why):", "  nearest-neighbour, christofides, ortools-gls: solves tsp only"]
    assert any(line.startswith("heuristics: --param") for line in lines) and "order=best|area|" in res.stdout
    res = run_cli("methods", "tsp", "--json")
    data = json.loads(res.stdout)
    names = {d["name"] for d in data}
    assert {"ortools-gls", "nnopt", "cem"} <= names and "cpsat" not in names
    assert next(d for d in data if d["name"] == "nnopt-cem")["aliases"] == ["nnopt-cem-control"]
    requires = {d["name"]: d["requires"] for d in data}
    assert requires["ruin-recreate"] == ["SolutionSearch"] and requires["nnopt"] == requires["cem"] == []


def test_cli_method_parameters_unknown_names_and_unsupported_problems():
    ex = "examples/cl_01_020_01.json"
    a = run_cli("solve", ex, "--method", "maxrects-bssf", "--order", "area", "--quiet")
    assert a.returncode == 0, a.stderr
    res = run_cli("solve", ex, "--method", "maxrects-bsf")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "unknown method 'maxrects-bsf' (closest: maxrects-bssf" in res.stderr
    res = run_cli("solve", "examples/tsp_uniform_050.json", "--method", "cpsat")
    assert res.returncode == 2 and "does not solve 'tsp': solves binpack2d only" in res.stderr
    res = run_cli("solve", ex, "--method", "cem", "--param", "speed=fast")
    assert res.returncode == 2 and "has no parameter 'speed'" in res.stderr


def test_importing_nnopt_loads_neither_torch_nor_ortools():
    code = "import sys, nnopt; print(sorted(m for m in ('torch', 'ortools', 'networkx') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_time_budget_rule_holds_for_a_method_that_stops_on_time():
    res = nnopt.solve(INSTANCES["tsp"], problem="tsp", method="ortools-gls", time_limit=0.3)
    assert res.seconds < 1.0 and res.problem.check(res.instance, res.solution) == []
    assert Budget(time_limit=2.0).seconds_left() <= 2.0


def test_a_time_limit_too_short_for_or_tools_returns_a_heuristic_and_says_so(tmp_path):
    out = tmp_path / "s.json"
    res = run_cli("solve", "examples/cl_07_040_01.json", "--method", "cpsat", "--time-limit", "1", "--out", str(out))
    assert res.returncode == 0, res.stderr
    sol = json.loads(out.read_text())
    assert sol["status"] in ("heuristic", "optimal") and "cpsat skipped" in sol["notes"][0]
