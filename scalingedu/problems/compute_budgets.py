"""Problem set compute_budgets: parameters, FLOPs, PF-days, time, utilisation and energy of real runs, a choice
between clusters, and the MFU of a team's own runs (solutions/02_compute_budgets.ipynb).

Every expected value is computed at check time by the library (:mod:`scalingedu.transformer`,
:mod:`scalingedu.compute`) from the published figures in :mod:`scalingedu.data` or from the seeded, SIMULATED
runs of :func:`team_runs`; nothing is typed in. The choices of this problem set (which models, 1,024 H100s at
40% MFU, the cluster offers and their prices, the simulated runs, the inputs of the function question) are not
published numbers.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._text import prose
from ..compute import (
    DEFAULT_PUE,
    board_power_watts,
    energy_kwh,
    implied_mfu,
    pf_days,
    training_days,
    training_flops,
    training_time,
)
from ..data import accelerator, model
from ..grading import ProblemSet, Tolerance, choice_question, function_question, number_question
from ..grading.factories import Criterion, rubric_question
from ..grading.learner import learner_seed
from ..transformer import count_params, palm_flops_per_token, preset

SHAPE_MODEL = "Llama 3 8B"
SHAPE = preset(SHAPE_MODEL)
"""The shape of question compute_budgets.params (from scalingedu.data.ARCHITECTURES)."""
RUN_MODEL = "Chinchilla"
"""The run of questions compute_budgets.pf_days and compute_budgets.days."""
CHIP = "H100"
N_ACCELERATORS = 1024
MFU = 0.4
"""The cluster of question compute_budgets.days: 1,024 H100s at 40% MFU (a choice of this problem
set)."""
MFU_MODEL = "Llama 2 70B"
"""The published run of question compute_budgets.implied_mfu."""
ENERGY_MODEL = "Llama 3 70B"
"""The published run of question compute_budgets.energy."""


class Offer(NamedTuple):
    """A cluster offered for a run: ``n_accelerators`` chips of type ``chip`` at model FLOPs utilisation ``mfu``,
    rented at ``dollars_per_hour`` per accelerator-hour."""

    chip: str
    n_accelerators: int
    mfu: float
    dollars_per_hour: float


DEADLINE_DAYS = 21.0
"""The deadline of question compute_budgets.cluster_choice (a choice of this problem set)."""
OFFERS = {
    "a": Offer("A100", 2048, 0.50, 1.20),
    "b": Offer("H100", 1024, 0.40, 2.50),
    "c": Offer("H100", 2048, 0.35, 2.50),
    "d": Offer("H200", 512, 0.50, 2.60),
}
"""The cluster offers of question compute_budgets.cluster_choice: quoted rental prices and the MFU each provider
says its cluster sustains. Choices of this problem set, not market data."""

SEED_RUNS = 2024
RUNS_CHIP = "H100"
RUNS_NOISE = 0.03
"""Run-to-run scatter of the MFU of :func:`team_runs`: about 3%."""
RUNS_RAMP_PARAMS = 3e8
"""The size at which a run of :func:`team_runs` reaches half of the team's MFU: its utilisation is the team's
times 1 / (1 + (ramp/N)^2) (53% of it at 3.2e8 parameters, 96% at 1.4e9, 98.4% at 2.3e9)."""
_RUNS_AT_SCALE = 0.98
"""A run of :func:`team_runs` reaches the team's MFU when the ramp factor above is at least 0.98."""
GPUS_PER_NODE = 8
"""The mislabelled run of :func:`team_runs` logged node-hours (8 GPUs each) instead of GPU-hours."""


class Runs(NamedTuple):
    """A team's training runs: ``params``, ``tokens`` and the ``gpu_hours`` logged for each (arrays)."""

    params: np.ndarray
    tokens: np.ndarray
    gpu_hours: np.ndarray


