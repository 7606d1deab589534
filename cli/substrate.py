"""``nnopt visualize`` and ``nnopt distill``: what a trained classifier knows, pulled out by input descent."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from nnopt.cli._common import UserError, debug_option, stderr, write_or_error
from nnopt.cli._options import DEVICE, FINITE, POSITIVE, SEED

_MODELS = click.Choice(["softmax", "mlp", "cnn", "cnn-bn", "cnn-tiny"])
_DATASETS = click.Choice(["digits", "mnist", "mnist5k"])


def _data_options(f: Any) -> Any:
    f = click.option("--device", type=DEVICE, default="cpu", show_default=True,
                     help="Torch device (cpu, cuda, cuda:0).")(f)
    f = click.option("--epochs", type=int, default=None,
                     help="Teacher training epochs (default: 30 on digits, 10 otherwise).")(f)
    f = click.option("--seed", type=SEED, default=0, show_default=True)(f)
    f = click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                     help="Folder with the MNIST IDX files (for --dataset mnist).")(f)
    f = click.option("--dataset", type=_DATASETS, default="digits", show_default=True,
                     help="digits: scikit-learn's bundled 8x8 digits (offline); mnist5k needs nnopt[datasets].")(f)
    return click.option("--model", type=_MODELS, default="mlp", show_default=True, help="The classifier.")(f)


def _load(dataset: str, data_dir: str | None, device: str, out_paths: dict[str, str | None]) -> Any:
    for opt, path in out_paths.items():
        if path is None:
            continue
        if Path(path).suffix.lower() not in (".png", ".json") or (opt in ("--out", "--plot") and
                                                                   Path(path).suffix.lower() != ".png"):
            raise UserError(f"{opt}: {path}: use a .png file")
        if not Path(path).resolve().parent.is_dir():
            raise UserError(f"{opt}: folder {Path(path).parent} does not exist")
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"--device {device}: no CUDA GPU is available (use --device cpu)")
    if device == "cpu":
        torch.set_num_threads(1)  # the networks are tiny: one thread is fastest on a shared machine
    from nnopt.substrate.datasets import DatasetError, load_dataset

    try:
        return load_dataset(dataset, data_dir)
    except DatasetError as exc:
        raise UserError(str(exc)) from exc


@click.command("visualize")
@_data_options
@click.option("--objective", type=click.Choice(["logit", "logprob"]), default="logit", show_default=True,
              help="Maximise the class logit or the class log-probability.")
@click.option("--steps", type=int, default=200, show_default=True, help="Extraction steps.")
@click.option("--lr", type=POSITIVE, default=0.05, show_default=True, help="Extraction step size (Adam).")
@click.option("--l2", type=FINITE, default=1e-2, show_default=True, help="L2 pixel penalty.")
@click.option("--jitter", type=int, default=0, show_default=True, help="Random shift of up to N pixels per step.")
@click.option("--tv", type=FINITE, default=0.0, show_default=True, help="Total-variation penalty.")
@click.option("--blur", type=FINITE, default=0.0, show_default=True, help="Gaussian blur sigma (every 4 steps).")
@click.option("--scale", type=FINITE, default=0.0, show_default=True, help="Random zoom by 1 +- this.")
@click.option("--no-clamp", is_flag=True, help="Let pixels leave [0, 1] (shows softmax weights exactly).")
@click.option("--out", type=click.Path(dir_okay=False), default="visualize.png", show_default=True,
              help="The PNG grid.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (verdicts, similarities).")
@debug_option
def visualize_cmd(model: str, dataset: str, data_dir: str | None, seed: int, epochs: int | None, device: str,
                  objective: str, steps: int, lr: float, l2: float, jitter: int, tv: float, blur: float,
                  scale: float, no_clamp: bool, out: str, as_json: bool) -> None:
    """Train a classifier, then extract one class visualisation per class with the
    same routine that solves packing problems, and draw it beside the class-average
    image with the classifier's verdict on it (predicted class, probability).

    \b
    Example:
      nnopt visualize --model softmax --l2 0.05 --no-clamp --out softmax.png
      nnopt visualize --model cnn --jitter 1 --tv 0.01 --out cnn.png --json
    """
    if steps < 1:
        raise UserError(f"--steps must be positive, got {steps}")
    if epochs is not None and epochs < 1:
        raise UserError(f"--epochs must be positive, got {epochs}")
    for flag, v in (("--l2", l2), ("--tv", tv), ("--blur", blur), ("--jitter", jitter)):
        if v < 0:
            raise UserError(f"{flag} must be >= 0, got {v}")
    if not 0 <= scale < 1:
        raise UserError(f"--scale must be in [0, 1) (a zoom by 1 +- scale), got {scale:g}")
    data = _load(dataset, data_dir, device, {"--out": out})
    import torch
    from torch.nn import functional as F

    from nnopt.substrate.distill import train_teacher
    from nnopt.substrate.visualize import image_regularisers, render_grid, visualize_classes

    ep = epochs or (30 if dataset == "digits" else 10)
    clf = train_teacher(data, model, epochs=ep, seed=seed, device=device, progress=not as_json)
    from nnopt.substrate.classifiers import accuracy

    labels = torch.arange(data.n_classes)
    regs = image_regularisers(labels, l2=l2, shift=jitter, tv=tv, blur=blur, scale=scale,
                              box=None if no_clamp else (0.0, 1.0))
    viz = visualize_classes(clf, data.image_shape, range(data.n_classes), objective=objective, regularisers=regs,
                            steps=steps, lr=lr, seed=seed, device=device)
    means = torch.as_tensor(data.class_means())
    cos_mean = F.cosine_similarity(viz.images.flatten(1), means.flatten(1)).tolist()
    rows = []
    verdicts = []
    for c in range(data.n_classes):
        pred, prob = int(viz.predicted[c]), float(viz.probabilities[c, viz.predicted[c]])
        verdicts.append(f"says {pred} ({prob:.2f})")
        rows.append({"class": c, "predicted": pred, "probability": round(prob, 4),
                     "cosine_to_class_mean": round(cos_mean[c], 4)})
    extra: dict[str, Any] = {}
    columns = [(f"{objective} viz", viz.images.numpy()[:, 0]), ("class mean", means.numpy()[:, 0])]
    if model == "softmax":
        w = clf.linear.weight.detach().cpu()  # type: ignore[union-attr, operator]  # the softmax model's layer
        cos_w = F.cosine_similarity(viz.images.flatten(1), w).tolist()
        for r, cw in zip(rows, cos_w):
            r["cosine_to_weights"] = round(cw, 4)
        columns.append(("weights W[c]", w.reshape(-1, *data.image_shape[1:]).numpy()))
        other = "logprob" if objective == "logit" else "logit"
        viz2 = visualize_classes(clf, data.image_shape, range(data.n_classes), objective=other,
                                 regularisers=regs, steps=steps, lr=lr, seed=seed, device=device)
        x2 = viz2.images.flatten(1)
        lp = viz2 if other == "logprob" else viz
        pulled = w - lp.probabilities @ w  # w_c minus the probability-weighted mean of all classes' weights
        cos_pull = F.cosine_similarity(lp.images.flatten(1), pulled).tolist()
        cos_w2 = F.cosine_similarity(x2, w).tolist()
        for r, cp, c2 in zip(rows, cos_pull, cos_w2):
            r["logprob_cosine_to_w_minus_weighted_mean"] = round(cp, 4)
            r[f"{other}_cosine_to_weights"] = round(c2, 4)
        columns.append((f"{other} viz", viz2.images.numpy()[:, 0]))
        columns.append(("W[c] - sum p_j W[j]", pulled.reshape(-1, *data.image_shape[1:]).numpy()))
    acc = accuracy(clf, data.x_test, data.y_test)
    sym = ([no_clamp, False, True, no_clamp, True])[:len(columns)]
    png = render_grid(columns, verdicts=verdicts, row_names=[f"class {c}" for c in range(data.n_classes)],
                      symmetric=sym, title=f"{model} on {dataset} (test acc {acc:.3f}), {objective}, seed {seed}")
    write_or_error(out, png)
    result = {"model": model, "dataset": dataset, "seed": seed, "objective": objective,
              "test_accuracy": round(acc, 4), "png": out, "classes": rows, **extra}
    if as_json:
        click.echo(json.dumps(result))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{model} on {dataset}: test accuracy {acc:.3f}")
    for col in ("class", "says", "prob", "cos(class mean)") + (("cos(W[c])",) if model == "softmax" else ()):
        table.add_column(col)
    for r in rows:
        cells = [str(r["class"]), str(r["predicted"]), f"{r['probability']:.3f}", f"{r['cosine_to_class_mean']:.3f}"]
        if model == "softmax":
            cells.append(f"{r['cosine_to_weights']:.4f}")
        table.add_row(*cells)
    Console().print(table)
    stderr(f"grid written to {out}")


def _given(default: str) -> str:
    return f"default: the teacher's entry in substrate/distill_defaults.py ({default} where not set there)"


def _memory_needed(settings: Any, data: Any) -> int:
    """Bytes a distillation holds at once, roughly: K images per class with their mixes, a forward pass's
    activations and gradients for each (64 image-sized buffers, generous for the conv teachers), and the
    diversity term's (10 K)² similarity matrices."""
    import math

    n = data.n_classes * settings.k
    per_image = 4 * math.prod(data.image_shape) * (settings.mix + 1 + 64)
    pairwise = 16 * n * n if settings.diversity and settings.k > 1 else 0
    return n * per_image + pairwise


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def _refuse_unaffordable_k(k: int, settings: Any, data: Any) -> None:
    """One line instead of an allocation that cannot succeed (``--k 100000`` asked for terabytes)."""
    need, have = _memory_needed(settings, data), _physical_memory()
    if have is not None and need > have:
        raise UserError(f"--k {k}: {data.n_classes * k} images need about {need / 2**30:,.0f} GiB, more than "
                        f"this machine's {have / 2**30:,.0f} GiB of memory; choose a smaller --k")


