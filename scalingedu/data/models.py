"""Catalogues of real models, gathered from the modules of their sources.

:data:`MODELS` (training facts, with :func:`model` to look one up), :data:`ARCHITECTURES` (dense
shapes, the presets of :mod:`scalingedu.transformer`) and :data:`MOE_ARCHITECTURES`
(Mixture-of-Experts shapes, the presets of :mod:`scalingedu.moe`). Each record names its sources.
"""
from __future__ import annotations

from types import MappingProxyType

from .deepseek import DEEPSEEK_V3, DEEPSEEK_V3_MOE_SHAPE
from .gpt3 import GPT3_ARCHITECTURES, GPT3_MODELS
from .hoffmann_2022 import HOFFMANN_2022_ARCHITECTURES, HOFFMANN_2022_MODELS
from .llama import LLAMA_ARCHITECTURES, LLAMA_MODELS
from .mixtral import MIXTRAL_8X7B, MIXTRAL_8X7B_MOE_SHAPE
from .records import ModelRecord, TransformerShape
from .switch_gshard import SWITCH_BASE_LIKE_MOE_SHAPE

MODELS: tuple[ModelRecord, ...] = (*GPT3_MODELS, *HOFFMANN_2022_MODELS, *LLAMA_MODELS, MIXTRAL_8X7B,
                                   DEEPSEEK_V3)
"""Published facts of real models, in rough chronological order."""


def model(name: str) -> ModelRecord:
    """Look up a model of :data:`MODELS` by name (case-insensitive), with a helpful error for
    unknown names."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'Chinchilla', not {type(name).__name__}")
    for record in MODELS:
        if record.name.lower() == name.lower():
            return record
    raise ValueError(f"unknown model {name!r}; known models: {', '.join(r.name for r in MODELS)}")


ARCHITECTURES: tuple[TransformerShape, ...] = (*GPT3_ARCHITECTURES, *HOFFMANN_2022_ARCHITECTURES,
                                               *LLAMA_ARCHITECTURES)
"""Published shapes of real models (the presets of :mod:`scalingedu.transformer`), with sources and
caveats."""

MOE_ARCHITECTURES = MappingProxyType({
    "switch-base-like": SWITCH_BASE_LIKE_MOE_SHAPE,
    "mixtral-8x7b": MIXTRAL_8X7B_MOE_SHAPE,
    "deepseek-v3": DEEPSEEK_V3_MOE_SHAPE,
})
"""Shapes of Mixture-of-Experts models, by preset name (:data:`scalingedu.moe.PRESETS` builds
configs from them); each has its "source" and "note"."""