def _team_runs() -> tuple[Runs, np.ndarray]:
    """The runs and the mask of those that tell the MFU of a large run (at scale and correctly logged)."""
    rng = np.random.default_rng(learner_seed(SEED_RUNS))
    team_mfu = rng.uniform(0.35, 0.50)
    params = np.geomspace(1.25e8, 7e10, 14)
    tokens = np.round(20.0 * params * np.exp(rng.normal(0.0, 0.3, params.size)), -6)
    ramp = 1.0 / (1.0 + (RUNS_RAMP_PARAMS / params) ** 2)
    mfu = team_mfu * ramp * np.exp(rng.normal(0.0, RUNS_NOISE, params.size))
    gpu_hours = training_flops(params, tokens) / (accelerator(RUNS_CHIP).peak_flops_per_second * 3600.0 * mfu)
    at_scale = ramp >= _RUNS_AT_SCALE
    # one run well inside the plateau logged node-hours instead of GPU-hours
    mislabelled = int(np.argmax(at_scale)) + 2 + int(rng.integers(0, int(at_scale.sum()) - 2))
    gpu_hours[mislabelled] /= GPUS_PER_NODE
    at_scale[mislabelled] = False
    return Runs(params, tokens, np.round(gpu_hours)), at_scale


def team_runs() -> Runs:
    """Fourteen SIMULATED training runs of one team on H100s, 1.25e8 to 7e10 parameters, with the GPU-hours logged
    for each (seed 2024, or the learner's own when one is set: :mod:`scalingedu.grading.learner`).

    The team's MFU at scale is drawn between 0.35 and 0.50; each run's MFU is that times 1 / (1 + (3e8/N)^2)
    (small models do not keep the GPU busy) times exp(noise), noise ~ Normal(0, 0.03); hours = 6ND / (peak ·
    3600 · MFU). One run at scale logged node-hours (8 GPUs) instead of GPU-hours. Every call returns the same
    values, in new arrays.
    """
    return _team_runs()[0]


def _shape_text() -> str:
    s = SHAPE
    return prose(f"""
        {s.n_layers} layers, $d_{{model}}$ = {s.d_model:,}, {s.n_heads} query heads of width {s.d_head} sharing
        {s.n_kv_heads} key/value heads (grouped-query attention), a SwiGLU MLP of width $d_{{ff}}$ = {s.d_ff:,}
        (three $d_{{model}} \\times d_{{ff}}$ matrices), a vocabulary of {s.vocab_size:,} tokens with separate
        (untied) input embedding and output layer, rotary positions (no position parameters), no biases, and RMSNorm
        (one gain vector of size $d_{{model}}$) before the attention and the MLP of every layer and once at the end
    """)


def _run(name: str):
    record = model(name)
    return record.active_params or record.params, record.tokens


# Expected values, computed at check time -------------------------------------------------------------------------

def _params() -> float:
    return float(count_params(SHAPE).total)


def _pf_days() -> float:
    return pf_days(training_flops(*_run(RUN_MODEL)))


def _days() -> float:
    return training_days(training_flops(*_run(RUN_MODEL)), CHIP, N_ACCELERATORS, MFU)


def _implied_mfu() -> float:
    record = model(MFU_MODEL)
    return implied_mfu(training_flops(record.params, record.tokens), record.accelerator, record.gpu_hours)


def _energy_mwh() -> float:
    record = model(ENERGY_MODEL)
    return energy_kwh(record.gpu_hours, board_power_watts(record.accelerator), DEFAULT_PUE) / 1000.0


def _offer_run(offer: Offer):
    return training_time(training_flops(*_run(RUN_MODEL)), offer.chip, offer.n_accelerators, offer.mfu,
                         offer.dollars_per_hour)


def _cheapest_in_time() -> str:
    in_time = {key: _offer_run(offer) for key, offer in OFFERS.items()
               if _offer_run(offer).days <= DEADLINE_DAYS}
    return min(in_time, key=lambda key: in_time[key].cost_dollars) if in_time else "e"


def _team_mfu() -> float:
    runs, at_scale = _team_runs()
    each = implied_mfu(training_flops(runs.params, runs.tokens), RUNS_CHIP, runs.gpu_hours)
    return float(np.mean(each[at_scale]))


def _public_flops_inputs() -> list[tuple]:
    s = preset("GPT-3 175B")
    return [(model("GPT-3 175B").params, s.n_layers, s.n_heads, s.d_head, s.context)]


