"""A 3D-parallel layout (data × tensor × pipeline, with ZeRO) of a transformer, its checks and its memory per GPU.

n GPUs train one model as dp data-parallel replicas, each split over tp (tensor parallelism, Shoeybi et al. 2019:
every layer's matrices are cut across tp GPUs) × pp (pipeline parallelism: the layers are cut into pp stages) GPUs,
so n = dp · tp · pp. A layout is possible only when the degrees divide what they split: tp must divide the
attention heads (and the key/value heads), pp the layers (pp·v with v interleaved chunks), and dp·tp·pp must equal
the GPU count. :func:`check_layout` says what would fit when they do not.

Memory per GPU = the model states of :func:`~scalingedu.parallelism.memory.zero_memory` (parameters split tp·pp
ways, then sharded by ZeRO over dp) + the activations of the pipeline stage that holds the most: the first stage
keeps L/pp layers' activations (:func:`~scalingedu.parallelism.memory.activation_memory`) for as many micro-batches
as the schedule has in flight: min(pp, m) for 1F1B, times (1 + (pp-1)/(pp·v)) when interleaved (Korthikanti et
al. 2022, Eq. 5 and the text after it; :func:`~scalingedu.parallelism.pipeline.simulate_schedule` measures the
same counts). Left out: the embedding and output-layer activations, temporary buffers and memory fragmentation,
so real runs need some headroom.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import _validate as v
from ..transformer import TransformerShape, count_params
from .memory import RECOMPUTE, activation_memory, check_stage, data_parallel_degree, divisors, zero_memory


@dataclass(frozen=True)
class ParallelLayout:
    """How ``n_gpus`` GPUs train one model: degrees, ZeRO stage, micro-batching and activation recomputation.

    ``tp`` tensor-, ``pp`` pipeline-parallel degree (dp = n_gpus/(tp·pp)); ``zero_stage`` 0-3; ``microbatches`` m
    per step per replica, each of ``microbatch_size`` sequences of ``seq_len`` tokens (None: the model's context);
    ``interleave`` v model chunks per pipeline device (1: plain 1F1B); ``sequence_parallel`` with tensor
    parallelism; ``recompute`` "none", "selective" or "full".
    """

    n_gpus: int
    tp: int = 1
    pp: int = 1
    zero_stage: int = 0
    microbatches: int = 1
    microbatch_size: int = 1
    seq_len: int | None = None
    interleave: int = 1
    sequence_parallel: bool = False
    recompute: str = "none"

    @property
    def dp(self) -> int:
        """The data-parallel degree n_gpus/(tp·pp)."""
        return data_parallel_degree(self.n_gpus, self.tp, self.pp)


@dataclass(frozen=True)
class LayoutMemory:
    """Bytes per GPU (on the busiest pipeline stage): model states and activations, with the GPU's capacity."""

    params: float
    grads: float
    optimizer: float
    activations: float
    capacity: float

    @property
    def total(self) -> float:
        return self.params + self.grads + self.optimizer + self.activations

    @property
    def fits(self) -> bool:
        return self.total <= self.capacity


def _fitting(count: int, limit: int | None = None) -> str:
    options = [d for d in divisors(count) if limit is None or d <= limit]
    return ", ".join(map(str, options))


def check_layout(shape: TransformerShape, layout: ParallelLayout) -> tuple[TransformerShape, ParallelLayout]:
    """Check that ``layout`` can train ``shape``; a ValueError says what would fit. Returns the inputs."""
    if not isinstance(shape, TransformerShape):
        raise TypeError(f"shape must be a TransformerShape, not {type(shape).__name__}")
    if not isinstance(layout, ParallelLayout):
        raise TypeError(f"layout must be a ParallelLayout, not {type(layout).__name__}")
    for name in ("n_gpus", "tp", "pp", "microbatches", "microbatch_size", "interleave"):
        v.positive_int(name, getattr(layout, name))
    if layout.seq_len is not None:
        v.positive_int("seq_len", layout.seq_len)
    check_stage(layout.zero_stage)
    v.one_of("recompute", layout.recompute, RECOMPUTE)
    if not isinstance(layout.sequence_parallel, bool):
        raise TypeError(f"sequence_parallel must be True or False, not {layout.sequence_parallel!r}")
    _ = layout.dp  # deliberate: computing dp raises a ValueError when tp·pp does not divide n_gpus
    if shape.n_heads % layout.tp:
        raise ValueError(f"tp = {layout.tp} does not divide the {shape.n_heads} attention heads: tp could be "
                         f"{_fitting(shape.n_heads, 64)} (each GPU holds whole query heads)")
    if shape.n_kv_heads % layout.tp and layout.tp % shape.n_kv_heads:
        # Beyond the key/value heads, Megatron-LM replicates them: tp must then be a multiple of their number.
        replicable = [d for d in divisors(shape.n_heads) if d <= 64 and (shape.n_kv_heads % d == 0
                                                                         or d % shape.n_kv_heads == 0)]
        raise ValueError(f"tp = {layout.tp} neither divides the {shape.n_kv_heads} key/value heads nor is a "
                         f"multiple of them (to replicate them): tp could be {', '.join(map(str, replicable))}")
    chunks = layout.pp * layout.interleave
    if shape.n_layers % chunks:
        what = f"pp = {layout.pp}" if layout.interleave == 1 else f"pp × interleave = {chunks}"
        raise ValueError(f"{what} does not divide the {shape.n_layers} layers: "
                         f"{'pp' if layout.interleave == 1 else 'pp × interleave'} could be "
                         f"{_fitting(shape.n_layers, 128)}")
    if layout.interleave > 1 and (layout.pp < 2 or layout.microbatches % layout.pp):
        raise ValueError(f"interleave = {layout.interleave} needs pp >= 2 and microbatches a multiple of pp = "
                         f"{layout.pp} (got microbatches = {layout.microbatches})")
    return shape, layout


def busiest_stage_params(shape: TransformerShape, tp: int = 1, pp: int = 1) -> float:
    """Parameters held by one GPU of the busiest pipeline stage, counting where the embeddings live.

    Splitting all parameters evenly over tp·pp GPUs undercounts the first stage: it holds its share of the layers
    and the whole input embedding (V·h), and with pp = 1 an untied output layer sits on the same GPUs. Megatron-LM's
    ``theoretical_memory_usage.py`` counts this "most loaded model shard" as (layers/pp + embedding)/tp, plus the
    output layer/tp when it is untied and pp = 1. Learned position tables stay with the input embedding.
    """
    tp = v.positive_int("tp", tp)
    pp = v.positive_int("pp", pp)
    counts = count_params(shape)
    input_embedding = counts.token_embedding + counts.position_embedding
    first = counts.non_embedding / pp + input_embedding + (counts.output_head if pp == 1 else 0)
    last = counts.non_embedding / pp + counts.output_head
    return max(first, last) / tp


def activations_in_flight(pp: int, microbatches: int, interleave: int = 1) -> float:
    """Micro-batches whose activations the first pipeline stage holds at its peak under (interleaved) 1F1B.

    min(pp, m) for 1F1B; times (1 + (pp-1)/(pp·v)) with v interleaved chunks (Korthikanti et al. 2022, after
    Eq. 5), where m >= pp as the interleaved schedule requires.
    """
    pp = v.positive_int("pp", pp)
    m = v.positive_int("microbatches", microbatches)
    chunks = v.positive_int("interleave", interleave)
    if chunks == 1:
        return float(min(pp, m))
    return pp * (1.0 + (pp - 1.0) / (pp * chunks))


def layout_memory(shape: TransformerShape, layout: ParallelLayout, capacity_bytes) -> LayoutMemory:
    """Bytes per GPU of ``shape`` trained with ``layout``, on the pipeline stage that holds the most."""
    check_layout(shape, layout)
    capacity = float(v.positive("capacity_bytes", capacity_bytes))
    states = zero_memory(count_params(shape).total, layout.n_gpus, layout.zero_stage, tp=layout.tp, pp=layout.pp)
    seq_len = layout.seq_len or shape.context
    per_layer = activation_memory(seq_len, layout.microbatch_size, shape.d_model, shape.n_heads, tp=layout.tp,
                                  sequence_parallel=layout.sequence_parallel, recompute=layout.recompute)
    layers = shape.n_layers / layout.pp
    activations = per_layer * layers * activations_in_flight(layout.pp, layout.microbatches, layout.interleave)
    return LayoutMemory(states.params, states.grads, states.optimizer, float(activations), capacity)
