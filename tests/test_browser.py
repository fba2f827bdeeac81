"""Layer 4: every lesson, end to end, in JupyterLab in headless Chromium.

For each ``notebooks/*.ipynb`` this opens the lesson in a real JupyterLab, runs it with Run > Run All Cells, checks
that every lesson widget renders its controls and its plot, moves the first slider of the first widget with the
keyboard and waits for that widget's plot to be redrawn; a cell traceback, a widget-callback traceback (JupyterLab
routes those to its Log Console) or "Error displaying widget" fails the test.

How it works, and why (see also ``../shared/reference/testing-notes.md``, section 3):

- The browser is Debian's ``/usr/bin/chromium`` driven by Playwright through ``executable_path``; no browser is
  ever downloaded (never run ``playwright install``). Without Chromium or Playwright the module is skipped.
- One JupyterLab server per run of this module: ``sys.executable -m jupyterlab`` (so lessons run in the current
  environment) on a free 127.0.0.1 port with a random token, in throw-away config/data/runtime/IPython folders,
  serving a temporary *copy* of ``notebooks/`` (Lab may autosave; the repository's files are never touched).
- A lesson widget (``scalingedu.widgets.base.LessonWidget``) shows as a top-level widget output holding slider
  controls above a described image (``scalingedu.widgets.accessible.DescribedImage``), which the DOM shows as
  ``img.scalingedu-figure-image`` whose ``src`` is a new ``blob:`` URL on every redraw. "The plot changed" means:
  that ``src`` changed and then stayed the same on two polls 400 ms apart (a few key presses give a few redraws
  in a row).
- The kernel of each test is shut down through the REST API afterwards, so kernels do not pile up.

Environment variables (optional):
  SCALINGEDU_BROWSER_NOTEBOOKS  folder of notebooks to test instead of ``notebooks/`` (for scratch runs)
  SCALINGEDU_BROWSER_ARTIFACTS  folder for the screenshots (default: a folder under pytest's basetemp, printed at
                                the end of the run; a -FAILED.png is taken when a test fails)

Run just this layer: ``pytest tests/test_browser.py -v``; leave it out: ``pytest -m "not browser"``.
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
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scalingedu.data import GOPHER_BUDGET_FLOPS
from scalingedu.lessons import LESSONS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = Path(os.environ.get("SCALINGEDU_BROWSER_NOTEBOOKS") or ROOT / "notebooks")


def _find_chromium() -> str | None:
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


CHROMIUM = _find_chromium()
if CHROMIUM is None:
    pytest.skip("browser layer skipped: Debian's chromium is not installed (apt-get install chromium); "
                ".ci/run installs it", allow_module_level=True)
if importlib.util.find_spec("playwright") is None:
    pytest.skip("browser layer skipped: the playwright package is not installed (pip install -e '.[test]'); "
                "never run `playwright install`, the tests use Debian's chromium", allow_module_level=True)

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser

# Exactly the flags that were verified with Debian's chromium (testing-notes.md, section 3).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Generous: the reference machine has 2 cores; a Lab start takes 5-15 s, a lesson runs in under 20 s.
SERVER_START_SECONDS = 90
PAGE_LOAD_MS = 90_000
KERNEL_IDLE_MS = 90_000
RUN_ALL_MS = 180_000
REDRAW_MS = 45_000
UI_MS = 20_000

VIEWPORT = {"width": 1400, "height": 1000}

# A Python traceback, or an exception line such as "SyntaxError: invalid syntax" (which IPython prints without one).
ERROR_PATTERN = r"Traceback|^\s*[\w.]*(Error|Exception)\b"

# ---------------------------------------------------------------------------------------------------------------
# JavaScript run in the page. A "lesson widget" is a top-level widget output that contains an
# img.scalingedu-figure-image.
# ---------------------------------------------------------------------------------------------------------------

_JS_HELPERS = r"""
const panel = () => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)') || document;
const topOutputs = () => [...panel().querySelectorAll(
    '.jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output')];
