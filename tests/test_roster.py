"""A class roster (scalingedu.grading.roster) and `scalingedu grade --roster`: who handed in what, who did not."""
import csv

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from scalingedu.grading.classroom import grade_class
from scalingedu.grading.roster import Roster, match_roster, read_roster
from scalingedu.grading.sandbox import sandbox_problem

SANDBOXED = not sandbox_problem()


def _roster(tmp_path, text):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_roster_is_read_with_ids_and_optional_names(tmp_path):
    roster = read_roster(_roster(tmp_path, "ID,Name\nalice,Alice A\n12345,\nb.smith@uni.edu,Bo Smith\n"))
    assert roster.ids == ("alice", "12345", "b.smith@uni.edu")
    assert roster.names["alice"] == "Alice A" and roster.names["12345"] == ""


@pytest.mark.parametrize("text, message", [
    ("name\nAlice\n", "needs a column named 'id'"),
    ("id\nalice\n\n,\n", "line 3: the id is empty"),
    ("id\nalice\nALICE\n", "line 3: the id 'ALICE' appears twice"),
])
def test_a_malformed_roster_is_refused_with_its_line(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        read_roster(_roster(tmp_path, text))


def test_a_missing_roster_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nobody.csv"):
        read_roster(tmp_path / "nobody.csv")


def test_submissions_are_placed_by_the_id_in_their_path_as_a_whole_token():
    roster = Roster(("al", "alice", "12345", "bo"), {})
    found = match_roster(roster, ["alice/04_chinchilla.ipynb", "smith_12345_77_04_chinchilla.ipynb",
                                  "ALICE_al_04.ipynb", "robot.ipynb"])
    assert found.learner == {"alice/04_chinchilla.ipynb": "alice", "smith_12345_77_04_chinchilla.ipynb": "12345",
                             "ALICE_al_04.ipynb": None, "robot.ipynb": None}   # two ids, or none: not placed
    assert found.missing == ("al", "bo")
    assert found.unknown == ("ALICE_al_04.ipynb", "robot.ipynb")


def test_grading_with_a_roster_adds_a_learner_column_and_reports_who_handed_in_nothing(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "alice_power_laws.ipynb").write_bytes(b"{")                       # not a notebook: no kernel needed
    other_set = new_notebook(cells=[new_code_cell("check('chinchilla.exponent', exponent)")])
    nbformat.write(other_set, str(folder / "bo_chinchilla.ipynb"))              # another set: no kernel either
    (folder / "zed.ipynb").write_bytes(b"")
    report = grade_class([folder], tmp_path / "out", problem_set_id="power_laws", progress=False,
                         roster=_roster(tmp_path, "id\nalice\nbo\ncarol\n"), sandbox=SANDBOXED)
    assert report.roster.missing == ("carol",) and report.roster.unknown == ("zed.ipynb",)
    with open(report.gradebook, newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0])[:3] == ["submission", "total", "possible"] and list(rows[0])[-1] == "learner"
    assert [(row["submission"], row["learner"]) for row in rows] == [
        ("alice_power_laws.ipynb", "alice"), ("bo_chinchilla.ipynb", "bo"), ("zed.ipynb", "")]
