"""A graded class as the files instructors upload: human rubric points merged in, then Canvas and Gradescope CSVs.

``scalingedu gradebook DIR`` reads ``DIR/report.json``, the record ``scalingedu grade --out DIR`` writes (the one
source of truth here: ``gradebook.csv`` is never read, and neither it nor ``report.json`` is ever changed), and can:

- **merge a rubric** (``--rubric RUBRIC.csv``): points a person gave after reading free-text answers. Columns:
  ``submission`` (as in ``gradebook.csv``) or ``learner`` (a roster id, placed through the learners map that
  ``report.json`` holds when the class was graded with ``--roster``), ``question`` (a question id of the problem set
  that submission answers), ``points`` (0 to the question's points) and, optionally, ``comment``. A human's points
  replace the grader's for that question (human judgement wins). Every row is checked before anything is written; a
  bad row is an error naming the file, the row (the header is row 1, as a spreadsheet shows it), the column and the
  valid range. Writes ``DIR/gradebook-final.csv`` (the columns of ``gradebook.csv``, totals recomputed, plus
  ``rubric_questions``: the questions a person scored) and ``DIR/rubric-merge.json`` (each merged row with its
  comment, the points before and after, and each changed submission's total before and after);
- **write a Canvas gradebook CSV** (``--canvas FILE.csv --assignment NAME``), for *Grades > Import* (layout below);
- **write a Gradescope-shaped CSV** (``--gradescope FILE.csv``) (layout and its limits below).

Both exports need the class roster (``--roster roster.csv``, read by :mod:`scalingedu.grading.roster`: column
``id``, optionally ``name``); without it the learner ids recorded in ``report.json`` (from ``grade --roster``) are
used, without names. They have one row per roster learner, in the roster's order. A learner who handed in nothing
gets 0 (or an empty cell with ``--missing-blank``); a learner with several submissions gets the highest total, and
the command says so. The score is the final total: after the rubric merge when ``--rubric`` is given, the grader's
total otherwise. A class graded on more than one problem set cannot go into one assignment column and is refused.

**Canvas** (*Grades > Import*). Layout, one header row, then a ``Points Possible`` row, then one row per learner::

    Student,ID,SIS User ID,SIS Login ID,Section,<assignment>
    Points Possible,,,,,<the problem set's points>
    <name, or the id>,,<roster id>,<roster id>,,<final total>

Mapping: ``Student`` is the roster's ``name`` (its ``id`` when there is none); ``ID`` (Canvas's internal user
number, which a roster does not have) and ``Section`` are left empty; the roster ``id`` goes into both
``SIS User ID`` and ``SIS Login ID``, so use the ids your institution's student information system gives Canvas.
Source: Canvas's own importer, ``lib/gradebook_importer.rb`` of instructure/canvas-lms (AGPL-3.0), read for this:
the header must start with ``Student`` and ``ID``; ``SIS User ID`` then ``SIS Login ID`` may follow; the last
identity column must be ``Section``; every later column is an assignment (``Name (1234)`` picks the existing
assignment with Canvas id 1234, a known title picks that assignment, another title makes a new one); a row whose
first cell says ``Points Possible`` gives each assignment's points; a learner is found by ``ID``, else by
``SIS User ID`` / ``SIS Login ID``, else by name; an empty score cell changes nothing, so ``--missing-blank``
leaves a missing learner's Canvas grade as it was. Canvas's guide "How do I import grades in the Gradebook?"
(community.canvaslms.com, Instructor Guide) and Ohio State's CarmenCanvas page "Import a CSV file into Carmen
Grades" describe the same columns from the user's side.

**Gradescope**. Layout, one header row, then one row per learner::

    Name,SID,Email,Total Score,Max Points,Status,<question id>...
    <name, or the id>,<roster id>,<the id if it is an e-mail address>,<final total>,<points>,Graded|Missing,<points>...

Source, and what it is not: Gradescope's help pages ("Adding Students and Staff", help.gradescope.com and
guides.gradescope.com) say what its roster CSV accepts (``Name`` or first and last name, ``Email`` required and
unique, ``SID`` and sections optional); the score columns are those of Gradescope's own per-assignment score export
(``Total Score``, ``Max Points``, ``Status``), as read by public tools that process those exports. No Gradescope
documentation of importing a score CSV into an assignment was found, so this file is Gradescope's export layout
(learners as its roster names them, one column per question), for scripts and spreadsheets written for Gradescope
exports and for a Gradescope roster upload; scores reach Gradescope itself through its autograder, not a CSV.
``Email`` is empty unless the roster id is an e-mail address. A learner who handed in nothing has ``Status``
``Missing`` and empty question cells.

Every file is written whole or not at all (a temporary file in the same folder, then :func:`os.replace`).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from ._files import write_atomic
from .questions import canonical_question_id, problem_set_of
from .roster import match_roster, read_roster

RUBRIC_COLUMNS = ("submission", "learner", "question", "points", "comment")
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_RESERVED = (*CANVAS_IDENTITY, "LastName", "FirstName", "Integration ID", "Root Account")
"""Header names Canvas's importer takes for identity columns, never for an assignment."""
CANVAS_NOT_ASSIGNMENTS = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points",
                          "Final Grade", "Override Score", "Override Grade", "Override Status")
