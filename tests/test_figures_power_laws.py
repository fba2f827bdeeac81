"""Lesson 01's static figures (scalingedu.figures.power_laws) draw the library's numbers."""
from __future__ import annotations

import numpy as np
import pytest
from figure_descriptions import plain_description
from matplotlib.figure import Figure

from scalingedu.data import HOFFMANN_2022_FIT, KAPLAN_2020_MODEL_RANGE, KAPLAN_2020_PARAMS_LAW
from scalingedu.figures import power_laws as figures
from scalingedu.formatting import sci
from scalingedu.powerlaw import PowerLaw, fit_power_law, local_slope
from scalingedu.wordfreq import RankFrequency


def _line(ax, label):
    return next(line for line in ax.get_lines() if line.get_label() == label)


def _labelled_axes(figure: Figure) -> None:
    for ax in figure.axes:
        assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()


def test_linear_and_loglog_draws_each_power_law_and_the_exponential():
    figure = figures.linear_and_loglog()
    _labelled_axes(figure)
    linear, loglog = figure.axes
    assert loglog.get_xscale() == loglog.get_yscale() == "log"
    for exponent in figures.SHAPE_EXPONENTS:
        line = _line(loglog, f"$y = x^{{{exponent:g}}}$")
        x, y = line.get_data()
        np.testing.assert_allclose(y, x ** exponent)
    x, y = loglog.get_lines()[-1].get_data()
    np.testing.assert_allclose(y, np.exp(-x / figures.EXPONENTIAL_SCALE))


def test_zipf_plots_the_counts_and_the_fitted_law():
    counts = np.array([500.0, 240, 170, 120, 95, 80, 30, 12, 9, 3, 1, 1])
    words = RankFrequency(tuple(f"w{i}" for i in range(counts.size)), counts)
    law = fit_power_law(words.ranks[counts >= 10], counts[counts >= 10])
    figure = figures.zipf(words, law, min_count=10)
    _labelled_axes(figure)
    ax = figure.axes[0]
    fitted, rest = ax.collections[1].get_offsets(), ax.collections[0].get_offsets()
    np.testing.assert_allclose(fitted[:, 1], counts[counts >= 10])
    np.testing.assert_allclose(rest[:, 1], counts[counts < 10])
    x, y = ax.get_lines()[0].get_data()
    np.testing.assert_allclose(y, law(x))
    assert [t.get_text() for t in ax.texts] == ["w0 (rank 1)", "w1 (rank 2)", "w2 (rank 3)"]


def test_kaplan_law_and_price_follow_eq_1_1_and_its_inverse():
    figure = figures.kaplan_law_and_price()
    _labelled_axes(figure)
    law_ax, cost_ax = figure.axes
    alpha, n_c = KAPLAN_2020_PARAMS_LAW["alpha_N"], KAPLAN_2020_PARAMS_LAW["N_c"]
    measured = _line(law_ax, "range Kaplan et al. measured")
    x, y = measured.get_data()
    np.testing.assert_allclose(y, (n_c / x) ** alpha)
    assert (x[0], x[-1]) == (KAPLAN_2020_MODEL_RANGE["smallest_params"], KAPLAN_2020_MODEL_RANGE["largest_params"])
    percent, factor = cost_ax.get_lines()[0].get_data()
    law = PowerLaw(a=n_c ** alpha, b=-alpha)
    for p, k in zip(percent[::20], factor[::20]):        # k times the parameters cuts the loss by p percent
        assert law(1e9 * k) == pytest.approx((1 - p / 100) * law(1e9))
    assert cost_ax.get_lines()[1].get_ydata()[0] == pytest.approx(0.9 ** (-1 / alpha))