const widgetOutputs = () => topOutputs().filter(o => o.querySelector(':scope > .jupyter-widgets'));
const lessonWidgets = () => widgetOutputs().filter(o => o.querySelector('img.scalingedu-figure-image'));
const shown = el => !!el && el.getClientRects().length > 0;
const errorRe = new RegExp(ERROR_PATTERN, 'm');
""".replace("ERROR_PATTERN", json.dumps(ERROR_PATTERN))

# Installed before Run All: notes that Lab marked a code cell as running ("[*]"), however fast the run is.
JS_WATCH_RUN = """() => {
  window.__scalingeduSawRun = false;
  const check = () => {
    if ([...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].some(p => p.textContent.includes('*'))) {
      window.__scalingeduSawRun = true; obs.disconnect();
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""

# Kernel idle (status bar "Python 3 (ipykernel) | Idle"), or a dialog (e.g. a kernel picker) that blocks the page.
JS_KERNEL_IDLE = """() => {
  const dialog = document.querySelector('.jp-Dialog');
  if (dialog) return 'dialog: ' + dialog.innerText.replace(/\\s+/g, ' ').slice(0, 300);
  const idle = [...document.querySelectorAll('.jp-StatusBar-TextItem')]
      .some(e => /^(?!No Kernel).+ \\| Idle$/.test(e.textContent.trim()));
  return idle ? 'idle' : false;
}"""

# Run All finished: the run was seen, the kernel is idle, no cell waits ("[*]"), every lesson widget's image has
# loaded (or the widget shows its error message instead), and all of that held on two polls in a row.
JS_RUN_FINISHED = "() => {" + _JS_HELPERS + r"""
  const dialog = document.querySelector('.jp-Dialog');
  if (dialog) return 'dialog: ' + dialog.innerText.replace(/\s+/g, ' ').slice(0, 300);
  if (!window.__scalingeduSawRun) return false;
  const idle = [...document.querySelectorAll('.jp-StatusBar-TextItem')]
      .some(e => / \| Idle$/.test(e.textContent.trim()));
  const prompts = [...panel().querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
  if (!idle || prompts.some(p => p.includes('*'))) { window.__scalingeduRunState = null; return false; }
  const widgets = lessonWidgets();
  const ready = widgets.every(w => {
    const img = w.querySelector('img.scalingedu-figure-image');
    return !shown(img) || (img.complete && img.naturalWidth > 0);
  });
  if (!ready) { window.__scalingeduRunState = null; return false; }
  const state = JSON.stringify([prompts, widgetOutputs().length,
                                widgets.map(w => w.querySelector('img.scalingedu-figure-image').src)]);
  const stable = window.__scalingeduRunState === state;
  window.__scalingeduRunState = state;
  return stable ? 'done' : false;
}"""

# What the page shows after the run: widgets, their sliders and images, errors.
JS_SUMMARY = "() => {" + _JS_HELPERS + r"""
  return {
    widgetOutputs: widgetOutputs().length,
    lessonWidgets: lessonWidgets().map(w => ({
      sliders: w.querySelectorAll('.widget-slider [role=slider]').length,
      imageShown: shown(w.querySelector('img.scalingedu-figure-image')),
      imageLoaded: (i => i.complete && i.naturalWidth > 0)(w.querySelector('img.scalingedu-figure-image')),
      text: w.innerText.replace(/\s+/g, ' ').slice(0, 300),
    })),
    sliders: panel().querySelectorAll('.widget-slider [role=slider]').length,
    tracebacks: [...panel().querySelectorAll("[data-mime-type='application/vnd.jupyter.stderr']")]
        .map(e => e.innerText).filter(t => errorRe.test(t)).map(t => t.slice(0, 3000)),
    // "Error displaying widget" (the renderer) and ipywidgets 8's error widget (a view class that failed)
    widgetErrors: [...panel().querySelectorAll('.jp-OutputArea-output')]
        .filter(e => e.textContent.includes('Error displaying widget') ||
                     e.querySelector('.jupyter-widgets-error-widget'))
        .map(e => e.textContent.replace(/\s+/g, ' ').trim().slice(0, 300) || 'ipywidgets error widget'),
    logEntries: (e => e ? Number(e.textContent.trim()) || 0 : 0)(
        document.querySelector('.jp-LogConsoleStatusItem:not(.lm-mod-hidden) .jp-StatusBar-TextItem')),
  };
}"""

# After a slider move: the widget's image has a new src that held still for one poll interval; or the widget
# swapped its plot for its error message; or a widget callback wrote to the Log Console (a callback traceback).
JS_REDRAWN = "([index, oldSrc, oldLog]) => {" + _JS_HELPERS + r"""
  const w = lessonWidgets()[index];
  if (!w) return 'gone';
  const img = w.querySelector('img.scalingedu-figure-image');
  if (!shown(img)) return 'message';
  const log = (e => e ? Number(e.textContent.trim()) || 0 : 0)(
      document.querySelector('.jp-LogConsoleStatusItem:not(.lm-mod-hidden) .jp-StatusBar-TextItem'));
  if (log > oldLog) return 'log';
  if (img.src === oldSrc || !img.complete || !img.naturalWidth) { window.__scalingeduSrc = null; return false; }
  const stable = window.__scalingeduSrc === img.src;
  window.__scalingeduSrc = img.src;
  return stable ? 'redrawn' : false;
}"""


# ---------------------------------------------------------------------------------------------------------------
# The JupyterLab server
# ---------------------------------------------------------------------------------------------------------------

class LabServer:
    """``python -m jupyterlab`` (or another Jupyter server application, ``app``: ``notebook`` for Jupyter Notebook
    7) on 127.0.0.1 with a random token, in throw-away folders, serving a copy of lessons."""

    def __init__(self, notebooks: Path, app: str = "jupyterlab"):
        self.app = app
        self.tmp = Path(tempfile.mkdtemp(prefix="scalingedu-lab-"))
        self.root = self.tmp / "notebooks"
        shutil.copytree(notebooks, self.root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        self.token = secrets.token_hex(24)
        self.log_path = self.tmp / f"{app}.log"
        self.process: subprocess.Popen | None = None
        self.port = 0
        self._seed_settings()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _seed_settings(self) -> None:
        # No first-visit news toast, no update check (the toast would sit over the page; offline anyway).
        settings = self.tmp / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))

    def _environment(self) -> dict:
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.tmp / "config"),
            JUPYTER_DATA_DIR=str(self.tmp / "data"),
            JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"),
            IPYTHONDIR=str(self.tmp / "ipython"),
            PYTHONUNBUFFERED="1",
        )
        # The kernel is the current environment's ipykernel ("python" in its kernelspec is sys.executable).
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        for name in ("JUPYTER_TOKEN", "JUPYTER_PREFER_ENV_PATH", "JUPYTERLAB_SETTINGS_DIR",
                     "JUPYTERLAB_WORKSPACES_DIR"):
            env.pop(name, None)
        return env

    def start(self) -> LabServer:
        for _attempt in range(3):  # a free port can be taken between choosing it and binding it: try again
            self.port = _free_port()
            command = [sys.executable, "-m", self.app, "--no-browser", f"--port={self.port}",
                       "--port-retries=0", "--ip=127.0.0.1", f"--IdentityProvider.token={self.token}",
                       f"--ServerApp.root_dir={self.root}",
                       # a safety net should this process be killed before its teardown runs
                       "--ServerApp.shutdown_no_activity_timeout=1800"]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                command.append("--allow-root")
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(command, cwd=self.tmp, env=self._environment(),
                                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True)  # Ctrl-C goes to pytest, not to Lab
            if self._wait_until_ready():
                return self
            self.stop(remove=False)
        raise RuntimeError(f"{self.app} did not start within {SERVER_START_SECONDS} s; its log "
                           f"({self.log_path}) ends with:\n{self.log_tail()}")

    def _wait_until_ready(self) -> bool:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                self.api("GET", "/api/status", timeout=5)
                return True
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.25)
        return False

    def api(self, method: str, path: str, timeout: float = 30):
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """Delete every session (and so its kernel), then any kernel left: each test starts from a fresh kernel."""
        for kind, key in (("sessions", "id"), ("kernels", "id")):
            for item in self.api("GET", f"/api/{kind}"):
                try:
                    self.api("DELETE", f"/api/{kind}/{item[key]}", timeout=60)
                except urllib.error.HTTPError as problem:
                    if problem.code != 404:  # already gone with its session
                        raise

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, remove: bool = True) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # Lab shuts its kernels down on SIGTERM
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self.process = None
        if remove:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _report(config, line: str) -> None:
    """Write a line to the terminal even when output is captured (for the screenshot folder's path)."""
    reporter = config.pluginmanager.getplugin("terminalreporter")
    capture = config.pluginmanager.getplugin("capturemanager")
    if reporter is None or capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


