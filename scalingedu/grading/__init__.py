"""Graded questions: instant checks in the learner's notebook, and grading with hidden checks.

In a problem-set notebook::

    from scalingedu.grading import check, summary
    check("power_laws.halving", halving_factor)   # runs the public checks, prints feedback with a hint
    summary()                             # a table of every question: points and status

``check`` only runs public checks, and says so: hidden checks (stricter tolerances, other inputs) run when the
instructor grades, through :func:`grade_answer`, which reads no state of the learner's kernel. Expected values are
computed by the library from the same seeded data the learner gets; no answer is typed into a check.

The per-kernel status record behind :func:`summary` and :func:`statuses` (in :mod:`scalingedu.grading.feedback`)
is the only module-level state of the library.
"""
from .checks import Check, CheckResult, as_number, close_to, has_sign, is_function, is_function_matching, is_number
from .factories import (
                     DEFAULT_TOLERANCE,
                     RubricItem,
                     Tolerance,
                     choice_question,
                     function_question,
                     number_question,
                     text_question,
)
from .feedback import Feedback, check, reset, statuses, summary
from .grader import CheckOutcome, GradeResult, grade_answer
from .learner import set_learner
from .questions import KINDS, ProblemSet, Question, problem_set, problem_sets, question

__all__ = [
    "Check", "CheckResult", "CheckOutcome", "DEFAULT_TOLERANCE", "Feedback", "GradeResult", "KINDS",
    "ProblemSet", "Question", "RubricItem", "Tolerance", "as_number", "check", "choice_question", "close_to",
    "function_question", "grade_answer", "has_sign", "is_function", "is_function_matching", "is_number",
    "number_question", "problem_set", "problem_sets", "question", "reset", "set_learner", "statuses", "summary",
    "text_question",
]
