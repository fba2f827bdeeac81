"""Tests of scalingedu.tools.authoring (exercises generated from solutions) and of the committed problem-set
notebooks."""
from __future__ import annotations

import ast
import copy
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from notebook_kernel import run_then_probe

from scalingedu.grading import problem_set, question
from scalingedu.lessons import lessons_with_problem_sets
from scalingedu.tools.authoring import (
    BANNER_ID,
    MarkerError,
    QuestionCellError,
    build_exercise,
    build_exercises,
    mark_question_cell,
    question_cell_id,
    render_question_cells,
    stale_exercises,
)

ROOT = Path(__file__).resolve().parent.parent
NAME = "solutions/test.ipynb"


def stub(source: str) -> str:
    """The exercise version of one code cell."""
    notebook = new_notebook(cells=[new_code_cell(source)])
    return build_exercise(notebook, name=NAME).cells[1].source


def run(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<stub>", "exec"), namespace)
    return namespace


# Stubs of code regions ---------------------------------------------------------------------------------------------

def test_assignments_become_ellipsis_stubs_and_code_outside_is_kept():
    source = ("x = 2\n### BEGIN SOLUTION\ny = x ** 2\nz: float = y / 3\na, b = y, z\n### END SOLUTION\n"
              "check('q.a', y)")
    assert stub(source) == ("x = 2\ny = ...  # YOUR CODE HERE\nz: float = ...  # YOUR CODE HERE\n"
                            "a, b = ..., ...  # YOUR CODE HERE\ncheck('q.a', y)")


def test_functions_keep_signature_and_docstring_and_return_ellipsis():
    source = '''### BEGIN SOLUTION
@staticmethod
def slope(x,
          y=1.0):
    """Slope of y against x.

    Second paragraph.
    """
    # the solution's comment
    return y / x
def bare(x):
    # a comment that gives the answer away
    return x + 1
def one_line(x): return x * 3
### END SOLUTION'''
    result = stub(source)
    assert '@staticmethod\ndef slope(x,\n          y=1.0):\n    """Slope of y against x.\n\n    Second paragraph.\n' \
           '    """\n    return ...  # YOUR CODE HERE' in result
    assert "y / x" not in result and "x + 1" not in result and "x * 3" not in result and "comment" not in result
    namespace = run(result.replace("@staticmethod\n", ""))
    assert namespace["slope"](2.0) is Ellipsis
    assert namespace["bare"](2.0) is Ellipsis
    assert namespace["one_line"](2.0) is Ellipsis
    assert namespace["slope"].__doc__.startswith("Slope of y against x.")


def test_other_statements_are_dropped_and_an_empty_region_keeps_valid_code():
    source = "### BEGIN SOLUTION\nimport math\nprint(math.pi)\nfor i in range(3):\n    pass\n### END SOLUTION"
    assert stub(source) == "pass  # YOUR CODE HERE"
    assert stub("### BEGIN SOLUTION\n### END SOLUTION\nz = 1") == "pass  # YOUR CODE HERE\nz = 1"


def test_indented_regions_keep_their_indentation():
    source = '''def double(x):
    """Twice x."""
    ### BEGIN SOLUTION
    y = x * 2
    if y > 0:
        y += 0
    return y
    ### END SOLUTION

for k in range(2):
    ### BEGIN SOLUTION
    text = """a string
that is not indented"""
    ### END SOLUTION
    ### BEGIN SOLUTION
    print(k)
    ### END SOLUTION'''
    result = stub(source)
    assert result == ('def double(x):\n    """Twice x."""\n    y = ...  # YOUR CODE HERE\n'
                      '    return ...  # YOUR CODE HERE\n\nfor k in range(2):\n    text = ...  # YOUR CODE HERE\n'
                      '    pass  # YOUR CODE HERE')
    assert run(result)["double"](3) is Ellipsis


def test_markdown_solutions_become_a_prompt():
    notebook = new_notebook(cells=[new_markdown_cell(
        "Why?\n\n<!-- BEGIN SOLUTION -->\nBecause the floor.\n\nMore.\n<!-- END SOLUTION -->\nAfter.")])
    assert build_exercise(notebook, name=NAME).cells[1].source == "Why?\n\n*Write your answer here.*\nAfter."


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1", "on line 1 is never closed"),
    ("x = 1\n### END SOLUTION", "line 2 has '### END SOLUTION' without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### END SOLUTION", "line 2 opens"),
    ("### BEGIN SOLUTION\nx = = 1\n### END SOLUTION", "does not parse"),
])
def test_unbalanced_or_broken_regions_name_the_notebook_and_cell(source, message):
    cell = new_code_cell(source)
    cell["id"] = "the-cell"
    notebook = new_notebook(cells=[new_markdown_cell("intro"), cell])
    with pytest.raises(MarkerError) as error:
        build_exercise(notebook, name=NAME)
    text = str(error.value)
    assert text.startswith(f"{NAME}, cell 1 (id the-cell)")
    assert message in text


