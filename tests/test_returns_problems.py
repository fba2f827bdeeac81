"""Problem set 08 (scalingedu.problems.diminishing_returns): right answers earn every point, typical mistakes lose
the points they should, the simulated runs need cleaning, and the decision is not a coin toss.

The right answers are worked out here from the published constants without scalingedu.returns, by routes other than
the library's where one exists (bisection instead of the closed form, a grid instead of the optimality condition,
enumeration of outcomes instead of the closed-form best-of-N accuracy, a grid and golden-section search instead of
scipy for the fit).
"""
import dataclasses
import math

import numpy as np
import pytest
from typical_mistakes import Mistake, grade_mistakes

from scalingedu.data import HOFFMANN_2022_FIT, MUENNIGHOFF_2023_FIT
from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.grading.learner import as_learner
from scalingedu.problems import diminishing_returns as ps
from scalingedu.returns import MUENNIGHOFF_2023

H = HOFFMANN_2022_FIT
LEARNERS = [None, "ada.lovelace", "alan.turing", "grace.hopper", "k.johnson", "e.noether", "learner-17",
            "learner-42"]


def _hoffmann_frontier_loss(flops):
    """Loss of the best split of ``flops`` = 6ND under Eq. 10, found by a fine grid over log N (not Eq. 4)."""
    params = np.geomspace(1e8, 1e13, 400_001)
    loss = H["E"] + H["A"] / params ** H["alpha"] + H["B"] / (flops / (6 * params)) ** H["beta"]
    return float(loss.min())


def _bisect(function, low, high, steps=200):
    """Root of an increasing ``function`` between ``low`` and ``high`` (in log space)."""
    for _ in range(steps):
        middle = math.sqrt(low * high)
        low, high = (low, middle) if function(middle) > 0 else (middle, high)
    return math.sqrt(low * high)


def _muennighoff():
    fit = MUENNIGHOFF_2023_FIT
    return math.exp(fit["a"]), math.exp(fit["b"]), math.exp(fit["e"]), fit["alpha"], fit["beta"]


def effective_tokens(tokens, unique_tokens, rd_star):
    """Muennighoff et al.'s D', written from the paper's definition (R_D = epochs − 1)."""
    repeats = np.asarray(tokens, dtype=float) / unique_tokens - 1
    return unique_tokens + unique_tokens * rd_star * (1 - np.exp(-repeats / rd_star))


def _clean(runs, far=0.05):
    """The runs the law can describe: none ends far above a run with fewer epochs."""
    return runs.loss - np.minimum.accumulate(runs.loss) < far


def _fit_rd_star(runs, keep, effective=effective_tokens):
    """Least squares in nats over R_D*, by a log grid then golden-section search (not scipy)."""
    A, B, E, alpha, beta = _muennighoff()

    def squares(rd_star):
        predicted = E + A / runs.params[keep] ** alpha + B / effective(runs.tokens[keep], runs.unique_tokens[keep],
                                                                        rd_star) ** beta
        return float(np.sum((predicted - runs.loss[keep]) ** 2))
    grid = np.geomspace(0.5, 1000, 2001)
    best = int(np.argmin([squares(r) for r in grid]))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    golden = (math.sqrt(5) - 1) / 2
    for _ in range(100):
        x1, x2 = high - golden * (high - low), low + golden * (high - low)
        low, high = (low, x2) if squares(x1) < squares(x2) else (x1, high)
    return (low + high) / 2


def _training_tokens_to_reach(params, target):
    left = target - H["E"] - H["A"] / params ** H["alpha"]
    return (H["B"] / left) ** (1 / H["beta"]) if left > 0 else math.inf


def _lifetime_flops(inference_flops_per_param=2.0, demand=None):
    """Each plan's training + inference FLOPs, with the target found on a grid of the frontier (not Eq. 4)."""
    demand = ps.LIFETIME_DEMAND_TOKENS if demand is None else demand
    target = _hoffmann_frontier_loss(ps.LIFETIME_BUDGET_FLOPS)
    totals = {}
    for key, params in ps.lifetime_plan_params().items():
        tokens = _training_tokens_to_reach(params, target)
        totals[key] = 6 * params * tokens + inference_flops_per_param * params * demand
    return totals