def test_floor_and_local_slope_draw_the_law_its_reducible_part_and_the_straight_fit():
    figure = figures.floor_and_local_slope(marked=("Chinchilla", 70e9))
    _labelled_axes(figure)
    curve_ax, slope_ax = figure.axes
    E, A, alpha = HOFFMANN_2022_FIT["E"], HOFFMANN_2022_FIT["A"], HOFFMANN_2022_FIT["alpha"]
    x, y = _line(curve_ax, r"$L = E + A/N^{\alpha}$").get_data()
    np.testing.assert_allclose(y, E + A / x ** alpha)
    np.testing.assert_allclose(_line(curve_ax, r"reducible part $A/N^{\alpha}$").get_ydata(), A / x ** alpha)
    straight = fit_power_law(figures.NEAR_FLOOR, E + A / figures.NEAR_FLOOR ** alpha)
    np.testing.assert_allclose(_line(curve_ax, "straight line fitted at 10B–100B").get_ydata(), straight(x))
    assert -0.03 < straight.b < 0
    np.testing.assert_allclose(_line(slope_ax, "local slope of L").get_ydata(), local_slope(x, E + A / x ** alpha))
    assert _line(slope_ax, "Chinchilla's size (70B)").get_xdata()[0] == 70e9


# --- descriptions (alt text): each names what is plotted, in which units, and the key numbers it draws ------------


def test_linear_and_loglog_is_described_with_each_slope_and_the_exponential():
    text = plain_description(figures.linear_and_loglog())
    assert "arbitrary units" in text and "log–log axes" in text
    decades = np.log10(figures.SHAPE_X[-1] / figures.SHAPE_X[0])
    for exponent in figures.SHAPE_EXPONENTS:
        assert f"x^{exponent:g} falls {abs(exponent) * decades:g}" in text          # decades fallen over x = 1..1000
    assert f"to {sci(np.exp(-figures.SHAPE_X[-1] / figures.EXPONENTIAL_SCALE), 2)} at x = 1,000" in text


def test_zipf_is_described_with_the_top_word_and_the_fitted_exponent():
    counts = np.array([500.0, 240, 170, 120, 95, 80, 30, 12, 9, 3, 1, 1])
    words = RankFrequency(tuple(f"w{i}" for i in range(counts.size)), counts)
    law = fit_power_law(words.ranks[counts >= 10], counts[counts >= 10])
    text = plain_description(figures.zipf(words, law, min_count=10))
    assert "log scale" in text and "rank" in text and "count" in text
    assert '"w0" comes first with 500 occurrences' in text and f"rank^{law.b:.2f}" in text
    assert "The 8 words seen at least 10 times" in text


def test_kaplan_law_and_price_is_described_with_the_price_of_ten_percent():
    text = plain_description(figures.kaplan_law_and_price())
    alpha, n_c = KAPLAN_2020_PARAMS_LAW["alpha_N"], KAPLAN_2020_PARAMS_LAW["N_c"]
    assert "nats/token" in text and "non-embedding parameters" in text
    assert f"{0.9 ** (-1 / alpha):.1f}× the parameters for 10% lower loss" in text       # 4.0×
    assert f"{(n_c / KAPLAN_2020_MODEL_RANGE['largest_params']) ** alpha:.2f}" in text     # the loss at 1.5B: 2.30


def test_floor_and_local_slope_is_described_with_the_straight_fit_and_the_slope_at_the_marked_model():
    text = plain_description(figures.floor_and_local_slope(marked=("Chinchilla", 70e9)))
    E, A, alpha = HOFFMANN_2022_FIT["E"], HOFFMANN_2022_FIT["A"], HOFFMANN_2022_FIT["alpha"]
    law = PowerLaw(a=A, b=-alpha, c=E)
    straight = fit_power_law(figures.NEAR_FLOOR, law(figures.NEAR_FLOOR))
    assert "nats/token" in text and "d log L / d log N" in text
    assert f"(exponent {straight.b:.3f})" in text and f"predicts {straight(1e14):.2f} at 100T, below the floor" in text
    nearby = np.array([1.0, 1.01]) * 70e9
    assert f"at Chinchilla's 70B it is already {local_slope(nearby, law(nearby))[0]:.3f}" in text
    assert "Chinchilla" not in plain_description(figures.floor_and_local_slope())
