"""Hyperparameters at scale (lesson 10): three experiments trained on this CPU and shipped with their provenance.

- **lr-transfer**: learning-rate sweeps at several widths, in the standard parametrisation and in µP
  (:mod:`scalingedu.lab.model`), several seeds each, a fixed token budget per run. :func:`learning_rate_optima`
  finds each width's best rate (a parabola through the best grid point and its two neighbours, loss against
  log2 rate, per seed) and :func:`learning_rate_drift` whether it moves with width by more than the seed noise.
- **batch-size**: one model at batch sizes spanning several powers of two (each at a few learning rates, constant
  after a short warm-up), stopped once the validation loss reaches the lowest of two targets. The steps S and
  characters E each batch size needed to reach each target give the steps/examples trade-off of McCandlish et al.
  2018 (:func:`scalingedu.lab.noise_scale.fit_tradeoff`) and its critical batch B_crit; the simple noise scale
  B_simple is measured on the checkpoints where the runs first reach each target. :func:`critical_batch_sizes`.
- **schedules**: warm-up + cosine runs at several budgets against one warmup-stable-decay run branched at the same
  budgets (:func:`scalingedu.lab.training.train_wsd_branches`), both at a few peak rates. :func:`schedule_comparison`.

``scalingedu hparam-sweep --experiment NAME [--quick] --out FILE.csv`` runs one (:data:`DESIGNS`, or the seconds-long
:data:`QUICK_DESIGNS`) over both cores and writes its CSV and provenance JSON; the shipped results are
``results/hparam_<name>.csv`` (:func:`load_hparam_results`, :func:`load_hparam_provenance`). Each run depends only
on its design and seed, so the same command on the same machine writes the same CSV, byte for byte (wall-clock
times go to the JSON, not the CSV).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .. import _validate as v
from .corpus import check_corpus, load_corpus
from .model import MLPLanguageModel, ModelConfig
from .noise_scale import TradeOff, fit_tradeoff, measure_noise_scale
from .schedules import schedule as schedule_rate
from .sweep import provenance, read_results, run_jobs, write_results
from .training import _run_steps, train, train_wsd_branches, training_data, validation_loss

EXPERIMENTS = ("lr-transfer", "batch-size", "schedules")
SHIPPED_NAMES = {"lr-transfer": "hparam_lr_transfer", "batch-size": "hparam_batch_size",
                 "schedules": "hparam_schedules"}
"""The shipped results of each experiment: ``results/<name>.csv`` and ``results/<name>.json``."""
SHARED_CPU_NOTE = ("Generated on a 2-core machine whose cores were shared with other work at the time: the "
                   "seconds are an upper bound on the regeneration time, not a benchmark.")


# --- designs --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LRTransferDesign:
    """Every ``widths`` model (``depth`` layers) trained on ``tokens`` characters (cosine schedule) in each
    ``variants`` (parametrisation, base width) at each of that variant's ``learning_rates`` (peak rates), with
    seeds ``seed`` … ``seed`` + ``seeds`` - 1; ``curve_points`` validation checks per run.

    The base width fixes more than where µP meets SP: at the base width every layer trains at the same η, so it
    also sets the ratio of the hidden and output layers' rates to the input layers' (µP leaves such constant
    multipliers to be tuned on the small model). A pilot (widths 32 and 256, 400k characters, one seed) found the
    optimum of µP relative to base width 32 rising from about 0.012 to 0.019 and that of µP relative to base width
    8 staying near 0.028, so the shipped sweep trains both µP variants: base 8 as the tuned one, base 32 (= SP at
    width 32) to show that the multipliers matter."""

    widths: tuple[int, ...] = (16, 32, 64, 128, 256)
    variants: tuple[tuple[str, int], ...] = (("sp", 32), ("mup", 8), ("mup", 32))
    learning_rates: tuple[tuple[float, ...], ...] = (
        tuple(0.00125 * 2.0 ** k for k in range(7)),          # SP: 0.00125 … 0.08
        tuple(0.0025 * 2.0 ** k for k in range(7)),           # µP, base width 8: 0.0025 … 0.16
        tuple(0.00125 * 2.0 ** k for k in range(7)))          # µP, base width 32: 0.00125 … 0.08
    tokens: int = 262_144
    batch: int = 256
    depth: int = 2
    context: int = 16
    embedding: int = 16
    curve_points: int = 8
    validation_characters: int = 16384
    seed: int = 0
    seeds: int = 3

    def __post_init__(self):
        if not self.widths or len(set(self.widths)) != len(self.widths):
            raise ValueError(f"widths must be distinct positive whole numbers (got {self.widths})")
        for width in self.widths:
            v.positive_int("widths", width)
        if len(self.variants) != len(self.learning_rates) or not self.variants:
            raise ValueError(f"learning_rates must give one grid per variant ({len(self.variants)} variants, "
                             f"{len(self.learning_rates)} grids)")
        for (parametrization, base_width), grid in zip(self.variants, self.learning_rates):
            v.one_of("parametrization", parametrization, {"sp", "mup"})
            v.positive_int("base_width", base_width)
            if len(grid) < 3 or np.any(np.diff(v.positive("learning_rates", grid)) <= 0):
                raise ValueError(f"each learning-rate grid must hold at least 3 increasing rates (got {grid})")
        v.positive_int("tokens", self.tokens, minimum=self.batch)
        v.positive_int("seed", self.seed, minimum=0)
        v.positive_int("seeds", self.seeds, minimum=1, maximum=100)

    def config(self, width: int) -> ModelConfig:
        return ModelConfig(width=width, depth=self.depth, context=self.context, embedding=self.embedding)

    def runs(self) -> list[tuple[int, int, float, int]]:
        """(width, variant index, learning rate, seed) of every run."""
        return [(width, k, float(rate), seed) for width in self.widths for k in range(len(self.variants))
                for rate in self.learning_rates[k] for seed in range(self.seed, self.seed + self.seeds)]


@dataclass(frozen=True)
class BatchSizeDesign:
    """A ``width`` model trained at each of ``batches`` (characters per step) with peak rates
    ``rate_multipliers`` × ``reference_rate`` × sqrt(batch / ``reference_batch``) (Adam's square-root rule as
    the centre of a small grid), constant after ``warmup_steps``; validated on ``validation_characters`` at
    ``checks_per_octave`` checkpoints per doubling of the steps; stopped when the loss reaches the lowest of
    ``targets``, or when it has stalled (no checkpoint beat the best loss so far by ``stall_tolerance`` since the
    steps were half as many: the rate is too high for this loss), or after ``max_tokens`` characters or
    ``max_steps`` steps. At the first checkpoint at or below
    each target, B_simple is measured from ``noise_batches`` batches of ``noise_big`` characters split into
    batches of ``noise_small``. Seeds ``seed`` … ``seed`` + ``seeds`` - 1 (initialisation and noise batches; the
    data order is fixed by the batch size)."""

    width: int = 64
    batches: tuple[int, ...] = (64, 128, 256, 512, 1024, 2048, 4096, 8192)
    rate_multipliers: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0)
    reference_rate: float = 0.01
    reference_batch: int = 256
    targets: tuple[float, ...] = (2.8, 2.6, 2.4, 2.2)
    warmup_steps: int = 20
    max_tokens: int = 8_388_608
    max_steps: int = 40_000
    checks_per_octave: int = 6
    stall_tolerance: float = 0.01
    validation_characters: int = 8192
    noise_small: int = 128
    noise_big: int = 4096
    noise_batches: int = 16
    depth: int = 2
    context: int = 16
    embedding: int = 16
    seed: int = 0
    seeds: int = 2

    def __post_init__(self):
        if len(self.batches) < 3 or len(set(self.batches)) != len(self.batches):
            raise ValueError(f"batches must hold at least 3 distinct batch sizes (got {self.batches})")
        for batch in self.batches:
            v.positive_int("batches", batch)
        v.positive("rate_multipliers", self.rate_multipliers)
        if not self.targets or len(set(self.targets)) != len(self.targets):
            raise ValueError(f"targets must be distinct losses (got {self.targets})")
        v.positive("targets", self.targets)
        v.positive_int("warmup_steps", self.warmup_steps)
        v.positive_int("checks_per_octave", self.checks_per_octave, maximum=64)
        v.positive_int("seed", self.seed, minimum=0)
        v.positive_int("seeds", self.seeds, minimum=1, maximum=100)

    def config(self) -> ModelConfig:
        return ModelConfig(width=self.width, depth=self.depth, context=self.context, embedding=self.embedding)

    def rate(self, batch: int, multiplier: float) -> float:
        return multiplier * self.reference_rate * math.sqrt(batch / self.reference_batch)

    def runs(self) -> list[tuple[int, float, int]]:
        """(batch, learning rate, seed) of every run."""
        return [(b, self.rate(b, m), seed) for b in self.batches for m in self.rate_multipliers
                for seed in range(self.seed, self.seed + self.seeds)]

    def checkpoints(self, batch: int) -> np.ndarray:
        """Step counts at which a run of ``batch`` measures its validation loss: log-spaced from 8 steps."""
        last = max(8, min(self.max_steps, self.max_tokens // batch))
        count = 1 + math.ceil(self.checks_per_octave * math.log2(last / 8))
        return np.unique(np.round(np.geomspace(8, last, count)).astype(np.int64))


@dataclass(frozen=True)
class ScheduleDesign:
    """A ``width`` model trained at each budget of ``budgets`` (characters) with warm-up + cosine, one run per
    budget, and with one WSD run (decaying over the last ``decay_fraction`` of each budget) branched at all the
    budgets; both at each peak rate of ``learning_rates`` (the two schedules need not share their best rate: a
    constant rate must be lower to keep improving), seeds ``seed`` … ``seed`` + ``seeds`` - 1, ``curve_points``
    validation checks per run."""

    width: int = 64
    budgets: tuple[int, ...] = (524_288, 1_048_576, 2_097_152, 4_194_304)
    decay_fraction: float = 0.2
    learning_rates: tuple[float, ...] = (0.002, 0.004, 0.008)
    batch: int = 256
    depth: int = 2
    context: int = 16
    embedding: int = 16
    curve_points: int = 16
    validation_characters: int = 16384
    seed: int = 0
    seeds: int = 2

    def __post_init__(self):
        if len(self.budgets) < 2 or len(set(self.budgets)) != len(self.budgets):
            raise ValueError(f"budgets must hold at least 2 distinct token counts (got {self.budgets})")
        for budget in self.budgets:
            v.positive_int("budgets", budget, minimum=self.batch)
        v.in_range("decay_fraction", self.decay_fraction, 0.0, 1.0, low_open=True, high_open=True)
        if len(set(self.learning_rates)) != len(self.learning_rates):
            raise ValueError(f"learning_rates must be distinct (got {self.learning_rates})")
        v.positive("learning_rates", self.learning_rates)
        v.positive_int("seed", self.seed, minimum=0)
        v.positive_int("seeds", self.seeds, minimum=1, maximum=100)

    def config(self) -> ModelConfig:
        return ModelConfig(width=self.width, depth=self.depth, context=self.context, embedding=self.embedding)


DESIGNS = {"lr-transfer": LRTransferDesign(), "batch-size": BatchSizeDesign(), "schedules": ScheduleDesign()}
"""The designs of the shipped results."""
QUICK_DESIGNS = {
    "lr-transfer": LRTransferDesign(widths=(16, 32), learning_rates=((0.005, 0.01, 0.02),) * 3, tokens=256 * 30,
                                    seeds=1, curve_points=2, validation_characters=2048),
    "batch-size": BatchSizeDesign(width=16, batches=(32, 64, 128), rate_multipliers=(1.0,), targets=(3.2, 3.0),
                                  max_tokens=65_536, max_steps=1000, checks_per_octave=2,
                                  validation_characters=2048, noise_small=32, noise_big=256, noise_batches=2,
                                  seeds=1),
    "schedules": ScheduleDesign(width=16, budgets=(256 * 20, 256 * 40), learning_rates=(0.01,), curve_points=2,
                                validation_characters=2048, seeds=1),
}
"""Small versions that finish in seconds (for tests and a first look): the same code, much less training."""


# --- workers --------------------------------------------------------------------------------------------------------

LR_COLUMNS = ("width", "mup", "base_width", "params", "learning_rate", "seed", "tokens", "val_loss", "train_loss",
              "final")
"""lr-transfer CSV: one row per curve point (``final`` = 0) and one per run's end (``final`` = 1, on the full
validation set, with the ``train_loss`` of its last tenth); ``mup`` = 1 for µP (relative to ``base_width``). A
diverged run has NaN losses."""
BATCH_COLUMNS = ("batch", "learning_rate", "seed", "steps", "tokens", "val_loss", "b_simple", "gradient_sq",
                 "trace_sigma")
"""batch-size CSV: one row per checkpoint of every run; ``b_simple`` (characters), ``gradient_sq`` = |G|² and
``trace_sigma`` = tr Σ are measured at the first checkpoint at or below each target and NaN elsewhere."""
SCHEDULE_COLUMNS = ("wsd", "budget", "seed", "learning_rate", "tokens", "val_loss", "train_loss", "final",
                    "tokens_trained")
"""schedules CSV: one row per curve point (``final`` = 0) and per run's end (``final`` = 1); ``wsd`` = 1 for the
branches of a WSD run, 0 for cosine runs; ``learning_rate`` is the peak rate; ``tokens_trained`` is what the whole
run cost: the budget for a cosine run, the shared stable phase plus every decay for a WSD branch (the same for all
branches of one run)."""
_INTEGER = {"width", "mup", "base_width", "params", "seed", "tokens", "final", "batch", "steps", "wsd", "budget",
            "tokens_trained"}


def _lr_job(job):
    index, design, width, variant, rate, seed, corpus_hash = job
    corpus = check_corpus(corpus_hash)
    parametrization, base_width = design.variants[variant]
    mup = int(parametrization == "mup")
    head = (width, mup, base_width, design.config(width).params, rate, seed)
    with np.errstate(all="ignore"):       # a diverging run overflows on its way to NaN: record it, do not warn
        try:
            run = train(design.config(width), design.tokens, batch=design.batch, learning_rate=rate, seed=seed,
                        parametrization=parametrization, base_width=base_width, curve_points=design.curve_points,
                        corpus=corpus, validation_characters=design.validation_characters)
        except FloatingPointError:
            return index, [(*head, design.tokens // design.batch * design.batch, math.nan, math.nan, 1)]
    rows = [(*head, int(t), float(loss), math.nan, 0) for t, loss in zip(run.curve_tokens, run.curve_val_loss)]
    rows.append((*head, run.tokens, run.val_loss, run.train_loss, 1))
    return index, rows


def _batch_job(job):
    index, design, batch, rate, seed, corpus_hash = job
    corpus = check_corpus(corpus_hash)
    config = design.config()
    model = MLPLanguageModel(config, seed=seed)
    data = training_data(corpus, config.context, batch)
    checks = design.checkpoints(batch)
    constant = schedule_rate("wsd", int(checks[-1]), rate, decay_fraction=0.0, warmup=design.warmup_steps)
    pending = sorted(design.targets, reverse=True)
    rows, losses, done = [], [], 0
    best, best_step = math.inf, 0
    with np.errstate(all="ignore"):
        for check in checks:
            _run_steps(model, data, done, int(check), constant, losses)
            done = int(check)
            loss = validation_loss(model, corpus, design.validation_characters)
            reached = 0
            while pending and loss <= pending[0]:
                pending.pop(0)
                reached += 1
            noise = (math.nan,) * 3
            if reached:
                draws = seed * 1_000_003 + batch * 16 + len(design.targets) - len(pending)
                scale = measure_noise_scale(model, corpus, small_batch=design.noise_small,
                                            big_batch=design.noise_big, batches=design.noise_batches, seed=draws)
                noise = (scale.b_simple, scale.gradient_sq, scale.trace_sigma)
            rows.append((batch, rate, seed, done, done * batch, loss, *noise))
            if loss < best - design.stall_tolerance:
                best, best_step = loss, done
            if not pending or not math.isfinite(loss) or (done >= 2 * best_step and done >= 64):
                break
    return index, rows


def _schedule_job(job):
    index, design, wsd, budget, rate, seed, corpus_hash = job
    corpus = check_corpus(corpus_hash)
    options = dict(batch=design.batch, learning_rate=rate, seed=seed, corpus=corpus,
                   curve_points=design.curve_points, validation_characters=design.validation_characters)
    if wsd:
        branched = train_wsd_branches(design.config(), design.budgets, decay_fraction=design.decay_fraction,
                                      **options)
        runs, cost = branched.runs, branched.tokens_trained
    else:
        runs = (train(design.config(), budget, **options),)
        cost = runs[0].tokens
    rows = []
    for run in runs:
        head = (int(wsd), run.tokens, seed, run.learning_rate)
        rows += [(*head, int(t), float(loss), math.nan, 0, cost)
                 for t, loss in zip(run.curve_tokens, run.curve_val_loss)]
        rows.append((*head, run.tokens, run.val_loss, run.train_loss, 1, cost))
    return index, rows


def run_experiment(name: str, design=None, *, processes: int | None = None,
                   progress: bool = True) -> dict[str, np.ndarray]:
    """Train every run of experiment ``name`` (default design: :data:`DESIGNS`) over ``processes`` worker
    processes (default: one per core), the most expensive first; return the CSV's columns as arrays."""
    v.one_of("name", name, EXPERIMENTS)
    design = DESIGNS[name] if design is None else design
    expected = type(DESIGNS[name])
    if not isinstance(design, expected):
        raise TypeError(f"design of {name!r} must be a {expected.__name__}, not {type(design).__name__}")
    corpus_hash = load_corpus().hash
    if name == "lr-transfer":
        jobs = [(i, design, width, k, rate, seed, corpus_hash) for i, (width, k, rate, seed)
                in enumerate(design.runs())]
        cost = [design.config(job[2]).params for job in jobs]
        worker, columns = _lr_job, LR_COLUMNS
    elif name == "batch-size":
        jobs = [(i, design, batch, rate, seed, corpus_hash) for i, (batch, rate, seed) in enumerate(design.runs())]
        cost = [int(design.checkpoints(job[2])[-1]) * job[2] for job in jobs]
        worker, columns = _batch_job, BATCH_COLUMNS
    else:
        seeds = range(design.seed, design.seed + design.seeds)
        specs = [(wsd, budget, rate, seed) for wsd, budgets in ((1, (0,)), (0, sorted(design.budgets)))
                 for budget in budgets for rate in design.learning_rates for seed in seeds]
        jobs = [(i, design, *spec, corpus_hash) for i, spec in enumerate(specs)]
        # the branched WSD run trains its stable phase and every decay in one job: the longest of all
        cost = [int(0.8 * max(design.budgets) + 0.2 * sum(design.budgets)) if job[2] else job[3] for job in jobs]
        worker, columns = _schedule_job, SCHEDULE_COLUMNS
    order = sorted(range(len(jobs)), key=lambda i: -cost[i])
    results = run_jobs(worker, [jobs[i] for i in order], processes=processes, desc=f"hparam {name}",
                       progress=progress)
    rows = [row for run in results for row in run]
    return {column: np.array([row[k] for row in rows], dtype=np.int64 if column in _INTEGER else float)
            for k, column in enumerate(columns)}


