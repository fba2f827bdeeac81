"""Static figures of lesson 01 (power laws).

Each function takes its numbers from :mod:`scalingedu.powerlaw`, :mod:`scalingedu.wordfreq` and
:mod:`scalingedu.data` and returns a ``matplotlib.figure.Figure`` in the course style; the lesson calls it in one line.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from ..data import HOFFMANN_2022_FIT, KAPLAN_2020_MODEL_RANGE, KAPLAN_2020_PARAMS_LAW
from ..formatting import human, sci
from ..plotting import PALETTE, describe, new_figure
from ..powerlaw import PowerLaw, fit_power_law, local_slope

SHAPE_EXPONENTS = (-0.5, -1.0, -2.0)
"""The exponents of the three power laws that :func:`linear_and_loglog` draws."""
EXPONENTIAL_SCALE = 100.0
"""The scale s of the exponential e^(-x/s) drawn beside them (not a power law)."""
SHAPE_X = np.geomspace(1, 1000, 200)


def linear_and_loglog(exponents=SHAPE_EXPONENTS, scale: float = EXPONENTIAL_SCALE):
    """The curves y = x^b (one per exponent) and y = e^(-x/scale), on linear axes (left) and log–log axes (right):
    on log–log axes the power laws are straight lines of slope b and the exponential plunges."""
    figure, axes = new_figure(2, width=10, height=3.6)
    for ax in axes:
        for exponent, colour, dash in zip(exponents, PALETTE, ("-", "-.", ":")):
            ax.plot(SHAPE_X, SHAPE_X ** exponent, dash, color=colour, label=f"$y = x^{{{exponent:g}}}$")
        ax.plot(SHAPE_X, np.exp(-SHAPE_X / scale), color=PALETTE[7], ls="--", lw=1.5,
                label=f"$y = e^{{-x/{scale:g}}}$ (not a power law)")
        ax.set(xlabel="x (arbitrary units)", ylabel="y (arbitrary units)")
    linear, loglog = axes
    linear.set(title="linear axes: every curve hugs the axes")
    loglog.set(xscale="log", yscale="log", ylim=(1e-6, 2), title="log–log axes: power laws are straight lines")
    loglog.legend(loc="lower left")
    decades = np.log10(SHAPE_X[-1] / SHAPE_X[0])
    *first, last = [f"x^{exponent:g} {'falls' if exponent < 0 else 'rises'} {abs(exponent) * decades:g}"
                    for exponent in exponents]
    drops = f"{', '.join(first)} and {last}" if first else last
    describe(figure, f"""
        Two panels of y against x (both in arbitrary units, x from {SHAPE_X[0]:g} to {SHAPE_X[-1]:,.0f}) for the
        power laws {", ".join(f"y = x^{exponent:g}" for exponent in exponents)} and the exponential
        y = e^(-x/{scale:g}), which is not a power law. On linear axes (left) every curve hugs the axes and they are
        hard to tell apart. On log–log axes (right) each power law is a straight line whose slope is its exponent:
        over the {decades:g} decades of x, y = {drops} decades, while the exponential bends down ever faster, to
        {sci(np.exp(-SHAPE_X[-1] / scale), 2)} at x = {SHAPE_X[-1]:,.0f}. A straight line on log–log axes is the sign
        of a power law.""")
    return figure


def zipf(words, law: PowerLaw, min_count: int = 10):
    """Word counts against rank on log–log axes (``words``, a :class:`scalingedu.wordfreq.RankFrequency`), the words
    seen at least ``min_count`` times in colour, and the fitted power law ``law`` through them. The three most
    common words are named."""
    fitted = words.counts >= min_count
    figure, ax = new_figure(width=7.5, height=4.2)
    ax.scatter(words.ranks[~fitted], words.counts[~fitted], s=8, facecolors="none", edgecolors="0.6", linewidths=0.6,
               label=f"words seen fewer than {min_count} times")
    ax.scatter(words.ranks[fitted], words.counts[fitted], s=6, color=PALETTE[0], label="words used in the fit")
    ax.plot(words.ranks[fitted], law(words.ranks[fitted]), color=PALETTE[1],
            label=f"fit: count ∝ rank$^{{{law.b:.2f}}}$")
    for rank, offset in ((1, (10, 0)), (2, (-6, -30)), (3, (14, -52))):     # below the points, clear of each other
        ax.annotate(f"{words.words[rank - 1]} (rank {rank})", (rank, words.counts[rank - 1]), xytext=offset,
                    textcoords="offset points", fontsize=9, va="center",
                    arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.8} if rank > 1 else None)
    ax.set(xscale="log", yscale="log", xlabel="rank r of the word (1 = most common)",
           ylabel="occurrences in the text (count)", title="Zipf's law in Python's help pages")
    ax.legend(loc="lower left")
    describe(figure, f"""
        Occurrences of each word (count, log scale) against its rank (1 = most common, log scale) for the
        {len(words.words):,} distinct words of Python's help pages: "{words.words[0]}" comes first with
        {words.counts[0]:,.0f} occurrences, then "{words.words[1]}" ({words.counts[1]:,.0f}) and
        "{words.words[2]}" ({words.counts[2]:,.0f}). The {fitted.sum():,} words seen at least {min_count} times
        (filled blue dots) lie close to a straight line, the fit count ∝ rank^{law.b:.2f} (solid orange line); the
        rarer words (hollow grey dots) form
        flat steps of equal counts at the tail. That straight line of slope near -1 is Zipf's law.""")
    return figure


