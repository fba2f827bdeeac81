"""A downstream task for the lab's models, "complete the identifier": the lab's stand-in for a benchmark.

Benchmarks score a model's answers, not its loss: an answer is right or wrong as a whole (exact match, or the
chosen option of a multiple-choice question). This task does the same for a character-level model of Python
source, as an editor's autocompletion would be judged. From the *validation* files of the corpus (text no run
trained on), :func:`identifier_task` draws a fixed, seeded set of :data:`TASK_SIZE` positions where an identifier or
English word starts: 4 to 12 letters, digits or underscores (the first a letter or an underscore), right after a
space, '(', '.' or newline, and followed by a character that cannot be part of an identifier. The identifier's
first :data:`TASK_PREFIX` characters are given ("typed"), and the item's prompt is the :data:`TASK_CONTEXT`
characters before the first one to write (the models' context length), so it ends with them. :func:`task_score`
lets the model decode greedily (its most probable character each time) until it emits a character that cannot be
part of an identifier, or :data:`MAX_DECODE` characters, and scores **exact match**: the given start and the decoded
characters must make the whole identifier, one wrong character and the item scores 0. ``x = os.path.jo`` is right
only if the model writes ``in`` and then ends the word.

Why two characters are given: the first letter of an identifier is mostly a guess from 16 characters of context
(a new name, a word of a comment). With nothing given (``prefix=0``) the shipped sweep's runs all score between
0.05 and 0.09, flat across a 27-fold range of compute while their loss falls steadily; with two letters given the
accuracy rises from about 0.14 to 0.31 across the sweep. Both are measured; ``prefix`` selects the variant.

Alongside the accuracy it records the **task loss**: the mean cross-entropy per character (nats) of the correct
answers' characters (those the model must write), each predicted from the text before it (teacher forcing), pooled
over all items. This is the lab's version of the "normalised negative log-likelihood of the correct answer" that
Dubey et al. 2024 (the Llama 3 report, §3.2.1) forecast from compute before mapping it to a benchmark's accuracy
(:mod:`scalingedu.returns.forecast`).

:func:`run_downstream` retrains the shipped IsoFLOP sweep (:data:`scalingedu.lab.sweep.FULL_SWEEP`, seed 0) over
both cores, exactly as ``scalingedu sweep`` trained it, and scores every run on the task in its worker; the results
ship as ``results/downstream.csv`` with provenance ``results/downstream.json`` (:func:`load_downstream`). Since a
run depends only on its design and seed, the retrained validation losses equal ``results/sweep.csv``'s bit for bit
on the same machine; the provenance records whether they did. Command: ``python -m scalingedu.lab.downstream --out
FILE.csv``.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import os
import time
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .. import _validate as v
from .corpus import NEWLINE_ID, VOCAB_SIZE, Corpus, check_corpus, decode, encode, load_corpus
from .sweep import FULL_SWEEP, SweepDesign, provenance, read_results, run_jobs, write_results

TASK_SIZE = 2000
"""Items (identifier positions) in the task: the standard error of an accuracy near 0.3 is about 0.01."""
TASK_SEED = 0
"""Seed of the draw of the task's positions from every eligible position of the validation text."""
TASK_CONTEXT = 16
"""Characters of prompt before the first character to write: the context length of the sweep's models."""
TASK_PREFIX = 2
"""Characters of each identifier given at the end of its prompt; the model writes the rest."""
MIN_LENGTH, MAX_LENGTH = 4, 12
"""Identifier lengths in the task, in characters."""
MAX_DECODE = 14
"""Greedy decoding stops after this many characters if the model has not ended the identifier by then."""
DELIMITERS = " (.\n"
"""The characters an identifier of the task follows."""

DOWNSTREAM_COLUMNS = ("budget", "width", "params", "tokens", "flops", "val_loss", "task_accuracy", "task_loss")
"""Columns of ``results/downstream.csv``: the sweep's run (``budget`` nominal, ``flops`` = 6·N·D as trained), its
validation loss (nats per character), the task's exact-match accuracy and its task loss (nats per character of
the correct answers)."""


