"""Lesson 03's figures (scalingedu.figures.kaplan_laws) draw the library's numbers: each test reads the plotted data
back and compares it with Kaplan et al.'s laws and the reference data."""
from __future__ import annotations

import numpy as np
import pytest
from figure_descriptions import plain_description
from matplotlib.figure import Figure

from scalingedu.data import (
    KAPLAN_2020_MODEL_RANGE,
    KAPLAN_2020_SETUP,
    KAPLAN_2020_SINGLE_EPOCH_DATA,
    MODELS,
    PF_DAY_FLOPS,
    model,
)
from scalingedu.figures import kaplan_laws as figures
from scalingedu.laws import KAPLAN_2020, kaplan_largest_run_flops, model_budget
from scalingedu.transformer import count_params


def _line(ax, label):
    return next(line for line in ax.get_lines() if line.get_label() == label)


def test_measured_region_is_kaplans_rectangle_and_the_models_sit_at_their_published_sizes():
    fig = figures.measured_region_figure()
    ax, = fig.axes
    rectangle = ax.patches[0].get_xy()
    assert rectangle[:, 0].min() == KAPLAN_2020_MODEL_RANGE["smallest_params"]
    assert rectangle[:, 0].max() == KAPLAN_2020_MODEL_RANGE["largest_params"]
    assert rectangle[:, 1].min() == KAPLAN_2020_SETUP["smallest_data_tokens"]
    assert rectangle[:, 1].max() == KAPLAN_2020_SETUP["largest_data_tokens"]
    points = {tuple(p) for p in ax.collections[0].get_offsets()}
    gpt3 = model("GPT-3 175B")
    assert (gpt3.params, gpt3.tokens) in points
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)


def test_embedding_share_is_the_transformer_count():
    ax, = figures.embedding_share_figure().axes
    x, y = ax.get_lines()[0].get_data()
    counts = [count_params(shape) for shape in figures.gpt3_shapes()]
    np.testing.assert_allclose(x, [c.kaplan_approx for c in counts])
    np.testing.assert_allclose(y, [100 * c.embedding / c.total for c in counts])
    assert y[0] == pytest.approx(32.1, abs=0.1) and y[-1] < 0.5        # a third, and under half a percent


def test_three_laws_are_eqs_1_1_to_1_3_and_change_style_where_the_runs_end():
    fig = figures.three_laws_figure()
    laws = (KAPLAN_2020.loss_from_params, KAPLAN_2020.loss_from_tokens, KAPLAN_2020.loss_from_compute)
    ends = (KAPLAN_2020_MODEL_RANGE["largest_params"], KAPLAN_2020_SETUP["largest_data_tokens"],
            kaplan_largest_run_flops() / PF_DAY_FLOPS)
    for ax, law, end in zip(fig.axes, laws, ends):
        inside, beyond = _line(ax, "range of the runs"), _line(ax, "extrapolation")
        for line in (inside, beyond):
            x, y = line.get_data()
            np.testing.assert_allclose(y, law(x))
        assert inside.get_xdata()[-1] == pytest.approx(end) == beyond.get_xdata()[0]
        assert beyond.get_linestyle() == "--"


def test_frontier_figure_draws_the_frontier_learning_curves_and_table_6():
    curve_ax, split_ax = figures.frontier_figure().axes
    x, y = _line(curve_ax, "frontier (from Eqs. 1.4 and 1.6)").get_data()
    np.testing.assert_allclose(y, KAPLAN_2020.compute_efficient_frontier(x).loss)
    first = _line(curve_ax, "learning curves of fixed sizes")
    size = figures.LEARNING_CURVE_SIZES[0]
    np.testing.assert_allclose(first.get_xdata(), KAPLAN_2020.compute_to_reach_loss(size, first.get_ydata()))
    assert first.get_ydata().min() > KAPLAN_2020.loss_at_infinite_steps(size)      # never below its converged loss
    x, params = split_ax.get_lines()[0].get_data()
    np.testing.assert_allclose(params, KAPLAN_2020.compute_optimal(x * PF_DAY_FLOPS).params)
    text = " ".join(t.get_text() for t in split_ax.texts)
    assert "→" in text and "->" not in text and "(×5.4)" in text and "(×1.9)" in text


def test_the_frontier_marks_sit_where_each_size_is_the_best_model():
    curve_ax, _ = figures.frontier_figure().axes
    marks = [line for line in curve_ax.get_lines() if line.get_marker() == "o"]
    assert len(marks) == len(figures.LEARNING_CURVE_SIZES)
    for mark, size in zip(marks, figures.LEARNING_CURVE_SIZES):
        pf_days = mark.get_xdata()[0]
        assert KAPLAN_2020.compute_efficient_frontier(pf_days).params == pytest.approx(size, rel=1e-6)


