"""Lesson widgets: one module per lesson, each listing its widget classes in ``WIDGETS``.

Every widget follows the pattern of :mod:`scalingedu.widgets.base`: controls → a pure library function → artists
updated in place → one render. In a notebook a widget is one line, e.g. ``ModelMap()``.
"""
from __future__ import annotations

import importlib

LESSON_MODULES = ("start_here", "power_laws")


def all_widget_classes() -> list[type]:
    """Every lesson widget class, in lesson order (used by the benchmarks)."""
    classes = []
    for name in LESSON_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        classes.extend(module.WIDGETS)
    return classes
