"""PaLM: Chowdhery et al. 2022, "PaLM: Scaling Language Modeling with Pathways",
arXiv:2204.02311."""
from __future__ import annotations

from .records import PublishedConstants

PALM_540B_UTILISATION = PublishedConstants(
    {"mfu": 0.462, "hfu": 0.578, "chips": 6144.0, "tokens": 780e9, "params": 540e9},
    source="""
        Chowdhery et al. 2022, 'PaLM' (arXiv:2204.02311): 540B parameters on 6144 TPU v4 chips, 780B tokens, model
        FLOPs utilisation 46.2% and hardware FLOPs utilisation 57.8% [S: secondary quotations]
    """,
    note="""
        MFU counts only the model's FLOPs (6N + 12·L·H·Q·T per token); HFU also counts the recomputed activations
        (rematerialisation).
    """,
)
