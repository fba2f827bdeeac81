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
from ..formatting import flops as flops_text
from ..formatting import human
from ..laws import ChinchillaLaw
from ..plotting import PALETTE, describe, new_figure

PROFILE_PARAMS = (1e6, 1e13)
"""Model sizes (parameters) along :func:`isoflop_profiles_figure`'s profiles."""
LAW_COLOURS = (PALETTE[0], PALETTE[5], PALETTE[3])
"""The colours of the laws in :func:`tokens_per_param_figure` and :func:`agreement_figure`, in the order given."""
LAW_STYLES = (("-", "o", "solid"), ("--", "s", "dashed"), ("-.", "^", "dash-dotted"))
"""The line style, marker and style name of each law in those figures, in the same order: never colour alone."""


def _span(low: float, high: float) -> str:
    """A range of budgets in words: '1e18 to 1e24 FLOPs'."""
    return f"{flops_text(low).removesuffix(' FLOPs')} to {flops_text(high)}"


def _trends(series: dict, digits: int) -> str:
    """Each named series' first and last value in words: 'Epoch refit falls from 26 to 14; ...'."""
    return "; ".join(f"{name} {'falls' if values[-1] < values[0] else 'rises'} from {values[0]:.{digits}f} to "
                     f"{values[-1]:.{digits}f}" for name, values in series.items())


def _styled(laws) -> str:
    """Each law's line style in words: 'Eq. 10 solid, Epoch refit dashed'."""
    return ", ".join(f"{name} {style}" for name, (_, _, style) in zip(laws, LAW_STYLES))


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
    line_ax.plot(best.flops, best.tokens, "--", color=PALETTE[1], lw=1.5,
                 label=f"$D_{{opt}} \\propto C^{{{law.tokens_exponent:.3f}}}$")
    line_ax.set(xscale="log", yscale="log", xlabel="training budget C (FLOPs, log scale)",
                ylabel="parameters or tokens (log scale)", title="the optima lie on straight lines")
    line_ax.legend(loc="upper left")
    low, high = np.argmin(budgets), np.argmax(budgets)
    top, top_params = budgets[high], best.params[high]
    half = law.isoflop_profile(top, top_params / 2) - best.loss[high]
    double = law.isoflop_profile(top, 2 * top_params) - best.loss[high]
    describe(fig, f"""
        Left: the predicted final loss (nats/token) of {law.name} against the model size N (parameters, log scale)
        along the IsoFLOP profile of each of {budgets.size} budgets from {_span(budgets[low], top)}: one bowl per
        budget, its minimum starred. The optimum moves from
        {human(best.params[low], 'params')} at a loss of {best.loss[low]:.2f} to {human(top_params, 'params')} at
        {best.loss[high]:.2f}. Right: the optimal parameters and tokens against the budget (FLOPs), both on log
        scales, lie on straight lines, N_opt ∝ C^{law.params_exponent:.3f} (solid) and D_opt ∝
        C^{law.tokens_exponent:.3f} (dashed).
        Notice how flat each bowl's bottom is: at {flops_text(top)}, half the optimal size costs only {half:.4f}
        nats more and twice the size {double:.4f}.""")
    return fig


