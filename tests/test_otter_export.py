"""`scalingedu export-otter`: a problem set as an Otter-Grader 7.x assignment that scores like `scalingedu grade`.

The main test exports two problem sets (once per module), grades the same fixture submissions
(tests/submission_fixtures.py) with Otter (`otter run` against the autograder zip, locally, no Docker) and with the
course's class grader, and checks that both totals equal the score each fixture deserves. Faster tests run every
question's Otter tests in this process (with Otter's own OK-test runner) on many answers, right and wrong, and
compare with :func:`scalingedu.grading.grade_answer`; others check the student notebook and the command's errors.
"""
from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib.util
import json
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import numpy as np
import pytest
from submission_fixtures import fixtures

import scalingedu.grading.grader as grader
from scalingedu.grading import (
    Check,
    RubricItem,
    choice_question,
    grade_answer,
    problem_set,
    problem_sets,
    text_question,
)
from scalingedu.grading.classroom import grade_class
from scalingedu.grading.otter_export import (
    OtterExportError,
    add_export_otter_command,
    export_otter,
    otter_question_name,
    otter_tests,
    run_export_otter,
)
from scalingedu.grading.submission import reference_answer_names
from scalingedu.lessons import lesson

ROOT = Path(__file__).resolve().parent.parent
SETS = ("power_laws", "chinchilla")
KINDS = ("perfect", "blank", "partial", "tamper")
TOLERANCE = 1e-6
MISSING = object()

pytestmark = pytest.mark.skipif(importlib.util.find_spec("otter") is None,
                                reason="otter-grader is not installed (it comes with the test extra: "
                                       "pip install -e '.[test]')")


# Exporting and grading once per module ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def timings() -> dict[str, float]:
    return {}


@pytest.fixture(scope="module")
def exports(tmp_path_factory, timings) -> dict[str, Path]:
    """The autograder zip of each set of SETS; the first through the command's runner, the others directly."""
    out = tmp_path_factory.mktemp("otter")
    made = {}
    for number, set_id in enumerate(SETS):
        started = time.perf_counter()
        if number == 0:
            parser = argparse.ArgumentParser()
            add_export_otter_command(parser.add_subparsers(dest="command"))
            args = parser.parse_args(["export-otter", set_id, "--out", str(out / set_id)])
            assert run_export_otter(args, ROOT) == 0
            made[set_id] = out / set_id / "autograder" / f"{lesson(set_id).stem}-autograder.zip"
        else:
            made[set_id] = export_otter(set_id, out / set_id, ROOT)
        timings[f"export {set_id}"] = time.perf_counter() - started
        assert made[set_id].is_file()
    return made


def _otter_total(job: tuple[Path, Path, Path]) -> float:
    """Grade one submission with `otter run` (no container) and return its total from Otter's results.json."""
    submission, autograder, out = job
    out.mkdir(parents=True)
    done = subprocess.run([sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(autograder), "-o", str(out),
                           str(submission)], capture_output=True, text=True, timeout=600, cwd=out)
    assert done.returncode == 0, f"otter run failed on {submission.name}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
    results = json.loads((out / "results.json").read_text())
    return float(sum(test.get("score") or 0.0 for test in results["tests"]))


@pytest.fixture(scope="module")
def graded(exports, tmp_path_factory, timings) -> list[dict]:
    """Each fixture of KINDS for each set, with the score it deserves, the class grader's and Otter's."""
    folder = tmp_path_factory.mktemp("submissions")
    rows = []
    for set_id in SETS:
        for fixture in fixtures(set_id, ROOT):
            if fixture.kind in KINDS:
                path = folder / fixture.name
                path.write_bytes(fixture.content)
                rows.append({"set": set_id, "kind": fixture.kind, "path": path, "expected": fixture.expected,
                             "possible": fixture.possible})
    started = time.perf_counter()
    report = grade_class([row["path"] for row in rows], tmp_path_factory.mktemp("class"), root=ROOT, workers=2,
                         progress=False)
    timings[f"grade_class ({len(rows)} notebooks, 2 workers)"] = time.perf_counter() - started
    by_path = {Path(g.path).resolve(): g for g in report.grades}
    for row in rows:
        row["scalingedu"] = by_path[row["path"].resolve()].total
    started = time.perf_counter()
    otter_out = tmp_path_factory.mktemp("otter-results")
    jobs = [(row["path"], exports[row["set"]], otter_out / row["path"].stem) for row in rows]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for row, total in zip(rows, pool.map(_otter_total, jobs)):
            row["otter"] = total
    timings[f"otter run ({len(rows)} notebooks, 2 at a time)"] = time.perf_counter() - started
    return rows