# --- files ----------------------------------------------------------------------------------------------------------

_REQUIRED = {"lr-transfer": LR_COLUMNS, "batch-size": BATCH_COLUMNS, "schedules": SCHEDULE_COLUMNS}


def read_hparam_results(path, experiment: str) -> dict[str, np.ndarray]:
    """A CSV written by ``scalingedu hparam-sweep --experiment EXPERIMENT`` as column name -> array; raises
    ValueError if a column of that experiment is missing."""
    v.one_of("experiment", experiment, EXPERIMENTS)
    columns = read_results(path, _REQUIRED[experiment])
    return {name: column.astype(np.int64) if name in _INTEGER else column for name, column in columns.items()}


def _shipped(experiment: str, suffix: str):
    v.one_of("experiment", experiment, EXPERIMENTS)
    return resources.files(__package__) / "results" / f"{SHIPPED_NAMES[experiment]}{suffix}"


def load_hparam_results(experiment: str) -> dict[str, np.ndarray]:
    """The shipped results of ``experiment`` ("lr-transfer", "batch-size" or "schedules") as column name -> array
    (columns: :data:`LR_COLUMNS`, :data:`BATCH_COLUMNS`, :data:`SCHEDULE_COLUMNS`)."""
    with resources.as_file(_shipped(experiment, ".csv")) as path:
        return read_hparam_results(path, experiment)


