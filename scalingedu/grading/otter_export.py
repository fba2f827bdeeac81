"""Export a problem set to Otter-Grader: ``scalingedu export-otter PROBLEM_SET --out DIR``.

Otter-Grader (https://otter-grader.readthedocs.io, the 7.x series) is the autograder many instructors already
run, locally (``otter run``, ``otter grade``) or on Gradescope. :func:`export_otter` turns one problem set into an
Otter assignment that gives the same points as the course's own grader (:func:`scalingedu.grading.grade_answer`).

**How.** It writes an *Otter Assign master notebook* (the format of Otter 7's ``otter assign``) from the set's
solution notebook and runs ``otter assign`` on it, which writes the autograder zip and the student notebook:

- the first cell is the ``# ASSIGNMENT CONFIG`` raw cell (YAML);
- each question becomes a ``# BEGIN QUESTION`` ... ``# END QUESTION`` block holding the question's Markdown cell,
  its answer cell in a ``# BEGIN SOLUTION`` block, and its tests in a ``# BEGIN TESTS`` block;
- in code, each ``### BEGIN SOLUTION`` region of the course becomes an Otter prompt (the stub that
  ``scalingedu build-exercises`` writes, so that the student notebook's code is the course's exercise) followed
  by ``# BEGIN SOLUTION NO PROMPT``; in Markdown, the worked answer of a ``<!-- BEGIN SOLUTION -->`` region moves
  to a cell of its own that Otter leaves out of the student notebook.

**Tests.** Every check of a question becomes one Otter test case (OK format, a doctest whose code returns
``True`` when the check passes), in the order of the question's checks: public checks are public cases, hidden
checks hidden ones, and each case is worth ``points × weight / total weight`` of the question, the share
:func:`~scalingedu.grading.grade_answer` gives that check (gates such as "is a number" are worth 0, as in the
course). Expected values, reference outputs and tolerances are read from the question's checks and computed by
the library at export time: the test files hold the numbers the course's checker computes, written exactly
(``repr`` of a float round-trips), never typed in by hand. The public tests therefore show their expected values
to learners who open them, as all Otter public tests do.

Why Otter Assign rather than writing the test files directly: Otter's own tool then writes the autograder zip
(``otter_config.json``, ``requirements.txt``, ``environment.yml``, ``setup.sh``, ``run_autograder``) and the
student notebook in the layout and version its runner expects, and runs the solution against the tests at export
time (``run_tests``), so an export that would not give the solution full marks fails here rather than in class.
The course package is shipped in the zip (Otter's ``autograder_files``) with its requirements, because the
notebooks import it and it is not on PyPI.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import importlib.metadata
import importlib.util
import math
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

from ..lessons import course_root, lesson
from .checks import Check
from .questions import ProblemSet, Question, problem_set

OTTER_REQUIREMENT = "otter-grader>=7,<8"
"""The Otter versions whose formats this module writes: Otter 7.x's Otter Assign master notebook (raw-cell
``# BEGIN QUESTION`` / ``# BEGIN SOLUTION`` / ``# BEGIN TESTS`` blocks) and its OK-format test files."""
OTTER_MAJOR = 7
TEST_FUNCTION = "_scalingedu_test"
"""The name of the function each Otter test defines and calls in the learner's namespace."""
WORDS_PATTERN = r"[a-z0-9%.]+(?:['’-][a-z0-9%.]+)*"
"""How a text answer is split into words: the pattern of :func:`scalingedu.grading.factories._words`, written out
so that the Otter tests do not depend on a private function (tests/test_otter_export.py grades sample texts both
ways)."""
PROMPT_NOTE = "Worked answer (solutions only):"


class OtterExportError(RuntimeError):
    """An export that cannot be done, with a one-line message saying what to do."""


