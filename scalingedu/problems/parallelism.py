"""Problem set parallelism: memory, pipelines, communication and choosing a layout (solutions/06_parallelism.ipynb).

The learner computes ZeRO's per-GPU memory for a real model and picks the smallest stage that fits; derives the
bubble of a GPipe pipeline whose stages are not equally fast; writes the ring all-reduce's traffic as a function;
fits simulated step times measured at several GPU counts (one run is a straggler) to estimate the network's
bandwidth; chooses the fastest of five layouts of Llama 3 70B that fits in memory, and explains in writing what
ZeRO-3 and pipeline parallelism cost; and estimates the days of a training run with Narayanan et al.'s 8TP/(nX).

Expected answers are computed at check time with :mod:`scalingedu.parallelism`; nothing is typed in. The clusters,
pipelines, layouts and runs below, and the simulated measurements of :func:`step_times` (their GPU counts, noise,
straggler and seed), are choices of this problem set; the model shapes are the library's presets and the
bandwidth the simulation uses is :data:`scalingedu.data.INTERCONNECTS`' H100 figure.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..data import INTERCONNECTS
from ..grading import ProblemSet, Tolerance, choice_question, function_question, number_question
from ..grading.factories import Criterion, rubric_question
from ..grading.learner import learner_seed
from ..parallelism import (
    ParallelLayout,
    collective_bytes,
    pipeline_bubble,
    planner_model,
    simulate_schedule,
    step_time,
    training_days,
    zero_memory,
)
from ..transformer import PRESETS, count_params

MODEL = "GPT-3 13B"
"""The model of questions parallelism.zero_memory, parallelism.smallest_stage and parallelism.bandwidth
(``PRESETS[MODEL]``)."""
N_GPUS, GPU_MEMORY_GB, ACTIVATION_RESERVE_GB = 64, 80.0, 40.0
"""64 GPUs of 80 GB, plain data parallelism over all of them, 40 GB of each kept free for activations."""
ZERO_STAGE = 2
"""The stage of question parallelism.zero_memory."""
RUN = {"params": 70e9, "tokens": 15e12, "n_gpus": 16384, "flops_per_gpu_per_second": 400e12}
"""Question parallelism.training_days: a 70B model on 15T tokens, 16,384 GPUs at an achieved 400
TFLOP/s each."""

STEP_GPUS = (2, 4, 8, 16, 32, 64, 128, 256)
"""GPU counts of the simulated data-parallel runs of :func:`step_times`, each run :data:`STEP_REPEATS` times."""
STEP_REPEATS, STEP_NOISE, STEP_SEED = 3, 0.005, 606
"""Three runs per GPU count, 0.5% multiplicative noise, seed 606 (choices of this problem set)."""
STEP_COMPUTE_SECONDS = 2.0
"""Seconds of compute per step in the simulation (a choice of this problem set)."""
STEP_BANDWIDTH = INTERCONNECTS["H100"]["network"]
"""Bytes/s per GPU of the simulation's network: the H100's InfiniBand figure of
:data:`scalingedu.data.INTERCONNECTS`."""
STRAGGLER_SLOWDOWN, STRAGGLER_GPUS = 1.5, (2, 4)
"""The straggler run (one per data set, at a seeded position among the runs on 2 or 4 GPUs) takes 1.5 times as
long as it should."""

LAYOUT_MODEL, LAYOUT_GPUS, LAYOUT_ACCELERATOR = "Llama 3 70B", 512, "H100"
"""Question parallelism.layout: Llama 3 70B (``planner_model(LAYOUT_MODEL)``) on 512 H100s of 80 GB."""

LAYOUT_SETTINGS = {"recompute": "selective", "sequence_parallel": True}
"""What the five layouts of question parallelism.layout share: selective recomputation and sequence parallelism."""
LAYOUTS = {
    "a": ParallelLayout(LAYOUT_GPUS, tp=2, pp=1, zero_stage=3, microbatches=4, **LAYOUT_SETTINGS),
    "b": ParallelLayout(LAYOUT_GPUS, tp=8, pp=1, zero_stage=1, microbatches=16, **LAYOUT_SETTINGS),
    "c": ParallelLayout(LAYOUT_GPUS, tp=4, pp=1, zero_stage=3, microbatches=8, **LAYOUT_SETTINGS),
    "d": ParallelLayout(LAYOUT_GPUS, tp=4, pp=4, zero_stage=1, microbatches=32, **LAYOUT_SETTINGS),
    "e": ParallelLayout(LAYOUT_GPUS, tp=4, pp=4, zero_stage=1, microbatches=32, interleave=2, **LAYOUT_SETTINGS),
}
"""The five layouts of question parallelism.layout, all with selective recomputation, sequence parallelism and
1,024 sequences of the model's 8,192-token context per step (dp × micro-batches = 1,024)."""


