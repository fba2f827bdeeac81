"""Problem set parallelism: memory, pipelines, communication and choosing a layout (solutions/06_parallelism.ipynb).

The learner computes ZeRO's per-GPU memory for a real model and picks the smallest stage that fits; derives the
bubble of a GPipe pipeline whose stages are not equally fast; writes the ring all-reduce's traffic as a function;
fits simulated step times measured at several GPU counts (one run is a straggler) to estimate the network's
bandwidth; chooses the fastest of five layouts of Llama 3 70B that fits in memory, and explains in writing what
ZeRO-3 and pipeline parallelism cost; estimates the days of a training run with Narayanan et al.'s 8TP/(nX); and
designs a layout of their own for a brief (:func:`layout_brief`: a model, a cluster and a batch, different for each
learner), graded for feasibility (:func:`design_verdicts`) and for its tokens per second against the fastest layout
of the library's search (:func:`throughput_verdicts`, :func:`scalingedu.parallelism.search.best_layout`), then
defends it against a rival in writing.

Memory is in GiB (2**30 bytes), the course's unit for capacities and estimates alike
(:func:`scalingedu.formatting.memory`); bandwidths and the bytes sent over links are decimal (GB/s, 1 GB = 10**9
bytes).

Expected answers are computed at check time with :mod:`scalingedu.parallelism`; nothing is typed in. The clusters,
pipelines, layouts and runs below, the simulated measurements of :func:`step_times` (their GPU counts, noise,
straggler and seed), the ranges of the layout briefs and the throughput tiers are choices of this problem set; the
model shapes are the library's presets and the bandwidth the simulation uses is
:data:`scalingedu.data.INTERCONNECTS`' H100 figure.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..data import ACCELERATORS, INTERCONNECTS
from ..formatting import GIB, table
from ..grading import ProblemSet, Tolerance, choice_question, function_question, number_question
from ..grading.checks import Check, CheckResult
from ..grading.factories import Criterion, rubric_question
from ..grading.learner import current_learner, learner_seed
from ..grading.questions import Question
from ..parallelism import (
    RECOMPUTE,
    ParallelLayout,
    activations_in_flight,
    check_layout,
    collective_bytes,
    layout_memory,
    pipeline_bubble,
    planner_model,
    simulate_schedule,
    step_time,
    training_days,
    zero_memory,
)
from ..parallelism.search import best_layout
from ..transformer import PRESETS, count_params

MODEL = "GPT-3 13B"
"""The model of questions parallelism.zero_memory, parallelism.smallest_stage and parallelism.bandwidth
(``PRESETS[MODEL]``)."""
N_GPUS, GPU_MEMORY_GIB, ACTIVATION_RESERVE_GIB = 64, 80.0, 40.0
"""64 GPUs of 80 GiB, plain data parallelism over all of them, 40 GiB of each kept free for activations."""
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
"""Question parallelism.layout: Llama 3 70B (``planner_model(LAYOUT_MODEL)``) on 512 H100s of 80 GiB."""

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

def _state_gib(stage: int) -> float:
    return float(zero_memory(model_params(), N_GPUS, stage).total) / GIB


def _smallest_stage() -> int:
    budget = GPU_MEMORY_GIB - ACTIVATION_RESERVE_GIB
    return next(stage for stage in range(4) if _state_gib(stage) <= budget)


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


# The design question: a brief per learner, a layout read from a dict, its verdicts ------------------------------

DESIGN_SEED = 6060
"""Seed of a learner's own brief for question parallelism.design_layout (with no learner, the shared brief
:data:`DESIGN_DEFAULT` is used)."""
DESIGN_DEFAULT = {"model": "GPT-3 175B", "accelerator": "H100", "n_gpus": 256, "global_batch": 1024,
                  "seq_len": 2048}
"""The shared brief of question parallelism.design_layout: GPT-3 175B on 256 H100s, 1,024 sequences of 2,048
tokens per step (2.1M tokens; GPT-3 itself trained with 3.2M)."""
DESIGN_MODELS = ("GPT-3 13B", "Llama 3 70B", "GPT-3 175B")
"""Models a learner's brief may name (:data:`scalingedu.parallelism.PLANNER_MODELS`)."""
DESIGN_ACCELERATORS = ("A100", "H100", "H200", "B200")
"""Accelerators a learner's brief may name (8-GPU nodes in :data:`scalingedu.data.INTERCONNECTS`)."""
DESIGN_GPUS = (128, 256, 512)
"""GPU counts a learner's brief may name."""
DESIGN_SEQ_LENS = (2048, 4096, 8192)
"""Sequence lengths a learner's brief may name (at most the model's context)."""
DESIGN_BATCH_TOKENS = (2 ** 20, 2 ** 21, 2 ** 22)
"""Tokens per step a learner's brief may name (1M to 4M, the range of published runs of these sizes); the batch in
sequences is these over the sequence length."""
THROUGHPUT_TIERS = (0.70, 0.85)
"""A feasible layout earns a throughput share for reaching each of these fractions of the tokens per second of the
fastest layout the checker finds (:func:`scalingedu.parallelism.search.best_layout`): 85% earns all of it. The
checker's search is not exhaustive (powers of two for tp, a few micro-batch sizes), so a layout may beat it."""
DESIGN_KEYS = {
    "tp": "tensor-parallel degree (within a node)",
    "pp": "pipeline-parallel degree (pipeline stages)",
    "interleave": "model chunks per pipeline GPU (1: plain 1F1B)",
    "zero_stage": "0, 1, 2 or 3",
    "microbatches": "micro-batches per data-parallel replica per step",
    "microbatch_size": "sequences per micro-batch",
    "recompute": "'none', 'selective' or 'full'",
    "sequence_parallel": "True or False (sequence parallelism, with tp > 1)",
}
"""The keys of a layout answer and what they mean; ``n_gpus`` and ``seq_len`` may be given too (as in
``dataclasses.asdict`` of a ParallelLayout) and must then be the brief's. dp = n_gpus / (tp · pp) follows."""