# Reading a question's checks ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OtterTest:
    """One Otter test case made from one check of a question.

    ``source`` is Python code that defines :data:`TEST_FUNCTION` and calls it; the call returns ``True`` exactly
    when the course's check passes. ``points`` is the check's share of the question's points; ``hidden`` is True
    for the question's hidden checks. ``params`` holds what was read from the check (expected value, tolerances,
    inputs and reference outputs), for tests of this module.
    """

    question_id: str
    description: str
    kind: str
    hidden: bool
    weight: float
    points: float
    source: str
    failure_message: str = ""
    params: dict = field(default_factory=dict, compare=False, repr=False)


def _closure(check: Check) -> tuple[str, dict[str, Any]]:
    """``(module.qualname, {free variable: value})`` of the function inside a check made by a factory."""
    function = check.function
    names = getattr(function, "__code__", None) and function.__code__.co_freevars
    cells = getattr(function, "__closure__", None) or ()
    values = {}
    for name, cell in zip(names or (), cells):
        try:
            values[name] = cell.cell_contents
        except ValueError:   # an empty cell: the factory changed under us
            values[name] = None
    return f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', '')}", values


def _literal(value) -> str:
    """Python source that rebuilds ``value`` exactly (floats by ``repr``, arrays with dtype and shape).

    Handles numbers, NumPy scalars and arrays of numbers or booleans, strings, None, and lists/tuples/dicts of
    those; anything else raises :class:`OtterExportError` (it could not be written into a test file).
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise OtterExportError(f"cannot write an array of dtype {value.dtype} into an Otter test")
        return f"np.array({_literal(value.tolist())}, dtype={value.dtype.str!r}).reshape({tuple(value.shape)!r})"
    if isinstance(value, np.generic):
        return f"np.{type(value).__name__}({_literal(value.item())})"
    if isinstance(value, (bool, str, type(None), int)):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('inf')" if value > 0 else "-float('inf')"
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    raise OtterExportError(f"cannot write a {type(value).__name__} into an Otter test")


def _same(a, b) -> bool:
    """Whether two values rebuilt by :func:`_literal` are identical (type, dtype, shape, bits; NaN equals NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (float, np.floating)) and math.isnan(a):
        return math.isnan(b)
    return a == b


def _exact_literal(value) -> str:
    """:func:`_literal`, checked: evaluating the text must give back ``value`` exactly."""
    text = _literal(value)
    rebuilt = eval(text, {"np": np, "__builtins__": {"float": float}})   # our own text, built just above
    if not _same(rebuilt, value):
        raise OtterExportError(f"could not write {value!r} exactly into an Otter test")
    return text


def _function_source(docstring: str, body: str) -> str:
    """The text of an Otter test: a function with ``docstring`` and ``body``, then a call of it."""
    quoted = repr(docstring)
    return (f"def {TEST_FUNCTION}():\n    {quoted}\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
            + f"\n{TEST_FUNCTION}()\n")


def _answer(name: str) -> str:
    """The learner's answer in the test: the global ``name``, or ``...`` (not answered) when it is not defined."""
    return f"globals().get({name!r}, ...)"


def _number_gate(name: str) -> str:
    return f"""
        from scalingedu.grading.checks import as_number
        value, _ = as_number({_answer(name)})
        return value is not None
    """


def _sign_test(name: str, sign: str) -> str:
    comparison = "value > 0" if sign == "positive" else "value < 0"
    return f"""
        from scalingedu.grading.checks import as_number
        value, _ = as_number({_answer(name)})
        return value is not None and {comparison}
    """


def _close_test(name: str, target: float, rel: float, absolute: float) -> str:
    return f"""
        from scalingedu.grading.checks import as_number
        value, _ = as_number({_answer(name)})
        target = {_exact_literal(target)}
        return value is not None and abs(value - target) <= max({_exact_literal(float(rel))} * abs(target), \
{_exact_literal(float(absolute))})
    """


def _function_gate(name: str, n_args: int) -> str:
    return f"""
        import inspect
        function = {_answer(name)}
        if function is None or function is Ellipsis or not callable(function):
            return False
        try:
            inspect.signature(function).bind(*([None] * {n_args}))
        except TypeError:
            return False
        except ValueError:
            return True
        return True
    """