def model_params() -> int:
    """The parameter count of :data:`MODEL`, from its published shape."""
    return count_params(PRESETS[MODEL]).total


def gradient_bytes() -> float:
    """Bytes of :data:`MODEL`'s gradients in bf16 (2 bytes per parameter): the buffer every step all-reduces."""
    return 2.0 * model_params()


class StepTimes(NamedTuple):
    """SIMULATED data-parallel training steps, one value per run: ``gpus`` and ``seconds`` per step."""

    gpus: np.ndarray
    seconds: np.ndarray


def step_times() -> StepTimes:
    """SIMULATED seconds per step of plain data-parallel training of :data:`MODEL` on 2 to 256 GPUs, three runs per
    GPU count (seed 606, or the learner's own when one is set: :mod:`scalingedu.grading.learner`).

    Each GPU computes the same micro-batch (:data:`STEP_COMPUTE_SECONDS`), then the gradients (:func:`gradient_bytes`)
    are all-reduced over a ring at :data:`STEP_BANDWIDTH` bytes/s, with no overlap; each time is multiplied by
    exp(noise), noise ~ Normal(0, 0.005). One run on 2 or 4 GPUs, at a seeded position, is a straggler: a GPU of
    that run was slow and the step took :data:`STRAGGLER_SLOWDOWN` times as long. Every call returns the same
    values, in new arrays.
    """
    rng = np.random.default_rng(learner_seed(STEP_SEED))
    gpus = np.repeat(np.array(STEP_GPUS), STEP_REPEATS)
    sent = collective_bytes("all_reduce", gradient_bytes(), gpus)
    seconds = (STEP_COMPUTE_SECONDS + sent / STEP_BANDWIDTH) * np.exp(rng.normal(0.0, STEP_NOISE, gpus.size))
    seconds[rng.choice(np.flatnonzero(np.isin(gpus, STRAGGLER_GPUS)))] *= STRAGGLER_SLOWDOWN
    return StepTimes(gpus, seconds)


# Expected values, computed at check time ------------------------------------------------------------------------

def _state_gb(stage: int) -> float:
    return float(zero_memory(model_params(), N_GPUS, stage).total) / 1e9


def _smallest_stage() -> int:
    budget = GPU_MEMORY_GB - ACTIVATION_RESERVE_GB
    return next(stage for stage in range(4) if _state_gb(stage) <= budget)


def _gpipe_bubble(forward_times, backward_times, microbatches) -> float:
    """The reference of parallelism.unbalanced_bubble: the bubble the schedule simulator measures."""
    forward = np.atleast_1d(np.asarray(forward_times, dtype=float))
    return simulate_schedule("gpipe", forward.size, int(microbatches), forward_time=forward,
                             backward_time=np.asarray(backward_times, dtype=float)).bubble_fraction


def _bubble_inputs_public():
    return [(np.full(4, 1.0), np.full(4, 2.0), 8),                          # equal stages: (p - 1)/m
            (np.array([1.0, 1.0, 1.0, 1.5]), np.array([2.0, 2.0, 2.0, 3.0]), 8)]   # the last stage is slower


def _bubble_inputs_hidden():
    # the slowest forward and the slowest backward on different stages (a max of f + b is wrong), then edge cases
    return [(np.array([1.5, 1.0, 1.0, 1.0]), np.array([2.0, 2.0, 2.0, 3.5]), 12),
            (np.array([1.0, 2.0, 1.0, 1.0, 1.2, 0.8]), np.array([2.5, 2.0, 2.0, 4.0, 2.4, 1.6]), 24),
            (np.full(8, 1.0), np.full(8, 2.0), 1),                            # one micro-batch
            (np.array([0.7]), np.array([1.4]), 5)]                            # one stage: no bubble


