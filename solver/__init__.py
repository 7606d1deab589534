"""The problem-agnostic engine: search loops that know problems only through the contract.

Nothing here imports a concrete problem (a test checks the import graph). The
torch-based names (the neural engine, the extraction routine) load on first
use, so commands that never touch a network do not pay torch's import time.
"""
from __future__ import annotations

import importlib
from typing import Any

from nnopt.solver._budget import Budget
from nnopt.solver._incumbent import Incumbent, SearchResult
from nnopt.solver.cem import cem
from nnopt.solver.local_search import local_search
from nnopt.solver.random_search import random_key_search

_LAZY = {
    "EngineConfig": "nnopt.solver.engine_config",
    "ExtractionConfig": "nnopt.solver.engine_config",
    "RoundsConfig": "nnopt.solver.engine_config",
    "ShareConfig": "nnopt.solver.engine_config",
    "TrainingConfig": "nnopt.solver.engine_config",
    "RoundLog": "nnopt.solver.engine",
    "neural_search": "nnopt.solver.engine",
    "resolve_device": "nnopt.solver.engine",
    "BoxClamp": "nnopt.solver.extract",
    "Conservative": "nnopt.solver.extract",
    "Jitter": "nnopt.solver.extract",
    "L2": "nnopt.solver.extract",
    "TrustRegion": "nnopt.solver.extract",
    "extract": "nnopt.solver.extract",
}

__all__ = ["Budget", "Incumbent", "SearchResult", "cem", "local_search", "random_key_search", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nnopt.solver' has no attribute {name!r}")
