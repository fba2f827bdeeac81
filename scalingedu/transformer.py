"""Parameters and FLOPs of a transformer, counted from its shape; presets of real models.

A decoder-only transformer is fixed by a handful of numbers: layers, residual width d_model, heads (and their
width), MLP width d_ff, vocabulary and context. :class:`TransformerShape` holds them, plus the choices in which
real models differ: grouped-query attention (fewer key/value heads), a gated MLP (SwiGLU, three matrices instead
of two), biases, tied or untied input and output embeddings, and learned, rotary or relative positions.

- :func:`count_params` counts every weight exactly and sets Kaplan et al.'s approximation N ≈ 12·n_layer·d_model²
  (Kaplan et al. 2020, Eq. 2.1: attention 4·d², MLP 8·d² when d_attn = d_ff/4 = d_model; no embeddings, no
  biases) beside the exact count.
- :func:`flops_per_token` counts training FLOPs per token as 6N + 12·L·H·Q·T (PaLM, Chowdhery et al. 2022,
  App. B; nanoGPT's ``estimate_mfu``): 2 FLOPs per weight per token in the forward pass, twice that in the
  backward pass, plus the attention scores and their weighted sum, which grow with the context T.
  :func:`kaplan_forward_flops_per_token` gives Kaplan's Eq. 2.2 form, 2N + 2·n_layer·n_ctx·d_attn.
- :data:`PRESETS` holds the shapes of real models: the published shapes of
  :data:`scalingedu.data.ARCHITECTURES`, which carry their sources and caveats;
  :func:`published_size` gives the size to compare a count with.

:class:`TransformerShape` is defined in :mod:`scalingedu.data.records` (so that the published shapes
can be values of it) and imported here: this module depends on :mod:`scalingedu.data`, never the
other way round.

Every count here is for a dense model. Mixture-of-Experts models (Mixtral, DeepSeek-V3) are left to lesson 07.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np

from . import _validate as v
from .data import ARCHITECTURES, NANOGPT_GPT2_SMALL, model
from .data.records import NORMS, POSITIONS, TransformerShape  # noqa: F401 (NORMS, POSITIONS)

KAPLAN_PARAMS_PER_LAYER_PER_D2 = 12
"""Kaplan et al. 2020, Eq. 2.1: N ≈ 2·d_model·n_layer·(2·d_attn + d_ff) = 12·n_layer·d_model² when d_attn = d_model."""


@dataclass(frozen=True)
class ParamCount:
    """Parameters of a transformer by part (counts of numbers, not bytes).

    ``attention``, ``mlp``, ``norms`` and ``relative_positions`` are summed over all layers (``norms`` includes the
    final norm). ``output_head`` is 0 when the output layer shares the token embedding (tied). ``kaplan_approx``
    is 12·n_layer·d_model² (Kaplan et al. 2020, Eq. 2.1), an approximation of ``non_embedding``.
    """

    token_embedding: int
    position_embedding: int
    output_head: int
    attention: int
    mlp: int
    norms: int
    relative_positions: int
    kaplan_approx: int

    @property
    def embedding(self) -> int:
        """Token embedding, learned position table and an untied output layer."""
        return self.token_embedding + self.position_embedding + self.output_head

    @property
    def non_embedding(self) -> int:
        """Everything else: the layers (attention, MLP, norms, relative-position weights) and the final norm."""
        return self.attention + self.mlp + self.norms + self.relative_positions

    @property
    def total(self) -> int:
        return self.embedding + self.non_embedding

    @property
    def kaplan_error(self) -> float:
        """Relative error of Kaplan's 12·n_layer·d_model² against the exact non-embedding count."""
        return self.kaplan_approx / self.non_embedding - 1.0


def _check_shape(shape) -> TransformerShape:
    if not isinstance(shape, TransformerShape):
        raise TypeError(f"shape must be a TransformerShape (e.g. PRESETS['GPT-3 175B']), not {type(shape).__name__}")
    return shape


