"""Static HTML of the lessons, for reading without a kernel: ``scalingedu export --out DIR``.

The lessons are committed executed (every plot is stored in the notebook), so exporting needs no kernel: nbconvert's
HTML exporter turns each ``notebooks/NN_name.ipynb`` into ``DIR/NN_name.html`` with its figures embedded, and
:func:`export_lessons` writes ``DIR/index.html`` linking them in learning order. Widgets show their first state as
the ordinary figure each lesson also draws; moving a slider needs a kernel (JupyterLab, Binder or Voilà).
The pages load MathJax from a CDN to typeset formulas; offline, formulas show as LaTeX source.
"""
from __future__ import annotations

import argparse
import html
from pathlib import Path

import nbformat


def lesson_title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    """The text of the lesson's first Markdown heading, or ``fallback``."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


def export_lessons(notebooks, out_dir) -> list[Path]:
    """Write one HTML page per notebook of ``notebooks`` (paths) and an ``index.html`` into ``out_dir``.

    Returns the pages written, index last. Raises FileNotFoundError for a missing notebook.
    """
    from nbconvert import HTMLExporter  # imported here: nbconvert is slow to import and only needed now

    paths = [Path(p) for p in notebooks]
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"notebook {str(path)!r} does not exist")
    if not paths:
        raise ValueError("give at least one notebook to export")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    written, entries = [], []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        title = lesson_title(notebook, path.stem)
        body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
        page = out / f"{path.stem}.html"
        page.write_text(body, encoding="utf-8")
        written.append(page)
        entries.append(f'<li><a href="{html.escape(page.name)}">{html.escape(title)}</a></li>')
    index = out / "index.html"
    index.write_text("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>scalingedu lessons"
                     "</title></head>\n<body>\n<h1>scalingedu: how foundation models scale</h1>\n<p>Static pages of "
                     "the lessons, with every plot. To move the sliders, open the notebooks in JupyterLab.</p>\n"
                     f"<ol>\n{chr(10).join(entries)}\n</ol>\n</body></html>\n", encoding="utf-8")
    written.append(index)
    return written


def add_export_command(subparsers) -> argparse.ArgumentParser:
    """Add ``export`` to the ``scalingedu`` command's subparsers."""
    parser = subparsers.add_parser("export", help="write static HTML pages of the lessons (no kernel needed)")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to export (default: every notebooks/*.ipynb of the course)")
    parser.add_argument("--out", type=Path, default=Path("html"), help="output folder (default: html/)")
    return parser


def run_export(args: argparse.Namespace, root: Path | None = None) -> int:
    """Run ``scalingedu export``; ``root`` is the course checkout (default: found from the current folder).

    Without named notebooks it exports every lesson of the registry (:data:`scalingedu.lessons.LESSONS`), in
    learning order.
    """
    notebooks = list(args.notebooks)
    if not notebooks:
        from ..lessons import LESSONS, course_root
        root = course_root() if root is None else Path(root)
        if root is None or not (root / "notebooks").is_dir():
            print("no notebooks/ folder found: run this in the course checkout or name the notebooks")
            return 2
        notebooks = [root / each.notebook for each in LESSONS]
    for page in export_lessons(notebooks, args.out):
        print(f"wrote {page}")
    return 0
