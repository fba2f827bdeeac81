"""Problem set 04 (scalingedu.problems.chinchilla): the cleaning the sweep asks for is needed, the serving decision
is the library's, and three typical mistakes score what they deserve.

The right answers here are worked out without the problem set's expected-value helpers: Approach 2 with np.polyfit
and a straight line in log-log space, the Chinchilla law inverted for D by hand.
"""
import numpy as np
import pytest
from typical_mistakes import Mistake, grade_mistakes

from scalingedu.grading import grade_answer, problem_set
from scalingedu.grading.learner import as_learner
from scalingedu.laws import EPOCH_2024
from scalingedu.problems import chinchilla as ps


def _approach2(params, flops, loss) -> float:
    """Approach 2 by hand: a parabola in ln N per budget, a straight line through the minima in log-log space."""
    budgets = np.unique(flops)
    optima = []
    for budget in budgets:
        same = flops == budget
        c2, c1, _ = np.polyfit(np.log(params[same]), loss[same], 2)
        optima.append(-c1 / (2 * c2))
    return float(np.polyfit(np.log(budgets), optima, 1)[0])


def _flaws(sweep) -> tuple[np.ndarray, np.ndarray]:
    """The diverged run (the largest loss above the parabola through its budget's other runs) and the budget whose
    minimum falls outside its sizes, found from the data as a learner would."""
    bottomless = np.zeros(sweep.params.size, bool)
    diverged = np.zeros(sweep.params.size, bool)
    for budget in np.unique(sweep.flops):
        same = np.flatnonzero(sweep.flops == budget)
        x = np.log(sweep.params[same])
        c2, c1, c0 = np.polyfit(x, sweep.loss[same], 2)
        if not x.min() < -c1 / (2 * c2) < x.max():
            bottomless[same] = True
            continue
        residual = sweep.loss[same] - np.polyval((c2, c1, c0), x)
        if residual.max() > 0.1:
            diverged[same[np.argmax(residual)]] = True
    return diverged, bottomless


@pytest.mark.parametrize("learner", [None, "ada", "grace.hopper", "learner-17"])
def test_only_the_cleaned_sweep_passes_the_fit_and_every_flaw_left_in_fails_a_public_check(learner):
    question = problem_set("chinchilla").question("chinchilla.isoflop_exponent")
    with as_learner(learner):
        sweep = ps.isoflop_sweep()
        diverged, bottomless = _flaws(sweep)
        assert diverged.sum() == 1 and bottomless.sum() == ps.RUNS_SIZES
        assert np.unique(sweep.flops).size == ps.RUNS_BUDGETS.size + 1
        good = ~(diverged | bottomless)
        cleaned = _approach2(sweep.params[good], sweep.flops[good], sweep.loss[good])
        assert grade_answer("chinchilla.isoflop_exponent", cleaned).status == "passed"
        for keep, what in ((np.ones_like(good), "all runs"), (~diverged, "the budget without a bottom kept"),
                           (~bottomless, "the diverged run kept")):
            wrong = _approach2(sweep.params[keep], sweep.flops[keep], sweep.loss[keep])
            assert not all(c(wrong).passed for c in question.public_checks), (learner, what, wrong, cleaned)
        # the cleaned sweep is exactly the good runs, and the learner's data are their own
        np.testing.assert_array_equal(np.sort(sweep.loss[good]), np.sort(ps.isoflop_runs().loss))
    if learner is not None:
        assert not np.array_equal(sweep.loss, ps.isoflop_sweep().loss)


def test_the_sweep_is_simulated_from_the_epoch_law_with_a_diverged_run_and_a_bottomless_budget():
    sweep = ps.isoflop_sweep()
    np.testing.assert_allclose(6 * sweep.params * sweep.tokens, sweep.flops, rtol=1e-12)
    diverged, bottomless = _flaws(sweep)
    excess = sweep.loss[diverged] / EPOCH_2024.loss(sweep.params[diverged], sweep.tokens[diverged])
    assert ps.SWEEP_DIVERGED_FACTORS[0] <= excess[0] <= ps.SWEEP_DIVERGED_FACTORS[1]
    optimum = EPOCH_2024.compute_optimal(sweep.flops[bottomless][0]).params
    assert np.all(sweep.params[bottomless] > optimum)
    sweep.loss[0] = -1.0
    assert ps.isoflop_sweep().loss[0] > 0                                       # fresh arrays on every call


