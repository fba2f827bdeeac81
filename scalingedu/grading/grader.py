"""Grading one answer with public and hidden checks, with partial credit.

:func:`grade_answer` is what the instructor's grader calls, outside the learner's kernel: it runs every check of
the question (public and hidden, each independently) and shares the question's points among the checks that
pass, in proportion to their weights. It reads no state: the same answer always gets the same grade.
"""
from __future__ import annotations

from dataclasses import dataclass

from .checks import CheckResult
from .feedback import FAILED, NOT_ANSWERED, PASSED
from .questions import question

PARTIAL = "partial"
TO_MARK = "to be marked"
"""The status of an answered rubric question: its points come from a person (``scalingedu gradebook --rubric``)."""


@dataclass(frozen=True)
class CheckOutcome:
    """One check's verdict in a grade: ``kind`` is "public" or "hidden"; ``weight`` is its share of the points;
    ``hint`` is the check's own hint, shown in the feedback when it failed."""

    kind: str
    description: str
    passed: bool
    message: str
    weight: float
    hint: str = ""


@dataclass(frozen=True)
class GradeResult:
    """The grade of one answer: points earned of those possible, a status, and every check's outcome.

    ``status`` is "not answered", "passed" (every check passed), "partial" (some points) or "failed" (none).
    """

    question_id: str
    points_earned: float
    points_possible: float
    status: str
    checks: tuple[CheckOutcome, ...]
    answer_text: str = ""
    """For a rubric question, the learner's written answer (for the person who scores it)."""

    @property
    def hidden_failed(self) -> tuple[CheckOutcome, ...]:
        return tuple(c for c in self.checks if c.kind == "hidden" and not c.passed)


def grade_answer(question_id: str, answer) -> GradeResult:
    """Grade ``answer`` to ``question_id`` with its public and hidden checks; partial credit by check weight.

    ``...`` or ``None`` (or a stub function that still returns ``...``) is "not answered" and earns 0 points; an
    answer that fails a *required* check (:attr:`Check.required`) earns 0 points too.
    Checks never raise on a bad answer, so one broken answer cannot stop the grading of the others.
    """
    q = question(question_id)
    unanswered = answer is None or answer is Ellipsis
    outcomes = []
    any_not_answered = unanswered
    for kind, checks in (("public", q.public_checks), ("hidden", q.hidden_checks)):
        for each in checks:
            result = CheckResult(False, "not answered", answered=False) if unanswered else each(answer)
            any_not_answered = any_not_answered or not result.answered
            outcomes.append(CheckOutcome(kind, each.description, result.passed, result.message, each.weight,
                                         each.hint))
    if any_not_answered:
        # A placeholder is not an answer: no check counts as passed, not even "is a function" on a stub that
        # still returns `...` (the feedback would otherwise say "public checks passed 1 of 2" on a blank exercise).
        outcomes = [CheckOutcome(o.kind, o.description, False, "not answered", o.weight, o.hint) for o in outcomes]
        return GradeResult(q.id, 0.0, float(q.points), NOT_ANSWERED, tuple(outcomes))
    if q.rubric:   # a person scores a written answer; one that is not text, or too short, is not one
        written = all(o.passed for o in outcomes if o.kind == "public")
        return GradeResult(q.id, 0.0, float(q.points), TO_MARK if written else FAILED, tuple(outcomes),
                           answer_text=answer if written and isinstance(answer, str) else "")
    total = sum(o.weight for o in outcomes)
    earned_weight = sum(o.weight for o in outcomes if o.passed)
    earned = round(q.points * earned_weight / total, 6)
    if any(not o.passed for o, each in zip(outcomes, q.checks) if each.required):
        earned = 0.0    # e.g. the function calls the library function the question asks the learner to write
    if all(o.passed for o in outcomes):
        status = PASSED
    elif earned > 0:
        status = PARTIAL
    else:
        status = FAILED
    return GradeResult(q.id, earned, float(q.points), status, tuple(outcomes))
