"""Grading a whole class: ``scalingedu grade SUBMISSION.ipynb... --out DIR``.

:func:`grade_class` grades every submission with :func:`scalingedu.grading.submission.grade_submission` (each in
its own fresh kernel), several at a time (one per core by default) with a progress bar, and writes to ``DIR``:

- ``gradebook.csv``: one row per submission; columns ``submission``, ``total``, ``possible`` and one per question
  id (left empty for questions of another problem set);
- ``feedback/<submission>.md``: for the learner, per question the points, which public and which hidden checks
  passed, what failed, the hint, and what went wrong while the notebook ran (errors, time-outs, a dead kernel);
- ``report.json``: everything above as data, with each submission file's SHA-256, the settings used, and the
  SHA-256 of the gradebook and of every feedback file as written (``files``).

Every output is written by this process, outside every sandbox, after the last submission has been graded, and
each file whole or not at all (a temporary file, then a rename).

A submission that cannot be graded (not a notebook, kernel that will not start, even a bug in the grader) gets
a row and a feedback file saying why; the rest of the class is graded all the same.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .. import _validate as v
from ..lessons import course_root
from ..tools.release import build_library, refuse_in_learners_copy
from ._files import sha256_of, write_atomic
from .feedback import FAILED, NOT_ANSWERED, PASSED
from .grader import PARTIAL, TO_MARK
from .questions import problem_set, problem_sets, question
from .roster import RosterMatch, match_roster, read_roster
from .sandbox import NO_SANDBOX_RISKS, sandbox_problem
from .submission import (
    QuestionGrade,
    SandboxUnavailable,
    SubmissionGrade,
    detect_problem_set,
    grade_submission,
    question_grade,
)

STATUS_TEXT = {PASSED: "passed every check", PARTIAL: "partly right", FAILED: "no check passed",
               NOT_ANSWERED: "not answered", TO_MARK: "to be marked by your instructor"}


@dataclass(frozen=True)
class ClassReport:
    """What :func:`grade_class` wrote: the grades (in submission order), the output paths, and the wall time."""

    grades: tuple[SubmissionGrade, ...]
    gradebook: Path
    report: Path
    feedback: tuple[Path, ...]
    seconds: float
    other_files: tuple[Path, ...] = ()
    """Files in the submission folders that are not notebooks, and so were not graded."""
    roster: RosterMatch | None = None
    """With a roster: each submission's learner, the learners who handed in nothing, the unplaced submissions."""


def find_submissions(paths) -> list[Path]:
    """The notebooks to grade: each path that is a file, and every ``*.ipynb`` under each path that is a folder
    (checkpoint folders skipped), in a stable order. Raises FileNotFoundError for a path that does not exist."""
    found: list[Path] = []
    for each in paths:
        path = Path(each)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.ipynb")
                                if ".ipynb_checkpoints" not in p.parts and p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"submission {str(path)!r} does not exist")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise ValueError("no submission to grade: give notebook files or folders holding *.ipynb files")
    return unique


def _display_names(paths: list[Path]) -> list[str]:
    """Paths relative to the folder the submissions share (``alice/04_chinchilla.ipynb``)."""
    if len(paths) == 1:
        return [paths[0].name]
    common = Path(os.path.commonpath([str(p.parent) for p in paths]))
    return [p.relative_to(common).as_posix() for p in paths]


def _class_problem_set(paths: list[Path]) -> str | None:
    """The problem set most submissions answer: used for a submission that does not say which it answers."""
    counts: dict[str, int] = {}
    for path in paths:
        try:
            found = detect_problem_set(path.read_bytes(), path.name)
        except OSError:
            found = None
        if found:
            counts[found] = counts.get(found, 0) + 1
    return max(counts, key=lambda key: counts[key]) if counts else None


def _grade_one(job: dict) -> dict:
    """Grade one submission (run in a worker process); a bug in the grader becomes a graded-as-zero row."""
    try:
        return grade_submission(job["path"], problem_set_id=job["problem_set"], root=job["root"],
                                cell_seconds=job["cell_seconds"], notebook_seconds=job["notebook_seconds"],
                                name=job["name"], sandbox=job["sandbox"], library=job["library"],
                                learner=job.get("learner")).to_dict()
    except Exception as error:  # never stop the class for one submission
        return _failed_grade(job, f"The grader itself failed on this submission ({type(error).__name__}: {error}). "
                                  f"Please tell your instructor.\n{traceback.format_exc(limit=3)}")


