"""Tests of the scaling lab: corpus, model gradients, Adam, FLOP counts, training determinism, sweeps, shipped data."""
from __future__ import annotations

import argparse
import json
import math
import platform

import numpy as np
import pytest

from scalingedu.lab import (
    FULL_SWEEP,
    QUICK_SWEEP,
    CorpusMismatchError,
    MLPLanguageModel,
    ModelConfig,
    SweepDesign,
    check_corpus,
    decode,
    encode,
    load_corpus,
    load_provenance,
    load_results,
    six_nd_ratio,
    train,
    training_flops,
    training_flops_per_step,
)
from scalingedu.lab import corpus as corpus_module
from scalingedu.lab.sweep import read_results, run_sweep, sweep_summary
from scalingedu.laws import fit_chinchilla, fit_isoflop_parabolas

TINY = ModelConfig(width=5, depth=2, context=3, embedding=4)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def shipped():
    return load_results()


# --- corpus ---------------------------------------------------------------------------------------------------------

def test_encode_decode_roundtrip_and_other_symbol():
    text = "def f(x):\n    return x  # ok\n"
    assert decode(encode(text)) == text
    ids = encode("a\té")                      # tab and both bytes of é become OTHER
    assert ids.tolist()[1:] == [corpus_module.OTHER_ID] * 3
    with pytest.raises(TypeError, match="text"):
        encode(42)


def test_corpus_is_the_standard_library_split_by_file(corpus):
    # the issue asks for a corpus large enough that no sweep run repeats a character: check the largest run fits
    largest_run = max(tokens for _, _, tokens in FULL_SWEEP.runs())
    lane = (len(corpus.train) - FULL_SWEEP.context) // FULL_SWEEP.batch     # characters each batch row walks over
    assert largest_run < lane * FULL_SWEEP.batch
    share = len(corpus.validation) / (len(corpus.train) + len(corpus.validation))
    assert 0.01 < share < 0.15
    assert corpus.files > 500
    assert corpus.train.max() < corpus_module.VOCAB_SIZE


def test_split_is_deterministic_and_by_path(tmp_path):
    for i in range(40):
        (tmp_path / f"m{i}.py").write_text(f"x = {i}\n" * 50)
    (tmp_path / "site-packages").mkdir()
    (tmp_path / "site-packages" / "third.py").write_text("ignored = True\n" * 100)
    corpus_module.load_corpus.cache_clear()
    first = load_corpus(str(tmp_path))
    corpus_module.load_corpus.cache_clear()
    second = load_corpus(str(tmp_path))
    assert first.hash == second.hash and first is not second
    held_out = [f"m{i}.py" for i in range(40) if corpus_module.is_validation_file(f"m{i}.py")]
    expected = b"".join((f"x = {int(name[1:-3])}\n" * 50).encode() for name in sorted(held_out))
    assert decode(first.validation) == expected.decode()
    assert "ignored" not in decode(first.train)
    assert first.files == 40
    # a changed file changes the hash
    (tmp_path / "m3.py").write_text("y = 3\n")
    corpus_module.load_corpus.cache_clear()
    assert load_corpus(str(tmp_path)).hash != first.hash
    corpus_module.load_corpus.cache_clear()


def test_corpus_mismatch_is_detected_and_explained(corpus):
    assert check_corpus(corpus.hash, corpus) is corpus
    assert check_corpus(corpus.hash).hash == corpus.hash       # this Python's corpus, loaded afresh if need be
    with pytest.raises(CorpusMismatchError) as problem:
        check_corpus("0" * 64, made_with="Python 3.12.1")
    message = str(problem.value)
    assert "Python 3.12.1" in message and corpus.short_hash in message
    assert "not comparable" in message and "scalingedu sweep" in message
    assert isinstance(problem.value, ValueError)


# --- the model ------------------------------------------------------------------------------------------------------

def _batch(config, size, seed):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, config.vocab, size=(size, config.context)).astype(np.uint8),
            rng.integers(0, config.vocab, size=size))


