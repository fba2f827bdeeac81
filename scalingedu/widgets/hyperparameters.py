"""Widgets of lesson 10 (hyperparameters at scale): explore the three shipped sweeps of tiny language models.

- :class:`LearningRateTransfer`: each width's final loss against the peak learning rate, in the standard
  parametrisation (SP) or in µP, and how each width's best rate moves with width
  (:func:`~scalingedu.lab.hyperparameters.learning_rate_optima`,
  :func:`~scalingedu.lab.hyperparameters.learning_rate_drift`).
- :class:`CriticalBatchExplorer`: the steps and characters each batch size needed to reach a target loss, the
  hyperbola (S/S_min − 1)(E/E_min − 1) = 1 of McCandlish et al. 2018 fitted through them, and how the critical
  batch B_crit and the simple noise scale B_simple grow as the loss falls
  (:func:`~scalingedu.lab.hyperparameters.critical_batch_sizes`, :func:`~scalingedu.lab.noise_scale.fit_tradeoff`).
- :class:`ScheduleExplorer`: warm-up + cosine runs, one per budget, against one warmup-stable-decay run branched at
  every budget: their learning rates and their final losses
  (:func:`~scalingedu.lab.hyperparameters.schedule_comparison`, :func:`~scalingedu.lab.schedules.schedule`).

Every number drawn comes from the shipped results through the library (loaded once per session, cached here);
nothing is trained in a widget. Each widget also takes ``results=`` (the columns of a sweep of one's own, as
``read_hparam_results`` gives them) instead of the shipped ones.
"""
from __future__ import annotations

import functools
import math

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

from ..formatting import human
from ..lab.hyperparameters import (
    critical_batch_sizes,
    learning_rate_drift,
    learning_rate_optima,
    load_hparam_provenance,
    load_hparam_results,
    schedule_comparison,
)
from ..lab.noise_scale import fit_tradeoff
from ..lab.schedules import DECAY_FRACTION, schedule, warmup_steps
from ..plotting import PALETTE, describe, new_figure
from .base import LessonWidget, log_bounds, log_slider

_STYLE = {"description_width": "170px"}

FIT_ERROR_LIMIT = 0.10
"""Largest root-mean-square error of the steps/examples hyperbola, in log(S_measured / S_fitted), that
:class:`CriticalBatchExplorer` shows without a caution (0.10: the fit misses a run's steps by about 10 %). In the
shipped batch-size sweep the fits to targets 2.8 to 2.4 miss by 0.02-0.08 (per seed or both together), the fits to
2.2 by 0.15-0.24: the runs at small batches need far more steps there than the hyperbola allows."""


def _layout() -> widgets.Layout:
    return widgets.Layout(width="480px")


@functools.cache
def _shipped(experiment: str) -> dict[str, np.ndarray]:
    return load_hparam_results(experiment)


@functools.cache
def _shipped_optima() -> tuple:
    return tuple(learning_rate_optima(_shipped("lr-transfer")))


@functools.cache
def _shipped_drifts() -> tuple:
    return tuple(learning_rate_drift(list(_shipped_optima())))


@functools.cache
def _shipped_critical() -> tuple:
    return tuple(critical_batch_sizes(_shipped("batch-size")))


@functools.cache
def _shipped_schedules() -> tuple:
    return tuple(schedule_comparison(_shipped("schedules")))


def _count_axis(axis) -> None:
    """A log axis of counts labelled '10k', '1M' (at 1, 2 and 5 × 10^k)."""
    axis.set_major_formatter(FuncFormatter(lambda x, _: human(x)))
    axis.set_minor_formatter(NullFormatter())


def _rate_axis(axis) -> None:
    """A log axis of learning rates labelled 0.001, 0.002, 0.005, 0.01, … (plain decimals, no 10^-3)."""
    axis.set_major_locator(FixedLocator([k * 10.0 ** e for e in range(-5, 1) for k in (1, 2, 5)]))
    axis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    axis.set_minor_locator(NullLocator())


def _seed_options(seeds, everything: str) -> list[tuple[str, object]]:
    return [(f"seed {int(seed)}", int(seed)) for seed in seeds] + [(everything, "all")]


# ----------------------------------------------------------------------------------------------------------------
# Learning-rate transfer
# ----------------------------------------------------------------------------------------------------------------

_WIDTH_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">")
_WIDTH_COLOURS = (PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[4], PALETTE[5], PALETTE[7])
"""One colour and one marker per width (Okabe-Ito without yellow, which is too faint for a line)."""
_VARIANT_STYLE = {("sp", None): (PALETTE[3], "s", "--"), ("mup", 8): (PALETTE[0], "o", "-")}


def _variant_label(parametrization: str, base_width: int) -> str:
    return "standard (SP)" if parametrization == "sp" else f"µP, base width {base_width}"


def _variant_style(parametrization: str, base_width: int) -> tuple[str, str, str]:
    """(colour, marker, line style): SP vermillion squares dashed, µP blue circles solid, other µP bases green."""
    if parametrization == "sp":
        return _VARIANT_STYLE[("sp", None)]
    return _VARIANT_STYLE.get(("mup", base_width), (PALETTE[2], "D", "-."))