def _failed_grade(job: dict, message: str) -> dict:
    set_id = job["problem_set"]
    questions, possible, title = [], 0.0, ""
    if set_id:
        owner = problem_set(set_id)
        questions = [question_grade(q, None, "not graded") for q in owner.questions]
        possible, title = float(owner.points), owner.title
    path = Path(job["path"])
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    return SubmissionGrade(job["name"], str(path), digest, set_id or "", title, 0.0, possible, "grader error",
                           questions, [message]).to_dict()


def _grade_in_pools(jobs: list[dict], results: dict[int, dict], workers: int, bar, keys: list[int]) -> None:
    """Grade ``jobs`` in worker processes, storing the grade of ``jobs[i]`` as ``results[keys[i]]``. If a worker
    process dies (which breaks its pool), the submissions it left unfinished are graded again in a new pool; a
    second failure is recorded as a grader error."""
    context = multiprocessing.get_context("spawn")   # no fork of a process that holds threads and sockets
    pending = list(range(len(jobs)))
    attempts = {index: 0 for index in pending}
    while pending:
        broken: list[int] = []
        with ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=context,
                                 initializer=_warm_up) as pool:
            futures = {pool.submit(_grade_one, jobs[index]): index for index in pending}
            for future in as_completed(futures):
                index = futures[future]
                try:
                    results[keys[index]] = future.result()
                except Exception as error:
                    attempts[index] += 1
                    if attempts[index] < 2:
                        broken.append(index)
                        continue
                    results[keys[index]] = _failed_grade(jobs[index], f"The grading process failed twice "
                                                                      f"({type(error).__name__}: {error}).")
                bar.update()
        pending = sorted(broken)


def _warm_up():
    problem_sets()   # import every problem set before any learner code runs


def grade_class(paths, out_dir, *, problem_set_id: str | None = None, root: Path | None = None,
                cell_seconds: float = 60, notebook_seconds: float = 600, workers: int | None = None,
                progress: bool = True, roster: Path | None = None, sandbox: bool = True,
                library: Path | None = None) -> ClassReport:
    """Grade every submission of ``paths`` (files or folders) and write the gradebook, feedback and report.

    ``problem_set_id`` forces the problem set (otherwise each submission's is found from its file name or its
    ``check`` calls, and the class's most common one is used for a file that says nothing). ``workers`` is the
    number of submissions graded at once (default: the number of cores). With a ``roster`` CSV
    (:mod:`scalingedu.grading.roster`), the gradebook gains a ``learner`` column and the report lists the learners
    who handed in nothing and the submissions that belong to no learner. With ``sandbox`` (the default) every
    submission's kernel runs in its own :mod:`~scalingedu.grading.sandbox` importing the course package from
    ``library`` (default: the installed package); :class:`SandboxUnavailable` is raised, before anything runs,
    where there is no sandbox. Returns a :class:`ClassReport`.
    """
    refuse_in_learners_copy()
    if sandbox and sandbox_problem():
        raise SandboxUnavailable(sandbox_problem())
    class_roster = read_roster(roster) if roster is not None else None
    started = time.perf_counter()
    if problem_set_id is not None:
        problem_set(problem_set_id)    # ValueError listing the known ids
    workers = v.positive_int("workers", (os.cpu_count() or 1) if workers is None else workers)
    cell_seconds = v.positive_number("cell_seconds", cell_seconds)
    notebook_seconds = v.positive_number("notebook_seconds", notebook_seconds)
    submissions = find_submissions(paths)
    others = other_files(paths)
    names = _display_names(submissions)
    placed = match_roster(class_roster, names).learner if class_roster else {}
    root = course_root() if root is None else Path(root)
    library_folder = None
    if sandbox and library is None:
        # the kernels import the learners' copy of the library: no hidden check within a submission's reach
        library_folder = Path(tempfile.mkdtemp(prefix="scalingedu-library-"))
        library = library_folder / "scalingedu"
        build_library(Path(__file__).resolve().parent.parent, library)
    fallback = problem_set_id or _class_problem_set(submissions)
    jobs, results = [], {}
    for path, name in zip(submissions, names):
        found = detect_problem_set(path.read_bytes(), path.name)
        set_id = problem_set_id or found or fallback
        jobs.append({"path": str(path), "name": name, "problem_set": set_id, "root": root,
                     "cell_seconds": cell_seconds, "notebook_seconds": notebook_seconds, "sandbox": sandbox,
                     "library": library, "learner": placed.get(name)})
        if problem_set_id is not None and found is not None and found != problem_set(problem_set_id).id:
            results[len(jobs) - 1] = _wrong_set_grade(jobs[-1], problem_set_id, found)
    to_grade = [index for index in range(len(jobs)) if index not in results]
    bar = tqdm(total=len(to_grade), desc="grading", unit="notebook", disable=not progress)
    try:
        if workers == 1 or len(to_grade) == 1:
            _warm_up()
            for index in to_grade:
                results[index] = _grade_one(jobs[index])
                bar.update()
        elif to_grade:
            _grade_in_pools([jobs[index] for index in to_grade], results, workers, bar, to_grade)
    finally:
        bar.close()
        if library_folder is not None:
            shutil.rmtree(library_folder, ignore_errors=True)
    grades = tuple(_from_dict(results[index]) for index in range(len(jobs)))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    matched = match_roster(class_roster, [g.submission for g in grades]) if class_roster else None
    gradebook = write_gradebook(grades, out / "gradebook.csv", learners=matched.learner if matched else None)
    feedback = write_feedback(grades, out / "feedback", cell_seconds=cell_seconds,
                              notebook_seconds=notebook_seconds)
    to_mark = write_rubric_sheet(grades, out / "rubric-to-mark.csv", learners=matched.learner if matched else None)
    seconds = time.perf_counter() - started
    report = write_report(grades, out / "report.json", settings={
        "cell_seconds": cell_seconds, "notebook_seconds": notebook_seconds, "workers": workers,
        "problem_set": problem_set_id, "seconds": round(seconds, 2), "sandbox": "bubblewrap" if sandbox else None,
        "other_files": [str(p) for p in others],
        "roster": None if matched is None else {"missing": list(matched.missing), "unknown": list(matched.unknown),
                                                "learners": matched.learner}}, feedback=feedback,
                          written=[gradebook, *feedback, *([to_mark] if to_mark else [])])
    return ClassReport(grades, gradebook, report, tuple(feedback), seconds, tuple(others), matched)


