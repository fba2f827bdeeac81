"""Tests of problem set parallelism: right answers, computed here from the formulas without the library's
parallelism functions, earn every point; typical mistakes fail a check; three typical mistakes, as whole
submissions, get the score they deserve from the class grader."""
from __future__ import annotations

import dataclasses
import itertools
import json
import re
import time

import numpy as np
import pytest
from typical_mistakes import Mistake, grade_mistakes

from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.grading.kernel_answers import decode, probe_source, request_text
from scalingedu.grading.learner import as_learner
from scalingedu.parallelism import ParallelLayout, simulate_schedule, step_time
from scalingedu.parallelism.search import best_layout
from scalingedu.problems import parallelism as ps
from scalingedu.transformer import PRESETS, count_params

K = 12


def _by_hand_ring(message_bytes, n):
    n = np.asarray(n, dtype=float)
    return 2.0 * (n - 1.0) / n * np.asarray(message_bytes, dtype=float)


def _by_hand_bubble(forward_times, backward_times, microbatches):
    """GPipe with unequal stages: the forward passes are a flow line paced by the slowest forward stage, then the
    backward passes one paced by the slowest backward stage."""
    f, b, m = np.asarray(forward_times, float), np.asarray(backward_times, float), microbatches
    step = f.sum() + (m - 1) * f.max() + b.sum() + (m - 1) * b.max()
    busy = m * (f + b).sum()
    return (f.size * step - busy) / busy


def _max_of_sums_bubble(forward_times, backward_times, microbatches):
    """A typical slip: one pipeline paced by the stage with the largest f + b."""
    f, b, m = np.asarray(forward_times, float), np.asarray(backward_times, float), microbatches
    step = (f + b).sum() + (m - 1) * (f + b).max()
    busy = m * (f + b).sum()
    return (f.size * step - busy) / busy


def _bandwidth_by_hand(keep_straggler=False) -> float:
    times = ps.step_times()
    medians = np.array([np.median(times.seconds[times.gpus == n]) for n in times.gpus])
    keep = np.ones(times.gpus.size, bool) if keep_straggler else times.seconds < 1.2 * medians
    sent = _by_hand_ring(ps.gradient_bytes(), times.gpus)
    slope = np.polyfit(sent[keep], times.seconds[keep], 1)[0]
    return 1.0 / slope / 1e9


def _right_answers() -> dict:
    psi = count_params(PRESETS[ps.MODEL]).total
    n = ps.N_GPUS
    stages = [16 * psi, 4 * psi + K * psi / n, 2 * psi + 14 * psi / n, 16 * psi / n]
    budget = (ps.GPU_MEMORY_GIB - ps.ACTIVATION_RESERVE_GIB) * 2**30      # bytes, compared with bytes
    run = ps.RUN
    return {
        "parallelism.zero_memory": stages[2] / 2**30,                    # GiB, the course's unit of memory
        "parallelism.smallest_stage": next(s for s, size in enumerate(stages) if size <= budget),
        "parallelism.unbalanced_bubble": _by_hand_bubble,
        "parallelism.ring_bytes": _by_hand_ring,
        "parallelism.bandwidth": _bandwidth_by_hand(),
        "parallelism.layout": "c",
        "parallelism.zero3_or_pipeline": "ZeRO-3 gathers the weights twice per step; a pipeline idles in its "
                                         "bubble. " * 3,
        "parallelism.training_days":
            8 * run["tokens"] * run["params"] / (run["n_gpus"] * run["flops_per_gpu_per_second"]) / 86_400,
        # Megatron-LM's recipe for GPT-3 175B: tp 8 (one node), pp 4, ZeRO-1 (distributed optimizer), dp = 256/32 = 8
        # replicas of 1,024/8 = 128 micro-batches of one sequence
        "parallelism.design_layout": _megatron_layout(),
        "parallelism.defend_layout": "My pipeline pays a small bubble; ZeRO-3 gathers the weights for every "
                                     "micro-batch over the network. " * 3,
    }


def _megatron_layout(**changes) -> dict:
    layout = {"tp": 8, "pp": 4, "interleave": 1, "zero_stage": 1, "microbatches": 128, "microbatch_size": 1,
              "recompute": "selective", "sequence_parallel": True}
    return {**layout, **changes}


