"""One plotting style for the whole course: colour-blind-safe colours, units on every axis, log axes for decades.

Figures are made with :func:`new_figure`, which builds a plain ``matplotlib.figure.Figure`` (no pyplot state, no
automatic display) in the course style. The palette is Okabe and Ito's eight colours, chosen to stay distinct
under the common forms of colour blindness (Okabe & Ito 2008, "Color Universal Design").

Every figure a lesson shows carries a description (:func:`describe`): what it shows and what to see in it, written
by the function that draws it from the numbers it draws. :func:`install_alt_text` makes IPython store it as the
PNG output's ``alt`` metadata (``output.metadata["image/png"]["alt"]``), which the HTML export and nbviewer turn
into the image's alt text.
"""
from __future__ import annotations

import io
import os

import matplotlib
from matplotlib.figure import Figure
from PIL import Image

from . import _validate as v
from ._text import prose

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
"""Okabe-Ito colours: blue, orange, green, vermillion, purple, sky blue, yellow, black."""

STYLE = {
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "lines.markersize": 5,
    "figure.dpi": 90,
    "savefig.dpi": 90,
    "figure.facecolor": "white",
    "font.family": "DejaVu Sans",
}
"""rcParams of the course style (applied only inside :func:`new_figure` and :func:`style`)."""


PROJECTOR_SCALE = 1.4
"""How much larger text, lines and markers are in projector mode, at the same size in pixels."""

_scale = PROJECTOR_SCALE if os.environ.get("SCALINGEDU_PROJECTOR", "").strip() not in ("", "0") else 1.0


def projector(on: bool = True, *, scale: float = PROJECTOR_SCALE) -> None:
    """Projector mode: every figure and widget made from now on keeps its size in pixels, but its text, lines and
    markers are ``scale`` times larger (fonts of about 13-15 px instead of 9-11). Call ``projector()`` at the top
    of a lesson before its widgets are built, or set the environment variable ``SCALINGEDU_PROJECTOR=1`` before
    starting JupyterLab or Voilà; ``projector(False)`` turns it off.

    How: a figure is drawn ``scale`` times smaller in inches at ``scale`` times the resolution, so sizes given in
    points (every font size and line width in the course) grow by ``scale`` relative to the picture.
    """
    global _scale
    if not isinstance(on, bool):
        raise TypeError(f"on must be True or False, got {on!r}")
    scale = v.positive("scale", scale)
    if not 1 <= scale <= 3:
        raise ValueError(f"scale must lie in [1, 3] (got {scale:g})")
    _scale = scale if on else 1.0


def projector_scale() -> float:
    """The current scale of text and lines: 1 normally, :data:`PROJECTOR_SCALE` in projector mode."""
    return _scale


def style():
    """A context manager that applies the course style to pyplot figures made inside it."""
    return matplotlib.rc_context(STYLE)


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 8.0, height: float = 3.6, **subplot_kw):
    """A ``Figure`` and its axes in the course style, not attached to pyplot (so it never auto-displays).

    ``width`` and ``height`` are in inches at the course's 90 dpi; in projector mode (:func:`projector`) the picture
    keeps that size in pixels and its text is larger."""
    ncols, nrows = v.positive_int("ncols", ncols), v.positive_int("nrows", nrows)
    v.positive("width", width)
    v.positive("height", height)
    with style():
        figure = Figure(figsize=(width / _scale, height / _scale), dpi=STYLE["figure.dpi"] * _scale,
                        layout="constrained")
        axes = figure.subplots(nrows, ncols, squeeze=True, subplot_kw=subplot_kw or None)
        return figure, axes


def figure_png(figure: Figure) -> bytes:
    """Render a figure to PNG bytes with the Agg backend: one render, the cost of one inline plot."""
    buffer = io.BytesIO()
    with style():
        figure.savefig(buffer, format="png", dpi=figure.dpi)
    return buffer.getvalue()


def rgba_to_png(rgba, size: tuple[int, int]) -> bytes:
    """Encode an RGBA buffer (e.g. an Agg canvas's ``buffer_rgba()``) as PNG with fast, light compression."""
    buffer = io.BytesIO()
    Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


DESCRIPTION_ATTRIBUTE = "scalingedu_description"
"""The attribute of a ``Figure`` that holds its description (set by :func:`describe`)."""


def describe(figure: Figure, text: str) -> Figure:
    """Attach ``text``, a description of what ``figure`` shows and what the reader should see in it, and return the
    figure. Write it for a reader who cannot see the plot: the axes, the key numbers, the trend or the crossing."""
    if not isinstance(figure, Figure):
        raise TypeError(f"figure must be a matplotlib Figure, not {type(figure).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a figure's description must be a non-empty text")
    setattr(figure, DESCRIPTION_ATTRIBUTE, prose(text))
    if os.environ.get(CHECK_COLOUR_VARIABLE) == "1":
        confusable = colour_only_entries(figure)
        if confusable:
            raise ColourOnlyError("legend entries told apart by colour alone (give each its own line style, marker "
                                  "or hatch): " + "; ".join(f"{a!r} and {b!r} in {where!r}"
                                                             for where, a, b in confusable))
    return figure