def kaplan_law_and_price(constants=KAPLAN_2020_PARAMS_LAW, model_range=KAPLAN_2020_MODEL_RANGE,
                         largest_shown: float = 1e13):
    """Left: Kaplan et al.'s L(N) = (N_c/N)^alpha_N (Eq. 1.1), solid over the sizes they trained and dashed beyond.
    Right: the factor by which N must grow to cut the loss by p percent, (1 - p)^(-1/alpha_N), with 10% marked."""
    alpha, n_c = constants["alpha_N"], constants["N_c"]
    law = PowerLaw(a=n_c ** alpha, b=-alpha)
    figure, (law_ax, cost_ax) = new_figure(2, width=10.5, height=3.8)
    measured = np.geomspace(model_range["smallest_params"], model_range["largest_params"], 100)
    beyond = np.geomspace(model_range["largest_params"], largest_shown, 60)
    law_ax.plot(measured, law(measured), color=PALETTE[0], label="range Kaplan et al. measured")
    law_ax.plot(beyond, law(beyond), color=PALETTE[0], ls="--", label="extrapolation")
    law_ax.set(xscale="log", yscale="log", xlabel="non-embedding parameters N",
               ylabel="test loss L (nats/token, log scale)", title=f"Kaplan et al. 2020: $L = (N_c/N)^{{{alpha:g}}}$")
    law_ax.set_yticks([1.5, 2, 3, 4, 6], labels=["1.5", "2", "3", "4", "6"])
    law_ax.yaxis.set_minor_formatter(NullFormatter())
    law_ax.legend(loc="lower left")
    reduction = np.linspace(1, 30, 100)                                  # percent of the loss removed
    cost_ax.plot(reduction, (1 - reduction / 100) ** (-1 / alpha), color=PALETTE[1])
    ten_percent = 0.9 ** (-1 / alpha)
    cost_ax.plot([10], [ten_percent], "o", color=PALETTE[3])
    cost_ax.annotate(f"10% lower loss: {ten_percent:.1f}× the parameters", (10, ten_percent), xytext=(8, -4),
                     textcoords="offset points", fontsize=9)
    cost_ax.set(yscale="log", xlabel="loss reduction wanted (%)", ylabel="model must grow by (×, log scale)",
                title="how much bigger for a lower loss?")
    low, high = model_range["smallest_params"], model_range["largest_params"]
    describe(figure, f"""
        Left: Kaplan et al.'s test loss L = (N_c/N)^{alpha:g} (nats/token, log scale) against non-embedding
        parameters N (log scale), solid over the sizes they trained, {human(low)} to {human(high)}, where it falls
        from {law(low):.2f} to {law(high):.2f}, and dashed beyond, reaching {law(largest_shown):.2f} at
        {human(largest_shown)}. Right: how many times larger the model must be (log scale) to cut the loss by 1 to
        30%: {ten_percent:.1f}× the parameters for 10% lower loss, {0.7 ** (-1 / alpha):.0f}× for 30%. The straight
        line on the left hides how expensive each step is: with an exponent of {alpha:g}, small gains in loss cost
        large factors in size.""")
    return figure


