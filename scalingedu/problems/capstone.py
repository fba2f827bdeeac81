"""Problem set capstone: plan a training run step by step, then check the whole plan
(solutions/09_capstone.ipynb).

The learner follows :func:`scalingedu.planning.plan_run` one step at a time for one project: the FLOPs a budget in
money buys on an accelerator at an MFU; Chinchilla's closed-form compute-optimal model for them; the epochs of the
data-constrained optimum (Muennighoff et al. 2023); the model size that also accounts for the inference demand
(Sardana et al. 2023's criterion, as the planner applies it); the accelerators the deadline needs; the memory per GPU
of a chosen layout and the smallest tensor-parallel degree that fits; and finally a function that checks a whole
:class:`~scalingedu.planning.RunPlan` for consistency (6·N·D, throughput, hours, cost, memory, deadline).

Expected answers are computed at check time with the library (:mod:`scalingedu.planning`, :mod:`scalingedu.returns`,
:mod:`scalingedu.parallelism`); nothing is typed in. The project (budget, deadline, unique data, inference demand)
and the layout of the memory questions are choices of this problem set; the price and the MFU are the planner's
stated assumptions (:data:`~scalingedu.planning.DEFAULT_PRICE`, :data:`~scalingedu.planning.DEFAULT_MFU`).
"""
from __future__ import annotations

import dataclasses
import functools
import math

from ..compute import SECONDS_PER_DAY, SECONDS_PER_HOUR, training_flops
from ..data import ACCELERATORS
from ..grading import ProblemSet, Tolerance, function_question, number_question
from ..parallelism import LayoutMemory, ParallelLayout, layout_memory
from ..planning import (
    DEFAULT_MFU,
    DEFAULT_PRICE,
    MEMORY_HEADROOM,
    TENSOR_PARALLEL_DEGREES,
    RunPlan,
    allocate_compute,
    plan_run,
    shape_for_params,
)
from ..returns import MUENNIGHOFF_2023, data_constrained_optimal
from ..transformer import TransformerShape

BUDGET_DOLLARS, ACCELERATOR, DEADLINE_DAYS = 10e6, "H100", 60.0
"""The project: $10M of H100-hours, to be spent within 60 days."""
UNIQUE_TOKENS, INFERENCE_TOKENS = 2e12, 2e13
"""2T unique tokens of training data; 20T tokens expected to be served over the model's life."""
PRICE, MFU = DEFAULT_PRICE, DEFAULT_MFU
"""Dollars per accelerator-hour and model FLOPs utilisation: the planner's assumptions."""
LAW = MUENNIGHOFF_2023
"""The planner's law: Muennighoff et al. 2023's data-constrained fit (``LAW.unconstrained`` without a data limit)."""

LAYOUT_GPUS, LAYOUT_MICROBATCHES = 3480, 2
"""The layout of questions capstone.memory_gb and capstone.smallest_tp: 3,480 GPUs, pp = 1, 2
micro-batches of one sequence per replica, selective recomputation, sequence parallelism whenever
tp > 1."""
MEMORY_TP, MEMORY_STAGE = 4, 1
"""Question capstone.memory_gb: tensor parallelism 4 with ZeRO-1."""
SMALLEST_TP_STAGE = 3
"""Question capstone.smallest_tp: the ZeRO stage (3) with which the smallest tensor-parallel degree
is sought."""
PLAN_TOLERANCE = 1e-6
"""Relative tolerance of the equalities in question capstone.plan_check."""


# The learner's data: the project's numbers as library objects ---------------------------------------------------

def accelerator():
    """The project's accelerator (:data:`scalingedu.data.ACCELERATORS` ``["H100"]``): peak FLOP/s and memory."""
    return ACCELERATORS[ACCELERATOR]


def _budget_flops() -> float:
    """FLOPs the budget buys: budget / price × 3600 × peak × MFU (the planner's step 1)."""
    return BUDGET_DOLLARS / PRICE * SECONDS_PER_HOUR * accelerator().peak_flops_per_second * MFU


@functools.cache
def planned_shape() -> TransformerShape:
    """The real shape the planner gives the model of question capstone.planned_params
    (``shape_for_params``)."""
    return shape_for_params(_planned_params())


def layout(tp: int, zero_stage: int) -> ParallelLayout:
    """The layout of the memory questions with tensor-parallel degree ``tp`` and ZeRO stage ``zero_stage``."""
    return ParallelLayout(n_gpus=LAYOUT_GPUS, tp=tp, pp=1, zero_stage=zero_stage, microbatches=LAYOUT_MICROBATCHES,
                          microbatch_size=1, seq_len=planned_shape().context, sequence_parallel=tp > 1,
                          recompute="selective")