CHECK_COLOUR_VARIABLE = "SCALINGEDU_CHECK_COLOUR"
"""When this environment variable is "1" (the test suite sets it), :func:`describe` refuses a figure whose legend
tells entries apart by colour alone, so every figure the lessons, solutions, tests and widgets draw is checked."""
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "ooo", "+++", "---")
"""Hatch patterns for bars and areas, in the order of :data:`PALETTE`: with them a stacked bar's parts stay apart
in grey-scale print and for readers who do not tell the colours apart."""


class ColourOnlyError(AssertionError):
    """A figure whose legend relies on colour alone (raised only under SCALINGEDU_CHECK_COLOUR=1)."""


def _legend_signature(handle) -> tuple | None:
    """What, besides colour, tells a legend entry apart: line style and marker, marker shape, or hatch and fill."""
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.container import ErrorbarContainer
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    if isinstance(handle, ErrorbarContainer):   # its data line (None for error bars without one) tells it apart
        return _legend_signature(handle.lines[0]) if handle.lines[0] is not None else None
    if isinstance(handle, Line2D):
        style = handle.get_linestyle() if handle.get_linestyle() not in ("None", "", " ") else "none"
        marker = handle.get_marker() if handle.get_marker() not in ("None", "", " ", None) else "none"
        if style == "none" and marker == "none":
            return None
        hollow = str(handle.get_markerfacecolor()).lower() == "none" if marker != "none" else None
        return ("line", style, str(marker), hollow)
    if isinstance(handle, PathCollection):
        paths = handle.get_paths()
        faces = handle.get_facecolor()
        hollow = len(faces) == 0 or float(faces[0][3]) == 0.0
        shape = tuple(round(float(x), 2) for x in paths[0].vertices.ravel()) if paths else ()
        return ("scatter", shape, hollow)
    if isinstance(handle, Patch):
        return ("patch", handle.get_hatch() or "", bool(handle.get_fill()), str(handle.get_linestyle()))
    if isinstance(handle, LineCollection):
        return ("lines", str(handle.get_linestyle()))
    return None


def colour_only_entries(figure: Figure) -> list[tuple[str, str, str]]:
    """Pairs of legend entries of ``figure`` that differ in colour only (same line style and marker, same marker
    shape, or same hatch): (the axes' title or y label, first label, second label). WCAG 2.1 criterion 1.4.1 asks
    that colour is not the only visual means of telling things apart."""
    from matplotlib.container import ErrorbarContainer
    legends = [(ax.get_legend(), ax.get_title() or ax.get_ylabel(), [ax]) for ax in figure.axes]
    legends += [(legend, "figure legend", figure.axes) for legend in figure.legends]
    found = []
    for legend, where, axes in legends:
        if legend is None or not legend.get_visible():
            continue
        # An error-bar series' legend key starts with its bar lines, alike for every series: compare the series'
        # data lines instead (found by label).
        errorbars = {c.get_label(): c for ax in axes for c in ax.containers if isinstance(c, ErrorbarContainer)}
        seen: dict[tuple, str] = {}
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            signature = _legend_signature(errorbars.get(text.get_text(), handle))
            if signature is None:
                continue
            if signature in seen:
                found.append((where, seen[signature], text.get_text()))
            else:
                seen[signature] = text.get_text()
    return found


def description(figure: Figure) -> str | None:
    """The description attached by :func:`describe`, or None."""
    return getattr(figure, DESCRIPTION_ATTRIBUTE, None)


def install_alt_text(shell=None) -> bool:
    """Make IPython's PNG output of a described ``Figure`` carry its description as ``alt`` metadata. Keeps the
    PNG the inline backend would make (or renders one, when no backend formatter is set). Returns False outside
    IPython. Safe to call more than once."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:      # pragma: no cover - IPython is a dependency of the course
            return False
        shell = get_ipython()
    if shell is None:
        return False
    formatter = shell.display_formatter.formatters["image/png"]
    try:
        current = formatter.lookup_by_type(Figure)
    except KeyError:
        current = None
    if getattr(current, "adds_alt_text", False):
        return True

    def png_with_alt(figure):
        data = current(figure) if current is not None else figure_png(figure)
        text = description(figure)
        return (data, {"alt": text}) if text else data

    png_with_alt.adds_alt_text = True
    formatter.for_type(Figure, png_with_alt)
    return True
