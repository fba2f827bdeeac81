"""Lesson 06's two views of a training step: a layout's memory and time, and pipeline timelines.

- :func:`planner_view`: a real model laid out on dp × tp × pp GPUs, with its memory per GPU under
  each ZeRO stage 0-3 and the time of one step under the chosen stage (:class:`PlannerView`);
- :func:`timeline_view`: GPipe, 1F1B and interleaved 1F1B simulated for one pipeline, side by side
  (:class:`TimelineView`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import ACCELERATORS, DEEPSEEK_V3_BATCH, INTERCONNECTS, NARAYANAN_GPT3_TRAINING_TIME
from ..formatting import human
from .layout import LayoutMemory, ParallelLayout, layout_memory
from .models import planner_model
from .pipeline import PipelineSchedule, simulate_schedule
from .step_time import StepTime, step_time

GPT3_EXAMPLE_LAYOUT = ParallelLayout(n_gpus=int(NARAYANAN_GPT3_TRAINING_TIME["n_gpus"]), tp=8, pp=8, zero_stage=1,
                                     microbatches=32, recompute="full")
"""Lesson 06's layout for GPT-3 175B on the 1,024 A100s of Narayanan et al.'s training-time example (§5.1, whose
8TP/(nX) counts a recomputed forward pass, hence full recomputation): tensor parallelism 8 inside each 8-GPU node,
8 pipeline stages, dp = 16, ZeRO stage 1 and 32 one-sequence micro-batches per replica (512 sequences of 2,048
tokens per step). §5.1 states no layout: the degrees are the course's choice, of the kind Narayanan et al. use
for models of this size (tensor parallelism within a node, pipeline parallelism across nodes)."""

LARGEST_PUBLISHED_BATCH_TOKENS = float(DEEPSEEK_V3_BATCH["tokens_per_step"])
"""The largest pre-training batch among the runs the course cites, in tokens per step: DeepSeek-V3's 15,360
sequences of 4,096 tokens (technical report §4.2; :data:`scalingedu.data.DEEPSEEK_V3_BATCH`)."""


def batch_caution(tokens_per_step: float) -> str | None:
    """What to tell a learner whose layout trains on more tokens per step than any published run the course cites
    (None within that range): the step-time model still computes such a step, but no one has shown it trains well."""
    tokens = float(tokens_per_step)
    if not tokens > LARGEST_PUBLISHED_BATCH_TOKENS:
        return None
    batch = DEEPSEEK_V3_BATCH
    return (f"{human(tokens)} tokens per step: the largest published pre-training batch the course knows, "
            f"DeepSeek-V3's, was about {human(LARGEST_PUBLISHED_BATCH_TOKENS)} tokens ({batch['sequences']:,.0f} "
            f"sequences of {batch['seq_len']:,.0f}, technical report §4.2). The step time is still computed, but "
            f"beyond that batch extra tokens per step may no longer cut the number of steps needed")


@dataclass(frozen=True)
class PlannerView:
    """A layout's memory per GPU under each ZeRO stage 0-3, and its step time under the chosen
    stage."""

    layout: ParallelLayout
    accelerator: str
    memory_by_stage: tuple[LayoutMemory, ...]
    time: StepTime

    @property
    def memory(self) -> LayoutMemory:
        return self.memory_by_stage[self.layout.zero_stage]

    @property
    def smallest_fitting_stage(self) -> int | None:
        fitting = (stage for stage, memory in enumerate(self.memory_by_stage) if memory.fits)
        return next(fitting, None)


def planner_view(model: str, accelerator: str, dp: int, tp: int, pp: int, zero_stage: int,
                 microbatches: int, recompute: str = "selective",
                 sequence_parallel: bool = True, *, interleave: int = 1,
                 microbatch_size: int = 1) -> PlannerView:
    """Memory and step time of ``model`` (a name of :data:`~scalingedu.parallelism.PLANNER_MODELS`)
    on dp·tp·pp GPUs of type ``accelerator``: ``microbatches`` micro-batches of ``microbatch_size``
    sequences per replica and step, 1F1B with ``interleave`` model chunks per device (1: plain 1F1B;
    :func:`~scalingedu.parallelism.check_layout` refuses what the interleaved schedule cannot run),
    ``recompute`` of activations ("none", "selective" or "full"), and sequence parallelism when asked
    for and tp > 1."""
    shape = planner_model(model)
    if accelerator not in INTERCONNECTS:
        raise ValueError(f"accelerator must be one of {', '.join(INTERCONNECTS)} (got {accelerator!r})")
    capacity = ACCELERATORS[accelerator].memory_bytes
    base = dict(n_gpus=dp * tp * pp, tp=tp, pp=pp, microbatches=microbatches, recompute=recompute,
                sequence_parallel=bool(sequence_parallel and tp > 1), interleave=interleave,
                microbatch_size=microbatch_size)
    memories = tuple(layout_memory(shape, ParallelLayout(zero_stage=stage, **base), capacity)
                     for stage in range(4))
    layout = ParallelLayout(zero_stage=zero_stage, **base)
    time = step_time(shape, layout, accelerator=accelerator)
    return PlannerView(layout, accelerator, memories, time)


@dataclass(frozen=True)
class TimelineView:
    """The three schedules of one pipeline: GPipe, 1F1B and interleaved 1F1B in ``runs`` (the last
    None, with ``problem`` saying why, when the interleaved schedule's conditions do not hold)."""

    stages: int
    microbatches: int
    interleave: int
    runs: tuple[PipelineSchedule, PipelineSchedule, PipelineSchedule | None]
    problem: str | None


def timeline_view(stages: int, microbatches: int, interleave: int = 2,
                  slow_stage: float = 1.0) -> TimelineView:
    """Simulate GPipe, 1F1B and interleaved 1F1B (forward 1, backward 2 time units per stage; the
    last stage ``slow_stage`` times slower). The interleaved run is None, with ``problem`` saying
    why, when m is not a multiple of p."""
    times = np.ones(stages)
    times[-1] = slow_stage
    common = dict(forward_time=times, backward_time=2.0 * times)
    gpipe = simulate_schedule("gpipe", stages, microbatches, **common)
    one_f_one_b = simulate_schedule("1f1b", stages, microbatches, **common)
    try:
        interleaved = simulate_schedule("interleaved", stages, microbatches, interleave=interleave,
                                        **common)
        problem = None
    except ValueError as error:
        interleaved, problem = None, str(error)
    runs = (gpipe, one_f_one_b, interleaved)
    return TimelineView(stages, microbatches, interleave, runs, problem)
