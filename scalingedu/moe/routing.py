"""Routing tokens to experts: top-k choice, expert capacity, dropped tokens and per-expert load.

A router scores every expert for every token (``logits``, one row per token). Two ways to turn scores into a
choice are modelled:

- ``"softmax"`` (Switch Transformer with top_k = 1, Fedus et al. 2022; GShard and Mixtral with top_k = 2): router
  probabilities p = softmax(logits); a token goes to its top_k most probable experts. Its gate (the weight of an
  expert's output) is p for top-1 (Switch) and p renormalised over the chosen experts for top_k > 1 (GShard's
  top-2 gates, Mixtral's softmax over the top-2 logits).
- ``"sigmoid"`` (DeepSeek-V3, section 2.1.2): affinities s = sigmoid(logits); the choice ranks s + b, where b is a
  per-expert ``bias`` used only for choosing; the gates are s (without the bias) normalised over the chosen experts.

Each expert processes at most ``capacity`` tokens per batch (:func:`expert_capacity`, Switch Eq. 3). Assignments
beyond it are **dropped**: the token skips that expert through the residual connection. Priority goes to first
choices over second choices (GShard), and among equal choices to earlier tokens in the batch. ``capacity_factor``
= None means no limit (dropless routing, as in Mixtral and DeepSeek-V3 training).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from .scores import largest_k, load_balancing_loss, sigmoid_in_place, softmax_in_place

METHODS = ("softmax", "sigmoid")

_ROUNDING_SLACK = 1e-9    # so that 6/3 × 1.0 = 2 is not floored to 1 by a rounding error


def expert_capacity(tokens, experts, capacity_factor) -> int:
    """Tokens one expert may process per batch: floor(tokens / experts × capacity_factor) (Switch Eq. 3).

    Fedus et al. 2022, Eq. 3: expert capacity = (tokens per batch / number of experts) × capacity factor. A factor
    of 1.0 gives each expert exactly its even share; above 1.0 leaves slack for imbalance. The product is rounded
    down to a whole number of tokens, as integer buffer sizes are in implementations. With top-k routing, pass the
    number of token-expert *assignments* (tokens × k) as ``tokens``: GShard's capacity for top-2 is 2N/E.
    """
    n = v.positive_int("tokens", tokens, minimum=0)
    e = v.positive_int("experts", experts)
    factor = float(v.positive("capacity_factor", capacity_factor))
    if np.ndim(capacity_factor) != 0:
        raise TypeError("capacity_factor must be a single number")
    return int(math.floor(n / e * factor + _ROUNDING_SLACK))


@dataclass(frozen=True, eq=False)
class Routing:
    """Where a batch of tokens went. Arrays have one row per token and one column per choice (top_k columns).

    ``expert_index`` the chosen experts (first choice first), ``gates`` their weights, ``kept`` whether each
    assignment fitted within capacity; ``router_probs`` the softmax probabilities (or sigmoid affinities) of every
    expert for every token; ``capacity`` per expert (None: unlimited); ``demand`` the assignments each expert was
    sent and ``load`` those it processed (at most ``capacity``).
    """

    expert_index: np.ndarray
    gates: np.ndarray
    kept: np.ndarray
    router_probs: np.ndarray
    capacity: int | None
    demand: np.ndarray
    load: np.ndarray
    method: str

    @property
    def tokens(self) -> int:
        return self.expert_index.shape[0]

    @property
    def experts(self) -> int:
        return self.demand.size

    @property
    def top_k(self) -> int:
        return self.expert_index.shape[1]

    @property
    def dropped_fraction(self) -> float:
        """Fraction of the token-expert assignments dropped for lack of capacity (0 to 1)."""
        return 1.0 - float(self.load.sum()) / float(self.demand.sum())

    @property
    def unprocessed_tokens_fraction(self) -> float:
        """Fraction of tokens that no expert processed (all their assignments dropped): they only pass the residual."""
        return float(np.mean(~self.kept.any(axis=1)))

    @property
    def imbalance(self) -> float:
        """Busiest expert's demand over the mean demand: 1 when perfectly balanced, ``experts`` when one takes all."""
        return float(self.demand.max() / self.demand.mean())

    @property
    def balancing_loss(self) -> float:
        """Switch's auxiliary loss N·Σ f_i·P_i (before alpha) of this batch, see :func:`load_balancing_loss`.

        For sigmoid routing, P_i is the mean of the affinities normalised to sum to 1 per token, as in DeepSeek-V3's
        sequence-wise balance loss (technical report, section 2.1.2).
        """
        probs = self.router_probs
        if self.method == "sigmoid":
            probs = probs / probs.sum(axis=1, keepdims=True)
        return load_balancing_loss(probs, self.expert_index)


