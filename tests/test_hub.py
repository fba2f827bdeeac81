"""A class on a JupyterHub, end to end: three learners pull the learners' copy with nbgitpuller and run lesson 04.

What it checks, in one JupyterHub started for this module (the set-up a workshop runs, on one machine):

1. Each of three learners logs in through the hub's login page (JupyterHub's ``SharedPasswordAuthenticator``, one
   class password) by following the course's nbgitpuller link. The hub spawns the learner's single-user server
   (``SimpleLocalProcessSpawner``: every learner runs as this OS user, each with their own home folder), nbgitpuller
   clones the **learners' copy** of the course (built by ``scalingedu release``, committed to a local git repository
   on branch ``main``) into that home, and JupyterLab opens ``notebooks/04_chinchilla.ipynb`` of the pulled copy.
   In headless Chromium, through the hub's proxy, the learner runs the lesson (Run > Run All): no cell or widget
   error; then presses an arrow key on the first slider of a lesson widget and the widget's plot is redrawn.
2. No learner sees another's files: each learner saves a private note through the contents API; as learner A,
   ``/user/A/api/contents/`` lists exactly the non-hidden entries of A's home on disk (the pulled course and A's
   note, no other learner's note); ``/user/B/...`` is refused to A; A's home on disk holds no file of B or C.
3. The hub stops cleanly: on SIGTERM the hub exits, and every process it started (proxy, single-user servers and
   their kernels) exits with it.

Everything (hub database, cookie secret, proxy token, learners' homes, the release and its git repository) lives in
a pytest temporary folder; the repository's own files are only read. The proxy is configurable-http-proxy from npm,
installed by ``.ci/run`` (``npm install --prefix .ci/chp configurable-http-proxy@5.3.0``); the browser is Debian's
``/usr/bin/chromium`` driven by Playwright with the launch flags of ``tests/test_browser.py`` (never
``playwright install``). Without Chromium, Playwright, JupyterHub, nbgitpuller, git or the proxy the module is
skipped with the reason, unless ``SCALINGEDU_REQUIRE_HUB=1`` (set by ``.ci/run`` when it installed them): then it
fails instead.

Run it alone: ``.venv/bin/python -m pytest -q -o addopts="" -p no:cacheprovider tests/test_hub.py`` (about two
minutes on 2 cores); leave it out with ``-m "not browser"``.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHP = ROOT / ".ci" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
LESSON = "notebooks/04_chinchilla.ipynb"
COURSE_DIR = "scalingedu-course"          # the folder nbgitpuller clones the course into, in each learner's home
LEARNERS = ("ada", "grace", "katherine")


def _missing() -> str | None:
    """Why the hub test cannot run here, or None."""
    if not (os.path.exists("/usr/bin/chromium") or shutil.which("chromium")):
        return "Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)"
    for module, where in (("playwright", "pip install -e '.[test]'"), ("jupyterhub", "pip install -e '.[test]'"),
                          ("nbgitpuller", "pip install -e '.[test]'"), ("psutil", "it comes with jupyter")):
        if importlib.util.find_spec(module) is None:
            return f"the {module} package is not installed ({where})"
    if not CHP.exists():
        return (f"configurable-http-proxy is not installed at {CHP.relative_to(ROOT)} "
                "(npm install --prefix .ci/chp configurable-http-proxy@5.3.0; .ci/run does it)")
    if not shutil.which("node"):
        return "node is not installed (configurable-http-proxy needs it)"
    if not shutil.which("git"):
        return "git is not installed (nbgitpuller needs it)"
    return None


_WHY = _missing()
if _WHY is not None:
    if os.environ.get("SCALINGEDU_REQUIRE_HUB") == "1":
        raise RuntimeError(f"SCALINGEDU_REQUIRE_HUB=1 but the hub test cannot run: {_WHY}")
    pytest.skip(f"hub test skipped: {_WHY}", allow_module_level=True)

import psutil  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from test_browser import CHROMIUM, CHROMIUM_ARGS, ERROR_PATTERN, JS_KERNEL_IDLE, JS_WATCH_RUN  # noqa: E402

pytestmark = pytest.mark.browser

# Generous: 2 shared cores. A hub starts in 3-10 s, a single-user server in 5-15 s, lesson 04 runs in about 20 s.
HUB_START_SECONDS = 120
SPAWN_SECONDS = 180
PAGE_LOAD_MS = 180_000
KERNEL_IDLE_MS = 120_000
RUN_ALL_MS = 240_000
REDRAW_MS = 60_000
UI_MS = 30_000
STOP_SECONDS = 60

PLOT_SELECTOR = "img"
"""The lesson widget's plot, inside its top-level output: the *last* element matching this is the plot. Kept generic
(today the plot is the anywidget ``img.scalingedu-figure-image``; before, ipywidgets' ``img.widget-image``); if the
plot stops being an ``<img>``, change it here only."""

# A lesson widget is a top-level widget output holding at least one slider and a plot.
_JS_HELPERS = r"""
const panel = () => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)') || document;
const topOutputs = () => [...panel().querySelectorAll(
    '.jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output')];
