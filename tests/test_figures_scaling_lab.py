"""Lesson 05's figures (scalingedu.figures.scaling_lab) draw the lab's own numbers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from scalingedu.data import HOFFMANN_2022_ALLOCATION_EXPONENTS, HOFFMANN_2022_ALLOCATION_INTERVALS
from scalingedu.figures import scaling_lab as figures
from scalingedu.formatting import human
from scalingedu.lab import VOCAB_SIZE, load_results
from scalingedu.lab.analysis import bootstrap_exponent
from scalingedu.lab.experiments import experiment_runs, quality_runs, repetition_runs
from scalingedu.laws import fit_chinchilla
from scalingedu.plotting import description, figure_png


@pytest.fixture(scope="module")
def results():
    return load_results()


def _labelled(ax, text):
    return next(line for line in ax.get_lines() if line.get_label() == text)


def test_live_run_draws_the_runs_curve_and_both_baselines():
    class Run:     # the attributes of a RunResult the figure reads
        curve_tokens = np.array([1e3, 1e4, 1e5])
        curve_val_loss = np.array([4.0, 3.0, 2.5])
    figure = figures.live_run(Run, unigram_loss=3.25)
    ax = figure.axes[0]
    np.testing.assert_array_equal(_labelled(ax, "this run (validation)").get_ydata(), Run.curve_val_loss)
    assert _labelled(ax, f"uniform guess, ln {VOCAB_SIZE}").get_ydata()[0] == pytest.approx(math.log(VOCAB_SIZE))
    assert _labelled(ax, "character frequencies only").get_ydata()[0] == 3.25


def test_sweep_profiles_draw_every_run_and_star_each_budgets_best(results):
    figure = figures.sweep_profiles(results)
    by_tokens, by_params = figure.axes
    drawn = np.concatenate([line.get_ydata() for line in by_tokens.get_lines()])
    np.testing.assert_array_equal(np.sort(drawn), np.sort(results["val_loss"]))
    for budget in np.unique(results["budget"]):
        rows = results["budget"] == budget
        profile = _labelled(by_params, f"C = {budget:.2g} FLOPs")
        np.testing.assert_array_equal(profile.get_ydata(), results["val_loss"][rows])
    stars = [line for line in by_params.get_lines() if line.get_marker() == "*"]
    best = [results["val_loss"][results["budget"] == b].min() for b in np.unique(results["budget"])]
    assert [star.get_ydata()[0] for star in stars] == best
    # tick labels of counts are '10k', '20k', ... with no minor labels to collide
    figure_png(figure)
    labels = [t.get_text() for t in by_params.xaxis.get_minorticklabels() if t.get_text()]
    assert labels == []


def test_bootstrap_histogram_shows_every_resample_and_the_published_interval(results):
    interval = bootstrap_exponent(results, samples=50, seed=0)
    published = HOFFMANN_2022_ALLOCATION_EXPONENTS["approach_2_a"]
    low, high = HOFFMANN_2022_ALLOCATION_INTERVALS["approach_2_a"]
    ax = figures.bootstrap_histogram(interval, published, (low, high)).axes[0]
    bars = ax.containers[0]                          # the histogram: every resample counted once
    assert sum(bar.get_height() for bar in bars) == interval.samples.size
    assert min(bar.get_x() for bar in bars) == pytest.approx(interval.samples.min())
    assert _labelled(ax, f"our fit, a = {interval.a:.3f}").get_xdata()[0] == interval.a
    assert _labelled(ax, f"Hoffmann et al., a = {published}").get_xdata()[0] == published


def test_approach3_fit_draws_the_laws_profiles_and_optima(results):
    law = fit_chinchilla(results["params"], results["tokens"], results["val_loss"])
    ax = figures.approach3_fit(results, law).axes[0]
    budgets = np.unique(results["budget"])
    curves = [line for line in ax.get_lines() if line.get_marker() in ("None", "")]
    assert len(curves) == budgets.size
    for curve, budget in zip(curves, budgets):
        np.testing.assert_allclose(curve.get_ydata(), law.isoflop_profile(budget, curve.get_xdata()))
    optima = _labelled(ax, "the law's optima")
    np.testing.assert_allclose(optima.get_xdata(), law.compute_optimal(budgets).params)


def test_data_experiments_draw_the_runs_and_the_uniform_guess():
    runs = experiment_runs()
    quality, repetition = quality_runs(runs), repetition_runs(runs)
    left, right = figures.data_experiments(quality, repetition, 4.0).axes
    np.testing.assert_array_equal(left.get_lines()[0].get_ydata(), [r.val_loss for r in quality])
    ours = _labelled(right, "our runs (same compute each)")
    np.testing.assert_array_equal(ours.get_ydata(), [r.val_loss for r in repetition])
    uniform = _labelled(right, f"uniform guess, ln {VOCAB_SIZE}").get_ydata()[0]
    assert uniform == pytest.approx(math.log(VOCAB_SIZE))
    assert max(ours.get_ydata()) > uniform        # the longest repetition run ends above chance: shown, not hidden
    assert right.get_ylim()[1] > max(ours.get_ydata())


# --- descriptions (alt text): each figure says what it shows, with numbers computed as the figure computes them ---

def test_the_live_run_description_gives_the_losses_and_both_baselines():
    class Run:
        curve_tokens = np.array([1e3, 1e4, 1e5])
        curve_val_loss = np.array([4.0, 3.0, 2.5])
    text = description(figures.live_run(Run, unigram_loss=3.25))
    assert "nats/char" in text and "log scale" in text
    assert "falls from 4.00 to 2.50" in text and f"{math.log(VOCAB_SIZE):.2f}" in text
    assert "ends 0.75 nats below the character frequencies" in text


def test_the_sweep_description_gives_the_best_run_of_the_largest_budget(results):
    text = description(figures.sweep_profiles(results))
    largest = results["budget"] == results["budget"].max()
    best = np.argmin(results["val_loss"][largest])
    assert "nats/char" in text and f"{results['val_loss'].size} runs" in text
    assert f"{human(results['params'][largest][best])} (loss {results['val_loss'][largest][best]:.3f})" in text
    assert "moves to larger models as the budget grows" in text


def test_the_bootstrap_description_gives_both_exponents_and_intervals(results):
    interval = bootstrap_exponent(results, samples=50, seed=0)
    published = HOFFMANN_2022_ALLOCATION_EXPONENTS["approach_2_a"]
    low, high = HOFFMANN_2022_ALLOCATION_INTERVALS["approach_2_a"]
    text = description(figures.bootstrap_histogram(interval, published, (low, high)))
    assert "dimensionless" in text and "50 bootstrap resamples" in text
    assert f"a = {interval.a:.3f}" in text and f"{interval.low:.3f} to {interval.high:.3f}" in text
    assert f"{(interval.high - interval.low) / (high - low):.1f} times as wide" in text


def test_the_approach3_description_gives_the_laws_largest_miss(results):
    law = fit_chinchilla(results["params"], results["tokens"], results["val_loss"])
    text = description(figures.approach3_fit(results, law))
    miss = np.max(np.abs(law.loss(results["params"], results["tokens"]) / results["val_loss"] - 1))
    assert "nats/char" in text and f"C^{law.params_exponent:.3f}" in text
    assert f"within {miss:.1%} of every run" in text


def test_the_data_experiments_description_gives_the_longest_run_above_the_uniform_guess():
    runs = experiment_runs()
    quality, repetition = quality_runs(runs), repetition_runs(runs)
    text = description(figures.data_experiments(quality, repetition, 4.0))
    assert "nats/char" in text and "corrupted" in text
    assert f"{repetition[-1].epochs:g} epochs end at {repetition[-1].val_loss:.2f}, above the uniform guess" in text
    assert f"rises from {quality[0].val_loss:.2f} to {quality[-1].val_loss:.2f}" in text
