"""Tests of lesson 05's widgets (scalingedu.widgets.scaling_lab); the functions they draw are
tested in test_lab_experiments.py."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.lab import VOCAB_SIZE, load_results, sweep_fit
from scalingedu.lab.analysis import isoflop_budget_view
from scalingedu.plotting import description
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
    bundle, metadata = profiles._repr_mimebundle_()          # the picture and its alt text, the description
    assert "image/png" in bundle and metadata["image/png"]["alt"] == description(profiles.figure)
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


def test_profiles_accept_the_sweeps_own_smallest_and_largest_budgets(profiles):
    budgets = np.unique(profiles.results["budget"])
    profiles.update(flops=float(budgets[0]))        # 3e10 exactly: the slider's minimum, not 3.00000000000001e10
    assert profiles.error is None and profiles.optimum.get_xdata()[0] == pytest.approx(sweep_fit().params[0])
    profiles.update(flops=float(budgets[-1]))
    assert profiles.error is None and profiles.optimum.get_xdata()[0] == pytest.approx(sweep_fit().params[-1])


def test_profiles_show_the_spread_of_three_seeds_for_each_run(profiles):
    seeds = load_results("sweep_seeds")
    profiles.update(flops=9e10)
    segments = profiles.spread.get_segments()
    assert len(segments) == 5
    for segment in segments:
        (n, low), (_, high) = segment
        same = (seeds["budget"] == 9e10) & (seeds["params"] == n)
        assert same.sum() == 3
        assert (low, high) == (seeds["val_loss"][same].min(), seeds["val_loss"][same].max())


def test_profiles_caution_when_the_minimum_lies_outside_the_sizes_trained(profiles):
    assert profiles.cautions == []
    for budget in np.unique(profiles.results["budget"]):     # the shipped sweep: every minimum inside its sizes
        profiles.update(flops=float(budget))
        assert profiles.cautions == []
    # a sweep whose largest budget trained only its three smallest sizes (21k to 45k parameters), all still falling
    data = load_results()
    keep = ~((data["budget"] == 8.1e11) & (data["width"] > 96))
    mine = LabIsoFlopProfiles(results={name: column[keep] for name, column in data.items()})
    mine.update(flops=8.1e11)
    assert mine.error is None and len(mine.cautions) == 1
    assert "outside the sizes trained" in mine.cautions[0] and "8.1e+11" in mine.cautions[0]
    assert mine.optimum.get_xdata()[0] > data["params"][keep].max()
    assert not mine.spread.get_visible()                 # no seeds for a sweep of one's own


# --- descriptions (the static picture's alt text) follow the controls ---------------------------------------------

def test_profiles_description_gives_the_minimum_of_the_chosen_budget(profiles):
    for budget in np.unique(profiles.results["budget"])[[0, -1]]:
        profiles.update(flops=float(budget))
        view = isoflop_budget_view(float(budget), profiles.results, profiles.fit)
        text = description(profiles.figure)
        assert "nats/char" in text and f"loss {view.optimum_loss:.3f}" in text
        best, second = np.sort(view.runs_loss)[:2]
        assert f"differ by only {second - best:.4f} nats" in text and f"C^{profiles.fit.a:.2f}" in text


def test_explorer_description_gives_both_runs_and_says_when_one_ends_above_chance(explorer):
    clean = explorer.quality[0]
    explorer.update(corruption=0.2, epochs=64.0)
    text = description(explorer.figure)
    dirty, repeated = explorer.quality[2], explorer.repetition[-1]
    assert "nats/char" in text and f"ends at {dirty.val_loss:.3f}, {dirty.val_loss - clean.val_loss:+.3f}" in text
    assert f"{repeated.epochs:.0f} times ends at {repeated.val_loss:.3f}" in text
    assert f"ends above the uniform guess, ln {VOCAB_SIZE}" in text
    explorer.update(epochs=2.0)
    assert f"ends below the uniform guess, ln {VOCAB_SIZE}" in description(explorer.figure)
