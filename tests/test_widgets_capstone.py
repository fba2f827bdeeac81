"""Tests of lesson 09's widget (scalingedu.widgets.capstone.RunPlanner) over scalingedu.planning.plan_run."""
from __future__ import annotations

import ipywidgets
import numpy as np
import pytest

from scalingedu.planning import plan_run
from scalingedu.plotting import description
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.capstone import WIDGETS, RunPlanner

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _shown(widget) -> bool:
    return widget.image.layout.display != "none" and widget.message.layout.display == "none"


@pytest.fixture(scope="module")
def planner():
    return RunPlanner()


def test_registered_with_the_budget_slider_first(planner):
    assert (RunPlanner,) == WIDGETS and RunPlanner in all_widget_classes()
    first = next(iter(planner.controls))
    assert first == "budget" and isinstance(planner.controls[first], ipywidgets.FloatLogSlider)
    assert list(planner.controls) == ["budget", "accelerator", "deadline", "unique_tokens", "inference_tokens"]


def test_the_drawing_is_the_library_plan(planner):
    planner.update(budget=5e6, accelerator="H100", deadline=60, unique_tokens=1e12, inference_tokens=1e13)
    expected = plan_run(5e6, "H100", 60, 1e12, 1e13)
    assert planner.error is None and _shown(planner)
    assert planner.plan.params == expected.params and planner.plan.layout == expected.layout
    x, y = planner.plan_point.get_data()
    assert (x[0], y[0]) == (expected.params, expected.tokens)
    heights = sum(bar.get_height() for bar in planner.memory_bars)
    assert heights == pytest.approx(expected.memory.total / 2**30)          # GiB, the unit of the axis
    capacity = planner.capacity_line.get_ydata()[0]
    assert capacity == 80.0 and f"{heights:.1f} GiB of 80 GiB" in planner.memory_text.get_text()   # an H100
    assert planner.time_bar.get_width() == pytest.approx(expected.days)
    assert planner.deadline_line.get_xdata()[0] == 60
    assert planner.unique_line.get_ydata()[0] == 1e12
    iso_x, iso_y = planner.isoflop_line.get_data()
    assert np.allclose(6 * iso_x * iso_y, expected.flops)
    assert f"{expected.n_accelerators:,} H100" in planner.plan_text.get_text()


@pytest.mark.parametrize("control, value", [("budget", 3e6), ("accelerator", "A100"), ("deadline", 200),
                                            ("unique_tokens", 3e11), ("inference_tokens", 1e15)])
def test_each_control_changes_the_plan_and_the_picture_with_one_render(control, value):
    widget = RunPlanner()
    before_png, before_text, renders = widget.image.value, widget.plan_text.get_text(), widget.renders
    widget.update(**{control: value})
    assert widget.error is None
    assert widget.renders == renders + 1
    assert widget.image.value != before_png and widget.plan_text.get_text() != before_text


def test_direction_of_the_controls():
    widget = RunPlanner()
    base = widget.plan
    widget.update(inference_tokens=1e15)
    assert widget.plan.params < base.params
    widget.update(inference_tokens=1e12, unique_tokens=2e11)
    assert widget.plan.epochs > base.epochs


def test_an_impossible_request_shows_the_planners_message_not_a_traceback():
    widget = RunPlanner()
    widget.update(budget=1e8, deadline=14)
    assert widget.error is not None and "cannot be met" in widget.error and "days" in widget.error
    assert not _shown(widget) and "Cannot plot this" in widget.message.value
    widget.update(deadline=200)
    assert widget.error is None and _shown(widget)
    assert bytes(widget.image.value).startswith(PNG_SIGNATURE)


# --- honest at the edges (issue 15) ------------------------------------------------------------------------------

def test_the_default_plan_needs_no_caution():
    widget = RunPlanner()
    assert widget.cautions == [] and widget.notes.layout.display == "none"


def test_a_plan_of_hundreds_of_epochs_is_cautioned():
    """The review's state: $100M, 1e11 unique tokens and a demand of 1e16 tokens plans 309 epochs."""
    widget = RunPlanner()
    widget.update(budget=1e8, unique_tokens=1e11, inference_tokens=1e16, deadline=200)
    assert widget.error is None and widget.plan.epochs > 300
    assert any("epochs over the unique data" in text and "about 16" in text for text in widget.cautions)
    assert widget.notes.layout.display != "none"


def test_a_plan_far_beyond_sardanas_tokens_per_parameter_is_cautioned():
    widget = RunPlanner()
    widget.update(budget=1e6, unique_tokens=1e14, inference_tokens=1e16)
    assert widget.error is None and widget.plan.tokens_per_param > 1e4
    assert any("tokens per parameter" in text and "10,000" in text for text in widget.cautions)


def test_the_time_panel_has_no_legend_that_a_long_run_could_cover():
    widget = RunPlanner()
    widget.update(deadline=365)
    time_ax = widget.axes[2]
    assert time_ax.get_legend() is None
    assert "deadline 365 days" in widget.deadline_label.get_text()
    assert f"{widget.plan.days:.1f} days" in widget.time_label.get_text()
    assert widget.deadline_label.get_position()[0] < 365       # written left of a line at the axis' far end


def test_the_description_gives_the_plan_and_follows_the_controls():
    widget = RunPlanner()
    plan = plan_run(2e7, "H100", 90, 1e13, 1e12)
    text = description(widget.figure)
    assert "both log scale" in text and "GiB" in text and "nats/token" in text and "\n" not in text
    assert f"{plan.tokens_per_param:.0f} per parameter, {plan.epochs:.1f} epochs" in text
    assert f"{plan.days:.1f} days on {plan.n_accelerators:,} accelerators" in text
    bundle, metadata = widget._repr_mimebundle_()            # the picture and its alt text, the description
    assert "image/png" in bundle and metadata["image/png"]["alt"] == text
    widget.update(deadline=180)
    assert "within 180 days" in description(widget.figure)
