"""Tests of lesson 03's widgets (scalingedu.widgets.kaplan_laws); the functions they draw are tested
in test_kaplan.py."""
from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from scalingedu.data import GOPHER_BUDGET_FLOPS, KAPLAN_2020_MODEL_RANGE, KAPLAN_2020_SETUP, MODELS, model
from scalingedu.formatting import human
from scalingedu.laws import KAPLAN_2020, allocations, law_point
from scalingedu.plotting import description
from scalingedu.widgets.kaplan_laws import (
    BUDGET_PRESETS,
    CUSTOM,
    EXPLORER_PRESETS,
    AllocationComparer,
    KaplanLawExplorer,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def explorer():
    return KaplanLawExplorer()


@pytest.fixture
def comparer():
    return AllocationComparer()


def _shown(widget) -> bool:
    return widget.image.layout.display != "none" and widget.message.layout.display == "none"


# --- the presets ---------------------------------------------------------------------------------

def test_explorer_presets_list_the_placeable_models_first():
    assert EXPLORER_PRESETS[0] == CUSTOM
    placeable = [name for name in EXPLORER_PRESETS[1:] if model(name).active_params is None]
    assert EXPLORER_PRESETS[1:len(placeable) + 1] == tuple(placeable)   # the refused ones come last


def test_budget_presets_are_every_model():
    assert BUDGET_PRESETS[0] == CUSTOM
    assert set(BUDGET_PRESETS[1:]) == {record.name for record in MODELS}


# --- KaplanLawExplorer ---------------------------------------------------------------------------------------------

def test_explorer_starts_at_kaplans_largest_model_on_webtext2(explorer):
    assert explorer.values == {"params": KAPLAN_2020_MODEL_RANGE["largest_params"],
                               "tokens": KAPLAN_2020_SETUP["dataset_tokens"], "preset": CUSTOM}
    assert explorer.error is None and _shown(explorer)
    assert bytes(explorer.image.value).startswith(PNG_SIGNATURE)
    bundle, metadata = explorer._repr_mimebundle_()          # the picture and its alt text, the description
    assert "image/png" in bundle and metadata["image/png"]["alt"] == description(explorer.figure)


def test_explorer_update_changes_the_plotted_data(explorer):
    curve_before = explorer.data_curve.get_ydata().copy()
    image_before = bytes(explorer.image.value)
    explorer.update(params=1e8, tokens=1e9)
    tokens, loss = explorer.data_curve.get_data()
    assert not np.allclose(curve_before, loss)
    np.testing.assert_allclose(loss, KAPLAN_2020.loss(1e8, tokens))
    params, loss = explorer.size_curve.get_data()
    np.testing.assert_allclose(loss, KAPLAN_2020.loss(params, 1e9))
    np.testing.assert_allclose(explorer.data_point.get_offsets(), [[1e9, KAPLAN_2020.loss(1e8, 1e9)]])
    np.testing.assert_allclose(explorer.size_point.get_offsets(), [[1e8, KAPLAN_2020.loss(1e8, 1e9)]])
    assert explorer.data_bound.get_xdata()[0] == pytest.approx(KAPLAN_2020.overfitting_bound_tokens(1e8))
    assert f"{KAPLAN_2020.loss(1e8, 1e9):.3f}" in explorer.report.get_text()
    assert bytes(explorer.image.value) != image_before


@pytest.mark.parametrize("name, value", [("params", 1e11), ("tokens", 1e8), ("preset", "GPT-3 175B")])
def test_explorer_each_control_change_costs_exactly_one_render(explorer, name, value):
    renders, data = explorer.renders, explorer.size_point.get_offsets().copy()
    explorer.controls[name].value = value          # as a learner moving the control
    assert explorer.renders == renders + 1
    assert explorer.error is None
    assert not np.allclose(data, explorer.size_point.get_offsets())
    explorer.update(params=3e9, tokens=3e10)       # two controls at once: still one render
    assert explorer.renders == renders + 2


def test_explorer_preset_moves_the_sliders_and_a_slider_clears_it(explorer):
    explorer.controls["preset"].value = "Chinchilla"
    chinchilla = model("Chinchilla")
    assert explorer.values["params"] == chinchilla.params and explorer.values["tokens"] == chinchilla.tokens
    assert explorer.report.get_text().startswith("Chinchilla:")
    renders = explorer.renders
    explorer.controls["tokens"].value = 1e10
    assert explorer.values["preset"] == CUSTOM and explorer.renders == renders + 1
    assert explorer.data_point.get_offsets()[0][0] == pytest.approx(1e10)
    explorer.update(preset="GPT-3 13B")            # update() applies a preset too
    assert explorer.values["params"] == model("GPT-3 13B").params
    explorer.update(params=2e9)                    # and a slider in update() clears it
    assert explorer.values["preset"] == CUSTOM and explorer.values["params"] == 2e9


def test_explorer_models_it_cannot_place_show_a_message_not_a_traceback(explorer):
    renders = explorer.renders
    explorer.update(preset="DeepSeek-V3")
    assert explorer.error is not None and "Mixture-of-Experts" in explorer.error
    assert not _shown(explorer) and "Cannot plot this" in explorer.message.value
    assert explorer.renders == renders
    explorer.controls["params"].value = 1e10       # moving a slider brings the plot back
    assert explorer.error is None and _shown(explorer) and explorer.renders == renders + 1


def test_explorer_axes_hold_every_point_it_can_show(explorer):
    data_ax, size_ax = explorer.axes
    for params, tokens in ((1e6, 1e7), (1e13, 1e14), (1e6, 1e14), (1e13, 1e7)):
        explorer.update(params=params, tokens=tokens)
        loss = law_point(params, tokens).loss
        for ax in (data_ax, size_ax):
            low, high = ax.get_ylim()
            assert low <= loss <= high


# --- AllocationComparer --------------------------------------------------------------------------------------------

def test_comparer_update_changes_the_plotted_data(comparer):
    marks_before = comparer.size_marks.get_offsets().copy()
    image_before = bytes(comparer.image.value)
    comparer.update(flops=1e21)
    split = allocations(1e21)
    np.testing.assert_allclose(comparer.size_marks.get_offsets(), [[1e21, a.params] for a in split.values()])
    np.testing.assert_allclose(comparer.ratio_marks.get_offsets(),
                               [[1e21, a.tokens_per_param] for a in split.values()])
    assert not np.allclose(marks_before, comparer.size_marks.get_offsets())
    assert comparer.size_line.get_xdata()[0] == 1e21
    assert "1e+21 FLOPs" in comparer.report.get_text()
    assert bytes(comparer.image.value) != image_before


@pytest.mark.parametrize("name, value", [("flops", 1e19), ("preset", "Llama 3 70B")])
def test_comparer_each_control_change_costs_exactly_one_render(comparer, name, value):
    renders, marks = comparer.renders, comparer.size_marks.get_offsets().copy()
    comparer.controls[name].value = value
    assert comparer.renders == renders + 1 and comparer.error is None
    assert not np.allclose(marks, comparer.size_marks.get_offsets())


def test_comparer_preset_sets_the_budget(comparer):
    comparer.controls["preset"].value = "GPT-3 175B"
    assert comparer.values["flops"] == model("GPT-3 175B").training_flops
    assert "(GPT-3 175B)" in comparer.report.get_text()
    comparer.controls["flops"].value = 1e20
    assert comparer.values["preset"] == CUSTOM


def test_comparer_starts_at_the_chinchilla_budget_and_debounces_the_slider(comparer):
    assert comparer.values["flops"] == GOPHER_BUDGET_FLOPS
    assert comparer.controls["flops"].continuous_update is False
    assert "Kaplan's model is 11.1x Epoch's" in comparer.report.get_text()


def test_comparer_unknown_budget_shows_a_message_not_a_traceback(comparer):
    renders = comparer.renders
    comparer.update(preset="Mixtral 8x7B")
    assert comparer.error is not None and "budget is unknown" in comparer.error
    assert not _shown(comparer) and comparer.renders == renders
    comparer.update(preset="Chinchilla")
    assert comparer.error is None and _shown(comparer) and comparer.renders == renders + 1


# --- speed, and redraws that match a full redraw (catches stale blitted backgrounds) -------------------------------

@pytest.mark.parametrize("factory, changes", [
    (KaplanLawExplorer, [dict(params=10 ** (6 + 0.5 * i), tokens=10 ** (7 + 0.5 * i)) for i in range(8)]),
    (AllocationComparer, [dict(flops=10 ** (17 + i)) for i in range(8)]),
])
def test_one_update_is_well_under_100_ms(factory, changes):
    widget = factory()
    times = []
    for values in changes:
        start = time.perf_counter()
        widget.update(**values)
        times.append(time.perf_counter() - start)
    assert np.median(times) < 0.1, f"median update {np.median(times) * 1000:.0f} ms"


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png))).astype(int)


