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
    install_lab_extension()
    return python


def install_lab_extension() -> None:
    """Install the course's prebuilt JupyterLab extension into the venv. An editable install (``pip install -e``)
    leaves out the package's data files, where a normal install puts them, so copy the extension into
    ``.venv/share/jupyter/labextensions`` (again whenever it changed). A copy, not a symbolic link: Voilà's file
    server refuses (403) a file whose real path lies outside its folder, and JupyterLab's may one day too."""
    target = VENV / "share" / "jupyter" / "labextensions" / LAB_EXTENSION_NAME
    if not target.is_symlink() and _same_files(target, LAB_EXTENSION):
        return
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(LAB_EXTENSION, target)


def _same_files(copy: Path, original: Path) -> bool:
    """Whether folder ``copy`` holds exactly the files of ``original``, byte for byte (the extension is 8 KB)."""
    if not copy.is_dir():
        return False
    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    return files(copy) == files(original)


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
