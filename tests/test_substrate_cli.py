"""``nnopt visualize`` and ``nnopt distill`` through the real console script, offline on digits."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nnopt.substrate.datasets import load_dataset
from nnopt.substrate.distill import DistillSettings, distill

NNOPT = Path(sys.executable).parent / "nnopt"
REQUIRED = ("teacher_accuracy", "student_accuracy_hard", "student_accuracy_kd", "class_mean_accuracy",
            "random_real_accuracy", "noise_kd_accuracy", "per_class")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_visualize_writes_a_png_grid_and_json(tmp_path):
    out = tmp_path / "grid.png"
    proc = run("visualize", "--model", "softmax", "--epochs", "10", "--l2", "0.05", "--no-clamp", "--steps", "300",
               "--out", str(out), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(res["classes"]) == 10
    assert all(r["cosine_to_weights"] > 0.99 for r in res["classes"])
    assert all(r["logprob_cosine_to_w_minus_weighted_mean"] > 0.99 for r in res["classes"])
    assert {"predicted", "probability", "cosine_to_class_mean"} <= set(res["classes"][0])


def test_distill_json_has_every_number_and_the_controls(tmp_path):
    plot = tmp_path / "viz.png"
    proc = run("distill", "--model", "softmax", "--epochs", "10", "--k", "2", "--student-steps", "100",
               "--steps", "100", "--plot", str(plot), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    for key in REQUIRED:
        assert key in rep
    assert len(rep["per_class"]) == 10 and rep["images_per_student"] == 20
    assert rep["teacher_accuracy"] > 0.85
    assert plot.is_file()


@pytest.mark.parametrize("args, message", [
    (("distill", "--k", "0"), "--k"),
    (("distill", "--model", "resnet"), "--model"),
    (("visualize", "--dataset", "mnist"), "--data-dir"),
    (("visualize", "--out", "grid.txt"), ".png"),
    (("distill", "--plot", "no/such/dir/x.png"), "does not exist"),
    (("distill", "--tv", "-1"), "--tv"),
    (("distill", "--kd-student", "cnn-huge"), "--kd-student"),
    (("distill", "--kd-fixed", "--kd-shift", "2"), "--kd-online"),
    (("distill", "--kd-shift", "-1"), "--kd-shift"),
])
def test_bad_options_exit_2_with_one_line(tmp_path, args, message):
    proc = run(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_distill_library_run_is_seeded_and_beats_chance():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        data = load_dataset("digits")
        s = DistillSettings(teacher="softmax", k=1, teacher_epochs=10, student_steps=100, viz_steps=100)
        a, b = distill(data, s).report, distill(data, s).report
    finally:
        torch.set_num_threads(before)
    for key in REQUIRED[:-1]:
        assert a[key] == b[key]
    assert a["teacher_accuracy"] > 0.85 and a["student_accuracy_hard"] > 0.3
    assert a["visualisation_hits"] == 1.0


def test_distill_bn_recipe_flags_reach_the_run(tmp_path):
    proc = run("distill", "--model", "cnn-bn", "--epochs", "2", "--k", "1", "--student-steps", "5", "--steps", "3",
               "--kd-steps", "5", "--mix", "0", "--bn", "100", "--bn-per-image", "--tv", "0.05",
               "--kd-student", "cnn-tiny", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    for key in REQUIRED:
        assert key in rep
    st = rep["settings"]
    assert st["bn"] == 100 and st["bn_per_image"] is True and st["tv"] == 0.05 and st["kd_student"] == "cnn-tiny"
    assert rep["compression"] >= 10


def test_distill_defaults_follow_the_teacher_and_are_reported(tmp_path):
    """No recipe flag: the mlp teacher's table entry (own-architecture student, recorded feature statistics)."""
    from nnopt.substrate.distill_defaults import TEACHER_DEFAULTS

    proc = run("distill", "--model", "mlp", "--epochs", "2", "--k", "1", "--student-steps", "5", "--steps", "3",
               "--kd-steps", "5", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    for key in REQUIRED:
        assert key in rep
    st = rep["settings"]
    assert st["student"] == "mlp" and st["kd_student"] is None and st["teacher"] == "mlp"
    for key, value in TEACHER_DEFAULTS["mlp"].items():
        if key != "kd_steps":  # given on the command line above
            assert st[key] == value, key
    assert st["kd_steps"] == 5 and st["viz_steps"] == 3
    assert "validation" in rep["settings_chosen_on"]
    assert rep["student_parameters"] == rep["teacher_parameters"]  # dataset compression: the teacher's own shape
