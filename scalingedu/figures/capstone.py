"""Static figures of lesson 09 (the capstone). Each function takes its numbers from :mod:`scalingedu.planning` and
returns a :class:`matplotlib.figure.Figure`; the lesson calls it in one line."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..formatting import human, sci
from ..planning import allocate_compute
from ..plotting import PALETTE, describe, new_figure
from ..returns import MUENNIGHOFF_2023

DEMANDS = np.geomspace(1e10, 1e16, 25)
"""Lifetime inference demands (tokens served) along the left panel of :func:`allocation_shifts`."""
UNIQUE_LIMITS = np.geomspace(5e10, 2e13, 25)
"""Limits on unique training tokens along the right panel of :func:`allocation_shifts`."""


def allocation_shifts(flops: float, demands=DEMANDS, unique_limits=UNIQUE_LIMITS) -> Figure:
    """How :func:`scalingedu.planning.allocate_compute` splits ``flops`` FLOPs. Left: parameters and training
    tokens (log–log) against the lifetime inference demand, with the Chinchilla split (no demand, unlimited data)
    as thin dotted and dash-dotted lines. Right: epochs over the unique data (left axis) and parameters in billions
    (right axis) against the
    number of unique tokens available (log scale)."""
    by_demand = [allocate_compute(flops, inference_tokens=d) for d in demands]
    by_data = [allocate_compute(flops, unique_tokens=u) for u in unique_limits]
    chinchilla = MUENNIGHOFF_2023.unconstrained.compute_optimal(flops)
    fig, (demand_ax, data_ax) = new_figure(2, width=11, height=4.0)
    demand_ax.loglog(demands, [a.params for a in by_demand], color=PALETTE[0], label="parameters")
    demand_ax.loglog(demands, [a.tokens for a in by_demand], "--", color=PALETTE[1], label="training tokens")
    demand_ax.axhline(chinchilla.params, color=PALETTE[0], ls=":", lw=1, label="Chinchilla parameters")
    demand_ax.axhline(chinchilla.tokens, color=PALETTE[1], ls="-.", lw=1, label="Chinchilla tokens")
    demand_ax.set(xlabel="lifetime inference demand (tokens served)", ylabel="parameters or tokens (count)",
                  title=f"{sci(flops)} FLOPs: serving shrinks the model")
    demand_ax.legend(fontsize=8)
    data_ax.semilogx(unique_limits, [a.epochs for a in by_data], color=PALETTE[3], label="epochs")
    data_ax.set(xlabel="unique tokens available", ylabel="epochs over the unique data",
                title=f"{sci(flops)} FLOPs: scarce data means repeating it")
    params_ax = data_ax.twinx()
    params_ax.semilogx(unique_limits, [a.params / 1e9 for a in by_data], "--", color=PALETTE[0],
                       label="parameters (B)")
    params_ax.set_ylabel("parameters (billions)")
    params_ax.spines["right"].set_visible(True)
    handles = [*data_ax.get_legend_handles_labels()[0], *params_ax.get_legend_handles_labels()[0]]
    params_ax.legend(handles, [h.get_label() for h in handles], loc="center right", fontsize=8)
    most, scarce = by_demand[-1], by_data[0]
    enough = [u for u, a in zip(unique_limits, by_data) if a.epochs <= 1 + 1e-9]
    once = f", and from {human(enough[0])} on a single epoch" if enough else ""
    describe(fig, f"""How the planner splits {sci(flops)} FLOPs. Left: parameters (solid) and training tokens
        (dashed) (counts, log-log) against the lifetime inference demand ({sci(demands[0])} to {sci(demands[-1])}
        tokens served), with Chinchilla's split as thin lines, its parameters dotted and its tokens dash-dotted:
        {human(chinchilla.params)} parameters on {human(chinchilla.tokens)} tokens. At
        {sci(demands[-1])} tokens served the best model has {human(most.params)} parameters
        ({most.params / chinchilla.params:.0%} of Chinchilla's) trained on {human(most.tokens)} tokens. Right: epochs
        over the unique data (solid) and parameters (billions, right axis, dashed) against the unique tokens available
        (log scale):
        with {human(unique_limits[0])} unique tokens the best run trains a {scarce.params / 1e9:.0f}B-parameter
        model for {scarce.epochs:.0f} epochs over them{once}. Serving the model shrinks it and lengthens its training;
        scarce data shrinks it too and makes it repeat.""")
    return fig
