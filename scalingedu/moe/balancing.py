"""Keeping experts evenly loaded: Switch's auxiliary loss, DeepSeek-V3's bias rule, and a router that learns.

A router left to itself tends to *collapse*: the experts that get more tokens are trained more, become better,
and win still more tokens, until a few experts do all the work and the rest sit idle (and, with a capacity limit,
tokens are dropped). Two cures are modelled:

- :func:`~scalingedu.moe.scores.load_balancing_loss`: Switch Transformer's auxiliary loss
  N·Σ f_i·P_i (Fedus et al. 2022, Eqs. 4-6), added to the training loss with a small weight alpha
  (1e-2 in Switch). It is 1 when the routing is balanced and N when every token goes to one expert.
  :func:`train_router` trains a toy router by gradient descent with and without it, so that collapse
  and its cure can be watched step by step.
- :func:`simulate_bias_balancing`: DeepSeek-V3's auxiliary-loss-free balancing (technical report, section
  2.1.2): a per-expert bias b_i, used only to *choose* experts, falls by gamma after a step in which expert i was
  overloaded and rises by gamma when it was underloaded. No gradient, no change to the gates.

The toy models here are SIMULATIONS for teaching, with choices of this course (named in each docstring), not
reproductions of a training run.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from .routing import expert_capacity, skewed_logits, softmax
from .scores import largest_k, sigmoid_in_place, softmax_in_place

# ----------------------------------------------------------------------------------------------------------------
# DeepSeek-V3's auxiliary-loss-free balancing
# ----------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class BalanceHistory:
    """Per-step record of a routing simulation: arrays with one entry (or row) per step.

    ``load`` (steps × experts): assignments per expert before capacity; ``bias`` (steps × experts): the bias used
    at that step; ``imbalance``: busiest expert's load over the mean load (1 is perfect); ``dropped_fraction``:
    assignments over capacity (0 when ``capacity_factor`` is None); ``balancing_loss``: Switch's N·Σ f_i·P_i.
    ``capacity`` per expert per step (None: unlimited).
    """

    load: np.ndarray
    bias: np.ndarray
    imbalance: np.ndarray
    dropped_fraction: np.ndarray
    balancing_loss: np.ndarray
    capacity: int | None

    @property
    def steps(self) -> int:
        return self.imbalance.size


BALANCING_METHODS = ("none", "aux_loss", "bias")
"""How :func:`simulate_balancing` balances: not at all, Switch's auxiliary loss, or DeepSeek-V3's bias rule."""


def simulate_balancing(*, method: str = "bias", experts: int = 16, tokens: int = 1024, top_k: int = 2,
                       skew: float = 1.0, steps: int = 100, capacity_factor: float | None = 1.25,
                       gamma: float = 0.01, aux_rate: float = 1.0, noise: float = 1.0,
                       seed: int = 0, batches=None) -> BalanceHistory:
    """Route ``steps`` batches from a router that favours some experts, balancing it with ``method``.

    Each step routes a new batch of ``tokens`` tokens whose logits favour the first experts
    (:func:`scalingedu.moe.routing.skewed_logits` with ``skew`` and ``noise``; seeded, the same batches for every
    method) to ``top_k`` experts with a capacity of ``capacity_factor`` (None: unlimited). Then:

    - "none": nothing changes; the imbalance stays.
    - "bias": DeepSeek-V3's auxiliary-loss-free rule (technical report, section 2.1.2): routing uses sigmoid
      affinities with top-k on s + b, and after each step b_i -= ``gamma`` if expert i received more than the mean
      load, b_i += ``gamma`` if fewer. DeepSeek-V3 used gamma = 0.001 on a trained model's logits; on these
      unit-noise logits 0.01 shows the effect within a hundred steps.
    - "aux_loss": Switch's loss N·Σ f_i·P_i (Eqs. 4-6) trained by gradient descent: a learned per-expert offset o
      is added to the logits (softmax routing) and moved by ``aux_rate`` (the loss weight alpha times a learning
      rate) down the loss's gradient, N·mean_t p_tj·(f_j - Σ_i f_i·p_ti) for expert j.

    Top-k on sigmoid(s) and on softmax both rank the raw logits, so with no balancing yet (step 0) every method
    routes the same way. This is a SIMULATION of the router alone (the experts and the rest of the model are left
    out), with choices of this course. ``batches`` (an array of at least steps × tokens × experts logits) replaces
    the generated batches, so that a caller can reuse them; ``skew``, ``noise`` and ``seed`` are then ignored.
    """
    v.one_of("method", method, BALANCING_METHODS)
    e = v.positive_int("experts", experts, minimum=2, maximum=1024)
    n = v.positive_int("tokens", tokens, minimum=1)
    k = v.positive_int("top_k", top_k, maximum=e)
    g = float(v.positive("gamma", gamma, allow_zero=True))
    rate = float(v.positive("aux_rate", aux_rate, allow_zero=True))
    count = v.positive_int("steps", steps, minimum=1, maximum=10_000)
    seed = v.positive_int("seed", seed, minimum=0)
    if capacity_factor is not None:
        v.positive("capacity_factor", capacity_factor)
    if batches is None:
        batches = skewed_logits(count * n, e, skew=skew, noise=noise, seed=seed).reshape(count, n, e)
    else:
        batches = np.asarray(batches)
        if batches.ndim != 3 or batches.shape[0] < count or batches.shape[1:] != (n, e):
            raise ValueError(f"batches must have shape (>= {count}, {n}, {e}) for steps={count}, tokens={n}, "
                             f"experts={e} (got {batches.shape})")
    # The loop below repeats only what changes from step to step; it chooses exactly as :func:`route` does (a test
    # checks it step by step), and the drop count of an expert, max(demand - capacity, 0), needs no queue order.
    batches = np.asarray(batches[:count], dtype=np.float32)
    flat = batches.reshape(count * n, e)
    capacity = None if capacity_factor is None else expert_capacity(n * k, e, capacity_factor)
    demand = np.empty((count, e))
    biases = np.zeros((count, e))
    if method != "aux_loss":
        # Switch's loss is defined on softmax probabilities; without a learned offset they are fixed per batch.
        mean_probs = softmax_in_place(flat.copy()).reshape(count, n, e).mean(axis=1)
    if method == "none":
        chosen, _ = largest_k(flat.copy(), k)
        keys = (np.arange(count)[:, None] * e + chosen.reshape(count, n * k)).ravel()
        demand[:] = np.bincount(keys, minlength=count * e).reshape(count, e)
    elif method == "bias":
        affinity = sigmoid_in_place(flat.copy()).reshape(count, n, e)
        bias = np.zeros(e, dtype=np.float32)
        for step in range(count):
            biases[step] = bias
            chosen, _ = largest_k(affinity[step] + bias, k)
            demand[step] = np.bincount(chosen.ravel(), minlength=e)
            # underloaded experts up by gamma, overloaded down, exactly even ones unchanged
            bias = bias + np.float32(g) * np.sign(demand[step].mean() - demand[step]).astype(np.float32)
    else:
        mean_probs = np.empty((count, e))
        offset = np.zeros(e)
        for step in range(count):
            biases[step] = offset
            logits = batches[step] + offset.astype(np.float32)
            chosen, top = largest_k(logits, k)
            probs = softmax_in_place(logits, top[:, 0])
            demand[step] = np.bincount(chosen.ravel(), minlength=e)
            f = demand[step] / (n * k)
            mean_probs[step] = probs.mean(axis=0)
            # gradient of N·Σ_i f_i·P_i with respect to the offsets (f held fixed, as it comes from an argmax)
            gradient = e * (mean_probs[step] * f - np.mean(probs * (probs @ f)[:, None], axis=0))
            offset = offset - rate * gradient
    fractions = demand / (n * k)
    dropped = (np.zeros(count) if capacity is None
               else np.maximum(demand - capacity, 0).sum(axis=1) / (n * k))
    return BalanceHistory(load=demand, bias=biases, imbalance=demand.max(axis=1) / demand.mean(axis=1),
                          dropped_fraction=dropped, balancing_loss=e * np.sum(fractions * mean_probs, axis=1),
                          capacity=capacity)


def simulate_bias_balancing(**options) -> BalanceHistory:
    """DeepSeek-V3's auxiliary-loss-free balancing over steps: :func:`simulate_balancing` with method "bias"."""
    return simulate_balancing(method="bias", **options)


