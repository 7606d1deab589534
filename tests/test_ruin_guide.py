"""The learned ruin guide — its network, its compiled choice, its place in the loop."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnopt
from nnopt.solver._budget import Budget
from nnopt.solver._guide_kernels import pick_candidate
from nnopt.solver._guide_model import HIDDEN, AttemptLog, GuideModel
from nnopt.solver.ruin_guide import CHOICES, make_chooser
from nnopt.solver.ruin_recreate import RRConfig, ruin_recreate

BP = nnopt.get_problem("binpack2d")
TSP = nnopt.get_problem("tsp")


def _batch(rng, n=40, F=6, R=4):
    counts = rng.integers(1, R + 1, size=n)
    members = rng.random((n, R, F)) * (np.arange(R)[None, :, None] < counts[:, None, None])
    return members, counts, rng.random((n, F)), (rng.random(n) < 0.3).astype(float)


def test_analytic_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    model = GuideModel.new(6, 4, seed=1)
    members, counts, context, y = _batch(rng)
    w = np.ones(len(y))

    def loss() -> float:
        z = model._forward(members, counts, context)[0]
        p = 1 / (1 + np.exp(-z))
        return float(np.mean(w * -(y * np.log(p) + (1 - y) * np.log(1 - p))))

    grads = model._grads(members, counts, context, y, w)
    for name in ("A", "a", "B", "b", "v", "c"):
        flat = model.params[name].reshape(-1)
        for i in rng.choice(flat.size, size=min(4, flat.size), replace=False):
            old = flat[i]
            flat[i] = old + 1e-6
            up = loss()
            flat[i] = old - 1e-6
            down = loss()
            flat[i] = old
            assert grads[name].reshape(-1)[i] == pytest.approx((up - down) / 2e-6, rel=1e-4, abs=1e-7), name


def test_per_state_shortcut_and_torch_mirror_give_the_same_log_odds():
    rng = np.random.default_rng(1)
    model = GuideModel.new(6, 5, seed=2)
    phi, masks = rng.random((30, 6)), (rng.random((7, 30)) < 0.1).astype(float)
    masks[:, 0] = 1.0
    context = phi.mean(axis=0)
    slow = model.logits(model.embed(phi), context, masks)
    EB, const = model.prepare(phi, context)  # what the compiled choice scores with
    k = masks.sum(axis=1)
    pre = (masks @ EB) / k[:, None] + const + np.outer(k / model.max_ruin, model.params["B"][-1])
    fast = np.maximum(pre, 0.0) @ model.params["v"] + model.params["c"][0]
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-12)
    torch = pytest.importorskip("torch")
    mirror = model.torch_mask_model(phi, context)(torch.as_tensor(masks, dtype=torch.float32))
    np.testing.assert_allclose(mirror.numpy(), slow, rtol=1e-4, atol=1e-4)


def test_training_learns_a_rule_it_can_represent():
    """Success iff the ruined components' first feature is high on average: learnable, so AUC ~ 1."""
    rng = np.random.default_rng(3)
    members, counts, context, _ = _batch(rng, n=3000)
    mean0 = members[:, :, 0].sum(axis=1) / counts
    y = (mean0 > 0.6).astype(float)
    model = GuideModel.new(6, 4, seed=0)
    before = model.loss(members, counts, context, y)
    model.fit(members, counts, context, y, 600, np.random.default_rng(0), lr=0.02)
    z = model._forward(members, counts, context)[0]
    assert model.loss(members, counts, context, y) < before
    order = np.argsort(z)
    ranks = np.empty(len(z))
    ranks[order] = np.arange(1, len(z) + 1)
    pos = y > 0
    auc = (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())
    assert auc > 0.95


def test_weights_file_round_trip(tmp_path):
    model = GuideModel.new(10, 5, seed=4)
    model.save(tmp_path / "g.npz")
    back = GuideModel.load(tmp_path / "g.npz")
    assert (back.features, back.max_ruin) == (10, 5)
    for k, v in model.params.items():
        np.testing.assert_array_equal(back.params[k], v)


def test_attempt_log_is_a_ring_buffer():
    log = AttemptLog(3, 2, capacity=4)
    for i in range(6):
        log.add(np.full((1 + i % 2, 3), float(i)), np.zeros(3), success=i == 5)
    members, counts, _, success = log.arrays()
    assert log.size == 4 and success.sum() == 1 == log.positives
    assert sorted(members[:, 0, 0]) == [2.0, 3.0, 4.0, 5.0]
    assert all(members[j, counts[j]:].sum() == 0 for j in range(4))