def _one_best_of_n(p, k, tp, fp, fallback=True):
    """Sum over how many samples are right-and-accepted (a) and wrong-and-accepted (b): multinomial outcomes."""
    q1, q2 = p * tp, (1 - p) * fp
    q0 = 1 - q1 - q2
    total = 0.0
    for a in range(k + 1):
        for b in range(k + 1 - a):
            chance = math.comb(k, a) * math.comb(k - a, b) * q1 ** a * q2 ** b * q0 ** (k - a - b)
            if a + b:
                total += chance * a / (a + b)
            elif fallback:
                total += chance * p * (1 - tp) / q0
    return total


def best_of_n(p, k, true_positive, false_positive):
    """Best-of-N accuracy by enumeration, element by element (k up to a few hundred; k = 1000 by the closed form
    of the first ``k`` terms would be slow, so large k uses the limit checked in a test below)."""
    p, k = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(k))
    out = np.empty(p.shape)
    for index in np.ndindex(p.shape):
        kk = int(k[index])
        if kk <= 200:
            out[index] = _one_best_of_n(float(p[index]), kk, true_positive, false_positive)
        else:   # every term with an accepted sample is precision; the none-accepted term is q0^k-small
            q1, q2 = p[index] * true_positive, (1 - p[index]) * false_positive
            q0 = 1 - q1 - q2
            out[index] = (1 - q0 ** kk) * q1 / (q1 + q2) + q0 ** (kk - 1) * p[index] * (1 - true_positive)
    return out


def _coverage_function(p, k, true_positive, false_positive):
    return 1 - (1 - np.asarray(p, dtype=float)) ** k


def _without_fallback(p, k, true_positive, false_positive):
    q1, q2 = np.asarray(p) * true_positive, (1 - np.asarray(p)) * false_positive
    return (1 - (1 - q1 - q2) ** k) * q1 / (q1 + q2)


def _right_answers() -> dict:
    """Answers a learner following the statements would give, computed here without scalingedu.returns."""
    flops = ps.FRONTIER_FLOPS
    now = _hoffmann_frontier_loss(flops)
    next_flops = _bisect(lambda c: (now - ps.STEP_NATS) - _hoffmann_frontier_loss(c), flops, 1e4 * flops, steps=60)
    runs = ps.repeated_runs()
    totals = _lifetime_flops()
    return {
        "diminishing_returns.gain_per_doubling": now - _hoffmann_frontier_loss(2 * flops),
        "diminishing_returns.next_step_flops": next_flops,
        "diminishing_returns.effective_data": effective_tokens,
        "diminishing_returns.repeat_decay": _fit_rd_star(runs, _clean(runs)),
        "diminishing_returns.lifetime_plan": min(totals, key=totals.get),
        "diminishing_returns.best_of_n_rule": best_of_n,
        "diminishing_returns.next_ten_x": "The next 10x of compute lowers the loss by less than the previous 10x did, "
                                          "because each 10x removes the same fraction of what is left above E, so "
                                          "the nats it buys shrink every time. If the unique data runs out the gain "
                                          "is smaller still, since repeated tokens are worth less than new ones.",
    }


@pytest.fixture(scope="module")
def right_answers():
    return _right_answers()


def test_right_answers_earn_every_automatic_point_and_the_written_one_waits_for_a_person(right_answers):
    problems = problem_set("diminishing_returns")
    assert list(right_answers) == list(problems.ids)
    for question_id, answer in right_answers.items():
        result = grade_answer(question_id, answer)
        if question(question_id).rubric:
            assert question(question_id).public_checks[0](answer).passed
            assert result.status == "to be marked" and result.points_earned == 0, (question_id, result)
        else:
            assert result.status == "passed", (question_id, result)


def _gamma():
    return H["alpha"] * H["beta"] / (H["alpha"] + H["beta"])