FLOOR_PARAMS = np.geomspace(1e6, 1e14, 200)
NEAR_FLOOR = np.geomspace(1e10, 1e11, 8)
"""Eight exact points of the law between 10B and 100B parameters, where a straight line is fitted."""


def floor_law(constants=HOFFMANN_2022_FIT) -> PowerLaw:
    """Hoffmann et al.'s L(N) = E + A/N^alpha (Eq. 2 with the Eq. 10 constants) at unlimited data."""
    return PowerLaw(a=constants["A"], b=-constants["alpha"], c=constants["E"])


def floor_and_local_slope(constants=HOFFMANN_2022_FIT, marked: tuple[str, float] | None = None):
    """Left: L = E + A/N^alpha, its reducible part A/N^alpha, the floor E, and a straight line fitted to exact
    points between 10B and 100B parameters (shaded). Right: the local slope d log L / d log N drifting from -alpha
    to zero, with ``marked`` (a model's name and size, e.g. Chinchilla's) marked."""
    law, E, alpha = floor_law(constants), constants["E"], constants["alpha"]
    loss = law(FLOOR_PARAMS)
    straight = fit_power_law(NEAR_FLOOR, law(NEAR_FLOOR))
    figure, (curve_ax, slope_ax) = new_figure(2, width=10.5, height=4.4)
    curve_ax.plot(FLOOR_PARAMS, loss, color=PALETTE[0], label=r"$L = E + A/N^{\alpha}$")
    curve_ax.plot(FLOOR_PARAMS, loss - E, color=PALETTE[2], ls="--", label=r"reducible part $A/N^{\alpha}$")
    curve_ax.axhline(E, color="0.4", ls=":", label=f"floor E = {E:g}")
    curve_ax.plot(FLOOR_PARAMS, straight(FLOOR_PARAMS), "-.", color=PALETTE[3], lw=1.5,
                  label="straight line fitted at 10B–100B")
    curve_ax.axvspan(NEAR_FLOOR[0], NEAR_FLOOR[-1], color=PALETTE[3], alpha=0.12, lw=0)
    curve_ax.set(xscale="log", yscale="log", ylim=(0.02, 20), xlabel="parameters N",
                 ylabel="loss (nats/token, log scale)", title="Hoffmann et al. 2022, unlimited data")
    curve_ax.legend(loc="lower left")
    slope_ax.plot(np.sqrt(FLOOR_PARAMS[1:] * FLOOR_PARAMS[:-1]), local_slope(FLOOR_PARAMS, loss), color=PALETTE[0],
                  label="local slope of L")
    slope_ax.axhline(-alpha, color=PALETTE[2], ls="--", label=r"$-\alpha$ (slope of the reducible part)")
    if marked is not None:
        name, size = marked
        slope_ax.axvline(size, color=PALETTE[4], ls="-.", lw=1.2, label=f"{name}'s size ({human(size)})")
    slope_ax.set(xscale="log", xlabel="parameters N", ylabel="d log L / d log N (dimensionless)",
                 title="the local slope drifts to zero")
    slope_ax.legend(loc="center right")
    slopes = local_slope(FLOOR_PARAMS, loss)
    at_marked = ""
    if marked is not None:
        name, size = marked
        nearby = np.array([1.0, 1.01]) * size
        at_marked = f"; at {name}'s {human(size)} it is already {local_slope(nearby, law(nearby))[0]:.3f}"
    far = FLOOR_PARAMS[-1]
    describe(figure, f"""
        Left: Hoffmann et al.'s loss L = {E:g} + {constants["A"]:g}/N^{alpha:g} (nats/token, log scale) against
        parameters N from {human(FLOOR_PARAMS[0])} to {human(far)} (log scale), with its reducible part, the floor
        E = {E:g}, and a straight line (dash-dotted) fitted between 10B and 100B parameters (exponent
        {straight.b:.3f}). The
        reducible part stays a straight line, but L bends flat onto the floor; the straight line ignores the floor
        and predicts {straight(far):.2f} at {human(far)}{", below the floor," if straight(far) < E else ""} where
        the law gives {law(far):.2f}.
        Right: the local slope d log L / d log N (dimensionless) drifts from {slopes[0]:.2f} at {human(FLOOR_PARAMS[0])}
        parameters toward zero, {slopes[-1]:.4f} at {human(far)}{at_marked}. A law with a floor is not a straight
        line, and a line fitted to part of it cannot be extrapolated far.""")
    return figure
