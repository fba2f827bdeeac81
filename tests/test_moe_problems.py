"""Problem set 07 (scalingedu.problems.mixture_of_experts): right answers earn every point, typical mistakes fail a
check, and three typical mistakes, as whole submissions, get the score they deserve from the class grader."""
import numpy as np
import pytest
from typical_mistakes import Mistake, grade_mistakes

from scalingedu import moe
from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.grading.learner import as_learner
from scalingedu.powerlaw import fit_power_law
from scalingedu.problems import mixture_of_experts as ps


def _by_hand_dropped(logits, capacity_factor):
    tokens, experts = logits.shape
    capacity = int(np.floor(tokens / experts * capacity_factor + 1e-9))
    sent = np.bincount(np.argmax(logits, axis=1), minlength=experts)
    return np.maximum(sent - capacity, 0).sum() / tokens


def _rounded_dropped(logits, capacity_factor):
    """A typical slip: the capacity rounded to the nearest token instead of down."""
    tokens, experts = logits.shape
    capacity = round(tokens / experts * capacity_factor)
    sent = np.bincount(np.argmax(logits, axis=1), minlength=experts)
    return np.maximum(sent - capacity, 0).sum() / tokens


def _multiplier_by_hand(keep_diverged=False) -> float:
    runs = ps.training_runs()
    dense = fit_power_law(runs.flops[~runs.moe], runs.loss[~runs.moe])
    flops, loss = runs.flops[runs.moe], runs.loss[runs.moe]
    keep = np.ones(flops.size, bool)
    if not keep_diverged:
        # the diverged run: the largest residual above a straight line in log-log through all MoE runs
        slope, intercept = np.polyfit(np.log(flops), np.log(loss), 1)
        keep[np.argmax(np.log(loss) - (intercept + slope * np.log(flops)))] = False
    slope, intercept = np.polyfit(np.log(flops[keep]), np.log(loss[keep]), 1)
    moe_loss = np.exp(intercept + slope * np.log(ps.TARGET_FLOPS))
    return float(dense.solve_for_x(moe_loss) / ps.TARGET_FLOPS)


def _capacity_choice_by_hand() -> str:
    logits = ps.router_logits()
    enough = [key for key, factor in ps.CAPACITY_FACTORS.items() if _by_hand_dropped(logits, factor) <= 0.01]
    return min(enough, key=ps.CAPACITY_FACTORS.get) if enough else ps.NONE_ENOUGH


def _right_answers() -> dict:
    """Answers a learner following the statements would give, computed here without scalingedu.moe's functions."""
    d, layers = 4096, 32
    per_layer = 2 * d * 32 * 128 + 2 * d * 8 * 128 + 2 * 3 * d * 14336 + d * 8 + 2 * d
    active = layers * per_layer + 2 * 32000 * d + d

    logits = ps.router_logits().astype(float)
    tokens, experts = logits.shape
    counts = np.bincount(np.argmax(logits, axis=1), minlength=experts)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)

    held = ps.A2A_TOKENS_PER_GPU * 8 * 7168 * ps.A2A_BYTES_PER_VALUE
    return {
        "mixture_of_experts.active_params": active,
        "mixture_of_experts.dropped_fraction": _by_hand_dropped,
        "mixture_of_experts.capacity_choice": _capacity_choice_by_hand(),
        "mixture_of_experts.balancing_loss": experts * np.dot(counts / tokens, probs.mean(axis=0)),
        "mixture_of_experts.compute_multiplier": _multiplier_by_hand(),
        "mixture_of_experts.all_to_all": 2 * held * 63 / 64,
        "mixture_of_experts.why_moe": "Same FLOPs per token, lower loss per training FLOP; all experts in memory. " * 3,
    }


def test_right_answers_earn_every_point():
    answers = _right_answers()
    problems = problem_set("mixture_of_experts")
    assert list(answers) == list(problems.ids)
    for question_id, answer in answers.items():
        result = grade_answer(question_id, answer)
        expected = "to be marked" if question(question_id).rubric else "passed"
        assert result.status == expected, (question_id, result)



@pytest.mark.parametrize("learner", [None, "ada.lovelace", "alan.turing", "grace.hopper", "learner-17"])
def test_for_every_learner_the_diverged_run_must_be_left_out(learner):
    with as_learner(learner):
        clean, naive = _multiplier_by_hand(), _multiplier_by_hand(keep_diverged=True)
        assert grade_answer("mixture_of_experts.compute_multiplier", clean).status == "passed"
        assert grade_answer("mixture_of_experts.compute_multiplier", naive).points_earned == 0
        # the toy's truth is a multiplier of 4: the clean fit finds it within the noise
        assert clean == pytest.approx(ps.RUNS_MOE_MULTIPLIER, rel=0.35)
        assert grade_answer("mixture_of_experts.capacity_choice", _capacity_choice_by_hand()).status == "passed"


