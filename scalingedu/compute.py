"""Training compute: FLOPs, PF-days, and the time and cost of a run on real accelerators.

The central approximation is C ≈ 6·N·D FLOPs to train a dense transformer with N parameters on D tokens
(Kaplan et al. 2020, §2.1; GPT-3 paper, Table D.1; Hoffmann et al. 2022, App. F):

- forward pass: about 2 FLOPs per parameter per token (one multiply and one add for each weight);
- backward pass: about twice the forward, 4 FLOPs per parameter per token (gradients with respect to the
  activations and with respect to the weights, each a matrix product the size of the forward one).

It leaves out the attention-score term (12·layers·d_model·context per token, small when d_model > context/12) and
embeddings; Hoffmann et al. (App. F, Table A4) find exact counts within about 10% of 6ND.
:mod:`scalingedu.transformer` counts both exactly from a model's shape.

From FLOPs to a run (lesson 02): :func:`mfu` (PaLM's model FLOPs utilisation) and its inverse
:func:`throughput_tokens_per_second`; :func:`accelerator_hours` and its inverse :func:`implied_mfu`;
:func:`training_days` on n accelerators; :func:`cost_dollars`; :func:`energy_kwh` (board power × hours × PUE, with
its assumptions); :func:`run_budget`, all of it for one run; and :func:`published_run_utilisation`, the MFU that
published accelerator-hours imply.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as v
from .data import (
    ACCELERATOR_BOARD_POWER_WATTS,
    ACCELERATORS,
    DEEPSEEK_V3_PRETRAINING_GPU_HOURS,
    MODELS,
    PF_DAY_FLOPS,
    Accelerator,
    accelerator,
)

FORWARD_FLOPS_PER_PARAM_TOKEN = 2.0
BACKWARD_FLOPS_PER_PARAM_TOKEN = 4.0
FLOPS_PER_PARAM_TOKEN = FORWARD_FLOPS_PER_PARAM_TOKEN + BACKWARD_FLOPS_PER_PARAM_TOKEN
"""Training FLOPs per parameter per token: 2 forward + 4 backward = 6, the 6 of C = 6·N·D."""
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0


def forward_flops(params, tokens):
    """FLOPs of the forward pass alone: 2·N·D (one multiply-add per parameter per token)."""
    n = v.positive("params", params)
    d = v.positive("tokens", tokens)
    return v.scalar_or_array(FORWARD_FLOPS_PER_PARAM_TOKEN * _broadcast("params", n, "tokens", d), params, tokens)


def training_flops(params, tokens):
    """FLOPs to train a dense model with ``params`` parameters on ``tokens`` tokens: 6·N·D.

    2·N·D for the forward pass plus 4·N·D for the backward pass (see the module docstring). For GPT-3 175B,
    ``training_flops(174.6e9, 300e9)`` gives 3.14e23, the figure in the GPT-3 paper's Table D.1.
    """
    n = v.positive("params", params)
    d = v.positive("tokens", tokens)
    total = FLOPS_PER_PARAM_TOKEN * _broadcast("params", n, "tokens", d)
    return v.scalar_or_array(total, params, tokens)


def pf_days(flops):
    """Convert FLOPs to petaflop/s-days: one PF-day is 1e15 FLOP/s for a day, 8.64e19 FLOPs (Kaplan §1.3)."""
    c = v.positive("flops", flops)
    return v.scalar_or_array(c / PF_DAY_FLOPS, flops)


def flops_from_pf_days(pf_days_value):
    """Convert petaflop/s-days back to FLOPs."""
    p = v.positive("pf_days_value", pf_days_value)
    return v.scalar_or_array(p * PF_DAY_FLOPS, pf_days_value)


@dataclass(frozen=True)
class TrainingRun:
    """What a training run costs on a cluster: wall-clock time, accelerator-hours and money."""

    flops: float
    accelerator: str
    n_accelerators: int
    mfu: float
    seconds: float
    accelerator_hours: float
    cost_dollars: float

    @property
    def days(self) -> float:
        return self.seconds / SECONDS_PER_DAY


def _resolve_accelerator(chip) -> Accelerator:
    if isinstance(chip, Accelerator):
        return chip
    if not isinstance(chip, str):
        raise TypeError(f"chip must be an Accelerator or the name of one ({', '.join(ACCELERATORS)}), "
                        f"not {type(chip).__name__}")
    try:
        return accelerator(chip)
    except ValueError as error:
        raise ValueError(f"chip: {error}") from None


def training_time(flops, chip: str | Accelerator, n_accelerators: int, mfu: float = 0.4,
                  dollars_per_accelerator_hour: float = 2.0) -> TrainingRun:
    """Time and cost of spending ``flops`` on ``n_accelerators`` chips running at model FLOPs utilisation ``mfu``.

    seconds = flops / (n_accelerators · peak_flops_per_second · mfu). MFU (PaLM, Chowdhery et al. 2022) is the
    achieved model FLOP/s over the hardware peak; large dense runs report roughly 0.3 to 0.55 (PaLM 540B: 0.462).
    The default price, $2 per accelerator-hour, is the rental assumption of the DeepSeek-V3 report for H800s;
    prices vary widely, so pass your own.
    """
    c = v.single_number("flops", v.positive("flops", flops))
    chip_spec = _resolve_accelerator(chip)
    count = v.positive_int("n_accelerators", n_accelerators, minimum=1)
    utilisation = v.single_number("mfu", v.in_range("mfu", mfu, 0.0, 1.0, low_open=True))
    price = v.single_number("dollars_per_accelerator_hour",
                            v.positive("dollars_per_accelerator_hour", dollars_per_accelerator_hour, allow_zero=True))
    seconds = c / (count * chip_spec.peak_flops_per_second * utilisation)
    hours = seconds / SECONDS_PER_HOUR * count
    return TrainingRun(c, chip_spec.name, count, utilisation, seconds, hours, hours * price)


def implied_mfu(flops, chip: str | Accelerator, accelerator_hours) -> float:
    """The utilisation implied by a published run: flops / (accelerator_hours · 3600 · peak FLOP/s)."""
    c = v.positive("flops", flops)
    hours = v.positive("accelerator_hours", accelerator_hours)
    chip_spec = _resolve_accelerator(chip)
    flops_per_hour = _broadcast("flops", c, "accelerator_hours", hours, np.divide)
    mfu = flops_per_hour / (SECONDS_PER_HOUR * chip_spec.peak_flops_per_second)
    return v.scalar_or_array(mfu, flops, accelerator_hours)


def _broadcast(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray, operation=np.multiply) -> np.ndarray:
    try:
        return operation(a, b)
    except ValueError:
        raise ValueError(f"{name_a} (shape {a.shape}) and {name_b} (shape {b.shape}) cannot be combined: "
                         f"give arrays of the same shape, or a scalar for one of them") from None


# ----------------------------------------------------------------------------------------------------------------
# Utilisation, accelerator-hours, cost and energy (lesson 02)
# ----------------------------------------------------------------------------------------------------------------

DEFAULT_PUE = 1.2
"""Power usage effectiveness assumed by :func:`energy_kwh`: facility energy / IT energy. An assumption of this
course, not a published figure: efficient hyperscale data centres report values near 1.1, older facilities
noticeably more; pass the value that fits the data centre you have in mind."""

WATTS_PER_KILOWATT = 1000.0


def _chip_peak(chip) -> float:
    return _resolve_accelerator(chip).peak_flops_per_second


def mfu(tokens_per_second, flops_per_token, n_accelerators: int, chip: str | Accelerator):
    """Model FLOPs utilisation (PaLM, Chowdhery et al. 2022): achieved model FLOP/s over the cluster's peak.

    ``tokens_per_second`` is the throughput of the whole cluster of ``n_accelerators`` chips; ``flops_per_token``
    the model's training FLOPs per token (6N, or 6N + 12·L·H·Q·T from
    :func:`scalingedu.transformer.flops_per_token`). MFU = tokens_per_second · flops_per_token /
    (n_accelerators · peak FLOP/s). Only the model's own FLOPs count: recomputed activations do not (that is HFU).
    A result above 1 means the inputs are inconsistent (a throughput per chip given as the cluster's, say).
    Vectorised in ``tokens_per_second`` and ``flops_per_token``.
    """
    rate = v.positive("tokens_per_second", tokens_per_second)
    per_token = v.positive("flops_per_token", flops_per_token)
    count = v.positive_int("n_accelerators", n_accelerators)
    achieved = _broadcast("tokens_per_second", rate, "flops_per_token", per_token)
    return v.scalar_or_array(achieved / (count * _chip_peak(chip)), tokens_per_second, flops_per_token)


def throughput_tokens_per_second(mfu_value, flops_per_token, n_accelerators: int, chip: str | Accelerator):
    """The cluster's training throughput (tokens/s) at a given MFU: the inverse of :func:`mfu`."""
    utilisation = v.in_range("mfu_value", mfu_value, 0.0, 1.0, low_open=True)
    per_token = v.positive("flops_per_token", flops_per_token)
    count = v.positive_int("n_accelerators", n_accelerators)
    peak = count * _chip_peak(chip)
    rate = _broadcast("mfu_value", utilisation, "flops_per_token", per_token, lambda a, b: a * peak / b)
    return v.scalar_or_array(rate, mfu_value, flops_per_token)


def accelerator_hours(flops, chip: str | Accelerator, mfu_value=0.4):
    """Accelerator-hours to spend ``flops`` at MFU ``mfu_value``: flops / (peak FLOP/s · mfu · 3600).

    The count of chips does not enter: 1,000 chips for a day and 24,000 chips for an hour are the same 24,000
    accelerator-hours. It is the inverse of :func:`implied_mfu` (given the hours, the MFU). Vectorised.
    """
    c = v.positive("flops", flops)
    utilisation = v.in_range("mfu_value", mfu_value, 0.0, 1.0, low_open=True)
    rate = _broadcast("flops", c, "mfu_value", utilisation, lambda a, b: a / b)
    return v.scalar_or_array(rate / (_chip_peak(chip) * SECONDS_PER_HOUR), flops, mfu_value)


def training_days(flops, chip: str | Accelerator, n_accelerators: int, mfu_value=0.4):
    """Wall-clock days to spend ``flops`` on ``n_accelerators`` chips at MFU ``mfu_value`` (no restarts, no
    stragglers: real runs also lose time to failures and evaluation). Vectorised in ``flops`` and ``mfu_value``."""
    hours = accelerator_hours(flops, chip, mfu_value)
    count = v.positive_int("n_accelerators", n_accelerators)
    return v.scalar_or_array(np.asarray(hours) / count / 24.0, flops, mfu_value)


def cost_dollars(accelerator_hours_value, dollars_per_accelerator_hour=2.0):
    """Cost of a run: accelerator-hours × price per accelerator-hour (default $2, DeepSeek-V3's rental assumption
    for H800s). Prices vary several-fold between buyers, clouds and years; pass your own. Vectorised."""
    hours = v.positive("accelerator_hours_value", accelerator_hours_value, allow_zero=True)
    price = v.positive("dollars_per_accelerator_hour", dollars_per_accelerator_hour, allow_zero=True)
    total = _broadcast("accelerator_hours_value", hours, "dollars_per_accelerator_hour", price)
    return v.scalar_or_array(total, accelerator_hours_value, dollars_per_accelerator_hour)


def board_power_watts(chip: str | Accelerator) -> float:
    """Board power (TDP) of an accelerator in watts, from :data:`scalingedu.data.ACCELERATOR_BOARD_POWER_WATTS`.

    Raises ValueError for chips without a checked figure (the TPUs): pass ``watts_per_accelerator`` yourself.
    """
    spec = _resolve_accelerator(chip)
    for key, value in ACCELERATORS.items():
        if value is spec and key in ACCELERATOR_BOARD_POWER_WATTS:
            return ACCELERATOR_BOARD_POWER_WATTS[key]
    known = ", ".join(f"{key} {watts:g} W" for key, watts in ACCELERATOR_BOARD_POWER_WATTS.items())
    raise ValueError(f"chip: no board power on record for {spec.name} (known: {known}); give "
                     f"watts_per_accelerator explicitly")


def energy_kwh(accelerator_hours_value, watts_per_accelerator, pue=DEFAULT_PUE):
    """Electricity of a run in kilowatt-hours: accelerator-hours × board power (W) / 1000 × PUE.

    Assumptions, all stated: every accelerator draws its full board power (TDP) for the whole run, which
    overestimates the chips (average draw is lower) but leaves out host CPUs, memory, network and storage;
    ``pue`` (power usage effectiveness, default :data:`DEFAULT_PUE` = 1.2, an assumption) scales IT power up to
    facility power (cooling, power conversion). Typical board powers: A100 SXM 400 W, H100 SXM 700 W
    (:func:`board_power_watts`). Vectorised in the hours and the watts.
    """
    hours = v.positive("accelerator_hours_value", accelerator_hours_value, allow_zero=True)
    watts = v.positive("watts_per_accelerator", watts_per_accelerator)
    factor = v.in_range("pue", pue, 1.0, 3.0)
    if factor.ndim:
        raise TypeError(f"pue must be a single number (got an array of shape {factor.shape})")
    kwh = _broadcast("accelerator_hours_value", hours, "watts_per_accelerator", watts)
    return v.scalar_or_array(kwh / WATTS_PER_KILOWATT * float(factor), accelerator_hours_value, watts_per_accelerator)


@dataclass(frozen=True)
class RunBudget:
    """Everything a training run costs: compute, time, accelerator-hours, money and (when known) energy.

    ``params`` are the parameters that compute per token (the active ones for a Mixture-of-Experts model);
    ``flops`` = 6·params·tokens. ``energy_kwh`` and ``watts_per_accelerator`` are None when the chip's board
    power is not on record and none was given.
    """

    params: float
    tokens: float
    flops: float
    pf_days: float
    chip: Accelerator
    n_accelerators: int
    mfu: float
    seconds: float
    accelerator_hours: float
    dollars_per_accelerator_hour: float
    cost_dollars: float
    pue: float
    watts_per_accelerator: float | None
    energy_kwh: float | None

    @property
    def days(self) -> float:
        return self.seconds / SECONDS_PER_DAY

    @property
    def achieved_flops_per_second(self) -> float:
        """The model FLOP/s the whole cluster sustains: n · peak · MFU."""
        return self.n_accelerators * self.chip.peak_flops_per_second * self.mfu


def run_budget(params, tokens, chip: str | Accelerator, n_accelerators: int, mfu_value=0.4,
               dollars_per_accelerator_hour=2.0, *, watts_per_accelerator=None, pue=DEFAULT_PUE) -> RunBudget:
    """The budget of one training run of a dense model: 6ND FLOPs on ``n_accelerators`` chips at MFU ``mfu_value``.

    Combines :func:`training_flops`, :func:`pf_days`, :func:`training_time` (time and cost) and
    :func:`energy_kwh` (with the chip's board power from :func:`board_power_watts` unless
    ``watts_per_accelerator`` is given; None when neither is known). Scalars only: one run at a time.
    """
    n = v.single_number("params", v.positive("params", params))
    d = v.single_number("tokens", v.positive("tokens", tokens))
    flops = training_flops(n, d)
    run = training_time(flops, chip, n_accelerators, mfu_value, dollars_per_accelerator_hour)
    spec = _resolve_accelerator(chip)
    if watts_per_accelerator is None:
        try:
            watts = board_power_watts(spec)
        except ValueError:
            watts = None
    else:
        watts = v.single_number("watts_per_accelerator", v.positive("watts_per_accelerator", watts_per_accelerator))
    factor = v.single_number("pue", v.in_range("pue", pue, 1.0, 3.0))
    energy = None if watts is None else energy_kwh(run.accelerator_hours, watts, factor)
    return RunBudget(params=n, tokens=d, flops=flops, pf_days=pf_days(flops), chip=spec,
                     n_accelerators=run.n_accelerators, mfu=run.mfu, seconds=run.seconds,
                     accelerator_hours=run.accelerator_hours,
                     dollars_per_accelerator_hour=float(dollars_per_accelerator_hour), cost_dollars=run.cost_dollars,
                     pue=factor, watts_per_accelerator=watts, energy_kwh=energy)


# ----------------------------------------------------------------------------------------------------------------
# Published runs, turned into utilisation
# ----------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunUtilisation:
    """The utilisation implied by a published run: its 6ND FLOPs over its accelerator-hours at the chip's peak.

    ``params`` are the active parameters (MoE) and ``flops_6nd`` = 6·params·tokens. ``flops_with_attention`` adds
    the attention term from the model's exact shape (:mod:`scalingedu.transformer`), or is None without a shape
    preset. ``tokens_lower_bound`` is True when the source gives the tokens as a minimum ("15T+"), which makes the
    implied MFU a minimum too.
    """

    name: str
    accelerator: str
    accelerator_hours: float
    params: float
    tokens: float
    flops_6nd: float
    mfu_6nd: float
    flops_with_attention: float | None
    mfu_with_attention: float | None
    tokens_lower_bound: bool
    note: str

    @property
    def achieved_flops_per_second_per_accelerator(self) -> float:
        """The model FLOP/s each chip sustained on average over the whole run (6ND count)."""
        return self.flops_6nd / (self.accelerator_hours * SECONDS_PER_HOUR)


def _utilisation_row(record, hours: float, label: str, note: str) -> RunUtilisation:
    from .transformer import PRESETS, training_flops_with_attention  # transformer imports data only

    params = record.active_params or record.params
    flops = training_flops(params, record.tokens)
    with_attention = (training_flops_with_attention(PRESETS[record.name], record.tokens)
                      if record.name in PRESETS else None)
    lower_bound = "lower bound" in record.note
    notes = [note] if note else []
    if lower_bound:
        notes.append("tokens are a lower bound ('15T+'), so the MFU is too")
    if record.active_params:
        notes.append("MoE: 6ND with the active parameters leaves out routing and attention (MLA)")
    return RunUtilisation(
        name=label, accelerator=record.accelerator, accelerator_hours=hours, params=params, tokens=record.tokens,
        flops_6nd=flops, mfu_6nd=implied_mfu(flops, record.accelerator, hours),
        flops_with_attention=with_attention,
        mfu_with_attention=None if with_attention is None else implied_mfu(with_attention, record.accelerator, hours),
        tokens_lower_bound=lower_bound, note="; ".join(notes))


def published_run_utilisation() -> tuple[RunUtilisation, ...]:
    """Implied MFU of every published run in :data:`scalingedu.data.MODELS` with accelerator-hours on record.

    Llama 2 7B/13B/70B (A100-80GB hours, model card), Llama 3 8B/70B (H100-80GB hours; '15T+' tokens, so a lower
    bound) and DeepSeek-V3 (H800 hours; once with the full 2.788M hours, once with the 2.664M of pre-training
    alone, against its 14.8T pre-training tokens). Caveats the numbers cannot show: published hours may include
    restarts, failed runs or evaluation; peaks are dense bf16 (DeepSeek-V3 trained largely in FP8, whose peak is
    higher); 6ND leaves out attention, which ``mfu_with_attention`` adds where the shape is known.
    """
    rows = []
    for record in MODELS:
        if record.gpu_hours is None or record.tokens is None:
            continue
        if record.name == "DeepSeek-V3":
            rows.append(_utilisation_row(record, record.gpu_hours, "DeepSeek-V3 (all training hours)",
                                         "hours include context extension and post-training"))
            rows.append(_utilisation_row(record, DEEPSEEK_V3_PRETRAINING_GPU_HOURS,
                                         "DeepSeek-V3 (pre-training hours)", ""))
        else:
            rows.append(_utilisation_row(record, record.gpu_hours, record.name, ""))
    return tuple(rows)