const lessonWidgets = () => topOutputs().filter(o => o.querySelector('.jupyter-widgets')
    && o.querySelector('[role=slider]') && o.querySelector(PLOT));
const plotOf = w => [...w.querySelectorAll(PLOT)].pop();
const loaded = img => !!img && img.complete && img.naturalWidth > 0;
const errorRe = new RegExp(ERROR_PATTERN, 'm');
""".replace("PLOT", json.dumps(PLOT_SELECTOR)).replace("ERROR_PATTERN", json.dumps(ERROR_PATTERN))

# Run All finished: the run was seen, the kernel is idle, no cell waits, every widget plot loaded; twice in a row.
JS_RUN_FINISHED = "() => {" + _JS_HELPERS + r"""
  const dialog = document.querySelector('.jp-Dialog');
  if (dialog) return 'dialog: ' + dialog.innerText.replace(/\s+/g, ' ').slice(0, 300);
  if (!window.__scalingeduSawRun) return false;
  const idle = [...document.querySelectorAll('.jp-StatusBar-TextItem')]
      .some(e => / \| Idle$/.test(e.textContent.trim()));
  const prompts = [...panel().querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
  const widgets = lessonWidgets();
  if (!idle || prompts.some(p => p.includes('*')) || !widgets.every(w => loaded(plotOf(w)))) {
    window.__scalingeduRunState = null; return false;
  }
  const state = JSON.stringify([prompts, widgets.map(w => plotOf(w).src)]);
  const stable = window.__scalingeduRunState === state;
  window.__scalingeduRunState = state;
  return stable ? 'done' : false;
}"""

# Errors on the page: cell tracebacks and widgets that failed to display.
JS_ERRORS = "() => {" + _JS_HELPERS + r"""
  return {
    tracebacks: [...panel().querySelectorAll("[data-mime-type='application/vnd.jupyter.stderr']")]
        .map(e => e.innerText).filter(t => errorRe.test(t)).map(t => t.slice(0, 3000)),
    widgetErrors: [...panel().querySelectorAll('.jp-OutputArea-output')]
        .filter(e => e.textContent.includes('Error displaying widget')
                     || e.querySelector('.jupyter-widgets-error-widget'))
        .map(e => e.textContent.replace(/\s+/g, ' ').trim().slice(0, 300) || 'ipywidgets error widget'),
    lessonWidgets: lessonWidgets().length,
  };
}"""

# After a key press on a slider: the plot of widget `index` has a new src that held still for one poll interval.
JS_REDRAWN = "([index, oldSrc]) => {" + _JS_HELPERS + r"""
  const img = plotOf(lessonWidgets()[index] || document.createElement('div'));
  if (!loaded(img) || img.src === oldSrc) { window.__scalingeduSrc = null; return false; }
  const stable = window.__scalingeduSrc === img.src;
  window.__scalingeduSrc = img.src;
  return stable;
}"""

# fetch() as the learner's JupyterLab does it: the hub's session cookie plus the server's _xsrf token.
JS_FETCH = """async ([path, method, body]) => {
  const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '';
  const response = await fetch(path, {method, redirect: 'manual', credentials: 'same-origin',
      headers: {'X-XSRFToken': decodeURIComponent(xsrf), 'Content-Type': 'application/json'},
      body: body === null ? undefined : JSON.stringify(body)});
  return {status: response.status, type: response.type, text: await response.text()};
}"""


# ---------------------------------------------------------------------------------------------------------------
# The hub
# ---------------------------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _git(folder: Path, *args: str) -> str:
    """git in a folder of the temporary area, with a fixed identity and no user or system configuration."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "Instructor",
           "GIT_AUTHOR_EMAIL": "instructor@example.org", "GIT_COMMITTER_NAME": "Instructor",
           "GIT_COMMITTER_EMAIL": "instructor@example.org"}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    done = subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"git {' '.join(args)} failed in {folder}:\n{done.stderr}"
    return done.stdout.strip()


