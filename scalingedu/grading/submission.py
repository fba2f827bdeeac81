"""Grading one submitted notebook: run it in its own fresh kernel, read its answers as data, grade them here.

:func:`grade_submission` is the heart of ``scalingedu grade``. For one submission it

1. reads the file's bytes once (the file is never written; its SHA-256 goes in the report) and keeps every code
   cell it can find, even in a notebook that no longer follows the notebook format; a file that is not JSON at all
   is graded 0 with an explanation;
2. runs those cells, in the order they appear, in a new kernel whose working folder holds a copy of the
   submission, with a time limit per cell and per notebook. A cell that raises is recorded and the next one runs;
   a cell over its limit is interrupted; a kernel that ignores the interrupt or exits is stopped, and the
   questions answered before that still count (see below). Nothing the notebook prints or stores is read: output
   is thrown away as it arrives, so a flood of output cannot fill the grader's memory either;
3. grades every question of the problem set in THIS process with :func:`scalingedu.grading.grade_answer` (public
   and hidden checks, partial credit) on answers read out of the kernel by name as plain data
   (:mod:`scalingedu.grading.kernel_answers`). A learner's function is called in the learner's kernel on the
   grader's inputs and only its results come back. So replacing ``check``, patching ``scalingedu.grading`` in the
   kernel or printing "100%" changes nothing.

Answers are read after the last cell; they are also read right after each cell that mentions an answer's name,
so that a kernel that dies or hangs later keeps what it had earned (the last reading before the failure counts).
"""
from __future__ import annotations

import ast
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_code_cell, new_notebook, new_output

from .. import _validate as v
from ..lessons import lesson
from .grader import GradeResult, grade_answer
from .kernel_answers import NeedCall, RemoteFunction, arguments_key, decode, probe_source, request_text
from .learner import ENVIRONMENT_VARIABLE as LEARNER_VARIABLE
from .learner import as_learner
from .questions import ProblemSet, canonical_question_id, problem_sets
from .questions import problem_set as find_problem_set
from .sandbox import NO_SANDBOX_RISKS, Sandbox, SandboxedKernelManager, Watchdog, sandbox_problem

KERNEL_NAME = "python3"
KERNEL_START_ATTEMPTS = 3
"""Kernels started for one submission before it is graded as "kernel did not start"."""
TIMEOUT_ERROR = "GraderTimeLimit"
PING_SECONDS = 4
"""How long a kernel gets to answer a trivial cell after a time-out before it is declared unresponsive."""
CALL_ROUNDS = 40
"""At most this many calls of one learner function per reading (the checks make a handful)."""
CHECK_CALL = re.compile(r"""check\(\s*["']([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)["']""")


# Results ------------------------------------------------------------------------------------------------------------

@dataclass
class QuestionGrade:
    """The grade of one question of one submission, with every check's verdict and where the answer came from."""

    question_id: str
    points_earned: float
    points_possible: float
    status: str
    hint: str
    answer_name: str
    source: str
    """"end of notebook", "after cell N" (a reading kept because the kernel failed later), or "" (no answer)."""
    checks: list[dict] = field(default_factory=list)
    note: str = ""
    answer_text: str = ""
    """A rubric question's written answer, for the person who scores it (``rubric-to-mark.csv``)."""


@dataclass
class SubmissionGrade:
    """The grade of one submission: per-question grades, what happened while it ran, and its file's hash."""

    submission: str
    path: str
    sha256: str
    problem_set: str
    title: str
    total: float
    possible: float
    status: str
    """"graded", "not a notebook", "unknown problem set", "wrong problem set" (the class is graded on another one),
    "kernel did not start" or "grader error"."""
    questions: list[QuestionGrade] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


# Reading the file ---------------------------------------------------------------------------------------------------

@dataclass
class _Cells:
    sources: list[tuple[int, str]]      # (position of the cell in the notebook, 1-based; its code)
    problem: str = ""                   # why nothing could be read, if so
    notes: list[str] = field(default_factory=list)


def _source_text(source) -> str | None:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return None