# ---------------------------------------------------------------------------------------------------------------
# Fixtures (names chosen not to clash with pytest-playwright's page/browser fixtures)
# ---------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lab_server(request):
    server = LabServer(NOTEBOOKS)
    start = time.perf_counter()
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    _report(request.config, f"\n[browser] JupyterLab {server.url} serving a copy of {NOTEBOOKS} "
                            f"(ready in {time.perf_counter() - start:.1f} s)")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                             timeout=60_000)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def screenshot_dir(request, tmp_path_factory):
    chosen = os.environ.get("SCALINGEDU_BROWSER_ARTIFACTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("browser-screenshots")  # pytest keeps 3 runs
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    _report(request.config, f"\n[browser] screenshots of the lessons in JupyterLab: {folder}")


@pytest.fixture
def lab_page(lab_server, chromium):
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(UI_MS)
    page = context.new_page()
    page.scalingedu_console = []  # console errors and uncaught page errors, for failure messages
    page.on("console", lambda m: m.type == "error" and page.scalingedu_console.append(m.text[:500]))
    page.on("pageerror", lambda e: page.scalingedu_console.append(f"uncaught: {e}"[:500]))
    try:
        yield page
    finally:
        context.close()
        lab_server.shut_down_kernels()


# ---------------------------------------------------------------------------------------------------------------
# The test
# ---------------------------------------------------------------------------------------------------------------

def _lessons() -> list:
    if "SCALINGEDU_BROWSER_NOTEBOOKS" in os.environ:
        names = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
    else:
        names = [Path(each.notebook).name for each in LESSONS]
    if not names:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no notebooks in {NOTEBOOKS}"))]
    return [pytest.param(name, id=name.removesuffix(".ipynb")) for name in names]


@pytest.mark.parametrize("notebook", _lessons())
def test_lesson_runs_and_its_widget_redraws_in_jupyterlab(notebook, lab_server, lab_page, screenshot_dir,
                                                          record_property):
    page = lab_page
    shot = screenshot_dir / notebook.replace(".ipynb", ".png")
    record_property("screenshot", str(shot))
    start = time.perf_counter()
    try:
        kernel_ready, run_done = _open_and_run_all(page, lab_server, notebook)
        summary = page.evaluate(JS_SUMMARY)
        _assert_no_errors(page, summary, notebook, "after Run All")
        _assert_widgets_rendered(summary, notebook)
        _assert_presets_kept_exactly(page, notebook)
        index, before, after = _move_first_slider(page, summary, notebook)
        redrawn = time.perf_counter()
        summary = page.evaluate(JS_SUMMARY)
        _assert_no_errors(page, summary, notebook, "after moving a slider")
        page.screenshot(path=str(shot))
        _lesson_widget(page, index).screenshot(path=str(shot.with_name(shot.stem + "-widget.png")))
    except (Exception, pytest.fail.Exception):
        with contextlib.suppress(PlaywrightError):
            page.screenshot(path=str(shot.with_name(shot.stem + "-FAILED.png")))
        print(f"screenshot: {shot.with_name(shot.stem + '-FAILED.png')}")
        print("browser console errors:", *page.scalingedu_console or ["(none)"], sep="\n  ")
        print(f"JupyterLab log ({lab_server.log_path}), last lines:\n{lab_server.log_tail()}")
        raise
    print(f"{notebook}: {len(summary['lessonWidgets'])} lesson widget(s), {summary['sliders']} slider(s); "
          f"slider {before} -> {after}, plot redrawn. Seconds: {kernel_ready - start:.1f} to an idle kernel, "
          f"{run_done - kernel_ready:.1f} Run All, {redrawn - run_done:.1f} slider and redraw, "
          f"{time.perf_counter() - start:.1f} in all. Screenshot: {shot}")
    if page.scalingedu_console:
        print("browser console errors (not failures by themselves):", *page.scalingedu_console, sep="\n  ")


EXACT_READOUTS = {"04_chinchilla.ipynb": f"{GOPHER_BUDGET_FLOPS:.3g}"}
"""A value that a lesson's log slider starts at and must show exactly: the browser's slider snaps to its step grid
and used to turn Gopher's 5.76e23 FLOPs into 5.62e23 (``scalingedu.widgets.base.ExactLogSlider``)."""


def _assert_presets_kept_exactly(page, notebook: str) -> None:
    wanted = EXACT_READOUTS.get(notebook)
    if wanted is None:
        return
    readouts = page.evaluate("() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) "
                             ".widget-slider .widget-readout')].map(r => r.textContent.trim())")
    assert wanted in readouts, f"{notebook}: no slider reads {wanted} after Run All; the readouts: {readouts}"


def _open_and_run_all(page, server: LabServer, notebook: str) -> tuple[float, float]:
    """Open the lesson, wait for its kernel, Run All, wait until it finished; return when each of those ended."""
    page.goto(f"{server.url}/lab/tree/{notebook}?reset&token={server.token}", timeout=PAGE_LOAD_MS)
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=PAGE_LOAD_MS)
    state = page.wait_for_function(JS_KERNEL_IDLE, timeout=KERNEL_IDLE_MS, polling=250).json_value()
    assert state == "idle", f"{notebook}: a dialog blocks the notebook before it runs: {state}"
    kernel_ready = time.perf_counter()

    page.evaluate(JS_WATCH_RUN)
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
    try:
        state = page.wait_for_function(JS_RUN_FINISHED, timeout=RUN_ALL_MS, polling=500).json_value()
    except PlaywrightTimeout:
        summary = page.evaluate(JS_SUMMARY)
        _assert_no_errors(page, summary, notebook, "while running")  # a traceback explains a stuck run best
        raise AssertionError(f"{notebook}: Run All did not finish (kernel idle, every cell run, every widget's "
                             f"image loaded) within {RUN_ALL_MS / 1000:.0f} s; page state: {summary}") from None
    assert state == "done", f"{notebook}: a dialog appeared during Run All: {state}"
    return kernel_ready, time.perf_counter()