@settings(max_examples=40, deadline=None)
@given(C=st.integers(1, 40), max_ruin=st.integers(1, 6), K=st.integers(1, 10), seed=st.integers(0, 2**31 - 1),
       mix=st.sampled_from([0, 1, 2, 3]))
def test_compiled_choice_is_distinct_components_and_never_below_the_first_candidate(C, max_ruin, K, seed, mix):
    rng = np.random.default_rng(seed)
    cum = np.cumsum(rng.random(C) + 1e-3)
    EB, const = rng.normal(size=(C, HIDDEN)), rng.normal(size=HIDDEN)
    size_w, v = rng.normal(size=HIDDEN), rng.normal(size=HIDDEN)
    have, none = np.ones(C, dtype=np.bool_), np.zeros((0, 0))  # every row given: nothing computed lazily
    first = pick_candidate(cum, EB, have, none, none, np.zeros(0), none, const, size_w, v, 0.0, K, max_ruin,
                           False, seed, mix)
    best = pick_candidate(cum, EB, have, none, none, np.zeros(0), none, const, size_w, v, 0.0, K, max_ruin,
                          True, seed, mix)
    for members in (first, best):
        assert 1 <= len(members) <= min(max_ruin, C)
        assert len(set(members.tolist())) == len(members) and members.min() >= 0 and members.max() < C

    def score(m):
        pre = EB[m].mean(axis=0) + const + size_w * len(m) / max_ruin
        return float(np.maximum(pre, 0) @ v)

    assert score(best) >= score(first) - 1e-9


def _instance():
    return BP.generate(5, klass=7, n=60)


def test_component_features_mean_the_same_scale_on_every_state():
    inst = _instance()
    sol = nnopt.solve(inst, problem="binpack2d", method="random-keys", max_evals=20).solution
    state = BP.tighten(inst, BP.search_state(inst, sol))
    phi = BP.component_features(inst, state)
    assert phi.shape == (state.L, 10)
    assert np.all(phi >= 0) and np.all(phi <= 1 + 1e-12)
    fill = phi[:, 0] * inst.bin_area
    used = np.bincount(state.ib[state.ib >= 0], weights=(inst.widths * inst.heights)[state.ib >= 0],
                       minlength=state.L)
    np.testing.assert_allclose(fill, used)
    assert phi[0, 7] > 0  # the tightened state leaves items out, and every bin sees it


@pytest.mark.parametrize("choice", CHOICES)
def test_every_choice_packs_feasibly_and_reproduces_under_a_move_budget(choice):
    inst = _instance()
    cfg = RRConfig(choice=choice, guide=() if choice == "pretrained" else (("warmup", 50), ("min_positives", 1),
                                                                            ("refit_every", 50)))
    if choice == "pretrained" and BP.pretrained_guide() is None:
        pytest.skip("no shipped guide weights")
    runs = [ruin_recreate(BP, inst, Budget(max_evals=400), seed=3, config=cfg) for _ in range(2)]
    assert BP.check(inst, runs[0].solution) == []
    assert runs[0].objective == runs[1].objective
    assert runs[0].info == runs[1].info
    if choice in ("learned", "gradient") and runs[0].info["moves"] >= 200:
        assert runs[0].info["guided"] > 0


def test_learned_choices_need_component_features():
    with pytest.raises(ValueError, match="component_features"):
        make_chooser("learned", TSP, None, 5, 2.0, 0)
    with pytest.raises(ValueError, match="unknown component choice"):
        make_chooser("best", BP, None, 5, 2.0, 0)
    from nnopt.solver.methods import get_method

    assert "component_features" in get_method("ruin-recreate", TSP, choice="learned").unsupported(TSP)


def test_the_shipped_guide_matches_binpack2d_features():
    path = BP.pretrained_guide()
    assert path is not None, "binpack2d ships ruin_guide.npz (benchmarks/pretrain_ruin_guide.py)"
    model = GuideModel.load(path)
    inst = _instance()
    sol = nnopt.solve(inst, problem="binpack2d", method="random-keys", max_evals=20).solution
    state = BP.search_state(inst, sol)
    assert model.features == BP.component_features(inst, state).shape[1]
    assert model.max_ruin == RRConfig().max_ruin