@dataclass(frozen=True)
class LayoutBrief:
    """What a layout must train in question parallelism.design_layout: ``model`` (a name of PLANNER_MODELS) on
    ``n_gpus`` GPUs of ``accelerator``, ``global_batch`` sequences of ``seq_len`` tokens per step. ``print(brief)``
    shows it as a table."""

    learner: str | None
    model: str
    accelerator: str
    n_gpus: int
    global_batch: int
    seq_len: int

    @property
    def shape(self):
        """The model's shape (``planner_model(self.model)``)."""
        return planner_model(self.model)

    @property
    def memory_bytes(self) -> float:
        """Memory of one GPU (:data:`scalingedu.data.ACCELERATORS`)."""
        return ACCELERATORS[self.accelerator].memory_bytes

    @property
    def tokens_per_step(self) -> int:
        return self.global_batch * self.seq_len

    def __str__(self) -> str:
        chip, links = ACCELERATORS[self.accelerator], INTERCONNECTS[self.accelerator]
        shape = self.shape
        rows = [("model", f"{self.model}: {count_params(shape).total / 1e9:.0f}B parameters, {shape.n_layers} "
                          f"layers, {shape.n_heads} heads ({shape.n_kv_heads} key/value)"),
                ("GPUs", f"{self.n_gpus:,} {self.accelerator}s of {chip.memory_bytes / GIB:.0f} GiB, "
                         f"{chip.peak_flops_per_second / 1e12:.0f} TFLOP/s peak, "
                         f"{links['gpus_per_node']} per node"),
                ("links per GPU", f"NVLink {links['nvlink'] / 1e9:.0f} GB/s in a node, network "
                                  f"{links['network'] / 1e9:.0f} GB/s between nodes"),
                ("batch", f"{self.global_batch:,} sequences of {self.seq_len:,} tokens per step "
                          f"({self.tokens_per_step / 1e6:.1f}M tokens)")]
        who = "everyone's shared brief" if self.learner is None else f"the brief of learner {self.learner!r}"
        return f"Layout brief ({who})\n" + table(rows, ["", "value"], align="ll")

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


