"""``nnopt distill``'s defaults, per teacher, on the mnist5k test split: the section "Defaults per teacher".

    python benchmarks/substrate_defaults.py [--seeds 3] [--one-seed-ks 1,50] [--extra-seeds 3] [--teachers softmax,mlp,cnn-bn]
    python benchmarks/substrate_defaults.py --from-json      # re-render the section from OUT_defaults.json

Every run is exactly what ``nnopt distill --dataset mnist5k --model TEACHER --k K --seed S``
does with no other flag: :func:`nnopt.substrate.distill_defaults.distill_settings` for the teacher (the
one defaults table), teacher 10 epochs, the students of the teacher's own architecture. Each row holds
every control (class means, random real images, noise KD) from the same run. K = 10 runs every seed
first (the targets), then the ablation, then the K values in ``--one-seed-ks`` with the first
``--extra-seeds`` seeds (one niced core may not afford more — the section says so). A prior ablation
at K = 10 puts each teacher-knowledge prior beside its absence
(the default with the prior switched off, or switched on when the default leaves it off).
Writes ``OUT_defaults.json`` (every run, rewritten after each, so a cut-short run still renders),
the section between its markers in ``OUT.md`` and one grid per teacher, ``OUT_defaults_TEACHER.png``.
How the defaults were chosen and the reading of the committed run are hand-written in the
markdown, below the section.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

from nnopt.substrate.datasets import load_dataset
from nnopt.substrate.distill import distill, train_teacher
from nnopt.substrate.distill_defaults import CHOSEN_ON, TEACHER_DEFAULTS, distill_settings
from nnopt.substrate.visualize import render_grid

sys.path.insert(0, str(Path(__file__).parent))  # the shared helpers next to this script
from _substrate_md import DEFAULT_OUT, KEYS, fmt, load_average, markers, put_section  # noqa: E402

NAME = "defaults"
BEGIN, END = markers(NAME)
TEACHER_EPOCHS = 10  # what the CLI trains on mnist5k

#: Each teacher-knowledge prior beside its absence, K = 10 (label, overrides of the teacher's defaults).
ABLATION: dict[str, list[tuple[str, dict]]] = {
    "softmax": [("KD online, shift 2", {"kd_online": True, "kd_shift": 2}),
                ("DAFL class balance 1", {"balance": 1.0}), ("competition 1", {"competition": 1.0})],
    "mlp": [("KD on fixed mixes", {"kd_online": False, "kd_shift": 0}),
            ("no feature statistics", {"feature_stats": 0.0}),
            ("DAFL activation 0.03", {"activation": 0.03}), ("DAFL class balance 1", {"balance": 1.0}),
            ("competition 1", {"competition": 1.0})],
    # (recorded feature statistics of cnn-bn's convolutions are its BN inputs' statistics: the BN prior again)
    "cnn-bn": [("KD on fixed mixes", {"kd_online": False, "kd_shift": 0}), ("no BN prior", {"bn": 0.0}),
               ("no centring", {"centring": 0.0}), ("no extraction jitter", {"shift": 0}),
               ("competition 1", {"competition": 1.0}), ("DAFL activation 0.03", {"activation": 0.03}),
               ("DAFL class balance 1", {"balance": 1.0})],
}


def _row(teacher: str, k: int, seed: int, variant: str, report: dict) -> dict:
    return {"teacher": teacher, "k": k, "seed": seed, "variant": variant, **{key: report[key] for key in KEYS},
            "teacher_parameters": report["teacher_parameters"], "student_parameters": report["student_parameters"],
            "visualisation_hits": report["visualisation_hits"], "seconds": report["seconds"]["total"]}


def run(out: Path, teachers: list[str], seeds: range, one_seed_ks: list[int], ablation: bool = True,
        json_path: Path | None = None, extra_seeds: int = 1) -> None:
    data = load_dataset("mnist5k")
    json_path = json_path or Path(str(out) + "_defaults.json")
    meta = {"seeds": list(seeds), "one_seed_ks": one_seed_ks, "extra_seeds": extra_seeds, "threads": 1,
            "teacher_epochs": TEACHER_EPOCHS,
            "load_average_at_start": round(load_average(), 2), "seconds": 0.0}
    rows: list[dict] = []
    t0 = time.perf_counter()

    def save() -> None:
        meta["seconds"] = round(time.perf_counter() - t0, 1)
        json_path.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")

    teachers_trained: dict[tuple[str, int], torch.nn.Module] = {}

    def teacher_for(kind: str, seed: int) -> torch.nn.Module:
        if (kind, seed) not in teachers_trained:
            teachers_trained[kind, seed] = train_teacher(data, kind, epochs=TEACHER_EPOCHS, seed=seed)
        return teachers_trained[kind, seed]

    # The targets first (K = 10, every seed, every teacher), then the ablation, then the other Ks: a run cut
    # short by the clock still has the targets.
    plan = [(kind, 10, seed, "defaults", {}) for kind in teachers for seed in seeds]
    plan += [(kind, 10, seeds[0], label, change) for kind in teachers for label, change in ABLATION.get(kind, [])
             if ablation]
    plan += [(kind, k, seed, "defaults", {}) for k in one_seed_ks for kind in teachers
             for seed in list(seeds)[:extra_seeds]]
    for teacher_kind, k, seed, variant, change in plan:
        s = distill_settings(teacher_kind, k=k, seed=seed, teacher_epochs=TEACHER_EPOCHS, **change)
        res = distill(data, s, teacher=teacher_for(teacher_kind, seed))
        rows.append(_row(teacher_kind, k, seed, variant, res.report))
        print(f"{teacher_kind} {variant} K={k} seed={seed}: "
              + " ".join(f"{key}={res.report[key]:.3f}" for key in KEYS), file=sys.stderr, flush=True)
        save()
        if k == 10 and variant == "defaults" and seed == seeds[0]:
            _grid(out, teacher_kind, res, data)
    save()
    put_section(out.with_suffix(".md"), NAME, section(rows, meta))


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
    lines = [BEGIN, "## Defaults per teacher: `nnopt distill --dataset mnist5k --k K`, no other flag", "",
             "Generated by `python benchmarks/substrate_defaults.py` (do not edit by hand). Every run is the CLI's "
             "default run for its teacher (`--model`): settings from the one table in `substrate/distill_defaults.py`, "
             f"chosen on the {CHOSEN_ON}; teacher {meta['teacher_epochs']} epochs; every student (hard labels, "
             "KD, the class-mean and random-real controls, the noise-KD control) is the teacher's own architecture. "
             f"K = 10: seeds {meta['seeds']}, mean ± sd; K = {', '.join(map(str, meta['one_seed_ks'])) or '–'}: "
             f"the first {meta.get('extra_seeds', 1)} of them (the seeds column), where run (a teacher without a K's "
             "row did not run it: too slow "
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
    lines += ["", "### The targets at K = 10 (test split)", "", *checks, "",
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
              END]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--one-seed-ks", default="1,50", help="the other K values ('' for none), after K = 10")
    ap.add_argument("--extra-seeds", type=int, default=1, help="how many of the seeds run the other K values")
    ap.add_argument("--teachers", default="softmax,mlp,cnn-bn")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
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
        rows, meta = merge([Path(f) for f in args.from_json] or [Path(str(out) + "_defaults.json")],
                           Path(str(out) + "_defaults.json"))
        put_section(out.with_suffix(".md"), NAME, section(rows, meta))
        return
    one_seed = [int(k) for k in args.one_seed_ks.split(",") if k.strip()]
    run(out, [t for t in args.teachers.split(",") if t], range(args.seed_start, args.seed_start + args.seeds),
        one_seed, ablation=not args.no_ablation, json_path=Path(args.json) if args.json else None,
        extra_seeds=args.extra_seeds)


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
