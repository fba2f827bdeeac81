"""Forecasting a benchmark score from compute in two steps, as the Llama 3 report does (Dubey et al. 2024, §3.2.1).

A benchmark's accuracy does not follow a power law of compute, but the model's loss on the benchmark's correct
answers does, and the accuracy is a smooth, S-shaped function of that loss. So Dubey et al. forecast in two steps,
both fitted on small runs only:

1. **compute -> loss**: fit the (normalised) negative log-likelihood of the correct answers against training
   compute, and read it off at the target compute;
2. **loss -> accuracy**: fit a sigmoid from that loss to the benchmark's accuracy, and map the predicted loss
   through it.

They report that the forecast for their largest model landed close to its measured score, slightly under it.

:func:`two_step_forecast` does the same with the scaling lab's "complete the identifier" task
(:mod:`scalingedu.lab.downstream`, shipped as ``load_downstream()``):

- step 1 takes each fitted budget's compute-optimal loss (by default the minimum of a parabola in ln N through
  the budget's runs, Approach 2 of Hoffmann et al. 2022; or its best run) and fits a pure power law
  L(C) = a·C^b through them. Three or four budgets cannot pin down an irreducible floor as well, so none is fitted:
  over a small extrapolation the pure power law is the conservative choice, and it would overestimate the gain far
  beyond the fitted range;
- step 2 fits accuracy = lo + (hi − lo) / (1 + exp(k·(loss − L0))) on every run of the fitted budgets (least
  squares on the accuracies). The floor lo is **fixed at 0** (an untrained model scores 0 on an exact-match task);
  the ceiling hi is **fitted** by default (``ceiling="fit"``), or fixed (``ceiling=1.0``, say). On the lab's task
  a ceiling below 1 is expected, since many identifiers cannot be told from the 16 characters before them, and the
  fitted runs alone support it: at the three smaller budgets of the shipped results, fitting hi lowers the sum of
  squared residuals by a third, which Akaike's criterion prefers (by about 4) to fixing hi = 1, while also freeing
  lo does not pay for its extra parameter. Which form to fit is a choice made on the fitted runs, never on the
  target's measurement;
- the uncertainty comes from a bootstrap over runs (each fitted budget's runs resampled with replacement, both
  steps refitted), reported as the central ``level`` interval (by default the 10th to 90th percentile) of the
  predicted loss and of the predicted accuracy. The accuracy's interval is also split by step: with the sigmoid held
  at its full-data fit (step 1's uncertainty alone) and with the loss held at its prediction (step 2's alone).

The bootstrap measures how much the fits move with the runs at hand; it does not cover a change of regime beyond
the fitted budgets (the loss curve bending towards a floor, the accuracy towards a ceiling below 1), nor a wrong
choice of form. With five runs per budget it is also somewhat too narrow: on synthetic sweeps of the lab's shape
(a known power law and sigmoid plus noise; ``tests/test_returns_forecast.py``), its 80 % intervals held the truth
about three times in four.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .. import _validate as v
from ..laws.fitting import fit_isoflop_parabolas
from ..powerlaw import PowerLaw, fit_power_law

LOSS_COLUMNS = ("task_loss", "val_loss")
"""Losses step 1 can forecast: the loss on the task's correct answers (as Dubey et al.), or the validation loss."""
MINIMA = ("parabola", "best")
"""Step 1's loss at each budget: the IsoFLOP parabola's minimum (Approach 2) or the budget's best run."""
_BUDGET_RTOL = 0.05           # budgets within 5 % (in log) are the same budget
_REDRAWS = 50


