"""Problem set 08 (scalingedu.problems.diminishing_returns): right answers earn every point, typical mistakes fail
a public check.

The right answers are worked out here from the published constants without scalingedu.returns, by routes other than
the library's where one exists (bisection instead of the closed form, a grid instead of the optimality condition,
enumeration of outcomes instead of the closed-form best-of-N accuracy).
"""
import math

import numpy as np
import pytest

from scalingedu.data import HOFFMANN_2022_FIT, MUENNIGHOFF_2023_FIT
from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.laws import HOFFMANN_2022
from scalingedu.problems import diminishing_returns as ps

H = HOFFMANN_2022_FIT
H100_PEAK = 989e12           # dense bf16 FLOP/s, as the statement gives it


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
    return (math.exp(fit["a"]), math.exp(fit["b"]), math.exp(fit["e"]), fit["alpha"], fit["beta"], fit["rd_star"],
            fit["rn_star"])


def _data_constrained(params, tokens, unique):
    A, B, E, alpha, beta, rd_star, rn_star = _muennighoff()
    effective_tokens = unique + unique * rd_star * (1 - math.exp(-(tokens / unique - 1) / rd_star))
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    base = min(params, (unique * G) ** (beta / alpha) * G)
    effective_params = base + base * rn_star * (1 - math.exp(-(params / base - 1) / rn_star))
    return effective_tokens, effective_params, E + A / effective_params ** alpha + B / effective_tokens ** beta


def _lifetime_optimal_params(target, demand, inference_flops_per_param=2.0):
    """Grid search over N of 6·N·D(N) + c·N·demand with D(N) solving Eq. 10 = target."""
    params = np.geomspace(1e9, 1e11, 2_000_001)
    left = target - H["E"] - H["A"] / params ** H["alpha"]
    ok = left > 0
    tokens = np.full_like(params, np.inf)
    tokens[ok] = (H["B"] / left[ok]) ** (1 / H["beta"])
    total = 6 * params * tokens + inference_flops_per_param * params * demand
    return float(params[np.argmin(total)]), float(tokens[np.argmin(total)])


def _best_of_n_by_enumeration(p, k, tp, fp, fallback=True):
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


def _right_answers() -> dict:
    """Answers a learner following the statements would give, computed here without scalingedu.returns."""
    flops = ps.FRONTIER_FLOPS
    now = _hoffmann_frontier_loss(flops)
    # the next run: the budget whose frontier loss is 0.1 lower, by bisection on the grid-searched frontier
    next_flops = _bisect(lambda c: (now - ps.STEP_NATS) - _hoffmann_frontier_loss(c), flops, 1e4 * flops, steps=60)
    effective_tokens, _, loss = _data_constrained(ps.DATA_PARAMS, ps.DATA_TOKENS, ps.DATA_UNIQUE_TOKENS)
    target = _hoffmann_frontier_loss(ps.INFERENCE_BUDGET_FLOPS)
    params, _ = _lifetime_optimal_params(target, ps.INFERENCE_DEMAND_TOKENS)
    return {
        "diminishing_returns.gain_per_doubling": now - _hoffmann_frontier_loss(2 * flops),
        "diminishing_returns.next_step_flops": next_flops,
        "diminishing_returns.next_step_dollars":
            next_flops / (H100_PEAK * ps.MFU * 3600) * ps.DOLLARS_PER_HOUR,
        "diminishing_returns.effective_tokens": effective_tokens,
        "diminishing_returns.data_constrained_loss": loss,
        "diminishing_returns.inference_size": params,
        "diminishing_returns.best_of_n": _best_of_n_by_enumeration(
            ps.SAMPLE_SUCCESS, ps.SAMPLES, ps.VERIFIER.true_positive, ps.VERIFIER.false_positive),
        "diminishing_returns.exact_match": math.exp(-ps.PER_TOKEN_LOSS) ** ps.ANSWER_TOKENS,
    }