def _wrong_set_grade(job: dict, class_set: str, found: str) -> dict:
    """A submission that answers another problem set than the one the class is graded on: not graded, 0 points."""
    owner, other = problem_set(class_set), problem_set(found)
    path = Path(job["path"])
    message = (f"This notebook answers problem set {other.id} ({other.title}), not {owner.id}, the problem set "
               f"being graded, so it was not run or graded. If you handed in the wrong file, ask your instructor "
               f"whether you may hand in the right one.")
    return SubmissionGrade(job["name"], str(path), hashlib.sha256(path.read_bytes()).hexdigest(), owner.id,
                           owner.title, 0.0, float(owner.points), "wrong problem set",
                           [question_grade(q, None, "not graded") for q in owner.questions], [message]).to_dict()


def other_files(paths) -> list[Path]:
    """Files under the folders of ``paths`` that are not notebooks (a learner's ``.py`` or ``.pdf`` hand-in), so
    that the instructor hears of them instead of losing them without a word."""
    found = []
    for each in paths:
        path = Path(each)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix != ".ipynb"
                                and ".ipynb_checkpoints" not in p.parts and not p.name.startswith(".")))
    return found


def _from_dict(data: dict) -> SubmissionGrade:
    questions = [QuestionGrade(**q) for q in data.pop("questions", [])]
    return SubmissionGrade(questions=questions, **data)


def _number(value: float) -> str:
    return f"{value:g}"


def question_columns(grades) -> list[str]:
    """Question ids of the problem sets the grades cover, in problem-set order then question order."""
    used = {g.problem_set for g in grades if g.problem_set}
    columns = []
    for set_id, each in problem_sets().items():
        if set_id in used:
            columns.extend(each.ids)
    return columns


def write_gradebook(grades, path: Path, *, learners: dict[str, str | None] | None = None) -> Path:
    """``gradebook.csv``: submission, total, possible, then points per question id; with ``learners`` (from a
    roster) a last column ``learner``, empty for a submission that belongs to no learner."""
    columns = question_columns(grades)
    extra = ["learner"] if learners is not None else []
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(["submission", "total", "possible", *columns, *extra])
    for grade in grades:
        points = {q.question_id: _number(q.points_earned) for q in grade.questions}
        who = [learners.get(grade.submission) or ""] if learners is not None else []
        writer.writerow([grade.submission, _number(grade.total), _number(grade.possible),
                         *(points.get(column, "") for column in columns), *who])
    return write_atomic(path, stream.getvalue())


