"""How long one training step takes on a cluster, the throughput and MFU it reaches, and days to train.

The step-time model adds up, per GPU:

- **compute**: the FLOPs the GPU executes (model FLOPs 6N + 12·L·H·Q·T per token, PaLM App. B, plus the forward
  passes repeated by recomputation) over its peak throughput times a matrix-product ``efficiency``;
- **tensor- and pipeline-parallel communication**, which sits on the critical path (exposed in full);
- the **pipeline bubble**, (pp-1)/(v·m) times the time of the micro-batches (Narayanan et al. 2021 §2.2);
- the part of the **data-parallel communication** that cannot hide behind compute: the gradient all-reduce (or
  ZeRO-1/2's reduce-scatter + all-gather) overlaps the backward pass of the last micro-batch only; ZeRO-3's weight
  gathers are prefetched during the whole step.

The compute term sits on a roofline (:mod:`scalingedu.roofline`): each matrix product of a layer (queries, keys and
values; the attention output; the MLP) and the attention core (FlashAttention) takes the longer of its compute time
and its memory-traffic time for one micro-batch on one GPU's share of the widths. Large micro-batches are
compute-bound and the roofline changes nothing; a micro-batch of a few hundred tokens or fewer waits for memory,
and :attr:`StepTime.memory_bound_share` says how much of the compute time is that wait.

Tokens per second = tokens per step / step time; the model FLOPs utilisation MFU = model FLOPs per token ×
tokens/s / (GPUs × peak) (Chowdhery et al. 2022, App. B). The efficiency default is an assumption of this course,
not a published figure: large dense bf16 matrix products typically reach 60-80% of peak.

:func:`training_days` is Narayanan et al. 2021's end-to-end estimate (§5.1): training time ≈ 8·T·P/(n·X) for T
tokens, P parameters, n GPUs at X FLOP/s each, with 8 = 2 (forward) + 4 (backward) + 2 (recomputed forward) FLOPs
per parameter and token; 6 without recomputation.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import _validate as v
from ..compute import SECONDS_PER_DAY
from ..data import ACCELERATORS, INTERCONNECTS
from ..roofline import layer_roofline
from ..transformer import TransformerShape, flops_per_token
from .communication import StepCommunication, step_communication
from .layout import LayoutMemory, ParallelLayout, check_layout, layout_memory
from .pipeline import pipeline_bubble

DEFAULT_EFFICIENCY = 0.7
"""Assumed fraction of peak that the matrix products reach (an assumption of the course, not a published figure)."""


@dataclass(frozen=True)
class StepTime:
    """Seconds per training step by part, with throughput and MFU; ``memory`` per GPU for the same layout."""

    compute: float
    tensor_parallel: float
    pipeline_p2p: float
    bubble: float
    data_parallel_exposed: float
    tokens_per_step: float
    model_flops_per_token: float
    peak_flops_per_second: float
    n_gpus: int
    communication: StepCommunication
    memory: LayoutMemory
    hardware_flops_per_token: float | None = None
    """FLOPs the GPUs execute per token: the model's, plus the forward passes repeated by recomputation (None: as
    many as the model's)."""
    memory_bound_share: float = 0.0
    """Share of the compute time spent waiting for memory: matrix products too small for the GPU's critical
    intensity (the roofline of :mod:`scalingedu.roofline`)."""

    @property
    def total(self) -> float:
        return self.compute + self.tensor_parallel + self.pipeline_p2p + self.bubble + self.data_parallel_exposed

    @property
    def tokens_per_second(self) -> float:
        return self.tokens_per_step / self.total

    @property
    def mfu(self) -> float:
        """Model FLOPs utilisation: useful FLOPs per second over the cluster's peak (0 to 1)."""
        return self.model_flops_per_token * self.tokens_per_second / (self.n_gpus * self.peak_flops_per_second)

    @property
    def hfu(self) -> float:
        """Hardware FLOPs utilisation: every FLOP the GPUs execute per second, recomputed forward passes included,
        over the cluster's peak (0 to 1; equal to the MFU without recomputation, 8/6 of it with full recomputation,
        whose extra forward pass adds 2 FLOPs per parameter and token to the model's 6)."""
        executed = self.hardware_flops_per_token or self.model_flops_per_token
        return executed * self.tokens_per_second / (self.n_gpus * self.peak_flops_per_second)

    @property
    def achieved_flops_per_gpu_per_second(self) -> float:
        """The FLOP/s one GPU executes, recomputation included: Narayanan et al.'s X in 8TP/(nX)."""
        return self.hfu * self.peak_flops_per_second


