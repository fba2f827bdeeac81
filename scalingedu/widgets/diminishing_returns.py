"""Widgets of lesson 08 (diminishing returns).

- :class:`FrontierExplorer`: a compute budget on the compute-optimal frontier of a Chinchilla law: its loss, the
  nats gained by doubling it, and the compute and money the next 0.1 nats would cost
  (:func:`scalingedu.returns.frontier_step`).
- :class:`DataLimitExplorer`: a budget and a limited amount of unique text: how much repeated data is worth
  (Muennighoff et al. 2023) and how many epochs the best run makes
  (:func:`scalingedu.returns.data_constrained_optimal`).
- :class:`InferenceDemandExplorer`: the lifetime (training + inference) compute of every model that reaches a
  target quality, and how the cheapest one shrinks as demand grows (:func:`scalingedu.returns.inference_optimal`).
- :class:`EmergenceByMetric`: one smooth per-token loss seen through exact match and token edit distance, on a
  synthetic power law and on the lab's own measured losses (:mod:`scalingedu.returns.emergence`).

Each is a thin shell: the numbers come from the tested library; the widget moves artists and text.
"""
from __future__ import annotations

from types import MappingProxyType

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import NullLocator

from .. import _validate as v
from ..compute import training_flops
from ..data import GOPHER_BUDGET_FLOPS, MUENNIGHOFF_2023_REPETITION, SARDANA_2023
from ..formatting import human, money, sci
from ..laws import EPOCH_2024, HOFFMANN_2022, HOFFMANN_2022_TEX
from ..planning import DEFAULT_MFU, DEFAULT_PRICE
from ..plotting import PALETTE, describe, new_figure
from ..returns import (
    MUENNIGHOFF_2023,
    data_constrained_loss,
    data_constrained_optimal,
    epochs_caution,
    exact_match,
    frontier_step,
    inference_optimal,
    lab_emergence,
    lifetime_flops,
    optimal_budget_for_params,
    power_law_token_loss,
    smallest_params_for_loss,
    token_edit_distance,
    tokens_per_param_caution,
    tokens_to_reach,
)
from .base import LessonWidget, log_slider

LAWS = MappingProxyType({
    "Hoffmann 2022, Eq. 10 (rounded)": HOFFMANN_2022,
    "Hoffmann 2022, Eq. 10 (unrounded)": HOFFMANN_2022_TEX,
    "Epoch 2024 replication": EPOCH_2024,
})
"""The Chinchilla laws a learner can pick, by label."""

_STYLE = {"description_width": "170px"}


def _layout() -> widgets.Layout:
    return widgets.Layout(width="480px")


def _law(label: str):
    return LAWS[v.one_of("law", label, LAWS)]


def _quiet(*axes) -> None:
    for ax in axes:
        ax.xaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_minor_locator(NullLocator())


# ----------------------------------------------------------------------------------------------------------------
# The frontier
# ----------------------------------------------------------------------------------------------------------------

FRONTIER_FLOPS_RANGE = (1e18, 1e30)