def _assert_no_errors(page, summary: dict, notebook: str, when: str) -> None:
    assert not summary["widgetErrors"], (f"{notebook} {when}: a widget failed to display: {summary['widgetErrors']}; "
                                         f"browser console errors: {page.scalingedu_console}")
    if summary["tracebacks"]:
        pytest.fail(f"{notebook} {when}: a cell raised:\n\n" + "\n\n".join(summary["tracebacks"]))
    if summary["logEntries"]:
        log = _log_console_text(page)
        if re.search(ERROR_PATTERN, log, re.M):
            pytest.fail(f"{notebook} {when}: the kernel reported an error outside any cell (usually a widget "
                        f"callback), shown in JupyterLab's Log Console:\n\n{log[:4000]}")
        print(f"{notebook} {when}: Log Console (no traceback):\n{log[:2000]}")


def _log_console_text(page) -> str:
    """Open JupyterLab's Log Console (where output of widget callbacks lands) and return its text."""
    panel = page.locator(".jp-LogConsolePanel")
    if not panel.count() or not panel.first.is_visible():
        page.locator(".jp-LogConsoleStatusItem").click()
    panel.first.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('.jp-LogConsolePanel').innerText.trim().length > 0")
    return panel.first.inner_text()


def _assert_widgets_rendered(summary: dict, notebook: str) -> None:
    widgets = summary["lessonWidgets"]
    assert widgets, (f"{notebook}: no lesson widget (controls above a plot image) rendered; "
                     f"{summary['widgetOutputs']} widget output(s) in all")
    assert summary["sliders"] >= 1, f"{notebook}: the lesson's widgets have no slider: {widgets}"
    for number, widget in enumerate(widgets, 1):
        assert widget["imageShown"] and widget["imageLoaded"], (
            f"{notebook}: widget {number} of {len(widgets)} shows no plot in its first state: {widget['text']}")