@dataclass(frozen=True, eq=False)
class TwoStepForecast:
    """A two-step forecast of the accuracy at ``target_budget`` FLOPs from runs at ``fit_budgets``.

    Step 1: ``loss_law`` (L = a·C^b, through the compute-optimal losses ``step1_loss`` at ``step1_flops``) predicts
    ``predicted_loss`` at the target, with the bootstrap interval (``loss_low``, ``loss_high``). Step 2: the sigmoid
    accuracy = ``ceiling``/(1 + exp(``slope``·(loss − ``midpoint``))) (floor 0; the ceiling fitted when
    ``ceiling_fitted``, else fixed), fitted to the runs (``fit_loss``, ``fit_accuracy``), maps it to
    ``predicted_accuracy``, interval (``accuracy_low``, ``accuracy_high``); ``accuracy_interval_step1`` and
    ``accuracy_interval_step2`` are the accuracy's intervals from each step's uncertainty alone. ``measured_loss``
    and ``measured_accuracy`` are those of the best run (lowest loss) trained at the target budget, and
    ``measured_optimum_loss`` the minimum of its IsoFLOP parabola (NaN where there are no such runs).
    ``samples_loss`` and ``samples_accuracy`` hold the bootstrap's predictions (``failed`` resamples could not be
    fitted and were drawn again)."""

    loss_column: str
    minima: str
    fit_budgets: tuple[float, ...]
    target_budget: float
    level: float
    step1_flops: np.ndarray
    step1_loss: np.ndarray
    loss_law: PowerLaw
    fit_loss: np.ndarray
    fit_accuracy: np.ndarray
    slope: float
    midpoint: float
    ceiling: float
    ceiling_fitted: bool
    predicted_loss: float
    loss_low: float
    loss_high: float
    predicted_accuracy: float
    accuracy_low: float
    accuracy_high: float
    accuracy_interval_step1: tuple[float, float]
    accuracy_interval_step2: tuple[float, float]
    measured_loss: float
    measured_optimum_loss: float
    measured_accuracy: float
    samples_loss: np.ndarray
    samples_accuracy: np.ndarray
    failed: int

    def accuracy_at(self, loss):
        """The fitted sigmoid (step 2) at ``loss``."""
        return v.scalar_or_array(_sigmoid(v.finite("loss", loss), self.slope, self.midpoint, self.ceiling), loss)

    @property
    def loss_inside(self) -> bool:
        """Whether the measured best run's loss lies inside the predicted loss's interval (False if not measured)."""
        return bool(self.loss_low <= self.measured_loss <= self.loss_high)

    @property
    def accuracy_inside(self) -> bool:
        """Whether the measured accuracy lies inside the predicted accuracy's interval (False if not measured)."""
        return bool(self.accuracy_low <= self.measured_accuracy <= self.accuracy_high)

    def summary(self) -> str:
        """Predicted against measured loss and accuracy, with the intervals, as text."""
        from ..formatting import sci

        s1, s2 = self.accuracy_interval_step1, self.accuracy_interval_step2
        return "\n".join([
            f"forecast of {sci(self.target_budget, 2)} FLOPs from {', '.join(sci(b, 2) for b in self.fit_budgets)} "
            f"({round(100 * self.level)}% intervals; sigmoid ceiling {self.ceiling:.3f}, "
            f"{'fitted' if self.ceiling_fitted else 'fixed'})",
            f"  step 1, {self.loss_column}: predicted {self.predicted_loss:.3f} [{self.loss_low:.3f}, "
            f"{self.loss_high:.3f}]   measured (best run) {self.measured_loss:.3f}",
            f"  step 2, accuracy:  predicted {self.predicted_accuracy:.3f} [{self.accuracy_low:.3f}, "
            f"{self.accuracy_high:.3f}]   measured (best run) {self.measured_accuracy:.3f}",
            f"  accuracy interval from step 1 alone [{s1[0]:.3f}, {s1[1]:.3f}], from step 2 alone "
            f"[{s2[0]:.3f}, {s2[1]:.3f}]"])


def _sigmoid(loss, slope, midpoint, ceiling=1.0):
    """ceiling/(1 + exp(slope·(loss − midpoint))), written with tanh so that it never overflows."""
    return ceiling * 0.5 * (1.0 - np.tanh(0.5 * slope * (loss - midpoint)))


def _check_ceiling(ceiling) -> float | None:
    """None to fit the ceiling, else the fixed ceiling in (0, 1]."""
    if isinstance(ceiling, str):
        v.one_of("ceiling", ceiling, {"fit"})
        return None
    return float(v.in_range("ceiling", v.single_number("ceiling", ceiling), 0.0, 1.0, low_open=True))


def fit_sigmoid(loss, accuracy, ceiling="fit") -> tuple[float, float, float]:
    """Least-squares fit of accuracy = hi/(1 + exp(k·(loss − L0))) with the floor at 0; returns (k, L0, hi).

    ``ceiling`` = "fit" fits hi in (0, 1] too; a number fixes hi at it. Started from a straight line through the
    log-odds of accuracy/hi. Needs runs with at least 2 different losses (3 to fit the ceiling)."""
    x = v.finite("loss", loss)
    y = v.in_range("accuracy", accuracy, 0.0, 1.0)
    fixed = _check_ceiling(ceiling)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"loss and accuracy must be 1-D with one value per run (shapes {x.shape} and {y.shape})")
    if np.unique(x).size < (2 if fixed is not None else 3):
        raise ValueError(f"loss must take at least {2 if fixed is not None else 3} different values to fit the sigmoid")
    centre = float(x.mean())
    offsets = x - centre

    def start(top):
        share = np.clip(y / top, 1e-3, 1 - 1e-3)
        slope, intercept = np.polyfit(offsets, np.log(share / (1 - share)), 1)   # log-odds = intercept + slope·x
        return [-slope, intercept]

    def shape(theta):                               # theta = (k, log-odds at the centre); the curve / hi
        return 0.5 * (1.0 - np.tanh(0.5 * (theta[0] * offsets - theta[1])))

    def best_ceiling(values):                       # hi enters linearly: its least-squares value, kept in (0, 1]
        return float(np.clip(values @ y / max(values @ values, 1e-300), 1e-3, 1.0))

    if fixed is not None:
        fit = optimize.least_squares(lambda t: fixed * shape(t) - y, start(fixed), method="lm", x_scale="jac")
        top = fixed
    else:                                           # variable projection: hi solved for every (k, log-odds)
        first = min(0.99, max(1.5 * float(y.max()), 1e-2))
        fit = optimize.least_squares(lambda t: best_ceiling(shape(t)) * shape(t) - y, start(first), method="lm",
                                     x_scale="jac")
        top = best_ceiling(shape(fit.x))
    k, odds = float(fit.x[0]), float(fit.x[1])
    if not (math.isfinite(k) and abs(k) > 1e-12):
        raise ValueError("accuracy does not change with loss: the sigmoid's slope cannot be fitted")
    return k, centre + odds / k, top


