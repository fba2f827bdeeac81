"""Tests of scalingedu.grading (instant checks, statuses, grading with hidden checks) and problem
set power_laws."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu import grading
from scalingedu.data import HOFFMANN_2022_FIT, KAPLAN_2020_PARAMS_LAW
from scalingedu.grading import (
    Check,
    CheckResult,
    ProblemSet,
    Question,
    check,
    close_to,
    grade_answer,
    has_sign,
    is_function,
    is_function_matching,
    is_number,
    problem_set,
    question,
    statuses,
    summary,
)
from scalingedu.powerlaw import fit_power_law
from scalingedu.problems import power_laws

SET_ID = "power_laws"
IDS = problem_set(SET_ID).ids
CHECKED_HERE = ("power_laws.halving", "power_laws.exponent", "power_laws.params_for_loss", "power_laws.floor",
                "power_laws.extrapolate", "power_laws.local_exponent")
"""The questions whose right and wrong answers this module works out; the set's other questions (the sweep fit,
the decision, the written answer) are tested in tests/test_power_laws_problems.py."""


@pytest.fixture(autouse=True)
def fresh_statuses():
    grading.reset()
    yield
    grading.reset()


def local_exponent(x, y):
    """A correct answer to power_laws.local_exponent, written independently of the library."""
    return np.diff(np.log(y)) / np.diff(np.log(x))


def right_answers() -> dict:
    """Answers a learner who follows the statements would give (computed, never typed in)."""
    pure = fit_power_law(*power_laws.measurements())
    floor = fit_power_law(*power_laws.measurements_with_floor(), offset=True)
    return {
        "power_laws.halving": 2 ** (1 / HOFFMANN_2022_FIT["alpha"]),
        "power_laws.exponent": pure.b,
        "power_laws.params_for_loss": pure.solve_for_x(power_laws.TARGET_LOSS),
        "power_laws.floor": floor.c,
        "power_laws.extrapolate": floor(power_laws.FAR_PARAMS),
        "power_laws.local_exponent": local_exponent,
    }


def wrong_answers() -> dict:
    """Answers of the right type that are wrong: off by a factor, or a function with an error in it."""
    right = right_answers()
    wrong = {key: value * 1.5 for key, value in right.items() if key != "power_laws.local_exponent"}
    # forgot the log of x
    wrong["power_laws.local_exponent"] = lambda x, y: np.diff(np.log(y)) / np.diff(x)
    return wrong


def run_check(capsys, question_id, answer):
    result = check(question_id, answer)
    text = capsys.readouterr().out
    return result, text


# Registry ---------------------------------------------------------------------------------------------------------

def test_problem_set_has_at_least_four_graded_questions_with_hidden_checks():
    ps = problem_set(SET_ID)
    assert ps.title
    assert len(ps.questions) >= 4
    for q in ps.questions:
        assert q.points > 0 and q.statement and q.hint
        assert q.public_checks and q.hidden_checks
        assert question(q.id) is q


def test_ids_are_unique_across_problem_sets():
    all_ids = [q.id for ps in grading.problem_sets().values() for q in ps.questions]
    assert len(all_ids) == len(set(all_ids))
    assert len(grading.problem_sets()) == len({ps.prefix for ps in grading.problem_sets().values()})


def test_unknown_question_id_lists_the_ids_of_its_problem_set():
    with pytest.raises(ValueError) as error:
        check("power_laws.halvng", 7.7)
    for known in IDS:
        assert known in str(error.value)
    with pytest.raises(ValueError, match="power_laws.halving"):
        question("zz.nothing")
    with pytest.raises(TypeError, match="question_id"):
        check(3, 7.7)
    assert statuses() == {}


def test_unknown_problem_set_lists_known_sets():
    with pytest.raises(ValueError, match=SET_ID):
        problem_set("99_nothing")


def test_question_and_problem_set_validate_their_fields():
    ok = (close_to(lambda: 1.0, rel=0.1),)

    def make(id="x.y", points=1, kind="compute", title="t", public=ok, hidden=ok):
        return Question(id, points, kind, title, "s", "h", public, hidden)

    with pytest.raises(ValueError, match="id"):
        make(id="NoDot")
    with pytest.raises(ValueError, match="points"):
        make(points=0)
    with pytest.raises(ValueError, match="kind"):
        make(kind="guess")
    with pytest.raises(ValueError, match="title"):
        make(title="two\nlines")
    with pytest.raises(ValueError, match="hidden_checks"):
        make(hidden=())
    with pytest.raises(ValueError, match="weight"):
        make(public=(is_number(),), hidden=(is_number(),))
    q = make()
    with pytest.raises(ValueError, match="repeats"):
        ProblemSet("x", "t", (q, q))
    with pytest.raises(ValueError, match="prefix"):
        ProblemSet("x", "t", (q, make(id="z.y")))


def test_legacy_ids_find_the_same_questions_and_problem_sets(capsys):
    """Notebooks saved before ids were named by slug ("cb.params", "02_compute_budgets") still check
    and grade: a legacy id names the same question, and its status is kept under the new id."""
    assert question("cb.params") is question("compute_budgets.params")
    assert question("pl.halving") is question("power_laws.halving")
    assert problem_set("02_compute_budgets") is problem_set("compute_budgets")
    assert problem_set("01_power_laws") is problem_set(SET_ID)
    result, _ = run_check(capsys, "pl.halving", right_answers()["power_laws.halving"])
    assert result.status == "passed" and statuses()["power_laws.halving"] == "passed"


# Instant feedback --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question_id", CHECKED_HERE)
@pytest.mark.parametrize("placeholder", [..., None])
def test_not_answered_is_said_kindly_with_what_to_do(capsys, question_id, placeholder):
    result, text = run_check(capsys, question_id, placeholder)
    assert result.status == "not answered"
    assert "not answered yet" in text and "run the cell again" in text
    assert statuses()[question_id] == "not answered"


def test_a_stub_function_returning_ellipsis_is_not_answered(capsys):
    def stub(x, y):
        """The exercise's stub."""
        return ...
    result, text = run_check(capsys, "power_laws.local_exponent", stub)
    assert result.status == "not answered"
    assert "Write the body" in text


