"""Tests of lesson 02's widget, the training-run calculator (scalingedu.widgets.compute_budgets)."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from scalingedu import data
from scalingedu.compute import implied_mfu, run_budget, training_days
from scalingedu.formatting import sci
from scalingedu.plotting import description
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.compute_budgets import (
    COUNTS,
    CUSTOM,
    TIME_LIMITS_DAYS,
    WIDGETS,
    TrainingRunCalculator,
    _decades,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def calculator():
    return TrainingRunCalculator()


def _shown(widget) -> bool:
    return widget.image.layout.display != "none" and widget.message.layout.display == "none"


def _expected(widget):
    values = widget.values
    return run_budget(values["params"], values["tokens"], values["chip"], values["n_accelerators"], values["mfu"],
                      values["price"])


def _assert_plot_matches_the_library(widget):
    budget = _expected(widget)
    assert widget.compute_bar.get_width() + widget.compute_bar.get_x() == pytest.approx(budget.flops, rel=1e-12)
    assert widget.hours_bar.get_width() + widget.hours_bar.get_x() == pytest.approx(budget.accelerator_hours,
                                                                                 rel=1e-12)
    x, y = widget.time_line.get_data()
    np.testing.assert_allclose(x, COUNTS)
    np.testing.assert_allclose(y, training_days(budget.flops, budget.chip, 1, budget.mfu) / np.asarray(COUNTS),
                               rtol=1e-12)
    assert widget.time_point.get_ydata()[0] == pytest.approx(budget.days, rel=1e-12)
    text = widget.report.get_text()
    assert f"{budget.flops:.3g} FLOPs" in text
    return budget


def test_the_widget_is_listed():
    assert (TrainingRunCalculator,) == WIDGETS
    assert TrainingRunCalculator in all_widget_classes()


def test_first_state_is_llama_2_70b_and_reports_its_published_utilisation(calculator):
    assert calculator.values["model"] == "Llama 2 70B"
    record = data.model("Llama 2 70B")
    assert (calculator.values["params"], calculator.values["tokens"], calculator.values["chip"]) == (
        record.params, record.tokens, record.accelerator)
    budget = _assert_plot_matches_the_library(calculator)
    text = calculator.report.get_text()
    assert f"{implied_mfu(budget.flops, 'A100', record.gpu_hours):.1%}" in text
    assert "PF-days" in text and "accel.-hours" in text and "MWh" in text and "$" in text
    assert bytes(calculator.image.value).startswith(PNG_SIGNATURE)


def test_update_changes_the_plotted_data(calculator):
    before = (calculator.compute_bar.get_width(), calculator.time_line.get_ydata().copy(),
              calculator.report.get_text(), bytes(calculator.image.value))
    calculator.update(model=CUSTOM, params=7e9, tokens=1e12, chip="H100", n_accelerators=512, mfu=0.5, price=3.0)
    assert calculator.compute_bar.get_width() != before[0]
    assert not np.allclose(calculator.time_line.get_ydata(), before[1])
    assert calculator.report.get_text() != before[2]
    assert bytes(calculator.image.value) != before[3]
    budget = _assert_plot_matches_the_library(calculator)
    assert f"${budget.cost_dollars / 1e3:.3g}k" in calculator.report.get_text()


@pytest.mark.parametrize("name, value", [
    ("model", "Llama 3 70B"), ("params", 1e10), ("tokens", 5e11), ("chip", "H100"), ("n_accelerators", 64),
    ("mfu", 0.55), ("price", 4.5),
])
def test_each_control_change_costs_exactly_one_render(calculator, name, value):
    renders, text = calculator.renders, calculator.report.get_text()
    calculator.controls[name].value = value              # as a learner moving the control
    assert calculator.renders == renders + 1
    assert calculator.error is None
    assert calculator.report.get_text() != text
    _assert_plot_matches_the_library(calculator)


def test_choosing_a_model_sets_its_size_tokens_and_chip_in_one_render(calculator):
    renders = calculator.renders
    calculator.controls["model"].value = "DeepSeek-V3"
    record = data.model("DeepSeek-V3")
    assert calculator.renders == renders + 1
    assert calculator.values["params"] == record.active_params       # MoE: the active parameters compute
    assert calculator.values["tokens"] == record.tokens
    assert calculator.values["chip"] == "H800"
    calculator.update(model="GPT-3 175B")                             # no hardware on record: the chip stays
    assert calculator.values["chip"] == "H800" and calculator.values["params"] == 174.6e9
    assert "accelerator-hours not on record" in calculator.report.get_text()
    assert calculator.renders == renders + 2


def test_moving_the_size_makes_the_model_custom(calculator):
    renders = calculator.renders
    calculator.controls["params"].value = 3e10
    assert calculator.values["model"] == CUSTOM and calculator.renders == renders + 1
    assert calculator.report.get_text().startswith("your run: custom")
    calculator.update(model="Chinchilla")
    calculator.update(params=70e9)                                    # unchanged value: still Chinchilla
    assert calculator.values["model"] == "Chinchilla"
    calculator.update(tokens=2e12)
    assert calculator.values["model"] == CUSTOM


def test_heavy_controls_are_debounced(calculator):
    for name in ("params", "tokens", "mfu", "price"):
        assert calculator.controls[name].continuous_update is False


def test_zero_mfu_shows_a_message_not_a_traceback(calculator):
    renders = calculator.renders
    calculator.update(mfu=0.0)
    assert calculator.error is not None and "mfu" in calculator.error
    assert not _shown(calculator) and "Cannot plot this" in calculator.message.value
    assert calculator.renders == renders
    calculator.update(mfu=0.3)
    assert calculator.error is None and _shown(calculator) and calculator.renders == renders + 1


def test_a_chip_without_board_power_says_so(calculator):
    calculator.update(chip="TPU v4")
    assert calculator.error is None
    assert "energy          n/a" in calculator.report.get_text()


def test_initial_values_and_a_static_picture():
    widget = TrainingRunCalculator(model=CUSTOM, params=1e9, tokens=2e10, chip="H100", n_accelerators=8)
    assert widget.values["model"] == CUSTOM and widget.values["params"] == 1e9
    bundle, metadata = widget._repr_mimebundle_()            # the picture and its alt text, the description
    assert "image/png" in bundle and metadata["image/png"]["alt"] == description(widget.figure)


@pytest.mark.parametrize("values", [dict(params=1e8, tokens=1e9, model=CUSTOM), dict(params=1e12, tokens=1e14),
                                    dict(n_accelerators=1, mfu=0.01), dict(n_accelerators=65536, mfu=0.8)])
def test_the_axes_always_hold_your_run(calculator, values):
    calculator.update(**values)
    (compute_ax, hours_ax), (time_ax, _) = calculator.axes
    budget = _expected(calculator)
    low, high = compute_ax.get_xlim()
    assert low <= budget.flops <= high
    low, high = hours_ax.get_xlim()
    assert low <= budget.accelerator_hours <= high
    assert time_ax.get_ylim() == pytest.approx(TIME_LIMITS_DAYS)


def test_decade_limits_keep_the_current_range_while_it_fits():
    assert _decades(3e21, 5e24) == (1e21, 1e25)
    assert _decades(5e21, 5e24, current=(1e20, 1e25)) == (1e20, 1e25)     # still fits: kept
    assert _decades(5e21, 5e24, current=(1e16, 1e25)) == (1e21, 1e25)     # too much empty room: snapped
    assert _decades(5e21, 5e26, current=(1e20, 1e25)) == (1e21, 1e27)     # too small: snapped


# --- an update must look like a full redraw of the same state (catches stale blitted backgrounds) ----------------

def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png))).astype(int)


@pytest.mark.parametrize("values", [dict(mfu=0.3), dict(model="Llama 3 8B"),
                                    dict(model=CUSTOM, params=1e8, tokens=1e9)])   # the last moves the limits
def test_updated_picture_equals_a_full_redraw(calculator, values):
    before = _pixels(bytes(calculator.image.value))
    calculator.update(**values)
    updated = _pixels(bytes(calculator.image.value))
    assert np.abs(updated - before).max() > 100
    calculator._background = None
    full = _pixels(calculator.render_png())
    assert np.abs(updated - full).max() <= 2


# --- runs at the edges of the panels, and the MFU caution ----------------------------------------------------------

def test_a_run_under_an_hour_has_a_forward_bar_from_the_axis_edge(calculator):
    """Lesson 02's review: a 0.21-hour run's bar was drawn backwards, from 1 hour down to 0.21."""
    from scalingedu.widgets.compute_budgets import HOURS_BAR_BASE
    calculator.update(model=CUSTOM, params=1e8, tokens=1e9, chip="H100", n_accelerators=65536, mfu=0.8)
    budget = _expected(calculator)
    assert budget.accelerator_hours < 1
    assert calculator.hours_bar.get_x() + calculator.hours_bar.get_width() == pytest.approx(budget.accelerator_hours)
    assert calculator.hours_bar.get_x() == HOURS_BAR_BASE and calculator.hours_bar.get_width() > 0
    low, _ = calculator.axes[0][1].get_xlim()
    assert HOURS_BAR_BASE <= low < budget.accelerator_hours      # the bar starts off the axis, to the left


@pytest.mark.parametrize("values, marker, side", [
    (dict(params=1e12, tokens=1e14, chip="A100", n_accelerators=1, mfu=0.01), "^", "above"),
    (dict(params=1e8, tokens=1e9, chip="H100", n_accelerators=65536, mfu=0.8), "v", "below"),
])
def test_a_run_off_the_time_axis_is_pinned_to_its_edge_and_named(calculator, values, marker, side):
    calculator.update(model=CUSTOM, **values)
    budget = _expected(calculator)
    low, high = TIME_LIMITS_DAYS
    assert not low <= budget.days <= high
    assert low <= calculator.time_point.get_ydata()[0] <= high and calculator.time_point.get_marker() == marker
    assert side in calculator.time_note.get_text() and calculator.error is None
    calculator.update(model="Llama 2 70B", n_accelerators=2048, mfu=0.4)     # back on the axis: a dot, no note
    assert calculator.time_point.get_marker() == "o" and calculator.time_note.get_text() == ""
    assert calculator.time_point.get_ydata()[0] == pytest.approx(_expected(calculator).days)


def test_an_mfu_above_every_published_run_gets_a_caution(calculator):
    from scalingedu.widgets.compute_budgets import HIGHEST_PUBLISHED_MFU
    assert data.PALM_540B_UTILISATION["mfu"] == HIGHEST_PUBLISHED_MFU
    assert calculator.cautions == [] and calculator.notes.layout.display == "none"     # the default 40%
    calculator.update(mfu=0.75)
    assert len(calculator.cautions) == 1
    assert "MFU 75%" in calculator.cautions[0] and "46.2% (PaLM 540B" in calculator.cautions[0]
    assert "MFU 75%" in calculator.notes.value and calculator.notes.layout.display != "none"
    calculator.update(mfu=0.46)
    assert calculator.cautions == []


def test_the_description_follows_the_run_and_ranks_it_among_published_runs(calculator):
    text = description(calculator.figure)
    budget = _expected(calculator)
    assert f"Llama 2 70B's published size and tokens: 70B parameters on 2T tokens, compute 6ND = " \
           f"{sci(budget.flops)} FLOPs" in text
    assert "wall-clock days (log scale)" in text and "The published run took 1.72M A100-hours" in text
    calculator.update(model=CUSTOM, params=1e9, tokens=2e10)
    text = description(calculator.figure)
    assert f"a custom run: 1B parameters on 20B tokens, compute 6ND = {sci(1.2e20)} FLOPs" in text
    assert text.count("less than any of them") == 2 and "published run took" not in text