def _step1_points(flops, params, loss, groups, minima):
    """Compute-optimal (flops, loss) of each group of runs: parabola minimum or best run."""
    if minima == "best":
        best = [group[np.argmin(loss[group])] for group in groups]
        return flops[best], loss[best]
    rows = np.concatenate(groups)
    fit = fit_isoflop_parabolas(params[rows], flops[rows], loss[rows], budget_rtol=_BUDGET_RTOL)
    return fit.flops, fit.loss


def _forecast_once(flops, params, loss, accuracy, groups, minima, target, ceiling):
    points_flops, points_loss = _step1_points(flops, params, loss, groups, minima)
    law = fit_power_law(points_flops, points_loss)
    rows = np.concatenate(groups)
    sigmoid = fit_sigmoid(loss[rows], accuracy[rows], ceiling)
    return law, points_flops, points_loss, sigmoid, float(law(target))


def _parabola_minimum(params, loss) -> float:
    if np.unique(params).size < 3:
        return math.nan
    c2, c1, c0 = np.polyfit(np.log(params), loss, 2)
    return float(c0 - c1 * c1 / (4.0 * c2)) if c2 > 0 else math.nan


def _check_budgets(name, value, minimum):
    budgets = v.positive(name, value)
    if budgets.ndim != 1 or budgets.size < minimum:
        raise ValueError(f"{name} must list at least {minimum} compute budgets in FLOPs (got {value!r})")
    logs = np.sort(np.log(budgets))
    if np.any(np.diff(logs) < _BUDGET_RTOL):
        raise ValueError(f"{name} must list distinct budgets (got {value!r})")
    return budgets


