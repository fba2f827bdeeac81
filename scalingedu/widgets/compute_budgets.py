"""Widgets of lesson 02 (compute budgets): a calculator for the compute, time, cost and energy of a training run.

:class:`TrainingRunCalculator` is a thin shell over :func:`scalingedu.compute.run_budget`: pick a real model (or
"custom" and set its size and tokens), an accelerator, how many, the MFU and a price per accelerator-hour; the
figure compares the run with published ones on log axes and lists its FLOPs, PF-days, days, accelerator-hours,
cost and energy.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import NullLocator

from ..compute import implied_mfu, published_run_utilisation, run_budget, training_days, training_flops
from ..data import ACCELERATORS, MODELS, PALM_540B_UTILISATION, PF_DAY_FLOPS
from ..data import model as model_record
from ..formatting import duration, energy, human, money, sci
from ..formatting import pf_days as pf_days_text
from ..plotting import PALETTE, describe, new_figure
from .base import LessonWidget, log_slider

CUSTOM = "custom"
PARAMS_RANGE = (1e8, 1e12)
TOKENS_RANGE = (1e9, 1e14)
COUNTS = tuple(2 ** k for k in range(17))            # 1 to 65,536 accelerators
COMPUTE_REFERENCES = ("GPT-3 175B", "Gopher", "Chinchilla", "LLaMA 65B", "Llama 2 7B", "Llama 2 70B",
                      "Llama 3 8B", "Llama 3 70B", "DeepSeek-V3")
"""Published runs on the compute panel (6ND with active parameters, so every bar is counted the same way)."""
CHIP_COLOURS = {"A100": PALETTE[0], "H100": PALETTE[1], "H800": PALETTE[2], "H200": PALETTE[4],
                "TPU v4": PALETTE[5], "TPU v5p": PALETTE[6]}
YOURS = PALETTE[3]
TIME_LIMITS_DAYS = (1e-3, 1e6)
"""Fixed limits of the time panel (about 1.4 minutes to 2,700 years): the line moves, the axis stays."""
HOURS_BAR_BASE = 1e-3
"""Where the accelerator-hours bars start (hours): below any run the calculator can make (the smallest, 100M
parameters on 1B tokens at 80% MFU on 65,536 H100s, takes 0.2 hours), so no bar is drawn backwards."""
HIGHEST_PUBLISHED_MFU = max(PALM_540B_UTILISATION["mfu"], *(row.mfu_6nd for row in published_run_utilisation()),
                            *(row.mfu_with_attention or 0.0 for row in published_run_utilisation()))
"""The highest utilisation of a large run in the course's data: PaLM 540B's reported 46.2% (Chowdhery et al. 2022,
Table 3); the published accelerator-hours of Llama 2, Llama 3 and DeepSeek-V3 imply less. A higher MFU gets a
caution."""
TIME_MARKS = ((1 / 24, "1 hour"), (1.0, "1 day"), (7.0, "1 week"), (30.0, "1 month"), (365.0, "1 year"),
              (3650.0, "10 years"), (36500.0, "100 years"))


def _decades(low: float, high: float, current: tuple[float, float] | None = None,
             slack: float = 2.0) -> tuple[float, float]:
    """Log-axis limits for data from ``low`` to ``high``: whole decades, a fifth of a decade of margin.

    The ``current`` limits are kept while they still hold the data with that margin and waste at most ``slack``
    more decades on either side, so that most slider moves repaint only the moving artists (a change of limits
    costs a full redraw, several times slower).
    """
    lo, hi = np.log10(low) - 0.2, np.log10(high) + 0.2
    if current is not None:
        c_lo, c_hi = np.log10(current[0]), np.log10(current[1])
        if c_lo <= lo and hi <= c_hi and lo - c_lo <= slack + 1 and c_hi - hi <= slack + 1:
            return current
    return float(10.0 ** np.floor(lo)), float(10.0 ** np.ceil(hi))


def _beside_published_runs(ax, names: list[str], values, colours, *, xlabel: str, title: str, base: float = 1.0):
    """Log-scale bars of published runs (``names``, ``values``, ``colours``) below a bar for your run, which is
    returned (its width is set on each draw). Bars start at ``base``, below every value they show, so that each one
    runs from the left edge of the axis to its value."""
    y = np.arange(len(names) + 1)
    ax.barh(y[1:], np.asarray(values) - base, left=base, color=colours, height=0.65)
    yours = ax.barh([0], [base], left=base, color=YOURS, height=0.65)[0]
    ax.set_yticks(y, ["your run", *names])
    ax.invert_yaxis()
    ax.set(xscale="log", xlabel=xlabel, title=title)
    ax.grid(axis="y", visible=False)
    return yours


def _more_than(below: int, total: int) -> str:
    """How a run ranks among ``total`` published ones, ``below`` of which it exceeds."""
    if below == 0:
        return "less than any of them"
    return "more than all of them" if below == total else f"more than {below} of them"


def _model_options() -> list[str]:
    return [record.name for record in MODELS if record.tokens is not None] + [CUSTOM]


class TrainingRunCalculator(LessonWidget):
    """The compute, time, cost and energy of a training run, beside published runs.

    Controls: ``model`` (a real model, or "custom"), ``params`` (parameters that compute per token: the active
    ones for a Mixture-of-Experts model), ``tokens``, ``chip`` (a key of :data:`scalingedu.data.ACCELERATORS`),
    ``n_accelerators``, ``mfu`` (model FLOPs utilisation) and ``price`` (dollars per accelerator-hour). Choosing a
    model sets ``params`` and ``tokens`` (and the chip, when the model's hardware is on record); moving either
    slider turns the model into "custom". FLOPs are 6ND; energy assumes the chip's board power and the PUE of
    :data:`scalingedu.compute.DEFAULT_PUE` (:func:`scalingedu.compute.energy_kwh`). A run too long or too short
    for the time panel is pinned to its edge as an arrowhead and named; an MFU above :data:`HIGHEST_PUBLISHED_MFU`
    gets a caution under the plot. Pass initial values as keywords, e.g.
    ``TrainingRunCalculator(model="custom", params=1e9, tokens=2e10)``.
    """

    DEBOUNCED = True

    def __init__(self, *, model: str = "Llama 2 70B", params: float | None = None, tokens: float | None = None,
                 chip: str | None = None, n_accelerators: int = 2048, mfu: float = 0.4, price: float = 2.0):
        start = {"model": model, "n_accelerators": n_accelerators, "mfu": mfu, "price": price}
        start.update(self._linked({"model": model}, current_model=model))
        for name, value in (("params", params), ("tokens", tokens), ("chip", chip)):
            if value is not None:
                start[name] = value
        start.setdefault("params", 1e9)
        start.setdefault("tokens", 2e10)
        start.setdefault("chip", "A100")
        self._limits = None
        super().__init__(**start)

    # --- controls -------------------------------------------------------------------------------------------------
    def build_controls(self):
        style = {"description_width": "150px"}
        layout = widgets.Layout(width="460px")
        looks = {"style": style, "layout": layout}
        chips = [(f"{key}: {spec.peak_flops_per_second / 1e12:.0f} TFLOP/s bf16", key)
                 for key, spec in ACCELERATORS.items()]
        return {
            "model": widgets.Dropdown(options=_model_options(), description="model", **looks),
            "params": log_slider("parameters N (active)", *np.log10(PARAMS_RANGE), 0.05, **looks),
            "tokens": log_slider("training tokens D", *np.log10(TOKENS_RANGE), 0.05, **looks),
            "chip": widgets.Dropdown(options=chips, description="accelerator", **looks),
            "n_accelerators": widgets.Dropdown(options=[(f"{n:,}", n) for n in COUNTS], description="accelerators",
                                               **looks),
            "mfu": widgets.FloatSlider(min=0.0, max=0.8, step=0.01, readout_format=".2f",
                                       description="MFU (fraction of peak)", **looks),
            "price": widgets.FloatSlider(min=0.0, max=10.0, step=0.25, readout_format=".2f",
                                         description="$ per accelerator-hour", **looks),
        }

    def layout_controls(self):
        names = list(self.controls)
        left = widgets.VBox([self.controls[n] for n in names[:3]])
        right = widgets.VBox([self.controls[n] for n in names[3:]])
        return widgets.HBox([left, right])

    # Choosing a model sets its size, tokens and chip; moving the size or tokens makes the model "custom".
    @staticmethod
    def _linked(values: dict, *, current_model: str) -> dict:
        """The values of the other controls that follow from ``values`` (a change of some controls)."""
        linked = {}
        chosen = values.get("model", current_model)
        if "model" in values and chosen != CUSTOM:
            record = model_record(chosen)
            if "params" not in values:
                linked["params"] = record.active_params or record.params
            if "tokens" not in values:
                linked["tokens"] = record.tokens
            if "chip" not in values and record.accelerator is not None:
                linked["chip"] = record.accelerator
        elif ("params" in values or "tokens" in values) and chosen != CUSTOM:
            record = model_record(chosen)
            own = {"params": record.active_params or record.params, "tokens": record.tokens}
            if any(values[name] != own[name] for name in own if name in values):
                linked["model"] = CUSTOM
        return linked

    def _on_change(self, change) -> None:
        if self._is_paused:
            return
        name = next(key for key, control in self.controls.items() if control is change["owner"])
        linked = self._linked({name: change["new"]}, current_model=self.controls["model"].value)
        with self._paused():
            for key, value in linked.items():
                self.controls[key].value = value
        self.refresh()

    def update(self, **values) -> None:
        """Set controls by name and redraw once; choosing a model also sets its size, tokens and chip."""
        known = {key: value for key, value in values.items() if key in self.controls}
        valid = len(known) == len(values) and known.get("model", CUSTOM) in self.controls["model"].options
        linked = self._linked(known, current_model=self.controls["model"].value) if valid else {}
        super().update(**{**linked, **values})

    # --- figure ---------------------------------------------------------------------------------------------------
    def build_figure(self):
        figure, axes = new_figure(2, 2, width=11.0, height=7.4)
        (compute_ax, hours_ax), (time_ax, text_ax) = axes

        references = [model_record(name) for name in COMPUTE_REFERENCES]
        self.reference_flops = np.array([training_flops(r.active_params or r.params, r.tokens) for r in references])
        self.compute_bar = _beside_published_runs(
            compute_ax, [r.name + (" (active)" if r.active_params else "") for r in references], self.reference_flops,
            "0.65", xlabel="training compute C = 6ND (FLOPs, log scale)", title="compute vs published runs")
        pf = compute_ax.secondary_xaxis("top", functions=(lambda f: f / PF_DAY_FLOPS, lambda p: p * PF_DAY_FLOPS))
        pf.set_xlabel("PF-days (log scale)", fontsize=9)
        pf.xaxis.set_minor_locator(NullLocator())
        pf.tick_params(labelsize=8)

        published = [r for r in MODELS if r.gpu_hours is not None]
        self.reference_hours = np.array([r.gpu_hours for r in published])
        self.hours_bar = _beside_published_runs(
            hours_ax, [f"{r.name} ({r.accelerator})" for r in published], self.reference_hours,
            [CHIP_COLOURS.get(r.accelerator, "0.6") for r in published], xlabel="accelerator-hours (log scale)",
            title="accelerator-hours vs published runs", base=HOURS_BAR_BASE)

        self.counts = np.array(COUNTS, dtype=float)
        time_ax.set(xscale="log", yscale="log", xlim=(0.8, COUNTS[-1] * 1.25), ylim=TIME_LIMITS_DAYS,
                    xlabel="number of accelerators (log scale)", ylabel="wall-clock days (log scale)",
                    title="time to train: more chips, fewer days (same accelerator-hours)")
        for days, _ in TIME_MARKS:
            time_ax.axhline(days, color="0.75", lw=0.8, ls=":")
        marks = time_ax.secondary_yaxis("right")
        marks.set_yticks([days for days, _ in TIME_MARKS], [label for _, label in TIME_MARKS])
        marks.tick_params(labelsize=8, colors="0.35")
        marks.minorticks_off()
        self.time_line, = time_ax.plot([], [], color=YOURS, lw=1.8)
        self.time_point, = time_ax.plot([], [], "o", color=YOURS, markersize=8, markeredgecolor="black")
        # A run too long or too short for the fixed time axis is pinned to its edge as an arrowhead, and named.
        self.time_note = time_ax.text(0.98, 0.5, "", transform=time_ax.transAxes, ha="right", fontsize=8.5,
                                      color=YOURS, bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "none"})

        # Minor ticks on these many-decade log axes add clutter and most of the cost of a full redraw.
        for axis in (compute_ax.xaxis, hours_ax.xaxis, time_ax.xaxis, time_ax.yaxis):
            axis.set_minor_locator(NullLocator())
        text_ax.set_axis_off()
        self.report = text_ax.text(0.0, 1.0, "", transform=text_ax.transAxes, va="top", ha="left",
                                   family="DejaVu Sans Mono", fontsize=8.6, parse_math=False)
        self.animate(self.compute_bar, self.hours_bar, self.time_line, self.time_point, self.time_note, self.report)
        return figure, axes

    def draw(self, model, params, tokens, chip, n_accelerators, mfu, price):
        budget = run_budget(params, tokens, chip, n_accelerators, mfu, price)
        days_per_count = training_days(budget.flops, chip, 1, mfu) / self.counts
        self.compute_bar.set_width(budget.flops - 1.0)
        self.hours_bar.set_width(budget.accelerator_hours - HOURS_BAR_BASE)
        self.hours_bar.set_color(CHIP_COLOURS.get(chip, YOURS))
        self.hours_bar.set_edgecolor(YOURS)
        self.hours_bar.set_linewidth(2.5)
        self.time_line.set_data(self.counts, days_per_count)
        self._place_time_point(n_accelerators, budget)
        self.report.set_text(self._report(model, budget))
        self._set_limits(budget)
        describe(self.figure, self._description(model, budget))
        if mfu > HIGHEST_PUBLISHED_MFU:
            self.caution(f"MFU {mfu:.0%}: the highest utilisation of a large run in the course's data is "
                         f"{HIGHEST_PUBLISHED_MFU:.1%} (PaLM 540B, Chowdhery et al. 2022, Table 3); the time, hours, "
                         f"cost and energy here are more optimistic than any published run")

    def _place_time_point(self, n_accelerators: int, budget) -> None:
        """Your run on the time panel; beyond the fixed axis it becomes an arrowhead on the edge, with its time."""
        low, high = TIME_LIMITS_DAYS
        days = budget.days
        if low <= days <= high:
            self.time_point.set_data([n_accelerators], [days])
            self.time_point.set_marker("o")
            self.time_note.set_text("")
            return
        above = days > high
        self.time_point.set_data([n_accelerators], [high / 1.6 if above else low * 1.6])
        self.time_point.set_marker("^" if above else "v")
        self.time_note.set_position((0.98, 0.93 if above else 0.05))
        self.time_note.set_va("top" if above else "bottom")
        self.time_note.set_text(f"your run: {duration(budget.seconds)}, {'above' if above else 'below'} this axis")

    def _report(self, name: str, budget) -> str:
        chip_key = next(key for key, spec in ACCELERATORS.items() if spec is budget.chip)
        watts = budget.watts_per_accelerator
        lines = [
            f"your run: {name}" + ("" if name == CUSTOM else " (published N and D)"),
            f"  parameters N    {human(budget.params)} (active per token)",
            f"  tokens D        {human(budget.tokens)} ({budget.tokens / budget.params:.3g} per parameter)",
            f"  compute 6ND     {budget.flops:.3g} FLOPs",
            f"                  = {pf_days_text(budget.pf_days)}",
            f"hardware: {budget.n_accelerators:,} × {chip_key} at {budget.mfu:.0%} MFU",
            f"  achieved        {budget.achieved_flops_per_second:.3g} FLOP/s",
            f"  wall clock      {duration(budget.seconds)}",
            f"  accel.-hours    {human(budget.accelerator_hours)}",
            f"  cost            {money(budget.cost_dollars)} at "
            f"${budget.dollars_per_accelerator_hour:.2f}/h",
            f"  energy          {energy(budget.energy_kwh)}",
            ("                  (" + f"{watts:g} W × hours × PUE {budget.pue:g})" if watts is not None
             else "                  (no board power on record)"),
        ]
        if name != CUSTOM:
            record = model_record(name)
            if record.gpu_hours is not None:
                mfu = implied_mfu(budget.flops, record.accelerator, record.gpu_hours)
                lines += [f"published: {human(record.gpu_hours)} {record.accelerator}-hours",
                          f"  implied MFU     {mfu:.1%} (6ND over those hours)"]
            else:
                lines += ["published: accelerator-hours not on record"]
        return "\n".join(lines)

    def _description(self, name: str, budget) -> str:
        """What the figure shows for this run (its alt text), from the same numbers as the readout."""
        chip_key = next(key for key, spec in ACCELERATORS.items() if spec is budget.chip)
        run = "a custom run" if name == CUSTOM else f"{name}'s published size and tokens"
        less_compute = int(np.sum(self.reference_flops < budget.flops))
        fewer_hours = int(np.sum(self.reference_hours < budget.accelerator_hours))
        published = ""
        if name != CUSTOM:
            record = model_record(name)
            if record.gpu_hours is not None:
                published = (f" The published run took {human(record.gpu_hours)} {record.accelerator}-hours, an "
                             f"implied MFU of {implied_mfu(budget.flops, record.accelerator, record.gpu_hours):.1%}.")
        return (f"Four panels for {run}: {human(budget.params)} parameters on {human(budget.tokens)} tokens, "
                f"compute 6ND = {sci(budget.flops)} FLOPs ({pf_days_text(budget.pf_days)}), on "
                f"{budget.n_accelerators:,} {chip_key}s at {budget.mfu:.0%} MFU. Top left: its compute (FLOPs, log "
                f"scale) as a bar beside {len(self.reference_flops)} published runs, "
                f"{_more_than(less_compute, len(self.reference_flops))}. Top right: its "
                f"{human(budget.accelerator_hours)} accelerator-hours (log scale) beside {len(self.reference_hours)} "
                f"published runs, {_more_than(fewer_hours, len(self.reference_hours))}. Bottom left: "
                f"wall-clock days (log scale) against the number of accelerators (1 to {COUNTS[-1]:,}, log scale), "
                f"a line of slope -1 through the run's {duration(budget.seconds)} on {budget.n_accelerators:,}: more "
                f"chips, fewer days, the same accelerator-hours. Bottom right, the readout: cost "
                f"{money(budget.cost_dollars)} at ${budget.dollars_per_accelerator_hour:.2f} per accelerator-hour, "
                f"energy {energy(budget.energy_kwh)}.{published}")

    def _set_limits(self, budget) -> None:
        current = self._limits or (None, None)
        compute = _decades(min(self.reference_flops.min(), budget.flops),
                           max(self.reference_flops.max(), budget.flops), current[0])
        hours = _decades(min(self.reference_hours.min(), budget.accelerator_hours),
                         max(self.reference_hours.max(), budget.accelerator_hours), current[1])
        limits = (compute, hours)
        if limits != self._limits:
            (compute_ax, hours_ax), _ = self.axes
            compute_ax.set_xlim(*compute)
            hours_ax.set_xlim(*hours)
            self._limits = limits
            self.invalidate()


WIDGETS = (TrainingRunCalculator,)
