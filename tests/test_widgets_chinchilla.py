"""Tests of lesson 04's widgets (scalingedu.widgets.chinchilla); the functions they draw are
tested in test_chinchilla_law.py."""
from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

from scalingedu.data import GOPHER_BUDGET_FLOPS, model
from scalingedu.laws import (
    EPOCH_2024,
    HOFFMANN_2022,
    KAPLAN_2020,
    KAPLAN_CHOICE,
    LAW_CHOICES,
    ChinchillaLaw,
    isoflop_experiment,
    isoflop_view,
    optimal_tokens_for_params,
)
from scalingedu.laws.isoflop import FLOPS_RANGE, TARGET_FLOPS
from scalingedu.plotting import description
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.chinchilla import IsoFlopExplorer, IsoFlopLab

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROUNDED = "Hoffmann 2022, Eq. 10 (rounded)"
EPOCH = "Epoch 2024 replication"
UNROUNDED = "Hoffmann 2022, Eq. 10 (unrounded)"


@pytest.fixture
def explorer():
    return IsoFlopExplorer()


def _shown(widget) -> bool:
    return widget.image.layout.display != "none" and widget.message.layout.display == "none"


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png))).astype(int)


# --- IsoFlopExplorer ---------------------------------------------------------------------------------------------

def test_widget_is_registered_and_starts_at_the_gopher_budget(explorer):
    assert IsoFlopExplorer in all_widget_classes() and IsoFlopLab in all_widget_classes()
    assert explorer.values == {"flops": pytest.approx(GOPHER_BUDGET_FLOPS), "law": ROUNDED}
    assert explorer.error is None and _shown(explorer)
    assert bytes(explorer.image.value).startswith(PNG_SIGNATURE)
    bundle, metadata = explorer._repr_mimebundle_()          # the picture and its alt text, the description
    assert "image/png" in bundle and metadata["image/png"]["alt"] == description(explorer.figure)
    title = explorer.title.get_text()
    plan = HOFFMANN_2022.compute_optimal(GOPHER_BUDGET_FLOPS)
    assert "N = 32.2B params" in title and "D = 2.98T tokens" in title and f"{plan.loss:.3f}" in title


def test_update_changes_the_plotted_data(explorer):
    curve_before = explorer.curve.get_ydata().copy()
    image_before = bytes(explorer.image.value)
    explorer.update(flops=1e21)
    x, y = explorer.curve.get_data()
    np.testing.assert_allclose(y, HOFFMANN_2022.isoflop_profile(1e21, x))
    assert not np.allclose(curve_before, y)
    plan = HOFFMANN_2022.compute_optimal(1e21)
    assert explorer.optimum.get_xdata()[0] == pytest.approx(plan.params)
    assert explorer.chart_optimum.get_ydata()[0] == pytest.approx(plan.tokens)
    np.testing.assert_allclose(explorer.budget_line.get_ydata(), 1e21 / (6 * explorer.budget_line.get_xdata()))
    assert "C = 1e21 FLOPs" in explorer.title.get_text()
    assert bytes(explorer.image.value) != image_before


def test_changing_the_law_moves_the_optimum_and_the_frontier(explorer):
    frontier_before = explorer.frontier.get_ydata().copy()
    explorer.update(law=EPOCH)
    plan = EPOCH_2024.compute_optimal(explorer.values["flops"])
    assert explorer.optimum.get_xdata()[0] == pytest.approx(plan.params)
    assert not np.allclose(frontier_before, explorer.frontier.get_ydata())
    np.testing.assert_allclose(explorer.frontier.get_ydata(),
                               optimal_tokens_for_params(EPOCH_2024, explorer.frontier.get_xdata()))
    assert f"{plan.tokens / plan.params:.3g} tokens/param" in explorer.title.get_text()