@pytest.mark.parametrize("factory, values", [(KaplanLawExplorer, dict(params=1e7, tokens=1e12)),
                                             (KaplanLawExplorer, dict(preset="Llama 3 8B")),
                                             (AllocationComparer, dict(flops=3e19)),
                                             (AllocationComparer, dict(preset="GPT-3 Small"))])
def test_updated_picture_equals_a_full_redraw(factory, values):
    widget = factory()
    before = _pixels(bytes(widget.image.value))
    widget.update(**values)
    updated = _pixels(bytes(widget.image.value))
    assert np.abs(updated - before).max() > 100
    widget._background = None             # force a full redraw, independently of the widget's own invalidate()
    full = _pixels(widget.render_png())
    assert np.abs(updated - full).max() <= 2


def test_explorer_readout_and_key_sit_in_their_own_panel_and_never_cover_a_curve(explorer):
    data_ax, size_ax = explorer.axes
    assert explorer.report.axes not in (data_ax, size_ax) and not explorer.report.axes.axison
    key = explorer.report.axes.figure.legends + [ax.get_legend() for ax in explorer.figure.axes if ax.get_legend()]
    assert len(key) == 1 and len(key[0].get_texts()) <= 4         # four entries, not seven
    for params, tokens in ((1e6, 1e7), (1e13, 1e7)):              # the reviews' failing states
        explorer.update(params=params, tokens=tokens)
        text_box = explorer.report.get_window_extent(explorer.canvas.get_renderer())
        for ax in (data_ax, size_ax):
            assert not text_box.overlaps(ax.get_window_extent())


