"""Mixtral 8x7B: Jiang et al. 2024, "Mixtral of Experts", arXiv:2401.04088, and Mistral AI's release
post.

Its published sizes (a record of :data:`scalingedu.data.MODELS`) and its shape (an entry of
:data:`scalingedu.data.MOE_ARCHITECTURES`). Figures seen in secondary quotations, as the notes say.
"""
from __future__ import annotations

from types import MappingProxyType

from .._text import prose
from .records import ModelRecord

_MIXTRAL = prose("""
    Mixtral paper abstract (47B / 13B) and Mistral AI's release post (46.7B total, 12.9B per token)
""")

MIXTRAL_8X7B = ModelRecord(
    "Mixtral 8x7B", "Mixtral", 46.7e9, None, active_params=12.9e9, sources=(_MIXTRAL,),
    note="""
        Mixture-of-Experts, 8 experts, top-2. Training tokens were not published. Figures seen in secondary
        quotations of the paper and post.
    """)
"""Mixtral 8x7B's published sizes: 46.7B parameters, 12.9B of them per token."""

MIXTRAL_8X7B_MOE_SHAPE = MappingProxyType({
    "n_layers": 32, "d_model": 4096, "n_heads": 32, "d_head": 128, "n_kv_heads": 8, "experts": 8,
    "shared_experts": 0, "top_k": 2, "expert_d_ff": 14336, "gated_mlp": True, "moe_every": 1,
    "dense_layers": 0, "dense_d_ff": 14336, "vocab_size": 32000, "tied_embeddings": False,
    "source": prose("""
        Jiang et al. 2024, 'Mixtral of Experts' (arXiv:2401.04088), Table 1 [S: secondary quotations and Mistral's
        params.json as quoted]: dim 4096, n_layers 32, head_dim 128, hidden_dim 14336, n_heads 32, n_kv_heads 8,
        vocab 32000, 8 experts, top-2; SwiGLU experts, RMSNorm, rotary positions, no biases, untied output layer
    """),
    "note": "Published sizes: 46.7B total and 12.9B per token (MODELS['Mixtral 8x7B'])."})
"""Mixtral 8x7B's shape: the "mixtral-8x7b" entry of :data:`scalingedu.data.MOE_ARCHITECTURES`."""
