"""Public checks that hold no answer: how the learners' copy of a class checks answers it cannot read.

In the public course a public check compares an answer with a value the library computes at check time, and the
hidden checks ship beside it. In a class's learners' copy (``scalingedu release``) the hidden checks are gone and
each public check that compares with a value is **sealed**: the release computes the value once and keeps only
salted SHA-256 hashes of the cells of a grid around it, so that the check can still tell a learner "within about
5%" without any code path in the copy giving the value back.

The grid: for a relative tolerance ``rel``, the cells of ``log|x|`` of width ``log(1 + rel)`` (and the sign); for an
absolute one, cells of ``x`` of width ``abs``. The hashes of the value's cell and of its two neighbours are kept,
so an answer passes when it is within one to two tolerances of the value, as close as the public check asked,
never further than twice that. What a sealed check cannot say is which way an answer is off (that would give a
learner a bisection). A determined learner could still try cells one by one through ``check``: that finds the
value to within the public tolerance, which earns the public check's share, never the hidden checks' (which need
a tenth of it, and are not in the copy); the instructor's notes say so.

Gates (is a number, has a sign, is a function of k arguments, is one of the options, has enough words) hold no
answer and are rebuilt as they are. A question whose data depend on the learner (:mod:`scalingedu.grading.learner`)
is sealed once per learner of the roster, keyed by a hash of the learner's id.
"""
from __future__ import annotations

import base64
import copyreg
import hashlib
import importlib
import io
import json
import math
import pickle
import secrets
import types
from collections.abc import Sequence

import numpy as np

from .checks import (
    Check,
    CheckResult,
    as_number,
    call_for_values,
    has_sign,
    is_function,
    is_number,
    writes_its_own,
)
from .factories import Criterion, has_words, is_option
from .learner import as_learner, current_learner
from .questions import ProblemSet, Question

HIDDEN_PLACEHOLDER = "the hidden checks run only when your instructor grades"
"""The one hidden check of a question in the learners' copy: it says where the real ones are and never passes."""


def _digest(salt: str, *parts) -> str:
    return hashlib.sha256("\0".join([salt, *map(str, parts)]).encode()).hexdigest()[:32]


def _grid(value: float, rel: float, abs_: float) -> tuple[str, float]:
    """The grid a value is sealed on: ("log", width of a cell of log|x|) when the relative tolerance is what
    counts at this value, ("lin", width of a cell of x) when the absolute one is."""
    if rel > 0 and rel * math.fabs(value) >= abs_ and value != 0:
        return "log", math.log1p(rel)
    return "lin", abs_ if abs_ > 0 else max(rel * math.fabs(value), 1e-300)


def _cell(value: float, grid: str, width: float) -> int | str:
    if grid == "log":
        if value == 0:
            return "zero"
        return f"{'+' if value > 0 else '-'}{math.floor(math.log(math.fabs(value)) / width)}"
    return math.floor(value / width)


def _neighbours(cell) -> list:
    if isinstance(cell, int):
        return [cell - 1, cell, cell + 1]
    if cell == "zero":
        return ["zero"]
    sign, index = cell[0], int(cell[1:])
    return [f"{sign}{index + step}" for step in (-1, 0, 1)]


def seal_value(value: float, rel: float, abs_: float, salt: str, *where) -> dict:
    """The sealed form of one expected value: its grid and the hashes of its cell and the two next to it."""
    grid, width = _grid(value, rel, abs_)
    return {"grid": grid, "width": width,
            "hashes": sorted(_digest(salt, *where, cell) for cell in _neighbours(_cell(value, grid, width)))}


def matches(sealed: dict, answer: float, salt: str, *where) -> bool:
    """Whether ``answer`` falls in one of the cells of a sealed value."""
    return _digest(salt, *where, _cell(answer, sealed["grid"], sealed["width"])) in sealed["hashes"]


def _tolerance_text(rel: float, abs_: float) -> str:
    return f"{rel * 100:g}%" if rel else f"{abs_:g}"


# Sealing (at release, with the instructor's library) ---------------------------------------------------------------

def read_only(mapping: dict) -> types.MappingProxyType:
    """A read-only view of ``mapping`` (how a pickled table of the library is rebuilt)."""
    return types.MappingProxyType(mapping)


def _encode(value):
    """An argument of a public test input as JSON: numbers and text as they are, arrays as lists, and any other
    object (a plan, a shape) pickled: its class ships in the copy (the release keeps every class)."""
    if isinstance(value, np.ndarray):
        return {"array": value.tolist()}
    if isinstance(value, list) or type(value) is tuple:
        return [_encode(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    stream = io.BytesIO()
    pickler = pickle.Pickler(stream)
    # read-only mappings (the library's tables) pickle as the plain mappings they wrap
    pickler.dispatch_table = {**copyreg.dispatch_table,
                              types.MappingProxyType: lambda m: (read_only, (dict(m),))}
    pickler.dump(value)
    return {"pickle": base64.b64encode(stream.getvalue()).decode("ascii")}


def _decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], dtype=float)
    if isinstance(value, dict) and "pickle" in value:
        return pickle.loads(base64.b64decode(value["pickle"]))   # written by the release from the course's own data
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def freeze(value) -> dict:
    """``value`` (an object of the course's own types) as JSON-ready data, for :func:`thaw`."""
    return _encode(value)


