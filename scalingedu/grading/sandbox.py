"""The sandbox each submission's kernel runs in when a class is graded: bubblewrap (Debian's ``bubblewrap``).

A submission is code written by a learner, run on the instructor's machine. :class:`Sandbox` wraps the command
that starts its kernel so that the kernel, and everything it starts,

- sees a read-only view of the operating system, the Python environment and the course library, and nothing
  else of the grading machine: not the other submissions, not the instructor's ``solutions/`` or output folder,
  not the grading account's home;
- writes only to its own scratch folder, which holds the copy of its submission, its HOME, IPYTHONDIR and TMPDIR,
  and the sockets the grader talks to it through (and to a private, empty ``/tmp`` that ends with it);
- has no network (a new network namespace with only loopback), its own process namespace (it cannot see or
  signal the grader, and when the kernel ends every process it started ends with it), no capabilities, a new
  session (no terminal to write into), and the environment the grader chose for it
  (:func:`scalingedu.grading.submission.kernel_environment`);
- is killed with its parent: if the grader dies, nothing of the submission runs on.

The grader talks to the kernel over Unix-domain sockets in the scratch folder (ZeroMQ's ``ipc`` transport),
which need no network, and interrupts it with an interrupt message rather than a signal (the kernel is not in the
grader's process group). Limits on memory, processes and CPU time are set in the kernel before the submission's
first cell (:data:`scalingedu.grading.submission.KERNEL_LIMITS`).

Where bubblewrap is missing or cannot create namespaces, :func:`sandbox_problem` says why, and the grader refuses
to run submissions unless told ``--no-sandbox``.
"""
from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

BWRAP = "bwrap"

SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc", "/opt")
"""Read-only in every sandbox: programs, shared libraries, and /etc (fonts, locales, the dynamic linker's
configuration). Nothing here is the instructor's."""

NO_SANDBOX_RISKS = ("without a sandbox each notebook runs as you: it can read your files and the other "
                    "submissions, use the network, and leave processes running after grading")


def library_folder() -> Path:
    """The folder of the installed ``scalingedu`` package (what a kernel imports)."""
    return Path(__file__).resolve().parent.parent


def python_folders() -> list[Path]:
    """The folders a kernel's Python needs: the environment (a venv) and the installation it was made from."""
    folders = []
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        path = Path(prefix).resolve()
        if path not in folders:
            folders.append(path)
    return folders


