"""The network loop's pieces: relaxations agree with the space's features and round back to their codes."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnopt.solver.blackbox.network import RELAXATIONS, Ensemble, ModelLoop, standardised  # noqa: E402
from nnopt.spaces import Binary, Categorical, Permutation  # noqa: E402

SPACE = Binary(4) * Categorical([2, 5, 3]) * Permutation(5)


def relaxations():
    return [(RELAXATIONS[type(leaf)](leaf), leaf, off) for leaf, off in SPACE.leaves]


def test_a_codes_logits_round_back_to_it_and_relax_near_its_features():
    codes = SPACE.sample_codes(np.random.default_rng(0), 12)
    feats = []
    for r, leaf, off in relaxations():
        part = codes[:, off:off + leaf.code_size]
        logits = r.logits_of(part) * 5  # sharper than a start: the relaxation is then nearly the indicator
        assert np.array_equal(r.round(logits), part)
        feats.append(r.relax(torch.as_tensor(logits, dtype=torch.float32)).numpy())
    assert np.abs(np.concatenate(feats, axis=1) - SPACE.one_hot(codes)).max() < 0.01


def test_sinkhorn_makes_a_doubly_stochastic_matrix_and_rounds_to_a_permutation():
    leaf = Permutation(6)
    r = RELAXATIONS[Permutation](leaf)
    logits = np.random.default_rng(1).normal(size=(3, 6, 6))
    p = r.relax(torch.as_tensor(logits, dtype=torch.float32)).numpy().reshape(3, 6, 6)
    assert np.allclose(p.sum(axis=2), 1, atol=1e-3) and np.allclose(p.sum(axis=1), 1, atol=1e-3)
    for code in r.round(logits):
        assert sorted(code.tolist()) == list(range(6))


def test_categories_beyond_a_variables_count_are_never_chosen():
    leaf = Categorical([2, 5])
    r = RELAXATIONS[Categorical](leaf)
    logits = np.zeros((4, 2, 5))
    logits[:, 0, 4] = 9.0  # a cell that does not exist for the first variable
    assert (r.round(logits)[:, 0] < 2).all()


def test_the_ensemble_learns_a_linear_objective():
    rng = np.random.default_rng(2)
    codes = Binary(8).sample_codes(rng, 64)
    x = torch.as_tensor(codes, dtype=torch.float32)
    y = torch.as_tensor(standardised(codes @ np.arange(8.0)), dtype=torch.float32)
    model = Ensemble(8, 32, torch.Generator().manual_seed(0))
    model.fit(x, y, 400)
    with torch.no_grad():
        pred = model.predict_all(x).mean(dim=0).numpy()
    assert np.corrcoef(pred, y.numpy())[0, 1] > 0.9


def test_random_and_gradient_steps_have_the_same_length():
    rels = [r for r, _, _ in relaxations()]
    model = Ensemble(SPACE.feature_size, 16, torch.Generator().manual_seed(0))
    start = [r.logits_of(SPACE.sample_codes(np.random.default_rng(3), 6)[:, off:off + leaf.code_size])
             for r, leaf, off in relaxations()]
    members = torch.zeros(6, dtype=torch.long)
    moved = {}
    for step in ("gradient", "random"):
        loop = ModelLoop("x", "", step)
        out = loop._steps([s.copy() for s in start], rels, model, members, 1, 0.7, np.random.default_rng(4))
        masks = [r.allowed for r in rels]
        squared = [(((o - s) * m).reshape(6, -1) ** 2).sum(axis=1) for o, s, m in zip(out, start, masks)]
        moved[step] = np.sqrt(np.sum(squared, axis=0))
    assert np.allclose(moved["gradient"], 0.7, atol=1e-3) and np.allclose(moved["random"], 0.7, atol=1e-3)


def test_standardised_values_rank_a_rejected_solution_last():
    z = standardised(np.array([1.0, 3.0, np.inf, 2.0]))
    assert np.isfinite(z).all() and z.argmax() == 2 and abs(z.mean()) < 1e-9
