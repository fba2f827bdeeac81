"""Lesson 08's static figures (scalingedu.figures.diminishing_returns) draw the library's numbers."""
from __future__ import annotations

import numpy as np

from scalingedu.figures import diminishing_returns as figures
from scalingedu.formatting import sci
from scalingedu.plotting import description, figure_png
from scalingedu.returns import ToyTask, Verifier, best_of_n_accuracy, compute_matched, coverage, lab_frontier


def _labelled_lines(ax) -> dict:
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_lab_runs_frontier_draws_the_measured_runs_with_one_tick_per_budget():
    lab = lab_frontier()
    fig = figures.lab_runs_frontier(lab)
    ax = fig.axes[0]
    line = _labelled_lines(ax)["best lab run per budget (measured)"]
    np.testing.assert_allclose(line.get_xdata(), lab.flops)
    np.testing.assert_allclose(line.get_ydata(), lab.loss)
    np.testing.assert_allclose(ax.get_xticks(), lab.flops)
    assert [t.get_text() for t in ax.get_xticklabels()] == [sci(f) for f in lab.flops]
    assert not ax.xaxis.get_minor_ticks() or not any(t.label1.get_text() for t in ax.xaxis.get_minor_ticks())
    # no two tick labels overlap once drawn
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    assert figure_png(fig).startswith(b"\x89PNG")
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels()]
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:]))


def test_sampling_toy_draws_coverage_best_of_n_and_the_matched_comparison():
    verifier = Verifier(true_positive=0.9, false_positive=0.02)
    result = compute_matched(1e9, 16, ToyTask(), verifier)
    fig = figures.sampling_toy(result, verifier, probabilities=(0.1,))
    left, right = fig.axes
    lines = _labelled_lines(left)
    samples = lines["coverage, p = 0.1"].get_xdata()
    np.testing.assert_allclose(lines["coverage, p = 0.1"].get_ydata(), coverage(0.1, samples))
    np.testing.assert_allclose(lines["best-of-N, p = 0.1"].get_ydata(), best_of_n_accuracy(0.1, samples, verifier))
    right_lines = _labelled_lines(right)
    np.testing.assert_allclose(right_lines["1B model, best of 16"].get_ydata(), result.small_best_of_n)
    np.testing.assert_allclose(right_lines["16B model, one answer"].get_ydata(), result.large_single)
    np.testing.assert_allclose(right_lines["1B model, one answer"].get_ydata(), result.small_single)


def test_lifetime_exchange_draws_the_affordable_samples_and_the_toy_accuracies():
    from scalingedu.returns import affordable_samples, total_matched
    ratios = np.geomspace(0.01, 1000, 7)
    free = total_matched(1e9, 14, ratios)
    paid = total_matched(1e9, 14, ratios, verifier_size=1.0, verifier_pretraining_share=1.0)
    fig = figures.lifetime_exchange(free, paid)
    left, right = fig.axes
    lines = _labelled_lines(left)
    np.testing.assert_allclose(lines["verifier free"].get_xdata(), ratios)
    np.testing.assert_allclose(lines["verifier free"].get_ydata(), np.floor(affordable_samples(14, ratios)))
    np.testing.assert_allclose(lines["verifier paid for"].get_ydata(),
                               np.floor(affordable_samples(14, ratios, verifier_size=1.0,
                                                           verifier_pretraining_share=1.0)))
    right_lines = _labelled_lines(right)
    np.testing.assert_allclose(right_lines["small model, best of k (verifier paid for)"].get_ydata(),
                               paid.small_accuracy)
    np.testing.assert_allclose(right_lines["14x larger model, one answer"].get_ydata(), [free.large_accuracy] * 2)
    assert "R" in right.get_xlabel() and "log scale" in left.get_ylabel()