def count_params(shape: TransformerShape) -> ParamCount:
    """Count every parameter of ``shape``, by part (see :class:`ParamCount`).

    Per layer: Q and output projections d_model × d_attn each, K and V d_model × d_kv each; an MLP of two (or,
    gated, three) d_model × d_ff matrices; two norms. With ``biases``: one bias per output of every linear layer
    and a bias in each LayerNorm. Then the token embedding (vocab × d_model), an untied output layer of the same
    size, a learned position table (context × d_model) and a final norm. nanoGPT's GPT-2 small (bias=False) gives
    exactly 124,337,664, the count of its ``transformer_sizing.ipynb``.
    """
    s = _check_shape(shape)
    d, layers = s.d_model, s.n_layers
    attention = 2 * d * s.d_attn + 2 * d * s.d_kv
    mlp = (3 if s.gated_mlp else 2) * d * s.d_ff
    if s.biases:
        attention += s.d_attn + 2 * s.d_kv + d
        mlp += (2 if s.gated_mlp else 1) * s.d_ff + d
    norm = 2 * d if (s.norm == "layernorm" and s.biases) else d
    relative = d * s.d_attn + 2 * s.d_attn if s.positions == "relative" else 0
    return ParamCount(
        token_embedding=s.vocab_size * d,
        position_embedding=s.context * d if s.positions == "learned" else 0,
        output_head=0 if s.tied_embeddings else s.vocab_size * d,
        attention=layers * attention,
        mlp=layers * mlp,
        norms=(2 * layers + 1) * norm,
        relative_positions=layers * relative,
        kaplan_approx=KAPLAN_PARAMS_PER_LAYER_PER_D2 * layers * d * d,
    )


def matmul_params(shape: TransformerShape) -> int:
    """The weights that take part in a matrix product for every token: the N of the FLOP count.

    All weight matrices of the layers (attention, MLP, relative-position projection) plus the output layer
    (vocab × d_model, whether or not it is tied to the token embedding). Left out: the embedding lookups (a
    gather, no arithmetic), biases and norm gains (a few FLOPs each, well under 0.1%).
    """
    s = _check_shape(shape)
    d = s.d_model
    per_layer = 2 * d * s.d_attn + 2 * d * s.d_kv + (3 if s.gated_mlp else 2) * d * s.d_ff
    if s.positions == "relative":
        per_layer += d * s.d_attn
    return s.n_layers * per_layer + s.vocab_size * d


def palm_flops_per_token(params, n_layers, n_heads, d_head, context):
    """Training FLOPs per token, 6·N + 12·L·H·Q·T (PaLM, Chowdhery et al. 2022, App. B; nanoGPT ``estimate_mfu``).

    N = ``params`` (the weights used in matrix products), L = ``n_layers``, H = ``n_heads`` (query heads), Q =
    ``d_head``, T = ``context`` (tokens per sequence). Per token and layer the forward pass computes T attention
    scores per head (2·H·Q·T FLOPs) and the same number of products to weight the values: 4·L·H·Q·T forward,
    12·L·H·Q·T with the backward pass. Vectorised: any argument may be an array.
    """
    n = v.positive("params", params)
    arrays = [v.positive(name, value) for name, value in
              (("n_layers", n_layers), ("n_heads", n_heads), ("d_head", d_head), ("context", context))]
    try:
        total = 6.0 * n + 12.0 * arrays[0] * arrays[1] * arrays[2] * arrays[3]
    except ValueError:
        raise ValueError("params, n_layers, n_heads, d_head and context cannot be combined: give arrays of one "
                         "shape, or scalars") from None
    return v.scalar_or_array(total, params, n_layers, n_heads, d_head, context)


@dataclass(frozen=True)
class FlopsPerToken:
    """FLOPs per training token: the weight term 6N and the attention term 12·L·H·Q·T, forward and backward.

    ``forward`` = 2N + 4·L·H·Q·T; ``backward`` = 2 × forward (gradients with respect to the activations and to
    the weights, each a product the size of the forward one); ``total`` = forward + backward. Fields are floats,
    or arrays when :func:`flops_per_token` was given an array of contexts.
    """

    params: int
    context: float | np.ndarray
    weight_forward: float | np.ndarray
    attention_forward: float | np.ndarray

    @property
    def forward(self):
        return self.weight_forward + self.attention_forward

    @property
    def backward(self):
        return 2.0 * self.forward

    @property
    def total(self):
        return 3.0 * self.forward

    @property
    def attention_fraction(self):
        """Share of the training FLOPs spent on attention scores and their weighted sum (0 to 1)."""
        return self.attention_forward / self.forward


