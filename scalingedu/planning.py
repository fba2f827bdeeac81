"""Plan a frontier training run (lesson 09, the capstone): the library's modules working together.

:func:`plan_run` turns five facts of a project into a training plan:

- a **budget in money**, an **accelerator** type and its price per hour: money buys accelerator-hours, and at an
  assumed model FLOPs utilisation (MFU) the hours buy FLOPs (:mod:`scalingedu.compute`);
- a **limit on unique data** and an expected **inference demand** (tokens the model will serve over its life):
  they decide how the FLOPs are split between parameters and tokens (:func:`allocate_compute`, on the
  data-constrained law of Muennighoff et al. 2023 and the inference-aware criterion of Sardana et al. 2023 from
  :mod:`scalingedu.returns`);
- **dense or Mixture-of-Experts**, by one stated rule (:func:`choose_architecture`: MoE when its memory comes free
  on the accelerators the run needs anyway; :mod:`scalingedu.moe` counts the experts);
- a **deadline** in days: the number of accelerators, and a data × tensor × pipeline layout with a ZeRO stage that
  fits in the accelerator's memory (:mod:`scalingedu.parallelism`'s own memory accounting);
- then time, cost, energy and the expected loss; :meth:`RunPlan.explain` says why, and which constraint binds.

The split of compute generalises Sardana et al.: spend the *lifetime* compute (training 6·N·D plus inference
2·N·I) where it lowers the loss most. With a training budget C fixed, the best N is where the iso-loss curve of
L(N, D) touches a line of equal lifetime compute, i.e. (with D = C/(6N))

    N·∂L/∂N = D·∂L/∂D · (1 + I/(3D)).

With no demand (I = 0) this is Chinchilla's compute-optimal condition N·∂L/∂N = D·∂L/∂D; with unlimited unique data
its solution is :func:`scalingedu.returns.inference_optimal`'s model at the plan's loss; with I = 0 and a binding
data limit it is :func:`scalingedu.returns.data_constrained_optimal`. The tests check all three.

Assumptions of the course, not published figures (each is a parameter): MFU 0.4 for the whole run (Llama 3 405B
reports 38-43%, :data:`scalingedu.data.LLAMA3_405B_TRAINING`); $2 per accelerator-hour (DeepSeek-V3's rental
price, :data:`scalingedu.data.DEEPSEEK_V3_RENTAL`); Llama-3-style shapes (heads of 128, 8 key/value heads, SwiGLU
MLP of 3.5·d_model, about 128 d_model per layer, Llama 3's vocabulary and 8K context); 10% of each accelerator's
memory kept free; a global batch of at most 2,048 sequences of 8K tokens (16.8M tokens); clusters of at most
100,000 accelerators.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq

from . import _validate as v
from .compute import (
    DEFAULT_PUE,
    FLOPS_PER_PARAM_TOKEN,
    FORWARD_FLOPS_PER_PARAM_TOKEN,
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    board_power_watts,
    run_budget,
)
from .data import ACCELERATORS, DEEPSEEK_V3_RENTAL, Accelerator
from .formatting import GIB, human, money
from .moe import PRESETS as MOE_PRESETS
from .moe import moe_total_params
from .parallelism import LayoutMemory, ParallelLayout, layout_memory, pipeline_bubble, zero_memory
from .returns import MUENNIGHOFF_2023, DataConstrainedLaw
from .transformer import PRESETS, TransformerShape, count_params

DEFAULT_MFU = 0.4
"""Model FLOPs utilisation of the whole run (an assumption; Llama 3 405B reports 38-43% on 16K H100s)."""
DEFAULT_PRICE = DEEPSEEK_V3_RENTAL["dollars_per_gpu_hour"]
"""Dollars per accelerator-hour: DeepSeek-V3's rental assumption for H800s. Real prices vary several-fold."""
MEMORY_HEADROOM = 0.1
"""Share of each accelerator's memory kept free for temporary buffers, the CUDA context and fragmentation."""
MAX_BATCH_SEQUENCES = 2048
"""Largest global batch, in sequences (2,048 × 8,192 = 16.8M tokens). An assumption: large batches stop paying
beyond a critical size (Kaplan et al. 2020, section 5.1). Published runs reach tens of millions of tokens per
step (DeepSeek-V3: about 63M, ``scalingedu.data.DEEPSEEK_V3_BATCH``): this cap is the course's teaching choice,
well below that."""
MAX_ACCELERATORS = 100_000
"""The largest cluster the planner will use (an assumption: the largest clusters of 2024 had about 100K GPUs)."""
HEAD_WIDTH = 128
"""Width of one attention head (Llama 2/3, DeepSeek-V3): d_model is a multiple of it."""
MLP_RATIO = 3.5
"""d_ff / d_model of Llama 3 8B and 70B (14,336 / 4,096 and 28,672 / 8,192)."""
D_MODEL_PER_LAYER = 128
"""About d_model/128 layers: Llama 3 8B has 4096/32, 70B 8192/80, 405B 16384/126."""
KV_HEADS = 8
TENSOR_PARALLEL_DEGREES = (1, 2, 4, 8)
"""Tensor parallelism stays inside one 8-GPU node (its all-reduces need NVLink bandwidth)."""
MAX_BUBBLE = 0.25
"""Largest pipeline bubble (p-1)/(v·m) the planner accepts (an assumption: the assumed MFU leaves room for a small
one)."""
INTERLEAVE_OPTIONS = (1, 2, 4)
"""Model chunks per pipeline device tried (Narayanan et al. 2021's interleaved 1F1B divides the bubble by v)."""
ZERO_STAGES_TRIED = (1, 2, 3)
"""ZeRO-1 shards the optimizer state for the same traffic as plain data parallelism, so the planner never uses 0."""
ARCHITECTURES = ("auto", "dense", "moe")

