"""LLaMA, Llama 2 and Llama 3 (Meta).

- LLaMA: Touvron et al. 2023, "LLaMA: Open and Efficient Foundation Language Models",
  arXiv:2302.13971.
- Llama 2: Touvron et al. 2023, arXiv:2307.09288, and meta-llama/llama: MODEL_CARD.md.
- Llama 3: Dubey et al. 2024, "The Llama 3 Herd of Models", arXiv:2407.21783, and meta-llama/llama3:
  MODEL_CARD.md; the released params.json files; the reference code, meta-llama/llama3:
  llama/model.py.

Training facts (records of :data:`scalingedu.data.MODELS`), shapes (of
:data:`scalingedu.data.ARCHITECTURES`, and Llama 3 405B's, which the parallelism lesson uses), and
the Llama 3 405B run: its 4D layouts and throughput, and its budget, which the capstone plans again.
"""
from __future__ import annotations

from .._text import prose
from .records import ModelRecord, PublishedConstants, TransformerShape

_LLAMA1 = "LLaMA paper, Table 2 (params, tokens)"
_LLAMA2 = "meta-llama/llama: MODEL_CARD.md (2.0T tokens; A100-80GB GPU hours)"
_LLAMA3 = "meta-llama/llama3: MODEL_CARD.md ('15T+' tokens; H100-80GB GPU hours)"
_LLAMA3_TOKENS = "The model card says '15T+' tokens: 15e12 is a lower bound."

LLAMA_MODELS: tuple[ModelRecord, ...] = (
    ModelRecord("LLaMA 7B", "LLaMA", 6.7e9, 1.0e12, sources=(_LLAMA1,)),
    ModelRecord("LLaMA 13B", "LLaMA", 13.0e9, 1.0e12, sources=(_LLAMA1,)),
    ModelRecord("LLaMA 33B", "LLaMA", 32.5e9, 1.4e12, sources=(_LLAMA1,)),
    ModelRecord("LLaMA 65B", "LLaMA", 65.2e9, 1.4e12, sources=(_LLAMA1,)),
    ModelRecord("Llama 2 7B", "Llama 2", 7e9, 2.0e12, gpu_hours=184_320, accelerator="A100",
                sources=(_LLAMA2,)),
    ModelRecord("Llama 2 13B", "Llama 2", 13e9, 2.0e12, gpu_hours=368_640, accelerator="A100",
                sources=(_LLAMA2,)),
    ModelRecord("Llama 2 70B", "Llama 2", 70e9, 2.0e12, gpu_hours=1_720_320, accelerator="A100",
                sources=(_LLAMA2,)),
    ModelRecord("Llama 3 8B", "Llama 3", 8e9, 15e12, gpu_hours=1.3e6, accelerator="H100",
                sources=(_LLAMA3,), note=_LLAMA3_TOKENS),
    ModelRecord("Llama 3 70B", "Llama 3", 70e9, 15e12, gpu_hours=6.4e6, accelerator="H100",
                sources=(_LLAMA3,), note=_LLAMA3_TOKENS),
)
"""LLaMA, Llama 2 and Llama 3, oldest first (part of :data:`scalingedu.data.MODELS`)."""

_LLAMA_CODE = prose("""
    meta-llama/llama3: llama/model.py [P]: no biases, RMSNorm, rotary positions, SwiGLU with three d_model × d_ff
    matrices, untied output layer; d_ff = int(8 d_model / 3), times ffn_dim_multiplier if given, rounded up to a
    multiple of multiple_of
""")
_LLAMA2_SHAPE = prose("""
    Llama 2 paper (Touvron et al. 2023, arXiv:2307.09288) and its released params.json: 4k context, 32,000-token
    vocabulary [S: shapes not checked against the primary files here]
""")
_LLAMA3_SHAPE = prose("""
    Llama 3 params.json as released with the weights [S: seen in a copy in the meta-llama/llama3 repository history:
    dim, n_layers, n_heads, n_kv_heads, vocab_size 128256, multiple_of, ffn_dim_multiplier 1.3]; 8k context from
    meta-llama/llama3: MODEL_CARD.md [P]
""")
_LLAMA = dict(gated_mlp=True, biases=False, tied_embeddings=False, positions="rotary",
              norm="rmsnorm")