def _symbol_table(characters: str) -> np.ndarray:
    table = np.zeros(VOCAB_SIZE, dtype=bool)
    table[encode(characters)] = True
    return table


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
IDENTIFIER_SYMBOLS = _symbol_table(_LETTERS + "0123456789")
"""Which of the 97 symbols can be part of an identifier: letters, digits and the underscore."""
_STARTS = _symbol_table(_LETTERS)
_DELIMITERS = _symbol_table(DELIMITERS)


@dataclass(frozen=True, eq=False)
class IdentifierTask:
    """The task's items: ``positions`` (where each identifier starts in the corpus's validation text) and their
    ``identifier_lengths``; the first ``prefix`` characters of each are given, so the model writes ``answers``
    (the rest of the identifier's symbols, padded with the newline symbol to :data:`MAX_LENGTH`), ``lengths`` of
    them, from ``contexts`` (the ``context`` symbols before the first one to write, shape (items, context));
    ``eligible`` counts the positions the items were drawn from and ``corpus_hash`` names the text."""

    positions: np.ndarray
    identifier_lengths: np.ndarray
    prefix: int
    contexts: np.ndarray
    answers: np.ndarray
    lengths: np.ndarray
    eligible: int
    seed: int
    corpus_hash: str

    @property
    def size(self) -> int:
        return len(self.positions)

    @property
    def context(self) -> int:
        return self.contexts.shape[1]

    def answer(self, item: int) -> str:
        """What the model must write for item ``item`` (the identifier after its given start), as text."""
        return decode(self.answers[item, :self.lengths[item]])

    def identifier(self, item: int) -> str:
        """The whole identifier of item ``item``, as text: the end of its prompt plus its answer."""
        return decode(self.contexts[item, self.context - self.prefix:]) + self.answer(item)

    def prompt(self, item: int) -> str:
        """The prompt of item ``item``, as text."""
        return decode(self.contexts[item])

    def fingerprint(self) -> str:
        """SHA-256 (hex, first 16 digits) of the positions and the corpus hash: which items these are."""
        digest = hashlib.sha256(self.corpus_hash.encode())
        digest.update(self.positions.astype(np.int64).tobytes())
        digest.update(self.prefix.to_bytes(2, "little"))
        return digest.hexdigest()[:16]

    def describe(self) -> dict:
        """The task's definition, for provenance."""
        return {"items": self.size, "eligible_positions": self.eligible, "seed": self.seed, "context": self.context,
                "prefix": self.prefix, "lengths": [MIN_LENGTH, MAX_LENGTH], "delimiters": DELIMITERS,
                "max_decode": MAX_DECODE,
                "fingerprint": self.fingerprint(), "source": "validation files of the corpus"}


def eligible_positions(text: np.ndarray, context: int = TASK_CONTEXT) -> tuple[np.ndarray, np.ndarray]:
    """Every position of ``text`` (symbol ids) where an identifier of the task starts, and its length: a run of
    :data:`MIN_LENGTH` to :data:`MAX_LENGTH` identifier symbols that starts with a letter or underscore, follows one of
    :data:`DELIMITERS`, ends before the text does and has at least ``context`` symbols before it."""
    symbols = np.asarray(text)
    inside = IDENTIFIER_SYMBOLS[symbols]
    edges = np.diff(np.concatenate(([False], inside, [False])).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)      # runs are [start, end)
    lengths = ends - starts
    keep = ((lengths >= MIN_LENGTH) & (lengths <= MAX_LENGTH) & (starts >= context) & (ends < len(symbols)))
    starts, lengths = starts[keep], lengths[keep]
    keep = _STARTS[symbols[starts]] & _DELIMITERS[symbols[starts - 1]]
    return starts[keep], lengths[keep]