def load_hparam_provenance(experiment: str) -> dict:
    """The provenance JSON of the shipped ``experiment``: command, design, seeds, machine, seconds, corpus hash."""
    return json.loads(_shipped(experiment, ".json").read_text())


# --- analysis: learning-rate transfer -------------------------------------------------------------------------------

def parabola_optimum(learning_rates, losses) -> tuple[float, bool]:
    """The best learning rate of one sweep: the vertex of the parabola through the lowest loss and its two
    neighbours, loss against log2(rate); and whether it is bracketed (the lowest loss is not at the grid's edge
    and both neighbours are finite). Unbracketed: the best grid rate itself. NaN losses (divergence) count as
    worse than any finite loss."""
    rates = v.positive("learning_rates", learning_rates).ravel()
    loss = np.asarray(v.as_number_array("losses", losses), dtype=float).ravel()
    v.same_shape(learning_rates=rates, losses=loss)
    if rates.size < 3 or np.any(np.diff(rates) <= 0):
        raise ValueError(f"learning_rates must hold at least 3 increasing rates (got {rates.tolist()})")
    if not np.any(np.isfinite(loss)):
        raise ValueError("losses has no finite value: every run diverged")
    loss = np.where(np.isfinite(loss), loss, np.inf)
    best = int(np.argmin(loss))
    if best in (0, rates.size - 1) or not np.isfinite(loss[best - 1]) or not np.isfinite(loss[best + 1]):
        return float(rates[best]), False
    x = np.log2(rates[best - 1:best + 2])
    a, b, _ = np.polyfit(x, loss[best - 1:best + 2], 2)
    if a <= 0:                               # three equal losses: no curvature to place a vertex by
        return float(rates[best]), True
    return float(2.0 ** (-b / (2 * a))), True


