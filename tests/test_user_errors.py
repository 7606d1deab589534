"""Issue 16: inputs a user can type end in one line on stderr and exit 2, never a traceback."""
from __future__ import annotations

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
