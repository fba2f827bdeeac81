"""Power laws y = a·x^b (+ c) and how to fit them.

Without an offset a power law is a straight line on log–log axes, log y = log a + b·log x, so ordinary least
squares on the logarithms fits it exactly and gives the exponent's standard error from the usual regression
formula. With an offset c (an irreducible floor, like the entropy of text that no model can beat) the curve bends
on log–log axes as y approaches c, and no straight line fits: we fit a, b and c together by robust nonlinear
least squares (scipy's ``least_squares`` with a soft-L1 loss) on relative residuals, started from several guesses
of c. The form with an offset is the one of Hoffmann et al. 2022 (Eq. 2: L = E + A/N^alpha + B/D^beta) restricted
to one variable.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from . import _validate as v


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
