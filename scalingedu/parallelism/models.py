"""The model shapes the parallelism lesson plans for: presets from GPT-3 175B to Llama 3 405B."""
from __future__ import annotations

from types import MappingProxyType

from ..data import LLAMA3_405B_ARCHITECTURE
from ..transformer import PRESETS, TransformerShape

LLAMA3_405B: TransformerShape = LLAMA3_405B_ARCHITECTURE
"""Llama 3 405B (Llama 3 paper, Table 3): :data:`scalingedu.data.LLAMA3_405B_ARCHITECTURE`."""

PLANNER_MODELS = MappingProxyType({
    "Llama 3 8B": PRESETS["Llama 3 8B"],
    "GPT-3 13B": PRESETS["GPT-3 13B"],
    "Llama 3 70B": PRESETS["Llama 3 70B"],
    "GPT-3 175B": PRESETS["GPT-3 175B"],
    "Gopher": PRESETS["Gopher"],
    "Llama 3 405B": LLAMA3_405B,
})
"""Shapes offered by the cluster planner, smallest to largest."""


def planner_model(name: str) -> TransformerShape:
    """The shape of a planner preset by name; a ValueError lists the names."""
    if name not in PLANNER_MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(PLANNER_MODELS)}")
    return PLANNER_MODELS[name]
