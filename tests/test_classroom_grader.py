"""Tests of the class grader (scalingedu.grading.classroom, .submission, .kernel_answers) and of the HTML export.

The fixture submissions are built from the course's own solution and exercise notebooks by
tests/submission_fixtures.py, each with the score it deserves (worked out from the problem set's points and the
answer cells it keeps). One test grades a class of 30 of them; the others use one or two small notebooks, or no
kernel at all.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import re
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from submission_fixtures import write_fixtures

from scalingedu.grading import grade_answer, problem_set, problem_sets, submission
from scalingedu.grading.classroom import add_grade_command, feedback_text, find_submissions, grade_class, run_grade
from scalingedu.grading.kernel_answers import (
    NeedCall,
    RemoteFunction,
    arguments_key,
    decode,
    probe_source,
    request_text,
)
from scalingedu.grading.sandbox import sandbox_problem
from scalingedu.grading.submission import SubmissionGrade, detect_problem_set, grade_submission, read_code_cells
from scalingedu.laws import EPOCH_2024
from scalingedu.tools.export import add_export_command, run_export

ROOT = Path(__file__).resolve().parent.parent
SANDBOXED = not sandbox_problem()
"""Grade in the sandbox where this machine has one (CI installs bubblewrap; tests/test_sandbox.py fails there
without it); elsewhere these tests check the grading itself without one."""
NO_SANDBOX = [] if SANDBOXED else ["--no-sandbox"]
CELL_SECONDS = 4          # short, so that the hanging fixtures cost little


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# A class of 30 mixed submissions, graded once ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    written = write_fixtures(folder, ("power_laws", "chinchilla"))
    before = {path.name: sha256(path) for path, _ in written}
    out = tmp_path_factory.mktemp("graded")
    started = time.perf_counter()
    report = grade_class([folder], out, cell_seconds=CELL_SECONDS, notebook_seconds=120, workers=2, progress=False,
                         sandbox=SANDBOXED)
    seconds = time.perf_counter() - started
    after = {path.name: sha256(path) for path, _ in written}
    return {"fixtures": {fixture.name: fixture for _, fixture in written}, "report": report, "out": out,
            "seconds": seconds, "before": before, "after": after}


def test_class_of_30_grades_every_submission_to_the_score_it_deserves(graded_class):
    fixtures, report = graded_class["fixtures"], graded_class["report"]
    assert len(fixtures) == 30 and len(report.grades) == 30
    kinds = {f.kind for f in fixtures.values()}
    assert {"perfect", "blank", "partial", "tamper", "hang_stubborn", "kernel_exit", "corrupt_truncated"} <= kinds
    wrong = [(g.submission, g.total, fixtures[g.submission].expected) for g in report.grades
             if g.total != pytest.approx(fixtures[g.submission].expected, abs=1e-9)
             or g.possible != fixtures[g.submission].possible]
    assert wrong == []
    # The time is printed, not asserted (a loaded CI machine is no measure): `scalingedu bench` measures grading speed.
    print(f"graded 30 submissions in {graded_class['seconds']:.1f} s")


def test_submissions_are_byte_for_byte_unchanged(graded_class):
    assert graded_class["before"] == graded_class["after"]
    by_name = {g.submission: g for g in graded_class["report"].grades}
    for name, digest in graded_class["before"].items():
        assert by_name[name].sha256 == digest


def test_tampering_earns_nothing_beyond_the_honest_answers(graded_class):
    by_name = {g.submission: g for g in graded_class["report"].grades}
    for set_id in ("power_laws", "chinchilla"):
        tampered, partial = by_name[f"tamper_{set_id}.ipynb"], by_name[f"partial_{set_id}.ipynb"]
        assert tampered.total == partial.total < tampered.possible
        for honest, tricked in zip(partial.questions, tampered.questions):
            assert tricked.points_earned == honest.points_earned
            if honest.status == "not answered":   # answered in the tampered notebook by a lying object
                assert tricked.status == "failed"


def test_failures_are_explained_and_answers_before_them_count(graded_class):
    out = graded_class["out"]
    by_name = {g.submission: g for g in graded_class["report"].grades}
    stubborn = by_name["hang_stubborn_chinchilla.ipynb"]
    assert any("stopped responding" in event for event in stubborn.events)
    assert any(q.source.startswith("after cell") and q.points_earned == q.points_possible
               for q in stubborn.questions)
    exited = by_name["kernel_exit_power_laws.ipynb"]
    assert any("kernel exited" in event for event in exited.events)
    interrupted = by_name["hang_interruptible_power_laws.ipynb"]
    assert any("interrupted" in event for event in interrupted.events)
    corrupt = by_name["corrupt_truncated_chinchilla.ipynb"]
    assert corrupt.status == "not a notebook" and "not valid JSON" in corrupt.events[-1]
    text = (out / "feedback" / "corrupt_truncated_chinchilla.md").read_text()
    assert "not valid JSON" in text and f"Score: 0 of {problem_set('chinchilla').points:g}" in text
    raised = by_name["raises_chinchilla.ipynb"]
    assert any('RuntimeError (its message, as the notebook wrote it: "I give up' in event for event in raised.events)


def test_gradebook_report_and_feedback_files(graded_class):
    out, report = graded_class["out"], graded_class["report"]
    with open(out / "gradebook.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    columns = list(rows[0])
    ids = list(problem_set("power_laws").ids) + list(problem_set("chinchilla").ids)
    assert columns == ["submission", "total", "possible", *ids]
    fixtures = graded_class["fixtures"]
    for row in rows:
        fixture = fixtures[row["submission"]]
        assert float(row["total"]) == pytest.approx(fixture.expected)
        own_set = "power_laws" if "power_laws" in fixture.name else "chinchilla"
        own = [c for c in ids if c.split(".")[0] == own_set]
        assert sum(float(row[c]) for c in own) == pytest.approx(float(row["total"]))
        assert all(row[c] == "" for c in ids if c not in own)
    data = json.loads((out / "report.json").read_text())
    assert len(data["submissions"]) == 30 and data["settings"]["cell_seconds"] == CELL_SECONDS
    assert sorted(data["problem_sets"]) == ["chinchilla", "power_laws"]
    assert len(report.feedback) == 30 and all(path.is_file() for path in report.feedback)
    for path in report.feedback:
        text = path.read_text().lower()
        assert "all tests passed" not in text and "100%" not in text
    # A question left blank (a number left as `...` or a stub function) shows no check as passed.
    blank = [q for g in report.grades for q in g.questions if q.status == "not answered"]
    assert blank and not any(c["passed"] for q in blank for c in q.checks)
    blank_text = next(p for p in report.feedback
                      if p.name.startswith("blank_power_laws")).read_text()
    row = next(line for line in blank_text.splitlines()
               if line.startswith("| power_laws.local_exponent |"))
    assert "not answered" in row and "| 0 of " in row


# Partial credit and honest feedback about hidden checks -----------------------------------------------------------

def _notebook(tmp_path: Path, name: str, *sources: str) -> Path:
    path = tmp_path / name
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), str(path))
    return path


def test_an_answer_that_passes_only_the_public_checks_gets_partial_credit_and_says_so(tmp_path):
    off_by_one_percent = EPOCH_2024.params_exponent * 1.01
    path = _notebook(tmp_path, "04_chinchilla.ipynb",
                     "from scalingedu.laws import EPOCH_2024\n"
                     "params_exponent = EPOCH_2024.params_exponent * 1.01",
                     "def eq4_params(flops, alpha, beta, A, B):\n    return flops * 0 + 1.0",
                     "tokens_per_param = 'twenty'")
    grade = grade_submission(path, root=ROOT, cell_seconds=20, sandbox=SANDBOXED)
    by_id = {q.question_id: q for q in grade.questions}
    # the same answer graded directly
    expected = grade_answer("chinchilla.exponent", off_by_one_percent)
    assert 0 < expected.points_earned < expected.points_possible
    assert by_id["chinchilla.exponent"].points_earned == pytest.approx(expected.points_earned)
    assert by_id["chinchilla.exponent"].status == "partial"
    split = by_id["chinchilla.optimal_split"]
    assert split.status == "failed" and split.points_earned == 0
    tokens_per_param = by_id["chinchilla.tokens_per_param"]
    assert tokens_per_param.status == "failed"
    assert any("the text 'twenty'" in c["message"] for c in tokens_per_param.checks)
    text = feedback_text(grade, cell_seconds=20, notebook_seconds=600)
    section = text.split("### chinchilla.exponent")[1].split("###")[0]
    assert "Hidden checks passed: 0 of 1" in section and "not the stricter hidden checks" in section
    assert "All " not in section


def test_a_kernel_that_fails_to_start_is_started_again(tmp_path, monkeypatch):
    """With TCP, two kernels started at once can pick the same port and one dies at start-up: that is not the
    learner's fault, so the grader starts another kernel; only after KERNEL_START_ATTEMPTS failures does it give up."""
    original = submission._QuietClient.setup_kernel
    calls = []

    @contextlib.contextmanager
    def fails_once(self, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        with original(self, **kwargs):
            yield

    monkeypatch.setattr(submission._QuietClient, "setup_kernel", fails_once)
    path = tmp_path / "01_power_laws.ipynb"
    path.write_bytes((ROOT / "solutions" / "01_power_laws.ipynb").read_bytes())
    grade = grade_submission(path, root=ROOT, cell_seconds=20, sandbox=SANDBOXED)
    assert len(calls) == 2
    by_a_person = sum(q.points for q in problem_set("power_laws").questions if q.rubric)
    assert grade.total == grade.possible - by_a_person > 0 and grade.status != "kernel did not start"

    def never_starts(self, **kwargs):
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(submission._QuietClient, "setup_kernel", never_starts)
    calls.clear()
    grade = grade_submission(path, root=ROOT, cell_seconds=20, sandbox=SANDBOXED)
    assert len(calls) == submission.KERNEL_START_ATTEMPTS
    assert grade.total == 0 and grade.status == "kernel did not start"
    assert sum("could not be started" in event for event in grade.events) == 1


def test_a_learner_function_is_called_in_its_kernel_not_in_the_grader(tmp_path):
    # The function reads a global of the learner's kernel: right there, undefined in the grader.
    path = _notebook(tmp_path, "04_chinchilla.ipynb",
                     "import numpy as np\nfrom scalingedu.laws import ChinchillaLaw\nSIX = 6.0",
                     "def eq4_params(flops, alpha, beta, A, B):\n"
                     "    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))\n"
                     "    return G * (np.asarray(flops) / SIX) ** (beta / (alpha + beta))")
    grade = grade_submission(path, root=ROOT, cell_seconds=20, sandbox=SANDBOXED)
    split = next(q for q in grade.questions if q.question_id == "chinchilla.optimal_split")
    assert split.status == "passed" and split.points_earned == split.points_possible


# Reading files and answers without a kernel ------------------------------------------------------------------------

def test_read_code_cells_salvages_what_it_can_and_explains_the_rest():
    assert "not valid JSON (line 1" in read_code_cells(b'{"cells": [').problem
    assert "not a notebook" in read_code_cells(b"[1, 2]").problem
    assert "not UTF-8" in read_code_cells(b"\xff\xfe\x00").problem
    data = {"cells": [{"cell_type": "code", "source": ["x = 1\n", "y = 2"]}, {"cell_type": "markdown"},
                      {"cell_type": "code", "source": 7}]}
    cells = read_code_cells(json.dumps(data).encode())
    assert cells.problem == "" and cells.sources == [(1, "x = 1\ny = 2")]
    assert any("notebook format" in note for note in cells.notes) and any("1 code cell" in n for n in cells.notes)


def test_detect_problem_set_from_the_file_name_then_the_check_calls():
    assert detect_problem_set(b"not json", "alice/04_chinchilla.ipynb") == "chinchilla"
    text = json.dumps({"cells": [{"source": 'check("power_laws.halving", x)'}]}).encode()
    assert detect_problem_set(text, "homework.ipynb") == "power_laws"
    # Legacy ids, on purpose: a notebook saved before ids were named by slug is still recognised.
    text = json.dumps({"cells": [{"source": 'check("pl.halving", x)\ncheck("pl.floor", y)'}]}).encode()
    assert detect_problem_set(text, "homework.ipynb") == "power_laws"
    assert detect_problem_set(b"{}", "homework.ipynb") is None


def _probe_in_process(namespace: dict, name: str, calls, tmp_path: Path) -> dict:
    """Run the probe cell in a plain namespace, as the kernel would, and return its reply."""
    request, reply = tmp_path / "request.json", tmp_path / "reply.json"
    request.write_text(request_text(name, calls))
    exec(compile(probe_source(str(request), str(reply)), "<probe>", "exec"), namespace)
    assert not any(key.startswith("__scalingedu") for key in namespace)   # the probe leaves nothing behind
    return json.loads(reply.read_text())


@pytest.mark.parametrize("value", [3, 2.5, np.float64(0.25), np.arange(6.0).reshape(2, 3), [1.0, 2.0], True,
                                   "0.34", complex(1, 2), None, Ellipsis, {"a": 1}, float("nan")])
def test_answers_travel_as_data_and_grade_as_the_originals(value, tmp_path):
    reply = _probe_in_process({"answer": value}, "answer", [], tmp_path)
    assert reply["defined"]
    rebuilt = decode(reply["answer"])
    for question_id in ("chinchilla.exponent", "power_laws.halving"):
        direct, shipped = grade_answer(question_id, value), grade_answer(question_id, rebuilt)
        assert (shipped.points_earned, shipped.status) == (direct.points_earned, direct.status)
        assert [c.message for c in shipped.checks] == [c.message for c in direct.checks]


def test_an_undefined_answer_is_reported_as_not_defined(tmp_path):
    assert _probe_in_process({}, "missing", [], tmp_path) == {"defined": False}


def _grade_remote(question_id: str, function, tmp_path: Path):
    """Grade ``function`` through the probe and a RemoteFunction, calling it only when the checks need a call."""
    namespace = {"answer": function}
    remote = RemoteFunction(_probe_in_process(namespace, "answer", [], tmp_path)["answer"])
    calls = 0
    while True:
        try:
            return grade_answer(question_id, remote), calls
        except NeedCall as need:
            calls += 1
            reply = _probe_in_process(namespace, "answer", [need.arguments], tmp_path)
            remote.results[arguments_key(need.arguments)] = reply["calls"][0]


def _right_split(flops, alpha, beta, A, B):
    return (alpha * A / (beta * B)) ** (1 / (alpha + beta)) * (np.asarray(flops) / 6) ** (beta / (alpha + beta))


def _wrong_split(flops, alpha, beta, A, B):
    return _right_split(flops, alpha, beta, A, B) * 1.1


def _raising_split(flops, alpha, beta, A, B):
    raise ZeroDivisionError("oops")


def _stub_split(flops, alpha, beta, A, B):
    return ...


def _two_arguments(flops, alpha):
    return flops


@pytest.mark.parametrize("function", [_right_split, _wrong_split, _raising_split, _stub_split, _two_arguments])
def test_remote_functions_grade_exactly_like_local_ones(function, tmp_path):
    direct = grade_answer("chinchilla.optimal_split", function)
    shipped, calls = _grade_remote("chinchilla.optimal_split", function, tmp_path)
    assert (shipped.points_earned, shipped.status) == (direct.points_earned, direct.status)
    assert [c.message for c in shipped.checks] == [c.message for c in direct.checks]
    assert calls <= 4


# Command line: scalingedu grade, scalingedu export ----------------------------------------------------------------

def _parser():
    parser = argparse.ArgumentParser(prog="scalingedu")
    commands = parser.add_subparsers(dest="command")
    add_grade_command(commands)
    add_export_command(commands)
    return parser


def test_run_grade_writes_the_outputs_and_prints_a_line_per_submission(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    good = _notebook(folder, "bob.ipynb", "halving_factor = 2 ** (1 / 0.34)")
    (folder / "carol.ipynb").write_bytes(b'{"cells": [')
    # another problem set's notebook handed in for this one (attack A19), and a hand-in that is not a notebook
    _notebook(folder, "dave.ipynb", "from scalingedu.grading import check\nexponent = 0.5\n"
                                    "check('chinchilla.exponent', exponent)")
    (folder / "erin.pdf").write_bytes(b"%PDF-1.4")
    before = {path.name: sha256(path) for path in folder.iterdir()}
    args = _parser().parse_args(["grade", str(folder), "--out", str(tmp_path / "out"), "--problem-set",
                                 "power_laws", "--cell-timeout", "20", "--no-progress", "--workers",
                                 "2", *NO_SANDBOX])
    assert run_grade(args) == 0
    printed = capsys.readouterr().out
    assert "bob.ipynb" in printed and "carol.ipynb" in printed and "(not a notebook)" in printed
    assert re.search(rf"dave.ipynb +0 of {problem_set('power_laws').points:g} +\(wrong problem set\)", printed)
    assert f"not graded, not a notebook: {folder / 'erin.pdf'}" in printed
    with open(tmp_path / "out" / "gradebook.csv", newline="") as gradebook:
        rows = list(csv.DictReader(gradebook))
    assert [row["submission"] for row in rows] == ["bob.ipynb", "carol.ipynb", "dave.ipynb"]
    assert float(rows[2]["total"]) == 0 and float(rows[2]["possible"]) == problem_set("power_laws").points
    assert "answers problem set chinchilla" in (tmp_path / "out" / "feedback" / "dave.md").read_text()
    halving = grade_answer("power_laws.halving", 2 ** (1 / 0.34)).points_earned
    assert float(rows[0]["power_laws.halving"]) == pytest.approx(halving)
    assert float(rows[1]["total"]) == 0
    assert sorted(p.name for p in (tmp_path / "out" / "feedback").iterdir()) == ["bob.md", "carol.md", "dave.md"]
    assert {path.name: sha256(path) for path in folder.iterdir()} == before and good.is_file()


def test_bad_arguments_are_refused_with_clear_errors(tmp_path):
    path = _notebook(tmp_path, "x.ipynb", "pass")
    with pytest.raises(ValueError, match="workers"):
        grade_class([path], tmp_path / "out", workers=0)
    with pytest.raises(ValueError, match="cell_seconds"):
        grade_class([path], tmp_path / "out", cell_seconds=-1)
    with pytest.raises(ValueError, match="unknown problem set"):
        grade_class([path], tmp_path / "out", problem_set_id="99_nothing")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        find_submissions([tmp_path / "nobody.ipynb"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no submission"):
        find_submissions([empty])


def test_the_command_reports_a_missing_submission_without_a_traceback(tmp_path, capsys):
    from scalingedu.tools.cli import main
    with pytest.raises(SystemExit) as stop:
        main(["grade", str(tmp_path / "nobody.ipynb"), "--out", str(tmp_path / "out"), "--no-progress"])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "nobody.ipynb" in error and "does not exist" in error and "Traceback" not in error
    assert not (tmp_path / "out").exists()


def test_feedback_shows_the_hint_of_each_failed_check_not_only_the_questions():
    """The most useful hint is the failed check's own (what `check` shows in the notebook); the question's general
    hint comes after it."""
    q = next(q for each in problem_sets().values() for q in each.questions
             if q.answer_kind == "number" and any(c.hint for c in q.checks if c.weight > 0))
    result = grade_answer(q.id, q.public_checks[-1].seal()["value"] * 50)   # far off: a percentage, say
    failed = [c for c in result.checks if not c.passed and c.hint]
    assert failed, "the question's value checks carry hints"
    grade = SubmissionGrade("x.ipynb", "x.ipynb", "", "parallelism", "t", 0.0, float(q.points), "graded",
                            questions=[submission.question_grade(q, submission._Reading(result, "answer", "end"), "")])
    text = feedback_text(grade, cell_seconds=60, notebook_seconds=600)
    for check in failed:
        assert f"Hint for this check: {check.hint}" in text
    assert text.index("Hint for this check") < text.index(f"Hint: {q.hint}")


def test_an_exception_message_reaches_the_feedback_only_shortened_and_marked_as_the_notebooks():
    """A notebook could raise with a classmate's code or the grading account's environment in the message (attack
    A7 of the grader review): the feedback keeps the exception's name and at most 80 characters of one line."""
    secret = "LMS_API_TOKEN=" + "x" * 200 + "\nclassmate's code: def eq4_params(...)"
    text = submission._error_text("RuntimeError", secret)
    assert text.startswith('RuntimeError (its message, as the notebook wrote it: "LMS_API_TOKEN=xxx')
    assert len(text) < 140 and "\n" not in text and "classmate" not in text and text.endswith('…")')
    assert submission._error_text("Bad<Name>\n", "") == "BadName"
    short = submission._error_text("ValueError", "short")
    assert short == 'ValueError (its message, as the notebook wrote it: "short")'


def test_a_kernel_sees_no_secret_of_the_grader_and_leaves_nothing_for_the_next_one(tmp_path, monkeypatch):
    """Attacks A7 (read the grading account's environment) and A11 (an IPython start-up file in the grading
    account's home that runs in every later kernel): each kernel gets its own HOME and IPYTHONDIR, and only a few
    variables of the grader's environment."""
    monkeypatch.setenv("LMS_API_TOKEN", "not-a-real-token")
    real_startup = Path.home() / ".ipython" / "profile_default" / "startup" / "99-scalingedu-test.py"
    assert not real_startup.exists()
    plant = ("import os, pathlib\n"
             "for base in (os.path.expanduser('~/.ipython'), os.environ.get('IPYTHONDIR', '')):\n"
             "    folder = pathlib.Path(base, 'profile_default', 'startup')\n"
             "    folder.mkdir(parents=True, exist_ok=True)\n"
             "    (folder / '99-scalingedu-test.py').write_text('import builtins; builtins.PLANTED = True')\n"
             "halving_factor = 2 ** (1 / 0.34)")
    victim = ("import builtins, os\n"
              "clean = not hasattr(builtins, 'PLANTED') and 'LMS_API_TOKEN' not in os.environ\n"
              "halving_factor = 2 ** (1 / 0.34) if clean else 1.0")
    try:
        paths = [_notebook(tmp_path, "a_planter.ipynb", plant), _notebook(tmp_path, "b_victim.ipynb", victim)]
        report = grade_class(paths, tmp_path / "out", problem_set_id="power_laws", workers=1, cell_seconds=20,
                             progress=False, sandbox=SANDBOXED)
        assert not real_startup.exists(), "a submission wrote into the grading account's IPython start-up folder"
    finally:
        real_startup.unlink(missing_ok=True)
    full = grade_answer("power_laws.halving", 2 ** (1 / 0.34)).points_earned
    assert [g.questions[0].points_earned for g in report.grades] == [full, full]
    environment = submission.kernel_environment(tmp_path / "scratch")
    assert "LMS_API_TOKEN" not in environment and environment["HOME"].startswith(str(tmp_path / "scratch"))


def test_a_kernel_cannot_take_more_than_its_memory_limit(tmp_path):
    """Attack A20: an 8 GB array in a submission's kernel fails in the learner's own cell (address space limited
    to KERNEL_MEMORY_BYTES); the grader carries on and the other answers count. np.empty touches no page, so this
    test uses no memory even where the limit could not be set."""
    path = _notebook(tmp_path, "greedy.ipynb", "import numpy as np\nbig = np.empty(8 * 2**30, dtype=np.uint8)",
                     "halving_factor = 2 ** (1 / 0.34)")
    grade = grade_submission(path, problem_set_id="power_laws", root=ROOT, cell_seconds=20, sandbox=SANDBOXED)
    assert any("raised MemoryError" in event for event in grade.events), grade.events
    full = grade_answer("power_laws.halving", 2 ** (1 / 0.34)).points_earned
    assert grade.questions[0].points_earned == full


def test_the_course_modules_are_imported_before_the_clock_starts_and_bind_no_name(tmp_path):
    """CI (a loaded 2-core machine, sandboxed kernels) once timed out a full solution's import cell at a 4 s cell
    limit, and every later answer was lost. The grader now imports WARM_MODULES before the learner's first cell, off
    the clock: the first cell finds them in the module cache and its namespace holds none of the warm-up's names."""
    modules = submission.WARM_MODULES
    probe = ("import sys\n"
             f"warm = sorted(m for m in {modules!r} if m in sys.modules)\n"
             "leaked = sorted(n for n in ('_warm', 'importlib', 'numpy', 'name') if n in dir())\n"
             f"halving_factor = 2 ** (1 / 0.34) if (len(warm), leaked) == ({len(modules)}, []) else 1.0")
    path = _notebook(tmp_path, "warm.ipynb", probe)
    grade = grade_submission(path, problem_set_id="power_laws", root=ROOT, cell_seconds=20, sandbox=SANDBOXED)
    full = grade_answer("power_laws.halving", 2 ** (1 / 0.34)).points_earned
    assert grade.questions[0].points_earned == full, grade.events
    assert set(submission.WARM_MODULES) >= {"numpy", "matplotlib.pyplot", "scalingedu.grading"}


def test_answers_that_are_slow_to_read_cannot_outlast_the_notebook_time_limit(tmp_path):
    """Attack A18: answers whose reading is slow (here a __float__ that sleeps) used to keep the grader busy long
    past the notebook's limit and still score. Readings now count against it: the answer read in time counts, the
    others are reported as not read."""
    slow = ("import time\n"
            "class Slow(float):\n"
            "    def __float__(self):\n"
            "        time.sleep(2.5)\n"
            "        return float(2 ** (1 / 0.34))\n")
    path = _notebook(tmp_path, "slow.ipynb", slow, "halving_factor = exponent = params_needed = floor = Slow(1.0)",
                     "predicted_loss = Slow(1.0)")
    started = time.monotonic()
    grade = grade_submission(path, problem_set_id="power_laws", root=ROOT, cell_seconds=3, notebook_seconds=6,
                             sandbox=SANDBOXED)
    assert time.monotonic() - started < 30          # the limit is 6 s: not 5 readings × 2.5 s, twice over
    assert any("was reached before every answer was read" in event for event in grade.events), grade.events
    notes = [q.note for q in grade.questions]
    assert any("time limit was reached" in note for note in notes), notes


def test_the_grader_checks_the_size_of_an_answer_before_it_parses_it(tmp_path, monkeypatch):
    """Attack A17: the probe's one-million-value limit runs in the learner's kernel, which the learner controls; the
    grader refuses a reply file larger than LARGEST_REPLY_BYTES itself (made small here to test it cheaply)."""
    monkeypatch.setattr(submission, "LARGEST_REPLY_BYTES", 1000)
    path = _notebook(tmp_path, "big.ipynb", "import numpy as np\nhalving_factor = np.arange(5000.0)",
                     "exponent = -0.076")
    grade = grade_submission(path, problem_set_id="power_laws", root=ROOT, cell_seconds=20, sandbox=SANDBOXED)
    by_id = {q.question_id: q for q in grade.questions}
    assert "larger than 0.001 MB" in by_id["power_laws.halving"].note
    assert by_id["power_laws.halving"].points_earned == 0
    assert by_id["power_laws.exponent"].status != "not answered"   # a small answer is still read


def test_feedback_of_an_unknown_problem_set_says_what_to_do():
    grade = SubmissionGrade("x.ipynb", "x.ipynb", "", "", "", 0.0, 0.0, "unknown problem set",
                            events=["The grader could not tell which problem set this notebook answers."])
    text = feedback_text(grade, cell_seconds=60, notebook_seconds=600)
    assert "could not tell which problem set" in text and "Score: 0 points" in text


def test_export_writes_a_page_per_lesson_with_its_figures_and_an_index(tmp_path, capsys):
    lesson = ROOT / "notebooks" / "01_power_laws.ipynb"
    args = _parser().parse_args(["export", str(lesson), "--out", str(tmp_path)])
    assert run_export(args) == 0
    page = (tmp_path / "01_power_laws.html").read_text()
    figures = sum(1 for cell in nbformat.read(lesson, as_version=4).cells if cell.cell_type == "code"
                  for output in cell.outputs if "image/png" in output.get("data", {}))
    assert figures > 0 and page.count("data:image/png;base64") >= figures
    index = (tmp_path / "index.html").read_text()
    assert 'href="01_power_laws.html"' in index and "Power laws" in index


def test_every_problem_sets_solution_earns_full_marks_from_the_class_grader(tmp_path):
    """The worked solution of every problem set, handed in as it is, earns every point the grader gives (rubric
    questions wait for a person): this caught an answer
    variable that a later cell reused (set 07's `capacity`) and plan arguments the grader could not send to a
    learner's function (set 09)."""
    import shutil
    folder = tmp_path / "in"
    folder.mkdir()
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        shutil.copyfile(path, folder / path.name)
    report = grade_class([folder], tmp_path / "out", workers=2, progress=False, cell_seconds=60,
                         sandbox=SANDBOXED)
    assert len(report.grades) == len(problem_sets())
    for grade in report.grades:
        assert grade.status == "graded", (grade.submission, grade.events)
        by_a_person = sum(q.points for q in problem_set(grade.problem_set).questions if q.rubric)
        assert grade.total == grade.possible - by_a_person, (grade.submission, [(q.question_id, q.points_earned)
                                                                                for q in grade.questions])


def test_a_plan_given_as_a_dict_travels_as_data(tmp_path):
    plan = {"params": 7e10, "tokens": 1.4e12, "moe": False, "layout": "tp8-pp4", "n_gpus": 1024}
    reply = _probe_in_process({"plan": plan}, "plan", [], tmp_path)
    assert decode(reply["answer"]) == plan


def test_written_answers_go_to_a_sheet_a_person_fills_and_the_gradebook_merges(tmp_path):
    """The rubric round trip: grade (the written answer is "to be marked", 0 points, its text in
    rubric-to-mark.csv), a person fills the points column, `scalingedu gradebook --rubric` merges them."""
    from scalingedu.tools.cli import main
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ada_01_power_laws.ipynb").write_bytes((ROOT / "solutions" / "01_power_laws.ipynb").read_bytes())
    report = grade_class([folder], tmp_path / "out", progress=False, workers=1, sandbox=SANDBOXED)
    written = [q for q in problem_set("power_laws").questions if q.rubric]
    grade = report.grades[0]
    assert grade.total == grade.possible - sum(q.points for q in written)
    sheet = tmp_path / "out" / "rubric-to-mark.csv"
    with open(sheet, newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [r["question"] for r in rows] == [q.id for q in written]
    assert all(len(r["answer"].split()) >= 25 and r["points"] == "" and r["criteria"] for r in rows)
    for row in rows:
        row["points"] = "1.5"
    with open(tmp_path / "marked.csv", "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["gradebook", str(tmp_path / "out"), "--rubric", str(tmp_path / "marked.csv")]) == 0
    with open(tmp_path / "out" / "gradebook-final.csv", newline="") as stream:
        final = next(csv.DictReader(stream))
    assert float(final["total"]) == grade.total + 1.5 * len(written)
