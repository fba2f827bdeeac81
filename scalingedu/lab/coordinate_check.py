"""The coordinate check of µP (Yang et al. 2022, "Tensor Programs V", section 7 and App. D.1): train models of
several widths for a few steps at one learning rate and measure how far their activations moved.

Under a parametrisation whose updates are width-independent, the typical change of each coordinate of the logits
and of the last hidden layer after t steps is about the same at every width; under standard parametrisation with
Adam it grows with the width, because every one of a layer's fan-in inputs moves by the same step and their effects
add up. A growing curve means the best learning rate must shrink with width; flat curves are why µP's best rate
transfers from a narrow model to a wide one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from .corpus import Corpus, load_corpus
from .model import MLPLanguageModel, ModelConfig
from .training import _windows


@dataclass(frozen=True)
class CoordinateCheck:
    """RMS change per coordinate of the ``logits`` and of the last ``hidden`` layer, one value per width of
    ``widths``, after ``steps`` Adam steps at ``learning_rate`` on one fixed batch."""

    parametrization: str
    base_width: int
    widths: np.ndarray
    learning_rate: float
    steps: int
    logits: np.ndarray
    hidden: np.ndarray

    @property
    def spread(self) -> float:
        """Largest over smallest logit change across the widths (1 = perfectly width-independent)."""
        return float(self.logits.max() / self.logits.min())


def _last_hidden(model: MLPLanguageModel, contexts: np.ndarray) -> np.ndarray:
    hidden = model._inputs(contexts)
    for layer in range(model.config.depth):
        hidden = np.maximum(hidden @ model.param[f"w{layer}"] + model.param[f"b{layer}"], 0)
    return hidden


def coordinate_check(widths=(64, 128, 256, 512, 1024), parametrization: str = "mup", *, base_width: int = 32,
                     learning_rate: float = 3e-4, steps: int = 4, batch: int = 256, seed: int = 0,
                     corpus: Corpus | None = None) -> CoordinateCheck:
    """Train one lab model per width of ``widths`` (same seed, same ``batch`` characters drawn with ``seed`` from
    the training text) for ``steps`` Adam steps at ``learning_rate`` and measure the RMS change of its logits and
    last hidden layer on that batch (module text). Takes about a second for the default widths."""
    chosen = v.one_of("parametrization", parametrization, ("sp", "mup"))
    sizes = [v.positive_int("widths", w, minimum=1, maximum=8192) for w in np.atleast_1d(widths)]
    rate = v.positive_number("learning_rate", learning_rate)
    count = v.positive_int("steps", steps, minimum=1, maximum=1000)
    rows = v.positive_int("batch", batch, minimum=1, maximum=65536)
    text = load_corpus() if corpus is None else corpus
    context = ModelConfig(width=sizes[0]).context
    positions = np.random.default_rng(seed).integers(context, len(text.train), rows)
    contexts, targets = _windows(text.train, positions, context)
    logits, hidden = [], []
    for width in sizes:
        model = MLPLanguageModel(ModelConfig(width=width), seed=seed, parametrization=chosen, base_width=base_width)
        logits0, hidden0 = model.logits(contexts), _last_hidden(model, contexts)
        for _ in range(count):
            model.loss_and_gradient(contexts, targets)
            model.adam_step(rate)
        logits.append(np.sqrt(np.mean((model.logits(contexts) - logits0) ** 2)))
        hidden.append(np.sqrt(np.mean((_last_hidden(model, contexts) - hidden0) ** 2)))
    return CoordinateCheck(parametrization=chosen, base_width=base_width, widths=np.array(sizes), learning_rate=rate,
                           steps=count, logits=np.array(logits), hidden=np.array(hidden))
