"""The substrate benchmark scripts: one section of results/substrate.md each, rendered from rows, prose kept apart."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = ("substrate_defaults", "substrate_compression", "substrate_kd", "substrate_bn", "substrate_softmax")


def _script(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", BENCHMARKS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _replaced_in_place_keeping_the_prose(tmp_path: Path, sb, text: str) -> None:  # type: ignore[no-untyped-def]
    """A rerun replaces the section between its markers, once, and leaves the hand-written text around it."""
    begin, end = sb.markers(sb.NAME)
    md = tmp_path / "substrate.md"
    md.write_text(f"# head\n\n{begin}\nold numbers\n{end}\n\n### Reading (hand-written)\n\nprose\n")
    for _ in range(2):
        sb.put_section(md, sb.NAME, text)
    out = md.read_text()
    assert out.count(begin) == 1 and "old numbers" not in out and text.rstrip() in out
    assert out.startswith(f"# head\n\n{begin}") and out.endswith(f"{end}\n\n### Reading (hand-written)\n\nprose\n")


@pytest.mark.parametrize("name", SCRIPTS)
def test_committed_sections_are_what_the_scripts_render_from_the_committed_json(name, tmp_path):
    """No number in results/substrate.md is edited by hand, and no commentary lives in the scripts."""
    sb = _script(name)
    results = BENCHMARKS / "results"
    md = tmp_path / "substrate.md"
    committed = (results / "substrate.md").read_text()
    md.write_text(committed)
    stored = {"substrate_defaults": "substrate_defaults.json", "substrate_compression": "substrate.json",
              "substrate_kd": "substrate_kd.json", "substrate_bn": "substrate_bn.json",
              "substrate_softmax": "substrate_softmax.json"}[name]
    s = json.loads((results / stored).read_text())
    if name == "substrate_compression":
        text = sb.section(s["runs"], s["ablation"], s["softmax_check"], s["meta"], s["filter_init"], s["bn_prior"],
                          s.get("class_context"))
    elif name in ("substrate_kd", "substrate_bn"):
        text = sb.section(s["rows"], s["real_data_ceiling"], s["meta"])
    else:
        text = sb.section(s["rows"], s["meta"])
    sb.put_section(md, sb.NAME, text)
    assert md.read_text() == committed
    assert "hand-written" not in text


def test_bn_section_checks_the_targets_and_replaces_only_its_markers(tmp_path):
    sb = _script("substrate_bn")
    rows = []
    for seed in (0, 1):
        for k, bn, tiny in ((1, 100.0, 0.20), (10, 100.0, 0.96), (10, 0.0, 0.30)):
            rows.append({"k": k, "bn": bn, "seed": seed, "teacher_accuracy": 0.97, "student_accuracy_hard": 0.85,
                         "student_accuracy_kd": 0.5, "class_mean_accuracy": 0.8, "random_real_accuracy": 0.7,
                         "noise_kd_accuracy": 0.1, "tiny_kd": tiny, "tiny_noise_kd": 0.1, "tiny_parameters": 838,
                         "teacher_parameters": 10026, "student_parameters": 7850})
    ceiling = [{"seed": 0, "student": "cnn-tiny", "accuracy": 0.93, "parameters": 838}]
    meta = {"seeds": [0, 1], "seconds": 60.0, "load_average_at_start": 1.0, "settings": sb.SETTINGS}
    text = sb.section(rows, ceiling, meta)
    begin, end = sb.markers(sb.NAME)
    assert text.startswith(begin) and text.rstrip().endswith(end)
    assert "- K = 10: (a) hard-label viz beats class mean by 0.050 (met)" in text
    assert "cnn-tiny KD 99.0 % of the teacher (met)" in text  # 0.96 / 0.97
    assert "cnn-tiny KD 20.6 % of the teacher (short by 77.4 points)" in text
    assert "11.96x fewer" in text and "- K = 0" not in text
    _replaced_in_place_keeping_the_prose(tmp_path, sb, text)


def test_softmax_section_checks_the_targets_and_is_replaced_in_place(tmp_path):
    sb = _script("substrate_softmax")
    rows = [{"seed": seed, "k": k, "teacher_accuracy": 0.90, "student_accuracy_hard": hard,
             "student_accuracy_kd": kd, "class_mean_accuracy": 0.75, "random_real_accuracy": 0.5,
             "noise_kd_accuracy": 0.2}
            for seed in (0, 1) for k, hard, kd in ((1, 0.80, 0.882), (10, 0.70, 0.855))]
    text = sb.section(rows, {"seeds": [0, 1], "seconds": 9.0, "load_average_at_start": 1.0})
    begin, end = sb.markers(sb.NAME)
    assert text.startswith(begin) and text.endswith(end)
    assert "- defaults, K = 1: hard-label visualisation students beat class means by 0.050 (2 of 2 seeds)" in text
    assert "KD reaches 98.0 % of the teacher (target 98 %: met)" in text
    assert "- defaults, K = 10: hard-label visualisation students lose to class means by 0.050 (0 of 2 seeds)" in text
    assert "KD reaches 95.0 % of the teacher (target 98 %: short by 3.0 points)" in text
    _replaced_in_place_keeping_the_prose(tmp_path, sb, text)


def _bench_row(teacher, k, seed, variant, kd, hard=0.85, noise=0.2):
    return {"teacher": teacher, "k": k, "seed": seed, "variant": variant, "teacher_accuracy": 0.9,
            "student_accuracy_hard": hard, "student_accuracy_kd": kd, "class_mean_accuracy": 0.8,
            "random_real_accuracy": 0.7, "noise_kd_accuracy": noise, "teacher_parameters": 10,
            "student_parameters": 10, "visualisation_hits": 1.0, "seconds": 1.0}


def test_defaults_section_checks_every_target_and_merges_split_runs(tmp_path):
    import json

    sb = _script("substrate_defaults")
    meta = {"seeds": [0], "one_seed_ks": [1], "threads": 1, "teacher_epochs": 10, "load_average_at_start": 1.0,
            "seconds": 5.0}
    a = [_bench_row("mlp", 10, 0, "defaults", 0.882), _bench_row("mlp", 1, 0, "defaults", 0.5),
         _bench_row("mlp", 10, 0, "no feature statistics", 0.8),
         _bench_row("cnn-bn", 10, 0, "defaults", 0.88, hard=0.7, noise=0.7)]
    b = [_bench_row("mlp", 10, 1, "defaults", 0.873), _bench_row("cnn-bn", 10, 1, "defaults", 0.88, hard=0.7)]
    (tmp_path / "a.json").write_text(json.dumps({"meta": meta, "rows": a}))
    (tmp_path / "b.json").write_text(json.dumps({"meta": {**meta, "seeds": [1], "one_seed_ks": []}, "rows": b}))
    rows, merged = sb.merge([tmp_path / "a.json", tmp_path / "b.json"], tmp_path / "substrate_defaults.json")
    assert len(rows) == 6 and merged["seeds"] == [0, 1] and merged["seconds"] == 10.0
    text = sb.section(rows, merged)
    assert text.startswith(sb.BEGIN) and text.rstrip().endswith(sb.END)
    # mlp K = 10 over two seeds: (0.882 + 0.873) / 2 / 0.9 = 97.5 %; noise gap +0.678; hard gap +0.05
    assert "- **mlp**, K = 10 (2 seeds): KD 97.5 % of the teacher (≥ 95 %: met; 98 %: missed)" in text
    assert "all three met" in text.split("**mlp**")[1].splitlines()[0]
    cnn = text.split("- **cnn-bn**")[1].splitlines()[0]
    assert "(2 seeds)" in cnn and "0 of 2 seeds above" in cnn and "not all met" in cnn
    assert "| mlp | no feature statistics | 0.850 | 0.800 |" in text
    _replaced_in_place_keeping_the_prose(tmp_path, sb, text)
