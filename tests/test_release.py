"""The learners' copy of a graded class (``scalingedu release``), sealed public checks, per-learner data, and the
attack of reading the checks (A1 of the grader review) before and after.

The class-grading tests run in the sandbox (CI installs bubblewrap; without one they skip, as tests/test_sandbox.py
explains).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell
from submission_fixtures import fixtures

from scalingedu.grading import grade_answer, problem_set, problem_sets, question
from scalingedu.grading.classroom import grade_class
from scalingedu.grading.learner import as_learner, learner_seed, set_learner
from scalingedu.grading.sandbox import library_folder, sandbox_problem
from scalingedu.grading.sealed import seal_problem_set, sealed_problem_set
from scalingedu.lessons import lessons_with_problem_sets
from scalingedu.problems import power_laws
from scalingedu.tools.release import build_release

ROOT = Path(__file__).resolve().parent.parent
NEEDS_SANDBOX = pytest.mark.skipif(os.environ.get("SCALINGEDU_REQUIRE_SANDBOX") != "1" and bool(sandbox_problem()),
                                   reason=f"no sandbox on this machine: {sandbox_problem()}")


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "course"
    return build_release(ROOT, out, learners=["ada", "bob"])


# What the copy holds ------------------------------------------------------------------------------------------------

def test_the_copy_holds_lessons_exercises_and_library_but_no_solutions_tests_or_instructor_notes(release):
    folder = release.folder
    for present in ("notebooks", "exercises", "scalingedu", "README.md", "course.py", "pyproject.toml",
                    "scalingedu/_learners_copy.py"):
        assert (folder / present).exists(), present
    for absent in ("solutions", ".ci", "docs/instructors.md", "CONTRIBUTING.md"):
        assert not (folder / absent).exists(), absent
    assert [p.name for p in (folder / "tests").iterdir()] == ["sanitize.cfg"]     # nbval's output rules only
    assert sorted(p.name for p in (folder / "notebooks").glob("*.ipynb")) == \
        sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def test_no_problem_module_of_the_copy_holds_a_question_or_an_expected_value_helper(release):
    for each in lessons_with_problem_sets():
        text = (release.folder / "scalingedu" / "problems" / f"{each.slug}.py").read_text()
        assert "number_question(" not in text and "function_question(" not in text, each.slug
        assert "expected=" not in text and "hidden_inputs" not in text, each.slug
        assert "\ndef _" not in text, each.slug     # private helpers (expected values) are gone
    assert "_eq4_params" not in (release.folder / "scalingedu/problems/chinchilla.py").read_text()


def _string_constants(source: str) -> list[str]:
    import ast
    return [ast.literal_eval(node.value) for node in ast.parse(source).body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)]


def test_no_model_answer_of_a_rubric_question_reaches_the_copy(release):
    from scalingedu._text import prose
    from scalingedu.grading import problem_sets
    for set_id, owner in problem_sets().items():
        answers = {question.model_answer for question in owner.questions if question.model_answer}
        original = (ROOT / "scalingedu" / "problems" / f"{set_id}.py").read_text()
        copy = (release.folder / "scalingedu" / "problems" / f"{set_id}.py").read_text()
        in_source = [text for text in _string_constants(original) if prose(text) in answers]
        shipped = [text for text in _string_constants(copy) if prose(text) in answers]
        assert not shipped, f"{set_id}: a model answer ships in the learners' copy"
        if set_id == "scaling_lab":
            assert in_source, "the check must see scaling_lab's public MODEL_ANSWER in the instructor's source"


def _in_copy(release, code: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(release.folder), "MPLBACKEND": "agg"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                          cwd=release.folder, timeout=300)


def test_in_the_copy_check_still_gives_feedback_and_no_hidden_check_exists(release):
    code = ("import scalingedu, json\n"
            "from scalingedu.grading import check, problem_sets, question\n"
            "check('power_laws.halving', 2 ** (1 / 0.34))\n"
            "check('power_laws.halving', 2.5)\n"
            "check('chinchilla.optimal_params', 1e9)\n"
            "from scalingedu.grading.sealed import HIDDEN_PLACEHOLDER\n"
            "print(json.dumps({'file': scalingedu.__file__, 'hidden': sum(c.description != HIDDEN_PLACEHOLDER"
            " for s in problem_sets().values() for q in s.questions for c in q.hidden_checks)}))")
    done = _in_copy(release, code)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    report = json.loads(lines[-1])
    assert report["file"].startswith(str(release.folder)) and report["hidden"] == 0
    text = "\n".join(lines[:-1])
    assert "power_laws.halving: the public checks passed" in text
    assert "power_laws.halving: not yet. 2.5 is not within about 5%" in text
    assert "chinchilla.optimal_params: not yet." in text


def test_grading_refuses_in_the_learners_copy(release, tmp_path):
    path = tmp_path / "x_power_laws.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[new_code_cell("halving_factor = 7.68")]), str(path))
    done = _in_copy(release, "from scalingedu.tools.cli import main\n"
                             f"main(['grade', {str(path)!r}, '--out', {str(tmp_path / 'out')!r}])")
    assert done.returncode != 0
    assert "learners' copy" in done.stderr and "Traceback" not in done.stderr


def test_the_exercises_of_per_learner_sets_ask_for_the_id(release):
    per_learner_sets = {question_id.split(".")[0] for question_id in release.per_learner}
    assert {"power_laws", "chinchilla"} <= per_learner_sets
    for each in lessons_with_problem_sets():
        notebook = nbformat.read(release.folder / "exercises" / f"{each.stem}.ipynb", as_version=4)
        sources = [c.source for c in notebook.cells if c.cell_type == "code"]
        assert any("set_learner(\"\")" in s for s in sources) == (each.slug in per_learner_sets), each.slug
    assert set(release.per_learner) >= {"power_laws.exponent", "power_laws.floor", "chinchilla.isoflop_exponent"}


# Sealed checks agree with the real ones ----------------------------------------------------------------------------

def _sealed_sets():
    return {set_id: sealed_problem_set(json.loads(json.dumps(seal_problem_set(each))))
            for set_id, each in problem_sets().items()}


def test_a_sealed_check_passes_the_value_and_fails_three_tolerances_away_for_every_number_question():
    sealed_sets, tried = _sealed_sets(), 0
    for set_id, each in problem_sets().items():
        for q in each.questions:
            for number, real in enumerate(q.public_checks):
                spec = real.seal()
                if spec["type"] != "close_to":
                    continue
                sealed = sealed_sets[set_id].question(q.id).public_checks[number]
                value, rel, abs_ = spec["value"], spec["rel"], spec["abs"]
                step = max(rel * abs(value), abs_)
                assert sealed(value).passed, (q.id, value)
                assert sealed(value + 0.4 * step).passed and sealed(value - 0.4 * step).passed, q.id
                assert not sealed(value + 3 * step).passed and not sealed(value - 3 * step).passed, q.id
                assert real(value + 3 * step).passed is False      # the real check agrees
                tried += 1
    assert tried >= 40


def _replay(outputs: list, scale: float = 1.0):
    """A "function" that returns the reference outputs in the order the check asks for them (times ``scale``)."""
    calls = iter(range(len(outputs) * 10))

    def function(*arguments):
        return outputs[next(calls) % len(outputs)] * scale
    return function


def test_a_sealed_function_check_accepts_the_reference_values_and_nothing_else():
    sealed_sets, tried = _sealed_sets(), 0
    for set_id, each in problem_sets().items():
        for q in each.questions:
            for number, real in enumerate(q.public_checks):
                spec = real.seal()
                if spec["type"] != "function":
                    continue
                outputs = [expected for _, expected in spec["cases"]]
                sealed = sealed_sets[set_id].question(q.id).public_checks[number]
                assert sealed(_replay(outputs)).passed, q.id
                assert not sealed(_replay(outputs, scale=1 + 1e-3)).passed, q.id
                assert not sealed(lambda *arguments: "12").passed, q.id     # text is not numbers, as in the real check
                tried += 1
    assert tried >= 5


# Per-learner data -------------------------------------------------------------------------------------------------

def test_learners_get_their_own_data_and_no_learner_the_shared_one():
    shared = power_laws.measurements().loss
    with as_learner("ada"):
        ada = power_laws.measurements().loss
        assert learner_seed(2020) != 2020
    with as_learner("bob"):
        bob = power_laws.measurements().loss
    assert not np.allclose(ada, bob) and not np.allclose(ada, shared)
    assert np.array_equal(power_laws.measurements().loss, shared)        # back to the shared data
    with as_learner("ada"):
        assert np.array_equal(power_laws.measurements().loss, ada)       # the same every time
    with pytest.raises(ValueError, match="learner must be your id"):
        set_learner("x" * 200)


def _expected(question_id: str):
    return question(question_id).public_checks[-1].seal()["value"]


def _answers_notebook(folder: Path, name: str, answers: dict[str, float]) -> Path:
    """A notebook that types the given numbers into the power_laws answers (names from the solution)."""
    from scalingedu.grading.submission import reference_answer_names
    names = reference_answer_names("power_laws", ROOT)
    source = "\n".join(f"{names[q]} = {value!r}" for q, value in answers.items())
    path = folder / name
    nbformat.write(nbformat.v4.new_notebook(cells=[new_code_cell(source)]), str(path))
    return path


@NEEDS_SANDBOX
def test_a_classmates_copied_numbers_fail_and_their_own_pass(tmp_path):
    """Two learners, ada and bob: the same typed numbers (ada's) earn ada the per-learner questions' points and
    bob less; each learner's data differs, so do the expected values."""
    per_learner = ["power_laws.exponent", "power_laws.floor", "power_laws.params_for_loss"]
    with as_learner("ada"):
        ada_answers = {q: _expected(q) for q in per_learner}
    with as_learner("bob"):
        bob_answers = {q: _expected(q) for q in per_learner}
    assert all(not math.isclose(ada_answers[q], bob_answers[q], rel_tol=1e-3) for q in per_learner)
    folder = tmp_path / "in"
    folder.mkdir()
    _answers_notebook(folder, "ada_power_laws.ipynb", ada_answers)
    _answers_notebook(folder, "bob_power_laws.ipynb", ada_answers)          # bob hands in ada's numbers
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nada\nbob\n")
    report = grade_class([folder], tmp_path / "out", problem_set_id="power_laws", roster=roster, workers=2,
                         progress=False, cell_seconds=30)
    by_name = {Path(g.submission).name: g for g in report.grades}
    full = sum(question(q).points for q in per_learner)

    def earned(grade):
        return sum(x.points_earned for x in grade.questions if x.question_id in per_learner)
    assert earned(by_name["ada_power_laws.ipynb"]) == full
    # bob's data differ from ada's by their noise only, so her numbers can fall within the public tolerance of his
    # (the public share), not all within the hidden ones
    assert earned(by_name["bob_power_laws.ipynb"]) < full
    print(f"per-learner questions: ada's numbers earn ada {earned(by_name['ada_power_laws.ipynb']):g} of {full:g}, "
          f"bob {earned(by_name['bob_power_laws.ipynb']):g}")
    assert any("Graded as learner 'bob'" in e for e in by_name["bob_power_laws.ipynb"].events)


# Attack A1: read the checks out of the installed package ----------------------------------------------------------

READ_EVERYTHING = '''
import importlib, pkgutil, inspect, json
import scalingedu
from scalingedu.grading import problem_set, check

def numbers_in(value, depth=0, seen=None):
    """Every float reachable from value: closures, containers, zero-argument callables, module attributes."""
    seen = set() if seen is None else seen
    if id(value) in seen or depth > 6:
        return []
    seen.add(id(value))
    found = []
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        for item in value.values():
            found += numbers_in(item, depth + 1, seen)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found += numbers_in(item, depth + 1, seen)
    elif callable(value) and getattr(value, "__closure__", None):
        for cell in value.__closure__:
            try:
                found += numbers_in(cell.cell_contents, depth + 1, seen)
            except ValueError:
                pass
        try:
            if not inspect.signature(value).parameters:
                found += numbers_in(value(), depth + 1, seen)
        except Exception:
            pass
    elif hasattr(value, "function"):                      # a Check
        found += numbers_in(value.function, depth + 1, seen)
    return found

SET = problem_set("SET_ID")
candidates = []
for q in SET.questions:
    for c in q.public_checks + q.hidden_checks:
        candidates += numbers_in(c, 0)
for info in pkgutil.walk_packages(scalingedu.problems.__path__, "scalingedu.problems."):
    module = importlib.import_module(info.name)
    for name, value in vars(module).items():
        if name.startswith("_") and callable(value) and not isinstance(value, type):
            try:
                if not inspect.signature(value).parameters:
                    candidates += numbers_in(value(), 0)
            except Exception:
                pass
        candidates += numbers_in(value, 0) if isinstance(value, (float, dict, list, tuple)) else []

def first_passing(question_id):
    q = SET.question(question_id)
    for value in candidates:                                # the best the checks themselves would confirm
        if all(c(value).passed for c in q.hidden_checks) and all(c(value).passed for c in q.public_checks):
            return value
    return None

ANSWERS
'''


def _read_everything_notebook(folder: Path, set_id: str) -> Path:
    from scalingedu.grading.submission import reference_answer_names
    names = reference_answer_names(set_id, ROOT)
    lines = [f"{names[q.id]} = first_passing({q.id!r})" for q in problem_set(set_id).questions
             if q.answer_kind == "number"]
    blank = next(f for f in fixtures(set_id) if f.kind == "blank")
    notebook = nbformat.reads(blank.content.decode(), as_version=4)
    notebook.cells.append(new_code_cell(READ_EVERYTHING.replace("SET_ID", set_id).replace("ANSWERS",
                                                                                              "\n".join(lines))))
    path = folder / f"blank_reads_everything_{set_id}.ipynb"
    nbformat.write(notebook, str(path))
    return path


@NEEDS_SANDBOX
@pytest.mark.parametrize("set_id", ["power_laws", "chinchilla"])
def test_a_blank_notebook_that_reads_the_checks_scores_zero_in_the_class_sandbox(tmp_path, set_id):
    """Attack A1, before and after: with the instructor's library in reach (as before this release existed) the
    notebook reads the expected values out of the checks and scores; in the class sandbox, which imports the
    learners' copy, it scores 0."""
    folder = tmp_path / "in"
    folder.mkdir()
    _read_everything_notebook(folder, set_id)
    before = grade_class([folder], tmp_path / "before", problem_set_id=set_id, progress=False, workers=1,
                         library=library_folder(), cell_seconds=60)
    after = grade_class([folder], tmp_path / "after", problem_set_id=set_id, progress=False, workers=1,
                        cell_seconds=60)
    print(f"{set_id}: reading the checks scored {before.grades[0].total} of {before.grades[0].possible} with the "
          f"instructor's library, {after.grades[0].total} in the class sandbox")
    assert before.grades[0].total > 0
    assert after.grades[0].total == 0


def test_grade_answer_in_the_instructors_library_still_has_hidden_checks():
    assert grade_answer("power_laws.halving", 2 ** (1 / 0.34)).points_earned == question("power_laws.halving").points
    assert all(q.hidden_checks for q in problem_set("chinchilla").questions)


def test_in_the_copy_a_learners_check_uses_their_own_sealed_values(release):
    with as_learner("ada"):
        ada_exponent = _expected("power_laws.exponent")
    code = ("from scalingedu.grading import check, set_learner\n"
            "set_learner('ada')\n"
            f"check('power_laws.exponent', {ada_exponent!r})\n"
            "set_learner('zed')\n"
            f"check('power_laws.exponent', {ada_exponent!r})\n")
    done = _in_copy(release, code)
    assert done.returncode == 0, done.stderr
    assert "power_laws.exponent: the public checks passed" in done.stdout
    assert "has none for the id 'zed'" in done.stdout


def test_the_release_command_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    from scalingedu.tools.cli import main
    (tmp_path / "taken.txt").write_text("x")
    with pytest.raises(SystemExit):
        main(["release", "--out", str(tmp_path)])
    said = capsys.readouterr().err
    assert "is not empty" in said and "Traceback" not in said


def test_every_solution_passes_its_sealed_public_checks_in_the_copy(release):
    """The worked solutions, run against the copy's library (sealed checks, no private helpers): every cell runs
    and every question's public checks pass, as they do in the public course."""
    code = f"""
import glob, json, nbformat
from nbclient import NotebookClient
found = {{}}
for path in sorted(glob.glob({str(ROOT / "solutions")!r} + "/*.ipynb")):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={{"metadata": {{"path": {str(release.folder / "exercises")!r}}}}}).execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    found[path.rsplit("/", 1)[1]] = {{"errors": [o["ename"] for o in outputs if o.get("output_type") == "error"],
                                      "passed": text.count(": the public checks passed"),
                                      "not_yet": text.count(": not yet.")}}
print(json.dumps(found))
"""
    done = _in_copy(release, code)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(found) == len(problem_sets())
    for each in lessons_with_problem_sets():
        result = found[f"{each.stem}.ipynb"]
        assert result["errors"] == [] and result["not_yet"] == 0, (each.stem, result)
        checked = [q for q in problem_set(each.slug).questions if not q.rubric]   # rubric ones say "written"
        assert result["passed"] >= len(checked), (each.stem, result)


def test_the_copys_readme_and_test_command_fit_what_it_holds(release):
    readme = (release.folder / "README.md").read_text()
    assert "python3 course.py lab" in readme and "set_learner" in readme and "solutions/" not in readme
    assert "| [04 Chinchilla](notebooks/04_chinchilla.ipynb)" in readme
    assert 'testpaths = ["notebooks", "exercises"]' in (release.folder / "pyproject.toml").read_text()
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                          capture_output=True, text=True, cwd=release.folder, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(release.folder)})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "exercises/09_capstone.ipynb" in done.stdout and "tests/" not in done.stdout
