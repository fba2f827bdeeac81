"""Every control of every lesson widget, moved as a learner would, alone and in random combinations biased to the ends
of each range: no exception may reach the learner, and nothing non-finite may be drawn (issue 15, item 3).

A learner moves a control through the widget itself (``control.value = ...``); the widget must then either draw a
plot whose data are all finite, or hide the plot and show a message. The states are seeded, so a failure names a
state that can be replayed.
"""
from __future__ import annotations

import math
import random

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.collections import Collection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from scalingedu.widgets import all_widget_classes

STATES_PER_WIDGET = 80
"""Random combinations tried per widget, after every control alone at both ends of its range."""


def _ends_and_middle(control) -> list:
    """Values of a control a learner can reach: both ends, next to the ends, the middle (for a choice: every one)."""
    if isinstance(control, (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons, widgets.Select)):
        return [o[1] if isinstance(o, tuple) else o for o in control.options]
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return [False, True]
    if isinstance(control, widgets.FloatLogSlider):
        low, high, step = control.min, control.max, control.step
        exponents = [low, min(low + step, high), (low + high) / 2, max(high - step, low), high]
        return [control.base ** e for e in exponents]
    if hasattr(control, "min") and hasattr(control, "max"):
        low, high = control.min, control.max
        step = getattr(control, "step", None) or (high - low) / 100
        middle = low + round((high - low) / 2 / step) * step if step else (low + high) / 2
        values = [low, min(low + step, high), middle, max(high - step, low), high]
        return [type(control.value)(v) if isinstance(control.value, int) else v for v in values]
    return []


def _anywhere(control, values: list, rng: random.Random):
    """A value anywhere in the control's range (a whole number for an integer slider, such as a seed)."""
    if isinstance(control, widgets.IntSlider):
        return rng.randint(control.min, control.max)
    if isinstance(control, widgets.FloatLogSlider):
        return control.base ** rng.uniform(control.min, control.max)
    if isinstance(control, widgets.FloatSlider):
        return rng.uniform(control.min, control.max)
    return rng.choice(values)


def _drawn_numbers(figure) -> list[float]:
    """The data of every visible line, collection and bar of the figure."""
    found: list[float] = []
    for ax in figure.axes:
        for artist in ax.get_children():
            if not artist.get_visible():
                continue
            if isinstance(artist, Line2D):
                for data in (artist.get_xdata(), artist.get_ydata()):
                    found.extend(np.asarray(data, dtype=float).ravel().tolist())
            elif isinstance(artist, Collection) and hasattr(artist, "get_offsets"):
                offsets = np.asarray(artist.get_offsets(), dtype=float)
                if offsets.size and not np.ma.is_masked(artist.get_offsets()):
                    found.extend(offsets.ravel().tolist())
            elif isinstance(artist, Rectangle) and artist is not ax.patch:
                found.extend([artist.get_x(), artist.get_y(), artist.get_width(), artist.get_height()])
    return found


def _state_is_sound(widget) -> str:
    """"" when the widget shows a finite plot or a message; otherwise what is wrong."""
    if widget.error is not None:
        if widget.image.layout.display != "none" or widget.message.layout.display == "none":
            return "an error left the old plot on screen or showed no message"
        return ""
    bad = [x for x in _drawn_numbers(widget.figure) if not math.isfinite(x)]
    return f"{len(bad)} non-finite value(s) drawn" if bad else ""


def _move(widget, name, value) -> str:
    """Move one control as a learner would; what went wrong ("" if nothing)."""
    try:
        widget.controls[name].value = value
    except Exception as error:   # what would be a traceback in the learner's notebook
        return f"{type(error).__name__}: {error}"
    return _state_is_sound(widget)


@pytest.mark.parametrize("cls", all_widget_classes(), ids=lambda cls: cls.__name__)
def test_no_control_or_combination_of_controls_shows_a_traceback_or_draws_nonsense(cls):
    widget = cls()
    choices = {name: _ends_and_middle(control) for name, control in widget.controls.items()}
    choices = {name: values for name, values in choices.items() if values}
    problems, tried = [], 0
    initial = dict(widget.values)
    for name, values in choices.items():               # each control alone, from the widget's first state
        for value in values:
            tried += 1
            trouble = _move(widget, name, value)
            if trouble:
                problems.append(f"{name}={value!r}: {trouble}")
        _move(widget, name, initial[name])
    rng = random.Random(f"{cls.__name__}-fuzz")
    for _ in range(STATES_PER_WIDGET):                 # random combinations, biased to the ends
        state = {}
        for name, values in choices.items():
            if rng.random() < 0.5:
                continue
            draw = rng.random()
            if draw < 0.3:
                state[name] = values[0]
            elif draw < 0.6:
                state[name] = values[-1]
            else:
                state[name] = _anywhere(widget.controls[name], values, rng)
        for name, value in state.items():
            tried += 1
            trouble = _move(widget, name, value)
            if trouble:
                problems.append(f"{state} at {name}={value!r}: {trouble}")
                break
    print(f"{cls.__name__}: {tried} states, {len(problems)} problem(s)")
    assert not problems, f"{cls.__name__}: {len(problems)} problem(s) in {tried} states:\n" + "\n".join(problems[:8])


def test_the_extrapolation_simulator_at_the_reviews_failing_state():
    """Lesson 01's review: 3% noise, 5 runs, 0.5 decades, seed 13 raised OverflowError in the learner's notebook
    (the lesson sends learners to that region) and left the old plot on screen."""
    from scalingedu.widgets.power_laws import ExtrapolationSimulator
    widget = ExtrapolationSimulator()
    for name, value in (("noise_percent", 3.0), ("n_points", 5), ("decades", 0.5), ("seed", 13)):
        assert _move(widget, name, value) == ""
    for name, value in (("noise_percent", 10.0), ("seed", 18)):
        assert _move(widget, name, value) == ""