def test_breakdown_figure_crosses_where_eq_6_8_does():
    ax, = figures.breakdown_figure().axes
    x, y = ax.get_lines()[1].get_data()
    np.testing.assert_allclose(y, KAPLAN_2020.loss_from_tokens(KAPLAN_2020.optimal_tokens(x)))
    eq67 = KAPLAN_2020_SINGLE_EPOCH_DATA
    moved = KAPLAN_2020.breakdown_point(tokens_coefficient=eq67["tokens_coefficient"],
                                        tokens_exponent=eq67["tokens_exponent"])
    crossings = [(line.get_xdata()[0], line.get_ydata()[0]) for line in ax.get_lines() if line.get_marker() in "os"]
    point = KAPLAN_2020.breakdown_point()
    assert crossings == [pytest.approx((point.pf_days, point.loss)), pytest.approx((moved.pf_days, moved.loss))]
    budgets = sorted(line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == ":")
    assert budgets == pytest.approx(sorted(model_budget(n) / PF_DAY_FLOPS for n in figures.BREAKDOWN_MODELS))


@pytest.mark.parametrize("name", ["measured_region_figure", "embedding_share_figure", "three_laws_figure",
                                  "frontier_figure", "breakdown_figure"])
def test_every_figure_has_units_on_its_axes_and_a_docstring(name):
    function = getattr(figures, name)
    fig = function()
    assert isinstance(fig, Figure) and function.__doc__
    for ax in fig.axes:
        assert ax.get_xlabel() and (ax.get_ylabel() or ax is not fig.axes[0])


# --- descriptions (alt text): each names what is plotted, in which units, and the key numbers it draws ------------


def test_measured_region_is_described_with_the_rectangle_and_how_far_the_models_lie_beyond_it():
    text = plain_description(figures.measured_region_figure())
    assert "Training tokens D (log scale)" in text and "768 to 1.5B non-embedding parameters" in text
    most = max(r.tokens for r in MODELS if r.tokens is not None and r.active_params is None)
    assert f"is {most / KAPLAN_2020_SETUP['largest_data_tokens']:,.0f} times the most" in text
    assert "All 19 lie outside the rectangle" in text


def test_embedding_share_is_described_with_its_first_and_last_share():
    text = plain_description(figures.embedding_share_figure())
    counts = [count_params(shape) for shape in figures.gpt3_shapes()]
    assert "(%)" in text and "Eq. 2.1" in text
    assert f"from {100 * counts[0].embedding / counts[0].total:.1f}% for GPT-3 Small" in text      # 32.1%
    assert f"to {100 * counts[-1].embedding / counts[-1].total:.1f}% for GPT-3 175B" in text


def test_three_laws_are_described_with_their_losses_at_the_ends_of_the_runs():
    text = plain_description(figures.three_laws_figure())
    assert text.count("nats/token") == 1 and "PF-days" in text
    largest = KAPLAN_2020_MODEL_RANGE["largest_params"]
    assert f"exponent {KAPLAN_2020.alpha_N:g} falls from" in text
    assert f"to {KAPLAN_2020.loss_from_params(largest):.2f} over the runs" in text                   # 2.30 at 1.5B
    assert f"by only {100 * (1 - 10 ** -KAPLAN_2020.alpha_N):.0f}%" in text                            # 16%


def test_frontier_is_described_with_where_each_size_is_best_and_table_6s_split():
    text = plain_description(figures.frontier_figure())
    assert "compute C_min (PF-days" in text and "nats/token" in text
    last = KAPLAN_2020.frontier_point_for_params(figures.LEARNING_CURVE_SIZES[-1])
    assert f"N = 10B at {last.flops / PF_DAY_FLOPS:.3g} PF-days" in text
    one, ten = KAPLAN_2020.compute_optimal(PF_DAY_FLOPS), KAPLAN_2020.compute_optimal(10 * PF_DAY_FLOPS)
    assert f"×{ten.params / one.params:.1f}" in text and f"×{ten.tokens / one.tokens:.1f}" in text


def test_breakdown_is_described_with_both_crossings_and_which_budgets_lie_beyond():
    text = plain_description(figures.breakdown_figure())
    point = KAPLAN_2020.breakdown_point()
    assert "nats/token" in text and "PF-days, log scale" in text
    assert f"{float(f'{point.pf_days:.3g}'):,.0f} PF-days and a loss of {point.loss:.2f}" in text     # 11,200; 1.67
    beyond = [n for n in figures.BREAKDOWN_MODELS if model_budget(n) / PF_DAY_FLOPS > point.pf_days]
    assert f"{', '.join(beyond)} lies beyond the crossing" in text
