"""Where the laws of diminishing returns were measured, and what to say when a plan leaves that range.

A fitted law gives a number for any input, but only inside the range of its experiments is that number evidence.
Two limits matter for lessons 08 and 09:

- **epochs over the same data**: Muennighoff et al. (2023) found repeated data worth almost nothing beyond about
  :data:`TESTED_EPOCHS` epochs; their decaying D′ still gives a value there, but it is an extrapolation;
- **tokens per parameter**: Sardana et al. (2023) trained models up to :data:`TESTED_TOKENS_PER_PARAM` tokens per
  parameter; an inference-aware optimum far beyond that assumes the Chinchilla law keeps its shape there.

The widgets call :func:`epochs_caution` and :func:`tokens_per_param_caution` and show the sentence under the plot
(``LessonWidget.caution``). The numbers and their sources live in :mod:`scalingedu.data`.
"""
from __future__ import annotations

import math

from ..data import MUENNIGHOFF_2023_REPETITION, SARDANA_2023
from ..formatting import human

TESTED_EPOCHS = MUENNIGHOFF_2023_REPETITION["negligible_returns_epochs"]
"""About 16 epochs: beyond it Muennighoff et al. found further repetition worth almost nothing."""
TESTED_TOKENS_PER_PARAM = SARDANA_2023["max_tokens_per_param"]
"""10,000 tokens per parameter: the most that Sardana et al.'s models were trained on."""


def _count(value: float) -> str:
    return f"{value:,.0f}" if value < 1e5 else human(value)


def _finite(name: str, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}") from None
    if math.isnan(number) or number < 0:
        raise ValueError(f"{name} must be a number >= 0 (got {value!r})")
    return number


def epochs_caution(epochs: float) -> str:
    """A sentence for a run that repeats its unique data more than :data:`TESTED_EPOCHS` times ("" otherwise)."""
    count = _finite("epochs", epochs)
    if count <= TESTED_EPOCHS:
        return ""
    return (f"{_count(count)} epochs over the unique data: Muennighoff et al. (2023) found extra epochs worth almost "
            f"nothing beyond about {TESTED_EPOCHS:.0f}; their law is extrapolated here")


def tokens_per_param_caution(tokens_per_param: float) -> str:
    """A sentence for a model trained on more than :data:`TESTED_TOKENS_PER_PARAM` tokens per parameter
    ("" otherwise)."""
    ratio = _finite("tokens_per_param", tokens_per_param)
    if ratio <= TESTED_TOKENS_PER_PARAM:
        return ""
    return (f"{_count(ratio)} tokens per parameter: Sardana et al. (2023) tested up to about "
            f"{TESTED_TOKENS_PER_PARAM:,.0f}; the law is extrapolated here")