def read_code_cells(raw: bytes) -> _Cells:
    """The code cells of a notebook file's bytes, salvaging what it can from a damaged notebook."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return _Cells([], f"the file is not UTF-8 text (byte {error.start}), so it is not a notebook")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return _Cells([], f"the file is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
                          f"it may have been cut short or edited in a text editor")
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return _Cells([], "the file is JSON but not a notebook: it has no list of cells")
    cells = _Cells([])
    skipped = 0
    for position, cell in enumerate(data["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _source_text(cell.get("source", ""))
        if source is None:
            skipped += 1
            continue
        cells.sources.append((position, source))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # nbformat warns about missing cell ids; errors are what matter
            nbformat.validate(nbformat.from_dict(data))
    except Exception as error:  # any schema problem: say so, run what was found
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        cells.notes.append(f"The notebook does not follow the notebook format ({first_line[:150]}); its code cells "
                           f"were run as found.")
    if skipped:
        cells.notes.append(f"{skipped} code cell(s) had no readable source and were skipped.")
    return cells


def detect_problem_set(raw: bytes, filename: str = "") -> str | None:
    """The id of the problem set a submission answers, or None when it cannot tell.

    A problem-set id in the file name wins (instructors collect ``NAME/04_chinchilla.ipynb``); otherwise the
    question-id prefix used most often in the notebook's ``check("…")`` calls.
    """
    sets = problem_sets()
    for set_id in sorted(sets, key=len, reverse=True):
        if set_id in filename:
            return set_id
    text = raw.decode("utf-8", "replace")
    counts: dict[str, int] = {}
    for question_id in CHECK_CALL.findall(text.replace('\\"', '"')):
        prefix = canonical_question_id(question_id).split(".", 1)[0]
        counts[prefix] = counts.get(prefix, 0) + 1
    for prefix, _ in sorted(counts.items(), key=lambda item: -item[1]):
        if prefix in sets:
            return prefix
    return None


def _check_call_names(source: str) -> dict[str, str]:
    """``{question id: answer name}`` for each ``check("id", name)`` call in one cell's code."""
    code = "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    found = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check"
                and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str) and isinstance(node.args[1], ast.Name)):
            found.setdefault(canonical_question_id(node.args[0].value), node.args[1].id)
    return found


def answer_names_of_notebook(path: Path) -> dict[str, str]:
    """``{question id: answer name}`` from the ``check(...)`` calls of a notebook (a solution or an exercise)."""
    notebook = nbformat.read(path, as_version=4)
    names: dict[str, str] = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for question_id, name in _check_call_names(cell.source).items():
                names.setdefault(question_id, name)
    return names


def reference_answer_names(problem_set_id: str, root: Path | None) -> dict[str, str]:
    """The answer name of each question, read from the set's solution (or exercise) notebook under ``root``.

    The grader reads answers under these names, whatever the submission's own ``check`` calls say; the names in
    the submission are only a fallback for an answer the learner stored under another name.
    """
    if root is None:
        return {}
    stem = lesson(problem_set_id).stem
    for folder in ("solutions", "exercises"):
        path = Path(root) / folder / f"{stem}.ipynb"
        if path.is_file():
            return answer_names_of_notebook(path)
    return {}


# Running the kernel ------------------------------------------------------------------------------------------------

class _QuietClient(NotebookClient):
    """An nbclient that keeps only error names and messages, and drops every other output as it arrives."""

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "error":
            content = msg.get("content", {})
            outs.append(new_output("error", ename=str(content.get("ename", ""))[:100],
                                   evalue=str(content.get("evalue", ""))[:300], traceback=[]))
        return None