def _matching_test(name: str, inputs_code: str, outputs: list[np.ndarray], rel: float, absolute: float) -> str:
    listing = ",\n            ".join(_exact_literal(values) for values in outputs)
    return f"""
        import importlib
        import numpy as np
        function = {_answer(name)}
        if function is None or function is Ellipsis or not callable(function):
            return False
        inputs = {inputs_code}
        outputs = [
            {listing},
        ]
        if len(inputs) != len(outputs):
            return False
        for arguments, reference_values in zip(inputs, outputs):
            arguments = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in arguments)
            try:
                got = function(*arguments)
            except Exception:
                return False
            if got is None or got is Ellipsis or isinstance(got, (str, bytes)):
                return False
            try:
                got = np.asarray(got)
            except Exception:
                return False
            if got.dtype.kind not in "iuf":
                return False
            got = got.astype(float)
            if got.shape != reference_values.shape:
                return False
            if not np.allclose(got, reference_values, rtol={_exact_literal(float(rel))}, \
atol={_exact_literal(float(absolute))}):
                return False
        return True
    """


def _inputs_code(question: Question, inputs: Callable, arguments: list[tuple]) -> str:
    """Python code for the argument lists of a function check: a literal when every argument can be written
    exactly, otherwise a call of the problem module's own inputs function (module-level, so the test can import
    it), which rebuilds objects such as a ``RunPlan`` at grade time."""
    try:
        return _exact_literal([tuple(a) for a in arguments])
    except OtterExportError:
        pass
    module, qualname = getattr(inputs, "__module__", "") or "", getattr(inputs, "__qualname__", "") or ""
    if not module.startswith("scalingedu.") or not qualname.isidentifier():
        raise OtterExportError(f"{question.id}: its test inputs are neither numbers and arrays nor made by a "
                               f"module-level function of scalingedu, so an Otter test cannot rebuild them")
    return f"importlib.import_module({module!r}).{qualname}()"


def _option_test(name: str, keys: tuple[str, ...]) -> str:
    return f"""
        value = {_answer(name)}
        return isinstance(value, str) and value.strip().lower() in {_exact_literal(tuple(keys))}
    """


def _right_option_test(name: str, right: str) -> str:
    return f"""
        value = {_answer(name)}
        return isinstance(value, str) and value.strip().lower() == {_exact_literal(right)}
    """


def _long_enough_test(name: str, min_words: int) -> str:
    return f"""
        import re
        value = {_answer(name)}
        if not isinstance(value, str) or not value.strip():
            return False
        return len(re.findall({WORDS_PATTERN!r}, value.lower())) >= {int(min_words)}
    """


def _mentions_test(name: str, keywords: list[str]) -> str:
    return f"""
        import re
        value = {_answer(name)}
        text = " " + " ".join(re.findall({WORDS_PATTERN!r}, value.lower())) + " " if isinstance(value, str) else ""
        return any(" " + keyword + " " in text for keyword in {_exact_literal(list(keywords))} if keyword)
    """


def _reference_cases(reference: Callable, inputs: Callable) -> list[tuple[tuple, np.ndarray]]:
    """The inputs of a function check, each with the reference's output as the check compares it."""
    cases = []
    for arguments in inputs():
        fresh = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in arguments)
        cases.append((tuple(arguments), np.asarray(reference(*fresh), dtype=float)))
    return cases


_CLOSURES = "scalingedu.grading.checks.{}.<locals>.function", "scalingedu.grading.factories.{}"


def _verdict_test(name: str, read: dict) -> str:
    """Test code for a check that reads one verdict of a problem module's function of the answer (a plan's
    feasibility); the course package ships in the autograder, so the test imports it."""
    return f"""
        import importlib
        answer = {_answer(name)}
        if answer is None or answer is Ellipsis:
            return False
        verdicts = getattr(importlib.import_module({read["module"]!r}), {read["function"]!r})(answer)
        return bool(verdicts.get({read["key"]!r}, (False, ""))[0])
    """


