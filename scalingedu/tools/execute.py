"""Run course notebooks: execute them top to bottom in a fresh kernel and save them with their outputs.

Lessons and solutions are committed executed, so a reader on GitHub sees every plot; ``scalingedu execute``
(or :func:`execute_in_place`) is how an author refreshes them. Execution starts in the notebook's own folder,
as JupyterLab does, and uses the current Python environment's kernel.
"""
from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNEL_NAME = "python3"


def execute(path: str | Path, *, timeout: int = 120) -> tuple[nbformat.NotebookNode, float]:
    """Execute a notebook in a fresh kernel; return the executed notebook and the seconds it took."""
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name=KERNEL_NAME, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - start


def execute_in_place(path: str | Path, *, timeout: int = 120) -> float:
    """Execute a notebook and write it back with its outputs; return the seconds execution took."""
    notebook, seconds = execute(path, timeout=timeout)
    notebook.metadata.pop("widgets", None)  # widget state is rebuilt by running; the PNG fallback serves readers
    nbformat.write(notebook, str(path))
    return seconds