@dataclass(frozen=True, eq=False)
class LearningRateOptimum:
    """The best peak learning rate of one width and parametrisation, per seed (``optima``; ``bracketed`` says
    which were interior to the grid), with their geometric mean ``learning_rate`` and spread ``log2_sd`` (the
    standard deviation over seeds of log2 of the optimum; 0.5 means a factor 2^0.5 = 1.41); ``best_losses`` is
    the lowest final loss of each seed's sweep."""

    parametrization: str
    base_width: int
    width: int
    seeds: np.ndarray
    optima: np.ndarray
    bracketed: np.ndarray
    best_losses: np.ndarray

    @property
    def log2_mean(self) -> float:
        return float(np.mean(np.log2(self.optima)))

    @property
    def log2_sd(self) -> float:
        return float(np.std(np.log2(self.optima), ddof=1)) if self.optima.size > 1 else math.nan

    @property
    def learning_rate(self) -> float:
        return 2.0 ** self.log2_mean

    @property
    def label(self) -> str:
        return "SP" if self.parametrization == "sp" else f"µP (base {self.base_width})"


def learning_rate_optima(columns: dict[str, np.ndarray] | None = None) -> list[LearningRateOptimum]:
    """Each (parametrisation, base width, width)'s optimal learning rate per seed, from the shipped (or given)
    lr-transfer results: :func:`parabola_optimum` on the final validation losses of each seed's sweep."""
    data = load_hparam_results("lr-transfer") if columns is None else columns
    final = data["final"] == 1
    found = []
    for mup, base in sorted(set(zip(data["mup"][final].tolist(), data["base_width"][final].tolist()))):
        variant = final & (data["mup"] == mup) & (data["base_width"] == base)
        for width in np.unique(data["width"][variant]):
            seeds, optima, bracketed, best = [], [], [], []
            for seed in np.unique(data["seed"][variant]):
                rows = np.flatnonzero(variant & (data["width"] == width) & (data["seed"] == seed))
                rows = rows[np.argsort(data["learning_rate"][rows])]
                optimum, inside = parabola_optimum(data["learning_rate"][rows], data["val_loss"][rows])
                seeds.append(int(seed))
                optima.append(optimum)
                bracketed.append(inside)
                best.append(float(np.nanmin(data["val_loss"][rows])))
            found.append(LearningRateOptimum(parametrization="mup" if mup else "sp", base_width=int(base),
                                             width=int(width), seeds=np.array(seeds), optima=np.array(optima),
                                             bracketed=np.array(bracketed), best_losses=np.array(best)))
    return found


