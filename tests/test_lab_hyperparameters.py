"""Tests of the lab's support for lesson 10 (hyperparameters at scale): µP, schedules, WSD branching, the gradient
noise scale, the steps/examples trade-off, the hparam-sweep command and its shipped results."""
from __future__ import annotations

import argparse
import hashlib
import json
import math

import numpy as np
import pytest

from scalingedu.lab import MLPLanguageModel, ModelConfig, load_corpus, train
from scalingedu.lab.hyperparameters import (
    DESIGNS,
    EXPERIMENTS,
    LR_COLUMNS,
    critical_batch_sizes,
    learning_rate_drift,
    learning_rate_optima,
    load_hparam_provenance,
    load_hparam_results,
    parabola_optimum,
    read_hparam_results,
    run_hparam_sweep,
    schedule_comparison,
    steps_to_target,
)
from scalingedu.lab.noise_scale import (
    fit_tradeoff,
    measure_noise_scale,
    sampled_gradient_norms,
    simple_noise_scale,
)
from scalingedu.lab.schedules import learning_rate_at, schedule, schedule_curve, wsd_learning_rate_at
from scalingedu.lab.training import _windows, train_wsd_branches


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def _text_batch(corpus, size, seed, context=16):
    positions = np.random.default_rng(seed).integers(context, len(corpus.train), size)
    return _windows(corpus.train, positions, context)


# --- µP -------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("config", [ModelConfig(width=32), ModelConfig(width=48, depth=3, context=4, embedding=8)])
def test_mup_is_sp_at_the_base_width(corpus, config):
    """At width == base_width the width multiplier is 1: same initialisation, same rates, same training, bit for bit."""
    sp = MLPLanguageModel(config, seed=4)
    mup = MLPLanguageModel(config, seed=4, parametrization="mup", base_width=config.width)
    assert np.array_equal(sp.flat, mup.flat) and np.all(mup.learning_rate_scale == 1)
    contexts, targets = _text_batch(corpus, 64, seed=1, context=config.context)
    for _ in range(3):
        for model in (sp, mup):
            model.loss_and_gradient(contexts, targets)
            model.adam_step(0.01)
    assert np.array_equal(sp.flat, mup.flat)
    if config.width == 32:           # the default base width: train(..., parametrization="mup") is the SP run
        a = train(config, 256 * 20, corpus=corpus, seed=2, validation_characters=1024)
        b = train(config, 256 * 20, corpus=corpus, seed=2, validation_characters=1024, parametrization="mup")
        assert a.val_loss == b.val_loss and np.array_equal(a.model.flat, b.model.flat)
        assert (a.parametrization, b.parametrization) == ("sp", "mup")