class FrontierExplorer(LessonWidget):
    """Budget → loss on the compute-optimal frontier, gain per doubling, cost of the next 0.1 nats.

    Controls: ``flops`` (training budget), ``law`` (whose constants), ``dollars_per_hour`` (price of an H100-hour;
    the MFU is the planner's :data:`scalingedu.planning.DEFAULT_MFU`). Left: the frontier's loss against compute
    with E, the budget and the budget that would be 0.1 nats lower. Right: nats gained per doubling of compute,
    falling for ever.
    """

    def __init__(self, *, flops: float = GOPHER_BUDGET_FLOPS, law: str = "Hoffmann 2022, Eq. 10 (rounded)",
                 dollars_per_hour: float = DEFAULT_PRICE):
        super().__init__(flops=flops, law=law, dollars_per_hour=dollars_per_hour)

    def build_controls(self):
        low, high = np.log10(FRONTIER_FLOPS_RANGE)
        return {
            "flops": log_slider("budget (FLOPs)", low, high, 0.1, readout_format=".2e", style=_STYLE,
                                layout=_layout()),
            "law": widgets.Dropdown(options=list(LAWS), description="law", style=_STYLE, layout=_layout()),
            "dollars_per_hour": widgets.FloatSlider(min=0.5, max=10.0, step=0.25, readout_format=".2f",
                                                    description="$ per H100-hour", style=_STYLE, layout=_layout()),
        }

    def build_figure(self):
        figure, (loss_ax, gain_ax) = new_figure(2, width=11.5, height=4.6)
        self.grid = np.geomspace(*FRONTIER_FLOPS_RANGE, 200)
        loss_ax.set(xscale="log", xlim=FRONTIER_FLOPS_RANGE, ylim=(1.5, 3.6), xlabel="training compute C (FLOPs)",
                    ylabel="loss on the frontier (nats/token)", title="loss approaches E, never reaches it")
        gain_ax.set(xscale="log", yscale="log", xlim=FRONTIER_FLOPS_RANGE, ylim=(1e-4, 0.5),
                    xlabel="training compute C (FLOPs)", ylabel="loss gained by doubling C (nats)",
                    title="each doubling buys less")
        _quiet(loss_ax, gain_ax)
        self.curve, = loss_ax.plot([], [], color=PALETTE[0], lw=2, label="compute-optimal loss")
        self.floor, = loss_ax.plot([], [], "--", color=PALETTE[7], lw=1.2, label="irreducible loss E")
        self.here, = loss_ax.plot([], [], "o", ms=9, color=PALETTE[3], label="your budget", zorder=5)
        self.next, = loss_ax.plot([], [], "D", ms=7, color=PALETTE[2], label="0.1 nats lower", zorder=5)
        self.step_line, = loss_ax.plot([], [], ":", color=PALETTE[2], lw=1.3)
        self.gain_curve, = gain_ax.plot([], [], color=PALETTE[0], lw=2, label="gain per doubling")
        self.gain_here, = gain_ax.plot([], [], "o", ms=9, color=PALETTE[3], zorder=5)
        self.report = gain_ax.text(0.03, 0.04, "", transform=gain_ax.transAxes, fontsize=8.5, va="bottom",
                                   family="DejaVu Sans Mono",
                                   bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "0.8"})
        self.title = figure.suptitle("", fontsize=11)
        handles, labels = loss_ax.get_legend_handles_labels()
        figure.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=8.5)
        self.animate(self.floor, self.curve, self.step_line, self.here, self.next, self.gain_curve, self.gain_here,
                     self.report, self.title)
        return figure, (loss_ax, gain_ax)

    def draw(self, flops, law, dollars_per_hour):
        chosen = _law(law)
        step = frontier_step(chosen, flops, chip="H100", mfu=DEFAULT_MFU,
                             dollars_per_accelerator_hour=dollars_per_hour)
        curve = frontier_step(chosen, self.grid)
        self.curve.set_data(self.grid, curve.loss)
        self.floor.set_data(FRONTIER_FLOPS_RANGE, [chosen.E, chosen.E])
        self.here.set_data([step.flops], [step.loss])
        reachable = np.isfinite(step.next_step_flops)
        self.next.set_visible(bool(reachable))
        self.step_line.set_visible(bool(reachable))
        if reachable:
            self.next.set_data([step.next_step_flops], [step.loss - step.step_nats])
            self.step_line.set_data([step.flops, step.next_step_flops, step.next_step_flops],
                                    [step.loss, step.loss, step.loss - step.step_nats])
        self.gain_curve.set_data(self.grid, curve.gain_per_doubling)
        self.gain_here.set_data([step.flops], [step.gain_per_doubling])
        next_text = (f"×{step.next_step_multiplier:,.3g} the compute "
                     f"({sci(step.next_step_flops)} FLOPs)"
                     if reachable else "impossible: within 0.1 nats of E")
        self.report.set_text(
            f"this run: N = {human(step.params)}, D = {human(step.tokens)}\n"
            f"  cost {money(step.dollars, tex=True)} (H100, {DEFAULT_MFU:.0%} MFU, \\${dollars_per_hour:.2f}/h)\n"
            f"gain per doubling: {step.gain_per_doubling:.4f} nats\n"
            f"distance to E: {step.reducible_loss:.3f} nats\n"
            f"next 0.1 nats: {next_text}\n"
            f"  a run costing {money(step.next_step_dollars, tex=True)}")
        self.title.set_text(f"{law}: C = {sci(step.flops)} FLOPs → loss {step.loss:.3f} nats/token "
                            f"(E = {chosen.E:.3g})")
        further = (f"the next 0.1 nats would take {step.next_step_multiplier:,.3g} times the compute, a run costing "
                   f"{money(step.next_step_dollars)}" if reachable else "0.1 nats lower is out of reach, within 0.1 "
                   "nats of E")
        describe(self.figure, f"""{law}. Left: the loss on the compute-optimal frontier (nats/token) against
            training compute C (FLOPs, log scale, {sci(FRONTIER_FLOPS_RANGE[0])} to {sci(FRONTIER_FLOPS_RANGE[1])}),
            approaching the irreducible loss E = {chosen.E:.3g} (dashed) without reaching it. Right: the loss gained
            by doubling C (nats) against C, both log scale, falling for ever. At {sci(step.flops)} FLOPs the loss is
            {step.loss:.3f}, {step.reducible_loss:.3f} nats above E, a doubling gains {step.gain_per_doubling:.4f}
            nats, and {further}.""")


