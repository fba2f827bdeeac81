"""Exercises from solutions: ``solutions/*.ipynb`` is the single source, ``exercises/`` is generated from it.

In a solution notebook, the worked code of each answer sits between two marker lines in a code cell::

    ### BEGIN SOLUTION
    halving_factor = 2 ** (1 / alpha)
    ### END SOLUTION
    check("power_laws.halving", halving_factor)

:func:`build_exercise` replaces each marked region with a stub derived from the region's code with ``ast``:

- a top-level assignment ``name = <expr>`` becomes ``name = ...  # YOUR CODE HERE``;
- ``def f(args):`` keeps its decorators, signature and docstring; its body becomes ``return ...  # YOUR CODE
  HERE``, so that calling it returns ``...`` (Ellipsis), which the checks read as "not answered";
- ``return <expr>`` (in a region inside a function) becomes ``return ...  # YOUR CODE HERE``;
- every other statement is dropped (a region left empty becomes ``pass  # YOUR CODE HERE``).

Stubs keep the indentation of the BEGIN marker. Markdown cells may hold worked answers in prose between
``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` lines; each such region becomes "*Write your answer
here.*". Outputs and execution counts are cleared, cell ids kept, execution metadata dropped, and a banner cell on
top says where the notebook comes from. The result depends only on the solution, so building twice gives
byte-identical files.

**Question cells come from the questions' one source.** A Markdown cell whose metadata holds
``{"scalingedu": {"question": "<id>"}}`` is a question cell: its text (heading with number, title, id, points and
kind, then the statement) is rendered from the :class:`~scalingedu.grading.Question` in
``scalingedu/problems/<slug>.py`` by :func:`render_question_cells`, which ``build_exercises`` applies to the
solution notebook before it writes the exercise. The direction is Python → notebook because statements quote
values the library computes (published constants, targets), and the checks sit beside them in Python. A solution
must hold one question cell per question of its problem set, in the problem set's order, each followed (before
the next question cell) by a code cell that calls ``check("<id>", ...)``.
"""
from __future__ import annotations

import ast
import copy
from pathlib import Path

import nbformat

CODE_BEGIN = "### BEGIN SOLUTION"
CODE_END = "### END SOLUTION"
MARKDOWN_BEGIN = "<!-- BEGIN SOLUTION -->"
MARKDOWN_END = "<!-- END SOLUTION -->"
STUB_COMMENT = "# YOUR CODE HERE"
MARKDOWN_STUB = "*Write your answer here.*"
BANNER_ID = "generated-banner"
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


QUESTION_METADATA_KEY = "scalingedu"


class MarkerError(ValueError):
    """Solution markers that do not pair up, or a marked region that is not valid Python."""


class QuestionCellError(ValueError):
    """A solution notebook whose question cells do not match its problem set (missing, extra or out of order)."""


def question_cell_id(cell) -> str | None:
    """The question id a cell is marked with, or None for an ordinary cell."""
    marker = cell.get("metadata", {}).get(QUESTION_METADATA_KEY, {})
    return marker.get("question") if isinstance(marker, dict) else None


def mark_question_cell(cell, question_id: str) -> None:
    cell.setdefault("metadata", {})[QUESTION_METADATA_KEY] = {"question": question_id}