_REFERENCE_SHAPE = PRESETS["Llama 3 8B"]
_MOE_REFERENCE = MOE_PRESETS["mixtral-8x7b"]
MOE_EXPERTS, MOE_TOP_K = _MOE_REFERENCE.experts, _MOE_REFERENCE.top_k
"""The MoE the planner builds: Mixtral 8x7B's 8 experts with top-2 routing."""
_INFERENCE_FLOPS_PER_PARAM_TOKEN = FORWARD_FLOPS_PER_PARAM_TOKEN  # 2: serving runs the forward pass only
_SMALLEST_D_MODEL = 512


# ----------------------------------------------------------------------------------------------------------------
# Splitting the compute: parameters and tokens under a data limit and an inference demand
# ----------------------------------------------------------------------------------------------------------------

class _TokenSplit:
    """``epochs`` and ``tokens_per_param`` of a split with ``params``, ``tokens`` and ``unique_tokens`` fields."""

    params: float
    tokens: float
    unique_tokens: float

    @property
    def epochs(self) -> float:
        """Passes over the unique data: tokens / unique tokens (1 when the data limit does not bind)."""
        return self.tokens / min(self.unique_tokens, self.tokens)

    @property
    def tokens_per_param(self) -> float:
        return self.tokens / self.params


@dataclass(frozen=True)
class ComputeAllocation(_TokenSplit):
    """The best split of ``flops`` = 6·params·tokens for a data limit and an inference demand (before rounding to a
    real shape). ``epochs`` = tokens / unique tokens seen (1 when the data limit does not bind)."""

    flops: float
    params: float
    tokens: float
    unique_tokens: float
    inference_tokens: float
    loss: float


def _loss(law: DataConstrainedLaw, params, tokens, unique_tokens):
    # a run shorter than the unique data sees only `tokens` unique tokens
    return np.asarray(law.loss(params, tokens, np.minimum(unique_tokens, tokens)))


def _optimality_gap(law, log_params, flops, unique, demand):
    """N·∂L/∂N − D·∂L/∂D·(1 + I/(3D)) along D = flops/(6N): negative for too small a model, positive for too big."""
    step = 1e-4
    params = np.exp(log_params)
    tokens = flops / (FLOPS_PER_PARAM_TOKEN * params)
    up, down = np.exp(step), np.exp(-step)
    slope_params = (_loss(law, params * up, tokens, unique) - _loss(law, params * down, tokens, unique)) / (2 * step)
    slope_tokens = (_loss(law, params, tokens * up, unique) - _loss(law, params, tokens * down, unique)) / (2 * step)
    return slope_params - slope_tokens * (1.0 + demand / (3.0 * tokens))


