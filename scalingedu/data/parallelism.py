"""Parallel training: ZeRO, Megatron-LM's training-time estimate, and the interconnects of GPU
nodes.

- ZeRO: Rajbhandari et al. 2020, "ZeRO: Memory Optimizations Toward Training Trillion Parameter
  Models", arXiv:1910.02054 (Figure 1, sections 3.1 and 7).
- Megatron-LM: Narayanan et al. 2021, "Efficient Large-Scale Language Model Training on GPU Clusters
  Using Megatron-LM", arXiv:2104.04473 (section 5.1).
- Interconnects: NVIDIA's DGX A100 / DGX H100 product pages (secondary).

Llama 3 405B's layouts are in :mod:`scalingedu.data.llama`.
"""
from __future__ import annotations

from types import MappingProxyType

from .._text import prose
from .records import PublishedConstants

_ZERO = prose("""
    Rajbhandari et al. 2020, ZeRO (arXiv:1910.02054), Figure 1 and §3.1 (K = 12 for mixed-precision Adam)
""")

ZERO_FIGURE1_EXAMPLE = PublishedConstants(
    {"params": 7.5e9, "n_gpus": 64, "optimizer_bytes_per_param": 12,
     "per_gpu_gb": MappingProxyType({0: 120.0, 1: 31.4, 2: 16.6, 3: 1.9})},
    source=_ZERO + "; the figure prints the per-device memory rounded to 3 significant figures",
)
"""ZeRO Figure 1: per-GPU model-state memory of a 7.5B model on 64 GPUs: baseline, P_os, P_os+g,
P_os+g+p, in GB as the paper prints them: decimal, 10**9 bytes (16 bytes × 7.5e9 = 120e9 is its "120GB"). The
course prints memory in GiB (:func:`scalingedu.formatting.memory`); a comparison with these figures converts to
the paper's unit and says so."""

ZERO_COMMUNICATION_VOLUME = PublishedConstants(
    {0: 2.0, 1: 2.0, 2: 2.0, 3: 3.0},
    source="""
        ZeRO §7 (data parallelism: 2Ψ per step; P_os and P_os+g: 2Ψ; P_os+g+p: 3Ψ = 1.5× baseline) and the
        Ultra-Scale Playbook [P in facts.md §5]
    """,
)
"""Elements communicated per GPU per step, in units of Ψ (the parameter count), by ZeRO stage."""

NARAYANAN_GPT3_TRAINING_TIME = PublishedConstants(
    {"params": 175e9, "tokens": 300e9, "n_gpus": 1024, "flops_per_gpu_per_second": 140e12,
     "days": 34.0},
    source="""
        Narayanan et al. 2021 (arXiv:2104.04473) §5.1 end-to-end estimate: 8TP/(nX) with 175B params, 300B tokens,
        1024 A100s at 140 TFLOP/s each: about 34 days
    """,
)
"""Narayanan et al.'s training-time example for GPT-3 (the paper rounds to 'about 34 days')."""

INTERCONNECTS = MappingProxyType({
    # per GPU, per direction, bytes/s: NVLink inside an 8-GPU node, InfiniBand between nodes
    "A100": MappingProxyType({"nvlink": 300e9, "network": 25e9, "gpus_per_node": 8}),
    "H100": MappingProxyType({"nvlink": 450e9, "network": 50e9, "gpus_per_node": 8}),
    "H200": MappingProxyType({"nvlink": 450e9, "network": 50e9, "gpus_per_node": 8}),
    "B200": MappingProxyType({"nvlink": 900e9, "network": 50e9, "gpus_per_node": 8}),
    "GB200": MappingProxyType({"nvlink": 900e9, "network": 50e9, "gpus_per_node": 72}),
})
"""Bandwidth per GPU and direction (B/s): NVLink 3/4 (600/900 GB/s total both ways per GPU) and
one 200/400 Gb/s InfiniBand adapter per GPU, as in DGX A100 / DGX H100 nodes. Blackwell: NVLink 5
at 1.8 TB/s both ways per GPU, in 8-GPU HGX B200 nodes or one 72-GPU NVLink domain (GB200 NVL72),
with 400 Gb/s adapters. Secondary: NVIDIA product pages, not checked against a primary text here;
real collectives reach a fraction of these figures."""