def _bar_key(collection: LineCollection, label: str | None = None, marker: str | None = "|") -> Line2D:
    """A legend key for a LineCollection that looks like it (colour, width, solid or dashed, transparency), with a
    tick across it for a collection of vertical bars (``marker``): a LineCollection's own key is a plain line, which
    would tell it from a line of the same style by colour alone."""
    dashes = collection.get_linestyle()[0][1]
    return Line2D([], [], color=collection.get_edgecolor()[0], lw=collection.get_linewidth()[0],
                  ls="-" if not dashes else "--", alpha=collection.get_alpha(), marker=marker, ms=9,
                  mew=collection.get_linewidth()[0], label=collection.get_label() if label is None else label)


class LearningRateTransfer(LessonWidget):
    """Does the best learning rate of a small model transfer to a wide one?

    Controls: ``parametrization`` ("standard (SP)", "µP, base width 8", "µP, base width 32": the variants of the
    shipped sweep) and ``seed`` (one of the sweep's seeds, 0, 1 or 2, or "all": the mean of the seeds). Left: each
    width's final validation loss against the peak learning rate, with its optimum (the vertex of a parabola
    through the best rate and its two neighbours, in log rate) marked. Right: the optimum against width, the
    geometric mean over seeds with the lowest-to-highest seed as a bar, and the least-squares line through every
    seed's optimum (its slope in the legend); SP's line is shown faintly for comparison when µP is chosen. An
    optimum at the edge of the sweep's grid of rates (not bracketed) is cautioned.
    """

    def __init__(self, *, parametrization: str = "standard (SP)", seed: int | str = "all",
                 results: dict | None = None):
        if results is None:
            self.results = _shipped("lr-transfer")
            optima, drifts = _shipped_optima(), _shipped_drifts()
        else:
            self.results = results
            optima = tuple(learning_rate_optima(results))
            drifts = tuple(learning_rate_drift(list(optima)))
        self.optima = {(o.parametrization, o.base_width, o.width): o for o in optima}
        self.drifts = {(d.parametrization, d.base_width): d for d in drifts}
        self.variants = {_variant_label(*key): key for key in sorted(self.drifts, key=lambda k: (k[0] != "sp", k[1]))}
        self.widths = sorted({o.width for o in optima})
        data = self.results
        final = data["final"] == 1
        self.seeds = [int(s) for s in np.unique(data["seed"][final])]
        # each (variant, width)'s sweep: its learning rates, and the final loss of every seed at each (seeds × rates)
        self.sweeps = {}
        for (kind, base, width) in self.optima:
            rows = final & (data["mup"] == int(kind == "mup")) & (data["base_width"] == base) \
                & (data["width"] == width)
            rates = np.unique(data["learning_rate"][rows])
            losses = np.full((len(self.seeds), rates.size), math.nan)
            for i, each in enumerate(self.seeds):
                for j, rate in enumerate(rates):
                    match = np.flatnonzero(rows & (data["seed"] == each) & (data["learning_rate"] == rate))
                    if match.size:
                        losses[i, j] = data["val_loss"][match[0]]
            self.sweeps[(kind, base, width)] = (rates, losses)
        super().__init__(parametrization=parametrization, seed=seed)

    def build_controls(self):
        return {
            "parametrization": widgets.Dropdown(options=list(self.variants), description="parametrisation",
                                                style=_STYLE, layout=_layout()),
            "seed": widgets.Dropdown(options=_seed_options(self.seeds, f"mean of {len(self.seeds)} seeds"),
                                     description="seed (training run)", style=_STYLE, layout=_layout()),
        }

    def build_figure(self):
        figure, (sweep_ax, drift_ax) = new_figure(2, width=11.5, height=4.8)
        rates = np.concatenate([r for r, _ in self.sweeps.values()])
        losses = np.concatenate([loss.ravel() for _, loss in self.sweeps.values()])
        finite = losses[np.isfinite(losses)]
        best = min(float(np.min(o.best_losses)) for o in self.optima.values())
        high = min(float(np.max(finite)), best + 1.0)      # a run far off (a too high rate) may leave the axes
        sweep_ax.set(xscale="log", xlim=(rates.min() / 1.4, rates.max() * 1.4), ylim=(best - 0.04, high + 0.04),
                     xlabel="peak learning rate (log scale)", ylabel="final validation loss (nats/character)")
        _rate_axis(sweep_ax.xaxis)
        self.curves, self.stars = [], []
        for k, width in enumerate(self.widths):
            colour = _WIDTH_COLOURS[k % len(_WIDTH_COLOURS)]
            marker = _WIDTH_MARKERS[k % len(_WIDTH_MARKERS)]
            curve, = sweep_ax.plot([], [], marker=marker, color=colour, lw=1.5, ms=5, label=f"width {width}")
            star, = sweep_ax.plot([], [], "*", ms=14, mfc=colour, mec=PALETTE[7], mew=0.8, zorder=5)
            self.curves.append(curve)
            self.stars.append(star)
        proxy, = sweep_ax.plot([], [], "*", ms=12, mfc="white", mec=PALETTE[7], label="optimum (parabola vertex)")
        sweep_ax.legend(handles=[*self.curves, proxy], loc="upper center", fontsize=8, ncols=3)
        self.sweep_title = sweep_ax.set_title("")

        all_optima = np.concatenate([o.optima for o in self.optima.values()])
        drift_ax.set(xscale="log", yscale="log", xlim=(self.widths[0] / 1.5, self.widths[-1] * 1.5),
                     ylim=(all_optima.min() / 4.0, all_optima.max() * 1.6),     # room for the legend below
                     xlabel="width (hidden units per layer, log scale)",
                     ylabel="optimal peak learning rate (log scale)")
        drift_ax.xaxis.set_major_locator(FixedLocator(self.widths))
        drift_ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        drift_ax.xaxis.set_minor_locator(NullLocator())
        _rate_axis(drift_ax.yaxis)
        sp_colour = _variant_style("sp", 0)[0]
        self.sp_points, = drift_ax.plot([], [], "s", ms=6, mfc="none", mec=sp_colour, alpha=0.45,
                                        label="SP's optima, for comparison")
        self.sp_line, = drift_ax.plot([], [], ":", color=sp_colour, lw=1.3, alpha=0.6)
        self.bars = LineCollection([], colors=PALETTE[7], linewidths=1.4, label="lowest to highest seed")
        drift_ax.add_collection(self.bars)
        self.fit_line, = drift_ax.plot([], [], lw=1.8)
        self.points, = drift_ax.plot([], [], ls="none", ms=8, mec=PALETTE[7], mew=0.6, zorder=4)
        self.seed_points, = drift_ax.plot([], [], "x", ms=9, mew=2, color=PALETTE[7], zorder=5)
        self.drift_title = drift_ax.set_title("")
        # the seed bars' key: a tick across a line, as the bars cross the widths (a LineCollection's own key is a
        # plain line, the same as the fit's)
        self.bars_key = _bar_key(self.bars, "lowest to highest seed")
        self.drift_legend = drift_ax.legend(handles=[self.sp_points, self.bars_key], loc="lower left", fontsize=8)
        self.animate(*self.curves, *self.stars, self.sweep_title, self.sp_points, self.sp_line, self.bars,
                     self.fit_line, self.points, self.seed_points, self.drift_title, self.drift_legend)
        return figure, (sweep_ax, drift_ax)

    def _fit(self, key) -> tuple[np.ndarray, np.ndarray]:
        """The least-squares line of log2(optimum) on log2(width) through every seed's optimum of variant ``key``,
        drawn over the widths: its slope is the library's :attr:`LearningRateDrift.slope`."""
        group = [self.optima[(*key, width)] for width in self.widths if (*key, width) in self.optima]
        x = np.concatenate([np.full(o.optima.size, math.log2(o.width)) for o in group])
        y = np.concatenate([np.log2(o.optima) for o in group])
        slope = self.drifts[key].slope
        intercept = y.mean() - slope * x.mean()         # a least-squares line passes through the centroid
        widths = np.geomspace(self.widths[0] / 1.3, self.widths[-1] * 1.3, 20)
        return widths, 2.0 ** (intercept + slope * np.log2(widths))

    def _legend(self, handles) -> None:
        """Replace the right panel's legend (its entries depend on the controls) and keep it animated."""
        old = self.drift_legend
        self.drift_legend = self.axes[1].legend(handles=handles, loc="lower left", fontsize=8)
        self.drift_legend.set_animated(True)
        self._dynamic_artists[self._dynamic_artists.index(old)] = self.drift_legend

    def draw(self, parametrization, seed):
        if parametrization not in self.variants:
            raise ValueError(f"parametrization must be one of {list(self.variants)} (got {parametrization!r})")
        key = self.variants[parametrization]
        one = seed != "all"
        if one and seed not in self.seeds:
            raise ValueError(f"seed must be one of {self.seeds} or 'all' (got {seed!r})")
        colour, marker, dash = _variant_style(*key)
        edge, diverged, starred = [], [], []
        for k, width in enumerate(self.widths):
            optimum = self.optima.get((*key, width))
            curve, star = self.curves[k], self.stars[k]
            curve.set_visible(optimum is not None)
            star.set_visible(optimum is not None)
            if optimum is None:
                continue
            rates, losses = self.sweeps[(*key, width)]
            if one:
                row = self.seeds.index(seed)
                loss = losses[row]
                i = int(np.flatnonzero(optimum.seeds == seed)[0])
                rate, best, inside = optimum.optima[i], optimum.best_losses[i], bool(optimum.bracketed[i])
            else:
                loss = losses.mean(axis=0)      # a rate where any seed diverged has no mean: not drawn
                rate, best, inside = optimum.learning_rate, float(optimum.best_losses.mean()), \
                    bool(optimum.bracketed.all())
            shown = np.isfinite(loss)
            curve.set_data(rates[shown], loss[shown])
            star.set_data([rate], [best])
            starred.append((width, rate, best))
            if not inside:
                edge.append(width)
            if not shown.all():
                diverged += [f"{r:g} (width {width})" for r in rates[~shown]]

        group = [self.optima[(*key, width)] for width in self.widths if (*key, width) in self.optima]
        drift = self.drifts[key]
        self.points.set_data([o.width for o in group], [o.learning_rate for o in group])
        self.points.set(marker=marker, color=colour)
        self.bars.set_segments([[(o.width, o.optima.min()), (o.width, o.optima.max())] for o in group])
        widths, line = self._fit(key)
        self.fit_line.set_data(widths, line)
        self.fit_line.set(color=colour, linestyle=dash)
        self.points.set_label(f"{parametrization}: optimum, mean of {len(self.seeds)} seeds")
        self.fit_line.set_label(f"fit: optimum ∝ width^{drift.slope:+.2f} ± {drift.slope_se:.2f}")
        handles = [self.points, self.bars_key, self.fit_line]
        self.seed_points.set_visible(one)
        if one:
            chosen = [o.optima[int(np.flatnonzero(o.seeds == seed)[0])] for o in group]
            self.seed_points.set_data([o.width for o in group], chosen)
            self.seed_points.set_label(f"seed {seed}'s optima")
            handles.append(self.seed_points)
        sp = next((variant for variant in self.drifts if variant[0] == "sp"), None)
        compare = key[0] != "sp" and sp is not None
        for artist in (self.sp_points, self.sp_line):
            artist.set_visible(compare)
        if compare:
            sp_group = [self.optima[(*sp, width)] for width in self.widths if (*sp, width) in self.optima]
            self.sp_points.set_data([o.width for o in sp_group], [o.learning_rate for o in sp_group])
            self.sp_line.set_data(*self._fit(sp))
            self.sp_line.set_label(f"SP, for comparison: ∝ width^{self.drifts[sp].slope:+.2f}")
            handles += [self.sp_points, self.sp_line]
        self._legend(handles)

        verdict = "beyond the seed noise" if drift.exceeds_noise else "within the seed noise"
        self.drift_title.set_text(f"best rate varies ×{drift.fold_change:.2f} across widths,\n{verdict} "
                                  f"(one seed's s.d.: ×{2 ** drift.seed_sd:.2f})")
        which = f"seed {seed}" if one else f"mean of {len(self.seeds)} seeds"
        self.sweep_title.set_text(f"{parametrization}, {which}:\nfinal loss against peak learning rate")
        optima = ", ".join(f"{rate:.3g} at width {width}" for width, rate, _ in starred)
        versus = (f" SP's optima are shown faintly for comparison, ∝ width^{self.drifts[sp].slope:+.2f}."
                  if compare else "")
        describe(self.figure, f"""Learning-rate transfer, {parametrization}, {which}. Left: the final validation
            loss (nats/character) against the peak learning rate (log scale), one curve per width from
            {self.widths[0]} to {self.widths[-1]}, each width's optimum starred: {optima}. Right: the optimal rate
            against the width (both log scale) with the line through every seed's optimum, ∝
            width^{drift.slope:+.2f} ± {drift.slope_se:.2f}: the best rate varies {drift.fold_change:.2f} times
            across the widths, {verdict} (one seed's s.d.: {2 ** drift.seed_sd:.2f} times).{versus}""")
        if edge:
            self.caution(f"the best learning rate of width {', '.join(map(str, edge))} ({which}) is at the edge "
                         f"of the rates tried, so it is not bracketed: the true optimum may lie beyond the grid, "
                         f"and the drift line leans on a bound, not a measurement")
        if diverged:
            self.caution(f"runs diverged at learning rate {', '.join(diverged)}: those points are not drawn")