class _Kernel:
    """One learner's kernel: runs cells with time limits, answers readings, and knows when it is lost."""

    def __init__(self, client: _QuietClient, scratch: Path):
        self.client = client
        self.scratch = scratch
        self.lost = ""             # why the kernel can no longer be used ("" while it can)
        self.deadline = math.inf   # time.monotonic() by which the submission must be done: cells and readings
        self.watchdog: Watchdog | None = None
        self._counter = itertools.count()
        self._cell = new_code_cell("")
        client.nb.cells.append(self._cell)

    def run(self, source: str, seconds: float, *, history: bool = True) -> tuple[str, str]:
        """Run ``source``; return ("ok" | "error" | "timeout" | "dead", message)."""
        if self.lost:
            return "dead", self.lost
        replies: list[dict] = []
        self.client.on_cell_error = lambda cell, cell_index, execute_reply: replies.append(execute_reply["content"])
        self.client.timeout = max(1, math.ceil(seconds))
        self._cell.source = source
        self._cell.outputs = []
        try:
            self.client.execute_cell(self._cell, len(self.client.nb.cells) - 1, store_history=history)
        except DeadKernelError:
            self.lost = self._why_dead()
            return "dead", self.lost
        except CellTimeoutError:
            replies.append({"ename": TIMEOUT_ERROR, "evalue": ""})
        if replies:
            content = replies[-1]
            if content.get("ename") == TIMEOUT_ERROR:
                limit = self.client.timeout
                self._after_timeout()
                return "timeout", f"stopped after {limit} s"
            return "error", _error_text(content.get("ename", "Error"), content.get("evalue", ""))
        return "ok", ""

    def _why_dead(self) -> str:
        if self.watchdog is not None and self.watchdog.reason:
            return f"the sandbox was stopped because {self.watchdog.reason}"
        return "the kernel exited"

    def _after_timeout(self):
        """After an interrupted cell: check that the kernel answers a trivial cell, else give up on it."""
        self.client.timeout = PING_SECONDS
        self._cell.source = "pass"
        replies: list[dict] = []
        self.client.on_cell_error = lambda cell, cell_index, execute_reply: replies.append(execute_reply["content"])
        try:
            self.client.execute_cell(self._cell, len(self.client.nb.cells) - 1, store_history=False)
        except DeadKernelError:
            self.lost = self._why_dead()
            return
        except CellTimeoutError:
            replies.append({"ename": TIMEOUT_ERROR})
        if any(r.get("ename") == TIMEOUT_ERROR for r in replies):
            self.lost = "the kernel stopped responding (it ignored the interrupt)"

    def read(self, name: str, calls: list[tuple], seconds: float) -> tuple[dict | None, str]:
        """Ask the kernel for answer ``name`` (and its value on each argument list of ``calls``) as data.

        A reading counts against the submission's deadline like a cell: an answer that is slow to hand over (a
        slow ``__float__``, a slow function) cannot keep the grader busy past the notebook's time limit."""
        seconds = min(seconds, self.deadline - time.monotonic())
        if seconds <= 0:
            return None, "the notebook's time limit was reached before this answer was read"
        number = next(self._counter)
        self.scratch.mkdir(parents=True, exist_ok=True)
        request = self.scratch / f"request-{number}.json"
        reply = self.scratch / f"reply-{number}.json"
        request.write_text(request_text(name, calls))
        state, message = self.run(probe_source(str(request), str(reply)), seconds, history=False)
        try:
            if reply.stat().st_size > LARGEST_REPLY_BYTES:
                return None, (f"the answer handed over is larger than {LARGEST_REPLY_BYTES / 10**6:g} MB: "
                              f"give a number, or an array of at most a million values")
            data = json.loads(reply.read_text())
        except (OSError, ValueError):
            return None, message or "the kernel did not hand over the answer"
        if not isinstance(data, dict):
            return None, "the kernel handed over something that is not an answer"
        return data, message if state == "timeout" else ""


LEARNER_TEXT_CHARACTERS = 80
"""How much of an exception's own message the feedback quotes: enough to recognise it, too little to smuggle a
classmate's file or the grading account's secrets out through it."""


def _error_text(ename, evalue) -> str:
    """``ExceptionName ("the message", shortened)``: the name as Python gives it (a word), the message marked as the
    notebook's own text, on one line and cut to :data:`LEARNER_TEXT_CHARACTERS`."""
    name = "".join(ch for ch in str(ename) if ch.isalnum() or ch in "._")[:60] or "Error"
    message = " ".join(str(evalue).split())
    if not message:
        return name
    if len(message) > LEARNER_TEXT_CHARACTERS:
        message = message[:LEARNER_TEXT_CHARACTERS - 1] + "…"
    return f'{name} (its message, as the notebook wrote it: "{message}")'


# Grading the answers -----------------------------------------------------------------------------------------------

def _outcomes(result: GradeResult) -> list[dict]:
    return [asdict(outcome) for outcome in result.checks]


