"""Lesson 08's static figures (scalingedu.figures.diminishing_returns) draw the library's numbers."""
from __future__ import annotations

import numpy as np

from scalingedu.figures import diminishing_returns as figures
from scalingedu.formatting import sci
from scalingedu.plotting import figure_png
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
