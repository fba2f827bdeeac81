"""``scalingedu bench-hub``: how much memory and CPU one learner needs on a class hub, measured.

What is modelled: a learner on a JupyterHub has one single-user Jupyter server and, per open lesson, one kernel.
For each lesson this runs the notebook top to bottom in a fresh kernel (nbclient, as :mod:`.execute` does), then
drives each of its lesson widgets a little (each widget's first two controls set to two values each, through
``LessonWidget.update``: model, redraw and PNG, as a learner's slider does), while a thread samples the resident
memory of the kernel process *and its children* every 50 ms (lesson 05's live training runs in a child process).
It reports, per lesson:

- ``kernel_peak_mib``: the largest sampled RSS of kernel + children (a sum of RSS, which counts pages shared with
  a child twice: an upper bound, what a memory limit must allow);
- ``kernel_end_mib``: the RSS when the lesson and its widget driving are done (what the kernel keeps while the
  learner reads on);
- ``cpu_s``: CPU seconds (user + system, kernel and children) of running the lesson and driving its widgets;
- ``wall_s``: the wall time of the same, and ``cores`` = cpu_s / wall_s (how many cores it kept busy).

plus lesson 05's live training cell on its own (``lab_training``: the cell that calls ``train_isolated``, peak,
CPU, wall), and the memory of the Jupyter server itself (``server_mib``: ``jupyter lab`` started on 127.0.0.1, after
it served the Lab page and its settings once, without kernels).

:func:`derive_limits` turns a table into per-learner Kubernetes requests and limits by the rule written there;
``deploy/z2jh/values.yaml`` holds the numbers it gives for ``deploy/sizing.json`` (tests/test_deploy.py checks).
Output lines are ``name value unit``, as ``scalingedu bench`` prints them.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

MIB = 1024 * 1024
SAMPLE_SECONDS = 0.05
LIVE_TRAINING_CALL = "train_isolated("
"""How lesson 05's live training cell is recognised (it trains a tiny model in a child process)."""

# ---------------------------------------------------------------------------------------------------------------
# Sampling a process tree
# ---------------------------------------------------------------------------------------------------------------


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (0 when it is gone)."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):    # a child that exited between listing and reading
            total += process.memory_info().rss
    return total


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process, its live descendants and its waited-for children."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