"""Canvas's importer drops every column whose header contains one of these (its computed columns)."""
GRADESCOPE_COLUMNS = ("Name", "SID", "Email", "Total Score", "Max Points", "Status")
MAX_ERRORS_SHOWN = 20


# Reading report.json -----------------------------------------------------------------------------------------------

def load_report(folder: str | Path) -> dict:
    """``report.json`` of a graded class folder, checked for the parts this module reads.

    FileNotFoundError naming the path when the folder or its report is missing; ValueError naming the path when the
    report is not JSON or not a report of ``scalingedu grade``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"the graded class folder {str(folder)!r} does not exist "
                                f"(make it with: scalingedu grade SUBMISSIONS... --out {folder})")
    path = folder / "report.json"
    if not path.is_file():
        raise FileNotFoundError(f"{str(path)!r} does not exist: {str(folder)!r} is not a folder written by "
                                f"scalingedu grade --out")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{str(path)!r} is not valid JSON ({error})") from None
    problem = _report_problem(report)
    if problem:
        raise ValueError(f"{str(path)!r} is not a report of scalingedu grade: {problem}")
    return report


def _report_problem(report) -> str:
    """What is missing from a report's shape ("" when nothing is)."""
    if not isinstance(report, dict):
        return "it is not a JSON object"
    for key, kind in (("settings", dict), ("problem_sets", dict), ("submissions", list)):
        if not isinstance(report.get(key), kind):
            return f"it has no {key!r} {kind.__name__}"
    for set_id, each in report["problem_sets"].items():
        if not isinstance(each, dict) or not isinstance(each.get("questions"), dict):
            return f"problem set {set_id!r} has no 'questions'"
    for number, each in enumerate(report["submissions"]):
        if not isinstance(each, dict):
            return f"submission {number} is not an object"
        for key in ("submission", "problem_set", "total", "possible", "questions"):
            if key not in each:
                return f"submission {number} has no {key!r}"
        for q in each["questions"]:
            if not isinstance(q, dict) or not {"question_id", "points_earned", "points_possible"} <= set(q):
                return f"a question of submission {each['submission']!r} lacks its id or points"
    roster = report["settings"].get("roster")
    if roster is not None and not isinstance(roster.get("learners") if isinstance(roster, dict) else None, dict):
        return "its roster has no 'learners' map"
    return ""


def _learners_in_report(report: dict) -> dict[str, str | None] | None:
    """The submission -> learner map recorded by ``grade --roster``, or None when graded without a roster."""
    roster = report["settings"].get("roster")
    return None if roster is None else dict(roster["learners"])


def _number(value: float) -> str:
    """A number as the grader's gradebook writes it (``2``, ``1.5``)."""
    return f"{value:g}"


# The rubric --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RubricRow:
    """One checked row of a rubric: which submission and question, the human's points, and the comment."""

    row: int
    submission: str
    question: str
    points: float
    comment: str = ""


def _listing(names, limit: int = 8) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "") if names else "none"