@pytest.fixture(scope="module")
def right_answers():
    return _right_answers()


def test_right_answers_earn_every_point(right_answers):
    problems = problem_set("diminishing_returns")
    assert list(right_answers) == list(problems.ids) and len(problems.questions) >= 5
    for question_id, answer in right_answers.items():
        result = grade_answer(question_id, answer)
        assert result.status == "passed", (question_id, result)


def _gamma():
    return H["alpha"] * H["beta"] / (H["alpha"] + H["beta"])


def _effective_tokens_with(repeats, decay):
    unique = ps.DATA_UNIQUE_TOKENS
    return unique + unique * decay * (1 - math.exp(-repeats / decay))


def _unconstrained_loss():
    A, B, E, alpha, beta, *_ = _muennighoff()
    return E + A / ps.DATA_PARAMS ** alpha + B / ps.DATA_TOKENS ** beta


def _only_data_discounted():
    A, B, E, alpha, beta, *_ = _muennighoff()
    effective_tokens, _, _ = _data_constrained(ps.DATA_PARAMS, ps.DATA_TOKENS, ps.DATA_UNIQUE_TOKENS)
    return E + A / ps.DATA_PARAMS ** alpha + B / effective_tokens ** beta


def _raw_log_constants_loss():
    fit = MUENNIGHOFF_2023_FIT
    effective_tokens, effective_params, _ = _data_constrained(ps.DATA_PARAMS, ps.DATA_TOKENS, ps.DATA_UNIQUE_TOKENS)
    return fit["e"] + fit["a"] / effective_params ** fit["alpha"] + fit["b"] / effective_tokens ** fit["beta"]


def _chinchilla_params_for_target():
    return HOFFMANN_2022.compute_optimal(ps.INFERENCE_BUDGET_FLOPS).params


def _coverage():
    return 1 - (1 - ps.SAMPLE_SUCCESS) ** ps.SAMPLES


def _precision():
    q1 = ps.SAMPLE_SUCCESS * ps.VERIFIER.true_positive
    return q1 / (q1 + (1 - ps.SAMPLE_SUCCESS) * ps.VERIFIER.false_positive)