@functools.lru_cache(maxsize=1)
def sandbox_problem() -> str:
    """Why submissions cannot be sandboxed on this machine ("" when they can): bubblewrap is missing, or it
    cannot create the namespaces (as in some containers)."""
    if shutil.which(BWRAP) is None:
        return "bubblewrap (the `bwrap` command) is not installed; on Debian or Ubuntu: apt-get install bubblewrap"
    trial = [BWRAP, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--new-session",
             "--cap-drop", "ALL", "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        done = subprocess.run(trial, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap could not be run ({error})"
    if done.returncode != 0:
        said = " ".join(done.stderr.split())[:200] or f"exit status {done.returncode}"
        return f"bubblewrap cannot create a sandbox on this machine ({said})"
    return ""


class Sandbox:
    """How one submission's kernel is confined: its ``scratch`` folder (the only writable place) and the
    ``library`` folder mounted read-only where the course package is imported from (by default the installed
    package; a class's learners' copy to keep hidden checks out of the kernel's reach)."""

    def __init__(self, scratch: Path, *, work: Path, library: Path | None = None):
        self.scratch = Path(scratch).resolve()
        self.work = Path(work).resolve()
        self.library = Path(library).resolve() if library is not None else library_folder()

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` (the kernel's command) wrapped in bubblewrap."""
        wrapped = [BWRAP, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                   "--hostname", "submission", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        for folder in SYSTEM_FOLDERS:
            wrapped += ["--ro-bind-try", folder, folder]
        for folder in python_folders():
            wrapped += ["--ro-bind", str(folder), str(folder)]
        installed = library_folder()
        wrapped += ["--ro-bind", str(self.library), str(installed)]
        # ipykernel would take the grader's pid (meaningless in the sandbox's process namespace) for its parent's
        # and shut down; 1 tells it not to watch its parent (--die-with-parent ends the kernel with the grader).
        wrapped += ["--setenv", "JPY_PARENT_PID", "1"]
        wrapped += ["--bind", str(self.scratch), str(self.scratch), "--remount-ro", "/"]
        wrapped += ["--chdir", str(self.work), "--", *argv]
        return wrapped


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside a :class:`Sandbox` and talks to it through Unix sockets.

    Set :attr:`sandbox` before the kernel starts. The connection file and the sockets live in the sandbox's
    scratch folder, so the kernel (which sees only that folder) can reach them.
    """

    sandbox: Sandbox | None = None

    def prepare(self, sandbox: Sandbox) -> None:
        """Use ``sandbox``: its scratch holds the connection file and the sockets (ZeroMQ ``ipc`` transport)."""
        self.sandbox = sandbox
        sockets = sandbox.scratch / "sockets"
        sockets.mkdir(parents=True, exist_ok=True)
        self.transport = "ipc"
        self.ip = str(sockets / "kernel")
        self.connection_file = str(sandbox.scratch / "connection.json")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        if self.sandbox is None:
            raise RuntimeError("SandboxedKernelManager.prepare(sandbox) must be called before the kernel starts")
        return self.sandbox.command(command)

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            # The kernel leads its own session inside the sandbox: a signal to the grader's process group would
            # not reach it, an interrupt message does (ipykernel then signals its own process group).
            spec.interrupt_mode = "message"
        return spec


SANDBOX_PROCESSES = 64
"""At most this many processes (and threads count as processes) may run in one sandbox."""
SANDBOX_MEMORY_BYTES = 6 * 2**30
"""At most this much resident memory, summed over the processes of one sandbox (each process's address space is
also limited in the kernel, see :data:`scalingedu.grading.submission.KERNEL_MEMORY_BYTES`)."""
WATCH_SECONDS = 0.1


def _children_table() -> dict[int, list[int]]:
    """``{parent pid: [child pids]}`` of every process on the machine, read from /proc."""
    table: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name (field 2) may hold spaces and parentheses: the parent pid is the 2nd field after it
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        table.setdefault(parent, []).append(int(entry.name))
    return table


def descendants(pid: int) -> list[int]:
    """The processes started, directly or not, by process ``pid`` (not ``pid`` itself)."""
    table, found, stack = _children_table(), [], [pid]
    while stack:
        for child in table.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _threads_and_memory(pids: list[int]) -> tuple[int, int]:
    """The number of threads and the resident bytes of processes ``pids`` (those that still exist)."""
    threads = resident = 0
    page = 4096
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            statm = Path(f"/proc/{pid}/statm").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("Threads:"):
                threads += int(line.split()[1])
        resident += int(statm[1]) * page
    return threads, resident


class Watchdog:
    """Watches the processes of one sandbox from outside it, and kills the sandbox when they exceed
    :data:`SANDBOX_PROCESSES` threads or :data:`SANDBOX_MEMORY_BYTES` of resident memory (a fork bomb, many
    processes each under the per-process memory limit). ``reason`` says what happened, "" while nothing did."""

    def __init__(self, pid: int, *, processes: int = SANDBOX_PROCESSES, memory: int = SANDBOX_MEMORY_BYTES):
        self.pid = pid
        self.processes = processes
        self.memory = memory
        self.reason = ""
        self.peak_memory = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"sandbox-watchdog-{pid}", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_SECONDS):
            inside = descendants(self.pid)
            threads, resident = _threads_and_memory(inside)
            self.peak_memory = max(self.peak_memory, resident)
            if threads > self.processes:
                self.reason = f"it ran more than {self.processes} processes and threads at once"
            elif resident > self.memory:
                self.reason = f"its processes held more than {self.memory / 2**30:g} GiB of memory together"
            if self.reason:
                with contextlib.suppress(OSError):    # --die-with-parent: everything inside ends with bwrap
                    os.kill(self.pid, signal.SIGKILL)
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