def write_rubric_sheet(grades, path: Path, *, learners: dict[str, str | None] | None = None) -> Path | None:
    """``rubric-to-mark.csv``: one row per submission and rubric question, with the learner's text and the
    criteria, and an empty ``points`` column for the person who scores it; give the filled sheet to
    ``scalingedu gradebook DIR --rubric``. None (and no file) when the problem set has no rubric question."""
    rows = []
    for grade in grades:
        for q in grade.questions:
            owner = question(q.question_id)
            if not owner.rubric or grade.status != "graded" or q.status != TO_MARK:
                continue   # a blank, too short or non-text answer scored 0 already
            criteria = "; ".join(f"{c.text} ({c.points:g})" for c in owner.rubric)
            who = (learners or {}).get(grade.submission) or ""
            rows.append([grade.submission, who, q.question_id, "", _number(q.points_possible), criteria,
                         q.answer_text, ""])
    if not rows:
        return None
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(["submission", "learner", "question", "points", "possible", "criteria", "answer", "comment"])
    writer.writerows(rows)
    return write_atomic(path, stream.getvalue())


def _feedback_name(submission: str, taken: set[str]) -> str:
    stem = submission[:-6] if submission.endswith(".ipynb") else submission
    base = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem.replace("/", "__")) or "submission"
    name, number = f"{base}.md", 2
    while name in taken:
        name, number = f"{base}-{number}.md", number + 1
    taken.add(name)
    return name


def feedback_text(grade: SubmissionGrade, *, cell_seconds: float, notebook_seconds: float) -> str:
    """The learner's feedback for one submission, in Markdown."""
    lines = [f"# Feedback on `{grade.submission}`", ""]
    if grade.problem_set:
        lines.append(f"Problem set **{grade.problem_set}** ({grade.title}). "
                     f"**Score: {_number(grade.total)} of {_number(grade.possible)} points.**")
    else:
        lines.append(f"**Score: {_number(grade.total)} points.**")
    if grade.status == "not a notebook":
        lines += ["", "How this was graded: the file could not be read as a notebook, so nothing in it was run."]
    elif grade.status == "wrong problem set":
        lines += ["", "How this was graded: it was not, because the notebook answers another problem set."]
    else:
        lines += ["", f"How this was graded: your notebook was run from top to bottom in a fresh kernel (at most "
                  f"{cell_seconds:g} s per cell and {notebook_seconds:g} s in all). Then the grader read each answer "
                  f"from the kernel and ran every check of every question itself: the *public* checks, which "
                  f"`check(...)` runs in your notebook, and the *hidden* checks, which only run at grading. "
                  f"What the notebook printed or stored was not used."]
    lines += ["", "## While your notebook ran", ""]
    if grade.events:
        lines += [f"- {event.strip()}" for event in grade.events]
    else:
        lines.append("- Every cell ran without an error.")
    if grade.questions:
        lines += ["", "## Questions", "", "| question | points | result | public checks passed | "
                                          "hidden checks passed |", "|---|---|---|---|---|"]
        for q in grade.questions:
            public = [c for c in q.checks if c["kind"] == "public"]
            hidden = [c for c in q.checks if c["kind"] == "hidden"]
            lines.append(f"| {q.question_id} | {_number(q.points_earned)} of {_number(q.points_possible)} | "
                         f"{STATUS_TEXT.get(q.status, q.status)} | {_passed(public)} | {_passed(hidden)} |")
        for q in grade.questions:
            lines += ["", f"### {q.question_id}: {_number(q.points_earned)} of {_number(q.points_possible)} points",
                      ""]
            lines.append(_question_summary(q))
            if q.answer_name and q.source:
                lines.append(f"Answer read from `{q.answer_name}` ({q.source}).")
            if q.note:
                lines.append(f"Note: {q.note}.")
            if q.status != NOT_ANSWERED:
                lines.append("")
                for c in q.checks:
                    verdict = "passed" if c["passed"] else "FAILED"
                    message = f": {c['message']}" if c["message"] else ""
                    lines.append(f"- {c['kind']} check, {c['description']}: {verdict}{message}")
                    if not c["passed"] and c.get("hint"):
                        lines.append(f"  - Hint for this check: {c['hint']}")
            if q.status != PASSED and q.hint:
                lines += ["", f"Hint: {q.hint}"]
    return "\n".join(lines) + "\n"


def _passed(checks: list[dict]) -> str:
    return f"{sum(c['passed'] for c in checks)} of {len(checks)}"


def _question_summary(q) -> str:
    public = [c for c in q.checks if c["kind"] == "public"]
    hidden = [c for c in q.checks if c["kind"] == "hidden"]
    if q.status == NOT_ANSWERED:
        return "Not answered: no answer was found, or it is still the `...` placeholder."
    if q.status == TO_MARK:
        return ("Your instructor scores this written answer against the question's rubric; the points here are "
                "added when they have.")
    if q.status == PASSED:
        return f"All {len(public)} public and all {len(hidden)} hidden checks passed."
    text = (f"Public checks passed: {_passed(public)}. Hidden checks passed: {_passed(hidden)}.")
    if all(c["passed"] for c in public) and not all(c["passed"] for c in hidden):
        text += " Your answer passed what `check` shows you, but not the stricter hidden checks."
    return text


