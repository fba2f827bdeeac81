"""Inference-aware model sizing: Sardana, Portes, Doubov & Frankle 2023, "Beyond Chinchilla-Optimal" (arXiv:2401.00448).

Chinchilla's optimum minimises the loss for a training budget and ignores what happens after training. A model
that will serve ``inference_tokens`` tokens over its lifetime costs, in total,

    training 6·N·D  +  inference 2·N·inference_tokens      FLOPs

(2 FLOPs per parameter per token for a forward pass). Sardana et al. ask: which N and D reach a target loss
``law.loss(N, D) == target_loss`` for the least *total* compute? Every model size N above the smallest that can
ever reach the target has exactly one D that does so, D(N) = (B / (target − E − A/N^alpha))^(1/beta), so the
question is one-dimensional. At the optimum (set the derivative of the total to zero; x = A/N^alpha, r = target − E − x)

    6·D·((alpha/beta)·x/r − 1) = 2·inference_tokens,

which for zero demand gives x/r = beta/alpha, Chinchilla's own optimum; any demand pushes x up, that is N down and
D up: smaller models trained longer (why Llama models see far more than 20 tokens per parameter).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..compute import FLOPS_PER_PARAM_TOKEN, FORWARD_FLOPS_PER_PARAM_TOKEN
from ..laws import ChinchillaLaw


@dataclass(frozen=True)
class InferenceAllocation:
    """The cheapest model reaching ``loss``: ``params`` trained on ``tokens`` (``training_flops`` = 6ND), then
    serving the lifetime demand (``inference_flops`` = 2·N·inference_tokens). Floats, or arrays for array inputs."""

    params: float | np.ndarray
    tokens: float | np.ndarray
    training_flops: float | np.ndarray
    inference_flops: float | np.ndarray
    total_flops: float | np.ndarray
    loss: float | np.ndarray
    inference_tokens: float | np.ndarray

    @property
    def tokens_per_param(self):
        return self.tokens / self.params


_BISECTION_STEPS = 200


def _tokens_for_loss(law: ChinchillaLaw, reducible, params_term):
    """D such that B/D^beta = reducible − A/N^alpha (with params_term = A/N^alpha)."""
    return (law.B / (reducible - params_term)) ** (1.0 / law.beta)


def inference_optimal(law: ChinchillaLaw, target_loss, inference_tokens) -> InferenceAllocation:
    """The N and D that reach ``target_loss`` under ``law`` for the least training + inference FLOPs.

    Sardana et al. 2023 (section 3): minimise 6·N·D + 2·N·inference_tokens subject to L(N, D) = target_loss.
    ``inference_tokens`` = 0 gives the Chinchilla compute-optimal model for that loss; as it grows, the optimum
    moves to smaller, longer-trained models. Solved by bisection on the optimality condition (see the module text),
    vectorised over ``target_loss`` and ``inference_tokens``. ``target_loss`` must lie above the law's E.
    """
    target = _check_target(law, target_loss)
    demand = v.positive("inference_tokens", inference_tokens, allow_zero=True)
    try:
        target_b, demand_b = np.broadcast_arrays(target, demand)
    except ValueError:
        raise ValueError(f"target_loss (shape {target.shape}) and inference_tokens (shape {demand.shape}) "
                         f"cannot be combined") from None
    reducible = target_b - law.E
    ratio = law.alpha / law.beta

    def condition(fraction):
        # fraction = x / reducible in (beta/(alpha+beta), 1); the condition increases with it
        x = fraction * reducible
        tokens = _tokens_for_loss(law, reducible, x)
        return (FLOPS_PER_PARAM_TOKEN * tokens * (ratio * x / (reducible - x) - 1.0)
                - FORWARD_FLOPS_PER_PARAM_TOKEN * demand_b)

    low = np.full(reducible.shape, law.beta / (law.alpha + law.beta))   # Chinchilla's optimum: condition = -2I <= 0
    high = np.ones_like(low)                                          # the smallest possible model: D -> infinity
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        for _ in range(_BISECTION_STEPS):
            middle = 0.5 * (low + high)
            above = condition(middle) > 0
            high = np.where(above, middle, high)
            low = np.where(above, low, middle)
    fraction = np.where(demand_b == 0, law.beta / (law.alpha + law.beta), 0.5 * (low + high))
    params_term = fraction * reducible
    params = (law.A / params_term) ** (1.0 / law.alpha)
    tokens = _tokens_for_loss(law, reducible, params_term)
    training = FLOPS_PER_PARAM_TOKEN * params * tokens
    inference = FORWARD_FLOPS_PER_PARAM_TOKEN * params * demand_b
    loss = law.E + law.A / params ** law.alpha + law.B / tokens ** law.beta

    def out(array):
        return v.scalar_or_array(np.asarray(array, dtype=float), target_loss, inference_tokens)

    return InferenceAllocation(params=out(params), tokens=out(tokens), training_flops=out(training),
                               inference_flops=out(inference), total_flops=out(training + inference),
                               loss=out(loss), inference_tokens=out(demand_b))


def _check_target(law, target_loss) -> np.ndarray:
    if not isinstance(law, ChinchillaLaw):
        raise TypeError(f"law must be a scalingedu.laws.ChinchillaLaw (e.g. HOFFMANN_2022), not {type(law).__name__}")
    target = v.finite("target_loss", target_loss)
    if np.any(target <= law.E):
        bad = float(target[target <= law.E].ravel()[0])
        raise ValueError(f"target_loss must be > the irreducible loss E = {law.E:g} of {law.name} "
                         f"(no model reaches E or below; got {bad:g})")
    return target


def optimal_budget_for_params(law: ChinchillaLaw, params):
    """The training budget (FLOPs) whose compute-optimal model has ``params`` parameters.

    Hoffmann et al. 2022, Eq. 4 solved for C: N_opt = G·(C/6)^a gives C = 6·(N/G)^(1/a), a = beta/(alpha+beta).
    ``law.compute_optimal`` of the result returns ``params`` again."""
    if not isinstance(law, ChinchillaLaw):
        raise TypeError(f"law must be a scalingedu.laws.ChinchillaLaw (e.g. HOFFMANN_2022), not {type(law).__name__}")
    n = v.positive("params", params)
    flops = FLOPS_PER_PARAM_TOKEN * (n / law.G) ** (1.0 / law.params_exponent)
    return v.scalar_or_array(flops, params)


def smallest_params_for_loss(law: ChinchillaLaw, target_loss):
    """The size below which no amount of data reaches ``target_loss``: A/N^alpha = target − E, that is
    N = (A/(target − E))^(1/alpha) (Eq. 2 with D → infinity)."""
    target = _check_target(law, target_loss)
    return v.scalar_or_array((law.A / (target - law.E)) ** (1.0 / law.alpha), target_loss)


def tokens_to_reach(law: ChinchillaLaw, params, target_loss):
    """The training tokens that bring a model of ``params`` parameters exactly to ``target_loss`` under ``law``:
    D(N) = (B / (target − E − A/N^alpha))^(1/beta) (Eq. 2 solved for D), the curve Sardana et al. minimise along.
    ``params`` must exceed :func:`smallest_params_for_loss`."""
    target = _check_target(law, target_loss)
    n = v.positive("params", params)
    try:
        left = target - law.E - law.A / n ** law.alpha
    except ValueError:
        raise ValueError(f"params (shape {n.shape}) and target_loss (shape {target.shape}) "
                         "cannot be combined") from None
    if np.any(left <= 0):
        smallest = (law.A / (target - law.E)) ** (1.0 / law.alpha)
        bad = float(np.broadcast_to(n, left.shape)[left <= 0].ravel()[0])
        raise ValueError(f"params must be > {float(np.min(smallest)):.4g}, the smallest model that can reach "
                         f"target_loss under {law.name} (got {bad:.4g})")
    return v.scalar_or_array(_tokens_for_loss(law, target - law.E, law.A / n ** law.alpha), params, target_loss)


def lifetime_flops(params, tokens, inference_tokens):
    """Training plus inference FLOPs of one model: 6·params·tokens + 2·params·inference_tokens (Sardana et al.)."""
    n = v.positive("params", params)
    d = v.positive("tokens", tokens)
    demand = v.positive("inference_tokens", inference_tokens, allow_zero=True)
    total = FLOPS_PER_PARAM_TOKEN * n * d + FORWARD_FLOPS_PER_PARAM_TOKEN * n * demand
    return v.scalar_or_array(total, params, tokens, inference_tokens)