def _hidden_flops_inputs() -> list[tuple]:
    s = preset("Llama 3 8B")
    return [
        (8.0e9, s.n_layers, s.n_heads, s.d_head, s.context),
        (1.0e6, 4, 4, 16, 256),                                                  # a tiny model
        (7.0e9, 32, 32, 128, np.array([512.0, 2048.0, 8192.0, 32768.0])),       # several contexts at once
    ]


PARAMS = number_question(
    "compute_budgets.params", points=2, kind="compute", title="Count Llama 3 8B",
    statement=f"""
        {SHAPE_MODEL} (`compute_budgets.SHAPE`) has {_shape_text()}. Count its parameters exactly and give the
        total (a count, such as `8.1e9`) as `n_params`.
    """,
    hint="""
        Go through one layer matrix by matrix (attention's four projections are not all the same width here, and the
        MLP has three matrices), add the gains, multiply by the layers, then add what sits outside the layers.
        Kaplan's 12·L·d_model² is only a first guess.
    """,
    expected=_params,
    # An exact count: 2% forgives the norm gains but not the embeddings (an eighth of the model);
    # the hidden check wants every parameter.
    tolerance=Tolerance(0.02, hidden=1e-6),
    sign="positive", what="the number of parameters",
    public_hint=f"""
        Count the embeddings: with a {SHAPE.vocab_size:,}-token vocabulary and untied input and output layers they
        are about an eighth of the model. Key and value projections are smaller than the query's.
    """,
    hidden_hint="An exact count includes the RMSNorm gains (two per layer and a final one).",
)

PF_DAYS = number_question(
    "compute_budgets.pf_days", points=1, kind="compute", title="Chinchilla's compute",
    statement=f"""
        {RUN_MODEL} has {model(RUN_MODEL).params / 1e9:g}B parameters and was trained on
        {model(RUN_MODEL).tokens / 1e12:g}T tokens. With $C \\approx 6ND$, how much compute did its training
        take, in petaflop/s-days? Give it as `chinchilla_pf_days`.
    """,
    hint="""
        One PF-day is 10^15 FLOP/s for 86,400 seconds: 8.64e19 FLOPs (scalingedu.data.PF_DAY_FLOPS).
    """,
    expected=_pf_days,
    public_hint="Compute 6·N·D in FLOPs first, then divide by the FLOPs in one PF-day.",
)

DAYS = number_question(
    "compute_budgets.days", points=1, kind="compute", title="How long on 1,024 H100s?",
    statement=f"""
        How many days would that training take on {N_ACCELERATORS:,} {CHIP}s (`compute_budgets.N_ACCELERATORS`,
        `compute_budgets.CHIP`) running at an MFU of {MFU:g} (`compute_budgets.MFU`)? Use the chip's dense bf16
        peak from `scalingedu.data.accelerator`, and give wall-clock days as `chinchilla_days`.
    """,
    hint=f"""
        First find the FLOP/s the whole cluster sustains (lesson 02 §4: the peak is never reached, MFU says how
        much of it is). The {CHIP}'s dense bf16 peak is {accelerator(CHIP).peak_flops_per_second:.3g} FLOP/s.
    """,
    expected=_days,
    sign="positive", what="the number of days",
    public_hint="""
        Did you use the dense peak (not NVIDIA's 'with sparsity' figure) and divide by 86,400 s/day?
    """,
)

IMPLIED_MFU = number_question(
    "compute_budgets.implied_mfu", points=1, kind="compute", title="Llama 2 70B's utilisation",
    statement=f"""
        Meta's model card reports {model(MFU_MODEL).gpu_hours:,.0f} {model(MFU_MODEL).accelerator}-80GB
        GPU-hours for {MFU_MODEL} ({model(MFU_MODEL).params / 1e9:g}B parameters,
        {model(MFU_MODEL).tokens / 1e12:g}T tokens). What model FLOPs utilisation does that imply, counting 6ND
        FLOPs against the A100's {accelerator(model(MFU_MODEL).accelerator).peak_flops_per_second / 1e12:g}
        TFLOP/s bf16 peak? Give a fraction between 0 and 1 as `llama2_mfu`.
    """,
    hint="""
        MFU compares the FLOPs the run did with the FLOPs its GPUs could have done in the hours it took at peak.
    """,
    expected=_implied_mfu,
    public_hint="""
        Give a fraction such as 0.5, not a percentage; convert hours to seconds before dividing.
    """,
)

