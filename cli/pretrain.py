"""``nnopt pretrain PROBLEM``: train the amortised set scorer on generated instances and write its weights.

Any problem with the TokenFeatures capability can ship pre-trained weights: the
command generates instances through the problem's own ``generate(seed, n=...)``
(``--param`` reaches its other parameters), decodes encodings where CEM looks,
fits one set scorer to them all and writes the file the problem's
``pretrained_scorer`` then returns (``nnopt-amortised`` needs it).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from nnopt.cli._common import UserError, debug_option, problem_or_error, stderr
from nnopt.cli._options import SEED


def _ints(option: str, text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise UserError(f"{option}: expected comma-separated integers, got {text!r}") from None
    if not values or any(v <= 0 for v in values):
        raise UserError(f"{option}: expected positive integers, got {text!r}")
    return values


@click.command("pretrain")
@click.argument("problem")
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Weights file to write (what the problem's pretrained_scorer returns).")
@click.option("--sizes", default="20,40", show_default=True, help="Instance sizes n, comma-separated.")
@click.option("--instances", "per_size", type=int, default=10, show_default=True,
              help="Generated instances per size (seeds from 10,000 on).")
@click.option("--held-out", type=int, default=2, show_default=True,
              help="Instances per size held out (seeds from 20,000 on) to report the rank correlation.")
@click.option("--steps", type=int, default=3000, show_default=True, help="Minibatch updates.")
@click.option("--samples", type=int, default=512, show_default=True, help="Decoded encodings per instance.")
@click.option("--param", "params_kv", multiple=True, metavar="KEY=VALUE",
              help="Another generate() parameter for every instance (repeatable).")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--quiet", is_flag=True)
@debug_option
def pretrain_cmd(problem: str, out: str, sizes: str, per_size: int, held_out: int, steps: int, samples: int,
                 params_kv: tuple[str, ...], seed: int, quiet: bool) -> None:
    """Pre-train the set scorer for PROBLEM (it must have the TokenFeatures capability) and write it to --out.

    \b
    Example:
      nnopt pretrain binpack2d --sizes 20,40,60 --instances 10 --steps 3000 --out set_scorer.pt
    """
    from nnopt.solver.pretrain import PretrainConfig, offers_token_features, pretrain_problem

    prob = problem_or_error(problem)
    if not offers_token_features(prob):
        raise UserError(f"problem {prob.name!r} lacks the TokenFeatures capability (token_features); the set "
                        "scorer needs per-coordinate features to pre-train (see docs/plugin-guide.md)")
    if per_size <= 0 or held_out < 0:
        raise UserError("--instances must be positive and --held-out not negative")
    if not Path(out).resolve().parent.is_dir():
        raise UserError(f"--out: folder {Path(out).parent} does not exist")
    params: dict[str, Any] = {}
    for kv in params_kv:
        key, sep, raw = kv.partition("=")
        if not sep or not key.isidentifier():
            raise UserError(f"--param: expected KEY=VALUE, got {kv!r}")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
        except ValueError:  # an integer of more digits than Python converts
            raise UserError(f"--param {key}: the number has more digits than any parameter takes") from None
    try:
        cfg = PretrainConfig(samples=samples, steps=steps, seed=seed)
        ns = _ints("--sizes", sizes)
        train = [prob.generate(seed=10_000 + k, n=n, **params) for n in ns for k in range(per_size)]
        held = [prob.generate(seed=20_000 + k, n=n, **params) for n in ns for k in range(held_out)]
    except (TypeError, ValueError) as exc:
        raise UserError(f"pretrain {problem}: {exc}") from exc

    def progress(step: int, loss: float) -> None:
        if not quiet and (step + 1) % 500 == 0:
            stderr(f"step {step + 1}: loss {loss:.3f}")

    _, report, _ = pretrain_problem(prob, train, cfg, held_out=held, out=out, on_step=progress,
                                    meta={"trained_on": f"generated n {sizes}, {per_size} per size, seeds 10000+"})
    if not quiet:
        rho = report["held_out_rho"]
        mean = f"{sum(rho.values()) / len(rho):.3f}" if rho else "-"
        click.echo(f"wrote {out}: {len(train)} instances, {steps} steps; held-out rank correlation {mean}")
