"""Power laws y = a·x^b (+ c) and how to fit them.

Without an offset a power law is a straight line on log–log axes, log y = log a + b·log x, so ordinary least
squares on the logarithms fits it exactly and gives the exponent's standard error from the usual regression
formula. With an offset c (an irreducible floor, like the entropy of text that no model can beat) the curve bends
on log–log axes as y approaches c, and no straight line fits: we fit a, b and c together by robust nonlinear
least squares (scipy's ``least_squares`` with a soft-L1 loss) on relative residuals, started from several guesses
of c. The form with an offset is the one of Hoffmann et al. 2022 (Eq. 2: L = E + A/N^alpha + B/D^beta) restricted
to one variable.

Lesson 01's two experiments are here too: :func:`power_law_curve` samples y = a·x^b + c with its
local slope d log y / d log x (straight on log–log axes until the floor c takes over), and
:func:`extrapolation_experiment` fits noisy runs of a known law with and without an offset and
compares both fits' predictions far beyond the runs with the truth.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from . import _validate as v
from .data import HOFFMANN_2022_FIT


@dataclass(frozen=True)
class PowerLaw:
    """y = a·x^b + c, with standard errors from the fit.

    ``b_stderr`` is the standard error of the exponent (from the regression's covariance matrix); ``c`` is 0 and
    ``c_stderr`` is 0 for a fit without an offset. Call the object to evaluate it: ``law(1e9)``.
    """

    a: float
    b: float
    c: float = 0.0
    b_stderr: float = 0.0
    c_stderr: float = 0.0
    n_points: int = 0

    def __call__(self, x):
        values = v.positive("x", x)
        return v.scalar_or_array(self.a * values ** self.b + self.c, x)

    def solve_for_x(self, y):
        """The x at which the law reaches ``y``: x = ((y − c)/a)^(1/b). ``y`` must lie beyond the floor c."""
        target = v.finite("y", y)
        if self.b == 0:
            raise ValueError(f"this law has exponent b = 0, so y stays at {self.a + self.c:g} and no x solves "
                             f"for another y")
        reducible = (target - self.c) / self.a
        if np.any(reducible <= 0):
            raise ValueError(f"y must be above the offset c = {self.c:g} for this law (got {np.min(target):g}): "
                             f"the curve never reaches it")
        return v.scalar_or_array(reducible ** (1.0 / self.b), y)

    def __str__(self) -> str:
        text = f"y = {self.a:.4g} · x^({self.b:.4g} ± {self.b_stderr:.2g})"
        if self.c:
            text += f" + {self.c:.4g}"
        return text


def _check_xy(x, y, minimum_points: int) -> tuple[np.ndarray, np.ndarray]:
    xs = v.positive("x", x)
    ys = v.positive("y", y)
    if xs.ndim == 0 or ys.ndim == 0:
        raise TypeError("x and y must be sequences or arrays of values, not single numbers")
    if xs.shape != ys.shape:
        raise ValueError(f"x and y must have the same shape (x has shape {xs.shape}, y has shape {ys.shape})")
    xs, ys = xs.ravel(), ys.ravel()
    if xs.size < minimum_points:
        raise ValueError(f"x and y need at least {minimum_points} points for this (got {xs.size})")
    if np.ptp(np.log(xs)) == 0:
        raise ValueError("x must take at least two different values: a slope needs a spread of x")
    return xs, ys


def _fit_log_linear(xs: np.ndarray, ys: np.ndarray) -> PowerLaw:
    log_x, log_y = np.log(xs), np.log(ys)
    design = np.column_stack([np.ones_like(log_x), log_x])
    coefficients, *_ = np.linalg.lstsq(design, log_y, rcond=None)
    residuals = log_y - design @ coefficients
    dof = xs.size - 2
    variance = float(residuals @ residuals) / dof
    centred = log_x - log_x.mean()
    b_stderr = math.sqrt(variance / float(centred @ centred))
    return PowerLaw(a=float(np.exp(coefficients[0])), b=float(coefficients[1]), b_stderr=b_stderr,
                    n_points=xs.size)


OFFSET_FIT_LOG_A_LIMIT = 700.0
"""A fit with an offset whose |log a| reaches this (e^±700 ≈ 1e±304, near the float limits) has diverged."""


def _fit_with_offset(xs: np.ndarray, ys: np.ndarray) -> PowerLaw:
    log_x = np.log(xs)
    floor = float(ys.min())

    def residuals(theta):
        log_a, b, c = theta
        return (np.exp(log_a + b * log_x) + c - ys) / ys

    best = None
    # Start from several guesses of the floor c; for each, a straight-line fit to log(y - c) seeds a and b.
    for fraction in (0.0, 0.5, 0.8, 0.95, 0.99):
        c0 = fraction * floor
        seed = _fit_log_linear(xs, ys - c0)
        start = np.array([math.log(seed.a), seed.b, c0])
        result = optimize.least_squares(residuals, start, loss="soft_l1", f_scale=0.02,
                                        bounds=([-np.inf, -np.inf, 0.0], [np.inf, np.inf, np.inf]),
                                        x_scale="jac", max_nfev=2000)
        if best is None or result.cost < best.cost:
            best = result
    log_a, b, c = best.x
    if not abs(log_a) < OFFSET_FIT_LOG_A_LIMIT:
        raise ValueError(f"the fit with an offset diverged (its scale a = e^{log_a:.3g} is beyond what a float "
                         f"holds): these {xs.size} points do not pin down the floor c; use more points, a wider "
                         f"range of x or less noise")
    dof = max(xs.size - 3, 1)
    variance = float(best.fun @ best.fun) / dof
    try:
        covariance = np.linalg.inv(best.jac.T @ best.jac) * variance
        b_stderr, c_stderr = math.sqrt(abs(covariance[1, 1])), math.sqrt(abs(covariance[2, 2]))
    except np.linalg.LinAlgError:  # degenerate fit: report the uncertainty as unknown rather than invent one
        b_stderr = c_stderr = math.inf
    return PowerLaw(a=float(math.exp(log_a)), b=float(b), c=float(c), b_stderr=b_stderr, c_stderr=c_stderr,
                    n_points=xs.size)


def fit_power_law(x, y, *, offset: bool = False) -> PowerLaw:
    """Fit y = a·x^b (or y = a·x^b + c with ``offset=True``) to positive data.

    Without an offset: least squares on (log x, log y), at least 3 points. With an offset: robust nonlinear least
    squares on relative residuals with c >= 0, at least 4 points; outliers are down-weighted by the soft-L1 loss.
    The exponent's standard error ``b_stderr`` comes from the fit's covariance matrix; treat it as a lower bound
    on the real uncertainty when the residuals are not independent noise.
    """
    if not isinstance(offset, bool):
        raise TypeError(f"offset must be True or False, not {offset!r}")
    xs, ys = _check_xy(x, y, minimum_points=4 if offset else 3)
    return _fit_with_offset(xs, ys) if offset else _fit_log_linear(xs, ys)


def local_slope(x, y):
    """The slope d log y / d log x between neighbouring points: constant for a pure power law.

    Returns an array one shorter than ``x``. A slope that drifts toward 0 as x grows is the signature of an
    offset (an irreducible floor) that a pure power law cannot describe.
    """
    xs, ys = _check_xy(x, y, minimum_points=2)
    steps = np.diff(np.log(xs))
    if np.any(steps == 0):
        raise ValueError("x repeats a value between neighbouring points (at index "
                         f"{int(np.argmax(steps == 0))}): the slope there is undefined")
    return np.diff(np.log(ys)) / steps


# --------------------------------------------------------------------------------------------------
# Lesson 01's experiments: a sampled curve, and fit-then-extrapolate
# --------------------------------------------------------------------------------------------------

CURVE_X_RANGE = (1.0, 1e6)
"""x spans six decades by default: enough for a curve to look straight, then bend."""


@dataclass(frozen=True)
class PowerLawCurve:
    """A sampled curve y(x) and its local slope d log y / d log x at the geometric midpoints
    ``slope_x``."""

    x: np.ndarray
    y: np.ndarray
    slope_x: np.ndarray
    slope: np.ndarray


def power_law_curve(a: float, b: float, c: float = 0.0, *, x=None) -> PowerLawCurve:
    """Sample y = a·x^b + c and its local slope d log y / d log x.

    For a pure power law (c = 0) the local slope is the exponent b everywhere: the curve is a
    straight line on log–log axes. With c > 0 the slope is b·(a·x^b)/(a·x^b + c), which tends to 0
    where the floor c dominates. ``x`` defaults to 200 log-spaced points over
    :data:`CURVE_X_RANGE`. Raises ValueError if a <= 0, or if a negative c drags y to zero or below
    inside the range (log axes cannot show it, and no loss can be negative).
    """
    a = float(v.positive("a", a))
    b = float(v.finite("b", b))
    c = float(v.finite("c", c))
    xs = np.geomspace(*CURVE_X_RANGE, 200) if x is None else v.positive("x", x).ravel()
    law = PowerLaw(a=a, b=b, c=c)
    y = np.asarray(law(xs), dtype=float)
    if not np.all(np.isfinite(y)):
        raise ValueError(f"y = {a:.3g}·x^({b:.3g}) + {c:.3g} overflows in this range of x: "
                         f"choose a smaller exponent")
    if np.any(y <= 0):
        first = float(xs[np.argmax(y <= 0)])
        raise ValueError(f"with a = {a:.3g}, b = {b:.3g} and c = {c:.3g} the curve drops to y <= 0 "
                         f"at x ≈ {first:.3g}: log axes cannot show it, and a loss can never be "
                         f"negative. Raise c or make the exponent b closer to zero.")
    return PowerLawCurve(x=xs, y=y, slope_x=np.sqrt(xs[1:] * xs[:-1]), slope=local_slope(xs, y))


@dataclass(frozen=True)
class ExtrapolationResult:
    """One fit-and-extrapolate experiment (see :func:`extrapolation_experiment`). Losses in
    nats/token."""

    params: np.ndarray            # model sizes N of the simulated runs (parameters)
    observed_loss: np.ndarray     # noisy losses of those runs
    plain: PowerLaw               # fit L = a·N^b (no offset)
    offset: PowerLaw              # fit L = a·N^b + c
    target_params: float          # where we predict: `factor` × the largest model
    true_target_loss: float       # the true law at target_params
    law: PowerLaw                 # the true law E + A/N^alpha (a = A, b = -alpha, c = E)

    @property
    def plain_error(self) -> float:
        """Relative error of the plain fit's prediction at the target (fraction; negative = too
        optimistic)."""
        return float(self.plain(self.target_params) / self.true_target_loss - 1.0)

    @property
    def offset_error(self) -> float:
        """Relative error of the offset fit's prediction at the target (fraction)."""
        return float(self.offset(self.target_params) / self.true_target_loss - 1.0)