def layout_brief() -> LayoutBrief:
    """The brief of question parallelism.design_layout for the current learner
    (:func:`scalingedu.grading.learner.current_learner`), or the shared one (:data:`DESIGN_DEFAULT`) when none is
    set. A learner's brief is drawn from :data:`DESIGN_SEED` and their id; the same learner always gets the same."""
    learner = current_learner()
    if learner is None:
        return LayoutBrief(None, **DESIGN_DEFAULT)
    rng = np.random.default_rng(learner_seed(DESIGN_SEED))
    model = DESIGN_MODELS[int(rng.integers(len(DESIGN_MODELS)))]
    accelerator = DESIGN_ACCELERATORS[int(rng.integers(len(DESIGN_ACCELERATORS)))]
    n_gpus = DESIGN_GPUS[int(rng.integers(len(DESIGN_GPUS)))]
    lengths = [s for s in DESIGN_SEQ_LENS if s <= planner_model(model).context]
    seq_len = lengths[int(rng.integers(len(lengths)))]
    tokens = DESIGN_BATCH_TOKENS[int(rng.integers(len(DESIGN_BATCH_TOKENS)))]
    return LayoutBrief(learner, model, accelerator, n_gpus, tokens // seq_len, seq_len)


def read_whole(answer: dict, key: str, low: int) -> int:
    """``answer[key]`` as a whole number >= ``low``; a TypeError or ValueError names the key."""
    value = answer[key]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"layout[{key!r}] must be a whole number, not {value!r}")
    if not np.isfinite(value) or value != round(value) or value < low:
        raise ValueError(f"layout[{key!r}] must be a whole number >= {low} (got {value!r})")
    return int(value)


def read_design(answer, brief: LayoutBrief) -> ParallelLayout:
    """The ParallelLayout of an answer to question parallelism.design_layout (a dict with the keys of
    :data:`DESIGN_KEYS`, or a ParallelLayout) on the brief's GPUs; a TypeError or ValueError names what cannot be
    read."""
    if isinstance(answer, ParallelLayout):
        answer = dataclasses.asdict(answer)
    if type(answer) is not dict:
        raise TypeError(f"give the layout as a dict with the keys {', '.join(DESIGN_KEYS)} (or a ParallelLayout); "
                        f"got a {type(answer).__name__}")
    missing = [key for key in DESIGN_KEYS if key not in answer]
    if missing:
        raise ValueError(f"the layout has no {', '.join(map(repr, missing))} (it needs every key of "
                         f"parallelism.DESIGN_KEYS)")
    unknown = [key for key in answer if key not in DESIGN_KEYS and key not in ("n_gpus", "seq_len")]
    if unknown:
        raise ValueError(f"the layout has keys the checker does not know: {', '.join(map(repr, unknown))} (the keys "
                         f"are {', '.join(DESIGN_KEYS)}, and optionally n_gpus and seq_len)")
    degrees = {key: read_whole(answer, key, 0 if key == "zero_stage" else 1)
               for key in ("tp", "pp", "interleave", "zero_stage", "microbatches", "microbatch_size")}
    if answer["recompute"] not in RECOMPUTE:
        raise ValueError(f"layout['recompute'] must be one of {', '.join(map(repr, RECOMPUTE))}, "
                         f"not {answer['recompute']!r}")
    if not isinstance(answer["sequence_parallel"], (bool, np.bool_)):
        raise TypeError(f"layout['sequence_parallel'] must be True or False, not {answer['sequence_parallel']!r}")
    n_gpus = read_whole(answer, "n_gpus", 1) if "n_gpus" in answer else brief.n_gpus
    seq_len = read_whole(answer, "seq_len", 1) if answer.get("seq_len") is not None else brief.seq_len
    return ParallelLayout(n_gpus, seq_len=seq_len, recompute=answer["recompute"],
                          sequence_parallel=bool(answer["sequence_parallel"]), **degrees)