def _allreduce_inputs_public():
    return [(np.array([1e6, 2e9, 3.5e11]), np.array([2, 8, 1024]))]


def _allreduce_inputs_hidden():
    return [(np.array([7.0, 1e3, 5e8, 1e12]), np.array([1, 3, 64, 100_000])),
            (np.array([4e9]), np.array([16]))]


def _ring_allreduce(message_bytes, n):
    return collective_bytes("all_reduce", message_bytes, n)


def _bandwidth_gb() -> float:
    """GB/s from a straight line through the runs without the straggler: seconds = compute + sent bytes / B."""
    gpus, seconds = step_times()
    # the straggler is 50% slower than the median of its GPU count; the noise moves a run by 0.5%
    group_median = np.array([np.median(seconds[gpus == n]) for n in gpus])
    keep = seconds < (1.0 + (STRAGGLER_SLOWDOWN - 1.0) / 2) * group_median
    sent = collective_bytes("all_reduce", gradient_bytes(), gpus[keep])
    slope, _ = np.polyfit(sent, seconds[keep], 1)
    return 1.0 / slope / 1e9


def _layout_text(layout: ParallelLayout) -> str:
    chunks = f", {layout.interleave} interleaved chunks per GPU" if layout.interleave > 1 else ""
    return (f"tp = {layout.tp}, pp = {layout.pp}, dp = {layout.dp}, ZeRO-{layout.zero_stage}, "
            f"{layout.microbatches} micro-batches per replica{chunks}")


def layout_step(key: str):
    """The lesson's step-time model (:func:`scalingedu.parallelism.step_time`) of layout ``key`` of
    :data:`LAYOUTS`: its ``.total`` seconds and its ``.memory`` per GPU (``.memory.fits``)."""
    if key not in LAYOUTS:
        raise ValueError(f"key must be one of {', '.join(LAYOUTS)} (got {key!r})")
    return step_time(planner_model(LAYOUT_MODEL), LAYOUTS[key], accelerator=LAYOUT_ACCELERATOR)


def _best_layout() -> str:
    fitting = {key: layout_step(key).total for key in LAYOUTS if layout_step(key).memory.fits}
    return min(fitting, key=fitting.get)


# Questions ------------------------------------------------------------------------------------------------------

ZERO_MEMORY = number_question(
    "parallelism.zero_memory", points=2, kind="compute", title="ZeRO stage 2",
    statement=f"""
        {MODEL} (`PRESETS[\"{MODEL}\"]`; count its parameters with `count_params(...).total`) is trained with
        mixed-precision Adam (K = 12) and plain data parallelism over {N_GPUS} GPUs, with ZeRO
        stage {ZERO_STAGE}. How many GB (1 GB = 1e9 bytes) of model states (weights, gradients, optimizer state) does
        each GPU hold? Give the number of GB as `state_gb`.
    """,
    hint="""
        Lesson 06, section 3: list what stage 2 shards over the data-parallel GPUs and what it keeps whole on each,
        and count the bytes per parameter of each part.
    """,
    expected=lambda: _state_gb(ZERO_STAGE),
    tolerance=Tolerance(0.02),   # one formula on a published shape: 2% is room for rounding
    sign="positive", what="the memory",
    public_hint="""
        Stage 2 keeps the 16-bit weights whole on every GPU and divides the gradients and the optimizer state by the
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
        Compute the per-GPU state of every stage and compare each with what is left once the activations have
        their share.
    """,
    expected=lambda: float(_smallest_stage()),
    tolerance=Tolerance(0.01, hidden=0.01, absolute=True),   # a stage number: exact in both checks
    public_hint="Check stages in order 0, 1, 2, 3 and stop at the first that fits.",
)

