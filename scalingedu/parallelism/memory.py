"""Memory per GPU of mixed-precision training: model states under ZeRO, and activations under Megatron-LM.

**Model states** (Rajbhandari et al. 2020, "ZeRO", §3.1 and Figure 1). Mixed-precision Adam keeps, per parameter,
a 16-bit copy of the weights (2 bytes), 16-bit gradients (2 bytes) and K bytes of optimizer state (an fp32 master
copy of the weights, momentum and variance: K = 12). Plain data parallelism replicates all of it on every GPU:
(2 + 2 + K)·Ψ bytes for Ψ parameters. ZeRO partitions it across the N_d data-parallel GPUs:

- stage 1 (P_os, optimizer state sharded):   2Ψ + 2Ψ + KΨ/N_d
- stage 2 (P_os+g, gradients too):           2Ψ + (2 + K)Ψ/N_d
- stage 3 (P_os+g+p, parameters too):        (2 + 2 + K)Ψ/N_d     (PyTorch FSDP "full shard" is the same idea)

Tensor parallelism (degree t) and pipeline parallelism (degree p) first split the parameters t·p ways, so in a 3D
layout of n GPUs each data-parallel group has N_d = n/(t·p) members and holds Ψ/(t·p) parameters.

**Activations** (Korthikanti et al. 2022, "Reducing activation recomputation in large transformer models", Eq. 1
and Table 2): bytes stored per transformer layer for a micro-batch of b sequences of s tokens, hidden size h and a
attention heads, with 16-bit activations:

    no parallelism                 sbh(34 + 5as/h)
    tensor parallel (t)            sbh(10 + 24/t + 5as/(ht))
    tensor + sequence parallel     (sbh/t)(34 + 5as/h)
    TP + selective recompute       sbh(10 + 24/t)
    TP + SP + selective recompute  34·sbh/t
    full recompute                 2sbh        (only each layer's input is kept)

The 5as²b term is the attention score matrix (softmax input and output, dropout mask); selective recomputation
drops exactly that term and recomputes it in the backward pass.

**Conventions of real frameworks** (:data:`CONVENTIONS`, the ``convention`` of :func:`zero_memory`). The ZeRO paper's
16 bytes per parameter is one accounting among several; the estimators frameworks ship count differently:

- ``"megatron"``: NVIDIA Megatron-LM's ``megatron/training/theoretical_memory_usage.py`` (function
  ``compute_weight_and_optimizer_memory``): bf16 weights (2 bytes), fp32 "main" gradients (4 bytes) and Adam's fp32
  master weights, momentum and variance (12 bytes): 18 bytes per parameter, or ``6 + 12/N_d`` with its distributed
  optimizer (ZeRO stage 1: only the 12 bytes of optimizer state are sharded). Stages 2 and 3 are not Megatron's.
- ``"deepspeed"``: DeepSpeed's ``estimate_zero2_model_states_mem_needs`` (``deepspeed/runtime/zero/stage_1_and_2.py``)
  and ``estimate_zero3_model_states_mem_needs`` (``stage3.py``), without offload: stage 2 holds the 2 bytes of 16-bit
  weights plus ``18/N_d`` (16-bit and fp32 gradient partitions, 2 + 4 bytes, and the 12 bytes of Adam state);
  stage 3 holds ``18/N_d`` plus a working buffer of 4 bytes per parameter of the largest layer, gathered whole while
  it computes (``largest_layer_params``): at many GPUs the buffer, not the shards, dominates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v

ZERO_STAGES = (0, 1, 2, 3)
"""0 is plain data parallelism; 1, 2, 3 are ZeRO's P_os, P_os+g and P_os+g+p (3 = FSDP full sharding)."""

PARAM_BYTES = 2
"""Bytes of a 16-bit (fp16/bf16) weight or gradient."""

ADAM_OPTIMIZER_BYTES = 12
"""ZeRO §3.1: K = 12 bytes per parameter for mixed-precision Adam (fp32 weights, momentum and variance)."""

MEGATRON_MAIN_GRAD_BYTES = 4
"""Megatron-LM accumulates gradients in fp32 "main" gradients (``theoretical_memory_usage.py``: 18 = 2 + 4 + 12)."""

FP32_GRAD_BYTES = 4
"""DeepSpeed's ZeRO-2/3 estimators count a 4-byte fp32 gradient partition next to Adam's 12 bytes."""

CONVENTIONS = ("zero", "megatron", "deepspeed")
"""How model-state bytes are counted: the ZeRO paper's (2 + 2 + K), Megatron-LM's estimator, or DeepSpeed's."""

RECOMPUTE = ("none", "selective", "full")
"""Activation recomputation of Korthikanti et al. 2022: none, selective (attention scores only), full (each layer)."""