def test_kaplan_view_shows_eq10s_optimum_and_the_extra_loss(explorer):
    assert not explorer.best_marker.get_visible() and not explorer.best_label.get_visible()
    explorer.update(law=KAPLAN_CHOICE)
    view = isoflop_view(KAPLAN_CHOICE, explorer.values["flops"])
    assert explorer.best_marker.get_visible() and explorer.best_label.get_visible()
    assert explorer.best_marker.get_xdata()[0] == pytest.approx(view.best.params)
    assert explorer.best_label.xy == pytest.approx((view.best.params, view.best.loss))
    assert f"+{view.extra_loss:.3f}" in explorer.title.get_text()


def test_the_key_names_only_what_is_drawn_and_gives_each_line_its_own_glyph(explorer):
    labels = [text.get_text() for text in explorer.figure.legends[0].get_texts()]
    assert not any("Kaplan" in label for label in labels)         # the hidden Kaplan marker has no key entry
    assert explorer.curve.get_linestyle() != explorer.frontier.get_linestyle()   # profile vs compute-optimal line
    assert explorer.curve.get_label() in labels and explorer.frontier.get_label() in labels


def test_models_near_the_budget_appear_on_the_profile_at_their_size(explorer):
    visible = {name for name, line in explorer.near.items() if line.get_visible()}
    assert {"Gopher", "Chinchilla", "GPT-3 175B", "Llama 3 8B", "Llama 2 70B"} <= visible   # within 2× of 5.76e23
    assert "DeepSeek-V3" not in visible and "Llama 3 70B" not in visible
    best = HOFFMANN_2022.compute_optimal(GOPHER_BUDGET_FLOPS).loss
    for name in visible:                         # on THIS budget's profile, at the model's own size
        n, loss = explorer.near[name].get_xdata()[0], explorer.near[name].get_ydata()[0]
        assert n == pytest.approx(model(name).active_params or model(name).params)
        assert loss == pytest.approx(HOFFMANN_2022.isoflop_profile(GOPHER_BUDGET_FLOPS, n))
        assert loss >= best                       # never below the compute-optimal plan it is compared with
    note = explorer.near_note.get_text()
    assert "Llama 2 70B ×1.46" in note and "Gopher ×1.00" in note     # each one's own budget as a multiple of C
    assert explorer.near["Gopher"].get_markerfacecolor() == "none"
    explorer.update(flops=1e19)
    assert not any(line.get_visible() for line in explorer.near.values()) and explorer.near_note.get_text() == ""


def test_budgets_beyond_the_fitted_and_tested_compute_get_a_caution(explorer):
    assert explorer.cautions == []                 # Gopher's budget: where Chinchilla tested the law
    explorer.update(flops=6.3e24, law=EPOCH)       # Llama 3 70B's budget
    assert len(explorer.cautions) == 1
    text = explorer.cautions[0]
    assert "6.3e24 FLOPs" in text and "1.3e22" in text and "5.76e23" in text and "10.9×" in text
    assert "Outside the fitted range" in explorer.notes.value and explorer.notes.layout.display is None
    explorer.update(flops=1e18)                    # below the smallest runs
    assert "below the smallest runs" in explorer.cautions[0] and "1.4e18" in explorer.cautions[0]
    explorer.update(flops=1e21, law=KAPLAN_CHOICE)  # inside both ranges
    assert explorer.cautions == [] and explorer.notes.layout.display == "none"
    explorer.update(flops=GOPHER_BUDGET_FLOPS)      # Kaplan's rule: beyond Kaplan et al.'s largest runs
    assert len(explorer.cautions) == 1 and "Kaplan et al.'s largest runs" in explorer.cautions[0]


def test_a_law_of_your_own_gets_no_caution_about_hoffmanns_runs():
    fitted = ChinchillaLaw(E=1.8, A=450.0, B=1500.0, alpha=0.35, beta=0.35, name="my fit")
    widget = IsoFlopExplorer(extra_laws={"my fit": fitted}, law="my fit", flops=1e26)
    assert widget.error is None and widget.cautions == []


