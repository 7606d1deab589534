"""``nnopt distill``'s defaults, per teacher, on the mnist5k test split: the section "Defaults per teacher".

    python benchmarks/substrate_defaults.py [--seeds 3] [--one-seed-ks 1,50] [--teachers softmax,mlp,cnn-bn]
    python benchmarks/substrate_defaults.py --from-json      # re-render the section from OUT_defaults.json

Every run is exactly what ``nnopt distill --dataset mnist5k --model TEACHER --k K --seed S``
does with no other flag: :func:`nnopt.substrate.distill_defaults.distill_settings` for the teacher (the
one defaults table), teacher 10 epochs, the students of the teacher's own architecture. Each row holds
every control (class means, random real images, noise KD) from the same run. K = 10 runs every seed;
the K values in ``--one-seed-ks`` run the first seed only (one niced core cannot afford more — the
section says so). A prior ablation at K = 10 puts each teacher-knowledge prior beside its absence
(the default with the prior switched off, or switched on when the default leaves it off).
Writes ``OUT_defaults.json`` (every run, rewritten after each, so a cut-short run still renders),
the section between its markers in ``OUT.md`` and one grid per teacher, ``OUT_defaults_TEACHER.png``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

from nnopt.substrate.datasets import load_dataset
from nnopt.substrate.distill import distill, train_teacher
from nnopt.substrate.distill_defaults import CHOSEN_ON, TEACHER_DEFAULTS, distill_settings
from nnopt.substrate.visualize import render_grid

BEGIN, END = "<!-- defaults-section begin -->", "<!-- defaults-section end -->"
KEYS = ("teacher_accuracy", "student_accuracy_hard", "student_accuracy_kd", "class_mean_accuracy",
        "random_real_accuracy", "noise_kd_accuracy")
TEACHER_EPOCHS = 10  # what the CLI trains on mnist5k

#: Each teacher-knowledge prior beside its absence, K = 10 (label, overrides of the teacher's defaults).
ABLATION: dict[str, list[tuple[str, dict]]] = {
    "softmax": [("DAFL class balance 1", {"balance": 1.0}), ("competition 1", {"competition": 1.0})],
    "mlp": [("no feature statistics", {"feature_stats": 0.0}), ("DAFL activation 0.03", {"activation": 0.03}),
            ("DAFL class balance 1", {"balance": 1.0}), ("competition 1", {"competition": 1.0})],
    # (recorded feature statistics of cnn-bn's convolutions are its BN inputs' statistics: the BN prior again)
    "cnn-bn": [("no BN prior", {"bn": 0.0}), ("competition 1", {"competition": 1.0})],
}


def fmt(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def _row(teacher: str, k: int, seed: int, variant: str, report: dict) -> dict:
    return {"teacher": teacher, "k": k, "seed": seed, "variant": variant, **{key: report[key] for key in KEYS},
            "teacher_parameters": report["teacher_parameters"], "student_parameters": report["student_parameters"],
            "visualisation_hits": report["visualisation_hits"], "seconds": report["seconds"]["total"]}


def run(out: Path, teachers: list[str], seeds: range, one_seed_ks: list[int], ablation: bool = True,
        json_path: Path | None = None) -> None:
    data = load_dataset("mnist5k")
    json_path = json_path or Path(str(out) + "_defaults.json")
    meta = {"seeds": list(seeds), "one_seed_ks": one_seed_ks, "threads": 1, "teacher_epochs": TEACHER_EPOCHS,
            "load_average_at_start": round(os.getloadavg()[0], 2), "seconds": 0.0}
    rows: list[dict] = []
    t0 = time.perf_counter()

    def save() -> None:
        meta["seconds"] = round(time.perf_counter() - t0, 1)
        json_path.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")

    for teacher_kind in teachers:
        for seed in seeds:
            teacher = train_teacher(data, teacher_kind, epochs=TEACHER_EPOCHS, seed=seed)
            plan = [(10, "defaults", {})] + [(10, label, change) for label, change in ABLATION.get(teacher_kind, [])
                                             if seed == seeds[0] and ablation]
            plan += [(k, "defaults", {}) for k in one_seed_ks if seed == seeds[0]]
            for k, variant, change in plan:
                s = distill_settings(teacher_kind, k=k, seed=seed, teacher_epochs=TEACHER_EPOCHS, **change)
                res = distill(data, s, teacher=teacher)
                rows.append(_row(teacher_kind, k, seed, variant, res.report))
                print(f"{teacher_kind} {variant} K={k} seed={seed}: "
                      + " ".join(f"{key}={res.report[key]:.3f}" for key in KEYS), file=sys.stderr, flush=True)
                save()
                if k == 10 and variant == "defaults" and seed == seeds[0]:
                    _grid(out, teacher_kind, res, data)
    save()
    write_section(out, rows, meta)


def _grid(out: Path, teacher: str, res, data) -> None:  # type: ignore[no-untyped-def]
    k = res.visualisations.images.shape[0] // data.n_classes
    imgs = res.visualisations.images.numpy()[:, 0].reshape(data.n_classes, k, *data.image_shape[1:])
    cols = [(f"viz {j + 1}", imgs[:, j]) for j in range(min(k, 5))] + [("class mean", data.class_means()[:, 0])]
    verdicts = [f"says {int(p)}" for p in res.visualisations.predicted.reshape(data.n_classes, k)[:, 0]]
    png = render_grid(cols, verdicts=verdicts, row_names=[f"class {c}" for c in range(data.n_classes)],
                      title=f"{teacher} teacher on mnist5k, defaults: 5 of K = 10 (seed 0)")
    Path(f"{out}_defaults_{teacher}.png").write_bytes(png)


def _settings_text(teacher: str) -> str:
    return ", ".join(f"{key} {value}" for key, value in TEACHER_DEFAULTS[teacher].items())


def section(rows: list[dict], meta: dict) -> str:
    """The section's markdown (pure: rows and meta in, text out)."""
    lines = [BEGIN, "## Defaults per teacher (issue 15): `nnopt distill --dataset mnist5k --k K`, no other flag", "",
             "Generated by `python benchmarks/substrate_defaults.py` (do not edit by hand). Every run is the CLI's "
             "default run for its teacher (`--model`): settings from the one table in `substrate/distill_defaults.py`, "
             f"chosen on the {CHOSEN_ON}; teacher {meta['teacher_epochs']} epochs; every student (hard labels, "
             "KD, the class-mean and random-real controls, the noise-KD control) is the teacher's own architecture. "
             f"K = 10: seeds {meta['seeds']}, mean ± sd; K = {', '.join(map(str, meta['one_seed_ks'])) or '–'}: "
             f"seed {meta['seeds'][0]} only, where run (a teacher without a K's row did not run it: too slow "
             f"on one niced torch thread of a shared 2-core machine; {meta['seconds']} s of wall time summed over "
             f"the runs' processes, load {meta['load_average_at_start']} at start). Test split.", "",
             "| teacher | K | seeds | teacher acc. | viz hard | viz KD | class mean | random real | noise KD | "
             "KD / teacher | hard − class mean | KD − noise KD |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    checks: list[str] = []
    for teacher in dict.fromkeys(r["teacher"] for r in rows):
        for k in sorted({r["k"] for r in rows if r["teacher"] == teacher and r["variant"] == "defaults"}):
            rs = [r for r in rows if r["teacher"] == teacher and r["k"] == k and r["variant"] == "defaults"]
            ratio = statistics.mean(r["student_accuracy_kd"] / r["teacher_accuracy"] for r in rs)
            hard_gap = statistics.mean(r["student_accuracy_hard"] - r["class_mean_accuracy"] for r in rs)
            noise_gap = statistics.mean(r["student_accuracy_kd"] - r["noise_kd_accuracy"] for r in rs)
            cells = " | ".join(fmt([r[key] for r in rs]) for key in KEYS)
            lines.append(f"| {teacher} | {k} | {len(rs)} | {cells} | {100 * ratio:.1f} % | {hard_gap:+.3f} | "
                         f"{noise_gap:+.3f} |")
            wins = sum(r["student_accuracy_hard"] > r["class_mean_accuracy"] for r in rs)
            if k == 10:
                ok = ratio >= 0.95 and noise_gap >= 0.3 and hard_gap > 0
                checks.append(f"- **{teacher}**, K = 10 ({len(rs)} seeds): KD {100 * ratio:.1f} % of the teacher "
                              f"(≥ 95 %: {'met' if ratio >= 0.95 else 'missed'}; 98 %: "
                              f"{'met' if ratio >= 0.98 else 'missed'}), KD − noise KD {noise_gap:+.3f} (≥ 0.3: "
                              f"{'met' if noise_gap >= 0.3 else 'missed'}), hard − class mean {hard_gap:+.3f} "
                              f"({wins} of {len(rs)} seeds above) — {'all three met' if ok else 'not all met'}.")
    lines += ["", "Defaults (from the table):", ""]
    lines += [f"- `{t}`: {_settings_text(t)}" for t in dict.fromkeys(r["teacher"] for r in rows)
              if t in TEACHER_DEFAULTS]
    lines += ["", "### The issue's targets at K = 10 (test split)", "", *checks, "",
              "### Each prior beside its absence (K = 10, seed 0, test split)", "",
              "| teacher | variant | viz hard | viz KD | noise KD | KD / teacher | hits |", "|---|---|---|---|---|---|---|"]
    first = meta["seeds"][0]
    for teacher in dict.fromkeys(r["teacher"] for r in rows):
        for r in [r for r in rows if r["teacher"] == teacher and r["k"] == 10 and r["seed"] == first]:
            lines.append(f"| {teacher} | {r['variant']} | {r['student_accuracy_hard']:.3f} | "
                         f"{r['student_accuracy_kd']:.3f} | {r['noise_kd_accuracy']:.3f} | "
                         f"{100 * r['student_accuracy_kd'] / r['teacher_accuracy']:.1f} % | "
                         f"{r['visualisation_hits']:.2f} |")
    pictures = [f"![{t}](substrate_defaults_{t}.png)" for t in dict.fromkeys(r["teacher"] for r in rows)]
    lines += ["", "Visualisation grids (K = 10, seed 0; five per class beside the class mean):", "", *pictures,
              "", NOTES.rstrip(), END]
    return "\n".join(lines) + "\n"


NOTES = """### How the defaults were chosen (hand-written; validation split only)

The table is `TEACHER_DEFAULTS` in `substrate/distill_defaults.py`. Numbers: validation accuracy (mnist5k training
images cut 3,000 / 1,000, stratified, `random_state=1`; teacher 10 epochs), K = 10, seed 0 unless noted, every
student the teacher's own architecture; KD / teacher in brackets. Nothing here was looked up on the test split.

- **softmax**: the settings chosen for the softmax section below (L2 0.001, diversity 1.0 among L2 0.01 / 0.001 /
  0.0003, diversity 0.1 / 1.0, KD steps 2,000 / 4,000, T 1 / 4, mixing 4 / 16, 200 / 400 extraction steps:
  validation KD 94.8 / 98.7 / 98.9 % of the teacher at K = 1 / 10 / 50). The student was already the teacher's
  architecture there. No hidden layer, so no feature statistics.
- **mlp** (class mean 0.823, noise KD 0.179, teacher 0.945): old defaults (L2 0.01, diversity 0.1) hard 0.814, KD
  0.895 (94.7 %); L2 0.001 + diversity 1.0: 0.836 / 0.895 (94.7 %); plus recorded feature statistics at 0.3 / 1 /
  3 / 10 / 100: hard 0.827 / **0.863** / 0.856 / 0.778 / 0.587, KD 97.1 / **97.4** / 93.9 / 91.4 / 89.8 %. Without
  feature statistics: DAFL activation 0.1 0.717 / 95.8 %; competition 1 0.845 / 96.6 %, 10: 0.806 / 91.6 % (the
  teacher stops agreeing with the targets: hits 0.58); 4,000 KD steps 95.1 %; T = 8 94.8 %; mixing x8 96.4 %. On
  top of feature statistics 1: mixing x8 96.9 %, competition 1 97.2 % (hard 0.873, twice the time), DAFL
  activation 0.03 97.0 %, class balance 1 97.4 % — none better than feature statistics alone, so they stay off
  (activation 0.03 moves the images little: mean pixel change 0.002 on digits, 0.064 at weight 1).
  Seed 1 (teacher 0.938, class mean 0.813): feature statistics 1: hard 0.847, KD 95.2 %; 0.3: 94.7 %; + 4,000 KD
  steps 95.5 %; + mixing x8 96.0 %; diversity 3: 94.6 %.
- **cnn-bn** (class mean 0.639, random real 0.899, noise KD 0.100, teacher 0.970): the BN section's prior
  (BN 100 per image, TV 0.05) with the teacher's own architecture as student: KD 0.942 (97.1 %), hard 0.522,
  hits 0.96. The hard-label student was the open problem; tried (hard-label accuracy): jitter 1 px 0.425, random
  zoom 0.1 0.401, BN 10 per image 0.536, diversity 1.0 0.452, 400 extraction steps 0.501, 1,000 student steps
  0.530 — none near the class means, none worth the KD it would cost, so the BN section's prior stays.

### Reading (hand-written; holds for the committed run of this section)

- **The CLI is the benchmark**: `nnopt distill --dataset mnist5k --k 10 --json` (mlp teacher, seed 0), run on its own,
  printed exactly the mlp seed-0 row (teacher 0.945, hard 0.829, KD 0.886, class mean 0.771, random real 0.773,
  noise KD 0.262).
- **softmax meets all three targets** with its defaults (the student is the teacher's architecture, as before).
- **mlp misses the 95 % by about a point** (94.3 % over three seeds: 93.8 / 95.8 / 93.2 %); hard-label students
  beat class means on two seeds of three (seed 2: 0.756 against 0.766); KD is far above noise KD (+0.70). On
  validation the same recipe gave 97.4 % (seed 0) and 95.2 % (seed 1): the choice holds there and slips on the
  test split's teachers, so the margin over 95 % was never large. The ablation row "no feature statistics"
  shows the recorded statistics help the hard-label student (0.806 -> 0.829 on seed 0) and barely move KD.
  The grid shows an artefact worth the next experiment: the border pixels, which the teacher ignores, are
  saturated noise — the diversity term (cosine between a class's images over *all* pixels) is cheapest to
  satisfy there, so much of the "diversity" is in pixels that carry nothing.
- **cnn-bn misses two of three**: KD 88–92 % of the teacher (validation 97.1 % on seed 0: the largest
  validation-to-test drop here), hard-label students below the class means on every seed, noise KD at chance
  (+0.75 gap, met). The grid shows why the hard labels fail: stroke fragments piled against the frame — the
  teacher's adaptive pooling makes it indifferent to where strokes sit, and nothing in the priors asks for a
  centred digit. A centring prior (or the real-data-free translation jitter DeepInversion uses, which hurt
  here at 1 px with 200 steps) is the next step. First validation numbers (cnn-bn, seed 0, K = 10, hard-label
  student; class mean 0.639, without it 0.522): `Centring` (`--centring`, mass times squared distance from the
  centre) 0.05: 0.483, 0.5: **0.602**, 2: 0.552 (hits 0.87), 8: 0.294 (hits 0.43) — closer, not above the class
  means; with the full run at 0.5: KD 0.944 (97.3 %, without it 97.1 %). Found after the test runs below had
  started, so an option, not a default.
- **The priors beside their absence**: the BN prior is what makes cnn-bn KD work (53.6 % -> 88.1 %); recorded
  feature statistics lift the mlp's hard-label student (0.806 -> 0.829) and leave KD where it was; DAFL's
  activation and class-balance terms and the competition stage move nothing by more than a seed's spread
  (competition on cnn-bn: hard 0.554 vs 0.530, KD 87.2 vs 88.1 %).
- **Centring on the test split** (run after the choice above, seeds 0 / 1 / 2, not a default): hard 0.594 /
  0.596 / 0.549 against class means 0.568 / 0.649 / 0.569 (mean −0.016, was −0.131), KD 89.2 / 97.4 / 91.2 %
  (mean 92.6 %, was 89.1 %), noise KD 0.100. Better on every count, still short of both targets; making it the
  default needs the K = 1 and ablation rows rerun with it.
- **Not run** (too slow on one niced core while the machine was shared): cnn-bn at K = 50.
"""


def write_section(out: Path, rows: list[dict], meta: dict) -> None:
    md_path = out.with_suffix(".md")
    text = md_path.read_text() if md_path.exists() else ""
    new = section(rows, meta)
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + new + text[text.index(END) + len(END):]
    else:  # new: first, right under the file's title (the older sections below ran older defaults)
        at = text.find("\n") if text.startswith("# ") else -1
        text = new + "\n" + text if at < 0 else text[:at + 1] + "\n" + new + text[at + 1:]
    md_path.write_text(text)
    print(f"wrote the defaults section of {md_path}", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--one-seed-ks", default="1,50", help="K values run with the first seed only ('' for none)")
    ap.add_argument("--teachers", default="softmax,mlp,cnn-bn")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "substrate"))
    ap.add_argument("--seed-start", type=int, default=0, help="first seed (to split seeds over processes)")
    ap.add_argument("--no-ablation", action="store_true", help="skip the prior ablation")
    ap.add_argument("--json", default=None, help="where the runs go (default OUT_defaults.json)")
    ap.add_argument("--from-json", nargs="*", default=None,
                    help="re-render the section from OUT_defaults.json, or from the given run files merged "
                         "(their rows concatenated, written to OUT_defaults.json)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)
    if args.from_json is not None:
        write_section(out, *merge([Path(f) for f in args.from_json] or [Path(str(out) + "_defaults.json")],
                                  Path(str(out) + "_defaults.json")))
        return
    one_seed = [int(k) for k in args.one_seed_ks.split(",") if k.strip()]
    run(out, [t for t in args.teachers.split(",") if t], range(args.seed_start, args.seed_start + args.seeds),
        one_seed, ablation=not args.no_ablation, json_path=Path(args.json) if args.json else None)


def merge(paths: list[Path], into: Path) -> tuple[list[dict], dict]:
    """Rows of every run file, concatenated (duplicates of a teacher/K/seed/variant: the later file wins);
    meta: seeds united, seconds summed, the first file's load; written to ``into``."""
    rows: dict[tuple, dict] = {}
    meta: dict = {}
    for path in paths:
        stored = json.loads(path.read_text())
        for r in stored["rows"]:
            rows[r["teacher"], r["k"], r["seed"], r["variant"]] = r
        m = stored["meta"]
        if not meta:
            meta = dict(m)
        else:
            meta["seeds"] = sorted(set(meta["seeds"]) | set(m["seeds"]))
            meta["one_seed_ks"] = sorted(set(meta["one_seed_ks"]) | set(m["one_seed_ks"]))
            meta["seconds"] = round(meta["seconds"] + m["seconds"], 1)
    merged = list(rows.values())
    if into not in paths or len(paths) > 1:
        into.write_text(json.dumps({"meta": meta, "rows": merged}, indent=1) + "\n")
    return merged, meta


if __name__ == "__main__":
    main()