def _own_work_guard(name: str, forbidden: list[str], arguments: list) -> str:
    """Test code that returns False from the test when the learner's function, called on ``arguments``, runs one of
    the library functions ``forbidden`` (or turns the call tracing off): the course's required check
    :func:`~scalingedu.grading.checks.writes_its_own`, which zeroes the question, put at the head of each of its
    Otter cases."""
    listing = ", ".join(_exact_literal(a) if isinstance(a, np.ndarray) else repr(a) for a in arguments)
    return f"""
        import sys
        import numpy as np
        function = {_answer(name)}
        if callable(function):
            called = set()

            def tracer(frame, event, argument):
                if event == "call":
                    code = frame.f_code
                    called.add(frame.f_globals.get("__name__", "") + "." + getattr(code, "co_qualname", code.co_name))
            previous = sys.getprofile()
            sys.setprofile(tracer)
            try:
                function(*[{listing}])
            except Exception:
                pass
            finally:
                intact = sys.getprofile() is tracer
                sys.setprofile(previous)
            if not intact or called & {set(forbidden)!r}:
                return False
    """


def _read_check(question: Question, check: Check) -> dict:
    """What one check compares, as ``{"type": ..., parameters}``: the check's ``seal()`` where it has one (the
    description the course's sealed release uses), otherwise the free variables of the factory's function.

    Types: ``is_number``, ``has_sign`` (sign), ``close_to`` (value, rel, abs), ``is_function`` (n_args),
    ``function`` (cases, rel, abs; inputs and reference when readable), ``is_option`` (keys), ``is_right`` (answer,
    keys), ``has_words`` (min_words), ``mentions`` (keywords). OtterExportError for a check of another kind.
    """
    qualname, free = _closure(check)
    seal = getattr(check, "seal", None)
    if callable(seal):
        read = dict(seal())
        if read.get("type") == "function":
            read.update(inputs=free.get("inputs"), reference=free.get("reference"))
        return read
    checks, factories = _CLOSURES
    if qualname == checks.format("is_number"):
        return {"type": "is_number"}
    if qualname == checks.format("has_sign"):
        return {"type": "has_sign", "sign": free["sign"]}
    if qualname == checks.format("close_to"):
        return {"type": "close_to", "value": float(free["expected"]()), "rel": free["rel"], "abs": free["abs"]}
    if qualname == checks.format("is_function"):
        return {"type": "is_function", "n_args": free["n_args"]}
    if qualname == checks.format("is_function_matching"):
        return {"type": "function", "cases": _reference_cases(free["reference"], free["inputs"]), "rel": free["rel"],
                "abs": free["abs"], "inputs": free["inputs"], "reference": free["reference"]}
    if qualname == factories.format("is_option.<locals>.function"):
        return {"type": "is_option", "keys": list(free["keys"])}
    if qualname == factories.format("choice_question.<locals>.is_right"):
        return {"type": "is_right", "answer": free["answer"](), "keys": list(free["keys"])}
    if qualname == factories.format("has_words.<locals>.function"):
        return {"type": "has_words", "min_words": free["min_words"]}
    if qualname == factories.format("text_question.<locals>.mentions.<locals>.function"):
        return {"type": "mentions", "keywords": list(free["keywords"])}
    return {"type": None, "made_by": qualname}