def test_right_answers_earn_every_point():
    answers = _right_answers()
    problems = problem_set("parallelism")
    assert list(answers) == list(problems.ids)
    for question_id, answer in answers.items():
        result = grade_answer(question_id, answer)
        expected = "to be marked" if question(question_id).rubric else "passed"
        assert result.status == expected, (question_id, result)



def test_the_numbers_are_the_ones_the_questions_describe():
    answers = _right_answers()
    # Ψ = 12,853,386,240: stage 1 holds (4 + 12/64)Ψ = 53.8e9 bytes = 50.1 GiB, over the 40 GiB left; stage 2 holds
    # (2 + 14/64)Ψ = 28.5e9 bytes = 26.6 GiB
    assert answers["parallelism.smallest_stage"] == 2
    assert answers["parallelism.zero_memory"] == pytest.approx(26.56, abs=0.01)
    assert 14 < answers["parallelism.training_days"] < 16
    # the bubble formula agrees with the simulator, and with (p - 1)/m for equal stages
    assert _by_hand_bubble(np.ones(4), 2 * np.ones(4), 8) == pytest.approx(3 / 8)
    rng = np.random.default_rng(1)
    for p, m in ((3, 7), (5, 2), (7, 13)):
        f, b = rng.uniform(0.5, 2, p), rng.uniform(0.5, 4, p)
        assert _by_hand_bubble(f, b, m) == pytest.approx(
            simulate_schedule("gpipe", p, m, forward_time=f, backward_time=b).bubble_fraction, rel=1e-9)
    # the fastest layout (a) does not fit; the answer (c) fits
    assert not ps.layout_step("a").memory.fits and ps.layout_step("a").total < ps.layout_step("c").total
    assert ps.layout_step("c").memory.fits
    # a needs 93.5e9 bytes = 87.1 GiB, over an H100's 80 GiB whichever way the label is read (80e9 or 85.9e9 bytes);
    # e needs 82.0e9 bytes = 76.4 GiB, which fits in 80 GiB, but its step is longer than c's, so the answer is c
    assert ps.layout_step("a").memory.total > 80 * 2**30
    assert ps.layout_step("e").memory.fits and ps.layout_step("e").total > ps.layout_step("c").total


def test_the_simulated_runs_have_one_straggler_and_the_clean_fit_finds_the_bandwidth():
    times = ps.step_times()
    assert times.gpus.size == len(ps.STEP_GPUS) * ps.STEP_REPEATS
    medians = np.array([np.median(times.seconds[times.gpus == n]) for n in times.gpus])
    assert np.sum(times.seconds > 1.2 * medians) == 1
    assert _bandwidth_by_hand() == pytest.approx(ps.STEP_BANDWIDTH / 1e9, rel=0.1)


@pytest.mark.parametrize("learner", [None, "ada.lovelace", "alan.turing", "grace.hopper", "learner-17"])
def test_for_every_learner_the_naive_fit_fails_and_the_clean_fit_passes(learner):
    with as_learner(learner):
        bandwidth = question("parallelism.bandwidth")
        clean, naive = _bandwidth_by_hand(), _bandwidth_by_hand(keep_straggler=True)
        assert grade_answer("parallelism.bandwidth", clean).status == "passed"
        assert not all(check(naive).passed for check in bandwidth.public_checks)
        assert grade_answer("parallelism.bandwidth", naive).points_earned == 0


def test_learners_get_their_own_step_times():
    with as_learner("ada.lovelace"):
        ada = ps.step_times().seconds
    with as_learner("alan.turing"):
        alan = ps.step_times().seconds
    assert not np.allclose(ada, alan)
    np.testing.assert_array_equal(ps.step_times().seconds, ps.step_times().seconds)