def render_question_cells(notebook: nbformat.NotebookNode, problem, *,
                          name: str = "the solution notebook") -> nbformat.NotebookNode:
    """A copy of ``notebook`` with every question cell's text rendered from ``problem`` (a ProblemSet).

    Raises :class:`QuestionCellError` naming the notebook when a question has no cell, a cell names a question
    the set does not have, the cells are out of order, or a question's cell is not followed by its check call.
    """
    rendered = copy.deepcopy(notebook)
    marked = [(index, question_cell_id(cell)) for index, cell in enumerate(rendered.cells)
              if question_cell_id(cell)]
    found = [question_id for _, question_id in marked]
    if found != list(problem.ids):
        missing = [i for i in problem.ids if i not in found]
        extra = [i for i in found if i not in problem.ids]
        detail = (f"missing: {', '.join(missing)}" if missing else "") + \
                 (f"; unknown: {', '.join(extra)}" if extra else "")
        raise QuestionCellError(
            f"{name}: its question cells must be those of problem set {problem.id!r}, once each and in order "
            f"({', '.join(problem.ids)}); found {', '.join(found) or 'none'}" + (f" ({detail})" if detail else ""))
    bounds = [index for index, _ in marked] + [len(rendered.cells)]
    for number, ((index, question_id), end) in enumerate(zip(marked, bounds[1:]), start=1):
        q = problem.question(question_id)
        cell = rendered.cells[index]
        if cell.cell_type != "markdown":
            raise QuestionCellError(f"{_where(name, index, cell)}: a question cell must be a Markdown cell")
        cell.source = q.markdown(number)
        if not any(_calls_check(c, question_id, name, position) for position, c in
                   enumerate(rendered.cells[index + 1:end], start=index + 1) if c.cell_type == "code"):
            raise QuestionCellError(f"{_where(name, index, cell)}: no code cell after the question calls "
                                    f'check("{question_id}", answer_name) at its top level, outside the solution '
                                    f"markers, before the next question")
    return rendered


def _calls_check(cell, question_id: str, name: str, index: int) -> bool:
    """Whether the exercise version of ``cell`` calls ``check("<question_id>", <a name>)`` as a statement of its own:
    the call the learner runs, and the one the grader reads the answer's name from (a call that is commented out,
    inside the solution markers, or given an expression instead of a name does not count)."""
    code = "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line
                     for line in _stub_code(cell.source, _where(name, index, cell)).splitlines())
    try:
        statements = ast.parse(code).body
    except SyntaxError:
        return False
    return any(isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
               and isinstance(node.value.func, ast.Name) and node.value.func.id == "check"
               and len(node.value.args) >= 2 and isinstance(node.value.args[0], ast.Constant)
               and node.value.args[0].value == question_id and isinstance(node.value.args[1], ast.Name)
               for node in statements)


def _where(name: str, index: int, cell) -> str:
    cell_id = cell.get("id", "")
    return f"{name}, cell {index}" + (f" (id {cell_id})" if cell_id else "")


def _regions(lines: list[str], begin: str, end: str, where: str) -> list[tuple[int, int]]:
    """Pairs (begin line, end line) of the marked regions, 0-based; MarkerError if they do not pair up."""
    regions = []
    opened = None
    for number, line in enumerate(lines):
        marker = line.strip()
        if marker == begin:
            if opened is not None:
                raise MarkerError(f"{where}: line {number + 1} opens '{begin}' inside the region opened on line "
                                  f"{opened + 1}; close it with '{end}' first")
            opened = number
        elif marker == end:
            if opened is None:
                raise MarkerError(f"{where}: line {number + 1} has '{end}' without a '{begin}' before it")
            regions.append((opened, number))
            opened = None
    if opened is not None:
        raise MarkerError(f"{where}: '{begin}' on line {opened + 1} is never closed with '{end}'")
    return regions


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _parse_region(lines: list[str], indent: str, where: str) -> list[ast.stmt]:
    """Parse the region's lines as they stand (indented ones inside a dummy ``if``), keeping line numbers."""
    text = "\n".join(lines)
    try:
        if indent:
            return ast.parse("if True:\n" + text).body[0].body
        return ast.parse(text).body
    except SyntaxError as error:
        line = (error.lineno or 1) - (1 if indent else 0)
        raise MarkerError(f"{where}: the solution region does not parse as Python on its line {line}: "
                          f"{error.msg}") from None