def _translate(question: Question, check: Check, name: str, hidden: bool) -> tuple[str, str, dict]:
    """``(type, body of the test function, parameters read)`` for one check; OtterExportError if unknown."""
    read = _read_check(question, check)
    kind = read["type"]
    if kind == "is_number":
        return kind, _number_gate(name), read
    if kind == "has_sign":
        return kind, _sign_test(name, read["sign"]), read
    if kind == "close_to":
        return kind, _close_test(name, float(read["value"]), read["rel"], read["abs"]), read
    if kind == "is_function":
        return kind, _function_gate(name, read["n_args"]), read
    if kind == "function":
        cases = [(tuple(arguments), np.asarray(values, dtype=float)) for arguments, values in read["cases"]]
        inputs_code = _inputs_code(question, read.get("inputs"), [arguments for arguments, _ in cases])
        if not inputs_code.startswith("["):   # rebuilt at grade time: it must give the same reference outputs
            again = _reference_cases(read["reference"], read["inputs"])
            if len(again) != len(cases) or not all(_same(x[1], y[1]) for x, y in zip(again, cases)):
                raise OtterExportError(f"{question.id}: its test inputs change from call to call")
        read["cases"] = cases
        return kind, _matching_test(name, inputs_code, [v for _, v in cases], read["rel"], read["abs"]), read
    if kind == "is_option":
        return kind, _option_test(name, tuple(read["keys"])), read
    if kind == "is_right":
        if read["answer"] not in read["keys"]:
            raise OtterExportError(f"{question.id}: the checker's answer {read['answer']!r} is not one of the "
                                   f"options {read['keys']}; fix the question before exporting it")
        return kind, _right_option_test(name, read["answer"]), read
    if kind == "has_words":
        return kind, _long_enough_test(name, read["min_words"]), read
    if kind == "mentions":
        return kind, _mentions_test(name, read["keywords"]), read
    if kind == "verdict":
        return kind, _verdict_test(name, read), read
    if kind == "writes_its_own":
        return kind, _own_work_guard(name, read["forbidden"], read["arguments"]) + "\n        return True\n", read
    raise OtterExportError(f"{question.id}: the check {check.description!r} ({'hidden' if hidden else 'public'}) is "
                           f"not one this export can write as an Otter test (made by {read.get('made_by') or kind}); "
                           f"write the question with the factories of scalingedu.grading.factories")


def _shared_data():
    """A context in which the problem sets use everyone's shared data (no learner's own), where the course has
    per-learner data (:mod:`scalingedu.grading.learner`); a no-op otherwise."""
    try:
        from .learner import as_learner
    except ImportError:
        return contextlib.nullcontext()
    return as_learner(None)


def otter_tests(question: Question, answer_name: str) -> list[OtterTest]:
    """The Otter test cases of ``question`` for an answer stored under ``answer_name``, one per check.

    Public checks first, then hidden ones, as :func:`~scalingedu.grading.grade_answer` runs them; each case is
    worth the check's share of the question's points (``points × weight / total weight``).
    """
    if not answer_name.isidentifier():
        raise OtterExportError(f"{question.id}: the answer name {answer_name!r} is not a Python name")
    if question.rubric:
        return []     # a person scores it (an Otter manual question)
    total = sum(c.weight for c in question.checks)
    made = []
    guard = ""
    for check in question.checks:
        if check.required:
            with _shared_data():
                kind, guard, _ = _translate(question, check, answer_name, False)
            guard = guard.replace("\n        return True\n", "\n")
    for hidden, checks in ((False, question.public_checks), (True, question.hidden_checks)):
        for check in checks:
            with _shared_data():
                kind, body, params = _translate(question, check, answer_name, hidden)
            if guard and not check.required:
                body = guard + body     # a function that calls the library earns no case of this question
            visibility = "hidden" if hidden else "public"
            docstring = f"{question.id}, {visibility} check: {check.description}."
            hint = check.hint or question.hint
            made.append(OtterTest(question.id, check.description, kind, hidden, check.weight,
                                  float(question.points) * check.weight / total, _function_source(docstring, body),
                                  failure_message=f"{check.description[:1].upper()}{check.description[1:]}: not yet. "
                                                  f"{hint}".strip(), params=params))
    return made


def otter_question_name(question_id: str) -> str:
    """The Otter name of a question: the part of its id after the dot (``power_laws.halving`` → ``halving``)."""
    return question_id.split(".", 1)[1]


# The master notebook ------------------------------------------------------------------------------------------------

def _raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def _yaml(data: dict) -> str:
    import yaml  # PyYAML comes with Otter (and Jupyter)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000).strip()


