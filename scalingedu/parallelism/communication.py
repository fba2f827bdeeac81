"""Bytes each GPU sends per training step for data, ZeRO, tensor and pipeline parallelism, and how long it takes.

- **Data parallelism** (ZeRO stage 0): one all-reduce of the 16-bit gradients per step, 2(n-1)/n · 2Ψ bytes.
- **ZeRO-1 and 2**: a reduce-scatter of the gradients and an all-gather of the updated weights: the same volume
  as the all-reduce (ZeRO §7: 2Ψ elements per step).
- **ZeRO-3 / FSDP**: the weights are gathered before each micro-batch's forward pass and again for its backward
  pass, and the gradients reduce-scattered once: (2m + 1)(n-1)/n · 2Ψ bytes for m micro-batches; with m = 1 this
  is ZeRO §7's 3Ψ elements, 1.5 times plain data parallelism.
- **Tensor parallelism** (Shoeybi et al. 2019, Fig. 4): 4 all-reduces of the b·s·h activations per layer and
  micro-batch (2 in the forward, 2 in the backward pass); sequence parallelism replaces each by a reduce-scatter and
  an all-gather of the same total volume (Korthikanti et al. 2022 §4.2.2); full recomputation repeats the forward's
  2 (Korthikanti §5).
- **Pipeline parallelism**: each stage sends its b·s·h output activations forward and receives their gradients
  back, once per micro-batch and model chunk (v chunks: v times more, Narayanan et al. 2021 §2.2.2).

Ψ here is the parameter count each data-parallel group reduces: Ψ/(tp·pp). Times use
:func:`~scalingedu.parallelism.collectives.collective_time` (bandwidth only; latency is left out).
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import _validate as v
from ..transformer import TransformerShape, count_params
from .collectives import collective_bytes, collective_time
from .layout import ParallelLayout, check_layout
from .memory import PARAM_BYTES, check_stage

TP_COLLECTIVES_PER_LAYER = 4
"""Shoeybi et al. 2019, Fig. 4: 4 communication operations per layer in the forward and backward pass together."""


@dataclass(frozen=True)
class StepCommunication:
    """Bytes each GPU sends per training step (``*_bytes``) and the seconds it takes (``*_seconds``)."""

    data_parallel_bytes: float
    tensor_parallel_bytes: float
    pipeline_bytes: float
    data_parallel_seconds: float
    tensor_parallel_seconds: float
    pipeline_seconds: float

    @property
    def total_bytes(self) -> float:
        return self.data_parallel_bytes + self.tensor_parallel_bytes + self.pipeline_bytes


def data_parallel_bytes(params, dp, zero_stage, microbatches=1):
    """Bytes one GPU sends per step to keep ``dp`` replicas of ``params`` parameters in sync (16-bit gradients)."""
    buffer = PARAM_BYTES * v.positive("params", params)
    m = v.positive_int("microbatches", microbatches)
    stage = check_stage(zero_stage)
    if stage < 3:
        sent = collective_bytes("all_reduce", buffer, dp)
    else:
        sent = 2 * m * collective_bytes("all_gather", buffer, dp) + collective_bytes("reduce_scatter", buffer, dp)
    return v.scalar_or_array(sent, params)


def _link(group_span: int, gpus_per_node: int, nvlink: float, network: float) -> float:
    """NVLink when a group fits inside one node, else the network."""
    return nvlink if group_span <= gpus_per_node else network


def step_communication(shape: TransformerShape, layout: ParallelLayout, *, nvlink_bytes_per_second,
                       network_bytes_per_second, gpus_per_node=8) -> StepCommunication:
    """Per-GPU communication of one training step of ``shape`` under ``layout``, in bytes and seconds.

    Placement: tensor parallelism innermost (NVLink when tp <= ``gpus_per_node``), then pipeline stages, then
    data-parallel replicas; a group uses NVLink only if all its members sit in one node.
    """
    check_layout(shape, layout)
    nvlink = float(v.positive("nvlink_bytes_per_second", nvlink_bytes_per_second))
    network = float(v.positive("network_bytes_per_second", network_bytes_per_second))
    per_node = v.positive_int("gpus_per_node", gpus_per_node)
    tp, pp, dp, m = layout.tp, layout.pp, layout.dp, layout.microbatches
    seq_len = layout.seq_len or shape.context
    activation_bytes = PARAM_BYTES * layout.microbatch_size * seq_len * shape.d_model

    local_params = count_params(shape).total / (tp * pp)
    dp_bytes = data_parallel_bytes(local_params, dp, layout.zero_stage, m)
    dp_link = _link(tp * pp * dp, per_node, nvlink, network)
    # bandwidth model: each collective's seconds = its bytes / link bandwidth, so bytes/bandwidth is the sum
    dp_seconds = dp_bytes / dp_link

    per_layer = TP_COLLECTIVES_PER_LAYER + (2 if layout.recompute == "full" else 0)
    tp_ops = per_layer * (shape.n_layers // pp) * m
    tp_one = collective_bytes("all_reduce", activation_bytes, tp)
    tp_link = _link(tp, per_node, nvlink, network)
    tp_seconds = tp_ops * collective_time("all_reduce", activation_bytes, tp, bandwidth_bytes_per_second=tp_link)

    # forward activations out and gradients back, per micro-batch and chunk (the end stages send half of it)
    pp_bytes = 0.0 if pp == 1 else 2.0 * activation_bytes * m * layout.interleave
    pp_link = _link(tp * pp, per_node, nvlink, network)
    return StepCommunication(float(dp_bytes), float(tp_ops * tp_one), pp_bytes, float(dp_seconds),
                             float(tp_seconds), pp_bytes / pp_link)