def test_parameter_count_by_hand():
    # embedding 97·4, w0 12·5 + 5, w1 5·5 + 5, w_out 5·97 + 97
    assert TINY.params == 97 * 4 + (12 * 5 + 5) + (5 * 5 + 5) + (5 * 97 + 97)
    assert TINY.matmul_params == 12 * 5 + 5 * 5 + 5 * 97


def test_backward_pass_matches_finite_differences():
    """Central differences in float64 on every parameter tensor: relative error below 1e-6."""
    model = MLPLanguageModel(TINY, seed=3, dtype=np.float64)
    model.param["b0"][...] = 0.1                     # keep ReLUs off their kink at zero
    contexts, targets = _batch(TINY, 7, seed=1)
    model.loss_and_gradient(contexts, targets)
    analytic = model.grad_flat.copy()
    rng = np.random.default_rng(0)
    used = np.unique(contexts)
    checked = 0
    for name, tensor in model.param.items():
        flat_view = tensor.reshape(-1)
        if name == "embedding":
            rows = used[:3]
            indices = (rows[:, None] * TINY.embedding + np.arange(TINY.embedding)).ravel()
        else:
            indices = rng.choice(flat_view.size, size=min(8, flat_view.size), replace=False)
        offset = int((tensor.__array_interface__["data"][0] - model.flat.__array_interface__["data"][0]) / 8)
        for i in indices:
            saved = flat_view[i]
            flat_view[i] = saved + 1e-6
            up = model.loss(contexts, targets)
            flat_view[i] = saved - 1e-6
            down = model.loss(contexts, targets)
            flat_view[i] = saved
            numeric = (up - down) / 2e-6
            assert analytic[offset + i] == pytest.approx(numeric, rel=1e-6, abs=1e-9), (name, i)
            checked += 1
    assert checked > 40
    # characters that never occur in the batch get no embedding gradient
    unused = np.setdiff1d(np.arange(TINY.vocab), used)
    assert np.all(model.grad["embedding"][unused] == 0)


def test_loss_matches_a_plain_softmax_and_starts_near_log_vocab():
    model = MLPLanguageModel(ModelConfig(width=16), seed=0, dtype=np.float64)
    contexts, targets = _batch(model.config, 64, seed=2)
    logits = model.logits(contexts)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(probabilities[np.arange(64), targets]))
    assert model.loss_and_gradient(contexts, targets) == pytest.approx(expected, rel=1e-12)
    assert abs(expected - math.log(97)) < 0.5       # a fresh model is close to uniform


def test_adam_matches_kingma_and_ba_algorithm_1():
    model = MLPLanguageModel(TINY, seed=1, dtype=np.float64)
    theta = model.flat.copy()
    m = np.zeros_like(theta)
    s = np.zeros_like(theta)
    for t in range(1, 4):
        contexts, targets = _batch(TINY, 5, seed=t)
        model.loss_and_gradient(contexts, targets)
        g = model.grad_flat.copy()
        m = 0.9 * m + 0.1 * g
        s = 0.99 * s + 0.01 * g * g
        theta = theta - 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.99 ** t)) + 1e-8)
        model.adam_step(0.01)
        np.testing.assert_allclose(model.flat, theta, rtol=1e-12, atol=1e-15)


def test_model_rejects_bad_shapes():
    with pytest.raises(ValueError, match="width"):
        ModelConfig(width=0)
    with pytest.raises(TypeError, match="width"):
        ModelConfig(width=2.5)
    with pytest.raises(TypeError, match="config"):
        MLPLanguageModel("big")


# --- FLOPs ----------------------------------------------------------------------------------------------------------

