"""The widget pattern (scalingedu.widgets.base) and lesson 00's ModelMap, outside a kernel."""
from __future__ import annotations

import base64
import io

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

from scalingedu.laws import KAPLAN_CHOICE
from scalingedu.plotting import description, new_figure
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.base import LessonWidget, log_slider
from scalingedu.widgets.capstone import RunPlanner
from scalingedu.widgets.chinchilla import IsoFlopExplorer, IsoFlopLab
from scalingedu.widgets.compute_budgets import TrainingRunCalculator
from scalingedu.widgets.diminishing_returns import FrontierExplorer
from scalingedu.widgets.kaplan_laws import AllocationComparer, KaplanLawExplorer
from scalingedu.widgets.mixture_of_experts import MAX_STEPS, RouterSimulator
from scalingedu.widgets.parallelism import ClusterPlanner, RooflineExplorer
from scalingedu.widgets.power_laws import ExtrapolationSimulator, PowerLawExplorer
from scalingedu.widgets.start_here import ModelMap


class SquareRoot(LessonWidget):
    """A minimal widget: y = sqrt(x - shift), which the model refuses for a negative argument."""

    def build_controls(self):
        return {"shift": widgets.FloatSlider(value=0.0, min=-5.0, max=5.0)}

    def build_figure(self):
        figure, ax = new_figure(width=4, height=3)
        self.line = self.animate(ax.plot([], [])[0])
        ax.set(xlim=(0, 10), ylim=(0, 4), xlabel="x", ylabel="y")
        return figure, ax

    def draw(self, shift):
        x = np.linspace(0, 10, 50)
        if np.any(x - shift < 0):
            raise ValueError(f"shift must be <= 0 so that x - shift >= 0 (got {shift})")
        self.line.set_data(x, np.sqrt(x - shift))


def test_update_redraws_once_and_changes_the_data():
    widget = SquareRoot()
    assert widget.renders == 1 and widget.error is None
    before = widget.line.get_ydata().copy()
    widget.update(shift=-2.0)
    assert widget.renders == 2
    assert not np.allclose(widget.line.get_ydata(), before)


def test_model_error_is_shown_as_a_message_not_raised():
    widget = SquareRoot()
    widget.controls["shift"].value = 3.0           # as a learner would: no exception reaches the notebook
    assert "shift must be <= 0" in widget.error
    assert widget.message.layout.display is None and widget.image.layout.display == "none"
    assert "Cannot plot this" in widget.message.value
    widget.controls["shift"].value = -1.0          # and it recovers
    assert widget.error is None and widget.image.layout.display is None


