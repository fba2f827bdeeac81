"""Typical mistakes as submissions: each problem set's worked solution with one or more answer cells replaced by
what a learner who made a typical mistake would write, graded by the class grader with the score it must get.

A problem set's test module lists its mistakes and calls :func:`grade_mistakes`::

    MISTAKES = [
        Mistake("forgets the 6 in C = 6ND", {"chinchilla.optimal_params": "optimal_params = G * BUDGET_FLOPS ** a"},
                expected=12),
        ...
    ]

    def test_typical_mistakes_score_what_they_deserve(tmp_path):
        grade_mistakes("chinchilla", MISTAKES, tmp_path)

The replacement is the whole source of the answer cell (the code cell that calls ``check("<id>", ...)``); the
cell's ``check`` call may be left out, the grader reads the answer by name. ``expected`` is the total the mistake
submission deserves from the grader, worked out from the points of the questions it gets wrong and the share each
check is worth (not from running the grader); rubric questions count 0 (a person scores them later). The solution
itself must earn every automatic point in the same run. A table of the scores is
printed (pytest -s shows it).
"""
from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from scalingedu.grading import problem_set
from scalingedu.grading.classroom import grade_class
from scalingedu.grading.questions import canonical_question_id
from scalingedu.grading.sandbox import sandbox_problem
from scalingedu.lessons import lesson

ROOT = Path(__file__).resolve().parent.parent
CHECK = re.compile(r"""check\(\s*["']([a-z0-9_]+\.[a-z0-9_]+)["']""")
SANDBOXED = os.environ.get("SCALINGEDU_REQUIRE_SANDBOX") == "1" or not sandbox_problem()


@dataclass(frozen=True)
class Mistake:
    """A typical mistake: what the learner got wrong, the answer cells they wrote, and the total it deserves."""

    name: str
    cells: dict[str, str]
    expected: float
    extra_cells: list[str] = field(default_factory=list)
    """Code cells appended at the end of the notebook (a learner's leftover experiment, say)."""


def _answer_cell_index(notebook, question_id: str) -> int:
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            match = CHECK.search(cell.source)
            if match and canonical_question_id(match.group(1)) == question_id:
                return index
    raise ValueError(f"the solution has no answer cell for {question_id}")


def mistake_notebook(set_id: str, mistake: Mistake, root: Path = ROOT) -> nbformat.NotebookNode:
    """The set's solution notebook with the mistake's answer cells replaced (outputs cleared)."""
    owner = problem_set(set_id)
    notebook = nbformat.read(root / "solutions" / f"{lesson(owner.id).stem}.ipynb", as_version=4)
    notebook = copy.deepcopy(notebook)
    for question_id, source in mistake.cells.items():
        owner.question(question_id)   # an unknown id is an error in the test, not a silent no-op
        cell = notebook.cells[_answer_cell_index(notebook, question_id)]
        cell.source = source
    for source in mistake.extra_cells:
        notebook.cells.append(nbformat.v4.new_code_cell(source))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


def grade_mistakes(set_id: str, mistakes: list[Mistake], folder: Path) -> dict[str, float]:
    """Grade the solution and each mistake in one class run; assert the solution earns full marks and each
    mistake exactly its expected total; print and return ``{name: total}``."""
    owner = problem_set(set_id)
    stem = lesson(owner.id).stem
    submissions = folder / "in"
    submissions.mkdir(parents=True, exist_ok=True)
    solution = ROOT / "solutions" / f"{stem}.ipynb"
    (submissions / f"solution_{stem}.ipynb").write_bytes(solution.read_bytes())
    names = {}
    for number, mistake in enumerate(mistakes, start=1):
        path = submissions / f"mistake{number}_{stem}.ipynb"
        nbformat.write(mistake_notebook(set_id, mistake), str(path))
        names[path.name] = mistake
    report = grade_class([submissions], folder / "out", problem_set_id=owner.id, workers=2, progress=False,
                         cell_seconds=60, sandbox=SANDBOXED)
    totals = {}
    by_a_person = sum(q.points for q in owner.questions if q.rubric)   # 0 until a person scores them
    print(f"\n{owner.id}: {owner.points:g} points, {by_a_person:g} of them scored by a person")
    for grade in report.grades:
        name = Path(grade.submission).name
        if name.startswith("solution_"):
            assert grade.total == grade.possible - by_a_person, (name, [(q.question_id, q.points_earned)
                                                                       for q in grade.questions])
            print(f"  solution: {grade.total:g} of {grade.possible:g}")
            continue
        mistake = names[name]
        totals[mistake.name] = grade.total
        lost = {q.question_id: q.points_possible - q.points_earned for q in grade.questions
                if q.points_earned < q.points_possible}
        print(f"  {mistake.name}: {grade.total:g} of {grade.possible:g} (loses {lost})")
        assert abs(grade.total - mistake.expected) < 1e-6, (mistake.name, grade.total, mistake.expected, lost,
                                                             grade.events)
    return totals
