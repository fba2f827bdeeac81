"""Tests of problem set parallelism: right answers, computed here from the formulas without the
library's parallelism functions, earn every point; typical mistakes fail a public check."""
from __future__ import annotations

import math

import numpy as np
import pytest

from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.problems import parallelism as ps
from scalingedu.transformer import PRESETS, count_params

K = 12


def _by_hand_ring(message_bytes, n):
    n = np.asarray(n, dtype=float)
    return 2.0 * (n - 1.0) / n * np.asarray(message_bytes, dtype=float)


def _right_answers() -> dict:
    psi = count_params(PRESETS[ps.MODEL]).total
    n = ps.N_GPUS
    stages = [16 * psi, 4 * psi + K * psi / n, 2 * psi + 14 * psi / n, 16 * psi / n]
    budget = (ps.GPU_MEMORY_GB - ps.ACTIVATION_RESERVE_GB) * 1e9
    run = ps.RUN
    return {
        "parallelism.zero_memory": stages[2] / 1e9,
        "parallelism.smallest_stage": next(s for s, size in enumerate(stages) if size <= budget),
        "parallelism.bubble":
            (ps.PIPELINE_STAGES - 1) / (ps.PIPELINE_CHUNKS * ps.PIPELINE_MICROBATCHES),
        "parallelism.microbatches": math.ceil(round((ps.DEEP_PIPELINE - 1) / ps.MAX_BUBBLE, 9)),
        "parallelism.ring_bytes": _by_hand_ring,
        "parallelism.training_days":
            8 * run["tokens"] * run["params"] / (run["n_gpus"] * run["flops_per_gpu_per_second"])
            / 86_400,
    }


def test_right_answers_earn_every_point():
    answers = _right_answers()
    problems = problem_set("parallelism")
    assert list(answers) == list(problems.ids) and len(problems.questions) >= 4
    for question_id, answer in answers.items():
        result = grade_answer(question_id, answer)
        assert result.status == "passed", (question_id, result)


def test_the_numbers_are_the_ones_the_questions_describe():
    answers = _right_answers()
    assert answers["parallelism.smallest_stage"] == 2  # stage 1 (53.8 GB) is over the 40 GB left
    assert answers["parallelism.microbatches"] == 300
    assert 14 < answers["parallelism.training_days"] < 16


@pytest.mark.parametrize("question_id, wrong", [
    # bytes, not GB
    ("parallelism.zero_memory", lambda right: right * 1e9),
    # stage 1
    ("parallelism.zero_memory",
     lambda right: (4 + 12 / 64) * count_params(PRESETS[ps.MODEL]).total / 1e9),
    ("parallelism.smallest_stage", lambda right: right - 1),
    ("parallelism.smallest_stage", lambda right: 3),
    # forgot the interleaving
    ("parallelism.bubble", lambda right: right * ps.PIPELINE_CHUNKS),
    # share of the step instead
    ("parallelism.bubble", lambda right: right / (1 + right)),
    # percent
    ("parallelism.bubble", lambda right: 100 * right),
    # p instead of p - 1
    ("parallelism.microbatches", lambda right: ps.DEEP_PIPELINE / ps.MAX_BUBBLE),
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
    assert not all(check(answer).passed for check in q.public_checks)