def read_rubric(path: str | Path, report: dict) -> list[RubricRow]:
    """Read and check a rubric CSV against ``report`` (from :func:`load_report`); return its rows, checked.

    Every row is checked before returning: an unknown submission or learner, a learner with several submissions,
    an unknown question or one of another problem set, points that are not a number or outside 0 to the question's
    points, and a second row for the same submission and question are all reported together in one ValueError,
    each with the file, the row number (the header is row 1), the column and the valid range.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"rubric {str(path)!r} does not exist")
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
            raw_rows = []
            for raw in reader:
                raw_rows.append((reader.line_num, {k.strip().lower(): (v or "").strip()
                                                   for k, v in raw.items() if k is not None}))
    except (UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"rubric {path.name} cannot be read as a UTF-8 CSV file ({error})") from None
    missing = [c for c in ("question", "points") if c not in header]
    if "submission" not in header and "learner" not in header:
        missing.insert(0, "submission (or learner)")
    if missing:
        raise ValueError(f"rubric {path.name} needs the column(s) {', '.join(missing)} "
                         f"(found: {', '.join(h for h in header if h) or 'nothing'}); its columns are submission or "
                         f"learner, question, points and optionally comment")
    submissions = {s["submission"]: s for s in report["submissions"]}
    learners = _learners_in_report(report)
    errors: list[str] = []
    rows: list[RubricRow] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, raw in raw_rows:
        if not any(raw.values()):
            continue                                    # a row of empty cells, as spreadsheets leave at the end

        def bad(column: str, message: str, number=number) -> None:
            errors.append(f"row {number}, column '{column}': {message}")

        submission = _rubric_submission(raw, submissions, learners, bad)
        if submission is None:
            continue
        question_id = _rubric_question(raw.get("question", ""), submission, report, bad)
        if question_id is None:
            continue
        possible = _points_possible(submission, question_id, report)
        points = _rubric_points(raw.get("points", ""), question_id, possible, bad)
        if points is None:
            continue
        key = (submission["submission"], question_id)
        if key in first_row:
            bad("question", f"{question_id} of {key[0]} is scored a second time (first on row {first_row[key]}): "
                            f"keep one row per submission and question")
            continue
        first_row[key] = number
        rows.append(RubricRow(number, submission["submission"], question_id, points, raw.get("comment", "")))
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n  ... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        raise ValueError(f"rubric {path.name} has {len(errors)} bad row(s); nothing was written:\n  "
                         + "\n  ".join(shown) + more)
    return rows


def _rubric_submission(raw: dict, submissions: dict, learners: dict | None, bad) -> dict | None:
    """The report's submission a rubric row names (by ``submission`` or through ``learner``), or None after
    reporting why not."""
    name, learner = raw.get("submission", ""), raw.get("learner", "")
    if not name and not learner:
        bad("submission", "empty: name the submission (as in gradebook.csv) or give the learner's roster id in "
                          "the column 'learner'")
        return None
    if name:
        if name not in submissions:
            bad("submission", f"no submission {name!r} in report.json; the submissions are: "
                              f"{_listing(submissions)}")
            return None
        if learner and learners is not None and (learners.get(name) or "").lower() != learner.lower():
            bad("learner", f"{learner!r} does not match submission {name!r}, which belongs to "
                           f"{learners.get(name) or 'no learner'}: give one of the two, or both for the same one")
            return None
        return submissions[name]
    if learners is None:
        bad("learner", "report.json was graded without a roster, so it knows no learners: name the submission in "
                       "the column 'submission' (or grade again with --roster)")
        return None
    theirs = [s for s, who in learners.items() if who is not None and who.lower() == learner.lower()]
    if not theirs:
        placed = sorted({who for who in learners.values() if who})
        bad("learner", f"no submission of learner {learner!r} in report.json; the learners with a submission "
                       f"are: {_listing(placed)}")
        return None
    if len(theirs) > 1:
        bad("learner", f"learner {learner!r} handed in {len(theirs)} submissions ({_listing(theirs)}): name the one "
                       f"you scored in the column 'submission'")
        return None
    return submissions[theirs[0]]


def _set_questions(report: dict, set_id: str) -> dict[str, float]:
    each = report["problem_sets"].get(set_id)
    return dict(each["questions"]) if each else {}


def _rubric_question(text: str, submission: dict, report: dict, bad) -> str | None:
    """The question id a rubric row scores, checked to belong to the submission's problem set."""
    set_id = submission["problem_set"]
    ids = list(_set_questions(report, set_id)) or [q["question_id"] for q in submission["questions"]]
    if not set_id or not ids:
        bad("submission", f"{submission['submission']} answers no known problem set (status: "
                          f"{submission.get('status', '?')}), so it has no question to score")
        return None
    if not text:
        bad("question", f"empty: give a question id of problem set {set_id}: {', '.join(ids)}")
        return None
    wanted = canonical_question_id(text)
    if wanted in ids:
        return wanted
    other = problem_set_of(wanted)
    if other is not None and wanted in other.ids:
        bad("question", f"{wanted} is a question of problem set {other.id}, but {submission['submission']} answers "
                        f"problem set {set_id}, whose questions are: {', '.join(ids)}")
    else:
        bad("question", f"unknown question {text!r}; the questions of problem set {set_id} are: {', '.join(ids)}")
    return None