def usable_memory_bytes() -> float:
    """Bytes of one accelerator the plan may fill: its memory less the planner's headroom (10%)."""
    return accelerator().memory_bytes * (1.0 - MEMORY_HEADROOM)


class _Plan(RunPlan):
    """A RunPlan whose repr is one line (the grader's feedback quotes its inputs)."""

    def __repr__(self) -> str:
        return (f"""
            RunPlan(${self.budget_dollars:,.0f} on {self.n_accelerators:,} {self.accelerator_name}s, {self.days:.1f}
            of {self.deadline_days:g} days)
        """)


def _short_repr(plan: RunPlan) -> _Plan:
    return _Plan(**{f.name: getattr(plan, f.name) for f in dataclasses.fields(RunPlan)})


@functools.cache
def project_plan() -> RunPlan:
    """The planner's plan for the project (:func:`scalingedu.planning.plan_run`), to check in
    question capstone.plan_check."""
    return _short_repr(plan_run(BUDGET_DOLLARS, ACCELERATOR, DEADLINE_DAYS, UNIQUE_TOKENS, INFERENCE_TOKENS,
                                mfu=MFU, dollars_per_accelerator_hour=PRICE))


@functools.cache
def _other_plan() -> RunPlan:
    return _short_repr(plan_run(3e6, "A100", 90.0, None, 0.0))


# Expected values, computed at check time ------------------------------------------------------------------------

def _chinchilla_params() -> float:
    return float(LAW.unconstrained.compute_optimal(_budget_flops()).params)


def _epochs() -> float:
    return float(data_constrained_optimal(_budget_flops(), UNIQUE_TOKENS, LAW).epochs)


@functools.cache
def _planned_params() -> float:
    return allocate_compute(_budget_flops(), UNIQUE_TOKENS, INFERENCE_TOKENS, LAW).params


def _accelerators() -> float:
    hours = BUDGET_DOLLARS / PRICE
    return float(math.ceil(hours / (DEADLINE_DAYS * 24.0) - 1e-9))


def _memory_gb() -> float:
    return layout_memory(planned_shape(), layout(MEMORY_TP, MEMORY_STAGE), accelerator().memory_bytes).total / 1e9


def _smallest_tp() -> float:
    for tp in TENSOR_PARALLEL_DEGREES:
        if layout_memory(planned_shape(), layout(tp, SMALLEST_TP_STAGE), accelerator().memory_bytes).total \
                <= usable_memory_bytes():
            return float(tp)
    raise AssertionError("no tensor-parallel degree fits: the problem set's layout needs changing")


def _broken_conditions(plan: RunPlan) -> int:
    """How many of the six conditions of question capstone.plan_check ``plan`` breaks (0 for a
    consistent plan)."""
    def differs(value, reference):
        return abs(value - reference) > PLAN_TOLERANCE * abs(reference)

    peak = plan.accelerator.peak_flops_per_second
    memory = plan.memory
    return sum((
        differs(training_flops(plan.params, plan.tokens), plan.flops),
        differs(plan.flops / (plan.n_accelerators * peak * plan.mfu), plan.seconds),
        differs(plan.n_accelerators * plan.seconds / SECONDS_PER_HOUR, plan.accelerator_hours),
        differs(plan.accelerator_hours * plan.dollars_per_accelerator_hour, plan.cost_dollars),
        memory.total > (1.0 - plan.memory_headroom) * memory.capacity,
        plan.seconds / SECONDS_PER_DAY > plan.deadline_days,
    ))


def _tampered(**changes) -> RunPlan:
    return dataclasses.replace(project_plan(), **changes)


def _plans_public():
    plan = project_plan()
    return [(plan,), (_tampered(tokens=plan.tokens * 1.03),), (_tampered(seconds=plan.seconds * 1.05),)]


def _plans_hidden():
    plan = project_plan()
    m = plan.memory
    swollen = LayoutMemory(m.params, m.grads, m.optimizer, 2.0 * m.activations, m.capacity)
    return [(_other_plan(),), (_tampered(cost_dollars=plan.cost_dollars * 1.01),), (_tampered(memory=swollen),),
            (_tampered(deadline_days=0.8 * plan.deadline_days),), (_tampered(n_accelerators=2 * plan.n_accelerators),),
            (_tampered(mfu=0.5),), (_tampered(accelerator_hours=plan.accelerator_hours * 0.99),)]