def test_two_step_forecast_draws_both_steps_with_the_forecast_and_the_measurement():
    from scalingedu.lab.downstream import load_downstream
    from scalingedu.returns.forecast import two_step_forecast
    runs = load_downstream()
    budgets = sorted(set(runs["budget"].tolist()))
    forecast = two_step_forecast(runs, budgets[:3], budgets[-1], bootstrap=50)
    fixed = two_step_forecast(runs, budgets[:3], budgets[-1], bootstrap=50, ceiling=1.0)
    fig = figures.two_step_forecast(forecast, compare=fixed)
    left, right = fig.axes
    lines = _labelled_lines(left)
    np.testing.assert_allclose(lines["compute-optimal loss (fitted budgets)"].get_ydata(), forecast.step1_loss)
    law = lines["power law fit"]
    np.testing.assert_allclose(law.get_ydata(), forecast.loss_law(law.get_xdata()))
    np.testing.assert_allclose(lines["measured best run"].get_ydata(), [forecast.measured_loss])
    assert [t.get_text() for t in left.get_xticklabels()] == [sci(b, 2) for b in budgets]
    right_lines = _labelled_lines(right)
    np.testing.assert_allclose(right_lines["runs at fitted budgets"].get_xdata(), forecast.fit_loss)
    np.testing.assert_allclose(right_lines["runs at fitted budgets"].get_ydata(), forecast.fit_accuracy)
    curve = right_lines[f"sigmoid, ceiling {forecast.ceiling:.2f} (fitted)"]
    np.testing.assert_allclose(curve.get_ydata(), forecast.accuracy_at(curve.get_xdata()))
    assert "sigmoid, ceiling 1.00 (fixed)" in right_lines
    np.testing.assert_allclose(right_lines["measured best run"].get_ydata(), [forecast.measured_accuracy])
    assert {"forecast (80% interval)"} <= {t.get_text() for t in left.get_legend().get_texts()}
    assert figure_png(fig).startswith(b"\x89PNG")


# --- descriptions (alt text): each figure says what it shows, with numbers computed as the figure computes them ---

def test_the_lab_frontier_description_gives_the_losses_and_the_gain_per_budget():
    lab = lab_frontier()
    text = description(figures.lab_runs_frontier(lab))
    gains = -np.diff(lab.loss)
    assert "nats/character" in text and "FLOPs, log scale" in text and "\n" not in text
    assert f"from {lab.loss[0]:.3f} to {lab.loss[-1]:.3f}" in text
    assert ", ".join(f"{g:.3f}" for g in gains) in text and "roughly constant" in text


def test_the_sampling_toy_description_gives_the_plateaus_and_the_matched_accuracies():
    verifier = Verifier(true_positive=0.9, false_positive=0.02)
    result = compute_matched(1e9, 16, ToyTask(), verifier)
    text = description(figures.sampling_toy(result, verifier, probabilities=(0.1,)))
    assert text.startswith("A toy model, not data") and "log scale" in text
    assert f"at 1,000 samples {best_of_n_accuracy(0.1, 1000, verifier):.2f} for p = 0.1" in text
    assert f"best of 16 averages {result.mean_small_best_of_n:.3f}" in text
    assert f"winning on {result.sampling_wins.mean():.0%} of the problems" in text


def test_the_lifetime_exchange_description_gives_the_samples_and_the_break_even():
    from scalingedu.returns import total_matched
    ratios = np.geomspace(0.01, 1000, 7)
    free = total_matched(1e9, 14, ratios)
    paid = total_matched(1e9, 14, ratios, verifier_size=1.0, verifier_pretraining_share=1.0)
    text = description(figures.lifetime_exchange(free, paid))
    assert "both axes log scale" in text and f"flat at {free.large_accuracy:.3f}" in text
    assert f"k falls from {paid.samples[0]:,.0f} at R = 0.01 to {paid.samples[-1]:,.0f} at R = 1000" in text
    assert f"as good or better from R = {paid.break_even_ratio:g}" in text and "never catches up" in text


def test_the_two_step_forecast_description_gives_both_forecasts_against_the_measurement():
    from scalingedu.lab.downstream import load_downstream
    from scalingedu.returns.forecast import two_step_forecast
    runs = load_downstream()
    budgets = sorted(set(runs["budget"].tolist()))
    forecast = two_step_forecast(runs, budgets[:3], budgets[-1], bootstrap=50)
    fixed = two_step_forecast(runs, budgets[:3], budgets[-1], bootstrap=50, ceiling=1.0)
    text = description(figures.two_step_forecast(forecast, compare=fixed))
    assert "nats/character" in text and "FLOPs, log scale" in text and "exact match" in text
    assert (f"forecasts {forecast.predicted_loss:.3f} [{forecast.loss_low:.3f}, {forecast.loss_high:.3f}] "
            f"(80% interval) at {sci(budgets[-1], 2)}") in text
    assert f"{forecast.predicted_accuracy:.3f} [{forecast.accuracy_low:.3f}, " in text
    assert f"forecast {fixed.predicted_accuracy:.3f}" in text and "fixed at 1.00" in text