def _prompted_code(source: str, where: str) -> str:
    """A solution code cell in Otter's markup: each ``### BEGIN SOLUTION`` region becomes the course's stub as an
    Otter prompt (a string in the solution, the code in the student notebook), then the solution in a
    ``# BEGIN SOLUTION NO PROMPT`` block."""
    from ..tools.authoring import CODE_BEGIN, CODE_END, _indentation, _regions, _stub_lines
    lines = source.splitlines()
    regions = _regions(lines, CODE_BEGIN, CODE_END, where)
    for begin, end in reversed(regions):
        indent = _indentation(lines[begin])
        stub = _stub_lines(lines[begin + 1:end], indent, where)
        text = "\n".join(stub)
        quote = '"""' if '"""' not in text else "'''"
        if quote in text:
            raise OtterExportError(f"{where}: the exercise stub holds both kinds of triple quotes; Otter's prompt "
                                   f"markup cannot wrap it")
        lines[begin:end + 1] = ([f"{indent}r{quote} # BEGIN PROMPT", *stub, f"{indent}{quote} # END PROMPT",
                                 f"{indent}# BEGIN SOLUTION NO PROMPT"] + lines[begin + 1:end]
                                + [f"{indent}# END SOLUTION"])
    return "\n".join(lines)


def _split_markdown(cell, where: str, solution_tag: str) -> list[nbformat.NotebookNode]:
    """A Markdown cell with ``<!-- BEGIN SOLUTION -->`` regions: the exercise's text (the regions replaced by the
    course's stub), then the worked answers in a cell tagged so that Otter leaves it out of the student notebook."""
    from ..tools.authoring import MARKDOWN_BEGIN, MARKDOWN_END, _regions, _stub_markdown
    lines = cell.source.splitlines()
    regions = _regions(lines, MARKDOWN_BEGIN, MARKDOWN_END, where)
    if not regions:
        return [cell]
    prompt = copy.deepcopy(cell)
    prompt.source = _stub_markdown(cell.source, where)
    worked = "\n\n".join("\n".join(lines[begin + 1:end]).strip() for begin, end in regions)
    answer = nbformat.v4.new_markdown_cell(f"*{PROMPT_NOTE}*\n\n{worked}")
    answer.metadata["tags"] = [solution_tag]
    return [prompt, answer]


def _test_cell(test: OtterTest) -> nbformat.NotebookNode:
    config = {"hidden": test.hidden, "points": test.points}
    if test.failure_message:
        config["failure_message"] = test.failure_message
    source = f'""" # BEGIN TEST CONFIG\n{_yaml(config)}\n""" # END TEST CONFIG\n{test.source}'
    cell = nbformat.v4.new_code_cell(source)
    # Otter Assign reads a test's expected doctest output from the cell's output: the call returns True.
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "True"}, execution_count=1)]
    cell.execution_count = 1
    return cell


def _requirements() -> list[str]:
    """The course's own requirements (not its extras), for the autograder's ``requirements.txt``."""
    try:
        declared = importlib.metadata.requires("scalingedu") or []
    except importlib.metadata.PackageNotFoundError:
        declared = []
    return [r for r in declared if "extra ==" not in r]


def assignment_config(*, run_tests: bool = True) -> dict:
    """The ``# ASSIGNMENT CONFIG`` of the master notebook (Otter Assign 7.x keys).

    No assignment ``name``: Otter would then refuse every notebook without its metadata, such as the course's own
    exercise notebooks handed in as they are.
    """
    return {
        "requirements": _requirements(),
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        "autograder_files": ["scalingedu"],
        "init_cell": True,
        "check_all_cell": False,
        "export_cell": {"pdf": False},
        "generate": {"pdf": False, "show_stdout": False, "show_hidden": False},
        "tests": {"files": True, "ok_format": True},
        "strip_solutions_from_all_cells": True,
        "run_tests": run_tests,
    }


