"""The Chinchilla law of Hoffmann et al. 2022 ("Training Compute-Optimal Large Language Models", arXiv:2203.15556).

Approach 3 models the final loss of a model with N parameters trained on D tokens as (Eq. 2)

    L(N, D) = E + A / N^alpha + B / D^beta

E is the irreducible loss of the text, A/N^alpha the penalty for a finite model and B/D^beta for finite data.
Minimising L under the budget C = 6ND gives the closed form of Eq. 4:

    N_opt(C) = G · (C/6)^a,   D_opt(C) = G^-1 · (C/6)^b,
    G = (alpha·A / (beta·B))^(1/(alpha+beta)),   a = beta/(alpha+beta),   b = alpha/(alpha+beta).

Three sets of constants ship: the paper's rounded Eq. 10 (``HOFFMANN_2022``), its unrounded TeX values
(``HOFFMANN_2022_TEX``), and the replication of Besiroglu et al. 2024 (``EPOCH_2024``), which refit the points of
Hoffmann's Fig. 4 and found a different, better-fitting law.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..compute import FLOPS_PER_PARAM_TOKEN
from ..data import EPOCH_2024_FIT, HOFFMANN_2022_FIT, HOFFMANN_2022_TEX_FIT
from .allocation import Allocation


@dataclass(frozen=True)
class ChinchillaLaw:
    """L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022, Eq. 2), with ``name`` saying whose constants."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    name: str = "custom"

    def __post_init__(self):
        for field_name in ("A", "B", "alpha", "beta"):
            v.positive(field_name, getattr(self, field_name))
        v.positive("E", self.E, allow_zero=True)

    # --- the law ----------------------------------------------------------------------------------------------
    def loss(self, params, tokens):
        """Predicted final loss (nats/token) of ``params`` parameters trained on ``tokens`` tokens (Eq. 2)."""
        n = v.positive("params", params)
        d = v.positive("tokens", tokens)
        try:
            value = self.E + self.A / n ** self.alpha + self.B / d ** self.beta
        except ValueError:
            raise ValueError(f"params (shape {n.shape}) and tokens (shape {d.shape}) cannot be combined") from None
        return v.scalar_or_array(value, params, tokens)

    # --- compute-optimal allocation (Eq. 4) ---------------------------------------------------------------------
    @property
    def params_exponent(self) -> float:
        """a in N_opt ∝ C^a: beta / (alpha + beta)."""
        return self.beta / (self.alpha + self.beta)

    @property
    def tokens_exponent(self) -> float:
        """b in D_opt ∝ C^b: alpha / (alpha + beta)."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def G(self) -> float:
        """G = (alpha·A / (beta·B))^(1/(alpha+beta)) of Eq. 4."""
        return (self.alpha * self.A / (self.beta * self.B)) ** (1.0 / (self.alpha + self.beta))

    def compute_optimal(self, flops) -> Allocation:
        """The loss-minimising split of ``flops`` = 6ND (Eq. 4, closed form)."""
        c = v.positive("flops", flops)
        half_budget = c / FLOPS_PER_PARAM_TOKEN
        params = self.G * half_budget ** self.params_exponent
        tokens = half_budget ** self.tokens_exponent / self.G
        loss = self.E + self.A / params ** self.alpha + self.B / tokens ** self.beta
        return Allocation(params=v.scalar_or_array(params, flops), tokens=v.scalar_or_array(tokens, flops),
                          flops=v.scalar_or_array(c, flops), loss=v.scalar_or_array(loss, flops))

    def isoflop_profile(self, flops, params):
        """Loss along an IsoFLOP curve: each of ``params`` trained on flops/(6·params) tokens."""
        c = float(v.positive("flops", flops)) if np.ndim(flops) == 0 else None
        if c is None:
            raise TypeError("flops must be a single budget for one IsoFLOP profile (call once per budget)")
        n = v.positive("params", params)
        tokens = c / (FLOPS_PER_PARAM_TOKEN * n)
        return v.scalar_or_array(self.E + self.A / n ** self.alpha + self.B / tokens ** self.beta, params)

    def __str__(self) -> str:
        return (f"{self.name}: L = {self.E:.4g} + {self.A:.4g}/N^{self.alpha:.4g} + {self.B:.4g}/D^{self.beta:.4g}")


def _from_constants(constants, name: str) -> ChinchillaLaw:
    return ChinchillaLaw(E=constants["E"], A=constants["A"], B=constants["B"], alpha=constants["alpha"],
                         beta=constants["beta"], name=name)


HOFFMANN_2022 = _from_constants(HOFFMANN_2022_FIT, "Hoffmann et al. 2022 (Eq. 10)")
"""The constants printed in Hoffmann et al. 2022, Eq. 10 (rounded)."""
HOFFMANN_2022_TEX = _from_constants(HOFFMANN_2022_TEX_FIT, "Hoffmann et al. 2022 (Eq. 10, unrounded)")
"""Eq. 10 unrounded, from the paper's TeX source."""
EPOCH_2024 = _from_constants(EPOCH_2024_FIT, "Besiroglu et al. 2024 (Epoch AI replication)")
"""The refit of Besiroglu et al. 2024 on the data of Hoffmann's Fig. 4."""
