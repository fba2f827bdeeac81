"""The README's lesson table and docs/glossary.md, written from their registries: ``scalingedu build-readme [--check]``.

The table sits between two marker lines in README.md; everything else in the README is prose that authors edit.
A test fails when the table differs from what :func:`lesson_table` writes from :data:`scalingedu.lessons.LESSONS`.
"""
from __future__ import annotations

from pathlib import Path

from ..glossary import GLOSSARY_PAGE, glossary_page
from ..lessons import LESSONS, Lesson

BEGIN = "<!-- lesson table: written by `scalingedu build-readme` from scalingedu/lessons.py -->"
END = "<!-- end of lesson table -->"


def _row(each: Lesson) -> str:
    lesson_link = f"[{each.number:02d} {each.title}]({each.notebook})"
    core, deep = each.minutes
    time = f"{core} min" + (f" + {deep} optional" if deep else "")
    problems = f"[problem set]({each.exercise})" if each.has_problem_set else "—"
    return f"| {lesson_link} | {each.topic} | {each.you_will} | {time} | {problems} |"


def lesson_table() -> str:
    """The Markdown table of every lesson in the registry, between its marker lines."""
    rows = [_row(each) for each in LESSONS]
    return "\n".join([BEGIN, "| lesson | topic | you will | time | practice |", "|---|---|---|---|---|",
                      *rows, END])


def _replaced(text: str, table: str) -> str:
    if BEGIN not in text or END not in text:
        raise ValueError(f"README.md must hold the lesson table's marker lines:\n{BEGIN}\n{END}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + table + tail


def readme_is_current(root: Path) -> bool:
    """True when README.md's lesson table and docs/glossary.md are what the registries write."""
    path = Path(root) / "README.md"
    text = path.read_text(encoding="utf-8")
    return _replaced(text, lesson_table()) == text and glossary_is_current(root)


def glossary_is_current(root: Path) -> bool:
    path = Path(root) / GLOSSARY_PAGE
    return path.is_file() and path.read_text(encoding="utf-8") == glossary_page()


def write_readme(root: Path) -> bool:
    """Rewrite README.md's lesson table from the registry, and docs/glossary.md from the glossary; return True
    when a file changed."""
    path = Path(root) / "README.md"
    text = path.read_text(encoding="utf-8")
    new = _replaced(text, lesson_table())
    if new != text:
        path.write_text(new, encoding="utf-8")
    changed = new != text
    if not glossary_is_current(root):
        (Path(root) / GLOSSARY_PAGE).write_text(glossary_page(), encoding="utf-8")
        changed = True
    return changed