FLOPS = number_question(
    "capstone.flops", points=2, kind="compute", title="FLOPs the budget buys",
    statement=f"""
        The project has {BUDGET_DOLLARS / 1e6:g} million dollars to spend on {ACCELERATOR}s
        (`capstone_problems.accelerator()`: peak dense bf16 FLOP/s in `.peak_flops_per_second`) at {PRICE:g}
        dollars per accelerator-hour, and the run is expected to reach a model FLOPs utilisation (MFU) of
        {MFU:g}. How many FLOPs of training compute does the budget buy? Give the number of FLOPs as `flops`.
    """,
    hint="""
        Money buys hours (budget / price); each hour is 3600 seconds of peak FLOP/s, of which the run uses MFU.
    """,
    expected=_budget_flops,
    tolerance=Tolerance(0.01, hidden=1e-6),   # a product of given numbers: exact in hidden
    sign="positive", what="the compute",
    public_hint="""
        Multiply the hours by 3600 (seconds per hour), by the peak FLOP/s and by the MFU (0.4, not 40): a run does
        not reach its chip's peak.
    """,
)

CHINCHILLA_PARAMS = number_question(
    "capstone.chinchilla_params", points=2, kind="compute",
    title="Chinchilla's model for those FLOPs",
    statement="""
        Start from the rule without data limit or inference: with the planner's law without a data limit
        (`capstone_problems.LAW.unconstrained`, a `ChinchillaLaw` with E, A, B, alpha, beta), compute the
        compute-optimal number of parameters for the FLOPs of question capstone.flops in closed form (Hoffmann
        et al. 2022, Eq. 4: N_opt = G·(C/6)^a with G = (alpha·A/(beta·B))^(1/(alpha+beta)) and a =
        beta/(alpha+beta)). Give a count of parameters as `chinchilla_params`.
    """,
    hint="""
        The closed form splits C/6 = N·D, not C: divide the FLOPs by 6 before raising them to the power a.
    """,
    expected=_chinchilla_params,
    tolerance=Tolerance(0.01, hidden=1e-4),   # a closed form: 1% in public, rounding in hidden
    sign="positive", what="the number of parameters",
    public_hint="""
        Use the planner's law (Muennighoff et al.'s constants, not Hoffmann et al.'s), C/6 inside the power, and a
        count such as 2e11, not 200.
    """,
)

EPOCHS = number_question(
    "capstone.epochs", points=2, kind="compute", title="Epochs under the data limit",
    statement=f"""
        The project has only {UNIQUE_TOKENS / 1e12:g}T unique tokens (`capstone_problems.UNIQUE_TOKENS`). Under
        the data-constrained law (`capstone_problems.LAW`), repeated tokens are worth less, so the best split of
        the same FLOPs changes. How many epochs over the unique data does the data-constrained optimum train for
        (`scalingedu.returns.data_constrained_optimal`, or your own search along the IsoFLOP curve)? Give it as
        `epochs`.
    """,
    hint="""
        Epochs = tokens of the optimum / unique tokens. The data-constrained optimum is not Chinchilla's split
        divided by the unique data: repetition moves the optimum to a smaller model trained on more tokens.
    """,
    expected=_epochs,
    # A numerical optimum: 2% lets one's own search along the IsoFLOP curve pass in public.
    tolerance=Tolerance(0.02, hidden=1e-3),
    sign="positive", what="the number of epochs",
    public_hint="""
        Re-optimise the split under the data-constrained law instead of dividing Chinchilla's tokens by the unique
        tokens.
    """,
)

PLANNED_PARAMS = number_question(
    "capstone.planned_params", points=3, kind="compute", title="The model the planner trains",
    statement=f"""
        The model will also serve {INFERENCE_TOKENS / 1e12:g}T tokens over its life
        (`capstone_problems.INFERENCE_TOKENS`), each costing 2·N FLOPs. The planner keeps the training FLOPs of
        question capstone.flops and picks the N at which the lifetime compute 6·N·D + 2·N·I is least for the
        loss reached, i.e. N·∂L/∂N = D·∂L/∂D·(1 + I/(3D)) with D = C/(6N), under the data-constrained law with
        the data limit of question capstone.epochs (`scalingedu.planning.allocate_compute` solves it). How many
        parameters does the planned model have (before rounding to a real shape)? Give it as `planned_params`.
    """,
    hint="""
        Pass the FLOPs, the unique tokens and the inference demand together: dropping the demand gives the
        data-constrained optimum, dropping the data limit a model a few per cent too small.
    """,
    expected=_planned_params,
    # The root of an equation: 2% in public rejects dropping the data limit (6.5% off).
    tolerance=Tolerance(0.02, hidden=1e-3),
    sign="positive", what="the number of parameters",
    public_hint="""
        Account for both the data limit and the inference demand, and give the ideal size, not the rounded shape's.
    """,
)

