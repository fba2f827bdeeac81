"""Questions, problem sets, and the registry that finds them by id.

A :class:`Question` has an id such as ``"pl.halving"`` (the part before the dot names its problem set), points, a
learner-facing statement and hint, and two lists of checks: public ones, run by ``check(...)`` in the learner's
notebook for instant feedback, and hidden ones, run only by the grader. A :class:`ProblemSet` groups the questions
of one notebook (id ``"01_power_laws"`` for ``solutions/01_power_laws.ipynb``). Problem sets are defined in the
modules of :mod:`scalingedu.problems`; :func:`problem_set` and :func:`question` look them up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import _validate as v
from .checks import Check

QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
ANSWER_KINDS = ("number", "function")


@dataclass(frozen=True)
class Question:
    """One graded question: id, points, statement, hint, public checks and hidden checks.

    ``answer_kind`` is "number" or "function" and only changes the wording of the feedback. Points are shared
    among the checks (public and hidden) in proportion to their weights.
    """

    id: str
    points: float
    statement: str
    hint: str
    public_checks: tuple[Check, ...]
    hidden_checks: tuple[Check, ...]
    answer_kind: str = "number"

    def __post_init__(self):
        if not isinstance(self.id, str) or not QUESTION_ID.match(self.id):
            raise ValueError(f"question id must look like 'set.name' (lower case, digits, '_'), got {self.id!r}")
        v.positive_number(f"points of {self.id}", self.points)
        if self.answer_kind not in ANSWER_KINDS:
            raise ValueError(f"answer_kind of {self.id} must be one of {ANSWER_KINDS} (got {self.answer_kind!r})")
        for name in ("public_checks", "hidden_checks"):
            checks = tuple(getattr(self, name))
            if not checks:
                raise ValueError(f"{self.id} needs at least one check in {name}")
            if not all(isinstance(c, Check) for c in checks):
                raise TypeError(f"{name} of {self.id} must contain Check objects")
            object.__setattr__(self, name, checks)
        if sum(c.weight for c in self.checks) <= 0:
            raise ValueError(f"the checks of {self.id} have total weight 0: give at least one a weight > 0")

    @property
    def prefix(self) -> str:
        """The part of the id before the dot, shared by all questions of a problem set."""
        return self.id.split(".", 1)[0]

    @property
    def checks(self) -> tuple[Check, ...]:
        """Public checks followed by hidden checks."""
        return self.public_checks + self.hidden_checks


@dataclass(frozen=True)
class ProblemSet:
    """The questions of one problem-set notebook; question ids are unique and share one prefix."""

    id: str
    title: str
    questions: tuple[Question, ...] = field(default_factory=tuple)

    def __post_init__(self):
        questions = tuple(self.questions)
        if not questions:
            raise ValueError(f"problem set {self.id} has no questions")
        ids = [q.id for q in questions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"problem set {self.id} repeats question ids: {', '.join(duplicates)}")
        prefixes = sorted({q.prefix for q in questions})
        if len(prefixes) != 1:
            raise ValueError(f"the question ids of problem set {self.id} must share one prefix (got {prefixes})")
        object.__setattr__(self, "questions", questions)

    @property
    def prefix(self) -> str:
        return self.questions[0].prefix

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    def question(self, question_id: str) -> Question:
        """The question with this id; ValueError listing this set's ids if there is none."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise ValueError(f"unknown question {question_id!r}; the questions of problem set {self.id} are: "
                         f"{', '.join(self.ids)}")


def problem_sets() -> dict[str, ProblemSet]:
    """Every problem set of :mod:`scalingedu.problems`, by id, after checking that all ids are unique."""
    from ..problems import PROBLEM_SETS  # imported here: the problem modules import this module

    found: dict[str, ProblemSet] = {}
    owners: dict[str, str] = {}
    for each in PROBLEM_SETS:
        if each.id in found:
            raise ValueError(f"two problem sets have the id {each.id!r}")
        if each.prefix in owners:
            raise ValueError(f"problem sets {owners[each.prefix]} and {each.id} share the question prefix "
                             f"{each.prefix!r}")
        found[each.id] = each
        owners[each.prefix] = each.id
    return found


def problem_set(problem_set_id: str) -> ProblemSet:
    """The problem set with this id (e.g. "01_power_laws"); ValueError listing the known ids otherwise."""
    if not isinstance(problem_set_id, str):
        raise TypeError(f"problem_set_id must be a string such as '01_power_laws', "
                        f"not {type(problem_set_id).__name__}")
    sets = problem_sets()
    if problem_set_id not in sets:
        raise ValueError(f"unknown problem set {problem_set_id!r}; known problem sets: {', '.join(sets)}")
    return sets[problem_set_id]


def problem_set_of(question_id: str) -> ProblemSet | None:
    """The problem set whose questions share the prefix of ``question_id``, or None."""
    prefix = question_id.split(".", 1)[0]
    for each in problem_sets().values():
        if each.prefix == prefix:
            return each
    return None


def question(question_id: str) -> Question:
    """The question with this id (e.g. "pl.halving").

    An unknown id raises ValueError listing the ids of the problem set it seems to belong to (same prefix), or
    of every problem set when the prefix is unknown too.
    """
    if not isinstance(question_id, str):
        raise TypeError(f"question_id must be a string such as 'pl.halving', not {type(question_id).__name__}")
    owner = problem_set_of(question_id)
    if owner is not None:
        return owner.question(question_id)
    listing = "; ".join(f"{s.id}: {', '.join(s.ids)}" for s in problem_sets().values())
    raise ValueError(f"unknown question {question_id!r}; known questions by problem set: {listing}")
