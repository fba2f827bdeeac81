"""Learning-rate schedules of the lab: warm-up + cosine (the default) and warmup-stable-decay (WSD).

Both start with a linear warm-up over the first 5 % of the steps (or ``warmup`` steps), from peak/warmup to the
``peak`` rate.

- **cosine**: then a cosine decay from the peak to 10 % of it at the run's end, the schedule Hoffmann et al. 2022
  (§3 and App. B) found must match the run's length: a cosine run stopped early is not a good shorter run.
- **wsd** (warmup-stable-decay; Hu et al. 2024, "MiniCPM", arXiv:2404.06395, §4; Hägele et al. 2024, "Scaling
  Laws and Compute-Optimal Training Beyond Fixed Training Durations", arXiv:2405.18392): then the peak rate held
  constant, and a linear decay to 10 % of the peak over the last ``decay_fraction`` of the steps (default 20 %).
  Until its decay starts, a WSD run does not depend on its length, so one stable phase can be branched into short
  decays at several budgets (:func:`scalingedu.lab.training.train_wsd_branches`). ``decay_fraction`` = 0 gives a
  constant rate after the warm-up.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .. import _validate as v

SCHEDULES = ("cosine", "wsd")
WARMUP_FRACTION = 0.05
FINAL_LR_FRACTION = 0.1
DECAY_FRACTION = 0.2
"""WSD's default share of the steps spent decaying (Hägele et al. 2024 find 10-20 % matches a cosine run)."""


def warmup_steps(steps: int) -> int:
    """The default warm-up of a run of ``steps`` steps: 5 % of them, at least one."""
    return max(1, int(WARMUP_FRACTION * steps))


def learning_rate_at(step: int, steps: int, peak: float, warmup: int | None = None) -> float:
    """The cosine schedule: linear warm-up over ``warmup`` steps (default 5 % of them), then cosine decay from
    ``peak`` to 10 % of it."""
    warm = warmup_steps(steps) if warmup is None else warmup
    if step < warm:
        return peak * (step + 1) / warm
    progress = (step - warm) / max(1, steps - warm)
    return peak * (FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress)))


def decay_steps(steps: int, decay_fraction: float = DECAY_FRACTION) -> int:
    """How many of a WSD run's ``steps`` decay: ``decay_fraction`` of them, rounded (0 only for a zero fraction)."""
    fraction = float(v.in_range("decay_fraction", decay_fraction, 0.0, 1.0, high_open=True))
    return 0 if fraction == 0 else max(1, round(fraction * steps))


def wsd_learning_rate_at(step: int, steps: int, peak: float, decay_fraction: float = DECAY_FRACTION,
                         warmup: int | None = None) -> float:
    """The WSD schedule: linear warm-up over ``warmup`` steps (default 5 % of them), ``peak`` until the last
    :func:`decay_steps` steps, which fall linearly to 10 % of the peak at the final step."""
    warm = warmup_steps(steps) if warmup is None else warmup
    return _wsd(step, steps, peak, decay_steps(steps, decay_fraction), warm)


def _wsd(step: int, steps: int, peak: float, decay: int, warm: int) -> float:
    start = steps - decay
    if step >= start:
        return peak * (1.0 - (1.0 - FINAL_LR_FRACTION) * (step - start + 1) / decay)
    if step < warm:
        return peak * (step + 1) / warm
    return peak


def schedule(name: str, steps: int, peak: float, *, decay_fraction: float = DECAY_FRACTION,
             warmup: int | None = None) -> Callable[[int], float]:
    """The learning rate of step 0 … ``steps`` - 1 of schedule ``name`` ("cosine" or "wsd") as a function of the
    step, after checking the arguments (``decay_fraction`` only matters for "wsd")."""
    v.one_of("schedule", name, SCHEDULES)
    total = v.positive_int("steps", steps)
    rate = float(v.positive("peak", peak))
    decay = decay_steps(total, decay_fraction)
    warm = warmup_steps(total) if warmup is None else v.positive_int("warmup", warmup, maximum=total)
    if name == "cosine":
        return lambda step: learning_rate_at(step, total, rate, warm)
    return lambda step: _wsd(step, total, rate, decay, warm)


def schedule_curve(name: str, steps: int, peak: float = 1.0, **options) -> np.ndarray:
    """The rate at every step of a ``steps``-step run (for plots): ``schedule(name, steps, peak, **options)``."""
    rate = schedule(name, steps, peak, **options)
    return np.array([rate(step) for step in range(steps)])