def test_unbalanced_markdown_markers_are_an_error():
    notebook = new_notebook(cells=[new_markdown_cell("<!-- BEGIN SOLUTION -->\nAnswer.")])
    with pytest.raises(ValueError, match=r"cell 0 .*never closed"):
        build_exercise(notebook, name=NAME)


# The whole notebook --------------------------------------------------------------------------------------------------

def solution_notebook():
    code = new_code_cell("### BEGIN SOLUTION\nsecret = 41 + 1\n### END SOLUTION\nprint(secret)",
                         execution_count=3, outputs=[new_output("stream", name="stdout", text="42\n")])
    code["id"] = "answer"
    code.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    code.metadata["tags"] = ["keep-me"]
    prose = new_markdown_cell("# Title")
    prose["id"] = "title"
    return new_notebook(cells=[prose, code], metadata={"language_info": {"name": "python", "version": "3.11.7"}})


def test_build_exercise_clears_outputs_keeps_ids_and_adds_a_banner():
    solution = solution_notebook()
    original = copy.deepcopy(solution)
    exercise = build_exercise(solution, name=NAME)
    assert solution == original  # pure: the argument is not changed
    banner, title, code = exercise.cells
    assert banner.id == BANNER_ID and banner.cell_type == "markdown"
    assert f"Generated from `{NAME}` by `scalingedu build-exercises`: do not edit" in banner.source
    assert [title.id, code.id] == ["title", "answer"]
    assert code.outputs == [] and code.execution_count is None
    assert code.metadata == {"tags": ["keep-me"]}
    assert "41" not in code.source
    assert "version" not in exercise.metadata["language_info"]
    nbformat.validate(exercise)


def make_project(tmp_path: Path) -> Path:
    (tmp_path / "solutions").mkdir()
    shutil.copy(ROOT / "solutions" / "01_power_laws.ipynb", tmp_path / "solutions")
    return tmp_path


def _edit(path: Path, change) -> None:
    notebook = nbformat.read(path, as_version=4)
    change(notebook)
    nbformat.write(notebook, str(path))


def test_build_exercises_is_idempotent_and_stale_exercises_notices_changes(tmp_path):
    root = make_project(tmp_path)
    solution, exercise = root / "solutions" / "01_power_laws.ipynb", root / "exercises" / "01_power_laws.ipynb"
    assert stale_exercises(root) == [exercise]   # missing
    assert build_exercises(root) == [exercise]
    first = exercise.read_bytes()
    assert build_exercises(root) == [exercise] and exercise.read_bytes() == first
    assert stale_exercises(root) == []

    _edit(solution, lambda nb: setattr(nb.cells[0], "source", "# A new title"))
    assert stale_exercises(root) == [exercise]