def test_flop_count_by_hand_for_a_tiny_model():
    """Width 3, depth 1, context 2, embedding 2, vocab 5, batch 4, written out operation by operation."""
    config = ModelConfig(width=3, depth=1, context=2, embedding=2, vocab=5)
    counted = training_flops_per_step(config, 4)
    forward = (2 * 4 * 4 * 3          # x (4×4) @ w0 (4×3)
               + 4 * 3 + 4 * 3         # bias, ReLU
               + 2 * 4 * 3 * 5         # h (4×3) @ w_out (3×5)
               + 4 * 5                 # output bias
               + 4 * 4 * 5             # max, subtract, exp, sum over 5 logits
               + 3 * 4)                # log, minus target logit, mean
    backward = (2 * 4 + 4 * 5 + 4      # 1/(total·batch), scale, subtract at the target
                + 2 * 3 * 4 * 5 + 4 * 5  # w_out gradient, b_out gradient
                + 2 * 4 * 5 * 3          # delta through w_out
                + 3 * 4 * 3              # ReLU compare and multiply, b0 gradient
                + 2 * 4 * 4 * 3          # w0 gradient
                + 2 * 4 * 3 * 4          # delta through w0 to the inputs
                + 4 * 2 * 2)             # scatter-add into the embeddings
    params = 5 * 2 + 4 * 3 + 3 + 3 * 5 + 5
    assert (counted.forward, counted.backward, counted.optimizer) == (forward, backward, 12 * params)


@pytest.mark.parametrize("width, depth", [(16, 1), (64, 2), (256, 3)])
def test_matrix_products_cost_six_flops_per_weight_per_token(width, depth):
    """Kaplan et al. 2020, Table 1 (and §2.1): a forward pass costs 2 FLOPs per weight per token and the backward pass
    twice that, so C = 6·N·D for the weight matrices. The exact count must agree to the FLOP (tolerance 0)."""
    config = ModelConfig(width=width, depth=depth)
    assert training_flops_per_step(config, 128).matmul == 6 * config.matmul_params * 128


def test_six_nd_is_close_for_the_sweep_models():
    ratios = [six_nd_ratio(FULL_SWEEP.config(width), FULL_SWEEP.batch) for width in FULL_SWEEP.widths]
    assert all(0.75 < r < 1.1 for r in ratios)
    # embeddings cost nothing in the forward pass, so 6ND overestimates most for the smallest model
    assert ratios[0] == min(ratios)
    assert training_flops(FULL_SWEEP.config(64), 1000, 256) == 3 * training_flops_per_step(
        FULL_SWEEP.config(64), 256).total


# --- training -------------------------------------------------------------------------------------------------------

def test_training_is_deterministic_and_learns(corpus):
    config = ModelConfig(width=32)
    first = train(config, 256 * 120, corpus=corpus, seed=5, curve_points=3)
    second = train(config, 256 * 120, corpus=corpus, seed=5, curve_points=3)
    other = train(config, 256 * 120, corpus=corpus, seed=6)
    assert first.val_loss == second.val_loss and first.train_loss == second.train_loss
    np.testing.assert_array_equal(first.curve_val_loss, second.curve_val_loss)
    assert other.val_loss != first.val_loss
    assert first.val_loss < math.log(97) - 1.0       # far better than guessing: it learned something
    assert first.curve_val_loss[-1] < first.curve_val_loss[0]
    assert first.tokens == 256 * 120 and first.flops == 6.0 * config.params * first.tokens


def test_repetition_and_corruption_change_the_stream(corpus):
    from scalingedu.lab.training import lanes, training_stream

    starts, length = lanes(len(corpus.train), 16, 256, unique_tokens=256 * 400)
    assert length == 400 and np.all(np.diff(starts) > 100_000)     # the unique text is spread over the corpus
    read = (starts[:, None] + np.arange(-16, length)).ravel()
    dirty = training_stream(corpus, starts, length, 16, corruption=0.2, seed=1)
    changed = np.mean(corpus.train[read] != dirty[read])
    assert 0.17 < changed < 0.21                      # 20 % replaced, 1/97 of them by the same symbol
    untouched = np.ones(len(corpus.train), dtype=bool)
    untouched[read] = False
    assert np.array_equal(corpus.train[untouched], dirty[untouched])
    run = train(ModelConfig(width=16), 256 * 100, corpus=corpus, unique_tokens=256 * 25)
    assert run.epochs == pytest.approx(4.0) and run.unique_tokens == 256 * 25
    with pytest.raises(ValueError, match="corruption"):
        training_stream(corpus, starts, length, 16, corruption=1.5)


