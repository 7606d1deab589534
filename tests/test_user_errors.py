"""Inputs a user can type end in one line on stderr and exit 2, never a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nnopt.cli.main import main


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return exc.value.code, capsys.readouterr().err


@pytest.mark.parametrize("option", [
    ("--seed", "-1"), ("--seed", "18446744073709551616"), ("--seed", "2147483648"),
    ("--time-limit", "inf"), ("--time-limit", "1e300"), ("--time-limit", "nan"), ("--time-limit", "0"),
])
def test_bad_seed_or_time_limit_is_one_line(capsys, repo, option):
    code, err = run(capsys, "solve", str(repo / "examples" / "cl_07_040_01.json"), *option, "--quiet")
    assert code == 2 and len(err.strip().splitlines()) == 1 and option[0] in err


def test_special_file_is_refused(capsys):
    code, err = run(capsys, "solve", "/dev/zero")
    assert code == 2 and "not a regular file" in err


def test_duplicate_json_key_is_refused_by_name(capsys, tmp_path):
    f = tmp_path / "dup.json"
    f.write_text('{"bin": {"width": 5, "height": 5}, "bin": {"width": 6, "height": 6}, '
                 '"items": [{"width": 1, "height": 1}]}')
    code, err = run(capsys, "solve", str(f))
    assert code == 2 and "duplicate key 'bin'" in err and len(err.strip().splitlines()) == 1


def test_bench_seed_is_checked(capsys, repo, tmp_path):
    code, err = run(capsys, "bench", str(repo / "examples" / "cl_07_040_01.json"), "--seed", "-1",
                    "--out", str(tmp_path / "r.csv"))
    assert code == 2 and "--seed" in err


@pytest.mark.parametrize("args, fragment", [
    (["visualize", "--device", "tpu"], "unknown device 'tpu'"),
    (["visualize", "--l2", "nan"], "--l2"),
    (["visualize", "--lr", "inf"], "--lr"),
    (["distill", "--temperature", "inf"], "--temperature"),
    (["distill", "--seed", "-1"], "--seed"),
])
def test_substrate_options_are_checked(capsys, args, fragment):
    code, err = run(capsys, *args)
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("selector", ["-1", "abc"])
def test_bad_2bp_selector_is_named(capsys, tmp_path, selector):
    f = tmp_path / "c.2bp"
    f.write_text("1\n2\n1 1\n10 10\n2 2\n3 3\n")
    code, err = run(capsys, "solve", f"{f}:{selector}")
    assert code == 2 and "instance index" in err and "no such file" not in err


def test_2bp_count_line_must_match_its_items(capsys, tmp_path):
    f = tmp_path / "c.2bp"
    f.write_text("1\n2\n1 1\n10 10\n2 2\n3 3\n4 4\n")
    code, err = run(capsys, "solve", str(f))
    assert code == 2 and "more items than its count line says (2)" in err


def test_long_name_is_refused(capsys, tmp_path):
    f = tmp_path / "long.json"
    f.write_text('{"name": "' + "x" * 100_000 + '", "bin": {"width": 5, "height": 5}, '
                 '"items": [{"width": 1, "height": 1}]}')
    code, err = run(capsys, "solve", str(f))
    assert code == 2 and "above the limit of 256" in err and len(err) < 400


def test_out_equal_to_the_instance_is_refused(capsys, tmp_path, repo):
    f = tmp_path / "x.json"
    f.write_text((repo / "examples" / "cl_07_040_01.json").read_text())
    before = f.read_text()
    code, err = run(capsys, "solve", str(f), "--out", str(tmp_path / "." / "x.json"))
    assert code == 2 and "input file" in err and f.read_text() == before


def test_symlinked_out_is_written_through(capsys, tmp_path, repo):
    real, link = tmp_path / "real.json", tmp_path / "link.json"
    real.write_text("old")
    link.symlink_to(real)
    res = subprocess.run([str(Path(sys.executable).parent / "nnopt"), "solve",
                          str(repo / "examples" / "cl_07_040_01.json"), "--time-limit", "1", "--out", str(link),
                          "--quiet"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert link.is_symlink() and '"bins"' in real.read_text()


def test_truncated_idx_header_is_one_line(tmp_path):
    from nnopt.substrate.datasets import DatasetError, read_idx

    f = tmp_path / "t.idx"
    f.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(DatasetError, match="cut short"):
        read_idx(f)


def test_debug_keeps_exit_2_and_shows_the_traceback(capsys):
    code, err = run(capsys, "solve", "/dev/zero", "--debug")
    assert code == 2 and "Traceback" in err and "not a regular file" in err


def test_bench_out_equal_to_an_input_is_refused(capsys, tmp_path, repo):
    ref = tmp_path / "ref.csv"
    ref.write_text("name,best_known\ncl_07_040_01,10\n")
    before = ref.read_text()
    code, err = run(capsys, "bench", str(repo / "examples" / "cl_07_040_01.json"), "--reference", str(ref),
                    "--out", str(ref), "--overwrite")
    assert code == 2 and "input file" in err and ref.read_text() == before