def test_a_question_cell_edited_by_hand_is_stale_and_rebuilt_from_its_source(tmp_path):
    root = make_project(tmp_path)
    build_exercises(root)
    solution = root / "solutions" / "01_power_laws.ipynb"
    halving = question("power_laws.halving")

    def retype(notebook):
        cell = next(c for c in notebook.cells if question_cell_id(c) == halving.id)
        cell.source = cell.source.replace("halve", "third")
    _edit(solution, retype)
    # The exercise is built from the rendered cell, so only the solution itself is out of date.
    assert stale_exercises(root) == [solution]
    build_exercises(root)
    assert stale_exercises(root) == []
    cells = nbformat.read(solution, as_version=4).cells
    assert next(c for c in cells if question_cell_id(c) == halving.id).source == halving.markdown(1)


def test_a_solution_that_is_not_a_registered_lesson_is_refused(tmp_path):
    root = make_project(tmp_path)
    nbformat.write(solution_notebook(), str(root / "solutions" / "a.ipynb"))
    with pytest.raises(QuestionCellError, match="a.ipynb belongs to no lesson"):
        build_exercises(root)


def test_re_executing_a_solution_does_not_make_its_exercise_stale(tmp_path):
    root = make_project(tmp_path)
    build_exercises(root)

    def re_execute(notebook):
        cell = next(c for c in notebook.cells if c.cell_type == "code")
        cell.outputs = []
        cell.execution_count = 9
        cell.metadata["execution"] = {"iopub.status.busy": "2027-01-01T00:00:00Z"}
    _edit(root / "solutions" / "01_power_laws.ipynb", re_execute)
    assert stale_exercises(root) == []


# Question cells rendered from the questions' source ----------------------------------------------------------------

def _power_laws_solution():
    return nbformat.read(ROOT / "solutions" / "01_power_laws.ipynb", as_version=4)


def test_question_cells_are_rendered_with_number_title_id_points_and_kind():
    rendered = render_question_cells(_power_laws_solution(), problem_set("power_laws"))
    cells = [c for c in rendered.cells if question_cell_id(c)]
    assert [question_cell_id(c) for c in cells] == list(problem_set("power_laws").ids)
    assert cells[0].source.splitlines()[0] == (
        "### 1. Halving the reducible loss (`power_laws.halving`, 2 points, compute)")
    assert cells[5].source.startswith("### 6. A function for the local exponent (`power_laws.local_exponent`, "
                                      "3 points, derive)\n\nWrite a function `local_exponent(x, y)`")


def _floor_cell(cells):
    return next(c for c in cells if c.cell_type == "code" and 'check("power_laws.floor"' in c.source)


@pytest.mark.parametrize("change, message", [
    (lambda cells: cells.pop(next(i for i, c in enumerate(cells) if question_cell_id(c))), "missing: power_laws"),
    (lambda cells: mark_question_cell(cells[0], "power_laws.nonsense"), "unknown: power_laws.nonsense"),
    (lambda cells: cells.reverse(), "once each and in order"),
    (lambda cells: _floor_cell(cells).__setitem__("source", "floor = 1.0"), 'calls check\\("power_laws.floor"'),
    (lambda cells: _floor_cell(cells).__setitem__("source", '# check("power_laws.floor", floor)'), "calls check"),
    (lambda cells: _floor_cell(cells).__setitem__(
        "source", '### BEGIN SOLUTION\nfloor = 1.0\ncheck("power_laws.floor", floor)\n### END SOLUTION'),
     "outside the solution"),
    (lambda cells: _floor_cell(cells).__setitem__("source", 'check("power_laws.floor", 1.0 + 0)'), "calls check"),
], ids=["missing", "unknown", "order", "no-check", "commented-out", "inside-solution", "not-a-name"])
def test_question_cells_that_do_not_match_the_problem_set_are_refused(change, message):
    notebook = _power_laws_solution()
    change(notebook.cells)
    with pytest.raises(QuestionCellError, match=message):
        render_question_cells(notebook, problem_set("power_laws"), name="solutions/01_power_laws.ipynb")