def memory_summary(brief: LayoutBrief, layout: ParallelLayout, memory) -> str:
    """What ``memory`` (a LayoutMemory of ``layout``) holds per GPU on the busiest stage, in words."""
    where = "each GPU of the first pipeline stage (the busiest)" if layout.pp > 1 else "each GPU"
    states = memory.params + memory.grads + memory.optimizer
    in_flight = activations_in_flight(layout.pp, layout.microbatches, layout.interleave)
    return (f"{where} needs {memory.total / GIB:.1f} GiB: model states {states / GIB:.1f} GiB (ZeRO-"
            f"{layout.zero_stage}) + activations {memory.activations / GIB:.1f} GiB ({in_flight:g} micro-batch"
            f"{'es' if in_flight != 1 else ''} of {layout.microbatch_size} in flight, recompute "
            f"{layout.recompute!r}, sequence parallelism {'on' if layout.sequence_parallel else 'off'}), "
            f"{'within' if memory.fits else 'over'} the {memory.capacity / GIB:.0f} GiB of an {brief.accelerator}")


def design_verdicts(answer) -> dict:
    """Whether an answer to question parallelism.design_layout is feasible for the current learner's brief, each
    condition as (passed, message): "read" (the dict can be read), "layout" (check_layout accepts it on the
    brief's GPUs), "batch" (dp × microbatches × microbatch_size = the brief's batch), "memory" (it fits)."""
    b = layout_brief()
    try:
        layout = read_design(answer, b)
    except (TypeError, ValueError) as error:
        return {"read": (False, str(error))}
    verdicts = {"read": (True, "the layout can be read")}
    shape = b.shape
    later = "cannot be checked until the layout is possible"
    if layout.n_gpus != b.n_gpus or layout.seq_len != b.seq_len:
        verdicts["layout"] = (False, f"the brief is {b.n_gpus:,} GPUs and sequences of {b.seq_len:,} tokens; the "
                                     f"layout says {layout.n_gpus:,} and {layout.seq_len:,}")
    elif b.n_gpus % (layout.tp * layout.pp):
        verdicts["layout"] = (False, f"tp × pp = {layout.tp} × {layout.pp} = {layout.tp * layout.pp} does not "
                                     f"divide the brief's {b.n_gpus:,} GPUs, so dp = n_gpus / (tp × pp) is not a "
                                     f"whole number")
    else:
        try:
            check_layout(shape, layout)
            verdicts["layout"] = (True, f"dp {layout.dp} × tp {layout.tp} × pp {layout.pp} = {b.n_gpus:,} GPUs, "
                                        f"and the degrees divide what they split")
        except ValueError as error:
            verdicts["layout"] = (False, str(error))
    if not verdicts["layout"][0]:
        verdicts["batch"] = verdicts["memory"] = (False, f"{later} ({verdicts['layout'][1]})")
        return verdicts
    batch = layout.dp * layout.microbatches * layout.microbatch_size
    verdicts["batch"] = (batch == b.global_batch,
                         f"dp × microbatches × microbatch_size = {layout.dp} × {layout.microbatches} × "
                         f"{layout.microbatch_size} = {batch:,} sequences per step; the brief asks for "
                         f"{b.global_batch:,}")
    memory = layout_memory(shape, layout, b.memory_bytes)
    verdicts["memory"] = (memory.fits, memory_summary(b, layout, memory))
    return verdicts


