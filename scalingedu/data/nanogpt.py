"""nanoGPT: karpathy/nanoGPT, transformer_sizing.ipynb (GPT-2 small's parameter and FLOP count,
measured on one A100).
"""
from __future__ import annotations

from .records import PublishedConstants, TransformerShape

NANOGPT_GPT2_SMALL = TransformerShape(
    12, 768, 12, 4 * 768, 50257, 1024, biases=False, name="GPT-2 small (nanoGPT, bias=False)",
    sources=("""
        karpathy/nanoGPT: transformer_sizing.ipynb [P]: block_size 1024, vocab_size 50257, n_layer 12, n_head 12,
        n_embd 768, bias=False; LayerNorm without bias; output layer tied to the token embedding
    """,),
    note="""
        nanoGPT's sizing notebook assumes bias=False 'just for simplicity'; the released GPT-2 has biases.
    """)
"""The model of nanoGPT's transformer_sizing.ipynb: an exact check of a parameter and FLOP count."""

NANOGPT_SIZING = PublishedConstants(
    {"params": 124_337_664.0, "forward_flops_per_sequence": 291_648_307_200.0,
     "sequence_tokens": 1024.0, "measured_sequences_per_iteration": 100.0,
     "measured_seconds_per_iteration": 0.755, "measured_fraction_of_a100_peak": 0.3714},
    source="""
        karpathy/nanoGPT: transformer_sizing.ipynb [P]: params() total 124,337,664 (matches PyTorch); flops()
        forward_total 291,648,307,200 for one 1024-token sequence (weight matmuls, attention scores and reduction,
        output layer; LayerNorm and softmax left out), backward = 2 × forward; measured on one A100: batch 20 ×
        grad_accum 5 = 100 sequences per 0.755 s iteration, 'fraction of A100 used: 37.14%'
    """,
)
