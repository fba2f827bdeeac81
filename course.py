#!/usr/bin/env python3
"""Set up the course in a local virtual environment, then open it or test it.

    python3 course.py lab     # set up .venv and open JupyterLab on notebooks/00_start_here.ipynb
    python3 course.py test    # set up .venv and run the whole test suite

Only the Python standard library is used here, so this runs on a fresh machine with nothing but Python 3.
Set-up is skipped when nothing changed: the venv records a fingerprint of pyproject.toml and the Python
version, and re-installs only when that fingerprint moves. Extra arguments go to JupyterLab or pytest.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".scalingedu-installed"
FIRST_LESSON = "notebooks/00_start_here.ipynb"
# The course's prebuilt JupyterLab extension (figures' alt text), and where JupyterLab looks for such extensions.
LAB_EXTENSION = ROOT / "scalingedu" / "labextension"
LAB_EXTENSION_NAME = "scalingedu-alt-text"
MIN_PYTHON = (3, 10)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def fingerprint() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def ensure_environment() -> Path:
    """Create .venv and install the course with its test extra, unless that is already done."""
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"scalingedu needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer; this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        print(f"[course] creating a virtual environment in {VENV.relative_to(ROOT)}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = fingerprint()
    if not (STAMP.exists() and STAMP.read_text() == wanted):
        print("[course] installing the course and its dependencies (first run only: about a minute) ...", flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"], check=True)
        STAMP.write_text(wanted)
    link_lab_extension()
    return python


def link_lab_extension() -> None:
    """Make the venv's JupyterLab load the course's prebuilt extension. An editable install (``pip install -e``)
    leaves out the package's data files, where a normal install puts it, so link it (or copy it, where links are
    not allowed) into ``.venv/share/jupyter/labextensions``."""
    target = VENV / "share" / "jupyter" / "labextensions" / LAB_EXTENSION_NAME
    if target.is_symlink() and target.resolve() == LAB_EXTENSION.resolve():
        return
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        target.symlink_to(LAB_EXTENSION, target_is_directory=True)
    except OSError:        # Windows without developer mode: a copy (refreshed when the link check fails next time)
        shutil.copytree(LAB_EXTENSION, target)


def run_lab(python: Path, extra: list[str]) -> int:
    command = [str(python), "-m", "jupyterlab", f"--ServerApp.root_dir={ROOT}", FIRST_LESSON]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # Jupyter refuses to run as root without it
    return subprocess.call(command + extra, cwd=ROOT)


def run_tests(python: Path, extra: list[str]) -> int:
    return subprocess.call([str(python), "-m", "pytest", *extra], cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"lab", "test", "setup"}:
        print(__doc__.strip())
        return 2
    python = ensure_environment()
    action, extra = argv[0], argv[1:]
    if action == "lab":
        return run_lab(python, extra)
    if action == "test":
        return run_tests(python, extra)
    print(f"[course] environment ready: {python}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