def master_notebook(problem: ProblemSet, solution: nbformat.NotebookNode, answer_names: dict[str, str], *,
                    name: str = "the solution notebook", run_tests: bool = True) -> nbformat.NotebookNode:
    """The Otter Assign master notebook of ``problem`` made from its solution notebook (not changed).

    ``answer_names`` maps each question id to the variable its answer is stored in. Each question cell (Markdown
    with ``{"scalingedu": {"question": id}}`` metadata) must be followed by its answer cell; OtterExportError
    otherwise, or when a question has no answer name.
    """
    from otter.assign.solutions import SOLUTION_CELL_TAG
    cells = [_raw("# ASSIGNMENT CONFIG\n" + _yaml(assignment_config(run_tests=run_tests)))]
    source_cells = [copy.deepcopy(c) for c in solution.cells]
    seen = []
    index = 0
    while index < len(source_cells):
        cell = source_cells[index]
        where = f"{name}, cell {index + 1}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        question_id = cell.get("metadata", {}).get("scalingedu", {}).get("question")
        if question_id is None:
            if cell.cell_type == "code":
                cell.source = _prompted_code(cell.source, where)
                cells.append(cell)
            elif cell.cell_type == "markdown":
                cells.extend(_split_markdown(cell, where, SOLUTION_CELL_TAG))
            else:
                cells.append(cell)
            index += 1
            continue
        question = problem.question(question_id)
        answer = source_cells[index + 1] if index + 1 < len(source_cells) else None
        if answer is None or answer.cell_type != "code" or question.id not in answer.source:
            raise OtterExportError(f"{where}: the question cell of {question.id} must be followed by its answer cell "
                                   f"(the code cell that calls check({question.id!r}, ...))")
        if question.id not in answer_names:
            raise OtterExportError(f"{name}: no check({question.id!r}, NAME) call says where the answer is stored")
        answer.outputs, answer.execution_count = [], None
        answer.metadata.pop("execution", None)
        answer.source = _prompted_code(answer.source, f"{name}, cell {index + 2}")
        if question.rubric:   # scored by a person: an Otter manual question, with its points and no tests
            cells.append(_raw("# BEGIN QUESTION\n" + _yaml({"name": otter_question_name(question.id),
                                                             "manual": True, "points": float(question.points)})))
            cells += [cell, _raw("# BEGIN SOLUTION"), answer, _raw("# END SOLUTION"), _raw("# END QUESTION")]
            seen.append(question.id)
            index += 2
            continue
        cells.append(_raw("# BEGIN QUESTION\n" + _yaml({"name": otter_question_name(question.id)})))
        cells.append(cell)
        cells.append(_raw("# BEGIN SOLUTION"))
        cells.append(answer)
        cells.append(_raw("# END SOLUTION"))
        cells.append(_raw("# BEGIN TESTS"))
        cells.extend(_test_cell(test) for test in otter_tests(question, answer_names[question.id]))
        cells.append(_raw("# END TESTS"))
        cells.append(_raw("# END QUESTION"))
        seen.append(question.id)
        index += 2
    missing = [q for q in problem.ids if q not in seen]
    if missing:
        raise OtterExportError(f"{name} has no question cell for {', '.join(missing)}: run scalingedu build-exercises")
    master = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(solution.metadata))
    nbformat.validate(master)
    return master


# Export -------------------------------------------------------------------------------------------------------------

def _require_otter() -> None:
    """OtterExportError unless Otter-Grader 7.x can be imported."""
    if importlib.util.find_spec("otter") is None:
        raise OtterExportError(f"Otter-Grader is not installed: run  pip install '{OTTER_REQUIREMENT}'  "
                               f"(or pip install -e '.[test]')")
    try:
        version = importlib.metadata.version("otter-grader")
    except importlib.metadata.PackageNotFoundError:
        version = ""
    if not version.startswith(f"{OTTER_MAJOR}."):
        raise OtterExportError(f"found otter-grader {version or '(unknown version)'}, but this export writes Otter "
                               f"{OTTER_MAJOR}.x formats: run  pip install '{OTTER_REQUIREMENT}'")


def _writable_folder(out_dir: Path) -> Path:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".scalingedu-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise OtterExportError(f"cannot write to {out_dir} ({error.strerror or error}): choose a folder you can "
                               f"write to with --out") from None
    return out_dir.resolve()


def _copy_package(target: Path) -> None:
    """Copy the installed ``scalingedu`` package (without caches) to ``target``."""
    source = Path(__file__).resolve().parent.parent
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