UNBALANCED_BUBBLE = function_question(
    "parallelism.unbalanced_bubble", points=4, kind="derive", title="The bubble of an unbalanced pipeline",
    statement="""
        The formula (p - 1)/m assumes that every pipeline stage is equally fast. Real stages are not: the last one
        also holds the output layer, and the layers rarely divide evenly. In a GPipe pipeline of p stages, stage i
        takes `forward_times[i]` for the forward pass of one micro-batch and `backward_times[i]` for its backward
        pass (no time for sending). Write a function `gpipe_bubble(forward_times, backward_times, microbatches)`
        (two NumPy arrays of length p, and a whole number m) that returns the bubble: the idle time of all devices
        during the step over their compute time, the quantity that equals (p - 1)/m for equal stages.

        Your function must do the computation itself: one that calls the library's `simulate_schedule` or
        `pipeline_bubble` earns no points. Do use `simulate_schedule("gpipe", p, m, forward_time=...,
        backward_time=...)` *outside* your function to test your reasoning: its `.bubble_fraction` is what the
        checker compares with, on inputs of its own.
    """,
    hint="""
        Find the length of the step first; the bubble follows from it and from each device's busy time. Follow the
        last micro-batch: when can it leave the last stage, once the slowest stage sets the pace of the forward
        passes? GPipe starts the backward passes only after all forward passes, and they form a second pipeline
        running the other way. Lesson 06, section 5 (the timeline widget with "last stage slower") shows it.
    """,
    reference=_gpipe_bubble, n_args=3, forbidden=(simulate_schedule, pipeline_bubble),
    public_inputs=_bubble_inputs_public, public_what="an equal and an unbalanced pipeline",
    hidden_inputs=_bubble_inputs_hidden,
    hidden_what="other pipelines, including one whose slowest forward and slowest backward are on different stages",
    rel=1e-9,   # the simulator's event times are sums of the given times: only float rounding may differ
    public_hint="""
        For equal stages the answer is (p - 1)/m. With unequal stages, every micro-batch after the first must wait
        for the slowest stage, in the forward and in the backward passes.
    """,
    hidden_hint="""
        The forward passes are paced by the slowest forward stage, the backward passes by the slowest backward
        stage, which need not be the same stage.
    """,
)

RING_BYTES = function_question(
    "parallelism.ring_bytes", points=3, kind="derive", title="The ring all-reduce",
    statement="""
        Write a function `ring_allreduce_bytes(message_bytes, n)` that returns the bytes each of `n` GPUs sends
        over the network in a ring all-reduce of a buffer of `message_bytes` bytes (NumPy arrays of the same
        shape in, an array of that shape out), without calling the library's `collective_bytes`.
    """,
    hint="""
        A ring all-reduce is a reduce-scatter followed by an all-gather (lesson 06, section 2). Count the steps of
        each and the size of the chunk each GPU sends in one step.
    """,
    reference=_ring_allreduce, n_args=2, forbidden=(collective_bytes,),
    public_inputs=_allreduce_inputs_public, public_what="three ring sizes",
    hidden_inputs=_allreduce_inputs_hidden, hidden_what="more sizes, including n = 1",
    rel=1e-9,   # an exact formula of whole numbers: only float rounding may differ
)

BANDWIDTH = number_question(
    "parallelism.bandwidth", points=4, kind="fit", title="The network's bandwidth, from step times",
    statement=f"""
        `parallelism.step_times()` returns SIMULATED measurements (not real ones): the seconds per step of plain
        data-parallel training of {MODEL} on 2 to 256 GPUs, three runs per GPU count. In each step every GPU
        computes for the same time, then the bf16 gradients (`parallelism.gradient_bytes()` bytes) are all-reduced
        over a ring, without overlap, so that

        seconds per step = compute seconds + (bytes each GPU sends in the all-reduce) / B,

        where B is the network's bandwidth per GPU. One of the runs is a straggler: one of its GPUs was slow. Look
        at the data, leave out that run, fit the model, and give B in GB/s (1 GB = 1e9 bytes) as `bandwidth_gb`.
    """,
    hint="""
        Plot the seconds against the bytes each GPU sends (your ring_allreduce_bytes of the previous question): the
        model is a straight line in that variable, so the straggler stands out. A least-squares line (np.polyfit)
        through the other runs gives B from its slope.
    """,
    expected=_bandwidth_gb,
    # A least-squares line through the same points: 5% in public. The hidden 2% accepts fitting the mean of each
    # GPU count instead of every run (within 1% for 300 simulated learners); keeping the straggler is 30% off or more.
    tolerance=Tolerance(0.05, hidden=0.02),
    sign="positive", what="the bandwidth",
    public_hint="""
        Leave out the one run that is far slower than the other runs on the same number of GPUs, and fit against
        the bytes sent, 2(n - 1)/n times the gradients, not against n. B is the inverse of the slope.
    """,
)