MISTAKES = [
    # the fraction, not nats
    ("diminishing_returns.gain_per_doubling", lambda right: 1 - 2 ** -_gamma()),
    # alpha instead of gamma
    ("diminishing_returns.gain_per_doubling",
     lambda right: right / (1 - 2 ** -_gamma()) * (1 - 2 ** -H["alpha"])),
    # the whole loss, E included
    ("diminishing_returns.gain_per_doubling",
     lambda right: (right / (1 - 2 ** -_gamma()) + H["E"]) * (1 - 2 ** -_gamma())),
    # the multiplier
    ("diminishing_returns.next_step_flops", lambda right: right / ps.FRONTIER_FLOPS),
    # forgot the 6 in C/6
    ("diminishing_returns.next_step_flops", lambda right: right / 6),
    # only the extra FLOPs
    ("diminishing_returns.next_step_flops", lambda right: right - ps.FRONTIER_FLOPS),
    # every epoch counted as a repeat
    ("diminishing_returns.effective_data",
     lambda right: lambda tokens, unique, rd_star: unique + unique * rd_star * (
         1 - np.exp(-np.asarray(tokens) / unique / rd_star))),
    # R_N* instead of R_D*
    ("diminishing_returns.effective_data",
     lambda right: lambda tokens, unique, rd_star: right(tokens, unique, MUENNIGHOFF_2023_FIT["rn_star"])),
    # no discount
    ("diminishing_returns.effective_data", lambda right: lambda tokens, unique, rd_star: np.asarray(tokens, float)),
    # the library's function: runs, but earns nothing
    ("diminishing_returns.effective_data",
     lambda right: lambda tokens, unique, rd_star: dataclasses.replace(MUENNIGHOFF_2023, rd_star=rd_star)
     .effective_tokens(tokens, unique)),
    # coverage
    ("diminishing_returns.best_of_n_rule", lambda right: _coverage_function),
    # the verifier's precision, the ceiling
    ("diminishing_returns.best_of_n_rule",
     lambda right: lambda p, k, tp, fp: p * tp / (p * tp + (1 - p) * fp)),
    # no sample accepted forgotten
    ("diminishing_returns.best_of_n_rule", lambda right: _without_fallback),
]


@pytest.mark.parametrize("question_id, wrong", MISTAKES)
def test_typical_mistakes_fail_a_public_check(question_id, wrong, right_answers):
    answer = wrong(right_answers[question_id])
    assert not all(check(answer).passed for check in question(question_id).public_checks)


@pytest.mark.parametrize("question_id, fitted_to_public", [
    # a learner who hard-codes the published R_D* passes the public inputs, not the hidden ones
    ("diminishing_returns.effective_data",
     lambda tokens, unique, rd_star: effective_tokens(tokens, unique, MUENNIGHOFF_2023_FIT["rd_star"])),
    # a learner who hard-codes the 32 samples and the 90%/2% verifier of the public input
    ("diminishing_returns.best_of_n_rule", lambda p, k, tp, fp: best_of_n(p, 32, 0.9, 0.02)),
])
def test_a_function_fitted_to_the_public_inputs_fails_the_hidden_ones(question_id, fitted_to_public):
    q = question(question_id)
    assert all(check(fitted_to_public).passed for check in q.public_checks)
    assert not all(check(fitted_to_public).passed for check in q.hidden_checks)


def test_the_closed_form_limit_used_for_many_samples_matches_enumeration():
    for p in (0.01, 0.3, 0.7):
        exact = _one_best_of_n(p, 150, 0.9, 0.02)
        q1, q2 = p * 0.9, (1 - p) * 0.02
        q0 = 1 - q1 - q2
        limit = (1 - q0 ** 150) * q1 / (q1 + q2) + q0 ** 149 * p * 0.1
        assert limit == pytest.approx(exact, rel=1e-9)


@pytest.mark.parametrize("learner", LEARNERS)
def test_the_cleaned_fit_passes_and_a_fit_of_every_run_fails_for_every_learner(learner):
    with as_learner(learner):
        runs = ps.repeated_runs()
        true_rd_star, diverged = ps._truth()
        keep = _clean(runs)
        assert list(np.flatnonzero(~keep)) == [diverged]          # the rule the hint teaches finds the bad run
        q = question("diminishing_returns.repeat_decay")
        cleaned = _fit_rd_star(runs, keep)
        assert all(check(cleaned).passed for check in q.checks)
        naive = _fit_rd_star(runs, np.ones_like(keep))
        assert not any(check(naive).passed for check in q.checks if check.weight)
        assert cleaned == pytest.approx(true_rd_star, rel=0.15)   # the cleaned fit finds the simulation's truth


@pytest.mark.parametrize("learner", LEARNERS[:4])
def test_the_truth_the_grader_replays_is_the_one_the_runs_were_made_from(learner):
    """ps._truth() replays the draws of repeated_runs(): with its R_D*, every run but the diverged one sits within
    the noise of the law, and the diverged one 0.15 to 0.3 nats above it."""
    with as_learner(learner):
        runs = ps.repeated_runs()
        true_rd_star, diverged = ps._truth()
    law = dataclasses.replace(MUENNIGHOFF_2023, rd_star=true_rd_star)
    excess = runs.loss / np.asarray(law.loss(runs.params, runs.tokens, runs.unique_tokens)) - 1
    others = np.delete(excess, diverged)
    assert np.all(np.abs(others) < 5 * ps.REPEAT_NOISE)
    assert 0.15 / 3.1 < excess[diverged] < 0.3 / 2.6


