"""Lesson 04's figures (scalingedu.figures.chinchilla) draw the library's numbers: each test reads the plotted data
back and compares it with the Chinchilla laws and Table 3."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from scalingedu.compute import training_flops
from scalingedu.data import CHINCHILLA_APPROACH1_TABLE3, model
from scalingedu.figures import chinchilla as figures
from scalingedu.formatting import human
from scalingedu.laws import EPOCH_2024, HOFFMANN_2022, HOFFMANN_2022_TEX
from scalingedu.plotting import description

LAWS = {"Eq. 10 (rounded)": HOFFMANN_2022, "Eq. 10 (unrounded)": HOFFMANN_2022_TEX, "Epoch refit": EPOCH_2024}
BUDGETS = 10.0 ** np.arange(18, 25)


def _line(ax, label):
    return next(line for line in ax.get_lines() if line.get_label() == label)


def test_isoflop_profiles_are_the_laws_profiles_and_the_stars_their_minima():
    fig = figures.isoflop_profiles_figure(HOFFMANN_2022, BUDGETS)
    profile_ax, line_ax = fig.axes[:2]
    profiles = profile_ax.get_lines()[:len(BUDGETS)]
    for line, flops in zip(profiles, BUDGETS):
        np.testing.assert_allclose(line.get_ydata(), HOFFMANN_2022.isoflop_profile(flops, line.get_xdata()))
    best = HOFFMANN_2022.compute_optimal(BUDGETS)
    stars = profile_ax.get_lines()[len(BUDGETS) + 1]
    np.testing.assert_allclose(stars.get_xdata(), best.params)
    np.testing.assert_allclose(stars.get_ydata(), best.loss)
    for line, flops in zip(profiles, BUDGETS):                    # every profile lies on or above its optimum
        assert np.min(line.get_ydata()) >= HOFFMANN_2022.compute_optimal(flops).loss - 1e-9
    np.testing.assert_allclose(_line(line_ax, "optimal tokens $D_{opt}$").get_ydata(), best.tokens)


def test_tokens_per_param_figure_draws_each_laws_ratio_table_3_and_chinchilla():
    ax, = figures.tokens_per_param_figure(LAWS).axes
    for name, law in LAWS.items():
        x, y = _line(ax, f"Approach 3, {name}").get_data()
        np.testing.assert_allclose(y, law.compute_optimal(x).tokens_per_param)
    table3 = CHINCHILLA_APPROACH1_TABLE3
    x, y = _line(ax, "Table 3 (Approach 1 projections)").get_data()
    np.testing.assert_allclose(y, np.array(table3["tokens"]) / np.array(table3["params"]))
    chinchilla = model("Chinchilla")
    label = "Chinchilla (70B, 1.4T tokens)"                       # built from the data, not typed
    x, y = _line(ax, label).get_data()
    assert x[0] == training_flops(chinchilla.params, chinchilla.tokens) and y[0] == pytest.approx(20.0)


def test_agreement_figure_divides_each_laws_optimum_by_table_3():
    size_ax, ratio_ax = figures.agreement_figure(LAWS).axes
    table3 = CHINCHILLA_APPROACH1_TABLE3
    for name, law in LAWS.items():
        x, y = _line(ratio_ax, name).get_data()
        np.testing.assert_allclose(x, table3["flops"])
        np.testing.assert_allclose(y, law.compute_optimal(x).params / np.array(table3["params"]))
        x, y = _line(size_ax, f"Approach 3, {name}").get_data()
        np.testing.assert_allclose(y, law.compute_optimal(x).params)
    epoch = _line(ratio_ax, "Epoch refit").get_ydata()
    assert np.all(np.abs(epoch - 1) < 0.3)                        # the refit stays near Approach 1


@pytest.mark.parametrize("build", [lambda: figures.isoflop_profiles_figure(HOFFMANN_2022, BUDGETS),
                                   lambda: figures.tokens_per_param_figure(LAWS),
                                   lambda: figures.agreement_figure(LAWS)], ids=["profiles", "ratio", "agreement"])
def test_every_figure_has_units_on_its_axes(build):
    fig = build()
    assert isinstance(fig, Figure)
    for ax in fig.axes:
        assert ax.get_ylabel()
        assert ax.get_xlabel() or ax.get_label() == "<colorbar>"


def test_every_figure_function_says_what_it_shows():
    for name in ("isoflop_profiles_figure", "tokens_per_param_figure", "agreement_figure"):
        assert getattr(figures, name).__doc__


# --- descriptions (alt text): each figure says what it shows, with numbers computed as the figure computes them ---

def test_the_isoflop_profiles_description_gives_the_axes_the_optima_and_the_exponents():
    text = description(figures.isoflop_profiles_figure(HOFFMANN_2022, BUDGETS))
    best = HOFFMANN_2022.compute_optimal(BUDGETS[-1])
    assert "nats/token" in text and "log scale" in text and "1e18 to 1e24 FLOPs" in text
    assert human(best.params, "params") in text and f"C^{HOFFMANN_2022.params_exponent:.3f}" in text
    flat = HOFFMANN_2022.isoflop_profile(BUDGETS[-1], 2 * best.params) - best.loss
    assert f"twice the size {flat:.4f}" in text


def test_the_tokens_per_param_description_gives_each_laws_ratio_at_chinchillas_budget():
    text = description(figures.tokens_per_param_figure(LAWS))
    chinchilla = model("Chinchilla")
    budget = training_flops(chinchilla.params, chinchilla.tokens)
    assert "tokens per parameter" in text and "FLOPs, log scale" in text
    for name, law in LAWS.items():
        assert f"{name} {law.compute_optimal(budget).tokens_per_param:.0f}" in text
    assert "only Epoch refit comes within a factor 1.5" in text


def test_the_agreement_description_gives_each_laws_ratio_to_table_3():
    text = description(figures.agreement_figure(LAWS))
    table3 = CHINCHILLA_APPROACH1_TABLE3
    ratio = EPOCH_2024.compute_optimal(np.array(table3["flops"])).params / np.array(table3["params"])
    assert "parameters, log scale" in text and "ratio" in text
    assert f"Epoch refit rises from {ratio[0]:.2f} to {ratio[-1]:.2f}" in text
    assert f"within {np.max(np.abs(ratio - 1)):.0%} of Approach 1" in text
