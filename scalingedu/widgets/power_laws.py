"""Widgets of lesson 01 (power laws): explore y = a·x^b + c, and fit-then-extrapolate a noisy scaling law.

Two widgets, each drawing a function of :mod:`scalingedu.powerlaw` (where tests call it directly):

- :class:`PowerLawExplorer` draws :func:`~scalingedu.powerlaw.power_law_curve` (y = a·x^b + c) on
  linear axes, on log–log axes and as its local slope d log y / d log x, so a learner sees a
  straight line on log–log axes bend once the offset c (a floor) dominates.
- :class:`ExtrapolationSimulator` runs :func:`~scalingedu.powerlaw.extrapolation_experiment`: it
  samples a "true" law L(N) = E + A/N^alpha (Hoffmann et al. 2022, Eq. 10, the parameter term at
  infinite data) with multiplicative noise, fits it with and without an offset and compares both
  fits' predictions 100× beyond the largest model with the truth.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import NullFormatter, ScalarFormatter

from ..formatting import human
from ..plotting import PALETTE, describe, new_figure
from ..powerlaw import CURVE_X_RANGE, PowerLawCurve, extrapolation_experiment, power_law_curve, true_params_law
from .base import LessonWidget, log_slider

LINEAR_X_RANGE = (0.0, 100.0)
"""The linear panel shows only x up to 100: on a linear axis the other decades would squash the curve flat."""


# ----------------------------------------------------------------------------------------------------------------
# The widgets
# ----------------------------------------------------------------------------------------------------------------

_STYLE = {"description_width": "120px"}


def _layout() -> widgets.Layout:
    return widgets.Layout(width="440px")


def _decade_limits(values: np.ndarray) -> tuple[float, float]:
    """Log-axis limits snapped outward to whole decades, with a little room around the data."""
    low, high = np.log10(float(np.min(values))), np.log10(float(np.max(values)))
    return 10.0 ** np.floor(low - 0.1), 10.0 ** np.ceil(high + 0.1)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 × 10^k that is >= value (value > 0)."""
    exponent = np.floor(np.log10(value))
    for mantissa in (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if mantissa * 10.0 ** exponent >= value * (1 - 1e-12):
            return float(mantissa * 10.0 ** exponent)
    return float(10.0 ** (exponent + 1))


class PowerLawExplorer(LessonWidget):
    """y = a·x^b + c on linear axes, on log–log axes and as its local slope, side by side.

    Controls: ``a`` (scale), ``b`` (exponent) and ``c`` (offset, the floor). On log–log axes a pure power law is a
    straight line of slope b; an offset c > 0 bends it flat where a·x^b falls below c, and the local slope
    d log y / d log x (right panel) drifts from b toward 0. A negative c that pushes y to zero or below is
    rejected with a message. Pass initial values as keywords: ``PowerLawExplorer(b=-0.34, c=1.69)``.

    Axis limits snap to whole decades (log axes), to round values (linear axis) and to quarters (slope axis), so
    most slider moves only repaint the curves; the full figure is redrawn when a limit has to change.
    """

    def __init__(self, *, a: float = 2.0, b: float = -0.5, c: float = 0.0):
        self._limits = None
        super().__init__(a=a, b=b, c=c)

    def build_controls(self):
        return {
            "a": log_slider("a (scale)", -2, 2, 0.05, style=_STYLE, layout=_layout()),
            "b": widgets.FloatSlider(min=-2.0, max=2.0, step=0.01, readout_format=".2f", description="b (exponent)",
                                     style=_STYLE, layout=_layout()),
            "c": widgets.FloatSlider(min=-0.5, max=3.0, step=0.01, readout_format=".2f",
                                     description="c (offset, floor)", style=_STYLE, layout=_layout()),
        }

    def build_figure(self):
        figure, (linear, loglog, slope) = new_figure(3, width=11.0, height=4.0)
        linear.set(title="linear axes (only x ≤ 100)", xlabel="x (arbitrary units)", ylabel="y (arbitrary units)")
        loglog.set(title="log–log axes", xscale="log", yscale="log", xlabel="x (arbitrary units, log scale)",
                   ylabel="y (arbitrary units, log scale)")
        slope.set(title="local slope of the log–log curve", xscale="log", xlabel="x (arbitrary units, log scale)",
                  ylabel="d log y / d log x (dimensionless)")
        linear.set_xlim(*LINEAR_X_RANGE)
        for ax in (loglog, slope):
            ax.set_xlim(*CURVE_X_RANGE)
        slope.axhline(0.0, color="0.6", lw=0.8)
        self.linear_curve, = linear.plot([], [], color=PALETTE[0], label=r"$y = a\,x^b + c$")
        self.linear_floor = linear.axhline(0.0, color="0.3", ls=":", lw=1.5, label="floor c")
        self.loglog_curve, = loglog.plot([], [], color=PALETTE[0], label=r"$y = a\,x^b + c$")
        self.loglog_pure, = loglog.plot([], [], color=PALETTE[1], ls="--", lw=1.5, label=r"$a\,x^b$ alone")
        self.loglog_floor = loglog.axhline(1.0, color="0.3", ls=":", lw=1.5, label="floor c")
        self.slope_curve, = slope.plot([], [], color=PALETTE[0], label="local slope")
        self.slope_b = slope.axhline(0.0, color=PALETTE[1], ls="--", lw=1.5, label="exponent b")
        self.slope_text = slope.text(0.03, 0.04, "", transform=slope.transAxes, fontsize=8.5,
                                     family="DejaVu Sans Mono",
                                     bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.8"})
        self.formula = figure.suptitle("", fontsize=12)
        # One legend under the panels (inside them it would hide the curve for some exponent or other). The right
        # panel reuses the styles: each line there is the slope of the same-styled line in the middle panel.
        figure.legend([self.loglog_curve, self.loglog_pure, self.loglog_floor],
                      [r"$y = a\,x^b + c$  (right: its local slope)", r"$a\,x^b$ alone  (right: its slope, b)",
                       "floor c"], loc="outside lower center", ncols=3)
        self.animate(self.linear_curve, self.linear_floor, self.loglog_curve, self.loglog_pure, self.loglog_floor,
                     self.slope_curve, self.slope_b, self.slope_text, self.formula)
        return figure, (linear, loglog, slope)

    def draw(self, a, b, c):
        curve = power_law_curve(a, b, c)
        pure = a * curve.x ** b
        self.linear_curve.set_data(curve.x, curve.y)
        self.linear_floor.set_ydata([c, c])
        self.linear_floor.set_visible(c != 0)
        self.loglog_curve.set_data(curve.x, curve.y)
        self.loglog_pure.set_data(curve.x, pure)
        self.loglog_pure.set_visible(c != 0)
        self.loglog_floor.set_ydata([c, c])
        self.loglog_floor.set_visible(c > 0)
        self.slope_curve.set_data(curve.slope_x, curve.slope)
        self.slope_b.set_ydata([b, b])
        # Keep the box on the side of zero that the slope never reaches (the limits leave a margin there).
        self.slope_text.set_position((0.03, 0.96) if b < 0 else (0.03, 0.04))
        self.slope_text.set_verticalalignment("top" if b < 0 else "bottom")
        self.slope_text.set_text(f"slope at x = 1:   {curve.slope[0]:+.3g}\n"
                                 f"slope at x = 10⁶: {curve.slope[-1]:+.3g}")
        offset = "" if c == 0 else f" {'+' if c > 0 else '-'} {abs(c):.3g}"
        self.formula.set_text(f"$y = {a:.3g}\\,x^{{{b:.2f}}}{offset}$")
        self._set_limits(curve, pure, b, c)
        describe(self.figure, _explorer_text(curve, a, b, c, offset))

    def _set_limits(self, curve: PowerLawCurve, pure: np.ndarray, b: float, c: float) -> None:
        on_linear = curve.y[curve.x <= LINEAR_X_RANGE[1]]
        top = _nice_ceiling(max(float(on_linear.max()), c))
        bottom = min(0.0, float(on_linear.min()), c)
        linear_limits = (-0.05 * top if bottom >= 0 else -_nice_ceiling(-bottom), 1.05 * top)
        shown = curve.y if c == 0 else np.concatenate([curve.y, np.clip(pure, curve.y.min() / 1e3, None)])
        loglog_limits = _decade_limits(shown)
        low = min(float(curve.slope.min()), b, 0.0)
        high = max(float(curve.slope.max()), b, 0.0)
        slope_limits = (np.floor((low - 0.05) * 4) / 4, np.ceil((high + 0.05) * 4) / 4)
        limits = (linear_limits, loglog_limits, slope_limits)
        if limits != self._limits:
            for ax, pair in zip(self.axes, limits):
                ax.set_ylim(*pair)
            self._limits = limits
            self.invalidate()


class ExtrapolationSimulator(LessonWidget):
    """Fit noisy runs of a known law with and without an offset, then predict 100× beyond the largest run.

    The "truth" is L(N) = E + A/N^alpha with Hoffmann et al. 2022's Eq. 10 constants (the parameter term at
    infinite data). Controls: ``noise_percent`` (relative noise of each run's loss, %), ``n_points`` (number of
    runs), ``decades`` (how many decades of model size the runs span, starting at 10 million parameters) and
    ``seed`` (which random draw). The figure states both fits' predictions at the target size and their errors;
    fewer than 4 runs is rejected because the offset fit has three unknowns. Initial values can be passed as
    keywords: ``ExtrapolationSimulator(noise_percent=0, decades=1)``.
    """

    DEBOUNCED = True
    SMALLEST_PARAMS = 1e7
    FACTOR = 100.0
    PARAMS_LIMITS = (4e6, 3e13)
    LOSS_LIMITS = (1.2, 5.0)
    ERROR_LIMITS_PERCENT = (5.0, 10.0, 20.0, 50.0, 100.0)

    def __init__(self, *, noise_percent: float = 2.0, n_points: int = 8, decades: float = 2.0, seed: int = 0):
        self._error_limit = None
        super().__init__(noise_percent=noise_percent, n_points=n_points, decades=decades, seed=seed)

    def build_controls(self):
        return {
            "noise_percent": widgets.FloatSlider(min=0.0, max=10.0, step=0.5, readout_format=".1f",
                                                 description="noise (%)", style=_STYLE, layout=_layout()),
            "n_points": widgets.IntSlider(min=2, max=40, description="runs (points)", style=_STYLE, layout=_layout()),
            "decades": widgets.FloatSlider(min=0.5, max=4.0, step=0.25, readout_format=".2f",
                                           description="decades fitted", style=_STYLE, layout=_layout()),
            "seed": widgets.IntSlider(min=0, max=99, description="random seed", style=_STYLE, layout=_layout()),
        }

    def build_figure(self):
        figure, (fit_ax, error_ax) = new_figure(2, width=11.0, height=4.8)
        law = true_params_law()
        self.grid = np.geomspace(*self.PARAMS_LIMITS, 160)
        fit_ax.set(xscale="log", yscale="log", xlim=self.PARAMS_LIMITS, ylim=self.LOSS_LIMITS,
                   xlabel="parameters N", ylabel="loss (nats/token, log scale)",
                   title="fit the runs, then extrapolate")
        fit_ax.set_yticks([1.5, 2, 3, 4, 5])
        fit_ax.yaxis.set_major_formatter(ScalarFormatter())
        fit_ax.yaxis.set_minor_formatter(NullFormatter())
        fit_ax.plot(self.grid, law(self.grid), color=PALETTE[7], ls="--", lw=1.3,
                    label=f"true law ${law.c:g} + {law.a:g}/N^{{{-law.b:g}}}$")
        fit_ax.axhline(law.c, color="0.45", ls=":", lw=1.3, label=f"floor E = {law.c:g}")
        self.fit_span = fit_ax.axvspan(1, 2, color=PALETTE[5], alpha=0.2, lw=0, label="range of the runs")
        self.plain_line, = fit_ax.plot([], [], color=PALETTE[0], label=r"fit $a\,N^b$ (no offset)")
        self.offset_line, = fit_ax.plot([], [], color=PALETTE[1], marker="D", ms=4, markevery=16,
                                        label=r"fit $a\,N^b + c$")
        self.points = fit_ax.scatter([], [], s=22, color=PALETTE[7], zorder=4, label="simulated runs")
        self.target_line = fit_ax.axvline(1.0, color=PALETTE[4], ls="-.", lw=1.5,
                                          label=f"target: {self.FACTOR:g}× largest run")
        # The upper right is nearly always empty (large models, high loss); the box is opaque for the rare wild fit.
        self.report = fit_ax.text(0.98, 0.97, "", transform=fit_ax.transAxes, fontsize=8.5, va="top", ha="right",
                                  multialignment="left", family="DejaVu Sans Mono",
                                  bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "0.8"})
        error_ax.set(xscale="log", xlim=self.PARAMS_LIMITS, xlabel="parameters N",
                     ylabel="prediction error (% of true loss)", title="how wrong is each fit?")
        error_ax.axhline(0.0, color="0.4", lw=0.8)
        self.error_span = error_ax.axvspan(1, 2, color=PALETTE[5], alpha=0.2, lw=0)
        self.plain_error, = error_ax.plot([], [], color=PALETTE[0])
        self.offset_error, = error_ax.plot([], [], color=PALETTE[1], marker="D", ms=4, markevery=16)
        self.error_target = error_ax.axvline(1.0, color=PALETTE[4], ls="-.", lw=1.5)
        figure.legend(*fit_ax.get_legend_handles_labels(), loc="outside lower center", ncols=4, fontsize=9)
        self.animate(self.fit_span, self.error_span, self.plain_line, self.offset_line, self.points,
                     self.target_line, self.error_target, self.plain_error, self.offset_error, self.report)
        return figure, (fit_ax, error_ax)

    def draw(self, noise_percent, n_points, decades, seed):
        result = extrapolation_experiment(noise_percent / 100.0, n_points, decades, seed,
                                          smallest_params=self.SMALLEST_PARAMS, factor=self.FACTOR)
        grid, target = self.grid, result.target_params
        true, plain, offset = result.law(grid), result.plain(grid), result.offset(grid)
        for span in (self.fit_span, self.error_span):
            _set_vspan(span, result.params[0], result.params[-1])
        self.plain_line.set_data(grid, plain)
        self.offset_line.set_data(grid, offset)
        self.points.set_offsets(np.column_stack([result.params, result.observed_loss]))
        for line in (self.target_line, self.error_target):
            line.set_xdata([target, target])
        plain_percent, offset_percent = 100 * (plain / true - 1), 100 * (offset / true - 1)
        self.plain_error.set_data(grid, plain_percent)
        self.offset_error.set_data(grid, offset_percent)
        self.report.set_text(
            f"loss at N = {human(target)} ({self.FACTOR:g}× largest run)\n"
            f"true law     {result.true_target_loss:6.3f}\n"
            f"no offset    {result.plain(target):6.3f} ({100 * result.plain_error:+.1f}%)\n"
            f"with offset  {result.offset(target):6.3f} ({100 * result.offset_error:+.1f}%)\n"
            f"{_floor_text(result.offset.c, float(np.min(result.observed_loss)))}")
        reach = grid <= target * 3
        biggest = float(np.max(np.abs(np.concatenate([plain_percent[reach], offset_percent[reach]]))))
        limit = next((x for x in self.ERROR_LIMITS_PERCENT if biggest <= 0.9 * x), self.ERROR_LIMITS_PERCENT[-1])
        describe(self.figure, _simulator_text(result, noise_percent, decades, self.FACTOR))
        if limit != self._error_limit:
            self.axes[1].set_ylim(-limit, limit)
            self._error_limit = limit
            self.invalidate()


def _explorer_text(curve: PowerLawCurve, a: float, b: float, c: float, offset: str) -> str:
    """The description of :class:`PowerLawExplorer`'s figure at these settings (its alt text)."""
    low, high = curve.x[0], curve.x[-1]
    text = (f"Three panels of y = {a:.3g}·x^{b:.2f}{offset} (arbitrary units): on linear axes for x up to "
            f"{LINEAR_X_RANGE[1]:g}, on log–log axes for x from {human(low)} to {human(high)}, and its local slope "
            f"d log y / d log x (dimensionless) against x (log scale). ")
    if c == 0:
        return text + (f"With no offset the log–log curve is a straight line of slope {b:.2f}, and the local slope "
                       f"stays at {b:.2f} everywhere: that is what makes a power law.")
    text += (f"The offset c = {c:.3g} bends the log–log curve away from the straight line of a·x^b alone (dashed): "
             f"the local slope moves from {curve.slope[0]:+.3g} at x = {human(low)} to {curve.slope[-1]:+.3g} at "
             f"x = {human(high)}")
    if c > 0 and b < 0:
        meets = np.log10(c / a) / b          # log10 of the x where a·x^b falls to the floor (in logs: no overflow)
        if np.log10(low) < meets < np.log10(high):
            text += f", and a·x^b falls below the floor c at x ≈ {human(10.0 ** meets)}, beyond which y is almost flat"
        elif meets <= np.log10(low):
            text += ", and a·x^b lies below the floor c over the whole range, so y is almost flat"
    return text + ". A floor makes a power law bend on log–log axes, so its slope is no longer one number."


def _simulator_text(result, noise_percent: float, decades: float, factor: float) -> str:
    """The description of :class:`ExtrapolationSimulator`'s figure for this experiment (its alt text)."""
    law, target = result.law, result.target_params
    closer = "with" if abs(result.offset_error) < abs(result.plain_error) else "without"
    return (f"Left: loss (nats/token, log scale) against parameters N (log scale). {len(result.params)} simulated "
            f"runs with {noise_percent:g}% noise span {decades:g} decades, {human(result.params[0])} to "
            f"{human(result.params[-1])} parameters, drawn from the true law {law.c:g} + {law.a:g}/N^{-law.b:g} "
            f"(dashed, with its floor {law.c:g}). Two fits of the runs, without an offset (a·N^b, a plain "
            f"line) and with one (a·N^b + c, a line with diamonds), are extrapolated to the target, {factor:g} "
            f"times the largest run ({human(target)}), "
            f"where the true loss is {result.true_target_loss:.3f}: the fit without an offset predicts "
            f"{result.plain(target):.3f} ({100 * result.plain_error:+.1f}%), the fit with one "
            f"{result.offset(target):.3f} ({100 * result.offset_error:+.1f}%). Right: each fit's prediction error "
            f"(% of the true loss) against N. Here the fit {closer} an offset lands closer; both agree over the "
            f"runs and part ways beyond them.")


FLOOR_AT_BOUND = 1e-6
"""A fitted floor below this fraction of the lowest observed loss has hit the fit's lower bound, c = 0."""


def _floor_text(c: float, lowest_loss: float) -> str:
    """The readout line for the fitted floor c; a c pressed against its bound at 0 is said to be so, not printed
    as a meaningless 1e-17."""
    if c < FLOOR_AT_BOUND * lowest_loss:
        return "fitted floor c = 0 (at its bound:\n  these runs show no floor)"
    return f"fitted floor c = {c:.3g}"


def _set_vspan(span, low: float, high: float) -> None:
    """Move an ``axvspan`` to [low, high] (a Rectangle since Matplotlib 3.9, a Polygon before)."""
    if hasattr(span, "set_x") and hasattr(span, "set_width"):
        span.set_x(low)
        span.set_width(high - low)
    else:
        span.set_xy([[low, 0], [low, 1], [high, 1], [high, 0], [low, 0]])


WIDGETS = (PowerLawExplorer, ExtrapolationSimulator)
