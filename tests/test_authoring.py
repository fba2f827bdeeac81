"""Tests of scalingedu.authoring (exercises generated from solutions) and of the committed problem-set notebooks."""
from __future__ import annotations

import ast
import copy
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from notebook_kernel import run_then_probe
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from scalingedu.tools.authoring import (BANNER_ID, MarkerError, build_exercise, build_exercises, stale_exercises)
from scalingedu.grading import problem_set

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
    nbformat.write(solution_notebook(), str(tmp_path / "solutions" / "a.ipynb"))
    shutil.copy(ROOT / "solutions" / "01_power_laws.ipynb", tmp_path / "solutions")
    return tmp_path


def test_build_exercises_is_idempotent_and_stale_exercises_notices_changes(tmp_path):
    root = make_project(tmp_path)
    assert [p.name for p in stale_exercises(root)] == ["01_power_laws.ipynb", "a.ipynb"]   # missing
    written = build_exercises(root)
    assert written == [root / "exercises" / "01_power_laws.ipynb", root / "exercises" / "a.ipynb"]
    first = {p: p.read_bytes() for p in written}
    assert build_exercises(root) == written
    assert {p: p.read_bytes() for p in written} == first
    assert stale_exercises(root) == []

    solution = nbformat.read(root / "solutions" / "a.ipynb", as_version=4)
    solution.cells[0].source = "# A new title"
    nbformat.write(solution, str(root / "solutions" / "a.ipynb"))
    assert stale_exercises(root) == [root / "exercises" / "a.ipynb"]


def test_re_executing_a_solution_does_not_make_its_exercise_stale(tmp_path):
    root = make_project(tmp_path)
    build_exercises(root)
    solution = nbformat.read(root / "solutions" / "a.ipynb", as_version=4)
    solution.cells[1].outputs = []
    solution.cells[1].execution_count = 9
    solution.cells[1].metadata["execution"] = {"iopub.status.busy": "2027-01-01T00:00:00Z"}
    nbformat.write(solution, str(root / "solutions" / "a.ipynb"))
    assert stale_exercises(root) == []


def test_build_exercises_needs_a_solutions_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="solutions"):
        build_exercises(tmp_path)


# The committed notebooks -------------------------------------------------------------------------------------------

def test_committed_exercises_are_up_to_date():
    """Fails when exercises/ was not regenerated after a change to solutions/: run `scalingedu build-exercises`."""
    assert stale_exercises(ROOT) == []
    solutions = sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))
    assert solutions and sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb")) == solutions


PROBLEM_SET_IDS = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))


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
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    checked = re.findall(r'check\("([^"]+)"', code)
    ps = problem_set(set_id)
    assert checked == list(ps.ids)
    for q in ps.questions:
        assert q.statement in markdown, f"the statement of {q.id} is not in the notebook"
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
    printed = run_then_probe(path, "import json\nfrom scalingedu.grading import statuses\nprint(json.dumps(statuses()))")
    return json.loads(printed)


@pytest.mark.parametrize("set_id", PROBLEM_SET_IDS)
@pytest.mark.parametrize("folder, status", [("exercises", "not answered"), ("solutions", "passed")])
def test_executing_the_notebook_reports_every_question(folder, status, set_id):
    found = execute_with_probe(ROOT / folder / f"{set_id}.ipynb")
    assert found == {question_id: status for question_id in problem_set(set_id).ids}