def _points_possible(submission: dict, question_id: str, report: dict) -> float:
    for q in submission["questions"]:
        if q["question_id"] == question_id:
            return float(q["points_possible"])
    return float(_set_questions(report, submission["problem_set"])[question_id])


def _rubric_points(text: str, question_id: str, possible: float, bad) -> float | None:
    """The human's points, checked to be a number from 0 to the question's points."""
    span = f"from 0 to {_number(possible)} (the points of {question_id})"
    if not text:
        bad("points", f"empty: give a number {span}")
        return None
    try:
        points = float(text)
    except ValueError:
        bad("points", f"{text!r} is not a number: give a number {span}")
        return None
    if not math.isfinite(points) or not 0 <= points <= possible:
        bad("points", f"{text} is out of range: give a number {span}")
        return None
    return points


# Final grades ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FinalGrade:
    """One submission's grade after the rubric: points per question id, the recomputed total, and which questions
    a person scored (``rubric``, in problem-set order)."""

    submission: str
    problem_set: str
    points: dict[str, float]
    total: float
    possible: float
    total_before: float
    rubric: tuple[str, ...] = ()


def final_grades(report: dict, rubric: list[RubricRow] = ()) -> list[FinalGrade]:
    """Every submission's final grade, in report order: the grader's points, with each rubric row's points in place
    of the grader's for its question, and the total recomputed as the sum (rounded as the grader rounds it)."""
    human: dict[str, dict[str, float]] = {}
    for row in rubric:
        human.setdefault(row.submission, {})[row.question] = row.points
    finals = []
    for each in report["submissions"]:
        name = each["submission"]
        points = {q["question_id"]: float(q["points_earned"]) for q in each["questions"]}
        scored = human.get(name, {})
        points.update(scored)
        order = list(_set_questions(report, each["problem_set"])) or list(points)
        total = round(sum(points.values()), 6) if scored else float(each["total"])
        finals.append(FinalGrade(name, each["problem_set"], points, total, float(each["possible"]),
                                 float(each["total"]), tuple(q for q in order if q in scored)))
    return finals


def question_columns(report: dict) -> list[str]:
    """The question columns of ``gradebook.csv``: the ids of the report's problem sets, in the report's order
    (which is the course's order of problem sets)."""
    return [qid for each in report["problem_sets"].values() for qid in each["questions"]]


def _csv_text(rows) -> str:
    """CSV text written the way the grader writes ``gradebook.csv`` (the csv module's defaults)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerows(rows)
    return buffer.getvalue()


def gradebook_final_text(report: dict, finals: list[FinalGrade]) -> str:
    """``gradebook-final.csv``: the columns of ``gradebook.csv`` (``submission, total, possible``, one per question
    id, ``learner`` when graded with a roster) with the final points, then ``rubric_questions`` (the question ids a
    person scored, separated by spaces)."""
    columns = question_columns(report)
    learners = _learners_in_report(report)
    extra = ["learner"] if learners is not None else []
    rows = [["submission", "total", "possible", *columns, *extra, "rubric_questions"]]
    for grade in finals:
        who = [learners.get(grade.submission) or ""] if learners is not None else []
        rows.append([grade.submission, _number(grade.total), _number(grade.possible),
                     *(_number(grade.points[c]) if c in grade.points else "" for c in columns), *who,
                     " ".join(grade.rubric)])
    return _csv_text(rows)


def merge_record(report: dict, rubric_path: Path, rubric: list[RubricRow], finals: list[FinalGrade]) -> dict:
    """``rubric-merge.json``: the rubric file (path and SHA-256), each merged row (points before and after, the
    comment), and each changed submission's total before and after."""
    before = {s["submission"]: {q["question_id"]: float(q["points_earned"]) for q in s["questions"]}
              for s in report["submissions"]}
    learners = _learners_in_report(report) or {}
    possible = {s["submission"]: s for s in report["submissions"]}
    return {
        "rubric": str(rubric_path),
        "rubric_sha256": hashlib.sha256(Path(rubric_path).read_bytes()).hexdigest(),
        "rows": [{"row": r.row, "submission": r.submission, "learner": learners.get(r.submission),
                  "question": r.question, "points_before": before[r.submission].get(r.question, 0.0),
                  "points_after": r.points,
                  "points_possible": _points_possible(possible[r.submission], r.question, report),
                  "comment": r.comment} for r in rubric],
        "submissions": [{"submission": g.submission, "learner": learners.get(g.submission),
                         "total_before": g.total_before, "total_after": g.total, "possible": g.possible,
                         "rubric_questions": list(g.rubric)} for g in finals if g.rubric],
    }