@click.command("distill")
@_data_options
@click.option("--k", "k", type=int, default=10, show_default=True, help="Images per class for every student.")
@click.option("--student", type=_MODELS, default=None,
              help="The students' network (default: the teacher's own architecture — dataset compression).")
@click.option("--student-steps", type=int, default=None, help="Optimiser steps per student (default 300).")
@click.option("--steps", type=int, default=None, help="Extraction steps; " + _given("200"))
@click.option("--lr", "viz_lr", type=POSITIVE, default=None, help="Extraction step size (Adam); " + _given("0.05"))
@click.option("--l2", type=FINITE, default=None, help="L2 pixel penalty on visualisations; " + _given("0.01"))
@click.option("--jitter", type=int, default=None, help="Random shift of up to N pixels per extraction step; "
              + _given("0"))
@click.option("--diversity", type=FINITE, default=None, help="Diversity term between a class's K; " + _given("0.1"))
@click.option("--temperature", type=POSITIVE, default=None, help="Distillation temperature (default 4).")
@click.option("--objective", type=click.Choice(["logprob", "logit"]), default=None,
              help="What the visualisations maximise (default logprob).")
@click.option("--bn", type=FINITE, default=None,
              help="DeepInversion batch-norm statistics prior weight (teachers with batch norm); " + _given("0"))
