"""Questions, problem sets, and the registry that finds them by id.

A :class:`Question` is written once, in the problem-set module of its lesson (``scalingedu/problems/<slug>.py``):
an id ``"<slug>.<name>"`` (``"power_laws.halving"``), points, what the learner does (``kind``), a title, a
learner-facing statement and hint, and two lists of checks: public ones, run by ``check(...)`` in the learner's
notebook for instant feedback, and hidden ones, run only by the grader ("hidden" means stricter tolerances and
other inputs, not secret: the public repository ships them). The question cells of ``solutions/`` and
``exercises/`` are rendered from it (:meth:`Question.markdown`) by ``scalingedu build-exercises``.

A :class:`ProblemSet` groups the questions of one lesson (id ``"power_laws"``, the lesson's slug). The lesson
registry (:mod:`scalingedu.lessons`) says which lessons have one; :func:`problem_set` and :func:`question` look
them up, and accept the notebook stem (``"01_power_laws"``) and the question prefixes used before the slugs
(``"pl.halving"``) too, so that older notebooks still check and grade.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field

from .. import _validate as v
from .._text import prose
from ..lessons import lesson, lessons_with_problem_sets, slug_for_question_prefix
from .checks import Check

QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
ANSWER_KINDS = ("number", "function", "choice", "text", "plan")
KINDS = ("recall", "compute", "derive", "fit", "decide", "design")
"""What a question asks the learner to do: recall a fact, compute a number with a given formula, derive a
formula (write it as a function), fit a law to data, decide between options with numbers, or design a plan."""


@dataclass(frozen=True)
class Question:
    """One graded question: id, points, kind, title, statement, hint, public checks and hidden checks.

    ``answer_kind`` ("number", "function", "choice" or "text") says what the answer is and changes the wording
    of the feedback. Points are shared among the checks (public and hidden) in proportion to their weights.
    Write questions with the factories of :mod:`scalingedu.grading.factories`, which apply the house rules.
    """

    id: str
    points: float
    kind: str
    title: str
    statement: str
    hint: str
    public_checks: tuple[Check, ...]
    hidden_checks: tuple[Check, ...]
    answer_kind: str = "number"
    rubric: tuple = ()
    """For an answer a person scores (:func:`scalingedu.grading.factories.rubric_question`): the criteria, each
    with its points; empty for questions the checks score."""
    model_answer: str = ""
    """What a good answer to a rubric question says: shown to a self-paced learner once they have written theirs,
    left out of a class's learners' copy."""

    def __post_init__(self):
        if not isinstance(self.id, str) or not QUESTION_ID.match(self.id):
            raise ValueError(f"question id must look like 'set.name' (lower case, digits, '_'), got {self.id!r}")
        v.positive_number(f"points of {self.id}", self.points)
        if self.kind not in KINDS:
            raise ValueError(f"kind of {self.id} must be one of {KINDS} (got {self.kind!r})")
        for name in ("title", "statement"):
            text = getattr(self, name)
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{name} of {self.id} must be a non-empty string")
        if not isinstance(self.hint, str):
            raise TypeError(f"hint of {self.id} must be a string (\"\" for none), not {type(self.hint).__name__}")
        if "\n" in self.title:
            raise ValueError(f"title of {self.id} must be one line")
        for name in ("statement", "hint"):   # written as triple-quoted prose in the problem modules
            object.__setattr__(self, name, prose(getattr(self, name)))
        if self.answer_kind not in ANSWER_KINDS:
            raise ValueError(f"answer_kind of {self.id} must be one of {ANSWER_KINDS} (got {self.answer_kind!r})")
        for name in ("public_checks", "hidden_checks"):
            checks = tuple(getattr(self, name))
            if not checks:
                raise ValueError(f"{self.id} needs at least one check in {name}")
            if not all(isinstance(c, Check) for c in checks):
                raise TypeError(f"{name} of {self.id} must contain Check objects")
            object.__setattr__(self, name, checks)
        if self.rubric and abs(sum(c.points for c in self.rubric) - self.points) > 1e-9:
            raise ValueError(f"the rubric of {self.id} gives {sum(c.points for c in self.rubric):g} points, the "
                             f"question {self.points:g}: make them equal")
        object.__setattr__(self, "model_answer", prose(self.model_answer))
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

    def heading(self, number: int) -> str:
        """The Markdown heading of the question's cell: ``### 1. Title (`id`, 2 points, compute)``."""
        unit = "point" if self.points == 1 else "points"
        return f"### {number}. {self.title} (`{self.id}`, {self.points:g} {unit}, {self.kind})"

    def markdown(self, number: int) -> str:
        """The whole question cell of a problem-set notebook: heading, blank line, statement."""
        return f"{self.heading(number)}\n\n{self.statement.strip()}"


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
        wanted = canonical_question_id(question_id)
        for q in self.questions:
            if q.id == wanted:
                return q
        raise ValueError(f"unknown question {question_id!r}; the questions of problem set {self.id} are: "
                         f"{', '.join(self.ids)}")


