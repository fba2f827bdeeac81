"""Kaplan et al. 2020, "Scaling Laws for Neural Language Models" (arXiv:2001.08361).

Losses are in nats per token on their WebText2 test set; N counts non-embedding parameters; compute is in PF-days
(1 PF-day = 8.64e19 FLOPs). Four laws:

- Eq. 1.1  L(N) = (N_c / N)^alpha_N          models trained to convergence on enough data
- Eq. 1.2  L(D) = (D_c / D)^alpha_D          large models trained with early stopping on D tokens
- Eq. 1.3  L(C) = (C_c / C_min)^alpha_C      compute-efficient training
- Eq. 1.5  L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D    with the Table 2 constants

and the compute-efficient allocation of Table 6: N_opt = 1.3e9 · C^0.73 (C in PF-days), which grows the model much
faster than the data. Note the single-variable fits (Eqs. 1.1-1.2) and the joint fit (Table 2) use different
constants; the paper says so, and so do we.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..data import (KAPLAN_2020_ALLOCATION, KAPLAN_2020_COMPUTE_LAW, KAPLAN_2020_DATA_LAW, KAPLAN_2020_JOINT_LAW,
                    KAPLAN_2020_PARAMS_LAW, PF_DAY_FLOPS)
from .allocation import Allocation


@dataclass(frozen=True)
class KaplanLaw:
    """The constants of Kaplan et al.'s laws (names as in the paper) and the laws as methods."""

    alpha_N: float
    N_c: float
    alpha_D: float
    D_c: float
    alpha_C: float
    C_c_pf_days: float
    joint_alpha_N: float
    joint_alpha_D: float
    joint_N_c: float
    joint_D_c: float
    params_coefficient: float
    params_exponent: float

    def loss_from_params(self, params):
        """Eq. 1.1: L(N) = (N_c/N)^alpha_N for non-embedding parameters N (converged, data not limiting)."""
        n = v.positive("params", params)
        return v.scalar_or_array((self.N_c / n) ** self.alpha_N, params)

    def loss_from_tokens(self, tokens):
        """Eq. 1.2: L(D) = (D_c/D)^alpha_D for a large model trained with early stopping on D tokens."""
        d = v.positive("tokens", tokens)
        return v.scalar_or_array((self.D_c / d) ** self.alpha_D, tokens)

    def loss_from_compute(self, pf_days):
        """Eq. 1.3: L(C_min) = (C_c/C_min)^alpha_C, compute in PF-days, for compute-efficient training."""
        c = v.positive("pf_days", pf_days)
        return v.scalar_or_array((self.C_c_pf_days / c) ** self.alpha_C, pf_days)

    def loss(self, params, tokens):
        """Eq. 1.5 with Table 2's fit: L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D."""
        n = v.positive("params", params)
        d = v.positive("tokens", tokens)
        try:
            inner = (self.joint_N_c / n) ** (self.joint_alpha_N / self.joint_alpha_D) + self.joint_D_c / d
        except ValueError:
            raise ValueError(f"params (shape {n.shape}) and tokens (shape {d.shape}) cannot be combined") from None
        return v.scalar_or_array(inner ** self.joint_alpha_D, params, tokens)

    def optimal_params(self, pf_days):
        """Table 6: the compute-efficient model size N_opt = 1.3e9 · C^0.73 non-embedding parameters (C in PF-days)."""
        c = v.positive("pf_days", pf_days)
        return v.scalar_or_array(self.params_coefficient * c ** self.params_exponent, pf_days)

    def compute_optimal(self, flops) -> Allocation:
        """Kaplan's allocation of ``flops``: N from Table 6, D = flops / (6N) so that the budget is spent exactly,
        and the loss from Eq. 1.5. (Table 6's own D_opt = 2e10 C^0.27 is a separate fit and does not close the
        budget; see the module docstring.)"""
        c = v.positive("flops", flops)
        params = self.params_coefficient * (c / PF_DAY_FLOPS) ** self.params_exponent
        tokens = c / (6 * params)
        loss = self.loss(params, tokens)
        return Allocation(params=v.scalar_or_array(params, flops), tokens=v.scalar_or_array(tokens, flops),
                          flops=v.scalar_or_array(c, flops), loss=v.scalar_or_array(np.asarray(loss), flops))


KAPLAN_2020 = KaplanLaw(
    alpha_N=KAPLAN_2020_PARAMS_LAW["alpha_N"], N_c=KAPLAN_2020_PARAMS_LAW["N_c"],
    alpha_D=KAPLAN_2020_DATA_LAW["alpha_D"], D_c=KAPLAN_2020_DATA_LAW["D_c"],
    alpha_C=KAPLAN_2020_COMPUTE_LAW["alpha_C"], C_c_pf_days=KAPLAN_2020_COMPUTE_LAW["C_c_pf_days"],
    joint_alpha_N=KAPLAN_2020_JOINT_LAW["alpha_N"], joint_alpha_D=KAPLAN_2020_JOINT_LAW["alpha_D"],
    joint_N_c=KAPLAN_2020_JOINT_LAW["N_c"], joint_D_c=KAPLAN_2020_JOINT_LAW["D_c"],
    params_coefficient=KAPLAN_2020_ALLOCATION["params_coefficient"],
    params_exponent=KAPLAN_2020_ALLOCATION["params_exponent"],
)
"""Kaplan et al. 2020's published constants (Eqs. 1.1-1.3, Table 2, Table 6)."""
