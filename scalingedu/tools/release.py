"""``scalingedu release --out DIR``: the learners' copy of the course for a graded class.

The public course is for self-paced learners: it ships the solutions and every check, hidden ones included. A
graded class hands out a copy built from it that holds

- the lessons (``notebooks/``), the problem sets to do (``exercises/``), the learners' documentation and the
  two-command set-up (``README.md``, ``course.py``, ``pyproject.toml``, ``environment.yml``);
- the library, with each problem-set module (``scalingedu/problems/<slug>.py``) rewritten: the data the learner
  works with (constants, seeded data sets, classes) stays; every question definition, the helpers that compute
  expected values (names starting with ``_``) and the hidden checks go; the public checks come back **sealed**
  (:mod:`scalingedu.grading.sealed`): they answer "within about 5%" without holding the value;
- a marker module ``scalingedu/_learners_copy.py``, by which ``scalingedu grade`` knows it cannot grade here;

and leaves out ``solutions/``, ``tests/``, the CI scripts and the instructors' notes. With ``--roster`` the sealed
checks of questions whose data depend on the learner are made for each learner of the roster, and the exercises
of those problem sets start with a ``set_learner("")`` cell for the learner's id.

The class grader mounts the same rewritten library in each submission's sandbox (:func:`build_library`), so
that a notebook being graded cannot read the hidden checks either.
"""
from __future__ import annotations

import ast
import datetime
import importlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from .._text import prose
from ..grading.questions import ProblemSet, Question
from ..grading.sealed import freeze, seal_problem_set
from ..lessons import lessons_with_problem_sets

COPIED = ("course.py", "pyproject.toml", "environment.yml", "LICENSE", "notebooks", "exercises", "docs",
          "tests/sanitize.cfg")
LEFT_OUT_DOCS = ("instructors.md",)
MARKER_MODULE = "_learners_copy.py"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


@dataclass(frozen=True)
class Release:
    """What :func:`build_release` wrote: the folder, the problem sets sealed, which questions are per learner,
    and the number of learners of the roster (0 without one)."""

    folder: Path
    problem_sets: tuple[str, ...]
    per_learner: tuple[str, ...]
    learners: int


def _public_module_source(module_name: str, source: str) -> tuple[str, list[str]]:
    """The source of a problem-set module without its questions and private helpers; and the names removed.

    Kept: imports, the module docstring, classes, public functions and constants (with the docstring under each).
    Removed: every top-level name starting with ``_`` that is not a class, every Question or ProblemSet, and every
    string constant that is a question's model answer (a public ``MODEL_ANSWER`` would otherwise ship).
    A kept function that uses a removed name is an error: the learners' copy would fail when it is called.
    """
    module = importlib.import_module(module_name)
    tree = ast.parse(source)
    model_answers = {each.model_answer for each in vars(module).values()
                     if isinstance(each, Question) and getattr(each, "model_answer", None)}
    kept, gone = [], []
    previous_kept = True
    for index, node in enumerate(tree.body):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            if index == 0 or previous_kept:     # the module's docstring, or the docstring of a kept name
                kept.append(node)
            continue
        names = _defined_names(node)
        private = [n for n in names if n.startswith("_")]
        graded = [n for n in names if isinstance(getattr(module, n, None), (Question, ProblemSet))
                  or (isinstance(getattr(module, n, None), str) and prose(getattr(module, n)) in model_answers)]
        keep = isinstance(node, ast.ClassDef) or not (private or graded)
        if keep:
            kept.append(node)
        else:
            gone.extend(names)
        previous_kept = keep
    gone = list(dict.fromkeys(gone))
    lines = source.splitlines()

    def segment(node) -> str:   # whole lines, decorators included
        if id(node) in frozen:
            return frozen[id(node)]
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        return "\n".join(lines[first - 1:node.end_lineno])
    frozen = {id(node): _frozen_function(module, node) for node in kept if _uses(node, set(gone))
              and isinstance(node, ast.FunctionDef) and not node.args.args}
    _refuse_dangling(module_name, [node for node in kept if id(node) not in frozen], set(gone))
    return "".join(segment(node) + "\n\n" for node in kept), gone


def _uses(node, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in names for n in ast.walk(node))


def _frozen_function(module, node: ast.FunctionDef) -> str:
    """A function of no arguments that needs a removed helper, as the copy ships it: returning its value, computed
    now (a given of a later question, such as the capstone's planned shape)."""
    value = getattr(module, node.name)()
    doc = ast.get_docstring(node) or ""
    return (f"def {node.name}():\n"
            f"    {(doc + ' (Its value, stored by the release.)').strip()!r}\n"
            f"    return _thaw({json.dumps(freeze(value))!r})")


def _defined_names(node) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
        if isinstance(node, ast.AnnAssign) else []
    names = []
    for target in targets:
        for each in ast.walk(target):
            if isinstance(each, ast.Name):
                names.append(each.id)
    return names