def test_train_rejects_bad_input(corpus):
    with pytest.raises(ValueError, match="tokens"):
        train(ModelConfig(width=16), 10, corpus=corpus)
    with pytest.raises(TypeError, match="config"):
        train(16, 10_000, corpus=corpus)


# --- sweeps ---------------------------------------------------------------------------------------------------------

def test_sweep_layout():
    for design in (FULL_SWEEP, QUICK_SWEEP):
        runs = design.runs()
        per_budget = design.window or len(design.widths)
        assert len(runs) == len(design.budgets) * per_budget
        for budget, width, tokens in runs:
            params = design.config(width).params
            assert tokens % design.batch == 0
            assert budget - 6 * params * design.batch < 6 * params * tokens <= budget
    assert len(FULL_SWEEP.budgets) >= 4 and FULL_SWEEP.window >= 5
    # the window slides up by one width per budget
    assert [FULL_SWEEP.widths_at(rank)[0] for rank in range(4)] == sorted(FULL_SWEEP.widths)[:4]
    assert {width for _, width, _ in FULL_SWEEP.runs()} == set(FULL_SWEEP.widths)
    with pytest.raises(ValueError, match="window"):
        SweepDesign(budgets=(1e10, 2e10, 3e10), widths=(16, 32, 64), window=2)
    with pytest.raises(ValueError, match="budgets"):
        SweepDesign(budgets=(1e10, 1e10), widths=(16,))
    with pytest.raises(ValueError, match="too small"):
        SweepDesign(budgets=(1e3,), widths=(16,)).runs()


def test_quick_sweep_command_writes_reproducible_results(tmp_path, capsys):
    """The quick sweep through the command's function, twice (2 processes, then 1): identical losses; it prints the
    law it fits (Approach 2's exponent and the Chinchilla law), which the lesson's fits accept."""
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run_sweep(argparse.Namespace(quick=True, out=str(first), processes=2, seed=0)) == 0
    printed = capsys.readouterr().out
    quick = read_results(first)
    fit = fit_isoflop_parabolas(quick["params"], quick["flops"], quick["val_loss"])
    assert fit.inside_sampled_range.all() and 0.2 < fit.a < 0.9
    assert f"N_opt ∝ C^{fit.a:.3f}" in printed and "Approach 3 (fit_chinchilla): L(N, D) = " in printed
    assert "no fit" not in printed and "--seeds 3" in printed
    assert run_sweep(argparse.Namespace(quick=True, out=str(second), processes=1, seed=0)) == 0
    a, b = read_results(first), read_results(second)
    np.testing.assert_array_equal(a["val_loss"], b["val_loss"])
    np.testing.assert_array_equal(a["params"], b["params"])
    meta = json.loads(first.with_suffix(".json").read_text())
    assert meta["corpus_hash"] == load_corpus().hash and meta["seed"] == 0 and "--quick" in meta["command"]
    with pytest.raises(ValueError, match="csv"):
        run_sweep(argparse.Namespace(quick=True, out=str(tmp_path / "x.txt"), processes=1, seed=0))
    with pytest.raises(ValueError, match="--out"):
        run_sweep(argparse.Namespace(quick=True, out=str(tmp_path / "no" / "x.csv"), processes=1, seed=0))


def test_seeds_train_every_run_several_times():
    design = SweepDesign(budgets=(1e10, 3e10, 9e10), widths=(16, 24, 32), seed=4, seeds=3)
    assert design.seed_values() == (4, 5, 6) and QUICK_SWEEP.seed_values() == (0,)
    with pytest.raises(ValueError, match="seeds"):
        SweepDesign(budgets=(1e10,), widths=(16,), seeds=0)