def _stub_function(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str], indent: str) -> list[str]:
    """The function's original header (decorators, signature) and docstring, then ``return ...``."""
    body = node.body
    has_docstring = (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                     and isinstance(body[0].value.value, str))
    if body[0].lineno == node.lineno:
        # A one-line function such as "def f(x): return x": rebuild it with ast.
        stub = copy.deepcopy(node)
        stub.body = ([body[0]] if has_docstring else []) + [ast.Return(ast.Constant(...))]
        text = ast.unparse(stub).splitlines()
        text[-1] += "  " + STUB_COMMENT
        return [indent + line for line in text]
    first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1   # 0-based
    if has_docstring:
        header = lines[first:body[0].end_lineno]
    else:
        header = lines[first:body[0].lineno - 1]
        while header[-1].strip() == "" or header[-1].strip().startswith("#"):  # comments before the body
            header.pop()
    body_indent = _indentation(lines[body[0].lineno - 1])
    return header + [f"{body_indent}return ...  {STUB_COMMENT}"]


def _is_plain_target(target: ast.expr) -> bool:
    """A name, or a flat tuple of names (``x, y = ...``): the assignments that get a stub."""
    if isinstance(target, ast.Tuple):
        return all(isinstance(element, ast.Name) for element in target.elts)
    return isinstance(target, ast.Name)


def _target_text(target: ast.expr) -> str:
    if isinstance(target, ast.Tuple):
        return ", ".join(ast.unparse(element) for element in target.elts)
    return ast.unparse(target)


def _stub_lines(lines: list[str], marker_indent: str, where: str) -> list[str]:
    """The stub for the solution code ``lines`` (the lines between the markers)."""
    code = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    indent = _indentation(code[0]) if code else marker_indent
    statements = _parse_region(lines, indent, where) if code else []
    offset = 1 if indent else 0   # the dummy "if True:" line shifts line numbers by one
    shifted = [""] * offset + lines
    stub: list[str] = []
    for node in statements:
        node_indent = _indentation(shifted[node.lineno - 1])
        if isinstance(node, ast.Assign) and all(_is_plain_target(t) for t in node.targets):
            targets = " = ".join(_target_text(t) for t in node.targets)
            names = node.targets[-1].elts if isinstance(node.targets[-1], ast.Tuple) else [node.targets[-1]]
            value = ", ".join("..." for _ in names)
            stub.append(f"{node_indent}{targets} = {value}  {STUB_COMMENT}")
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            stub.append(f"{node_indent}{node.target.id}: {ast.unparse(node.annotation)} = ...  {STUB_COMMENT}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stub.extend(_stub_function(node, shifted, node_indent))
        elif isinstance(node, ast.Return):
            stub.append(f"{node_indent}return ...  {STUB_COMMENT}")
    if not stub:
        stub.append(f"{indent}pass  {STUB_COMMENT}")
    return stub


def _stub_code(source: str, where: str) -> str:
    lines = source.splitlines()
    regions = _regions(lines, CODE_BEGIN, CODE_END, where)
    for begin, end in reversed(regions):
        lines[begin:end + 1] = _stub_lines(lines[begin + 1:end], _indentation(lines[begin]), where)
    return "\n".join(lines) + ("\n" if source.endswith("\n") else "")


def _stub_markdown(source: str, where: str) -> str:
    lines = source.splitlines()
    for begin, end in reversed(_regions(lines, MARKDOWN_BEGIN, MARKDOWN_END, where)):
        lines[begin:end + 1] = [MARKDOWN_STUB]
    return "\n".join(lines) + ("\n" if source.endswith("\n") else "")


def _banner(name: str) -> nbformat.NotebookNode:
    text = (f"> **Generated from `{name}` by `scalingedu build-exercises`: do not edit.** Authors: change the "
            f"solution notebook and run the command again. Learners: fill in every `...` and run the cells; "
            f"`check(...)` tells you at once how you are doing.")
    cell = nbformat.v4.new_markdown_cell(text)
    cell["id"] = BANNER_ID
    return cell


def build_exercise(notebook: nbformat.NotebookNode, *, name: str = "the solution notebook") -> nbformat.NotebookNode:
    """The exercise version of a solution notebook (a new notebook; the argument is not changed).

    ``name`` is the solution's path as shown in the banner and in errors, e.g. "solutions/01_power_laws.ipynb".
    Raises :class:`MarkerError` (a ValueError) naming the notebook and cell when markers do not pair up or a
    marked region is not valid Python.
    """
    source_cells = notebook.get("cells", [])
    cells = [_banner(name)]
    for index, original in enumerate(source_cells):
        cell = copy.deepcopy(original)
        where = _where(name, index, cell)
        if cell.get("id") == BANNER_ID:
            raise MarkerError(f"{where}: the solution must not contain a cell with the banner's id {BANNER_ID!r}")
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
        if "id" not in cell:
            cell["id"] = f"cell-{index}"
        if cell.cell_type == "code":
            cell.source = _stub_code(cell.source, where)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = _stub_markdown(cell.source, where)
        cells.append(cell)
    exercise = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(NOTEBOOK_METADATA))
    nbformat.validate(exercise)
    return exercise


