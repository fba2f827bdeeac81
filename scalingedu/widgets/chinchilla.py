"""Widgets of lesson 04 (Chinchilla: compute-optimal allocation).

:class:`IsoFlopExplorer` fixes a training budget C (FLOPs) and asks how to split it between parameters N and
training tokens D = C / (6N). Its left panel is the IsoFLOP profile of the chosen law (the predicted loss of every
model size trained on the budget), with the optimum marked and real models whose own budget lies near C, drawn
hollow at their size on this profile (never at their own loss on another budget's curve); its right panel maps
parameters against tokens with the law's compute-optimal line, the budget's line of equal compute, and where real
models sit (over-trained above the line, under-trained below it).
:class:`IsoFlopLab` runs Hoffmann et al.'s Approach 2 on simulated runs of a known law.

The widgets only draw. The numbers come from :mod:`scalingedu.laws.isoflop` (:func:`isoflop_view`,
:func:`profile_limits`, :func:`isoflop_experiment`) and :mod:`scalingedu.laws.comparison` (the
laws a learner can pick, :func:`optimal_tokens_for_params`, :func:`model_positions`, and
:func:`budget_cautions` for budgets beyond the compute a law was fitted or tested on).
"""
from __future__ import annotations

from types import MappingProxyType

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FormatStrFormatter, NullLocator

from ..compute import FLOPS_PER_PARAM_TOKEN
from ..data import CHINCHILLA_TOKENS_PER_PARAM, GOPHER_BUDGET_FLOPS
from ..formatting import flops as flops_text
from ..formatting import human, sci
from ..laws import HOFFMANN_2022, ChinchillaLaw
from ..laws.comparison import (
    LAW_CHOICES,
    MAP_MODELS,
    budget_cautions,
    model_budget,
    model_positions,
    optimal_tokens_for_params,
)
from ..laws.isoflop import (
    FLOPS_RANGE,
    LAB_BUDGETS,
    PARAMS_RANGE,
    TARGET_FLOPS,
    TRUE_LAWS,
    isoflop_experiment,
    isoflop_view,
    profile_limits,
)
from ..plotting import PALETTE, describe, new_figure
from .base import LessonWidget, log_slider

TOKENS_RANGE = (1e8, 1e16)
"""Training tokens on the map's y axis."""
MODEL_STYLE = MappingProxyType({
    "GPT-3 175B": (PALETTE[5], "o"), "Gopher": (PALETTE[3], "s"), "Chinchilla": (PALETTE[2], "D"),
    "Llama 2 70B": (PALETTE[4], "^"), "Llama 3 8B": (PALETTE[1], "v"), "Llama 3 70B": (PALETTE[1], "X"),
    "DeepSeek-V3": (PALETTE[7], "P"),
})
"""Colour and marker of each model, the same in both panels."""
NEAR_BUDGET_FACTOR = 2.0
"""A model appears on the IsoFLOP profile when its own budget (published, or 6ND) lies within this factor of C."""


# ----------------------------------------------------------------------------------------------------------------
# The widgets
# ----------------------------------------------------------------------------------------------------------------

_STYLE = {"description_width": "130px"}


def _layout() -> widgets.Layout:
    return widgets.Layout(width="460px")


