"""Problem set compute_budgets: parameters, FLOPs, PF-days, time, utilisation and energy of real
runs (solutions/02_compute_budgets.ipynb).

Every expected value is computed at check time by the library (:mod:`scalingedu.transformer`,
:mod:`scalingedu.compute`) from the published figures in :mod:`scalingedu.data`; nothing is typed in. The choices
of this problem set (which models, 1,024 H100s at 40% MFU, the inputs of the function question) are not
published numbers.
"""
from __future__ import annotations

import numpy as np

from .._text import prose
from ..compute import DEFAULT_PUE, board_power_watts, energy_kwh, implied_mfu, pf_days, training_days, training_flops
from ..data import accelerator, model
from ..grading import ProblemSet, Tolerance, function_question, number_question
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
    "compute_budgets.params", points=3, kind="compute", title="Count Llama 3 8B",
    statement=f"""
        {SHAPE_MODEL} (`compute_budgets.SHAPE`) has {_shape_text()}. Count its parameters exactly and give the
        total (a count, such as `8.1e9`) as `n_params`.
    """,
    hint="""
        Per layer: Q and output projections d_model × (heads·d_head); K and V d_model × (kv_heads·d_head); three
        d_model × d_ff matrices; two gains. Then the input embedding and the output layer, vocab × d_model each, and
        the final gain. Kaplan's 12·L·d_model² leaves the embeddings out.
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
    "compute_budgets.pf_days", points=2, kind="compute", title="Chinchilla's compute",
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
    "compute_budgets.days", points=2, kind="compute", title="How long on 1,024 H100s?",
    statement=f"""
        How many days would that training take on {N_ACCELERATORS:,} {CHIP}s (`compute_budgets.N_ACCELERATORS`,
        `compute_budgets.CHIP`) running at an MFU of {MFU:g} (`compute_budgets.MFU`)? Use the chip's dense bf16
        peak from `scalingedu.data.accelerator`, and give wall-clock days as `chinchilla_days`.
    """,
    hint=f"""
        days = FLOPs / (chips × peak FLOP/s × MFU) / 86,400. The {CHIP}'s dense bf16 peak is
        {accelerator(CHIP).peak_flops_per_second:.3g} FLOP/s.
    """,
    expected=_days,
    sign="positive", what="the number of days",
    public_hint="""
        Did you use the dense peak (not NVIDIA's 'with sparsity' figure) and divide by 86,400 s/day?
    """,
)

IMPLIED_MFU = number_question(
    "compute_budgets.implied_mfu", points=2, kind="compute", title="Llama 2 70B's utilisation",
    statement=f"""
        Meta's model card reports {model(MFU_MODEL).gpu_hours:,.0f} {model(MFU_MODEL).accelerator}-80GB
        GPU-hours for {MFU_MODEL} ({model(MFU_MODEL).params / 1e9:g}B parameters,
        {model(MFU_MODEL).tokens / 1e12:g}T tokens). What model FLOPs utilisation does that imply, counting 6ND
        FLOPs against the A100's {accelerator(model(MFU_MODEL).accelerator).peak_flops_per_second / 1e12:g}
        TFLOP/s bf16 peak? Give a fraction between 0 and 1 as `llama2_mfu`.
    """,
    hint="MFU = 6ND / (GPU-hours × 3600 s × peak FLOP/s).",
    expected=_implied_mfu,
    public_hint="""
        Give a fraction such as 0.5, not a percentage; convert hours to seconds before dividing.
    """,
)

ENERGY = number_question(
    "compute_budgets.energy", points=2, kind="compute", title="Llama 3 70B's electricity",
    statement=f"""
        {ENERGY_MODEL} took {model(ENERGY_MODEL).gpu_hours / 1e6:g} million H100-80GB GPU-hours (model card).
        Estimate the electricity of those hours in megawatt-hours, assuming each GPU draws its full board power
        (`compute.board_power_watts(\"H100\")`) and a data-centre PUE of {DEFAULT_PUE:g}
        (`compute.DEFAULT_PUE`). Give it as `llama3_mwh`.
    """,
    hint="energy (kWh) = hours × watts / 1000 × PUE; 1 MWh = 1000 kWh.",
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
        training FLOPs per token of a dense transformer as PaLM counts them: $6N + 12\\,L\\,H\\,Q\\,T$, with $N$
        the parameters, $L$ the layers, $H$ the heads, $Q$ the head width and $T$ the context. It should also
        work when `context` is a NumPy array. Write the formula yourself: a function that calls the library's
        `palm_flops_per_token` earns no points.
    """,
    hint="""
        6 FLOPs per parameter per token (2 forward, 4 backward) plus 12 per layer, head, head dimension and context
        position.
    """,
    reference=palm_flops_per_token, n_args=5, forbidden=(palm_flops_per_token,),
    public_inputs=_public_flops_inputs, public_what="GPT-3 175B's shape",
    hidden_inputs=_hidden_flops_inputs, hidden_what="other shapes",
    rel=1e-9,   # products of whole numbers: nothing is fitted, only float rounding may differ
)

PROBLEM_SET = ProblemSet(
    id="compute_budgets",
    title="Compute budgets: parameters, FLOPs, time, utilisation and energy",
    questions=(PARAMS, PF_DAYS, DAYS, IMPLIED_MFU, ENERGY, FLOPS_PER_TOKEN),
)