# Learners and LMS files --------------------------------------------------------------------------------------------

@dataclass
class ClassList:
    """The learners an LMS file has rows for (``ids`` in order, ``names`` by id), each one's submissions (in report
    order), and notes for the instructor (submissions left out, and why)."""

    ids: tuple[str, ...]
    names: dict[str, str]
    submissions: dict[str, list[str]]
    notes: list[str] = field(default_factory=list)


def class_list(report: dict, roster: str | Path | None = None) -> ClassList:
    """The learners of the class and their submissions.

    With a ``roster`` CSV its learners, in its order; submissions are placed with the learners map of
    ``report.json`` when the class was graded with a roster, else by :func:`scalingedu.grading.roster.match_roster`.
    Without one, the learners recorded in ``report.json`` (sorted, without names). ValueError when there is neither.
    """
    recorded = _learners_in_report(report)
    names_of = [s["submission"] for s in report["submissions"]]
    if roster is not None:
        read = read_roster(roster)
        ids, names = read.ids, dict(read.names)
        placed = recorded if recorded is not None else match_roster(read, names_of).learner
    elif recorded is not None:
        missing = report["settings"]["roster"].get("missing") or []
        ids = tuple(sorted({who for who in recorded.values() if who} | set(missing)))
        names, placed = {}, recorded
    else:
        raise ValueError("a Canvas or Gradescope file needs the class roster: give --roster roster.csv (column id, "
                         "optionally name), or grade the class with --roster")
    spelled = {each.lower(): each for each in ids}
    result = ClassList(tuple(ids), names, {each: [] for each in ids})
    for submission in names_of:
        who = placed.get(submission)
        if who is None:
            result.notes.append(f"not exported, belongs to no learner of the roster (or to several): {submission}")
        elif who.lower() not in spelled:
            result.notes.append(f"not exported, belongs to {who}, who is not on the roster: {submission}")
        else:
            result.submissions[spelled[who.lower()]].append(submission)
    return result


def _single_problem_set(report: dict) -> tuple[str, float]:
    """The one problem set of the class and its points, for a single assignment column."""
    sets = report["problem_sets"]
    if len(sets) != 1:
        found = ", ".join(sets) or "none"
        raise ValueError(f"an LMS file has one assignment column, but report.json covers {len(sets)} problem sets "
                         f"({found}): grade each problem set into its own folder")
    set_id, each = next(iter(sets.items()))
    return set_id, float(each.get("points", sum(each["questions"].values())))


def best_grades(finals: list[FinalGrade], learners: ClassList) -> tuple[dict[str, FinalGrade | None], list[str]]:
    """Each learner's final grade for the LMS: their only submission's, the highest of several (the first in report
    order on a tie), or None when they handed in nothing; with one note per learner who had several."""
    by_name = {g.submission: g for g in finals}
    chosen: dict[str, FinalGrade | None] = {}
    notes = []
    for learner in learners.ids:
        theirs = [by_name[s] for s in learners.submissions[learner]]
        if not theirs:
            chosen[learner] = None
            continue
        best = max(theirs, key=lambda g: g.total)          # max keeps the first of equal totals
        chosen[learner] = best
        if len(theirs) > 1:
            listing = ", ".join(f"{g.submission} ({_number(g.total)})" for g in theirs)
            notes.append(f"{learner} handed in {len(theirs)} submissions: {listing}; the highest, "
                         f"{_number(best.total)} from {best.submission}, is exported")
    return chosen, notes


