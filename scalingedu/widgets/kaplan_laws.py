"""Widgets of lesson 03 (Kaplan et al. 2020, "Scaling Laws for Neural Language Models").

Two widgets over :data:`scalingedu.laws.KAPLAN_2020`:

- :class:`KaplanLawExplorer` draws the joint law L(N, D) of Eq. 1.5 (Table 2's fit) two ways: loss against training
  tokens for a family of model sizes, and loss against model size for a family of data sizes. Each panel has the
  limit where the other resource is unlimited and the overfitting bound D = 5e3 · N^0.74 of Eq. 4.4. Sliders set N
  and D (or a preset puts a real dense model there); :func:`scalingedu.laws.law_point` gives the numbers of the
  readout, which sits in its own panel with the key, and :func:`scalingedu.laws.measured_range_cautions` the
  cautions when N or D lie outside what Kaplan et al. measured.
- :class:`AllocationComparer` splits a compute budget the way Kaplan's Table 6 does (N_opt = 1.3e9 · C^0.73) and the
  way the Chinchilla laws do (Hoffmann et al. 2022's Eq. 10 and the Epoch AI replication of 2024), and shows model
  size and tokens per parameter for each, with real models for reference and the region beyond Kaplan's own
  breakdown point (Eq. 6.8); :func:`scalingedu.laws.allocations` and
  :func:`scalingedu.laws.model_budget` give its numbers, :func:`scalingedu.laws.budget_cautions` its cautions
  for budgets beyond the compute each rule was fitted or tested on.

Losses are in nats per token on Kaplan's WebText2 test set (GPT-2 tokenizer); N counts non-embedding parameters.
Real models appear at their published (total) parameter counts, a small difference for models of their size.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullFormatter, NullLocator

from ..data import (
    CHINCHILLA_TOKENS_PER_PARAM,
    GOPHER_BUDGET_FLOPS,
    KAPLAN_2020_MODEL_RANGE,
    KAPLAN_2020_SETUP,
    MODELS,
    PF_DAY_FLOPS,
    model,
)
from ..formatting import human, sci
from ..formatting import pf_days as pf_days_text
from ..laws import (
    ALLOCATION_LAWS,
    KAPLAN_2020,
    allocations,
    budget_cautions,
    kaplan_largest_run_flops,
    law_point,
    measured_range_cautions,
    model_budget,
    preset_values,
)
from ..plotting import PALETTE, describe, new_figure
from .base import LessonWidget, log_slider

CUSTOM = "(set with the sliders)"
"""The preset entry meaning "no preset": the sliders decide."""


def _preset_names() -> tuple[str, ...]:
    dense = [r.name for r in MODELS if r.tokens is not None and r.active_params is None]
    others = [r.name for r in MODELS if r.name not in dense]
    return (CUSTOM, *dense, *others)


EXPLORER_PRESETS = _preset_names()
"""The explorer's presets: dense models with published training tokens first, then those it cannot place."""

LAW_COLOURS = {"Kaplan 2020 (Table 6)": PALETTE[0], "Hoffmann 2022 (Eq. 10)": PALETTE[1],
               "Epoch 2024 (refit)": PALETTE[2]}
"""The colour of each rule of :data:`scalingedu.laws.ALLOCATION_LAWS`."""
LAW_STYLES = (("-", "o", "solid, circles"), ("-.", "s", "dash-dotted, squares"), (":", "^", "dotted, triangles"))
"""Line style, marker and their names for each rule of :data:`scalingedu.laws.ALLOCATION_LAWS`, in its order:
the rules differ in more than colour (dashed is the rule of thumb's)."""

BUDGET_PRESETS = (CUSTOM, *(record.name for record in MODELS))
"""The comparer's presets: every model of :data:`scalingedu.data.MODELS` (one has no known budget)."""


# ----------------------------------------------------------------------------------------------------------------
# The widgets
# ----------------------------------------------------------------------------------------------------------------

_STYLE = {"description_width": "150px"}


def _layout(width: str = "460px") -> widgets.Layout:
    return widgets.Layout(width=width)


def _log_log_panels(left: dict, right: dict):
    """The figure of both widgets: two log-log panels side by side, set up with ``ax.set`` keywords each."""
    figure, axes = new_figure(2, width=11.0, height=5.0)
    for ax, settings in zip(axes, (left, right)):
        ax.set(xscale="log", yscale="log", **settings)
    return figure, axes