LLAMA_ARCHITECTURES: tuple[TransformerShape, ...] = (
    TransformerShape(32, 4096, 32, 11008, 32000, 4096, **_LLAMA, name="Llama 2 7B",
                     size_reference="LLaMA 7B", sources=(_LLAMA2_SHAPE, _LLAMA_CODE, _LLAMA1),
                     note="""
                         Same shape as LLaMA 7B, whose size the LLaMA paper prints precisely (6.7B); the Llama 2
                         card only gives the name size 7B.
                     """),
    TransformerShape(40, 5120, 40, 13824, 32000, 4096, **_LLAMA, name="Llama 2 13B",
                     size_reference="LLaMA 13B", sources=(_LLAMA2_SHAPE, _LLAMA_CODE, _LLAMA1),
                     note="Same shape as LLaMA 13B, whose size the LLaMA paper prints (13.0B)."),
    TransformerShape(80, 8192, 64, 28672, 32000, 4096, n_kv_heads=8, **_LLAMA, name="Llama 2 70B",
                     sources=(_LLAMA2_SHAPE, _LLAMA_CODE),
                     note="""
                         Grouped-query attention with 8 key/value heads (the card marks GQA for 70B only). Only the
                         name size, 70B, is published.
                     """),
    TransformerShape(32, 4096, 32, 14336, 128256, 8192, n_kv_heads=8, **_LLAMA, name="Llama 3 8B",
                     sources=(_LLAMA3_SHAPE, _LLAMA_CODE),
                     note="""
                         Only the name size, 8B, is published; the 128,256-token vocabulary makes the embeddings 13%
                         of the parameters.
                     """),
    TransformerShape(80, 8192, 64, 28672, 128256, 8192, n_kv_heads=8, **_LLAMA, name="Llama 3 70B",
                     sources=(_LLAMA3_SHAPE, _LLAMA_CODE),
                     note="Only the name size, 70B, is published."),
)
"""The shapes of Llama 2 and Llama 3 (part of :data:`scalingedu.data.ARCHITECTURES`)."""

# --- Llama 3 405B ---------------------------------------------------------------------------------

LLAMA3_405B_ARCHITECTURE = TransformerShape(
    126, 16384, 128, 53248, 128256, 8192, n_kv_heads=8, **_LLAMA, name="Llama 3 405B",
    sources=("""
        Llama 3 paper (Dubey et al. 2024, arXiv:2407.21783) Table 3: 126 layers, model dimension 16,384, FFN
        dimension 53,248, 128 attention heads, 8 key/value heads [S: not checked against the PDF here]
    """,
             _LLAMA3_SHAPE, _LLAMA_CODE),
    note="""
        Table 3 prints the vocabulary as 128,000; the released tokenizer has 128,256 entries (as for 8B and 70B).
    """)
"""The shape of Llama 3.1 405B, kept here for lesson 06 (not part of ARCHITECTURES)."""

LLAMA3_405B_TRAINING = PublishedConstants(
    {"n_gpus": (8192, 16384), "tp": 8, "pp": 16, "dp": (64, 128), "seq_len": 8192,
     "tflops_per_gpu": (430, 400), "mfu": (0.43, 0.41)},
    source="""
        Llama 3 paper Table 4 (H100s, 8K-token sequences, no context parallelism) [S: facts.md §6 lists 38-43% MFU
        and 380-430 TFLOP/s per GPU]
    """,
)
"""Llama 3 405B's published 4D layouts and throughput (pre-training at 8K sequence length)."""

LLAMA3_405B_RUN = PublishedConstants(
    {"params": 405e9, "tokens": 15.6e12, "training_flops": 3.8e25, "max_gpus": 16384,
     "accelerator": "H100", "mfu_low": 0.38, "mfu_high": 0.43, "scaling_law_optimum_params": 402e9,
     "scaling_law_optimum_tokens": 16.55e12},
    source="""
        Llama 3 paper (Dubey et al. 2024, arXiv:2407.21783) [S: secondary quotations, facts.md §4]: 405B parameters
        on 15.6T tokens, 3.8e25 training FLOPs, up to 16K H100s at 38-43% MFU (Table 4); Meta's own scaling law puts
        the optimum at 3.8e25 FLOPs at 402B parameters on 16.55T tokens
    """,
)
"""The Llama 3.1 405B pre-training run, which the capstone plans again."""