def test_default_method_runs_the_problems_draw_and_the_guide_as_a_parameter(repo):
    from nnopt.solver.methods import get_method

    inst = BP.generate(8, klass=8, n=80)
    # no network in the default: the guide did not beat the uniform draw at equal time
    assert get_method("nnopt").params["choice"] == "auto"
    assert get_method("nnopt").choice(BP) == ("random", None)
    runs = [nnopt.solve(inst, problem="binpack2d", method=m, max_evals=1500, seed=2)
            for m in ("nnopt", "nnopt", "nnopt-random", "nnopt-pretrained")]
    assert runs[0].objective == runs[1].objective and runs[0].evaluations == runs[1].evaluations
    assert all(BP.check(inst, r.solution) == [] for r in runs)
    # the default is the uniform draw on binpack2d, bit for bit
    assert BP.solution_to_json(inst, runs[0].solution) == BP.solution_to_json(inst, runs[2].solution)
    tsp_file = str(repo / "examples" / "tsp_uniform_050.json")
    asked = nnopt.solve(tsp_file, method="nnopt-learned", max_evals=300)
    assert any("lacks the ComponentFeatures capability (component_features)" in note
               and "ran choice=weakness" in note for note in asked.notes)
    default = nnopt.solve(tsp_file, method="nnopt", max_evals=300)
    assert not default.notes or not any("choice" in note for note in default.notes)
    assert default.objective == nnopt.solve(tsp_file, method="nnopt-weakness", max_evals=300).objective