def _plain_log_ticks(ax, ticks) -> None:
    """Loss axes span less than a decade: label a few round values instead of a lone 10^0."""
    ax.set_yticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_formatter(NullFormatter())


def _overfitting_bound(law) -> str:
    """Eq. 4.4's bound as mathtext, from the law's constants: "$D = 5{\\cdot}10^3 N^{0.74}$"."""
    mantissa, exponent = f"{law.overfitting_coefficient:.0e}".split("e")
    return rf"$D = {mantissa}{{\cdot}}10^{{{int(exponent)}}} N^{{{law.overfitting_exponent:g}}}$"


class _PresetMixin:
    """A preset dropdown that moves the sliders: one render per change, and moving a slider clears the preset.

    ``draw`` applies the preset (so that ``update(preset=...)`` works too) by setting the sliders while the
    callbacks are held; a user moving a slider resets the preset to :data:`CUSTOM` in the same way.
    """

    PRESET = "preset"

    def _on_change(self, change) -> None:
        if self._is_paused:
            return
        preset = self.controls[self.PRESET]
        if change["owner"] is not preset and preset.value != CUSTOM:
            with self._paused():
                preset.value = CUSTOM
        self.refresh()

    def update(self, **values) -> None:
        if self.PRESET not in values and set(values) - {self.PRESET}:
            values = {self.PRESET: CUSTOM, **values}
        super().update(**values)

    def _set_silently(self, **values) -> None:
        with self._paused():
            for name, value in values.items():
                self.controls[name].value = value