def two_step_forecast(results: dict, fit_budgets, target_budget: float, bootstrap: int = 1000, seed: int = 0, *,
                      loss: str = "task_loss", minima: str = "parabola", ceiling="fit",
                      level: float = 0.8) -> TwoStepForecast:
    """Forecast the task accuracy at ``target_budget`` FLOPs from the runs of ``results`` at ``fit_budgets`` only.

    ``results`` are columns as in ``scalingedu.lab.downstream.load_downstream()``: ``budget`` (the nominal budget of
    each run), ``flops``, ``params``, the ``loss`` column ("task_loss", the loss on the correct answers as in the
    Llama 3 report, or "val_loss") and ``task_accuracy``. ``fit_budgets`` (at least 3) must each match some runs'
    ``budget`` (within 5 %). Step 1 fits a power law of compute through each fitted budget's compute-optimal loss
    (``minima`` = "parabola": the minimum of its IsoFLOP parabola, which needs 3 sizes per budget; "best": its best
    run); step 2 fits a sigmoid from loss to accuracy on all runs of the fitted budgets, with the floor at 0 and
    the ceiling fitted (``ceiling="fit"``) or fixed at a number in (0, 1].
    ``bootstrap`` resamples of the runs within each budget (``seed`` fixes them) give the central ``level``
    intervals. Runs at ``target_budget``, if any, are the measurement to compare with; they are never fitted.
    """
    if not isinstance(results, dict):
        raise TypeError(f"results must be a dict of columns (load_downstream()), not {type(results).__name__}")
    v.one_of("loss", loss, LOSS_COLUMNS)
    v.one_of("minima", minima, MINIMA)
    _check_ceiling(ceiling)
    for column in ("budget", "flops", "params", loss, "task_accuracy"):
        if column not in results:
            raise ValueError(f"results must have a {column!r} column (load_downstream()'s columns); got "
                             f"{sorted(results)}")
    budget = v.positive("results['budget']", results["budget"])
    flops = v.positive("results['flops']", results["flops"])
    params = v.positive("results['params']", results["params"])
    losses = v.positive(f"results[{loss!r}]", results[loss])
    accuracy = v.in_range("results['task_accuracy']", results["task_accuracy"], 0.0, 1.0)
    if len({budget.shape, flops.shape, params.shape, losses.shape, accuracy.shape}) != 1 or budget.ndim != 1:
        raise ValueError("results' columns must be 1-D with one value per run, all of the same length")
    fitted = _check_budgets("fit_budgets", fit_budgets, 3)
    target = v.positive_number("target_budget", target_budget)
    if np.any(np.abs(np.log(fitted) - math.log(target)) < _BUDGET_RTOL):
        raise ValueError(f"target_budget = {target:.3g} is one of fit_budgets: a forecast predicts a budget it was "
                         "not fitted on")
    count = v.positive_int("bootstrap", bootstrap, minimum=10, maximum=100_000)
    rng = np.random.default_rng(v.positive_int("seed", seed, minimum=0))
    share = float(v.in_range("level", level, 0.0, 1.0, low_open=True, high_open=True))
    log_budget = np.log(budget)
    groups = []
    for value in np.sort(fitted):
        group = np.flatnonzero(np.abs(log_budget - math.log(value)) < _BUDGET_RTOL)
        if group.size == 0:
            raise ValueError(f"fit_budgets: no run of results was trained at {value:.3g} FLOPs (its budgets are "
                             f"{', '.join(f'{b:.3g}' for b in np.unique(budget))})")
        if minima == "parabola" and np.unique(params[group]).size < 3:
            raise ValueError(f"fit_budgets: the budget {value:.3g} has fewer than 3 model sizes, too few for an "
                             "IsoFLOP parabola; use minima='best'")
        groups.append(group)

    try:
        law, points_flops, points_loss, sigmoid, predicted = _forecast_once(
            flops, params, losses, accuracy, groups, minima, target, ceiling)
    except ValueError as error:
        raise ValueError(f"results: the runs at fit_budgets cannot be fitted ({error})") from None
    samples_loss, samples_sigmoid, failed = [], [], 0
    while len(samples_loss) < count:
        drawn = [rng.choice(group, size=group.size, replace=True) for group in groups]
        try:
            *_, fitted_sigmoid, value = _forecast_once(flops, params, losses, accuracy, drawn, minima, target,
                                                       ceiling)
        except (ValueError, np.linalg.LinAlgError):
            failed += 1
            if failed > _REDRAWS * count:
                raise ValueError("bootstrap: too few resamples of the runs could be fitted; give more runs per "
                                 "budget") from None
            continue
        samples_loss.append(value)
        samples_sigmoid.append(fitted_sigmoid)
    boot_loss = np.array(samples_loss)
    boot_slope, boot_mid, boot_ceiling = np.array(samples_sigmoid).T
    boot_accuracy = _sigmoid(boot_loss, boot_slope, boot_mid, boot_ceiling)
    slope, midpoint, top = sigmoid
    quantiles = [(1 - share) / 2, (1 + share) / 2]

    def interval(values):
        low, high = np.quantile(values, quantiles)
        return float(low), float(high)

    at_target = np.flatnonzero(np.abs(log_budget - math.log(target)) < _BUDGET_RTOL)
    if at_target.size:
        best = at_target[np.argmin(losses[at_target])]
        measured = (float(losses[best]), _parabola_minimum(params[at_target], losses[at_target]),
                    float(accuracy[best]))
    else:
        measured = (math.nan, math.nan, math.nan)
    rows = np.concatenate(groups)
    loss_low, loss_high = interval(boot_loss)
    accuracy_low, accuracy_high = interval(boot_accuracy)
    return TwoStepForecast(
        loss_column=loss, minima=minima, fit_budgets=tuple(float(b) for b in np.sort(fitted)), target_budget=target,
        level=share, step1_flops=np.asarray(points_flops, dtype=float), step1_loss=np.asarray(points_loss, dtype=float),
        loss_law=law, fit_loss=losses[rows], fit_accuracy=accuracy[rows], slope=slope, midpoint=midpoint,
        ceiling=top, ceiling_fitted=isinstance(ceiling, str), predicted_loss=predicted, loss_low=loss_low,
        loss_high=loss_high, predicted_accuracy=float(_sigmoid(predicted, slope, midpoint, top)),
        accuracy_low=accuracy_low, accuracy_high=accuracy_high,
        accuracy_interval_step1=interval(_sigmoid(boot_loss, slope, midpoint, top)),
        accuracy_interval_step2=interval(_sigmoid(predicted, boot_slope, boot_mid, boot_ceiling)),
        measured_loss=measured[0], measured_optimum_loss=measured[1], measured_accuracy=measured[2],
        samples_loss=boot_loss, samples_accuracy=boot_accuracy, failed=failed)