def write_feedback(grades, folder: Path, *, cell_seconds: float, notebook_seconds: float) -> list[Path]:
    """One Markdown feedback file per submission in ``folder``; returns their paths in submission order."""
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = []
    for grade in grades:
        path = folder / _feedback_name(grade.submission, taken)
        written.append(write_atomic(path, feedback_text(grade, cell_seconds=cell_seconds,
                                                        notebook_seconds=notebook_seconds)))
    return written


def write_report(grades, path: Path, *, settings: dict, feedback: list[Path], written: list[Path] = ()) -> Path:
    """``report.json``: settings, the problem sets' questions and points, every submission's full grade, and the
    SHA-256 of each file of ``written`` (the gradebook and feedback), so that a later change to them shows."""
    used = {g.problem_set for g in grades if g.problem_set}
    data = {
        "settings": settings,
        "problem_sets": {set_id: {"title": each.title, "points": each.points,
                                  "questions": {q.id: q.points for q in each.questions}}
                         for set_id, each in problem_sets().items() if set_id in used},
        "submissions": [{**g.to_dict(), "feedback": f.name} for g, f in zip(grades, feedback)],
        "files": {each.relative_to(path.parent).as_posix(): sha256_of(each) for each in written},
    }
    return write_atomic(path, json.dumps(data, indent=1, default=str) + "\n")


# Command line ------------------------------------------------------------------------------------------------------

def add_grade_command(subparsers) -> argparse.ArgumentParser:
    """Add ``grade`` to the ``scalingedu`` command's subparsers."""
    parser = subparsers.add_parser(
        "grade", help="grade submitted problem-set notebooks into a gradebook, feedback files and a report",
        description="Run each submission in its own fresh kernel (on a copy) and grade every question with its "
                    "public and hidden checks. Writes DIR/gradebook.csv, DIR/feedback/*.md and DIR/report.json.")
    parser.add_argument("submissions", nargs="+", type=Path, help="notebooks, or folders holding them")
    parser.add_argument("--out", type=Path, required=True, help="folder for the gradebook, feedback and report")
    parser.add_argument("--problem-set", default=None,
                        help="the problem set every submission answers, e.g. 04_chinchilla (default: found from "
                             "each file name or its check(...) calls)")
    parser.add_argument("--cell-timeout", type=float, default=60, help="seconds allowed per cell (default 60)")
    parser.add_argument("--notebook-timeout", type=float, default=600,
                        help="seconds allowed per notebook (default 600)")
    parser.add_argument("--workers", type=int, default=None,
                        help="submissions graded at once (default: the number of cores)")
    parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    parser.add_argument("--no-sandbox", action="store_true",
                        help=f"run the notebooks without a sandbox (only for submissions you trust: "
                             f"{NO_SANDBOX_RISKS})")
    parser.add_argument("--roster", type=Path, default=None,
                        help="CSV of the class's learners (column id, optionally name): adds a learner column to the "
                             "gradebook and lists who handed in nothing")
    return parser


def run_grade(args: argparse.Namespace) -> int:
    """Run ``scalingedu grade``: print one summary line per submission and where the outputs are; return 0."""
    if args.no_sandbox:
        print(f"warning: grading without a sandbox: {NO_SANDBOX_RISKS}", file=sys.stderr)
    report = grade_class(args.submissions, args.out, problem_set_id=args.problem_set,
                         cell_seconds=args.cell_timeout, notebook_seconds=args.notebook_timeout,
                         workers=args.workers, progress=not args.no_progress, roster=args.roster,
                         sandbox=not args.no_sandbox)
    width = max(len(g.submission) for g in report.grades)
    for grade in report.grades:
        note = "" if grade.status == "graded" else f"  ({grade.status})"
        print(f"{grade.submission:<{width}}  {_number(grade.total):>5} of {_number(grade.possible):<5}{note}")
    for path in report.other_files:
        print(f"not graded, not a notebook: {path}")
    if report.roster is not None:
        for learner in report.roster.missing:
            print(f"handed in nothing: {learner}")
        for submission in report.roster.unknown:
            print(f"belongs to no learner of the roster (or to several): {submission}")
    print(f"graded {len(report.grades)} submission(s) in {report.seconds:.1f} s; wrote {report.gradebook}, "
          f"{report.report} and {len(report.feedback)} feedback file(s) in {report.feedback[0].parent}")
    return 0