# ----------------------------------------------------------------------------------------------------------------
# Data limits
# ----------------------------------------------------------------------------------------------------------------

EPOCHS_RANGE = (1.0, 200.0)


class DataLimitExplorer(LessonWidget):
    """A budget and a limited amount of unique text (Muennighoff et al. 2023's fit).

    Controls: ``unique_tokens`` and ``flops``. Left: what repeated data is worth, effective tokens D' (in units of
    the unique tokens) against epochs, with the best run's epochs marked. Right: at this budget, the loss of the
    run that makes each number of epochs (tokens = epochs × unique, params = C/(6·tokens)), beside the loss the same
    run would reach if all its tokens were new; the best number of epochs is marked (at the right edge, with its
    number, when it lies beyond the axis). Beyond about 16 epochs a caution says the law is extrapolated
    (:func:`scalingedu.returns.epochs_caution`).
    """

    def __init__(self, *, unique_tokens: float = 1e11, flops: float = 1e23):
        super().__init__(unique_tokens=unique_tokens, flops=flops)

    def build_controls(self):
        return {
            "unique_tokens": log_slider("unique tokens", 9, 13, 0.1, readout_format=".2e", style=_STYLE,
                                        layout=_layout()),
            "flops": log_slider("budget (FLOPs)", 20, 25, 0.1, readout_format=".2e", style=_STYLE, layout=_layout()),
        }

    def build_figure(self):
        figure, (value_ax, loss_ax) = new_figure(2, width=11.5, height=4.6)
        self.epochs = np.geomspace(*EPOCHS_RANGE, 160)
        value_ax.set(xscale="log", xlim=EPOCHS_RANGE, ylim=(0.8, 30), yscale="log",
                     xlabel="epochs over the unique data", ylabel="effective data D′ / unique tokens",
                     title="what repeated data is worth (Muennighoff et al.)")
        loss_ax.set(xscale="log", xlim=EPOCHS_RANGE, xlabel="epochs (tokens = epochs × unique; N = C/6D)",
                    ylabel="predicted loss (nats/token)", title="at this budget: how many epochs?")
        _quiet(value_ax, loss_ax)
        law = MUENNIGHOFF_2023
        value_ax.plot(self.epochs, self.epochs, ":", color=PALETTE[7], lw=1.2, label="if repeats were new data")
        value_ax.plot(self.epochs, law.effective_tokens(self.epochs, 1.0), color=PALETTE[0], lw=2,
                      label="effective data D′")
        value_ax.axhline(1 + law.rd_star, color=PALETTE[4], ls="-.", lw=1.2, label=f"ceiling 1 + R_D* = "
                         f"{1 + law.rd_star:.1f}")
        for epochs in (MUENNIGHOFF_2023_REPETITION["nearly_free_epochs"],
                       MUENNIGHOFF_2023_REPETITION["negligible_returns_epochs"]):
            value_ax.axvline(epochs, color="0.7", lw=0.8)
            value_ax.text(epochs, 0.85, f" {epochs:.0f} epochs", fontsize=8, color="0.35")
        self.value_here, = value_ax.plot([], [], "o", ms=9, color=PALETTE[3], zorder=5, label="best run")
        self.loss_curve, = loss_ax.plot([], [], color=PALETTE[0], lw=2, marker="s", ms=4, markevery=20,
                                        label="repeated data (Muennighoff)")
        self.fresh_curve, = loss_ax.plot([], [], "--", color=PALETTE[1], lw=1.5,
                                         label="same run, all tokens new")
        self.loss_here, = loss_ax.plot([], [], "o", ms=9, color=PALETTE[3], zorder=5, clip_on=False)
        # a best run beyond the epochs axis is marked at the edge, pointing out of the chart, and named
        self.value_edge, = value_ax.plot([], [], ">", ms=10, color=PALETTE[3], zorder=6, clip_on=False)
        self.loss_edge, = loss_ax.plot([], [], ">", ms=10, color=PALETTE[3], zorder=6, clip_on=False)
        self.edge_text = loss_ax.annotate("", (0.98, 2.0), xycoords=("axes fraction", "data"), xytext=(0, -10),
                                          textcoords="offset points", ha="right", va="top", fontsize=8.5,
                                          color=PALETTE[3],
                                          bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "none"})
        self.report = loss_ax.text(0.03, 0.96, "", transform=loss_ax.transAxes, fontsize=8.5, va="top",
                                   family="DejaVu Sans Mono",
                                   bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "0.8"})
        handles, labels = value_ax.get_legend_handles_labels()
        more, more_labels = loss_ax.get_legend_handles_labels()
        figure.legend(handles + more, labels + more_labels, loc="outside lower center", ncols=3, fontsize=8.5)
        self.animate(loss_ax.yaxis, self.value_here, self.loss_curve, self.fresh_curve, self.loss_here,
                     self.value_edge, self.loss_edge, self.edge_text, self.report)
        self._limits = None
        return figure, (value_ax, loss_ax)

    def draw(self, unique_tokens, flops):
        plan = data_constrained_optimal(flops, unique_tokens)
        tokens = unique_tokens * self.epochs
        params = flops / training_flops(1.0, tokens)      # the budget's model size for each number of epochs
        loss = np.asarray(data_constrained_loss(params, tokens, unique_tokens))
        fresh = np.asarray(MUENNIGHOFF_2023.unconstrained.loss(params, tokens))
        self.loss_curve.set_data(self.epochs, loss)
        self.fresh_curve.set_data(self.epochs, fresh)
        on_chart = bool(plan.epochs <= EPOCHS_RANGE[1])
        for here, edge in ((self.loss_here, self.loss_edge), (self.value_here, self.value_edge)):
            here.set_visible(on_chart)
            edge.set_visible(not on_chart)
        worth = MUENNIGHOFF_2023.effective_tokens(plan.epochs, 1.0)
        if on_chart:
            self.loss_here.set_data([plan.epochs], [plan.loss])
            self.value_here.set_data([plan.epochs], [worth])
            self.edge_text.set_text("")
        else:   # the best run lies beyond the epochs axis: a marker at its edge, at the best run's height
            self.loss_edge.set_data([EPOCHS_RANGE[1]], [plan.loss])
            self.value_edge.set_data([EPOCHS_RANGE[1]], [worth])
            self.edge_text.xy = (0.98, plan.loss)
            self.edge_text.set_text(f"best run: {sci(plan.epochs)} epochs →")
        caution = epochs_caution(plan.epochs)
        if caution:
            self.caution(caution)
        unconstrained = MUENNIGHOFF_2023.unconstrained.compute_optimal(flops)
        epochs = f"{plan.epochs:.3g}" if plan.epochs < 1e4 else sci(plan.epochs)
        self.report.set_text(
            f"best run: {epochs} epochs\n"
            f"  N = {human(plan.params)}, D = {human(plan.tokens)}\n"
            f"  loss {plan.loss:.3f}\n"
            f"with unlimited data: N = {human(unconstrained.params)},\n"
            f"  D = {human(unconstrained.tokens)}, loss {unconstrained.loss:.3f}")
        describe(self.figure, f"""{human(unique_tokens)} unique tokens and a budget of {sci(flops)} FLOPs
            (Muennighoff et al.'s fit). Left: effective data D′ (in units of the unique tokens) against the epochs over
            the unique data (both log scale): repeats are worth almost as much as new data for the first few epochs,
            then D′ levels off at 1 + R_D* = {1 + MUENNIGHOFF_2023.rd_star:.1f}. Right: the predicted loss
            (nats/token) against the epochs the run makes (log scale), with repeated data and as if every token were
            new. The best run makes {epochs} epochs: N = {human(plan.params)}, D = {human(plan.tokens)}, loss
            {plan.loss:.3f}; with unlimited data the loss would be {unconstrained.loss:.3f}.""")
        low = float(np.floor(min(loss.min(), fresh.min(), plan.loss) * 20) / 20) - 0.05
        limits = (low, low + 1.0)
        if limits != self._limits:
            self.axes[1].set_ylim(*limits)      # the loss axis is animated: no full redraw needed
            self._limits = limits


