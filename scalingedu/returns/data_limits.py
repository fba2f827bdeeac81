"""Scaling with limited data: the data-constrained law of Muennighoff et al. 2023 (arXiv:2305.16264).

Chinchilla's law assumes every training token is new. When only ``unique_tokens`` U exist, a run of ``tokens`` D
repeats them for D/U epochs, and each repetition is worth less than fresh text. Muennighoff et al. replace D by an
*effective* amount of data (their Eq. 5, written as in huggingface/datablations' README)

    D' = U_D + U_D · R_D* · (1 − exp(−R_D / R_D*)),    R_D = D/U − 1  (the number of repeated epochs),

which equals D for one epoch and saturates at U_D·(1 + R_D*) however long you train: repeated data decays with a
"half-life" of about R_D* ≈ 15 epochs. Parameters get the same treatment: a model larger than the compute-optimal
size for the unique data, U_N = min(N, D_to_N(U)), has R_N = N/U_N − 1 "excess" parameters whose value decays with
R_N* ≈ 5.3. The loss is then Chinchilla's form in the effective quantities:

    L = E + A / N'^alpha + B / D'^beta.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..compute import FLOPS_PER_PARAM_TOKEN
from ..data import MUENNIGHOFF_2023_FIT
from ..laws import ChinchillaLaw


@dataclass(frozen=True)
class DataConstrainedLaw:
    """Muennighoff et al.'s law: Chinchilla's E, A, B, alpha, beta plus the decay constants R_D* and R_N*."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    rd_star: float
    rn_star: float
    name: str = "custom"

    def __post_init__(self):
        for field_name in ("A", "B", "alpha", "beta", "rd_star", "rn_star"):
            v.positive(field_name, getattr(self, field_name))
        v.positive("E", self.E, allow_zero=True)

    @property
    def unconstrained(self) -> ChinchillaLaw:
        """The same fit without any data limit: L = E + A/N^alpha + B/D^beta."""
        return ChinchillaLaw(E=self.E, A=self.A, B=self.B, alpha=self.alpha, beta=self.beta,
                             name=f"{self.name}, unique data")

    def optimal_params_for_tokens(self, tokens):
        """D_to_N of the README: the compute-optimal model size for ``tokens`` of data under the unconstrained law.

        From Chinchilla's Eq. 4, N_opt = G·(C/6)^a and D_opt = (C/6)^b / G, so N = (D·G)^(beta/alpha) · G.
        """
        d = v.positive("tokens", tokens)
        G = self.unconstrained.G
        return v.scalar_or_array((d * G) ** (self.beta / self.alpha) * G, tokens)

    def effective_tokens(self, tokens, unique_tokens):
        """D' = U + U·R_D*·(1 − exp(−R_D/R_D*)) with R_D = tokens/unique_tokens − 1 repeated epochs."""
        d, u = _check_data(tokens, unique_tokens)
        repeats = np.maximum(d / u - 1.0, 0.0)
        value = u + u * self.rd_star * (1.0 - np.exp(-repeats / self.rd_star))
        return v.scalar_or_array(value, tokens, unique_tokens)

    def effective_params(self, params, unique_tokens):
        """N' = U_N + U_N·R_N*·(1 − exp(−R_N/R_N*)), U_N = min(N, D_to_N(U)), R_N = N/U_N − 1 excess params."""
        n = v.positive("params", params)
        u = v.positive("unique_tokens", unique_tokens)
        base = np.minimum(n, self.optimal_params_for_tokens(u))
        excess = np.maximum(n / base - 1.0, 0.0)
        value = base + base * self.rn_star * (1.0 - np.exp(-excess / self.rn_star))
        return v.scalar_or_array(value, params, unique_tokens)

    def loss(self, params, tokens, unique_tokens):
        """Predicted loss (nats/token) of ``params`` trained on ``tokens`` drawn from ``unique_tokens`` unique ones."""
        n = v.positive("params", params)
        d, u = _check_data(tokens, unique_tokens)
        try:
            np.broadcast_shapes(n.shape, d.shape, u.shape)
        except ValueError:
            raise ValueError(f"params (shape {n.shape}), tokens (shape {d.shape}) and unique_tokens "
                             f"(shape {u.shape}) cannot be combined") from None
        n_eff = np.asarray(self.effective_params(n, u))
        d_eff = np.asarray(self.effective_tokens(d, u))
        value = self.E + self.A / n_eff ** self.alpha + self.B / d_eff ** self.beta
        return v.scalar_or_array(value, params, tokens, unique_tokens)

    def __str__(self) -> str:
        return (f"{self.name}: L = {self.E:.4g} + {self.A:.4g}/N'^{self.alpha:.4g} + {self.B:.4g}/D'^{self.beta:.4g}"
                f", R_D* = {self.rd_star:.4g}, R_N* = {self.rn_star:.4g}")


def _check_data(tokens, unique_tokens):
    d = v.positive("tokens", tokens)
    u = v.positive("unique_tokens", unique_tokens)
    try:
        too_many = np.broadcast_to(u > d, np.broadcast_shapes(d.shape, u.shape))
    except ValueError:
        raise ValueError(f"tokens (shape {d.shape}) and unique_tokens (shape {u.shape}) cannot be combined") from None
    if np.any(too_many):
        first = np.argwhere(too_many)[0] if too_many.ndim else ()
        bad_u = float(np.broadcast_to(u, too_many.shape)[tuple(first)])
        bad_d = float(np.broadcast_to(d, too_many.shape)[tuple(first)])
        raise ValueError(f"unique_tokens must be <= tokens (a run cannot see more unique tokens than it trains on): "
                         f"got unique_tokens={bad_u:g} > tokens={bad_d:g}")
    return d, u