def _run_otter_assign(master: Path, result: Path) -> None:
    command = [sys.executable, "-m", "otter", "assign", "--no-pdfs", str(master), str(result)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=master.parent,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if done.returncode != 0:
        lines = [line for line in (done.stderr + done.stdout).strip().splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit code {done.returncode}"
        raise OtterExportError(f"otter assign failed on {master}: {last}")


def export_otter(problem_set_id: str, out_dir, root=None, *, run_tests: bool = True) -> Path:
    """Write the Otter assignment of one problem set into ``out_dir``; return the autograder zip's path.

    ``root`` is the course checkout holding ``solutions/`` (default: found from the current folder). Writes

    - ``master/<NN_slug>.ipynb``: the Otter Assign master notebook (with a copy of the course package beside it);
    - ``autograder/``: Otter's solution notebook, every test (public and hidden) and ``<NN_slug>-autograder.zip``,
      the file to give ``otter run -a`` or Gradescope;
    - ``student/``: the notebook and the public tests to hand out.

    Uses Otter-Grader 7.x (``otter assign``, which also runs the solution against the tests unless ``run_tests``
    is False). Raises :class:`OtterExportError` with a one-line message for an unknown set, a folder that cannot be
    written, Otter missing, or an export Otter refuses.
    """
    try:
        problem = problem_set(problem_set_id)
    except (TypeError, ValueError) as error:
        raise OtterExportError(str(error)) from None
    _require_otter()
    root = course_root() if root is None else Path(root)
    stem = lesson(problem.id).stem
    solution_path = None if root is None else Path(root) / "solutions" / f"{stem}.ipynb"
    if solution_path is None or not solution_path.is_file():
        raise OtterExportError(f"no solutions/{stem}.ipynb found: run this in the course checkout")
    out = _writable_folder(Path(out_dir))
    from .submission import answer_names_of_notebook
    answer_names = answer_names_of_notebook(solution_path)
    solution = nbformat.read(solution_path, as_version=4)
    master = master_notebook(problem, solution, answer_names, name=f"solutions/{stem}.ipynb", run_tests=run_tests)
    master_dir = out / "master"
    shutil.rmtree(master_dir, ignore_errors=True)
    master_dir.mkdir()
    _copy_package(master_dir / "scalingedu")
    master_path = master_dir / f"{stem}.ipynb"
    nbformat.write(master, master_path)
    _run_otter_assign(master_path, out)
    zips = sorted((out / "autograder").glob(f"{stem}-autograder_*.zip"))
    if len(zips) != 1:
        raise OtterExportError(f"otter assign wrote {len(zips)} autograder zips in {out / 'autograder'}, expected 1")
    final = out / "autograder" / f"{stem}-autograder.zip"
    zips[0].replace(final)
    return final


# Command line -------------------------------------------------------------------------------------------------------

def add_export_otter_command(subparsers) -> argparse.ArgumentParser:
    """Add ``export-otter PROBLEM_SET --out DIR`` to the ``scalingedu`` command's subparsers."""
    parser = subparsers.add_parser(
        "export-otter", help="write a problem set as an Otter-Grader assignment (autograder zip, student notebook)",
        description="Write PROBLEM_SET as an Otter-Grader 7.x assignment whose tests give the same points as "
                    "`scalingedu grade`: DIR/autograder/NN_slug-autograder.zip (for `otter run -a` or Gradescope) "
                    "and DIR/student/ (the notebook and public tests to hand out).")
    parser.add_argument("problem_set", metavar="PROBLEM_SET", help="a problem set id such as power_laws")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--no-run-tests", action="store_true",
                        help="do not run the solution against the tests at export time")
    return parser


def run_export_otter(args: argparse.Namespace, root: Path | None = None) -> int:
    """Run ``scalingedu export-otter``: print where the assignment went, or a one-line error (exit code 2)."""
    try:
        path = export_otter(args.problem_set, args.out, root, run_tests=not getattr(args, "no_run_tests", False))
    except OtterExportError as error:
        print(f"scalingedu export-otter: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path} (for `otter run -a`) and {path.parent.parent / 'student'} (to hand out)")
    return 0

