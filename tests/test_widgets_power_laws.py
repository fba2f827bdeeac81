"""Tests of lesson 01's widgets (scalingedu.widgets.power_laws); the functions they draw are tested
in test_powerlaw.py."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from scalingedu.plotting import description
from scalingedu.powerlaw import extrapolation_experiment
from scalingedu.widgets.power_laws import ExtrapolationSimulator, PowerLawExplorer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def explorer():
    return PowerLawExplorer()


@pytest.fixture
def simulator():
    return ExtrapolationSimulator()


def _shown(widget) -> bool:
    return widget.image.layout.display != "none" and widget.message.layout.display == "none"


# --- PowerLawExplorer ----------------------------------------------------------------------------------------------

def test_explorer_update_changes_the_plotted_data(explorer):
    before = explorer.loglog_curve.get_ydata().copy()
    slope_before = explorer.slope_curve.get_ydata().copy()
    image_before = bytes(explorer.image.value)
    explorer.update(b=-1.2, c=0.5)
    x, y = explorer.loglog_curve.get_data()
    assert not np.allclose(before, y)
    np.testing.assert_allclose(y, 2.0 * x ** -1.2 + 0.5)
    assert not np.allclose(slope_before, explorer.slope_curve.get_ydata())
    assert explorer.slope_b.get_ydata()[0] == -1.2
    assert "0.5" in explorer.formula.get_text()
    assert bytes(explorer.image.value) != bytes(image_before)
    assert bytes(explorer.image.value).startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("name, value", [("a", 10.0), ("b", 0.8), ("c", 1.5)])
def test_explorer_each_control_change_costs_exactly_one_render(explorer, name, value):
    renders, data = explorer.renders, explorer.loglog_curve.get_ydata().copy()
    explorer.controls[name].value = value          # as a learner moving the slider
    assert explorer.renders == renders + 1
    assert not np.allclose(data, explorer.loglog_curve.get_ydata())
    explorer.update(a=0.5, b=-0.3, c=0.2)          # several controls at once: still one render
    assert explorer.renders == renders + 2


@pytest.mark.parametrize("values", [dict(a=100.0, b=1.5), dict(a=0.01, b=-2.0), dict(a=1.0, b=0.0, c=3.0),
                                    dict(a=50.0, b=-0.1, c=0.0)])
def test_explorer_axes_always_contain_the_curve(explorer, values):
    explorer.update(**values)
    linear, loglog, slope = explorer.axes
    x, y = explorer.loglog_curve.get_data()
    low, high = loglog.get_ylim()
    assert low <= y.min() and y.max() <= high
    low, high = linear.get_ylim()
    shown = y[x <= linear.get_xlim()[1]]
    assert low <= shown.min() and shown.max() <= high
    low, high = slope.get_ylim()
    assert low <= explorer.slope_curve.get_ydata().min() and explorer.slope_curve.get_ydata().max() <= high


def test_explorer_bad_inputs_show_a_message_not_a_traceback(explorer):
    renders = explorer.renders
    explorer.update(c=-0.4)                        # drags y below zero: rejected by the model
    assert explorer.error is not None and "y <= 0" in explorer.error
    assert not _shown(explorer) and "Cannot plot this" in explorer.message.value
    assert explorer.renders == renders
    explorer.update(c=0.2)                         # a valid value brings the plot back
    assert explorer.error is None and _shown(explorer) and explorer.renders == renders + 1


def test_explorer_offers_a_static_picture_and_takes_initial_values():
    widget = PowerLawExplorer(a=30.0, b=-0.34, c=1.69)
    assert widget.values == {"a": 30.0, "b": -0.34, "c": 1.69}
    bundle, metadata = widget._repr_mimebundle_()            # the picture and its alt text, the description
    assert "image/png" in bundle and metadata["image/png"]["alt"] == description(widget.figure)


# --- ExtrapolationSimulator ----------------------------------------------------------------------------------------

def test_simulator_update_changes_the_plotted_data_and_reports_the_errors(simulator):
    points_before = simulator.points.get_offsets().copy()
    report_before = simulator.report.get_text()
    simulator.update(seed=7, noise_percent=4.0)
    points = np.asarray(simulator.points.get_offsets())
    assert not np.allclose(points_before, points)
    expected = extrapolation_experiment(0.04, 8, 2.0, 7)
    np.testing.assert_allclose(points[:, 0], expected.params)
    np.testing.assert_allclose(points[:, 1], expected.observed_loss)
    text = simulator.report.get_text()
    assert text != report_before
    assert f"({100 * expected.plain_error:+.1f}%)" in text and f"({100 * expected.offset_error:+.1f}%)" in text
    assert simulator.target_line.get_xdata()[0] == pytest.approx(expected.target_params)


@pytest.mark.parametrize("name, value", [("noise_percent", 5.0), ("n_points", 20), ("decades", 3.0), ("seed", 11)])
def test_simulator_each_control_change_costs_exactly_one_render(simulator, name, value):
    renders = simulator.renders
    line_before = simulator.offset_line.get_ydata().copy()
    simulator.controls[name].value = value
    assert simulator.renders == renders + 1
    assert simulator.error is None
    assert not np.allclose(line_before, simulator.offset_line.get_ydata())


def test_simulator_heavy_controls_are_debounced(simulator):
    assert all(control.continuous_update is False for control in simulator.controls.values())


def test_simulator_too_few_points_show_a_message_not_a_traceback(simulator):
    renders = simulator.renders
    simulator.update(n_points=3)
    assert simulator.error is not None and "at least 4 points" in simulator.error
    assert not _shown(simulator) and simulator.renders == renders
    simulator.update(n_points=4)
    assert simulator.error is None and _shown(simulator) and simulator.renders == renders + 1


# --- redraws: an update must look like a full redraw of the same state (catches stale blitted backgrounds) ---------

def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png))).astype(int)


def _assert_update_matches_full_redraw(widget):
    updated = _pixels(bytes(widget.image.value))
    widget._background = None            # force a full redraw, independently of the widget's own invalidate()
    full = _pixels(widget.render_png())
    assert np.abs(updated - full).max() <= 2   # Agg's anti-aliasing differs by a level or two between draws


@pytest.mark.parametrize("values", [dict(a=2.2, b=-0.52), dict(a=100.0, b=1.5), dict(c=0.3)])
def test_explorer_updated_picture_equals_a_full_redraw(explorer, values):
    before = _pixels(bytes(explorer.image.value))
    explorer.update(**values)
    assert np.abs(_pixels(bytes(explorer.image.value)) - before).max() > 100
    _assert_update_matches_full_redraw(explorer)


@pytest.mark.parametrize("values", [dict(seed=3), dict(decades=0.5, noise_percent=5.0, seed=7)])
def test_simulator_updated_picture_equals_a_full_redraw(simulator, values):
    before = _pixels(bytes(simulator.image.value))
    simulator.update(**values)
    assert np.abs(_pixels(bytes(simulator.image.value)) - before).max() > 100
    _assert_update_matches_full_redraw(simulator)


# --- honest readouts at the edges ----------------------------------------------------------------------------------

def test_simulator_says_when_the_floor_hit_its_bound_instead_of_printing_a_tiny_number(simulator):
    """Lesson 01's review: at high noise the readout printed "fitted floor c = 3.49e-17" for a floor pressed to 0."""
    simulator.update(noise_percent=5.0, n_points=8, decades=1.0, seed=5)
    result = extrapolation_experiment(0.05, 8, 1.0, 5)
    assert result.offset.c < 1e-9                  # the state really does press c against its bound
    text = simulator.report.get_text()
    assert "c = 0 (at its bound" in text and "e-" not in text.split("fitted floor")[1]
    simulator.update(noise_percent=0.0)            # a floor the fit finds is printed as a number
    assert f"fitted floor c = {extrapolation_experiment(0.0, 8, 1.0, 5).offset.c:.3g}" in simulator.report.get_text()


