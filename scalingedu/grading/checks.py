"""Checks: small callables that look at one answer and say whether it passes, and why.

A check is a :class:`Check`: call it with the learner's answer and it returns a :class:`CheckResult` with
``passed`` and a learner-facing ``message``. A check never raises: a wrong type, a wrong shape, or a learner's
function that crashes all become a failed result with a friendly message. Expected values are never typed in:
each factory takes a function that computes the expected value, and calls it at check time (so the checker works
from the same seeded data as the learner).

Factories: :func:`is_number`, :func:`has_sign`, :func:`close_to` for numeric answers; :func:`is_function` and
:func:`is_function_matching` for questions that ask the learner to write a function.
"""
from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _validate as v
from .._text import prose


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``passed``, a learner-facing ``message``, and whether an answer was given at all.

    ``answered`` is False when the answer is still the placeholder (for example a stub function that returns
    ``...``): the question is then reported as "not answered" rather than "failed".
    """

    passed: bool
    message: str
    answered: bool = True


@dataclass(frozen=True)
class Check:
    """One check of an answer: ``description`` says what it tests, ``hint`` is shown when it fails.

    ``weight`` is its share of the question's points when graded (0 for checks that only gate feedback, such as
    "is a number"). Calling the check runs ``function`` on the answer; any exception becomes a failed result.
    """

    description: str
    function: Callable[[Any], CheckResult]
    hint: str = ""
    weight: float = 1.0
    seal: Callable[[], dict] | None = None
    """What the learners' copy needs to run the same check without its expected value
    (:mod:`scalingedu.grading.sealed`): for a gate, its arguments; for a comparison, the value, sealed there."""
    required: bool = False
    """When a required check fails, the question earns nothing, whatever else passed (a function that calls the
    library function it was asked to write)."""

    def __post_init__(self):
        v.positive_number("weight", self.weight, allow_zero=True)
        object.__setattr__(self, "hint", prose(self.hint))
        if not callable(self.function):
            raise TypeError(f"function must be callable, not {type(self.function).__name__}")

    def __call__(self, answer) -> CheckResult:
        try:
            return self.function(answer)
        except Exception as error:  # a check must never show the learner a traceback
            return CheckResult(False, f"checking this answer raised {type(error).__name__}: {error}")


def format_number(value: float) -> str:
    """Four significant figures, the way feedback shows numbers (stable across runs and platforms)."""
    return f"{value:.4g}"


def as_number(answer) -> tuple[float | None, str]:
    """Read ``answer`` as one real, finite number: return ``(value, "")`` or ``(None, friendly message)``.

    Python and NumPy numbers are accepted, and so is an array holding exactly one number. Text, booleans,
    functions, several numbers, complex numbers, NaN and infinity are refused with a message saying what to give.
    """
    if answer is None or answer is Ellipsis:
        return None, "no answer yet: replace the `...` with a number"
    if isinstance(answer, (bool, np.bool_)):
        return None, f"your answer is {answer}, a yes/no value; this question wants a number"
    if isinstance(answer, (str, bytes)):
        return None, (f"your answer is the text {answer!r}; give a number without quotes, "
                      f"for example 3.2 or 1e9")
    if callable(answer) and not isinstance(answer, np.ndarray):
        return None, "your answer is a function; this question wants a number (call the function, give its result)"
    if isinstance(answer, numbers.Complex) and not isinstance(answer, numbers.Real):
        return None, f"your answer {answer!r} is a complex number; give a real number"
    try:
        array = np.asarray(answer)
    except Exception:  # ragged lists and objects NumPy cannot read
        return None, f"your answer is a {type(answer).__name__}, which is not a number"
    if array.dtype.kind not in "iuf":
        return None, f"your answer is a {type(answer).__name__}, which is not a number"
    if array.size != 1:
        return None, (f"your answer holds {array.size} values (shape {array.shape}); "
                      f"this question wants a single number")
    value = float(array.reshape(()))
    if not math.isfinite(value):
        return None, f"your answer is {value}; give a finite number"
    return value, ""


NUMBER_HINT = "Assign one plain number to the answer, for example `answer = 7.5` (no quotes, no list)."


def is_number(*, hint: str = NUMBER_HINT, weight: float = 0.0) -> Check:
    """A check that the answer is one real, finite number (weight 0: it gates feedback, it earns nothing)."""
    def function(answer) -> CheckResult:
        value, problem = as_number(answer)
        if value is None:
            return CheckResult(False, problem)
        return CheckResult(True, "your answer is a number")
    return Check("the answer is a single real number", function, hint=hint, weight=weight,
                 seal=lambda: {"type": "is_number"})


def has_sign(sign: str, *, what: str = "your answer", hint: str = "", weight: float = 1.0) -> Check:
    """A check that the answer is a number with the given ``sign``: "positive" (> 0) or "negative" (< 0)."""
    if sign not in ("positive", "negative"):
        raise ValueError(f"sign must be 'positive' or 'negative' (got {sign!r})")

    def function(answer) -> CheckResult:
        value, problem = as_number(answer)
        if value is None:
            return CheckResult(False, problem)
        ok = value > 0 if sign == "positive" else value < 0
        if ok:
            return CheckResult(True, f"{what} is {sign}")
        return CheckResult(False, f"{what} ({format_number(value)}) should be {sign}")
    return Check(f"the answer is {sign}", function, hint=hint, weight=weight,
                 seal=lambda: {"type": "has_sign", "sign": sign, "what": what})


def _tolerance_text(rel: float, abs_: float) -> str:
    parts = []
    if rel:
        parts.append(f"{rel * 100:g}%")
    if abs_:
        parts.append(f"{abs_:g}")
    return " or ".join(parts)


def close_to(expected: Callable[[], float], *, rel: float = 0.0, abs: float = 0.0, hint: str = "",
             weight: float = 1.0) -> Check:
    """A check that the answer is within ``rel`` (relative) or ``abs`` (absolute) of ``expected()``.

    ``expected`` is a function of no arguments that computes the right value, called at check time. The answer
    passes when ``|answer - expected| <= max(rel * |expected|, abs)``. At least one tolerance must be > 0.
    """
    for name, value in (("rel", rel), ("abs", abs)):
        v.positive_number(name, value, allow_zero=True)
    if rel == 0 and abs == 0:
        raise ValueError("give a tolerance: rel > 0 or abs > 0 (an exact comparison of floats is too strict)")
    if not callable(expected):
        raise TypeError("expected must be a function of no arguments that computes the expected value")
    tolerance = _tolerance_text(rel, abs)

    def function(answer) -> CheckResult:
        value, problem = as_number(answer)
        if value is None:
            return CheckResult(False, problem)
        target = float(expected())
        allowed = max(rel * math.fabs(target), abs)
        if math.fabs(value - target) <= allowed:
            return CheckResult(True, f"{format_number(value)} is within {tolerance} of the checker's value")
        if target != 0 and value * target < 0:
            return CheckResult(False, f"{format_number(value)} has the wrong sign")
        side = "above" if value > target else "below"
        return CheckResult(False, f"{format_number(value)} lies {side} the range the checker accepts "
                                  f"({tolerance} around the value it computes from the same data)")
    return Check(f"the answer is within {tolerance} of the value computed from the data", function, hint=hint,
                 weight=weight, seal=lambda: {"type": "close_to", "rel": rel, "abs": abs, "value": float(expected())})


def _accepts_arguments(function, n_args: int) -> bool:
    try:
        inspect.signature(function).bind(*([None] * n_args))
    except TypeError:
        return False
    except ValueError:  # some builtins have no signature: give them the benefit of the doubt
        return True
    return True


def is_function(n_args: int, *, hint: str = "Define the function with `def`, run its cell, then pass its name.",
                weight: float = 0.0) -> Check:
    """A check that the answer is a function that can be called with ``n_args`` positional arguments."""
    if not isinstance(n_args, int) or n_args < 0:
        raise ValueError(f"n_args must be a whole number >= 0 (got {n_args!r})")

    def function(answer) -> CheckResult:
        if answer is None or answer is Ellipsis:
            return CheckResult(False, "no answer yet", answered=False)
        if not callable(answer):
            return CheckResult(False, f"your answer is a {type(answer).__name__}, but this question wants a "
                                      f"function: pass its name without calling it, e.g. check(\"…\", my_function)")
        if not _accepts_arguments(answer, n_args):
            return CheckResult(False, f"your function should take {n_args} arguments")
        return CheckResult(True, "your answer is a function")
    return Check(f"the answer is a function of {n_args} arguments", function, hint=hint, weight=weight,
                 seal=lambda: {"type": "is_function", "n_args": n_args})


def _copy_arguments(arguments: Sequence) -> tuple:
    return tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in arguments)


def _describe_arguments(arguments: Sequence) -> str:
    shapes = [f"an array of {np.size(a)} values" if np.ndim(a) else repr(a) for a in arguments]
    return ", ".join(shapes)


def is_function_matching(reference: Callable, inputs: Callable[[], Sequence[Sequence]], *, rel: float = 1e-6,
                         abs: float = 1e-12, hint: str = "", weight: float = 1.0,
                         what: str = "test inputs") -> Check:
    """A check that the learner's function gives the same values as ``reference`` on every input of ``inputs()``.

    ``inputs`` is a function of no arguments returning a list of argument tuples; each tuple is passed (as fresh
    copies, so a function that changes its inputs in place cannot disturb the comparison) to the learner's function
    and to ``reference``. Results are compared as float arrays: same shape, values within ``rel``/``abs``
    (``numpy.allclose``). A function still returning ``...`` counts as not answered.
    """
    if not callable(reference) or not callable(inputs):
        raise TypeError("reference and inputs must be functions")

    def function(answer) -> CheckResult:
        if answer is None or answer is Ellipsis:
            return CheckResult(False, "no answer yet", answered=False)
        if not callable(answer):
            return CheckResult(False, f"your answer is a {type(answer).__name__}, not a function")
        cases = list(inputs())
        for number, arguments in enumerate(cases, start=1):
            expected = np.asarray(reference(*_copy_arguments(arguments)), dtype=float)
            where = f"on {what}, input {number} of {len(cases)} ({_describe_arguments(arguments)})"
            value, failure = call_for_values(answer, _copy_arguments(arguments), where)
            if failure is not None:
                return failure
            if value.shape != expected.shape:
                return CheckResult(False, f"your function returned shape {value.shape} {where}; "
                                          f"expected shape {expected.shape}")
            if not np.allclose(value, expected, rtol=rel, atol=abs):
                return CheckResult(False, f"your function returned values that differ from the expected ones {where}: "
                                          f"{_first_difference(value, expected, rel, abs)}")
        return CheckResult(True, f"your function gives the expected values on {what}")

    def seal() -> dict:
        cases = [(tuple(arguments), np.asarray(reference(*_copy_arguments(arguments)), dtype=float))
                 for arguments in inputs()]
        return {"type": "function", "rel": rel, "abs": abs, "what": what, "cases": cases}
    return Check(f"the function matches the reference on {what}", function, hint=hint, weight=weight, seal=seal)


def qualified_name(function: Callable) -> str:
    """``module.qualname`` of a function (``scalingedu.laws.chinchilla.ChinchillaLaw.compute_optimal``)."""
    function = inspect.unwrap(getattr(function, "__func__", function))
    return f"{function.__module__}.{function.__qualname__}"


def _traced_call(function: Callable, arguments: Sequence) -> tuple[set[str], bool]:
    """Call ``function`` here, noting each function of the course library (the ``scalingedu`` package) it runs;
    return those names and whether the tracing stayed on."""
    import sys
    from pathlib import Path
    package = str(Path(__file__).resolve().parent.parent) + "/"
    called: set[str] = set()

    def tracer(frame, event, argument):
        if event == "call" and frame.f_code.co_filename.startswith(package):
            module = frame.f_globals.get("__name__", "")
            called.add(f"{module}.{getattr(frame.f_code, 'co_qualname', frame.f_code.co_name)}")
    previous = sys.getprofile()
    sys.setprofile(tracer)
    try:
        function(*arguments)
    except Exception:   # whether it runs correctly is for the other checks to say
        pass
    finally:
        intact = sys.getprofile() is tracer
        sys.setprofile(previous)
    return called, intact


def writes_its_own(forbidden: Sequence[str], inputs: Callable[[], Sequence[Sequence]], *,
                   what: str = "the library's function") -> Check:
    """A required check: the learner's function, called on the first of ``inputs()``, does not run any of the
    library functions named in ``forbidden`` (``module.qualname``), the ones the question asks the learner to write.

    The call is traced (Python's profiling hook): a function that calls the library, even through a helper or
    under another name, is caught; one that turns the tracing off fails too. In the grader the call is made in
    the learner's kernel (:meth:`scalingedu.grading.kernel_answers.RemoteFunction.library_calls`).
    """
    names = set(forbidden)

    def function(answer) -> CheckResult:
        if answer is None or answer is Ellipsis:
            return CheckResult(False, "no answer yet", answered=False)
        if not callable(answer):
            return CheckResult(False, f"your answer is a {type(answer).__name__}, not a function")
        arguments = _copy_arguments(list(inputs())[0])
        if hasattr(answer, "library_calls"):
            called, intact = answer.library_calls(*arguments)
        else:
            called, intact = _traced_call(answer, arguments)
        if not intact:
            return CheckResult(False, "your function turned off the tracing of calls that this check relies on")
        used = sorted(names & called)
        if used:
            return CheckResult(False, f"your function calls {', '.join(used)}: this question asks you to write "
                                      f"that computation yourself, so it earns no points")
        return CheckResult(True, f"your function does its own computation (it does not call {what})")

    def seal() -> dict:
        return {"type": "writes_its_own", "forbidden": sorted(names), "what": what,
                "arguments": list(list(inputs())[0])}
    return Check(f"the function does not call {what}", function, weight=0.0, required=True, seal=seal)


def _first_difference(got: np.ndarray, expected: np.ndarray, rel: float, abs_: float) -> str:
    """Where a learner's values first differ from the expected ones, as the feedback quotes it."""
    far = ~np.isclose(got, expected, rtol=rel, atol=abs_)
    index = tuple(int(i) for i in np.argwhere(far)[0]) if far.ndim else ()
    place = f"at position {index[0] if len(index) == 1 else index} " if index else ""
    return (f"{place}the checker expects {format_number(float(expected[index]))}, your function gave "
            f"{format_number(float(got[index]))}")


def call_for_values(function, arguments: Sequence, where: str) -> tuple[np.ndarray | None, CheckResult | None]:
    """Call a learner's function on ``arguments`` and read its result as a float array: ``(values, None)``, or
    ``(None, the failed result to report)`` when it raises, still returns ``...``, returns None or not numbers.
    ``where`` names the input in the message."""
    try:
        got = function(*arguments)
    except Exception as error:
        return None, CheckResult(False, f"your function raised {type(error).__name__}: {error} {where}")
    if got is Ellipsis:
        return None, CheckResult(False, "your function still returns `...`: write its body", answered=False)
    if got is None:
        return None, CheckResult(False, f"your function returned None {where}: did you forget `return`?")
    value, problem = _as_float_array(got)
    if value is None:
        return None, CheckResult(False, f"your function returned {problem} {where}")
    return value, None


def _as_float_array(value) -> tuple[np.ndarray | None, str]:
    if isinstance(value, (str, bytes)):
        return None, f"text ({value!r}) instead of numbers"
    try:
        array = np.asarray(value)
    except Exception:
        return None, f"a {type(value).__name__}, which is not an array of numbers"
    if array.dtype.kind not in "iuf":
        return None, f"a {type(value).__name__} that does not hold real numbers"
    return array.astype(float), ""