@pytest.mark.parametrize("question_id, wrong", [
    # bytes, not GiB
    ("parallelism.zero_memory", lambda right: right * 2**30),
    # decimal GB (bytes / 1e9), not GiB: 2**30 / 1e9 = 1.074, 7.4% high, outside the 2% tolerance
    ("parallelism.zero_memory", lambda right: right * 2**30 / 1e9),
    # stage 1
    ("parallelism.zero_memory",
     lambda right: (4 + 12 / 64) * count_params(PRESETS[ps.MODEL]).total / 2**30),
    ("parallelism.smallest_stage", lambda right: right - 1),
    ("parallelism.smallest_stage", lambda right: 3),
    # the equal-stage formula
    ("parallelism.unbalanced_bubble", lambda right: lambda f, b, m: (np.size(f) - 1) / m),
    # the share of the step instead of idle over compute
    ("parallelism.unbalanced_bubble", lambda right: lambda f, b, m: right(f, b, m) / (1 + right(f, b, m))),
    # calls the simulator
    ("parallelism.unbalanced_bubble", lambda right: lambda f, b, m: simulate_schedule(
        "gpipe", np.size(f), m, forward_time=f, backward_time=b).bubble_fraction),
    # against (n - 1)/n instead of 2(n - 1)/n: half the bandwidth
    ("parallelism.bandwidth", lambda right: right / 2),
    # 6TP/(nX): no recomputation
    ("parallelism.training_days", lambda right: right * 6 / 8),
    # hours
    ("parallelism.training_days", lambda right: right * 24),
    # RS only
    ("parallelism.ring_bytes",
     lambda right: lambda m, n: (np.asarray(n) - 1) / np.asarray(n) * np.asarray(m)),
    # 2M
    ("parallelism.ring_bytes",
     lambda right: lambda m, n: 2 * np.asarray(m) * np.ones_like(np.asarray(n, float))),
])
def test_typical_mistakes_fail_a_public_check(question_id, wrong):
    answer = wrong(_right_answers()[question_id])
    q = question(question_id)
    results = [check(answer) for check in q.public_checks]
    assert not all(r.passed for r in results)


def test_pacing_by_the_slowest_f_plus_b_passes_in_public_but_not_in_hidden():
    result = grade_answer("parallelism.unbalanced_bubble", _max_of_sums_bubble)
    assert result.status == "partial" and result.points_earned == 2


def test_a_layout_that_does_not_fit_is_the_wrong_choice():
    assert grade_answer("parallelism.layout", "a").points_earned == 0
    assert grade_answer("parallelism.layout", "C").points_earned == 3


# The design question ----------------------------------------------------------------------------------------------

def _best():
    b = ps.layout_brief()
    return best_layout(b.shape, b.n_gpus, b.global_batch, seq_len=b.seq_len, accelerator=b.accelerator)


def _share(layout: dict) -> float:
    b = ps.layout_brief()
    step = step_time(b.shape, ps.read_design(layout, b), accelerator=b.accelerator)
    return step.tokens_per_second / _best().tokens_per_second


def _messages(result) -> dict:
    return {c.description: c.message for c in result.checks}


def test_the_shared_brief_is_the_documented_one_and_learners_get_their_own():
    b = ps.layout_brief()
    assert b == ps.LayoutBrief(None, **ps.DESIGN_DEFAULT)
    assert "GPT-3 175B" in str(b) and "1,024 sequences of 2,048 tokens" in str(b)
    briefs = set()
    for learner in ("ada.lovelace", "alan.turing", "grace.hopper", "learner-17", "learner-18", "learner-19"):
        with as_learner(learner):
            mine = ps.layout_brief()
            assert mine == ps.layout_brief() and mine.learner == learner
            briefs.add(dataclasses.replace(mine, learner=None))
    assert len(briefs) >= 4


def _small_search(brief) -> ParallelLayout:
    """The solution notebook's search: a few degrees, ZeRO-1 or 3, micro-batches of 1, 2 or 4."""
    rows = []
    for tp, pp, size, chunks, stage, recompute in itertools.product(
            (1, 2, 4, 8), (1, 2, 4, 8, 16), (1, 2, 4), (1, 2), (1, 3), ("none", "selective", "full")):
        if brief.n_gpus % (tp * pp) or (pp == 1 and chunks > 1):
            continue
        dp = brief.n_gpus // (tp * pp)
        if brief.global_batch % (dp * size):
            continue
        layout = ParallelLayout(brief.n_gpus, tp=tp, pp=pp, interleave=chunks, zero_stage=stage,
                                microbatches=brief.global_batch // (dp * size), microbatch_size=size,
                                seq_len=brief.seq_len, sequence_parallel=tp > 1, recompute=recompute)
        try:
            step = step_time(brief.shape, layout, accelerator=brief.accelerator)
        except ValueError:
            continue
        if step.memory.fits:
            rows.append((step.tokens_per_second, layout))
    return max(rows, key=lambda row: row[0])[1]


