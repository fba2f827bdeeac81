"""Widgets of lesson 05 (the scaling lab): explore the shipped sweep and the data experiments.

:class:`LabIsoFlopProfiles` picks one compute budget of the shipped IsoFLOP sweep and shows its runs, the parabola
fitted through them (Approach 2) and its minimum, next to the power law through all budgets' minima.
:class:`DataExperimentExplorer` moves over the precomputed data experiments: the learning curve of a model trained
on text with a fraction of its characters corrupted, and of one trained for several epochs on repeated text, each
against the same model on clean, fresh text.

Both draw functions of :mod:`scalingedu.lab` (:func:`~scalingedu.lab.isoflop_budget_view`,
:func:`~scalingedu.lab.sweep_fit`, :func:`~scalingedu.lab.nearest_run`), which the tests call
directly; the numbers come from the shipped results, never from a training run in the widget.
"""
from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ..formatting import flops as flops_text
from ..formatting import human
from ..lab.analysis import isoflop_budget_view, seed_spread, sweep_fit
from ..lab.corpus import VOCAB_SIZE
from ..lab.experiments import experiment_runs, nearest_run, quality_runs, repetition_runs
from ..lab.sweep import load_results
from ..plotting import PALETTE, describe, new_figure
from .base import LessonWidget, log_bounds, log_slider

_STYLE = {"description_width": "150px"}
UNIFORM_LOSS = math.log(VOCAB_SIZE)
"""The loss of a uniform guess over the lab's 97 symbols, ln 97 ≈ 4.57 nats per character."""


def _layout() -> widgets.Layout:
    return widgets.Layout(width="460px")