# ----------------------------------------------------------------------------------------------------------------
# Critical batch size
# ----------------------------------------------------------------------------------------------------------------

_SEED_MARKERS = ("o", "s", "^", "D", "v")
_SEED_COLOURS = (PALETTE[5], PALETTE[4], PALETTE[3], PALETTE[7])


class CriticalBatchExplorer(LessonWidget):
    """How large a batch pays, at one target loss (McCandlish et al. 2018).

    Controls: ``target`` (a target loss of the batch-size sweep, nats per character) and ``seed`` (one seed or
    "all": both seeds together). Left: the steps S and characters E = B·S each batch size B needed to reach the
    target (one point per batch size and seed), the hyperbola (S/S_min − 1)(E/E_min − 1) = 1 fitted through them,
    its asymptotes S_min and E_min, and the critical batch B_crit = E_min/S_min (where a run needs 2·S_min steps
    and 2·E_min characters). Right: B_crit (the bar: the two seeds' fits) and the measured simple noise scale
    B_simple (median, the bar: quartiles) at every target. A caution says when the fit misses the runs by more
    than :data:`FIT_ERROR_LIMIT` (rms of log S) or when a batch size never reached the target.
    """

    def __init__(self, *, target: float = 2.4, seed: int | str = "all", results: dict | None = None):
        self.critical = {c.target: c for c in (_shipped_critical() if results is None
                                               else critical_batch_sizes(results))}
        first = next(iter(self.critical.values()))
        self.seeds = [int(s) for s in first.seeds]
        self.batches = first.batches
        # the fit to each seed alone, as the library fits both together (None: fewer than 3 batch sizes reached)
        self.fits = {}
        for goal, c in self.critical.items():
            self.fits[(goal, "all")] = c.tradeoff
            for k, s in enumerate(self.seeds):
                reached = np.isfinite(c.steps[k])
                self.fits[(goal, s)] = (fit_tradeoff(c.steps[k][reached], c.tokens[k][reached])
                                        if np.unique(c.batches[reached]).size >= 3 else None)
        super().__init__(target=float(target), seed=seed)

    def build_controls(self):
        targets = sorted(self.critical, reverse=True)
        return {
            "target": widgets.Dropdown(options=[(f"{t:g}", t) for t in targets],
                                       description="target loss (nats/char)", style=_STYLE, layout=_layout()),
            "seed": widgets.Dropdown(options=_seed_options(self.seeds, f"all {len(self.seeds)} seeds"),
                                     description="seed (training runs)", style=_STYLE, layout=_layout()),
        }

    def build_figure(self):
        figure, (trade_ax, noise_ax) = new_figure(2, width=11.5, height=5.4)
        steps = np.concatenate([c.steps.ravel() for c in self.critical.values()])
        tokens = np.concatenate([c.tokens.ravel() for c in self.critical.values()])
        e_min = [c.tradeoff.e_min for c in self.critical.values() if c.tradeoff is not None]
        s_min = [c.tradeoff.s_min for c in self.critical.values() if c.tradeoff is not None]
        low_s = np.nanmin(np.concatenate([steps, s_min]))
        low_e = np.nanmin(np.concatenate([tokens, e_min]))
        self._limits = (low_e / 2, np.nanmax(tokens) * 3, low_s / 2, np.nanmax(steps) * 2.5)
        trade_ax.set(xscale="log", yscale="log", xlim=self._limits[:2], ylim=self._limits[2:],
                     xlabel="characters E = B·S to reach the target (log scale)",
                     ylabel="steps S to reach the target (log scale)")
        _count_axis(trade_ax.xaxis)
        _count_axis(trade_ax.yaxis)
        self.seed_points = [trade_ax.plot([], [], _SEED_MARKERS[k % len(_SEED_MARKERS)], ms=7, mec=PALETTE[7],
                                          mew=0.6, color=_SEED_COLOURS[k % len(_SEED_COLOURS)], label=f"seed {s}",
                                          zorder=4)[0]
                            for k, s in enumerate(self.seeds)]
        self.hyperbola, = trade_ax.plot([], [], color=PALETTE[0], lw=2,
                                        label="fit: (S/S_min − 1)(E/E_min − 1) = 1")
        self.s_line, = trade_ax.plot([], [], "--", color=PALETTE[1], lw=1.2, label="S_min (fewest steps)")
        self.e_line, = trade_ax.plot([], [], ":", color=PALETTE[2], lw=1.6, label="E_min (fewest characters)")
        self.crit_point, = trade_ax.plot([], [], "*", ms=16, mfc=PALETTE[6], mec=PALETTE[7], zorder=6,
                                         label="B_crit: 2·S_min steps, 2·E_min chars")
        self.labels = [trade_ax.text(0, 0, f"B={int(b)}", fontsize=7.5, ha="left", va="bottom", color="0.25")
                       for b in self.batches]
        self.trade_title = trade_ax.set_title("")

        goals = sorted(self.critical)
        crit = [(g, c.b_crit) for g, c in sorted(self.critical.items()) if math.isfinite(c.b_crit)]
        noise = [(g, c.b_simple_median, *c.b_simple_quartiles()) for g, c in sorted(self.critical.items())
                 if c.b_simple.size]
        offset = 0.012 * (max(goals) - min(goals) or 1.0)      # B_simple a little to the side of B_crit
        noise_ax.set(yscale="log", xlim=(max(goals) + 8 * offset, min(goals) - 8 * offset),
                     xlabel="target validation loss (nats/character; lower → right)",
                     ylabel="batch size (characters per step, log scale)",
                     title="both grow as the loss falls")
        _count_axis(noise_ax.yaxis)
        noise_ax.xaxis.set_major_locator(FixedLocator(goals))
        if crit:
            noise_ax.plot(*zip(*crit), "D-", color=PALETTE[0], mec=PALETTE[7], ms=7, label="B_crit (both seeds' fit)")
            spread = [[(g - offset / 2, c.seed_b_crit[np.isfinite(c.seed_b_crit)].min()),
                       (g - offset / 2, c.seed_b_crit[np.isfinite(c.seed_b_crit)].max())]
                      for g, c in sorted(self.critical.items()) if np.isfinite(c.seed_b_crit).any()]
            noise_ax.add_collection(LineCollection(spread, colors=PALETTE[0], linewidths=1.4,
                                                   label="bar: B_crit of each seed's fit"))
        if noise:
            g, median, low, high = (np.array(column) for column in zip(*noise))
            noise_ax.plot(g + offset, median, "o--", color=PALETTE[1], mec=PALETTE[7], ms=7,
                          label="B_simple (median)")
            noise_ax.add_collection(LineCollection([[(x, lo), (x, hi)] for x, lo, hi in zip(g + offset, low, high)],
                                                   colors=PALETTE[1], linewidths=1.4, linestyles="--",
                                                   label="bar: B_simple quartiles"))
        values = [v for _, v in crit] + ([*low, *high] if noise else [])
        values = [v for v in values if math.isfinite(v) and v > 0] or [1.0]
        noise_ax.set_ylim(min(values) / 2, max(values) * 2)
        self.here = noise_ax.axvline(goals[0], color="0.55", lw=6, alpha=0.25, zorder=0)
        self.seed_crit, = noise_ax.plot([], [], "x", ms=10, mew=2, color=PALETTE[7], zorder=5,
                                        label="this seed's B_crit")
        handles, labels = trade_ax.get_legend_handles_labels()
        more, more_labels = noise_ax.get_legend_handles_labels()
        more = [_bar_key(handle) if isinstance(handle, LineCollection) else handle for handle in more]
        figure.legend(handles + more, labels + more_labels, loc="outside lower center", ncols=4, fontsize=8)
        self.animate(*self.seed_points, self.hyperbola, self.s_line, self.e_line, self.crit_point, *self.labels,
                     self.trade_title, self.here, self.seed_crit)
        return figure, (trade_ax, noise_ax)

    def draw(self, target, seed):
        if target not in self.critical:
            raise ValueError(f"target must be one of {sorted(self.critical)} (got {target!r})")
        if seed != "all" and seed not in self.seeds:
            raise ValueError(f"seed must be one of {self.seeds} or 'all' (got {seed!r})")
        c = self.critical[target]
        rows = range(len(self.seeds)) if seed == "all" else [self.seeds.index(seed)]
        for k, points in enumerate(self.seed_points):
            reached = np.isfinite(c.steps[k])
            points.set_visible(k in rows)
            points.set_data(c.tokens[k][reached], c.steps[k][reached])
        missing = []
        for j, (batch, label) in enumerate(zip(self.batches, self.labels)):
            steps = c.steps[list(rows), j]
            tokens = c.tokens[list(rows), j]
            reached = np.isfinite(steps)
            label.set_visible(bool(reached.any()))
            if reached.any():       # beside the geometric mean of the shown seeds' points
                label.set_position((math.exp(np.log(tokens[reached]).mean()) * 1.12,
                                    math.exp(np.log(steps[reached]).mean()) * 1.05))
            if not reached.all():
                missing.append(int(batch))
        fit = self.fits[(target, seed)]
        for artist in (self.hyperbola, self.s_line, self.e_line, self.crit_point):
            artist.set_visible(fit is not None)
        which = f"seed {seed}" if seed != "all" else f"{len(self.seeds)} seeds"
        if fit is not None:
            batch = np.geomspace(self.batches.min() / 64, self.batches.max() * 64, 200)
            self.hyperbola.set_data(fit.examples(batch), fit.steps(batch))
            self.s_line.set_data(self._limits[:2], [fit.s_min, fit.s_min])
            self.e_line.set_data([fit.e_min, fit.e_min], self._limits[2:])
            self.crit_point.set_data([2 * fit.e_min], [2 * fit.s_min])
            self.trade_title.set_text(f"loss {target:g}, {which}: S_min = {fit.s_min:.0f} steps, E_min = "
                                      f"{human(fit.e_min)} chars\nB_crit = {fit.b_crit:,.0f} characters per step "
                                      f"(fit misses by {fit.rms_log_error:.0%} rms)")
            if fit.rms_log_error > FIT_ERROR_LIMIT:
                self.caution(f"the hyperbola misses the runs' steps by {fit.rms_log_error:.0%} (rms of log S) at "
                             f"loss {target:g}, more than the {FIT_ERROR_LIMIT:.0%} this widget trusts: the runs "
                             f"do not follow S = S_min + E_min/B closely, so B_crit = {fit.b_crit:,.0f} is only "
                             f"a rough scale")
        else:
            self.trade_title.set_text(f"loss {target:g}, {which}: no fit (fewer than 3 batch sizes reached it)")
            self.caution(f"fewer than 3 batch sizes reached loss {target:g} ({which}): no hyperbola can be fitted")
        self.here.set_xdata([target, target])
        self.seed_crit.set_visible(seed != "all")
        if seed != "all":
            self.seed_crit.set_data([target], [c.seed_b_crit[self.seeds.index(seed)]])
            self.seed_crit.set_visible(bool(math.isfinite(c.seed_b_crit[self.seeds.index(seed)])))
        if fit is not None:
            fitted = (f"the fitted hyperbola (S/S_min − 1)(E/E_min − 1) = 1 gives S_min = {fit.s_min:.0f} steps, "
                      f"E_min = {human(fit.e_min)} characters and B_crit = E_min/S_min = {fit.b_crit:,.0f} characters "
                      f"per step")
        else:
            fitted = "no hyperbola can be fitted, as fewer than 3 batch sizes reached the target"
        crit = [(g, x.b_crit) for g, x in sorted(self.critical.items(), reverse=True) if math.isfinite(x.b_crit)]
        growth = (f" B_crit goes from {crit[0][1]:,.0f} at loss {crit[0][0]:g} to {crit[-1][1]:,.0f} at "
                  f"{crit[-1][0]:g}, and the median B_simple from {self.critical[crit[0][0]].b_simple_median:,.0f} to "
                  f"{self.critical[crit[-1][0]].b_simple_median:,.0f}." if len(crit) > 1 else "")
        describe(self.figure, f"""Critical batch at a target loss of {target:g} nats per character, {which}. Left:
            the steps S against the characters E = B·S each batch size B ({int(self.batches[0])} to
            {int(self.batches[-1])} characters per step) needed to reach it, both log scale; {fitted}. Right: the
            critical batch B_crit and the measured simple noise scale B_simple (characters per step, log scale)
            against the target loss, lower losses to the right.{growth}""")
        if missing:
            self.caution(f"batch size {', '.join(map(str, missing))} never reached loss {target:g} ({which}) within "
                         f"the sweep's limits: left out of the points and the fit")


