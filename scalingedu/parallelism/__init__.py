"""Parallel training: memory, communication, pipeline schedules and step time of data, tensor, pipeline and ZeRO.

Lesson 06. One concept per module, public names re-exported here:

- :mod:`.collectives`: bytes and time of all-reduce, all-gather, reduce-scatter, all-to-all (ring algorithms);
- :mod:`.memory`: ZeRO model-state memory and Megatron-LM activation memory per layer;
- :mod:`.pipeline`: the bubble formula and a simulator of GPipe, 1F1B and interleaved 1F1B;
- :mod:`.layout`: a data × tensor × pipeline layout, its checks and its memory per GPU;
- :mod:`.communication`: per-step communication of DP, ZeRO-1/2/3, TP and PP;
- :mod:`.step_time`: step time, tokens/s, MFU, and Narayanan et al.'s training-time estimate;
- :mod:`.models`: model presets from GPT-3 175B to Llama 3 405B;
- :mod:`.communication_bound`: when each form of parallelism waits for the network (rules derived as rooflines);
- :mod:`.cpu_data_parallel`: a real 2-process data-parallel run with a hand-written ring all-reduce;
- :mod:`.cpu_tensor_parallel`: a real tensor-parallel run (Megatron's column-then-row split, attention by heads);
- :mod:`.planner`: the lesson's two views, a layout's memory and step time, and pipeline timelines.
"""
from .collectives import COLLECTIVES, collective_bytes, collective_steps, collective_time
from .communication import StepCommunication, data_parallel_bytes, step_communication
from .layout import LayoutMemory, ParallelLayout, activations_in_flight, check_layout, layout_memory
from .memory import RECOMPUTE, ZERO_STAGES, MemoryBreakdown, activation_memory, zero_memory
from .models import LLAMA3_405B, PLANNER_MODELS, planner_model
from .pipeline import SCHEDULES, PipelineSchedule, microbatches_for_bubble, pipeline_bubble, simulate_schedule
from .planner import (
                      GPT3_EXAMPLE_LAYOUT,
                      LARGEST_PUBLISHED_BATCH_TOKENS,
                      PlannerView,
                      TimelineView,
                      batch_caution,
                      planner_view,
                      timeline_view,
)
from .step_time import StepTime, step_time, training_days

__all__ = [
    "COLLECTIVES", "collective_bytes", "collective_steps", "collective_time",
    "StepCommunication", "data_parallel_bytes", "step_communication",
    "LayoutMemory", "ParallelLayout", "activations_in_flight", "check_layout", "layout_memory",
    "RECOMPUTE", "ZERO_STAGES", "MemoryBreakdown", "activation_memory", "zero_memory",
    "LLAMA3_405B", "PLANNER_MODELS", "planner_model",
    "SCHEDULES", "PipelineSchedule", "microbatches_for_bubble", "pipeline_bubble", "simulate_schedule",
    "StepTime", "step_time", "training_days",
    "PlannerView", "TimelineView", "planner_view", "timeline_view",
    "GPT3_EXAMPLE_LAYOUT", "LARGEST_PUBLISHED_BATCH_TOKENS", "batch_caution",
]