def thaw(text: str):
    """The value :func:`freeze` stored, from its JSON text."""
    return _decode(json.loads(text))


def thaw_data(data):
    """The value :func:`freeze` stored, from its data (already parsed)."""
    return _decode(data)


def _seal_spec(spec: dict, salt: str, where: tuple) -> dict:
    if spec["type"] == "close_to":
        return {"type": "close_to", "rel": spec["rel"], "abs": spec["abs"],
                "value": seal_value(spec["value"], spec["rel"], spec["abs"], salt, *where)}
    if spec["type"] == "function":
        cases = []
        for number, (arguments, expected) in enumerate(spec["cases"]):
            flat = expected.ravel()
            cases.append({"arguments": _encode(list(arguments)), "shape": list(expected.shape),
                          "values": [seal_value(float(x), spec["rel"], spec["abs"], salt, *where, number, index)
                                     for index, x in enumerate(flat)]})
        return {"type": "function", "rel": spec["rel"], "abs": spec["abs"], "what": spec["what"], "cases": cases}
    if spec["type"] == "writes_its_own":
        return {**spec, "arguments": _encode(spec["arguments"])}
    return spec


def _specs(q: Question) -> list[dict]:
    specs = []
    for each in q.public_checks:
        if each.seal is None:
            raise ValueError(f"public check {each.description!r} of {q.id} cannot be sealed: give it a seal")
        specs.append(each.seal())
    return specs


def seal_question(q: Question, salt: str, learners: Sequence[str] = ()) -> dict:
    """Everything the learners' copy needs of question ``q``: its text, points and public checks, sealed.

    The public checks are sealed for everyone's shared data and, when they differ (the question's data depend on
    the learner), for each of ``learners``, keyed by a hash of the id."""
    with as_learner(None):
        shared = _specs(q)
    variants = {"": [_seal_spec(spec, salt, (q.id, i)) for i, spec in enumerate(shared)]}
    probes = {}
    for learner in learners:
        with as_learner(learner):
            specs = _specs(q)
        probes[learner] = specs
    if any(_differ(specs, shared) for specs in probes.values()):
        for learner, specs in probes.items():
            variants[_digest(salt, "learner", learner)] = [_seal_spec(spec, salt, (q.id, learner, i))
                                                           for i, spec in enumerate(specs)]
    # a rubric question keeps its criteria; its model answer stays with the instructor
    return {"id": q.id, "points": q.points, "kind": q.kind, "title": q.title, "statement": q.statement,
            "hint": q.hint, "answer_kind": q.answer_kind, "per_learner": len(variants) > 1,
            "rubric": [{"text": c.text, "points": c.points} for c in q.rubric],
            "checks": [{"description": c.description, "hint": c.hint, "weight": c.weight} for c in q.public_checks],
            "variants": variants}


def _differ(specs: list[dict], shared: list[dict]) -> bool:
    for one, other in zip(specs, shared):
        if one.get("type") == "close_to" and one["value"] != other["value"]:
            return True
        if one.get("type") == "function" and any(
                not np.array_equal(a[1], b[1]) for a, b in zip(one["cases"], other["cases"])):
            return True
    return False


def seal_problem_set(problem: ProblemSet, *, salt: str | None = None, learners: Sequence[str] = ()) -> dict:
    """The sealed form of a whole problem set (JSON-ready): what ``scalingedu release`` writes into the copy."""
    salt = salt or secrets.token_hex(16)
    return {"id": problem.id, "title": problem.title, "salt": salt,
            "questions": [seal_question(q, salt, learners) for q in problem.questions]}


# Checking (in the learners' copy) ----------------------------------------------------------------------------------

