"""The solution methods users pick with ``--method``: one table, name -> runner.

The face of the package is the one place that sees both the engine
(``nnopt.solver``) and the problem-specific baselines, so the table lives here.
Every runner takes the same arguments and returns a :class:`SearchResult`;
``nnopt.solve`` verifies whatever it returns.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnopt.problems.base import Problem
from nnopt.solver import Budget, SearchResult, random_key_search
from nnopt.solver._incumbent import ProgressCallback

__all__ = ["Method", "METHODS", "DEFAULT_METHOD", "get_method", "methods_for"]

#: (problem, instance, budget, seed, on_improve, threads) -> SearchResult
Runner = Callable[[Problem, Any, Budget, int, "ProgressCallback | None", "int | None"], SearchResult]


@dataclass(frozen=True)
class Method:
    name: str
    description: str
    run: Runner
    problems: tuple[str, ...] | None = None  # None: every problem
    #: what else a problem must offer (e.g. shipped pre-trained weights); None: nothing
    requires: Callable[[Problem], bool] | None = None

    def supports(self, problem: Problem) -> bool:
        named = self.problems is None or problem.name in self.problems
        return named and (self.requires is None or self.requires(problem))


def _random_keys(problem: Problem, instance: Any, budget: Budget, seed: int,
                 on_improve: ProgressCallback | None, threads: int | None) -> SearchResult:
    return random_key_search(problem, instance, budget, seed=seed, on_improve=on_improve)


def _binpack_heuristic(rule: str | None, order: str | None) -> Runner:
    def run(problem: Problem, instance: Any, budget: Budget, seed: int,
            on_improve: ProgressCallback | None, threads: int | None) -> SearchResult:
        from nnopt.baselines.binpack2d_heuristics import best_heuristic, run_heuristic

        found = best_heuristic(instance) if rule is None else run_heuristic(instance, rule, order)
        cost = float(problem.cost(instance, [found.packing])[0])
        return SearchResult(found.packing, float(found.bins), cost, evaluations=0, seconds=budget.elapsed,
                            status="heuristic", decoder=f"{found.rule}/{found.order}")

    return run


def _binpack_cpsat(problem: Problem, instance: Any, budget: Budget, seed: int,
                   on_improve: ProgressCallback | None, threads: int | None) -> SearchResult:
    from nnopt.baselines.binpack2d_cpsat import solve_cpsat
    from nnopt.baselines.binpack2d_heuristics import best_heuristic

    hint = best_heuristic(instance).packing
    limit = budget.time_limit if budget.time_limit is not None else 10.0
    found = solve_cpsat(instance, time_limit=max(0.1, limit - budget.elapsed), hint=hint,
                        workers=threads or 0, seed=seed)
    if found.packing is None:  # cannot happen with a hint; kept as a clear failure
        raise RuntimeError("cpsat returned no packing although it was given a hint")
    cost = float(problem.cost(instance, [found.packing])[0])
    return SearchResult(found.packing, float(found.objective), cost, evaluations=0, seconds=budget.elapsed,
                        status=found.status.lower(), bound=float(found.bound))


def _tsp_baseline(name: str) -> Runner:
    """A baseline of ``nnopt.baselines.tsp_baselines`` as a method: one tour, checked by ``nnopt.solve``."""

    def run(problem: Problem, instance: Any, budget: Budget, seed: int,
            on_improve: ProgressCallback | None, threads: int | None) -> SearchResult:
        from nnopt.baselines.tsp_baselines import BASELINES
        from nnopt.problems.tsp import Tour

        limit = budget.time_limit if budget.time_limit is not None else 10.0
        order = BASELINES[name](instance, max(0.1, limit - budget.elapsed), seed)
        length = problem.objective(instance, Tour(order))
        if on_improve is not None:
            on_improve(0, budget.elapsed, length, length)
        status = "budget" if name == "ortools-gls" else "heuristic"
        return SearchResult(Tour(order, length), length, length, evaluations=0, seconds=budget.elapsed,
                            status=status)

    return run


def _table() -> dict[str, Method]:
    from nnopt.baselines.binpack2d_heuristics import ORDERS, RULES

    table = {
        "random-keys": Method(
            "random-keys",
            "the problem's heuristic orders, then uniform random keys, decoded by every decoder",
            _random_keys,
        ),
        "cpsat": Method("cpsat", "exact OR-Tools CP-SAT model (hinted by the best heuristic; proves optima)",
                        _binpack_cpsat, ("binpack2d",)),
        "best-heuristic": Method("best-heuristic", "best of every placement rule over every sort order",
                                 _binpack_heuristic(None, None), ("binpack2d",)),
    }
    table.update({
        "nearest-neighbour": Method("nearest-neighbour", "nearest-neighbour tour from city seed mod n",
                                    _tsp_baseline("nearest-neighbour"), ("tsp",)),
        "christofides": Method("christofides", "Christofides via networkx (MST + minimum-weight matching; "
                               "within 1.5x of the optimum)", _tsp_baseline("christofides"), ("tsp",)),
        "ortools-gls": Method("ortools-gls", "OR-Tools routing: cheapest arc, then guided local search until "
                              "the time limit (10 s without one)", _tsp_baseline("ortools-gls"), ("tsp",)),
    })
    for rule in RULES:
        table[rule] = Method(rule, f"{rule} placement, best of the sort orders {', '.join(ORDERS)}",
                             _binpack_heuristic(rule, None), ("binpack2d",))
        for order in ORDERS:
            name = f"{rule}-{order}"
            table[name] = Method(name, f"{rule} placement, items by decreasing {order}",
                                 _binpack_heuristic(rule, order), ("binpack2d",))
    return table


# ---------------------------------------------------------------------------------------------
# The neural engine and its ablation methods (issue 4). Each engine runner also accepts the
# keyword arguments ``device`` and ``on_round`` (``engine_options = True``); ``nnopt.solve``
# passes them only to runners that declare it.
# ---------------------------------------------------------------------------------------------


class _EngineRunner:
    """Runs :func:`nnopt.solver.neural_search` with one fixed :class:`EngineConfig`."""

    engine_options = True

    def __init__(self, encoding: str | None = None, **config: Any) -> None:
        self.encoding, self.config = encoding, config

    def __call__(self, problem: Problem, instance: Any, budget: Budget, seed: int,
                 on_improve: ProgressCallback | None, threads: int | None, *, device: str = "cpu",
                 on_round: Callable[[Any], None] | None = None) -> SearchResult:
        from nnopt.solver import EngineConfig, neural_search

        cfg = EngineConfig(device=device, **self.config)
        return neural_search(problem, instance, budget, cfg, seed=seed, encoding=self.encoding,
                             on_improve=on_improve, on_round=on_round)

    def prepare(self, problem: Problem, instance: Any, device: str = "cpu") -> None:
        """One-off start-up (torch, kernels) before ``nnopt.solve`` starts the clock."""
        from nnopt.solver.engine import warm_up

        warm_up(problem, instance, self.encoding, device)


def _local_search(problem: Problem, instance: Any, budget: Budget, seed: int,
                  on_improve: ProgressCallback | None, threads: int | None) -> SearchResult:
    from nnopt.solver import local_search

    return local_search(problem, instance, budget, seed=seed, on_improve=on_improve)


def _cem_on(encoding: str | None) -> Runner:
    def run(problem: Problem, instance: Any, budget: Budget, seed: int,
            on_improve: ProgressCallback | None, threads: int | None) -> SearchResult:
        from nnopt.solver import cem

        return cem(problem, instance, budget, seed=seed, encoding=encoding, on_improve=on_improve)

    return run


#: name -> (description, engine configuration); each gets a "-control" twin with random steps.
ENGINE_CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "nnopt": ("neural engine (best configuration in benchmarks/results/ablation.md): CEM on the keys from "
              "the best sort order, run as `cem` runs alone; a per-instance MLP trained on every decode gets "
              "a bounded, adaptive share of the run (seconds under --time-limit, decodes under --max-evals) "
              "and proposes points by gradient extraction, decoded only when it predicts them in CEM's elite",
              {"search": "cem", "schedule": "share"}),
    "nnopt-rounds": ("neural engine, the older fixed CEM hybrid: every round the MLP screens CEM's samples "
                     "and a quarter of the decodes are its extracted proposals", {"search": "cem",
                                                                                  "schedule": "rounds"}),
    "nnopt-ls": ("neural engine: local search whose candidates a per-instance MLP screens and whose "
                 "moves it proposes by gradient extraction", {"search": "local-search", "schedule": "rounds"}),
    "nnopt-set": ("neural engine as `nnopt` with the permutation-invariant set model (attention over items "
                  "seen through their sort ranks)", {"search": "cem", "schedule": "share", "scorer": "set",
                                                     "train_steps": 8, "train_batch": 64}),
    "nnopt-amortised": ("neural engine as `nnopt` with the set model pre-trained on generated instances "
                        "(weights shipped with the problem, fine-tuned warm on the run's decodes); it also "
                        "screens CEM: 4x the population is drawn, the network keeps the best-predicted quarter",
                        {"search": "cem", "schedule": "share", "scorer": "set", "pretrained": True,
                         "prescreen": 4, "train_steps": 8, "train_batch": 64}),
    "nnopt-screen": ("neural engine as `nnopt` whose per-instance MLP, once trained, also screens CEM "
                     "(4x the population drawn, the best-predicted quarter decoded)",
                     {"search": "cem", "schedule": "share", "prescreen": 4}),
    "nnopt-assign": ("neural engine as `nnopt` on the soft item-to-bin assignment instead of the keys: a "
                     "gradient step moves an item between bins, a local change", {"search": "cem",
                                                                                 "schedule": "share",
                                                                                 "encoding": "assignment"}),
    "nnopt-plain": ("the naive engine: MLP on random samples, extraction from the best and fresh points",
                    {"search": "none", "nn_share": 1.0, "screen": 1, "topk": None}),
}


def _ships_weights(problem: Problem) -> bool:
    return problem.pretrained_scorer() is not None


def _engine_table() -> dict[str, Method]:
    table = {
        "local-search": Method("local-search", "swap/reinsert local search on the keys from the best sort "
                               "order (no network)", _local_search),
        "cem": Method("cem", "cross-entropy method on the keys, mean started at the best sort order "
                      "(no network)", _cem_on(None)),
        "cem-assign": Method("cem-assign", "cross-entropy method on the soft item-to-bin assignment (each bin's "
                             "items packed by the decoder, overflow repaired), started at the best heuristic "
                             "packing (no network)", _cem_on("assignment"), ("binpack2d",)),
    }
    for name, (text, cfg) in ENGINE_CONFIGS.items():
        only = ("binpack2d",) if cfg.get("encoding") == "assignment" else None
        needs = _ships_weights if cfg.get("pretrained") else None
        table[name] = Method(name, text, _EngineRunner(**cfg), only, needs)
        table[f"{name}-control"] = Method(
            f"{name}-control", f"random-step control of `{name}` (gradient step replaced by a random step "
            "of the same length)", _EngineRunner(**cfg, step="random"), only, needs)
    return table


METHODS: dict[str, Method] = {**_table(), **_engine_table()}
#: Issue 4: the engine's best configuration is the default. It runs plain CEM with a bounded
#: network share, so it is never worse than CEM by more than that share (benchmarks/results/ablation.md).
DEFAULT_METHOD = "nnopt"


def get_method(name: str) -> Method:
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"unknown method {name!r} (known: see `nnopt methods`)") from None


def methods_for(problem: Problem) -> list[Method]:
    return [m for m in METHODS.values() if m.supports(problem)]
