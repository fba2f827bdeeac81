"""Tests of lesson 05's widgets (scalingedu.widgets.scaling_lab); the functions they draw are
tested in test_lab_experiments.py."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.lab import sweep_fit
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.scaling_lab import DataExperimentExplorer, LabIsoFlopProfiles

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def profiles():
    return LabIsoFlopProfiles()


@pytest.fixture
def explorer():
    return DataExperimentExplorer()


# --- the widgets ----------------------------------------------------------------------------------------------------

def test_widgets_are_registered():
    classes = all_widget_classes()
    assert LabIsoFlopProfiles in classes and DataExperimentExplorer in classes


def test_profiles_start_on_a_shipped_budget(profiles):
    assert bytes(profiles.image.value).startswith(PNG_SIGNATURE) and profiles.error is None
    assert "image/png" in profiles._repr_mimebundle_()
    fit = sweep_fit()
    assert profiles.optimum.get_xdata()[0] == pytest.approx(fit.params[0])


def _slider_steps(widget):
    slider = widget.controls["flops"]
    return [10 ** (slider.min + slider.step * k) for k in range(round((slider.max - slider.min) / slider.step) + 1)]


def test_every_budget_step_moves_the_profile(profiles):
    fit = sweep_fit()
    shown = []
    for value in _slider_steps(profiles):
        before = profiles.optimum.get_xdata()[0]
        renders, image = profiles.renders, bytes(profiles.image.value)
        profiles.update(flops=value)
        assert profiles.renders == renders + 1
        after = profiles.optimum.get_xdata()[0]
        shown.append(after)
        if after != before:
            assert bytes(profiles.image.value) != image
    # each step of the slider lands on the next budget of the sweep, in order
    np.testing.assert_array_equal(shown, fit.params)


def test_explorer_controls_each_change_their_panel(explorer):
    dirty, repeated = explorer.dirty.get_ydata().copy(), explorer.repeated.get_ydata().copy()
    renders, image = explorer.renders, bytes(explorer.image.value)
    explorer.update(corruption=0.3)
    assert explorer.renders == renders + 1 and bytes(explorer.image.value) != image
    assert not np.array_equal(explorer.dirty.get_ydata(), dirty)
    np.testing.assert_array_equal(explorer.repeated.get_ydata(), repeated)
    explorer.update(epochs=32)
    assert not np.array_equal(explorer.repeated.get_ydata(), repeated)
    assert "32 epochs" in explorer.right_note.get_text()


def test_explorer_rejects_values_outside_its_sliders(explorer):
    with pytest.raises(ValueError, match="corruption"):
        explorer.update(corruption=0.9)
