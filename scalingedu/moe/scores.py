"""Router scores: the numerical kernels that routing and balancing share, and the balancing loss.

:mod:`~scalingedu.moe.routing` routes one batch and :mod:`~scalingedu.moe.balancing` simulates
many; both turn logits into probabilities (softmax) or affinities (sigmoid) in place, pick each
token's k best experts, and measure the batch with Switch's balancing loss. They live here, below
both modules, so that balancing depends on routing and never the reverse.
"""
from __future__ import annotations

import numpy as np

from .. import _validate as v


def softmax_in_place(scores: np.ndarray, row_max: np.ndarray | None = None) -> np.ndarray:
    """Row-wise softmax of a 2-D float array, written into ``scores`` (shifted by each row's
    maximum, or by ``row_max`` when the caller knows it, so that exp cannot overflow)."""
    scores -= (scores.max(axis=1) if row_max is None else row_max)[:, None]
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


def sigmoid_in_place(scores: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) of every entry, written into ``scores``."""
    np.negative(scores, out=scores)
    np.exp(scores, out=scores)
    scores += 1.0
    np.reciprocal(scores, out=scores)
    return scores


def largest_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the k largest scores per row, largest first (ties: lower index first), and those
    scores.

    For the small k of real routers, k passes of argmax (each chosen entry masked for the next pass,
    then restored) are several times faster than a partial sort of every row. ``scores`` is left as
    it was.
    """
    tokens, experts = scores.shape
    if k > 8:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
        chosen = np.take_along_axis(part, order, axis=1)
        return chosen, np.take_along_axis(scores, chosen, axis=1)
    flat = scores.reshape(-1)
    row_starts = np.arange(tokens) * experts
    chosen = np.empty((tokens, k), dtype=np.intp)
    values = np.empty((tokens, k), dtype=scores.dtype)
    for choice in range(k):
        best = np.argmax(scores, axis=1)
        chosen[:, choice] = best
        values[:, choice] = flat[row_starts + best]
        if choice < k - 1:
            flat[row_starts + best] = -np.inf
    for choice in range(k - 1):
        flat[row_starts + chosen[:, choice]] = values[:, choice]
    return chosen, values


def _fractions(expert_index: np.ndarray, experts: int) -> np.ndarray:
    return np.bincount(expert_index.ravel(), minlength=experts) / expert_index.size


def load_balancing_loss(router_probs, expert_index) -> float:
    """Switch Transformer's load-balancing loss N·Σ_i f_i·P_i, before the weight alpha (Fedus et
    al. 2022, Eqs. 4-6).

    ``router_probs`` (tokens × N experts) are the router's probabilities; ``expert_index`` the
    expert each token was sent to, one per token (top-1), or a (tokens × k) array of top-k choices,
    every choice counted. f_i is the fraction of assignments sent to expert i (Eq. 5), P_i the mean
    router probability of expert i (Eq. 6). The loss is 1 when the routing is uniform (f_i = 1/N, or
    P_i = 1/N), and N when every token goes to one expert with probability 1. Its gradient acts
    through P only (f comes from an argmax): it pushes probability away from the busiest experts.
    """
    probs = v.finite("router_probs", router_probs)
    if probs.ndim != 2:
        raise ValueError(f"router_probs must be a 2-D array (tokens × experts), "
                         f"got shape {probs.shape}")
    if np.any(probs < 0):
        raise ValueError("router_probs must be >= 0 (probabilities)")
    index = np.asarray(expert_index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"expert_index must hold whole numbers (expert numbers), not {index.dtype}")
    if index.ndim == 1:
        index = index[:, None]
    tokens, experts = probs.shape
    if index.ndim != 2 or index.shape[0] != tokens:
        raise ValueError(f"expert_index must have one row per token ({tokens}), "
                         f"got shape {np.shape(expert_index)}")
    if index.size and (index.min() < 0 or index.max() >= experts):
        raise ValueError(f"expert_index must lie in [0, {experts - 1}] "
                         f"(got {index.min()} to {index.max()})")
    f = _fractions(index, experts)
    p = probs.mean(axis=0)
    return float(experts * np.dot(f, p))