def allocate_compute(flops, unique_tokens=math.inf, inference_tokens=0.0,
                     law: DataConstrainedLaw = MUENNIGHOFF_2023) -> ComputeAllocation:
    """Split a training budget of ``flops`` into parameters and tokens, for a data limit and an inference demand.

    Minimises the loss of the data-constrained law (Muennighoff et al. 2023) for the lifetime compute 6·N·D +
    2·N·``inference_tokens`` whose training part is ``flops`` (Sardana et al. 2023's criterion; see the module
    text). ``unique_tokens`` = inf means no data limit. One budget at a time.
    """
    if not isinstance(law, DataConstrainedLaw):
        raise TypeError(f"law must be a DataConstrainedLaw (e.g. MUENNIGHOFF_2023), not {type(law).__name__}")
    c = _scalar("flops", v.positive("flops", flops))
    unique = _scalar("unique_tokens", _unique(unique_tokens))
    demand = _scalar("inference_tokens", v.positive("inference_tokens", inference_tokens, allow_zero=True))
    centre = math.log(float(law.unconstrained.compute_optimal(c).params))
    grid = centre + np.linspace(-6.0, 2.0, 161) * math.log(10.0)
    gap = _optimality_gap(law, grid, c, unique, demand)
    crossing = np.flatnonzero((gap[:-1] < 0) & (gap[1:] >= 0))
    if crossing.size == 0:
        raise ValueError(f"no optimal model size found for flops={c:g}, unique_tokens={unique:g}, "
                         f"inference_tokens={demand:g}: the optimum lies more than 10^6 times below the "
                         f"compute-optimal size (reduce inference_tokens)")
    i = int(crossing[0])
    log_params = brentq(lambda x: float(_optimality_gap(law, x, c, unique, demand)), grid[i], grid[i + 1],
                        xtol=1e-10)
    params = math.exp(log_params)
    tokens = c / (FLOPS_PER_PARAM_TOKEN * params)
    return ComputeAllocation(flops=c, params=params, tokens=tokens, unique_tokens=unique, inference_tokens=demand,
                             loss=float(_loss(law, params, tokens, unique)))


# ----------------------------------------------------------------------------------------------------------------
# Dense or Mixture-of-Experts
# ----------------------------------------------------------------------------------------------------------------

def choose_architecture(dense_accelerators, moe_accelerators) -> str:
    """The planner's rule: "moe" when the MoE fits on no more accelerators than the dense plan needs, else "dense".

    ``dense_accelerators`` is the cluster the dense model needs (set by the deadline, or by memory), and
    ``moe_accelerators`` the cluster the MoE of the same active parameters needs (None: it fits on none).

    The reason: at equal active parameters an MoE costs the same FLOPs per token in training and in serving, and
    published studies find that it reaches a lower loss for the same training compute, with a gap that widens with
    scale (Clark et al. 2022; Krajewski et al. 2024, abstract). Its price is memory: every expert is resident, in
    training and in serving (about three times the dense model's parameters for Mixtral's 8 experts with 2 active),
    plus routing and all-to-all traffic. So the planner takes the MoE when that memory comes free, on the
    accelerators the run needs anyway, and stays dense when the MoE would need more of them. The planner does not
    credit the MoE's lower loss (the library has no MoE scaling law with checked constants): the loss it shows for
    an MoE is the dense model's of the same active parameters, an upper bound.
    """
    dense = v.positive_int("dense_accelerators", dense_accelerators, maximum=10**9)
    if moe_accelerators is None:
        return "dense"
    moe = v.positive_int("moe_accelerators", moe_accelerators, maximum=10**9)
    return "moe" if moe <= dense else "dense"


# ----------------------------------------------------------------------------------------------------------------
# A real shape for a parameter count
# ----------------------------------------------------------------------------------------------------------------

def _shape(d_model: int, n_layers: int) -> TransformerShape:
    heads = d_model // HEAD_WIDTH
    return TransformerShape(n_layers=n_layers, d_model=d_model, n_heads=heads, d_ff=int(MLP_RATIO * d_model),
                            vocab_size=_REFERENCE_SHAPE.vocab_size, context=_REFERENCE_SHAPE.context,
                            n_kv_heads=math.gcd(heads, KV_HEADS), gated_mlp=True, biases=False,
                            tied_embeddings=False, positions="rotary", norm="rmsnorm")


def _layer_multiple(layers: float) -> int:
    # whole groups of layers, so that pipeline degrees of 2, 4 or 8 divide them
    return 16 if layers >= 96 else 8 if layers >= 48 else 4 if layers >= 16 else 2 if layers >= 4 else 1


def shape_for_params(params) -> TransformerShape:
    """A Llama-3-style shape with about ``params`` parameters (embeddings included; see the module text).

    d_model is the multiple of 128 (of 1,024 from 1,024 on: heads in groups of 8) nearest to the width that gives
    about 128 d_model per layer; the layer count is then chosen to hit ``params``, rounded to whole groups of 2, 4
    or 8 layers so pipelines can split them.
    """
    target = _scalar("params", v.positive("params", params))
    smallest = count_params(_shape(_SMALLEST_D_MODEL, 1)).total
    if target < smallest:
        raise ValueError(f"params must be >= {smallest:.3g} (the smallest shape the planner builds, d_model "
                         f"{_SMALLEST_D_MODEL} with one layer); got {target:.3g}")
    width = (target * D_MODEL_PER_LAYER / (3 * MLP_RATIO + 2)) ** (1 / 3)
    # heads in multiples of 8 once there are 8 or more, so that tensor parallelism up to 8 divides them
    step = HEAD_WIDTH * KV_HEADS if width >= HEAD_WIDTH * KV_HEADS else HEAD_WIDTH
    d_model = max(_SMALLEST_D_MODEL, step * round(width / step))
    one, two = count_params(_shape(d_model, 1)).total, count_params(_shape(d_model, 2)).total
    per_layer, rest = two - one, 2 * one - two
    layers = max(1.0, (target - rest) / per_layer)
    multiple = _layer_multiple(layers)
    return _shape(d_model, max(multiple, multiple * round(layers / multiple)))


