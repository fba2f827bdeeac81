"""What makes a lesson widget usable with a screen reader: a plot with a text alternative, named sliders whose
values are read with their unit, and a polite announcement of what the plot shows after each change.

ipywidgets draws its ``Image`` without ``alt`` and its sliders' handles without an accessible name (the visible
label is not tied to the handle, and a log slider's handle reports its base-10 exponent). Two small front-end
pieces, run by anywidget's prebuilt JupyterLab extension (no build step), fill those gaps:

- :class:`DescribedImage` shows the PNG with ``alt`` set to the widget's current description;
- :class:`ScreenReaderSupport` names the sliders of its lesson widget (``aria-label`` from the visible label,
  ``aria-valuetext`` from the visible readout plus the unit :func:`control_unit` finds in the label), and reads the
  widget's ``status`` in a visually hidden ``role="status"`` region once the controls have settled.

The front-end code lives in ``static/*.js`` next to this module.
"""
from __future__ import annotations

import re
from pathlib import Path

import anywidget
import traitlets

STATIC = Path(__file__).resolve().parent / "static"
ROOT_CLASS = "scalingedu-lesson-widget"
"""The DOM class of a lesson widget's outer box: ScreenReaderSupport names the sliders inside it."""

# Quantities whose name is their unit: "training tokens D" is counted in tokens.
_COUNTED = ("parameters", "tokens", "FLOPs", "characters")


class DescribedImage(anywidget.AnyWidget):
    """A PNG image with alt text (``alt``), as ``ipywidgets.Image`` shows it but described."""

    _esm = (STATIC / "described_image.js").read_text(encoding="utf-8")
    value = traitlets.Bytes(b"").tag(sync=True)
    alt = traitlets.Unicode("").tag(sync=True)


class ScreenReaderSupport(anywidget.AnyWidget):
    """Names the sliders of the lesson widget it sits in and announces ``status`` politely (see the module)."""

    _esm = (STATIC / "screen_reader.js").read_text(encoding="utf-8")
    status = traitlets.Unicode("").tag(sync=True)
    units = traitlets.Dict().tag(sync=True)
    """Each slider's visible label -> the unit spoken after its value ("" for a pure number)."""


def control_unit(label: str) -> str:
    """The unit a control's label names: the last parenthesis when it holds a unit ("budget C (FLOPs)" -> "FLOPs",
    "noise (%)" -> "%"), or the counted quantity the label names ("training tokens D" -> "tokens"); "" for a pure
    number whose label already says what it counts ("experts", "random seed", "top-k")."""
    bracket = re.search(r"\(([^()]*)\)\s*$", label)
    if bracket:
        inner = bracket.group(1).strip()
        # "(×  either side)", "(active)", "(scale)", "(exponent)", "(tp)": descriptions, not units.
        if re.fullmatch(r"[$%]|[A-Za-z/ -]*(FLOPs|tokens|characters|params|days|nats/char|parameters)", inner):
            return {"params": "parameters"}.get(inner, inner)
    for quantity in _COUNTED:
        if re.search(rf"\b{re.escape(quantity)}\b", label):
            return quantity
    return ""


def slider_units(controls: dict) -> dict[str, str]:
    """The ``units`` of a ScreenReaderSupport for these controls: every slider's label -> its unit."""
    units = {}
    for control in controls.values():
        label = getattr(control, "description", "")
        if label and hasattr(control, "readout"):
            units[label] = control_unit(label)
    return units
