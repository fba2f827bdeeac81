"""Switch Transformers and GShard, the first sparse Mixture-of-Experts transformers: Fedus, Zoph &
Shazeer 2022, "Switch Transformers" (arXiv:2101.03961), and Lepikhin et al. 2020, "GShard"
(arXiv:2006.16668).

Switch's routing constants, a decoder-only analogue of Switch-Base's shape (an entry of
:data:`scalingedu.data.MOE_ARCHITECTURES`), and GShard's top-2 dispatch.
"""
from __future__ import annotations

from types import MappingProxyType

from .._text import prose
from .records import PublishedConstants

SWITCH_ROUTING = PublishedConstants(
    {"aux_loss_alpha": 1e-2, "capacity_factor_low": 1.0, "capacity_factor_high": 1.25,
     "switch_c_params": 1.571e12, "switch_c_experts": 2048.0},
    source="""
        Fedus et al. 2022, 'Switch Transformers' (arXiv:2101.03961) [S: quotes agree across sources]: expert
        capacity = (tokens per batch / number of experts) x capacity factor (Eq. 3); auxiliary loss alpha·N·sum_i
        f_i·P_i (Eqs. 4-6) with alpha = 1e-2; capacity factors 1.0-1.25 work best; Switch-C has 1.571T parameters
        and 2048 experts
    """,
    note="""
        Tokens over an expert's capacity are dropped: they skip the expert through the residual connection.
    """,
)

SWITCH_BASE_LIKE_MOE_SHAPE = MappingProxyType({
    "n_layers": 12, "d_model": 768, "n_heads": 12, "d_head": 64, "n_kv_heads": 12, "experts": 128,
    "shared_experts": 0, "top_k": 1, "expert_d_ff": 3072, "gated_mlp": False, "moe_every": 2,
    "dense_layers": 0, "dense_d_ff": 3072, "vocab_size": 32128, "tied_embeddings": True,
    "source": prose("""
        Fedus et al. 2022, 'Switch Transformers' (arXiv:2101.03961), Table 9 [S: not checked in the paper here]:
        Switch-Base has T5-Base's d_model 768, d_ff 3072, 12 heads of 64, 128 experts, top-1 routing, an expert
        layer in every other feed-forward layer, T5's 32,128-token vocabulary
    """),
    "note": prose("""
        A decoder-only ANALOGUE of Switch-Base (the real model is an encoder-decoder of 12 + 12 blocks with about 7B
        parameters): used to show top-1 routing at a small scale, not compared with a published count.
    """)})
"""The "switch-base-like" entry of :data:`scalingedu.data.MOE_ARCHITECTURES`."""

GSHARD_TOP_K = 2
"""GShard (Lepikhin et al. 2020, arXiv:2006.16668) [S]: each token is dispatched to at most two
experts."""
