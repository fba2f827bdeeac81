"""Tests of the lab's downstream task, "complete the identifier" (scalingedu.lab.downstream): its items, its
exact-match scoring, and the shipped scores of the sweep's runs."""
from __future__ import annotations

import platform

import numpy as np
import pytest

from scalingedu.lab import (
    FULL_SWEEP,
    MLPLanguageModel,
    ModelConfig,
    SweepDesign,
    downstream,
    load_corpus,
    load_provenance,
    train,
)
from scalingedu.lab.corpus import NEWLINE_ID, VOCAB_SIZE, decode, encode, is_validation_file
from scalingedu.lab.downstream import (
    DOWNSTREAM_COLUMNS,
    IDENTIFIER_SYMBOLS,
    MAX_LENGTH,
    MIN_LENGTH,
    TASK_SIZE,
    greedy_completions,
    identifier_task,
    load_downstream,
    task_score,
    write_downstream,
)
from scalingedu.lab.sweep import load_results, run_design, write_results

IDENTIFIER = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def task(corpus):
    return identifier_task(corpus)


class Oracle:
    """A "model" that has read the validation text: for a context that precedes a character of some item's
    answer (or the character that ends it), it puts all its weight on that character; elsewhere on a newline."""

    def __init__(self, text, task):
        self.config = ModelConfig(width=8, context=task.context)
        self.following = {}
        for first, length in zip(task.positions + task.prefix, task.lengths):
            for at in range(first, first + length + 1):
                self.following.setdefault(text[at - task.context:at].tobytes(), text[at])

    def logits(self, contexts):
        out = np.zeros((len(contexts), VOCAB_SIZE), dtype=np.float32)
        for row, context in enumerate(contexts):
            out[row, self.following.get(context.tobytes(), NEWLINE_ID)] = 30.0
        return out


# --- the items -------------------------------------------------------------------------------------------------------

def test_every_item_is_an_identifier_after_a_delimiter_with_its_start_given(corpus, task):
    text = corpus.validation
    assert task.size == TASK_SIZE and task.prefix == 2 and task.context == 16
    assert np.all(np.diff(task.positions) > 0)                   # distinct, in text order
    for item in range(task.size):
        start, length = int(task.positions[item]), int(task.identifier_lengths[item])
        word = decode(text[start:start + length])
        assert MIN_LENGTH <= len(word) <= MAX_LENGTH and set(word) <= IDENTIFIER and not word[0].isdigit()
        assert decode(text[start - 1:start]) in downstream.DELIMITERS
        assert decode(text[start + length:start + length + 1]) not in IDENTIFIER      # the word ends there
        assert task.identifier(item) == word and task.answer(item) == word[task.prefix:]
        assert task.prompt(item) == decode(text[start + task.prefix - 16:start + task.prefix])
        assert task.prompt(item).endswith(word[:task.prefix])
    assert task.eligible > 10 * task.size
    lengths = np.bincount(task.identifier_lengths, minlength=MAX_LENGTH + 1)
    assert lengths[:MIN_LENGTH].sum() == 0 and lengths[MIN_LENGTH] > lengths[MAX_LENGTH] > 0


def test_the_items_are_fixed_by_the_seed_and_the_same_whatever_the_prefix(corpus, task):
    downstream._cached_task.cache_clear()
    again = identifier_task(corpus)
    assert again is not task
    np.testing.assert_array_equal(again.positions, task.positions)
    np.testing.assert_array_equal(again.contexts, task.contexts)
    assert again.fingerprint() == task.fingerprint()
    other = identifier_task(corpus, seed=1)
    assert not np.array_equal(other.positions, task.positions)
    bare = identifier_task(corpus, prefix=0)
    np.testing.assert_array_equal(bare.positions, task.positions)
    np.testing.assert_array_equal(bare.lengths, task.lengths + 2)
    assert bare.fingerprint() != task.fingerprint() and bare.identifier(5) == task.identifier(5)
    for bad, name in (({"prefix": 4}, "prefix"), ({"size": 10**7}, "size"), ({"seed": -1}, "seed")):
        with pytest.raises(ValueError, match=name):
            identifier_task(corpus, **bad)
    with pytest.raises(TypeError, match="corpus"):
        identifier_task("stdlib")


