"""Lesson widgets: one module per lesson, named by its slug, each listing its widget classes in ``WIDGETS``.

Every widget follows the pattern of :mod:`scalingedu.widgets.base`: controls → a pure library function → artists
updated in place → one render. In a notebook a widget is one line, e.g. ``ModelMap()``. Widget modules only draw:
what a widget shows is computed by the subject modules (``laws``, ``parallelism``, ``moe``, …).
"""
from __future__ import annotations

from ..lessons import LESSONS


def all_widget_classes() -> list[type]:
    """Every lesson widget class, lesson by lesson in the registry's order (:data:`scalingedu.lessons.LESSONS`)."""
    return [cls for each in LESSONS for cls in each.widget_classes()]
