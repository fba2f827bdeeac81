"""GPT-3: Brown et al. 2020, "Language Models are Few-Shot Learners", arXiv:2005.14165.

The eight sizes' training facts (Table D.1: parameters, training FLOPs, PF-days; Table 2.1: 300B
tokens) and their shapes (Table 2.1, with GPT-2's architecture as section 2.1 describes it).
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .._text import prose
from .records import ModelRecord, TransformerShape

_GPT3 = prose("""
    GPT-3 paper, Table D.1 (params, training FLOPs) and Table 2.1 (300B tokens for every size)
""")


def _gpt3(name: str, params: float, flops: float) -> ModelRecord:
    return ModelRecord(name, "GPT-3", params, 300e9, training_flops=flops, sources=(_GPT3,))


GPT3_MODELS: tuple[ModelRecord, ...] = (
    _gpt3("GPT-3 Small", 125e6, 2.25e20),
    _gpt3("GPT-3 Medium", 356e6, 6.41e20),
    _gpt3("GPT-3 Large", 760e6, 1.37e21),
    _gpt3("GPT-3 XL", 1.32e9, 2.38e21),
    _gpt3("GPT-3 2.7B", 2.65e9, 4.77e21),
    _gpt3("GPT-3 6.7B", 6.66e9, 1.20e22),
    _gpt3("GPT-3 13B", 12.85e9, 2.31e22),
    _gpt3("GPT-3 175B", 174.6e9, 3.14e23),
)
"""The eight GPT-3 sizes, smallest first (part of :data:`scalingedu.data.MODELS`)."""

GPT3_PF_DAYS = MappingProxyType({
    "GPT-3 Small": 2.60, "GPT-3 Medium": 7.42, "GPT-3 Large": 15.8, "GPT-3 XL": 27.5,
    "GPT-3 2.7B": 55.2, "GPT-3 6.7B": 139.0, "GPT-3 13B": 268.0, "GPT-3 175B": 3.64e3,
})
"""Training compute in PF-days as printed in the GPT-3 paper, Table D.1 (to check our conversion
against)."""

_GPT3_T21 = prose("""
    GPT-3 paper, Table 2.1 [P]: n_layers, d_model, n_heads, d_head; n_ctx = 2048 and d_ff = 4 d_model for every size
""")
_GPT3_ARCH = prose("""
    GPT-3 paper, section 2.1: 'the same model and architecture as GPT-2', so learned positions, biases, LayerNorm,
    tied embeddings and GPT-2's 50,257-token BPE vocabulary [S: read in secondary quotations; the vocabulary size is
    Kaplan et al.'s n_vocab for the same tokenizer, [P]]
""")
_GPT3_SPARSE = prose("""
    GPT-3 alternates dense and locally banded sparse attention layers (section 2.1) [S]: the attention FLOPs of
    12·L·H·Q·T overstate its cost.
""")


def _gpt3_shape(size: str, n_layers: int, d_model: int, n_heads: int, d_head: int, note: str = "",
                printed: Mapping[str, int] | None = None) -> TransformerShape:
    return TransformerShape(n_layers, d_model, n_heads, 4 * d_model, 50257, 2048, d_head=d_head,
                            name=f"GPT-3 {size}", sources=(_GPT3_T21, _GPT3_ARCH),
                            note=(note + " " + _GPT3_SPARSE).strip(), printed=printed or {})


GPT3_ARCHITECTURES: tuple[TransformerShape, ...] = (
    _gpt3_shape("Small", 12, 768, 12, 64),
    _gpt3_shape("Medium", 24, 1024, 16, 64),
    _gpt3_shape("Large", 24, 1536, 16, 96),
    _gpt3_shape("XL", 24, 2048, 16, 128, printed={"n_heads": 24, "n_kv_heads": 24},
                note="""
                    Table 2.1 prints 24 heads of 128 = 3072, not d_model = 2048: as printed, the attention
                    projections are 2048 × 3072 and the count lands about 15% above Table D.1's 1,320M. The preset
                    reads it as an attention width of 2048 (16 heads of 128, our choice), which reproduces 1,320M;
                    transformer.as_printed('GPT-3 XL') gives the shape as printed.
                """),
    _gpt3_shape("2.7B", 32, 2560, 32, 80),
    _gpt3_shape("6.7B", 32, 4096, 32, 128),
    _gpt3_shape("13B", 40, 5120, 40, 128, printed={"d_model": 5140, "d_ff": 4 * 5140},
                note="""
                    Table 2.1 prints d_model = 5140, not 40 × 128 = 5120: counted as printed (attention width 5120,
                    residual width 5140) it lands 0.7% above Table D.1's 12,850M. The preset reads d_model = 5120,
                    which reproduces 12,850M almost exactly; transformer.as_printed('GPT-3 13B') gives the shape as
                    printed.
                """),
    _gpt3_shape("175B", 96, 12288, 96, 128),
)
"""The GPT-3 shapes, smallest first (part of :data:`scalingedu.data.ARCHITECTURES`)."""
