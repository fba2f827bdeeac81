"""scalingedu.returns.test_time (a toy model of repeated sampling with a verifier) and .emergence (Schaeffer et al.
2023: exact match vs per-token loss). The closed forms are checked against seeded Monte Carlo simulations of the
same processes (tolerance: 4 standard errors of the simulated mean)."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.returns import (
    ToyTask,
    Verifier,
    best_of_n_accuracy,
    compute_matched,
    coverage,
    exact_match,
    lab_emergence,
    power_law_token_loss,
    token_edit_distance,
    token_probability,
)

TRIALS = 200_000


def _simulate_best_of_n(p, k, verifier, rng):
    correct = rng.random((TRIALS, k)) < p
    accept_probability = np.where(correct, verifier.true_positive, verifier.false_positive)
    accepted = rng.random((TRIALS, k)) < accept_probability
    scores = np.where(accepted, 1.0, 0.0) + rng.random((TRIALS, k)) * 0.5     # random choice among accepted
    chosen = np.argmax(scores, axis=1)
    return correct[np.arange(TRIALS), chosen], correct.any(axis=1)


@pytest.mark.parametrize("p, k", [(0.02, 8), (0.3, 4), (0.7, 16)])
def test_coverage_and_best_of_n_match_a_simulation(p, k):
    rng = np.random.default_rng(1234)
    verifier = Verifier(0.8, 0.15)
    chosen_right, any_right = _simulate_best_of_n(p, k, verifier, rng)
    for formula, simulated in ((best_of_n_accuracy(p, k, verifier), chosen_right), (coverage(p, k), any_right)):
        error = np.sqrt(formula * (1 - formula) / TRIALS)
        assert abs(simulated.mean() - formula) < 4 * error + 1e-9


def test_perfect_verifier_turns_coverage_into_accuracy_and_imperfect_one_saturates():
    p = np.array([0.01, 0.2, 0.6])
    assert np.allclose(best_of_n_accuracy(p, 32, Verifier(1.0, 0.0)), coverage(p, 32))
    verifier = Verifier(0.9, 0.1)
    precision = 0.9 * p / (0.9 * p + 0.1 * (1 - p))
    assert np.allclose(best_of_n_accuracy(p, 10_000, verifier), precision)
    assert np.all(best_of_n_accuracy(p, 10_000, verifier) < coverage(p, 10_000))
    assert best_of_n_accuracy(0.3, 1, verifier) == pytest.approx(0.3)    # one sample: nothing to choose


def test_compute_matched_sampling_wins_where_the_small_model_has_a_chance():
    """Snell et al. 2024 (abstract) [S]: FLOPs-matched, test-time compute beats a larger model where the small
    model has non-trivial success rates; not on the hardest problems. This toy reproduces that shape (qualitative
    only: the toy's numbers are assumptions)."""
    result = compute_matched(1e9, 16)
    assert result.large_params == 16e9
    assert result.flops_per_answer_token == pytest.approx(2 * 16e9)
    wins = result.sampling_wins
    assert wins.any() and not wins.all()
    assert np.all(result.small_single[wins] > 0.03)               # wins only where the small model has a chance
    hardest = np.argmax(result.difficulties)
    assert not wins[hardest]
    assert np.all(result.small_coverage >= result.small_best_of_n - 1e-12)


def test_task_success_rises_with_size_and_falls_with_difficulty():
    probabilities = ToyTask().success_probability(np.array([1e8, 1e9, 1e10]))
    assert probabilities.shape == (3, 200)
    assert np.all(np.diff(probabilities, axis=0) > 0)
    assert np.all(np.diff(probabilities, axis=1) < 0)


def test_test_time_errors():
    with pytest.raises(ValueError, match=r"success_probability must lie in \[0, 1\]"):
        coverage(1.5, 3)
    with pytest.raises(ValueError, match=r"samples must be whole numbers >= 1 \(got 0.5\)"):
        coverage(0.5, 0.5)
    with pytest.raises(ValueError, match=r"true_positive must lie in"):
        Verifier(true_positive=2.0)
    with pytest.raises(ValueError, match=r"accepts nothing"):
        Verifier(0.0, 0.0)
    with pytest.raises(ValueError, match=r"samples must be >= 1"):
        compute_matched(1e9, 0)
    with pytest.raises(ValueError, match=r"small_params must be > 0"):
        compute_matched(-1.0, 4)
    with pytest.raises(TypeError, match=r"task must be a ToyTask"):
        compute_matched(1e9, 4, task="gsm8k")


# --- emergence ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("loss, length", [(0.05, 10), (0.5, 3), (1.2, 2)])
def test_exact_match_and_edit_distance_match_a_simulation(loss, length):
    """Tokens right independently with probability exp(−loss): all right (exact match) and the count wrong."""
    rng = np.random.default_rng(7)
    right = rng.random((TRIALS, length)) < np.exp(-loss)
    all_right = right.all(axis=1)
    formula = exact_match(loss, length)
    assert abs(all_right.mean() - formula) < 4 * np.sqrt(formula * (1 - formula) / TRIALS)
    wrong = (~right).sum(axis=1)
    assert abs(wrong.mean() - token_edit_distance(loss, length)) < 4 * wrong.std() / np.sqrt(TRIALS)


def test_smooth_loss_gives_sharp_exact_match_but_smooth_edit_distance():
    """Schaeffer et al. 2023: one smooth per-token loss, two pictures. Over 10^7..10^12 parameters (synthetic
    power law), exact match of a 10-token answer stays near 0 over the first two decades and does most of its
    rising in the last two; meanwhile the per-token probability is already about 3/4 at 10^9 parameters."""
    params = np.logspace(7, 12, 51)
    loss = power_law_token_loss(params)
    assert np.allclose(np.diff(np.log(loss)), np.diff(np.log(loss))[0])    # a straight line on log-log axes
    accuracy = exact_match(loss, 10)
    first_half, last_two_decades = params <= 1e9, params >= 1e10
    assert accuracy[first_half].max() < 0.06
    assert accuracy[-1] - accuracy[last_two_decades][0] > 0.5
    edit = token_edit_distance(loss, 10)
    assert np.all(np.diff(edit) < 0)
    assert token_probability(loss)[first_half][-1] > 0.5                    # per token, already mostly right


def test_lab_emergence_uses_the_measured_losses():
    from scalingedu.returns import lab_frontier
    frontier = lab_frontier()
    result = lab_emergence(8)
    assert np.allclose(np.sort(result.loss)[::-1], np.sort(frontier.loss)[::-1])
    # a ~20% drop in per-character loss multiplies 8-character exact match by exp(8 × drop)
    ratio = result.exact_match[-1] / result.exact_match[0]
    assert ratio == pytest.approx(np.exp(8 * (result.loss[0] - result.loss[-1])), rel=1e-12)
    assert ratio > 10 and result.loss[-1] / result.loss[0] > 0.75


def test_emergence_errors():
    with pytest.raises(ValueError, match=r"answer_tokens must be whole numbers >= 1"):
        exact_match(0.1, 0)
    with pytest.raises(ValueError, match=r"per_token_loss must be >= 0"):
        token_edit_distance(-0.1, 3)
    with pytest.raises(ValueError, match=r"answer_tokens must be >= 1"):
        lab_emergence(0)