def _result_of_call(reply: dict | None, message: str, seconds: float) -> dict:
    if reply is None or not reply.get("defined") or not reply.get("calls"):
        return {"raised": "TimeoutError", "message": f"it did not return within {seconds:g} s ({message})"}
    result = reply["calls"][0]
    if result.get("raised") == "KeyboardInterrupt":
        return {"raised": "TimeoutError", "message": f"it did not return within {seconds:g} s"}
    return result


def _grade_read_answer(kernel: _Kernel, question_id: str, name: str, answer: dict,
                       seconds: float) -> GradeResult:
    if answer.get("kind") != "function":
        return grade_answer(question_id, decode(answer))
    remote = RemoteFunction(answer)
    for _ in range(CALL_ROUNDS):
        try:
            return grade_answer(question_id, remote)
        except NeedCall as need:
            reply, message = kernel.read(name, [need.arguments], seconds)
            remote.results[arguments_key(need.arguments)] = _result_of_call(reply, message, seconds)
    raise RuntimeError(f"grading {question_id} needed more than {CALL_ROUNDS} calls of the learner's function")


def _grade_in_kernel(kernel: _Kernel, question_id: str, names: list[str],
                     seconds: float) -> tuple[GradeResult | None, str, str]:
    """Read the answer under the first defined name of ``names`` and grade it: (result, name, problem)."""
    for name in names:
        reply, message = kernel.read(name, [], seconds)
        if reply is None:
            return None, name, message
        if reply.get("defined") and isinstance(reply.get("answer"), dict):
            return _grade_read_answer(kernel, question_id, name, reply["answer"], seconds), name, ""
    return grade_answer(question_id, None), names[0], "not defined"


def _mentions(source: str, names: list[str]) -> bool:
    return any(re.search(rf"(?<![\w.]){re.escape(name)}\b", source) for name in names)


@dataclass
class _Reading:
    result: GradeResult
    name: str
    source: str


def _candidate_names(problem: ProblemSet, reference: dict[str, str], sources: list[tuple[int, str]]):
    own: dict[str, str] = {}
    for _, source in sources:
        for question_id, name in _check_call_names(source).items():
            own.setdefault(question_id, name)
    names = {}
    for q in problem.questions:
        candidates = [n for n in (reference.get(q.id), own.get(q.id)) if n]
        names[q.id] = list(dict.fromkeys(candidates))
    return names


def question_grade(q, reading: _Reading | None, problem: str) -> QuestionGrade:
    if reading is None:
        result = grade_answer(q.id, None)
        return QuestionGrade(q.id, 0.0, float(q.points), result.status, q.hint, "", "", _outcomes(result), problem)
    result = reading.result
    return QuestionGrade(q.id, result.points_earned, result.points_possible, result.status, q.hint, reading.name,
                         reading.source, _outcomes(result), problem, answer_text=result.answer_text)