def _text(notebook: nbformat.NotebookNode) -> str:
    text = nbformat.writes(notebook)
    return text if text.endswith("\n") else text + "\n"


def _built(solution: Path, root: Path) -> tuple[str, str]:
    """(the solution's text with its question cells rendered, the exercise's text)."""
    from ..grading import problem_set  # imported here: tools may import the course, not the reverse
    from ..lessons import lesson

    name = solution.relative_to(root).as_posix()
    notebook = nbformat.read(solution, as_version=4)
    rendered = render_question_cells(notebook, problem_set(lesson(solution.stem).slug), name=name)
    return _text(rendered), _text(build_exercise(rendered, name=name))


def _pairs(root: Path) -> list[tuple[Path, Path]]:
    """(solution, exercise) paths of every lesson in the registry that has a problem set."""
    from ..lessons import lessons_with_problem_sets

    root = Path(root)
    folder = root / "solutions"
    if not folder.is_dir():
        raise FileNotFoundError(f"root must be the course checkout holding solutions/ (no {folder})")
    known = {each.solution: each for each in lessons_with_problem_sets()}
    for path in sorted(folder.glob("*.ipynb")):
        if f"solutions/{path.name}" not in known:
            raise QuestionCellError(f"solutions/{path.name} belongs to no lesson with a problem set in the registry "
                                    f"(scalingedu/lessons.py): add the lesson there, or rename the notebook")
    return [(root / each.solution, root / each.exercise) for each in known.values()
            if (root / each.solution).is_file()]


def build_exercises(root: Path) -> list[Path]:
    """Render the question cells of every solution under ``root`` and write its exercise; return paths written.

    A solution is rewritten only when a question cell changed (its outputs are kept as they are).
    """
    root = Path(root)
    written = []
    for solution, exercise in _pairs(root):
        solution_text, exercise_text = _built(solution, root)
        if solution.read_bytes() != solution_text.encode("utf-8"):
            solution.write_bytes(solution_text.encode("utf-8"))
            written.append(solution)
        exercise.parent.mkdir(exist_ok=True)
        exercise.write_bytes(exercise_text.encode("utf-8"))
        written.append(exercise)
    return written


def stale_exercises(root: Path) -> list[Path]:
    """Notebooks that :func:`build_exercises` would change: exercises that are missing or out of date, and
    solutions whose question cells differ from their questions' source."""
    root = Path(root)
    stale = []
    for solution, exercise in _pairs(root):
        solution_text, exercise_text = _built(solution, root)
        if solution.read_bytes() != solution_text.encode("utf-8"):
            stale.append(solution)
        if not exercise.is_file() or exercise.read_bytes() != exercise_text.encode("utf-8"):
            stale.append(exercise)
    return stale
