"""Lesson 06's two views of a training step: a layout's memory and time, and pipeline timelines.

- :func:`planner_view`: a real model laid out on dp × tp × pp GPUs, with its memory per GPU under
  each ZeRO stage 0-3 and the time of one step under the chosen stage (:class:`PlannerView`);
- :func:`timeline_view`: GPipe, 1F1B and interleaved 1F1B simulated for one pipeline, side by side
  (:class:`TimelineView`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import ACCELERATORS, INTERCONNECTS
from .layout import LayoutMemory, ParallelLayout, layout_memory
from .models import planner_model
from .pipeline import PipelineSchedule, simulate_schedule
from .step_time import StepTime, step_time


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
                 sequence_parallel: bool = True) -> PlannerView:
    """Memory and step time of ``model`` (a name of :data:`~scalingedu.parallelism.PLANNER_MODELS`)
    on dp·tp·pp GPUs of type ``accelerator``: ``microbatches`` one-sequence micro-batches per
    replica and step (1F1B), ``recompute`` of activations ("none", "selective" or "full"), and
    sequence parallelism when asked for and tp > 1."""
    shape = planner_model(model)
    if accelerator not in INTERCONNECTS:
        raise ValueError(f"accelerator must be one of {', '.join(INTERCONNECTS)} (got {accelerator!r})")
    capacity = ACCELERATORS[accelerator].memory_bytes
    base = dict(n_gpus=dp * tp * pp, tp=tp, pp=pp, microbatches=microbatches, recompute=recompute,
                sequence_parallel=bool(sequence_parallel and tp > 1))
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
