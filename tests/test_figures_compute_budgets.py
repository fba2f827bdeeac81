"""Lesson 02's static figures (scalingedu.figures.compute_budgets) draw the library's numbers."""
from __future__ import annotations

import numpy as np
import pytest
from figure_descriptions import plain_description

from scalingedu.compute import (
    DEFAULT_PUE,
    accelerator_hours,
    board_power_watts,
    energy_kwh,
    pf_days,
    published_run_utilisation,
    training_days,
    training_flops,
)
from scalingedu.data import GPT3_PF_DAYS, PALM_540B_UTILISATION
from scalingedu.figures import compute_budgets as figures
from scalingedu.formatting import human
from scalingedu.transformer import PRESETS, count_params, flops_per_token


def _labelled_axes(figure) -> None:
    for ax in figure.axes:
        assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()


def test_gpt3_compute_plots_table_d1_6nd_and_their_difference():
    figure = figures.gpt3_compute()
    _labelled_axes(figure)
    ax, diff_ax = figure.axes
    records = figures.gpt3_models()
    assert len(records) == 8
    table, recomputed = (line.get_ydata() for line in ax.get_lines())
    np.testing.assert_allclose(table, [GPT3_PF_DAYS[r.name] for r in records])
    np.testing.assert_allclose(recomputed, [pf_days(training_flops(r.params, r.tokens)) for r in records])
    difference = diff_ax.get_lines()[-1].get_ydata()
    np.testing.assert_allclose(difference, 100 * (recomputed / table - 1))
    low, high = diff_ax.get_ylim()
    assert low <= difference.min() and difference.max() <= high      # every point is on the residual panel


def test_parameter_shares_stack_to_one_from_the_exact_counts():
    names = ["GPT-3 Small", "Llama 3 8B"]
    figure = figures.parameter_shares(names)
    _labelled_axes(figure)
    bars = figure.axes[0].patches
    assert len(bars) == 4 * len(names)
    for index, name in enumerate(names):
        count = count_params(PRESETS[name])
        widths = [bars[part * len(names) + index].get_width() for part in range(4)]
        np.testing.assert_allclose(widths, np.array(figures.parameter_parts(count)) / count.total)
        assert sum(widths) == pytest.approx(1.0)


def test_attention_share_curves_and_dots_come_from_flops_per_token():
    figure = figures.attention_share(["GPT-3 175B", "Llama 3 8B"])
    _labelled_axes(figure)
    lines = figure.axes[0].get_lines()
    shape = PRESETS["Llama 3 8B"]
    curve, dot = lines[2], lines[3]
    np.testing.assert_allclose(curve.get_ydata(),
                               flops_per_token(shape, context=figures.ATTENTION_CONTEXTS).attention_fraction)
    assert dot.get_xdata()[0] == shape.context
    assert dot.get_ydata()[0] == pytest.approx(flops_per_token(shape).attention_fraction)


def test_time_hours_and_energy_are_three_panels_each_with_its_own_quantity():
    flops = 3.14e23
    figure = figures.time_hours_energy(flops, counts=np.array([64.0, 1024.0]))
    _labelled_axes(figure)
    time_ax, hours_ax, energy_ax = figure.axes
    np.testing.assert_allclose(time_ax.get_lines()[0].get_ydata(), [training_days(flops, "A100", n, 0.3)
                                                                   for n in (64, 1024)])
    expected_hours = [accelerator_hours(flops, chip, u) for chip in ("A100", "H100") for u in (0.3, 0.5)]
    np.testing.assert_allclose([bar.get_height() for bar in hours_ax.patches], np.array(expected_hours) / 1e6)
    expected_mwh = [energy_kwh(h, board_power_watts(chip), DEFAULT_PUE) / 1000
                    for h, chip in zip(expected_hours, ("A100", "A100", "H100", "H100"))]
    np.testing.assert_allclose([bar.get_height() for bar in energy_ax.patches], expected_mwh)
    assert f"PUE {DEFAULT_PUE:g}" in energy_ax.get_ylabel()
    assert all(text.get_text().endswith("MWh") for text in energy_ax.texts)     # energy labels on energy bars
    assert all(text.get_text().endswith(" h") for text in hours_ax.texts)


