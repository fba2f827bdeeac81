"""Problem set 03 (scalingedu.problems.kaplan_laws): the fit needs the range Eq. 4.4 allows, the plan decision is the
joint law's, and three typical mistakes score what they deserve.

The right answers here are worked out from the published tables (scalingedu.data), without the library's laws:
Eq. 1.5 and Eq. 4.4 written out, a straight line fitted in log-log space with np.polyfit.
"""
import numpy as np
import pytest
from typical_mistakes import Mistake, grade_mistakes

from scalingedu import data
from scalingedu.grading import grade_answer, problem_set
from scalingedu.grading.learner import as_learner
from scalingedu.problems import kaplan_laws as ps

JOINT = data.KAPLAN_2020_JOINT_LAW


def _joint_loss(params, tokens):
    """Eq. 1.5 with Table 2's constants, written out."""
    return ((JOINT["N_c"] / params) ** (JOINT["alpha_N"] / JOINT["alpha_D"]) + JOINT["D_c"] / tokens) \
        ** JOINT["alpha_D"]


def _alpha(params, loss) -> float:
    return -float(np.polyfit(np.log(params), np.log(loss), 1)[0])


@pytest.mark.parametrize("learner", [None, "ada", "grace.hopper", "learner-17"])
def test_only_the_runs_within_eq_4_4_give_the_exponent_and_a_fit_on_all_fails_a_public_check(learner):
    question = problem_set("kaplan_laws").question("kaplan_laws.data_limited_fit")
    with as_learner(learner):
        sweep = ps.size_sweep()
        bound = data.KAPLAN_2020_OVERFITTING["tokens_coefficient"] * sweep.params \
            ** data.KAPLAN_2020_OVERFITTING["exponent"]
        within = sweep.tokens >= bound
        assert 0 < within.sum() < sweep.params.size
        right = _alpha(sweep.params[within], sweep.loss[within])
        assert grade_answer("kaplan_laws.data_limited_fit", right).status == "passed"
        for wrong, what in ((_alpha(sweep.params, sweep.loss), "all runs"),
                            (_alpha(sweep.params[~within], sweep.loss[~within]), "the bound the wrong way round"),
                            (-right, "the sign of b")):
            assert not all(c(wrong).passed for c in question.public_checks), (learner, what)
        # simulated from the joint law with about 1% noise
        relative = np.log(sweep.loss / _joint_loss(sweep.params, sweep.tokens))
        assert np.all(np.abs(relative) < 5 * ps.SWEEP_NOISE)
    if learner is not None:
        assert not np.array_equal(sweep.loss, ps.size_sweep().loss)


def test_the_plan_decision_is_the_lowest_joint_law_loss():
    table6 = data.KAPLAN_2020_ALLOCATION
    params = table6["params_coefficient"] * (ps.BUDGET_FLOPS / data.PF_DAY_FLOPS) ** table6["params_exponent"]
    plans = {"a": (params, ps.BUDGET_FLOPS / (6 * params))}
    for key, name in (("b", "Gopher"), ("c", "Chinchilla")):
        plans[key] = (data.model(name).params, data.model(name).tokens)
    losses = {key: _joint_loss(*plan) for key, plan in plans.items()}
    right = min(losses, key=losses.get)
    assert grade_answer("kaplan_laws.which_plan", right).status == "passed"
    assert right != "a"                                          # not even Kaplan's own joint law picks Table 6
    for key in set(plans) - {right}:
        assert grade_answer("kaplan_laws.which_plan", key).points_earned == 0
    assert losses == pytest.approx(ps.plan_losses(), rel=1e-12)


def test_the_rubric_question_is_scored_by_a_person_and_recall_or_compute_is_at_most_a_third():
    owner = problem_set("kaplan_laws")
    rubric = owner.question("kaplan_laws.why_big_models")
    assert sum(c.points for c in rubric.rubric) == rubric.points
    assert grade_answer("kaplan_laws.why_big_models", "word " * 40).points_earned == 0
    easy = sum(q.points for q in owner.questions if q.kind in ("recall", "compute"))
    assert easy <= owner.points / 3
    assert {"derive", "fit", "decide"} <= {q.kind for q in owner.questions}


# Automatic points: 21 in all, 3 of them (why_big_models) scored by a person, so the solution earns 18.
MISTAKES = [
    # Fits every run, data-limited ones included: the exponent is 13% or more too small (-4).
    Mistake("fits all eleven runs", {"kaplan_laws.data_limited_fit": """
fitted_alpha_n = -fit_power_law(sweep.params, sweep.loss).b
"""}, expected=14),
    # Table 6 with C in FLOPs: kaplan_params is absurd (-1) and so is tokens_per_param, computed from it (-1);
    # the plan decision still comes out right (Table 6's plan only gets worse).
    Mistake("puts FLOPs into Table 6 instead of PF-days", {"kaplan_laws.kaplan_params": """
budget = kaplan_laws.BUDGET_FLOPS
kaplan_params = KAPLAN_2020_ALLOCATION["params_coefficient"] * budget ** KAPLAN_2020_ALLOCATION["params_exponent"]
"""}, expected=16),
    # The single-variable constants (Eqs. 1.1 and 1.2) in the joint law's penalty: the function is off (-3); the
    # plan decision, made with Table 2's joint law in its own cell, is right.
    Mistake("mixes the single-variable constants into the joint law", {"kaplan_laws.overfitting_penalty": """
def overfitting_penalty(params, tokens):
    ratio = KAPLAN_2020_PARAMS_LAW["alpha_N"] / KAPLAN_2020_DATA_LAW["alpha_D"]
    return (1 + (params / KAPLAN_2020_PARAMS_LAW["N_c"]) ** ratio * KAPLAN_2020_DATA_LAW["D_c"] / tokens) \\
        ** KAPLAN_2020_DATA_LAW["alpha_D"] - 1
"""}, expected=15),
]


def test_typical_mistakes_score_what_they_deserve(tmp_path):
    totals = grade_mistakes("kaplan_laws", MISTAKES, tmp_path)
    assert all(total < problem_set("kaplan_laws").points for total in totals.values())