def grade_submission(path: str | Path, *, problem_set_id: str | None = None, root: Path | None = None,
                     cell_seconds: float = 60, notebook_seconds: float = 600, name: str | None = None,
                     answer_names: dict[str, str] | None = None, sandbox: bool = True,
                     library: Path | None = None, learner: str | None = None) -> SubmissionGrade:
    """Run one submitted notebook in a fresh kernel and grade every question of its problem set.

    ``problem_set_id`` (e.g. "04_chinchilla") is found from the file when not given (:func:`detect_problem_set`).
    ``root`` is the course checkout whose ``solutions/`` name each question's answer variable (``answer_names``
    overrides that). ``cell_seconds`` limits each cell, ``notebook_seconds`` the whole run. With ``sandbox`` (the
    default) the kernel runs in a :class:`~scalingedu.grading.sandbox.Sandbox` that imports the course package
    from ``library`` (default: the installed one); :class:`SandboxUnavailable` is raised where there is none.
    ``learner`` (the roster's id of the submission's learner) seeds the data of per-learner questions, in the
    kernel and in the expected values (:mod:`scalingedu.grading.learner`). Never raises for a bad submission:
    whatever happened is in the returned grade's ``events`` and per-question notes.
    """
    if sandbox and sandbox_problem():
        raise SandboxUnavailable(sandbox_problem())
    started = time.perf_counter()
    path = Path(path)
    raw = path.read_bytes()
    shown = name or path.name
    digest = hashlib.sha256(raw).hexdigest()
    cell_seconds = v.positive_number("cell_seconds", cell_seconds)
    notebook_seconds = v.positive_number("notebook_seconds", notebook_seconds)
    set_id = problem_set_id or detect_problem_set(raw, path.name)
    if set_id is None:
        return SubmissionGrade(shown, str(path), digest, "", "", 0.0, 0.0, "unknown problem set",
                               events=["The grader could not tell which problem set this notebook answers (no "
                                       "problem-set id in its file name and no check(...) calls it could read)."],
                               seconds=time.perf_counter() - started)
    problem = find_problem_set(set_id)
    grade = SubmissionGrade(shown, str(path), digest, problem.id, problem.title, 0.0, float(problem.points),
                            "graded")
    cells = read_code_cells(raw)
    grade.events.extend(cells.notes)
    readings: dict[str, _Reading] = {}
    problems: dict[str, str] = {}
    if cells.problem:
        grade.status = "not a notebook"
        grade.events.append(f"Not graded: {cells.problem}. Every question scores 0.")
    else:
        if answer_names is None:
            answer_names = reference_answer_names(problem.id, root)
        names = _candidate_names(problem, answer_names, cells.sources)
        missing = [q.id for q in problem.questions if not names[q.id]]
        for question_id in missing:
            problems[question_id] = "the grader does not know under which name this answer is stored"
        if learner is not None:
            grade.events.append(f"Graded as learner {learner!r} of the roster: questions with each learner's own "
                                f"data were checked against that learner's data.")
        with as_learner(learner):
            _run_and_read(cells, names, problem, grade, readings, problems, cell_seconds, notebook_seconds,
                          sandbox=sandbox, library=library, learner=learner)
    with as_learner(learner):
        grade.questions = [question_grade(q, readings.get(q.id), problems.get(q.id, "")) for q in problem.questions]
    grade.total = round(sum(q.points_earned for q in grade.questions), 6)
    grade.seconds = time.perf_counter() - started
    return grade


class SandboxUnavailable(RuntimeError):
    """Submissions cannot be sandboxed on this machine; the message says why and what to do."""

    def __init__(self, problem: str):
        super().__init__(f"cannot grade in a sandbox: {problem}. Install bubblewrap, or grade with --no-sandbox "
                         f"(sandbox=False) if you trust every submission: {NO_SANDBOX_RISKS}")


def _run_and_read(cells: _Cells, names: dict[str, list[str]], problem: ProblemSet, grade: SubmissionGrade,
                  readings: dict, problems: dict, cell_seconds: float, notebook_seconds: float, *,
                  sandbox: bool, library: Path | None, learner: str | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="scalingedu-grade-"))
    try:
        work = folder / "work"
        work.mkdir()
        shutil.copyfile(grade.path, work / "submission.ipynb")   # the kernel's folder holds a copy, as in Lab
        # A kernel can fail to start for reasons that have nothing to do with the submission (with TCP, two kernels
        # started at once by parallel workers can pick the same free port): try again before giving up.
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            started = _run_in_new_kernel(work, folder, cells, names, problem, grade, readings, problems,
                                         cell_seconds, notebook_seconds, last_attempt=attempt == KERNEL_START_ATTEMPTS,
                                         sandbox=Sandbox(folder, work=work, library=library) if sandbox else None,
                                         learner=learner)
            if started:
                break
    finally:
        shutil.rmtree(folder, ignore_errors=True)


LARGEST_REPLY_BYTES = 64 * 10**6
"""The largest answer file the grader reads: the probe in the kernel limits arrays to a million values (about 25 MB
of JSON), but the kernel is the learner's, so the grader checks the size itself before parsing."""

KERNEL_MEMORY_BYTES = 4 * 2**30
"""The address space a submission's kernel (and each process it starts) may use: 4 GiB. The course's notebooks
peak at about 1.3 GiB of address space (150 MB resident); an 8 GB allocation fails with a MemoryError in the
learner's own cell instead of holding the grading machine's memory. The sandbox's watchdog also limits the memory
of all its processes together (:data:`scalingedu.grading.sandbox.SANDBOX_MEMORY_BYTES`)."""