def _lesson_widget(page, index: int):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell-outputArea > .jp-OutputArea-child"
                        " > .jp-OutputArea-output:has(img.scalingedu-figure-image)").nth(index)


def _move_first_slider(page, summary: dict, notebook: str) -> tuple[int, str, str]:
    """Press an arrow key on the first slider of the first widget that has one; wait for its plot to redraw."""
    index = next((i for i, widget in enumerate(summary["lessonWidgets"]) if widget["sliders"]), None)
    assert index is not None, f"{notebook}: no lesson widget has a slider: {summary['lessonWidgets']}"
    widget = _lesson_widget(page, index)
    slider = widget.locator(".widget-slider").filter(has=page.locator("[role=slider]")).first
    handle = slider.locator("[role=slider]").first
    image = widget.locator("img.scalingedu-figure-image").first
    handle.scroll_into_view_if_needed()
    old_src = image.get_attribute("src")
    # The readout ("8.91e+10") shows the value; aria-valuenow is rounded (a log slider's exponent to 0.1).
    position = "s => [s.querySelector('[role=slider]').getAttribute('aria-valuenow'), " \
               "(s.querySelector('.widget-readout') || {}).textContent || '']"
    before = slider.evaluate(position)
    at_max = float(before[0]) >= float(handle.get_attribute("aria-valuemax"))
    key = "ArrowLeft" if at_max else "ArrowRight"
    log_entries = page.evaluate(JS_SUMMARY)["logEntries"]
    handle.focus()
    for _ in range(2):
        handle.press(key)
    try:
        page.wait_for_function(f"([s, old]) => JSON.stringify(({position})(s)) !== JSON.stringify(old)",
                               arg=[slider.element_handle(), before], timeout=UI_MS)
    except PlaywrightTimeout:
        raise AssertionError(f"{notebook}: pressing {key} on the first slider did not move it "
                             f"(value still {before[1] or before[0]})") from None
    after = slider.evaluate(position)
    before, after = before[1] or before[0], after[1] or after[0]
    while True:
        try:
            state = page.wait_for_function(JS_REDRAWN, arg=[index, old_src, log_entries],
                                           timeout=REDRAW_MS, polling=400).json_value()
        except PlaywrightTimeout:
            raise AssertionError(f"{notebook}: the slider moved ({before} -> {after}) but the plot of widget "
                                 f"{index + 1} was not redrawn within {REDRAW_MS / 1000:.0f} s") from None
        if state != "log":
            break
        log = _log_console_text(page)  # a callback wrote to the Log Console: an error, or just a warning?
        if re.search(ERROR_PATTERN, log, re.M):
            pytest.fail(f"{notebook}: moving the slider ({before} -> {after}) made the kernel report an error "
                        f"outside any cell (a widget callback), shown in JupyterLab's Log Console:\n\n{log[:4000]}")
        log_entries = page.evaluate(JS_SUMMARY)["logEntries"]
    if state == "message":
        raise AssertionError(f"{notebook}: moving the slider ({before} -> {after}) made widget {index + 1} show "
                             f"an error instead of its plot: {' '.join(widget.inner_text().split())[:500]}")
    assert state == "redrawn", f"{notebook}: widget {index + 1} disappeared after the slider moved ({state})"
    return index, before, after