def check_assignment_name(name: str) -> str:
    """The Canvas assignment column's name, stripped; ValueError if empty or a name Canvas's importer would take
    for an identity column or drop as one of its computed columns."""
    text = (name or "").strip()
    if not text:
        raise ValueError("--assignment must name the Canvas assignment (its title, or 'Title (1234)' with the "
                         "assignment's Canvas id), not be empty")
    if text in CANVAS_RESERVED or any(word in text for word in CANVAS_NOT_ASSIGNMENTS):
        raise ValueError(f"--assignment {text!r} cannot be an assignment column: Canvas's importer reserves the "
                         f"names {', '.join(CANVAS_RESERVED)} and drops every column containing "
                         f"{', '.join(CANVAS_NOT_ASSIGNMENTS)}")
    return text


def canvas_text(report: dict, finals: list[FinalGrade], learners: ClassList, assignment: str, *,
                missing_blank: bool = False) -> str:
    """The Canvas gradebook CSV (layout and source in this module's docstring): one row per learner with their
    final total, 0 (or empty with ``missing_blank``) for a learner who handed in nothing."""
    assignment = check_assignment_name(assignment)
    _, possible = _single_problem_set(report)
    chosen, _ = best_grades(finals, learners)
    rows = [[*CANVAS_IDENTITY, assignment], ["Points Possible", "", "", "", "", _number(possible)]]
    for learner in learners.ids:
        grade = chosen[learner]
        score = _number(grade.total) if grade is not None else ("" if missing_blank else "0")
        rows.append([learners.names.get(learner) or learner, "", learner, learner, "", score])
    return _csv_text(rows)


def gradescope_text(report: dict, finals: list[FinalGrade], learners: ClassList, *,
                    missing_blank: bool = False) -> str:
    """The Gradescope-shaped CSV (layout and sources in this module's docstring): one row per learner with their
    final total, the problem set's points, ``Graded`` or ``Missing``, and the final points of each question."""
    set_id, possible = _single_problem_set(report)
    columns = list(report["problem_sets"][set_id]["questions"])
    chosen, _ = best_grades(finals, learners)
    rows = [[*GRADESCOPE_COLUMNS, *columns]]
    for learner in learners.ids:
        grade = chosen[learner]
        email = learner if "@" in learner else ""
        if grade is None:
            rows.append([learners.names.get(learner) or learner, learner, email, "" if missing_blank else "0",
                         _number(possible), "Missing", *("" for _ in columns)])
        else:
            rows.append([learners.names.get(learner) or learner, learner, email, _number(grade.total),
                         _number(possible), "Graded",
                         *(_number(grade.points[c]) if c in grade.points else "" for c in columns)])
    return _csv_text(rows)


@dataclass(frozen=True)
class GradebookResult:
    """What :func:`export_gradebook` wrote (paths in writing order), the final grades, and notes for the
    instructor (learners with several submissions, submissions left out)."""

    written: tuple[Path, ...]
    finals: tuple[FinalGrade, ...]
    rubric: tuple[RubricRow, ...]
    notes: tuple[str, ...]
    missing: tuple[str, ...] = ()
    """Learners who handed in nothing (only with an LMS file)."""