# ----------------------------------------------------------------------------------------------------------------
# The plan
# ----------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunPlan(_TokenSplit):
    """A training plan from :func:`plan_run`: what to train, on what, for how long, at what cost, and why.

    ``params`` are the parameters a token uses (the active ones of an MoE), ``total_params`` all of them;
    ``flops`` = 6·params·tokens. ``allocation`` is the ideal split before rounding to ``shape``. ``memory`` is the
    busiest GPU's memory (capacity = the accelerator's full memory; the plan keeps ``memory_headroom`` of it free).
    ``energy_kwh`` is None for accelerators without a board power on record (the TPUs).
    """

    budget_dollars: float
    accelerator: Accelerator
    accelerator_name: str
    deadline_days: float
    unique_tokens: float
    inference_tokens: float
    mfu: float
    dollars_per_accelerator_hour: float
    memory_headroom: float
    architecture: str
    architecture_rule: str
    params: float
    total_params: float
    tokens: float
    flops: float
    loss: float
    loss_unlimited_data: float
    chinchilla_params: float
    chinchilla_tokens: float
    chinchilla_loss: float
    allocation: ComputeAllocation
    shape: TransformerShape
    layout: ParallelLayout
    memory: LayoutMemory
    n_accelerators: int
    accelerators_for_deadline: int
    seconds: float
    accelerator_hours: float
    cost_dollars: float
    energy_kwh: float | None
    binding: tuple[str, ...] = field(default=())

    # --- derived numbers ------------------------------------------------------------------------------------------
    @property
    def days(self) -> float:
        return self.seconds / SECONDS_PER_DAY

    @property
    def inference_flops(self) -> float:
        return _INFERENCE_FLOPS_PER_PARAM_TOKEN * self.params * self.inference_tokens

    @property
    def flops_per_second(self) -> float:
        """Model FLOP/s the whole cluster sustains: accelerators × peak × MFU."""
        return self.n_accelerators * self.accelerator.peak_flops_per_second * self.mfu

    @property
    def tokens_per_second(self) -> float:
        return self.flops_per_second / (FLOPS_PER_PARAM_TOKEN * self.params)

    @property
    def batch_tokens(self) -> int:
        lay = self.layout
        return lay.dp * lay.microbatches * lay.microbatch_size * lay.seq_len

    @property
    def steps(self) -> float:
        return self.tokens / self.batch_tokens

    @property
    def bubble(self) -> float:
        """Pipeline bubble (p-1)/(v·m) of the layout (Narayanan et al. 2021); already inside the assumed MFU."""
        return float(pipeline_bubble(self.layout.pp, self.layout.microbatches, interleave=self.layout.interleave))

    @property
    def usable_memory_bytes(self) -> float:
        return self.memory.capacity * (1.0 - self.memory_headroom)

    # --- the explanation -----------------------------------------------------------------------------------------
    def explain(self) -> str:
        """The plan in plain words: each choice, the reason for it, and the constraint that binds."""
        a, lay, mem = self.allocation, self.layout, self.memory
        chip = self.accelerator_name
        unique = "no limit" if math.isinf(self.unique_tokens) else f"{human(self.unique_tokens)} unique tokens"
        lines = [
            f"Plan: a {human(self.params)}-parameter {self.architecture} model"
            + (f" ({human(self.total_params)} parameters in all, {MOE_EXPERTS} experts, top-{MOE_TOP_K})"
               if self.architecture == "moe" else "")
            + f" trained on {human(self.tokens)} tokens ({self.tokens_per_param:.0f} tokens per parameter), "
              f"on {self.n_accelerators:,} {chip}s for {self.days:.1f} days; expected loss {self.loss:.3f} "
              f"nats/token (Muennighoff et al.'s law: compare plans, not absolute values).",
            "",
            f"1. Compute. {money(self.budget_dollars)} at ${self.dollars_per_accelerator_hour:g} "
            f"per {chip}-hour "
            f"buys {human(self.accelerator_hours)} {chip}-hours; at {self.mfu:.0%} MFU of "
            f"{self.accelerator.peak_flops_per_second / 1e12:.0f} TFLOP/s that is {self.flops:.3g} FLOPs. "
            f"The budget binds: the plan spends all of it ({money(self.cost_dollars)}).",
            f"2. Size. With unlimited unique data and no inference, Chinchilla's rule would train "
            f"{human(self.chinchilla_params)} parameters on {human(self.chinchilla_tokens)} tokens "
            f"(loss {self.chinchilla_loss:.3f}).",
        ]
        if self.inference_tokens > 0:
            shrink = a.params / self.chinchilla_params
            lines.append(
                f"   Serving {human(self.inference_tokens)} tokens costs 2·N FLOPs per token, so the plan trades a "
                f"little loss for a smaller model: {shrink:.2f}× the Chinchilla size, trained longer "
                f"(Sardana et al. 2023). Inference will cost {self.inference_flops:.3g} FLOPs, "
                f"{self.inference_flops / self.flops:.2g}× the training compute"
                + (" (the inference demand binds)." if shrink < 0.95 else " (too small a demand to matter much)."))
        else:
            lines.append("   No inference demand was given, so the plan is compute-optimal for training alone.")
        if self.epochs > 1.0 + 1e-9:
            lines.append(
                f"   The data limit binds: {human(self.tokens)} tokens from {unique} means {self.epochs:.1f} "
                f"epochs. Repeated tokens are worth less (Muennighoff et al. 2023: up to about 4 epochs cost "
                f"little, beyond about 16 almost nothing is gained), so the loss is {self.loss:.3f} instead of "
                f"{self.loss_unlimited_data:.3f} with fresh data, and the optimum moves to a smaller model.")
        else:
            lines.append(f"   The data limit ({unique}) does not bind: every token is seen once.")
        lines.append(
            f"   Rounded to a real shape: {self.shape.n_layers} layers of width {self.shape.d_model} "
            f"({self.shape.n_heads} heads, {self.shape.n_kv_heads} key/value heads), {human(self.params)} "
            f"parameters (ideal {human(a.params)}).")
        lines.append(f"3. Architecture: {self.architecture}. {self.architecture_rule}")
        reason = ("rounded up to whole 8-GPU nodes and tensor × pipeline groups"
                  if any(b.startswith("deadline") for b in self.binding)
                  else "more than the deadline needs, because the model does not fit in memory on fewer")
        lines.append(
            f"4. Accelerators: {self.accelerator_hours:,.0f} hours in {self.deadline_days:g} days need at least "
            f"{self.accelerators_for_deadline:,}; the plan uses {self.n_accelerators:,} ({reason}), finishing in "
            f"{self.days:.1f} days. More accelerators would finish sooner for the same money.")
        lines.append(
            f"5. Layout: dp {lay.dp} × tp {lay.tp} × pp {lay.pp}, ZeRO-{lay.zero_stage}, {lay.recompute} "
            f"recomputation{', sequence parallel' if lay.sequence_parallel else ''}"
            f"{f', interleaved 1F1B with {lay.interleave} chunks per GPU' if lay.interleave > 1 else ''}, "
            f"{lay.microbatches} micro-batch{'es' if lay.microbatches != 1 else ''} "
            f"of one {lay.seq_len}-token sequence per replica (global batch {human(self.batch_tokens)}"
            f" tokens, {self.steps:,.0f} steps; pipeline bubble {self.bubble:.0%}). It is the layout with the least "
            f"model parallelism (tp·pp = {lay.tp * lay.pp}) and then the lowest ZeRO stage that fits: "
            f"{mem.total / GIB:.1f} GiB per GPU (weights {mem.params / GIB:.1f}, gradients {mem.grads / GIB:.1f}, "
            f"optimizer {mem.optimizer / GIB:.1f}, activations {mem.activations / GIB:.1f}) of "
            f"{self.usable_memory_bytes / GIB:.0f} GiB usable ({mem.capacity / GIB:.0f} GiB less "
            f"{self.memory_headroom:.0%} headroom)."
            + (" Memory binds: less model parallelism or a lower stage would not fit." if lay.tp * lay.pp > 1
               or lay.zero_stage > 1 else ""))
        energy = ("no board power on record for this chip" if self.energy_kwh is None
                  else f"{self.energy_kwh / 1e6:.3g} GWh at full board power and PUE {DEFAULT_PUE:g}")
        lines.append(f"6. Time {self.days:.1f} days (deadline {self.deadline_days:g}), cost "
                     f"{money(self.cost_dollars)}, energy {energy}.")
        lines.append(f"Binding constraints: {', '.join(self.binding)}.")
        return "\n".join(lines)


