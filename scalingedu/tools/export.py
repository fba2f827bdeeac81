"""Static HTML of the lessons, for reading without a kernel: ``scalingedu export --out DIR``.

The lessons are committed executed (every plot is stored in the notebook), so exporting needs no kernel: nbconvert's
HTML exporter turns each ``notebooks/NN_name.ipynb`` into ``DIR/NN_name.html`` with its figures embedded, and
:func:`export_lessons` writes ``DIR/index.html`` linking them in learning order. Widgets show their first state as
the ordinary figure each lesson also draws; moving a slider needs a kernel (JupyterLab, Binder or Voilà).
Formulas are typeset offline: the pages load MathJax 2.7 from ``DIR/mathjax/``, a copy of the files that the PyPI
package ``jupyter-server-mathjax`` installs (nothing comes from a CDN), with its STIX web fonts.

The pages are meant to meet WCAG 2.1 AA (issue 19; ``tests/test_accessibility_export.py`` runs axe-core on them):
they use nbconvert's lab template through ``templates/scalingedu_accessible/``, which adds ``static/accessible.css``
(prompts, code highlighting and links whose colours have a contrast of at least 4.5:1) and gives each figure the
alt text its notebook output carries; :func:`make_accessible` then sets the page's language and title, keeps its
headings in order and names links whose only text is a formula; MathJax is told to add its assistive MathML, which
screen readers read, next to each typeset formula.

Figure descriptions (alt text) follow nbconvert's convention: ``output.metadata["image/png"]["alt"]`` of the
output that holds the PNG (what ``display(fig, metadata={"image/png": {"alt": "..."}})`` and IPython's
``Image(..., alt="...")`` write); failing that ``output.metadata["alt"]``, then the cell's ``metadata["alt"]``.
A figure without one keeps nbconvert's placeholder alt text and gets the attribute ``data-undescribed="true"``
(:data:`UNDESCRIBED_ATTRIBUTE`), which :func:`undescribed_figures` counts.
"""
from __future__ import annotations

import argparse
import html
import re
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
MATHJAX_PAGE_CONFIG = (
    '<script type="text/x-mathjax-config">MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], '
    'preferredFont: null, webFont: "STIX-Web", imageFont: null}, menuSettings: {assistiveMML: true}});\n'
    'MathJax.Hub.Register.StartupHook("End Config", function () {var loaded = MathJax.Hub.config.extensions; '
    'if (loaded.indexOf("AssistiveMML.js") < 0) {loaded.push("AssistiveMML.js");}});</script>')
"""MathJax settings that the export adds to each page. The packaged MathJax holds the STIX web fonts only (not
MathJax's TeX fonts): tell it to use them. Load the ``AssistiveMML`` extension (``extensions/AssistiveMML.js`` of
jupyter-server-mathjax) and switch it on: next to each typeset formula, which it hides from screen readers, it puts
a visually hidden MathML copy, which screen readers read (WCAG 1.1.1, 1.3.1)."""

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "scalingedu_accessible"
"""nbconvert's lab template plus figure alt text and ``static/accessible.css`` (package data of scalingedu.tools)."""
ACCESSIBLE_CSS = TEMPLATES / TEMPLATE_NAME / "static" / "accessible.css"
LANGUAGE = "en"
UNDESCRIBED_ATTRIBUTE = "data-undescribed"
"""Set (to "true") on the ``<img>`` of each figure whose notebook output carries no alt text."""
UNDESCRIBED_ALT = "No description has been provided for this image"
"""nbconvert's placeholder alt text, which such a figure keeps (honest to a screen reader's user)."""


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
    exporter = HTMLExporter(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)],
                            language_code=LANGUAGE,
                            mathjax_url=f"{MATHJAX_FOLDER}/MathJax.js?config={MATHJAX_CONFIG}")
    copy_mathjax(out)
    written, entries = [], []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        title = lesson_title(notebook, path.stem)
        body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
        body = body.replace("</head>", f"{MATHJAX_PAGE_CONFIG}\n</head>", 1)
        if "widgets" not in notebook.metadata:   # require.js serves embedded widgets only: no request to a CDN
            body = body.replace(f'<script src="{exporter.require_js_url}"></script>', "", 1)
        body = make_accessible(body, title)
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


def make_accessible(page: str, title: str) -> str:
    """What nbconvert's page lacks for WCAG 2.1 A/AA, added to ``page`` (HTML): ``<html lang="en">``, a ``<title>``
    (``title``), headings that never skip a level (an ``<h4>`` right under an ``<h2>`` becomes an ``<h3>``, and so
    does the ``<h4>`` next to it; the first heading becomes an ``<h1>``; a heading with no text becomes a ``<div>``,
    keeping its id), and a ``title`` for each link whose only text is a
    formula: axe-core and some screen readers find no name in MathJax's output, while an ``aria-label`` would
    differ from the typeset text (italic 𝑁 is not N) and break WCAG 2.5.3 instead."""
    from bs4 import BeautifulSoup  # nbconvert's own dependency, which it uses on the same page

    soup = BeautifulSoup(page, features="html.parser")
    root = soup.find("html")
    if root is not None and not root.get("lang"):
        root["lang"] = LANGUAGE
    head = soup.find("head")
    if head is not None and not (head.title and head.title.get_text(strip=True)):
        if head.title is None:
            head.insert(0, soup.new_tag("title"))
        head.title.string = title
    body = soup.find("body") or soup
    open_sections = []   # (level written by the author, level given) of each heading the next one may sit under
    for heading in body.find_all(re.compile(r"^h[1-6]$")):
        text = "".join(piece for piece in heading.find_all(string=True)   # not the "¶" of nbconvert's anchor
                       if piece.find_parent("a", class_="anchor-link") is None)
        if not text.strip():
            heading.name = "div"
            continue
        written = int(heading.name[1])
        while open_sections and open_sections[-1][0] >= written:
            open_sections.pop()
        level = open_sections[-1][1] + 1 if open_sections else 1
        heading.name = f"h{level}"
        open_sections.append((written, level))
    for link in body.find_all("a"):
        text = link.get_text().strip()
        formula = re.fullmatch(r"\$+([^$]+)\$+|\\\((.+)\\\)", text)
        if formula and not link.get("title") and not link.get("aria-label"):
            link["title"] = _formula_as_text(formula.group(1) or formula.group(2))
    return str(soup)


def _formula_as_text(tex: str) -> str:
    """A plain reading of a short TeX formula, for a link's title: ``6ND`` stays, ``\\alpha_{t}`` gives ``alpha t``."""
    text = re.sub(r"\\([A-Za-z]+)", r" \1 ", tex)
    text = re.sub(r"[{}_^\\]", " ", text)
    return " ".join(text.split())


def undescribed_figures(page: str) -> int:
    """How many figures of an exported page (HTML text) carry no description: their notebook output had no alt."""
    return len(re.findall(rf"<img\b[^>]*\b{UNDESCRIBED_ATTRIBUTE}=", page))


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
    undescribed = 0
    for page in export_lessons(notebooks, args.out):
        print(f"wrote {page}")
        undescribed += undescribed_figures(page.read_text(encoding="utf-8"))
    if undescribed:
        print(f"{undescribed} figure(s) have no description for screen readers: give each figure's output the alt "
              'text in output.metadata["image/png"]["alt"] (see scalingedu/tools/export.py)')
    return 0