def test_build_exercises_needs_a_solutions_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="solutions"):
        build_exercises(tmp_path)


# The committed notebooks -------------------------------------------------------------------------------------------

def test_committed_exercises_are_up_to_date():
    """Fails when exercises/ was not regenerated after a change to solutions/: run `scalingedu build-exercises`."""
    assert stale_exercises(ROOT) == []
    solutions = sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))
    assert solutions and sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb")) == solutions


PROBLEM_SET_IDS = [each.stem for each in lessons_with_problem_sets()]


def _solution_lines(notebook) -> list[str]:
    """The substantial code lines inside the solution markers of a notebook."""
    lines, inside = [], False
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped.startswith("### BEGIN SOLUTION"):
                inside = True
            elif stripped.startswith("### END SOLUTION"):
                inside = False
            elif inside and len(stripped) > 12 and not stripped.startswith(("def ", '"""', "#", "return")):
                lines.append(stripped)
    return lines


@pytest.mark.parametrize("set_id", PROBLEM_SET_IDS)
def test_solution_notebook_covers_every_question_with_its_statement(set_id):
    notebook = nbformat.read(ROOT / "solutions" / f"{set_id}.ipynb", as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    checked = re.findall(r'check\("([^"]+)"', code)
    ps = problem_set(set_id)
    assert checked == list(ps.ids)
    questions = [c for c in notebook.cells if question_cell_id(c)]
    for number, (q, cell) in enumerate(zip(ps.questions, questions, strict=True), start=1):
        assert cell.source == q.markdown(number), f"the cell of {q.id} is not rendered from its source"
    assert notebook.cells[-1].source.strip() == "summary()"


@pytest.mark.parametrize("set_id", PROBLEM_SET_IDS)
def test_exercise_notebook_holds_no_solution_code(set_id):
    solution = nbformat.read(ROOT / "solutions" / f"{set_id}.ipynb", as_version=4)
    exercise = nbformat.read(ROOT / "exercises" / f"{set_id}.ipynb", as_version=4)
    exercise_code = "\n".join(c.source for c in exercise.cells if c.cell_type == "code")
    assert "BEGIN SOLUTION" not in json.dumps(exercise.cells)
    leaked = [line for line in _solution_lines(solution) if line in exercise_code]
    assert not leaked, f"solution code left in the exercise: {leaked}"
    for cell in exercise.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            ast.parse(cell.source)


def execute_with_probe(path: Path) -> dict[str, str]:
    """Run a notebook in a fresh kernel, then read statuses() in the same kernel with an appended probe cell."""
    printed = run_then_probe(path, "import json\nfrom scalingedu.grading import statuses\n"
                                   "print(json.dumps(statuses()))")
    return json.loads(printed)


@pytest.mark.parametrize("set_id", PROBLEM_SET_IDS)
@pytest.mark.parametrize("folder, status", [("exercises", "not answered"), ("solutions", "passed")])
def test_executing_the_notebook_reports_every_question(folder, status, set_id):
    found = execute_with_probe(ROOT / folder / f"{set_id}.ipynb")
    assert found == {question_id: status for question_id in problem_set(set_id).ids}


def test_the_command_reports_a_malformed_solution_without_a_traceback(tmp_path, monkeypatch, capsys):
    from scalingedu.tools.cli import main

    root = make_project(tmp_path)
    (root / "notebooks").mkdir()
    _edit(root / "solutions" / "01_power_laws.ipynb",
          lambda notebook: _floor_cell(notebook.cells).__setitem__("source", "floor = 1.0"))
    monkeypatch.chdir(root)
    with pytest.raises(SystemExit) as stopped:
        main(["build-exercises"])
    assert stopped.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("scalingedu build-exercises: error: solutions/01_power_laws.ipynb")
    assert "Traceback" not in error