def canonical_question_id(question_id: str) -> str:
    """The id as the problem sets spell it now: a legacy prefix (``"pl.halving"``) becomes the lesson's slug."""
    prefix, dot, name = question_id.partition(".")
    return f"{slug_for_question_prefix(prefix)}{dot}{name}"


def problem_sets() -> dict[str, ProblemSet]:
    """The ``PROBLEM_SET`` of every lesson that has one (in lesson order), by id.

    Each set's id and question prefix must be its lesson's slug: the registry (:mod:`scalingedu.lessons`) is the
    one place that lists the problem sets, and this is where that rule is enforced.
    """
    found: dict[str, ProblemSet] = {}
    for each in lessons_with_problem_sets():
        module = importlib.import_module(each.problem_module_name)
        problem = getattr(module, "PROBLEM_SET", None)
        if not isinstance(problem, ProblemSet):
            raise ValueError(f"{each.problem_module_name} must define PROBLEM_SET, a ProblemSet")
        if problem.id != each.slug or problem.prefix != each.slug:
            raise ValueError(f"the problem set of lesson {each.stem} must have the id {each.slug!r} and question "
                             f"ids '{each.slug}.<name>' (got id {problem.id!r}, prefix {problem.prefix!r})")
        found[problem.id] = problem
    return found


def problem_set(problem_set_id: str) -> ProblemSet:
    """The problem set with this id (a lesson slug such as "power_laws", or its stem "01_power_laws").

    ValueError listing the known ids otherwise.
    """
    if not isinstance(problem_set_id, str):
        raise TypeError(f"problem_set_id must be a string such as 'power_laws', "
                        f"not {type(problem_set_id).__name__}")
    sets = problem_sets()
    try:
        slug = lesson(problem_set_id).slug
    except ValueError:
        slug = problem_set_id
    if slug not in sets:
        raise ValueError(f"unknown problem set {problem_set_id!r}; known problem sets: {', '.join(sets)}")
    return sets[slug]


def problem_set_of(question_id: str) -> ProblemSet | None:
    """The problem set whose questions share the prefix of ``question_id`` (or its legacy prefix), or None."""
    prefix = canonical_question_id(question_id).split(".", 1)[0]
    return problem_sets().get(prefix)


def question(question_id: str) -> Question:
    """The question with this id (e.g. "power_laws.halving"; the legacy "pl.halving" works too).

    An unknown id raises ValueError listing the ids of the problem set it seems to belong to (same prefix), or
    of every problem set when the prefix is unknown too.
    """
    if not isinstance(question_id, str):
        raise TypeError(f"question_id must be a string such as 'power_laws.halving', "
                        f"not {type(question_id).__name__}")
    owner = problem_set_of(question_id)
    if owner is not None:
        return owner.question(question_id)
    listing = "; ".join(f"{s.id}: {', '.join(s.ids)}" for s in problem_sets().values())
    raise ValueError(f"unknown question {question_id!r}; known questions by problem set: {listing}")