class PeakSampler:
    """Samples :func:`tree_rss` of a process every ``interval`` seconds in a thread; ``peak`` and ``last`` in bytes.

    Use as a context manager; :meth:`mark` starts a new window whose peak :meth:`window_peak` returns (used for the
    peak of one cell)."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS):
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.last = 0
        self.samples = 0
        self._window = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"rss-sampler-{pid}", daemon=True)

    def sample(self) -> int:
        value = tree_rss(self.pid)
        with self._lock:
            self.last = value
            self.peak = max(self.peak, value)
            self._window = max(self._window, value)
            self.samples += 1
        return value

    def mark(self) -> None:
        with self._lock:
            self._window = 0
        self.sample()

    def window_peak(self) -> int:
        self.sample()
        with self._lock:
            return self._window

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> PeakSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


# ---------------------------------------------------------------------------------------------------------------
# One lesson
# ---------------------------------------------------------------------------------------------------------------

DRIVE_WIDGETS = r'''
def _scalingedu_drive_widgets():
    """Set each lesson widget's first two controls to two values each (a slider's 30% and 70% points)."""
    import ipywidgets
    from scalingedu.widgets.base import LessonWidget
    seen, found = set(), []
    for value in [*globals().values(), *globals().get("Out", {}).values()]:
        if isinstance(value, LessonWidget) and id(value) not in seen:
            seen.add(id(value))
            found.append(value)
    changes = failures = 0
    for widget in found:
        for name, control in list(widget.controls.items())[:2]:
            if isinstance(control, (ipywidgets.Dropdown, ipywidgets.ToggleButtons, ipywidgets.RadioButtons)):
                options = [o[1] if isinstance(o, tuple) else o for o in control.options]
                values = [options[-1], options[0]]
            elif isinstance(control, ipywidgets.Checkbox):
                values = [not control.value, control.value]
            elif isinstance(control, ipywidgets.FloatLogSlider):
                values = [control.base ** (control.min + f * (control.max - control.min)) for f in (0.3, 0.7)]
            elif hasattr(control, "min") and hasattr(control, "max"):
                values = [control.min + f * (control.max - control.min) for f in (0.3, 0.7)]
                if isinstance(control, ipywidgets.IntSlider):
                    values = [int(round(v)) for v in values]
            else:
                continue
            for value in values:
                try:
                    widget.update(**{name: value})
                    changes += 1
                except (ValueError, TypeError):
                    failures += 1
    return len(found), changes, failures

print("SCALINGEDU_DRIVEN", *_scalingedu_drive_widgets())
'''


@dataclass
class LessonSize:
    """What one lesson needs: memory in MiB, CPU and wall seconds, and how many widgets were driven."""

    lesson: str
    kernel_peak_mib: float
    kernel_end_mib: float
    cpu_s: float
    wall_s: float
    widgets: int
    widget_changes: int
    cells: list[dict] = field(default_factory=list)

    @property
    def cores(self) -> float:
        return self.cpu_s / self.wall_s if self.wall_s > 0 else 0.0


def measure_lesson(path: Path, *, timeout: int = 600, interval: float = SAMPLE_SECONDS) -> LessonSize:
    """Run a notebook in a fresh kernel, then drive its widgets; sample the kernel's memory and CPU throughout."""
    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    from .execute import KERNEL_NAME

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name=KERNEL_NAME, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    cells = []
    with client.setup_kernel():
        pid = kernel_pid(client.km)
        with PeakSampler(pid, interval) as sampler:
            cpu_start, wall_start = tree_cpu_seconds(pid), time.perf_counter()
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                sampler.mark()
                cpu, wall = tree_cpu_seconds(pid), time.perf_counter()
                client.execute_cell(cell, index)
                cells.append({"index": index, "live_training": LIVE_TRAINING_CALL in cell.source,
                              "peak_mib": sampler.window_peak() / MIB,
                              "cpu_s": tree_cpu_seconds(pid) - cpu, "wall_s": time.perf_counter() - wall})
            probe = new_code_cell(DRIVE_WIDGETS)
            notebook.cells.append(probe)
            client.execute_cell(probe, len(notebook.cells) - 1)
            driven = _driven(probe)
            cpu_s, wall_s = tree_cpu_seconds(pid) - cpu_start, time.perf_counter() - wall_start
            time.sleep(4 * interval)    # let the children of the last cell exit, then read the resting size
            end = sampler.sample()
    return LessonSize(lesson=path.stem, kernel_peak_mib=sampler.peak / MIB, kernel_end_mib=end / MIB, cpu_s=cpu_s,
                      wall_s=wall_s, widgets=driven[0], widget_changes=driven[1], cells=cells)


def kernel_pid(kernel_manager) -> int:
    """The process id of a kernel started by jupyter_client's local provisioner."""
    provisioner = getattr(kernel_manager, "provisioner", None)
    process = getattr(provisioner, "process", None)
    pid = getattr(process, "pid", None) or getattr(provisioner, "pid", None)
    if not pid:
        raise RuntimeError("cannot find the kernel's process (not a local kernel provisioner?)")
    return int(pid)


