"""Tests of problem set parallelism: right answers, computed here from the formulas without the library's
parallelism functions, earn every point; typical mistakes fail a check; three typical mistakes, as whole
submissions, get the score they deserve from the class grader."""
from __future__ import annotations

import numpy as np
import pytest
from typical_mistakes import Mistake, grade_mistakes

from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.grading.learner import as_learner
from scalingedu.parallelism import simulate_schedule
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
    budget = (ps.GPU_MEMORY_GB - ps.ACTIVATION_RESERVE_GB) * 1e9
    run = ps.RUN
    return {
        "parallelism.zero_memory": stages[2] / 1e9,
        "parallelism.smallest_stage": next(s for s, size in enumerate(stages) if size <= budget),
        "parallelism.unbalanced_bubble": _by_hand_bubble,
        "parallelism.ring_bytes": _by_hand_ring,
        "parallelism.bandwidth": _bandwidth_by_hand(),
        "parallelism.layout": "c",
        "parallelism.zero3_or_pipeline": "ZeRO-3 gathers the weights twice per step; a pipeline idles in its "
                                         "bubble. " * 3,
        "parallelism.training_days":
            8 * run["tokens"] * run["params"] / (run["n_gpus"] * run["flops_per_gpu_per_second"]) / 86_400,
    }


def test_right_answers_earn_every_point():
    answers = _right_answers()
    problems = problem_set("parallelism")
    assert list(answers) == list(problems.ids)
    for question_id, answer in answers.items():
        result = grade_answer(question_id, answer)
        expected = "to be marked" if question(question_id).rubric else "passed"
        assert result.status == expected, (question_id, result)


def test_the_set_asks_mostly_for_derivations_fits_and_decisions():
    problems = problem_set("parallelism")
    plug_in = sum(q.points for q in problems.questions if q.kind in ("recall", "compute"))
    assert plug_in <= problems.points / 3
    kinds = {q.kind for q in problems.questions}
    assert {"derive", "fit", "decide"} <= kinds
    assert any(q.rubric for q in problems.questions)


def test_the_numbers_are_the_ones_the_questions_describe():
    answers = _right_answers()
    assert answers["parallelism.smallest_stage"] == 2  # stage 1 (53.8 GB) is over the 40 GB left
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
    # bytes, not GB
    ("parallelism.zero_memory", lambda right: right * 1e9),
    # stage 1
    ("parallelism.zero_memory",
     lambda right: (4 + 12 / 64) * count_params(PRESETS[ps.MODEL]).total / 1e9),
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
            expected=20 - 2),
    Mistake("fits every run, straggler included",
            {"parallelism.bandwidth": '''
times = parallelism.step_times()
sent = ring_allreduce_bytes(parallelism.gradient_bytes(), times.gpus)
slope, intercept = np.polyfit(sent, times.seconds, 1)
bandwidth_gb = 1 / slope / 1e9
'''},
            # 30% or more off: both value checks fail, 0 of 4
            expected=20 - 4),
    Mistake("picks the shortest step without checking memory",
            {"parallelism.layout": '''
layout = min(parallelism.LAYOUTS, key=lambda key: parallelism.layout_step(key).total)
'''},
            # layout a does not fit: 0 of 3
            expected=20 - 3),
]


def test_typical_mistakes_score_what_they_deserve(tmp_path):
    # 23 points, of which the 3 of parallelism.zero3_or_pipeline are scored by a person: 20 automatic points
    assert problem_set("parallelism").points == 23
    totals = grade_mistakes("parallelism", MISTAKES, tmp_path)
    assert all(total < 20 for total in totals.values())

