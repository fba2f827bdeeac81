"""Tests of lesson 05's widgets and the pure functions behind them (scalingedu.widgets.scaling_lab)."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.lab import load_results
from scalingedu.lab.experiments import experiment_runs, quality_runs, repetition_runs
from scalingedu.laws import fit_isoflop_parabolas
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.scaling_lab import (DataExperimentExplorer, LabIsoFlopProfiles, isoflop_budget_view,
                                            nearest_run, sweep_fit)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results():
    return load_results()


@pytest.fixture
def profiles():
    return LabIsoFlopProfiles()


@pytest.fixture
def explorer():
    return DataExperimentExplorer()


# --- pure functions -------------------------------------------------------------------------------------------------

def test_budget_view_is_the_budgets_runs_and_parabola(results):
    fit = fit_isoflop_parabolas(results["params"], results["flops"], results["val_loss"])
    for index, budget in enumerate(fit.flops):
        view = isoflop_budget_view(budget * 1.2, results)          # the nearest budget is chosen
        assert view.flops == budget
        rows = np.isclose(results["budget"], np.unique(results["budget"])[index])
        np.testing.assert_array_equal(np.sort(view.runs_loss), np.sort(results["val_loss"][rows]))
        # the parabola's lowest point on its grid is (close to) the reported minimum
        assert view.curve_loss.min() == pytest.approx(view.optimum_loss, abs=2e-3)
        assert view.optimum_tokens == pytest.approx(budget / (6 * view.optimum_params))


def test_budget_view_rejects_bad_input(results):
    with pytest.raises(ValueError, match="flops"):
        isoflop_budget_view(-1.0, results)
    with pytest.raises(TypeError, match="single budget"):
        isoflop_budget_view([1e10, 1e11], results)


def test_nearest_run_picks_by_setting():
    runs = experiment_runs()
    assert nearest_run(quality_runs(runs), 0.12, "corruption").corruption == pytest.approx(0.1)
    assert nearest_run(repetition_runs(runs), 3.4, "epochs").epochs == pytest.approx(4.0, rel=0.01)
    with pytest.raises(ValueError, match="setting"):
        nearest_run(runs, 1.0, "noise")
    with pytest.raises(ValueError, match="value"):
        nearest_run(runs, -0.1, "corruption")
    with pytest.raises(ValueError, match="empty"):
        nearest_run([], 1.0, "epochs")


def test_experiment_runs_are_complete():
    runs = experiment_runs()
    quality, repetition = quality_runs(runs), repetition_runs(runs)
    assert len(quality) >= 4 and quality[0].corruption == 0
    assert len(repetition) >= 5 and repetition[0].epochs == pytest.approx(1.0)
    assert len({run.tokens for run in runs}) == 1                  # same training tokens in every run
    for run in runs:
        assert run.curve_tokens.size >= 8 and np.all(np.diff(run.curve_tokens) > 0)


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
