"""Lesson 09's static figure (scalingedu.figures.capstone) draws the planner's allocations."""
from __future__ import annotations

import numpy as np

from scalingedu.figures import capstone as figures
from scalingedu.formatting import human
from scalingedu.planning import allocate_compute
from scalingedu.plotting import description
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


def test_the_allocation_shifts_description_gives_chinchillas_split_and_where_demand_and_scarce_data_take_it():
    demands, limits = np.geomspace(1e11, 1e15, 5), np.geomspace(1e11, 1e13, 5)
    text = description(figures.allocation_shifts(1e24, demands, limits))
    chinchilla = MUENNIGHOFF_2023.unconstrained.compute_optimal(1e24)
    served, scarce = allocate_compute(1e24, inference_tokens=1e15), allocate_compute(1e24, unique_tokens=1e11)
    assert "1.00e24 FLOPs" in text and "log-log" in text and "tokens served" in text and "\n" not in text
    assert f"{human(chinchilla.params)} parameters on {human(chinchilla.tokens)} tokens" in text
    assert f"{human(served.params)} parameters ({served.params / chinchilla.params:.0%} of Chinchilla's)" in text
    assert f"{scarce.params / 1e9:.0f}B-parameter model for {scarce.epochs:.0f} epochs" in text
