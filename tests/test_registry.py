"""The problem registry: shipped + entry points, clear warnings, validated runtime registration."""
from __future__ import annotations

import warnings
from importlib.metadata import EntryPoint

import pytest

from nnopt.problems import PluginWarning, Problem, UnknownProblemError, _plugin_registry, _registry
from nnopt.problems.binpack2d import BinPack2D


@pytest.fixture(autouse=True)
def fresh_registry():
    _registry.reset()
    yield
    _registry.reset()


class FakeDist:
    def __init__(self, name: str) -> None:
        self.name, self.version = name, "1.0"


def fake_entry_points(*specs):
    eps = []
    for name, value, dist in specs:
        ep = EntryPoint(name, value, _registry.ENTRY_POINT_GROUP)
        eps.append(ep._for(FakeDist(dist)) if hasattr(ep, "_for") else ep)
    return lambda group: eps if group == _registry.ENTRY_POINT_GROUP else []


def test_shipped_problem_is_found():
    assert "binpack2d" in _registry.available_problems()
    assert _registry.get_problem_class("binpack2d") is BinPack2D
    assert isinstance(_registry.get_problem("binpack2d"), BinPack2D)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownProblemError, match="unknown problem 'nope' .*binpack2d"):
        _registry.get_problem_class("nope")


def test_broken_plugin_warns_and_the_rest_works(monkeypatch):
    monkeypatch.setattr(_plugin_registry, "entry_points", fake_entry_points(
        ("broken", "no_such_module_xyz:Thing", "broken-dist"),
        ("binpack2d", "other_pkg:Clash", "clash-dist"),
    ))
    with pytest.warns(PluginWarning, match="'binpack2d' from clash-dist.*already taken by nnopt"):
        names = _registry.available_problems()
    assert {"binpack2d", "broken"} <= set(names)
    with pytest.warns(PluginWarning, match="'broken' from broken-dist.*ModuleNotFoundError"):
        entries = {e.name: e for e in _registry.problem_entries(load=True)}
    assert entries["binpack2d"].cls is BinPack2D and entries["broken"].cls is None
    with pytest.raises(UnknownProblemError, match="broken-dist"):
        _registry.get_problem_class("broken")
    assert _registry.get_problem_class("binpack2d") is BinPack2D


def test_plugin_breaking_the_contract_is_skipped(monkeypatch):
    monkeypatch.setattr(_plugin_registry, "entry_points", fake_entry_points(
        ("wrong", "nnopt.problems.binpack2d:BinPack2D", "renamed-dist"),
    ))
    with pytest.warns(PluginWarning, match="'wrong' from renamed-dist.*registered as 'wrong'"):
        _registry.problem_entries(load=True)


class Half(Problem):
    name = "half"
    description = "not finished"


def test_register_problem_validates_on_the_spot():
    with pytest.raises(TypeError, match="does not implement"):
        _registry.register_problem(Half)
    with pytest.raises(TypeError, match="does not subclass"):
        _registry.register_problem(int)


def test_register_problem_refuses_a_taken_name_naming_both():
    class Again(BinPack2D):
        pass

    with pytest.raises(ValueError, match=r"'binpack2d' is already taken by nnopt \(shipped\).*Again"):
        _registry.register_problem(Again)
    assert _registry.register_problem(Again, replace=True) is Again
    assert _registry.get_problem_class("binpack2d") is Again


def test_register_and_unregister_a_new_name():
    class Renamed(BinPack2D):
        name = "binpack2d_copy"

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _registry.register_problem(Renamed)
    assert "binpack2d_copy" in _registry.available_problems()
    _registry.unregister_problem("binpack2d_copy")
    assert "binpack2d_copy" not in _registry.available_problems()


def test_per_encoding_search_decoders_must_name_known_encodings_and_decoders():
    class UnknownEncoding(BinPack2D):
        encoding_search_decoders = {"nope": ("maxrects-bssf",)}

    class UnknownDecoder(BinPack2D):
        encoding_search_decoders = {"assignment": ("maxrects-bssf", "nope")}

    with pytest.raises(TypeError, match="encoding_search_decoders names unknown encoding 'nope'"):
        _registry.validate_problem_class(UnknownEncoding, "binpack2d")
    with pytest.raises(TypeError, match=r"encoding_search_decoders\['assignment'\] names unknown decoder 'nope'"):
        _registry.validate_problem_class(UnknownDecoder, "binpack2d")


def test_ruin_draw_must_be_a_network_free_draw():
    class Learned(BinPack2D):
        ruin_draw = "pretrained"  # a guide is a choice the user asks for, never a problem's draw

    with pytest.raises(TypeError, match="ruin_draw must be one of weakness, random, got 'pretrained'"):
        _registry.validate_problem_class(Learned, "binpack2d")
    _registry.validate_problem_class(BinPack2D, "binpack2d")


def test_search_decoders_for_an_encoding_fall_back_to_the_search_decoders():
    p = BinPack2D()
    assert p.search_decoders_for() == p.search_decoders == p.search_decoders_for("keys")
    assert p.search_decoders_for("keys+rule") == ("maxrects-bssf",)
    # the assignment encoding names the bins, which the gap-driven decoder cannot honour
    assert "skyline-bestfit" in p.search_decoders and "skyline-bestfit" not in p.search_decoders_for("assignment")


# ----------------------------------------------------------------- declared capabilities
from nnopt.problems.capabilities import Pooling, SolutionSearch  # noqa: E402


def test_a_declared_capability_must_implement_its_hooks_and_the_error_names_them():
    class HalfSearch(SolutionSearch, Problem):
        name = "half_search"
        description = "declares SolutionSearch, implements none of it"

    with pytest.raises(TypeError, match=r"HalfSearch does not implement check \(Problem\), .*"
                                        r"ruin \(SolutionSearch\)"):
        _registry.register_problem(HalfSearch)


def test_a_capability_comes_with_what_it_builds_on():
    class PoolsWithoutSearch(Pooling, Problem):
        name = "pools_alone"

    with pytest.raises(TypeError, match="declares Pooling, which builds on SolutionSearch: declare that too"):
        from nnopt.problems.capabilities import validate_capabilities

        validate_capabilities(PoolsWithoutSearch)