def test_shipped_seed_replicates_and_their_summary():
    """results/sweep_seeds.csv: the full sweep with seeds 0, 1, 2 (seed 0 identical to the shipped sweep); the
    summary the command prints gives each point's seed spread and the fitted laws."""
    seeds, sweep = load_results("sweep_seeds"), load_results()
    assert load_provenance("sweep_seeds")["design"]["seeds"] == 3
    assert sorted(set(seeds["seed"].tolist())) == [0, 1, 2] and len(seeds["val_loss"]) == 3 * len(sweep["val_loss"])
    np.testing.assert_array_equal(seeds["val_loss"][seeds["seed"] == 0], sweep["val_loss"])
    text = sweep_summary(seeds)
    assert "seed s.d." in text and "Approach 2 (IsoFLOP parabolas): N_opt ∝ C^" in text and "no fit" not in text
    assert "no fit" in sweep_summary({name: column[:6] for name, column in sweep.items()})


# --- the shipped results ----------------------------------------------------------------------------------------------

def test_load_results_columns(shipped):
    assert {"params", "tokens", "flops", "val_loss", "budget", "width"} <= set(shipped)
    sizes = {len(column) for column in shipped.values()}
    assert sizes == {len(FULL_SWEEP.runs())}
    assert shipped["params"].dtype == np.int64 and shipped["val_loss"].dtype == float
    np.testing.assert_array_equal(shipped["flops"], 6.0 * shipped["params"] * shipped["tokens"])
    with pytest.raises(ValueError, match="name"):
        load_results("nonexistent")


def test_shipped_provenance_matches_this_corpus():
    meta = load_provenance()
    assert {"corpus_hash", "python", "numpy", "seed", "date", "command"} <= set(meta)
    assert meta["design"]["budgets"] == list(FULL_SWEEP.budgets)
    if meta["python"] != platform.python_version():
        pytest.skip(f"shipped results were made with Python {meta['python']}: a different corpus")
    check_corpus(meta["corpus_hash"])


def test_shipped_loss_falls_with_params_and_with_tokens(shipped):
    params, tokens, loss = shipped["params"], shipped["tokens"], shipped["val_loss"]
    # more tokens at the same size: lower loss
    for width in np.unique(shipped["width"]):
        rows = np.flatnonzero(shipped["width"] == width)
        rows = rows[np.argsort(tokens[rows])]
        assert np.all(np.diff(loss[rows]) < 0), width
    # a bigger model trained on at least as many tokens: lower loss
    pairs = 0
    for i in range(len(loss)):
        for j in range(len(loss)):
            if params[j] > params[i] and tokens[j] >= tokens[i]:
                assert loss[j] < loss[i]
                pairs += 1
    assert pairs >= 5


def test_shipped_isoflop_profiles_have_interior_minima(shipped):
    interior = 0
    for budget in np.unique(shipped["budget"]):
        rows = shipped["budget"] == budget
        best = np.argmin(shipped["val_loss"][rows])
        interior += 0 < best < rows.sum() - 1
    assert interior >= 2
    fit = fit_isoflop_parabolas(shipped["params"], shipped["flops"], shipped["val_loss"])
    assert fit.inside_sampled_range.sum() >= 2
    assert 0.2 < fit.a < 0.9


def test_fit_chinchilla_on_the_shipped_sweep_gives_a_sensible_exponent(shipped):
    """The issue's criterion: the N_opt exponent a = beta/(alpha + beta) of the Approach 3 fit lies in [0.3, 0.75]."""
    law = fit_chinchilla(shipped["params"], shipped["tokens"], shipped["val_loss"])
    assert law.alpha > 0 and law.beta > 0
    assert 0.3 <= law.params_exponent <= 0.75