def test_implied_utilisation_marks_missing_attention_bars_as_na():
    rows = published_run_utilisation()
    figure = figures.implied_utilisation(rows)
    _labelled_axes(figure)
    ax = figure.axes[0]
    bars = ax.patches
    np.testing.assert_allclose([b.get_width() for b in bars[:len(rows)]], [r.mfu_6nd for r in rows])
    missing = [r for r in rows if r.mfu_with_attention is None]
    assert missing and sum("n/a" in t.get_text() for t in ax.texts) == len(missing)
    assert ax.get_lines()[0].get_xdata()[0] == PALM_540B_UTILISATION["mfu"]


# --- descriptions (alt text): each names what is plotted, in which units, and the key numbers it draws ------------


def test_gpt3_compute_is_described_with_the_range_of_the_differences():
    text = plain_description(figures.gpt3_compute())
    records = figures.gpt3_models()
    table = np.array([GPT3_PF_DAYS[r.name] for r in records])
    difference = 100 * (np.array([pf_days(training_flops(r.params, r.tokens)) for r in records]) / table - 1)
    assert "PF-days, log scale" in text and "D = 300B tokens" in text
    assert f"between {difference.min():+.2f}% and {difference.max():+.2f}%" in text


def test_parameter_shares_are_described_with_the_largest_and_smallest_embedding_share():
    names = ["GPT-3 Small", "GPT-3 175B", "Chinchilla"]
    text = plain_description(figures.parameter_shares(names))
    small, large = (count_params(PRESETS[name]) for name in ("GPT-3 Small", "GPT-3 175B"))
    assert "fraction, 0 to 1" in text
    assert f"the most in GPT-3 Small ({small.embedding / small.total:.2f})" in text
    assert f"the least in GPT-3 175B ({large.embedding / large.total:.3f})" in text
    assert "more than attention in every model" in text and "only in Chinchilla" in text   # its relative positions


def test_attention_share_is_described_with_each_models_own_share_and_where_it_passes_one_half():
    text = plain_description(figures.attention_share(["GPT-3 175B", "Llama 3 8B"]))
    assert "context length T" in text and "tokens, log scale" in text
    shape = PRESETS["Llama 3 8B"]
    share = flops_per_token(shape).attention_fraction
    assert f"Llama 3 8B {share:.1%} at 8,192 tokens" in text
    half = shape.context * (1 - share) / share
    assert flops_per_token(shape, context=half).attention_fraction == pytest.approx(0.5)    # the term is linear in T
    assert f"{human(half)} for Llama 3 8B" in text


def test_time_hours_and_energy_are_described_with_the_days_hours_and_energy_they_draw():
    flops = 3.14e23
    text = plain_description(figures.time_hours_energy(flops))
    assert "wall-clock days (log scale)" in text and "MWh" in text and f"PUE of {DEFAULT_PUE:g}" in text
    assert f"{training_days(flops, 'A100', 1024, 0.3):,.3g} (A100 at 30%)" in text
    slowest = accelerator_hours(flops, "A100", 0.3)
    assert f"from {human(slowest)} hours for A100 at 30%" in text
    assert f"{energy_kwh(slowest, board_power_watts('A100'), DEFAULT_PUE) / 1000:,.0f} MWh for A100 at 30%" in text


def test_implied_utilisation_is_described_with_the_range_and_palms_reference():
    rows = published_run_utilisation()
    text = plain_description(figures.implied_utilisation(rows))
    lowest = min(rows, key=lambda r: r.mfu_6nd)
    assert "fraction of the dense bf16 peak" in text
    assert f"from {lowest.mfu_6nd:.1%} ({lowest.name})" in text
    assert f"PaLM 540B's reported {PALM_540B_UTILISATION['mfu']:.1%}" in text
    assert f"{sum(r.mfu_with_attention is None for r in rows)} runs)" in text
