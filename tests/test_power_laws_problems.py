"""Tests of problem set power_laws beyond tests/test_grading.py: the messy sweep, the extrapolation that needs the
whole law, the decision, the rubric question, and three typical mistakes graded by the class grader."""
from __future__ import annotations

import numpy as np
import pytest
from typical_mistakes import Mistake, grade_mistakes

from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.grading.learner import as_learner
from scalingedu.grading.questions import KINDS
from scalingedu.powerlaw import fit_power_law
from scalingedu.problems import power_laws

SET = problem_set("power_laws")


def points(question_id: str, answer) -> float:
    return grade_answer(question_id, answer).points_earned


# The shape of the set ------------------------------------------------------------------------------------------------

def test_at_most_a_third_of_the_points_are_for_recall_or_a_single_computation():
    assert {q.kind for q in SET.questions} <= set(KINDS)
    plain = sum(q.points for q in SET.questions if q.kind in ("recall", "compute"))
    assert plain <= SET.points / 3, (plain, SET.points)
    kinds = {q.kind for q in SET.questions}
    assert {"derive", "fit", "decide"} <= kinds
    assert any(q.answer_kind == "choice" for q in SET.questions)
    assert any(q.rubric for q in SET.questions)


def test_the_rubric_question_has_criteria_worth_its_points_and_a_model_answer():
    q = question("power_laws.defend_cleaning")
    assert 2 <= len(q.rubric) <= 4
    assert sum(c.points for c in q.rubric) == q.points
    assert len(q.model_answer.split()) >= 60
    assert points(q.id, q.model_answer) == 0   # a person scores it


# The messy sweep -----------------------------------------------------------------------------------------------------

def test_the_sweep_is_seeded_per_learner_and_returned_as_fresh_arrays():
    first = power_laws.sweep()
    first.loss[:] = 0.0
    np.testing.assert_array_equal(power_laws.sweep().loss, power_laws.sweep().loss)
    with as_learner("ada.lovelace"):
        own = power_laws.sweep().loss
    assert not np.allclose(own, power_laws.sweep().loss)


@pytest.mark.parametrize("learner", [None, "ada.lovelace", "alan.turing"])
def test_a_fit_on_the_whole_sweep_fails_and_the_cleaned_fit_passes(learner):
    with as_learner(learner):
        (params, loss), on_law = power_laws._sweep()
        q = question("power_laws.sweep_exponent")
        naive = fit_power_law(params, loss).b
        assert points(q.id, naive) == 0
        first = int(np.argmax(on_law))
        diverged = first + int(np.argmin(on_law[first:]))   # the one run off the law after the law starts
        keep_diverged = on_law.copy()
        keep_diverged[diverged] = True
        assert points(q.id, fit_power_law(params[keep_diverged], loss[keep_diverged]).b) == 0
        keep_small = np.ones(params.size, bool)
        keep_small[diverged] = False
        assert points(q.id, fit_power_law(params[keep_small], loss[keep_small]).b) == 0
        # the checker's range, and a range that starts one run later: both earn every point
        assert points(q.id, fit_power_law(params[on_law], loss[on_law]).b) == q.points
        later = on_law.copy()
        later[first] = False
        assert points(q.id, fit_power_law(params[later], loss[later]).b) == q.points


def test_the_expected_sweep_exponent_recovers_kaplans_exponent():
    law = power_laws._sweep_law()
    assert abs(-law.b - power_laws.KAPLAN_2020_PARAMS_LAW["alpha_N"]) < 3 * law.b_stderr


# Extrapolation needs the whole law; the decision needs the floor --------------------------------------------------

@pytest.mark.parametrize("learner", [None, "ada.lovelace", "alan.turing", "grace.hopper"])
def test_the_floor_alone_does_not_pass_the_extrapolation(learner):
    with as_learner(learner):
        law = fit_power_law(*power_laws.measurements_with_floor(), offset=True)
        q = question("power_laws.extrapolate")
        assert points(q.id, law.c) == 0
        assert points(q.id, law(power_laws.FAR_PARAMS)) == q.points
        assert grade_answer(q.id, law.c).checks[1].passed is False   # the public check already says so


def test_the_pure_law_and_the_floor_law_decide_differently():
    params, loss = power_laws.measurements_with_floor()
    pure = fit_power_law(params, loss)
    pure_key = next(k for k, size in zip("abcd", power_laws.DECISION_SIZES, strict=True)
                    if pure(size) <= power_laws.DECISION_LOSS)
    q = question("power_laws.which_size")
    right = power_laws._smallest_size_reaching_target()
    assert pure_key != right
    assert points(q.id, pure_key) == 0 and points(q.id, right.upper()) == q.points


def test_the_right_option_follows_the_learners_data():
    keys = set()
    for learner in ("a", "b", "c", "d", "e", "f", "g", "h"):
        with as_learner(learner):
            keys.add(power_laws._smallest_size_reaching_target())
    assert len(keys) >= 2


# Typical mistakes, graded by the class grader ------------------------------------------------------------------------

MISTAKES = [
    Mistake(
        "extrapolates with the floor alone and decides with the pure power law",
        {
            "power_laws.extrapolate": "predicted_loss = floor_law.c",
            "power_laws.which_size": (
                "pure = fit_power_law(params_floor, loss_floor)\n"
                "reaching = [key for key, size in zip('abcd', power_laws.DECISION_SIZES)\n"
                "            if pure(size) <= power_laws.DECISION_LOSS]\n"
                "which_size = reaching[0] if reaching else 'e'\n"),
        },
        # solution 18 of 21 (the 3 rubric points wait for a person); extrapolate 2 and which_size 2 lost
        expected=14,
    ),
    Mistake(
        "fits every run of the sweep",
        {"power_laws.sweep_exponent": "sweep_exponent = fit_power_law(sweep_params, sweep_loss).b"},
        expected=15,   # sweep_exponent's 3 points lost: both value checks fail, the sign gate earns nothing
    ),
    Mistake(
        "drops the small models but keeps the diverged run, and gives the halving factor as a fraction",
        {
            "power_laws.sweep_exponent": (
                "keep = sweep_params >= 1e6\n"
                "sweep_exponent = fit_power_law(sweep_params[keep], sweep_loss[keep]).b\n"),
            "power_laws.halving": "halving_factor = 2 ** (-1 / alpha)",
        },
        expected=13,   # sweep_exponent 3 and halving 2 lost
    ),
]


def test_typical_mistakes_score_what_they_deserve(tmp_path):
    totals = grade_mistakes("power_laws", MISTAKES, tmp_path)
    assert all(total < SET.points - 3 for total in totals.values())
