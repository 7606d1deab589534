"""Hostile or mis-written inputs end in one line on stderr naming what is wrong, never a hang or a traceback.

Every format goes through one guarded reader (a regular file, a size cap), so
the ``.2bp`` and TSPLIB paths refuse FIFOs and devices as JSON does; number
tokens are read by a strict pattern; names must be text that can be written
out; echoed values are cut short.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnopt.cli.main import main

NNOPT = Path(sys.executable).parent / "nnopt"

TSPLIB = ("NAME: {name}\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
          "1 {x} 0\n2 10 0\n3 0 10\nEOF\n")


@pytest.fixture(autouse=True)
def no_quick_exit(monkeypatch):
    """A command that wrongly succeeds must fail its test, not end the test process (``quick_exit``)."""
    import nnopt.cli.main as cli_main

    def leave(code: int = 0) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(cli_main, "quick_exit", leave)


def run(capsys, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return exc.value.code, capsys.readouterr().err


def solved(instance: Path, out: Path) -> None:
    """A real solve through the console script (in-process, a successful command ends the process)."""
    res = subprocess.run([str(NNOPT), "solve", str(instance), "--max-evals", "20", "--out", str(out), "--quiet"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# ----------------------------------------------------------------------------- special files

@pytest.mark.parametrize("suffix", [".2bp", ".tsp", ".json"])
def test_a_fifo_of_any_format_is_refused_at_once(tmp_path, suffix):
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    res = subprocess.run([str(NNOPT), "solve", str(fifo), "--time-limit", "1"], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 2 and "not a regular file" in one_line(res.stderr)


def _memory_capped() -> None:
    """In the child: at most 3 GiB of address space, so a reader that never stops fails instead of
    exhausting the machine."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))


@pytest.mark.parametrize("suffix", [".2bp", ".tsp"])
def test_a_text_format_linked_to_dev_zero_is_refused(tmp_path, suffix):
    link = tmp_path / f"zero{suffix}"
    link.symlink_to("/dev/zero")
    res = subprocess.run([str(NNOPT), "solve", str(link), "--time-limit", "1"], capture_output=True, text=True,
                         timeout=60, preexec_fn=_memory_capped)
    assert res.returncode == 2 and "not a regular file" in one_line(res.stderr)


