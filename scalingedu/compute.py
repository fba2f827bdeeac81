"""Training compute: FLOPs, PF-days, and the time and cost of a run on real accelerators.

The central approximation is C ≈ 6·N·D FLOPs to train a dense transformer with N parameters on D tokens
(Kaplan et al. 2020, §2.1; GPT-3 paper, Table D.1; Hoffmann et al. 2022, App. F):

- forward pass: about 2 FLOPs per parameter per token (one multiply and one add for each weight);
- backward pass: about twice the forward, 4 FLOPs per parameter per token (gradients with respect to the
  activations and with respect to the weights, each a matrix product the size of the forward one).

It leaves out the attention-score term (12·layers·d_model·context per token, small when d_model > context/12) and
embeddings; Hoffmann et al. (App. F, Table A4) find exact counts within about 10% of 6ND.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as v
from .data import ACCELERATORS, PF_DAY_FLOPS, Accelerator, accelerator

FORWARD_FLOPS_PER_PARAM_TOKEN = 2.0
BACKWARD_FLOPS_PER_PARAM_TOKEN = 4.0
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
    total = (FORWARD_FLOPS_PER_PARAM_TOKEN + BACKWARD_FLOPS_PER_PARAM_TOKEN) * _broadcast("params", n, "tokens", d)
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


def _single(name: str, array: np.ndarray) -> float:
    if array.ndim:
        raise TypeError(f"{name} must be a single number here (got an array of shape {array.shape}): "
                        f"a TrainingRun describes one run, so call training_time once per value")
    return float(array)


def training_time(flops, chip: str | Accelerator, n_accelerators: int, mfu: float = 0.4,
                  dollars_per_accelerator_hour: float = 2.0) -> TrainingRun:
    """Time and cost of spending ``flops`` on ``n_accelerators`` chips running at model FLOPs utilisation ``mfu``.

    seconds = flops / (n_accelerators · peak_flops_per_second · mfu). MFU (PaLM, Chowdhery et al. 2022) is the
    achieved model FLOP/s over the hardware peak; large dense runs report roughly 0.3 to 0.55 (PaLM 540B: 0.462).
    The default price, $2 per accelerator-hour, is the rental assumption of the DeepSeek-V3 report for H800s;
    prices vary widely, so pass your own.
    """
    c = _single("flops", v.positive("flops", flops))
    chip_spec = _resolve_accelerator(chip)
    count = v.positive_int("n_accelerators", n_accelerators, minimum=1)
    utilisation = _single("mfu", v.in_range("mfu", mfu, 0.0, 1.0, low_open=True))
    price = _single("dollars_per_accelerator_hour",
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