def _driven(cell) -> tuple[int, int, int]:
    text = "".join(out.get("text", "") for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    errors = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    if errors:
        raise RuntimeError(f"driving the widgets failed: {errors[0].get('ename')}: {errors[0].get('evalue')}")
    for line in text.splitlines():
        if line.startswith("SCALINGEDU_DRIVEN"):
            found, changes, failures = (int(each) for each in line.split()[1:4])
            return found, changes, failures
    raise RuntimeError(f"driving the widgets printed nothing recognisable: {text[:300]!r}")


# ---------------------------------------------------------------------------------------------------------------
# The Jupyter server
# ---------------------------------------------------------------------------------------------------------------

def measure_server(*, start_seconds: float = 120) -> float:
    """MiB resident of ``jupyter lab`` (the single-user server's application) after it served Lab's page once."""
    folder = Path(tempfile.mkdtemp(prefix="scalingedu-sizing-"))
    token = secrets.token_hex(16)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "IPYTHON"))}
    env.update(JUPYTER_CONFIG_DIR=str(folder / "config"), JUPYTER_DATA_DIR=str(folder / "data"),
               JUPYTER_RUNTIME_DIR=str(folder / "runtime"), IPYTHONDIR=str(folder / "ipython"))
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--port-retries=0",
               "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + start_seconds
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not start within {start_seconds:.0f} s")
            try:
                _get(f"{base}/api/status", token)
                break
            except (urllib.error.URLError, OSError):
                time.sleep(0.25)
        for path in ("/lab", "/lab/api/settings", "/api/kernelspecs", "/lab/api/extensions"):
            _get(base + path, token)
        with PeakSampler(server.pid) as sampler:
            time.sleep(1.0)
        return sampler.peak / MIB
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _get(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


# ---------------------------------------------------------------------------------------------------------------
# The table, its lines and the limits it gives
# ---------------------------------------------------------------------------------------------------------------

def run_sizing(root: Path, *, lessons: list[str] | None = None, emit=print) -> dict:
    """Measure every lesson (or the given stems), the live training and the server; emit lines; return the table."""
    from ..lessons import LESSONS
    table = {"machine": machine(), "lessons": {}, "lab_training": None, "server_mib": None}
    for lesson in LESSONS:
        stem = Path(lesson.notebook).stem
        if lessons and stem not in lessons and lesson.slug not in lessons:
            continue
        size = measure_lesson(root / lesson.notebook)
        table["lessons"][stem] = {key: round(value, 2) if isinstance(value, float) else value
                                  for key, value in asdict(size).items() if key not in ("lesson", "cells")}
        for line in lesson_lines(stem, table["lessons"][stem]):
            emit(line)
        training = [cell for cell in size.cells if cell["live_training"]]
        if training:
            cell = max(training, key=lambda each: each["cpu_s"])
            table["lab_training"] = {"lesson": stem, "cell": cell["index"], "peak_mib": round(cell["peak_mib"], 2),
                                     "cpu_s": round(cell["cpu_s"], 2), "wall_s": round(cell["wall_s"], 2)}
            emit(f"hub_lab_training_peak {cell['peak_mib']:.1f} MiB")
            emit(f"hub_lab_training_cpu {cell['cpu_s']:.2f} s")
            emit(f"hub_lab_training_wall {cell['wall_s']:.2f} s")
    table["server_mib"] = round(measure_server(), 2)
    table["machine"]["load_1min_end"] = round(os.getloadavg()[0], 2)   # the CPU was shared if this is high
    emit(f"hub_server_rss {table['server_mib']:.1f} MiB")
    if table["lessons"]:
        limits = derive_limits(table)
        table["limits"] = limits
        for key, value in limits.items():
            emit(f"hub_limit_{key} {value} {'MiB' if key.startswith('memory') else 'cores'}")
    return table


def lesson_lines(stem: str, row: dict) -> list[str]:
    return [f"hub_kernel_peak.{stem} {row['kernel_peak_mib']:.1f} MiB",
            f"hub_kernel_end.{stem} {row['kernel_end_mib']:.1f} MiB",
            f"hub_kernel_cpu.{stem} {row['cpu_s']:.2f} s",
            f"hub_kernel_wall.{stem} {row['wall_s']:.2f} s",
            f"hub_widgets_driven.{stem} {row['widgets']} widgets"]


def parse_lines(text: str) -> dict[str, tuple[float, str]]:
    """``name value unit`` lines (as ``scalingedu bench`` and ``bench-hub`` print them) as {name: (value, unit)};
    other lines (warnings, blank lines) are ignored."""
    parsed = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        name, value, unit = parts
        try:
            parsed[name] = (float(value), unit)
        except ValueError:
            continue
    return parsed


def machine() -> dict:
    """The conditions of a measurement."""
    memory = psutil.virtual_memory()
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "memory_gib": round(memory.total / 1024 ** 3, 1), "load_1min": round(os.getloadavg()[0], 2),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


MEMORY_GUARANTEE_STEP_MIB = 64
MEMORY_LIMIT_STEP_MIB = 128
MEMORY_HEADROOM = 1.5
CPU_STEP = 0.05
CPU_LIMIT_STEP = 0.5


def _round_up(value: float, step: float) -> float:
    return round(math.ceil(value / step - 1e-9) * step, 6)


def derive_limits(table: dict) -> dict:
    """Per-learner requests and limits from a sizing table. The rule:

    - memory guarantee = server + the *median* lesson's kernel peak, rounded up to 64 MiB (what a typical learner
      with one lesson open holds);
    - memory limit = 1.5 x (server + the *largest* lesson's kernel peak), rounded up to 128 MiB (the heaviest lesson
      with half again of headroom: a second open kernel, a learner's own experiments);
    - CPU guarantee = the largest lesson's CPU seconds spread over its core time in class (``Lesson.minutes[0]``),
      rounded up to 0.05 core and at least 0.05 (the average share a learner working through it uses);
    - CPU limit = the most cores any lesson kept busy while it ran (cpu_s / wall_s), rounded up to half a core and
      at least 1 (so no lesson runs slower on the hub than it did here).
    """
    from ..lessons import LESSONS
    rows = table["lessons"]
    server = table["server_mib"]
    peaks = [row["kernel_peak_mib"] for row in rows.values()]
    minutes = {Path(lesson.notebook).stem: lesson.minutes[0] for lesson in LESSONS}
    shares = [row["cpu_s"] / (minutes[stem] * 60) for stem, row in rows.items() if stem in minutes]
    cores = [row["cpu_s"] / row["wall_s"] for row in rows.values() if row["wall_s"] > 0]
    return {
        "memory_guarantee_mib": int(_round_up(server + statistics.median(peaks), MEMORY_GUARANTEE_STEP_MIB)),
        "memory_limit_mib": int(_round_up(MEMORY_HEADROOM * (server + max(peaks)), MEMORY_LIMIT_STEP_MIB)),
        "cpu_guarantee": max(CPU_STEP, _round_up(max(shares, default=0.0), CPU_STEP)),
        "cpu_limit": max(1.0, _round_up(max(cores, default=1.0), CPU_LIMIT_STEP)),
    }


def write_json(table: dict, path: Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(table, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def add_bench_hub_command(subparsers):
    parser = subparsers.add_parser(
        "bench-hub", help="measure each lesson's kernel memory and CPU and the server's memory, for hub sizing",
        description="Run every lesson in a fresh kernel and drive its widgets, sampling the kernel's memory (with "
                    "its children) every 50 ms; measure the Jupyter server; print 'name value unit' lines and the "
                    "per-learner limits they give (docs/deploy.md states the rule).")
    parser.add_argument("--json", type=Path, default=None, help="also write the table to this JSON file")
    parser.add_argument("--lessons", nargs="*", default=None,
                        help="only these lessons (stems like 04_chinchilla, or slugs); default: all")
    return parser


def run_bench_hub(args, root: Path) -> int:
    table = run_sizing(root, lessons=args.lessons, emit=lambda line: print(line, flush=True))
    if args.json is not None:
        write_json(table, args.json)
        print(f"wrote {args.json}", flush=True)
    return 0