def true_params_law(constants=HOFFMANN_2022_FIT) -> PowerLaw:
    """Hoffmann et al. 2022, Eq. 10, at infinite data: L(N) = E + A/N^alpha, written as a
    PowerLaw."""
    return PowerLaw(a=constants["A"], b=-constants["alpha"], c=constants["E"])


def extrapolation_experiment(noise: float, n_points: int, decades: float, seed: int, *,
                             smallest_params: float = 1e7, factor: float = 100.0,
                             law: PowerLaw | None = None) -> ExtrapolationResult:
    """Simulate ``n_points`` training runs, fit them, and predict the loss ``factor``× beyond the
    largest one.

    Model sizes are log-spaced from ``smallest_params`` over ``decades`` decades. Each observed loss
    is the true law times exp(noise·z) with z standard normal (``numpy.random.default_rng(seed)``),
    so ``noise`` is roughly the relative standard deviation (0.02 ≈ 2 %). The true law defaults to
    :func:`true_params_law`. Both fits use :func:`fit_power_law`; the fit with an offset has three
    unknowns and needs 4+ points.
    """
    noise = float(v.in_range("noise", noise, 0.0, 1.0))
    n_points = v.positive_int("n_points", n_points, minimum=2, maximum=10_000)
    decades = float(v.in_range("decades", decades, 0.0, 8.0, low_open=True))
    seed = v.positive_int("seed", seed, minimum=0)
    smallest_params = float(v.positive("smallest_params", smallest_params))
    factor = float(v.in_range("factor", factor, 1.0, 1e6, low_open=True))
    if n_points < 4:
        raise ValueError(f"the fit with an offset has three unknowns (a, b and the floor c) and "
                         f"needs at least 4 points; you chose n_points = {n_points}")
    law = true_params_law() if law is None else law
    params = smallest_params * np.logspace(0.0, decades, n_points)
    rng = np.random.default_rng(seed)
    observed = law(params) * np.exp(noise * rng.standard_normal(n_points))
    target = float(params[-1] * factor)
    return ExtrapolationResult(params=params, observed_loss=observed,
                               plain=fit_power_law(params, observed),
                               offset=fit_power_law(params, observed, offset=True),
                               target_params=target, true_target_loss=float(law(target)), law=law)