@click.option("--bn-per-image/--bn-per-batch", default=None,
              help="--bn weighs each image (the batch term times the batch size), the same pull at every K.")
@click.option("--feature-stats", type=FINITE, default=None,
              help="Prior: match the activation statistics the teacher recorded when trained (teachers without "
                   "batch norm); " + _given("0"))
@click.option("--activation", type=FINITE, default=None,
              help="DAFL activation term: strong penultimate features; " + _given("0"))
@click.option("--balance", type=FINITE, default=None,
              help="DAFL class-balance term: the batch's mean prediction covers every class; " + _given("0"))
@click.option("--competition", type=FINITE, default=None,
              help="Adaptive competition term (a provisional student in the loop: extract on where it "
                   "disagrees with the teacher); " + _given("0"))
@click.option("--tv", type=FINITE, default=None, help="Total-variation penalty on visualisations; " + _given("0"))
@click.option("--centring", type=FINITE, default=None,
              help="Penalty on ink far from the image centre (conv teachers pile strokes at the frame); "
                   + _given("0"))
@click.option("--mix", type=int, default=None,
              help="Extra mixed images per image for the KD students (visualisations and noise alike); "
                   + _given("4"))
@click.option("--kd-steps", type=int, default=None,
              help="Optimiser steps for the KD students (visualisations and noise alike); " + _given("2000"))
@click.option("--kd-online/--kd-fixed", "kd_online", default=None,
              help="KD students train on shifts and mixes drawn afresh every step, labelled by the teacher as "
                   "they come (--kd-fixed: one fixed set of --mix mixes); " + _given("fixed"))
@click.option("--kd-shift", type=int, default=None,
              help="With --kd-online: shift each KD image by up to N pixels; " + _given("0"))
@click.option("--kd-student", type=_MODELS, default=None,
              help="The KD students' network (default: --student); a smaller one for model compression, "
                   "e.g. cnn-tiny.")
@click.option("--adversarial", type=int, default=None,
              help="Student-in-the-loop rounds: images extracted where teacher and student disagree "
                   "(KD and noise-KD students alike; default 0).")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, help="PNG of the visualisations.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@debug_option