@functools.lru_cache(maxsize=8)
def _cached_task(corpus: Corpus, size: int, seed: int, context: int, prefix: int) -> IdentifierTask:
    text = corpus.validation
    starts, lengths = eligible_positions(text, context)
    if starts.size < size:
        raise ValueError(f"size = {size} is more than the {starts.size} eligible positions of the validation text")
    chosen = np.sort(np.random.default_rng(seed).choice(starts.size, size=size, replace=False))
    positions, identifier_lengths = starts[chosen], lengths[chosen]
    first = positions + prefix                           # the first character the model writes
    contexts = text[first[:, None] + np.arange(-context, 0)]
    answer_lengths = identifier_lengths - prefix
    offsets = np.arange(MAX_LENGTH)
    answers = np.where(offsets < answer_lengths[:, None], text[np.minimum(first[:, None] + offsets, len(text) - 1)],
                       NEWLINE_ID).astype(np.uint8)
    for array in (positions, identifier_lengths, answer_lengths, contexts, answers):
        array.setflags(write=False)
    return IdentifierTask(positions=positions, identifier_lengths=identifier_lengths, prefix=prefix,
                          contexts=contexts, answers=answers, lengths=answer_lengths, eligible=int(starts.size),
                          seed=seed, corpus_hash=corpus.hash)


def identifier_task(corpus: Corpus | None = None, *, size: int = TASK_SIZE, seed: int = TASK_SEED,
                    context: int = TASK_CONTEXT, prefix: int = TASK_PREFIX) -> IdentifierTask:
    """The "complete the identifier" task on ``corpus``'s validation text (default: this Python's corpus):
    ``size`` items drawn without replacement by ``seed`` from :func:`eligible_positions`, in text order, each with
    its first ``prefix`` characters given (0 to 3; the items are the same identifiers whatever the prefix). The
    same corpus, size, seed, context and prefix always give the same items."""
    corpus = load_corpus() if corpus is None else corpus
    if not isinstance(corpus, Corpus):
        raise TypeError(f"corpus must be a Corpus (scalingedu.lab.load_corpus()), not {type(corpus).__name__}")
    return _cached_task(corpus, v.positive_int("size", size, maximum=1_000_000),
                        v.positive_int("seed", seed, minimum=0), v.positive_int("context", context, maximum=4096),
                        v.positive_int("prefix", prefix, minimum=0, maximum=MIN_LENGTH - 1))


@dataclass(frozen=True, eq=False)
class TaskScore:
    """A model's result on an :class:`IdentifierTask`: ``accuracy`` (share of exact matches), ``loss`` (mean nats
    per character of the correct identifiers, teacher-forced), ``correct`` (one bool per item) and
    ``completions`` (the greedily decoded symbols, shape (items, :data:`MAX_DECODE`))."""

    accuracy: float
    loss: float
    correct: np.ndarray
    completions: np.ndarray

    def completion(self, item: int) -> str:
        """What the model wrote for item ``item``: its decoded symbols up to the first that ends an identifier."""
        symbols = self.completions[item]
        stop = np.flatnonzero(~IDENTIFIER_SYMBOLS[symbols])
        return decode(symbols[:stop[0] if stop.size else len(symbols)])


def _check_model(model, task: IdentifierTask):
    if not isinstance(task, IdentifierTask):
        raise TypeError(f"task must be an IdentifierTask (identifier_task()), not {type(task).__name__}")
    if not callable(getattr(model, "logits", None)) or not hasattr(model, "config"):
        raise TypeError(f"model must be a lab model (an MLPLanguageModel), not {type(model).__name__}")
    if model.config.context != task.context:
        raise ValueError(f"model reads {model.config.context} characters of context but the task's prompts hold "
                         f"{task.context}: build the task with context={model.config.context}")


