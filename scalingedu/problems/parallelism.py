"""Problem set parallelism: memory, pipeline bubbles, collectives and training time
(solutions/06_parallelism.ipynb).

The learner computes ZeRO's per-GPU memory for a real model, finds the smallest ZeRO stage that leaves room for
activations, computes an interleaved pipeline's bubble and the micro-batches that keep a bubble at most 5%, writes
the ring all-reduce's per-GPU traffic as a function, and estimates the days of a training run with Narayanan et
al.'s 8TP/(nX).

Expected answers are computed at check time with :mod:`scalingedu.parallelism`; nothing is typed in. The clusters,
pipelines and runs below are choices of this problem set (the model shapes are the library's presets).
"""
from __future__ import annotations

import numpy as np

from ..grading import ProblemSet, Tolerance, function_question, number_question
from ..parallelism import collective_bytes, microbatches_for_bubble, pipeline_bubble, training_days, zero_memory
from ..transformer import PRESETS, count_params

MODEL = "GPT-3 13B"
"""The model of questions parallelism.zero_memory and parallelism.smallest_stage
(``PRESETS[MODEL]``)."""
N_GPUS, GPU_MEMORY_GB, ACTIVATION_RESERVE_GB = 64, 80.0, 40.0
"""64 GPUs of 80 GB, plain data parallelism over all of them, 40 GB of each kept free for activations."""
ZERO_STAGE = 2
"""The stage of question parallelism.zero_memory."""
PIPELINE_STAGES, PIPELINE_MICROBATCHES, PIPELINE_CHUNKS = 12, 48, 2
"""The interleaved pipeline of question parallelism.bubble."""
DEEP_PIPELINE, MAX_BUBBLE = 16, 0.05
"""Question parallelism.microbatches: a 16-stage 1F1B pipeline whose bubble may be at most 5% of the
ideal time."""
RUN = {"params": 70e9, "tokens": 15e12, "n_gpus": 16384, "flops_per_gpu_per_second": 400e12}
"""Question parallelism.training_days: a 70B model on 15T tokens, 16,384 GPUs at an achieved 400
TFLOP/s each."""


def model_params() -> int:
    """The parameter count of :data:`MODEL`, from its published shape."""
    return count_params(PRESETS[MODEL]).total


def _state_gb(stage: int) -> float:
    return float(zero_memory(model_params(), N_GPUS, stage).total) / 1e9


def _smallest_stage() -> int:
    budget = GPU_MEMORY_GB - ACTIVATION_RESERVE_GB
    return next(stage for stage in range(4) if _state_gb(stage) <= budget)


def _allreduce_inputs_public():
    return [(np.array([1e6, 2e9, 3.5e11]), np.array([2, 8, 1024]))]


def _allreduce_inputs_hidden():
    return [(np.array([7.0, 1e3, 5e8, 1e12]), np.array([1, 3, 64, 100_000])),
            (np.array([4e9]), np.array([16]))]


def _ring_allreduce(message_bytes, n):
    return collective_bytes("all_reduce", message_bytes, n)


ZERO_MEMORY = number_question(
    "parallelism.zero_memory", points=2, kind="compute", title="ZeRO stage 2",
    statement=f"""
        {MODEL} (`PRESETS[\"{MODEL}\"]`; count its parameters with `count_params(...).total`) is trained with
        mixed-precision Adam (K = 12) and plain data parallelism over {N_GPUS} GPUs, with ZeRO
        stage {ZERO_STAGE}. How many GB (1 GB = 1e9 bytes) of model states (weights, gradients, optimizer state) does
        each GPU hold? Give the number of GB as `state_gb`.
    """,
    hint="""
        ZeRO stage 2 shards the optimizer state and the gradients over the data-parallel GPUs but keeps the 16-bit
        weights whole: 2Ψ + (2 + K)Ψ/N_d bytes.
    """,
    expected=lambda: _state_gb(ZERO_STAGE),
    tolerance=Tolerance(0.02),   # one formula on a published shape: 2% is room for rounding
    sign="positive", what="the memory",
    public_hint="""
        Stage 2: the 2-byte weights stay whole; gradients (2 bytes) and optimizer (12 bytes) are divided by the
        number of GPUs. Give GB, not bytes.
    """,
)

