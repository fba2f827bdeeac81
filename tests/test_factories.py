"""The question factories of scalingedu.grading.factories: the house rules, and the choice and text shapes."""
import numpy as np
import pytest

from scalingedu.grading import (
    DEFAULT_TOLERANCE,
    RubricItem,
    Tolerance,
    choice_question,
    grade_answer,
    question,
    text_question,
)
from scalingedu.grading.questions import ProblemSet

COMMON = dict(points=2, kind="decide", title="A choice", hint="Compare the two.")


def _grade(q, answer):
    """Grade ``answer`` with the checks of a question that belongs to no registered problem set."""
    outcomes = [(c.weight, c(answer)) for c in q.checks]
    total = sum(w for w, _ in outcomes)
    return q.points * sum(w for w, r in outcomes if r.passed) / total, outcomes


def test_the_tolerance_rule_is_five_percent_public_and_a_tenth_of_that_hidden():
    assert (DEFAULT_TOLERANCE.public, DEFAULT_TOLERANCE.hidden) == (0.05, 0.005)
    assert Tolerance(0.02).hidden == pytest.approx(0.002)
    with pytest.raises(ValueError, match="hidden tolerance"):
        Tolerance(0.01, hidden=0.02)


def test_a_sign_check_is_a_gate_that_earns_nothing():
    q = question("kaplan_laws.breakdown")
    sign = next(c for c in q.public_checks if "positive" in c.description)
    assert sign.weight == 0
    assert grade_answer(q.id, -1.0).points_earned == 0


def test_a_choice_question_lists_its_options_and_only_the_hidden_check_knows_the_answer():
    q = choice_question("demo.which", statement="Which is cheaper?", options={"a": "the big model",
                                                                            "b": "the small model"},
                        answer=lambda: "b", **COMMON)
    assert "- **a**: the big model\n- **b**: the small model" in q.statement
    assert [c("a").passed for c in q.public_checks] == [True]          # a valid option: public checks pass
    assert _grade(q, "b")[0] == 2 and _grade(q, " B ")[0] == 2 and _grade(q, "a")[0] == 0
    assert not q.public_checks[0]("c").passed and "not one of the options" in q.public_checks[0]("c").message
    assert not q.public_checks[0](...).answered


def test_a_choice_question_whose_answer_is_not_an_option_says_it_is_the_authors_mistake():
    q = choice_question("demo.which", statement="?", options={"a": "x", "b": "y"}, answer=lambda: "B", **COMMON)
    verdict = q.hidden_checks[0]("b")
    assert not verdict.passed and "tell your instructor" in verdict.message


@pytest.mark.parametrize("options", [{"a": "only one"}, {"A": "x", "b": "y"}, {"ab": "x", "c": "y"}])
def test_malformed_options_are_refused(options):
    with pytest.raises(ValueError, match="options of demo.which"):
        choice_question("demo.which", statement="?", options=options, answer=lambda: "a", **COMMON)


RUBRIC = (RubricItem("that the bubble is idle time", ("idle", "bubble")),
          RubricItem("why more micro-batches help", ("micro-batches", "microbatches")),
          RubricItem("the memory cost of a compute-optimal model", ("compute-optimal",), points=2.0))


def _text_question():
    return text_question("demo.essay", points=4, kind="design", title="Explain", statement="Why?", hint="Think.",
                         rubric=RUBRIC, min_words=8)


def test_a_text_answer_earns_the_share_of_each_rubric_idea_it_mentions_as_whole_words():
    q = _text_question()
    full = "The bubble is idle time; more micro-batches shrink it, and a compute-optimal model needs memory."
    assert _grade(q, full)[0] == pytest.approx(4)
    half = "The pipeline bubble is idle time on every stage, and that is all I can say about it."
    assert _grade(q, half)[0] == pytest.approx(1)
    assert _grade(q, "Idling bubbles? compute optimal micro batches everywhere, more or less, I think.")[0] == 0


def test_a_short_or_missing_text_answer_does_not_pass_the_public_check():
    q = _text_question()
    gate = q.public_checks[0]
    assert not gate("too short").passed and "write at least 8" in gate("too short").message
    assert not gate(...).answered and not gate("   ").answered
    assert not gate(42).passed
    assert "A full answer covers:\n- that the bubble is idle time" in q.hint


def test_a_problem_set_of_factory_questions_is_a_problem_set():
    assert ProblemSet("demo", "t", (_text_question(),)).points == 4


def test_a_rubric_question_lists_its_criteria_shows_the_model_answer_after_writing_and_is_scored_by_a_person():
    from scalingedu.grading.factories import Criterion, rubric_question
    from scalingedu.grading.feedback import _public_feedback
    from scalingedu.grading.sealed import seal_problem_set, sealed_problem_set
    q = rubric_question("power_laws.defend", points=3, kind="decide", title="Defend the fit",
                        statement="Say which fit you trust, and why.", hint="Think of the floor.",
                        criteria=[Criterion("names the irreducible loss", 1), Criterion("uses the residuals", 2)],
                        model_answer="The fit with a floor: its residuals show no trend.", min_words=10)
    assert "Your answer is scored on:\n\n- names the irreducible loss (1 point)\n- uses the residuals (2 points)" \
        in q.statement
    status, text = _public_feedback(q, "too short")
    assert status == "failed" and "write at least 10" in text
    status, text = _public_feedback(q, "the floor model, because " * 4)
    assert status == "passed" and "A person scores it on" in text and "its residuals show no trend" in text
    with pytest.raises(ValueError, match="rubric of power_laws.defend gives 3 points, the question 4"):
        rubric_question("power_laws.defend", points=4, kind="decide", title="t", statement="s", hint="h",
                        criteria=[Criterion("a", 1), Criterion("b", 2)], model_answer="m")
    # graded: 0 points until a person scores it; the learners' copy keeps the criteria, not the model answer
    from scalingedu.grading.grader import TO_MARK
    from scalingedu.grading.questions import ProblemSet
    problem = ProblemSet(id="power_laws", title="t", questions=(q,))
    sealed = seal_problem_set(problem)
    assert "residuals show no trend" not in str(sealed)
    copy = sealed_problem_set(sealed).question("power_laws.defend")
    assert [c.text for c in copy.rubric] == ["names the irreducible loss", "uses the residuals"]
    assert copy.model_answer == "" and TO_MARK == "to be marked"


def test_a_function_answer_that_is_off_is_told_where_what_was_expected_and_what_it_gave():
    from scalingedu.grading import question
    q = question("power_laws.local_exponent")
    result = q.public_checks[-1](lambda x, y: np.diff(np.log(y)) / np.diff(np.log(x)) * 1.1)
    assert not result.passed
    assert "input 1 of 1" in result.message and "at position 0 the checker expects" in result.message
    assert "your function gave" in result.message
