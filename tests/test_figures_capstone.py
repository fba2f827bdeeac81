"""Lesson 09's static figure (scalingedu.figures.capstone) draws the planner's allocations."""
from __future__ import annotations

import numpy as np

from scalingedu.figures import capstone as figures
from scalingedu.planning import allocate_compute
from scalingedu.returns import MUENNIGHOFF_2023


def _labelled_lines(ax) -> dict:
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_allocation_shifts_draws_allocate_computes_numbers():
    demands, limits = np.geomspace(1e11, 1e15, 5), np.geomspace(1e11, 1e13, 5)
    fig = figures.allocation_shifts(1e24, demands, limits)
    demand_ax, data_ax, params_ax = fig.axes
    lines = _labelled_lines(demand_ax)
    np.testing.assert_allclose(lines["parameters"].get_ydata(),
                               [allocate_compute(1e24, inference_tokens=d).params for d in demands])
    np.testing.assert_allclose(lines["training tokens"].get_ydata(),
                               [allocate_compute(1e24, inference_tokens=d).tokens for d in demands])
    chinchilla = MUENNIGHOFF_2023.unconstrained.compute_optimal(1e24)
    assert lines["Chinchilla parameters"].get_ydata()[0] == chinchilla.params
    np.testing.assert_allclose(_labelled_lines(data_ax)["epochs"].get_ydata(),
                               [allocate_compute(1e24, unique_tokens=u).epochs for u in limits])
    np.testing.assert_allclose(_labelled_lines(params_ax)["parameters (B)"].get_ydata(),
                               [allocate_compute(1e24, unique_tokens=u).params / 1e9 for u in limits])
    assert "1.00e24 FLOPs" in demand_ax.get_title()
    assert params_ax.get_legend() is not None and data_ax.get_legend() is None   # one legend, drawn on top
