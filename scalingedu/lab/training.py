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
run's end, the schedule Hoffmann et al. 2022 (§3 and App. B) found must match the run's length.
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

DEFAULT_BATCH = 256
VALIDATION_CHARACTERS = 16384
"""Validation positions, evenly spaced over the held-out files (the standard error of the loss is below 0.01)."""
WARMUP_FRACTION = 0.05
FINAL_LR_FRACTION = 0.1


def default_learning_rate(width: int) -> float:
    """Peak Adam learning rate for a model ``width`` units wide: 0.01 at width 32, falling as 1/sqrt(width).

    Wider layers sum more inputs, so the same step size moves their outputs further; shrinking the rate with width
    (here 1/sqrt, a compromise between standard practice and the 1/width of maximal-update parametrisation) keeps
    the widest models stable. One rule for every model: no per-run tuning.
    """
    w = v.positive_int("width", width)
    return 0.01 * math.sqrt(32.0 / w)


def learning_rate_at(step: int, steps: int, peak: float) -> float:
    """The schedule: linear warm-up over 5 % of the steps, then cosine decay from ``peak`` to 10 % of it."""
    warmup = max(1, int(WARMUP_FRACTION * steps))
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress)))


@dataclass(frozen=True, eq=False)
class RunResult:
    """What one training run measured: the model and data (``params``, ``tokens``, ``steps``), the exact
    ``flops_counted`` and the nominal budget ``flops`` = 6·N·D, the final ``val_loss`` and mean ``train_loss`` over
    the last tenth of the steps (nats per character), the wall-clock ``seconds``, and the learning curve
    (``curve_tokens``, ``curve_val_loss``) when asked for; ``model`` is the trained model itself."""

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


def train(config: ModelConfig, tokens: int, *, batch: int = DEFAULT_BATCH, learning_rate: float | None = None,
          seed: int = 0, unique_tokens: int | None = None, corruption: float = 0.0, curve_points: int = 0,
          corpus: Corpus | None = None, validation_characters: int = VALIDATION_CHARACTERS) -> RunResult:
    """Train a fresh model of shape ``config`` on ``tokens`` characters and return what it measured.

    ``seed`` fixes the initialisation (and the corruption pattern); the data order is fixed by the corpus and the
    batch size. ``learning_rate`` defaults to :func:`default_learning_rate`. ``curve_points`` > 0 also records the
    validation loss at that many evenly spaced points during training (on a quarter of the validation positions,
    to keep it cheap). Same inputs on the same machine give bit-identical results.
    """
    if not isinstance(config, ModelConfig):
        raise TypeError(f"config must be a ModelConfig, not {type(config).__name__}")
    b = v.positive_int("batch", batch)
    total = v.positive_int("tokens", tokens, minimum=b)
    steps = total // b
    peak = default_learning_rate(config.width) if learning_rate is None else float(
        v.positive("learning_rate", learning_rate))
    points = v.positive_int("curve_points", curve_points, minimum=0, maximum=1000)
    corpus = load_corpus() if corpus is None else corpus
    context = config.context
    lane_starts, lane = lanes(len(corpus.train), context, b, unique_tokens)
    stream = training_stream(corpus, lane_starts, lane, context, corruption, seed)
    model = MLPLanguageModel(config, seed=seed)
    checkpoints = set(np.linspace(0, steps, points + 1).astype(int)[1:]) if points else set()
    curve_tokens, curve_loss, recent = [], [], []
    start = time.perf_counter()
    for step in range(steps):
        contexts, targets = _windows(stream, lane_starts + step % lane, context)
        loss = model.loss_and_gradient(contexts, targets)
        model.adam_step(learning_rate_at(step, steps, peak))
        if step >= steps - max(1, steps // 10):
            recent.append(loss)
        if step + 1 in checkpoints:
            curve_tokens.append((step + 1) * b)
            curve_loss.append(validation_loss(model, corpus, max(1024, validation_characters // 4)))
    seconds = time.perf_counter() - start
    val = validation_loss(model, corpus, validation_characters)
    if not math.isfinite(val):
        raise FloatingPointError(f"training diverged (validation loss {val}) for width {config.width} at learning "
                                 f"rate {peak:g}")
    return RunResult(width=config.width, params=config.params, tokens=steps * b, steps=steps, batch=b,
                     flops=float(six_nd(config.params, steps * b)),
                     flops_counted=steps * training_flops_per_step(config, b).total,
                     val_loss=val, train_loss=float(np.mean(recent)), seconds=seconds, learning_rate=peak,
                     seed=int(seed), unique_tokens=lane * b, corruption=float(corruption),
                     curve_tokens=np.array(curve_tokens, dtype=float), curve_val_loss=np.array(curve_loss),
                     model=model)


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
