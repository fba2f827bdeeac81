"""How sure are we of a fitted exponent? Bootstrap intervals for the sweep's allocation exponent a (N_opt ∝ C^a).

A sweep of twenty runs gives one estimate of a; a different set of runs (other seeds, other sizes) would give a
somewhat different one. The bootstrap (Efron 1979) imitates "a different set of runs" by resampling the runs we
have with replacement, refitting, and reading the spread of the refitted exponents. For Approach 2 the runs are
resampled within each budget (every budget keeps its number of runs, and a resample whose profile has fewer than
3 distinct sizes or does not curve upward is drawn again); for Approach 3 all runs are resampled together. The
interval is the central ``level`` share of the bootstrap distribution (the percentile interval).

Hoffmann et al. 2022 report such intervals in their Table 2 (Approach 2: a = 0.49, 0.462 to 0.534); Besiroglu et al.
2024 argue that Approach 3's published interval was far too narrow for the number of runs behind it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..laws.fitting import fit_chinchilla, fit_isoflop_parabolas
from .flops import six_nd

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
