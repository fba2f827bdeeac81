"""How sure are we of a fitted exponent? Bootstrap intervals for the sweep's allocation exponent a (N_opt ∝ C^a).

A sweep of twenty runs gives one estimate of a; a different set of runs (other seeds, other sizes) would give a
somewhat different one. The bootstrap (Efron 1979) imitates "a different set of runs" by resampling the runs we
have with replacement, refitting, and reading the spread of the refitted exponents. For Approach 2 the runs are
resampled within each budget (every budget keeps its number of runs, and a resample whose profile has fewer than
3 distinct sizes or does not curve upward is drawn again); for Approach 3 all runs are resampled together. The
interval is the central ``level`` share of the bootstrap distribution (the percentile interval).

Hoffmann et al. 2022 report such intervals in their Table 2 (Approach 2: a = 0.49, 0.462 to 0.534); Besiroglu et al.
2024 argue that Approach 3's published interval was far too narrow for the number of runs behind it.

Also here, for lesson 05's IsoFLOP profiles: :func:`sweep_fit` (Approach 2 on a whole sweep) and
:func:`isoflop_budget_view` (one budget of a sweep: its runs, parabola and minimum).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..laws.fitting import IsoFlopFit, fit_chinchilla, fit_isoflop_parabolas
from .flops import six_nd
from .sweep import load_results

_REDRAWS = 50


@dataclass(frozen=True, eq=False)
class ExponentInterval:
    """A fitted exponent ``a`` with its bootstrap percentile interval (``low``, ``high``) at ``level``, and the
    ``samples`` of a that make it up (``failed`` counts resamples that could not be fitted and were drawn again)."""

    approach: int
    a: float
    low: float
    high: float
    level: float
    samples: np.ndarray
    failed: int


def _approach_2(params, flops, loss) -> float:
    return fit_isoflop_parabolas(params, flops, loss).a


def _approach_3(params, flops, loss) -> float:
    return fit_chinchilla(params, flops / six_nd(params, 1), loss).params_exponent      # D = C / (6N)


def bootstrap_exponent(results: dict, approach: int = 2, *, samples: int = 1000, level: float = 0.8,
                       seed: int = 0) -> ExponentInterval:
    """The exponent a of N_opt ∝ C^a fitted by ``approach`` 2 (IsoFLOP parabolas) or 3 (``fit_chinchilla``) to a
    sweep's ``results`` (columns ``params``, ``flops``, ``val_loss``), with a bootstrap interval from ``samples``
    resamples (``seed`` fixes them)."""
    if approach not in (2, 3):
        raise ValueError(f"approach must be 2 (IsoFLOP parabolas) or 3 (parametric fit), not {approach!r}")
    count = v.positive_int("samples", samples, minimum=10, maximum=100_000)
    share = float(v.in_range("level", level, 0.0, 1.0, low_open=True, high_open=True))
    params = v.positive("params", results["params"])
    flops = v.positive("flops", results["flops"])
    loss = v.positive("val_loss", results["val_loss"])
    fit = _approach_2 if approach == 2 else _approach_3
    estimate = fit(params, flops, loss)
    rng = np.random.default_rng(seed)
    if approach == 2:
        budgets = np.unique(np.round(np.log(flops), 1))
        groups = [np.flatnonzero(np.round(np.log(flops), 1) == b) for b in budgets]
    else:
        groups = [np.arange(params.size)]
    values, failed = [], 0
    while len(values) < count:
        rows = np.concatenate([rng.choice(group, size=group.size, replace=True) for group in groups])
        try:
            values.append(fit(params[rows], flops[rows], loss[rows]))
        except ValueError:
            failed += 1
            if failed > _REDRAWS * count:
                raise ValueError(f"only {len(values)} of {failed + len(values)} resamples could be fitted; the "
                                 "sweep has too few sizes per budget for a bootstrap") from None
    drawn = np.array(values)
    low, high = np.quantile(drawn, [(1 - share) / 2, (1 + share) / 2])
    return ExponentInterval(approach=approach, a=float(estimate), low=float(low), high=float(high), level=share,
                            samples=drawn, failed=failed)


# --------------------------------------------------------------------------------------------------
# IsoFLOP profiles of a sweep
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class BudgetView:
    """One budget of a sweep: its ``runs_params`` and ``runs_loss``, the fitted parabola
    (``curve_params``, ``curve_loss``) and its minimum (``optimum_params``, ``optimum_tokens``,
    ``optimum_loss``)."""

    flops: float
    runs_params: np.ndarray
    runs_loss: np.ndarray
    curve_params: np.ndarray
    curve_loss: np.ndarray
    optimum_params: float
    optimum_tokens: float
    optimum_loss: float
    inside_sampled_range: bool

    @property
    def tokens_per_param(self) -> float:
        return self.optimum_tokens / self.optimum_params


def sweep_fit(results: dict | None = None) -> IsoFlopFit:
    """Approach 2 on a sweep (by default the shipped one, :func:`load_results`): parabolas per
    budget and power laws through the minima."""
    data = load_results() if results is None else results
    return fit_isoflop_parabolas(data["params"], data["flops"], data["val_loss"])


def isoflop_budget_view(flops: float, results: dict | None = None,
                        fit: IsoFlopFit | None = None) -> BudgetView:
    """The sweep's budget nearest to ``flops`` (in log distance): its runs, parabola and minimum.

    ``results`` defaults to the shipped sweep and ``fit`` to :func:`sweep_fit` of it (pass both to
    reuse them across calls)."""
    budget = float(v.positive("flops", flops)) if np.ndim(flops) == 0 else None
    if budget is None:
        raise TypeError("flops must be a single budget in FLOPs")
    data = load_results() if results is None else results
    fit = sweep_fit(data) if fit is None else fit
    index = int(np.argmin(np.abs(np.log(fit.flops) - math.log(budget))))
    rows = np.abs(np.log(data["flops"]) - math.log(fit.flops[index])) < 0.05
    params, loss = data["params"][rows], data["val_loss"][rows]
    order = np.argsort(params)
    grid = np.geomspace(params.min() / 1.3, params.max() * 1.3, 120)
    c2, c1, c0 = fit.coefficients[index]
    return BudgetView(flops=float(fit.flops[index]), runs_params=params[order].astype(float),
                      runs_loss=loss[order], curve_params=grid,
                      curve_loss=c2 * np.log(grid) ** 2 + c1 * np.log(grid) + c0,
                      optimum_params=float(fit.params[index]),
                      optimum_tokens=float(fit.tokens[index]), optimum_loss=float(fit.loss[index]),
                      inside_sampled_range=bool(fit.inside_sampled_range[index]))


def seed_spread(seeds: dict, flops: float, params) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest validation loss over the seeds of each run of a multi-seed sweep (``seeds``, e.g.
    ``load_results("sweep_seeds")``) at the budget nearest ``flops``, for the model sizes ``params``: the error bar of
    each run. A size the seeded sweep did not train gets NaN."""
    budget = float(v.positive("flops", flops))
    sizes = np.atleast_1d(np.asarray(params, dtype=float))
    nominal = np.unique(seeds["budget"])
    at_budget = seeds["budget"] == nominal[np.argmin(np.abs(np.log(nominal) - math.log(budget)))]
    low, high = np.full(sizes.shape, np.nan), np.full(sizes.shape, np.nan)
    for i, size in enumerate(sizes):
        same = at_budget & (seeds["params"] == size)
        if same.any():
            low[i], high[i] = seeds["val_loss"][same].min(), seeds["val_loss"][same].max()
    return low, high