def test_mup_rules_of_tensor_programs_v_table_3(corpus):
    """Width 128 over base 32 (m = 4): input-like weights and biases keep init and rate; the hidden matrix keeps its
    init and trains at η/4; the output matrix starts with half the SP standard deviation (variance ∝ 1/width²,
    equal to SP's at the base) and trains at η/4."""
    config = ModelConfig(width=128, depth=3)
    sp = MLPLanguageModel(config, seed=0)
    mup = MLPLanguageModel(config, seed=0, parametrization="mup", base_width=32)
    for name in ("embedding", "w0", "w1", "w2"):
        assert np.array_equal(sp.param[name], mup.param[name]), name
    np.testing.assert_allclose(mup.param["w_out"], 0.5 * sp.param["w_out"], rtol=1e-6)
    scale = {name: np.unique(view) for name, view in mup._views(mup.learning_rate_scale).items()}
    assert scale == {"embedding": [1], "w0": [1], "b0": [1], "w1": [0.25], "b1": [1], "w2": [0.25], "b2": [1],
                     "w_out": [0.25], "b_out": [1]}
    # the same gradient gives a hidden update a quarter of SP's and an input-layer update equal to SP's
    mup.flat[...] = sp.flat
    contexts, targets = _text_batch(corpus, 32, seed=3)
    before = sp.flat.copy()
    for model in (sp, mup):
        model.loss_and_gradient(contexts, targets)
        model.adam_step(0.01)
    sp_step, mup_step = sp._views(sp.flat - before), mup._views(mup.flat - before)
    np.testing.assert_allclose(mup_step["w1"], 0.25 * sp_step["w1"], rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(mup_step["w0"], sp_step["w0"], rtol=1e-5, atol=1e-9)


def _coordinate_changes(corpus, parametrization, widths, rate=3e-4, steps=4):
    """RMS change of the logits and of the last hidden layer after ``steps`` Adam steps on one fixed batch."""
    contexts, targets = _text_batch(corpus, 256, seed=0)

    def hidden(model):
        h = model._inputs(contexts)
        for layer in range(model.config.depth):
            h = np.maximum(h @ model.param[f"w{layer}"] + model.param[f"b{layer}"], 0)
        return h

    logits, hiddens = [], []
    for width in widths:
        model = MLPLanguageModel(ModelConfig(width=width), seed=0, parametrization=parametrization)
        logits0, hidden0 = model.logits(contexts), hidden(model)
        for _ in range(steps):
            model.loss_and_gradient(contexts, targets)
            model.adam_step(rate)
        logits.append(np.sqrt(np.mean((model.logits(contexts) - logits0) ** 2)))
        hiddens.append(np.sqrt(np.mean((hidden(model) - hidden0) ** 2)))
    return np.array(logits), np.array(hiddens)


def test_coordinate_check_mup_keeps_updates_width_independent(corpus):
    """The coordinate check of Yang et al. 2022 (Fig. 5 / App. D.1): at a fixed rate, after a few steps, how far
    have the logits and the last hidden layer moved? Measured (η = 3e-4, 4 steps, widths 64…1024, base 32):
    µP logits 0.0315, 0.0260, 0.0244, 0.0242, 0.0234 (max/min 1.35), hidden 0.061 … 0.051 (1.23);
    SP logits 0.057, 0.093, 0.187, 0.400, 0.853 (15.0), hidden 0.071 … 0.355 (5.0)."""
    widths = (64, 128, 256, 512, 1024)
    mup_logits, mup_hidden = _coordinate_changes(corpus, "mup", widths)
    sp_logits, sp_hidden = _coordinate_changes(corpus, "sp", widths)
    assert mup_logits.max() / mup_logits.min() < 2 and mup_hidden.max() / mup_hidden.min() < 2
    assert sp_logits.max() / sp_logits.min() > 8 and sp_hidden.max() / sp_hidden.min() > 3
    assert np.all(np.diff(sp_logits) > 0)                 # SP: every doubling of the width moves the logits further


def test_sp_is_unchanged_by_the_mup_option(corpus):
    """Checksums computed before µP was added (same machine): the SP initialisation, and a short SP run."""
    init = MLPLanguageModel(ModelConfig(width=40, depth=3), seed=7)
    assert hashlib.sha256(init.flat.tobytes()).hexdigest() == (
        "f7d67f67640321a4a3c209208307360379e7aaf209527f5c5661038e72da76e2")
    # on any machine: SP's Adam step is still the old float32 arithmetic, step·m/denominator for every parameter
    model = MLPLanguageModel(ModelConfig(width=24), seed=1)
    flat, m, s = model.flat.copy(), np.zeros_like(model.flat), np.zeros_like(model.flat)
    for t in range(1, 4):
        contexts, targets = _text_batch(corpus, 64, seed=t)
        model.loss_and_gradient(contexts, targets)
        g = model.grad_flat.copy()
        m *= 0.9
        m += (1.0 - 0.9) * g
        s *= 0.99
        s += (1.0 - 0.99) * (g * g)
        step = 0.01 * math.sqrt(1.0 - 0.99 ** t) / (1.0 - 0.9 ** t)
        flat -= step * m / (np.sqrt(s) + 1e-8 * math.sqrt(1.0 - 0.99 ** t))
        model.adam_step(0.01)
        assert np.array_equal(model.flat, flat)
    # on the machine of the shipped runs: the same bits as before the change
    run = train(ModelConfig(width=24), 256 * 40, corpus=corpus, seed=3, curve_points=2, validation_characters=2048)
    meta = load_hparam_provenance("lr-transfer")
    if meta["corpus_hash"] != corpus.hash or meta["numpy"] != np.__version__:
        pytest.skip("a different corpus or NumPy: the trained bits were recorded on the machine of the shipped runs")
    assert hashlib.sha256(run.model.flat.tobytes()).hexdigest() == (
        "9fccf738c09816a3ac8338a2b688b786e10f8a715251bb9742385307199cd7a7")
    assert run.val_loss == 3.0266196064128725 and run.train_loss == 2.9074268341064453


# --- schedules and WSD branching ------------------------------------------------------------------------------------

def test_wsd_schedule_shape():
    """100 steps, decay over the last 20 %: warm-up 5 steps, flat at the peak, then linear down to 10 % of it."""
    rate = schedule("wsd", 100, 2.0)
    values = {step: rate(step) for step in (0, 4, 5, 50, 79, 80, 89, 99)}
    assert values == pytest.approx({0: 0.4, 4: 2.0, 5: 2.0, 50: 2.0, 79: 2.0, 80: 2.0 * (1 - 0.9 / 20),
                                    89: 2.0 * 0.55, 99: 0.2}, rel=1e-12)
    assert wsd_learning_rate_at(99, 100, 2.0, decay_fraction=0.5) == pytest.approx(0.2)
    assert wsd_learning_rate_at(50, 100, 2.0, decay_fraction=0.5) == pytest.approx(2.0 * (1 - 0.9 / 50))
    assert np.all(schedule_curve("wsd", 100, decay_fraction=0.0)[5:] == 1.0)    # no decay: constant
    curve = schedule_curve("wsd", 1000, warmup=10)
    assert curve[9] == 1.0 and np.all(np.diff(curve[800:]) < 0) and curve[-1] == pytest.approx(0.1)
    # cosine is the lab's old schedule, unchanged
    assert [schedule("cosine", 100, 1.0)(s) for s in range(100)] == [learning_rate_at(s, 100, 1.0) for s in range(100)]
    assert learning_rate_at(0, 100, 1.0) == 0.2 and learning_rate_at(5, 100, 1.0) == 1.0


def test_wsd_branches_equal_separate_wsd_runs(corpus):
    """One stable phase, three decays: each branch is bit for bit the WSD run of its length, at less compute."""
    config = ModelConfig(width=16)
    budgets = [256 * 60, 256 * 120, 256 * 240]
    branched = train_wsd_branches(config, budgets, corpus=corpus, seed=1, curve_points=4,
                                  validation_characters=1024)
    assert branched.decay_steps == (12, 24, 48) and branched.stable_steps == 240 - 48
    assert branched.warmup_steps == 3                     # 5 % of the smallest budget's 60 steps, shared by all
    assert branched.tokens_trained == 256 * (192 + 12 + 24 + 48) < branched.tokens_separate == sum(budgets)
    for run, tokens in zip(branched.runs, budgets):
        alone = train(config, tokens, corpus=corpus, seed=1, schedule="wsd", warmup_steps=3,
                      validation_characters=1024)
        assert np.array_equal(run.model.flat, alone.model.flat) and run.val_loss == alone.val_loss
        assert run.train_loss == alone.train_loss and run.schedule == "wsd" and run.tokens == tokens
        assert run.curve_tokens[-1] == tokens and np.all(np.diff(run.curve_tokens) > 0)
    # the cosine run of the same length is a different run
    assert train(config, budgets[0], corpus=corpus, seed=1, validation_characters=1024).val_loss != \
        branched.runs[0].val_loss


# --- gradient noise scale and the steps/examples trade-off ----------------------------------------------------------

def test_noise_scale_estimators_are_exact_on_expected_norms():
    """E|G_B|² = |G|² + tr Σ / B: with |G|² = 2 and tr Σ = 300, B = 10 gives 32 and B = 100 gives 5."""
    scale = simple_noise_scale([32.0], [5.0], 10, 100)
    assert scale.gradient_sq == pytest.approx(2.0) and scale.trace_sigma == pytest.approx(300.0)
    assert scale.b_simple == pytest.approx(150.0)
    assert simple_noise_scale([5.0], [5.0], 10, 100).b_simple == 0.0       # no noise
    assert simple_noise_scale([30.0], [3.0], 10, 100).b_simple == math.inf  # |G|² estimated as 0: all noise


def test_noise_scale_recovers_a_known_b_simple_in_linear_regression():
    """Least squares with x ~ N(0, I_d), y = x·w* + ε, ε ~ N(0, σ²), at w = w* + r: the per-example gradient
    x(x·r − ε) has mean G = r and, by the Gaussian fourth moment, covariance trace tr Σ = (d + 1)|r|² + d·σ².
    With d = 50, |r| = 1, σ² = 1: B_simple = 101. 100 big batches of 1024 split into 8s: within 10 % (measured
    100.3 with this seed)."""
    d = 50
    rng = np.random.default_rng(0)
    w_star = rng.standard_normal(d)
    r = rng.standard_normal(d)
    r /= np.linalg.norm(r)
    w = w_star + r

    def draw(n):
        x = rng.standard_normal((n, d))
        return np.column_stack([x, x @ w_star + rng.standard_normal(n)])

    def gradient(rows):
        x, y = rows[:, :-1], rows[:, -1]
        return x.T @ (x @ w - y) / len(rows)

    small, big = sampled_gradient_norms(gradient, draw, small_batch=8, big_batch=1024, batches=100)
    assert small.size == 100 * 128 and big.size == 100
    scale = simple_noise_scale(small, big, 8, 1024)
    assert scale.b_simple == pytest.approx(101.0, rel=0.10)
    assert scale.gradient_sq == pytest.approx(1.0, rel=0.10)


def test_measure_noise_scale_on_a_lab_model_leaves_it_untouched(corpus):
    model = MLPLanguageModel(ModelConfig(width=16), seed=0)
    flat, moments = model.flat.copy(), model._adam_m.copy()
    first = measure_noise_scale(model, corpus, small_batch=32, big_batch=256, batches=4, seed=5)
    again = measure_noise_scale(model, corpus, small_batch=32, big_batch=256, batches=4, seed=5)
    assert first == again and 0 < first.b_simple < math.inf and first.measurements == 4
    assert np.array_equal(model.flat, flat) and np.array_equal(model._adam_m, moments)


def test_tradeoff_fit_recovers_known_steps_and_examples():
    """Points made by S = S_min + E_min/B (S_min = 300, E_min = 3e5, B_crit = 1000) at B = 32 … 4096: exact
    without noise; with 5 % log-normal noise on S, within 15 % for S_min and E_min and 20 % for B_crit (measured
    with this seed: S_min 320, E_min 2.89e5, B_crit 903)."""
    batches = 2.0 ** np.arange(5, 13)
    steps = 300.0 + 3e5 / batches
    exact = fit_tradeoff(steps, steps * batches)
    assert exact.s_min == pytest.approx(300, rel=1e-6) and exact.e_min == pytest.approx(3e5, rel=1e-6)
    assert exact.b_crit == pytest.approx(1000, rel=1e-6) and exact.rms_log_error < 1e-8
    assert exact.steps(1000) == pytest.approx(600) and exact.examples(1000) == pytest.approx(6e5)
    noisy = steps * np.exp(np.random.default_rng(0).normal(0, 0.05, batches.size))
    fit = fit_tradeoff(noisy, noisy * batches)
    assert fit.s_min == pytest.approx(300, rel=0.15) and fit.e_min == pytest.approx(3e5, rel=0.15)
    assert fit.b_crit == pytest.approx(1000, rel=0.20)


def test_parabola_optimum_and_steps_to_target():
    rates = 0.01 * 2.0 ** np.arange(-3, 4)
    losses = 2.0 + 0.1 * (np.log2(rates) - np.log2(0.013)) ** 2
    optimum, inside = parabola_optimum(rates, losses)
    assert optimum == pytest.approx(0.013, rel=1e-9) and inside
    losses[0] = np.nan                                    # a diverged run is worse than any finite one
    assert parabola_optimum(rates, losses)[0] == pytest.approx(0.013, rel=1e-9)
    assert parabola_optimum(rates, np.linspace(3, 2, 7)) == (rates[-1], False)   # best at the edge: not bracketed
    steps, curve = np.array([10, 20, 40, 80]), np.array([3.0, 2.6, 2.2, 2.1])
    assert steps_to_target(steps, curve, 2.4) == pytest.approx(math.sqrt(20 * 40))
    assert steps_to_target(steps, curve, 3.1) == 10 and math.isnan(steps_to_target(steps, curve, 2.0))


# --- the command, its files and bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_quick_sweeps_are_reproducible_byte_for_byte(tmp_path, capsys, experiment):
    """The --quick design twice (2 worker processes, then 1 through the CLI): the same CSV, byte for byte."""
    from scalingedu.tools.cli import main

    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run_hparam_sweep(argparse.Namespace(experiment=experiment, quick=True, out=str(first), processes=2)) == 0
    assert main(["hparam-sweep", "--experiment", experiment, "--quick", "--out", str(second),
                 "--processes", "1"]) == 0
    assert first.read_bytes() == second.read_bytes()
    meta = json.loads(first.with_suffix(".json").read_text())
    assert meta["corpus_hash"] == load_corpus().hash and meta["quick"] and meta["seconds"] > 0
    assert meta["command"] == f"scalingedu hparam-sweep --experiment {experiment} --quick --out a.csv"
    columns = read_hparam_results(first, experiment)
    assert np.all(np.isfinite(columns["val_loss"]))
    assert f"{experiment}:" in capsys.readouterr().out


def test_loaders_validate_columns(tmp_path):
    shipped = load_hparam_results("lr-transfer")
    assert set(LR_COLUMNS) <= set(shipped) and shipped["width"].dtype == np.int64
    broken = tmp_path / "broken.csv"
    broken.write_text("width,learning_rate,val_loss\n32,0.01,2.5\n")
    with pytest.raises(ValueError, match="lacks the column"):
        read_hparam_results(broken, "lr-transfer")
    with pytest.raises(ValueError, match="unknown experiment 'lr'"):
        load_hparam_results("lr")
    with pytest.raises(ValueError, match="--out must name a .csv"):
        run_hparam_sweep(argparse.Namespace(experiment="schedules", quick=True, out=str(tmp_path / "x.txt")))


def test_bad_inputs_raise_clear_errors(corpus):
    config = ModelConfig(width=16)
    with pytest.raises(ValueError, match="unknown parametrization 'mu'; choose one of: mup, sp"):
        MLPLanguageModel(config, parametrization="mu")
    with pytest.raises(ValueError, match="base_width must be >= 1"):
        MLPLanguageModel(config, parametrization="mup", base_width=0)
    with pytest.raises(ValueError, match=r"decay_fraction must lie in \[0, 1\)"):
        train(config, 256 * 10, corpus=corpus, schedule="wsd", decay_fraction=1.0)
    with pytest.raises(ValueError, match="unknown schedule 'linear'"):
        train(config, 256 * 10, corpus=corpus, schedule="linear")
    with pytest.raises(ValueError, match="warmup_steps = 30 must be <= 16"):
        train_wsd_branches(config, [256 * 20, 256 * 40], corpus=corpus, warmup_steps=30)
    with pytest.raises(ValueError, match="tokens must list budgets"):
        train_wsd_branches(config, [256 * 20, 256 * 20 + 1], corpus=corpus)
    with pytest.raises(ValueError, match="big_batch must be >= 11"):
        simple_noise_scale([1.0], [1.0], 10, 10)
    with pytest.raises(ValueError, match="big_batch = 100 must be a multiple of small_batch = 30"):
        sampled_gradient_norms(lambda rows: rows, lambda n: np.zeros(n), small_batch=30, big_batch=100, batches=1)
    with pytest.raises(ValueError, match="at least 3 different batch sizes"):
        fit_tradeoff([100, 50], [3200, 3200])
    with pytest.raises(ValueError, match="steps must be > 0"):
        fit_tradeoff([100, 50, -1], [3200, 3200, 100])
    with pytest.raises(ValueError, match="at least 3 increasing rates"):
        parabola_optimum([0.02, 0.01, 0.04], [2.0, 1.9, 2.1])


# --- the shipped results --------------------------------------------------------------------------------------------

def test_shipped_results_match_their_designs_and_provenance(corpus):
    for experiment in EXPERIMENTS:
        meta = load_hparam_provenance(experiment)
        assert meta["experiment"] == experiment and not meta["quick"]
        assert meta["seconds"] < 660                  # the brief: every full sweep regenerates in about 10 minutes
        assert {"command", "design", "seeds", "machine", "corpus_hash", "date", "note"} <= set(meta)
    lr = load_hparam_results("lr-transfer")
    design = DESIGNS["lr-transfer"]
    assert (lr["final"] == 1).sum() == len(design.runs()) == 5 * 3 * 7 * 3
    assert load_hparam_provenance("lr-transfer")["design"]["widths"] == list(design.widths)


def test_shipped_lr_transfer_mup_optimum_moves_less_than_sp():
    """Measured (optimum of the final validation loss, mean over 3 seeds): SP falls from 0.0155 at width 16 to
    0.0073 at width 256 (∝ width^-0.30 ± 0.03, a factor 2.13); µP with base width 8 stays within 0.024 to 0.032
    (width^+0.10 ± 0.03, factor 1.35); µP with base width 32 (= SP at width 32) rises from 0.011 to 0.020
    (width^+0.21 ± 0.02, factor 1.83): the per-layer multipliers chosen at the base width matter too."""
    drift = {(d.parametrization, d.base_width): d for d in learning_rate_drift()}
    sp, mup = drift["sp", 32], drift["mup", 8]
    assert sp.slope < 0 and sp.exceeds_noise                       # SP: the optimum falls with width
    assert abs(mup.slope) < abs(sp.slope) / 2 and mup.fold_change < sp.fold_change
    assert abs(drift["mup", 32].slope) < abs(sp.slope)
    optima = learning_rate_optima()
    assert all(o.bracketed.all() for o in optima)                 # every optimum lies inside its grid
    at_base = {o.parametrization: o for o in optima if o.width == 32 and o.base_width == 32}
    np.testing.assert_array_equal(at_base["sp"].optima, at_base["mup"].optima)    # µP = SP at the base width


def test_shipped_critical_batch_grows_as_the_loss_falls():
    """Measured: B_crit = 591, 903, 1434, 3808 characters at losses 2.8, 2.6, 2.4, 2.2 (both seeds agree within
    10 %); the median B_simple over the runs' checkpoints at the same losses: 1501, 1833, 2226, 3233."""
    found = critical_batch_sizes()
    assert [c.target for c in found] == [2.8, 2.6, 2.4, 2.2]
    b_crit = np.array([c.b_crit for c in found])
    assert np.all(np.diff(b_crit) > 0) and b_crit[-1] > 4 * b_crit[0]
    assert np.all(np.diff(np.array([c.seed_b_crit for c in found]), axis=0) > 0)   # in every seed
    assert np.all(np.diff([c.b_simple_median for c in found]) > 0)
    for c in found:
        assert np.all(np.isfinite(c.steps))                        # every batch size reached every target
        assert 0.1 < c.b_simple_median / c.b_crit < 10             # McCandlish et al.: same order of magnitude


def test_shipped_wsd_branches_come_close_to_cosine_at_less_compute():
    """Measured (best peak rate of each schedule, mean of 2 seeds): WSD − cosine = +0.014, +0.012, +0.007, +0.027
    nats at 0.5M, 1M, 2M, 4M characters, for 4.93M characters of training instead of 7.86M."""
    found = schedule_comparison()
    assert len(found) == 4
    assert found[0].wsd_tokens_all < 0.7 * found[0].cosine_tokens_all
    for c in found:
        assert abs(c.difference) < 0.05