@dataclass(frozen=True)
class LearningRateDrift:
    """How one parametrisation's optimal rate moves with width: ``slope`` = d log2(optimum) / d log2(width) by
    least squares over every seed's optimum, with its standard error ``slope_se``; ``fold_change`` = 2 to the
    power (largest − smallest mean log2 optimum over widths); ``seed_sd`` the pooled standard deviation of one
    seed's log2 optimum around its width's mean. ``exceeds_noise``: |slope| > 2 standard errors."""

    parametrization: str
    base_width: int
    slope: float
    slope_se: float
    fold_change: float
    seed_sd: float

    @property
    def exceeds_noise(self) -> bool:
        return abs(self.slope) > 2 * self.slope_se


def learning_rate_drift(optima: list[LearningRateOptimum] | None = None) -> list[LearningRateDrift]:
    """:class:`LearningRateDrift` of every parametrisation in ``optima`` (default: the shipped results')."""
    optima = learning_rate_optima() if optima is None else optima
    drifts = []
    for key in sorted({(o.parametrization, o.base_width) for o in optima}):
        group = [o for o in optima if (o.parametrization, o.base_width) == key]
        if len(group) < 2:
            raise ValueError(f"{key} has optima at {len(group)} width(s): the drift needs at least 2")
        x = np.concatenate([np.full(o.optima.size, math.log2(o.width)) for o in group])
        y = np.concatenate([np.log2(o.optima) for o in group])
        slope, intercept = np.polyfit(x, y, 1)
        residual = y - (slope * x + intercept)
        spread = np.sum((x - x.mean()) ** 2)
        slope_se = math.sqrt(np.sum(residual ** 2) / max(1, x.size - 2) / spread)
        deviations = np.concatenate([np.log2(o.optima) - o.log2_mean for o in group])
        dof = x.size - len(group)
        seed_sd = math.sqrt(np.sum(deviations ** 2) / dof) if dof > 0 else math.nan
        means = [o.log2_mean for o in group]
        drifts.append(LearningRateDrift(parametrization=key[0], base_width=key[1], slope=float(slope),
                                        slope_se=slope_se, fold_change=2.0 ** (max(means) - min(means)),
                                        seed_sd=seed_sd))
    return drifts