# ----------------------------------------------------------------------------------------------------------------
# Inference demand
# ----------------------------------------------------------------------------------------------------------------

INFERENCE_PARAMS_RANGE = (1e8, 3e12)
DEMAND_RANGE = (1e9, 1e16)


class InferenceDemandExplorer(LessonWidget):
    """Lifetime demand moves the cheapest model for a target quality (Sardana et al. 2023).

    Controls: ``inference_tokens`` (lifetime demand), ``quality_of`` (the target loss is that of the
    Chinchilla-optimal model of this size) and ``law``. Left: lifetime compute (training + inference) of every
    model reaching the target, relative to the Chinchilla-optimal model's; the cheapest is marked. Right: the
    cheapest model's size against demand, with the current demand marked. Beyond the tokens per parameter Sardana
    et al. tested, a caution says so (:func:`scalingedu.returns.tokens_per_param_caution`).
    """

    def __init__(self, *, inference_tokens: float = SARDANA_2023["figure1_inference_tokens"],
                 quality_of: float = SARDANA_2023["figure1_chinchilla_params"],
                 law: str = "Hoffmann 2022, Eq. 10 (unrounded)"):
        super().__init__(inference_tokens=inference_tokens, quality_of=quality_of, law=law)

    def build_controls(self):
        return {
            "inference_tokens": log_slider("lifetime inference tokens", *np.log10(DEMAND_RANGE), 0.1,
                                           readout_format=".2e", style=_STYLE, layout=_layout()),
            "quality_of": log_slider("quality of Chinchilla-optimal (params)", 9, np.log10(4e11), 0.05, style=_STYLE,
                                     layout=_layout()),
            "law": widgets.Dropdown(options=list(LAWS), description="law", style=_STYLE, layout=_layout()),
        }

    def build_figure(self):
        figure, (cost_ax, size_ax) = new_figure(2, width=11.5, height=4.6)
        cost_ax.set(xscale="log", yscale="log", xlim=INFERENCE_PARAMS_RANGE, ylim=(0.1, 10),
                    xlabel="model size N (parameters)",
                    ylabel="lifetime FLOPs / Chinchilla model's", title="every model that reaches the target loss")
        size_ax.set(xscale="log", yscale="log", xlim=DEMAND_RANGE, ylim=INFERENCE_PARAMS_RANGE,
                    xlabel="lifetime inference demand (tokens)", ylabel="cheapest model size N (parameters)",
                    title="more demand → smaller, longer-trained model")
        _quiet(cost_ax, size_ax)
        self.demand_grid = np.geomspace(*DEMAND_RANGE, 80)
        self.total, = cost_ax.plot([], [], color=PALETTE[0], lw=2, label="training + inference")
        self.training, = cost_ax.plot([], [], "--", color=PALETTE[1], lw=1.4, label="training only")
        self.chinchilla, = cost_ax.plot([], [], "s", ms=8, color=PALETTE[4], zorder=5,
                                        label="Chinchilla-optimal model")
        self.best, = cost_ax.plot([], [], "o", ms=9, color=PALETTE[3], zorder=6, label="cheapest for this demand")
        self.size_curve, = size_ax.plot([], [], color=PALETTE[0], lw=2)
        self.size_chinchilla, = size_ax.plot([], [], "--", color=PALETTE[4], lw=1.2)
        self.size_here, = size_ax.plot([], [], "o", ms=9, color=PALETTE[3], zorder=5)
        self.report = size_ax.text(0.03, 0.04, "", transform=size_ax.transAxes, fontsize=8.5, va="bottom",
                                   family="DejaVu Sans Mono",
                                   bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "0.8"})
        handles, labels = cost_ax.get_legend_handles_labels()
        figure.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=8.5)
        self.animate(self.training, self.total, self.chinchilla, self.best, self.size_curve, self.size_chinchilla,
                     self.size_here, self.report)
        return figure, (cost_ax, size_ax)

    def draw(self, inference_tokens, quality_of, law):
        chosen = _law(law)
        chin = chosen.compute_optimal(optimal_budget_for_params(chosen, quality_of))
        target = chin.loss
        plan = inference_optimal(chosen, target, inference_tokens)
        # every model above the smallest that can reach the target, with the tokens that reach it
        smallest = smallest_params_for_loss(chosen, target)
        params = np.geomspace(smallest * 1.02, INFERENCE_PARAMS_RANGE[1], 200)
        tokens = tokens_to_reach(chosen, params, target)
        reference = lifetime_flops(chin.params, chin.tokens, inference_tokens)
        self.total.set_data(params, np.asarray(lifetime_flops(params, tokens, inference_tokens)) / reference)
        self.training.set_data(params, np.asarray(training_flops(params, tokens)) / reference)
        self.chinchilla.set_data([chin.params], [1.0])
        self.best.set_data([plan.params], [plan.total_flops / reference])
        sizes = inference_optimal(chosen, np.full_like(self.demand_grid, target), self.demand_grid).params
        self.size_curve.set_data(self.demand_grid, sizes)
        self.size_chinchilla.set_data(DEMAND_RANGE, [chin.params, chin.params])
        self.size_here.set_data([inference_tokens], [plan.params])
        saved = 1.0 - plan.total_flops / reference
        caution = tokens_per_param_caution(plan.tokens_per_param)
        if caution:
            self.caution(caution)
        self.report.set_text(
            f"target loss {target:.3f} (Chinchilla {human(chin.params)}, {human(chin.tokens)} tokens)\n"
            f"cheapest: N = {human(plan.params)}, D = {human(plan.tokens)}\n"
            f"  {plan.tokens_per_param:,.0f} tokens/param, saves {saved:.0%} of lifetime FLOPs")
        describe(self.figure, f"""The target is the loss of the Chinchilla-optimal {human(chin.params)} model
            under {law}, {target:.3f} nats/token, at a lifetime demand of {sci(inference_tokens)} tokens. Left: the
            lifetime FLOPs (training plus inference, relative to the Chinchilla model's) of every model that reaches
            the target, against its size (both log scale): the cheapest has {human(plan.params)} parameters trained
            on {human(plan.tokens)} tokens ({plan.tokens_per_param:,.0f} per parameter) and saves {saved:.0%} of the
            lifetime FLOPs. Right: the cheapest size against the lifetime demand (both log scale), falling from
            {human(sizes[0])} at {sci(self.demand_grid[0])} tokens to {human(sizes[-1])} at
            {sci(self.demand_grid[-1])}: the more a model is served, the smaller and longer-trained the cheapest
            one.""")