@pytest.mark.parametrize("question_id", CHECKED_HERE)
def test_right_answer_passes_public_checks_and_says_hidden_checks_remain(capsys, question_id):
    result, text = run_check(capsys, question_id, right_answers()[question_id])
    assert result.status == "passed", text
    assert "public checks passed" in text
    assert "Hidden checks run when your instructor grades" in text
    assert "all tests passed" not in text.lower() and "all checks passed" not in text.lower()
    assert statuses()[question_id] == "passed"


@pytest.mark.parametrize("question_id", CHECKED_HERE)
def test_wrong_answer_fails_with_a_hint(capsys, question_id):
    result, text = run_check(capsys, question_id, wrong_answers()[question_id])
    assert result.status == "failed"
    assert "not yet" in text and "Hint:" in text
    assert "passed" not in text
    assert statuses()[question_id] == "failed"


@pytest.mark.parametrize("answer, words", [
    ("7.68", "without quotes"),
    ([7.6, 7.7], "single number"),
    (np.ones(3), "single number"),
    (True, "yes/no"),
    (1 + 2j, "complex"),
    (float("nan"), "finite"),
    ({"a": 1}, "not a number"),
    (print, "function"),
])
def test_wrong_type_gets_a_friendly_message_not_a_traceback(capsys, answer, words):
    result, text = run_check(capsys, "power_laws.halving", answer)
    assert result.status == "failed"
    assert words in text
    assert "Traceback" not in text and "Error" not in text


def test_a_one_element_array_counts_as_a_number(capsys):
    right = right_answers()["power_laws.halving"]
    result, _ = run_check(capsys, "power_laws.halving", np.array([right]))
    assert result.status == "passed"


@pytest.mark.parametrize("answer, words", [
    (3.0, "wants a function"),
    (lambda x: x, "2 arguments"),
    (lambda x, y: 1 / 0, "raised ZeroDivisionError"),
    (lambda x, y: None, "forget `return`"),
    (lambda x, y: np.diff(np.log(y)), "differ"),
    (lambda x, y: np.log(y), "shape"),
    (lambda x, y: "slopes", "text"),
])
def test_function_question_explains_what_is_wrong(capsys, answer, words):
    result, text = run_check(capsys, "power_laws.local_exponent", answer)
    assert result.status == "failed"
    assert words in text
    assert "Traceback" not in text


def test_positive_exponent_gets_the_sign_hint(capsys):
    result, text = run_check(capsys, "power_laws.exponent", -right_answers()["power_laws.exponent"])
    assert result.status == "failed"
    assert "should be negative" in text and "exponent b is negative" in text


def test_feedback_is_deterministic_and_not_displayed_twice(capsys):
    first = run_check(capsys, "power_laws.floor", 1.7)[1]
    second = run_check(capsys, "power_laws.floor", 1.7)[1]
    assert first == second
    assert "0x" not in first
    assert hasattr(check("power_laws.floor", 1.7), "_ipython_display_")