# --- analysis: critical batch size ----------------------------------------------------------------------------------

def steps_to_target(steps, losses, target: float) -> float:
    """The first step count at which a learning curve (``losses`` at checkpoints ``steps``) reaches ``target``:
    linear interpolation in (log steps, loss) between the checkpoint before the first at or below ``target``
    and that one. NaN if the curve never reaches it."""
    s = v.positive("steps", steps).ravel()
    loss = np.asarray(v.as_number_array("losses", losses), dtype=float).ravel()
    v.same_shape(steps=s, losses=loss)
    goal = v.single_number("target", target)
    below = np.flatnonzero(loss <= goal)
    if below.size == 0:
        return math.nan
    i = int(below[0])
    if i == 0 or loss[i - 1] == loss[i]:
        return float(s[i])
    weight = (loss[i - 1] - goal) / (loss[i - 1] - loss[i])
    return float(2.0 ** (np.log2(s[i - 1]) + weight * (np.log2(s[i]) - np.log2(s[i - 1]))))


@dataclass(frozen=True, eq=False)
class CriticalBatch:
    """One target loss of the batch-size sweep. For each seed (rows) and each of ``batches`` (columns): the fewest
    ``steps`` any learning rate needed to reach ``target`` (NaN if none did), ``tokens`` = batch × steps, and the
    rate that did it (``learning_rates``). ``tradeoff`` is :func:`fit_tradeoff` on every seed's points together
    (None if fewer than 3 batch sizes reached the target) and ``seed_b_crit`` its B_crit fitted to each seed
    alone. ``b_simple`` holds the simple noise scale measured on every run's first checkpoint at or below the
    target (whose losses are ``checkpoint_losses``)."""

    target: float
    seeds: np.ndarray
    batches: np.ndarray
    steps: np.ndarray
    tokens: np.ndarray
    learning_rates: np.ndarray
    tradeoff: TradeOff | None
    seed_b_crit: np.ndarray
    b_simple: np.ndarray
    checkpoint_losses: np.ndarray

    @property
    def b_crit(self) -> float:
        return self.tradeoff.b_crit if self.tradeoff is not None else math.nan

    @property
    def b_simple_median(self) -> float:
        return float(np.median(self.b_simple)) if self.b_simple.size else math.nan

    def b_simple_quartiles(self) -> tuple[float, float]:
        """The 25th and 75th percentiles of the B_simple measurements (their spread)."""
        if not self.b_simple.size:
            return math.nan, math.nan
        low, high = np.percentile(self.b_simple, [25, 75])
        return float(low), float(high)


def _fit_or_none(steps, batches):
    reached = np.isfinite(steps)
    if np.unique(batches[reached]).size < 3:
        return None
    return fit_tradeoff(steps[reached], steps[reached] * batches[reached])