KERNEL_PROCESSES = 64
"""RLIMIT_NPROC in a sandboxed kernel. Linux counts it per user namespace, so it bounds the sandbox's own processes
when the grader is not root (root is exempt; the watchdog bounds them then)."""


def kernel_limits(notebook_seconds: float, *, sandboxed: bool) -> str:
    """Code run in the kernel before the submission's first cell: lowers the hard limits too, which the
    kernel (without privileges) cannot raise again. CPU time is bounded at twice the notebook's time limit."""
    limits = [("RLIMIT_AS", KERNEL_MEMORY_BYTES), ("RLIMIT_CPU", math.ceil(2 * notebook_seconds) + 10)]
    if sandboxed:
        limits.append(("RLIMIT_NPROC", KERNEL_PROCESSES))
    lines = "\n".join(f"_try(_resource.{name}, {value})" for name, value in limits)
    return f"""
import resource as _resource
def _try(which, value):
    try:
        _resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        pass
{lines}
del _resource, _try
"""

WARM_MODULES = ("numpy", "scipy.optimize", "matplotlib.pyplot", "scalingedu.data", "scalingedu.grading",
                "scalingedu.plotting", "scalingedu.problems")
"""Modules imported in a submission's kernel before its clock starts: every problem set's first cell imports most
of them, and a cold import (about a second alone, several on a loaded grading machine) should not count against the
learner's cell time limit. Importing binds no name in the learner's namespace: only the module cache is warm."""
WARM_SECONDS = 60
"""Time allowed for the warm-up imports; if they take longer the kernel carries on and the learner's cells import."""


def warm_up_source(modules: tuple[str, ...] = WARM_MODULES) -> str:
    """Code run in the kernel, before the submission's first cell, that imports ``modules`` (see
    :data:`WARM_MODULES`); a module that fails to import is skipped, and the learner's own import reports it."""
    return f"""
def _warm():
    import importlib
    for name in {modules!r}:
        try:
            importlib.import_module(name)
        except Exception:
            pass
_warm()
del _warm
"""


PASSED_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "PYTHONPATH", "SYSTEMROOT")
"""The grader's environment variables a kernel inherits; nothing else (tokens, the grader's paths) reaches it."""


def kernel_environment(folder: Path) -> dict[str, str]:
    """The environment of a submission's kernel: a few variables of the grader's own (:data:`PASSED_ENVIRONMENT`),
    and a private HOME, IPYTHONDIR, TMPDIR and matplotlib folder inside ``folder`` (the submission's scratch), so
    that an IPython start-up file or a leftover file of one submission never reaches another, nor a later run.
    The matplotlib font list is copied in, so that each kernel does not rebuild it (about a second)."""
    home = folder / "home"
    directories = {"HOME": home, "IPYTHONDIR": home / ".ipython", "TMPDIR": folder / "tmp",
                   "MPLCONFIGDIR": home / ".matplotlib", "XDG_CACHE_HOME": home / ".cache",
                   "XDG_CONFIG_HOME": home / ".config"}
    for path in directories.values():
        path.mkdir(parents=True, exist_ok=True)
    try:
        import matplotlib
        for font_list in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
            shutil.copyfile(font_list, directories["MPLCONFIGDIR"] / font_list.name)
    except (ImportError, OSError):
        pass   # matplotlib builds the list itself
    environment = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
    environment.update({name: str(path) for name, path in directories.items()})
    environment["MPLBACKEND"] = "agg"   # no figure is looked at: skip drawing PNGs
    return environment