# ----------------------------------------------------------------------------------------------------------------
# Schedules: cosine against warmup-stable-decay
# ----------------------------------------------------------------------------------------------------------------

def _sampled(rate, steps: int, marks=()) -> tuple[np.ndarray, np.ndarray]:
    """A schedule ``rate(step)`` at about 400 steps of 0 … ``steps`` - 1, including every kink in ``marks``."""
    grid = np.unique(np.concatenate([np.linspace(0, steps - 1, 400).round().astype(int),
                                     [m for m in marks if 0 <= m < steps]]))
    return grid.astype(float), np.array([rate(int(step)) for step in grid])


class ScheduleExplorer(LessonWidget):
    """Warm-up + cosine against warmup-stable-decay (WSD), on the shipped schedules sweep.

    Control: ``budget`` (characters; the slider steps over the sweep's budgets). Left: the learning rate against the
    step of the cosine run planned for this budget (and, faintly, the cosine runs of the other budgets: each a
    separate run) and of the one WSD run, whose stable phase is branched into a decay over the last 20 % of every
    budget (this budget's branch bold); each at the peak rate that did best at this budget. Right: the final loss
    against the budget of the cosine runs and of the WSD branches, each at its best peak rate per budget (mean of
    the seeds; bars: lowest to highest seed), with the characters each approach trained for all budgets in the
    legend and WSD − cosine at this budget in the title. A best peak rate at the edge of the sweep's rates is
    cautioned (a rate beyond the grid might do better). The batch (characters per step) and WSD's decay fraction
    are the shipped design's (its provenance JSON): one fraction, 20 %, so it is not a control.
    """

    def __init__(self, *, budget: float | None = None, results: dict | None = None):
        self.comparisons = list(_shipped_schedules() if results is None else schedule_comparison(results))
        design = load_hparam_provenance("schedules")["design"]
        self.decay_fraction = float(design.get("decay_fraction", DECAY_FRACTION))
        self.batch = int(design["batch"])
        self.budgets = np.array([c.budget for c in self.comparisons], dtype=float)
        self.steps = [int(b) // self.batch for b in self.budgets]
        # all WSD branches share one warm-up: 5 % of the smallest budget's steps (train_wsd_branches)
        self.warm = warmup_steps(min(self.steps))
        self._low, self._high = log_bounds(float(self.budgets.min()), float(self.budgets.max()))
        self._step = (self._high - self._low) / max(1, self.budgets.size - 1)
        self._high += 1e-12     # headroom: min + k·step, summed in floats, must not overshoot the top
        default = self.budgets[min(2, self.budgets.size - 1)]   # the shipped 2.1M: both best rates inside the grid
        super().__init__(budget=float(default if budget is None else budget))

    def build_controls(self):
        return {"budget": log_slider("budget (characters)", self._low, self._high, self._step,
                                     readout_format=".3s", style=_STYLE, layout=_layout())}

    def build_figure(self):
        figure, (rate_ax, loss_ax) = new_figure(2, width=11.5, height=4.8)
        rates = self.comparisons[0].learning_rates
        rate_ax.set(xlim=(0, max(self.steps) * 1.02), ylim=(0, float(rates.max()) * 1.35),
                    xlabel=f"training step ({self.batch} characters each)", ylabel="learning rate")
        self.other_cosine = LineCollection([], colors=PALETTE[0], linewidths=1.0, alpha=0.35,
                                           label="cosine runs for the other budgets")
        self.other_branches = LineCollection([], colors=PALETTE[1], linewidths=1.2, linestyles="--", alpha=0.6,
                                             label="WSD decays for the other budgets")
        rate_ax.add_collection(self.other_cosine)
        rate_ax.add_collection(self.other_branches)
        self.stable, = rate_ax.plot([], [], ":", color=PALETTE[1], lw=1.4, label="WSD stable phase (one run)")
        # this budget's runs end in the marker of their schedule on the loss panel (circle: cosine, square: WSD)
        self.cosine_here, = rate_ax.plot([], [], "-", marker="o", markevery=slice(-1, None), color=PALETTE[0],
                                         lw=2.2, mec=PALETTE[7], label="cosine run for this budget")
        self.wsd_here, = rate_ax.plot([], [], "--", marker="s", markevery=slice(-1, None), color=PALETTE[1], lw=2.4,
                                      mec=PALETTE[7],
                                      label=f"WSD branch for this budget ({self.decay_fraction:.0%} decay)")
        rate_ax.legend(handles=[self.cosine_here, _bar_key(self.other_cosine, marker=None), self.wsd_here,
                                self.stable, _bar_key(self.other_branches, marker=None)],
                       loc="upper right", fontsize=8)
        self.rate_title = rate_ax.set_title("")

        best = {name: [c.best(name) for c in self.comparisons] for name in ("cosine", "wsd")}
        loss_ax.set(xscale="log", xlim=(self.budgets.min() / 1.5, self.budgets.max() * 1.5),
                    xlabel="budget (characters, log scale)", ylabel="final validation loss (nats/character)")
        loss_ax.xaxis.set_major_locator(FixedLocator(self.budgets))
        _count_axis(loss_ax.xaxis)
        loss_ax.xaxis.set_minor_locator(NullLocator())
        first = self.comparisons[0]
        costs = {"cosine": f"cosine, best peak per budget ({len(self.comparisons)} runs: "
                           f"{human(first.cosine_tokens_all)} characters)",
                 "wsd": f"WSD branches, best peak per budget (1 run: {human(first.wsd_tokens_all)} characters)"}
        for name, colour, style, shift in (("cosine", PALETTE[0], "o-", 1 / 1.03), ("wsd", PALETTE[1], "s--", 1.03)):
            losses = [loss for _, loss in best[name]]
            loss_ax.plot(self.budgets * shift, [loss.mean() for loss in losses], style, color=colour,
                         mec=PALETTE[7], ms=7, label=costs[name])
            loss_ax.add_collection(LineCollection([[(b * shift, loss.min()), (b * shift, loss.max())]
                                                   for b, loss in zip(self.budgets, losses)],
                                                  colors=colour, linewidths=1.4))
        loss_ax.autoscale_view(scalex=False)
        low, high = loss_ax.get_ylim()
        loss_ax.set_ylim(low, high + 0.35 * (high - low))          # room for the legend
        self.here = loss_ax.axvline(self.budgets[0], color="0.55", lw=6, alpha=0.25, zorder=0)
        loss_ax.legend(loc="upper right", fontsize=8)
        loss_ax.text(0.02, 0.02, "bars: lowest to highest seed; characters: per peak rate and seed, all budgets",
                     transform=loss_ax.transAxes, fontsize=7.5, color="0.35")
        self.loss_title = loss_ax.set_title("")
        self.animate(self.other_cosine, self.other_branches, self.stable, self.cosine_here, self.wsd_here,
                     self.rate_title, self.here, self.loss_title)
        return figure, (rate_ax, loss_ax)

    def _wsd(self, steps: int, peak: float):
        return schedule("wsd", steps, peak, decay_fraction=self.decay_fraction, warmup=self.warm)

    def draw(self, budget):
        if not budget > 0:
            raise ValueError(f"budget must be a positive number of characters (got {budget!r})")
        index = int(np.argmin(np.abs(np.log(self.budgets) - math.log(budget))))
        here = self.comparisons[index]
        cosine_peak, cosine_losses = here.best("cosine")
        wsd_peak, wsd_losses = here.best("wsd")
        steps = self.steps[index]
        cosine_warm = warmup_steps(steps)
        self.cosine_here.set_data(*_sampled(schedule("cosine", steps, cosine_peak), steps,
                                            (cosine_warm - 1, cosine_warm)))
        others = []
        for k, n in enumerate(self.steps):
            if k != index:
                others.append(np.column_stack(_sampled(schedule("cosine", n, cosine_peak), n,
                                                       (warmup_steps(n) - 1, warmup_steps(n)))))
        self.other_cosine.set_segments(others)
        starts = [n - max(1, round(self.decay_fraction * n)) for n in self.steps]    # where each decay begins
        kinks = (self.warm - 1, self.warm, starts[index] - 1, starts[index])
        self.wsd_here.set_data(*_sampled(self._wsd(steps, wsd_peak), steps, kinks))
        longest = self._wsd(max(self.steps), wsd_peak)          # before its decay, every branch follows it
        self.stable.set_data(*_sampled(longest, max(starts), (self.warm - 1, self.warm)))
        branches = []
        for k, (n, start) in enumerate(zip(self.steps, starts)):
            if k != index:
                rate = self._wsd(n, wsd_peak)
                branches.append([(float(s), rate(s)) for s in (start - 1, n - 1)])
        self.other_branches.set_segments(branches)
        self.here.set_xdata([here.budget, here.budget])
        self.rate_title.set_text(f"{human(here.budget)} characters = {steps:,} steps; best peak: cosine "
                                 f"{cosine_peak:g}, WSD {wsd_peak:g}")
        self.loss_title.set_text(f"at {human(here.budget)} characters: WSD − cosine = {here.difference:+.3f} "
                                 f"nats/char\n(mean of {here.seeds.size} seeds, each schedule at its best peak)")
        first = self.comparisons[0]
        describe(self.figure, f"""Cosine against warmup-stable-decay (WSD) at a budget of {human(here.budget)}
            characters ({steps:,} steps of {self.batch} characters). Left: the learning rate against the training
            step for the cosine run planned for this budget (peak {cosine_peak:g}), the other budgets' cosine runs
            faintly, each a separate run, and one WSD run (peak {wsd_peak:g}) whose stable phase is branched into a
            {self.decay_fraction:.0%} decay at every budget. Right: the final validation loss (nats/character)
            against the budget (characters, log scale) of both, each at its best peak rate: here cosine
            {cosine_losses.mean():.4f}, WSD {wsd_losses.mean():.4f}, WSD − cosine {here.difference:+.3f}. Cosine
            needs {len(self.comparisons)} runs ({human(first.cosine_tokens_all)} characters) for all the budgets,
            WSD one ({human(first.wsd_tokens_all)}).""")
        rates = here.learning_rates
        for name, peak in (("cosine", cosine_peak), ("WSD", wsd_peak)):
            if peak in (rates.min(), rates.max()):
                side = "lowest" if peak == rates.min() else "highest"
                self.caution(f"at {human(here.budget)} characters the best {name} peak rate, {peak:g}, is the "
                             f"{side} the sweep tried ({', '.join(f'{r:g}' for r in rates)}): a rate beyond it might "
                             f"do better, so the {name} loss, and WSD − cosine, may be off by more than the seeds "
                             f"suggest")


WIDGETS = (LearningRateTransfer, CriticalBatchExplorer, ScheduleExplorer)
