"""Shared fixtures: the repository, its examples, and the classic data in benchmarks/data/2bp.

Under ``--import-mode=importlib`` test modules cannot import this file, so
everything shared is a fixture.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
CLASSIC = REPO / "benchmarks" / "data" / "2bp"

settings.register_profile("nnopt", deadline=None, max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "nnopt"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def example_path() -> Path:
    return REPO / "examples" / "cl_07_040_01.json"


@pytest.fixture(scope="session")
def classic() -> Path:
    """``benchmarks/data/2bp``: the 500 classic instances ship with the repository."""
    return CLASSIC
