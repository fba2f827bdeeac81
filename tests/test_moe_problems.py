"""Problem set 07 (scalingedu.problems.mixture_of_experts): right answers earn every point, typical
mistakes fail a public check."""
import numpy as np
import pytest

from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.problems import mixture_of_experts as ps


def _right_answers() -> dict:
    """Answers a learner following the statements would give, computed here without scalingedu.moe's functions."""
    d, layers = 4096, 32
    per_layer = 2 * d * 32 * 128 + 2 * d * 8 * 128 + 2 * 3 * d * 14336 + d * 8 + 2 * d
    active = layers * per_layer + 2 * 32000 * d + d

    logits = ps.router_logits().astype(float)
    tokens, experts = logits.shape
    choice = np.argmax(logits, axis=1)
    counts = np.bincount(choice, minlength=experts)
    capacity = int(tokens / experts * ps.DROP_CAPACITY_FACTOR)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    f = counts / tokens

    held = ps.A2A_TOKENS_PER_GPU * 8 * 7168 * ps.A2A_BYTES_PER_VALUE
    return {
        "mixture_of_experts.active_params": active,
        "mixture_of_experts.capacity":
            int(2 * ps.CAPACITY_TOKENS / ps.CAPACITY_EXPERTS * ps.CAPACITY_FACTOR),
        "mixture_of_experts.drop_rate": np.maximum(counts - capacity, 0).sum() / tokens,
        "mixture_of_experts.balancing_loss": experts * np.dot(f, probs.mean(axis=0)),
        "mixture_of_experts.all_to_all": 2 * held * 63 / 64,
    }


def test_right_answers_earn_every_point():
    answers = _right_answers()
    problems = problem_set("mixture_of_experts")
    assert list(answers) == list(problems.ids) and len(problems.questions) >= 4
    for question_id, answer in answers.items():
        result = grade_answer(question_id, answer)
        assert result.status == "passed", (question_id, result)


@pytest.mark.parametrize("question_id, wrong", [
    # 2/8 of the total
    ("mixture_of_experts.active_params", lambda right: 46.7e9 * 2 / 8),
    # only the output embedding
    ("mixture_of_experts.active_params", lambda right: right - 32000 * 4096),
    # billions, not a count
    ("mixture_of_experts.active_params", lambda right: 12.9),
    # forgot top-2's two assignments
    ("mixture_of_experts.capacity", lambda right: right // 2),
    # forgot the capacity factor
    ("mixture_of_experts.capacity", lambda right: right / 1.25),
    # a percentage
    ("mixture_of_experts.drop_rate", lambda right: 100 * right),
    # dropped over kept
    ("mixture_of_experts.drop_rate", lambda right: right * 4096 / (4096 - right * 4096)),
    # forgot N
    ("mixture_of_experts.balancing_loss", lambda right: right / 16),
    # dispatch only
    ("mixture_of_experts.all_to_all", lambda right: right / 2),
    # counted the local 1/64 too
    ("mixture_of_experts.all_to_all", lambda right: right * 64 / 63),
    # forgot top-8
    ("mixture_of_experts.all_to_all", lambda right: right / 8),
])
def test_typical_mistakes_fail_a_public_check(question_id, wrong):
    answer = wrong(_right_answers()[question_id])
    assert not all(check(answer).passed for check in question(question_id).public_checks)


def test_balancing_loss_from_argmax_probabilities_fails():
    """A common slip: P_i taken as the fraction of tokens (f again) instead of the mean probability."""
    logits = ps.router_logits()
    f = np.bincount(np.argmax(logits, axis=1), minlength=16) / logits.shape[0]
    q = question("mixture_of_experts.balancing_loss")
    assert not all(check(16 * np.dot(f, f)).passed for check in q.public_checks)


def test_router_logits_are_seeded_and_fresh():
    first, again = ps.router_logits(), ps.router_logits()
    np.testing.assert_array_equal(first, again)
    first[0, 0] = 99.0
    assert ps.router_logits()[0, 0] != 99.0
    assert first.shape == (4096, 16)
    counts = np.bincount(np.argmax(again, axis=1), minlength=16)
    assert counts[0] > 2 * counts.mean() > 4 * counts[-1]          # skewed toward the first experts, as stated
