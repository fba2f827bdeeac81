"""Screen-reader support of the lesson widgets (scalingedu.widgets.accessible), in the kernel: the units read after
each slider's value, the alt text and the announcement that follow the widget's state. The same pieces in a real
JupyterLab (names, value texts, Tab order, the live region) are tested in test_accessibility_export.py."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest

from scalingedu.plotting import describe, new_figure
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.accessible import ROOT_CLASS, DescribedImage, control_unit, slider_units
from scalingedu.widgets.base import LessonWidget, log_slider


@pytest.mark.parametrize("label, unit", [
    ("budget C (FLOPs)", "FLOPs"), ("budget ($)", "$"), ("noise (%)", "%"), ("deadline (days)", "days"),
    ("target loss (nats/char)", "nats/char"), ("unique data (tokens)", "tokens"),
    ("quality of Chinchilla-optimal (params)", "parameters"), ("training tokens D", "tokens"),
    ("parameters N (active)", "parameters"), ("tokens per micro-batch per GPU", "tokens"),
    ("budget (characters)", "characters"),
    # pure numbers, whose label says what they count, and brackets that describe rather than measure
    ("experts", ""), ("random seed", ""), ("top-k", ""), ("a (scale)", ""), ("b (exponent)", ""),
    ("spread (× either side)", ""), ("seed (training run)", ""), ("data parallel (dp)", ""),
])
def test_control_unit_reads_the_unit_a_label_names(label, unit):
    assert control_unit(label) == unit


class Root(LessonWidget):
    """y = sqrt(x - shift) over a log-scaled budget; refuses shift > 0, as the model of test_widget_base does."""

    def build_controls(self):
        return {"shift": widgets.FloatSlider(value=0.0, min=-5.0, max=5.0, description="shift"),
                "budget": log_slider("budget (FLOPs)", 20, 24, 0.5, value=1e22),
                "kind": widgets.Dropdown(options=["a", "b"], description="kind")}

    def build_figure(self):
        figure, ax = new_figure(width=3, height=2)
        self.line = self.animate(ax.plot([], [])[0])
        ax.set(xlim=(0, 10), ylim=(0, 4))
        return figure, ax

    def draw(self, shift, budget, kind):
        if shift > 0:
            raise ValueError(f"shift must be <= 0 (got {shift})")
        x = np.linspace(0, 10, 20)
        self.line.set_data(x, np.sqrt(x - shift))
        describe(self.figure, f"the root shifted by {shift:g} at {budget:.2g} FLOPs")
        if budget > 1e23:
            self.caution("beyond the fitted budgets")


def test_the_alt_text_and_the_announcement_follow_the_state_and_the_errors():
    widget = Root()
    assert isinstance(widget.image, DescribedImage) and ROOT_CLASS in widget.box._dom_classes
    assert widget.screen_reader in widget.box.children
    assert widget.screen_reader.units == {"shift": "", "budget (FLOPs)": "FLOPs"}     # sliders only
    assert widget.image.alt == "the root shifted by 0 at 1e+22 FLOPs" == widget.screen_reader.status
    widget.update(shift=-2.0, budget=1e24)
    assert widget.image.alt == "the root shifted by -2 at 1e+24 FLOPs"
    assert widget.screen_reader.status == f"{widget.image.alt} Outside the fitted range: beyond the fitted budgets"
    widget.controls["shift"].value = 1.0         # the model refuses it: the plot is hidden, the reason announced
    assert widget.screen_reader.status == "Cannot plot this: shift must be <= 0 (got 1.0)"
    assert "image/png" not in widget._repr_mimebundle_()      # nor is the hidden plot offered to static renderers
    widget.update(shift=0.0, budget=1e21)
    bundle, metadata = widget._repr_mimebundle_()
    assert metadata == {"image/png": {"alt": "the root shifted by 0 at 1e+21 FLOPs"}}


@pytest.mark.parametrize("cls", all_widget_classes(), ids=lambda c: c.__name__)
def test_every_lesson_widget_describes_its_plot_and_names_a_unit_for_every_counted_quantity(cls):
    widget = cls()
    assert widget.image.alt, f"{cls.__name__}: its first state has no description"
    assert widget.screen_reader.status.startswith(widget.image.alt)
    assert widget.screen_reader.units == slider_units(widget.controls)
    for label, unit in widget.screen_reader.units.items():
        for quantity in ("FLOPs", "tokens", "parameters", "characters"):
            if quantity in label:
                assert unit == quantity or unit.endswith(quantity), f"{cls.__name__}: {label!r} read as {unit!r}"