SMALLEST_STAGE = number_question(
    "parallelism.smallest_stage", points=2, kind="decide",
    title="The smallest stage that leaves room for activations",
    statement=f"""
        Same model and {N_GPUS} GPUs of {GPU_MEMORY_GB:g} GB. You want to keep {ACTIVATION_RESERVE_GB:g} GB of
        every GPU free for activations. What is the smallest ZeRO stage (0, 1, 2 or 3) whose model states fit in
        the rest? Give it as `smallest_stage`.
    """,
    hint="""
        Compute the per-GPU state of every stage with the ZeRO formulas and compare each with 80 - 40 GB.
    """,
    expected=lambda: float(_smallest_stage()),
    tolerance=Tolerance(0.01, hidden=0.01, absolute=True),   # a stage number: exact in both checks
    public_hint="Check stages in order 0, 1, 2, 3 and stop at the first that fits.",
)

BUBBLE = number_question(
    "parallelism.bubble", points=2, kind="compute", title="An interleaved bubble",
    statement=f"""
        A pipeline of p = {PIPELINE_STAGES} stages runs the interleaved 1F1B schedule with v = {PIPELINE_CHUNKS}
        model chunks per GPU and m = {PIPELINE_MICROBATCHES} micro-batches per step. What is its bubble, as a
        fraction of the ideal compute time (Narayanan et al. 2021)? Give a fraction (0.1, not 10) as `bubble`.
    """,
    hint="The bubble is (p - 1)/(v·m) of the ideal time; interleaving divides it by v.",
    expected=lambda: pipeline_bubble(PIPELINE_STAGES, PIPELINE_MICROBATCHES,
                                     interleave=PIPELINE_CHUNKS),
    # A ratio of small whole numbers: 1% in public (p/(v·m) is 9% off), only rounding in hidden.
    tolerance=Tolerance(0.01, hidden=1e-4),
    public_hint="Use p - 1 (not p), and divide by v as well as by m. A fraction, not a percentage.",
)

MICROBATCHES = number_question(
    "parallelism.microbatches", points=2, kind="compute", title="Micro-batches for a small bubble",
    statement=f"""
        A 1F1B pipeline (no interleaving) has p = {DEEP_PIPELINE} stages. What is the smallest number of
        micro-batches m for which the bubble is at most {MAX_BUBBLE:.0%} of the ideal compute time? Give a whole
        number as `microbatches`.
    """,
    hint="Solve (p - 1)/m <= 0.05 for m and round up.",
    expected=lambda: float(microbatches_for_bubble(DEEP_PIPELINE, MAX_BUBBLE)),
    # A whole number: within half a micro-batch in public, exactly it in hidden.
    tolerance=Tolerance(0.5, hidden=0.01, absolute=True),
    public_hint="The bubble is (p - 1)/m, not p/m.",
)

RING_BYTES = function_question(
    "parallelism.ring_bytes", points=3, kind="derive", title="The ring all-reduce",
    statement="""
        Write a function `ring_allreduce_bytes(message_bytes, n)` that returns the bytes each of `n` GPUs sends
        over the network in a ring all-reduce of a buffer of `message_bytes` bytes (NumPy arrays of the same
        shape in, an array of that shape out), without calling the library's `collective_bytes`.
    """,
    hint="""
        A ring all-reduce is a reduce-scatter then an all-gather, each n - 1 steps of one chunk of M/n bytes.
    """,
    reference=_ring_allreduce, n_args=2, forbidden=(collective_bytes,),
    public_inputs=_allreduce_inputs_public, public_what="three ring sizes",
    hidden_inputs=_allreduce_inputs_hidden, hidden_what="more sizes, including n = 1",
    rel=1e-9,   # an exact formula of whole numbers: only float rounding may differ
)

TRAINING_DAYS = number_question(
    "parallelism.training_days", points=2, kind="compute", title="Days of a real run",
    statement=f"""
        Estimate the training time of a {RUN['params'] / 1e9:g}B-parameter model on {RUN['tokens'] / 1e12:g}T
        tokens with {RUN['n_gpus']:,} GPUs that each achieve {RUN['flops_per_gpu_per_second'] / 1e12:g} TFLOP/s,
        with activation recomputation, using Narayanan et al.'s 8TP/(nX) (`problems.parallelism.RUN`). Give the
        number of days as `days`.
    """,
    hint="""
        8 FLOPs per parameter and token with recomputation (6 without); divide seconds by 86,400.
    """,
    expected=lambda: training_days(**RUN),
    tolerance=Tolerance(0.02, hidden=0.001),   # one formula of given numbers: rounding only
    sign="positive", what="the time",
    public_hint="Use 8·T·P/(n·X) with X in FLOP/s (4e14), then convert seconds to days.",
)

PROBLEM_SET = ProblemSet(
    id="parallelism",
    title="Parallelism: memory, bubbles, collectives and training time",
    questions=(ZERO_MEMORY, SMALLEST_STAGE, BUBBLE, MICROBATCHES, RING_BYTES, TRAINING_DAYS),
)