def test_explorer_verdict_speaks_about_this_point(explorer):
    explorer.update(params=1e6, tokens=1e7)
    point = law_point(1e6, 1e7)
    text = explorer.report.get_text()
    assert "Verdict: data-limited" in text and "138M tokens" in text and "14× too few" in text
    assert f"{100 * point.penalty:.1f}%" in text
    explorer.update(params=1e8, tokens=1e10)
    assert "Verdict: enough data" in explorer.report.get_text()


def test_explorer_cautions_outside_the_sizes_and_data_kaplan_measured(explorer):
    assert explorer.cautions == [] and explorer.notes.layout.display == "none"   # 1.5B on WebText2: measured
    explorer.update(params=1e6, tokens=1e7)                                       # 10M tokens: below 22M
    assert explorer.cautions == ["10M training tokens: Kaplan et al. measured data sets of 22M to 23B tokens; "
                                 "the law is extrapolated here, below that range"]
    explorer.update(preset="GPT-3 175B")                                          # 175B on 300B tokens: above both
    assert len(explorer.cautions) == 2
    assert "175B non-embedding parameters" in explorer.cautions[0] and "768 to 1.5B" in explorer.cautions[0]
    assert "300B training tokens" in explorer.cautions[1]
    assert "Outside the fitted range" in explorer.notes.value and explorer.error is None
    explorer.update(params=1e8, tokens=1e9)
    assert explorer.cautions == []


def test_comparer_cautions_beyond_the_compute_each_rule_was_fitted_on(comparer):
    comparer.update(flops=1e19)                    # inside Kaplan's runs and Hoffmann's
    assert comparer.cautions == [] and comparer.notes.layout.display == "none"
    comparer.update(flops=GOPHER_BUDGET_FLOPS)     # the comparer opens here: Kaplan's rule is extrapolated
    assert len(comparer.cautions) == 1
    assert "Kaplan et al.'s largest runs used about 1.2e21 FLOPs (14 PF-days)" in comparer.cautions[0]
    assert "488×" in comparer.cautions[0]
    comparer.update(flops=1e25)                    # beyond Chinchilla's test too
    assert len(comparer.cautions) == 2 and "tested once, by Chinchilla at 5.76e23" in comparer.cautions[1]


# --- descriptions (the static picture's alt text) follow the controls ---------------------------------------------
def test_explorer_description_gives_the_loss_its_limits_and_the_verdict(explorer):
    explorer.update(preset="Chinchilla")
    point = law_point(explorer.values["params"], explorer.values["tokens"])
    text = description(explorer.figure)
    assert "test loss (nats/token, log scale)" in text and "Your point, Chinchilla: N = 70B" in text
    assert f"has a loss of {point.loss:.3f} nats/token, against {point.converged_loss:.3f}" in text
    assert f"enough data by Eq. 4.4, which asks for {human(point.bound_tokens)} tokens" in text


def test_comparer_description_gives_each_rules_split_at_the_budget(comparer):
    text = description(comparer.figure)
    split = allocations(GOPHER_BUDGET_FLOPS)
    assert "training budget C (FLOPs" in text and "tokens per parameter D/N (log scale)" in text
    kaplan = split["Kaplan 2020 (Table 6)"]
    assert f"Kaplan 2020 (Table 6) {human(kaplan.params)} parameters on {human(kaplan.tokens)} tokens" in text
    assert "Kaplan's model is 11.1 times Epoch's" in text
