"""No notebook shows a figure's text instead of the figure (issue 15, item 5): an output whose text is a figure's repr
(``<Figure size 540x288 with 1 Axes>``) must carry the image too, as it does with the inline backend."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted([*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "solutions").glob("*.ipynb"),
                    *(ROOT / "exercises").glob("*.ipynb")])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_figure_output_carries_its_image(path):
    notebook = nbformat.read(path, as_version=4)
    bare = []
    for number, cell in enumerate(notebook.cells, start=1):
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else \
                output.get("data", {}).get("text/plain", "")
            if "<Figure size" in text and "image/png" not in output.get("data", {}):
                bare.append(number)
    assert not bare, f"{path.name}: cell(s) {bare} show a figure's repr without the figure"


def test_the_check_finds_a_bare_figure_repr(tmp_path):
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("figure", outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "<Figure size 540x288 with 1 Axes>"},
                               execution_count=1)])])
    path = tmp_path / "bad.ipynb"
    nbformat.write(bad, str(path))
    with pytest.raises(AssertionError, match="without the figure"):
        test_every_figure_output_carries_its_image(path)