class IsoFlopExplorer(LessonWidget):
    """Fix a compute budget, see the best split between parameters and tokens, and where real models sit.

    Controls: ``flops`` (the budget in FLOPs, log slider from 1e18 to 1e27) and ``law`` (a label of
    :data:`LAW_CHOICES`). Left: the IsoFLOP profile, loss against model size when every model trains on
    C / (6N) tokens, with the optimum (star) and the other Chinchilla laws' profiles (grey). Real models whose own
    budget lies within 2× of C are marked, hollow, at their own size *on this profile* (a model of that size
    trained with this budget), and a note lists each one's own budget as a multiple of C: a model is never drawn
    at its own loss on another budget's curve. Right: parameters against tokens, with the law's compute-optimal
    line (dash-dotted), the shaded over- and under-trained sides, the line of equal compute C = 6ND and the real
    models. The title states the optimum: N, D, tokens per parameter and loss. Budgets beyond the compute the law
    was fitted or tested on are drawn with a caution under the plot. Extra laws (for example one you fitted) can
    be offered with ``IsoFlopExplorer(extra_laws={"my fit": law})``.
    """

    def __init__(self, *, flops: float = GOPHER_BUDGET_FLOPS, law: str = "Hoffmann 2022, Eq. 10 (rounded)",
                 extra_laws: dict | None = None):
        self._laws = dict(LAW_CHOICES)
        for label, extra in (extra_laws or {}).items():
            if not isinstance(extra, ChinchillaLaw):
                raise TypeError(f"extra law {label!r} must be a ChinchillaLaw, not {type(extra).__name__}")
            self._laws[str(label)] = extra
        self._limits = None
        super().__init__(flops=flops, law=law)

    def build_controls(self):
        low, high = np.log10(FLOPS_RANGE)
        return {
            "flops": log_slider("budget C (FLOPs)", low, high, 0.05, style=_STYLE, layout=_layout()),
            "law": widgets.Dropdown(options=list(self._laws), description="law", style=_STYLE, layout=_layout()),
        }

    def build_figure(self):
        figure, (profile, chart) = new_figure(2, width=11.5, height=5.0)
        self.grid = np.geomspace(*PARAMS_RANGE, 300)
        profile.set(xscale="log", xlim=PARAMS_RANGE, xlabel="parameters N (log scale)",
                    ylabel="predicted final loss (nats/token)",
                    title="IsoFLOP profile: every N trained on C/(6N) tokens")
        profile.yaxis.set_major_formatter(FormatStrFormatter("%.2f"))   # same width at every budget: no jumps
        self.others = [profile.plot([], [], color="0.6", lw=1.2, ls=":")[0] for _ in range(len(self._laws))]
        self.others[0].set_label("other Chinchilla fits")
        self.curve, = profile.plot([], [], color=PALETTE[0], lw=2.4, label="chosen law: the profile at C")
        # Eq. 10's own optimum, shown only when Kaplan's plan is chosen; it is named beside the marker, not in the key.
        self.best_marker, = profile.plot([], [], "o", ms=9, mfc="none", mec=PALETTE[7], mew=1.5)
        self.best_label = profile.annotate("Eq. 10's optimum", (1.0, 1.0), xytext=(0, -14), textcoords="offset points",
                                           ha="center", va="top", fontsize=8, color=PALETTE[7])
        self.optimum, = profile.plot([], [], "*", ms=17, mfc=PALETTE[6], mec=PALETTE[7], mew=1.0, zorder=5,
                                     label="compute-optimal plan")
        self.near = {}
        for name in MAP_MODELS:
            colour, marker = MODEL_STYLE[name]
            self.near[name], = profile.plot([], [], marker, ms=8, mfc="none", mec=colour, mew=1.8, zorder=4)
        self.near_note = profile.text(0.02, 0.03, "", transform=profile.transAxes, ha="left", va="bottom",
                                      fontsize=7.8, color="0.25", linespacing=1.3)

        chart.set(xscale="log", yscale="log", xlim=PARAMS_RANGE, ylim=TOKENS_RANGE,
                  xlabel="parameters N (active, log scale)", ylabel="training tokens D (log scale)",
                  title="where real models sit against the law")
        ratio = CHINCHILLA_TOKENS_PER_PARAM["tokens_per_param"]
        chart.plot(self.grid, ratio * self.grid, color="0.45", lw=1.0, ls=":", zorder=2)
        chart.annotate(f"D = {ratio:g} N", (2e12, ratio * 2e12), xytext=(-4, 6), textcoords="offset points",
                       rotation=37, rotation_mode="anchor", ha="right", color="0.35", fontsize=8)
        self.frontier, = chart.plot([], [], color=PALETTE[0], lw=2.0, ls="-.", zorder=3,
                                    label="chosen law: compute-optimal line (every C)")
        self.over = chart.fill_between(self.grid, self.grid, self.grid, color=PALETTE[1], alpha=0.12, lw=0)
        self.under = chart.fill_between(self.grid, self.grid, self.grid, color=PALETTE[5], alpha=0.15, lw=0)
        box = {"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1.5}
        chart.text(0.03, 0.97, "over-trained\n(more tokens than optimal for the size)", transform=chart.transAxes,
                   va="top", fontsize=8, color="0.25", bbox=box)
        chart.text(0.97, 0.03, "under-trained\n(fewer tokens than optimal)", transform=chart.transAxes,
                   ha="right", va="bottom", fontsize=8, color="0.25", bbox=box)
        self.budget_line, = chart.plot([], [], color=PALETTE[7], lw=1.1, ls="--", zorder=3,
                                       label="equal compute: D = C/(6N)")
        self.chart_optimum, = chart.plot([], [], "*", ms=15, mfc=PALETTE[6], mec=PALETTE[7], zorder=6)
        self.placed = []
        for position in model_positions(HOFFMANN_2022):
            colour, marker = MODEL_STYLE[position.name]
            self.placed += chart.plot([position.params], [position.tokens], marker, ms=7, color=colour,
                                      mec=PALETTE[7], mew=0.6, zorder=5, label=position.name)
        self.title = figure.suptitle("C = 5.76e23 FLOPs · optimum: N = 32.2B params, D = 2.98T tokens "
                                     "(92.8 tokens/param), loss 1.931 nats/token", fontsize=11)
        for axis in (profile.xaxis, chart.xaxis, chart.yaxis):
            axis.set_minor_locator(NullLocator())   # decades are enough, and minor ticks double a full redraw
        handles, labels = profile.get_legend_handles_labels()
        more, more_labels = chart.get_legend_handles_labels()
        hollow = Line2D([], [], ls="", marker="o", ms=7, mfc="none", mec="0.3", mew=1.5)
        figure.legend(handles + [hollow] + more, labels + ["real models' sizes on this profile (hollow)"] + more_labels,
                      loc="outside lower center", ncols=5, fontsize=8.5)
        # Everything that depends on the controls is animated, including the profile's loss axis (its limits follow
        # the budget) and the map's law-dependent line and bands: an update never needs a full redraw. Order matters:
        # animated artists are painted in this order over the static background.
        self.animate(profile.yaxis, *self.others, self.curve, self.best_marker, self.best_label, *self.near.values(),
                     self.near_note, self.optimum,
                     self.over, self.under, self.frontier, self.budget_line, *self.placed, self.chart_optimum,
                     self.title)
        return figure, (profile, chart)

    def draw(self, flops, law):
        chosen = self._laws[law]
        view = isoflop_view(chosen, flops, self.grid)
        self.curve.set_data(self.grid, view.loss)
        others = [each for label, each in self._laws.items() if isinstance(each, ChinchillaLaw)
                  and each is not view.scored_by]
        for line, other in zip(self.others, others + [None] * len(self.others)):
            line.set_visible(other is not None)
            if other is not None:
                line.set_data(self.grid, other.isoflop_profile(view.flops, self.grid))
        self.optimum.set_data([view.optimum.params], [view.optimum.loss])
        kaplan = not isinstance(chosen, ChinchillaLaw)
        self.best_marker.set_visible(kaplan)
        self.best_marker.set_data([view.best.params], [view.best.loss])
        self.best_label.set_visible(kaplan)
        self.best_label.xy = (view.best.params, view.best.loss)
        notes = []
        positions = model_positions(chosen)
        for position in positions:
            own_budget = model_budget(position.name) / view.flops
            near = 1 / NEAR_BUDGET_FACTOR <= own_budget <= NEAR_BUDGET_FACTOR
            # at its own size, on THIS budget's profile: what a model of that size would reach with this budget
            on_profile = float(view.scored_by.isoflop_profile(view.flops, position.params))
            self.near[position.name].set_data([position.params], [on_profile])
            self.near[position.name].set_visible(near)
            if near:
                notes.append(f"{position.name} ×{own_budget:.2f}")
        self.near_note.set_text("own budget ÷ C:\n" + "\n".join(notes) if notes else "")
        self.budget_line.set_data(self.grid, view.flops / (FLOPS_PER_PARAM_TOKEN * self.grid))
        self.chart_optimum.set_data([view.optimum.params], [view.optimum.tokens])
        plan = view.optimum
        scored = f", loss {plan.loss:.3f} nats/token"
        if kaplan:
            scored = f", loss by Eq. 10 {plan.loss:.3f} (+{view.extra_loss:.3f} over Eq. 10's optimum)"
        chosen_plan = "Kaplan plan" if kaplan else "optimum"
        self.title.set_text(f"C = {flops_text(view.flops)} · {chosen_plan}: "
                            f"N = {human(plan.params)} params, D = {human(plan.tokens)} tokens "
                            f"({plan.tokens / plan.params:.3g} tokens/param){scored}")
        tokens = optimal_tokens_for_params(chosen, self.grid)
        self.frontier.set_data(self.grid, tokens)
        _set_band(self.over, self.grid, tokens, np.full_like(self.grid, TOKENS_RANGE[1]))
        _set_band(self.under, self.grid, np.full_like(self.grid, TOKENS_RANGE[0]), tokens)
        for text in budget_cautions(view.flops, chosen):
            self.caution(text)
        limits = profile_limits(chosen, view.flops)
        if limits != self._limits:
            self.axes[0].set_ylim(*limits)   # the y axis is animated: no full redraw needed
            self._limits = limits
        describe(self.figure, _explorer_text(view, law, kaplan, positions, notes))


def _explorer_text(view, label: str, kaplan: bool, positions, notes: list[str]) -> str:
    """The description of :class:`IsoFlopExplorer`'s figure at this budget and law (its alt text)."""
    plan = view.optimum
    scored = (f"scored by Eq. 10 at {plan.loss:.3f} nats/token, {view.extra_loss:.3f} above Eq. 10's own optimum "
              f"(hollow circle, {human(view.best.params, 'params')})" if kaplan else f"loss {plan.loss:.3f}")
    near = (f" Real models whose own budget lies within {NEAR_BUDGET_FACTOR:g}× of C are marked hollow on the "
            f"profile at their size (own budget ÷ C): {', '.join(notes)}." if notes else "")
    over = [p.name for p in positions if p.tokens > p.optimal_tokens]
    under = [p.name for p in positions if p.tokens <= p.optimal_tokens]
    sides = "; ".join(part for part in (f"over-trained (above the line): {', '.join(over)}" if over else "",
                                        f"under-trained (below it): {', '.join(under)}" if under else "") if part)
    return (f"Left: the IsoFLOP profile of {label} at a budget C = {flops_text(view.flops)}: the predicted final "
            f"loss (nats/token) against parameters N (log scale) when every model trains on C/(6N) tokens, with "
            f"the other Chinchilla fits' profiles dotted in grey. The {'Kaplan plan' if kaplan else 'optimum'} "
            f"(star) is N = {human(plan.params, 'params')} and D = {human(plan.tokens, 'tokens')}, "
            f"{plan.tokens / plan.params:.3g} tokens per parameter, {scored}.{near} Right: training tokens D "
            f"against parameters N (both log scales) with the law's compute-optimal line, the line of equal "
            f"compute C = 6ND and {len(positions)} real models; {sides}. Notice how flat the bottom of the profile "
            f"is, and which models sit far from the law's line.")


def _set_band(band, x: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
    """Reshape a ``fill_between`` band to lie between ``low`` and ``high`` (clipped to the axes' range)."""
    low = np.clip(low, *TOKENS_RANGE)
    high = np.clip(high, *TOKENS_RANGE)
    vertices = np.concatenate([np.column_stack([x, low]), np.column_stack([x[::-1], high[::-1]])])
    band.set_verts([vertices])




# ----------------------------------------------------------------------------------------------------------------
# Approach 2 on simulated runs
# ----------------------------------------------------------------------------------------------------------------

LAB_PARAMS_RANGE = (1e6, 1e12)
LAB_FLOPS_RANGE = (1e18, 3e24)
LAB_OPTIMUM_RANGE = (1e7, 1e12)
LAB_LOSS_TOPS = (2.6, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 8.0)


class IsoFlopLab(LessonWidget):
    """Approach 2 by hand: simulated IsoFLOP runs, a parabola per budget, a power law through the minima.

    The runs are SIMULATED from a known law (``truth``), at Hoffmann et al.'s nine budgets from 6e18 to 3e21 FLOPs.
    Controls: ``noise_percent`` (relative noise of each run's loss), ``sizes`` (model sizes per budget),
    ``spread`` (sizes from N_opt/spread to N_opt·spread), ``outlier_percent`` (runs made 10% worse), ``seed`` and
    ``truth``. Left: the runs, coloured by budget, with each budget's parabola and its minimum. Right: the minima
    against the budget, the fitted power law N_opt ∝ C^a extrapolated to Gopher's budget, and the truth. Fewer
    than 3 sizes, or noise that hides a bowl, shows a message instead of the plot.
    """

    DEBOUNCED = True

    def __init__(self, *, noise_percent: float = 1.0, sizes: int = 9, spread: float = 10.0,
                 outlier_percent: float = 0.0, seed: int = 0, truth: str = "Hoffmann 2022, Eq. 10 (unrounded)"):
        self._loss_limits = None
        super().__init__(noise_percent=noise_percent, sizes=sizes, spread=spread, outlier_percent=outlier_percent,
                         seed=seed, truth=truth)

    def build_controls(self):
        return {
            "noise_percent": widgets.FloatSlider(min=0.0, max=5.0, step=0.25, readout_format=".2f",
                                                 description="noise (%)", style=_STYLE, layout=_layout()),
            "sizes": widgets.IntSlider(min=2, max=15, description="sizes per budget", style=_STYLE, layout=_layout()),
            "spread": log_slider("spread (× either side)", np.log10(1.5), 2.0, 0.05, style=_STYLE, layout=_layout()),
            "outlier_percent": widgets.FloatSlider(min=0.0, max=20.0, step=1.0, readout_format=".0f",
                                                   description="outliers (%)", style=_STYLE, layout=_layout()),
            "seed": widgets.IntSlider(min=0, max=99, description="random seed", style=_STYLE, layout=_layout()),
            "truth": widgets.Dropdown(options=list(TRUE_LAWS), description="true law", style=_STYLE,
                                      layout=_layout()),
        }

    def build_figure(self):
        figure, (runs_ax, line_ax) = new_figure(2, width=11.5, height=4.8)
        self.colours = matplotlib.colormaps["cividis"](np.linspace(0.0, 0.9, LAB_BUDGETS.size))
        runs_ax.set(xscale="log", xlim=LAB_PARAMS_RANGE, ylim=(2.0, 4.0), xlabel="parameters N (log scale)",
                    ylabel="final loss (nats/token)", title="simulated runs: one parabola in log N per budget")
        runs_ax.xaxis.set_minor_locator(NullLocator())
        runs_ax.yaxis.set_major_formatter(FormatStrFormatter("%.2f"))
        self.points = runs_ax.scatter([], [], s=16, zorder=3, edgecolor="none")
        self.parabolas = [runs_ax.plot([], [], ":", color=colour, lw=1.6)[0] for colour in self.colours]
        self.parabolas[0].set_label("parabola per budget")
        self.minima, = runs_ax.plot([], [], "*", ms=11, mfc=PALETTE[6], mec=PALETTE[7], zorder=5,
                                    label="parabola minimum")
        self.true_minima, = runs_ax.plot([], [], "o", ms=8, mfc="none", mec=PALETTE[3], mew=1.4, zorder=4,
                                         label="true optimum")
        budgets = (f"budgets {sci(LAB_BUDGETS[0], 1)} (dark) to {sci(LAB_BUDGETS[-1], 1)} FLOPs "
                   f"(light)")
        runs_ax.text(0.02, 0.03, budgets, transform=runs_ax.transAxes, fontsize=8, color="0.3")

        line_ax.set(xscale="log", yscale="log", xlim=LAB_FLOPS_RANGE, ylim=LAB_OPTIMUM_RANGE,
                    xlabel="training budget C (FLOPs, log scale)", ylabel="compute-optimal parameters N_opt",
                    title="power law through the minima, extrapolated")
        for axis in (line_ax.xaxis, line_ax.yaxis):
            axis.set_minor_locator(NullLocator())
        line_ax.axvspan(LAB_BUDGETS[0], LAB_BUDGETS[-1], color=PALETTE[5], alpha=0.15, lw=0)
        line_ax.axvline(TARGET_FLOPS, color=PALETTE[4], ls="-.", lw=1.2)
        line_ax.annotate("Gopher's budget", (TARGET_FLOPS, LAB_OPTIMUM_RANGE[0]), xytext=(-4, 4),
                         textcoords="offset points", rotation=90, ha="right", va="bottom", fontsize=8,
                         color=PALETTE[4])
        line_ax.annotate("simulated budgets", (LAB_BUDGETS[0], LAB_OPTIMUM_RANGE[0]), xytext=(3, 4),
                         textcoords="offset points", fontsize=8, color="0.3")
        self.grid = np.geomspace(*LAB_FLOPS_RANGE, 80)
        self.fit_line, = line_ax.plot([], [], color=PALETTE[0], lw=2.0, label="fitted power law")
        self.true_line, = line_ax.plot([], [], "--", color=PALETTE[3], lw=1.5, label="true N_opt (Eq. 4)")
        self.fit_minima, = line_ax.plot([], [], "*", ms=11, mfc=PALETTE[6], mec=PALETTE[7], zorder=5)
        self.report = line_ax.text(0.03, 0.97, "", transform=line_ax.transAxes, va="top", fontsize=8.5,
                                   family="DejaVu Sans Mono",
                                   bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "0.8"})
        handles, labels = runs_ax.get_legend_handles_labels()
        more, more_labels = line_ax.get_legend_handles_labels()
        runs_key = Line2D([], [], marker="o", ls="", ms=4, color="0.45")
        figure.legend([runs_key] + handles + more, ["simulated runs (colour: budget)"] + labels + more_labels,
                      loc="outside lower center", ncols=6, fontsize=8.5)
        self.animate(runs_ax.yaxis, self.points, *self.parabolas, self.true_minima, self.minima, self.fit_line,
                     self.true_line, self.fit_minima, self.report)
        return figure, (runs_ax, line_ax)

    def draw(self, noise_percent, sizes, spread, outlier_percent, seed, truth):
        experiment = isoflop_experiment(truth, noise_percent / 100.0, sizes, spread, seed,
                                        outlier_fraction=outlier_percent / 100.0)
        runs, fit = experiment.runs, experiment.fit
        self.points.set_offsets(np.column_stack([runs["params"], runs["loss"]]))
        self.points.set_facecolor(self.colours[experiment.budget_index])
        for index, (line, (c2, c1, c0)) in enumerate(zip(self.parabolas, fit.coefficients)):
            sizes_here = runs["params"][experiment.budget_index == index]
            x = np.geomspace(sizes_here.min(), sizes_here.max(), 60)
            line.set_data(x, c2 * np.log(x) ** 2 + c1 * np.log(x) + c0)
        self.minima.set_data(fit.params, fit.loss)
        truth_plan = experiment.truth.compute_optimal(LAB_BUDGETS)
        self.true_minima.set_data(truth_plan.params, truth_plan.loss)
        self.true_line.set_data(self.grid, experiment.truth.compute_optimal(self.grid).params)
        self.fit_line.set_data(self.grid, fit.params_law(self.grid))
        self.fit_minima.set_data(fit.flops, fit.params)
        true_target, fitted_target = experiment.target_params
        outside = int(np.sum(~fit.inside_sampled_range))
        self.report.set_text(
            f"exponent a:  true {experiment.true_a:.3f}   fitted {fit.a:.3f}\n"
            f"N_opt at {TARGET_FLOPS:.3g} FLOPs ({TARGET_FLOPS / LAB_BUDGETS[-1]:.0f}× the largest budget):\n"
            f"  true {human(true_target)}   fitted {human(fitted_target)} "
            f"({fitted_target / true_target - 1:+.0%})"
            + (f"\n{outside} minimum(s) outside the sampled sizes" if outside else ""))
        top = float(np.max(runs["loss"]))
        bottom = float(np.floor((np.min(runs["loss"]) - 0.05) * 10) / 10)
        limits = (bottom, next((t for t in LAB_LOSS_TOPS if top <= t - 0.05 and t > bottom + 0.3),
                               LAB_LOSS_TOPS[-1]))
        if limits != self._loss_limits:
            self.axes[0].set_ylim(*limits)     # the loss axis is animated: no full redraw needed
            self._loss_limits = limits
        describe(self.figure, _lab_text(experiment, truth, noise_percent, outlier_percent))


def _lab_text(experiment, truth: str, noise_percent: float, outlier_percent: float) -> str:
    """The description of :class:`IsoFlopLab`'s figure for this simulated experiment (its alt text)."""
    runs, fit = experiment.runs, experiment.fit
    true_target, fitted_target = experiment.target_params
    outside = int(np.sum(~fit.inside_sampled_range))
    warning = (f" {outside} of the parabola minima lie outside the sizes sampled, so they are guesses."
               if outside else "")
    return (f"Left: the final loss (nats/token) against parameters N (log scale) of {runs['loss'].size} SIMULATED "
            f"runs of {truth} with {noise_percent:g}% noise and {outlier_percent:g}% outliers, at "
            f"{LAB_BUDGETS.size} budgets from {sci(LAB_BUDGETS[0], 1)} to {sci(LAB_BUDGETS[-1], 1)} FLOPs, with a "
            f"dotted parabola in log N through each budget's runs, its minimum (star) and the true optimum "
            f"(circle). Right: the minima against the budget (FLOPs, log scale) and the power law fitted through "
            f"them (solid; the true N_opt dashed), "
            f"N_opt ∝ C^{fit.a:.3f} against the true exponent {experiment.true_a:.3f}, extrapolated to Gopher's "
            f"budget of {flops_text(TARGET_FLOPS)}: {human(fitted_target, 'params')} fitted against "
            f"{human(true_target, 'params')} true ({fitted_target / true_target - 1:+.0%}).{warning} Notice how a "
            f"small error in the exponent grows when the line is extrapolated "
            f"{TARGET_FLOPS / LAB_BUDGETS[-1]:.0f} times beyond the largest budget.")


WIDGETS = (IsoFlopExplorer, IsoFlopLab)
