"""The fastest layout that fits: a search over the sensible degrees of a cluster, by the lesson's step-time model.

Given a model, a cluster (``n_gpus`` of one accelerator of :data:`scalingedu.data.INTERCONNECTS`) and a global
batch of ``global_batch`` sequences per step, :func:`candidate_layouts` lists every layout of the degrees below
that :func:`~scalingedu.parallelism.layout.check_layout` accepts and that trains exactly that batch
(dp × microbatches × microbatch_size = global_batch); :func:`search_layouts` keeps those that fit in the GPU's
memory (:func:`~scalingedu.parallelism.layout.layout_memory`, on the busiest pipeline stage) and sorts them by
the tokens per second of :func:`~scalingedu.parallelism.step_time.step_time`; :func:`best_layout` is the first.

The degrees tried (choices of this course, the ones Megatron-LM-style runs use):

- tensor parallelism: powers of two up to the GPUs of one node (the NVLink domain), so that its four collectives
  per layer never cross the network;
- pipeline parallelism: every divisor of the layers (the model's shape says which) whose product with tp divides
  the GPU count, with 1, 2 or 4 interleaved chunks per GPU;
- micro-batches of 1, 2, 4 or 8 sequences; as many micro-batches as the batch then needs;
- ZeRO stage 0 to 3; recomputation "none", "selective" or "full"; sequence parallelism whenever tp > 1 (it moves
  the same bytes as plain tensor parallelism and stores tp times fewer activations, so it never loses).

A search is a few thousand step-time evaluations (about a second); :func:`best_layout` keeps its last results.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from .. import _validate as v
from ..data import ACCELERATORS, INTERCONNECTS
from ..transformer import TransformerShape
from .layout import ParallelLayout, check_layout, layout_memory
from .memory import RECOMPUTE, ZERO_STAGES, divisors
from .step_time import DEFAULT_EFFICIENCY, StepTime, step_time

INTERLEAVE_CHUNKS = (1, 2, 4)
"""Model chunks per pipeline GPU the search tries (1: plain 1F1B)."""
MICROBATCH_SIZES = (1, 2, 4, 8)
"""Sequences per micro-batch the search tries."""


@dataclass(frozen=True)
class LayoutCandidate:
    """A layout that fits, with its modelled step (:class:`~scalingedu.parallelism.step_time.StepTime`)."""

    layout: ParallelLayout
    step: StepTime

    @property
    def tokens_per_second(self) -> float:
        return self.step.tokens_per_second

    @property
    def mfu(self) -> float:
        return self.step.mfu


def tensor_degrees(n_gpus: int, gpus_per_node: int = 8) -> tuple[int, ...]:
    """The tensor-parallel degrees the search tries: powers of two up to ``gpus_per_node`` that divide ``n_gpus``."""
    n_gpus = v.positive_int("n_gpus", n_gpus)
    per_node = v.positive_int("gpus_per_node", gpus_per_node)
    degrees, tp = [], 1
    while tp <= per_node:
        if n_gpus % tp == 0:
            degrees.append(tp)
        tp *= 2
    return tuple(degrees)


def candidate_layouts(shape: TransformerShape, n_gpus: int, global_batch: int, *, seq_len: int | None = None,
                      gpus_per_node: int = 8) -> Iterator[ParallelLayout]:
    """Every layout of the search's degrees (module doc) that ``check_layout`` accepts for ``shape`` on ``n_gpus``
    GPUs and that trains exactly ``global_batch`` sequences of ``seq_len`` tokens per step; memory is not checked."""
    n_gpus = v.positive_int("n_gpus", n_gpus)
    batch = v.positive_int("global_batch", global_batch)
    if seq_len is not None:
        v.positive_int("seq_len", seq_len)
    for tp in tensor_degrees(n_gpus, gpus_per_node):
        for pp in divisors(shape.n_layers):
            if n_gpus % (tp * pp):
                continue
            dp = n_gpus // (tp * pp)
            if batch % dp:
                continue
            per_replica = batch // dp
            for size in MICROBATCH_SIZES:
                if per_replica % size:
                    continue
                micro = per_replica // size
                for chunks in INTERLEAVE_CHUNKS if pp > 1 else (1,):
                    for stage in ZERO_STAGES:
                        for recompute in RECOMPUTE:
                            layout = ParallelLayout(n_gpus, tp=tp, pp=pp, zero_stage=stage, microbatches=micro,
                                                    microbatch_size=size, seq_len=seq_len, interleave=chunks,
                                                    sequence_parallel=tp > 1, recompute=recompute)
                            try:
                                check_layout(shape, layout)
                            except ValueError:
                                continue
                            yield layout


def search_layouts(shape: TransformerShape, n_gpus: int, global_batch: int, *, seq_len: int | None = None,
                   accelerator: str = "H100", efficiency=DEFAULT_EFFICIENCY) -> list[LayoutCandidate]:
    """The layouts of :func:`candidate_layouts` that fit in ``accelerator``'s memory, fastest first (most tokens
    per second by :func:`~scalingedu.parallelism.step_time.step_time`; ties keep the search's order: smaller tp,
    pp, micro-batch size, chunks, ZeRO stage, then less recomputation). Empty when nothing fits."""
    if accelerator not in INTERCONNECTS:
        raise ValueError(f"accelerator {accelerator!r} has no interconnect figures; choose one of: "
                         f"{', '.join(INTERCONNECTS)}")
    capacity = ACCELERATORS[accelerator].memory_bytes
    per_node = INTERCONNECTS[accelerator]["gpus_per_node"]
    found = []
    for layout in candidate_layouts(shape, n_gpus, global_batch, seq_len=seq_len, gpus_per_node=per_node):
        if not layout_memory(shape, layout, capacity).fits:
            continue
        found.append(LayoutCandidate(layout, step_time(shape, layout, accelerator=accelerator,
                                                       efficiency=efficiency)))
    return sorted(found, key=lambda c: -c.tokens_per_second)


@functools.lru_cache(maxsize=32)
def best_layout(shape: TransformerShape, n_gpus: int, global_batch: int, *, seq_len: int | None = None,
                accelerator: str = "H100", efficiency=DEFAULT_EFFICIENCY) -> LayoutCandidate | None:
    """The fastest layout of :func:`search_layouts` that fits (None when none does)."""
    found = search_layouts(shape, n_gpus, global_batch, seq_len=seq_len, accelerator=accelerator,
                           efficiency=efficiency)
    return found[0] if found else None
