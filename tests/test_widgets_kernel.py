"""Kernel-level widget tests: run each lesson with nbclient, then move every control of every widget in the same
kernel, as a learner would, and check that the plotted data changed, that the change cost exactly one render, and
that no error was shown. Widgets are found by type (``LessonWidget``) in the lesson's namespace; the lessons and
their widget classes come from the lesson registry (``scalingedu.lessons``).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from notebook_kernel import run_then_probe

from scalingedu.lessons import LESSONS, Lesson

ROOT = Path(__file__).resolve().parent.parent

PROBE = r'''
import hashlib, json
import numpy as np
import ipywidgets
from scalingedu.widgets.base import LessonWidget

def _data_fingerprint(figure):
    """A hash of the numbers and texts the figure's artists hold (not of pixels)."""
    digest = hashlib.sha256()
    for artist in figure.findobj():
        for getter in ("get_xydata", "get_offsets", "get_text", "get_xy", "get_height", "get_width", "get_array"):
            method = getattr(artist, getter, None)
            if method is None:
                continue
            try:
                value = method()
            except Exception:
                continue
            if value is None:
                continue
            digest.update(getter.encode())
            digest.update(np.asarray(value, dtype=object if isinstance(value, str) else None).tobytes()
                          if not isinstance(value, str) else value.encode())
    return digest.hexdigest()

def _other_value(control):
    if isinstance(control, (ipywidgets.Dropdown, ipywidgets.ToggleButtons, ipywidgets.RadioButtons)):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return next(v for v in values if v != control.value)
    if isinstance(control, ipywidgets.Checkbox):
        return not control.value
    if isinstance(control, ipywidgets.FloatLogSlider):
        low, high = control.min, control.max
        for fraction in (0.3, 0.7):
            candidate = control.base ** (low + fraction * (high - low))
            if not np.isclose(candidate, control.value, rtol=1e-3):
                return candidate
    low, high = control.min, control.max
    for fraction in (0.3, 0.7):
        candidate = low + fraction * (high - low)
        if isinstance(control, (ipywidgets.IntSlider, ipywidgets.IntText)):
            candidate = int(round(candidate))
        if candidate != control.value:
            return candidate
    raise AssertionError(f"no other value for {control}")

_results = []
for _name, _widget in list(globals().items()):
    if not isinstance(_widget, LessonWidget) or _name.startswith("_"):
        continue
    for _control_name, _control in _widget.controls.items():
        _before = (_data_fingerprint(_widget.figure), hashlib.sha256(_widget.image.value).hexdigest(),
                   _widget.renders)
        _old = _control.value
        _control.value = _other_value(_control)   # the same path as a learner moving the control
        _after = (_data_fingerprint(_widget.figure), hashlib.sha256(_widget.image.value).hexdigest(),
                  _widget.renders)
        _results.append({"widget": _name, "type": type(_widget).__name__, "control": _control_name,
                         "data_changed": _before[0] != _after[0], "image_changed": _before[1] != _after[1],
                         "renders": _after[2] - _before[2], "error": _widget.error})
        _control.value = _old
print("PROBE" + json.dumps(_results))
'''


def _run_lesson_and_probe(path: Path) -> list[dict]:
    text = run_then_probe(path, PROBE)
    assert "PROBE" in text, f"the probe printed nothing useful: {text!r}"
    return json.loads(text.split("PROBE", 1)[1])


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda each: each.stem)
def test_every_control_of_every_widget_changes_the_plot(lesson: Lesson):
    results = _run_lesson_and_probe(ROOT / lesson.notebook)
    types_found = {r["type"] for r in results}
    listed = {c.__name__ for c in lesson.widget_classes()}
    assert listed <= types_found, (f"{lesson.notebook} holds no {sorted(listed - types_found)} under a name: bind "
                                   f"each widget of WIDGETS to a name in the lesson (`explorer = Widget()`)")
    for result in results:
        where = f"{result['widget']}.{result['control']}"
        assert result["error"] is None, f"{where} showed an error: {result['error']}"
        assert result["renders"] == 1, f"{where}: one change cost {result['renders']} renders, expected 1"
        assert result["data_changed"], f"{where}: moving the control did not change the plotted data"
        assert result["image_changed"], f"{where}: moving the control did not change the picture"