@pytest.mark.parametrize("name, value", [("flops", 1e20), ("law", EPOCH), ("law", KAPLAN_CHOICE)])
def test_each_control_change_costs_exactly_one_render(explorer, name, value):
    renders, data = explorer.renders, explorer.curve.get_ydata().copy()
    explorer.controls[name].value = value          # as a learner moving the control
    assert explorer.renders == renders + 1
    assert explorer.error is None
    moved = explorer.optimum.get_xdata()[0] != HOFFMANN_2022.compute_optimal(GOPHER_BUDGET_FLOPS).params
    assert moved or not np.allclose(data, explorer.curve.get_ydata())
    explorer.update(flops=3e22, law=ROUNDED)       # two controls at once: still one render
    assert explorer.renders == renders + 2


def test_profile_axis_always_contains_the_optimum(explorer):
    for law in LAW_CHOICES:
        for flops in np.logspace(np.log10(FLOPS_RANGE[0]), np.log10(FLOPS_RANGE[1]), 10):
            explorer.update(law=law, flops=float(flops))
            low, high = explorer.axes[0].get_ylim()
            assert low < explorer.optimum.get_ydata()[0] < high


def test_a_law_whose_optimum_leaves_the_plot_shows_a_message_not_a_traceback():
    odd = ChinchillaLaw(E=1.7, A=1.0, B=1e6, alpha=0.3, beta=0.3, name="odd fit")
    widget = IsoFlopExplorer(extra_laws={"odd fit": odd})
    renders = widget.renders
    widget.update(law="odd fit")
    assert widget.error is not None and "outside the plotted range" in widget.error
    assert not _shown(widget) and "Cannot plot this" in widget.message.value
    assert widget.renders == renders
    widget.update(law=ROUNDED)                     # a valid choice brings the plot back
    assert widget.error is None and _shown(widget) and widget.renders == renders + 1


def test_extra_laws_must_be_chinchilla_laws():
    with pytest.raises(TypeError, match="must be a ChinchillaLaw"):
        IsoFlopExplorer(extra_laws={"kaplan": KAPLAN_2020})
    fitted = ChinchillaLaw(E=1.8, A=450.0, B=1500.0, alpha=0.35, beta=0.35, name="my fit")
    widget = IsoFlopExplorer(extra_laws={"my fit": fitted}, law="my fit")
    assert widget.error is None
    assert widget.optimum.get_xdata()[0] == pytest.approx(fitted.compute_optimal(GOPHER_BUDGET_FLOPS).params)


def test_one_update_is_fast(explorer):
    """Well under 100 ms per update (the benchmark reports the median; this guards against a regression to full
    redraws, with room for a slow CI machine)."""
    times = []
    for flops in np.logspace(19, 26, 8):
        explorer.update(flops=float(flops))
        times.append(explorer.last_update_seconds)
    assert np.median(times) < 0.15


# --- IsoFlopLab: Approach 2 on simulated runs ----------------------------------------------------

@pytest.fixture
def lab():
    return IsoFlopLab()


def test_lab_update_changes_the_plotted_data(lab):
    points_before = lab.points.get_offsets().copy()
    report_before = lab.report.get_text()
    lab.update(seed=7, noise_percent=3.0)
    expected = isoflop_experiment(UNROUNDED, 0.03, 9, 10.0, 7)
    points = np.asarray(lab.points.get_offsets())
    assert not np.allclose(points_before, points)
    np.testing.assert_allclose(points[:, 1], expected.runs["loss"])
    np.testing.assert_allclose(lab.fit_minima.get_ydata(), expected.fit.params)
    np.testing.assert_allclose(lab.fit_line.get_ydata(), expected.fit.params_law(lab.fit_line.get_xdata()))
    assert lab.report.get_text() != report_before and f"fitted {expected.fit.a:.3f}" in lab.report.get_text()


