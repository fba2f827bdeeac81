"""Question factories: the four shapes of a graded question, with the house rules applied once.

- :func:`number_question`: the answer is one number, compared with a value the library computes at check time;
- :func:`function_question`: the answer is a function, compared with a reference function on given inputs;
- :func:`choice_question`: the answer is the key of one of a few options;
- :func:`text_question`: the answer is a short text, read against a rubric of the ideas it should contain.

The house rules, stated here and nowhere else:

- **Tolerance.** A numeric answer passes the public check within :data:`DEFAULT_TOLERANCE` of the checker's
  value (5%) and the hidden check within a tenth of that (0.5%). The public check is lenient so that a learner who
  rounds is told they are on track; the hidden one is strict so that only the computation asked for passes. A
  question whose answer is more (or less) exact than that passes its own :class:`Tolerance`, with the reason
  beside it.
- **Gates earn nothing.** "Is a number", "is a function of k arguments", "is one of the options", "has the right
  sign" and "is long enough" only decide what feedback to give (weight 0); the points are shared among the
  checks of the value itself.
- **Hidden means stricter, not secret.** The hidden checks ship with the public course; a class release built
  from it leaves them (and the solutions) out.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .. import _validate as v
from .._text import prose
from .checks import (
    Check,
    CheckResult,
    close_to,
    has_sign,
    is_function,
    is_function_matching,
    is_number,
    qualified_name,
    writes_its_own,
)
from .questions import Question


@dataclass(frozen=True)
class Tolerance:
    """How close a numeric answer must be: ``public`` and ``hidden`` tolerances, relative or ``absolute``.

    ``hidden`` defaults to a tenth of ``public``. Relative tolerances are fractions (0.05 is 5%); absolute ones
    are in the answer's unit (0.5 accepts a count that is off by less than one half).
    """

    public: float = 0.05
    hidden: float | None = None
    absolute: bool = False

    def __post_init__(self):
        v.positive_number("public", self.public)
        if self.hidden is None:
            object.__setattr__(self, "hidden", self.public / 10)
        v.positive_number("hidden", self.hidden)
        if self.hidden > self.public:
            raise ValueError(f"the hidden tolerance ({self.hidden:g}) must not be looser than the public one "
                             f"({self.public:g})")

    def check(self, expected: Callable[[], float], *, hidden: bool, hint: str = "") -> Check:
        value = self.hidden if hidden else self.public
        return close_to(expected, **{"abs" if self.absolute else "rel": value}, hint=hint)


DEFAULT_TOLERANCE = Tolerance(public=0.05, hidden=0.005)


def number_question(id: str, *, points: float, kind: str, title: str, statement: str, hint: str,
                    expected: Callable[[], float], tolerance: Tolerance = DEFAULT_TOLERANCE,
                    sign: str | None = None, what: str = "your answer", sign_hint: str = "",
                    public_hint: str = "", hidden_hint: str = "") -> Question:
    """A question whose answer is one number, within ``tolerance`` of ``expected()``.

    ``sign`` ("positive" or "negative") adds a sign check that names ``what`` the number is, so that a learner
    with the wrong sign hears so before hearing "too far". ``public_hint`` and ``hidden_hint`` are shown when the
    value check fails (the question's ``hint`` is the general one).
    """
    public = [is_number()]
    if sign is not None:
        public.append(has_sign(sign, what=what, hint=sign_hint, weight=0.0))
    public.append(tolerance.check(expected, hidden=False, hint=public_hint))
    return Question(id=id, points=points, kind=kind, title=title, statement=statement, hint=hint,
                    public_checks=tuple(public),
                    hidden_checks=(tolerance.check(expected, hidden=True, hint=hidden_hint),))


def function_question(id: str, *, points: float, kind: str, title: str, statement: str, hint: str,
                      reference: Callable, n_args: int, public_inputs: Callable[[], Sequence[Sequence]],
                      hidden_inputs: Callable[[], Sequence[Sequence]], public_what: str, hidden_what: str,
                      rel: float = 1e-6, abs: float = 1e-12, public_hint: str = "",
                      hidden_hint: str = "", forbidden: Sequence[Callable] = ()) -> Question:
    """A question whose answer is a function of ``n_args`` arguments that must agree with ``reference``.

    The public check calls it on ``public_inputs()`` (``public_what`` names them in the feedback), the hidden
    check on ``hidden_inputs()``: other inputs, chosen so that a function fitted to the public ones fails.
    ``forbidden`` lists the library functions the learner is asked to write rather than call: a function that
    runs one of them earns no points (:func:`scalingedu.grading.checks.writes_its_own`), and the feedback says why.
    """
    matching = dict(rel=rel, abs=abs)
    own = ()
    if forbidden:
        names = [qualified_name(f) for f in forbidden]
        what = " or ".join(f"`{_short_name(name)}`" for name in names)
        own = (writes_its_own(names, public_inputs, what=f"the library's {what}"),)
    return Question(
        id=id, points=points, kind=kind, title=title, statement=statement, hint=hint,
        public_checks=(is_function(n_args), *own,
                       is_function_matching(reference, public_inputs, what=public_what, hint=public_hint,
                                            **matching)),
        hidden_checks=(is_function_matching(reference, hidden_inputs, what=hidden_what, hint=hidden_hint,
                                            **matching),),
        answer_kind="function")


def _short_name(qualified: str) -> str:
    """``ChinchillaLaw.compute_optimal`` for a method, ``collective_bytes`` for a function."""
    parts = qualified.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 and parts[-2][:1].isupper() else parts[-1]


def _option_key(answer) -> str | None:
    return answer.strip().lower() if isinstance(answer, str) else None


def is_option(keys: Sequence[str]) -> Check:
    """A gate (weight 0): the answer is one of the option ``keys`` (a letter, any case, spaces ignored)."""
    keys = tuple(keys)
    quoted = ", ".join(f'"{k}"' for k in keys)

    def function(value) -> CheckResult:
        if value is None or value is Ellipsis:
            return CheckResult(False, f"no answer yet: replace the `...` with one of {quoted}", answered=False)
        if _option_key(value) not in keys:
            return CheckResult(False, f"your answer {value!r} is not one of the options {quoted}")
        return CheckResult(True, "your answer is one of the options")
    return Check("the answer is one of the options", function, weight=0.0,
                 seal=lambda: {"type": "is_option", "keys": list(keys)})


def has_words(min_words: int) -> Check:
    """A gate (weight 0): the answer is a text of at least ``min_words`` words."""
    def function(value) -> CheckResult:
        if value is None or value is Ellipsis or (isinstance(value, str) and not value.strip()):
            return CheckResult(False, "no answer yet: write a few sentences between the quotes", answered=False)
        if not isinstance(value, str):
            return CheckResult(False, f"give your answer as text in quotes, not a {type(value).__name__}")
        count = len(_words(value))
        if count < min_words:
            return CheckResult(False, f"your answer has {count} words; write at least {min_words}")
        return CheckResult(True, f"your answer has {count} words")
    return Check(f"the answer has at least {min_words} words", function, weight=0.0,
                 seal=lambda: {"type": "has_words", "min_words": min_words})


def choice_question(id: str, *, points: float, kind: str, title: str, statement: str, hint: str,
                    options: Mapping[str, str], answer: Callable[[], str]) -> Question:
    """A question whose answer is the key of one of ``options`` (``{"a": "text of a", ...}``).

    The options are listed under the statement in the notebook. ``answer()`` returns the right key, computed by
    the library where it can be (which of two plans is cheaper, say). The public check only says whether the
    answer is one of the keys; whether it is the right one is for the hidden check, since with a few options a
    learner could otherwise try them all.
    """
    keys = tuple(options)
    if len(keys) < 2 or not all(isinstance(k, str) and re.fullmatch(r"[a-z]", k) for k in keys):
        raise ValueError(f"options of {id} must have at least two keys, each one lower-case letter (got {keys})")
    listing = "\n".join(f"- **{key}**: {text}" for key, text in options.items())
    quoted = ", ".join(f'"{k}"' for k in keys)

    def is_right(value) -> CheckResult:
        right = answer()
        if right not in keys:   # a mistake of the question's author, not of the learner: say so
            return CheckResult(False, f"the checker's answer {right!r} is not one of the options {quoted}: "
                                      f"please tell your instructor")
        if _option_key(value) == right:
            return CheckResult(True, f"{right!r} is the right option")
        return CheckResult(False, f"{value!r} is not the option the checker computes")

    return Question(id=id, points=points, kind=kind, title=title, statement=f"{statement.strip()}\n\n{listing}",
                    hint=hint, answer_kind="choice",
                    public_checks=(is_option(keys),),
                    hidden_checks=(Check("the answer is the right option", is_right),))


@dataclass(frozen=True)
class RubricItem:
    """One idea a written answer should contain, and words that show it is there (any one of them)."""

    idea: str
    keywords: tuple[str, ...]
    points: float = 1.0

    def __post_init__(self):
        if not self.keywords or not all(isinstance(k, str) and k.strip() for k in self.keywords):
            raise ValueError(f"rubric item {self.idea!r} needs at least one keyword")
        v.positive_number("points", self.points)


def _words(text: str) -> list[str]:
    """The words of ``text`` in lower case, hyphens and apostrophes kept inside a word ("compute-optimal")."""
    return re.findall(r"[a-z0-9%.]+(?:['’-][a-z0-9%.]+)*", text.lower())


def text_question(id: str, *, points: float, kind: str, title: str, statement: str, hint: str,
                  rubric: Sequence[RubricItem], min_words: int = 15) -> Question:
    """A question answered in a few sentences, read against ``rubric``.

    The public check asks for at least ``min_words`` words. Each rubric item is a hidden check worth its share
    of the points, passed when one of its keywords appears; this is a first reading that an instructor confirms
    (the feedback shows the rubric), not a judgement of the writing.
    """
    if not rubric:
        raise ValueError(f"{id} needs at least one rubric item")

    def mentions(item: RubricItem) -> Check:
        keywords = [" ".join(_words(keyword)) for keyword in item.keywords]

        def function(value) -> CheckResult:
            text = f" {' '.join(_words(value))} " if isinstance(value, str) else ""
            # whole words (or a phrase of whole words), so that "data" is not found in "database"
            found = any(f" {keyword} " in text for keyword in keywords if keyword)
            return CheckResult(found, f"{'mentions' if found else 'does not mention'}: {item.idea}")
        return Check(f"the answer explains {item.idea}", function, weight=item.points)

    listing = "\n".join(f"- {item.idea}" for item in rubric)
    return Question(id=id, points=points, kind=kind, title=title, statement=statement, answer_kind="text",
                    hint=f"{hint} A full answer covers:\n{listing}".strip(),
                    public_checks=(has_words(min_words),),
                    hidden_checks=tuple(mentions(item) for item in rubric))


@dataclass(frozen=True)
class Criterion:
    """One criterion a person scores a written answer on, and the points it is worth."""

    text: str
    points: float

    def __post_init__(self):
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValueError("a rubric criterion needs its text")
        v.positive_number("points", self.points)


TO_BE_MARKED = "the instructor scores this answer against the rubric"


def rubric_question(id: str, *, points: float, kind: str, title: str, statement: str, hint: str,
                    criteria: Sequence[Criterion], model_answer: str, min_words: int = 25) -> Question:
    """A question answered in the learner's own words and scored by a person against ``criteria``.

    ``check`` only asks for ``min_words`` words, then shows the criteria and (in the public course) the
    ``model_answer``. The grader gives it 0 points and the status "to be marked", lists it in
    ``rubric-to-mark.csv`` with the learner's text, and ``scalingedu gradebook --rubric`` merges the points a
    person gives (:mod:`scalingedu.grading.lms`).
    """
    criteria = tuple(criteria)
    if not criteria:
        raise ValueError(f"{id} needs at least one rubric criterion")

    def by_a_person(value) -> CheckResult:
        return CheckResult(False, TO_BE_MARKED)
    listing = "\n".join(f"- {c.text} ({c.points:g} point{'s' if c.points != 1 else ''})" for c in criteria)
    return Question(id=id, points=points, kind=kind, title=title, answer_kind="text",
                    statement=f"{prose(statement).strip()}\n\nYour answer is scored on:\n\n{listing}",
                    hint=hint, rubric=criteria, model_answer=model_answer,
                    public_checks=(has_words(min_words),),
                    hidden_checks=(Check("a person scores it against the rubric", by_a_person),))