REFUSED_UPDATES = {  # widget -> what its update() refuses before drawing: (values, error, message)
    SquareRoot: [(dict(shfit=1.0), TypeError, "unknown control"),
                 (dict(shift=50.0), ValueError, r"shift must lie in \[-5, 5\]")],
    PowerLawExplorer: [(dict(b=5.0), ValueError, "b must lie in"), (dict(a=1e3), ValueError, "a must lie in"),
                       (dict(exponent=1.0), TypeError, "unknown control")],
    ExtrapolationSimulator: [(dict(noise_percent=50.0), ValueError, "noise_percent must lie in"),
                             (dict(n_points=1), ValueError, "n_points must lie in"),
                             (dict(seed=1000), ValueError, "seed must lie in")],
    TrainingRunCalculator: [(dict(mfu=0.9), ValueError, "mfu must lie in"),
                            (dict(params=1e13), ValueError, "params must lie in"),
                            (dict(tokens=1e8), ValueError, "tokens must lie in"),
                            (dict(price=-1.0), ValueError, "price must lie in"),
                            (dict(n_accelerators=3000), ValueError, "n_accelerators must be one of"),
                            (dict(model="GPT-5"), ValueError, "model must be one of"),
                            (dict(chip="B300"), ValueError, "chip must be one of"),
                            (dict(gpus=8), TypeError, "unknown control")],
    KaplanLawExplorer: [(dict(params=1e15), ValueError, "params must lie in"),
                        (dict(tokens=10.0), ValueError, "tokens must lie in"),
                        (dict(preset="GPT-5"), ValueError, "preset must be one of"),
                        (dict(data=1e9), TypeError, "unknown control")],
    AllocationComparer: [(dict(flops=1e30), ValueError, "flops must lie in"),
                         (dict(preset="GPT-5"), ValueError, "preset must be one of")],
    IsoFlopExplorer: [(dict(flops=1e30), ValueError, "flops must lie in"),
                      (dict(law="Chinchilla"), ValueError, "law must be one of"),
                      (dict(budget=1e20), TypeError, "unknown control")],
    IsoFlopLab: [(dict(noise_percent=10.0), ValueError, "noise_percent must lie in"),
                 (dict(sizes=1), ValueError, "sizes must lie in"),
                 (dict(truth=KAPLAN_CHOICE), ValueError, "truth must be one of")],
    RouterSimulator: [(dict(steps=MAX_STEPS + 1), ValueError, "steps must lie in"),
                      (dict(method="magic"), ValueError, "method must be one of"),
                      (dict(gamma=0.1), TypeError, "unknown control")],
    FrontierExplorer: [(dict(flops=1e40), ValueError, "flops must lie in"),
                       (dict(law="Kaplan"), ValueError, "law must be one of")],
    RooflineExplorer: [(dict(tokens=1e6), ValueError, "tokens must lie in"),
                       (dict(accelerator="B300"), ValueError, "accelerator must be one of"),
                       (dict(precision="fp4"), ValueError, "precision must be one of"),
                       (dict(tp=3), ValueError, "tp must be one of"),
                       (dict(batch=8), TypeError, "unknown control")],
    ClusterPlanner: [(dict(interleave=5), ValueError, "interleave must be one of"),
                     (dict(microbatch_size=3), ValueError, "microbatch_size must be one of")],
    RunPlanner: [(dict(budget=1e12), ValueError, "budget must lie in"),
                 (dict(accelerator="B300"), ValueError, "accelerator must be one of")],
}


@pytest.mark.parametrize("factory", REFUSED_UPDATES, ids=lambda factory: factory.__name__)
def test_update_refuses_unknown_controls_and_values_the_controls_cannot_hold(factory):
    widget = factory()
    for values, error, match in REFUSED_UPDATES[factory]:
        with pytest.raises(error, match=match):
            widget.update(**values)


def test_static_readers_get_the_first_state_as_png():
    widget = ModelMap()
    bundle, metadata = widget._repr_mimebundle_()       # the model map describes its figure: that is the alt text
    assert metadata == {"image/png": {"alt": description(widget.figure)}}
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == bytes(widget.image.value)
    assert bytes(widget.image.value).startswith(b"\x89PNG")


def test_an_undescribed_widget_offers_its_picture_without_alt_text():
    bundle = SquareRoot()._repr_mimebundle_()                # draw() never calls describe: no metadata, no alt
    assert isinstance(bundle, dict) and "image/png" in bundle


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png))).astype(int)


def test_blitted_update_matches_a_full_redraw():
    """Blitting repaints only the moving artists; the picture must equal a full redraw (up to 1-2 levels of
    anti-aliasing noise, which Agg shows even between two full redraws)."""
    widget = ModelMap()
    first = _pixels(bytes(widget.image.value))
    widget.update(params=7e10, tokens=1.4e12)
    blitted = _pixels(bytes(widget.image.value))
    widget._background = None            # force a full redraw, independently of the widget's own invalidate()
    full = _pixels(widget.render_png())
    assert np.abs(blitted - full).max() <= 2
    assert np.abs(blitted - first).max() > 100   # the star and the caption did move