def test_each_learner_gets_runs_of_their_own():
    with as_learner("ada.lovelace"):
        ada = ps.repeated_runs().loss
    with as_learner("alan.turing"):
        alan = ps.repeated_runs().loss
    assert not np.allclose(ada, alan)
    np.testing.assert_array_equal(ps.repeated_runs().loss, ps.repeated_runs().loss)


def test_the_published_decay_constant_is_not_the_answer_for_the_shared_runs():
    q = question("diminishing_returns.repeat_decay")
    assert not all(check(MUENNIGHOFF_2023.rd_star).passed for check in q.checks)


def test_the_cheapest_plan_is_clear_and_the_other_plans_are_mistakes_someone_makes(right_answers):
    totals = _lifetime_flops()
    ranked = sorted(totals, key=totals.get)
    best, runner_up = ranked[0], ranked[1]
    assert best == right_answers["diminishing_returns.lifetime_plan"] == ps._cheapest_plan()
    assert totals[runner_up] > 1.05 * totals[best]                       # not a coin toss
    assert math.isinf(totals["e"])                                       # too small to ever reach the target
    without_demand = _lifetime_flops(demand=0.0)
    assert min(without_demand, key=without_demand.get) == "a" != best     # ignoring inference picks Chinchilla
    six_n = _lifetime_flops(inference_flops_per_param=6.0)
    assert min(six_n, key=six_n.get) not in (best, "e")                  # 6N per served token picks another


def test_the_model_answer_meets_the_word_gate_and_quotes_library_numbers():
    q = question("diminishing_returns.next_ten_x")
    assert q.public_checks[0](q.model_answer).passed
    assert f"{ps._TEN_X['next']:.3f}" in q.model_answer and sum(c.points for c in q.rubric) == q.points


@pytest.mark.parametrize("bad", [None, "1e25", float("nan"), [1.0, 2.0]])
def test_non_numbers_fail_with_a_message(bad):
    result = question("diminishing_returns.next_step_flops").public_checks[0](bad)
    assert not result.passed and result.message


# Typical mistakes as whole submissions, graded by the class grader -------------------------------------------------
# Automatic points: 2 + 2 + 3 + 4 + 3 + 3 = 17 (next_ten_x, 4 points, is scored by a person and counts 0 here).

MISTAKE_SUBMISSIONS = [
    # Fits every run, the diverged one too: the fit is pulled to about 6 epochs instead of about 10.5; it fails the
    # public (5%) and hidden (0.5%) checks, each worth half of the 4 points. 17 − 4 = 13.
    Mistake("fits all runs, the diverged one included", {"diminishing_returns.repeat_decay": """
M = MUENNIGHOFF_2023
fit = minimize_scalar(
    lambda r: np.sum((M.E + M.A / runs.params ** M.alpha
                      + M.B / effective_tokens(runs.tokens, runs.unique_tokens, r) ** M.beta - runs.loss) ** 2),
    bounds=(0.5, 1000), method="bounded", options={"xatol": 1e-9})
rd_star = fit.x
"""}, expected=13),
    # Takes coverage for best-of-N accuracy: the function fails the public and the hidden inputs (3 points lost).
    # 17 − 3 = 14.
    Mistake("takes coverage (any right sample) for what the verifier picks", {"diminishing_returns.best_of_n_rule": """
def best_of_n(p, k, true_positive, false_positive):
    return 1 - (1 - p) ** k
"""}, expected=14),
    # Prices only the training (lifetime = 6ND): the Chinchilla-optimal model (a) looks cheapest; the choice is
    # wrong, which is all 3 points of the question. 17 − 3 = 14.
    Mistake("prices only the training, not the tokens the model will serve", {"diminishing_returns.lifetime_plan": """
target_loss = diminishing_returns_problems.lifetime_target_loss()
sizes = diminishing_returns_problems.lifetime_plan_params()
training = {}
for key, n in sizes.items():
    left = target_loss - law.E - law.A / n ** law.alpha
    if left > 0:
        training[key] = 6 * n * (law.B / left) ** (1 / law.beta)
plan = min(training, key=training.get)
"""}, expected=14),
]


def test_typical_mistakes_score_what_they_deserve(tmp_path):
    totals = grade_mistakes("diminishing_returns", MISTAKE_SUBMISSIONS, tmp_path)
    full = problem_set("diminishing_returns").points - question("diminishing_returns.next_ten_x").points
    assert all(total < full for total in totals.values())
