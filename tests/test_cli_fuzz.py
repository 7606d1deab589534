"""`nnopt solve` and `nnopt check` on fuzzed options and files: exit 2 and one line, or a
verified solution — never a traceback, never another exit code.

Runs the command in-process (``main``) so that a few hundred cases take seconds; the
process-ending ``quick_exit`` is replaced by ``SystemExit``.
"""
from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnopt.cli.main as cli_main
from nnopt._solve import load_instance

ints = st.one_of(st.integers(-3, 12), st.sampled_from([0, 2**31 - 1, 2**31, 2**63, 2**64, -(2**40)]))
size = st.one_of(ints, st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([True, None, "3", [], {}]))
item = st.fixed_dictionaries({"width": size, "height": size},
                             optional={"count": size, "colour": st.just("red")})
instance = st.fixed_dictionaries(
    {"bin": st.one_of(st.fixed_dictionaries({"width": size, "height": size}), size),
     "items": st.one_of(st.lists(item, max_size=6), size)},
    optional={"name": st.one_of(st.text(max_size=5), st.just("n" * 300), ints),
              "allow_rotation": st.one_of(st.booleans(), ints), "problem": st.sampled_from(["binpack2d", "tsp", 3])})
two_bp = st.lists(st.one_of(ints.map(str), st.sampled_from(["1 PROBLEM CLASS", "", "x", "2 3", "10 10"])),
                  max_size=12).map("\n".join)
side = st.integers(1, 12)
valid = st.builds(lambda W, H, items, rot: json.dumps(
    {"bin": {"width": W, "height": H}, "allow_rotation": rot,
     "items": [{"width": min(w, W), "height": min(h, H), "count": c} for w, h, c in items]}),
    side, side, st.lists(st.tuples(side, side, st.integers(1, 4)), min_size=1, max_size=8), st.booleans())
valid_2bp = st.builds(lambda items: "\n".join(["1 PROBLEM CLASS", str(len(items)), "1 1", "10 10"]
                                               + [f"{h} {w}" for w, h in items]),
                      st.lists(st.tuples(st.integers(1, 10), st.integers(1, 10)), min_size=1, max_size=8))
file_text = st.one_of(valid, valid, valid_2bp, instance.map(json.dumps), two_bp, st.text(max_size=40),
                      st.sampled_from(['{"bin": {"width": 5, "height": 5}, "bin": 1, "items": []}', "[]", "null"]))
number = st.one_of(st.sampled_from(["inf", "-inf", "nan", "1e300", "0", "-1", "abc", "1e-9", "0.05"]),
                   st.floats(0.01, 0.2).map(str))
good_options = st.lists(st.one_of(
    st.tuples(st.just("--seed"), st.integers(0, 2**31 - 1).map(str)),
    st.tuples(st.just("--max-evals"), st.integers(1, 40).map(str)),
    st.tuples(st.just("--method"), st.sampled_from(["best-heuristic", "random-keys", "cem", "local-search",
                                                    "skyline-bl-area"])),
), max_size=3)
any_options = st.lists(st.one_of(
    st.tuples(st.just("--seed"), ints.map(str)),
    st.tuples(st.just("--time-limit"), number),
    st.tuples(st.just("--max-evals"), st.sampled_from(["-5", "0", "30", "x", str(2**70)])),
    st.tuples(st.just("--method"), st.sampled_from(["best-heuristic", "random-keys", "cem", "local-search",
                                                    "christofides", "nope"])),
    st.tuples(st.just("--device"), st.sampled_from(["cpu", "tpu"])),
), max_size=3)
options = st.one_of(good_options, good_options, any_options)


def invoke(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            cli_main.main(args)
            code = 0
        except SystemExit as exc:
            code = 0 if exc.code is None else exc.code
    return code, err.getvalue()


@pytest.fixture
def no_quick_exit(monkeypatch):
    def leave(code: int = 0) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(cli_main, "quick_exit", leave)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=file_text, suffix=st.sampled_from([".json", ".json", ".2bp", ".2bp:0", ".2bp:1", ".2bp:-1"]), opts=options)
def test_solve_on_fuzzed_input_is_one_line_or_verified(no_quick_exit, text, suffix, opts):
    with tempfile.TemporaryDirectory() as tmp:
        real = Path(tmp) / ("inst" + suffix.split(":")[0])
        real.write_text(text)
        ref = str(real) + (":" + suffix.split(":")[1] if ":" in suffix else "")
        out = Path(tmp) / "sol.json"
        flat = [v for pair in opts for v in pair]
        if "--time-limit" not in flat and "--max-evals" not in flat:
            flat += ["--max-evals", "20"]
        code, err = invoke(["solve", ref, *flat, "--out", str(out), "--quiet"])
        assert "Traceback" not in err
        if code == 0:
            prob, inst = load_instance(ref)
            data = json.loads(out.read_text())
            assert prob.check(inst, prob.solution_from_json(inst, data)) == []
        else:
            assert code == 2, err
            assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