def test_latest_check_sets_the_status(capsys):
    run_check(capsys, "power_laws.halving", 0.5)
    assert statuses()["power_laws.halving"] == "failed"
    run_check(capsys, "power_laws.halving", right_answers()["power_laws.halving"])
    assert statuses()["power_laws.halving"] == "passed"


# Statuses and summary ----------------------------------------------------------------------------------------------

def test_statuses_cover_every_question_of_a_touched_problem_set(capsys):
    assert statuses() == {}
    run_check(capsys, "power_laws.halving", right_answers()["power_laws.halving"])
    run_check(capsys, "power_laws.floor", 99.0)
    current = statuses()
    assert list(current) == list(IDS)
    assert current["power_laws.halving"] == "passed" and current["power_laws.floor"] == "failed"
    others = {current[i] for i in IDS if i not in ("power_laws.halving", "power_laws.floor")}
    assert others == {"not answered"}
    assert set(current.values()) <= {"not answered", "passed", "failed"}


def test_summary_prints_a_row_per_question(capsys):
    summary()
    assert "No question has been checked" in capsys.readouterr().out
    run_check(capsys, "power_laws.halving", right_answers()["power_laws.halving"])
    run_check(capsys, "power_laws.exponent", 0.5)
    summary()
    text = capsys.readouterr().out
    for q in problem_set(SET_ID).questions:
        row = next(line for line in text.splitlines() if line.split() and line.split()[0] == q.id)
        assert f"{q.points:g}" in row.split()
    halving = next(line for line in text.splitlines() if "power_laws.halving" in line)
    assert "public checks passed" in halving
    assert "failed" in next(line for line in text.splitlines() if "power_laws.exponent" in line)
    assert "not answered" in next(line for line in text.splitlines() if "power_laws.floor" in line)
    owner = problem_set(SET_ID)
    assert f"Public checks passed on 1 of {len(owner.questions)} questions (2 of {owner.points:g} points)" in text
    assert "Hidden checks" in text


# Grading with hidden checks ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("question_id", CHECKED_HERE)
def test_right_answer_earns_every_point(question_id):
    grade = grade_answer(question_id, right_answers()[question_id])
    assert grade.status == "passed"
    assert grade.points_earned == grade.points_possible == question(question_id).points
    assert {c.kind for c in grade.checks} == {"public", "hidden"}
    assert all(c.passed for c in grade.checks)


def test_roughly_right_answer_earns_partial_credit_and_fails_a_hidden_check():
    # inside the public 10%, outside the hidden 1%
    roughly = right_answers()["power_laws.exponent"] * 1.05
    grade = grade_answer("power_laws.exponent", roughly)
    assert grade.status == "partial"
    assert 0 < grade.points_earned < grade.points_possible
    assert all(c.passed for c in grade.checks if c.kind == "public")
    assert [c.kind for c in grade.hidden_failed] == ["hidden"]
    weights = [c.weight for c in grade.checks]
    passed = [c.weight for c in grade.checks if c.passed]
    assert grade.points_earned == pytest.approx(grade.points_possible * sum(passed) / sum(weights))


@pytest.mark.parametrize("answer, status", [(..., "not answered"), (None, "not answered"), ("1.7", "failed"),
                                            ([1, 2], "failed")])
def test_unanswered_or_mistyped_answers_earn_nothing_without_raising(answer, status):
    grade = grade_answer("power_laws.floor", answer)
    assert grade.points_earned == 0
    assert grade.status == status
    assert not any(c.passed for c in grade.checks)


def test_a_stub_function_is_graded_not_answered_with_no_check_passed():
    """The exercise's stub is a function, but it is no answer: even "is a function" must not count as passed,
    or the instructor's feedback would say "public checks passed 1 of 2" on a blank exercise."""
    def stub(x, y):
        return ...
    grade = grade_answer("power_laws.local_exponent", stub)
    assert (grade.status, grade.points_earned) == ("not answered", 0.0)
    assert len(grade.checks) == len(question("power_laws.local_exponent").checks)
    assert [c.passed for c in grade.checks] == [False] * len(grade.checks)
    assert {c.message for c in grade.checks} == {"not answered"}


def test_grade_answer_ignores_the_kernel_state(capsys):
    right = right_answers()["power_laws.extrapolate"]
    before = grade_answer("power_laws.extrapolate", right)
    run_check(capsys, "power_laws.extrapolate", "wrong")
    assert grade_answer("power_laws.extrapolate", right) == before
    grading.reset()
    grade_answer("power_laws.halving", 7.0)
    assert statuses() == {}