def _tokens_by_hand(params, loss):
    law = EPOCH_2024
    room = loss - law.E - law.A / params ** law.alpha
    return (law.B / room) ** (1 / law.beta) if room > 0 else np.inf


def test_the_serving_decision_is_the_cheapest_lifetime_and_depends_on_the_demand():
    target = EPOCH_2024.compute_optimal(ps.BUDGET_FLOPS)

    def cheapest(demand):
        lifetime = {}
        for key, factor in ps.SIZE_FACTORS.items():
            params = factor * target.params
            lifetime[key] = 6 * params * _tokens_by_hand(params, target.loss) + 2 * params * demand
        return min(lifetime, key=lifetime.get)

    right = cheapest(ps.SERVED_TOKENS)
    assert grade_answer("chinchilla.serve_choice", right).status == "passed"
    assert right != "a"                                    # with this demand, compute-optimal is not the best buy
    assert cheapest(0.0) == "a"                            # without serving it is, by definition
    assert grade_answer("chinchilla.serve_choice", "a").points_earned == 0
    for plan in ps.serve_options().values():
        assert EPOCH_2024.loss(plan["params"], plan["tokens"]) == pytest.approx(target.loss, rel=1e-9)


def test_the_rubric_question_is_scored_by_a_person_and_recall_or_compute_is_at_most_a_third():
    owner = problem_set("chinchilla")
    rubric = owner.question("chinchilla.ratio_rule")
    assert sum(c.points for c in rubric.rubric) == rubric.points
    assert grade_answer("chinchilla.ratio_rule", "word " * 40).points_earned == 0
    easy = sum(q.points for q in owner.questions if q.kind in ("recall", "compute"))
    assert easy <= owner.points / 3
    kinds = {q.kind for q in owner.questions}
    assert {"derive", "fit", "decide"} <= kinds


# Automatic points: 18 in all, 3 of them (ratio_rule) scored by a person, so the solution earns 15.
MISTAKES = [
    # Keeps the budget without a bottom, drops only the diverged run: isoflop_exponent fails both checks (-4).
    Mistake("keeps the budget whose sizes miss the minimum", {"chinchilla.isoflop_exponent": """
keep = np.ones(sweep.params.size, dtype=bool)
for budget in budgets:
    on_budget = sweep.flops == budget
    coefficients = np.polyfit(np.log(sweep.params[on_budget]), sweep.loss[on_budget], 2)
    residual = sweep.loss[on_budget] - np.polyval(coefficients, np.log(sweep.params[on_budget]))
    if residual.max() > 0.1:
        keep[np.flatnonzero(on_budget)[np.argmax(residual)]] = False
optima = []
for budget in budgets:
    on_budget = keep & (sweep.flops == budget)
    c2, c1, c0 = np.polyfit(np.log(sweep.params[on_budget]), sweep.loss[on_budget], 2)
    optima.append(np.exp(-c1 / (2 * c2)))
isoflop_exponent = fit_power_law(budgets, optima).b
"""}, expected=11),
    # Trusts compute-optimal and the refit's ratio everywhere: serve_choice "a" (-3) and tokens_per_param with
    # EPOCH_2024 instead of Eq. 10's constants (18 instead of 98: fails both checks, -1).
    Mistake("treats the compute-optimal plan as the best plan", {
        "chinchilla.serve_choice": 'serve_choice = "a"',
        "chinchilla.tokens_per_param": "tokens_per_param = EPOCH_2024.compute_optimal(chinchilla.BUDGET_FLOPS)"
                                       ".tokens_per_param",
    }, expected=11),
    # Puts alpha in the numerator: a = alpha/(alpha+beta) is 5% off (fails both checks, -2); the function swaps the
    # exponents too (-3), and optimal_params, computed with it, is far off (-1).
    Mistake("swaps the exponents of N and D", {
        "chinchilla.exponent": "params_exponent = alpha / (alpha + beta)",
        "chinchilla.optimal_split": """
def eq4_params(flops, alpha, beta, A, B):
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    return G * (np.asarray(flops) / 6) ** (alpha / (alpha + beta))
""",
    }, expected=9),
]


def test_typical_mistakes_score_what_they_deserve(tmp_path):
    totals = grade_mistakes("chinchilla", MISTAKES, tmp_path)
    assert all(total < problem_set("chinchilla").points for total in totals.values())
