"""IsoFLOP profiles (lesson 04): the loss of every model size trained on one compute budget, its
optimum, and Hoffmann et al.'s Approach 2 run on simulated experiments.

- :func:`isoflop_view`: the profile of a law at one budget, with the compute-optimal plan
  (:class:`IsoFlopView`); :func:`profile_limits`: loss limits that show every profile of a decade
  of budgets;
- :func:`isoflop_experiment`: simulate IsoFLOP runs from a known law at Hoffmann et al.'s nine
  budgets, then fit a parabola per budget and a power law through the minima
  (:class:`IsoFlopExperiment`).

A law is a label of :data:`scalingedu.laws.comparison.LAW_CHOICES` or a law object. Kaplan's
allocation is scored with Eq. 10 (rounded), :data:`~scalingedu.laws.comparison.KAPLAN_SCORED_BY`:
the profile then shows where Kaplan's advice lands on Hoffmann's curve.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from .. import _validate as v
from ..data import GOPHER_BUDGET_FLOPS, HOFFMANN_2022_EXPERIMENTS
from .allocation import Allocation
from .chinchilla import EPOCH_2024, HOFFMANN_2022, HOFFMANN_2022_TEX, ChinchillaLaw
from .comparison import KAPLAN_SCORED_BY, law_choice
from .fitting import IsoFlopFit, fit_isoflop_parabolas, simulate_runs
from .kaplan import KaplanLaw

PARAMS_RANGE = (1e6, 1e15)
"""Model sizes (parameters) of a profile: wide enough for every optimum from 1e18 to 1e27 FLOPs."""
FLOPS_RANGE = (1e18, 1e27)
"""Budgets (FLOPs) from a small research run to beyond today's largest runs."""
LOSS_SPANS = (0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 3.0)
"""Heights (nats/token) a profile's loss axis may take: the smallest that shows the bowls."""


@dataclass(frozen=True)
class IsoFlopView:
    """One budget under one law: the IsoFLOP profile ``loss`` (nats/token) over ``params`` and the
    ``optimum``.

    ``scored_by`` is the Chinchilla law that gives the losses (the law itself, or Eq. 10 for
    Kaplan's allocation); ``best`` is that law's own optimum at the budget, the same as ``optimum``
    unless Kaplan was chosen.
    """

    flops: float
    params: np.ndarray
    loss: np.ndarray
    optimum: Allocation
    best: Allocation
    scored_by: ChinchillaLaw

    @property
    def extra_loss(self) -> float:
        """How much higher the chosen plan's loss is than the best plan's (nats/token)."""
        return float(self.optimum.loss - self.best.loss)


def isoflop_view(law: str | ChinchillaLaw | KaplanLaw, flops: float, params=None) -> IsoFlopView:
    """The IsoFLOP profile of ``law`` at a budget of ``flops`` FLOPs, and its compute-optimal plan.

    ``law`` is a label of :data:`~scalingedu.laws.comparison.LAW_CHOICES` or a law object (for
    example one you fitted with ``fit_chinchilla``). ``params`` defaults to 300 model sizes
    log-spaced over :data:`PARAMS_RANGE`. Raises ValueError if the optimum falls outside that range.
    """
    chosen = law_choice(law) if isinstance(law, str) else law
    if not isinstance(chosen, (ChinchillaLaw, KaplanLaw)):
        raise TypeError(f"law must be a label of LAW_CHOICES or a ChinchillaLaw, "
                        f"not {type(chosen).__name__}")
    budget = float(v.positive("flops", flops)) if np.ndim(flops) == 0 else None
    if budget is None:
        raise TypeError("flops must be one budget (a single number of FLOPs)")
    grid = np.geomspace(*PARAMS_RANGE, 300) if params is None else v.positive("params", params).ravel()
    scorer = chosen if isinstance(chosen, ChinchillaLaw) else KAPLAN_SCORED_BY
    best = scorer.compute_optimal(budget)
    if isinstance(chosen, ChinchillaLaw):
        optimum = best
    else:
        plan = chosen.compute_optimal(budget)
        optimum = Allocation(params=plan.params, tokens=plan.tokens, flops=plan.flops,
                             loss=scorer.loss(plan.params, plan.tokens))
    low, high = PARAMS_RANGE
    if not low <= optimum.params <= high:
        raise ValueError(f"at {budget:.3g} FLOPs the optimum of this law has {optimum.params:.3g} "
                         f"parameters, outside the plotted range [{low:g}, {high:g}]")
    profile = np.asarray(scorer.isoflop_profile(budget, grid))
    return IsoFlopView(flops=budget, params=grid, loss=profile, optimum=optimum, best=best,
                       scored_by=scorer)


def profile_limits(law: str | ChinchillaLaw | KaplanLaw, flops: float) -> tuple[float, float]:
    """Loss limits (nats/token) for the IsoFLOP profiles of ``law`` at every budget in the decade of
    ``flops``.

    The limits show each profile from 1/100 to 100 times its optimum (and Kaplan's plan, if chosen)
    for all budgets from 10^k to 10^(k+1) FLOPs, snapped to round values. Because they depend only
    on the decade, a plot of one budget keeps its axis while the budget moves inside a decade.
    """
    chosen = law_choice(law) if isinstance(law, str) else law
    budget = float(v.positive("flops", flops))
    decade = np.floor(np.log10(budget) + 1e-9)
    losses, lowest = [], np.inf
    edges = (max(10.0 ** decade, FLOPS_RANGE[0]), min(10.0 ** (decade + 1), FLOPS_RANGE[1]))
    for edge in edges:
        view = isoflop_view(chosen, edge, np.array(PARAMS_RANGE))
        around = view.scored_by.isoflop_profile(edge, view.best.params * np.array([0.01, 100.0]))
        losses.extend([float(np.max(around)), float(view.optimum.loss)])
        lowest = min(lowest, float(view.best.loss))
    shown = max(losses) - lowest
    span = next((s for s in LOSS_SPANS if shown <= 0.85 * s), LOSS_SPANS[-1])
    step = span / 5
    bottom = np.floor((lowest - 0.08 * span) / step) * step
    return float(round(bottom, 6)), float(round(bottom + span, 6))


