"""Run a notebook in a fresh kernel and then one more cell, a probe, in the same kernel (for tests)."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell


def run_then_probe(path: Path, probe_source: str, *, timeout: int = 180) -> str:
    """Execute every cell of ``path`` (from its own folder, as JupyterLab does), then ``probe_source``;
    return what the probe printed."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        probe = new_code_cell(probe_source)
        notebook.cells.append(probe)
        client.execute_cell(probe, len(notebook.cells) - 1)
    return "".join(output.get("text", "") for output in probe.outputs if output.output_type == "stream")