ENERGY = number_question(
    "compute_budgets.energy", points=1, kind="compute", title="Llama 3 70B's electricity",
    statement=f"""
        {ENERGY_MODEL} took {model(ENERGY_MODEL).gpu_hours / 1e6:g} million H100-80GB GPU-hours (model card).
        Estimate the electricity of those hours in megawatt-hours, assuming each GPU draws its full board power
        (`compute.board_power_watts(\"H100\")`) and a data-centre PUE of {DEFAULT_PUE:g}
        (`compute.DEFAULT_PUE`). Give it as `llama3_mwh`.
    """,
    hint="""
        Power times time is energy: mind the units (W × h is Wh). The PUE scales the GPUs' energy up to the
        whole data centre's.
    """,
    expected=_energy_mwh,
    sign="positive", what="the energy",
    public_hint="""
        Check the units: watts × hours gives watt-hours; divide by 10^6 for MWh. Multiply by the PUE.
    """,
)

FLOPS_PER_TOKEN = function_question(
    "compute_budgets.flops_per_token", points=3, kind="derive",
    title="PaLM's formula as a function",
    statement="""
        Write a function `training_flops_per_token(params, n_layers, n_heads, d_head, context)` that returns the
        training FLOPs per token of a dense transformer as PaLM counts them (appendix B), with $N$ = `params`,
        $L$ layers, $H$ heads of width $Q$ and a context of $T$ tokens. Derive it: the products with weight
        matrices cost $6N$, as in lesson 02 §1. Attention adds two products that have no weights: in every layer
        and head, a token's query is compared with the $T$ keys (scores), and the scores weight the $T$ values. PaLM
        counts every position of the context for each token (no saving from the causal mask), 2 FLOPs per
        multiply-add, and a backward pass that costs twice the forward one. The function should also work when
        `context` is a NumPy array. Write it yourself: a function that calls the library's
        `palm_flops_per_token` earns no points.
    """,
    hint="""
        Count one token's forward pass in one layer and one head first: how many multiply-adds does comparing a
        query of width Q with T keys take, and how many does weighting T values of width Q? Then scale by heads,
        layers and the backward pass, exactly as 6N is built from 2N.
    """,
    reference=palm_flops_per_token, n_args=5, forbidden=(palm_flops_per_token,),
    public_inputs=_public_flops_inputs, public_what="GPT-3 175B's shape",
    hidden_inputs=_hidden_flops_inputs, hidden_what="other shapes",
    rel=1e-9,   # products of whole numbers: nothing is fitted, only float rounding may differ
)

def _offer_text(offer: Offer) -> str:
    return (f"{offer.n_accelerators:,} {offer.chip}s at an MFU of {offer.mfu:.2f}, "
            f"${offer.dollars_per_hour:.2f} per GPU-hour")


CLUSTER_CHOICE = choice_question(
    "compute_budgets.cluster_choice", points=3, kind="decide", title="Which cluster?",
    statement=f"""
        Your lab wants to train a model the size of {RUN_MODEL} on as many tokens ({model(RUN_MODEL).params / 1e9:g}B
        parameters, {model(RUN_MODEL).tokens / 1e12:g}T tokens, $C \\approx 6ND$) and must have it within
        {DEADLINE_DAYS:g} days (`compute_budgets.DEADLINE_DAYS`). Four providers quote the clusters below
        (`compute_budgets.OFFERS`: chip, number of chips, the MFU the provider says its cluster sustains on such a
        run, and the price per GPU-hour; prices are this problem set's, not market data). Which offer finishes
        within the deadline at the lowest cost? Give the letter as `cluster_choice`.
    """,
    options={**{key: _offer_text(offer) for key, offer in OFFERS.items()},
             "e": "none of them finishes within the deadline"},
    answer=_cheapest_in_time,
    hint="""
        Work out two numbers per offer, the days and the dollars; the cheapest price per hour is not the cheapest
        run, and the fastest cluster is not the cheapest either. Chips differ in their peak FLOP/s
        (scalingedu.data.accelerator).
    """,
)