@dataclass(frozen=True)
class MemoryBreakdown:
    """Bytes of training state held by one GPU: 16-bit ``params``, 16-bit ``grads``, ``optimizer`` state, ``total``.

    Fields are floats, or arrays when :func:`zero_memory` got an array of parameter counts.
    """

    params: float | np.ndarray
    grads: float | np.ndarray
    optimizer: float | np.ndarray
    total: float | np.ndarray
    working: float | np.ndarray = 0.0
    """ZeRO-3's gathered-layer buffer (the ``"deepspeed"`` convention), included in ``total``."""


def check_stage(stage) -> int:
    """Validate a ZeRO stage: 0 (plain data parallelism), 1, 2 or 3."""
    valid = (isinstance(stage, (int, np.integer)) and not isinstance(stage, (bool, np.bool_))
             and int(stage) in ZERO_STAGES)
    if not valid:
        raise ValueError(f"stage must be one of 0 (plain data parallelism), 1, 2 or 3 (ZeRO stages; 3 = FSDP full "
                         f"sharding), got {stage!r}")
    return int(stage)


def divisors(n: int) -> list[int]:
    """The whole numbers that divide ``n`` (used to tell the learner which degrees would fit)."""
    return [d for d in range(1, n + 1) if n % d == 0]


def data_parallel_degree(n_gpus: int, tp: int = 1, pp: int = 1) -> int:
    """N_d = n_gpus / (tp·pp); a ValueError lists the GPU counts that tp·pp divides if it does not divide evenly."""
    n_gpus = v.positive_int("n_gpus", n_gpus)
    tp = v.positive_int("tp", tp)
    pp = v.positive_int("pp", pp)
    model_parallel = tp * pp
    if n_gpus % model_parallel:
        below = n_gpus - n_gpus % model_parallel
        options = f"{below} or {below + model_parallel}" if below else f"{model_parallel}"
        raise ValueError(f"tp × pp = {tp} × {pp} = {model_parallel} does not divide n_gpus = {n_gpus}: use "
                         f"{options} GPUs, or degrees whose product divides {n_gpus} "
                         f"(divisors: {', '.join(map(str, divisors(n_gpus)[:12]))}"
                         f"{'…' if len(divisors(n_gpus)) > 12 else ''})")
    return n_gpus // model_parallel


def zero_memory(params, n_gpus, stage, *, optimizer_bytes_per_param=ADAM_OPTIMIZER_BYTES, tp=1, pp=1,
                convention: str = "zero", largest_layer_params=None) -> MemoryBreakdown:
    """Per-GPU bytes of model states (weights, gradients, optimizer) under data parallelism and ZeRO stage 0-3.

    Rajbhandari et al. 2020, §3.1 and Figure 1 (see the module docstring). ``params`` is the model's parameter
    count Ψ (may be an array); ``n_gpus`` the total GPU count; ``tp`` and ``pp`` the tensor- and pipeline-parallel
    degrees, which split the parameters before ZeRO shards them over the n_gpus/(tp·pp) data-parallel replicas.
    ``optimizer_bytes_per_param`` is K (12 for mixed-precision Adam).

    ``convention`` picks the accounting (:data:`CONVENTIONS`): ``"zero"`` the paper's, ``"megatron"`` Megatron-LM's
    (fp32 main gradients; stage 0, or 1 for its distributed optimizer), ``"deepspeed"`` DeepSpeed's estimators
    (stages 2 and 3; stage 3 needs ``largest_layer_params``, the parameters of the biggest single layer, for its
    working buffer). To match a framework's estimator for a pipeline, give ``params`` the busiest stage's share
    times ``tp·pp`` (:func:`scalingedu.parallelism.layout.busiest_stage_params`).
    """
    psi = v.positive("params", params)
    stage = check_stage(stage)
    k = float(v.positive("optimizer_bytes_per_param", optimizer_bytes_per_param, allow_zero=True))
    v.one_of("convention", convention, CONVENTIONS)
    dp = data_parallel_degree(n_gpus, tp, pp)
    local = psi / (int(tp) * int(pp))
    working = 0.0
    if convention == "zero":
        weights = PARAM_BYTES * local / (dp if stage >= 3 else 1)
        grads = PARAM_BYTES * local / (dp if stage >= 2 else 1)
        optimizer = k * local / (dp if stage >= 1 else 1)
    elif convention == "megatron":
        if stage > 1:
            raise ValueError(f"Megatron-LM's estimator covers stage 0 (18 bytes per parameter) and its distributed "
                             f"optimizer, stage 1 (6 + 12/N_d); got stage {stage}: use convention='zero' or "
                             f"'deepspeed'")
        weights, grads = PARAM_BYTES * local, MEGATRON_MAIN_GRAD_BYTES * local
        optimizer = k * local / (dp if stage == 1 else 1)
    else:
        if stage < 2:
            raise ValueError(f"DeepSpeed's estimators cover ZeRO stages 2 and 3; got stage {stage}: use "
                             f"convention='zero' or 'megatron'")
        optimizer = (k + FP32_GRAD_BYTES) * local / dp
        if stage == 2:     # 2 + 18/N_d: the 16-bit gradients are partitioned too
            weights, grads = PARAM_BYTES * local, PARAM_BYTES * local / dp
        else:   # 18/N_d: the 16-bit weights' shard and stage 2's optimizer partition; 16-bit grads are not kept
            if largest_layer_params is None:
                raise ValueError("DeepSpeed's ZeRO-3 estimate needs largest_layer_params (the parameters of the "
                                 "largest single layer, gathered whole while it computes)")
            largest = v.positive("largest_layer_params", largest_layer_params)
            weights, grads = PARAM_BYTES * local / dp, 0.0
            working = 2 * PARAM_BYTES * largest / int(tp)    # the gathered layer's 16-bit weights and gradients
    total = weights + grads + optimizer + working
    return MemoryBreakdown(*(v.scalar_or_array(np.broadcast_to(np.asarray(x, dtype=float), np.shape(local)), params)
                             for x in (weights, grads, optimizer, total, working)))


