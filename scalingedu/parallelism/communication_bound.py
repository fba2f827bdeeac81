"""When does a parallel layout wait for the network? The rules of thumb, derived as rooflines between chips.

Each form of parallelism sends bytes while the GPUs compute. If the sending takes longer than the computing it can
hide behind, the step waits: the layout is **communication-bound**. Comparing the two times, as the JAX scaling book
does for each sharding ("How to Scale Your Model", Austin et al. 2025, part 5 "Training"), gives one threshold per
form, all written with the ratio of a chip's peak FLOP/s to its link bandwidth, C/W (FLOPs per byte sent):

- **Data parallelism and FSDP/ZeRO-3.** Per layer and per step, compute is 4·B·D·F/X FLOPs per chip for the
  forward pass of a D×F matrix with a global batch of B tokens over X chips, and the weights or their gradients
  move 2·2·D·F bytes (bf16, a ring all-gather plus reduce-scatter = one all-reduce). The step hides the
  communication when the **tokens per chip** B/X exceed C/W (:func:`data_parallel_critical_tokens`): on a TPU v5p
  link, 2,550 tokens. FSDP sends the same bytes as data parallelism, so the same rule holds.
- **Tensor parallelism** (Megatron) over Y chips. Compute is 4·B·D·F/Y, communication 2·2·B·D bytes of
  activations (all-gather before the first matrix, reduce-scatter after the second): compute-bound when
  F > Y·C/W, so the largest useful degree is Y < F/(C/W) (:func:`tensor_parallel_max_degree`). The batch cancels:
  only a fast link helps, which is why tensor parallelism stays inside an NVLink node.
- **Pipeline parallelism** sends only one micro-batch's activations between neighbouring stages, B·D·2 bytes
  against a whole stage of layers' compute: rarely the bottleneck; its cost is the bubble (:mod:`.pipeline`).

Link bandwidths and peaks come from :data:`scalingedu.data.INTERCONNECTS` and :data:`scalingedu.data.ACCELERATORS`.
The rules assume perfect overlap of communication with computation; real runs overlap part of it.
"""
from __future__ import annotations

from .. import _validate as v
from ..data import ACCELERATORS, INTERCONNECTS

LINKS = ("nvlink", "network")
"""Which link a group of GPUs talks over: NVLink inside a node, the network (InfiniBand) between nodes."""


def flops_per_byte_sent(peak_flops_per_second: float, link_bytes_per_second: float) -> float:
    """C/W: the FLOPs a chip can do in the time it sends one byte over the link."""
    peak = v.positive_number("peak_flops_per_second", peak_flops_per_second)
    link = v.positive_number("link_bytes_per_second", link_bytes_per_second)
    return peak / link


def gpu_link_ratio(gpu: str, link: str = "network") -> float:
    """C/W for a GPU of the reference data over ``link`` ("nvlink" or "network"): H100 over InfiniBand ≈ 19,800."""
    v.one_of("link", link, LINKS)
    if gpu not in INTERCONNECTS:
        raise ValueError(f"no interconnect figures for {gpu!r}; the reference data has: {', '.join(INTERCONNECTS)}")
    return flops_per_byte_sent(ACCELERATORS[gpu].peak_flops_per_second, INTERCONNECTS[gpu][link])


def data_parallel_critical_tokens(ratio: float, axes: int = 1) -> float:
    """Tokens each chip must process per step for data parallelism (or FSDP) to hide its communication.

    ``ratio`` is C/W (:func:`flops_per_byte_sent`); ``axes`` the number of independent links a chip sends over at
    once (a TPU torus has up to 3), which divides the threshold. Scaling book, part 5: B/X > C/W = 2,550 on TPU v5p.
    """
    r = v.positive_number("ratio", ratio)
    n = v.positive_int("axes", axes, maximum=3)
    return r / n


def tensor_parallel_max_degree(d_ff: float, ratio: float, axes: int = 1) -> float:
    """The largest tensor-parallel degree that stays compute-bound for an MLP of width ``d_ff``: F/(C/W)·axes.

    Scaling book, part 5: "model parallelism becomes communication bound when Y > n_axes·F/2550" on TPU v5p.
    """
    f = v.positive_number("d_ff", d_ff)
    r = v.positive_number("ratio", ratio)
    n = v.positive_int("axes", axes, maximum=3)
    return n * f / r


def max_data_parallel_chips(batch_tokens: float, ratio: float, axes: int = 1) -> float:
    """How many chips a global batch of ``batch_tokens`` can be spread over before data parallelism (or FSDP)
    becomes communication-bound: batch / (C/W / axes)."""
    b = v.positive_number("batch_tokens", batch_tokens)
    return b / data_parallel_critical_tokens(ratio, axes)


def pipeline_send_seconds(microbatch_tokens: float, d_model: int, link_bytes_per_second: float) -> float:
    """Seconds to send one micro-batch's activations (bf16, ``microbatch_tokens`` × ``d_model``) to the next stage."""
    tokens = v.positive_number("microbatch_tokens", microbatch_tokens)
    width = v.positive_int("d_model", d_model)
    link = v.positive_number("link_bytes_per_second", link_bytes_per_second)
    return 2.0 * tokens * width / link