def _accelerator(name: str):
    if name not in INTERCONNECTS:
        raise ValueError(f"accelerator {name!r} has no interconnect figures; choose one of: {', '.join(INTERCONNECTS)}")
    return ACCELERATORS[name], INTERCONNECTS[name]


def step_time(shape: TransformerShape, layout: ParallelLayout, *, accelerator: str = "H100",
              efficiency=DEFAULT_EFFICIENCY) -> StepTime:
    """Model one training step of ``shape`` on ``layout.n_gpus`` GPUs of type ``accelerator`` (see module doc)."""
    check_layout(shape, layout)
    chip, links = _accelerator(accelerator)
    efficiency = float(v.in_range("efficiency", efficiency, 0.0, 1.0, low_open=True))
    seq_len = layout.seq_len or shape.context
    flops = flops_per_token(shape, seq_len)
    extra = {"none": 0.0, "selective": flops.attention_forward, "full": flops.forward}[layout.recompute]
    tokens = layout.dp * layout.microbatches * layout.microbatch_size * seq_len
    compute = (flops.total + extra) * tokens / (layout.n_gpus * chip.peak_flops_per_second * efficiency)
    slowdown = roofline_slowdown(shape, layout, seq_len, chip)
    compute *= slowdown

    comm = step_communication(shape, layout, nvlink_bytes_per_second=links["nvlink"],
                              network_bytes_per_second=links["network"], gpus_per_node=links["gpus_per_node"])
    pipelined = compute + comm.tensor_parallel_seconds + comm.pipeline_seconds
    bubble = pipelined * pipeline_bubble(layout.pp, layout.microbatches, interleave=layout.interleave)
    if layout.zero_stage == 3:  # noqa: SIM108 - a ternary would lose the comment on the else branch
        hidden_behind = pipelined
    else:  # the backward pass (2/3 of the compute) of the last micro-batch
        hidden_behind = pipelined / layout.microbatches * 2.0 / 3.0
    exposed = max(0.0, comm.data_parallel_seconds - hidden_behind)
    memory = layout_memory(shape, layout, chip.memory_bytes)
    return StepTime(compute, comm.tensor_parallel_seconds, comm.pipeline_seconds, bubble, exposed, float(tokens),
                    float(flops.total), chip.peak_flops_per_second, layout.n_gpus, comm, memory,
                    float(flops.total + extra), 1.0 - 1.0 / slowdown)


def roofline_slowdown(shape: TransformerShape, layout: ParallelLayout, seq_len: int, chip) -> float:
    """How much longer one layer's products take on the roofline than at the GPU's peak (1 when all compute-bound).

    For one micro-batch of ``microbatch_size × seq_len`` tokens on one GPU of a tensor-parallel group: the four
    weight products with their widths divided by tp, and each local head's FlashAttention core
    (:func:`scalingedu.roofline.layer_roofline`).
    """
    products = layer_roofline(shape, layout.microbatch_size * seq_len, chip, tp=layout.tp, seq_len=seq_len)
    return products.slowdown(flash=True)


def training_days(params, tokens, n_gpus, flops_per_gpu_per_second, *, recompute=True):
    """Narayanan et al. 2021 §5.1: end-to-end training time ≈ 8·T·P/(n·X) seconds (6·T·P/(n·X) without
    activation recomputation), returned in days. ``flops_per_gpu_per_second`` X is the *achieved* throughput.
    Vectorised over all numeric arguments."""
    p = v.positive("params", params)
    t = v.positive("tokens", tokens)
    n = v.positive("n_gpus", n_gpus)
    x = v.positive("flops_per_gpu_per_second", flops_per_gpu_per_second)
    if not isinstance(recompute, bool):
        raise TypeError(f"recompute must be True or False, not {recompute!r}")
    seconds = (8.0 if recompute else 6.0) * t * p / (n * x)
    return v.scalar_or_array(seconds / SECONDS_PER_DAY, params, tokens, n_gpus, flops_per_gpu_per_second)
