"""The attacks of the grader review (../shared/reviews/2026-12-instructor-and-grader.md) as fixtures, graded in the
sandbox in one class run beside honest submissions.

Each attacking notebook answers question ``power_laws.halving`` with the right value only if its attack FAILED
(``halving_factor = RIGHT if clean else WRONG``), so its score says what it could read or do; the side effects it
tries (files written outside its scratch, processes that outlive it, connections) are looked for by the test
itself after grading. The honest submissions graded in the same run must keep full marks.

CI installs bubblewrap (.ci/run) and sets SCALINGEDU_REQUIRE_SANDBOX=1, so there these tests fail rather than
skip when the sandbox is missing.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from scalingedu.grading import grade_answer
from scalingedu.grading.classroom import grade_class
from scalingedu.grading.sandbox import Sandbox, sandbox_problem
from scalingedu.grading.submission import SandboxUnavailable
from scalingedu.tools.cli import main

ROOT = Path(__file__).resolve().parent.parent
RIGHT = "2 ** (1 / 0.34)"
WRONG = "1.0"
ORPHAN_MARK = "scalingedu_orphan_marker_4242"

if os.environ.get("SCALINGEDU_REQUIRE_SANDBOX") != "1" and sandbox_problem():
    pytestmark = pytest.mark.skip(reason=f"no sandbox on this machine: {sandbox_problem()}")


def test_ci_has_a_sandbox():
    """In CI the sandbox must work: a skipped attack layer would hide a broken sandbox."""
    assert not sandbox_problem(), sandbox_problem()


def _notebook(folder: Path, name: str, *sources: str) -> Path:
    path = folder / name
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), str(path))
    return path


def _answer(clean_expression: str) -> str:
    return f"halving_factor = {RIGHT} if ({clean_expression}) else {WRONG}\nprint(halving_factor)"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Listener:
    """A TCP server on the grader's loopback that records whether anything connected to it."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self._stop = True
        self._thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def attacked_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("attacks")
    folder, out = base / "in", base / "out"
    folder.mkdir()
    honest = [_notebook(folder, f"{name}.ipynb", f"halving_factor = {RIGHT}") for name in ("honest_a", "honest_b")]
    classmate = honest[0]
    secret = "not-a-real-token-7f3a"
    startup = Path.home() / ".ipython" / "profile_default" / "startup" / "99-scalingedu-attack.py"
    site_packages = Path(next(p for p in sys.path if p.endswith("site-packages")))
    backdoor = site_packages / "zz_scalingedu_attack.pth"
    planted_feedback = out / "feedback" / "README_from_a_student.md"
    listener = _Listener()
    attacks = {
        # A7: the grading account's environment, classmates' code, the instructor's files, the grader's process
        "a07_environment": _answer("'LMS_API_TOKEN' not in __import__('os').environ"),
        "a07_classmate": ("import glob, os\n"
                          f"paths = [{str(classmate)!r}] + glob.glob('/tmp/scalingedu-grade-*/work/*.ipynb')\n"
                          "readable = [p for p in paths if os.access(p, os.R_OK) and 'a07' not in open(p).read()]\n"
                          + _answer("not readable")),
        "a07_solutions": _answer(f"not __import__('os').path.exists({str(ROOT / 'solutions')!r})"),
        "a07_grader_process": ("import os\n"
                               "seen = []\n"
                               "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
                               "    try:\n"
                               "        seen.append(open(f'/proc/{pid}/cmdline', 'rb').read())\n"
                               "    except OSError:\n"
                               "        pass\n"
                               + _answer("not any(b'pytest' in c or b'multiprocessing' in c for c in seen)")),
        "a07_exfiltrate": (f"halving_factor = {RIGHT}\n"
                           "import os\n"
                           "text = os.environ.get('LMS_API_TOKEN', 'no-token')\n"
                           f"try:\n    text += open({str(classmate)!r}).read()\nexcept OSError:\n    pass\n"
                           "raise RuntimeError(text)"),
        # A8: write into the output folder; A9: overwrite a classmate's submission
        "a08_output_folder": (f"halving_factor = {RIGHT}\n"
                              "import os\n"
                              "def write(path):\n"
                              "    try:\n"
                              "        os.makedirs(os.path.dirname(path), exist_ok=True)\n"
                              "        open(path, 'w').write('from a student')\n"
                              "        return True\n"
                              "    except OSError:\n"
                              "        return False\n"
                              f"write({str(planted_feedback)!r})"),   # in its private /tmp at most
        "a09_overwrite_classmate": ("def overwrite(path):\n"
                                    "    try:\n"
                                    "        open(path, 'w').write('{}')\n"
                                    "        return True\n"
                                    "    except OSError:\n"
                                    "        return False\n"
                                    + _answer(f"not overwrite({str(classmate)!r})")),
        # A10: a process that outlives its kernel (double fork and a new session)
        "a10_orphan": (f"halving_factor = {RIGHT}\n"
                       "import subprocess, sys\n"
                       f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', "
                       f"'{ORPHAN_MARK}'], start_new_session=True, stdout=subprocess.DEVNULL, "
                       "stderr=subprocess.DEVNULL)"),
        # A11: an IPython start-up file in the grading account's home; A12: a .pth file in its environment
        "a11_startup_file": ("import os\n"
                             "def plant(path):\n"
                             "    try:\n"
                             "        os.makedirs(os.path.dirname(path), exist_ok=True)\n"
                             "        open(path, 'w').write('import builtins; builtins.PLANTED = True')\n"
                             "        return True\n"
                             "    except OSError:\n"
                             "        return False\n"
                             + _answer(f"not plant({str(startup)!r})")),
        "a12_pth_backdoor": ("def plant(path):\n"
                             "    try:\n"
                             "        open(path, 'w').write('import builtins; builtins.PLANTED = True')\n"
                             "        return True\n"
                             "    except OSError:\n"
                             "        return False\n"
                             + _answer(f"not plant({str(backdoor)!r})")),
        # A14: kill every process it can see, the grader's worker included
        "a14_kill_everything": (f"halving_factor = {RIGHT}",
                                "import os, signal\n"
                                "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
                                "    if int(pid) != os.getpid():\n"
                                "        try:\n"
                                "            os.kill(int(pid), signal.SIGKILL)\n"
                                "        except OSError:\n"
                                "            pass"),
        # the network: the grader's loopback and the outside world
        "network": ("import socket\n"
                    "def reach(port):\n"
                    "    try:\n"
                    "        socket.create_connection(('127.0.0.1', port), timeout=2).close()\n"
                    "        return True\n"
                    "    except OSError:\n"
                    "        return False\n"
                    + _answer(f"not reach({listener.port})")),
        # implementation questions: the library function the question asks for, called under another name, and a
        # function that turns off the tracing that would see it
        "library_call": (f"halving_factor = {RIGHT}\n"
                         "import scalingedu.powerlaw as tools\n"
                         "slope = getattr(tools, 'local_' + 'slope')\n"
                         "def local_exponent(x, y):\n"
                         "    return slope(x, y)"),
        "tracing_off": (f"halving_factor = {RIGHT}\n"
                        "import sys, numpy as np\n"
                        "def local_exponent(x, y):\n"
                        "    sys.setprofile(None)\n"
                        "    return np.diff(np.log(y)) / np.diff(np.log(x))"),
        "own_function": (f"halving_factor = {RIGHT}\n"
                         "import numpy as np\n"
                         "def local_exponent(x, y):\n"
                         "    return np.diff(np.log(y)) / np.diff(np.log(x))"),
        # A20: 8 GB in one allocation; and many processes, each small (a fork bomb, slowed down)
        "a20_memory": ("try:\n    block = bytearray(8 * 2**30)\n    clean = False\nexcept MemoryError:\n"
                       "    clean = True\n" + _answer("clean")),
        "processes": (f"halving_factor = {RIGHT}",
                      "import subprocess, sys\n"
                      "children = []\n"
                      "for _ in range(200):\n"
                      "    children.append(subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', "
                      f"'{ORPHAN_MARK}']))\n"),
    }
    for name, sources in attacks.items():
        _notebook(folder, f"{name}.ipynb", *([sources] if isinstance(sources, str) else sources))
    before = {path.name: _sha(path) for path in folder.iterdir()}
    os.environ["LMS_API_TOKEN"] = secret
    started = time.perf_counter()
    try:
        report = grade_class([folder], out, problem_set_id="power_laws", workers=2, cell_seconds=30,
                             notebook_seconds=90, progress=False)
    finally:
        del os.environ["LMS_API_TOKEN"]
        seconds = time.perf_counter() - started
        time.sleep(1.0)
        listener.close()
    leftovers = subprocess.run(["pgrep", "-f", ORPHAN_MARK], capture_output=True, text=True).stdout.split()
    yield {"report": report, "out": out, "folder": folder, "before": before, "secret": secret,
           "startup": startup, "backdoor": backdoor, "planted": planted_feedback, "listener": listener,
           "leftovers": leftovers, "seconds": seconds,
           "grades": {Path(g.submission).stem: g for g in report.grades}}
    startup.unlink(missing_ok=True)
    backdoor.unlink(missing_ok=True)
    for pid in leftovers:
        subprocess.run(["kill", "-9", pid], check=False)


