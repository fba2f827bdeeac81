"""The widget pattern every lesson uses.

A lesson widget is a thin shell over tested library functions. It builds its controls and its figure once; a
change of any control calls :meth:`LessonWidget.draw`, which asks the library for new numbers and updates the
existing artists in place (``set_data``, ``set_offsets``, ``set_text``); the figure is then rendered once to PNG
and shown in an image widget (:class:`~scalingedu.widgets.accessible.DescribedImage`). Rendering to an image widget,
instead of re-displaying the figure into an Output widget, costs one render per change and behaves the same in
JupyterLab, Voilà, nbclient and nbval.

What ``draw`` says of the figure (:func:`scalingedu.plotting.describe`) follows the controls to assistive
technology: it is the image's alt text, and a polite live region announces it (or the reason the plot cannot be
drawn) once the controls settle; the sliders get accessible names and values read with their unit
(:mod:`scalingedu.widgets.accessible`).

Artists that change with the controls can be registered with :meth:`LessonWidget.animate`. The static rest of
the figure (axes, ticks, reference data, legend) is then drawn once and kept as a bitmap, and each update only
paints the moving artists over it (blitting): a fraction of a full render. A ``draw`` that changes anything
static (axis limits, a non-animated artist) must call :meth:`LessonWidget.invalidate` to get a full redraw.

If the library rejects the inputs (a ``ValueError`` or ``TypeError``), or anything else goes wrong in the model or
the drawing (an overflow, a fit that fails, a curve with a non-finite value), the widget hides the plot, which no
longer matches the controls, and shows a message instead of a traceback. When displayed, the widget also offers its
first state as an ordinary PNG, so a reader on GitHub or nbviewer, where widgets do not run, still sees the plot; if
``draw`` described the figure (:func:`scalingedu.plotting.describe`, from the numbers it drew), that description is
the PNG's alt text (``metadata["image/png"]["alt"]``), as for the lessons' static figures.
"""
from __future__ import annotations

import base64
import contextlib
import html
import math
import time

import ipywidgets as widgets
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg

from ..plotting import description, rgba_to_png
from .accessible import ROOT_CLASS, DescribedImage, ScreenReaderSupport, slider_units