def _scalar(name: str, array: np.ndarray) -> float:
    if np.ndim(array):
        raise TypeError(f"{name} must be a single number (got an array of shape {np.shape(array)}): a plan is one run")
    return float(array)


def _unique(unique_tokens) -> np.ndarray:
    if unique_tokens is None:
        return np.asarray(math.inf)
    array = v.as_number_array("unique_tokens", unique_tokens)
    if array.ndim == 0 and math.isinf(float(array)) and float(array) > 0:
        return array
    return v.positive("unique_tokens", unique_tokens)


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def _accelerator(name) -> tuple[str, Accelerator]:
    if not isinstance(name, str):
        raise TypeError(f"accelerator must be a name, one of {', '.join(ACCELERATORS)}; got {type(name).__name__}")
    for key, chip in ACCELERATORS.items():
        if key.lower() == name.lower():
            return key, chip
    raise ValueError(f"unknown accelerator {name!r}; choose one of: {', '.join(ACCELERATORS)}")


def plan_memory(shape: TransformerShape, layout: ParallelLayout, total_params: float, capacity_bytes: float
                ) -> LayoutMemory:
    """Memory per GPU of a plan, with :mod:`scalingedu.parallelism`'s accounting.

    A dense model is exactly :func:`~scalingedu.parallelism.layout_memory`. For an MoE, the model states hold
    every parameter (:func:`~scalingedu.parallelism.zero_memory` of ``total_params``, split tp·pp ways and sharded
    by ZeRO as the rest) and the activations are the dense shape's (an approximation: a top-2 MoE layer keeps
    about twice the MLP activations; expert parallelism is not modelled).
    """
    dense = layout_memory(shape, layout, capacity_bytes)
    if total_params == count_params(shape).total:
        return dense
    states = zero_memory(total_params, layout.n_gpus, layout.zero_stage, tp=layout.tp, pp=layout.pp)
    return LayoutMemory(states.params, states.grads, states.optimizer, dense.activations, dense.capacity)