def test_a_bench_of_a_2bp_fifo_is_refused(tmp_path):
    fifo = tmp_path / "pipe.2bp"
    os.mkfifo(fifo)
    res = subprocess.run([str(NNOPT), "bench", str(fifo), "--time-limit", "1", "--out", str(tmp_path / "r.csv")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "not a regular file" in res.stderr


def test_a_long_tsplib_name_is_refused_by_the_name_limit(capsys, tmp_path):
    path = tmp_path / "long.tsp"
    path.write_text(TSPLIB.format(name="a" * 100_000, x=0))
    code, err = run(capsys, "solve", str(path), "--time-limit", "1")
    assert code == 2 and "NAME has 100000 characters" in one_line(err)


# ----------------------------------------------------------------------------- names

@pytest.mark.parametrize("problem", ["binpack2d", "tsp"])
@pytest.mark.parametrize("name", ["", "\ud800"])
def test_an_empty_or_unencodable_name_is_refused_naming_the_field(capsys, tmp_path, problem, name):
    data = ({"problem": "tsp", "coords": [[0, 0], [1, 0], [0, 1]]} if problem == "tsp" else
            {"problem": "binpack2d", "bin": {"width": 3, "height": 3}, "items": [{"width": 1, "height": 1}]})
    path = tmp_path / "inst.json"
    path.write_text(json.dumps({**data, "name": name}))
    for args in (["solve", str(path), "--max-evals", "5", "--out", str(tmp_path / "sol.json")],
                 ["check", str(path), str(path)]):
        code, err = run(capsys, *args)
        assert code == 2 and "field 'name'" in one_line(err)
    assert not (tmp_path / "sol.json").exists()


def test_an_empty_tsplib_name_is_refused(capsys, tmp_path):
    path = tmp_path / "blank.tsp"
    path.write_text(TSPLIB.format(name="", x=0))
    code, err = run(capsys, "solve", str(path), "--max-evals", "5")
    assert code == 2 and "NAME is empty" in one_line(err)


# ----------------------------------------------------------------------------- numbers

def test_an_integer_over_python_s_digit_limit_in_json_is_one_line(capsys, tmp_path):
    path = tmp_path / "huge.json"
    path.write_text('{"bin": {"width": 1' + "0" * 5000 + ', "height": 3}, "items": [{"width": 1, "height": 1}]}')
    code, err = run(capsys, "solve", str(path), "--max-evals", "5")
    assert code == 2 and "digits" in one_line(err) and len(err) < 200


def test_a_claimed_objective_beyond_floats_is_reported_not_raised(capsys, tmp_path, example_path):
    sol = tmp_path / "sol.json"
    solved(example_path, sol)
    data = json.loads(sol.read_text())
    data["objective"] = 10**400
    sol.write_text(json.dumps(data))
    code, err = run(capsys, "check", str(example_path), str(sol))
    assert code == 1 and "claims objective" in err and "Traceback" not in err
    assert max(map(len, err.splitlines())) < 200


@pytest.mark.parametrize("token", ["1" * 5000, "\x00\x01\x7fzz" * 2000])
def test_a_2bp_token_is_echoed_short_and_escaped(capsys, tmp_path, token):
    path = tmp_path / "bad.2bp"
    path.write_bytes(f"1\n1\n1 1\n10 10\n{token} 3\n".encode("latin-1"))
    code, err = run(capsys, "solve", str(path), "--max-evals", "5")
    line = one_line(err)
    assert code == 2 and "line 5" in line and len(line) < 200
    assert line.isprintable()


@pytest.mark.parametrize("selector", ["²", "١", "9" * 5000])
def test_a_2bp_index_of_unicode_digits_or_thousands_of_digits_is_one_line(capsys, tmp_path, classic, selector):
    path = tmp_path / "Class_05.2bp"
    path.write_bytes((classic / "original" / "Class_05.2bp").read_bytes())
    code, err = run(capsys, "solve", f"{path}:{selector}", "--max-evals", "5")
    assert code == 2 and "instance index" in one_line(err) and len(err) < 300


@pytest.mark.parametrize("x", ["1_000", "٣", "0x10", "1e5e5"])
def test_tsplib_numbers_are_plain_decimals(capsys, tmp_path, x):
    path = tmp_path / "odd.tsp"
    path.write_text(TSPLIB.format(name="odd", x=x))
    code, err = run(capsys, "solve", str(path), "--max-evals", "5")
    assert code == 2 and "line 6" in one_line(err)


def test_tsplib_dimension_with_an_underscore_is_refused(capsys, tmp_path):
    path = tmp_path / "dim.tsp"
    path.write_text(TSPLIB.format(name="dim", x=0).replace("DIMENSION: 3", "DIMENSION: 0_3"))
    code, err = run(capsys, "solve", str(path), "--max-evals", "5")
    assert code == 2 and "DIMENSION" in one_line(err)


def test_a_tsplib_key_without_its_colon_is_named(capsys, tmp_path):
    path = tmp_path / "colon.tsp"
    path.write_text(TSPLIB.format(name="colon", x=0).replace("TYPE: TSP", "TYPE TSP"))
    code, err = run(capsys, "solve", str(path), "--max-evals", "5")
    assert code == 2 and "lacks the ':'" in one_line(err) and "line 2" in err


def test_coordinates_too_close_to_measure_are_refused(capsys, tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps({"problem": "tsp", "name": "tiny", "coords": [[0, 0], [1e-300, 0], [0, 1e-300]]}))
    code, err = run(capsys, "solve", str(path), "--max-evals", "5")
    assert code == 2 and "underflow" in one_line(err)


def test_tiny_but_measurable_coordinates_still_load(tmp_path):
    import nnopt

    path = tmp_path / "small.json"
    path.write_text(json.dumps({"problem": "tsp", "name": "small", "coords": [[0, 0], [1e-50, 0], [0, 1e-50]]}))
    res = nnopt.solve(str(path), max_evals=20)
    assert res.objective > 0


# ----------------------------------------------------------------------------- messages

def test_check_names_the_solution_when_its_problem_differs(capsys, tmp_path, example_path):
    sol = tmp_path / "sol.json"
    solved(example_path, sol)
    data = json.loads(sol.read_text())
    for problem, words in (("tsp", "the solution is for problem 'tsp'"), ("nosuch", "unknown problem 'nosuch'")):
        other = tmp_path / f"{problem}.json"
        other.write_text(json.dumps({**data, "problem": problem}))
        code, err = run(capsys, "check", str(example_path), str(other))
        line = one_line(err)
        assert code == 2 and str(other) in line and words in line and "allow_rotation" not in line


def test_generate_names_an_unknown_parameter_and_the_known_ones(capsys):
    code, err = run(capsys, "generate", "binpack2d", "--param", "bogus=1")
    line = one_line(err)
    assert code == 2 and "'bogus'" in line and "klass" in line and "unexpected keyword" not in line


def test_visualize_names_the_option_out_of_range(capsys):
    code, err = run(capsys, "visualize", "--scale", "5")
    assert code == 2 and one_line(err).startswith("error: --scale")


def test_distill_refuses_a_k_beyond_the_machine_s_memory(capsys):
    code, err = run(capsys, "distill", "--k", "100000")
    assert code == 2 and "--k 100000" in one_line(err) and "GiB" in err


def test_pretrain_refuses_a_negative_seed(capsys, tmp_path):
    code, err = run(capsys, "pretrain", "binpack2d", "--seed", "-1", "--out", str(tmp_path / "w.pt"))
    assert code == 2 and "--seed" in one_line(err)


def test_generate_names_the_parameter_a_plugin_passes_on_unchecked(capsys):
    from nnopt.problems import register_problem, unregister_problem
    from nnopt.problems.tsp import TSP

    def draw(seed, n=5, kind="uniform"):
        return TSP().generate(seed, n=n, kind=kind)

    class PassesOn(TSP):
        name = "tsp_passes_on"
        generate_flags = {"kind": "uniform or clustered"}

        def generate(self, seed, **params):
            return draw(seed, **params)

    register_problem(PassesOn)
    try:
        code, err = run(capsys, "generate", "tsp_passes_on", "--param", "bogus=1")
    finally:
        unregister_problem("tsp_passes_on")
    line = one_line(err)
    assert code == 2 and "'bogus'" in line and "kind" in line and "unexpected keyword" not in line


def test_a_parameter_of_thousands_of_digits_is_one_line(capsys):
    code, err = run(capsys, "generate", "binpack2d", "--param", "n=" + "9" * 5000)
    assert code == 2 and "--param n" in one_line(err) and len(err) < 200