def build_course_repository(folder: Path) -> tuple[Path, str]:
    """The learners' copy (``scalingedu release``) as a git repository with one commit on ``main``; its path and
    commit. This is what an instructor pushes to the repository the nbgitpuller link names."""
    repo = folder / "learners-copy"
    scalingedu = Path(sys.executable).parent / "scalingedu"
    command = [str(scalingedu)] if scalingedu.exists() else [sys.executable, "-m", "scalingedu.tools.cli"]
    done = subprocess.run([*command, "release", "--out", str(repo)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"scalingedu release failed:\n{done.stdout}\n{done.stderr}"
    _git(repo, "init", "--quiet", "--initial-branch=main")
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "The learners' copy of the course")
    return repo, _git(repo, "rev-parse", "HEAD")


class Hub:
    """JupyterHub on 127.0.0.1 with a class password, SimpleLocalProcessSpawner and configurable-http-proxy; all of
    its state in ``folder``. ``processes`` collects every process seen under the hub (proxy, servers, kernels), so
    that :meth:`stop` can tell whether they all exited with it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.homes = folder / "homes"
        self.password = secrets.token_urlsafe(18)
        self.port = 0
        self.log_path = folder / "jupyterhub.log"
        self.process: subprocess.Popen | None = None
        self.processes: dict[int, psutil.Process] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def home(self, name: str) -> Path:
        return self.homes / name

    def _write_config(self, hub_port: int, api_port: int) -> Path:
        singleuser = Path(sys.executable).parent / "jupyterhub-singleuser"
        args = ["--ServerApp.shutdown_no_activity_timeout=1800"]   # a safety net if this test is killed
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")
        settings = {
            "JupyterHub.ip": "127.0.0.1", "JupyterHub.port": self.port,
            "JupyterHub.hub_ip": "127.0.0.1", "JupyterHub.hub_port": hub_port,
            "JupyterHub.db_url": f"sqlite:///{self.folder / 'jupyterhub.sqlite'}",
            "JupyterHub.cookie_secret_file": str(self.folder / "jupyterhub_cookie_secret"),
            "JupyterHub.pid_file": str(self.folder / "jupyterhub.pid"),
            "JupyterHub.authenticator_class": "shared-password",
            "SharedPasswordAuthenticator.user_password": self.password,
            "Authenticator.allowed_users": list(LEARNERS),
            "JupyterHub.spawner_class": "simple",
            "SimpleLocalProcessSpawner.home_dir_template": str(self.homes / "{username}"),
            "Spawner.cmd": [str(singleuser)],
            "Spawner.args": args,
            "Spawner.default_url": "/lab",
            "Spawner.start_timeout": SPAWN_SECONDS, "Spawner.http_timeout": SPAWN_SECONDS,
            # what makes an nbgitpuller link spawn the server at once instead of showing a "Launch" button
            "JupyterHub.implicit_spawn_seconds": 0.5,
            "ConfigurableHTTPProxy.command": [str(CHP)],
            "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{api_port}",
            "ConfigurableHTTPProxy.auth_token": secrets.token_hex(24),
            "JupyterHub.cleanup_servers": True, "JupyterHub.cleanup_proxy": True,
        }
        lines = ["# written by tests/test_hub.py"] + [f"c.{key} = {value!r}" for key, value in settings.items()]
        path = self.folder / "jupyterhub_config.py"
        path.write_text("\n".join(lines) + "\n")
        return path

    def prepare_home(self, name: str) -> None:
        """A learner's home, with JupyterLab's first-visit news toast and update check turned off (offline)."""
        settings = self.home(name) / ".jupyter/lab/user-settings/@jupyterlab/apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))

    def start(self) -> Hub:
        for name in LEARNERS:
            self.prepare_home(name)
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("JUPYTER", "JPY_", "CONFIGPROXY", "IPYTHON"))}
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        for _attempt in range(3):   # a free port can be taken between choosing it and binding it: try again
            self.port = _free_port()
            config = self._write_config(_free_port(), _free_port())
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)],
                                                cwd=self.folder, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)
            if self._wait_until_ready():
                self.track()
                return self
            self.stop()
        raise RuntimeError(f"JupyterHub did not start within {HUB_START_SECONDS} s; its log ({self.log_path}) "
                           f"ends with:\n{self.log_tail()}")

    def _wait_until_ready(self) -> bool:
        deadline = time.monotonic() + HUB_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:   # through the proxy: the proxy is up and routes to the hub
                with urllib.request.urlopen(f"{self.url}/hub/api/", timeout=5) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.25)
        return False

    def track(self) -> None:
        """Remember every process now running under the hub."""
        with contextlib.suppress(psutil.Error):
            for each in psutil.Process(self.process.pid).children(recursive=True):
                self.processes.setdefault(each.pid, each)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> tuple[int | None, list[str]]:
        """SIGTERM to the hub, as systemd or Ctrl-C would stop it; then kill anything left behind. Returns the hub's
        exit code (None if it had to be killed) and the processes that outlived it (described)."""
        code, left = None, []
        if self.process is None:
            return code, left
        if self.process.poll() is None:
            self.track()
            self.process.send_signal(signal.SIGTERM)
            try:
                code = self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        else:
            code = self.process.returncode
        _gone, alive = psutil.wait_procs(list(self.processes.values()), timeout=STOP_SECONDS)
        for each in alive:
            with contextlib.suppress(psutil.Error):
                left.append(f"{each.pid} {' '.join(each.cmdline())[:200]}")
                each.kill()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)   # the hub's own session, should anything remain in it
        self.process = None
        return code, left


# ---------------------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The learners' copy of the course in a local git repository: (path, commit)."""
    return build_course_repository(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def hub(tmp_path_factory, course):
    server = Hub(tmp_path_factory.mktemp("hub"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                             timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def sessions(chromium):
    """One browser context (its own cookies) per learner, kept for the module: name -> context."""
    contexts = {}
    yield contexts
    for context in contexts.values():
        with contextlib.suppress(Exception):
            context.close()


def _session(sessions, chromium, name: str):
    if name not in sessions:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(UI_MS)
        sessions[name] = context
    return sessions[name]


def pull_link(course_repo: Path, name: str) -> str:
    """The nbgitpuller link of the course for a learner: clone (or update) the course, then open lesson 04."""
    query = urlencode({"repo": course_repo.as_uri(), "branch": "main", "targetpath": COURSE_DIR,
                       "urlpath": f"lab/tree/{COURSE_DIR}/{LESSON}"})
    return f"/user/{name}/git-pull?{query}"


def _login_and_follow(page, hub: Hub, name: str, next_path: str) -> None:
    page.goto(f"{hub.url}/hub/login?{urlencode({'next': next_path})}", timeout=PAGE_LOAD_MS)
    page.locator("input[name=username]").fill(name)
    page.locator("input[name=password]").fill(hub.password)
    page.locator("form [type=submit]").first.click()


def _fetch(page, path: str, method: str = "GET", body=None) -> dict:
    return page.evaluate(JS_FETCH, [path, method, body])


# ---------------------------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", LEARNERS)
def test_a_learner_pulls_the_course_and_runs_lesson_04_through_the_hub(name, hub, course, chromium, sessions):
    course_repo, commit = course
    context = _session(sessions, chromium, name)
    page = context.new_page()
    console = []
    page.on("pageerror", lambda error: console.append(f"uncaught: {error}"[:500]))
    start = time.perf_counter()
    try:
        _login_and_follow(page, hub, name, pull_link(course_repo, name))
        # the hub spawns the server, nbgitpuller clones the course and sends the browser on to the lesson
        page.wait_for_url(re.compile(rf"/user/{name}/lab/tree/{COURSE_DIR}/{re.escape(LESSON)}"),
                          timeout=PAGE_LOAD_MS)
        hub.track()
        pulled = hub.home(name) / COURSE_DIR
        assert _git(pulled, "rev-parse", "HEAD") == commit, f"{name}'s home holds another commit of the course"
        assert (pulled / "scalingedu" / "_learners_copy.py").is_file() and not (pulled / "solutions").exists(), \
            f"{name} did not get the learners' copy (the release's marker module, no solutions/)"

        page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=PAGE_LOAD_MS)
        state = page.wait_for_function(JS_KERNEL_IDLE, timeout=KERNEL_IDLE_MS, polling=250).json_value()
        assert state == "idle", f"{name}: a dialog blocks lesson 04 before it runs: {state}"
        page.evaluate(JS_WATCH_RUN)
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
        try:
            state = page.wait_for_function(JS_RUN_FINISHED, timeout=RUN_ALL_MS, polling=500).json_value()
        except PlaywrightTimeout:
            raise AssertionError(f"{name}: Run All of lesson 04 did not finish within {RUN_ALL_MS / 1000:.0f} s; "
                                 f"errors on the page: {page.evaluate(JS_ERRORS)}") from None
        assert state == "done", f"{name}: a dialog appeared during Run All: {state}"
        hub.track()
        errors = page.evaluate(JS_ERRORS)
        assert not errors["tracebacks"], f"{name}: a cell of lesson 04 raised:\n\n" + "\n\n".join(errors["tracebacks"])
        assert not errors["widgetErrors"], f"{name}: a widget failed to display: {errors['widgetErrors']}"
        assert errors["lessonWidgets"] >= 1, f"{name}: no lesson widget (a slider above a plot) rendered"

        # the first slider of the first lesson widget, moved with the keyboard, redraws that widget's plot
        widget = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell-outputArea > .jp-OutputArea-child"
                              " > .jp-OutputArea-output:has(.jupyter-widgets):has([role=slider])"
                              f":has({PLOT_SELECTOR})").first
        handle = widget.locator("[role=slider]").first
        handle.scroll_into_view_if_needed()
        old_src = widget.locator(PLOT_SELECTOR).last.get_attribute("src")
        at_max = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
        handle.focus()
        for _ in range(2):
            handle.press("ArrowLeft" if at_max else "ArrowRight")
        try:
            page.wait_for_function(JS_REDRAWN, arg=[0, old_src], timeout=REDRAW_MS, polling=400)
        except PlaywrightTimeout:
            raise AssertionError(f"{name}: the slider was moved but the plot was not redrawn within "
                                 f"{REDRAW_MS / 1000:.0f} s; errors on the page: {page.evaluate(JS_ERRORS)}") from None
        errors = page.evaluate(JS_ERRORS)
        assert not errors["tracebacks"], f"{name}: moving the slider raised:\n\n" + "\n\n".join(errors["tracebacks"])

        # a file of this learner's own, saved through the contents API (for the isolation test below)
        saved = _fetch(page, f"/user/{name}/api/contents/notes-of-{name}.txt", "PUT",
                       {"type": "file", "format": "text", "content": f"{name}'s notes"})
        assert saved["status"] in (200, 201), f"{name} could not save a file: {saved}"
    except Exception:
        print(f"{name}: page {page.url}; uncaught page errors: {console or '(none)'}")
        print(f"JupyterHub log ({hub.log_path}), last lines:\n{hub.log_tail()}")
        raise
    finally:
        page.close()
    print(f"{name}: logged in, pulled {commit[:10]}, ran lesson 04 and redrew a plot in "
          f"{time.perf_counter() - start:.1f} s")


def test_no_learner_sees_another_learners_files(hub, chromium, sessions):
    missing = [name for name in LEARNERS if not (hub.home(name) / f"notes-of-{name}.txt").is_file()]
    if missing:
        pytest.fail(f"the learners' test above did not leave the notes of {missing}: it failed or was deselected")
    first, others = LEARNERS[0], LEARNERS[1:]
    page = _session(sessions, chromium, first).new_page()
    try:
        page.goto(f"{hub.url}/user/{first}/lab", timeout=PAGE_LOAD_MS)
        page.locator(".jp-LabShell").wait_for(timeout=PAGE_LOAD_MS)
        listing = _fetch(page, f"/user/{first}/api/contents/")
        assert listing["status"] == 200, f"{first} cannot list their own home: {listing}"
        listed = {entry["name"] for entry in json.loads(listing["text"])["content"]}
        on_disk = {path.name for path in hub.home(first).iterdir() if not path.name.startswith(".")}
        assert listed == on_disk, f"{first}'s file browser shows {sorted(listed)}, their home holds {sorted(on_disk)}"
        assert {COURSE_DIR, f"notes-of-{first}.txt"} <= listed, listed

        for other in others:
            # from this learner's JupyterLab, as its own requests are made: the other learner's server refuses
            fetched = _fetch(page, f"/user/{other}/api/contents/notes-of-{other}.txt")
            assert fetched["status"] == 403 and f"{other}'s notes" not in fetched["text"], (
                f"{first} asked {other}'s server for {other}'s note and got {fetched}")
        for other in others:
            # the other learner's server, opened in this learner's browser (a navigation): refused as well
            response = page.goto(f"{hub.url}/user/{other}/api/contents/", timeout=PAGE_LOAD_MS)
            assert response.status == 403, (
                f"{first} asked for /user/{other}/api/contents/ and got {response.status} at {page.url}")
            assert f"notes-of-{other}" not in page.content()

        found = sorted(str(path.relative_to(hub.home(first))) for path in hub.home(first).rglob("*")
                       if any(other in path.name for other in others))
        assert not found, f"{first}'s home holds files of other learners: {found}"
    finally:
        page.close()


def test_the_hub_stops_cleanly(hub):
    hub.track()
    running = {pid: _command_line(each) for pid, each in hub.processes.items() if each.is_running()}
    kinds = {kind: sum(kind in line for line in running.values())
             for kind in ("configurable-http-proxy", "jupyterhub-singleuser", "ipykernel_launcher")}
    started = [name for name in LEARNERS if (hub.home(name) / COURSE_DIR).is_dir()]   # the learners' test ran
    assert kinds["configurable-http-proxy"] == 1 and kinds["jupyterhub-singleuser"] == len(started), (
        f"before stopping, expected the proxy and a server for each of {started} under the hub; found {kinds}")
    code, left = hub.stop()
    assert not left, "processes outlived the hub:\n" + "\n".join(left)
    assert code == 0, f"the hub exited with {code} on SIGTERM; its log ends with:\n{hub.log_tail()}"
    print(f"the hub stopped; with it exited {kinds}")


def _command_line(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""
