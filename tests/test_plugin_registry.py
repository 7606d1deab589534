"""The one registry behind problems and methods: discovery, lazy loading, clashes and warnings, once."""
from __future__ import annotations

import warnings
from types import SimpleNamespace

import pytest

from nnopt.problems import _plugin_registry
from nnopt.problems._plugin_registry import SHIPPED_ORIGIN, PluginRegistry, PluginWarning


def checked(obj: object, expected_name: str | None) -> str:
    if not isinstance(obj, str):
        raise TypeError(f"{obj!r} is not a string")
    return obj


def entry_point(name: str, value: str, dist: str, load) -> SimpleNamespace:
    return SimpleNamespace(name=name, value=value, dist=SimpleNamespace(name=dist, version="1"), load=load)


@pytest.fixture
def plugins(monkeypatch):
    loads: list[str] = []

    def load(text):
        def loader():
            loads.append(text)
            return text
        return loader

    eps = [entry_point("fine", "pkg:fine", "fine-dist", load("fine value")),
           entry_point("broken", "pkg:broken", "broken-dist", load(42)),  # not a string: breaks the contract
           entry_point("taken", "pkg:other", "clash-dist", load("never"))]
    monkeypatch.setattr(_plugin_registry, "entry_points", lambda group: eps if group == "nnopt.widgets" else [])
    return loads


def test_plugins_are_found_loaded_on_demand_and_broken_ones_warn_once(plugins):
    reg = PluginRegistry(group="nnopt.widgets", kind="widget", validate=checked,
                         shipped_targets={"taken": "json:dumps"})
    with pytest.warns(PluginWarning, match="widget plugin 'taken' from clash-dist 1 \\(pkg:other\\) ignored: "
                                           "the name is already taken by nnopt \\(shipped\\) \\(json:dumps\\)"):
        names = list(reg.entries())
    assert names == ["taken", "broken", "fine"] and plugins == []  # nothing imported yet
    assert reg.load(reg.entries()["fine"]) == "fine value" and plugins == ["fine value"]
    assert reg.load(reg.entries()["fine"]) == "fine value" and plugins == ["fine value"]  # cached
    with pytest.warns(PluginWarning, match="widget plugin 'broken' from broken-dist 1 \\(pkg:broken\\) skipped: "
                                           "TypeError: 42 is not a string"):
        assert reg.load(reg.entries()["broken"]) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second time: no warning again
        assert reg.load(reg.entries()["broken"]) is None
    assert reg.entries()["broken"].error == "TypeError: 42 is not a string"


def test_register_clash_same_target_and_reset(plugins):
    reg = PluginRegistry(group="nnopt.widgets", kind="widget", validate=checked, discover_before_register=False)
    reg.register("own", "v1", origin=SHIPPED_ORIGIN, target="mod:Own", shown="mod:Own")  # as a shipped module does
    reg.register("own", "v2", origin="elsewhere", target="mod:Own", shown="mod:Own")  # the same target: replaced
    assert reg.entries()["own"].value == "v2" and reg.entries()["own"].origin == SHIPPED_ORIGIN
    with pytest.raises(ValueError, match="widget name 'own' is already taken by nnopt \\(shipped\\) \\(mod:Own\\); "
                                         "cannot register other:Thing \\(pass replace=True to override\\)"):
        reg.register("own", "v3", origin="register(other)", target="other:Thing", shown="other:Thing")
    reg.register("own", "v3", origin="register(other)", target="other:Thing", shown="other:Thing", replace=True)
    reg.register("mine", "v", origin="register(mine)", target="mine:M", shown="mine:M")
    assert {"own", "mine", "fine"} <= set(reg.entries())
    reg.reset()  # what shipped modules registered at import stays (they are not imported again); the rest goes
    reg.register("again", "v", origin=SHIPPED_ORIGIN, target="mod:Again", shown="mod:Again")
    assert "mine" not in reg.entries() and "fine" in reg.entries() and "again" in reg.entries()
    reg.unregister("again")
    assert "again" not in reg.entries()


def test_discovery_before_registering_makes_a_plugins_name_a_clash(plugins):
    reg = PluginRegistry(group="nnopt.widgets", kind="widget", validate=checked)
    with pytest.raises(ValueError, match="widget name 'fine' is already taken by fine-dist 1 \\(pkg:fine\\)"):
        reg.register("fine", "mine", origin="register(x)", target="x:Fine", shown="register(x)")