def test_otter_and_the_class_grader_give_each_fixture_the_score_it_deserves(graded, timings, capsys):
    lines = [f"{'set':<12} {'fixture':<8} {'expected':>8} {'scalingedu':>10} {'otter':>8}"]
    lines += [f"{r['set']:<12} {r['kind']:<8} {r['expected']:>8g} {r['scalingedu']:>10g} {r['otter']:>8g}"
              for r in graded]
    lines += [f"{name}: {seconds:.1f} s" for name, seconds in timings.items()]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    for row in graded:
        assert abs(row["otter"] - row["scalingedu"]) <= TOLERANCE, row
        assert abs(row["scalingedu"] - row["expected"]) <= TOLERANCE, row


def test_the_student_notebook_is_the_exercise_plus_otters_cells(exports):
    for set_id, autograder in exports.items():
        stem = lesson(set_id).stem
        student = nbformat.read(autograder.parent.parent / "student" / f"{stem}.ipynb", as_version=4)
        exercise = nbformat.read(ROOT / "exercises" / f"{stem}.ipynb", as_version=4)
        # every cell of the exercise is in the student notebook (Otter lays out a manual question, the written
        # answer, and the cells after it in its own order)
        manual = [q.id for q in problem_set(set_id).questions if q.rubric]
        cells = [c for c in exercise.cells if c.get("id") != "generated-banner"]
        rewritten = set()    # Otter rewrites a manual question's prompt and the Markdown cell that follows it
        for index, cell in enumerate(cells):
            if cell.cell_type == "code" and any(f'check("{q}"' in cell.source for q in manual):
                rewritten.add(index - 1)
                if index + 1 < len(cells) and cells[index + 1].cell_type == "markdown":
                    rewritten.add(index + 1)
        wanted = [(c.cell_type, c.source) for i, c in enumerate(cells) if i not in rewritten]
        got = [(c.cell_type, c.source) for c in student.cells]
        assert [cell for cell in wanted if cell not in got] == []
        added = [source for kind, source in got if (kind, source) not in wanted]
        # a question a person scores (an Otter manual question) has no grader.check cell
        names = [otter_question_name(q.id) for q in problem_set(set_id).questions if not q.rubric]
        assert [f'grader.check("{name}")' for name in names] == [s for s in added if s.startswith("grader.check")]
        assert all("BEGIN SOLUTION" not in source and "Worked answer" not in source for _, source in got)


def test_hidden_tests_ship_only_in_the_autograder_with_the_course_points(exports):
    for set_id, autograder in exports.items():
        problem = problem_set(set_id)
        with zipfile.ZipFile(autograder) as archive:
            names = archive.namelist()
        assert any(name.startswith("files/scalingedu/grading/") for name in names)
        for question in problem.questions:
            name = otter_question_name(question.id)
            if question.rubric:     # scored by a person: an Otter manual question, no test file
                assert f"tests/{name}.py" not in names
                continue
            assert f"tests/{name}.py" in names
            shipped = _read_test_file(autograder.parent / "tests" / f"{name}.py")
            student = _read_test_file(autograder.parent.parent / "student" / "tests" / f"{name}.py")
            total = sum(c.weight for c in question.checks)
            shares = [question.points * c.weight / total for c in question.checks]
            assert [case["points"] for case in shipped] == pytest.approx(shares, abs=1e-12)
            assert [case["hidden"] for case in shipped] == [False] * len(question.public_checks) + [True] * len(
                question.hidden_checks)
            assert [case["code"] for case in student] == [c["code"] for c in shipped if not c["hidden"]]


def _read_test_file(path: Path) -> list[dict]:
    namespace: dict = {}
    exec(path.read_text(), namespace)   # an OK-format test file is Python that defines `test`
    return namespace["test"]["suites"][0]["cases"]


# Every question, in this process: Otter's OK-test runner against grade_answer ---------------------------------------

def _doctest(source: str) -> str:
    """The doctest Otter Assign makes of a test cell (its code through ast, then the expected output)."""
    from otter.assign.utils import str_to_doctest
    return "\n".join(str_to_doctest(ast.unparse(ast.parse(source)).split("\n"), []) + ["True"])