def activation_memory(seq_len, batch, hidden, heads, *, tp=1, sequence_parallel=False, recompute="none",
                      d_ff=None, kv_heads=None, flash_attention=False, cp=1):
    """Bytes of activations one transformer layer stores for the backward pass (Korthikanti et al. 2022, Table 2).

    ``seq_len`` s (tokens per sequence), ``batch`` b (sequences in the micro-batch), ``hidden`` h, ``heads`` a;
    ``tp`` the tensor-parallel degree t (must divide ``heads``); ``sequence_parallel`` shards the LayerNorm and
    dropout activations along the sequence too; ``recompute`` is "none", "selective" (recompute the attention
    scores) or "full" (keep only the layer's input, 2sbh; Table 2 lists it without a 1/t). 16-bit activations,
    as in the paper. ``seq_len`` and ``batch`` may be arrays.

    The paper's 34 = 10 + 24 assumes an MLP of width 4h and as many key/value heads as query heads:

    - ``d_ff`` (default 4h): the MLP stores 3sbh + 4·s·b·d_ff (Megatron-LM's estimator writes the whole layer as
      sbh(18 + 4·d_ff/h)); Llama 3 70B's d_ff = 3.5h gives 32 instead of 34;
    - ``kv_heads`` (default ``heads``, grouped-query attention): the stored keys and values shrink from 4sbh to
      4sbh·kv_heads/heads (Megatron's estimator does not count this);
    - ``flash_attention``: FlashAttention (Dao et al. 2022) never writes the s×s score matrices to memory and
      recomputes them in the backward pass, so the 5as²b term is gone, as with selective recomputation.
    - ``cp``: context parallelism splits each sequence into ``cp`` chunks on different GPUs (ring attention passes
      the keys and values round the group and computes attention block by block, as FlashAttention does, so no
      score matrix is stored): every GPU stores the activations of s/cp tokens, and the layer's memory falls by
      exactly ``cp`` against the FlashAttention case.
    """
    s = v.positive("seq_len", seq_len)
    b = v.positive("batch", batch)
    h = float(v.positive_int("hidden", hidden))
    a = v.positive_int("heads", heads)
    t = v.positive_int("tp", tp)
    if a % t:
        raise ValueError(f"tp = {t} does not divide heads = {a}: each GPU must hold whole attention heads; "
                         f"tp could be {', '.join(str(d) for d in divisors(a) if d <= 64)}")
    if not isinstance(sequence_parallel, (bool, np.bool_)):
        raise TypeError(f"sequence_parallel must be True or False, not {sequence_parallel!r}")
    if not isinstance(flash_attention, (bool, np.bool_)):
        raise TypeError(f"flash_attention must be True or False, not {flash_attention!r}")
    v.one_of("recompute", recompute, RECOMPUTE)
    c = v.positive_int("cp", cp)
    s = s / c      # each GPU of a context-parallel group holds s/cp tokens of every sequence
    f = 4.0 * h if d_ff is None else float(v.positive_int("d_ff", d_ff))
    g = a if kv_heads is None else v.positive_int("kv_heads", kv_heads)
    if g > a or a % g:
        raise ValueError(f"kv_heads = {g} must divide heads = {a} (grouped-query attention)")
    sbh = s * b * h
    # Inside the tensor-parallel region (divided by t): queries, keys and values, the attention output, and the
    # MLP's wide activations; outside it: LayerNorm inputs, dropout masks and the inputs of the first matmuls.
    inside = 24.0 + 4.0 * (f / h - 4.0) - 4.0 * (1.0 - g / a)
    no_scores = recompute == "selective" or flash_attention or c > 1
    scores = 0.0 if no_scores else 5.0 * a * s / h  # the attention-score term 5as²b, written relative to sbh
    if recompute == "full":
        per_layer = 2.0 * sbh
    elif sequence_parallel:
        per_layer = sbh / t * (10.0 + inside + scores)
    else:
        per_layer = sbh * (10.0 + inside / t + scores / t)
    return v.scalar_or_array(per_layer, seq_len, batch)