ACCELERATORS_NEEDED = number_question(
    "capstone.accelerators", points=2, kind="compute", title="Accelerators for the deadline",
    statement=f"""
        The run must finish within {DEADLINE_DAYS:g} days (`capstone_problems.DEADLINE_DAYS`), and the whole
        budget is spent on accelerator-hours. What is the smallest whole number of accelerators that spends them
        within the deadline? Give it as `accelerators`.
    """,
    hint="""
        Accelerator-hours = budget / price; divide by the hours of the deadline (days × 24) and round up.
    """,
    expected=_accelerators,
    # A whole number: within half an accelerator in public (rounding down fails), exact in hidden.
    tolerance=Tolerance(0.5, hidden=0.01, absolute=True),
    public_hint="Use hours (days × 24), and round up: rounding down misses the deadline.",
)

MEMORY_GB = number_question(
    "capstone.memory_gb", points=2, kind="compute", title="Memory per GPU of a layout",
    statement=f"""
        The planner rounds the model of question capstone.planned_params to a real shape,
        `capstone_problems.planned_shape()`. Train it on the layout `capstone_problems.layout(tp={MEMORY_TP},
        zero_stage={MEMORY_STAGE})` ({LAYOUT_GPUS:,} GPUs, tensor parallelism {MEMORY_TP}, no pipeline,
        ZeRO-{MEMORY_STAGE}, {LAYOUT_MICROBATCHES} micro-batches of one sequence, sequence parallelism,
        selective recomputation). How many GB (1 GB = 1e9 bytes) does one GPU hold: model states (weights,
        gradients, optimizer) plus activations? Give the number of GB as `memory_gb`.
    """,
    hint="""
        Model states: ZeRO on the parameters split tp ways (stage 1 shards only the optimizer state over the n/tp
        replicas); activations: 34·s·b·h/t per layer for every layer, for min(pp, m) micro-batches
        (`scalingedu.parallelism.layout_memory` adds both).
    """,
    expected=_memory_gb,
    tolerance=Tolerance(0.02, hidden=1e-4),   # formulas of a given shape: rounding only in hidden
    sign="positive", what="the memory",
    public_hint="""
        Add the activations to the model states, and give GB (1e9 bytes), not bytes or GiB.
    """,
)

SMALLEST_TP = number_question(
    "capstone.smallest_tp", points=2, kind="decide",
    title="The smallest tensor-parallel degree that fits",
    statement=f"""
        With ZeRO-{SMALLEST_TP_STAGE} (`capstone_problems.layout(tp, zero_stage={SMALLEST_TP_STAGE})`), what is
        the smallest tensor-parallel degree among {', '.join(map(str, TENSOR_PARALLEL_DEGREES))} for which one
        GPU's memory (model states plus activations) fits in the usable memory, the H100's memory less the
        planner's {MEMORY_HEADROOM:.0%} headroom (`capstone_problems.usable_memory_bytes()`)? Give it as
        `smallest_tp`.
    """,
    hint="""
        ZeRO-3 shards the model states almost to nothing; what remains is the activations, which only tensor (and
        sequence) parallelism divides. Compare the total with the usable memory, not the full 80 GB.
    """,
    expected=_smallest_tp,
    tolerance=Tolerance(0.01, hidden=0.01, absolute=True),   # one of four degrees: exact in both
    public_hint="Count the activations too: with ZeRO-3 they are most of the memory.",
)

PLAN_CHECK = function_question(
    "capstone.plan_check", points=3, kind="design", title="A consistency check for any plan",
    statement=f"""
        Write a function `broken_conditions(plan)` that takes a `RunPlan` (as `plan_run` returns) and returns
        how many of these six conditions it breaks (0 for a consistent plan): (1) 6·params·tokens equals flops;
        (2) seconds equals flops / (n_accelerators · accelerator.peak_flops_per_second · mfu); (3)
        accelerator_hours equals n_accelerators · seconds / 3600; (4) cost_dollars equals accelerator_hours ·
        dollars_per_accelerator_hour; (5) memory.total is at most (1 - memory_headroom) · memory.capacity; (6)
        the run's days (seconds / 86400) are at most deadline_days. \"Equals\" means within a relative
        {PLAN_TOLERANCE:g} of the field on the right.
    """,
    hint="""
        Compare each recomputed value with the stored field: abs(recomputed - stored) > 1e-6 · abs(stored) counts as
        broken. Sum the broken conditions as whole numbers (True counts as 1).
    """,
    reference=_broken_conditions, n_args=1,
    public_inputs=_plans_public, public_what="the project's plan and two altered copies",
    hidden_inputs=_plans_hidden, hidden_what="another plan and six more altered copies",
    rel=0, abs=1e-9,   # counts of broken conditions: whole numbers, compared exactly
)

PROBLEM_SET = ProblemSet(
    id="capstone",
    title="Capstone: plan a training run step by step and check it",
    questions=(FLOPS, CHINCHILLA_PARAMS, EPOCHS, PLANNED_PARAMS, ACCELERATORS_NEEDED, MEMORY_GB, SMALLEST_TP,
               PLAN_CHECK),
)
