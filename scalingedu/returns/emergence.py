"""Emergence as a metric effect: Schaeffer, Miranda & Koyejo 2023 ("Are Emergent Abilities of Large Language Models
a Mirage?", NeurIPS 2023).

If a model puts probability p = exp(−loss) on each correct token of an answer of ``answer_tokens`` tokens, and the
tokens are independent, then

- *exact match* (all tokens right) is p^L = exp(−L·loss): a smooth fall in loss becomes a sharp, late rise,
  which looks "emergent" on a linear axis;
- the expected *token edit distance* (wrong tokens, substitutions only) is L·(1 − p): it improves smoothly.

Same model, same loss; only the metric differs. Schaeffer et al. show this for GPT-3/InstructGPT and argue that
over 92% of claimed BIG-Bench emergent abilities use exact match or multiple-choice grade.

Two demonstrations:

- :func:`lab_emergence` uses the *measured* per-character validation loss of the scaling lab's own runs (shipped
  with the course): exact match of a whole identifier of L characters, assuming its characters are as predictable
  as the average character (an approximation, said so wherever it is shown);
- :func:`power_law_token_loss` is a clearly synthetic per-token loss, L(N) = (N_scale / N)^exponent, as in
  Schaeffer et al.'s own derivation, for drawing the effect over many decades of model size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v

DEMO_PARAMS_SCALE = 9e7
"""Synthetic: N_scale of the demonstration's per-token loss (about 3 nats at 10M parameters). Not a measurement."""
DEMO_EXPONENT = 0.5
"""Synthetic: exponent of the demonstration's per-token loss. Not a measurement."""


def _answer_tokens(value) -> np.ndarray:
    length = v.finite("answer_tokens", value)
    if np.any(length < 1) or np.any(length != np.round(length)):
        bad = length[(length < 1) | (length != np.round(length))].ravel()[0]
        raise ValueError(f"answer_tokens must be whole numbers >= 1 (got {bad:g})")
    return length


def token_probability(per_token_loss):
    """Probability of the correct token, exp(−loss), for a per-token loss in nats."""
    loss = v.positive("per_token_loss", per_token_loss, allow_zero=True)
    return v.scalar_or_array(np.exp(-loss), per_token_loss)


def exact_match(per_token_loss, answer_tokens):
    """Chance that all ``answer_tokens`` tokens are right: exp(−answer_tokens · per_token_loss) (Schaeffer et al.)."""
    loss = v.positive("per_token_loss", per_token_loss, allow_zero=True)
    length = _answer_tokens(answer_tokens)
    return v.scalar_or_array(np.exp(-length * loss), per_token_loss, answer_tokens)


def token_edit_distance(per_token_loss, answer_tokens):
    """Expected number of wrong tokens in the answer, answer_tokens · (1 − exp(−loss)): the smooth metric."""
    loss = v.positive("per_token_loss", per_token_loss, allow_zero=True)
    length = _answer_tokens(answer_tokens)
    return v.scalar_or_array(length * (1.0 - np.exp(-loss)), per_token_loss, answer_tokens)


def power_law_token_loss(params, params_scale: float = DEMO_PARAMS_SCALE, exponent: float = DEMO_EXPONENT):
    """SYNTHETIC per-token loss (N_scale / N)^exponent: smooth in log N by construction (demonstration only)."""
    n = v.positive("params", params)
    scale = float(v.positive("params_scale", params_scale))
    power = float(v.positive("exponent", exponent))
    return v.scalar_or_array((scale / n) ** power, params)


@dataclass(frozen=True)
class LabEmergence:
    """The lab's runs sorted by compute: measured loss (nats per character) and the two metrics derived from it for
    identifiers of ``answer_tokens`` characters (under the independence assumption)."""

    flops: np.ndarray
    params: np.ndarray
    loss: np.ndarray
    answer_tokens: int
    exact_match: np.ndarray
    edit_distance: np.ndarray


def lab_emergence(answer_tokens: int = 8, results: dict | None = None) -> LabEmergence:
    """Exact match and edit distance of ``answer_tokens``-character identifiers from the lab's measured losses.

    ``results`` are sweep columns (default: the best run of each budget of the shipped sweep,
    :func:`scalingedu.returns.frontier.lab_frontier`). The loss is measured; the metrics assume every character of
    the identifier is as predictable as the average validation character.
    """
    length = v.positive_int("answer_tokens", answer_tokens, minimum=1, maximum=1000)
    from .frontier import lab_frontier
    frontier = lab_frontier(results)
    order = np.argsort(frontier.flops)
    loss = frontier.loss[order]
    return LabEmergence(flops=frontier.flops[order], params=frontier.params[order], loss=loss, answer_tokens=length,
                        exact_match=np.asarray(exact_match(loss, length)),
                        edit_distance=np.asarray(token_edit_distance(loss, length)))