def test_hidden_checks_use_other_inputs_than_the_public_ones():
    public_data = power_laws.measurements_with_floor()

    def memorised(x, y):
        """Answers the public input whatever it is given."""
        return local_exponent(*public_data)

    grade = grade_answer("power_laws.local_exponent", memorised)
    assert all(c.passed for c in grade.checks if c.kind == "public")
    assert grade.hidden_failed
    assert grade.points_earned < grade.points_possible


def test_a_function_that_changes_its_inputs_cannot_disturb_the_reference():
    def vandal(x, y):
        result = np.diff(np.log(y)) / np.diff(np.log(x))
        x[:] = 1.0
        y[:] = 1.0
        return result

    assert grade_answer("power_laws.local_exponent", vandal).status == "passed"


# Checks --------------------------------------------------------------------------------------------------------------

def test_close_to_computes_the_expected_value_at_check_time():
    box = [10.0]
    near = close_to(lambda: box[0], rel=0.01)
    assert near(10.05).passed
    box[0] = 20.0
    assert not near(10.05).passed
    assert "below" in near(10.05).message
    assert "wrong sign" in near(-20.0).message


def test_close_to_uses_the_larger_of_the_two_tolerances():
    near = close_to(lambda: 100.0, rel=0.01, abs=5.0)
    assert near(104.0).passed and not near(106.0).passed


@pytest.mark.parametrize("factory, kwargs, match", [
    (close_to, {"expected": lambda: 1.0}, "tolerance"),
    (close_to, {"expected": lambda: 1.0, "rel": -0.1}, "rel"),
    (close_to, {"expected": 1.0, "rel": 0.1}, "expected"),
    (has_sign, {"sign": "up"}, "sign"),
    (is_function, {"n_args": -1}, "n_args"),
])
def test_check_factories_reject_bad_parameters(factory, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        factory(**kwargs)


def test_a_check_that_raises_becomes_a_failed_result():
    def broken(answer):
        raise RuntimeError("boom")
    result = Check("always raises", broken)(1.0)
    assert result == CheckResult(False, "checking this answer raised RuntimeError: boom")


def test_is_function_matching_compares_values_and_shapes():
    matching = is_function_matching(lambda x: x * 2, lambda: [(np.arange(3.0),)])
    assert matching(lambda x: x + x).passed
    assert "shape" in matching(lambda x: (x * 2)[:2]).message
    assert "differ" in matching(lambda x: x * 3).message
    assert matching(lambda x: ...).answered is False


# The data of the problem set ---------------------------------------------------------------------------------------

def test_measurements_are_seeded_and_returned_as_fresh_arrays():
    first = power_laws.measurements()
    first.loss[:] = 0.0
    second, third = power_laws.measurements(), power_laws.measurements()
    np.testing.assert_array_equal(second.loss, third.loss)
    assert np.all(second.loss > 0)
    np.testing.assert_array_equal(power_laws.measurements_with_floor().params,
                                  power_laws.measurements_with_floor().params)


def test_the_data_follow_the_published_laws():
    """The fits recover the published constants the data were made from, within three standard errors."""
    pure = fit_power_law(*power_laws.measurements())
    assert abs(pure.b + KAPLAN_2020_PARAMS_LAW["alpha_N"]) < 3 * pure.b_stderr
    floor = fit_power_law(*power_laws.measurements_with_floor(), offset=True)
    assert abs(floor.c - HOFFMANN_2022_FIT["E"]) < 3 * floor.c_stderr


def test_a_function_that_calls_the_library_function_it_should_write_earns_nothing_even_if_right():
    """power_laws.local_exponent asks the learner to write what scalingedu.powerlaw.local_slope does."""
    import sys

    from scalingedu.powerlaw import local_slope as renamed

    def own(x, y):
        return np.diff(np.log(y)) / np.diff(np.log(x))

    def through_the_library(x, y):
        return renamed(x, y)

    def tracing_off(x, y):
        sys.setprofile(None)
        return own(x, y)
    q = question("power_laws.local_exponent")
    assert grade_answer(q.id, own).points_earned == q.points
    library = grade_answer(q.id, through_the_library)
    assert library.points_earned == 0 and library.status == "failed"
    assert any("calls scalingedu.powerlaw.local_slope" in c.message for c in library.checks if not c.passed)
    assert grade_answer(q.id, tracing_off).points_earned == 0
    assert sys.getprofile() is None