# --- the static export typesets its formulas offline (issue 15) --------------------------------------------------

def test_an_exported_lesson_typesets_its_formulas_with_no_network(chromium, tmp_path):
    from scalingedu.tools.export import export_lessons
    page_path = export_lessons([ROOT / "notebooks/04_chinchilla.ipynb"], tmp_path)[0]
    context = chromium.new_context(offline=True)
    requests = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.abort())
                  if not route.request.url.startswith("file:") else route.continue_())
    page = context.new_page()
    try:
        page.goto(page_path.as_uri(), timeout=PAGE_LOAD_MS)
        page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 "
                               "&& MathJax.Hub.queue.running === 0 && document.querySelector('.MathJax')",
                               timeout=60_000)
        found = page.evaluate("""() => ({
            sources: document.querySelectorAll('script[type^="math/tex"]').length,
            rendered: document.querySelectorAll('.MathJax, .MathJax_Display').length,
            errors: document.querySelectorAll('.MathJax_Error, merror').length,
            stix: [...document.querySelectorAll('.MathJax span')].some(
                s => getComputedStyle(s).fontFamily.includes('STIX'))})""")
    finally:
        context.close()
    # MathJax turns each formula into a math/tex script plus its rendering; 04 holds well over 50 formulas.
    assert found["sources"] >= 50 and found["rendered"] >= found["sources"], found
    assert found["errors"] == 0 and found["stix"], found
    assert not requests, f"the exported page asked the network for {requests}"