def _from_fit(constants, name: str) -> DataConstrainedLaw:
    return DataConstrainedLaw(E=float(np.exp(constants["e"])), A=float(np.exp(constants["a"])),
                              B=float(np.exp(constants["b"])), alpha=constants["alpha"], beta=constants["beta"],
                              rd_star=constants["rd_star"], rn_star=constants["rn_star"], name=name)


MUENNIGHOFF_2023 = _from_fit(MUENNIGHOFF_2023_FIT, "Muennighoff et al. 2023")
"""The published fit of huggingface/datablations' README (A = e^a, B = e^b, E = e^e; alpha = beta)."""


def data_constrained_loss(params, tokens, unique_tokens, law: DataConstrainedLaw = MUENNIGHOFF_2023):
    """Loss of ``params`` parameters trained on ``tokens`` tokens of which ``unique_tokens`` are unique.

    Muennighoff et al. 2023, Eq. 5 with the effective data D' and effective parameters N' (see the module text);
    equals ``law.unconstrained.loss(params, tokens)`` for one epoch when the model is not larger than the
    compute-optimal size for its data. Vectorised; ``ValueError`` when ``unique_tokens > tokens``.
    """
    if not isinstance(law, DataConstrainedLaw):
        raise TypeError(f"law must be a DataConstrainedLaw (e.g. MUENNIGHOFF_2023), not {type(law).__name__}")
    return law.loss(params, tokens, unique_tokens)


@dataclass(frozen=True)
class DataConstrainedAllocation:
    """The best split of ``flops`` (= 6·params·tokens) when only ``unique_tokens`` exist; ``epochs`` = tokens/unique
    seen (at least 1), ``loss`` under the data-constrained law."""

    params: float | np.ndarray
    tokens: float | np.ndarray
    epochs: float | np.ndarray
    loss: float | np.ndarray
    flops: float | np.ndarray
    unique_tokens: float | np.ndarray

    @property
    def tokens_per_param(self):
        return self.tokens / self.params


_GRID_DECADES = 4.0          # search 10^±4 around the unconstrained optimum
_GRID_POINTS = 161
_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


def _isoflop_loss(law, log_params, flops, unique):
    params = np.exp(log_params)
    tokens = flops / (FLOPS_PER_PARAM_TOKEN * params)
    used_unique = np.minimum(unique, tokens)         # a short run sees fewer unique tokens than exist
    return np.asarray(law.loss(params, tokens, used_unique))


def data_constrained_optimal(flops, unique_tokens, law: DataConstrainedLaw = MUENNIGHOFF_2023
                             ) -> DataConstrainedAllocation:
    """The model size and tokens minimising the data-constrained loss for ``flops`` = 6ND with ``unique_tokens``.

    Muennighoff et al. find it by a grid search over the IsoFLOP curve (README, ``optimal_allocation``); here a log
    grid around the unconstrained optimum is refined by golden-section search, for every budget at once
    (vectorised over ``flops`` and ``unique_tokens``). With plenty of unique data it is the unconstrained
    Chinchilla optimum of the same fit; as data runs short, it trains smaller models for more epochs.
    """
    if not isinstance(law, DataConstrainedLaw):
        raise TypeError(f"law must be a DataConstrainedLaw (e.g. MUENNIGHOFF_2023), not {type(law).__name__}")
    c = v.positive("flops", flops)
    u = v.positive("unique_tokens", unique_tokens)
    try:
        c_b, u_b = np.broadcast_arrays(c, u)
    except ValueError:
        raise ValueError(f"flops (shape {c.shape}) and unique_tokens (shape {u.shape}) cannot be combined") from None
    c_flat, u_flat = c_b.ravel(), u_b.ravel()
    centre = np.log(np.asarray(law.unconstrained.compute_optimal(c_flat).params))
    offsets = np.linspace(-_GRID_DECADES, _GRID_DECADES, _GRID_POINTS) * np.log(10.0)
    grid = centre[:, None] + offsets[None, :]
    losses = _isoflop_loss(law, grid, c_flat[:, None], u_flat[:, None])
    best = np.argmin(losses, axis=1)
    step = offsets[1] - offsets[0]
    low = grid[np.arange(len(best)), best] - step
    high = grid[np.arange(len(best)), best] + step
    # golden-section search inside the bracketing grid cells (the IsoFLOP loss is unimodal there)
    for _ in range(50):
        x1 = high - _GOLDEN * (high - low)
        x2 = low + _GOLDEN * (high - low)
        left = _isoflop_loss(law, x1, c_flat, u_flat) < _isoflop_loss(law, x2, c_flat, u_flat)
        high = np.where(left, x2, high)
        low = np.where(left, low, x1)
    log_params = 0.5 * (low + high)
    params = np.exp(log_params)
    tokens = c_flat / (FLOPS_PER_PARAM_TOKEN * params)
    used_unique = np.minimum(u_flat, tokens)
    loss = np.asarray(law.loss(params, tokens, used_unique))
    shape = c_b.shape

    def out(array):
        return v.scalar_or_array(array.reshape(shape), flops, unique_tokens)

    return DataConstrainedAllocation(params=out(params), tokens=out(tokens), epochs=out(tokens / used_unique),
                                     loss=out(loss), flops=out(c_flat), unique_tokens=out(u_flat))