MISTAKES = [
    # the fraction, not nats
    ("diminishing_returns.gain_per_doubling", lambda right: 1 - 2 ** -_gamma()),
    # alpha
    ("diminishing_returns.gain_per_doubling",
     lambda right: right / (1 - 2 ** -_gamma()) * (1 - 2 ** -H["alpha"])),
    ("diminishing_returns.gain_per_doubling",
     lambda right: (right / (1 - 2 ** -_gamma()) + H["E"]) * (1 - 2 ** -_gamma())),
    # the multiplier
    ("diminishing_returns.next_step_flops", lambda right: right / ps.FRONTIER_FLOPS),
    # forgot the 6 in C/6
    ("diminishing_returns.next_step_flops", lambda right: right / 6),
    # only the extra FLOPs
    ("diminishing_returns.next_step_flops", lambda right: right - ps.FRONTIER_FLOPS),
    # forgot the MFU
    ("diminishing_returns.next_step_dollars", lambda right: right * ps.MFU),
    # priced the increment
    ("diminishing_returns.next_step_dollars", lambda right: right * (
        1 - ps.FRONTIER_FLOPS / _right_answers()["diminishing_returns.next_step_flops"])),
    # GPU-seconds priced
    ("diminishing_returns.next_step_dollars", lambda right: right * 3600),
    # epochs
    ("diminishing_returns.effective_tokens",
     lambda right: _effective_tokens_with(20, MUENNIGHOFF_2023_FIT["rd_star"])),
    # R_N*
    ("diminishing_returns.effective_tokens",
     lambda right: _effective_tokens_with(19, MUENNIGHOFF_2023_FIT["rn_star"])),
    # no discount
    ("diminishing_returns.effective_tokens", lambda right: ps.DATA_TOKENS),
    # epochs' worth
    ("diminishing_returns.effective_tokens", lambda right: right / ps.DATA_UNIQUE_TOKENS),
    # all data unique
    ("diminishing_returns.data_constrained_loss", lambda right: _unconstrained_loss()),
    # forgot N'
    ("diminishing_returns.data_constrained_loss", lambda right: _only_data_discounted()),
    # a, b, e not exponentiated
    ("diminishing_returns.data_constrained_loss", lambda right: _raw_log_constants_loss()),
    # ignored the demand
    ("diminishing_returns.inference_size", lambda right: _chinchilla_params_for_target()),
    # 6N
    ("diminishing_returns.inference_size", lambda right: _lifetime_optimal_params(
        HOFFMANN_2022.compute_optimal(ps.INFERENCE_BUDGET_FLOPS).loss, ps.INFERENCE_DEMAND_TOKENS,
        inference_flops_per_param=6.0)[0]),
    # tokens, not params
    ("diminishing_returns.inference_size", lambda right: _lifetime_optimal_params(
        HOFFMANN_2022.compute_optimal(ps.INFERENCE_BUDGET_FLOPS).loss,
        ps.INFERENCE_DEMAND_TOKENS)[1]),
    # coverage
    ("diminishing_returns.best_of_n", lambda right: _coverage()),
    # the ceiling
    ("diminishing_returns.best_of_n", lambda right: _precision()),
    # loss as error rate
    ("diminishing_returns.exact_match", lambda right: (1 - ps.PER_TOKEN_LOSS) ** ps.ANSWER_TOKENS),
    # one token
    ("diminishing_returns.exact_match", lambda right: math.exp(-ps.PER_TOKEN_LOSS)),
    ("diminishing_returns.exact_match",
     lambda right: 1 - ps.ANSWER_TOKENS * (1 - math.exp(-ps.PER_TOKEN_LOSS))),
]


@pytest.mark.parametrize("question_id, wrong", MISTAKES)
def test_typical_mistakes_fail_a_public_check(question_id, wrong, right_answers):
    answer = wrong(right_answers[question_id])
    assert not all(check(answer).passed for check in question(question_id).public_checks)


def test_best_of_n_without_the_fallback_passes_publicly_but_fails_a_hidden_check():
    """Forgetting the no-sample-accepted case is a small slip: hidden checks (tighter) catch it."""
    slip = _best_of_n_by_enumeration(ps.SAMPLE_SUCCESS, ps.SAMPLES, ps.VERIFIER.true_positive,
                                     ps.VERIFIER.false_positive, fallback=False)
    q = question("diminishing_returns.best_of_n")
    assert all(check(slip).passed for check in q.public_checks)
    assert not all(check(slip).passed for check in q.hidden_checks)


def test_the_data_question_exercises_both_discounts():
    """The run repeats its data (R_D > 0) and is larger than its unique data can feed (R_N > 0): both terms count."""
    effective_tokens, effective_params, _ = _data_constrained(ps.DATA_PARAMS, ps.DATA_TOKENS, ps.DATA_UNIQUE_TOKENS)
    assert ps.DATA_UNIQUE_TOKENS < effective_tokens < 0.7 * ps.DATA_TOKENS
    assert effective_params < 0.9 * ps.DATA_PARAMS


def test_the_inference_demand_moves_the_optimum_well_below_chinchilla(right_answers):
    chinchilla = HOFFMANN_2022.compute_optimal(ps.INFERENCE_BUDGET_FLOPS)
    assert right_answers["diminishing_returns.inference_size"] < 0.6 * chinchilla.params


@pytest.mark.parametrize("bad", [None, "1e25", float("nan"), [1.0, 2.0]])
def test_non_numbers_fail_with_a_message(bad):
    result = question("diminishing_returns.next_step_flops").public_checks[0](bad)
    assert not result.passed and result.message
