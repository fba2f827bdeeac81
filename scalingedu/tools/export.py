"""Static HTML of the lessons, for reading without a kernel: ``scalingedu export --out DIR``.

The lessons are committed executed (every plot is stored in the notebook), so exporting needs no kernel: nbconvert's
HTML exporter turns each ``notebooks/NN_name.ipynb`` into ``DIR/NN_name.html`` with its figures embedded, and
:func:`export_lessons` writes ``DIR/index.html`` linking them in learning order. Widgets show their first state as
the ordinary figure each lesson also draws; moving a slider needs a kernel (JupyterLab, Binder or Voilà).
Formulas are typeset offline: the pages load MathJax 2.7 from ``DIR/mathjax/``, a copy of the files that the PyPI
package ``jupyter-server-mathjax`` installs (nothing comes from a CDN), with its STIX web fonts.
"""
from __future__ import annotations

import argparse
import html
import shutil
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


MATHJAX_FOLDER = "mathjax"
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
MATHJAX_FONTS = ('<script type="text/x-mathjax-config">MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], '
                 'preferredFont: null, webFont: "STIX-Web", imageFont: null}});</script>')
"""The packaged MathJax holds the STIX web fonts only (not MathJax's TeX fonts): tell it to use them."""


def mathjax_source() -> Path:
    """The folder of MathJax 2.7 files installed by the ``jupyter-server-mathjax`` package."""
    try:
        import jupyter_server_mathjax
    except ImportError as missing:
        raise FileNotFoundError("offline formulas need the package jupyter-server-mathjax (pip install "
                                "jupyter-server-mathjax, or re-run the course's set-up command)") from missing
    folder = Path(jupyter_server_mathjax.__file__).resolve().parent / "static"
    if not (folder / "MathJax.js").is_file():
        raise FileNotFoundError(f"jupyter-server-mathjax is installed but {folder / 'MathJax.js'} is missing")
    return folder


def copy_mathjax(out: Path) -> Path:
    """Copy MathJax next to the pages (``out/mathjax``), so that they typeset formulas without a network."""
    target = Path(out) / MATHJAX_FOLDER
    if not (target / "MathJax.js").is_file():
        shutil.copytree(mathjax_source(), target, dirs_exist_ok=True)
    return target


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
    exporter = HTMLExporter(template_name="lab", mathjax_url=f"{MATHJAX_FOLDER}/MathJax.js?config={MATHJAX_CONFIG}")
    copy_mathjax(out)
    written, entries = [], []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        title = lesson_title(notebook, path.stem)
        body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
        body = body.replace("</head>", f"{MATHJAX_FONTS}\n</head>", 1)
        if "widgets" not in notebook.metadata:   # require.js serves embedded widgets only: no request to a CDN
            body = body.replace(f'<script src="{exporter.require_js_url}"></script>', "", 1)
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