def greedy_completions(model, task: IdentifierTask, characters: int = MAX_DECODE) -> np.ndarray:
    """``characters`` symbols greedily decoded (most probable first, ties to the lower id) from every prompt of
    ``task`` at once: one forward pass over all items per character. Shape (items, characters)."""
    _check_model(model, task)
    count = v.positive_int("characters", characters, maximum=1000)
    window = np.array(task.contexts, dtype=np.uint8)
    out = np.empty((task.size, count), dtype=np.uint8)
    for step in range(count):
        out[:, step] = np.argmax(model.logits(window), axis=1)
        window = np.concatenate([window[:, 1:], out[:, step:step + 1]], axis=1)
    return out


def _answer_losses(model, task: IdentifierTask, text: np.ndarray) -> float:
    from .training import _row_losses

    offsets = np.arange(MAX_LENGTH)
    inside = offsets < task.lengths[:, None]
    targets_at = (task.positions[:, None] + task.prefix + offsets)[inside]     # every character to write
    total = 0.0
    for start in range(0, targets_at.size, 4096):
        at = targets_at[start:start + 4096]
        contexts = text[at[:, None] + np.arange(-task.context, 0)]
        total += float(np.sum(_row_losses(model, contexts, text[at]), dtype=np.float64))
    return total / targets_at.size


def task_score(model, task: IdentifierTask | None = None, corpus: Corpus | None = None) -> TaskScore:
    """Score ``model`` on ``task`` (default: :func:`identifier_task` of ``corpus``): greedy decoding of every item,
    exact match of the whole identifier (the model must write the rest of it and then end it), and the task loss.
    Deterministic: the same model and task give the same score."""
    corpus = load_corpus() if corpus is None else corpus
    task = identifier_task(corpus) if task is None else task
    _check_model(model, task)
    if task.corpus_hash != corpus.hash:
        raise ValueError("task was built on a different corpus than corpus: build both from the same corpus")
    completions = greedy_completions(model, task)
    lengths = task.lengths
    columns = np.arange(MAX_LENGTH)
    same = (completions[:, :MAX_LENGTH] == task.answers) | (columns >= lengths[:, None])
    ended = ~IDENTIFIER_SYMBOLS[completions[np.arange(task.size), lengths]]
    correct = same.all(axis=1) & ended
    return TaskScore(accuracy=float(correct.mean()), loss=_answer_losses(model, task, corpus.validation),
                     correct=correct, completions=completions)


# --- the sweep's runs on the task -----------------------------------------------------------------------------------

def _run_one(job):
    """Worker: train one run of the sweep as ``scalingedu sweep`` does and score it on the task."""
    from .training import train

    index, design, budget, width, tokens, seed, corpus_hash = job
    corpus = check_corpus(corpus_hash)
    result = train(design.config(width), tokens, batch=design.batch, seed=seed, corpus=corpus)
    score = task_score(result.model, identifier_task(corpus, context=design.context), corpus)
    return index, {"budget": budget, "width": width, "params": result.params, "tokens": result.tokens,
                   "flops": result.flops, "val_loss": result.val_loss, "task_accuracy": score.accuracy,
                   "task_loss": score.loss, "seed": seed}


def run_downstream(design: SweepDesign = FULL_SWEEP, *, processes: int | None = None,
                   progress: bool = True) -> dict[str, np.ndarray]:
    """Retrain every run of ``design`` (the shipped sweep by default) over ``processes`` workers, one BLAS thread
    each, and score each on the task; return the columns of :data:`DOWNSTREAM_COLUMNS` in design order."""
    if not isinstance(design, SweepDesign):
        raise TypeError(f"design must be a SweepDesign, not {type(design).__name__}")
    if design.seeds != 1:
        raise ValueError(f"design must train one seed per run (got seeds = {design.seeds})")
    corpus = load_corpus()
    jobs = [(index, design, budget, width, tokens, design.seed, corpus.hash)
            for index, (budget, width, tokens) in enumerate(design.runs())]
    jobs.sort(key=lambda job: -job[2])          # the biggest budgets first, so that the cores finish together
    rows = run_jobs(_run_one, jobs, processes=processes, desc="downstream task", progress=progress)
    return {name: np.array([row[name] for row in rows], dtype=np.int64 if name in ("width", "params", "tokens")
                           else float) for name in DOWNSTREAM_COLUMNS}


