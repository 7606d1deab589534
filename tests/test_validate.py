"""nnopt.problems.validate: the shared one-line checks problem authors use (and nnopt's own loaders)."""
from __future__ import annotations

import math

import pytest

from nnopt import NnoptError
from nnopt.problems import InstanceError
from nnopt.problems import validate as v


@pytest.mark.parametrize("call, message", [
    (lambda: v.json_object([1], "f.json"), "f.json: expected a JSON object, got list"),
    (lambda: v.known_keys({"a": 1, "zz": 2, "b": 3}, {"a"}, "the instance", "f"),
     "f: unknown key 'b' in the instance (allowed: a)"),
    (lambda: v.required({}, "width", "f", "bin"), "f: missing field 'bin.width'"),
    (lambda: v.positive_int(True, "n", "f"), "f: n must be a positive integer, got True"),
    (lambda: v.positive_int(0, "n", "f"), "f: n must be a positive integer, got 0"),
    (lambda: v.positive_int(2.0, "n", "f"), "f: n must be a positive integer, got 2.0"),
    (lambda: v.positive_int(11, "n", "f", 10), "f: n is 11, above the limit of 10"),
    (lambda: v.finite_number(math.nan, "x", "f"), "f: x must be a finite number, got nan"),
    (lambda: v.finite_number("1", "x", "f"), "f: x must be a number, got '1'"),
    (lambda: v.finite_number(-2e9, "x", "f", 1e9), "f: x is -2000000000.0, beyond the limit of ±1e+09"),
    (lambda: v.boolean(1, "allow_rotation", "f"), "f: allow_rotation must be true or false, got 1"),
    (lambda: v.plain_json({"a": math.inf}, "field 'meta'", "f"), "f: field 'meta' is not plain JSON"),
])
def test_each_helper_names_the_place_and_the_value(call, message):
    with pytest.raises(InstanceError) as exc:
        call()
    assert str(exc.value).startswith(message) and "\n" not in str(exc.value)
    assert isinstance(exc.value, NnoptError)


def test_valid_values_pass_through():
    assert v.positive_int(3.0, "n", "f", integral_floats=True) == 3 and v.positive_int(7, "n", "f", 7) == 7
    assert v.finite_number(-3, "x", "f", 5) == -3.0 and v.boolean(False, "b", "f") is False
    assert v.plain_json({"b": 1, "a": [None]}, "m", "f") == '{"a": [null], "b": 1}'
    assert v.required({"k": 0}, "k", "f") == 0 and v.json_object({}, "f") == {}


def test_the_shipped_loaders_speak_the_same_words():
    from nnopt.problems import get_problem

    for name, data in (("binpack2d", {"bin": {"width": 3, "height": 3}, "items": [{"width": 1, "height": 1}], "q": 1}),
                       ("tsp", {"coords": [[0, 0], [1, 0], [0, 1]], "q": 1})):
        with pytest.raises(InstanceError, match=r"^f: unknown key 'q' in the instance \(allowed: "):
            get_problem(name).load(data, source="f")