@pytest.mark.parametrize("learner", [None, "ada.lovelace", "alan.turing", "grace.hopper", "learner-17",
                                     "learner-18", "learner-19", "learner-20"])
def test_every_brief_has_a_feasible_layout_and_the_solutions_small_search_earns_every_point(learner):
    with as_learner(learner):
        b = ps.layout_brief()
        assert b.model in ps.DESIGN_MODELS or b.learner is None
        assert b.seq_len <= b.shape.context and b.global_batch * b.seq_len in ps.DESIGN_BATCH_TOKENS
        best = _best()
        assert best is not None and 0.2 < best.mfu < 0.8
        assert grade_answer("parallelism.design_layout", best.layout).points_earned == 6
        result = grade_answer("parallelism.design_layout", dataclasses.asdict(_small_search(b)))
        assert result.status == "passed" and result.points_earned == 6, _messages(result)


@pytest.mark.parametrize("name, layout, failing, words", [
    # ZeRO-1 without a pipeline: 4 of the 16 bytes per parameter stay whole on each of tp = 8 GPUs, 4 × 174.6e9 / 8
    # = 87.3e9 bytes = 81.3 GiB of weights and gradients, already over the H100's 80 GiB
    ("too little memory", _megatron_layout(pp=1, microbatches=32), "memory", "over the 80 GiB of an H100"),
    ("the batch of one replica, not of the step", _megatron_layout(microbatches=16), "batch",
     "= 128 sequences per step; the brief asks for 1,024"),
    ("tp that does not divide the heads", _megatron_layout(tp=64, pp=1, zero_stage=3, microbatches=256),
     "layout", "does not divide the 96 attention heads"),
    ("tp · pp that does not divide the GPUs", _megatron_layout(pp=3), "layout",
     "does not divide the brief's 256 GPUs"),
    ("interleaving with too few micro-batches", _megatron_layout(interleave=2, microbatches=2, microbatch_size=64),
     "layout", "microbatches a multiple of pp"),
    ("another cluster", {**_megatron_layout(), "n_gpus": 512}, "layout", "the brief is 256 GPUs"),
])
def test_an_infeasible_layout_earns_nothing_and_says_which_limit(name, layout, failing, words):
    result = grade_answer("parallelism.design_layout", layout)
    assert result.points_earned == 0, name
    verdicts = ps.design_verdicts(layout)
    assert not verdicts[failing][0] and words in verdicts[failing][1], verdicts[failing][1]
    assert verdicts["read"][0] and (failing == "layout" or verdicts["layout"][0])
    # every throughput message says why it was not measured
    assert all("only for a feasible layout" in message for _, message in ps.throughput_verdicts(layout).values())


@pytest.mark.parametrize("answer, words", [
    ({key: value for key, value in _megatron_layout().items() if key != "interleave"}, "has no 'interleave'"),
    ({**_megatron_layout(), "micro_batches": 4}, "keys the checker does not know: 'micro_batches'"),
    (_megatron_layout(recompute="some"), "must be one of 'none', 'selective', 'full'"),
    (_megatron_layout(sequence_parallel="yes"), "True or False"),
    (_megatron_layout(tp=8.5), "whole number"),
    ("tp 8, pp 4", "give the layout as a dict"),
])
def test_an_unreadable_answer_says_what_to_fix(answer, words):
    result = grade_answer("parallelism.design_layout", answer)
    assert result.points_earned == 0
    assert words in ps.design_verdicts(answer)["read"][1]


def test_a_feasible_but_slow_layout_earns_half_and_learns_how_far_it_is():
    # ZeRO-3 with 32 micro-batches of one sequence per replica: the weights are gathered 64 times per step
    slow = _megatron_layout(pp=1, zero_stage=3, microbatches=32)
    assert _share(slow) < ps.THROUGHPUT_TIERS[0]
    result = grade_answer("parallelism.design_layout", slow)
    assert result.status == "partial" and result.points_earned == 3
    message = _messages(result)["the layout reaches 70% of the checker's best tokens per second"]
    best = _best()
    assert f"whose MFU is {best.mfu:.1%}" in message and "exposed data-parallel" in message
    assert f"{_share(slow):.0%} of the fastest layout" in message
    # of the best layout, the feedback gives the MFU and nothing else
    assert re.fullmatch(r" [\d.]+% \(below 70%\)", message.split("whose MFU is")[1])