def distill_cmd(model: str, dataset: str, data_dir: str | None, seed: int, epochs: int | None, device: str, k: int,
                student: str | None, student_steps: int | None, steps: int | None, viz_lr: float | None,
                l2: float | None, jitter: int | None, diversity: float | None, temperature: float | None,
                objective: str | None,
                bn: float | None, bn_per_image: bool | None, feature_stats: float | None, activation: float | None,
                balance: float | None, competition: float | None, tv: float | None, centring: float | None,
                mix: int | None, kd_steps: int | None, kd_online: bool | None, kd_shift: int | None,
                kd_student: str | None, adversarial: int | None, plot: str | None,
                as_json: bool) -> None:
    """Dataset compression: train a teacher (--model), extract K class visualisations
    per class, train fresh students on them alone (hard labels; teacher soft labels),
    and compare with students given the same budget of K class-average images, K
    random real images per class, and noise images with the teacher's soft labels.

    Every option left out takes the teacher's default from one table
    (substrate/distill_defaults.py, chosen on a validation split of mnist5k); the
    students are the teacher's own architecture unless --student names another.
    --json reports the settings used ("settings").

    \b
    Example:
      nnopt distill --dataset mnist5k --k 10 --json
      nnopt distill --model cnn-bn --dataset mnist5k --k 10 --plot viz.png
      nnopt distill --model cnn-bn --dataset mnist5k --kd-student cnn-tiny   # model compression
    """
    if k < 1:
        raise UserError(f"--k must be at least 1, got {k}")
    if epochs is not None and epochs < 1:
        raise UserError(f"--epochs must be positive, got {epochs}")
    if adversarial is not None and adversarial < 0:
        raise UserError(f"--adversarial must be >= 0, got {adversarial}")
    for flag, v in (("--student-steps", student_steps), ("--steps", steps), ("--kd-steps", kd_steps)):
        if v is not None and v < 1:
            raise UserError(f"{flag} must be positive, got {v}")
    for flag, x in (("--l2", l2), ("--jitter", jitter), ("--diversity", diversity), ("--mix", mix), ("--bn", bn),
                    ("--tv", tv), ("--feature-stats", feature_stats), ("--activation", activation),
                    ("--balance", balance), ("--competition", competition), ("--centring", centring),
                    ("--kd-shift", kd_shift)):
        if x is not None and x < 0:
            raise UserError(f"{flag} must be >= 0, got {x}")
    if temperature is not None and not temperature > 0:
        raise UserError(f"--temperature must be positive, got {temperature}")
    data = _load(dataset, data_dir, device, {"--plot": plot})
    from nnopt.substrate.distill_defaults import CHOSEN_ON, distill_settings

    if kd_online is False and kd_shift:
        raise UserError("--kd-shift needs --kd-online (a fixed set of mixes is not shifted)")
    if kd_online is False:
        kd_shift = 0
    try:
        settings = distill_settings(model, student=student, k=k, seed=seed,
                                    teacher_epochs=epochs or (30 if dataset == "digits" else 10),
                                    student_steps=student_steps, viz_steps=steps, viz_lr=viz_lr, l2=l2, shift=jitter,
                                    diversity=diversity, temperature=temperature, objective=objective, mix=mix, bn=bn,
                                    bn_per_image=bn_per_image, tv=tv, feature_stats=feature_stats,
                                    activation=activation, balance=balance, competition=competition,
                                    centring=centring, kd_steps=kd_steps, kd_online=kd_online, kd_shift=kd_shift,
                                    kd_student=kd_student, adversarial=adversarial, device=device)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    _refuse_unaffordable_k(k, settings, data)
    from nnopt.substrate.distill import distill

    res = distill(data, settings, progress=not as_json)
    rep = res.report
    rep["settings_chosen_on"] = CHOSEN_ON
    if plot is not None:
        from nnopt.substrate.visualize import render_grid

        n = min(k, 8)
        imgs = res.visualisations.images.numpy()[:, 0].reshape(data.n_classes, k, *data.image_shape[1:])
        cols = [(f"viz {j + 1}", imgs[:, j]) for j in range(n)] + [("class mean", data.class_means()[:, 0])]
        verdicts = [f"says {int(p)}" for p in res.visualisations.predicted.reshape(data.n_classes, k)[:, 0]]
        write_or_error(plot, render_grid(cols, verdicts=verdicts, title=f"{model} teacher on {dataset}: K={k}"))
    if as_json:
        click.echo(json.dumps(rep))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"distill: {model} teacher -> {settings.student} students, {dataset}, K={k} per class, "
                        f"seed {seed}")
    table.add_column("trained on")
    table.add_column("test accuracy", justify="right")
    for name, key in (("teacher (full training set)", "teacher_accuracy"),
                      ("visualisations, hard labels", "student_accuracy_hard"),
                      ("visualisations, teacher soft labels", "student_accuracy_kd"),
                      ("class-average images (control)", "class_mean_accuracy"),
                      ("random real images (control)", "random_real_accuracy"),
                      ("noise, teacher soft labels (control)", "noise_kd_accuracy")):
        table.add_row(name, f"{rep[key]:.3f}")
    Console().print(table)
    stderr(f"model compression: {rep['teacher_parameters']} -> {rep['kd_student_parameters']} parameters "
           f"({rep['compression']:g}x fewer), KD student at {100 * rep['kd_over_teacher']:.1f} % of the teacher")
    if plot is not None:
        stderr(f"visualisations written to {plot}")