# --------------------------------------------------------------------------------------------------
# Approach 2 on simulated runs
# --------------------------------------------------------------------------------------------------

TRUE_LAWS = MappingProxyType({
    "Hoffmann 2022, Eq. 10 (unrounded)": HOFFMANN_2022_TEX,
    "Hoffmann 2022, Eq. 10 (rounded)": HOFFMANN_2022,
    "Epoch 2024 replication": EPOCH_2024,
})
"""The laws that can play the "truth" behind the simulated runs of :func:`isoflop_experiment`."""

LAB_BUDGETS = np.geomspace(HOFFMANN_2022_EXPERIMENTS["isoflop_smallest_flops"],
                           HOFFMANN_2022_EXPERIMENTS["isoflop_largest_flops"],
                           int(HOFFMANN_2022_EXPERIMENTS["isoflop_budgets"]))
"""Hoffmann et al.'s nine IsoFLOP budgets, 6e18 to 3e21 FLOPs (section 3.2), used by the simulated
experiment."""

LAB_OUTLIER_FACTOR = 1.1
"""An outlier of the simulated experiment has a loss 10% too high (a failed or badly tuned run)."""

TARGET_FLOPS = GOPHER_BUDGET_FLOPS
"""Where the experiment extrapolates the fitted N_opt: Gopher's budget, about 190 times the largest
simulated budget."""


@dataclass(frozen=True, eq=False)
class IsoFlopExperiment:
    """One simulated Approach 2 experiment (see :func:`isoflop_experiment`).

    ``runs`` holds the simulated ``params``, ``tokens``, ``flops`` and ``loss`` arrays (SIMULATED,
    not measured), ``fit`` the parabolas and power laws of
    :func:`scalingedu.laws.fitting.fit_isoflop_parabolas`, and ``truth`` the law the runs were
    simulated from; ``budget_index`` is the index of each run's budget in :data:`LAB_BUDGETS`.
    """

    runs: dict
    fit: IsoFlopFit
    truth: ChinchillaLaw

    @property
    def budget_index(self) -> np.ndarray:
        """The index of each run's budget in :data:`LAB_BUDGETS` (read from the runs' own budgets)."""
        return np.searchsorted(LAB_BUDGETS, self.runs["flops"])

    @property
    def true_a(self) -> float:
        return self.truth.params_exponent

    @property
    def target_params(self) -> tuple[float, float]:
        """N_opt at :data:`TARGET_FLOPS`: the truth's, then the fitted power law's extrapolation."""
        return (float(self.truth.compute_optimal(TARGET_FLOPS).params),
                float(self.fit.params_law(TARGET_FLOPS)))


def isoflop_experiment(truth: str | ChinchillaLaw, noise: float, sizes: int, spread: float,
                       seed: int, outlier_fraction: float = 0.0) -> IsoFlopExperiment:
    """Simulate Hoffmann et al.'s Approach 2 with a known law, then fit it as they did.

    At each of the nine budgets of :data:`LAB_BUDGETS`, ``sizes`` model sizes from
    N_opt/``spread`` to N_opt·``spread`` around the true optimum are "trained" by
    :func:`scalingedu.laws.fitting.simulate_runs`: their losses are the true law's, with
    multiplicative noise of relative size ``noise`` (0.01 = 1%), and a fraction
    ``outlier_fraction`` of the runs made 10% worse (:data:`LAB_OUTLIER_FACTOR`). Then
    :func:`scalingedu.laws.fitting.fit_isoflop_parabolas` fits a parabola in log N per budget and a
    power law N_opt ∝ C^a through the minima. ValueError if a parabola cannot be fitted (fewer than
    3 sizes, or noise that hides the bowl so that the losses do not curve upward).
    """
    law = TRUE_LAWS[v.one_of("truth", truth, TRUE_LAWS)] if isinstance(truth, str) else truth
    if not isinstance(law, ChinchillaLaw):
        raise TypeError(f"truth must be a label of TRUE_LAWS or a ChinchillaLaw, "
                        f"not {type(law).__name__}")
    noise = float(v.in_range("noise", noise, 0.0, 0.5))
    sizes = v.positive_int("sizes", sizes, minimum=1, maximum=100)
    spread = float(v.in_range("spread", spread, 1.0, 1e4, low_open=True))
    seed = v.positive_int("seed", seed, minimum=0)
    if sizes < 3:
        raise ValueError(f"sizes must be at least 3: a parabola needs at least 3 model sizes per budget (got {sizes})")
    runs = simulate_runs(law, LAB_BUDGETS, sizes, noise=noise, seed=seed, spread=spread,
                         outlier_fraction=outlier_fraction, outlier_factor=LAB_OUTLIER_FACTOR)
    fit = fit_isoflop_parabolas(runs["params"], runs["flops"], runs["loss"])
    return IsoFlopExperiment(runs=runs, fit=fit, truth=law)