def _otter_points(tests, answer_name: str, answer) -> float:
    from otter.test_files.ok_test import OKTestFile
    spec = {"name": "question", "points": None, "suites": [{
        "type": "doctest", "setup": "", "teardown": "",
        "cases": [{"code": _doctest(t.source), "hidden": t.hidden, "points": t.points} for t in tests]}]}
    test_file = OKTestFile.from_spec(spec)
    test_file.run({} if answer is MISSING else {answer_name: answer})
    return test_file.score


class Liar(float):
    """A float equal to everything and never far from anything (as in the tampering fixture)."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __sub__(self, other):
        return Liar(0.0)

    def __abs__(self):
        return Liar(0.0)

    def __le__(self, other):
        return True


def _number_answers(tests) -> list:
    public = next(t.params for t in tests if t.kind == "close_to" and not t.hidden)
    hidden = next(t.params for t in tests if t.kind == "close_to" and t.hidden)
    target = public["value"]
    wide = max(public["rel"] * abs(target), public["abs"])
    narrow = max(hidden["rel"] * abs(target), hidden["abs"])
    return [target, target + (wide + narrow) / 2, target - (wide + narrow) / 2, target + 2 * wide + 1e-9,
            -target, 0.0, np.float32(target), np.array([target]), np.array([target, target]), [target],
            str(target), True, None, ..., float("nan"), float("inf"), complex(target, 1.0), Liar(0.0), len, MISSING]


def _same_arguments(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(
        np.array_equal(x, y) if isinstance(x, np.ndarray) or isinstance(y, np.ndarray) else x == y
        for x, y in zip(a, b))


def _function_answers(tests) -> list:
    public = next(t.params for t in tests if t.kind == "function" and not t.hidden)
    reference = public["reference"]

    def fitted_to_public(*arguments):   # right on the public inputs only: public points, no hidden ones
        for known, values in public["cases"]:
            if _same_arguments(arguments, known):
                return values
        return np.asarray(reference(*arguments), dtype=float) + 1.0

    def stub(*arguments):
        return ...

    def raises(*arguments):
        raise ValueError("not yet")

    def as_list(*arguments):
        return np.asarray(reference(*arguments), dtype=float).tolist()

    def as_text(*arguments):
        return "12"

    def no_return(*arguments):
        pass

    def slightly_off(*arguments):
        return np.asarray(reference(*arguments), dtype=float) * 1.01 + 0.5

    return [reference, fitted_to_public, stub, raises, as_list, as_text, no_return, slightly_off, lambda: 0, 3.0,
            None, ..., MISSING]


def _answers_for(question, tests) -> list:
    """Right, wrong and malformed answers of the question's kind."""
    if question.answer_kind == "function":
        return _function_answers(tests)
    if question.answer_kind == "choice":
        keys = next(t.params["keys"] for t in tests if t.kind == "is_option")
        return [*keys, f" {keys[0].upper()} ", "z", "", 2, None, ..., [keys[0]], MISSING]
    if question.answer_kind == "text":
        return ["a short answer", "the floor and the exponent " * 10, "", 42, None, ..., MISSING]
    if question.answer_kind == "plan":
        return [{}, {"params": 1e9, "tokens": 2e10}, "a plan", None, ..., MISSING]
    return _number_answers(tests)


def _check_question(question, answer_name, answers, tests=None) -> int:
    tests = tests or otter_tests(question, answer_name)
    for answer in answers:
        course = 0.0 if answer is MISSING else grade_answer(question.id, answer).points_earned
        otter = _otter_points(tests, answer_name, answer)
        assert abs(course - otter) <= TOLERANCE, (question.id, answer, course, otter)
    return len(answers)


@pytest.mark.parametrize("set_id", list(problem_sets()))
def test_every_question_scores_under_otter_as_under_grade_answer(set_id):
    problem = problem_set(set_id)
    names = reference_answer_names(set_id, ROOT)
    for question in problem.questions:
        tests = otter_tests(question, names[question.id])
        _check_question(question, names[question.id], _answers_for(question, tests), tests)


def test_checks_read_from_their_seal_or_from_their_closure_give_the_same_tests():
    """Where checks describe themselves (``Check.seal``) the export reads that; it falls back to the factories'
    closures (checks without a seal, and the course before seals existed). Both must write the same tests."""
    if "seal" not in {f.name for f in dataclasses.fields(Check)}:
        pytest.skip("checks have no seal in this version of the course: only the closures can be read")
    for set_id in problem_sets():
        names = reference_answer_names(set_id, ROOT)
        for question in problem_set(set_id).questions:
            unsealed = dataclasses.replace(
                question, public_checks=tuple(c if c.required or c.seal().get("type") == "verdict"
                                              else dataclasses.replace(c, seal=None)
                                              for c in question.public_checks),
                hidden_checks=tuple(c if c.seal is not None and c.seal().get("type") == "verdict"
                                    else dataclasses.replace(c, seal=None) for c in question.hidden_checks))
            sealed_tests = otter_tests(question, names[question.id])
            closure_tests = otter_tests(unsealed, names[question.id])
            assert [t.source for t in sealed_tests] == [t.source for t in closure_tests], question.id