def tokens_per_param_figure(laws: dict[str, ChinchillaLaw], flops_range=(1e18, 2e28)):
    """The compute-optimal tokens per parameter D_opt/N_opt of each law in ``laws`` (label: law) against the budget,
    with the rows of Table 3 (Approach 1's projections), Chinchilla at its own 6ND, and the rule of thumb."""
    flops = np.geomspace(*flops_range, 200)
    table3 = CHINCHILLA_APPROACH1_TABLE3
    chinchilla = model("Chinchilla")
    rule = CHINCHILLA_TOKENS_PER_PARAM["tokens_per_param"]
    fig, ax = new_figure(width=8.5, height=4.2)
    for (name, law), colour, (dash, _, _) in zip(laws.items(), LAW_COLOURS, LAW_STYLES):
        ax.plot(flops, law.compute_optimal(flops).tokens_per_param, dash, color=colour, label=f"Approach 3, {name}")
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
    table_ratio = np.array(table3["tokens"]) / np.array(table3["params"])
    chinchilla_flops = training_flops(chinchilla.params, chinchilla.tokens)
    at_ends = {name: law.compute_optimal(flops[[0, -1]]).tokens_per_param for name, law in laws.items()}
    there = {name: law.compute_optimal(chinchilla_flops).tokens_per_param for name, law in laws.items()}
    near = [name for name, value in there.items() if abs(np.log(value / rule)) < np.log(1.5)]
    agree = {0: "none comes", 1: f"only {', '.join(near)} comes"}.get(len(near), f"{', '.join(near)} come")
    describe(fig, f"""
        The compute-optimal tokens per parameter (log scale) against the training budget C (FLOPs, log scale, from
        {_span(flops[0], flops[-1])}) for {len(laws)} versions of the fitted law (Approach 3, {_styled(laws)}):
        {_trends(at_ends, 0)}. Table 3's {table_ratio.size} projections (Approach 1, squares) all lie between
        {table_ratio.min():.0f} and {table_ratio.max():.0f}, and Chinchilla itself ({human(chinchilla.params)}
        parameters, {human(chinchilla.tokens, 'tokens')}) sits at {chinchilla.tokens_per_param:.0f}, on the dotted
        line of {rule:g} tokens per parameter. At Chinchilla's budget, {flops_text(chinchilla_flops)}, the laws
        recommend {", ".join(f"{name} {value:.0f}" for name, value in there.items())} tokens per parameter, and
        {agree} within a factor 1.5 of the rule: "{rule:g} tokens per parameter" is a rule of thumb near
        Chinchilla's scale, not a law that holds at every budget.""")
    return fig


def agreement_figure(laws: dict[str, ChinchillaLaw], flops_range=(1e18, 1e28)):
    """Left: the compute-optimal model size of each law in ``laws`` against the budget, with Table 3's sizes.
    Right: each law's N_opt divided by Table 3's at Table 3's budgets (1 means agreement with Approach 1)."""
    flops = np.geomspace(*flops_range, 200)
    table3 = CHINCHILLA_APPROACH1_TABLE3
    table_flops, table_params = np.array(table3["flops"]), np.array(table3["params"])
    fig, (size_ax, ratio_ax) = new_figure(2, width=11, height=4.2)
    for (name, law), colour, (dash, marker, _) in zip(laws.items(), LAW_COLOURS, LAW_STYLES):
        size_ax.plot(flops, law.compute_optimal(flops).params, dash, color=colour, label=f"Approach 3, {name}")
        ratio_ax.plot(table_flops, law.compute_optimal(table_flops).params / table_params, dash, marker=marker,
                      color=colour, label=name)
    size_ax.plot(table_flops, table_params, "s", color=PALETTE[2], label="Table 3 (Approach 1)")
    size_ax.set(xscale="log", yscale="log", xlabel="training budget C (FLOPs, log scale)",
                ylabel="compute-optimal parameters (log scale)", title="compute-optimal model size")
    size_ax.legend(loc="upper left", fontsize=8.5)
    ratio_ax.axhline(1.0, color=PALETTE[2], lw=1.2)
    ratio_ax.set(xscale="log", ylim=(0, 1.4), xlabel="Table 3's budget (FLOPs, log scale)",
                 ylabel="law's N_opt / Table 3's N_opt (ratio)", title="agreement with Approach 1")
    ratio_ax.legend(loc="lower left", fontsize=8.5)
    ratios = {name: law.compute_optimal(table_flops).params / table_params for name, law in laws.items()}
    closest = min(ratios, key=lambda name: np.max(np.abs(np.log(ratios[name]))))
    spread = np.max(np.abs(ratios[closest] - 1))
    describe(fig, f"""
        Left: the compute-optimal model size (parameters, log scale) of {len(laws)} versions of the fitted law
        (Approach 3, {_styled(laws)}) against the training budget (FLOPs, log scale, {_span(flops[0], flops[-1])}),
        with Table 3's
        {table_params.size} sizes from Approach 1 as squares, {human(table_params.min())} to
        {human(table_params.max())} parameters. Right: each law's N_opt divided by Table 3's (a ratio, 1 means
        agreement) at Table 3's budgets, {_span(table_flops.min(), table_flops.max())} (log scale):
        {_trends(ratios, 2)}. Notice that the {closest} stays within {spread:.0%} of Approach 1 over
        {np.log10(table_flops.max() / table_flops.min()):.0f} decades of compute, while a falling ratio means a law
        recommends ever smaller models than Approach 1.""")
    return fig
