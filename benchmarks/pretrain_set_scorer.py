"""Pre-train the amortised set scorer for binpack2d and ship its weights.

    python benchmarks/pretrain_set_scorer.py [--quick] [--steps 3000] [--out problems/binpack2d/set_scorer.pt]

Generated instances only — classes 1-10, n = 20, 40, 60, 80, 100, generator
seeds from 10,000 on (the classic set is not generated, so nothing here sees
it) — with encodings drawn where CEM looks (:func:`nnopt.solver.pretrain.sample_instance`).
Held out: 20 more generated instances (seeds from 20,000 on, n = 40 and 100);
the report gives, per held-out instance, the rank correlation between the
pre-trained network's untouched predictions and the true costs, next to the
same for an untrained network (what a run's first turn would otherwise know).

Writes the weights (``--out``, shipped as package data) and
``benchmarks/results/pretrain_set_scorer.json``.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from nnopt.problems import get_problem
from nnopt.scorers import SetScorer
from nnopt.solver._tokens import CONTEXT_WIDTH
from nnopt.solver.pretrain import PretrainConfig, pretrain_problem, rank_correlation, sample_instance

ROOT = Path(__file__).resolve().parents[1]


def _instances(problem, seeds: range, sizes: tuple[int, ...]) -> list:
    out = []
    for klass in range(1, 11):
        for n in sizes:
            for seed in seeds:
                out.append(problem.generate(seed=seed * 1000 + klass * 10 + n // 20, klass=klass, n=n))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny run to check the script")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--samples", type=int, default=512)
    ap.add_argument("--out", type=Path, default=ROOT / "problems/binpack2d/set_scorer.pt")
    ap.add_argument("--report", type=Path, default=ROOT / "benchmarks/results/pretrain_set_scorer.json")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    problem = get_problem("binpack2d")
    if args.quick:
        train_seeds, sizes, held_sizes, cfg = range(10, 11), (20, 40), (40,), PretrainConfig(samples=64, steps=50)
    else:
        train_seeds, sizes, held_sizes = range(10, 13), (20, 40, 60, 80, 100), (40, 100)
        cfg = PretrainConfig(samples=args.samples, steps=args.steps)
    t0 = time.perf_counter()
    held_instances = _instances(problem, range(20, 21), held_sizes)

    def progress(step: int, loss: float) -> None:
        if step % 500 == 0:
            print(f"  step {step:5d}  loss {loss:.3f}", flush=True)

    # the same call as `nnopt pretrain binpack2d`, on the instances of every class
    model, report, held = pretrain_problem(
        problem, _instances(problem, train_seeds, sizes), cfg, held_out=held_instances, on_step=progress,
        out=None if args.quick else args.out,
        meta={"trained_on": "generated classes 1-10, n 20-100, seeds 10000+"})
    t_data = 0.0  # sampling is inside pretrain_problem now: seconds_train holds both
    # the harder question: ranking inside one CEM-like cloud (spread 0.08 around the start and its best)
    local_cfg = PretrainConfig(samples=256, sigmas=(0.08,), uniform=0.0, steps=1)
    rng = np.random.default_rng(cfg.seed + 1)
    local = [sample_instance(problem, inst, local_cfg, rng) for inst in held_instances]
    t_train = time.perf_counter() - t0 - t_data
    torch.manual_seed(cfg.seed)
    fresh = SetScorer(CONTEXT_WIDTH, hidden=cfg.hidden).eval()

    def rho_of(net, samples) -> dict[str, float]:
        out = {}
        for s in samples:
            net.set_context(torch.as_tensor(s.context))
            with torch.no_grad():
                out[s.name] = rank_correlation(net(torch.as_tensor(s.X)).numpy(), s.z)
        return out

    untrained, local_rho, local_untrained = rho_of(fresh, held), rho_of(model, local), rho_of(fresh, local)
    report.update(
        untrained_held_out_rho=untrained,
        held_out_rho_mean=statistics.fmean(report["held_out_rho"].values()),
        untrained_held_out_rho_mean=statistics.fmean(untrained.values()),
        held_out_local_rho=local_rho, held_out_local_rho_mean=statistics.fmean(local_rho.values()),
        untrained_held_out_local_rho_mean=statistics.fmean(local_untrained.values()),
        parameters=sum(p.numel() for p in model.parameters()),
        seconds_data=round(t_data, 1), seconds_train=round(t_train, 1),
        machine=f"{platform.machine()} {platform.processor() or ''}".strip(), torch_threads=1,
        command="python " + " ".join(["benchmarks/pretrain_set_scorer.py", *(argv if argv is not None else sys.argv[1:])]),
    )
    print(f"held-out rank correlation: pre-trained {report['held_out_rho_mean']:.3f}, "
          f"untrained {report['untrained_held_out_rho_mean']:.3f}; inside CEM-like clouds: pre-trained "
          f"{report['held_out_local_rho_mean']:.3f}, untrained {report['untrained_held_out_local_rho_mean']:.3f}; "
          f"train {t_train:.1f} s")
    if not args.quick:
        args.report.write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.out} ({args.out.stat().st_size} bytes) and {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