LAYOUT = choice_question(
    "parallelism.layout", points=3, kind="decide", title="Choose a layout",
    statement=f"""
        You train {LAYOUT_MODEL} (`planner_model(\"{LAYOUT_MODEL}\")`) on {LAYOUT_GPUS} H100s of 80 GB, with
        1,024 sequences of 8,192 tokens per step, selective recomputation and sequence parallelism. Five layouts
        are on the table (`parallelism.LAYOUTS`). Which one fits in the GPUs' memory and has the shortest step
        according to the lesson's step-time model? `parallelism.layout_step(key)` runs that model on layout `key`.
        Give its letter as `layout`.
    """,
    hint="""
        A layout that does not fit cannot run, however fast its step would be. Among those that fit, compare the
        parts of the step (compute, tensor-parallel traffic, bubble, exposed data-parallel traffic): lesson 06,
        section 6.
    """,
    options={key: _layout_text(layout) for key, layout in LAYOUTS.items()},
    answer=_best_layout,
)

ZERO3_OR_PIPELINE = rubric_question(
    "parallelism.zero3_or_pipeline", points=3, kind="decide", title="ZeRO-3 or a pipeline?",
    statement="""
        Layouts c and d of the previous question both make a 70B model fit on 80 GB GPUs: c by sharding the
        weights over the data-parallel GPUs with ZeRO-3, d by cutting the layers into a 4-stage pipeline. In a
        few sentences, say what each costs per step (why does ZeRO-3 move more bytes than ZeRO-1? what does the
        pipeline waste?), and describe a situation in which you would choose the pipeline instead. Give your
        answer as text in `zero3_or_pipeline`.
    """,
    hint="""
        Lesson 06, sections 3 and 5: when does ZeRO-3 need the full weights of a layer, and what does a pipeline
        stage do while the first micro-batch has not reached it yet?
    """,
    criteria=[
        Criterion("ZeRO-3 gathers each layer's weights before its forward and again before its backward pass, on "
                  "top of the gradient reduce-scatter: about 1.5 times the bytes of ZeRO-1's all-reduce", 1),
        Criterion("the pipeline's cost is the bubble, (p - 1)/m of idle time that many micro-batches shrink, plus "
                  "small point-to-point sends of activations between stages", 1),
        Criterion("a sound case for the pipeline, such as a slow network between nodes, too few tokens per GPU to "
                  "hide the weight gathers, or a model too large even for ZeRO-3, with enough micro-batches to keep "
                  "the bubble small", 1),
    ],
    model_answer="""
        ZeRO-3 keeps only a shard of every layer's weights, so it must all-gather them before the layer's forward
        pass and again before its backward pass, and reduce-scatter the gradients: three transfers of the weights'
        size per step instead of the two of ZeRO-1's all-reduce, 1.5 times the bytes, over the data-parallel
        group, which spans nodes. It is cheap only while the gathers hide behind the compute. A pipeline sends only
        the activations at stage boundaries, but its stages wait for the first micro-batches to arrive and the last
        ones to return: a bubble of (p - 1)/m of the compute, here 3/32. I would choose the pipeline when the
        network between nodes is slow, or each GPU has too few tokens to hide the weight gathers (a small batch
        spread over many GPUs), provided the batch has enough micro-batches to keep the bubble small.
    """,
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
        Lesson 06, section 6: where the 8 comes from (and what it would be without recomputation); X is the
        achieved throughput in FLOP/s.
    """,
    expected=lambda: training_days(**RUN),
    tolerance=Tolerance(0.02, hidden=0.001),   # one formula of given numbers: rounding only
    sign="positive", what="the time",
    public_hint="Use 8·T·P/(n·X) with X in FLOP/s (4e14), then convert seconds to days.",
)

PROBLEM_SET = ProblemSet(
    id="parallelism",
    title="Parallelism: memory, pipelines, communication and choosing a layout",
    questions=(ZERO_MEMORY, SMALLEST_STAGE, UNBALANCED_BUBBLE, RING_BYTES, BANDWIDTH, LAYOUT, ZERO3_OR_PIPELINE,
               TRAINING_DAYS),
)