FULL = grade_answer("power_laws.halving", 2 ** (1 / 0.34)).points_earned


def _halving_points(grade) -> float:
    return next(q.points_earned for q in grade.questions if q.question_id == "power_laws.halving")


@pytest.mark.parametrize("name", ["a07_environment", "a07_classmate", "a07_solutions", "a07_grader_process",
                                  "a09_overwrite_classmate", "a11_startup_file",
                                  "a12_pth_backdoor", "network", "a20_memory"])
def test_an_attack_that_reads_or_writes_outside_its_sandbox_finds_nothing(attacked_class, name):
    """The notebook answers right only if its attack failed: full marks on the question mean it could not read
    the secret, reach the file or the network, or allocate 8 GB."""
    grade = attacked_class["grades"][name]
    assert grade.status == "graded", grade.events
    assert _halving_points(grade) == FULL, (name, grade.events)


def test_honest_submissions_graded_beside_the_attackers_keep_full_marks(attacked_class):
    for name in ("honest_a", "honest_b"):
        assert _halving_points(attacked_class["grades"][name]) == FULL


def test_nothing_outside_the_sandboxes_changed(attacked_class):
    """A8, A9, A11, A12: no file planted in the output folder, the grading account's home or its environment;
    every submission byte-for-byte as handed in (A9)."""
    assert not attacked_class["planted"].exists()
    assert not attacked_class["startup"].exists()
    assert not attacked_class["backdoor"].exists()
    after = {path.name: _sha(path) for path in attacked_class["folder"].iterdir()}
    assert after == attacked_class["before"]
    written = {p.relative_to(attacked_class["out"]).as_posix() for p in attacked_class["out"].rglob("*")
               if p.is_file()}
    assert written == {"gradebook.csv", "report.json",
                       *(f"feedback/{g.submission[:-6]}.md" for g in attacked_class["report"].grades)}