def _check_logits(logits) -> np.ndarray:
    """Validated logits as float32 (router scores need no more precision, and half the memory is twice as fast)."""
    if isinstance(logits, np.ndarray) and logits.dtype.kind == "f" and logits.size:
        array = logits.astype(np.float32)
        if not np.isfinite(array).all():
            raise ValueError("logits must be finite; NaN and infinity are not allowed")
    else:
        array = v.finite("logits", logits).astype(np.float32)
    if array.ndim != 2:
        raise ValueError(f"logits must be a 2-D array, one row per token and one column per expert "
                         f"(got shape {array.shape})")
    return array


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of a 2-D array (a new array), shifted by each row's maximum so that exp cannot overflow."""
    return softmax_in_place(np.array(logits, dtype=float))


def _positions_in_queue(flat_experts: np.ndarray, experts: int) -> np.ndarray:
    """For each assignment (in priority order), how many earlier assignments went to the same expert."""
    small = flat_experts.astype(np.int16 if experts < 2**15 else np.int32)   # a radix sort for small ints
    order = np.argsort(small, kind="stable")
    counts = np.bincount(flat_experts, minlength=experts)
    starts = np.cumsum(counts) - counts
    positions = np.empty_like(flat_experts)
    positions[order] = np.arange(flat_experts.size) - np.repeat(starts, counts)
    return positions


def route(logits, *, top_k: int = 1, capacity_factor: float | None = None, method: str = "softmax",
          bias=None) -> Routing:
    """Route a batch of tokens: choose ``top_k`` experts per token, apply the capacity, count the load.

    ``logits`` has shape (tokens, experts). ``method`` is "softmax" (Switch, GShard, Mixtral) or "sigmoid"
    (DeepSeek-V3; ``bias``, one number per expert, shifts the choice but not the gates). ``capacity_factor``
    sets each expert's capacity to :func:`expert_capacity` (tokens × top_k, experts, capacity_factor); None means
    no capacity limit. Vectorised NumPy: a million tokens over 64 experts take a fraction of a second
    (``scalingedu bench`` times it).
    """
    scores = _check_logits(logits)
    tokens, experts = scores.shape
    k = v.positive_int("top_k", top_k, maximum=experts)
    v.one_of("method", method, METHODS)
    if method == "softmax":
        if bias is not None:
            raise ValueError("bias is only used with method='sigmoid' (DeepSeek-V3's balancing); give bias=None")
        # Softmax is monotonic, so rank the logits; the best logit is also the row maximum the softmax needs.
        chosen, top_logits = largest_k(scores, k)
        probs = softmax_in_place(scores, top_logits[:, 0])   # scores are a private float32 copy
        gates = np.take_along_axis(probs, chosen, axis=1)
        if k > 1:
            gates = gates / gates.sum(axis=1, keepdims=True)
    else:
        probs = sigmoid_in_place(scores)
        if bias is None:
            chosen, _ = largest_k(probs, k)
        else:
            b = v.finite("bias", bias)
            if b.shape != (experts,):
                raise ValueError(f"bias must have one value per expert, shape ({experts},) (got shape {b.shape})")
            chosen, _ = largest_k(probs + b.astype(probs.dtype), k)
        gates = np.take_along_axis(probs, chosen, axis=1)
        gates = gates / gates.sum(axis=1, keepdims=True)

    # Priority: all first choices (in token order), then all second choices, and so on.
    by_priority = chosen.T.ravel()
    demand = np.bincount(by_priority, minlength=experts)
    if capacity_factor is None:
        capacity = None
        kept = np.ones_like(chosen, dtype=bool)
        load = demand.copy()
    else:
        capacity = expert_capacity(tokens * k, experts, capacity_factor)
        kept = (_positions_in_queue(by_priority, experts) < capacity).reshape(k, tokens).T
        load = np.minimum(demand, capacity)
    return Routing(expert_index=chosen, gates=gates, kept=kept, router_probs=probs, capacity=capacity,
                   demand=demand, load=load, method=method)


def expert_preference(experts: int) -> np.ndarray:
    """How much a skewed router favours each expert: from +1 (expert 0) falling linearly to -1 (the last)."""
    e = v.positive_int("experts", experts)
    return np.linspace(1.0, -1.0, e, dtype=np.float32) if e > 1 else np.zeros(1, dtype=np.float32)


def skewed_logits(tokens: int, experts: int, *, skew: float = 0.0, noise: float = 1.0, seed: int = 0) -> np.ndarray:
    """Router logits (float32) of a SIMULATED batch in which some experts are systematically preferred.

    Each token's logit for expert i is ``skew`` × :func:`expert_preference` (+1 for expert 0 down to -1 for the
    last) plus Gaussian noise of standard deviation ``noise``. skew = 0 is a router with no favourites; a few units
    of skew send most tokens to the first experts. Seeded: the same arguments give the same logits.
    """
    n = v.positive_int("tokens", tokens)
    e = v.positive_int("experts", experts)
    s = float(v.in_range("skew", skew, 0.0, 100.0))
    sd = float(v.positive("noise", noise, allow_zero=True))
    rng = np.random.default_rng(v.positive_int("seed", seed, minimum=0))
    logits = rng.standard_normal((n, e), dtype=np.float32)
    if sd != 1.0:
        logits *= sd
    if s:
        logits += s * expert_preference(e)
    return logits