def critical_batch_sizes(columns: dict[str, np.ndarray] | None = None,
                         targets=None) -> list[CriticalBatch]:
    """The steps/examples trade-off and B_simple at each target loss of the shipped (or given) batch-size
    results (``targets`` default to the shipped design's), highest loss first."""
    data = load_hparam_results("batch-size") if columns is None else columns
    goals = sorted(DESIGNS["batch-size"].targets if targets is None else
                   v.positive("targets", targets).ravel().tolist(), reverse=True)
    runs = sorted(set(zip(data["batch"].tolist(), data["learning_rate"].tolist(), data["seed"].tolist())))
    batches = np.array(sorted({b for b, _, _ in runs}), dtype=float)
    seeds = np.array(sorted({seed for _, _, seed in runs}))
    found = []
    for goal in goals:
        steps = np.full((seeds.size, batches.size), math.nan)
        rates = np.full_like(steps, math.nan)
        noise, levels = [], []
        for batch, rate, seed in runs:
            rows = np.flatnonzero((data["batch"] == batch) & (data["learning_rate"] == rate)
                                  & (data["seed"] == seed))
            rows = rows[np.argsort(data["steps"][rows])]
            needed = steps_to_target(data["steps"][rows], data["val_loss"][rows], goal)
            cell = (int(np.searchsorted(seeds, seed)), int(np.searchsorted(batches, batch)))
            if math.isfinite(needed) and not needed >= steps[cell]:
                steps[cell], rates[cell] = needed, rate
            first = rows[data["val_loss"][rows] <= goal]
            if first.size and math.isfinite(data["b_simple"][first[0]]):
                noise.append(float(data["b_simple"][first[0]]))
                levels.append(float(data["val_loss"][first[0]]))
        grid = np.broadcast_to(batches, steps.shape)
        per_seed = [_fit_or_none(steps[k], batches) for k in range(seeds.size)]
        found.append(CriticalBatch(target=float(goal), seeds=seeds, batches=batches, steps=steps,
                                   tokens=steps * grid, learning_rates=rates,
                                   tradeoff=_fit_or_none(steps.ravel(), grid.ravel()),
                                   seed_b_crit=np.array([f.b_crit if f else math.nan for f in per_seed]),
                                   b_simple=np.array(noise), checkpoint_losses=np.array(levels)))
    return found


# --- analysis: schedules --------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ScheduleComparison:
    """Final validation losses at one ``budget`` (characters): ``cosine`` and ``wsd`` (branched) runs, shape
    (learning rates, seeds), at each peak rate of ``learning_rates`` and seed of ``seeds``; and what each schedule
    cost for all budgets together, per learning rate and seed (``cosine_tokens_all``: the sum of the budgets;
    ``wsd_tokens_all``: one stable phase plus every decay)."""

    budget: int
    learning_rates: np.ndarray
    seeds: np.ndarray
    cosine: np.ndarray
    wsd: np.ndarray
    cosine_tokens_all: int
    wsd_tokens_all: int

    def best(self, schedule: str) -> tuple[float, np.ndarray]:
        """The peak rate of ``schedule`` ("cosine" or "wsd") with the lowest mean loss over seeds, and its losses."""
        v.one_of("schedule", schedule, {"cosine", "wsd"})
        losses = self.cosine if schedule == "cosine" else self.wsd
        row = int(np.argmin(losses.mean(axis=1)))
        return float(self.learning_rates[row]), losses[row]

    @property
    def difference(self) -> float:
        """Mean loss of WSD minus cosine, each at its own best peak rate (nats per character; > 0: WSD is worse)."""
        return float(self.best("wsd")[1].mean() - self.best("cosine")[1].mean())


def schedule_comparison(columns: dict[str, np.ndarray] | None = None) -> list[ScheduleComparison]:
    """Cosine against branched WSD at every budget of the shipped (or given) schedules results."""
    data = load_hparam_results("schedules") if columns is None else columns
    final = data["final"] == 1
    seeds = np.unique(data["seed"][final])
    rates = np.unique(data["learning_rate"][final])
    cosine_all = int(np.unique(data["budget"][final & (data["wsd"] == 0)]).sum())
    wsd_costs = np.unique(data["tokens_trained"][final & (data["wsd"] == 1)])
    if wsd_costs.size != 1:
        raise ValueError(f"the WSD runs should share one cost in tokens_trained (got {wsd_costs.tolist()})")
    found = []
    for budget in np.unique(data["budget"][final]):
        losses = {0: np.full((rates.size, seeds.size), math.nan), 1: np.full((rates.size, seeds.size), math.nan)}
        for wsd in (0, 1):
            for k, rate in enumerate(rates):
                rows = np.flatnonzero(final & (data["budget"] == budget) & (data["wsd"] == wsd)
                                      & (data["learning_rate"] == rate))
                rows = rows[np.argsort(data["seed"][rows])]
                if not np.array_equal(data["seed"][rows], seeds):
                    raise ValueError(f"budget {budget}, peak rate {rate:g}: expected one "
                                     f"{'WSD' if wsd else 'cosine'} run per seed {seeds.tolist()}")
                losses[wsd][k] = data["val_loss"][rows]
        found.append(ScheduleComparison(budget=int(budget), learning_rates=rates, seeds=seeds, cosine=losses[0],
                                        wsd=losses[1], cosine_tokens_all=cosine_all,
                                        wsd_tokens_all=int(wsd_costs[0])))
    return found


# --- summary and command line ---------------------------------------------------------------------------------------

