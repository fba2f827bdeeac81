"""Train one lab model for a given number of tokens and measure its validation loss.

Data order. The training text is cut into ``batch`` equal lanes; step t takes the character at offset t of every
lane (with the ``context`` characters before it), so one batch mixes ``batch`` far-apart places of the standard
library and no character is predicted twice until every lane is used up. Every run with the same batch size sees
the same text in the same order, whatever its model size, so differences between runs come from the models, not
from luck of the data draw. ``unique_tokens`` = U keeps only the first U/batch characters of every lane, which are
then repeated for as many epochs as the run needs (the repetition experiment): the unique text is still spread over
the whole standard library, so repetition is not confused with a narrower choice of files. ``corruption`` replaces
that fraction of the characters a run reads with random ones (the data-quality experiment). Validation always uses
clean held-out files.

Schedule: Adam with a linear warm-up over the first 5 % of steps, then cosine decay to 10 % of the peak rate at the
run's end, the schedule Hoffmann et al. 2022 (§3 and App. B) found must match the run's length; or, with
``schedule="wsd"``, warmup-stable-decay (:mod:`scalingedu.lab.schedules`), whose stable phase one run can share
between several budgets (:func:`train_wsd_branches`). ``parametrization="mup"`` trains the model in µP
(:mod:`scalingedu.lab.model`).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as v
from .corpus import VOCAB_SIZE, Corpus, load_corpus
from .flops import six_nd, training_flops_per_step
from .model import MLPLanguageModel, ModelConfig
from .processes import single_threaded_blas
from .schedules import DECAY_FRACTION, FINAL_LR_FRACTION, WARMUP_FRACTION, decay_steps, learning_rate_at
from .schedules import schedule as schedule_rate

DEFAULT_BATCH = 256
VALIDATION_CHARACTERS = 16384
"""Validation positions, evenly spaced over the held-out files (the standard error of the loss is below 0.01)."""
# learning_rate_at and the schedule constants live in .schedules; they stay importable from here for older code
__all__ = ["DEFAULT_BATCH", "FINAL_LR_FRACTION", "VALIDATION_CHARACTERS", "WARMUP_FRACTION", "RunResult",
           "TrainingData", "WSDBranches", "default_learning_rate", "generate", "lanes", "learning_rate_at", "train",
           "train_isolated", "train_wsd_branches", "training_data", "training_stream", "validation_loss"]


def default_learning_rate(width: int) -> float:
    """Peak Adam learning rate for a model ``width`` units wide: 0.01 at width 32, falling as 1/sqrt(width).

    Wider layers sum more inputs, so the same step size moves their outputs further; shrinking the rate with width
    (here 1/sqrt, a compromise between standard practice and the 1/width of maximal-update parametrisation) keeps
    the widest models stable. One rule for every model: no per-run tuning.
    """
    w = v.positive_int("width", width)
    return 0.01 * math.sqrt(32.0 / w)


@dataclass(frozen=True, eq=False)
class RunResult:
    """What one training run measured: the model and data (``params``, ``tokens``, ``steps``), the exact
    ``flops_counted`` and the nominal budget ``flops`` = 6·N·D, the final ``val_loss`` and mean ``train_loss`` over
    the last tenth of the steps (nats per character), the wall-clock ``seconds``, and the learning curve
    (``curve_tokens``, ``curve_val_loss``) when asked for; ``model`` is the trained model itself;
    ``parametrization`` ("sp" or "mup") and ``schedule`` ("cosine" or "wsd") say how it was trained."""

    width: int
    params: int
    tokens: int
    steps: int
    batch: int
    flops: float
    flops_counted: int
    val_loss: float
    train_loss: float
    seconds: float
    learning_rate: float
    seed: int
    unique_tokens: int
    corruption: float
    parametrization: str = "sp"
    schedule: str = "cosine"
    curve_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0))
    curve_val_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    model: MLPLanguageModel | None = field(default=None, repr=False)

    @property
    def epochs(self) -> float:
        return self.tokens / self.unique_tokens

    @property
    def flops_per_second(self) -> float:
        return self.flops_counted / self.seconds


def _windows(stream: np.ndarray, positions: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    window = stream[positions[:, None] + np.arange(-context, 1)]
    return window[:, :context], window[:, context]


def validation_loss(model: MLPLanguageModel, corpus: Corpus, characters: int = VALIDATION_CHARACTERS) -> float:
    """Mean cross-entropy (nats per character) on ``characters`` positions evenly spaced over the held-out text."""
    count = v.positive_int("characters", characters, minimum=1)
    context = model.config.context
    positions = np.linspace(context, len(corpus.validation) - 1, count).astype(np.int64)
    total = 0.0
    for start in range(0, count, 4096):
        contexts, targets = _windows(corpus.validation, positions[start:start + 4096], context)
        total += float(np.sum(_row_losses(model, contexts, targets), dtype=np.float64))
    return total / count


def _row_losses(model, contexts, targets):
    logits = model.logits(contexts).astype(np.float64)
    logits -= logits.max(axis=1, keepdims=True)
    return np.log(np.exp(logits).sum(axis=1)) - logits[np.arange(len(targets)), targets]


def lanes(characters: int, context: int, batch: int, unique_tokens: int | None = None) -> tuple[np.ndarray, int]:
    """Start positions of the ``batch`` lanes over a text of ``characters`` characters, and how many characters of
    each lane a run uses before it wraps round (all of the lane, or ``unique_tokens`` / ``batch``)."""
    full = (characters - context) // batch
    if full < 1:
        raise ValueError(f"batch = {batch} lanes do not fit in {characters} characters of training text")
    length = full if unique_tokens is None else v.positive_int(
        "unique_tokens", unique_tokens, minimum=batch, maximum=full * batch) // batch
    return context + full * np.arange(batch), length


def training_stream(corpus: Corpus, starts: np.ndarray, length: int, context: int, corruption: float = 0.0,
                    seed: int = 0) -> np.ndarray:
    """The training text with a ``corruption`` fraction of the characters the lanes read (``length`` from each of
    ``starts``, plus their contexts) replaced by uniformly random symbols, drawn with ``seed``."""
    fraction = float(v.in_range("corruption", corruption, 0.0, 1.0))
    if fraction == 0:
        return corpus.train
    rng = np.random.default_rng([seed, 1])
    read = (starts[:, None] + np.arange(-context, length)).ravel()
    hit = read[rng.random(read.size, dtype=np.float32) < fraction]
    stream = corpus.train.copy()
    stream[hit] = rng.integers(0, VOCAB_SIZE, size=hit.size, dtype=np.uint8)
    return stream


@dataclass(frozen=True, eq=False)
class TrainingData:
    """The batches of a run: step t reads the character at offset t mod ``lane`` of each lane of ``stream`` that
    starts at ``starts`` (with the ``context`` characters before it); :meth:`batch_at` gives them."""

    stream: np.ndarray
    starts: np.ndarray
    lane: int
    context: int

    @property
    def batch(self) -> int:
        return len(self.starts)

    def batch_at(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """(contexts, targets) of step ``step``: shapes (batch, context) and (batch,)."""
        return _windows(self.stream, self.starts + step % self.lane, self.context)


def training_data(corpus: Corpus, context: int, batch: int, *, unique_tokens: int | None = None,
                  corruption: float = 0.0, seed: int = 0) -> TrainingData:
    """The data order of :func:`train` (see the module's docstring) for ``batch`` lanes of ``corpus``."""
    starts, lane = lanes(len(corpus.train), context, batch, unique_tokens)
    return TrainingData(training_stream(corpus, starts, lane, context, corruption, seed), starts, lane, context)


def _checkpoints(first: int, last: int, points: int) -> set[int]:
    """Step counts after which to measure the curve: ``points`` evenly spaced in (first, last]."""
    return set(np.linspace(first, last, points + 1).astype(int)[1:]) if points else set()


def _run_steps(model, data, first, stop, rate, losses, checkpoints=(), record=None) -> None:
    """Steps ``first`` … ``stop`` - 1 at ``rate(step)``; training losses appended to ``losses``; ``record(steps)``
    after every step count in ``checkpoints``."""
    for step in range(first, stop):
        contexts, targets = data.batch_at(step)
        losses.append(model.loss_and_gradient(contexts, targets))
        model.adam_step(rate(step))
        if step + 1 in checkpoints:
            record(step + 1)


def _peak_rate(config, learning_rate, parametrization, base_width) -> float:
    if learning_rate is not None:
        return float(v.positive("learning_rate", learning_rate))
    return default_learning_rate(base_width if parametrization == "mup" else config.width)


def _result(model, corpus, data, steps, peak, seed, corruption, losses, seconds, validation_characters,
            curve_tokens, curve_loss, schedule_name) -> RunResult:
    config, b = model.config, data.batch
    val = validation_loss(model, corpus, validation_characters)
    if not math.isfinite(val):
        raise FloatingPointError(f"training diverged (validation loss {val}) for width {config.width} at learning "
                                 f"rate {peak:g}")
    return RunResult(width=config.width, params=config.params, tokens=steps * b, steps=steps, batch=b,
                     flops=float(six_nd(config.params, steps * b)),
                     flops_counted=steps * training_flops_per_step(config, b).total,
                     val_loss=val, train_loss=float(np.mean(losses[steps - max(1, steps // 10):steps])),
                     seconds=seconds, learning_rate=peak, seed=int(seed), unique_tokens=data.lane * b,
                     corruption=float(corruption), parametrization=model.parametrization, schedule=schedule_name,
                     curve_tokens=np.array(curve_tokens, dtype=float), curve_val_loss=np.array(curve_loss),
                     model=model)


def train(config: ModelConfig, tokens: int, *, batch: int = DEFAULT_BATCH, learning_rate: float | None = None,
          seed: int = 0, unique_tokens: int | None = None, corruption: float = 0.0, curve_points: int = 0,
          corpus: Corpus | None = None, validation_characters: int = VALIDATION_CHARACTERS,
          parametrization: str = "sp", base_width: int = 32, schedule: str = "cosine",
          decay_fraction: float = DECAY_FRACTION, warmup_steps: int | None = None) -> RunResult:
    """Train a fresh model of shape ``config`` on ``tokens`` characters and return what it measured.

    ``seed`` fixes the initialisation (and the corruption pattern); the data order is fixed by the corpus and the
    batch size. ``learning_rate`` is the peak rate; it defaults to :func:`default_learning_rate` of the width (of
    ``base_width`` under µP, whose point is that the base width's rate serves every width). ``curve_points`` > 0
    also records the validation loss at that many evenly spaced points during training (on a quarter of the
    validation positions, to keep it cheap). ``parametrization`` ("sp" or "mup", relative to ``base_width``) is
    passed to :class:`MLPLanguageModel`; ``schedule`` is "cosine" or "wsd" (decaying over the last
    ``decay_fraction`` of the steps); ``warmup_steps`` overrides the warm-up of 5 % of the steps. Same inputs on
    the same machine give bit-identical results.
    """
    if not isinstance(config, ModelConfig):
        raise TypeError(f"config must be a ModelConfig, not {type(config).__name__}")
    b = v.positive_int("batch", batch)
    total = v.positive_int("tokens", tokens, minimum=b)
    steps = total // b
    model = MLPLanguageModel(config, seed=seed, parametrization=parametrization, base_width=base_width)
    peak = _peak_rate(config, learning_rate, parametrization, base_width)
    rate = schedule_rate(schedule, steps, peak, decay_fraction=decay_fraction, warmup=warmup_steps)
    points = v.positive_int("curve_points", curve_points, minimum=0, maximum=1000)
    corpus = load_corpus() if corpus is None else corpus
    data = training_data(corpus, config.context, b, unique_tokens=unique_tokens, corruption=corruption, seed=seed)
    curve_tokens, curve_loss, losses = [], [], []

    def record(done):
        curve_tokens.append(done * b)
        curve_loss.append(validation_loss(model, corpus, max(1024, validation_characters // 4)))

    start = time.perf_counter()
    _run_steps(model, data, 0, steps, rate, losses, _checkpoints(0, steps, points), record)
    seconds = time.perf_counter() - start
    return _result(model, corpus, data, steps, peak, seed, corruption, losses, seconds, validation_characters,
                   curve_tokens, curve_loss, schedule)


@dataclass(frozen=True, eq=False)
class WSDBranches:
    """One WSD run branched at several budgets (:func:`train_wsd_branches`).

    ``runs`` holds one :class:`RunResult` per budget (ascending), each exactly the run ``train(...,
    schedule="wsd", warmup_steps=warmup_steps)`` of that length would give, and each with its learning curve: the
    shared stable phase up to its branch point, then ``decay`` points along its own decay. ``stable_steps`` is the
    length of the shared stable phase (up to the last branch point), whose own curve is ``curve_tokens``,
    ``curve_val_loss``; ``seconds`` the training time of the whole thing (each run's ``seconds`` is that of the
    stable phase up to its branch point plus its decay: what it would have taken alone)."""

    runs: tuple[RunResult, ...]
    stable_steps: int
    decay_steps: tuple[int, ...]
    batch: int
    warmup_steps: int
    seconds: float
    curve_tokens: np.ndarray
    curve_val_loss: np.ndarray

    @property
    def tokens_trained(self) -> int:
        """Characters actually trained on: the stable phase once plus every decay (the compute spent)."""
        return (self.stable_steps + sum(self.decay_steps)) * self.batch

    @property
    def tokens_separate(self) -> int:
        """Characters that separate runs at every budget would train on (cosine, or WSD trained once per budget)."""
        return sum(run.tokens for run in self.runs)


def train_wsd_branches(config: ModelConfig, tokens, *, batch: int = DEFAULT_BATCH,
                       learning_rate: float | None = None, seed: int = 0,
                       decay_fraction: float = DECAY_FRACTION, warmup_steps: int | None = None,
                       parametrization: str = "sp", base_width: int = 32, curve_points: int = 0,
                       decay_points: int = 4, corpus: Corpus | None = None,
                       validation_characters: int = VALIDATION_CHARACTERS) -> WSDBranches:
    """Evaluate a WSD schedule at every budget of ``tokens`` (characters, one per budget) from one stable phase.

    The point of WSD (Hu et al. 2024, §4.2; Hägele et al. 2024, §3): until its decay starts, a WSD run does not
    depend on its length. So the stable phase is trained once, up to the start of the largest budget's decay;
    whenever it passes the branch point of a budget (that budget's steps minus its :func:`decay_steps`), the model
    and its Adam state are copied and the copy runs that budget's short decay. The total compute is the stable run
    plus the decays (:attr:`WSDBranches.tokens_trained`), not the sum of the budgets: one run serves them all.

    All budgets share one warm-up, ``warmup_steps`` (default: 5 % of the smallest budget's steps), which must end
    before the first decay starts. Other arguments as in :func:`train`; ``curve_points`` spaces validation checks
    over the stable phase, ``decay_points`` over each decay (when ``curve_points`` > 0). Bit-identical to training
    each budget separately with ``train(config, t, schedule="wsd", warmup_steps=...)``.
    """
    if not isinstance(config, ModelConfig):
        raise TypeError(f"config must be a ModelConfig, not {type(config).__name__}")
    b = v.positive_int("batch", batch)
    sizes = v.positive("tokens", tokens)
    counts = sizes.astype(np.int64) // b
    if sizes.ndim != 1 or counts.min() < 1 or np.unique(counts).size != counts.size:
        raise ValueError(f"tokens must list budgets of at least one batch ({b} characters) each, in different "
                         f"numbers of steps (got {tokens!r})")
    steps = sorted(int(s) for s in counts)
    decays = [decay_steps(s, decay_fraction) for s in steps]
    branch_points = [s - d for s, d in zip(steps, decays)]
    warm = (max(1, int(WARMUP_FRACTION * steps[0])) if warmup_steps is None
            else v.positive_int("warmup_steps", warmup_steps))
    if warm > branch_points[0]:
        raise ValueError(f"warmup_steps = {warm} must be <= {branch_points[0]}, the step where the smallest "
                         f"budget's decay starts")
    points = v.positive_int("curve_points", curve_points, minimum=0, maximum=1000)
    per_decay = v.positive_int("decay_points", decay_points, minimum=1, maximum=1000)
    corpus = load_corpus() if corpus is None else corpus
    model = MLPLanguageModel(config, seed=seed, parametrization=parametrization, base_width=base_width)
    peak = _peak_rate(config, learning_rate, parametrization, base_width)
    data = training_data(corpus, config.context, b)
    quarter = max(1024, validation_characters // 4)
    stable_rate = schedule_rate("wsd", steps[-1], peak, decay_fraction=decay_fraction, warmup=warm)
    stable_tokens, stable_loss, losses, runs = [], [], [], []

    def record(done):
        stable_tokens.append(done * b)
        stable_loss.append(validation_loss(model, corpus, quarter))

    checkpoints = _checkpoints(0, branch_points[-1], points)
    done, stable_seconds, decay_seconds = 0, 0.0, 0.0
    for total, branch in zip(steps, branch_points):
        clock = time.perf_counter()
        _run_steps(model, data, done, branch, stable_rate, losses, checkpoints, record)
        stable_seconds += time.perf_counter() - clock
        done = branch
        twin, own = model.copy(), losses[:branch]
        curve = [(t, loss) for t, loss in zip(stable_tokens, stable_loss) if t <= branch * b]

        def record_decay(finished, twin=twin, curve=curve):
            curve.append((finished * b, validation_loss(twin, corpus, quarter)))

        clock = time.perf_counter()
        rate = schedule_rate("wsd", total, peak, decay_fraction=decay_fraction, warmup=warm)
        _run_steps(twin, data, branch, total, rate, own,
                   _checkpoints(branch, total, per_decay if points else 0), record_decay)
        decay = time.perf_counter() - clock
        decay_seconds += decay
        runs.append(_result(twin, corpus, data, total, peak, seed, 0.0, own, stable_seconds + decay,
                            validation_characters, [t for t, _ in curve], [loss for _, loss in curve], "wsd"))
    return WSDBranches(runs=tuple(runs), stable_steps=branch_points[-1], decay_steps=tuple(decays), batch=b,
                       warmup_steps=warm, seconds=stable_seconds + decay_seconds,
                       curve_tokens=np.array(stable_tokens, dtype=float), curve_val_loss=np.array(stable_loss))


def generate(model: MLPLanguageModel, prompt: str, characters: int = 200, *, seed: int = 0,
             temperature: float = 1.0) -> str:
    """Continue ``prompt`` by sampling ``characters`` characters one at a time from ``model`` (``seed`` fixes the
    draws; lower ``temperature`` sharpens the distribution). Shorter prompts are padded on the left with spaces."""
    from .corpus import decode, encode

    if not isinstance(model, MLPLanguageModel):
        raise TypeError(f"model must be an MLPLanguageModel, not {type(model).__name__}")
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a string, not {type(prompt).__name__}")
    count = v.positive_int("characters", characters, minimum=0, maximum=100_000)
    heat = float(v.positive("temperature", temperature))
    context = model.config.context
    ids = list(encode(" " * context + prompt))
    rng = np.random.default_rng(seed)
    for _ in range(count):
        logits = model.logits(np.array([ids[-context:]], dtype=np.uint8))[0].astype(np.float64) / heat
        weights = np.exp(logits - logits.max())
        ids.append(int(rng.choice(len(weights), p=weights / weights.sum())))
    return decode(np.array(ids[context:]))


def _train_job(job):
    config, tokens, options = job
    return train(config, tokens, **options)


def train_isolated(config: ModelConfig, tokens: int, **options) -> RunResult:
    """:func:`train` in a fresh worker process with one BLAS thread, as the sweep's workers train.

    In a notebook kernel NumPy's BLAS may start one thread per core; on a machine whose cores are busy with other
    work, those threads wait for each other and a run of small matrix products can become ten times slower. A
    single-threaded worker avoids that and gives the same losses as the sweep. Takes ``train``'s keyword
    ``options`` except ``corpus`` (the worker reads its own); the result includes the trained ``model``.
    """
    import multiprocessing

    if "corpus" in options:
        raise TypeError("train_isolated reads the corpus in its worker: do not pass corpus")
    with single_threaded_blas(), multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_train_job, ((config, tokens, options),))