def test_no_process_outlives_its_sandbox_and_no_connection_left_it(attacked_class):
    """A10: the double-forked process in a new session ended with its sandbox; the 200 processes of the fork
    attack too. Nothing reached the grader's loopback."""
    assert attacked_class["leftovers"] == []
    assert attacked_class["listener"].connections == 0


def test_too_many_processes_stop_only_that_sandbox(attacked_class):
    grade = attacked_class["grades"]["processes"]
    assert any("more than 64 processes" in event for event in grade.events), grade.events
    assert _halving_points(grade) == FULL    # read after the cell that set it, before the sandbox was stopped


def test_killing_every_visible_process_harms_no_one_else(attacked_class):
    """A14: inside its own process namespace a kernel sees only itself; the class is graded as usual."""
    grades = attacked_class["grades"]
    assert grades["a14_kill_everything"].status == "graded"
    assert all(g.status == "graded" for g in grades.values())


def _local_exponent(grade):
    return next(q for q in grade.questions if q.question_id == "power_laws.local_exponent")


def test_a_function_that_calls_the_library_function_it_should_write_earns_nothing(attacked_class):
    """Item 5 of the grading issue: the call is traced in the learner's kernel, through any alias."""
    grades = attacked_class["grades"]
    full = grade_answer("power_laws.local_exponent", lambda x, y: np.diff(np.log(y)) / np.diff(np.log(x)))
    assert _local_exponent(grades["own_function"]).points_earned == full.points_earned > 0
    called = _local_exponent(grades["library_call"])
    assert called.points_earned == 0
    assert any("calls scalingedu.powerlaw.local_slope" in c["message"] for c in called.checks)
    hidden = _local_exponent(grades["tracing_off"])
    assert hidden.points_earned == 0
    assert any("turned off the tracing" in c["message"] for c in hidden.checks)
    feedback = (attacked_class["out"] / "feedback" / "library_call.md").read_text()
    assert "this question asks you to write that computation yourself" in feedback