def summary(experiment: str, columns: dict[str, np.ndarray], design=None) -> str:
    """What ``columns`` of ``experiment`` (made with ``design``, default the shipped one) show, as text."""
    v.one_of("experiment", experiment, EXPERIMENTS)
    design = DESIGNS[experiment] if design is None else design
    lines = []
    if experiment == "lr-transfer":
        optima = learning_rate_optima(columns)
        for o in optima:
            spread = "" if o.optima.size < 2 else f" × 2^±{o.log2_sd:.2f}"
            edge = "" if o.bracketed.all() else f" ({(~o.bracketed).sum()} seed(s) at the grid's edge)"
            lines.append(f"{o.label:>16}  width {o.width:>4}: best learning rate {o.learning_rate:.4g}{spread}, "
                         f"best loss {o.best_losses.mean():.4f}{edge}")
        if len({o.width for o in optima}) >= 2:
            for d in learning_rate_drift(optima):
                label = "SP" if d.parametrization == "sp" else f"µP (base {d.base_width})"
                lines.append(f"{label}: optimum ∝ width^{d.slope:+.2f} ± {d.slope_se:.2f}, a factor "
                             f"{d.fold_change:.2f} between widths; seed s.d. 2^{d.seed_sd:.2f}: "
                             + ("drift exceeds the seed noise" if d.exceeds_noise else "no drift beyond the noise"))
    elif experiment == "batch-size":
        for c in critical_batch_sizes(columns, targets=design.targets):
            lines.append(f"target {c.target:.2f}: mean steps over seeds " + ", ".join(
                f"B={int(b)}: {s:.0f}" for b, s in zip(c.batches, np.nanmean(c.steps, axis=0))))
            fit = (f"S_min = {c.tradeoff.s_min:.0f}, E_min = {c.tradeoff.e_min:.3g}, B_crit = {c.b_crit:.0f} "
                   f"(per seed: {', '.join(f'{b:.0f}' for b in c.seed_b_crit)})"
                   if c.tradeoff else "no fit (fewer than 3 batch sizes reached it)")
            low, high = c.b_simple_quartiles()
            lines.append(f"  {fit}; B_simple median {c.b_simple_median:.0f} (quartiles {low:.0f} to {high:.0f}) "
                         f"over {c.b_simple.size} checkpoints")
    else:
        comparisons = schedule_comparison(columns)
        for c in comparisons:
            (cosine_rate, cosine), (wsd_rate, wsd) = c.best("cosine"), c.best("wsd")
            by_rate = "; ".join(f"{r:g}: cosine {a:.4f}, WSD {b:.4f}" for r, a, b
                                in zip(c.learning_rates, c.cosine.mean(axis=1), c.wsd.mean(axis=1)))
            lines.append(f"budget {c.budget:>9,}: best cosine {cosine.mean():.4f} (peak {cosine_rate:g}), best WSD "
                         f"{wsd.mean():.4f} (peak {wsd_rate:g}), WSD − cosine {c.difference:+.4f}  [{by_rate}]")
        lines.append(f"characters trained for all budgets, per peak rate and seed: cosine "
                     f"{comparisons[0].cosine_tokens_all:,}, branched WSD {comparisons[0].wsd_tokens_all:,}")
    return "\n".join(lines)


def add_hparam_sweep_command(subparsers) -> argparse.ArgumentParser:
    """Register ``scalingedu hparam-sweep --experiment NAME [--quick] --out FILE.csv [--processes P]``."""
    parser = subparsers.add_parser("hparam-sweep", help="train lesson 10's hyperparameter sweeps on this CPU",
                                   description="Train one of the lab's hyperparameter experiments (learning-rate "
                                               "transfer, batch size, schedules) and write a CSV (plus "
                                               "provenance JSON).")
    parser.add_argument("--experiment", required=True, choices=EXPERIMENTS, help="which experiment to run")
    parser.add_argument("--quick", action="store_true", help="a small version that finishes in seconds")
    parser.add_argument("--out", required=True, help="CSV file to write (its provenance goes to FILE.json)")
    parser.add_argument("--processes", type=int, default=None, help="worker processes (default: one per core)")
    parser.set_defaults(handler=run_hparam_sweep)
    return parser


def run_hparam_sweep(args: argparse.Namespace) -> int:
    """Run the experiment the parsed ``args`` ask for, write the CSV and its provenance, print a summary."""
    name = v.one_of("experiment", args.experiment, EXPERIMENTS)
    quick = bool(getattr(args, "quick", False))
    design = (QUICK_DESIGNS if quick else DESIGNS)[name]
    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        raise ValueError(f"--out must name a .csv file (got {str(out)!r})")
    if not out.parent.is_dir():
        raise ValueError(f"--out names a file in {str(out.parent)!r}, which is not a folder")
    workers = getattr(args, "processes", None) or (os.cpu_count() or 1)
    start = time.perf_counter()
    columns = run_experiment(name, design, processes=workers, progress=True)
    seconds = time.perf_counter() - start
    command = f"scalingedu hparam-sweep --experiment {name}" + (" --quick" if quick else "") + f" --out {out.name}"
    meta = provenance(design, seconds=seconds, processes=workers, command=command)
    meta.update(experiment=name, quick=quick, seeds=_seeds_of(design), note=SHARED_CPU_NOTE)
    write_results(columns, out, meta)
    print(f"{name}: {seconds:.1f} s; wrote {out} and {out.with_suffix('.json')}")
    print()
    print(summary(name, columns, design))
    return 0


def _seeds_of(design) -> list[int]:
    count = getattr(design, "seeds", 1)
    return list(range(design.seed, design.seed + count))
