"""Over-training: what a run at M tokens per parameter gives up against the compute-optimal run of the same compute.

With C = 6·N·D and M = D/N fixed, the model is N = sqrt(C/(6M)) on D = sqrt(C·M/6) tokens, and a law of the
Chinchilla form L = E + A/N^alpha + B/D^beta becomes a function of compute and M alone,

    L(C, M) = E + A·(6M/C)^(alpha/2) + B·(6/(C·M))^(beta/2).

When alpha = beta = 2·eta (Muennighoff et al.'s fit has alpha = beta) this is exactly the form Gadre et al. 2024
(arXiv:2403.08540) fit to over-trained runs, L = E + (a·M^eta + b·M^(-eta))·C^(-eta) with a = A·6^eta and
b = B·6^eta: over-training multiplies the reducible loss by the same factor at every compute, so the
reducible loss against compute keeps its slope and shifts up, and the compute a ratio M costs to reach the
optimum's loss is one fixed multiple (:func:`compute_multiplier`). With alpha ≠ beta (Hoffmann et al.'s or Epoch's
fits) the multiple drifts slowly with compute.

What this leaves out (said in the lesson): every fit here was measured near 20 tokens per parameter; Sardana et
al. (v2) find that such laws overstate what extra tokens are worth far beyond it, and Gadre et al. fit their own
constants on runs up to 640 tokens per parameter, which the library does not carry (no checked copy of them).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .. import _validate as v
from ..compute import FLOPS_PER_PARAM_TOKEN
from ..laws import ChinchillaLaw


def _law(law) -> ChinchillaLaw:
    if not isinstance(law, ChinchillaLaw):
        raise TypeError(f"law must be a ChinchillaLaw (e.g. scalingedu.laws.EPOCH_2024), not {type(law).__name__}")
    return law


def overtrained_loss(law: ChinchillaLaw, flops, tokens_per_param):
    """Loss of the run that spends ``flops`` (C = 6·N·D) at ``tokens_per_param`` M = D/N under ``law``.
    Vectorised over both."""
    c = v.positive("flops", flops)
    m = v.positive("tokens_per_param", tokens_per_param)
    params = np.sqrt(c / (FLOPS_PER_PARAM_TOKEN * m))
    return v.scalar_or_array(_law(law).loss(params, params * m), flops, tokens_per_param)


def compute_multiplier(law: ChinchillaLaw, flops, tokens_per_param) -> float:
    """How many times ``flops`` a run at ``tokens_per_param`` must spend to reach the loss the compute-optimal run
    reaches with ``flops`` (1 at the optimum's own ratio, more anywhere else)."""
    law = _law(law)
    c = v.positive_number("flops", flops)
    m = v.positive_number("tokens_per_param", tokens_per_param)
    target = law.compute_optimal(c).loss
    if overtrained_loss(law, c, m) <= target * (1 + 1e-12):
        return 1.0
    gap = lambda log_c: overtrained_loss(law, np.exp(log_c), m) - target      # noqa: E731 (falls with compute)
    high = np.log(c)
    while gap(high) > 0:
        high += np.log(10.0)
        if high > np.log(c) + 300:
            raise ValueError(f"tokens_per_param={m:g} cannot reach the optimum's loss at any compute under {law.name}")
    return float(np.exp(brentq(gap, np.log(c), high, xtol=1e-12, rtol=1e-12) - np.log(c)))


@dataclass(frozen=True)
class GadreForm:
    """Gadre et al.'s form of a law with alpha = beta: L(C, M) = E + (a·M^eta + b·M^(-eta))·C^(-eta)."""

    E: float
    a: float
    b: float
    eta: float

    def loss(self, flops, tokens_per_param):
        c = v.positive("flops", flops)
        m = v.positive("tokens_per_param", tokens_per_param)
        return v.scalar_or_array(self.E + (self.a * m ** self.eta + self.b * m ** -self.eta) * c ** -self.eta,
                                 flops, tokens_per_param)

    @property
    def optimal_tokens_per_param(self) -> float:
        """The ratio that minimises the loss at every compute: M* = (b/a)^(1/(2·eta))."""
        return float((self.b / self.a) ** (1.0 / (2.0 * self.eta)))

    def compute_multiplier(self, tokens_per_param) -> float:
        """The compute a ratio M costs against M*, the same at every budget: (f(M)/f(M*))^(1/eta)."""
        m = v.positive_number("tokens_per_param", tokens_per_param)
        f = lambda x: self.a * x ** self.eta + self.b * x ** -self.eta     # noqa: E731
        return float((f(m) / f(self.optimal_tokens_per_param)) ** (1.0 / self.eta))


def gadre_form(law: ChinchillaLaw) -> GadreForm:
    """Rewrite a law whose exponents are equal as Gadre et al.'s L(C, M) (module text); a ValueError otherwise."""
    law = _law(law)
    if not np.isclose(law.alpha, law.beta, rtol=1e-9, atol=0.0):
        raise ValueError(f"{law.name} has alpha = {law.alpha:g} and beta = {law.beta:g}; the form needs alpha = beta "
                         f"(e.g. Muennighoff et al.'s fit, MUENNIGHOFF_2023.unconstrained)")
    eta = law.alpha / 2.0
    six = FLOPS_PER_PARAM_TOKEN
    return GadreForm(E=law.E, a=law.A * six ** eta, b=law.B * six ** eta, eta=eta)
