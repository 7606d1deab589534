"""Outputs never destroy what is there and never lose the solution.

A device or a FIFO named as an output is written into, never replaced by a
regular file; two options naming one file are refused before any work; the
solution is written first and on its own, so a trace or a picture that cannot
be written (a full disk, a folder without write access) costs only itself;
standard output on a full disk is one line and exit 2, not a traceback.
"""
from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

NNOPT = Path(sys.executable).parent / "nnopt"
FAST = ("--max-evals", "30")

needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="copies of device nodes need mknod (root)")


def nnopt(*args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120)


def one_line(res: subprocess.CompletedProcess) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    return lines[0]


def device_copy(folder: Path, name: str, minor: int) -> Path:
    """A character device like /dev/null (minor 3) or /dev/full (minor 7), made in ``folder``."""
    path = folder / name
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    return path


def is_char_device(path: Path) -> bool:
    return stat.S_ISCHR(os.stat(path).st_mode)


# ----------------------------------------------------------------------------- special targets

@needs_root
@pytest.mark.parametrize("option", ["--out", "--trace"])
def test_a_copy_of_dev_null_stays_a_device(tmp_path, example_path, option):
    null = device_copy(tmp_path, "null", 3)
    res = nnopt("solve", str(example_path), *FAST, option, str(null), "--quiet")
    assert res.returncode == 0, res.stderr
    assert is_char_device(null)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]  # no temporary file left beside it


@needs_root
def test_a_copy_of_dev_full_stays_a_device_and_the_failure_is_one_line(tmp_path, example_path):
    full = device_copy(tmp_path, "full", 7)
    res = nnopt("solve", str(example_path), *FAST, "--out", str(full), "--quiet")
    assert res.returncode == 2 and "No space left" in one_line(res)
    assert is_char_device(full)


def test_a_fifo_with_a_reader_receives_the_solution(tmp_path, example_path):
    fifo = tmp_path / "sol.pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    res = nnopt("solve", str(example_path), *FAST, "--out", str(fifo), "--quiet")
    reader.join(timeout=60)
    assert res.returncode == 0, res.stderr
    assert json.loads(received[0])["problem"] == "binpack2d"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_fifo_nobody_reads_is_one_line_not_a_hang(tmp_path, example_path):
    fifo = tmp_path / "sol.pipe"
    os.mkfifo(fifo)
    res = nnopt("solve", str(example_path), *FAST, "--out", str(fifo), "--quiet")
    assert res.returncode == 2 and "sol.pipe" in one_line(res)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_socket_is_not_replaced(tmp_path, example_path):
    path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    try:
        res = nnopt("solve", str(example_path), *FAST, "--out", str(path), "--quiet")
        assert res.returncode == 2 and "socket" in one_line(res)
        assert stat.S_ISSOCK(os.stat(path).st_mode)
    finally:
        sock.close()


# ----------------------------------------------------------------------------- collisions

@pytest.mark.parametrize("first, second, how", [
    ("--out", "--plot", "same"), ("--out", "--trace", "dotted"), ("--trace", "--plot", "symlink"),
    ("--out", "--trace", "hardlink"),
])
def test_two_options_naming_one_file_are_refused_before_any_work(tmp_path, example_path, first, second, how):
    target = tmp_path / "result.svg"
    target.write_text("kept")
    other = {"same": target, "dotted": tmp_path / "." / "result.svg", "symlink": tmp_path / "link.svg",
             "hardlink": tmp_path / "hard.svg"}[how]
    if how == "symlink":
        other.symlink_to(target)
    elif how == "hardlink":
        os.link(target, other)
    res = nnopt("solve", str(example_path), "--time-limit", "30", first, str(target), second, str(other))
    line = one_line(res)
    assert res.returncode == 2 and first in line and second in line and "same file" in line
    assert target.read_text() == "kept"


@needs_root
def test_a_device_may_take_several_outputs(tmp_path, example_path):
    null = device_copy(tmp_path, "null", 3)  # a copy: a regression must not replace the machine's /dev/null
    res = nnopt("solve", str(example_path), *FAST, "--out", str(null), "--trace", str(null), "--quiet")
    assert res.returncode == 0, res.stderr
    assert is_char_device(null)


# ----------------------------------------------------------------------------- failures keep the solution

@needs_root
def test_a_trace_that_cannot_be_written_keeps_the_solution(tmp_path, example_path):
    full = device_copy(tmp_path, "full.csv", 7)
    sol = tmp_path / "sol.json"
    res = nnopt("solve", str(example_path), *FAST, "--out", str(sol), "--trace", str(full), "--quiet")
    line = one_line(res)
    assert res.returncode == 2 and "full.csv" in line and "No space left" in line
    assert json.loads(sol.read_text())["problem"] == "binpack2d"


@needs_root
def test_a_picture_on_a_full_disk_keeps_the_solution(tmp_path, example_path):
    full = device_copy(tmp_path, "full.png", 7)
    sol = tmp_path / "sol.json"
    res = nnopt("solve", str(example_path), *FAST, "--out", str(sol), "--plot", str(full), "--quiet")
    assert res.returncode == 2 and "full.png" in one_line(res)
    assert json.loads(sol.read_text())["problem"] == "binpack2d"


def _unwritable_folder() -> Path | None:
    """A folder no one may create files in, root included (sysfs), or None on this system."""
    probe = Path("/sys")
    try:
        (probe / "nnopt-probe").touch()
    except OSError:
        return probe
    return None


def test_a_picture_in_an_unwritable_folder_is_one_line_and_keeps_the_solution(tmp_path, example_path):
    folder = _unwritable_folder() if os.geteuid() == 0 else tmp_path / "ro"
    if folder is None:
        pytest.skip("no folder here refuses writes")
    if folder == tmp_path / "ro":
        folder.mkdir()
        folder.chmod(0o555)
    sol = tmp_path / "sol.json"
    res = nnopt("solve", str(example_path), *FAST, "--out", str(sol), "--plot", str(folder / "p.png"), "--quiet")
    line = one_line(res)
    assert res.returncode == 2 and "p.png" in line
    assert json.loads(sol.read_text())["problem"] == "binpack2d"


@pytest.mark.parametrize("args", [("solve", "{example}", *FAST), ("generate", "binpack2d"), ("problems",)])
def test_standard_output_on_a_full_disk_is_one_line_and_exit_2(example_path, args):
    with open("/dev/full", "w") as full:
        res = nnopt(*[a.format(example=example_path) for a in args], stdout=full)
    assert res.returncode == 2 and "standard output" in one_line(res)