def _sealed_value_check(description: str, hint: str, weight: float, question_id: str, variants: dict,
                        salt: str, number: int) -> Check:
    def spec_and_where() -> tuple[dict | None, tuple]:
        learner = current_learner()
        key = "" if learner is None else _digest(salt, "learner", learner)
        if len(variants) > 1 and learner is not None:
            spec = variants.get(key, [None] * (number + 1))[number]
            return spec, (question_id, learner, number)
        return variants[""][number], (question_id, number)

    def function(answer) -> CheckResult:
        spec, where = spec_and_where()
        if spec is None:
            return CheckResult(False, f"this question's numbers are each learner's own, and this copy of the course "
                                      f"has none for the id {current_learner()!r}: check the id you gave "
                                      f"set_learner, or ask your instructor")
        tolerance = _tolerance_text(spec["rel"], spec["abs"])
        if spec["type"] == "close_to":
            value, problem = as_number(answer)
            if value is None:
                return CheckResult(False, problem)
            if matches(spec["value"], value, salt, *where):
                return CheckResult(True, f"{value:.4g} is within about {tolerance} of the checker's value")
            return CheckResult(False, f"{value:.4g} is not within about {tolerance} of the checker's value")
        return _function_matches(answer, spec, salt, where)
    return Check(description, function, hint=hint, weight=weight)


def _function_matches(answer, spec: dict, salt: str, where: tuple) -> CheckResult:
    if answer is None or answer is Ellipsis:
        return CheckResult(False, "no answer yet", answered=False)
    if not callable(answer):
        return CheckResult(False, f"your answer is a {type(answer).__name__}, not a function")
    cases = spec["cases"]
    for number, case in enumerate(cases):
        arguments = [_decode(a) for a in case["arguments"]]
        place = f"on {spec['what']}, input {number + 1} of {len(cases)}"
        values, failure = call_for_values(answer, arguments, place)
        if failure is not None:
            return failure
        if list(values.shape) != case["shape"]:
            return CheckResult(False, f"your function returned shape {values.shape} {place}; expected shape "
                                      f"{tuple(case['shape'])}")
        for index, (value, sealed) in enumerate(zip(values.ravel(), case["values"])):
            if not (math.isfinite(value) and matches(sealed, float(value), salt, *where, number, index)):
                return CheckResult(False, f"your function returned values that differ from the expected ones "
                                          f"{place}")
    return CheckResult(True, f"your function gives the expected values on {spec['what']}")


_GATES = {"is_number": lambda spec, hint: is_number(hint=hint) if hint else is_number(),
          "has_sign": lambda spec, hint: has_sign(spec["sign"], what=spec["what"], hint=hint, weight=0.0),
          "is_function": lambda spec, hint: is_function(spec["n_args"], hint=hint) if hint
          else is_function(spec["n_args"]),
          "is_option": lambda spec, hint: is_option(spec["keys"]),
          "has_words": lambda spec, hint: has_words(spec["min_words"]),
          "writes_its_own": lambda spec, hint: writes_its_own(spec["forbidden"], lambda: [thaw_data(spec["arguments"])],
                                                              what=spec["what"])}


def _verdict_check(spec: dict, about: dict) -> Check:
    """A check that reads one verdict of a problem module's public function of the answer (a plan's feasibility
    conditions): it holds no answer, so the learners' copy runs it as it is."""
    def function(answer) -> CheckResult:
        if spec.get("gate") and (answer is None or answer is Ellipsis):
            return CheckResult(False, "no answer yet", answered=False)
        verdicts = getattr(importlib.import_module(spec["module"]), spec["function"])(answer)
        passed, message = verdicts.get(spec["key"], next(iter(verdicts.values())))
        return CheckResult(bool(passed) and spec["key"] in verdicts, message)
    return Check(about["description"], function, hint=about["hint"], weight=about["weight"])


def sealed_problem_set(data: dict) -> ProblemSet:
    """The problem set of the learners' copy, rebuilt from :func:`seal_problem_set`'s data: the same questions,
    public checks that hold no answer, and one placeholder hidden check (weight 0) saying where the others are."""
    salt = data["salt"]
    questions = []
    for q in data["questions"]:
        checks = []
        for number, (about, spec) in enumerate(zip(q["checks"], q["variants"][""])):
            if spec["type"] == "verdict":
                checks.append(_verdict_check(spec, about))
            elif spec["type"] in _GATES:
                gate = _GATES[spec["type"]](spec, about["hint"])
                checks.append(Check(about["description"], gate.function, hint=about["hint"], weight=about["weight"],
                                    required=gate.required))
            else:
                checks.append(_sealed_value_check(about["description"], about["hint"], about["weight"], q["id"],
                                                  q["variants"], salt, number))
        # carries the question's weight in this copy, which cannot grade: a copy's grade of an answer is always 0
        placeholder = Check(HIDDEN_PLACEHOLDER, lambda answer: CheckResult(False, HIDDEN_PLACEHOLDER))
        rubric = tuple(Criterion(c["text"], c["points"]) for c in q.get("rubric", []))
        questions.append(Question(id=q["id"], points=q["points"], kind=q["kind"], title=q["title"],
                                  statement=q["statement"], hint=q["hint"], public_checks=tuple(checks),
                                  hidden_checks=(placeholder,), answer_kind=q["answer_kind"], rubric=rubric))
    return ProblemSet(id=data["id"], title=data["title"], questions=tuple(questions))