class KaplanLawExplorer(_PresetMixin, LessonWidget):
    """Kaplan's L(N, D) (Eq. 1.5, Table 2): loss against data for several model sizes, and against model size for
    several data sizes, with your (N, D) marked and read out.

    Controls: ``params`` (non-embedding parameters N), ``tokens`` (training tokens D) and ``preset`` (a real dense
    model's published size and tokens; Mixture-of-Experts models and models without published tokens are refused
    with a message). Grey curves are fixed reference sizes, labelled where they end; the blue curves go through
    your point. Dashed black: the limit where the other resource is unlimited (Table 2's fit); dash-dotted
    vermillion: Eq. 4.4's bound, beyond which the curves are flat (no overfitting), dotted for your N and D. The
    readout and the key sit in their own panel under the plots, so they never cover a curve. A point outside the
    model sizes or data Kaplan et al. measured is drawn, with a caution under the plot. The axes are fixed, so an
    update only repaints the moving parts. Initial values can be passed as keywords:
    ``KaplanLawExplorer(params=1e8, tokens=1e9)``.
    """

    PARAMS_RANGE = (1e5, 1e13)
    TOKENS_RANGE = (1e7, 1e14)
    LOSS_RANGE = (1.1, 7.0)
    LOSS_TICKS = (1.5, 2, 2.5, 3, 4, 5, 6)
    FAMILY_PARAMS = (1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12)
    FAMILY_TOKENS = (1e8, 1e9, 1e10, 1e11, 1e12)

    def __init__(self, *, params: float | None = None, tokens: float | None = None, preset: str = CUSTOM):
        super().__init__(params=KAPLAN_2020_MODEL_RANGE["largest_params"] if params is None else params,
                         tokens=KAPLAN_2020_SETUP["dataset_tokens"] if tokens is None else tokens, preset=preset)

    def build_controls(self):
        return {
            "params": log_slider("parameters N", 6, 13, 0.05, style=_STYLE, layout=_layout()),
            "tokens": log_slider("training tokens D", 7, 14, 0.05, style=_STYLE, layout=_layout()),
            "preset": widgets.Dropdown(options=EXPLORER_PRESETS, description="or a real model", style=_STYLE,
                                       layout=_layout()),
        }

    def build_figure(self):
        law = KAPLAN_2020
        loss_label = "test loss L (nats/token, log scale)"
        figure, ((data_ax, size_ax), (text_ax, key_ax)) = new_figure(2, 2, width=11.0, height=6.3)
        data_ax.get_gridspec().set_height_ratios([4.3, 1.0])
        data_ax.set(xscale="log", yscale="log", xlim=self.TOKENS_RANGE, ylim=self.LOSS_RANGE,
                    xlabel="training tokens D", ylabel=loss_label, title="loss against data, for several model sizes")
        size_ax.set(xscale="log", yscale="log", xlim=self.PARAMS_RANGE, ylim=self.LOSS_RANGE,
                    xlabel="non-embedding parameters N", ylabel=loss_label,
                    title="loss against model size, for several data sizes")
        self.tokens_grid = np.geomspace(*self.TOKENS_RANGE, 160)
        self.params_grid = np.geomspace(*self.PARAMS_RANGE, 160)
        for ax in (data_ax, size_ax):
            _plain_log_ticks(ax, self.LOSS_TICKS)
        setup = KAPLAN_2020_SETUP
        data_ax.axvspan(setup["smallest_data_tokens"], setup["largest_data_tokens"], color=PALETTE[5], alpha=0.13,
                        lw=0)
        measured = size_ax.axvspan(self.PARAMS_RANGE[0], KAPLAN_2020_MODEL_RANGE["largest_params"], color=PALETTE[5],
                                   alpha=0.13, lw=0)
        grey = {"color": "0.7", "lw": 1.1}
        tokens, params = self.tokens_grid, self.params_grid
        label_tokens, label_params = self.TOKENS_RANGE[1] / 2.2, self.PARAMS_RANGE[1] / 2.2
        for n in self.FAMILY_PARAMS:
            data_ax.plot(tokens, law.loss(n, tokens), **grey)
            data_ax.text(label_tokens, law.loss(n, label_tokens) * 1.015, f"N = {human(n)}", fontsize=7.5,
                         color="0.45", ha="right", va="bottom")
        for d in self.FAMILY_TOKENS:
            size_ax.plot(params, law.loss(params, d), **grey)
            size_ax.text(label_params, law.loss(label_params, d) * 1.015, f"D = {human(d)}", fontsize=7.5,
                         color="0.45", ha="right", va="bottom")
        limit, = data_ax.plot(tokens, law.loss_at_infinite_params(tokens), color=PALETTE[7], ls="--", lw=1.4)
        size_ax.plot(params, law.loss_at_infinite_data(params), color=PALETTE[7], ls="--", lw=1.4)
        # Eq. 4.4's bound as a locus through each model size's curve: to its right the curve is flat (enough data).
        # (On the right panel the same locus would lie almost on the dashed limit, so only the current D's bound is
        # drawn there, as a vertical line: the largest model those tokens support.)
        bound_tokens = law.overfitting_bound_tokens(params)
        bound, = data_ax.plot(bound_tokens, law.loss(params, bound_tokens), color=PALETTE[3], ls="-.", lw=1.5)
        # The moving parts: the curves through the current point, the point, the bound for it, the readout.
        self.data_curve = self.animate(data_ax.plot([], [], color=PALETTE[0], lw=2.6)[0])
        self.size_curve = self.animate(size_ax.plot([], [], color=PALETTE[0], lw=2.6)[0])
        self.data_bound = self.animate(data_ax.axvline(1.0, color=PALETTE[3], ls=":", lw=1.3))
        self.size_bound = self.animate(size_ax.axvline(1.0, color=PALETTE[3], ls=":", lw=1.3))
        star = {"s": 190, "marker": "*", "color": PALETTE[3], "edgecolor": "black", "zorder": 5, "clip_on": False}
        self.data_point = self.animate(data_ax.scatter([1.0], [2.0], **star))
        self.size_point = self.animate(size_ax.scatter([1.0], [2.0], **star))
        for ax in (text_ax, key_ax):
            ax.set_axis_off()
        self.report = self.animate(text_ax.text(0.0, 1.0, "", transform=text_ax.transAxes, va="top", ha="left",
                                                fontsize=8.4, family="DejaVu Sans Mono", parse_math=False))
        figure.suptitle("Kaplan et al. 2020, Eq. 1.5: the loss L(N, D) of N parameters trained on D tokens "
                        "(Table 2's fit)", fontsize=11)
        yours = (Line2D([], [], color=PALETTE[0], lw=2.6),
                 Line2D([], [], ls="", marker="*", markersize=13, color=PALETTE[3], markeredgecolor="black"))
        key_ax.legend([yours, limit, bound, measured],
                      ["your (N, D), and the curves through it",
                       "the other resource unlimited: L(∞, D) left, L(N, ∞) right",
                       f"Eq. 4.4's bound {_overfitting_bound(law)} (dotted: for your N and D)",
                       "the range Kaplan et al. measured (shaded)"],
                      loc="upper left", fontsize=8.5, handler_map={tuple: HandlerTuple(ndivide=None)})
        return figure, (data_ax, size_ax)

    def draw(self, params, tokens, preset):
        if preset != CUSTOM:
            params, tokens = preset_values(preset)
            self._set_silently(params=params, tokens=tokens)
        law = KAPLAN_2020
        point = law_point(params, tokens)
        self.data_curve.set_data(self.tokens_grid, law.loss(params, self.tokens_grid))
        self.size_curve.set_data(self.params_grid, law.loss(self.params_grid, tokens))
        self.data_bound.set_xdata([point.bound_tokens] * 2)
        self.size_bound.set_xdata([point.max_params] * 2)
        self.data_point.set_offsets([[tokens, point.loss]])
        self.size_point.set_offsets([[params, point.loss]])
        who = "" if preset == CUSTOM else f"{preset}: "
        self.report.set_text(
            f"{who}N = {human(params)} parameters, D = {human(tokens)} tokens "
            f"({point.tokens_per_param:.3g} tokens per parameter)\n"
            f"L(N, D) = {point.loss:.3f} nats/token (Eq. 1.5)\n"
            f"  with unlimited data,  L(N, ∞) = {point.converged_loss:.3f}\n"
            f"  with an unlimited model, L(∞, D) = {point.data_limited_loss:.3f}\n"
            f"overfitting penalty {100 * point.penalty:.1f}% (Eq. 4.3)\n"
            + _verdict(point))
        for text in measured_range_cautions(params=params, tokens=tokens):
            self.caution(text)
        describe(self.figure, (
            f"Kaplan et al.'s L(N, D) (Eq. 1.5): test loss (nats/token, log scale) against training tokens D (left, "
            f"log scale) for model sizes {human(self.FAMILY_PARAMS[0])} to {human(self.FAMILY_PARAMS[-1])}, and "
            f"against non-embedding parameters N (right, log scale) for data sizes {human(self.FAMILY_TOKENS[0])} to "
            f"{human(self.FAMILY_TOKENS[-1])} tokens, with the limits of unlimited data or model (dashed), Eq. 4.4's "
            f"overfitting bound and the range Kaplan et al. measured (shaded). Your point, {who}N = {human(params)} "
            f"and D = {human(tokens)} ({point.tokens_per_param:.3g} tokens per parameter), has a loss of "
            f"{point.loss:.3f} nats/token, against {point.converged_loss:.3f} with unlimited data and "
            f"{point.data_limited_loss:.3f} with an unlimited model; the overfitting penalty is "
            f"{100 * point.penalty:.1f}%, {'data-limited' if point.data_limited else 'enough data'} by Eq. 4.4, "
            f"which asks for {human(point.bound_tokens)} tokens at this N. Each curve falls and then flattens onto its "
            f"limit: past the bound, more of the other resource barely helps."))