def test_model_map_caption_reports_6nd_of_chinchilla():
    widget = ModelMap()
    widget.update(params=70e9, tokens=1.4e12)
    text = widget.caption.get_text()
    assert "5.88e+23 FLOPs" in text          # 6 × 70e9 × 1.4e12, computed by hand (Chinchilla's 6ND)
    assert "20 tokens per parameter" in text
    assert list(widget.yours.get_offsets()[0]) == [70e9, 1.4e12]


def test_every_lesson_widget_is_registered():
    names = {cls.__name__ for cls in all_widget_classes()}
    assert "ModelMap" in names
    assert all(issubclass(cls, LessonWidget) for cls in all_widget_classes())


class Overflowing(SquareRoot):
    """A model that overflows (not a ValueError) for a large shift, and draws NaN for a middling one."""

    def draw(self, shift):
        x = np.linspace(0, 10, 50)
        if shift > 4:
            raise OverflowError("(34, 'Numerical result out of range')")
        self.line.set_data(x, np.sqrt(x) if shift < 2 else np.sqrt(x - 20))   # sqrt of negatives: NaN


def test_any_model_failure_or_nonfinite_curve_shows_a_message_and_hides_the_stale_plot():
    import warnings
    widget = Overflowing()
    assert widget.error is None and widget.renders == 1
    widget.controls["shift"].value = 5.0                     # as a learner would: no traceback
    assert "OverflowError" in widget.error and widget.image.layout.display == "none"
    assert widget.message.layout.display is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        widget.controls["shift"].value = 3.0
    assert "no finite value" in widget.error and widget.image.layout.display == "none"
    widget.controls["shift"].value = 0.0                     # and it recovers, with a full redraw
    assert widget.error is None and widget.image.layout.display is None and widget.renders == 2


# --- log sliders keep exact values (issue 15: a preset's 5.76e23 FLOPs must not become 5.62e23) -------------------

def _browser_snaps(slider):
    """What JupyterLab's slider sends back after the kernel sets a value: the nearest point of its step grid,
    computed in the browser's own float arithmetic (position = min + k * step, value = 10 ** position)."""
    position = slider.min + round((np.log10(slider.value) - slider.min) / slider.step) * slider.step
    slider._property_lock = {"value": 10 ** position}
    try:
        slider.value = 10 ** position
    finally:
        slider._property_lock = {}


@pytest.mark.parametrize("value", [5.76e23, 1.0e18, 3.3e21, 9.99e26])
def test_a_log_slider_keeps_the_exact_value_the_kernel_set_after_the_browser_snaps_it(value):
    slider = log_slider("budget", 18, 27, 0.05, value=value)
    _browser_snaps(slider)
    assert slider.exact_value == value                         # the model uses the published value, exactly
    assert f"{slider.value:.3g}" == f"{value:.3g}"             # and the readout shows it
    assert 18 <= slider.min < 18.05                             # the grid moved by less than one step


def test_a_learner_moving_a_log_slider_gets_the_grid_point_and_may_set_the_lowest_value():
    slider = log_slider("budget", 18, 27, 0.05, value=5.76e23)
    moved = 10 ** (slider.min + 0.05 * 100)
    slider._property_lock = {"value": moved}
    slider.value = moved
    slider._property_lock = {}
    assert slider.exact_value == moved and f"{moved:.3g}" != "5.76e+23"
    slider.value = 1e18                                       # the nominal minimum stays reachable from the kernel
    assert slider.value == 1e18 and slider.min == pytest.approx(18.0)


def test_a_widget_built_at_gophers_budget_plots_it_exactly_after_the_browser_snaps():
    from scalingedu.data import GOPHER_BUDGET_FLOPS
    from scalingedu.widgets.chinchilla import IsoFlopExplorer
    explorer = IsoFlopExplorer(flops=GOPHER_BUDGET_FLOPS)
    _browser_snaps(explorer.controls["flops"])
    assert explorer.values["flops"] == GOPHER_BUDGET_FLOPS