def export_gradebook(folder: str | Path, *, rubric: str | Path | None = None, canvas: str | Path | None = None,
                     assignment: str | None = None, gradescope: str | Path | None = None,
                     roster: str | Path | None = None, missing_blank: bool = False) -> GradebookResult:
    """Merge ``rubric`` into the class graded in ``folder`` and write the LMS files asked for.

    Everything is read and checked first (the report, every rubric row, the roster, the assignment name, the output
    folders); only then are the files written, each atomically: ``gradebook-final.csv`` and ``rubric-merge.json``
    in ``folder`` (with a rubric), ``canvas`` (needs ``assignment``) and ``gradescope``. ``report.json`` and
    ``gradebook.csv`` are never changed.
    """
    folder = Path(folder)
    report = load_report(folder)
    if canvas is None and assignment is not None:
        raise ValueError("--assignment names the column of the Canvas file: give --canvas FILE.csv too")
    if canvas is not None and assignment is None:
        raise ValueError("--canvas needs --assignment NAME: the Canvas assignment the scores go to (its title, or "
                         "'Title (1234)' with its Canvas id)")
    if rubric is None and canvas is None and gradescope is None:
        raise ValueError("nothing to do: give --rubric RUBRIC.csv, --canvas FILE.csv --assignment NAME, or "
                         "--gradescope FILE.csv")
    rows = read_rubric(rubric, report) if rubric is not None else []
    finals = final_grades(report, rows)
    outputs: list[tuple[Path, str]] = []
    if rubric is not None:
        outputs.append((folder / "gradebook-final.csv", gradebook_final_text(report, finals)))
        record = merge_record(report, Path(rubric), rows, finals)
        outputs.append((folder / "rubric-merge.json", json.dumps(record, indent=1) + "\n"))
    notes: list[str] = []
    missing: tuple[str, ...] = ()
    if canvas is not None or gradescope is not None:
        learners = class_list(report, roster)
        chosen, several = best_grades(finals, learners)
        notes += several + learners.notes
        missing = tuple(learner for learner, grade in chosen.items() if grade is None)
        if canvas is not None:
            outputs.append((Path(canvas), canvas_text(report, finals, learners, assignment,
                                                      missing_blank=missing_blank)))
        if gradescope is not None:
            outputs.append((Path(gradescope), gradescope_text(report, finals, learners,
                                                              missing_blank=missing_blank)))
        if rubric is None and (folder / "rubric-merge.json").is_file():
            notes.append(f"{folder / 'rubric-merge.json'} exists, but no --rubric was given: these files hold the "
                         f"grader's points only; give --rubric again to export the human points too")
    for path, _ in outputs:
        if not path.parent.is_dir():
            raise FileNotFoundError(f"cannot write {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    written = tuple(write_atomic(path, text) for path, text in outputs)
    return GradebookResult(written, tuple(finals), tuple(rows), tuple(notes), missing)


# Command line ------------------------------------------------------------------------------------------------------

def add_gradebook_command(subparsers) -> argparse.ArgumentParser:
    """Add ``gradebook`` to the ``scalingedu`` command's subparsers."""
    parser = subparsers.add_parser(
        "gradebook", help="merge rubric points into a graded class and write Canvas or Gradescope CSV files",
        description="Read DIR/report.json (written by scalingedu grade --out DIR). With --rubric, merge the points "
                    "a person gave (columns submission or learner, question, points, comment) into "
                    "DIR/gradebook-final.csv and DIR/rubric-merge.json; with --canvas or --gradescope, write one "
                    "row per roster learner with the final total. report.json and gradebook.csv are not changed.")
    parser.add_argument("folder", type=Path, metavar="DIR", help="the folder scalingedu grade --out wrote")
    parser.add_argument("--rubric", type=Path, default=None,
                        help="CSV of human points: submission (or learner), question, points, optionally comment")
    parser.add_argument("--canvas", type=Path, default=None, metavar="FILE.csv",
                        help="write a CSV for Canvas's Grades > Import (needs --assignment)")
    parser.add_argument("--assignment", default=None, metavar="NAME",
                        help="the Canvas assignment column: its title, or 'Title (1234)' with its Canvas id")
    parser.add_argument("--gradescope", type=Path, default=None, metavar="FILE.csv",
                        help="write a CSV in Gradescope's layout (Name, SID, Email, Total Score, Max Points, ...)")
    parser.add_argument("--roster", type=Path, default=None,
                        help="CSV of the class's learners (column id, optionally name) for --canvas and "
                             "--gradescope (default: the learners recorded by scalingedu grade --roster)")
    parser.add_argument("--missing-blank", action="store_true",
                        help="leave the score of a learner who handed in nothing empty instead of 0 (Canvas then "
                             "keeps the grade it has)")
    return parser


def run_gradebook(args: argparse.Namespace) -> int:
    """Run ``scalingedu gradebook``: write the files, print what was merged, chosen and written; return 0."""
    result = export_gradebook(args.folder, rubric=args.rubric, canvas=args.canvas, assignment=args.assignment,
                              gradescope=args.gradescope, roster=args.roster, missing_blank=args.missing_blank)
    for grade in result.finals:
        if grade.rubric:
            print(f"{grade.submission}: {_number(grade.total_before)} -> {_number(grade.total)} of "
                  f"{_number(grade.possible)} (scored by hand: {', '.join(grade.rubric)})")
    if args.rubric is not None:
        changed = sum(1 for g in result.finals if g.rubric)
        print(f"merged {len(result.rubric)} rubric row(s) into {changed} submission(s)")
    for note in result.notes:
        print(note)
    for learner in result.missing:
        print(f"handed in nothing: {learner} ({'left empty' if args.missing_blank else '0 points'})")
    for path in result.written:
        print(f"wrote {path}")
    return 0