# ----------------------------------------------------------------------------------------------------------------
# Emergence as a metric effect
# ----------------------------------------------------------------------------------------------------------------

EMERGENCE_PARAMS_RANGE = (1e7, 1e12)
MAX_ANSWER_TOKENS = 30


class EmergenceByMetric(LessonWidget):
    """One smooth per-token loss, two metrics (Schaeffer et al. 2023).

    Control: ``answer_tokens`` (length of the answer that must be exactly right). Top: a SYNTHETIC per-token loss
    that falls as a power law of model size, seen as exact match (sharp, linear axis) and as token edit distance
    (smooth). Bottom: the scaling lab's own runs (MEASURED per-character loss), turned into the exact match of an
    identifier of that many characters, assuming each character is as predictable as the average one.
    """

    def __init__(self, *, answer_tokens: int = 10):
        super().__init__(answer_tokens=answer_tokens)

    def build_controls(self):
        return {"answer_tokens": widgets.IntSlider(min=1, max=MAX_ANSWER_TOKENS, description="answer length (tokens)",
                                                   style=_STYLE, layout=_layout())}

    def build_figure(self):
        figure, axes = new_figure(2, 2, width=11.5, height=6.6)
        (loss_ax, match_ax), (edit_ax, lab_ax) = axes
        self.params = np.geomspace(*EMERGENCE_PARAMS_RANGE, 200)
        self.token_loss = np.asarray(power_law_token_loss(self.params))
        loss_ax.plot(self.params, self.token_loss, color=PALETTE[0], lw=2)
        loss_ax.set(xscale="log", yscale="log", xlim=EMERGENCE_PARAMS_RANGE, xlabel="model size (parameters)",
                    ylabel="per-token loss (nats)", title="synthetic: smooth per-token loss")
        match_ax.set(xscale="log", xlim=EMERGENCE_PARAMS_RANGE, ylim=(-0.02, 1.02), xlabel="model size (parameters)",
                     ylabel="exact match (fraction)", title="exact match: looks 'emergent'")
        edit_ax.set(xscale="log", xlim=EMERGENCE_PARAMS_RANGE, ylim=(0, MAX_ANSWER_TOKENS),
                    xlabel="model size (parameters)", ylabel="expected wrong tokens",
                    title="token edit distance: smooth")
        lab = lab_emergence(1)
        lab_ax.set(xscale="log", yscale="log", xlim=(lab.flops.min() / 2, lab.flops.max() * 2), ylim=(1e-30, 1.0),
                   xlabel="lab run's compute (FLOPs)", ylabel="probability",
                   title="the lab's models (measured loss per character)")
        _quiet(loss_ax, match_ax, edit_ax, lab_ax)
        lab_ax.plot(lab.flops, np.exp(-lab.loss), "o-", color=PALETTE[0], label="one character right")
        self.match, = match_ax.plot([], [], color=PALETTE[3], lw=2)
        self.edit, = edit_ax.plot([], [], color=PALETTE[2], lw=2)
        self.lab_match, = lab_ax.plot([], [], "s-", color=PALETTE[3], label="whole identifier exactly right")
        self.lab_text = lab_ax.text(0.03, 0.5, "", transform=lab_ax.transAxes, fontsize=8.5, va="center",
                                    bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "0.8"})
        lab_ax.legend(loc="lower right", fontsize=8)
        self.title = figure.suptitle("", fontsize=11)
        self.animate(lab_ax.yaxis, self.match, self.edit, self.lab_match, self.lab_text, self.title)
        self._lab_limits = None
        return figure, axes

    def draw(self, answer_tokens):
        length = v.positive_int("answer_tokens", answer_tokens, minimum=1, maximum=MAX_ANSWER_TOKENS)
        match = np.asarray(exact_match(self.token_loss, length))
        wrong = np.asarray(token_edit_distance(self.token_loss, length))
        self.match.set_data(self.params, match)
        self.edit.set_data(self.params, wrong)
        lab = lab_emergence(length)
        self.lab_match.set_data(lab.flops, lab.exact_match)
        gain = lab.exact_match[-1] / lab.exact_match[0]
        # two decades below the lowest point: the legend sits under the data, the text box between the two lines
        limits = (10.0 ** np.floor(np.log10(lab.exact_match.min()) - 2), 2.0)
        if limits != self._lab_limits:
            self.axes[1][1].set_ylim(*limits)
            self._lab_limits = limits
            self.invalidate()    # the static "one character right" line must be redrawn on the new axis
        factor = f"{gain:.3g}" if gain < 1e4 else sci(gain)
        self.lab_text.set_text(f"loss per character falls {1 - lab.loss[-1] / lab.loss[0]:.0%};\n"
                               f"{length}-character exact match rises {factor}×")
        self.title.set_text(f"the same models, answers of {length} token{'s' if length > 1 else ''}: "
                            f"one metric jumps, the other glides")
        rise = "".join(f"{', and' if level > 0.1 else ', reaching'} {level:.0%} at "
                       f"{human(self.params[np.argmax(match >= level)])} parameters"
                       for level in (0.1, 0.9) if match[0] < level <= match.max())
        describe(self.figure, f"""One smooth per-token loss seen through two metrics, for answers of {length}
            token{'s' if length > 1 else ''}. Top left: a synthetic per-token loss (nats) falling as a power law of
            model size ({human(self.params[0])} to {human(self.params[-1])} parameters, both log scale). Top right:
            exact match (fraction, model size on a log scale) rises from {match[0]:.2f} to {match[-1]:.2f}{rise}.
            Bottom left: the expected wrong tokens (token edit distance) fall smoothly from
            {wrong[0]:.1f} to {wrong[-1]:.2f}. Bottom right: the lab's models against their compute (FLOPs, log
            scale), the chance of one character right and of a whole {length}-character identifier exactly right
            (probability, log scale): their loss per character falls {1 - lab.loss[-1] / lab.loss[0]:.0%} while
            exact match rises {factor} times. The loss improves smoothly; the all-or-nothing metric is what makes
            the change look sudden.""")


WIDGETS = (FrontierExplorer, DataLimitExplorer, InferenceDemandExplorer, EmergenceByMetric)
