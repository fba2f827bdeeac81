"""Present a lesson without code, on a projector: ``scalingedu present 04``.

Runs Voilà (the optional ``voila`` extra) on the lesson with a pre-heated kernel, so the page shows its widgets
about 2.5 s after it is opened instead of the 7-13 s it takes to execute the lesson on demand (measured on a
2-core machine, lesson 04, headless Chromium), and with projector mode on (``SCALINGEDU_PROJECTOR=1``: the same
figures with 1.4x larger text, :func:`scalingedu.plotting.projector`). The first visit after start-up waits
while the pool's kernel runs the lesson (under 20 s); the pool refills after each visit.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

VOILA_DATA = Path(__file__).resolve().parent / "voila_data"
"""A Jupyter data folder holding the course's Voilà template, ``voila/templates/scalingedu_present`` (Voilà's lab
template with links underlined); Voilà finds it through ``JUPYTER_PATH``."""
VOILA_TEMPLATE = "scalingedu_present"


def voila_command(notebook: Path, *, port: int, projector: bool) -> tuple[list[str], dict]:
    """The Voilà command line and environment that present ``notebook``: the course's template, a pre-heated
    kernel, no tracebacks on the page."""
    command = [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--preheat_kernel=True",
               "--pool_size=1", "--show_tracebacks=False", f"--template={VOILA_TEMPLATE}"]
    environment = dict(os.environ)
    environment["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(VOILA_DATA), os.environ.get("JUPYTER_PATH")]))
    if projector:
        environment["SCALINGEDU_PROJECTOR"] = "1"
    else:
        environment.pop("SCALINGEDU_PROJECTOR", None)
    return command, environment


def add_present_command(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("present", help="show a lesson's widgets without code in Voilà, for a projector")
    parser.add_argument("lesson", help="the lesson's number, slug or stem (4, chinchilla, 04_chinchilla)")
    parser.add_argument("--port", type=int, default=8866, help="port of the Voilà server (default 8866)")
    parser.add_argument("--no-projector", action="store_true", help="normal text size instead of projector mode")
    return parser


def run_present(args: argparse.Namespace, root: Path) -> int:
    from ..lessons import lesson
    key = int(args.lesson) if str(args.lesson).isdigit() else args.lesson
    chosen = lesson(key)
    if importlib.util.find_spec("voila") is None:
        print("scalingedu present needs Voilà: pip install -e '.[voila]' (the course's optional extra)")
        return 2
    command, environment = voila_command(Path(root) / chosen.notebook, port=args.port,
                                         projector=not args.no_projector)
    print(f"presenting {chosen.notebook} at http://localhost:{args.port}/ (Ctrl-C stops)")
    return subprocess.call(command, env=environment)


@contextlib.contextmanager
def voila_server(notebook: Path, *, preheat: bool, projector: bool = True, start_seconds: float = 60.0):
    """Run Voilà on ``notebook`` on a free loopback port, as :func:`run_present` would (without ``preheat``: no
    kernel pool, the lesson runs when the page is opened); yield its address, and stop it on leaving."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command, environment = voila_command(notebook, port=port, projector=projector)
    if not preheat:
        command = [part for part in command if not part.startswith(("--preheat_kernel", "--pool_size"))]
    server = subprocess.Popen([*command, "--no-browser", "--Voila.ip=127.0.0.1"], env=environment,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/static/", timeout=1)
                break
            except urllib.error.HTTPError:
                break                                   # the server answers (404 is an answer)
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Voilà did not start on port {port} within {start_seconds:g} s") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def seconds_to_first_widget(notebook: Path, *, preheat: bool, warm_seconds: float = 60.0) -> float:
    """Start Voilà on ``notebook``, open it in headless Chromium (Debian's ``/usr/bin/chromium``), and return the
    seconds from the request to the first widget slider on the page (a benchmark: ``scalingedu bench --voila``).

    With ``preheat``, the pool's kernel gets up to ``warm_seconds`` to run the lesson before the page is opened,
    as it would between the instructor starting the server and the class opening it.
    """
    from playwright.sync_api import sync_playwright
    with voila_server(notebook, preheat=preheat) as address:
        if preheat:
            time.sleep(warm_seconds)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(address, timeout=180_000)
            page.wait_for_selector(".widget-slider", timeout=180_000)
            seconds = time.perf_counter() - start
            browser.close()
        return seconds
