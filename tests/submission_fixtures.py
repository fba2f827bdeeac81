"""Fixture submissions for the class grader, built from the course's own solution and exercise notebooks.

Each fixture is a plausible learner notebook (perfect, blank, partial, tampering, hanging, crashing,
flooding, mangled, corrupt) made from ``solutions/NN_<set>.ipynb`` and ``exercises/NN_<set>.ipynb``
at test time, so the fixtures follow the problem sets when they change. Each comes with the score it
deserves, worked out from the problem set's points and from which answer cells the fixture keeps,
never from running the grader.

Run as a script to write a folder of them for a manual try of ``scalingedu grade``::

    python tests/submission_fixtures.py OUT_DIR [--sets power_laws chinchilla]
"""
from __future__ import annotations

import copy
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from scalingedu.grading import problem_set
from scalingedu.grading.questions import canonical_question_id
from scalingedu.lessons import lesson

ROOT = Path(__file__).resolve().parent.parent
CHECK = re.compile(r"""check\(\s*["']([a-z0-9_]+\.[a-z0-9_]+)["']""")

TAMPER = '''\
import scalingedu.grading as grading, scalingedu.grading.grader as grader, scalingedu.grading.checks as checks
from scalingedu.grading.checks import CheckResult
def check(question_id, answer):            # a check that always says yes
    print(f"{question_id}: all tests passed! 100%")
grading.check = check
checks.Check.__call__ = lambda self, answer: CheckResult(True, "passed")
grader.grade_answer = lambda *args, **kwargs: "100%"
grading.grade_answer = grader.grade_answer
print("Score: 100% (all tests passed)")
'''

LIARS = '''\
class Liar(float):                         # equal to everything, never far from anything
    def __eq__(self, other): return True
    def __sub__(self, other): return Liar(0.0)
    def __rsub__(self, other): return Liar(0.0)
    def __abs__(self): return Liar(0.0)
    def __le__(self, other): return True
    def __lt__(self, other): return True
def peeking(*args):                        # looks in its callers' frames for the grader's expected value
    import inspect
    for frame in inspect.stack():
        if "expected" in frame.frame.f_locals:
            return frame.frame.f_locals["expected"]
    return Liar(0.0)
'''

HANG_INTERRUPTIBLE = "while True:\n    pass\n"
HANG_STUBBORN = ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)   # ignores the grader's interrupt\n"
                 "while True:\n    pass\n")
EXIT = "import os\nos._exit(3)\n"
FLOOD = "for line in range(200_000):\n    print('flood ' * 20)\n"


@dataclass
class Fixture:
    """One fixture submission: its file name, its bytes and the points it deserves (of ``possible``)."""

    name: str
    content: bytes
    expected: float
    possible: float
    kind: str