def _times(factor: float) -> str:
    """A factor as a learner reads it: "3.2×", "14×", "2,080,000×"."""
    return f"{factor:.2g}×" if factor < 10 else f"{factor:,.0f}×"


def _verdict(point) -> str:
    """One line on this (N, D): enough data by Eq. 4.4, or data-limited and by how much."""
    bound = human(point.bound_tokens, "tokens")
    if point.data_limited:
        return (f"Verdict: data-limited. Eq. 4.4 asks for {bound} at this N;\n"
                f"  {human(point.tokens)} is {_times(point.bound_tokens / point.tokens)} too few, so the model "
                f"overfits.")
    return (f"Verdict: enough data. {human(point.tokens)} tokens is at least the {bound}\n"
            f"  Eq. 4.4 asks for at this N: more data would barely lower the loss.")


class AllocationComparer(_PresetMixin, LessonWidget):
    """A training budget split by Kaplan's Table 6 and by the Chinchilla laws: model size and tokens per parameter.

    Controls: ``flops`` (the budget, FLOPs) and ``preset`` (a real model's budget: its published training compute,
    or 6 · N · D; Mixtral's is unknown and refused with a message). Left: the compute-optimal model size of each rule
    against the budget, with real models at their size and budget. Right: tokens per parameter, with Chinchilla's
    rule of thumb of about 20. The hatched region lies beyond Kaplan's own breakdown point (Eq. 6.8), the shaded one
    is the compute of Kaplan et al.'s runs; a budget beyond the compute a rule was fitted or tested on gets a caution
    under the plot (at the default budget, Gopher's, Kaplan's rule does). Initial values can be passed as keywords:
    ``AllocationComparer(flops=1e21)``.
    """

    DEBOUNCED = True
    FLOPS_RANGE = (1e17, 1e26)
    PARAMS_RANGE = (1e6, 1e15)
    RATIO_RANGE = (1e-2, 1e4)

    def __init__(self, *, flops: float = GOPHER_BUDGET_FLOPS, preset: str = CUSTOM):
        super().__init__(flops=flops, preset=preset)

    def build_controls(self):
        return {
            "flops": log_slider("training budget (FLOPs)", 17, 26, 0.05, style=_STYLE, layout=_layout()),
            "preset": widgets.Dropdown(options=BUDGET_PRESETS, description="or a real model's budget", style=_STYLE,
                                       layout=_layout()),
        }

    def build_figure(self):
        budget_label = "training budget C (FLOPs)"
        figure, (size_ax, ratio_ax) = _log_log_panels(
            dict(xlim=self.FLOPS_RANGE, ylim=self.PARAMS_RANGE, xlabel=budget_label, ylabel="parameters N",
                 title="compute-optimal model size"),
            dict(xlim=self.FLOPS_RANGE, ylim=self.RATIO_RANGE, xlabel=budget_label,
                 ylabel="training tokens per parameter D/N", title="tokens per parameter"))
        flops = np.geomspace(*self.FLOPS_RANGE, 120)
        self.laws_at = allocations(flops)
        ratio_ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        for ax in (size_ax, ratio_ax):
            top = ax.secondary_xaxis("top", functions=(lambda f: f / PF_DAY_FLOPS, lambda p: p * PF_DAY_FLOPS))
            top.set_xlabel("budget (PF-days)", fontsize=9)
            top.xaxis.set_minor_locator(NullLocator())   # minor ticks of a function axis triple the first draw
        breakdown = KAPLAN_2020.breakdown_point().flops
        largest_run = kaplan_largest_run_flops()
        handles = {}
        for ax in (size_ax, ratio_ax):
            handles["runs"] = ax.axvspan(self.FLOPS_RANGE[0], largest_run, color=PALETTE[5], alpha=0.15, lw=0)
            handles["beyond"] = ax.axvspan(breakdown, self.FLOPS_RANGE[1], facecolor="none", edgecolor="0.7",
                                           hatch="//", lw=0)
        for (name, allocation), (dash, marker, _) in zip(self.laws_at.items(), LAW_STYLES):
            style = {"ls": dash, "marker": marker, "ms": 5, "markevery": 12, "color": LAW_COLOURS[name], "lw": 2}
            handles[name], = size_ax.plot(flops, allocation.params, **style)
            ratio_ax.plot(flops, allocation.tokens_per_param, **style)
        handles["models"] = Line2D([], [], ls="", marker="o", markersize=5, color="0.25")
        rule = CHINCHILLA_TOKENS_PER_PARAM["tokens_per_param"]
        handles["rule"] = ratio_ax.axhline(rule, color="0.35", ls="--", lw=1.2)
        for record in MODELS:
            if record.tokens is None:
                continue
            budget, size = model_budget(record.name), record.active_params or record.params
            marker = "D" if record.active_params else "o"
            size_ax.scatter(budget, size, s=22, color="0.25", marker=marker, zorder=3)
            ratio_ax.scatter(budget, record.tokens_per_param, s=22, color="0.25", marker=marker, zorder=3)
        for name, offset in (("GPT-3 175B", (-58, -3)), ("Chinchilla", (6, -10)), ("Llama 3 8B", (6, -3))):
            record = model(name)
            ratio_ax.annotate(name, (model_budget(name), record.tokens_per_param), xytext=offset,
                              textcoords="offset points", fontsize=7.5, color="0.25")
        for name, offset in (("GPT-3 175B", (-60, 6)), ("Chinchilla", (8, -16))):
            size_ax.annotate(name, (model_budget(name), model(name).params), xytext=offset,
                             textcoords="offset points", fontsize=7.5, color="0.25")
        colours = [LAW_COLOURS[name] for name in ALLOCATION_LAWS]
        self.size_marks = self.animate(size_ax.scatter([1, 1, 1], [1, 1, 1], s=70, color=colours,
                                                       edgecolor="black", zorder=5))
        self.ratio_marks = self.animate(ratio_ax.scatter([1, 1, 1], [1, 1, 1], s=70, color=colours,
                                                         edgecolor="black", zorder=5))
        self.size_line = self.animate(size_ax.axvline(1.0, color=PALETTE[4], lw=1.6))
        self.ratio_line = self.animate(ratio_ax.axvline(1.0, color=PALETTE[4], lw=1.6))
        self.report = self.animate(size_ax.text(
            0.02, 0.97, "", transform=size_ax.transAxes, fontsize=7.8, family="DejaVu Sans Mono", va="top",
            bbox={"facecolor": "white", "alpha": 0.92, "edgecolor": "0.75"}, zorder=6))
        styled = ", ".join(f"{name} ({words})" for name, (_, _, words) in zip(self.laws_at, LAW_STYLES))
        ends = "; ".join(f"{name} from {allocation.tokens_per_param[0]:.3g} to {allocation.tokens_per_param[-1]:.3g}"
                         for name, allocation in self.laws_at.items())
        self._static_text = (
            f"Left: the compute-optimal model size N (parameters, log scale) against the training budget C (FLOPs, "
            f"log scale, {sci(self.FLOPS_RANGE[0], 1)} to {sci(self.FLOPS_RANGE[1], 1)}) for {len(self.laws_at)} "
            f"rules, {styled}, with real models at their size and budget. Right: training tokens "
            f"per parameter D/N (log scale) against the budget, with Chinchilla's rule of thumb of {rule:g}. Over the "
            f"budgets shown, tokens per parameter go: {ends}. Kaplan's rule spends a growing budget mostly on model "
            f"size, the Chinchilla laws on both; the hatched region lies beyond Kaplan's own breakdown point, "
            f"{sci(breakdown, 2)} FLOPs.")
        keys = [handles[name] for name in ALLOCATION_LAWS]
        figure.legend(keys + [handles["rule"], handles["models"], self.size_line, handles["runs"],
                              handles["beyond"]],
                      [*ALLOCATION_LAWS, f"{rule:g} tokens/param (Chinchilla rule of thumb)",
                       "real models (MoE: active N)", "your budget",
                       "compute of Kaplan et al.'s runs",
                       "beyond Kaplan's breakdown point (Eq. 6.8)"],
                      loc="outside lower center", ncols=4, fontsize=8.5)
        return figure, (size_ax, ratio_ax)

    def draw(self, flops, preset):
        if preset != CUSTOM:
            flops = model_budget(preset)
            self._set_silently(flops=flops)
        split = allocations(flops)
        names = list(ALLOCATION_LAWS)
        self.size_marks.set_offsets([[flops, split[name].params] for name in names])
        self.ratio_marks.set_offsets([[flops, split[name].tokens_per_param] for name in names])
        self.size_line.set_xdata([flops, flops])
        self.ratio_line.set_xdata([flops, flops])
        kaplan, epoch = split[names[0]], split[names[2]]
        who = "" if preset == CUSTOM else f" ({preset})"
        lines = [f"budget {flops:.3g} FLOPs = {flops / PF_DAY_FLOPS:.3g} PF-days{who}",
                 f"{'':<22}{'params':>8}{'tokens':>8}{'D/N':>8}"]
        for name in names:
            allocation = split[name]
            lines.append(f"{name:<22}{human(allocation.params):>8}{human(allocation.tokens):>8}"
                         f"{allocation.tokens_per_param:>8.3g}")
        lines.append(f"Kaplan's model is {kaplan.params / epoch.params:.3g}x Epoch's, "
                     f"on {kaplan.tokens / epoch.tokens:.2g}x the tokens")
        self.report.set_text("\n".join(lines))
        for text in budget_cautions(flops):
            self.caution(text)
        each = "; ".join(f"{name} {human(split[name].params)} parameters on {human(split[name].tokens)} tokens "
                         f"({split[name].tokens_per_param:.3g} per parameter)" for name in names)
        describe(self.figure, (
            f"{self._static_text} At your budget, {sci(flops)} FLOPs ({pf_days_text(flops / PF_DAY_FLOPS)}{who}): "
            f"{each}. Kaplan's model is {kaplan.params / epoch.params:.3g} times Epoch's, on "
            f"{kaplan.tokens / epoch.tokens:.2g} times the tokens."))


WIDGETS = (KaplanLawExplorer, AllocationComparer)