@pytest.mark.parametrize("name, value", [("noise_percent", 2.0), ("sizes", 5), ("spread", 30.0),
                                         ("outlier_percent", 6.0), ("seed", 3), ("truth", EPOCH)])
def test_lab_each_control_change_costs_exactly_one_render(lab, name, value):
    renders, losses = lab.renders, lab.points.get_offsets().copy()
    lab.controls[name].value = value
    assert lab.error is None and lab.renders == renders + 1
    after = lab.points.get_offsets()
    assert after.shape != losses.shape or not np.allclose(losses, after)


def test_lab_heavy_controls_are_debounced(lab):
    sliders = [c for c in lab.controls.values() if not isinstance(c, widgets.Dropdown)]
    assert sliders and all(control.continuous_update is False for control in sliders)


def test_lab_bad_inputs_show_a_message_not_a_traceback(lab):
    renders = lab.renders
    lab.update(sizes=2)
    assert lab.error is not None and "at least 3 model sizes" in lab.error
    assert not _shown(lab) and "Cannot plot this" in lab.message.value and lab.renders == renders
    lab.update(sizes=9, spread=1.5, noise_percent=3.0)    # noise hides the shallow bowls
    assert "do not curve upward" in lab.error and not _shown(lab)
    lab.update(spread=10.0)
    assert lab.error is None and _shown(lab) and lab.renders == renders + 1


def test_lab_loss_axis_contains_every_run(lab):
    for values in (dict(spread=100.0), dict(spread=1.5, noise_percent=0.0), dict(outlier_percent=20.0, seed=4)):
        lab.update(**values)
        low, high = lab.axes[0].get_ylim()
        losses = lab.points.get_offsets()[:, 1]
        assert low <= losses.min() and losses.max() <= high


# --- both widgets ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("factory, changes", [
    (IsoFlopExplorer, [dict(flops=3e20), dict(law=EPOCH), dict(flops=2e26, law=KAPLAN_CHOICE)]),
    (IsoFlopLab, [dict(seed=3), dict(spread=100.0, truth=EPOCH)]),
], ids=["explorer", "lab"])
def test_updated_picture_equals_a_full_redraw(factory, changes):
    """The y axis, bands and lines are animated: an update must look exactly like a full redraw of that state."""
    widget = factory()
    for values in changes:
        before = _pixels(bytes(widget.image.value))
        widget.update(**values)
        updated = _pixels(bytes(widget.image.value))
        assert np.abs(updated - before).max() > 100
        widget._background = None
        assert np.abs(updated - _pixels(widget.render_png())).max() <= 2


# --- descriptions (the static picture's alt text) follow the controls ---------------------------------------------

def test_explorer_description_gives_the_optimum_and_which_models_are_over_trained(explorer):
    text = description(explorer.figure)
    plan = HOFFMANN_2022.compute_optimal(GOPHER_BUDGET_FLOPS)
    assert "nats/token" in text and "C = 5.76e23 FLOPs" in text and f"loss {plan.loss:.3f}" in text
    assert "over-trained (above the line): Llama 3 8B" in text and "Gopher ×1.00" in text
    explorer.update(law=KAPLAN_CHOICE)
    view = isoflop_view(KAPLAN_CHOICE, GOPHER_BUDGET_FLOPS)
    assert f"{view.extra_loss:.3f} above Eq. 10's own optimum" in description(explorer.figure)


def test_lab_description_gives_the_fitted_and_true_exponents_and_the_extrapolation(lab):
    text = description(lab.figure)
    values = lab.values
    experiment = isoflop_experiment(values["truth"], values["noise_percent"] / 100, values["sizes"],
                                    values["spread"], values["seed"])
    true_target, fitted_target = experiment.target_params
    assert "SIMULATED" in text and "nats/token" in text
    assert f"C^{experiment.fit.a:.3f} against the true exponent {experiment.true_a:.3f}" in text
    assert f"({fitted_target / true_target - 1:+.0%})" in text and f"{TARGET_FLOPS:.3g}".replace("+", "") in text
