"""Lesson widgets: one module per lesson, each listing its widget classes in ``WIDGETS``.

Every widget follows the pattern of :mod:`scalingedu.widgets.base`: controls → a pure library function → artists
updated in place → one render. In a notebook a widget is one line, e.g. ``ModelMap()``.
"""
from __future__ import annotations

import importlib
import pkgutil


def all_widget_classes() -> list[type]:
    """Every lesson widget class, found in the modules of this package that define ``WIDGETS``."""
    classes = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        classes.extend(getattr(module, "WIDGETS", ()))
    return classes