def test_exfiltration_through_an_exception_finds_no_secret(attacked_class):
    """A7: the exception's text reaches the attacker's own feedback shortened and marked, and there is nothing in
    it: no token (not in the kernel's environment), no classmate's code (not in its sandbox)."""
    grade = attacked_class["grades"]["a07_exfiltrate"]
    events = " ".join(grade.events)
    assert "no-token" in events and attacked_class["secret"] not in events
    everything = (attacked_class["out"] / "report.json").read_text()
    everything += "".join(p.read_text() for p in (attacked_class["out"] / "feedback").glob("*.md"))
    assert attacked_class["secret"] not in everything


def test_the_report_says_it_graded_in_the_sandbox(attacked_class):
    report = json.loads((attacked_class["out"] / "report.json").read_text())
    assert report["settings"]["sandbox"] == "bubblewrap"
    # the hash of every file the grader wrote, as written: a later change (A10's rewrite) would show
    out = attacked_class["out"]
    assert set(report["files"]) == {p.relative_to(out).as_posix() for p in out.rglob("*") if p.name != "report.json"
                                    and p.is_file()}
    assert all(_sha(out / name) == digest for name, digest in report["files"].items())
    print(f"graded {len(attacked_class['grades'])} notebooks with attacks in {attacked_class['seconds']:.1f} s")


def test_the_sandbox_mounts_only_what_a_kernel_needs(tmp_path):
    """The command line itself: no network, own process namespace, the scratch the only writable bind, and
    nothing of the course checkout but the library."""
    command = Sandbox(tmp_path, work=tmp_path / "work").command(["python", "-m", "ipykernel_launcher"])
    assert command[0] == "bwrap" and "--unshare-all" in command and "--die-with-parent" in command
    writable = [command[i + 1] for i, flag in enumerate(command) if flag == "--bind"]
    assert writable == [str(tmp_path.resolve())]
    mounted = [command[i + 2] for i, flag in enumerate(command) if flag in ("--ro-bind", "--ro-bind-try")]
    assert str(ROOT) not in mounted and str(ROOT / "solutions") not in mounted
    assert str(ROOT / "scalingedu") in mounted


def test_without_a_sandbox_the_grader_refuses_unless_told(tmp_path, monkeypatch, capsys):
    import scalingedu.grading.classroom as classroom
    import scalingedu.grading.submission as submission
    for module in (classroom, submission):
        monkeypatch.setattr(module, "sandbox_problem", lambda: "bubblewrap (the `bwrap` command) is not installed")
    path = _notebook(tmp_path, "x_power_laws.ipynb", "halving_factor = 1.0")
    with pytest.raises(SandboxUnavailable, match="--no-sandbox"):
        grade_class([path], tmp_path / "out", progress=False)
    with pytest.raises(SystemExit):
        main(["grade", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    said = capsys.readouterr().err
    assert "bwrap" in said and "--no-sandbox" in said and "Traceback" not in said
    assert not (tmp_path / "out").exists()
