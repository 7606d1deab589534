"""The batch-norm-teacher section of ``results/substrate.md``: a ``cnn-bn`` teacher with DeepInversion's BN prior.

    python benchmarks/substrate_bn.py [--seeds 3] [--out benchmarks/results/substrate]
    python benchmarks/substrate_bn.py --from-json    # re-render the section from OUT_bn.json (no runs)

mnist5k, ``cnn-bn`` teacher (10 epochs), K in (1, 10, 50) with the BN prior and a
no-prior row at K = 10: softmax students (hard labels, KD) with the first table's
controls, plus the ``cnn-tiny`` KD student (model compression) with its own noise
control, and each student's real-data ceiling. Writes ``OUT_bn.json``,
``OUT_bn.png`` (4 of K = 10 beside the class means) and the section between its
markers in ``OUT.md``; how the settings were chosen and the reading of the
committed run are hand-written in the markdown, below the section.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the shared helpers next to this script
from _substrate_md import DEFAULT_OUT, KEYS, NAMES, fmt, load_average, markers, put_section, short  # noqa: E402

NAME = "bn"
#: The recipe, chosen on the validation split (see the markdown): DeepInversion's BN prior at 100 per image,
#: total variation 0.05, the default KD recipe (mixing x4, 2,000 steps, T = 4).
SETTINGS = {"teacher": "cnn-bn", "teacher_epochs": 10, "bn": 100.0, "bn_per_image": True, "tv": 0.05}


def run(out: Path, seeds: range) -> None:
    """Every K and seed with the prior, K = 10 without it; then the section."""
    from nnopt.substrate.classifiers import accuracy, count_parameters, predict_logits
    from nnopt.substrate.datasets import load_dataset
    from nnopt.substrate.distill import DistillSettings, distill, kd_images, noise_images, train_student, train_teacher
    from nnopt.substrate.visualize import render_grid

    t0, load = time.perf_counter(), load_average()
    data = load_dataset("mnist5k")
    rows: list[dict] = []
    ceiling: list[dict] = []
    png = b""
    for seed in seeds:
        teacher = train_teacher(data, "cnn-bn", epochs=10, seed=seed)
        for kind in ("softmax", "cnn-tiny"):
            st = train_student(data, kind, data.x_train, y=data.y_train, steps=2000, seed=seed)
            ceiling.append({"seed": seed, "student": kind, "accuracy": accuracy(st, data.x_test, data.y_test),
                            "parameters": count_parameters(st)})
        for k, bn in ((1, SETTINGS["bn"]), (10, SETTINGS["bn"]), (50, SETTINGS["bn"]), (10, 0.0)):
            s = DistillSettings(k=k, seed=seed, **{**SETTINGS, "bn": bn})
            res = distill(data, s, teacher=teacher)
            r = res.report
            x_viz = res.visualisations.images.numpy()
            x_kd = kd_images(x_viz, s.mix, s.seed)
            x_noise = kd_images(noise_images(data, len(x_viz), s.seed), s.mix, s.seed)
            tiny = {}
            for name, x in (("viz", x_kd), ("noise", x_noise)):
                m = train_student(data, "cnn-tiny", x, soft=predict_logits(teacher, x), steps=s.kd_steps or 2000,
                                  seed=seed, temperature=s.temperature)
                tiny[name] = (accuracy(m, data.x_test, data.y_test), count_parameters(m))
            rows.append({"k": k, "bn": bn, "seed": seed, **{key: r[key] for key in KEYS},
                         "tiny_kd": tiny["viz"][0], "tiny_noise_kd": tiny["noise"][0],
                         "tiny_parameters": tiny["viz"][1], "teacher_parameters": r["teacher_parameters"],
                         "student_parameters": r["student_parameters"],
                         "visualisation_hits": r["visualisation_hits"],
                         "within_class_cosine": r["visualisation_within_class_cosine"]})
            print(f"bn={bn} K={k} seed={seed}: " + ", ".join(f"{n} {r[key]:.3f}" for n, key in zip(NAMES, KEYS))
                  + f", tiny KD {tiny['viz'][0]:.3f}, tiny noise KD {tiny['noise'][0]:.3f}", file=sys.stderr)
            if seed == seeds[0] and k == 10 and bn > 0:
                imgs = x_viz[:, 0].reshape(10, k, *data.image_shape[1:])
                cols = [(f"BN viz {j + 1}", imgs[:, j]) for j in range(4)] + [("class mean", data.class_means()[:, 0])]
                verdicts = [f"says {int(p)}" for p in res.visualisations.predicted.reshape(10, k)[:, 0]]
                png = render_grid(cols, verdicts=verdicts, row_names=[f"class {c}" for c in range(10)],
                                  title="cnn-bn teacher on mnist5k, BN prior 100/image + TV 0.05: 4 of K=10")
    meta = {"seconds": round(time.perf_counter() - t0, 1), "load_average_at_start": round(load, 2),
            "seeds": list(seeds), "threads": 1, "settings": SETTINGS}
    Path(str(out) + "_bn.json").write_text(json.dumps({"meta": meta, "rows": rows, "real_data_ceiling": ceiling},
                                                      indent=1) + "\n")
    if png:
        Path(str(out) + "_bn.png").write_bytes(png)
    put_section(out.with_suffix(".md"), NAME, section(rows, ceiling, meta))


def section(rows: list[dict], ceiling: list[dict], meta: dict) -> str:
    """The section's markdown (pure: rows and meta in, text out)."""
    begin, end = markers(NAME)
    bn_w = meta["settings"]["bn"]
    lines = [begin, "## Batch-norm teacher: mnist5k, `cnn-bn` teacher, DeepInversion's BN prior",
             "", "Generated by `python benchmarks/substrate_bn.py` (do not edit by hand). "
             f"Seeds {meta['seeds']}, mean ± sd; {meta['seconds']} s "
             f"({meta['seconds'] / 60:.1f} min) on one torch thread (load {meta['load_average_at_start']} at start). "
             "Teacher: `cnn-bn` (two 3x3 conv blocks with batch norm), 10 epochs on the 4,000 training images. "
             f"Visualisations: log-probability, BN statistics prior {bn_w:g} per image (`bn_per_image=True`), "
             "TV 0.05, L2 0.01, diversity 0.1, 200 steps, noise starts (`substrate_bn.png`: 4 of K = 10 beside the "
             "class means). Students as in the first table (softmax, 300 steps for hard labels and the "
             "class-mean / random-real controls); KD students: mixing x4, 2,000 steps, T = 4, and the noise-KD "
             "control gets the same recipe and student. *tiny KD*: the `cnn-tiny` student (4 + 4 channels), "
             "the model-compression line. Settings chosen on a validation split of the training images, "
             "not on this test split (below).", "",
             "| BN prior | K | teacher | viz hard | viz KD (softmax) | class mean | random real | noise KD (softmax) | "
             "tiny KD | tiny noise KD | softmax KD / teacher | tiny KD / teacher |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["bn"], r["k"]), []).append(r)
    for (bn, k), rs in groups.items():
        cells = [fmt([r[key] for r in rs]) for key in KEYS]
        sm = statistics.mean(r["student_accuracy_kd"] / r["teacher_accuracy"] for r in rs)
        ti = statistics.mean(r["tiny_kd"] / r["teacher_accuracy"] for r in rs)
        lines.append(f"| {bn:g} | {k} | " + " | ".join(cells) + f" | {fmt([r['tiny_kd'] for r in rs])} | "
                     f"{fmt([r['tiny_noise_kd'] for r in rs])} | {sm:.3f} | {ti:.3f} |")
    r0 = rows[0]
    lines += ["", f"Parameters: teacher {r0['teacher_parameters']}, softmax student {r0['student_parameters']} "
              f"({r0['teacher_parameters'] / r0['student_parameters']:.2f}x fewer: not a 10x compression), "
              f"`cnn-tiny` student {r0['tiny_parameters']} "
              f"({r0['teacher_parameters'] / r0['tiny_parameters']:.2f}x fewer).", "",
              "Real-data ceiling (same test split): the student trained with hard labels on all 4,000 real training "
              "images for 2,000 steps.", "", "| student | params | accuracy | / teacher |", "|---|---|---|---|"]
    teacher_mean = statistics.mean(r["teacher_accuracy"] for r in rows)
    for kind in dict.fromkeys(c["student"] for c in ceiling):
        cs = [c for c in ceiling if c["student"] == kind]
        accs = [c["accuracy"] for c in cs]
        lines.append(f"| {kind} | {cs[0]['parameters']} | {fmt(accs)} | {statistics.mean(accs) / teacher_mean:.3f} |")
    lines += ["", "### The targets, checked (BN-prior rows)", ""]
    for (bn, k), rs in groups.items():
        if bn == 0:
            continue
        m = {key: statistics.mean(r[key] for r in rs) for key in (*KEYS, "tiny_kd", "tiny_noise_kd")}
        checks = []
        if k in (1, 10):
            d = m["student_accuracy_hard"] - m["class_mean_accuracy"]
            checks.append(f"(a) hard-label viz {'beats' if d > 0 else 'loses to'} class mean by {abs(d):.3f} "
                          f"({'met' if d > 0 else 'not met'})")
        for name, kd, noise in (("softmax", "student_accuracy_kd", "noise_kd_accuracy"),
                                ("cnn-tiny", "tiny_kd", "tiny_noise_kd")):
            ratio = statistics.mean(r[kd] / r["teacher_accuracy"] for r in rs)
            checks.append(f"(b) {name} KD {100 * ratio:.1f} % of the teacher ({short(ratio)}), "
                          f"KD − noise KD {m[kd] - m[noise]:+.3f}")
        lines.append(f"- K = {k}: " + "; ".join(checks) + ".")
    lines.append(end)
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--from-json", action="store_true", help="re-render the section from OUT_bn.json (no runs)")
    args = ap.parse_args()
    out = Path(args.out)
    if args.from_json:
        stored = json.loads(Path(str(out) + "_bn.json").read_text())
        put_section(out.with_suffix(".md"), NAME, section(stored["rows"], stored["real_data_ceiling"], stored["meta"]))
        return
    import torch

    torch.set_num_threads(1)  # tiny networks; the machine is a shared 2-core box
    run(out, range(args.seeds))


if __name__ == "__main__":
    main()
