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

Also here: the overfitting penalty of Eq. 4.3 and the data bound of Eq. 4.4 (D ≳ 5e3 · N^0.74), the critical batch
size of Eq. 1.4, the learning-curve law L(N, S_min) of Eq. 1.6 (Table 3) and the compute a model needs to reach a
loss (Appendix B's ingredients), Table 6's D_opt, and the breakdown point of Eq. 6.8 where two of the laws meet.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..compute import FLOPS_PER_PARAM_TOKEN, training_flops
from ..data import (
    KAPLAN_2020_ALLOCATION,
    KAPLAN_2020_COMPUTE_LAW,
    KAPLAN_2020_CRITICAL_BATCH,
    KAPLAN_2020_DATA_LAW,
    KAPLAN_2020_JOINT_LAW,
    KAPLAN_2020_MODEL_RANGE,
    KAPLAN_2020_OVERFITTING,
    KAPLAN_2020_PARAMS_LAW,
    KAPLAN_2020_SETUP,
    KAPLAN_2020_STEPS_LAW,
    PF_DAY_FLOPS,
)
from ..formatting import flops as flops_text
from ..formatting import human, sci
from .allocation import Allocation


@dataclass(frozen=True)
class BreakdownPoint:
    """Where the compute law L(C_min) meets the data law L(D(C_min)) (Kaplan et al. 2020, Eq. 6.8).

    ``pf_days`` is the compute C*, ``params`` the compute-efficient model size there (Table 6), ``tokens`` the data
    of compute-efficient training there, ``loss`` the loss L* (nats/token) at which both laws agree.
    """

    pf_days: float
    params: float
    tokens: float
    loss: float

    @property
    def flops(self) -> float:
        return self.pf_days * PF_DAY_FLOPS


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
    # Added for lesson 03, with defaults so that existing constructions keep working.
    tokens_coefficient: float = KAPLAN_2020_ALLOCATION["tokens_coefficient"]
    tokens_exponent: float = KAPLAN_2020_ALLOCATION["tokens_exponent"]
    overfitting_coefficient: float = KAPLAN_2020_OVERFITTING["tokens_coefficient"]
    overfitting_exponent: float = KAPLAN_2020_OVERFITTING["exponent"]
    B_star: float = KAPLAN_2020_CRITICAL_BATCH["B_star"]
    alpha_B: float = KAPLAN_2020_CRITICAL_BATCH["alpha_B"]
    steps_alpha_N: float = KAPLAN_2020_STEPS_LAW["alpha_N"]
    steps_N_c: float = KAPLAN_2020_STEPS_LAW["N_c"]
    alpha_S: float = KAPLAN_2020_STEPS_LAW["alpha_S"]
    S_c: float = KAPLAN_2020_STEPS_LAW["S_c"]

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
        tokens = c / (FLOPS_PER_PARAM_TOKEN * params)
        loss = self.loss(params, tokens)
        return Allocation(params=v.scalar_or_array(params, flops), tokens=v.scalar_or_array(tokens, flops),
                          flops=v.scalar_or_array(c, flops), loss=v.scalar_or_array(np.asarray(loss), flops))

    # --- added for lesson 03 --------------------------------------------------------------------------------------
    def optimal_tokens(self, pf_days):
        """Table 6: D_opt = 2e10 · C^0.27 tokens (C in PF-days, one epoch), Kaplan's separate fit of the data that
        compute-efficient training processes. It is not flops / (6 N_opt): 6 · N_opt · D_opt is about 1.8 C, close
        to Eq. 6.7's D = 2 C_min / (6 N), the data of training at the critical batch size."""
        c = v.positive("pf_days", pf_days)
        return v.scalar_or_array(self.tokens_coefficient * c ** self.tokens_exponent, pf_days)

    def loss_at_infinite_data(self, params):
        """L(N, D → ∞) = (N_c/N)^alpha_N of Table 2's joint fit: the converged loss of a model with ``params``."""
        n = v.positive("params", params)
        return v.scalar_or_array((self.joint_N_c / n) ** self.joint_alpha_N, params)

    def loss_at_infinite_params(self, tokens):
        """L(N → ∞, D) = (D_c/D)^alpha_D of Table 2's joint fit: the loss an unlimited model reaches on ``tokens``."""
        d = v.positive("tokens", tokens)
        return v.scalar_or_array((self.joint_D_c / d) ** self.joint_alpha_D, tokens)

    def overfitting_penalty(self, params, tokens):
        """Eq. 4.3: dL = L(N, D) / L(N, ∞) - 1 = [1 + (N/N_c)^(alpha_N/alpha_D) · D_c/D]^alpha_D - 1 (Table 2).

        The fraction by which training on only ``tokens`` (with early stopping) raises the loss of a model with
        ``params`` above its converged loss: 0.02 means 2 % higher.
        """
        n = v.positive("params", params)
        d = v.positive("tokens", tokens)
        ratio = self.joint_alpha_N / self.joint_alpha_D
        try:
            value = (1.0 + (n / self.joint_N_c) ** ratio * self.joint_D_c / d) ** self.joint_alpha_D - 1.0
        except ValueError:
            raise ValueError(f"params (shape {n.shape}) and tokens (shape {d.shape}) cannot be combined") from None
        return v.scalar_or_array(value, params, tokens)

    def tokens_for_penalty(self, params, penalty):
        """Eq. 4.3 solved for D: the tokens that hold the overfitting penalty of ``params`` to ``penalty``.

        D = D_c · (N/N_c)^(alpha_N/alpha_D) / ((1 + penalty)^(1/alpha_D) - 1). With the seed-to-seed variation of
        the loss, 0.02, as the penalty this is Kaplan's Eq. 4.4 before rounding (about 5.5e3 · N^0.74).
        """
        n = v.positive("params", params)
        p = v.positive("penalty", penalty)
        ratio = self.joint_alpha_N / self.joint_alpha_D
        try:
            value = self.joint_D_c * (n / self.joint_N_c) ** ratio / ((1.0 + p) ** (1.0 / self.joint_alpha_D) - 1.0)
        except ValueError:
            raise ValueError(f"params (shape {n.shape}) and penalty (shape {p.shape}) cannot be combined") from None
        return v.scalar_or_array(value, params, penalty)

    def overfitting_bound_tokens(self, params):
        """Eq. 4.4 as printed: D ≳ 5e3 · N^0.74 tokens keep a model of ``params`` from overfitting noticeably."""
        n = v.positive("params", params)
        return v.scalar_or_array(self.overfitting_coefficient * n ** self.overfitting_exponent, params)

    def critical_batch_size(self, loss):
        """Eq. 1.4 / 5.3: B_crit(L) = B* / L^(1/alpha_B) tokens: larger batches than this mostly waste compute."""
        loss_value = v.positive("loss", loss)
        return v.scalar_or_array(self.B_star / loss_value ** (1.0 / self.alpha_B), loss)

    def loss_from_params_and_steps(self, params, steps):
        """Eq. 1.6 / 5.6 with Table 3: L(N, S_min) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S (unlimited data).

        ``steps`` is S_min, the number of steps at a batch size far above the critical one.
        """
        n = v.positive("params", params)
        s = v.positive("steps", steps)
        try:
            value = (self.steps_N_c / n) ** self.steps_alpha_N + (self.S_c / s) ** self.alpha_S
        except ValueError:
            raise ValueError(f"params (shape {n.shape}) and steps (shape {s.shape}) cannot be combined") from None
        return v.scalar_or_array(value, params, steps)

    def loss_at_infinite_steps(self, params):
        """Eq. 1.6 with unlimited training steps: (N_c/N)^alpha_N of Table 3, the loss a model's learning curve
        levels off at (its converged loss under the steps law; close to, but not the same fit as, Eq. 1.1)."""
        n = v.positive("params", params)
        return v.scalar_or_array((self.steps_N_c / n) ** self.steps_alpha_N, params)

    def frontier_point_for_params(self, params) -> Allocation:
        """The point of the compute-efficient frontier where a model of ``params`` is the best choice.

        Every model on the frontier stops a factor 1 + alpha_N/alpha_S above its converged loss (Eq. B.5), so the
        loss there follows from ``params`` alone, and the compute from C_min = 6 · N · B_crit(L) · S_min(N, L).
        Returns an Allocation (``flops`` in FLOPs; divide by PF_DAY_FLOPS for PF-days), the inverse of
        :meth:`compute_efficient_frontier`.
        """
        n = v.positive("params", params)
        loss = (self.steps_N_c / n) ** self.steps_alpha_N * (self.alpha_S + self.steps_alpha_N) / self.alpha_S
        flops = self._frontier_pf_days(loss) * PF_DAY_FLOPS
        return Allocation(params=v.scalar_or_array(n, params),
                          tokens=v.scalar_or_array(flops / (FLOPS_PER_PARAM_TOKEN * n), params),
                          flops=v.scalar_or_array(flops, params), loss=v.scalar_or_array(loss, params))

    def steps_to_reach_loss(self, params, loss):
        """Eq. 1.6 solved for S_min: S_c / (L - (N_c/N)^alpha_N)^(1/alpha_S) steps for ``params`` to reach ``loss``.

        Raises ValueError when ``loss`` is not above the model's converged loss (N_c/N)^alpha_N: no amount of
        training reaches it.
        """
        n = v.positive("params", params)
        target = v.positive("loss", loss)
        try:
            excess = target - (self.steps_N_c / n) ** self.steps_alpha_N
        except ValueError:
            raise ValueError(f"params (shape {n.shape}) and loss (shape {target.shape}) cannot be combined") from None
        if np.any(excess <= 0):
            index = np.unravel_index(int(np.argmax(excess <= 0)), excess.shape)
            converged = float(np.broadcast_to((self.steps_N_c / n) ** self.steps_alpha_N, excess.shape)[index])
            wanted = float(np.broadcast_to(target, excess.shape)[index])
            raise ValueError(f"loss {wanted:.4g} is not above the converged loss {converged:.4g} nats/token of that "
                             f"model (Eq. 1.6): no amount of training reaches it; ask for a higher loss or a "
                             f"larger model")
        return v.scalar_or_array(self.S_c / excess ** (1.0 / self.alpha_S), params, loss)

    def compute_to_reach_loss(self, params, loss):
        """C_min in PF-days for a model of ``params`` to reach ``loss``: 6 · N · B_crit(L) · S_min(N, L).

        The minimum compute (training far below the critical batch size, Eq. 5.5) from Eq. 1.4 and Eq. 1.6, the
        ingredients of Kaplan et al.'s Appendix B. A model's curve of loss against this compute is its learning
        curve; the lower envelope of all models' curves is the compute-efficient frontier.
        """
        steps = np.asarray(self.steps_to_reach_loss(params, loss))
        target = v.positive("loss", loss)
        n = v.positive("params", params)
        flops = FLOPS_PER_PARAM_TOKEN * n * (self.B_star / target ** (1.0 / self.alpha_B)) * steps
        return v.scalar_or_array(flops / PF_DAY_FLOPS, params, loss)

    def compute_efficient_frontier(self, pf_days) -> Allocation:
        """The compute-efficient frontier predicted from L(N, S_min) (Eqs. 1.4 and 1.6; Kaplan et al.'s App. B).

        At each budget C_min (PF-days) the model size that reaches the lowest loss, found exactly: for a target
        loss L the cheapest model is the one whose converged loss is L / (1 + alpha_N/alpha_S) (Eq. B.5, so every
        model on the frontier stops about 10 % above its converged loss), and C_min(L) = 6 · N · B_crit(L) ·
        S_min(N, L) is then solved for L by bisection. Returns an Allocation with ``params``, ``tokens`` =
        flops / (6 · params), ``flops`` and the ``loss``. The frontier falls as C^-0.052 and N grows as C^0.68,
        close to the paper's Eqs. 6.4-6.5 (0.054 and 0.71) and its empirical fits (0.050 and 0.73).
        """
        c = v.positive("pf_days", pf_days)
        low = np.full(c.shape, -5.0)    # log(loss): the frontier's compute falls as the loss rises
        high = np.full(c.shape, 8.0)
        for _ in range(80):
            middle = 0.5 * (low + high)
            too_expensive = self._frontier_pf_days(np.exp(middle)) > c
            low = np.where(too_expensive, middle, low)
            high = np.where(too_expensive, high, middle)
        loss = np.exp(0.5 * (low + high))
        params = self._frontier_params(loss)
        flops = c * PF_DAY_FLOPS
        return Allocation(params=v.scalar_or_array(params, pf_days),
                          tokens=v.scalar_or_array(flops / (FLOPS_PER_PARAM_TOKEN * params),
                                                   pf_days),
                          flops=v.scalar_or_array(flops, pf_days), loss=v.scalar_or_array(loss, pf_days))

    def _frontier_params(self, loss: np.ndarray) -> np.ndarray:
        converged = loss * self.alpha_S / (self.alpha_S + self.steps_alpha_N)
        return self.steps_N_c * converged ** (-1.0 / self.steps_alpha_N)

    def _frontier_pf_days(self, loss: np.ndarray) -> np.ndarray:
        params = self._frontier_params(loss)
        excess = loss * self.steps_alpha_N / (self.alpha_S + self.steps_alpha_N)
        steps = self.S_c / excess ** (1.0 / self.alpha_S)
        batch = self.B_star / loss ** (1.0 / self.alpha_B)
        return FLOPS_PER_PARAM_TOKEN * params * batch * steps / PF_DAY_FLOPS

    def breakdown_point(self, *, tokens_coefficient: float | None = None,
                        tokens_exponent: float | None = None) -> BreakdownPoint:
        """Eq. 6.8: the compute at which L(C_min) = (C_c/C)^alpha_C (Eq. 1.3) meets L(D) = (D_c/D)^alpha_D (Eq. 1.2)
        along the data that compute-efficient training sees, D(C) = tokens_coefficient · C^tokens_exponent.

        The data law defaults to Table 6's D_opt = 2e10 · C^0.27, which gives C* ≈ 1.1e4 PF-days, N* ≈ 1.2e12 and
        L* ≈ 1.67, as Eq. 6.8 prints. Eq. 6.7's 4e10 · C^0.26 moves the point tenfold: the two losses fall at
        nearly the same rate, so their crossing is very sensitive to the constants (the paper warns of this).
        Raises ValueError if the data law falls as fast as the compute law (the lines never meet).
        """
        d0 = self.tokens_coefficient if tokens_coefficient is None else tokens_coefficient
        p = self.tokens_exponent if tokens_exponent is None else tokens_exponent
        d0 = float(v.positive("tokens_coefficient", d0))
        p = float(v.positive("tokens_exponent", p))
        slope_gap = self.alpha_C - self.alpha_D * p
        if slope_gap <= 0:
            raise ValueError(f"with tokens_exponent = {p:g} the data law falls at least as fast as the compute law "
                             f"(alpha_D · p = {self.alpha_D * p:.3g} >= alpha_C = {self.alpha_C:.3g}): they never "
                             f"meet; use an exponent below {self.alpha_C / self.alpha_D:.3g}")
        log_c = (self.alpha_C * np.log(self.C_c_pf_days) - self.alpha_D * np.log(self.D_c / d0)) / slope_gap
        c = float(np.exp(log_c))
        return BreakdownPoint(pf_days=c, params=float(self.optimal_params(c)), tokens=d0 * c ** p,
                             loss=float(self.loss_from_compute(c)))



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


@dataclass(frozen=True)
class LawPoint:
    """Kaplan's joint law at one (N, D): the loss, its two limits, how far the model is from
    overfitting.

    Losses are in nats/token: ``loss`` is L(N, D) (Eq. 1.5, Table 2), ``converged_loss`` is L(N, ∞)
    (unlimited data), ``data_limited_loss`` is L(∞, D) (unlimited model size). ``penalty`` is Eq.
    4.3's fraction by which the finite data raise the loss above L(N, ∞); ``bound_tokens`` is Eq.
    4.4's D ≳ 5e3 · N^0.74 for this N, and ``max_params`` the largest model that ``tokens`` keep
    inside that bound.
    """

    params: float
    tokens: float
    loss: float
    converged_loss: float
    data_limited_loss: float
    penalty: float
    bound_tokens: float
    max_params: float

    @property
    def tokens_per_param(self) -> float:
        return self.tokens / self.params

    @property
    def data_limited(self) -> bool:
        """True when D is below Eq. 4.4's bound: the model would overfit noticeably (early stopping
        limits it)."""
        return self.tokens < self.bound_tokens


def _single(name: str, value) -> float:
    array = v.positive(name, value)
    if array.ndim:
        raise TypeError(f"{name} must be a single number here, not an array of shape {array.shape}")
    return float(array)


def law_point(params: float, tokens: float, law: KaplanLaw = KAPLAN_2020) -> LawPoint:
    """The numbers of Kaplan's joint law at ``params`` (non-embedding parameters) and ``tokens``
    (training tokens): the loss, its limits and the overfitting bound (:class:`LawPoint`)."""
    n, d = _single("params", params), _single("tokens", tokens)
    max_params = (d / law.overfitting_coefficient) ** (1.0 / law.overfitting_exponent)
    return LawPoint(params=n, tokens=d, loss=law.loss(n, d),
                    converged_loss=law.loss_at_infinite_data(n),
                    data_limited_loss=law.loss_at_infinite_params(d),
                    penalty=law.overfitting_penalty(n, d),
                    bound_tokens=law.overfitting_bound_tokens(n), max_params=float(max_params))


def kaplan_largest_run_flops() -> float:
    """About the compute of Kaplan et al.'s largest runs: 6 · (1.5e9 params) · (2.5e5 steps × 512 ×
    1024 tokens).

    Derived here from the published setup (not a figure the paper prints): ≈ 1.2e21 FLOPs, about 14
    PF-days.
    """
    setup = KAPLAN_2020_SETUP
    tokens = setup["training_steps"] * setup["batch_sequences"] * setup["context_tokens"]
    return training_flops(KAPLAN_2020_MODEL_RANGE["largest_params"], tokens)


def measured_range_cautions(params: float | None = None, tokens: float | None = None,
                            flops: float | None = None) -> list[str]:
    """Where a point of Kaplan's laws lies outside what Kaplan et al. measured: one sentence per quantity.

    ``params`` (non-embedding parameters) against the models they trained (768 to 1.5e9,
    :data:`~scalingedu.data.KAPLAN_2020_MODEL_RANGE`), ``tokens`` against their data sets (22M to 23B tokens,
    :data:`~scalingedu.data.KAPLAN_2020_SETUP`), ``flops`` against the compute of their largest runs
    (:func:`kaplan_largest_run_flops`). Empty when everything given lies inside; the laws still give numbers
    outside, as extrapolations.
    """
    found = []
    size, setup = KAPLAN_2020_MODEL_RANGE, KAPLAN_2020_SETUP
    checks = (("params", params, "non-embedding parameters", size["smallest_params"], size["largest_params"],
               "models of {low} to {high} non-embedding parameters"),
              ("tokens", tokens, "training tokens", setup["smallest_data_tokens"], setup["largest_data_tokens"],
               "data sets of {low} to {high} tokens"))
    for name, value, unit, low, high, measured in checks:
        if value is None:
            continue
        value = _single(name, value)
        if not low / _EDGE <= value <= high * _EDGE:
            where = "above" if value > high else "below"
            span = measured.format(low=human(low), high=human(high))
            found.append(f"{human(value)} {unit}: Kaplan et al. measured {span}; the law is extrapolated here, "
                         f"{where} that range")
    if flops is not None:
        budget, largest = _single("flops", flops), kaplan_largest_run_flops()
        if budget > largest * _EDGE:
            found.append(f"budget {flops_text(budget)}: Kaplan et al.'s largest runs used about {sci(largest, 2)} "
                         f"FLOPs ({largest / PF_DAY_FLOPS:.0f} PF-days); Table 6's rule is extrapolated "
                         f"{budget / largest:,.0f}× beyond them here")
    return found


_EDGE = 1.001
"""Values within 0.1% of a range's edge count as inside (a slider may land a hair beyond a published figure)."""
