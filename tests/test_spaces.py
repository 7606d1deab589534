"""Spaces: validation in one line, uniform samples, codes that round-trip, keys, decoders, features."""
from __future__ import annotations

import numpy as np
import pytest

from nnopt import NnoptError
from nnopt.spaces import Binary, Categorical, Permutation, Product, SpaceError

SPACES = [Binary(7), Categorical([2, 3, 5]), Categorical([["red", "green"], [1.5, 2.5, 3.5]]), Permutation(6),
          Binary(3) * Permutation(4) * Categorical([3])]


@pytest.mark.parametrize(("build", "named"), [
    (lambda: Binary(0), "Binary(n)"), (lambda: Binary(2.5), "Binary(n)"), (lambda: Binary(True), "Binary(n)"),
    (lambda: Permutation(-1), "Permutation(n)"), (lambda: Categorical([]), "Categorical(choices)"),
    (lambda: Categorical([3, 0]), "Categorical(choices)[1]"), (lambda: Categorical("abc"), "Categorical(choices)"),
    (lambda: Categorical([["a", "a"]]), "Categorical(choices)[0]"),
    (lambda: Categorical([[]]), "Categorical(choices)[0]"),
    (lambda: Product(), "Product(*spaces)"), (lambda: Product(Binary(2), 3), "Product(*spaces)[1]"),
])
def test_a_bad_argument_is_one_line_naming_it(build, named):
    with pytest.raises(SpaceError) as err:
        build()
    assert isinstance(err.value, NnoptError)
    assert named in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("space", SPACES, ids=repr)
def test_samples_round_trip_through_codes_and_keys(space):
    rng = np.random.default_rng(0)
    for sol in space.sample(rng, 20):
        code = space.to_code(sol)
        assert code.shape == (space.code_size,)
        again = space.to_solution(code)
        assert space.key(again) == space.key(sol)
        assert np.array_equal(space.to_code(again), code)


@pytest.mark.parametrize("space", SPACES, ids=repr)
def test_decoded_random_keys_are_valid_codes_and_one_hot_has_one_cell_per_variable(space):
    rng = np.random.default_rng(1)
    codes = space.decode_keys(rng.random((30, space.key_size)))
    assert codes.shape == (30, space.code_size)
    for code in codes:
        space.to_code(space.to_solution(code))  # a valid solution: no SpaceError
    feats = space.one_hot(codes)
    assert feats.shape == (30, space.feature_size)
    assert set(np.unique(feats)) <= {0.0, 1.0}


def test_decoders_threshold_argmax_and_argsort():
    assert Binary(3).decode_keys(np.array([[0.2, 0.7, 0.5]])).tolist() == [[0, 1, 1]]
    cat = Categorical([2, 3])
    assert cat.to_solution(cat.decode_keys(np.array([[0.9, 0.1, 0.1, 0.2, 0.8]]))[0]) == [0, 2]
    perm = Permutation(4)
    # the item with the smallest key comes first
    assert perm.to_solution(perm.decode_keys(np.array([[0.4, 0.1, 0.9, 0.3]]))[0]).tolist() == [1, 3, 0, 2]


def test_solutions_outside_the_space_are_refused():
    with pytest.raises(SpaceError, match="shape"):
        Binary(3).to_code([1, 0])
    with pytest.raises(SpaceError, match="0/1"):
        Binary(2).to_code([1, 2])
    with pytest.raises(SpaceError, match="once"):
        Permutation(3).to_code([0, 0, 1])
    with pytest.raises(SpaceError, match="'blue'"):
        Categorical([["red", "green"]]).key(["blue"])


def test_categorical_values_and_product_solutions_are_in_the_users_terms():
    space = Categorical([["red", "green"], 3]) * Binary(2)
    assert isinstance(space, Product) and len(space.parts) == 2
    sol = space.to_solution(np.array([1, 2, 1, 0]))
    assert sol[0] == ["green", 2] and sol[1].dtype == bool and sol[1].tolist() == [True, False]
    assert space.size == 2 * 3 * 4


def test_uniform_samples_cover_a_small_space():
    space = Permutation(3)
    keys = {space.key(s) for s in space.sample(np.random.default_rng(2), 200)}
    assert len(keys) == space.size == 6


def test_marginals_sampling_follows_the_table():
    perm = Permutation(5)
    table = np.eye(5) * 0.96 + 0.01  # item i almost surely at position i
    codes = perm.sample_marginals(table, np.random.default_rng(3), 50)
    assert all(sorted(c) == list(range(5)) for c in codes.tolist())
    assert (codes == np.arange(5)).mean() > 0.8
    bits = Binary(4)
    drawn = bits.sample_marginals(np.array([[1.0, 0.0]] * 2 + [[0.0, 1.0]] * 2), np.random.default_rng(4), 10)
    assert drawn.tolist() == [[0, 0, 1, 1]] * 10


def test_mutate_changes_one_small_thing():
    rng = np.random.default_rng(5)
    space = Binary(5) * Permutation(4)
    code = space.to_code((np.zeros(5, bool), np.arange(4)))
    for _ in range(20):
        moved = space.mutate(code, rng)
        assert not np.array_equal(moved, code)
        space.to_code(space.to_solution(moved))
        assert 1 <= (moved != code).sum() <= 2