def test_the_simulated_runs_have_one_diverged_moe_run():
    runs = ps.training_runs()
    assert runs.flops.size == 14 and runs.moe.sum() == 7
    truth = ps.dense_loss(np.where(runs.moe, ps.RUNS_MOE_MULTIPLIER * runs.flops, runs.flops))
    off = runs.loss / truth
    assert np.sum(off > 1.1) == 1 and runs.moe[np.argmax(off)]


def test_the_capacity_choice_differs_between_learners_and_is_never_the_smallest_factor():
    choices = set()
    for learner in ("ada.lovelace", "alan.turing", "grace.hopper", "learner-1", "learner-2", "learner-3"):
        with as_learner(learner):
            choices.add(_capacity_choice_by_hand())
    assert choices <= {"e", "f"}   # the skewed router needs 2.5 or 3: Switch's 1.0-1.25 drops far more than 1%
    assert grade_answer("mixture_of_experts.capacity_choice", "b").points_earned == 0


@pytest.mark.parametrize("question_id, wrong", [
    # 2/8 of the total
    ("mixture_of_experts.active_params", lambda right: 46.7e9 * 2 / 8),
    # only the output embedding
    ("mixture_of_experts.active_params", lambda right: right - 32000 * 4096),
    # billions, not a count
    ("mixture_of_experts.active_params", lambda right: 12.9),
    # a percentage
    ("mixture_of_experts.dropped_fraction", lambda right: lambda logits, factor: 100 * right(logits, factor)),
    # 16 experts typed in
    ("mixture_of_experts.dropped_fraction", lambda right: lambda logits, factor: np.maximum(
        np.bincount(np.argmax(logits, 1), minlength=16) - logits.shape[0] // 16 * factor, 0).sum() / logits.shape[0]),
    # calls the library
    ("mixture_of_experts.dropped_fraction",
     lambda right: lambda logits, factor: moe.route(logits, top_k=1, capacity_factor=factor).dropped_fraction),
    # forgot N
    ("mixture_of_experts.balancing_loss", lambda right: right / 16),
    # the inverse: how much less compute the MoE needs
    ("mixture_of_experts.compute_multiplier", lambda right: 1 / right),
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


def test_rounding_the_capacity_passes_in_public_but_not_in_hidden():
    result = grade_answer("mixture_of_experts.dropped_fraction", _rounded_dropped)
    assert result.status == "partial" and result.points_earned == 2


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
    with as_learner("ada.lovelace"):
        assert not np.array_equal(ps.router_logits(), again)


MISTAKES = [
    Mistake("rounds the capacity to the nearest token",
            {"mixture_of_experts.dropped_fraction": '''
def dropped_fraction(logits, capacity_factor):
    tokens, experts = logits.shape
    capacity = round(tokens / experts * capacity_factor)
    sent = np.bincount(np.argmax(logits, axis=1), minlength=experts)
    return float(np.maximum(sent - capacity, 0).sum() / tokens)
'''},
            # the public batches have whole capacities: 2 of 4 points
            expected=19 - 2),
    Mistake("fits every MoE run, the diverged one included",
            {"mixture_of_experts.compute_multiplier": '''
runs = moe_problems.training_runs()
dense_law = fit_power_law(runs.flops[~runs.moe], runs.loss[~runs.moe])
moe_law = fit_power_law(runs.flops[runs.moe], runs.loss[runs.moe])
compute_multiplier = dense_law.solve_for_x(moe_law(1e21)) / 1e21
'''},
            # 9% off or more: both value checks fail, 0 of 5
            expected=19 - 5),
    Mistake("takes Switch's capacity factor 1.25 without measuring",
            {"mixture_of_experts.capacity_choice": 'capacity_choice = "b"\n'},
            # a skewed router drops far more than 1% at 1.25: 0 of 3
            expected=19 - 3),
]


def test_typical_mistakes_score_what_they_deserve(tmp_path):
    # 22 points, of which the 3 of mixture_of_experts.why_moe are scored by a person: 19 automatic points
    assert problem_set("mixture_of_experts").points == 22
    totals = grade_mistakes("mixture_of_experts", MISTAKES, tmp_path)
    assert all(total < 19 for total in totals.values())