def flops_per_token(shape: TransformerShape, context=None) -> FlopsPerToken:
    """Training FLOPs per token of ``shape``, split into forward and backward and into weights and attention.

    ``context`` (tokens per sequence; default ``shape.context``) may be an array, to see how the attention term
    grows with it. The total equals :func:`palm_flops_per_token` with N = :func:`matmul_params`. The attention
    term counts every query against the full context, as PaLM and nanoGPT do; a causal mask lets fast kernels
    skip about half of it, which is why Kaplan's Eq. 2.2 has 2·n_layer·n_ctx·d_attn (see
    :func:`kaplan_forward_flops_per_token`).
    """
    s = _check_shape(shape)
    t = v.positive("context", s.context if context is None else context)
    n = matmul_params(s)
    attention = 4.0 * s.n_layers * s.n_heads * s.d_head * t
    weight = np.full_like(t, 2.0 * n)
    return FlopsPerToken(n, v.scalar_or_array(t, t), v.scalar_or_array(weight, t),
                         v.scalar_or_array(attention, t))


def kaplan_forward_flops_per_token(shape: TransformerShape, context=None):
    """Kaplan et al. 2020, Eq. 2.2: forward FLOPs per token ≈ 2·N + 2·n_layer·n_ctx·d_attn.

    N is the non-embedding parameter count (exact, from :func:`count_params`); the second term is the attention
    over the context. Kaplan's count leaves out the output layer. Training costs about 3× this (Kaplan §2.1).
    """
    s = _check_shape(shape)
    t = v.positive("context", s.context if context is None else context)
    n = count_params(s).non_embedding
    return v.scalar_or_array(2.0 * n + 2.0 * s.n_layers * t * s.d_attn, t)


def training_flops_with_attention(shape: TransformerShape, tokens):
    """FLOPs to train ``shape`` on ``tokens`` tokens, attention included: flops_per_token(shape).total × tokens."""
    d = v.positive("tokens", tokens)
    per_token = flops_per_token(shape).total
    return v.scalar_or_array(per_token * d, tokens)


# ----------------------------------------------------------------------------------------------------------------
# Presets of real models
# ----------------------------------------------------------------------------------------------------------------

PRESETS = MappingProxyType({shape.name: shape for shape in ARCHITECTURES})
"""Shapes of real models by name (the names of :data:`scalingedu.data.MODELS`), as their sources
print them; where a printed shape is not self-consistent (GPT-3 XL and 13B), a consistent reading,
explained in the shape's ``note``; :func:`as_printed` gives the literal shape."""

GPT2_SMALL_NANOGPT = NANOGPT_GPT2_SMALL
"""GPT-2 small as in nanoGPT's transformer_sizing.ipynb (bias=False): 124,337,664 parameters."""


def architecture(name: str) -> TransformerShape:
    """The published shape of a preset, with its ``sources`` and ``note``, by name
    (case-insensitive)."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'Llama 2 7B', not {type(name).__name__}")
    for shape in ARCHITECTURES:
        if shape.name.lower() == name.lower():
            return shape
    raise ValueError(f"no preset named {name!r}; presets: {', '.join(PRESETS)}")


def preset(name: str) -> TransformerShape:
    """The shape of a real model by name, case-insensitive (e.g. ``preset('llama 3 8b')``): the same
    object as :func:`architecture` and ``PRESETS[name]``."""
    return architecture(name)


def as_printed(name: str) -> TransformerShape:
    """The shape of a preset exactly as its source prints it, even where that is not self-consistent.

    Equal to :func:`preset` except for GPT-3 XL (Table 2.1 prints 24 heads of 128 with d_model 2048) and GPT-3
    13B (d_model 5140 with 40 heads of 128); the shape's ``note`` says how each count then compares
    with the published size.
    """
    shape = architecture(name)
    return replace(shape, **shape.printed)


def published_size(name: str) -> tuple[float, str]:
    """The published parameter count to compare a preset's count with, and the record it comes from.

    Usually the model's own record in :data:`scalingedu.data.MODELS` (GPT-3 sizes are Table D.1's precise
    counts; Llama 2 70B and Llama 3 only have name sizes). Llama 2 7B and 13B have the same shapes as LLaMA 7B and
    13B, whose sizes the LLaMA paper prints precisely, so those are used.
    """
    shape = architecture(name)
    reference = model(shape.size_reference or shape.name)
    return reference.params, reference.name

