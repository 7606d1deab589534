"""Search rules for black-box objectives, found by name in a registry.

A rule proposes integer codes of the space and hands them to the :class:`Evaluator`, which
answers known solutions from its cache, evaluates new ones within the budget and ends the
search (by raising :class:`SearchStopped`) when the budget, the time or the space runs out. A
rule's batches never depend on ``n_jobs``, so a seeded run proposes the same solutions whether
they are evaluated one at a time or in parallel.

Shipped: ``random`` (uniform samples), ``cem`` (a cross-entropy search over the space's own
per-variable distributions), and in :mod:`nnopt.solver.blackbox.network` the model loop
``network`` with its two controls ``network-random-step`` and ``no-model``.
"""
from __future__ import annotations

import importlib
from abc import ABC, abstractmethod

import numpy as np

from nnopt.problems.errors import OptionError
from nnopt.solver.blackbox.evaluator import Evaluator

__all__ = ["CrossEntropy", "RandomSearch", "SearchRule", "available_rules", "get_rule", "register_rule"]

#: modules whose rules register themselves on import (the network's imports torch only when it runs)
SHIPPED_MODULES = ("nnopt.solver.blackbox.network",)
_RULES: dict[str, SearchRule] = {}
_loaded = False


class SearchRule(ABC):
    """A way to spend a budget of evaluations on a space."""

    name: str = ""
    description: str = ""

    @abstractmethod
    def run(self, ev: Evaluator, rng: np.random.Generator) -> None:
        """Propose solutions to ``ev`` until it stops the search (returning early also ends it)."""


def register_rule(rule: SearchRule) -> SearchRule:
    """Make ``rule`` available to ``nnopt.minimize(method=rule.name)``."""
    if not rule.name:
        raise OptionError(f"a search rule needs a name, got {rule!r}")
    _RULES[rule.name] = rule
    return rule


def _load_shipped() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in SHIPPED_MODULES:
            importlib.import_module(module)


def available_rules() -> list[str]:
    _load_shipped()
    return sorted(_RULES)


def get_rule(name: str) -> SearchRule:
    _load_shipped()
    if name not in _RULES:
        raise OptionError(f"method must be one of {', '.join(sorted(_RULES))} or 'auto', got {name!r}")
    return _RULES[name]


def batch_size(budget: int) -> int:
    """Solutions per proposal batch: small budgets learn after every few evaluations."""
    return max(1, min(16, budget // 25))


class RandomSearch(SearchRule):
    name = "random"
    description = "uniform random solutions, each new one evaluated (the floor every method must beat)"

    def run(self, ev: Evaluator, rng: np.random.Generator) -> None:
        while True:
            ev.evaluate(ev.space.sample_codes(rng, 16))


class CrossEntropy(SearchRule):
    """A population drawn from per-variable distributions (a bit's probability, a category's
    probabilities, an item's position probabilities), refitted to the best fifth of each
    population. The first population is uniform: the start favours no solution."""

    name = "cem"
    description = "cross-entropy search over per-variable distributions of the space"

    def run(self, ev: Evaluator, rng: np.random.Generator) -> None:
        leaves = ev.space.leaves
        tables = [leaf.uniform_marginals() for leaf, _ in leaves]
        uniform = [t.copy() for t in tables]
        pop = int(np.clip(ev.max_evals // 8, 10, 50))
        n_elite = max(2, pop // 5)
        smoothing = 0.7
        while True:
            codes = np.concatenate([leaf.sample_marginals(t, rng, pop) for (leaf, _), t in zip(leaves, tables)],
                                   axis=1)
            values = ev.evaluate(codes)
            elite = codes[np.argsort(values, kind="stable")[:n_elite]]
            for j, (leaf, off) in enumerate(leaves):
                fitted = leaf.marginals_of(elite[:, off:off + leaf.code_size])
                # a floor of half a move per solution keeps new solutions coming after convergence
                floor = 0.5 / leaf.code_size
                tables[j] = (1 - floor) * ((1 - smoothing) * tables[j] + smoothing * fitted) + floor * uniform[j]


register_rule(RandomSearch())
register_rule(CrossEntropy())