def test_a_layout_between_the_tiers_earns_three_quarters():
    # recomputing everything "to be safe": full recomputation runs each forward pass twice
    cautious = _megatron_layout(pp=1, zero_stage=3, microbatches=8, microbatch_size=4, recompute="full")
    assert ps.THROUGHPUT_TIERS[0] <= _share(cautious) < ps.THROUGHPUT_TIERS[1]
    assert grade_answer("parallelism.design_layout", cautious).points_earned == 4.5


def test_a_parallel_layout_is_read_in_the_notebook_and_through_the_graders_probe(tmp_path):
    layout = ps.read_design(_megatron_layout(), ps.layout_brief())
    assert isinstance(layout, ParallelLayout)
    direct = grade_answer("parallelism.design_layout", layout)
    request, reply = tmp_path / "request.json", tmp_path / "reply.json"
    request.write_text(request_text("design", []))
    exec(compile(probe_source(str(request), str(reply)), "<probe>", "exec"), {"design": layout})
    shipped = decode(json.loads(reply.read_text())["answer"])
    assert shipped == dataclasses.asdict(layout)
    graded = grade_answer("parallelism.design_layout", shipped)
    assert direct.points_earned == graded.points_earned == 6
    assert [c.message for c in direct.checks] == [c.message for c in graded.checks]


def test_grading_the_design_question_takes_about_a_second():
    best_layout.cache_clear()
    start = time.perf_counter()
    grade_answer("parallelism.design_layout", _megatron_layout())
    first = time.perf_counter() - start
    start = time.perf_counter()
    grade_answer("parallelism.design_layout", _megatron_layout(pp=8, microbatches=128))
    again = time.perf_counter() - start
    assert first < 10 and again < 1, (first, again)


MISTAKES = [
    Mistake("paces the pipeline by the stage with the largest f + b",
            {"parallelism.unbalanced_bubble": '''
def gpipe_bubble(forward_times, backward_times, microbatches):
    f = np.asarray(forward_times, dtype=float)
    b = np.asarray(backward_times, dtype=float)
    slowest = (f + b).max()
    step = (f + b).sum() + (microbatches - 1) * slowest
    busy = microbatches * (f + b).sum()
    return float((f.size * step - busy) / busy)
'''},
            # public check passed (1 of 2 weighted checks): 2 of 4 points
            expected=26 - 2),
    Mistake("fits every run, straggler included",
            {"parallelism.bandwidth": '''
times = parallelism.step_times()
sent = ring_allreduce_bytes(parallelism.gradient_bytes(), times.gpus)
slope, intercept = np.polyfit(sent, times.seconds, 1)
bandwidth_gb = 1 / slope / 1e9
'''},
            # 30% or more off: both value checks fail, 0 of 4
            expected=26 - 4),
    Mistake("picks the shortest step without checking memory",
            {"parallelism.layout": '''
layout = min(parallelism.LAYOUTS, key=lambda key: parallelism.layout_step(key).total)
'''},
            # layout a does not fit: 0 of 3
            expected=26 - 3),
    Mistake("shards everything with ZeRO-3 and runs micro-batches of one sequence",
            {"parallelism.design_layout": '''
from scalingedu.parallelism import ParallelLayout

brief = parallelism.layout_brief()
# ZeRO-3 makes anything fit: no pipeline, tp inside a node, one sequence per micro-batch
dp = brief.n_gpus // 8
design = {"tp": 8, "pp": 1, "interleave": 1, "zero_stage": 3, "microbatches": brief.global_batch // dp,
          "microbatch_size": 1, "recompute": "selective", "sequence_parallel": True}
'''},
            # feasible (3 of 6 weights) but about a quarter of the best throughput: 3 of 6 points
            expected=26 - 3),
]


def test_typical_mistakes_score_what_they_deserve(tmp_path):
    # 32 points, of which the 3 of parallelism.zero3_or_pipeline and the 3 of parallelism.defend_layout are scored
    # by a person: 26 automatic points
    assert problem_set("parallelism").points == 32
    totals = grade_mistakes("parallelism", MISTAKES, tmp_path)
    assert all(total < 26 for total in totals.values())