def test_a_diverging_offset_fit_is_a_clear_value_error_shown_by_the_simulator(simulator):
    """3% noise, 5 runs, half a decade, seed 13 (the review's failing state): the fit's scale overflows."""
    with pytest.raises(ValueError, match="fit with an offset diverged.*do not pin down the floor"):
        extrapolation_experiment(0.03, 5, 0.5, 13)
    simulator.update(noise_percent=3.0, n_points=5, decades=0.5, seed=13)
    assert simulator.error.startswith("the fit with an offset diverged") and not _shown(simulator)


# --- descriptions (the static picture's alt text) follow the controls ---------------------------------------------
def test_explorer_description_gives_the_slope_and_where_the_floor_takes_over(explorer):
    text = description(explorer.figure)
    assert "y = 2·x^-0.50 (arbitrary units)" in text and "stays at -0.50 everywhere" in text
    explorer.update(c=0.3)
    text = description(explorer.figure)
    assert f"a·x^b falls below the floor c at x ≈ {(0.3 / 2) ** (1 / -0.5):.3g}" in text              # 44.4
    assert f"from {explorer.slope_curve.get_ydata()[0]:+.3g} at x = 1" in text


def test_simulator_description_gives_both_predictions_and_their_errors(simulator):
    text = description(simulator.figure)
    result = extrapolation_experiment(0.02, 8, 2.0, 0, smallest_params=1e7, factor=100.0)
    assert "loss (nats/token, log scale)" in text and "8 simulated runs with 2% noise" in text
    assert f"({100 * result.plain_error:+.1f}%)" in text and f"({100 * result.offset_error:+.1f}%)" in text
    assert f"the true loss is {result.true_target_loss:.3f}" in text