class LessonWidget:
    """Base class: subclasses define ``build_controls``, ``build_figure`` and ``draw``.

    A subclass's constructor takes the controls' first values as keywords and passes them on to
    ``LessonWidget.__init__``, which sets them on the controls that ``build_controls`` made.
    """

    DEBOUNCED = False
    """True for a widget whose redraw is heavy: its sliders then report a new value only when released."""

    def __init__(self, **initial):
        self.controls: dict[str, widgets.ValueWidget] = self.build_controls()
        for name, value in initial.items():
            self.controls[name].value = value
        if self.DEBOUNCED:
            for control in self.controls.values():
                if control.has_trait("continuous_update"):
                    control.continuous_update = False
        self._dynamic_artists: list = []
        self._background = None
        self.figure, self.axes = self.build_figure()
        self.canvas = FigureCanvasAgg(self.figure)
        self.image = DescribedImage(layout=widgets.Layout(max_width="100%"))
        self.message = widgets.HTML(layout=widgets.Layout(display="none"))
        self.notes = widgets.HTML(layout=widgets.Layout(display="none"))
        self.cautions: list[str] = []
        self.error: str | None = None
        self.last_update_seconds = 0.0
        self.renders = 0
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.screen_reader = ScreenReaderSupport(units=slider_units(self.controls))
        self.box = widgets.VBox([self.layout_controls(), self.message, self.image, self.notes, self.screen_reader])
        self.box.add_class(ROOT_CLASS)
        self.refresh()

    # --- what subclasses provide -------------------------------------------------------------------------------
    def build_controls(self) -> dict[str, widgets.ValueWidget]:
        raise NotImplementedError

    def build_figure(self):
        raise NotImplementedError

    def draw(self, **values) -> None:
        """Update the artists for the given control values; raise ValueError for inputs the model rejects."""
        raise NotImplementedError

    def layout_controls(self) -> widgets.Widget:
        return widgets.VBox(list(self.controls.values()))

    # --- the machinery ------------------------------------------------------------------------------------------
    @property
    def values(self) -> dict:
        return {name: getattr(control, "exact_value", control.value) for name, control in self.controls.items()}

    def update(self, **values) -> None:
        """Set controls by name, then redraw once (for tests, scripts and benchmarks).

        Values outside a slider's range raise ``ValueError`` instead of being silently clamped.
        """
        unknown = set(values) - set(self.controls)
        if unknown:
            raise TypeError(f"unknown control(s) {sorted(unknown)}; this widget has: {', '.join(self.controls)}")
        for name, value in values.items():
            _check_within_control(name, self.controls[name], value)
        with self._paused():
            for name, value in values.items():
                self.controls[name].value = value
        self.refresh()

    def caution(self, text: str) -> None:
        """Called from ``draw``: say, next to the plot, that these settings take a law outside the range it was
        fitted or tested on (tokens per parameter, epochs, budgets beyond the data). The plot is still drawn."""
        self.cautions.append(str(text))

    def refresh(self) -> None:
        start = time.perf_counter()
        self.cautions = []
        try:
            self.draw(**self.values)
            unplottable = _nonfinite_artist(self.figure)
            if unplottable:
                raise FloatingPointError(f"the model gives no finite value for {unplottable} at these settings")
            png = self.render_png()
        except (ValueError, TypeError) as problem:      # the library rejects the inputs and says why
            self._show_problem(str(problem))
        except Exception as problem:   # anything else (an overflow, a fit that fails): a message, never a traceback
            self._show_problem(f"the model cannot be computed at these settings ({type(problem).__name__}: "
                               f"{problem}); move a control back")
        else:
            self.error = None
            self.image.value = png
            self.image.alt = description(self.figure) or ""
            self.renders += 1
            self.message.layout.display = "none"
            self.image.layout.display = None
        self._show_cautions()
        self.screen_reader.status = self.spoken_status()
        self.last_update_seconds = time.perf_counter() - start

    def spoken_status(self) -> str:
        """What a screen reader announces after a change: the figure's description and any caution, or why the
        plot cannot be drawn."""
        if self.error is not None:
            return f"Cannot plot this: {self.error}"
        return " ".join([self.image.alt, *(f"Outside the fitted range: {text}" for text in self.cautions)]).strip()

    def _show_cautions(self) -> None:
        shown = self.cautions if self.error is None else []
        self.notes.value = "".join(f"<div style='color:#8a4b00;padding:0.2em 0'><b>Outside the fitted range:</b> "
                                   f"{html.escape(text)}</div>" for text in shown)
        self.notes.layout.display = None if shown else "none"

    def _show_problem(self, text: str) -> None:
        """Hide the plot (it no longer matches the controls) and say why instead."""
        self.error = text
        self.message.value = (f"<div style='color:#D55E00;padding:0.5em 0'><b>Cannot plot this:</b> "
                              f"{html.escape(text)}</div>")
        self.message.layout.display = None
        self.image.layout.display = "none"
        self._background = None     # the next good state redraws in full

    def _on_change(self, change) -> None:
        if not self._is_paused:
            self.refresh()

    def animate(self, *artists):
        """Mark artists that ``draw`` changes; only they are repainted on an update. Returns the first artist."""
        for artist in artists:
            artist.set_animated(True)
            self._dynamic_artists.append(artist)
        return artists[0]

    def invalidate(self) -> None:
        """Ask for a full redraw at the next render (call it from ``draw`` when static parts change)."""
        self._background = None

    def render_png(self) -> bytes:
        """Render the figure once: the static background if needed, then the animated artists over it."""
        if not self._dynamic_artists:
            self._full_draw()
        else:
            if self._background is None:
                self._full_draw()  # animated artists are left out of a full draw
                self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            else:
                self.canvas.restore_region(self._background)
            for artist in self._dynamic_artists:
                if artist.get_visible():
                    self.figure.draw_artist(artist)
        return rgba_to_png(self.canvas.buffer_rgba(), self.canvas.get_width_height())

    def _full_draw(self) -> None:
        self.canvas.draw()
        if self.figure.get_layout_engine() is not None:
            # The layout is solved on the first draw and then frozen: re-solving it on every update would double
            # the cost of a redraw, and a widget's panels should not jump around as its numbers change.
            self.figure.set_layout_engine("none")

    _is_paused = False

    @contextlib.contextmanager
    def _paused(self):
        """Hold the per-control callbacks while several controls change, so they cost one redraw, not many."""
        self._is_paused = True
        try:
            yield
        finally:
            self._is_paused = False

    # --- display ------------------------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        bundle = self.box._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        if self.image.value and self.error is None:
            # Static renderers (GitHub, nbviewer) cannot run widgets: give them the first state as a picture.
            bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
            if self.image.alt:        # what draw() said of this state: the picture's alt text
                return bundle, {"image/png": {"alt": self.image.alt}}
        return bundle