# ----------------------------------------------------------------------------------------------------------------
# A router that learns: collapse, and the auxiliary loss as its cure
# ----------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class RouterTraining:
    """Per-step record of :func:`train_router`: ``share`` (steps × experts) the fraction of tokens each expert
    received, ``balancing_loss`` Switch's N·Σ f_i·P_i, ``skill`` (steps × experts) the toy experts' quality, and
    ``alpha`` the weight of the balancing loss used."""

    share: np.ndarray
    balancing_loss: np.ndarray
    skill: np.ndarray
    alpha: float

    @property
    def max_share(self) -> np.ndarray:
        """The busiest expert's share of the tokens at each step (1/experts is perfect balance, 1 is collapse)."""
        return self.share.max(axis=1)

    @property
    def idle_experts(self) -> np.ndarray:
        """How many experts received less than a tenth of their even share at each step."""
        return np.sum(self.share < 0.1 / self.share.shape[1], axis=1)


def train_router(*, experts: int = 8, features: int = 16, tokens: int = 512, steps: int = 100,
                 alpha: float = 0.0, learning_rate: float = 1.0, skill_gain: float = 3.0,
                 seed: int = 0) -> RouterTraining:
    """Train a toy top-1 softmax router by gradient descent, with the balancing loss weighted by ``alpha``.

    The toy (a SIMULATION; every constant is a choice of this course): tokens are random vectors x of ``features``
    dimensions, the first fixed at 1 so that the router can learn a per-expert offset; the logits are x·W. Expert
    i has a skill c_i = 1 + ``skill_gain`` × (its recent share of the tokens, an exponential moving average with
    weight 0.2 on the newest step), plus a 1% seeded perturbation: experts that receive tokens are trained and get
    better. A token sent to expert i with router probability p_i earns p_i·c_i (the expert's output is scaled by
    its gate, as in Switch), so the task loss is -mean(p_chosen·c_chosen). That feedback makes an unregularised
    router collapse onto one expert. The total loss adds alpha × N·Σ f_i·P_i (Switch Eqs. 4-6; gradient through
    P only). The task loss here is in arbitrary units, so the alpha that cures collapse (about 0.5 to 1) is not
    comparable with Switch's 1e-2 on a cross-entropy loss. Seeded.
    """
    e = v.positive_int("experts", experts, minimum=2, maximum=256)
    d = v.positive_int("features", features, minimum=2)
    n = v.positive_int("tokens", tokens)
    count = v.positive_int("steps", steps, maximum=10_000)
    a = float(v.positive("alpha", alpha, allow_zero=True))
    lr = float(v.positive("learning_rate", learning_rate))
    gain = float(v.positive("skill_gain", skill_gain, allow_zero=True))
    rng = np.random.default_rng(v.positive_int("seed", seed, minimum=0))
    weights = 0.01 * rng.standard_normal((d, e))
    base_skill = 1.0 + 0.01 * rng.standard_normal(e)
    recent_share = np.full(e, 1.0 / e)
    shares, aux, skills = np.empty((count, e)), np.empty(count), np.empty((count, e))
    rows = np.arange(n)
    for step in range(count):
        x = rng.standard_normal((n, d))
        x[:, 0] = 1.0
        skill = base_skill + gain * recent_share
        probs = softmax(x @ weights)
        chosen = np.argmax(probs, axis=1)
        f = np.bincount(chosen, minlength=e) / n
        shares[step], skills[step] = f, skill
        aux[step] = e * np.dot(f, probs.mean(axis=0))
        # task: d/d(logit_j) of -c_i·p_i for a token sent to expert i is -c_i·p_i·(δ_ij - p_j)
        p_chosen = probs[rows, chosen]
        grad = probs * (skill[chosen] * p_chosen)[:, None]
        grad[rows, chosen] -= skill[chosen] * p_chosen
        # balancing loss: d/d(logit_j) of N·Σ_i f_i·p_i (per token) is N·p_j·(f_j - Σ_i f_i·p_i)
        grad += a * e * probs * (f[None, :] - (probs @ f)[:, None])
        weights -= lr * (x.T @ grad) / n
        recent_share = 0.8 * recent_share + 0.2 * f
    return RouterTraining(share=shares, balancing_loss=aux, skill=skills, alpha=a)
