"""Diminishing returns along the compute-optimal frontier of a Chinchilla-type law.

On the frontier (every budget split as Chinchilla's Eq. 4 says) the loss above the irreducible E falls as a power
of compute. Writing a = beta/(alpha+beta) and b = alpha/(alpha+beta), N_opt = G·(C/6)^a and D_opt = (C/6)^b/G, so

    L(C) − E = K · (C/6)^(−gamma),   gamma = alpha·beta/(alpha+beta),   K = A·G^(−alpha) + B·G^beta.

Each doubling of compute multiplies the reducible loss by 2^(−gamma) (about 0.90 for Hoffmann's constants): it
removes a fixed *fraction* of what is left, so the nats gained per doubling fall for ever, while the compute (and
money) for the next 0.1 nats grows without bound and is infinite once the loss is within 0.1 nats of E.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..compute import FLOPS_PER_PARAM_TOKEN, accelerator_hours, cost_dollars
from ..laws import ChinchillaLaw

DEFAULT_STEP_NATS = 0.1


def _check_law(law) -> ChinchillaLaw:
    if not isinstance(law, ChinchillaLaw):
        raise TypeError(f"law must be a scalingedu.laws.ChinchillaLaw (e.g. HOFFMANN_2022), not {type(law).__name__}")
    return law


def frontier_exponent(law: ChinchillaLaw) -> float:
    """gamma in L(C) − E ∝ C^(−gamma) along the compute-optimal frontier: alpha·beta/(alpha+beta)."""
    law = _check_law(law)
    return law.alpha * law.beta / (law.alpha + law.beta)


def _frontier_coefficient(law: ChinchillaLaw) -> float:
    return law.A * law.G ** (-law.alpha) + law.B * law.G ** law.beta


def frontier_loss(law: ChinchillaLaw, flops):
    """Loss of the compute-optimal model for ``flops`` (the same as ``law.compute_optimal(flops).loss``)."""
    return _check_law(law).compute_optimal(flops).loss


def flops_for_loss(law: ChinchillaLaw, loss):
    """The compute a compute-optimal run needs to reach ``loss``: 6·(K/(loss − E))^(1/gamma); loss must exceed E."""
    law = _check_law(law)
    target = v.finite("loss", loss)
    if np.any(target <= law.E):
        bad = float(target[target <= law.E].ravel()[0])
        raise ValueError(f"loss must be > the irreducible loss E = {law.E:g} of {law.name} (got {bad:g}): "
                         f"no finite compute reaches E")
    flops = FLOPS_PER_PARAM_TOKEN * (_frontier_coefficient(law) / (target - law.E)) ** (1.0 / frontier_exponent(law))
    return v.scalar_or_array(flops, loss)


def gain_per_doubling(law: ChinchillaLaw, flops):
    """Nats of loss gained by doubling ``flops`` on the frontier: L(C) − L(2C) = (L(C) − E)·(1 − 2^(−gamma))."""
    law = _check_law(law)
    c = v.positive("flops", flops)
    now = np.asarray(law.compute_optimal(c).loss)
    doubled = np.asarray(law.compute_optimal(2.0 * c).loss)
    return v.scalar_or_array(now - doubled, flops)


@dataclass(frozen=True)
class FrontierStep:
    """Where a budget stands on the frontier and what the next ``step_nats`` of loss would cost.

    ``next_step_flops`` is the whole budget of a compute-optimal run ``step_nats`` lower (runs are retrained, not
    continued), ``next_step_multiplier`` its ratio to ``flops``; both are ``inf`` when the target would be at or
    below E. Money is for the next run: ``next_step_accelerator_hours`` on ``chip`` at ``mfu``, priced at
    ``dollars_per_accelerator_hour``.
    """

    flops: float | np.ndarray
    params: float | np.ndarray
    tokens: float | np.ndarray
    loss: float | np.ndarray
    irreducible_loss: float
    reducible_loss: float | np.ndarray
    gain_per_doubling: float | np.ndarray
    step_nats: float
    next_step_flops: float | np.ndarray
    next_step_multiplier: float | np.ndarray
    next_step_accelerator_hours: float | np.ndarray
    next_step_dollars: float | np.ndarray
    dollars: float | np.ndarray

    @property
    def fraction_of_reducible_left(self):
        """(L − E)/L: the share of the predicted loss that more compute could still remove."""
        return self.reducible_loss / self.loss


def frontier_step(law: ChinchillaLaw, flops, *, step_nats: float = DEFAULT_STEP_NATS, chip="H100",
                  mfu: float = 0.4, dollars_per_accelerator_hour: float = 2.0) -> FrontierStep:
    """The frontier at ``flops``: loss, gain per doubling, distance to E, and the compute and money for the next
    ``step_nats`` (default 0.1 nats) via :func:`scalingedu.compute.accelerator_hours` and ``cost_dollars``.

    Vectorised over ``flops``. The law's loss is an extrapolation beyond the runs it was fitted on (for Hoffmann
    et al., up to about 16B parameters), and money assumes the chip, MFU and price given.
    """
    law = _check_law(law)
    c = v.positive("flops", flops)
    step = float(v.positive("step_nats", step_nats)) if np.ndim(step_nats) == 0 else None
    if step is None:
        raise TypeError("step_nats must be a single number of nats")
    v.in_range("mfu", mfu, 0.0, 1.0, low_open=True)
    optimum = law.compute_optimal(c)
    loss = np.asarray(optimum.loss)
    reducible = loss - law.E
    reachable = reducible > step
    gap = np.where(reachable, reducible - step, 1.0)
    next_flops = np.where(reachable, FLOPS_PER_PARAM_TOKEN * (_frontier_coefficient(law) / gap)
                          ** (1.0 / frontier_exponent(law)), np.inf)
    finite_flops = np.where(reachable, next_flops, 1.0)
    hours = np.where(reachable, np.asarray(accelerator_hours(finite_flops, chip, mfu)), np.inf)
    price = v.positive("dollars_per_accelerator_hour", dollars_per_accelerator_hour, allow_zero=True)
    money = np.where(reachable, np.asarray(cost_dollars(np.where(reachable, hours, 0.0), price)), np.inf)
    dollars_now = np.asarray(cost_dollars(np.asarray(accelerator_hours(c, chip, mfu)), price))

    def out(array):
        return v.scalar_or_array(np.asarray(array, dtype=float), flops)

    return FrontierStep(flops=out(c), params=out(optimum.params), tokens=out(optimum.tokens), loss=out(loss),
                        irreducible_loss=float(law.E), reducible_loss=out(reducible),
                        gain_per_doubling=out(gain_per_doubling(law, c)), step_nats=step,
                        next_step_flops=out(next_flops), next_step_multiplier=out(next_flops / c),
                        next_step_accelerator_hours=out(hours), next_step_dollars=out(money), dollars=out(dollars_now))


@dataclass(frozen=True)
class LabFrontier:
    """The lowest validation loss reached at each compute budget of the scaling lab's shipped IsoFLOP sweep
    (nats per character; FLOPs = 6·N·D as trained), with the width of the best run."""

    flops: np.ndarray
    loss: np.ndarray
    params: np.ndarray


def lab_frontier(results: dict | None = None) -> LabFrontier:
    """The compute-efficient frontier measured by the lab: for each budget, the run with the lowest loss.

    ``results`` are sweep columns (default: :func:`scalingedu.lab.load_results`, the runs shipped with the course).
    """
    if results is None:
        from ..lab import load_results
        results = load_results("sweep")
    for column in ("budget", "flops", "val_loss", "params"):
        if column not in results:
            raise ValueError(f"results must have a {column!r} column (sweep columns); got {sorted(results)}")
    budgets = np.asarray(results["budget"], dtype=float)
    flops, loss, params = [], [], []
    for budget in np.unique(budgets):
        rows = np.flatnonzero(budgets == budget)
        best = rows[np.argmin(np.asarray(results["val_loss"], dtype=float)[rows])]
        flops.append(float(results["flops"][best]))
        loss.append(float(results["val_loss"][best]))
        params.append(float(results["params"][best]))
    return LabFrontier(flops=np.array(flops), loss=np.array(loss), params=np.array(params))