TEAM_MFU = number_question(
    "compute_budgets.team_mfu", points=4, kind="fit", title="Your team's MFU",
    statement=f"""
        `compute_budgets.team_runs()` returns fourteen SIMULATED training runs of one team on {RUNS_CHIP}s: the
        parameters, the tokens and the GPU-hours logged for each. The team now plans a much larger run and asks
        what MFU to plan with. Compute each run's MFU ($C \\approx 6ND$ against the {RUNS_CHIP}'s dense peak), look
        at how it changes with the model size, leave out the runs that do not tell you about a large run (too
        small to keep the GPUs busy) or that cannot be right, and give the mean MFU of the runs you keep (a fraction)
        as `team_mfu`.
    """,
    hint="""
        Print the runs' MFUs in order of size: they should rise, then level off at the team's MFU. A run whose MFU
        is impossible was logged wrongly; a run still on the rise is not at scale.
    """,
    expected=_team_mfu,
    # Where the plateau starts is the learner's judgement: one run more or fewer moves the mean by about 1%, and
    # a FLOPs-weighted mean or a median of the runs at scale by up to 2.5%; keeping the small runs is 16% off, the
    # mislabelled run far more. So 6% in public and 2.5% hidden.
    tolerance=Tolerance(0.06, hidden=0.025),
    sign="positive", what="the MFU",
    public_hint="""
        Did you leave out the run whose MFU is above 1 (its hours were logged per node of 8 GPUs) and the runs of
        small models, which had not reached the plateau? Give a fraction, not a percentage.
    """,
    hidden_hint="Keep every run on the plateau, from where the MFU stops rising, and nothing else.",
)

MFU_PLAN = rubric_question(
    "compute_budgets.mfu_plan", points=3, kind="decide", title="Plan with which MFU?",
    statement="""
        The team will plan a run ten times larger than any in `team_runs()` with the MFU you found. In a few
        sentences, as `mfu_plan`: which runs did you leave out and how did each show itself; why do small models
        reach a lower MFU; and why might the big run still fall short of your figure, and what would you do about
        it in the plan?
    """,
    hint="""
        Lesson 02 §4 defines MFU. Think about what keeps a GPU's arithmetic units busy (large matrix products) and
        what else a run of thousands of GPUs spends its time on.
    """,
    criteria=(
        Criterion("names the runs left out and the evidence: the mislabelled run (an MFU above 1 is impossible; its "
                  "hours look like node-hours) and the small runs (their MFU still rising with size)", 1),
        Criterion("explains the low MFU of small models: small matrix products do too little arithmetic per byte "
                  "moved (memory bandwidth, kernel launches and other fixed overheads dominate), so the GPU idles", 1),
        Criterion("gives a reason the larger run may fall short (more GPUs: more communication, pipeline bubbles, "
                  "failures and restarts; activation recomputation not counted in MFU) and a response: a margin in "
                  "the plan, or a short test run at full scale before committing", 1),
    ),
    model_answer="""
        I left out the five smallest runs and the run whose MFU came out at 3.6. An MFU above 1 is impossible: that
        run's hours are eight times too few, which is what logging node-hours of 8 GPUs instead of GPU-hours does.
        The small runs' MFU rises from under 0.1 to about 0.4 as the model grows and only levels off from about
        1.4e9 parameters, so they tell how small models run, not how a large one will. Small models have small
        matrices: each product does little arithmetic for the bytes it moves, so memory bandwidth, kernel launches
        and other fixed costs take a large share of the time and the tensor cores wait. A run ten times larger
        spreads over many more GPUs, so it spends more time communicating and in pipeline bubbles, and it meets
        more failures and restarts; none of that is in our table. I would plan with a margin, say 10% below the
        measured figure, and confirm it with a short run at full scale before committing the budget.
    """,
)

PROBLEM_SET = ProblemSet(
    id="compute_budgets",
    title="Compute budgets: parameters, FLOPs, time, utilisation and energy",
    questions=(PARAMS, PF_DAYS, DAYS, CLUSTER_CHOICE, IMPLIED_MFU, TEAM_MFU, MFU_PLAN, ENERGY, FLOPS_PER_TOKEN),
)
