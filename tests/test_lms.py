"""Rubric merge and LMS files of a graded class (scalingedu.grading.lms, `scalingedu gradebook`).

The graded classes here are report.json files written by hand in the shape `scalingedu grade` writes (no kernel, no
grader run), with the real questions and points of problem set chinchilla.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from scalingedu.grading import _files, problem_set
from scalingedu.grading.lms import (
    check_assignment_name,
    class_list,
    export_gradebook,
    load_report,
    read_rubric,
    write_atomic,
)
from scalingedu.tools.cli import main

SET = problem_set("chinchilla")
# The report of a class graded on problem set 04 as it was in December 2026 (six questions, 14 points): the
# report is the source of truth, whatever the set holds now. The ids still exist in the set.
POINTS = {"chinchilla.exponent": 2, "chinchilla.optimal_split": 3, "chinchilla.optimal_params": 2,
          "chinchilla.tokens_per_param": 2, "chinchilla.gopher_gap": 2, "chinchilla.isoflop_exponent": 3}
SET_POINTS = sum(POINTS.values())
GRADEBOOK = b"submission,total,possible\r\nhand-written,0,14\r\n"   # only checked to stay byte for byte as it is

# Points the grader gave, per submission (questions not named earned 0).
EARNED = {
    "alice/04_chinchilla.ipynb": {"chinchilla.exponent": 2, "chinchilla.optimal_params": 2, "chinchilla.gopher_gap": 1},
    "alice/04_chinchilla_v2.ipynb": {"chinchilla.exponent": 2, "chinchilla.optimal_split": 3,
                                     "chinchilla.optimal_params": 2, "chinchilla.tokens_per_param": 2,
                                     "chinchilla.gopher_gap": 0.5},
    "bo/04_chinchilla.ipynb": {"chinchilla.exponent": 2, "chinchilla.tokens_per_param": 1.5},
    "zed.ipynb": {"chinchilla.exponent": 1},
}
LEARNERS = {"alice/04_chinchilla.ipynb": "alice", "alice/04_chinchilla_v2.ipynb": "alice",
            "bo/04_chinchilla.ipynb": "bo", "zed.ipynb": None}
ROSTER = "id,name\nalice,Alice Adams\nbo,\ncarol,Carol Chen\n"


def _question(qid: str, earned: float) -> dict:
    status = "passed" if earned == POINTS[qid] else ("failed" if earned == 0 else "partial")
    return {"question_id": qid, "points_earned": float(earned), "points_possible": float(POINTS[qid]),
            "status": status, "hint": "", "answer_name": qid.split(".")[1], "source": "end of notebook",
            "checks": [], "note": ""}


def _submission(name: str, earned: dict) -> dict:
    questions = [_question(qid, earned.get(qid, 0)) for qid in POINTS]
    return {"submission": name, "path": f"/hand-ins/{name}", "sha256": "0" * 64, "problem_set": SET.id,
            "title": SET.title, "total": round(sum(q["points_earned"] for q in questions), 6),
            "possible": float(SET_POINTS), "status": "graded", "questions": questions, "events": [],
            "seconds": 1.0, "feedback": name.replace("/", "__").replace(".ipynb", ".md")}


def _report(*, roster: bool = True) -> dict:
    settings = {"cell_seconds": 60, "notebook_seconds": 600, "workers": 2, "problem_set": None, "seconds": 9.0,
                "other_files": [],
                "roster": {"missing": ["carol"], "unknown": ["zed.ipynb"], "learners": LEARNERS} if roster else None}
    return {"settings": settings,
            "problem_sets": {SET.id: {"title": SET.title, "points": SET_POINTS, "questions": dict(POINTS)}},
            "submissions": [_submission(name, earned) for name, earned in EARNED.items()]}


@pytest.fixture
def graded(tmp_path) -> Path:
    """A graded class folder: report.json (with a roster) and a gradebook.csv."""
    folder = tmp_path / "graded"
    folder.mkdir()
    (folder / "report.json").write_text(json.dumps(_report(), indent=1) + "\n", encoding="utf-8")
    (folder / "gradebook.csv").write_bytes(GRADEBOOK)
    return folder


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def _by_submission(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return {row["submission"]: row for row in csv.DictReader(stream)}


# Rubric merge ------------------------------------------------------------------------------------------------------

def test_human_points_replace_the_graders_and_the_totals_are_recomputed(graded, tmp_path):
    report_before = (graded / "report.json").read_bytes()
    rubric = _write(tmp_path, "rubric.csv",
                    "submission,learner,question,points,comment\n"
                    "alice/04_chinchilla.ipynb,,chinchilla.optimal_split,2.5,\"derivation right, one slip\"\n"
                    ",bo,chinchilla.gopher_gap,1,\n"
                    "alice/04_chinchilla.ipynb,,chinchilla.gopher_gap,0,wrong model\n")
    result = export_gradebook(graded, rubric=rubric)
    assert [p.name for p in result.written] == ["gradebook-final.csv", "rubric-merge.json"]

    final = _by_submission(graded / "gradebook-final.csv")
    header = _rows(graded / "gradebook-final.csv")[0]
    assert header == ["submission", "total", "possible", *POINTS, "learner", "rubric_questions"]
    alice = final["alice/04_chinchilla.ipynb"]
    assert alice["chinchilla.optimal_split"] == "2.5" and alice["chinchilla.gopher_gap"] == "0"   # was 0 and 1
    assert alice["total"] == "6.5" and alice["possible"] == "14"                                  # 2 + 2.5 + 2
    assert alice["rubric_questions"] == "chinchilla.optimal_split chinchilla.gopher_gap"          # set order
    assert alice["learner"] == "alice"
    bo = final["bo/04_chinchilla.ipynb"]
    assert bo["chinchilla.gopher_gap"] == "1" and bo["total"] == "4.5"                             # 2 + 1.5 + 1
    untouched = final["alice/04_chinchilla_v2.ipynb"]
    assert untouched["total"] == "9.5" and untouched["rubric_questions"] == ""
    assert final["zed.ipynb"]["learner"] == ""

    record = json.loads((graded / "rubric-merge.json").read_text(encoding="utf-8"))
    assert [(r["row"], r["submission"], r["question"], r["points_before"], r["points_after"]) for r in record["rows"]] \
        == [(2, "alice/04_chinchilla.ipynb", "chinchilla.optimal_split", 0.0, 2.5),
            (3, "bo/04_chinchilla.ipynb", "chinchilla.gopher_gap", 0.0, 1.0),
            (4, "alice/04_chinchilla.ipynb", "chinchilla.gopher_gap", 1.0, 0.0)]
    assert record["rows"][0]["comment"] == "derivation right, one slip" and record["rows"][1]["learner"] == "bo"
    assert {s["submission"]: (s["total_before"], s["total_after"]) for s in record["submissions"]} == {
        "alice/04_chinchilla.ipynb": (5.0, 6.5), "bo/04_chinchilla.ipynb": (3.5, 4.5)}

    assert (graded / "gradebook.csv").read_bytes() == GRADEBOOK           # the grader's files stay as they were
    assert (graded / "report.json").read_bytes() == report_before


def test_a_legacy_question_prefix_and_spreadsheet_leftovers_are_accepted(graded, tmp_path):
    """Header case and spaces, a byte-order mark and rows of empty cells are what spreadsheets save."""
    rubric = tmp_path / "rubric.csv"
    rubric.write_bytes("\ufeffSubmission , Question,Points\nbo/04_chinchilla.ipynb,chinchilla.exponent,1.25\n,,\n"
                       .encode())
    rows = read_rubric(rubric, load_report(graded))
    assert [(r.row, r.submission, r.question, r.points) for r in rows] == [
        (2, "bo/04_chinchilla.ipynb", "chinchilla.exponent", 1.25)]


BAD_ROWS = [
    ("submission,question,points\nnobody.ipynb,chinchilla.exponent,1\n",
     ["row 2, column 'submission'", "no submission 'nobody.ipynb'", "alice/04_chinchilla.ipynb"]),
    ("learner,question,points\ndave,chinchilla.exponent,1\n",
     ["row 2, column 'learner'", "no submission of learner 'dave'", "alice, bo"]),
    ("learner,question,points\nalice,chinchilla.exponent,1\n",
     ["row 2, column 'learner'", "handed in 2 submissions", "column 'submission'"]),
    ("submission,question,points\nbo/04_chinchilla.ipynb,chinchilla.nope,1\n",
     ["row 2, column 'question'", "unknown question 'chinchilla.nope'",
      "chinchilla.exponent, chinchilla.optimal_split"]),
    ("submission,question,points\nbo/04_chinchilla.ipynb,power_laws.halving,1\n",
     ["row 2, column 'question'", "power_laws.halving is a question of problem set power_laws",
      "answers problem set chinchilla"]),
    ("submission,question,points\nbo/04_chinchilla.ipynb,chinchilla.exponent,5\n",
     ["row 2, column 'points'", "5 is out of range", "from 0 to 2 (the points of chinchilla.exponent)"]),
    ("submission,question,points\nbo/04_chinchilla.ipynb,chinchilla.optimal_split,-0.5\n",
     ["row 2, column 'points'", "-0.5 is out of range", "from 0 to 3 (the points of chinchilla.optimal_split)"]),
    ("submission,question,points\nbo/04_chinchilla.ipynb,chinchilla.exponent,two\n",
     ["row 2, column 'points'", "'two' is not a number", "from 0 to 2"]),
    ("submission,question,points\nbo/04_chinchilla.ipynb,chinchilla.exponent,nan\n",
     ["row 2, column 'points'", "nan is out of range", "from 0 to 2"]),
    ("submission,question,points\nbo/04_chinchilla.ipynb,chinchilla.exponent,\n",
     ["row 2, column 'points'", "empty", "from 0 to 2"]),
    ("submission,question,points\nbo/04_chinchilla.ipynb,chinchilla.exponent,1\n"
     "bo/04_chinchilla.ipynb,chinchilla.exponent,2\n",
     ["row 3, column 'question'", "scored a second time (first on row 2)"]),
    ("submission,question,points\n,chinchilla.exponent,1\n",
     ["row 2, column 'submission'", "empty", "column 'learner'"]),
]


@pytest.mark.parametrize("text, fragments", BAD_ROWS)
def test_a_bad_rubric_row_names_file_row_column_and_range_and_nothing_is_written(graded, tmp_path, text, fragments):
    rubric = _write(tmp_path, "rubric.csv", text)
    canvas = tmp_path / "canvas.csv"
    with pytest.raises(ValueError) as error:
        export_gradebook(graded, rubric=rubric, canvas=canvas, assignment="Problem set 4",
                         roster=_write(tmp_path, "roster.csv", ROSTER))
    message = str(error.value)
    assert "rubric rubric.csv" in message and "nothing was written" in message
    for fragment in fragments:
        assert fragment in message
    assert sorted(p.name for p in graded.iterdir()) == ["gradebook.csv", "report.json"]
    assert not canvas.exists()


def test_every_bad_row_is_reported_at_once(graded, tmp_path):
    rubric = _write(tmp_path, "rubric.csv", "submission,question,points\n"
                                            "bo/04_chinchilla.ipynb,chinchilla.exponent,1\n"
                                            "bo/04_chinchilla.ipynb,chinchilla.optimal_split,9\n"
                                            "nobody.ipynb,chinchilla.exponent,1\n")
    with pytest.raises(ValueError, match="has 2 bad row") as error:
        read_rubric(rubric, load_report(graded))
    assert "row 3, column 'points'" in str(error.value) and "row 4, column 'submission'" in str(error.value)


def test_a_rubric_without_its_columns_or_a_learner_without_a_roster_is_refused(tmp_path, graded):
    with pytest.raises(ValueError, match=r"needs the column\(s\) submission \(or learner\), points"):
        read_rubric(_write(tmp_path, "r1.csv", "name,question\nx,y\n"), load_report(graded))
    report = _report(roster=False)
    with pytest.raises(ValueError, match="row 2, column 'learner': report.json was graded without a roster"):
        read_rubric(_write(tmp_path, "r2.csv", "learner,question,points\nbo,chinchilla.exponent,1\n"), report)
    with pytest.raises(FileNotFoundError, match="nobody.csv"):
        read_rubric(tmp_path / "nobody.csv", report)


# Canvas and Gradescope ---------------------------------------------------------------------------------------------

def test_the_canvas_file_has_canvas_columns_a_points_possible_row_and_one_row_per_learner(graded, tmp_path):
    canvas = tmp_path / "canvas.csv"
    result = export_gradebook(graded, canvas=canvas, assignment="Problem set 4 (1234)",
                              roster=_write(tmp_path, "roster.csv", ROSTER))
    assert _rows(canvas) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Problem set 4 (1234)"],
        ["Points Possible", "", "", "", "", "14"],
        ["Alice Adams", "", "alice", "alice", "", "9.5"],       # the higher of her two submissions (5 and 9.5)
        ["bo", "", "bo", "bo", "", "3.5"],                      # no name in the roster: the id
        ["Carol Chen", "", "carol", "carol", "", "0"],          # handed in nothing
    ]
    assert any("alice handed in 2 submissions" in n and "the highest, 9.5 from alice/04_chinchilla_v2.ipynb" in n
               for n in result.notes)
    assert any("belongs to no learner" in n and "zed.ipynb" in n for n in result.notes)
    assert result.missing == ("carol",)
    assert not (graded / "gradebook-final.csv").exists()       # no rubric: no merged gradebook


def test_the_canvas_score_is_the_total_after_the_rubric_and_missing_can_be_blank(graded, tmp_path):
    canvas = tmp_path / "canvas.csv"
    rubric = _write(tmp_path, "rubric.csv", "submission,question,points\n"
                                            "alice/04_chinchilla.ipynb,chinchilla.optimal_split,3\n"
                                            "alice/04_chinchilla.ipynb,chinchilla.isoflop_exponent,3\n"
                                            "bo/04_chinchilla.ipynb,chinchilla.gopher_gap,2\n")
    export_gradebook(graded, rubric=rubric, canvas=canvas, assignment="PS4", missing_blank=True,
                     roster=_write(tmp_path, "roster.csv", ROSTER))
    scores = {row[2]: row[5] for row in _rows(canvas)[2:]}
    assert scores == {"alice": "11", "bo": "5.5", "carol": ""}     # alice's first hand-in is now the higher: 5 + 6


def test_the_gradescope_file_has_its_columns_and_the_points_of_each_question(graded, tmp_path):
    gradescope = tmp_path / "gradescope.csv"
    roster = _write(tmp_path, "roster.csv", "id,name\nalice,Alice Adams\nbo@uni.edu,Bo Brown\ncarol,\n")
    report = json.loads((graded / "report.json").read_text(encoding="utf-8"))
    report["settings"]["roster"]["learners"]["bo/04_chinchilla.ipynb"] = "bo@uni.edu"
    (graded / "report.json").write_text(json.dumps(report), encoding="utf-8")
    export_gradebook(graded, gradescope=gradescope, roster=roster)
    rows = _rows(gradescope)
    assert rows[0] == ["Name", "SID", "Email", "Total Score", "Max Points", "Status", *POINTS]
    assert rows[1] == ["Alice Adams", "alice", "", "9.5", "14", "Graded", "2", "3", "2", "2", "0.5", "0"]
    assert rows[2] == ["Bo Brown", "bo@uni.edu", "bo@uni.edu", "3.5", "14", "Graded", "2", "0", "0", "1.5", "0", "0"]
    assert rows[3] == ["carol", "carol", "", "0", "14", "Missing", "", "", "", "", "", ""]
    assert len(rows) == 4


def test_without_a_roster_file_the_learners_recorded_by_the_grader_are_used(graded):
    learners = class_list(load_report(graded))
    assert learners.ids == ("alice", "bo", "carol") and learners.names == {}
    assert learners.submissions["alice"] == ["alice/04_chinchilla.ipynb", "alice/04_chinchilla_v2.ipynb"]
    with pytest.raises(ValueError, match="needs the class roster: give --roster"):
        class_list(_report(roster=False))


def test_a_roster_file_places_submissions_itself_when_the_class_was_graded_without_one(tmp_path):
    learners = class_list(_report(roster=False), _write(tmp_path, "roster.csv", ROSTER))
    assert learners.submissions == {"alice": ["alice/04_chinchilla.ipynb", "alice/04_chinchilla_v2.ipynb"],
                                    "bo": ["bo/04_chinchilla.ipynb"], "carol": []}


def test_one_assignment_column_needs_one_problem_set_and_a_usable_name(graded, tmp_path):
    report = _report()
    other = problem_set("power_laws")
    report["problem_sets"][other.id] = {"title": other.title, "points": other.points,
                                        "questions": {q.id: q.points for q in other.questions}}
    (graded / "report.json").write_text(json.dumps(report), encoding="utf-8")
    roster = _write(tmp_path, "roster.csv", ROSTER)
    with pytest.raises(ValueError, match=r"covers 2 problem sets \(chinchilla, power_laws\): grade each"):
        export_gradebook(graded, gradescope=tmp_path / "g.csv", roster=roster)
    assert not (tmp_path / "g.csv").exists()
    for name in ("", "Section", "Final Score"):
        with pytest.raises(ValueError, match="--assignment"):
            check_assignment_name(name)
    assert check_assignment_name("  PS 4 (12) ") == "PS 4 (12)"


def test_options_that_do_not_go_together_are_refused_before_anything_is_written(graded, tmp_path):
    with pytest.raises(ValueError, match="--canvas needs --assignment"):
        export_gradebook(graded, canvas=tmp_path / "c.csv")
    with pytest.raises(ValueError, match="give --canvas FILE.csv too"):
        export_gradebook(graded, assignment="PS4")
    with pytest.raises(ValueError, match="nothing to do"):
        export_gradebook(graded)
    with pytest.raises(FileNotFoundError, match="no-such-folder"):
        export_gradebook(graded, gradescope=tmp_path / "no-such-folder" / "g.csv",
                         rubric=_write(tmp_path, "r.csv", "submission,question,points\n"))
    assert sorted(p.name for p in graded.iterdir()) == ["gradebook.csv", "report.json"]


def test_a_missing_or_broken_report_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.*does not exist"):
        load_report(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="report.json.*does not exist"):
        load_report(tmp_path)
    (tmp_path / "report.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="report.json.*is not valid JSON"):
        load_report(tmp_path)
    (tmp_path / "report.json").write_text('{"settings": {}, "problem_sets": {}}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a report of scalingedu grade: it has no 'submissions'"):
        load_report(tmp_path)


def test_a_file_is_replaced_whole_or_left_as_it_was(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    write_atomic(target, "first\n")
    assert target.read_text() == "first\n" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]

    def broken_replace(source, destination):
        raise OSError("disk full")
    monkeypatch.setattr(_files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "second\n")
    assert target.read_text() == "first\n" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]


# The command -------------------------------------------------------------------------------------------------------

def test_the_command_merges_exports_and_says_which_submission_it_took(graded, tmp_path, capsys):
    rubric = _write(tmp_path, "rubric.csv", "learner,question,points,comment\nbo,chinchilla.gopher_gap,2,good\n")
    canvas, gradescope = tmp_path / "canvas.csv", tmp_path / "gradescope.csv"
    code = main(["gradebook", str(graded), "--rubric", str(rubric), "--canvas", str(canvas), "--assignment",
                 "Problem set 4", "--gradescope", str(gradescope), "--roster",
                 str(_write(tmp_path, "roster.csv", ROSTER))])
    assert code == 0
    out = capsys.readouterr().out
    assert "bo/04_chinchilla.ipynb: 3.5 -> 5.5 of 14" in out
    assert "merged 1 rubric row(s) into 1 submission(s)" in out
    assert "alice handed in 2 submissions" in out and "the highest, 9.5" in out
    assert "handed in nothing: carol (0 points)" in out
    for path in (graded / "gradebook-final.csv", graded / "rubric-merge.json", canvas, gradescope):
        assert f"wrote {path}" in out and path.is_file()
    assert _rows(canvas)[3] == ["bo", "", "bo", "bo", "", "5.5"]
    assert _by_submission(graded / "gradebook-final.csv")["bo/04_chinchilla.ipynb"]["total"] == "5.5"
    assert (graded / "gradebook.csv").read_bytes() == GRADEBOOK


def test_the_command_reports_a_missing_folder_without_a_traceback(tmp_path, capsys):
    missing = tmp_path / "never-graded"
    with pytest.raises(SystemExit) as stop:
        main(["gradebook", str(missing), "--gradescope", str(tmp_path / "g.csv")])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "scalingedu gradebook: error:" in error and str(missing) in error and "does not exist" in error
    assert "Traceback" not in error
    assert not (tmp_path / "g.csv").exists()


def test_the_command_reports_a_bad_rubric_row_without_a_traceback(graded, tmp_path, capsys):
    rubric = _write(tmp_path, "rubric.csv",
                    "submission,question,points\nbo/04_chinchilla.ipynb,chinchilla.exponent,3\n")
    with pytest.raises(SystemExit) as stop:
        main(["gradebook", str(graded), "--rubric", str(rubric)])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "row 2, column 'points': 3 is out of range" in error and "Traceback" not in error
    assert not (graded / "gradebook-final.csv").exists()


def test_the_final_gradebook_reads_back_like_the_graders(graded, tmp_path):
    """Same columns as gradebook.csv plus rubric_questions, and the csv module's line ends as the grader writes."""
    export_gradebook(graded, rubric=_write(tmp_path, "rubric.csv", "submission,question,points\n"))
    text = (graded / "gradebook-final.csv").read_bytes().decode()
    assert text.startswith("submission,total,possible,chinchilla.exponent,") and "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["total"] for r in rows] == ["5", "9.5", "3.5", "1"] and all(r["rubric_questions"] == "" for r in rows)