def test_the_items_come_from_validation_files_only(tmp_path):
    names = [f"m{i:03d}.py" for i in range(80)]
    for i, name in enumerate(names):
        (tmp_path / name).write_text(f"v{i:03d} = (name{i:03d} + 1)\n" * 20)      # every word names its file
    held_out = {f"{i:03d}" for i, name in enumerate(names) if is_validation_file(name)}
    assert 0 < len(held_out) < len(names)
    small = identifier_task(load_corpus(str(tmp_path)), size=30)
    words = {small.identifier(item) for item in range(small.size)}
    assert {word[-3:] for word in words} <= held_out and any(word.startswith("v") for word in words)


# --- scoring ---------------------------------------------------------------------------------------------------------

def test_an_oracle_scores_top_a_trained_model_in_between_and_an_untrained_one_zero(corpus, task):
    oracle = task_score(Oracle(corpus.validation, task), task, corpus)
    untrained = task_score(MLPLanguageModel(ModelConfig(width=32)), task, corpus)
    trained = task_score(train(ModelConfig(width=32), 256 * 600, corpus=corpus).model, task, corpus)
    assert oracle.accuracy > 0.95 and oracle.loss < 0.3      # a few items share a prompt but not an answer
    assert untrained.accuracy < 0.01 < trained.accuracy < oracle.accuracy
    assert untrained.loss > trained.loss > oracle.loss
    assert oracle.correct.shape == (task.size,) and oracle.correct.mean() == oracle.accuracy
    right = int(np.flatnonzero(oracle.correct)[0])
    assert oracle.completion(right) == task.answer(right)


def test_scoring_is_deterministic_and_batched_decoding_is_greedy_decoding(corpus, task):
    model = train(ModelConfig(width=24), 256 * 300, corpus=corpus, seed=3).model
    first, second = task_score(model, task, corpus), task_score(model, task, corpus)
    np.testing.assert_array_equal(first.correct, second.correct)
    np.testing.assert_array_equal(first.completions, second.completions)
    assert first.loss == second.loss and first.accuracy == second.accuracy
    for item in range(0, task.size, 200):                  # one prompt at a time, by hand
        window, written = task.contexts[item:item + 1].copy(), []
        for _ in range(downstream.MAX_DECODE):
            written.append(int(np.argmax(model.logits(window)[0])))
            window = np.concatenate([window[:, 1:], [[written[-1]]]], axis=1).astype(np.uint8)
        assert written == first.completions[item].tolist()
        word = decode(np.array(written))
        ended = next((i for i, ch in enumerate(word) if ch not in IDENTIFIER), None)
        assert first.correct[item] == (ended is not None and word[:ended] == task.answer(item))
    assert greedy_completions(model, task, 3).shape == (task.size, 3)


def test_an_item_is_right_only_if_the_model_writes_the_answer_and_then_ends_it(corpus, task):
    class Unending(Oracle):                      # writes the oracle's answer, then "x" where it would end it
        def logits(self, contexts):
            out = super().logits(contexts)
            ends = ~IDENTIFIER_SYMBOLS[np.argmax(out, axis=1)]
            out[ends] = 0.0
            out[ends, encode("x")[0]] = 30.0
            return out

    oracle = task_score(Oracle(corpus.validation, task), task, corpus)
    unending = task_score(Unending(corpus.validation, task), task, corpus)
    assert oracle.accuracy > 0.95 and unending.accuracy == 0.0
    item = int(np.flatnonzero(oracle.correct)[0])
    assert unending.completion(item) == task.answer(item) + "x" * (downstream.MAX_DECODE - task.lengths[item])


