"""The static figures of lesson 04 (Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models").

Each function takes its numbers from the laws of :mod:`scalingedu.laws` and the tables of :mod:`scalingedu.data`
and returns a ``matplotlib.figure.Figure`` in the course style; the lesson calls it in one line.

- :func:`isoflop_profiles_figure`: the IsoFLOP profiles of a law for a range of budgets, and their optima;
- :func:`tokens_per_param_figure`: the compute-optimal tokens per parameter of several laws against the budget,
  with Table 3's projections and Chinchilla itself;
- :func:`agreement_figure`: the compute-optimal model size of several laws, and its ratio to Table 3's.
"""
from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.ticker import NullFormatter

from ..compute import training_flops
from ..data import CHINCHILLA_APPROACH1_TABLE3, CHINCHILLA_TOKENS_PER_PARAM, model
from ..formatting import human
from ..laws import ChinchillaLaw
from ..plotting import PALETTE, new_figure

PROFILE_PARAMS = (1e6, 1e13)
"""Model sizes (parameters) along :func:`isoflop_profiles_figure`'s profiles."""
LAW_COLOURS = (PALETTE[0], PALETTE[5], PALETTE[3])
"""The colours of the laws in :func:`tokens_per_param_figure` and :func:`agreement_figure`, in the order given."""


def _budget_colours(budgets):
    """A colour-blind-safe sequence for budgets (cividis without its palest yellow) and its log scale."""
    colours = matplotlib.colors.ListedColormap(matplotlib.colormaps["cividis"](np.linspace(0.0, 0.85, 256)))
    return colours, matplotlib.colors.LogNorm(min(budgets), max(budgets))


def isoflop_profiles_figure(law: ChinchillaLaw, budgets):
    """Left: the IsoFLOP profile of ``law`` at each budget of ``budgets`` (FLOPs): the predicted final loss of every
    model size N trained on C/(6N) tokens, with each profile's minimum (a star). Right: those optimal sizes and
    tokens against the budget, the power laws N_opt ∝ C^a and D_opt ∝ C^b."""
    budgets = np.asarray(budgets, dtype=float)
    params = np.geomspace(*PROFILE_PARAMS, 400)
    best = law.compute_optimal(budgets)
    colours, scale = _budget_colours(budgets)
    fig, (profile_ax, line_ax) = new_figure(2, width=11, height=4.2)
    for flops in budgets:
        profile_ax.plot(params, law.isoflop_profile(flops, params), color=colours(scale(flops)), lw=1.8)
    profile_ax.plot(best.params, best.loss, "--", color=PALETTE[7], lw=1, label="the optimum of each profile")
    profile_ax.plot(best.params, best.loss, "*", ms=12, mfc=PALETTE[6], mec=PALETTE[7], zorder=5)
    profile_ax.set(xscale="log", ylim=(1.7, 5.0), xlabel="parameters N (log scale)",
                   ylabel="predicted final loss (nats/token)", title=f"IsoFLOP profiles of {law.name}")
    profile_ax.legend(loc="upper right")
    fig.colorbar(matplotlib.cm.ScalarMappable(scale, colours), ax=profile_ax, label="training budget C (FLOPs)")
    line_ax.plot(best.flops, best.params, "*", ms=12, mfc=PALETTE[6], mec=PALETTE[7], label="optimum of each profile")
    line_ax.plot(best.flops, best.params, color=PALETTE[0], lw=1.5,
                 label=f"$N_{{opt}} \\propto C^{{{law.params_exponent:.3f}}}$")
    line_ax.plot(best.flops, best.tokens, "o", color=PALETTE[1], label="optimal tokens $D_{opt}$")
    line_ax.plot(best.flops, best.tokens, color=PALETTE[1], lw=1.5,
                 label=f"$D_{{opt}} \\propto C^{{{law.tokens_exponent:.3f}}}$")
    line_ax.set(xscale="log", yscale="log", xlabel="training budget C (FLOPs, log scale)",
                ylabel="parameters or tokens (log scale)", title="the optima lie on straight lines")
    line_ax.legend(loc="upper left")
    return fig


def tokens_per_param_figure(laws: dict[str, ChinchillaLaw], flops_range=(1e18, 2e28)):
    """The compute-optimal tokens per parameter D_opt/N_opt of each law in ``laws`` (label: law) against the budget,
    with the rows of Table 3 (Approach 1's projections), Chinchilla at its own 6ND, and the rule of thumb."""
    flops = np.geomspace(*flops_range, 200)
    table3 = CHINCHILLA_APPROACH1_TABLE3
    chinchilla = model("Chinchilla")
    rule = CHINCHILLA_TOKENS_PER_PARAM["tokens_per_param"]
    fig, ax = new_figure(width=8.5, height=4.2)
    for (name, law), colour in zip(laws.items(), LAW_COLOURS):
        ax.plot(flops, law.compute_optimal(flops).tokens_per_param, color=colour, label=f"Approach 3, {name}")
    ax.plot(table3["flops"], np.array(table3["tokens"]) / np.array(table3["params"]), "s", color=PALETTE[2],
            label="Table 3 (Approach 1 projections)")
    ax.plot([training_flops(chinchilla.params, chinchilla.tokens)], [chinchilla.tokens_per_param], "D", ms=9,
            color=PALETTE[2], mec=PALETTE[7],
            label=f"Chinchilla ({human(chinchilla.params)}, {human(chinchilla.tokens, 'tokens')})")
    ax.axhline(rule, color="0.4", ls=":", label=f"{rule:g} tokens per parameter")
    ax.set(xscale="log", yscale="log", ylim=(8, 400), xlabel="training budget C (FLOPs, log scale)",
           ylabel="compute-optimal tokens per parameter (log scale)",
           title="how many tokens per parameter does each version recommend?")
    ax.set_yticks([10, 20, 50, 100, 200], labels=["10", "20", "50", "100", "200"])
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.legend(loc="upper left", fontsize=8.5)
    return fig


def agreement_figure(laws: dict[str, ChinchillaLaw], flops_range=(1e18, 1e28)):
    """Left: the compute-optimal model size of each law in ``laws`` against the budget, with Table 3's sizes.
    Right: each law's N_opt divided by Table 3's at Table 3's budgets (1 means agreement with Approach 1)."""
    flops = np.geomspace(*flops_range, 200)
    table3 = CHINCHILLA_APPROACH1_TABLE3
    table_flops, table_params = np.array(table3["flops"]), np.array(table3["params"])
    fig, (size_ax, ratio_ax) = new_figure(2, width=11, height=4.2)
    for (name, law), colour in zip(laws.items(), LAW_COLOURS):
        size_ax.plot(flops, law.compute_optimal(flops).params, color=colour, label=f"Approach 3, {name}")
        ratio_ax.plot(table_flops, law.compute_optimal(table_flops).params / table_params, "o-", color=colour,
                      label=name)
    size_ax.plot(table_flops, table_params, "s", color=PALETTE[2], label="Table 3 (Approach 1)")
    size_ax.set(xscale="log", yscale="log", xlabel="training budget C (FLOPs, log scale)",
                ylabel="compute-optimal parameters (log scale)", title="compute-optimal model size")
    size_ax.legend(loc="upper left", fontsize=8.5)
    ratio_ax.axhline(1.0, color=PALETTE[2], lw=1.2)
    ratio_ax.set(xscale="log", ylim=(0, 1.4), xlabel="Table 3's budget (FLOPs, log scale)",
                 ylabel="law's N_opt / Table 3's N_opt (ratio)", title="agreement with Approach 1")
    ratio_ax.legend(loc="lower left", fontsize=8.5)
    return fig
