"""Your own MFU: how much of this machine's matrix-multiply speed the lab's trainer turns into training.

Model FLOPs utilisation (MFU; Chowdhery et al. 2022, PaLM, App. B) is the training FLOPs a run achieves per second
divided by the hardware's peak. A CPU has no single published peak, so the lab measures it: the float32 FLOP/s of a
large square matrix product (``numpy.matmul``, 2·n³ FLOPs), the best a BLAS library does on this CPU. The trainer's
FLOP/s come from the exact count of :mod:`scalingedu.lab.flops` over timed training steps of the largest sweep
model. Both are measured in the same process with one BLAS thread, as the sweep's worker processes train.
"""
from __future__ import annotations

import multiprocessing
import time

import numpy as np

from .. import _validate as v
from .flops import training_flops_per_step
from .model import MLPLanguageModel, ModelConfig
from .processes import single_threaded_blas
from .training import DEFAULT_BATCH, _windows


def matmul_flops_per_second(size: int = 1024, repeats: int = 5) -> float:
    """Best-of-``repeats`` float32 FLOP/s of a ``size`` × ``size`` matrix product (2·size³ FLOPs each)."""
    n = v.positive_int("size", size, minimum=16, maximum=8192)
    r = v.positive_int("repeats", repeats)
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    out = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=out)                    # warm-up: page in the buffers, start BLAS
    best = float("inf")
    for _ in range(r):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2.0 * n ** 3 / best


def trainer_flops_per_second(config: ModelConfig, batch: int = DEFAULT_BATCH, steps: int = 60) -> float:
    """Exact training FLOPs per second of ``steps`` timed steps (after 5 warm-up steps) of ``config``."""
    b = v.positive_int("batch", batch)
    n = v.positive_int("steps", steps)
    # the speed does not depend on which characters are read: random text avoids loading the corpus
    text = np.random.default_rng(0).integers(0, config.vocab, size=200_000, dtype=np.uint8)
    model = MLPLanguageModel(config, seed=0)
    lane = (len(text) - config.context) // b
    starts = config.context + lane * np.arange(b)
    for step in range(5):
        model.loss_and_gradient(*_windows(text, starts + step, config.context))
        model.adam_step(1e-3)
    start = time.perf_counter()
    for step in range(5, 5 + n):
        model.loss_and_gradient(*_windows(text, starts + step, config.context))
        model.adam_step(1e-3)
    seconds = time.perf_counter() - start
    return n * training_flops_per_step(config, b).total / seconds


def _measure(width: int) -> dict:
    from .sweep import FULL_SWEEP

    config = FULL_SWEEP.config(width)
    peak = matmul_flops_per_second()
    achieved = trainer_flops_per_second(config, FULL_SWEEP.batch)
    return {"lab_matmul_flops_per_second": peak, "lab_trainer_flops_per_second": achieved,
            "lab_mfu": achieved / peak, "lab_model_params": float(config.params)}


def measure_mfu(width: int | None = None) -> dict:
    """Trainer FLOP/s, matmul FLOP/s and their ratio for the sweep model of ``width`` (default: the largest),
    measured in one fresh worker process with a single BLAS thread."""
    from .sweep import FULL_SWEEP

    chosen = max(FULL_SWEEP.widths) if width is None else v.positive_int("width", width)
    with single_threaded_blas(), multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_measure, (chosen,))