def test_scoring_rejects_bad_input(corpus, task):
    with pytest.raises(TypeError, match="model"):
        task_score("model", task, corpus)
    with pytest.raises(ValueError, match="context"):
        task_score(MLPLanguageModel(ModelConfig(width=8, context=8)), task, corpus)
    with pytest.raises(TypeError, match="task"):
        task_score(MLPLanguageModel(ModelConfig(width=8)), "task", corpus)


# --- the sweep's runs on the task ---------------------------------------------------------------------------------

def test_the_shipped_scores_belong_to_the_shipped_sweeps_runs_bit_for_bit():
    scores, sweep = load_downstream(), load_results()
    assert tuple(scores) == DOWNSTREAM_COLUMNS and len(scores["val_loss"]) == len(FULL_SWEEP.runs())
    for name in ("budget", "width", "params", "tokens", "flops", "val_loss"):
        np.testing.assert_array_equal(scores[name], sweep[name])         # the same runs, retrained: same losses
    meta = load_provenance("downstream")
    assert meta["val_loss_matches_sweep_csv"] is True
    assert meta["corpus_hash"] == load_provenance()["corpus_hash"] and meta["design"]["seed"] == 0
    assert {"command", "seconds", "machine", "date", "task"} <= set(meta)
    assert meta["task"]["items"] == TASK_SIZE and meta["task"]["prefix"] == 2
    if meta["python"] != platform.python_version():
        pytest.skip(f"the shipped scores were made with Python {meta['python']}: a different corpus")
    assert meta["task"]["fingerprint"] == identifier_task().fingerprint()


def test_the_shipped_scores_rise_with_compute_and_fall_with_the_task_loss():
    scores = load_downstream()
    budgets = np.unique(scores["budget"])
    mean_accuracy = [scores["task_accuracy"][scores["budget"] == b].mean() for b in budgets]
    assert np.all(np.diff(mean_accuracy) > 0)
    assert np.corrcoef(scores["task_loss"], scores["task_accuracy"])[0, 1] < -0.9
    assert 0.1 < scores["task_accuracy"].min() < scores["task_accuracy"].max() < 0.5


def test_write_downstream_trains_a_design_as_the_sweep_does(tmp_path):
    design = SweepDesign(budgets=(2e9, 4e9, 8e9), widths=(16, 24))
    out = tmp_path / "tiny.csv"
    meta = write_downstream(out, design=design, processes=2, progress=False)
    scores, sweep = load_downstream(out), run_design(design, processes=2, progress=False)
    np.testing.assert_array_equal(scores["val_loss"], sweep["val_loss"])
    np.testing.assert_array_equal(scores["params"], sweep["params"])
    assert meta["val_loss_matches_sweep_csv"] is False             # not the shipped design
    assert out.with_suffix(".json").is_file() and meta["command"].endswith("--out tiny.csv")
    with pytest.raises(ValueError, match="path"):
        write_downstream(tmp_path / "tiny.txt", design=design)
    with pytest.raises(ValueError, match="design"):
        write_downstream(tmp_path / "x.csv", design=SweepDesign(budgets=(2e9,), widths=(16,), seeds=2))


def test_load_downstream_checks_its_columns(tmp_path):
    scores = load_downstream()
    path = tmp_path / "scores.csv"
    write_results({k: c for k, c in scores.items() if k != "task_loss"}, path)
    with pytest.raises(ValueError, match="task_loss"):
        load_downstream(path)
    write_results({**scores, "task_accuracy": scores["task_accuracy"] + 1.0}, path)
    with pytest.raises(ValueError, match="task_accuracy"):
        load_downstream(path)
    write_results({**scores, "task_loss": -scores["task_loss"]}, path)
    with pytest.raises(ValueError, match="task_loss"):
        load_downstream(path)
    with pytest.raises(ValueError, match="not a file"):
        load_downstream(tmp_path / "missing.csv")