def matches_sweep(columns: dict[str, np.ndarray], sweep: dict[str, np.ndarray] | None = None) -> bool:
    """Whether ``columns``' validation losses equal those of the same (budget, width) runs of ``sweep`` (default:
    the shipped ``results/sweep.csv``) bit for bit, and every run is found there."""
    from .sweep import load_results

    sweep = load_results() if sweep is None else sweep
    index = {(float(b), int(w)): float(loss) for b, w, loss in zip(sweep["budget"], sweep["width"],
                                                                   sweep["val_loss"])}
    return all(index.get((float(b), int(w))) == float(loss)
               for b, w, loss in zip(columns["budget"], columns["width"], columns["val_loss"]))


def write_downstream(path, *, design: SweepDesign = FULL_SWEEP, processes: int | None = None,
                     progress: bool = True, command: str | None = None) -> dict:
    """Run :func:`run_downstream` and write the CSV at ``path`` with its provenance JSON beside it (corpus hash,
    versions, machine, seconds, command, the task's definition and whether the losses reproduce the shipped
    sweep's bit for bit). Returns the provenance."""
    out = Path(path)
    if out.suffix.lower() != ".csv":
        raise ValueError(f"path must name a .csv file (got {str(out)!r})")
    if not out.parent.is_dir():
        raise ValueError(f"path names a file in {str(out.parent)!r}, which is not a folder")
    workers = processes or (os.cpu_count() or 1)
    start = time.perf_counter()
    columns = run_downstream(design, processes=workers, progress=progress)
    seconds = time.perf_counter() - start
    meta = provenance(design, seconds=seconds, processes=workers,
                      command=command or f"python -m scalingedu.lab.downstream --out {out.name}")
    meta["task"] = identifier_task(load_corpus(), context=design.context).describe()
    meta["val_loss_matches_sweep_csv"] = bool(asdict(design) == asdict(FULL_SWEEP) and matches_sweep(columns))
    write_results(columns, out, meta)
    return meta


def load_downstream(path=None) -> dict[str, np.ndarray]:
    """The shipped ``results/downstream.csv`` (or the CSV at ``path``) as column name -> array, checked: it must
    hold every column of :data:`DOWNSTREAM_COLUMNS`, accuracies in [0, 1] and positive losses."""
    if path is None:
        with resources.as_file(resources.files(__package__) / "results" / "downstream.csv") as shipped:
            columns = read_results(shipped, DOWNSTREAM_COLUMNS)
    else:
        columns = read_results(path, DOWNSTREAM_COLUMNS)
    v.in_range("task_accuracy", columns["task_accuracy"], 0.0, 1.0)
    for name in ("val_loss", "task_loss", "flops", "params", "tokens", "budget"):
        v.positive(name, columns[name])
    return columns


def main(argv=None) -> int:
    """``python -m scalingedu.lab.downstream --out FILE.csv [--processes P]``: retrain the shipped sweep, score
    every run on the "complete the identifier" task, write the CSV and its provenance JSON."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--out", required=True, help="CSV file to write (its provenance goes to FILE.json)")
    parser.add_argument("--processes", type=int, default=None, help="worker processes (default: one per core)")
    args = parser.parse_args(argv)
    meta = write_downstream(args.out, processes=args.processes)
    columns = load_downstream(args.out)
    print(f"{len(columns['val_loss'])} runs in {meta['seconds']:.1f} s; wrote {args.out}; validation losses "
          f"{'equal' if meta['val_loss_matches_sweep_csv'] else 'DIFFER FROM'} results/sweep.csv bit for bit")
    for row in zip(*(columns[name] for name in DOWNSTREAM_COLUMNS)):
        print(f"  C = {row[0]:.2g}, width {row[1]:3d}: val loss {row[5]:.4f}, task accuracy {row[6]:.3f}, "
              f"task loss {row[7]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