def _layout_options(shape: TransformerShape):
    """(tp, pp) pairs in order of preference: least model parallelism first, tensor before pipeline parallelism."""
    pairs = [(tp, pp) for tp in TENSOR_PARALLEL_DEGREES if shape.n_kv_heads % tp == 0 and shape.n_heads % tp == 0
             for pp in range(1, min(shape.n_layers, 64) + 1) if shape.n_layers % pp == 0]
    return sorted(pairs, key=lambda pair: (pair[0] * pair[1], pair[1]))


def _cluster_size(minimum: int, group: int) -> int:
    n = _round_up(max(minimum, group), group)
    if n > 8:  # whole 8-GPU nodes once the run spans more than one
        n = _round_up(n, group * 8 // math.gcd(group, 8))
    return n


def _pipeline_schedule(pp: int, dp: int, n_layers: int):
    """(microbatches, interleave) for ``dp`` replicas of a ``pp``-stage pipeline within the largest batch, with a
    bubble of at most MAX_BUBBLE; None when no schedule reaches it."""
    most = MAX_BATCH_SEQUENCES // dp
    if pp == 1:
        return (most, 1) if most >= 1 else None
    for chunks in INTERLEAVE_OPTIONS:
        if n_layers % (pp * chunks):
            continue
        microbatches = most if chunks == 1 else most - most % pp  # interleaving needs a multiple of pp
        if microbatches >= 1 and (pp - 1) / (chunks * microbatches) <= MAX_BUBBLE:
            return microbatches, chunks
    return None


def _find_layout(shape, total_params, chip, accelerators_needed, max_accelerators, headroom):
    """The first layout, in order of preference, that fits in memory on at least ``accelerators_needed`` chips."""
    usable = chip.memory_bytes * (1.0 - headroom)
    for recompute in ("selective", "full"):
        for tp, pp in _layout_options(shape):
            n = _cluster_size(accelerators_needed, tp * pp)
            if n > max_accelerators:
                continue
            schedule = _pipeline_schedule(pp, n // (tp * pp), shape.n_layers)
            if schedule is None:
                continue  # the largest batch cannot keep so many replicas' pipelines full
            microbatches, chunks = schedule
            for stage in ZERO_STAGES_TRIED:
                layout = ParallelLayout(n_gpus=n, tp=tp, pp=pp, zero_stage=stage, microbatches=microbatches,
                                        microbatch_size=1, seq_len=shape.context, interleave=chunks,
                                        sequence_parallel=tp > 1, recompute=recompute)
                if plan_memory(shape, layout, total_params, usable).fits:
                    return layout
    return None


def _largest_workable_cluster(shape, total_params, chip, below: int, headroom) -> int | None:
    """The largest accelerator count under ``below`` that some layout can use (for the error message)."""
    n = below
    while n >= 1:
        layout = _find_layout(shape, total_params, chip, n, below, headroom)
        if layout is not None:
            return layout.n_gpus
        n = int(n * 0.85) if n > 8 else n - 1
    return None


def _layout_for(shape, total_params, chip, accelerators_for_deadline: int, max_accelerators: int, headroom):
    """The layout of the plan for a model of ``total_params``: on the deadline's accelerators, doubled until the
    model fits in memory (None when it fits on no cluster of at most ``max_accelerators``)."""
    needed = max(1, accelerators_for_deadline)
    while needed <= max_accelerators:
        layout = _find_layout(shape, total_params, chip, needed, max_accelerators, headroom)
        if layout is not None:
            return layout
        needed *= 2
    return None


def plan_run(budget_dollars, accelerator: str = "H100", deadline_days=90.0, unique_tokens=None,
             inference_tokens=0.0, *, architecture: str = "auto", mfu=DEFAULT_MFU,
             dollars_per_accelerator_hour=DEFAULT_PRICE, max_accelerators: int = MAX_ACCELERATORS,
             memory_headroom=MEMORY_HEADROOM, law: DataConstrainedLaw = MUENNIGHOFF_2023) -> RunPlan:
    """Plan a training run from a budget, an accelerator, a deadline, a data limit and an inference demand.

    ``budget_dollars`` is spent in full on ``accelerator`` ("H100", "A100", ...) at ``dollars_per_accelerator_hour``
    and ``mfu``; ``deadline_days`` bounds the wall-clock time; ``unique_tokens`` limits the unique training data
    (None: no limit); ``inference_tokens`` is the lifetime serving demand. ``architecture`` is "auto" (the rule of
    :func:`choose_architecture`), "dense" or "moe". The steps are in the module text; :meth:`RunPlan.explain`
    says why. A ValueError says what would be needed when the request is impossible (a deadline the budget cannot
    meet on at most ``max_accelerators``, a budget too small for the smallest model, ...).
    """
    budget = _scalar("budget_dollars", v.positive("budget_dollars", budget_dollars))
    chip_name, chip = _accelerator(accelerator)
    deadline = _scalar("deadline_days", v.positive("deadline_days", deadline_days))
    unique = _scalar("unique_tokens", _unique(unique_tokens))
    demand = _scalar("inference_tokens", v.positive("inference_tokens", inference_tokens, allow_zero=True))
    v.one_of("architecture", architecture, ARCHITECTURES)
    utilisation = _scalar("mfu", v.in_range("mfu", mfu, 0.0, 1.0, low_open=True))
    price = _scalar("dollars_per_accelerator_hour",
                    v.positive("dollars_per_accelerator_hour", dollars_per_accelerator_hour))
    max_accelerators = v.positive_int("max_accelerators", max_accelerators)
    headroom = _scalar("memory_headroom", v.in_range("memory_headroom", memory_headroom, 0.0, 1.0, high_open=True))

    # 1. money -> accelerator-hours -> FLOPs
    hours = budget / price
    flops = hours * SECONDS_PER_HOUR * chip.peak_flops_per_second * utilisation
    accelerators_for_deadline = math.ceil(hours / (deadline * 24.0) - 1e-9)
    if accelerators_for_deadline > max_accelerators:
        fastest_days = hours / (max_accelerators * 24.0)
        raise ValueError(
            f"deadline_days={deadline:g} cannot be met: ${budget:,.0f} buys {hours:,.0f} {chip_name}-hours, which "
            f"in {deadline:g} days need {accelerators_for_deadline:,} accelerators, more than max_accelerators="
            f"{max_accelerators:,}. Allow at least {fastest_days:.1f} days, or {accelerators_for_deadline:,} "
            f"accelerators, or spend at most ${max_accelerators * deadline * 24.0 * price:,.0f}")

    # 2. parameters and tokens
    try:
        allocation = allocate_compute(flops, unique, demand, law)
    except ValueError as error:
        raise ValueError(f"inference_tokens: {error}") from None
    smallest = count_params(_shape(_SMALLEST_D_MODEL, 1)).total
    if allocation.params < smallest:
        raise ValueError(
            f"budget_dollars={budget:,.0f} is too small: it buys {flops:.3g} FLOPs, whose best model has "
            f"{allocation.params:.3g} parameters, fewer than the smallest shape the planner builds ({smallest:.3g}); "
            f"give a larger budget or a smaller inference demand")
    shape = shape_for_params(allocation.params)
    params = float(count_params(shape).total)
    tokens = flops / (FLOPS_PER_PARAM_TOKEN * params)

    # 3. accelerators and layout (more accelerators only if memory needs them), dense and MoE
    dense_total = params
    moe_total = float(moe_total_params(params, MOE_EXPERTS, MOE_TOP_K))
    layouts = {}
    for candidate, total in (("dense", dense_total), ("moe", moe_total)):
        if architecture in ("auto", candidate):
            layouts[candidate] = _layout_for(shape, total, chip, accelerators_for_deadline, max_accelerators,
                                             headroom)

    # 4. dense or MoE
    dense_n = layouts["dense"].n_gpus if layouts.get("dense") is not None else None
    moe_n = layouts["moe"].n_gpus if layouts.get("moe") is not None else None
    if architecture != "auto":
        chosen = architecture
        rule = "Chosen by the caller."
    elif dense_n is None:
        chosen = "dense"
        rule = ""
    else:
        chosen = choose_architecture(dense_n, moe_n)
        if chosen == "moe":
            rule = (f"Rule: MoE when it fits on the accelerators the dense plan needs anyway; here {MOE_EXPERTS} "
                    f"experts ({human(moe_total)} parameters, top-{MOE_TOP_K}) fit on {moe_n:,}. Same FLOPs per "
                    f"token as the dense model; published MoE studies find a lower loss per training FLOP, which "
                    f"the planner does not credit: the loss shown is the dense model's, an upper bound.")
        else:
            why = ("fits on no cluster the planner builds" if moe_n is None
                   else f"would need {moe_n:,} accelerators instead of {dense_n:,}")
            rule = (f"Rule: MoE only when it fits on the accelerators the dense plan needs anyway; the "
                    f"{human(moe_total)}-parameter MoE {why}, so the plan stays dense.")
    total_params = moe_total if chosen == "moe" else dense_total
    layout = layouts[chosen]
    if layout is None:
        workable = _largest_workable_cluster(shape, total_params, chip, max(1, accelerators_for_deadline),
                                             headroom)
        if workable is None:
            raise ValueError(
                f"no layout fits: a {human(total_params)}-parameter model does not fit in {chip_name} memory "
                f"({chip.memory_bytes / GIB:.0f} GiB, {headroom:.0%} kept free) with tp <= 8, ZeRO-3 and full "
                f"recomputation on up to {max_accelerators:,} accelerators; choose a chip with more memory")
        raise ValueError(
            f"deadline_days={deadline:g} cannot be met: the {human(total_params)}-parameter model needs "
            f"{accelerators_for_deadline:,} {chip_name}s, but a global batch of at most {MAX_BATCH_SEQUENCES} "
            f"sequences keeps at most about {workable:,} busy (a layout that fits in memory with a pipeline bubble "
            f"<= {MAX_BUBBLE:.0%}). Allow at least {hours / (workable * 24.0):.1f} days, or spend at most "
            f"${workable * deadline * 24.0 * price:,.0f}")
    n = layout.n_gpus
    memory = plan_memory(shape, layout, total_params, chip.memory_bytes)

    # 5. time, cost, energy (scalingedu.compute)
    try:
        watts = board_power_watts(chip)
    except ValueError:
        watts = None
    run = run_budget(params, tokens, chip, n, utilisation, price, watts_per_accelerator=watts)

    chinchilla = law.unconstrained.compute_optimal(flops)
    binding = ["budget (sets the compute)"]
    if allocation.inference_tokens > 0 and allocation.params < 0.95 * float(chinchilla.params):
        binding.append("inference demand (shrinks the model)")
    if allocation.epochs > 1.0 + 1e-9:
        binding.append("unique data (repeats epochs)")
    if n == _cluster_size(max(1, accelerators_for_deadline), layout.tp * layout.pp):
        binding.append("deadline (sets the accelerators)")
    else:
        binding.append("memory (needs more accelerators than the deadline)")
    if layout.tp * layout.pp > 1 or layout.zero_stage > 1 or layout.recompute == "full":
        binding.append("memory (sets the layout)")
    loss_fresh = float(law.unconstrained.loss(params, tokens))
    return RunPlan(
        budget_dollars=budget, accelerator=chip, accelerator_name=chip_name, deadline_days=deadline,
        unique_tokens=unique, inference_tokens=demand, mfu=utilisation, dollars_per_accelerator_hour=price,
        memory_headroom=headroom, architecture=chosen, architecture_rule=rule, params=params,
        total_params=total_params, tokens=tokens, flops=run.flops, loss=float(_loss(law, params, tokens, unique)),
        loss_unlimited_data=loss_fresh, chinchilla_params=float(chinchilla.params),
        chinchilla_tokens=float(chinchilla.tokens), chinchilla_loss=float(chinchilla.loss), allocation=allocation,
        shape=shape, layout=layout, memory=memory, n_accelerators=n,
        accelerators_for_deadline=accelerators_for_deadline, seconds=run.seconds,
        accelerator_hours=run.accelerator_hours, cost_dollars=run.cost_dollars, energy_kwh=run.energy_kwh,
        binding=tuple(binding))