def throughput_verdicts(answer) -> dict:
    """For each fraction of :data:`THROUGHPUT_TIERS` (as text, "0.7" and "0.85"), whether a feasible answer to
    question parallelism.design_layout reaches it of the tokens per second of the fastest layout the checker
    finds for the brief: (passed, message). The message gives the answer's throughput, MFU and step, and the
    MFU of the checker's best layout (not the layout)."""
    verdicts = design_verdicts(answer)
    broken = [name for name in ("read", "layout", "batch", "memory") if not verdicts.get(name, (False, ""))[0]]
    if broken:
        message = f"throughput counts only for a feasible layout (this one fails: {', '.join(broken)})"
        return {f"{tier:g}": (False, message) for tier in THROUGHPUT_TIERS}
    b = layout_brief()
    layout = read_design(answer, b)
    step = step_time(b.shape, layout, accelerator=b.accelerator)
    best = best_layout(b.shape, b.n_gpus, b.global_batch, seq_len=b.seq_len, accelerator=b.accelerator)
    share = step.tokens_per_second / best.tokens_per_second
    parts = (f"compute {step.compute:.2f} s, tensor-parallel {step.tensor_parallel:.2f} s, pipeline sends "
             f"{step.pipeline_p2p:.2f} s, bubble {step.bubble:.2f} s, exposed data-parallel "
             f"{step.data_parallel_exposed:.2f} s")
    verdicts = {}
    for tier in THROUGHPUT_TIERS:
        passed = share >= tier * (1 - 1e-9)
        verdicts[f"{tier:g}"] = (passed, (
            f"{step.tokens_per_second:,.0f} tokens/s (MFU {step.mfu:.1%}, step {step.total:.2f} s: {parts}): "
            f"{share:.0%} of the fastest layout the checker found, whose MFU is {best.mfu:.1%} "
            f"({'at least' if passed else 'below'} {tier:.0%})"))
    return verdicts


def _verdict_check(function, key: str, description: str, hint: str, weight: float, *, required=False,
                   gate=False) -> Check:
    def run(answer) -> CheckResult:
        if gate and (answer is None or answer is Ellipsis):
            return CheckResult(False, "no layout yet: replace the `...` with a dict (or a ParallelLayout)",
                               answered=False)
        verdicts = function(answer)
        if key not in verdicts:
            return CheckResult(False, verdicts["read"][1])
        return CheckResult(*verdicts[key])
    seal = {"type": "verdict", "module": __name__, "function": function.__name__, "key": key}
    if gate:
        seal["gate"] = True
    return Check(description, run, hint=hint, weight=weight, required=required, seal=lambda: seal)


# Questions ------------------------------------------------------------------------------------------------------

ZERO_MEMORY = number_question(
    "parallelism.zero_memory", points=2, kind="compute", title="ZeRO stage 2",
    statement=f"""
        {MODEL} (`PRESETS[\"{MODEL}\"]`; count its parameters with `count_params(...).total`) is trained with
        mixed-precision Adam (K = 12) and plain data parallelism over {N_GPUS} GPUs, with ZeRO
        stage {ZERO_STAGE}. How many GiB (1 GiB = 2**30 bytes, the course's unit of memory) of model states
        (weights, gradients, optimizer state) does each GPU hold? Give the number of GiB as `state_gib`.
    """,
    hint="""
        Lesson 06, section 3: list what stage 2 shards over the data-parallel GPUs and what it keeps whole on each,
        and count the bytes per parameter of each part.
    """,
    expected=lambda: _state_gib(ZERO_STAGE),
    tolerance=Tolerance(0.02),   # one formula on a published shape: 2% is room for rounding
    sign="positive", what="the memory",
    public_hint="""
        Stage 2 keeps the 16-bit weights whole on every GPU and divides the gradients and the optimizer state by the
        number of GPUs. Give GiB: the bytes divided by 2**30 (dividing by 1e9 gives 7% too much).
    """,
)