def test_the_shipped_test_files_score_like_grade_answer(exports):
    """The files in the autograder zip themselves (not a re-translation) on the same answers."""
    from otter.test_files.ok_test import OKTestFile
    for set_id, autograder in exports.items():
        names = reference_answer_names(set_id, ROOT)
        for question in problem_set(set_id).questions:
            if question.rubric:      # scored by a person: no test file
                continue
            path = autograder.parent / "tests" / f"{otter_question_name(question.id)}.py"
            tests = otter_tests(question, names[question.id])
            for answer in _answers_for(question, tests):
                test_file = OKTestFile.from_file(str(path))
                test_file.run({} if answer is MISSING else {names[question.id]: answer})
                course = 0.0 if answer is MISSING else grade_answer(question.id, answer).points_earned
                assert abs(test_file.score - course) <= TOLERANCE, (question.id, answer)


def test_choice_and_text_questions_translate_too(monkeypatch):
    """No problem set uses them yet: synthetic ones, graded through grade_answer with the registry patched."""
    choice = choice_question("power_laws.pick", points=2, kind="decide", title="Pick", statement="Which?", hint="",
                             options={"a": "one", "b": "two", "c": "three"}, answer=lambda: "b")
    text = text_question("power_laws.explain", points=3, kind="recall", title="Explain", statement="Why?", hint="",
                         rubric=[RubricItem("data", ("data", "more tokens")),
                                 RubricItem("the optimum", ("compute-optimal", "isn't"), points=2)], min_words=6)
    questions = {q.id: q for q in (choice, text)}
    monkeypatch.setattr(grader, "question", lambda question_id: questions[question_id])
    _check_question(choice, "pick", ["b", " B ", "a", "d", "", 2, None, ..., ["b"], MISSING])
    _check_question(text, "essay", [
        "We need more data, since the compute-optimal model is smaller than you think.",
        "A database isn't data-hungry: it stores more tokens than any model sees in training.",
        "More tokens.",                                          # too short, but it names an idea: partial credit
        "compute–optimal with an en dash is not the keyword at all, nor is dataset or tokenised",
        "It ISN’T about DATA, it is about COMPUTE-OPTIMAL training of a model in one go.",
        "   ", "", 42, None, ..., MISSING])


def test_a_check_the_export_cannot_write_is_refused_by_name():
    from scalingedu.grading import CheckResult, Question
    odd = Question(id="power_laws.odd", points=1, kind="recall", title="Odd", statement="Odd?", hint="",
                   public_checks=(Check("anything goes", lambda answer: CheckResult(True, "fine")),),
                   hidden_checks=(Check("still anything", lambda answer: CheckResult(True, "fine")),))
    with pytest.raises(OtterExportError, match="power_laws.odd.*anything goes"):
        otter_tests(odd, "odd")


# The command's errors -----------------------------------------------------------------------------------------------

def _run(arguments: list[str], capsys) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    add_export_otter_command(parser.add_subparsers(dest="command"))
    code = run_export_otter(parser.parse_args(["export-otter", *arguments]), ROOT)
    captured = capsys.readouterr()
    return code, captured.err


def test_an_unknown_set_is_one_line_naming_the_known_ones(tmp_path, capsys):
    code, error = _run(["no_such_set", "--out", str(tmp_path)], capsys)
    assert code == 2
    assert error.count("\n") == 1 and "Traceback" not in error
    assert "unknown problem set 'no_such_set'" in error and "power_laws" in error


def test_an_out_folder_that_cannot_be_written_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("in the way")
    code, error = _run(["power_laws", "--out", str(blocker / "inside")], capsys)
    assert code == 2
    assert error.count("\n") == 1 and "Traceback" not in error
    assert "cannot write to" in error and "--out" in error


def test_otter_missing_is_one_line_saying_what_to_install(tmp_path, capsys, monkeypatch):
    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "otter" else found(name, *a))
    code, error = _run(["power_laws", "--out", str(tmp_path)], capsys)
    assert code == 2
    assert error.count("\n") == 1 and "Traceback" not in error
    assert "pip install 'otter-grader>=7,<8'" in error
