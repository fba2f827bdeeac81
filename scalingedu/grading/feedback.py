"""Instant feedback in the learner's notebook: ``check(question_id, answer)`` and ``summary()``.

``check`` runs a question's public checks and prints plain, deterministic text (the solution notebooks are
compared output by output). It records the question's status in :data:`_STATUSES`, the only state of the library:
one record per kernel, so that ``summary()`` can list what was checked. Hidden checks never run here; the
feedback says so, because passing the public checks is not the same as earning the marks.
"""
from __future__ import annotations

from dataclasses import dataclass

from .checks import CheckResult
from .questions import Question, problem_set_of, question

NOT_ANSWERED = "not answered"
PASSED = "passed"
FAILED = "failed"
STATUS_WORDS = {NOT_ANSWERED: "not answered", PASSED: "public checks passed", FAILED: "failed a public check"}

_STATUSES: dict[str, str] = {}
"""Status of each question checked in this kernel, by question id (the only module-level state of scalingedu)."""


@dataclass(frozen=True)
class Feedback:
    """What ``check`` found: the question id, its status ("not answered", "passed", "failed") and the text shown."""

    question_id: str
    status: str
    text: str

    def _ipython_display_(self):
        """Show nothing when ``check(...)`` ends a cell: the feedback was printed already."""


_WHAT_TO_WRITE = {
    "function": "Write the body of the function in place of `return ...`",
    "choice": "Replace the `...` with the letter of the option you choose, in quotes (such as \"a\")",
    "text": "Replace the `...` with your answer in a few sentences, in quotes",
    "number": "Replace the `...` with your answer (a number)",
    "plan": "Replace the `...` with your plan, a dict with the keys the question lists",
}


def _not_answered_text(q: Question) -> str:
    return f"{q.id}: not answered yet. {_WHAT_TO_WRITE[q.answer_kind]}, then run the cell again."


def _public_feedback(q: Question, answer) -> tuple[str, str]:
    """Run the public checks in order, stopping at the first failure; return (status, text)."""
    if answer is None or answer is Ellipsis:
        return NOT_ANSWERED, _not_answered_text(q)
    passed: list[CheckResult] = []
    for each in q.public_checks:
        result = each(answer)
        if not result.answered:
            return NOT_ANSWERED, _not_answered_text(q)
        if not result.passed:
            hint = each.hint or q.hint
            text = f"{q.id}: not yet. {_sentence(result.message)}"
            if hint:
                text += f"\nHint: {hint}"
            return FAILED, text
        passed.append(result)
    if q.rubric:
        return PASSED, _rubric_text(q, passed)
    count = len(q.public_checks)
    text = (f"{q.id}: the public checks passed ({count} of {count}): "
            f"{'; '.join(r.message for r in passed if r.message)}.\n"
            f"Hidden checks run when your instructor grades the notebook, so this is not yet your mark.")
    return PASSED, text


def _rubric_text(q: Question, passed: list[CheckResult]) -> str:
    """What a learner sees once a written answer is long enough: the criteria a person will score it on and, in
    the public course, a model answer to compare with (a class's learners' copy leaves the model answer out)."""
    criteria = "\n".join(f"- {c.text} ({c.points:g} point{'s' if c.points != 1 else ''})" for c in q.rubric)
    text = (f"{q.id}: written ({passed[-1].message if passed else 'an answer'}). A person scores it on:\n{criteria}")
    if q.model_answer:
        text += (f"\nNow compare yours with a model answer (yours may say it differently and still earn every "
                 f"point):\n{q.model_answer}")
    return text


def _sentence(message: str) -> str:
    message = message.strip()
    if not message:
        return ""
    return message[0].upper() + message[1:] + ("" if message.endswith((".", "?", "!")) else ".")


def check(question_id: str, answer) -> Feedback:
    """Check ``answer`` to question ``question_id`` with its public checks, print feedback, and return it.

    ``answer`` may be ``...`` or ``None`` (not answered yet). A wrong type or shape gets a plain message, never a
    traceback; a failed check prints its hint. An unknown ``question_id`` raises ValueError listing the ids of its
    problem set. The status is remembered for :func:`summary` and :func:`statuses`.
    """
    q = question(question_id)
    status, text = _public_feedback(q, answer)
    _STATUSES[q.id] = status
    print(text)
    return Feedback(q.id, status, text)


def statuses() -> dict[str, str]:
    """Status of every question of the problem sets checked in this kernel: "not answered", "passed" or "failed".

    Questions of a problem set that ``check`` has touched but that were never checked themselves count as
    "not answered". Problem sets never touched are left out.
    """
    result: dict[str, str] = {}
    seen: list[str] = []
    for question_id in _STATUSES:
        owner = problem_set_of(question_id)
        if owner is None or owner.id in seen:
            continue
        seen.append(owner.id)
        for q in owner.questions:
            result[q.id] = _STATUSES.get(q.id, NOT_ANSWERED)
    return result


def reset() -> None:
    """Forget every status recorded in this kernel (to start over, and for tests)."""
    _STATUSES.clear()


def summary() -> None:
    """Print a table of every question of the problem sets checked in this kernel: id, points and status."""
    current = statuses()
    if not current:
        print("No question has been checked in this kernel yet: run the cells with check(...) first.")
        return
    owners = []
    for question_id in current:
        owner = problem_set_of(question_id)
        if owner not in owners:
            owners.append(owner)
    width = max(len("question"), *(len(i) for i in current))
    lines = []
    for owner in owners:
        lines.append(f"Problem set {owner.id} ({owner.title})")
        lines.append(f"  {'question':<{width}}  {'points':>6}  status")
        passed_points = 0.0
        passed_count = 0
        for q in owner.questions:
            status = current[q.id]
            if status == PASSED:
                passed_points += q.points
                passed_count += 1
            lines.append(f"  {q.id:<{width}}  {q.points:>6g}  {STATUS_WORDS[status]}")
        lines.append(f"  Public checks passed on {passed_count} of {len(owner.questions)} questions "
                     f"({passed_points:g} of {owner.points:g} points).")
    lines.append("Hidden checks run when your instructor grades the notebook; they decide the final mark.")
    print("\n".join(lines))