SMALLEST_STAGE = number_question(
    "parallelism.smallest_stage", points=2, kind="decide",
    title="The smallest stage that leaves room for activations",
    statement=f"""
        Same model and {N_GPUS} GPUs of {GPU_MEMORY_GIB:g} GiB. You want to keep {ACTIVATION_RESERVE_GIB:g} GiB of
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
        You train {LAYOUT_MODEL} (`planner_model(\"{LAYOUT_MODEL}\")`) on {LAYOUT_GPUS} H100s of 80 GiB, with
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
        Layouts c and d of the previous question both make a 70B model fit on 80 GiB GPUs: c by sharding the
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

DESIGN_LAYOUT = Question(
    id="parallelism.design_layout", points=6, kind="design", title="Design a layout for your brief",
    answer_kind="plan",
    statement=f"""
        Now you choose the layout yourself. `parallelism.layout_brief()` is your brief (print it): a model
        (`brief.shape` is its shape), a number of GPUs of one type, and a global batch of `brief.global_batch`
        sequences of `brief.seq_len` tokens per step. In a class it is your own; without a learner id everyone
        shares {DESIGN_DEFAULT["model"]} on {DESIGN_DEFAULT["n_gpus"]} {DESIGN_DEFAULT["accelerator"]}s. Give
        your layout as a dict `design` with the keys
        {", ".join(f"`{key}`" for key in DESIGN_KEYS)} (`parallelism.DESIGN_KEYS` says what each means; a
        `ParallelLayout` on the brief's GPUs and sequence length is accepted too). Keep the name `layout` for your
        answer to question 6: give your candidates other names.

        The checker grades it with the lesson's library. It must be **feasible** (required: otherwise no points):
        `check_layout` accepts it and dp · tp · pp is the brief's GPU count; it trains exactly the brief's batch,
        dp × microbatches × microbatch_size = `brief.global_batch`; and it fits: `layout_memory(...).fits` for the
        busiest pipeline stage on the brief's GPU. A feasible layout earns half the points. The other half is for
        its **throughput**: the tokens per second of `step_time(brief.shape, layout,
        accelerator=brief.accelerator)` against the fastest feasible layout the checker finds by its own search
        over sensible degrees; {THROUGHPUT_TIERS[0]:.0%} of it earns a quarter of the points,
        {THROUGHPUT_TIERS[1]:.0%} the rest. Reason with the step-time model's parts (compute, tensor-parallel
        traffic, pipeline sends, bubble, exposed data-parallel traffic) rather than guessing.
    """,
    hint="""
        Start from what must be split: the model states (16 bytes per parameter) and the activations of the
        micro-batches in flight have to fit. Then compare candidates with `step_time`: keep tensor parallelism
        inside a node, give a pipeline enough micro-batches for a small bubble, and see what ZeRO-3's weight
        gathers cost when a replica runs many micro-batches. A small loop over a few degrees finds a good layout.
    """,
    public_checks=(
        _verdict_check(design_verdicts, "read", "the layout is a dict with every key of DESIGN_KEYS",
                       "Use the keys of parallelism.DESIGN_KEYS: whole numbers, recompute as text, "
                       "sequence_parallel as True or False.", 0.0, gate=True),
        _verdict_check(design_verdicts, "layout", "the layout is possible on the brief's GPUs (check_layout)",
                       "tp must divide the attention heads (and divide or be a multiple of the key/value heads), "
                       "pp × interleave the layers, and tp × pp the GPU count.", 1.0, required=True),
        _verdict_check(design_verdicts, "batch", "the layout trains the brief's batch",
                       "dp = n_gpus / (tp × pp) replicas each run microbatches × microbatch_size sequences per "
                       "step: choose the micro-batches from the batch, after the degrees.", 1.0, required=True),
        _verdict_check(design_verdicts, "memory", "the layout fits in the GPU's memory (busiest stage)",
                       "Shard the model states (a higher ZeRO stage, more tp × pp) or shrink the activations "
                       "(sequence parallelism, selective or full recomputation, smaller micro-batches, fewer in "
                       "flight).", 1.0, required=True),
        _verdict_check(throughput_verdicts, f"{THROUGHPUT_TIERS[0]:g}",
                       f"the layout reaches {THROUGHPUT_TIERS[0]:.0%} of the checker's best tokens per second",
                       "The largest part of your step besides compute is the one to attack: exposed data-parallel "
                       "traffic (ZeRO-3 gathers the weights for every micro-batch), the bubble (more micro-batches "
                       "or interleaving), tensor-parallel traffic (a smaller tp), or recomputation.", 1.5),
    ),
    hidden_checks=(
        _verdict_check(throughput_verdicts, f"{THROUGHPUT_TIERS[1]:g}",
                       f"the layout reaches {THROUGHPUT_TIERS[1]:.0%} of the checker's best tokens per second",
                       "Compare a few layouts that fit with step_time and keep the fastest: a loop over tp, pp, "
                       "the ZeRO stage and the micro-batch size is enough.", 1.5),
    ),
)

DEFEND_LAYOUT = rubric_question(
    "parallelism.defend_layout", points=3, kind="decide", title="Defend your layout",
    statement="""
        A colleague proposes another layout for your brief: say the one you think is the strongest rival to
        yours (for example ZeRO-3 without a pipeline, a deeper pipeline, more tensor parallelism, or full
        recomputation). In a few sentences, with the step-time model's numbers for both layouts, say why yours is
        faster or why theirs does not fit, and describe a change to the brief (the network, the GPU's memory, the
        batch, the model) under which their layout would win. Give your answer as text in `defence`.
    """,
    hint="""
        Run `step_time` on both layouts and compare their parts and their memory: the difference usually sits in
        one part, and the mechanism behind that part (what crosses which link how often, or who waits) is the
        argument.
    """,
    criteria=[
        Criterion("names a concrete rival layout and compares both with numbers from the step-time model: "
                  "tokens per second or MFU, and the part of the step (or the memory) where they differ", 1),
        Criterion("explains the mechanism behind the difference: e.g. ZeRO-3 gathers the weights for every "
                  "micro-batch over the network, a pipeline idles (p - 1)/(v·m) of the time, tensor-parallel "
                  "traffic grows with tp relative to compute, full recomputation adds a forward pass", 1),
        Criterion("a sound change to the brief that would flip the choice (a faster network, a larger or "
                  "smaller batch, more memory per GPU, a smaller model) with the reason it helps the rival", 1),
    ],
    model_answer="""
        (For the shared brief: GPT-3 175B on 256 H100s, 1,024 sequences of 2,048 tokens.) My layout, tp 4 × pp 8
        with 2 interleaved chunks × dp 8, ZeRO-1, 128 micro-batches of one sequence, selective recomputation and
        sequence parallelism, reaches an MFU of about 59% in the step-time model. The strongest rival without a
        pipeline, tp 8 × dp 32 with ZeRO-3 and 8 micro-batches of 4 sequences, reaches about 58%: close. The
        rival spends 2.4 s per step in tensor-parallel all-reduces against my 1.0 s, because each GPU computes
        1/tp of a layer but still reduces the whole activation, so that traffic relative to compute grows like
        2(tp - 1); I pay instead a bubble of (p - 1)/(v·m) = 7/256 of the step (0.4 s), 0.5 s of sends between
        stages and 0.3 s of exposed gradient traffic. The rival's ZeRO-3 gathers hide behind its compute only
        because its replicas run few, large micro-batches: it gathers every weight twice per micro-batch, so with
        micro-batches of one sequence it would gather 64 times per step over the 50 GB/s network and fall to an
        MFU of about 16%. The rival would win with faster NVLink (its tensor-parallel time is bandwidth-bound), or
        with a smaller batch per replica, where a pipeline has too few micro-batches to hide its bubble.
    """,
)

PROBLEM_SET = ProblemSet(
    id="parallelism",
    title="Parallelism: memory, pipelines, communication and choosing a layout",
    questions=(ZERO_MEMORY, SMALLEST_STAGE, UNBALANCED_BUBBLE, RING_BYTES, BANDWIDTH, LAYOUT, ZERO3_OR_PIPELINE,
               TRAINING_DAYS, DESIGN_LAYOUT, DEFEND_LAYOUT),
)
