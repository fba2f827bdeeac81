"""Total and active parameters of a Mixture-of-Experts transformer, counted from its shape; presets of real models.

In an MoE layer the feed-forward block is replaced by ``experts`` copies of it (the experts) and a router, a
d_model × experts matrix that scores every expert for every token. Each token is processed by only ``top_k`` of
the routed experts (plus any ``shared_experts``, which every token uses), so the model *holds* all experts in
memory but *computes* with few of them: the total parameter count sets the memory, the active count (the weights
one token touches) sets the FLOPs per token.

:func:`count_params` counts both from the architecture, part by part:

- attention: grouped-query attention (Q and output d_model × n_heads·d_head, K and V d_model × n_kv_heads·d_head,
  as Mixtral) or DeepSeek-V3's multi-head latent attention (MLA: queries and keys/values pass through low-rank
  "latent" projections, with a separate rotary part of the keys shared by all heads; counted from the shapes of
  its config, see :func:`_mla_params`);
- feed-forward: dense layers (the first ``dense_layers`` of DeepSeek-V3, and the non-expert layers when
  ``moe_every`` > 1, as in Switch) and MoE layers with their router;
- embeddings (an untied output layer counts once more), RMSNorm gains.

What is left out (say so when comparing with a published count): DeepSeek-V3's multi-token-prediction (MTP)
module, which its published 671B also leaves out (the 685B checkpoint includes it); the router's per-expert bias
of DeepSeek-V3 (a buffer updated by a rule, not a trained weight, 256 numbers per layer); biases (none of these
models has any). The router is counted as active: every token uses all of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from .. import _validate as v
from ..data import MOE_ARCHITECTURES, model

ATTENTION_KINDS = ("gqa", "mla")


@dataclass(frozen=True)
class MoEConfig:
    """The shape of a decoder-only Mixture-of-Experts transformer (all sizes are whole numbers).

    Layers: the first ``dense_layers`` have a dense MLP of width ``dense_d_ff``; of the rest, one in every
    ``moe_every`` is an MoE layer (Switch puts experts in every other block: ``moe_every`` = 2), the others are
    dense (which ones does not change the counts). An MoE layer has ``experts`` routed experts and
    ``shared_experts`` always-on experts, each an MLP of width ``expert_d_ff`` (gated, three matrices, when
    ``gated_mlp``: SwiGLU); a token uses ``top_k`` routed experts. ``attention`` is "gqa" (grouped-query, or
    multi-head when n_kv_heads = n_heads) or "mla" (multi-head latent attention, which needs ``q_lora_rank``,
    ``kv_lora_rank``, ``qk_rope_head_dim`` and ``v_head_dim``; ``d_head`` is then the non-rotary query/key head
    width).
    """

    name: str
    n_layers: int
    d_model: int
    n_heads: int
    d_head: int
    n_kv_heads: int
    experts: int
    top_k: int
    expert_d_ff: int
    vocab_size: int
    shared_experts: int = 0
    gated_mlp: bool = True
    moe_every: int = 1
    dense_layers: int = 0
    dense_d_ff: int = 0
    tied_embeddings: bool = False
    attention: str = "gqa"
    q_lora_rank: int = 0
    kv_lora_rank: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string, not {type(self.name).__name__}")
        for field in ("n_layers", "d_model", "n_heads", "d_head", "n_kv_heads", "experts", "expert_d_ff",
                      "vocab_size", "moe_every"):
            object.__setattr__(self, field, v.positive_int(field, getattr(self, field)))
        for field in ("shared_experts", "dense_layers", "dense_d_ff", "q_lora_rank", "kv_lora_rank",
                      "qk_rope_head_dim", "v_head_dim"):
            object.__setattr__(self, field, v.positive_int(field, getattr(self, field), minimum=0))
        object.__setattr__(self, "top_k", v.positive_int("top_k", self.top_k, maximum=self.experts))
        v.positive_int("n_kv_heads", self.n_kv_heads, maximum=self.n_heads)
        if self.n_heads % self.n_kv_heads:
            raise ValueError(f"n_kv_heads ({self.n_kv_heads}) must divide n_heads ({self.n_heads})")
        v.positive_int("dense_layers", self.dense_layers, minimum=0, maximum=self.n_layers)
        if self.dense_layers and not self.dense_d_ff:
            raise ValueError("dense_d_ff must be >= 1 when there are dense layers (dense_layers > 0)")
        if self.moe_every > 1 and not self.dense_d_ff:
            raise ValueError("dense_d_ff must be >= 1 when moe_every > 1 (the layers between expert layers are dense)")
        v.one_of("attention", self.attention, ATTENTION_KINDS)
        if self.attention == "mla":
            for field in ("q_lora_rank", "kv_lora_rank", "qk_rope_head_dim", "v_head_dim"):
                v.positive_int(field, getattr(self, field), minimum=1)
        for field in ("gated_mlp", "tied_embeddings"):
            if not isinstance(getattr(self, field), bool):
                raise TypeError(f"{field} must be True or False, not {getattr(self, field)!r}")

    @property
    def moe_layers(self) -> int:
        """How many layers have experts: every ``moe_every``-th of the layers after the first ``dense_layers``."""
        return (self.n_layers - self.dense_layers) // self.moe_every

    @property
    def dense_mlp_layers(self) -> int:
        return self.n_layers - self.moe_layers

    @property
    def sparsity(self) -> float:
        """Fraction of the routed experts a token uses, top_k / experts."""
        return self.top_k / self.experts


@dataclass(frozen=True)
class ParamCount:
    """Parameters of an MoE transformer (counts of numbers, not bytes), by part.

    ``total``: every weight (what memory must hold). ``active``: the weights one token uses in a forward pass
    (attention, dense MLPs, the router, shared experts, ``top_k`` routed experts per MoE layer, and the embeddings,
    counted whole as the published active counts do). The other
    fields break the total down; ``expert`` is the size of one routed expert (one layer).
    """

    total: int
    active: int
    attention: int
    dense_mlp: int
    routed_experts: int
    shared_experts: int
    routers: int
    embeddings: int
    norms: int
    expert: int

    @property
    def active_fraction(self) -> float:
        return self.active / self.total


def _mlp_params(d_model: int, d_ff: int, gated: bool) -> int:
    return (3 if gated else 2) * d_model * d_ff


def _mla_params(c: MoEConfig) -> tuple[int, int]:
    """Weights and norm gains of one multi-head latent attention layer (DeepSeek-V2/V3, counted from the config).

    Queries: d_model → q_lora_rank (then an RMSNorm) → n_heads·(d_head + qk_rope_head_dim). Keys and values:
    d_model → kv_lora_rank + qk_rope_head_dim (the latent plus one rotary key shared by all heads; an RMSNorm on
    the latent) → n_heads·(d_head + v_head_dim). Output: n_heads·v_head_dim → d_model.
    """
    q_head = c.d_head + c.qk_rope_head_dim
    weights = (c.d_model * c.q_lora_rank + c.q_lora_rank * c.n_heads * q_head
               + c.d_model * (c.kv_lora_rank + c.qk_rope_head_dim)
               + c.kv_lora_rank * c.n_heads * (c.d_head + c.v_head_dim)
               + c.n_heads * c.v_head_dim * c.d_model)
    return weights, c.q_lora_rank + c.kv_lora_rank


def _check_config(config) -> MoEConfig:
    if isinstance(config, str):
        return preset(config)
    if not isinstance(config, MoEConfig):
        raise TypeError(f"config must be an MoEConfig or a preset name ({', '.join(PRESETS)}), "
                        f"not {type(config).__name__}")
    return config


def count_params(config: MoEConfig | str) -> ParamCount:
    """Total and active parameters of ``config`` (an :class:`MoEConfig` or a preset name), counted by part.

    Mixtral 8x7B gives 46.70B total and 12.88B active (published 46.7B and 12.9B). DeepSeek-V3 gives 671.0B
    and 37.5B (published 671B and 37B); the count leaves out its multi-token-prediction module, as the 671B does.
    """
    c = _check_config(config)
    d = c.d_model
    if c.attention == "mla":
        attention_layer, attention_norms = _mla_params(c)
    else:
        attention_layer = 2 * d * c.n_heads * c.d_head + 2 * d * c.n_kv_heads * c.d_head
        attention_norms = 0
    expert = _mlp_params(d, c.expert_d_ff, c.gated_mlp)
    dense = _mlp_params(d, c.dense_d_ff, c.gated_mlp) if c.dense_d_ff else 0
    router = d * c.experts
    embedding_table = c.vocab_size * d
    embeddings = embedding_table * (1 if c.tied_embeddings else 2)
    norms = c.n_layers * (2 * d + attention_norms) + d        # two RMSNorms per layer (+ MLA's), and a final one

    attention = c.n_layers * attention_layer
    dense_mlp = c.dense_mlp_layers * dense
    routed = c.moe_layers * c.experts * expert
    shared = c.moe_layers * c.shared_experts * expert
    routers = c.moe_layers * router
    total = attention + dense_mlp + routed + shared + routers + embeddings + norms
    # The published active counts (Mixtral's 12.9B, DeepSeek-V3's 37B) include both embedding tables, although a
    # token only reads one row of the input table: we follow that convention (the input table is 0.26B of
    # Mixtral's 12.9B and 0.93B of DeepSeek-V3's 37B).
    active = (attention + dense_mlp + c.moe_layers * c.top_k * expert + shared + routers + embeddings + norms)
    return ParamCount(total=total, active=active, attention=attention, dense_mlp=dense_mlp,
                      routed_experts=routed, shared_experts=shared, routers=routers, embeddings=embeddings,
                      norms=norms, expert=expert)


def active_matmul_params(config: MoEConfig | str) -> int:
    """The active weights that multiply a token: the N of the FLOP count, counted as
    :func:`scalingedu.transformer.matmul_params` counts a dense model's.

    The active count (:func:`count_params`) includes both embedding tables, as the published counts do; a token
    only *looks up* one row of the input table (no arithmetic), and the norm gains cost a few FLOPs each. This
    leaves both out and keeps the output layer (vocab × d_model, tied or not), so 2 × this is the forward FLOPs per
    token of an MoE on the same footing as 2 × ``matmul_params`` of a dense model (attention over the context
    aside). Mixtral 8x7B: 12.88B active, 12.75B that multiply.
    """
    c = _check_config(config)
    counts = count_params(c)
    lookup = counts.embeddings - c.vocab_size * c.d_model     # the input table, unless it is the output layer too
    return counts.active - lookup - counts.norms


def _config_from_record(name: str, record) -> MoEConfig:
    fields = {key: value for key, value in record.items()
              if key not in ("source", "note", "mtp_modules")}
    if "q_lora_rank" in fields:
        fields["attention"] = "mla"
    return MoEConfig(name=name, **fields)


PRESETS = MappingProxyType({name: _config_from_record(name, record) for name, record in MOE_ARCHITECTURES.items()})
"""MoE shapes of real models by name: "switch-base-like" (a decoder-only analogue of Switch-Base, 128 experts,
top-1), "mixtral-8x7b" (8 experts, top-2) and "deepseek-v3" (256 routed + 1 shared expert, top-8, MLA). Sources
in :data:`scalingedu.data.MOE_ARCHITECTURES`."""

PUBLISHED_SIZES = MappingProxyType({"mixtral-8x7b": "Mixtral 8x7B", "deepseek-v3": "DeepSeek-V3"})
"""Which record of :data:`scalingedu.data.MODELS` holds each preset's published total and active counts."""


def preset(name: str) -> MoEConfig:
    """An MoE preset by name, case-insensitive (``preset("Mixtral-8x7B")``)."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'mixtral-8x7b', not {type(name).__name__}")
    key = name.lower()
    if key not in PRESETS:
        raise ValueError(f"unknown MoE preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[key]


def published_counts(name: str) -> tuple[float, float]:
    """The published (total, active) parameters of a preset, from :data:`scalingedu.data.MODELS`."""
    key = preset(name).name
    if key not in PUBLISHED_SIZES:
        raise ValueError(f"{name!r} has no published count to compare with (it is an analogue); presets with one: "
                         f"{', '.join(PUBLISHED_SIZES)}")
    record = model(PUBLISHED_SIZES[key])
    return record.params, record.active_params