def _refuse_dangling(module_name: str, kept: list, gone: set[str]) -> None:
    for node in kept:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        dangling = sorted(used & gone)
        if dangling:
            owner = ", ".join(_defined_names(node)) or "a statement"
            raise ValueError(f"{module_name}: {owner} is kept in the learners' copy but uses {', '.join(dangling)}, "
                             f"which the copy leaves out (a question or an expected-value helper); make it not "
                             f"depend on it, or make it private")


def _sealed_module_source(module_name: str, source: str, problem: ProblemSet, learners: list[str],
                          salt: str | None) -> tuple[str, dict]:
    public, _ = _public_module_source(module_name, source)
    sealed = seal_problem_set(problem, learners=learners, salt=salt)
    text = json.dumps(sealed, separators=(",", ":"))
    loader = ("# Written by `scalingedu release`: the questions of this problem set with their public checks sealed\n"
              "# (they say whether an answer is close without holding the value); the hidden checks are not in\n"
              "# this copy of the course. See scalingedu.grading.sealed.\n"
              "import json as _json  # noqa: E402\n\n"
              "from scalingedu.grading.sealed import sealed_problem_set as _sealed_problem_set  # noqa: E402\n"
              "from scalingedu.grading.sealed import thaw as _thaw  # noqa: E402, F401  (values the release stored)\n\n"
              f"_SEALED = {text!r}\n"
              "PROBLEM_SET = _sealed_problem_set(_json.loads(_SEALED))\n")
    return public + loader, sealed


def build_library(source_package: Path, out_package: Path, *, learners: list[str] = (),
                  salt: str | None = None) -> dict[str, dict]:
    """Write the learners' copy of the ``scalingedu`` package (``source_package``) to ``out_package``: problem
    modules sealed, a marker module added. Returns the sealed data by problem-set id."""
    from ..grading import problem_sets
    if out_package.exists():
        raise FileExistsError(f"{out_package} exists already")
    shutil.copytree(source_package, out_package, ignore=IGNORED)
    sets = problem_sets()
    sealed_sets = {}
    for each in lessons_with_problem_sets():
        path = out_package / "problems" / f"{each.slug}.py"
        text, sealed = _sealed_module_source(each.problem_module_name, path.read_text(encoding="utf-8"),
                                             sets[each.slug], list(learners), salt)
        path.write_text(text, encoding="utf-8")
        sealed_sets[each.slug] = sealed
    marker = ('"""The learners\' copy of scalingedu (written by `scalingedu release`): its problem sets carry sealed\n'
              'public checks and no hidden ones, so it cannot grade. Grade with the instructor\'s course."""\n'
              f"BUILT = {datetime.date.today().isoformat()!r}\n")
    (out_package / MARKER_MODULE).write_text(marker, encoding="utf-8")
    return sealed_sets


LEARNERS_README = """\
# scalingedu: how foundation models scale, hands-on (your class's copy)

A Jupyter course on the scaling of foundation models: power laws, compute budgets, the Kaplan and Chinchilla
scaling laws, compute-optimal allocation, distributed-training parallelism, Mixture-of-Experts and diminishing
returns. This is your class's copy: the lessons, the problem sets and the library, without the worked solutions.

## Quickstart

You need Python 3.10 or newer. From this folder:

```bash
python3 course.py lab
python3 course.py test
```

The first command creates a virtual environment in `.venv/`, installs the course into it, and opens JupyterLab on
`notebooks/00_start_here.ipynb`. The second sets up the same environment and runs every lesson and problem set
from top to bottom as a test. (On Windows, type `py` instead of `python3`.)

## Your problem sets

Each lesson from 01 on has a problem set in `exercises/`. Replace each `...` with your answer and run its cell:
`check("question.id", answer)` says at once whether your answer is close ("within about 5%") or not yet, with a
hint. It runs the public checks only; your instructor's grader also runs hidden ones (stricter tolerances, other
inputs), so passing `check` is not yet your mark. Questions answered in your own words are scored by a person
against the criteria listed under them. Where a problem set starts with `set_learner("")`, put your id from the
class roster between the quotes: those problem sets give each learner their own data.

## What the course teaches

LESSONS
"""


def _learners_readme(path: Path) -> None:
    from .readme import lesson_table
    path.write_text(LEARNERS_README.replace("LESSONS", lesson_table()), encoding="utf-8")


SET_LEARNER_MARKDOWN = """\
**Your numbers.** Some questions of this problem set give each learner of the class their own data. Put your id from
the class roster between the quotes below and run the cell before the others; when your instructor grades, the id of
the roster is used."""
SET_LEARNER_CODE = 'from scalingedu.grading import set_learner\n\nset_learner("")   # your id from the class roster'