def test_compiled_state_view_and_lazy_rows_match_the_model():
    from nnopt.solver._guide_kernels import state_view

    rng = np.random.default_rng(7)
    model = GuideModel.new(10, 5, seed=3)
    phi, weak = rng.random((23, 10)), rng.random(23)
    P = model.params
    phi_old, known = np.full((23, 10), np.nan), np.ones(23, dtype=np.bool_)
    cum, const, context = state_view(phi, weak, 2.0, P["b"], P["B"][HIDDEN:-1], phi_old, known)
    assert not known.any() and np.array_equal(phi_old, phi)  # nothing carried from an unknown state
    EB2, const2 = model.prepare(phi, phi.mean(axis=0))
    np.testing.assert_allclose(const, const2, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(context, phi.mean(axis=0))
    np.testing.assert_allclose(cum, np.cumsum(weak ** 2 + 1e-3))
    EB, have = np.full((23, HIDDEN), np.nan), np.zeros(23, dtype=np.bool_)
    lazy = pick_candidate(cum, EB, have, phi, P["A"], P["a"], P["B"][:HIDDEN], const, P["B"][-1], P["v"],
                          float(P["c"][0]), 16, 5, True, 11, 2)
    eager = pick_candidate(cum, EB2, np.ones(23, dtype=np.bool_), phi, P["A"], P["a"], P["B"][:HIDDEN], const,
                           P["B"][-1], P["v"], float(P["c"][0]), 16, 5, True, 11, 2)
    np.testing.assert_array_equal(lazy, eager)
    assert have.any() and not have.all()  # only the rows some candidate needed
    np.testing.assert_allclose(EB[have], EB2[have], rtol=1e-10, atol=1e-12)
    assert set(lazy.tolist()) <= set(np.flatnonzero(have).tolist())


def test_state_view_keeps_only_the_rows_whose_features_did_not_change():
    from nnopt.solver._guide_kernels import state_view

    rng = np.random.default_rng(3)
    model = GuideModel.new(10, 5, seed=1)
    P = model.params
    phi = rng.random((12, 10))
    phi_old, known = phi.copy(), np.ones(12, dtype=np.bool_)
    known[4] = False  # never computed: stays unknown
    new = phi.copy()
    new[[2, 7], 3] += 0.5  # two components changed by a move
    state_view(new, rng.random(12), 2.0, P["b"], P["B"][HIDDEN:-1], phi_old, known)
    assert np.flatnonzero(~known).tolist() == [2, 4, 7]
    np.testing.assert_array_equal(phi_old, new)


@settings(max_examples=40, deadline=None)
@given(C=st.integers(1, 30), max_ruin=st.integers(1, 6), seed=st.integers(0, 2**31 - 1), uniform=st.booleans())
def test_compiled_control_draw_is_distinct_components(C, max_ruin, seed, uniform):
    from nnopt.solver._guide_kernels import draw_members, roulette

    weak = np.random.default_rng(seed).random(C)
    cum = roulette(weak, 2.0, uniform)
    np.testing.assert_allclose(cum, np.cumsum(np.ones(C) if uniform else weak ** 2 + 1e-3))
    members = draw_members(cum, max_ruin, seed)
    assert 1 <= len(members) <= min(max_ruin, C)
    assert len(set(members.tolist())) == len(members) and members.min() >= 0 and members.max() < C
    np.testing.assert_array_equal(members, draw_members(cum, max_ruin, seed))  # seeded: reproducible


def test_the_weakness_draw_prefers_weak_components():
    from nnopt.solver._guide_kernels import draw_members, roulette

    weak = np.array([0.0, 0.0, 0.0, 1.0])
    counts = np.zeros(4)
    for seed in range(400):
        for j in draw_members(roulette(weak, 2.0, False), 1, seed):
            counts[j] += 1
    assert counts[3] > 0.95 * counts.sum()


@pytest.mark.parametrize("per_pick, views", [(1, 3), (10**6, 5)])
def test_a_view_serves_refresh_picks_and_restart_forces_a_new_one(monkeypatch, per_pick, views):
    """A view serves ``refresh`` picks where the state has at least ``refresh`` times
    ``VIEW_COMPONENTS_PER_PICK`` components; with fewer (here: a huge per-pick count) one per state."""
    import nnopt.solver.ruin_guide as rg

    monkeypatch.setattr(rg, "VIEW_COMPONENTS_PER_PICK", per_pick)  # read when a chooser is made
    inst = _instance()
    calls = []

    class Counting(type(BP)):
        def component_features(self, instance, state):
            calls.append(state)
            return super().component_features(instance, state)

    prob = Counting()
    chooser = make_chooser("pretrained", prob, inst, 5, 2.0, seed=0, refresh=3)
    rng = np.random.default_rng(0)
    sol = prob.decode(inst, prob.heuristic_encodings(inst)[:1])[0]
    state = prob.tighten(inst, prob.search_state(inst, sol))
    moved = [prob.ruin(inst, state, np.array([0]), rng) for _ in range(4)]
    for s in [state, state] + moved[:2]:  # the viewed state twice, then two moved-on states
        chooser.pick(inst, s, rng)
    assert len(calls) == (1 if views == 3 else 3)
    chooser.pick(inst, moved[2], rng)  # a third pick past the view: a new one either way
    assert calls[-1] is moved[2] and len(calls) == views - 1
    chooser.restart()
    chooser.pick(inst, moved[2], rng)
    assert len(calls) == views


def test_the_guide_survives_every_tighten_of_a_run(monkeypatch):
    """Each improvement replaces the state by one with a bin fewer; a stale view of the old
    one would name bins that no longer exist. From one item per bin, the run tightens often."""
    from nnopt.problems.binpack2d._solution import Packing

    inst = BP.generate(3, klass=1, n=40)
    n = inst.n
    alone = Packing(np.stack([np.arange(n), np.arange(n), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64),
                              inst.widths, inst.heights, np.zeros(n, dtype=np.int64)], axis=1).astype(np.int64))
    assert not BP.check(inst, alone)
    tightened = []

    class Counting(type(BP)):
        def tighten(self, instance, state):
            tightened.append(state)
            return super().tighten(instance, state)

    prob = Counting()
    import nnopt.solver.ruin_guide as rg

    monkeypatch.setattr(rg, "VIEW_COMPONENTS_PER_PICK", 1)  # 40 bins: stale views of up to 40 picks
    res = ruin_recreate(prob, inst, Budget(max_evals=400), seed=0, start=alone,
                        config=RRConfig(choice="pretrained", guide=(("refresh", 50),)))
    assert len(tightened) >= 3 and not prob.check(inst, res.solution)
    assert res.objective < n


def test_a_pretrained_guide_without_refits_logs_nothing_and_still_runs():
    inst = _instance()
    res = ruin_recreate(BP, inst, Budget(max_evals=300), seed=0,
                        config=RRConfig(choice="pretrained", guide=(("refit_every", 0),)))
    assert not BP.check(inst, res.solution)
    chooser = make_chooser("pretrained", BP, inst, 5, 2.0, seed=0, refit_every=0)
    sol = BP.decode(inst, BP.heuristic_encodings(inst)[:1])[0]
    state = BP.tighten(inst, BP.search_state(inst, sol))
    chooser.pick(inst, state, np.random.default_rng(0))
    chooser.observe((0.0, 0.0), (1.0, 0.0))
    assert chooser.moves == 1 and chooser._log.size == 0