def _nonfinite_artist(figure) -> str:
    """The label of a visible line or scatter of ``figure`` that holds a non-finite value ("" if none)."""
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D
    for ax in figure.axes:
        for artist in (*ax.lines, *ax.collections):
            if not artist.get_visible():
                continue
            if isinstance(artist, Line2D):
                data = (artist.get_xdata(), artist.get_ydata())
            elif isinstance(artist, PathCollection):
                data = (artist.get_offsets(),)
            else:
                continue
            for values in data:
                array = np.ma.filled(np.ma.asarray(values, dtype=float), 0.0)
                if array.size and not np.isfinite(array).all():
                    label = artist.get_label()
                    return f"'{label}'" if label and not label.startswith("_") else "a curve"
    return ""


class ExactLogSlider(widgets.FloatLogSlider):
    """A log slider that keeps the exact value a program gives it (a preset's 5.76e23 FLOPs stays 5.76e23).

    The browser's slider only stops at ``min + k * step`` (in decades), and it sends the position it snapped to
    back to the kernel: on a 0.05-decade grid Gopher's 5.76e23 FLOPs would come back as 5.62e23, and the readout
    would disagree with the plot. So whenever the kernel sets a value, the grid is shifted (``min`` moves up by
    less than one step from its nominal value) to pass through that value exactly; and a value that comes back
    from the browser within a hair of the one the kernel set (float round-off in the browser's arithmetic) is
    read as the kernel's exact value (:attr:`exact_value`). A learner who drags the slider gets the grid points,
    as before.
    """

    def __init__(self, **options):
        self._nominal_min = options.get("min", 0.0)
        self._exact = options.get("value")
        super().__init__(**options)
        self._align_grid(self.value)

    @property
    def exact_value(self) -> float:
        """The value the model should use: the kernel's exact value while the browser shows its grid point."""
        exact = self._exact
        if exact is not None and exact > 0 and self.value > 0 and \
                abs(np.log10(self.value) - np.log10(exact)) < 1e-9:
            return exact
        return self.value

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        value = proposal["value"]
        if "value" not in getattr(self, "_property_lock", {}):   # set by the kernel, not sent by the browser
            self._align_grid(value)
        return super()._validate_value(proposal)

    def _align_grid(self, value) -> None:
        """Move ``min`` (by less than a step above its nominal value) so that the grid passes through ``value``."""
        self._exact = value
        if not isinstance(value, (int, float)) or not value > 0 or not self.step or self.step <= 0:
            return
        position = float(np.log10(value))
        steps_above = np.floor((position - self._nominal_min) / self.step + 1e-9)
        aligned = position - max(steps_above, 0.0) * self.step
        if not self._nominal_min - 1e-12 <= aligned < self.max or aligned == self.min:
            return
        # Set without min's validator, which would move the current value up to the new minimum.
        self._trait_values["min"] = aligned
        if getattr(self, "comm", None) is not None:
            self.send_state("min")


def log_bounds(low: float, high: float) -> tuple[float, float]:
    """Exponents whose powers of ten enclose [low, high] exactly: log10(3e10) = 10.477… gives 10**10.477… =
    30000000000.00001, which would make a log slider refuse its own smallest value, 3e10."""
    bottom, top = math.log10(low), math.log10(high)
    while 10 ** bottom > low:
        bottom = math.nextafter(bottom, -math.inf)
    while 10 ** top < high:
        top = math.nextafter(top, math.inf)
    return bottom, top


def log_slider(description: str, low: float, high: float, step: float, **options) -> ExactLogSlider:
    """A slider from 10**``low`` to 10**``high`` that moves ``step`` decades at a time (readout ".3g" unless
    ``readout_format`` says otherwise) and keeps the exact values a program or a preset sets (:class:`ExactLogSlider`);
    other ``options`` (style, layout, ...) go to ``FloatLogSlider``."""
    options.setdefault("readout_format", ".3g")
    return ExactLogSlider(base=10, min=low, max=high, step=step, description=description, **options)


def _check_within_control(name: str, control, value) -> None:
    low, high = getattr(control, "min", None), getattr(control, "max", None)
    if isinstance(control, ExactLogSlider):
        low, high = control.base ** control._nominal_min, control.base ** control.max
    elif isinstance(control, widgets.FloatLogSlider):
        low, high = control.base ** control.min, control.base ** control.max
    if low is not None and high is not None and isinstance(value, (int, float)) and not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}] for this widget (got {value:g})")
    options = getattr(control, "options", None)
    if options and isinstance(control, (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons)):
        labels = [o[1] if isinstance(o, tuple) else o for o in options]
        if value not in labels:
            raise ValueError(f"{name} must be one of {labels} (got {value!r})")