def _load(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


def _checked_id(cell) -> str | None:
    """The id of the question a code cell checks; a legacy id ("pl.halving") as its new name."""
    match = CHECK.search(cell.source) if cell.cell_type == "code" else None
    return canonical_question_id(match.group(1)) if match else None


def _answer_cells(notebook) -> list[tuple[int, str]]:
    """(cell index, question id) of the cells that call ``check``, in notebook order."""
    found = [(index, _checked_id(cell)) for index, cell in enumerate(notebook.cells)]
    return [(index, question_id) for index, question_id in found if question_id]


def _bytes(notebook) -> bytes:
    return nbformat.writes(notebook).encode("utf-8")


def _first_answered(solution, exercise, count: int):
    """The exercise with the solution's answer cells of the first ``count`` questions (by cell id)."""
    by_id = {cell.get("id"): cell for cell in solution.cells}
    notebook = copy.deepcopy(exercise)
    answered = [question_id for _, question_id in _answer_cells(solution)[:count]]
    for index, cell in enumerate(notebook.cells):
        if _checked_id(cell) in answered:
            notebook.cells[index] = copy.deepcopy(by_id[cell.get("id")])
    return notebook, answered


def _insert_after(notebook, question_id: str, source: str):
    """A copy of ``notebook`` with a new code cell right after the answer cell of ``question_id``."""
    notebook = copy.deepcopy(notebook)
    for index, cell in enumerate(notebook.cells):
        if _checked_id(cell) == question_id:
            notebook.cells.insert(index + 1, new_code_cell(source))
            return notebook
    raise ValueError(f"no answer cell for {question_id}")


def fixtures(set_id: str, root: Path = ROOT) -> list[Fixture]:
    """Fifteen fixture submissions for problem set ``set_id``, each with the points it deserves."""
    owner = problem_set(set_id)
    set_id, stem = owner.id, lesson(owner.id).stem
    # a rubric question earns nothing from the grader (a person scores it later): it counts 0 here
    points = {q.id: 0.0 if q.rubric else float(q.points) for q in owner.questions}
    possible = float(owner.points)
    automatic = sum(points.values())
    solution = _load(root / "solutions" / f"{stem}.ipynb")
    exercise = _load(root / "exercises" / f"{stem}.ipynb")
    order = [question_id for _, question_id in _answer_cells(solution)]
    assert sorted(order) == sorted(points), f"{set_id}: the solution's check cells do not cover its questions"
    half = len(order) // 2
    first_half = sum(points[q] for q in order[:half])
    made: list[Fixture] = []

    def add(kind, notebook_or_bytes, expected):
        content = notebook_or_bytes if isinstance(notebook_or_bytes, bytes) else _bytes(notebook_or_bytes)
        made.append(Fixture(f"{kind}_{set_id}.ipynb", content, expected, possible, kind))

    add("perfect", solution, automatic)
    add("blank", exercise, 0.0)
    partial, answered = _first_answered(solution, exercise, half)
    add("partial", partial, first_half)

    # Tampering: a check that always passes, a patched grader in the kernel, "100%" printed and stored, lying
    # answers to the questions left unanswered. Only the honest half earns points.
    tampered = copy.deepcopy(partial)
    tampered.cells.insert(1, new_code_cell(LIARS))
    tampered.cells.append(new_code_cell(TAMPER))
    lies = []
    for q in owner.questions:
        if q.id not in answered:
            name = _answer_name(solution, q.id)
            lies.append(f"{name} = peeking" if q.answer_kind == "function" else f"{name} = Liar(0.0)")
    tampered.cells.append(new_code_cell("\n".join(lies)))
    tampered.cells.append(new_code_cell(TAMPER.replace("100%", "100 %")))
    tampered.metadata["scalingedu"] = {"score": possible, "all_tests_passed": True}
    tampered.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="Score: 100%\n")]
    add("tamper", tampered, first_half)

    # Hanging after the first half: an interruptible loop is stopped and the rest still runs; a loop that
    # ignores the interrupt ends the run, and the answers read before it count.
    add("hang_interruptible", _insert_after(solution, order[half - 1], HANG_INTERRUPTIBLE), automatic)
    add("hang_stubborn", _insert_after(solution, order[half - 1], HANG_STUBBORN), first_half)
    add("kernel_exit", _insert_after(solution, order[half - 1], EXIT), first_half)

    raising = copy.deepcopy(solution)          # the last answer's cell raises before it assigns
    last_index = _answer_cells(raising)[-1][0]
    raising.cells[last_index].source = "raise RuntimeError('I give up')\n" + raising.cells[last_index].source
    add("raises", raising, automatic - points[order[-1]])

    flood = copy.deepcopy(solution)
    flood.cells.insert(1, new_code_cell(FLOOD))
    add("flood", flood, automatic)

    deleted = copy.deepcopy(solution)          # the last answer's cell deleted
    del deleted.cells[_answer_cells(deleted)[-1][0]]
    add("deleted_cell", deleted, automatic - points[order[-1]])

    duplicated = copy.deepcopy(solution)       # every cell twice
    duplicated.cells = [copy.deepcopy(c) for cell in solution.cells for c in (cell, cell)]
    for number, cell in enumerate(duplicated.cells):
        cell["id"] = f"dup-{number}"
    add("duplicated", duplicated, automatic)

    reordered = copy.deepcopy(solution)        # markdown shuffled, the summary cell moved to the top
    markdown = [c for c in reordered.cells if c.cell_type == "markdown"]
    random.Random(8).shuffle(markdown)
    code = [c for c in reordered.cells if c.cell_type == "code"]
    summary = [c for c in code if "summary()" in c.source]
    rest = [c for c in code if c not in summary]
    reordered.cells = summary + markdown[: len(markdown) // 2] + rest + markdown[len(markdown) // 2:]
    add("reordered", reordered, automatic)

    text = _bytes(solution)
    add("corrupt_truncated", text[: len(text) // 2], 0.0)
    add("corrupt_not_notebook", b'["this is", "not a notebook"]\n', 0.0)

    mangled = json.loads(text)                 # breaks the schema, keeps the code
    for cell in mangled["cells"]:
        cell.pop("metadata", None)
        cell.pop("outputs", None)
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(keepends=True)
    mangled["cells"].insert(0, {"cell_type": "code", "source": 42})
    add("schema_broken", json.dumps(mangled).encode("utf-8"), automatic)
    return made


def _answer_name(solution, question_id: str) -> str:
    for cell in solution.cells:
        if _checked_id(cell) == question_id:
            match = re.search(r"""check\(\s*["'][^"']+["']\s*,\s*(\w+)\s*\)""", cell.source)
            if match:
                return match.group(1)
    raise ValueError(f"no check call for {question_id}")


def write_fixtures(folder: Path, sets=("power_laws", "chinchilla")) -> list[tuple[Path, Fixture]]:
    """Write the fixtures of each problem set of ``sets`` into ``folder``; return (path, fixture) pairs."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for set_id in sets:
        for fixture in fixtures(set_id):
            path = folder / fixture.name
            path.write_bytes(fixture.content)
            written.append((path, fixture))
    return written


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments:
        sys.exit(__doc__)
    sets = (arguments[arguments.index("--sets") + 1:] if "--sets" in arguments
            else ["power_laws", "chinchilla"])
    for path, fixture in write_fixtures(Path(arguments[0]), sets):
        print(f"{path}  deserves {fixture.expected:g} of {fixture.possible:g}")