def _count_ticks(axis) -> None:
    """Label a log axis of counts at 1, 2 and 5 × 10^k as '200k', '1M' (no crowded '3×10⁵ 4×10⁵' minor labels)."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda x, _: human(x)))
    axis.set_minor_formatter(NullFormatter())


# ----------------------------------------------------------------------------------------------------------------
# The widgets
# ----------------------------------------------------------------------------------------------------------------

class LabIsoFlopProfiles(LessonWidget):
    """Pick a budget of a sweep: its IsoFLOP profile with the parabola's minimum (left), and where that minimum sits
    among all budgets' minima and their power law N_opt ∝ C^a (right).

    Control: ``flops``, a log slider whose steps land on the sweep's budgets (the nearest budget is shown).
    ``results`` is the sweep (default: the shipped one, whose runs also carry the spread of three seeds from
    ``load_results("sweep_seeds")`` as error bars); pass your own ``read_results("my_sweep.csv")`` to explore it.
    A minimum that lies outside the sizes trained at its budget is drawn with a caution."""

    def __init__(self, *, flops: float | None = None, results: dict | None = None):
        self.results = load_results() if results is None else results
        self.seeds = load_results("sweep_seeds") if results is None else None
        self.fit = sweep_fit(self.results)
        # the slider runs over the design's nominal budgets, evenly spaced in log: each step is the next budget
        nominal = np.unique(self.results["budget"])
        self._low, self._high = log_bounds(float(nominal[0]), float(nominal[-1]))
        self._step = (self._high - self._low) / max(1, nominal.size - 1)
        self._high += 1e-12      # a hair of headroom: min + k·step, summed in floats, must not overshoot the top
        super().__init__(flops=float(nominal[0]) if flops is None else float(flops))     # the smallest budget

    def build_controls(self):
        return {"flops": log_slider("budget C (FLOPs)", self._low, self._high, self._step, readout_format=".2g",
                                    style=_STYLE, layout=_layout())}

    def build_figure(self):
        figure, (profile, chart) = new_figure(2, width=11.5, height=4.6)
        data, fit = self.results, self.fit
        profile.set(xscale="log", xlabel="parameters N (log scale)", ylabel="validation loss (nats/character)",
                    title="IsoFLOP profile of one budget")
        profile.scatter(data["params"], data["val_loss"], s=18, color="0.75", label="runs at other budgets")
        self.runs, = profile.plot([], [], "o", ms=8, color=PALETTE[0], mec=PALETTE[7], mew=0.6,
                                  label="runs at this budget")
        self.spread = LineCollection([], colors=PALETTE[7], linewidths=1.6, label="lowest to highest of 3 seeds")
        profile.add_collection(self.spread)
        self.spread.set_visible(self.seeds is not None)
        self.parabola, = profile.plot([], [], color=PALETTE[0], lw=2.0, label="parabola in log N (Approach 2)")
        self.optimum, = profile.plot([], [], "*", ms=17, mfc=PALETTE[6], mec=PALETTE[7], zorder=5,
                                     label="minimum: N_opt")
        profile.legend(loc="upper right", fontsize=8, handles=[h for h in (self.runs, self.spread, self.parabola,
                                                                           self.optimum) if h.get_visible()]
                       + profile.collections[:1])
        chart.set(xscale="log", yscale="log", xlabel="compute budget C (FLOPs, log scale)",
                  ylabel="compute-optimal parameters N_opt (log scale)",
                  title=f"minima of all budgets: N_opt ∝ C^{fit.a:.2f}")
        budgets = np.geomspace(fit.flops[0] / 2, fit.flops[-1] * 2, 50)
        chart.plot(fit.flops, fit.params, "s", color=PALETTE[2], mec=PALETTE[7], label="parabola minima")
        chart.plot(budgets, fit.params_law(budgets), color=PALETTE[2], lw=1.5, label=f"power law, a = {fit.a:.2f}")
        self.chosen, = chart.plot([], [], "*", ms=17, mfc=PALETTE[6], mec=PALETTE[7], zorder=5,
                                  label="this budget")
        chart.legend(loc="upper left", fontsize=8)
        self.title = figure.suptitle("", fontsize=11)
        self.animate(self.runs, self.spread, self.parabola, self.optimum, self.chosen, self.title)
        return figure, (profile, chart)

    def draw(self, flops):
        view = isoflop_budget_view(flops, self.results, self.fit)
        self.runs.set_data(view.runs_params, view.runs_loss)
        self.parabola.set_data(view.curve_params, view.curve_loss)
        self.optimum.set_data([view.optimum_params], [view.optimum_loss])
        self.chosen.set_data([view.flops], [view.optimum_params])
        spread = ""
        if self.seeds is not None:
            low, high = seed_spread(self.seeds, view.flops, view.runs_params)
            self.spread.set_segments([[(n, lo), (n, hi)] for n, lo, hi in zip(view.runs_params, low, high)])
            if np.isfinite(high - low).any():
                spread = (f"; the bars span each run's lowest to highest loss over 3 seeds, up to "
                          f"{np.nanmax(high - low):.3f} nats")
        self.title.set_text(f"C = {view.flops:.2g} FLOPs · minimum at N = {human(view.optimum_params)} params, "
                            f"D = {human(view.optimum_tokens)} characters ({view.tokens_per_param:.0f} per "
                            f"parameter), loss {view.optimum_loss:.3f}")
        if not view.inside_sampled_range:
            self.caution(f"the parabola's minimum, N = {human(view.optimum_params)} parameters, lies outside the "
                         f"sizes trained at {view.flops:.2g} FLOPs ({human(view.runs_params.min())} to "
                         f"{human(view.runs_params.max())}): it is extrapolated, and can move far with one run")
        fit = self.fit
        where = ("inside" if view.inside_sampled_range else "outside")
        first, second = np.sort(view.runs_loss)[:2]
        describe(self.figure, f"""
            Left: the IsoFLOP profile of the budget C = {flops_text(view.flops)}: validation loss (nats/char)
            against parameters N (log scale) of its {view.runs_params.size} runs, {human(view.runs_params.min())}
            to {human(view.runs_params.max())} parameters, over the other budgets' runs in grey{spread}. The
            parabola in log N through them has its minimum at N = {human(view.optimum_params)} parameters and D =
            {human(view.optimum_tokens)} characters ({view.tokens_per_param:.0f} per parameter), loss
            {view.optimum_loss:.3f}, {where} the sizes trained. Right: the minima of all {fit.flops.size} budgets
            against the budget (FLOPs, both axes log scale) lie near the power law N_opt ∝ C^{fit.a:.2f}, this
            budget starred. Notice how shallow the bottom of the bowl is: the two best runs differ by only
            {second - first:.4f} nats, so the minimum is known only roughly.""")


class DataExperimentExplorer(LessonWidget):
    """Move over the precomputed data experiments. Left: validation loss during training on text with the chosen
    fraction of characters corrupted, against clean text. Right: training for the chosen number of epochs over
    repeated text, against fresh text. Same model, same number of training tokens in every run."""

    def __init__(self, *, corruption: float = 0.2, epochs: float = 8.0):
        self.runs = experiment_runs()
        self.quality = quality_runs(self.runs)
        self.repetition = repetition_runs(self.runs)
        super().__init__(corruption=corruption, epochs=epochs)

    def build_controls(self):
        corruptions = [run.corruption for run in self.quality]
        step = float(np.min(np.diff(corruptions)))
        epochs = [run.epochs for run in self.repetition]
        return {
            "corruption": widgets.FloatSlider(min=0.0, max=max(corruptions), step=step, readout_format=".2f",
                                              description="corrupted fraction", style=_STYLE, layout=_layout()),
            "epochs": widgets.FloatLogSlider(base=2, min=0, max=math.log2(max(epochs)), step=1, readout_format=".0f",
                                             description="epochs of repetition", style=_STYLE, layout=_layout()),
        }

    def build_figure(self):
        figure, (left, right) = new_figure(2, width=11.5, height=4.4)
        clean = self.quality[0]
        low = min(run.val_loss for run in self.runs) - 0.05
        high = max(float(np.max(run.curve_val_loss)) for run in self.quality) + 0.1
        # heavily repeated runs climb far above; the axis keeps the informative range and lets them leave it
        for axis, title in ((left, "data quality: corrupted characters"),
                            (right, "repetition: k epochs over D/k unique characters")):
            axis.set(xscale="log", xlabel="training characters seen (log scale)",
                     ylabel="validation loss on clean text (nats/char)", title=title, ylim=(low, high))
            _count_ticks(axis.xaxis)
        for run in self.quality[1:]:
            left.plot(run.curve_tokens, run.curve_val_loss, color="0.8", lw=1)
        left.plot(clean.curve_tokens, clean.curve_val_loss, "--", color=PALETTE[7], lw=2, label="clean text")
        self.dirty, = left.plot([], [], color=PALETTE[3], lw=2.2, label="corrupted text")
        left.legend(loc="lower left", fontsize=8)
        for run in self.repetition[1:]:
            right.plot(run.curve_tokens, run.curve_val_loss, color="0.8", lw=1)
        right.plot(clean.curve_tokens, clean.curve_val_loss, "--", color=PALETTE[7], lw=2,
                   label="fresh text (1 epoch)")
        self.repeated, = right.plot([], [], color=PALETTE[0], lw=2.2, label="repeated text")
        right.legend(loc="lower left", fontsize=8)
        box = {"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5}
        self.left_note = left.text(0.03, 0.97, "", transform=left.transAxes, fontsize=9, va="top", bbox=box)
        self.right_note = right.text(0.03, 0.97, "", transform=right.transAxes, fontsize=9, va="top", bbox=box)
        self.animate(self.dirty, self.repeated, self.left_note, self.right_note)
        return figure, (left, right)

    def draw(self, corruption, epochs):
        clean = self.quality[0]
        dirty = nearest_run(self.quality, corruption, "corruption")
        repeated = nearest_run(self.repetition, epochs, "epochs")
        self.dirty.set_data(dirty.curve_tokens, dirty.curve_val_loss)
        self.repeated.set_data(repeated.curve_tokens, repeated.curve_val_loss)
        self.left_note.set_text(f"{dirty.corruption:.0%} corrupted: final loss {dirty.val_loss:.3f} "
                                f"({dirty.val_loss - clean.val_loss:+.3f} vs clean)")
        # a run that climbs out of the axes is still reported in the note
        above_chance = (f"\nworse than a uniform guess (ln {VOCAB_SIZE} = {UNIFORM_LOSS:.2f}): it memorised its\n"
                        "text and is confidently wrong on new text" if repeated.val_loss > UNIFORM_LOSS else "")
        self.right_note.set_text(f"{repeated.epochs:.0f} epochs over {human(repeated.unique_tokens)} unique: "
                                 f"{repeated.val_loss:.3f} ({repeated.val_loss - clean.val_loss:+.3f} vs fresh)"
                                 f"{above_chance}")
        ending = (f"ends above the uniform guess, ln {VOCAB_SIZE} ≈ {UNIFORM_LOSS:.2f}: it has memorised its text "
                  f"and is confidently wrong on new text" if repeated.val_loss > UNIFORM_LOSS
                  else f"ends below the uniform guess, ln {VOCAB_SIZE} ≈ {UNIFORM_LOSS:.2f}")
        if np.max(repeated.curve_val_loss) > self.axes[1].get_ylim()[1]:
            ending += f" (its curve climbs out of the plotted range, which stops at {self.axes[1].get_ylim()[1]:.2f})"
        describe(self.figure, f"""
            Learning curves of the data experiments: validation loss on clean text (nats/char) against the
            training characters seen (log scale), same model and compute in every run, the clean run dashed and
            the other runs in grey.
            Left: the run with {dirty.corruption:.0%} of its characters corrupted ends at {dirty.val_loss:.3f},
            {dirty.val_loss - clean.val_loss:+.3f} nats against clean text ({clean.val_loss:.3f}). Right: the run
            that sees {human(repeated.unique_tokens)} unique characters {repeated.epochs:.0f} times ends at
            {repeated.val_loss:.3f}, {repeated.val_loss - clean.val_loss:+.3f} against fresh text; it {ending}.
            Notice the gap to the clean curve: it is what dirty or repeated data cost at equal compute.""")


WIDGETS = (LabIsoFlopProfiles, DataExperimentExplorer)