def _add_learner_cell(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    position = next((i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"), len(notebook.cells))
    notebook.cells[position:position] = [new_markdown_cell(SET_LEARNER_MARKDOWN), new_code_cell(SET_LEARNER_CODE)]
    nbformat.write(notebook, path)


def build_release(root: Path, out: Path, *, learners: list[str] = ()) -> Release:
    """Write the learners' copy of the course at ``root`` to the new folder ``out`` (see the module docstring)."""
    root, out = Path(root), Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"the release folder {out} is not empty: give a new folder")
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=IGNORED)
        elif source.is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, out / name)
    for name in LEFT_OUT_DOCS:
        (out / "docs" / name).unlink(missing_ok=True)
    _learners_readme(out / "README.md")
    pyproject = out / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    # the copy's test command runs what it has: the lessons and the exercises, as nbval tests
    text = text.replace('testpaths = ["tests", "notebooks", "solutions", "exercises"]',
                        'testpaths = ["notebooks", "exercises"]')
    pyproject.write_text(text, encoding="utf-8")
    sealed = build_library(root / "scalingedu", out / "scalingedu", learners=list(learners))
    per_learner = tuple(q["id"] for each in sealed.values() for q in each["questions"] if q["per_learner"])
    if learners:
        for each in lessons_with_problem_sets():
            if any(q["per_learner"] for q in sealed[each.slug]["questions"]):
                _add_learner_cell(out / "exercises" / f"{each.stem}.ipynb")
    problems = verify_release(out)
    if problems:
        raise RuntimeError("the learners' copy does not work:\n" + "\n".join(problems))
    return Release(out, tuple(sealed), per_learner, len(learners))


VERIFY = """
import importlib, json, pkgutil, sys
import scalingedu
from scalingedu.grading import problem_sets
from scalingedu.grading.sealed import HIDDEN_PLACEHOLDER as HIDDEN
report = {"file": scalingedu.__file__, "sets": {}, "errors": []}
for info in pkgutil.walk_packages(scalingedu.__path__, "scalingedu."):
    try:
        importlib.import_module(info.name)
    except Exception as error:
        report["errors"].append(f"{info.name}: {type(error).__name__}: {error}")
for set_id, problem in problem_sets().items():
    report["sets"][set_id] = sum(c.description != HIDDEN for q in problem.questions for c in q.hidden_checks)
print(json.dumps(report))
"""


def verify_release(folder: Path) -> list[str]:
    """Import every module of the copy's library in a fresh Python (the copy first on the path); the problems
    found: a module that does not import, a problem set with a hidden check (other than the placeholder that
    says where they are), or a library that is
    not the copy's."""
    environment = {**os.environ, "PYTHONPATH": str(folder), "MPLBACKEND": "agg"}
    done = subprocess.run([sys.executable, "-c", VERIFY], capture_output=True, text=True, env=environment,
                          cwd=folder, timeout=300)
    if done.returncode != 0:
        return [f"the copy's library does not import: {done.stderr.strip().splitlines()[-1:]}"]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    problems = list(report["errors"])
    if not Path(report["file"]).resolve().is_relative_to(Path(folder).resolve()):
        problems.append(f"imported {report['file']} instead of the copy's library")
    problems += [f"problem set {s} still has hidden checks" for s, count in report["sets"].items() if count]
    return problems


def refuse_in_learners_copy() -> None:
    """ValueError when the installed library is a learners' copy: it has no hidden checks, so it cannot grade."""
    if (Path(__file__).resolve().parent.parent / MARKER_MODULE).is_file():
        raise ValueError("this is the learners' copy of the course (built by `scalingedu release`): it has no hidden "
                         "checks and cannot grade; grade with the instructor's copy of the course")


def add_release_command(subparsers):
    parser = subparsers.add_parser(
        "release", help="build the learners' copy of the course for a graded class (no solutions, sealed checks)",
        description="Write the learners' copy of the course to a new folder: lessons, exercises and the library "
                    "with sealed public checks and no hidden checks or solutions. Make the repository that "
                    "nbgitpuller or Binder serves from this folder.")
    parser.add_argument("--out", type=Path, required=True, help="a new (or empty) folder for the copy")
    parser.add_argument("--roster", type=Path, default=None,
                        help="CSV of the class (column id): questions with per-learner data are sealed for each")
    return parser


def run_release(args, root: Path) -> int:
    from ..grading.roster import read_roster
    learners = list(read_roster(args.roster).ids) if args.roster is not None else []
    release = build_release(root, args.out, learners=learners)
    print(f"wrote the learners' copy to {release.folder}: {len(release.problem_sets)} problem sets sealed, "
          f"{len(release.per_learner)} questions with each learner's own data"
          + (f" (sealed for {release.learners} learners)" if release.learners else " (no roster: shared data)"))
    print("left out: solutions/, tests/, .ci/, docs/instructors.md, CONTRIBUTING.md and every hidden check")
    return 0