def _run_in_new_kernel(work: Path, folder: Path, cells: _Cells, names: dict[str, list[str]], problem: ProblemSet,
                       grade: SubmissionGrade, readings: dict, problems: dict, cell_seconds: float,
                       notebook_seconds: float, *, last_attempt: bool, sandbox: Sandbox | None,
                       learner: str | None) -> bool:
    """Run the submission in a fresh kernel (in ``sandbox`` unless None) and read its answers; False if the kernel
    never started."""
    environment = kernel_environment(folder)
    if learner is not None:
        environment[LEARNER_VARIABLE] = learner
    started = False
    notebook = new_notebook(cells=[])
    manager = None
    if sandbox is not None:
        manager = SandboxedKernelManager(kernel_name=KERNEL_NAME)
        manager.prepare(sandbox)
    watchdog = None
    client = _QuietClient(notebook, km=manager, kernel_name=KERNEL_NAME, allow_errors=True, interrupt_on_timeout=True,
                          error_on_timeout={"ename": TIMEOUT_ERROR, "evalue": "time limit"},
                          iopub_timeout=2, shutdown_kernel="immediate", record_timing=False,
                          resources={"metadata": {"path": str(work)}})
    try:
        with client.setup_kernel(env=environment):
            started = True
            if sandbox is not None:
                watchdog = Watchdog(client.km.provisioner.process.pid)
            kernel = _Kernel(client, folder / "probe")
            kernel.watchdog = watchdog
            kernel.run(kernel_limits(notebook_seconds, sandboxed=sandbox is not None), PING_SECONDS,
                       history=False)
            kernel.run(warm_up_source(), WARM_SECONDS, history=False)
            kernel.deadline = time.monotonic() + notebook_seconds
            _run_cells(kernel, cells, names, problem, grade, readings, cell_seconds, notebook_seconds)
            read_seconds = min(cell_seconds, 20)
            for q in problem.questions:
                if kernel.lost or not names[q.id]:
                    break
                result, name, trouble = _grade_in_kernel(kernel, q.id, names[q.id], read_seconds)
                if result is not None:
                    readings[q.id] = _Reading(result, name, "" if trouble == "not defined" else "end of notebook")
                    if trouble == "not defined":
                        problems[q.id] = (f"`{name}` is not defined at the end of the notebook (was its cell "
                                          f"deleted, or did an earlier cell fail?)")
                elif q.id not in readings:
                    problems[q.id] = f"the answer could not be read: {trouble}"
            if any("time limit was reached" in text for text in problems.values()):
                grade.events.append(f"The notebook's time limit ({notebook_seconds:g} s, which counts the reading "
                                    f"of answers too) was reached before every answer was read.")
            if kernel.lost:
                for q in problem.questions:
                    reading = readings.get(q.id)
                    if reading is None:
                        problems.setdefault(q.id, f"no answer had been read before {kernel.lost}")
    except DeadKernelError:
        if started or last_attempt:
            grade.events.append("The kernel exited while starting." if not started else "The kernel exited.")
    except RuntimeError as error:   # nbclient/jupyter_client: the kernel failed to start
        if started or last_attempt:
            if not grade.events or "start" not in grade.events[-1]:
                grade.events.append(f"The kernel could not be started: {error}")
            grade.status = "kernel did not start"
    finally:
        if watchdog is not None:
            watchdog.stop()
            if watchdog.reason:
                grade.events.append(f"The sandbox was stopped because {watchdog.reason}.")
    return started


def _run_cells(kernel: _Kernel, cells: _Cells, names: dict[str, list[str]], problem: ProblemSet,
               grade: SubmissionGrade, readings: dict, cell_seconds: float, notebook_seconds: float) -> None:
    deadline = kernel.deadline
    for number, (position, source) in enumerate(cells.sources):
        if not source.strip():
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            left = len(cells.sources) - number
            grade.events.append(f"The notebook reached its time limit ({notebook_seconds:g} s) before cell "
                                f"{position}; {left} code cell(s) from there on were not run.")
            return
        state, message = kernel.run(source, min(cell_seconds, remaining))
        if state == "error":
            grade.events.append(f"Cell {position} raised {message}")
        elif state == "timeout":
            limit = "cell" if cell_seconds <= remaining else "notebook"
            grade.events.append(f"Cell {position} ran past the {limit} time limit and was interrupted "
                                f"({message}).")
        if kernel.lost:
            grade.events.append(f"Cell {position}: {kernel.lost}; no later cell was run. Answers read before "
                                f"that point still count.")
            return
        # Read the answers this cell may have set now, in case a later cell kills or hangs the kernel.
        for q in problem.questions:
            if names[q.id] and _mentions(source, names[q.id]):
                result, name, trouble = _grade_in_kernel(kernel, q.id, names[q.id], min(cell_seconds, 20))
                if result is not None and trouble != "not defined":
                    readings[q.id] = _Reading(result, name, f"after cell {position}")
                if kernel.lost:
                    grade.events.append(f"Reading the answers after cell {position}: {kernel.lost}.")
                    return
