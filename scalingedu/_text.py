"""Prose written in the source: long texts (statements, hints, sources) are triple-quoted and indented as code.

:func:`prose` turns such a text into what a reader sees: the common indentation removed, the lines of a paragraph
joined with single spaces, paragraphs kept apart by a blank line, and Markdown list items (``- ...``) and table
rows (``| ...``) kept on lines of their own.
"""
from __future__ import annotations

import re
import textwrap

_OWN_LINE = re.compile(r"^(- |\* |\d+\. |\|)")


def prose(text: str) -> str:
    """The text as a reader sees it (see the module docstring); a text without line breaks is returned as it is."""
    if "\n" not in text:
        return text
    paragraphs = []
    for block in re.split(r"\n\s*\n", textwrap.dedent(text).strip()):
        lines: list[str] = []
        for line in block.splitlines():
            line = line.strip()
            if lines and not _OWN_LINE.match(line):
                lines[-1] += " " + line
            else:
                lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)
