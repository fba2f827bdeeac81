"""How long a lesson takes: the times it declares, and an estimate from what it holds (``scalingedu pacing``).

A lesson declares its pace in two places (CONTRIBUTING.md, "Lesson shape"):

- its first cell says ``**Time:** about 40 minutes for the core path, plus 15 minutes of optional deep dives.``;
- every numbered section heading ends with its minutes, ``## 2. Three ways to find the optimum · 9 min``, and
  every optional block starts with a heading ``## Going further (optional): <title> · 6 min`` (or ``###``); the
  block runs to the next heading of the same or a higher level, and later cells never depend on it.

The estimate counts what a learner meets in a section: prose at :data:`WORDS_PER_MINUTE` (dense technical text,
read, thought about and checked against the plots), :data:`MINUTES_PER_CODE_CELL` for each code cell run and read,
and :data:`MINUTES_PER_WIDGET` for each widget played with. The three rates are a least-squares fit (rounded) to the
self-paced times that the learner reviews of December 2026 measured by working through the ten lessons as they
were then (fitted 51 words/min, 0.74 min per code cell, 3.2 min per widget; within 20% of the measured midpoint
for eight lessons, and 25% and 60% too long for the two easiest, 01 and 00, so it errs towards more time). The
tests hold the declared times against it, so a lesson cannot claim a pace its text does not allow.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

WORDS_PER_MINUTE = 50
MINUTES_PER_CODE_CELL = 0.75
MINUTES_PER_WIDGET = 3.0
CORE_LIMIT_MINUTES = 45
"""The longest core path a lesson may have (the workshop agenda gives a lesson 30–45 minutes)."""

TIME_LINE = re.compile(r"\*\*Time:\*\* about (\d+) minutes for the core path"
                       r"(?:, plus (\d+) minutes of optional deep dives)?\.")
SECTION = re.compile(r"^(#{2,3}) (\d+)\. (.+?) · (\d+) min\s*$")
DEEP_DIVE = re.compile(r"^(#{2,3}) Going further \(optional\): (.+?) · (\d+) min\s*$")
ANY_HEADING = re.compile(r"^(#{1,6}) (.+)$")
QUICK_CHECK = re.compile(r"\*Check your understanding:?\*", re.IGNORECASE)
FOLD = "<details>"


@dataclass
class Section:
    """One numbered section or one optional deep dive, and what it holds."""

    title: str
    optional: bool
    declared_minutes: int
    first_cell: int
    cells: list[int] = field(default_factory=list)
    words: int = 0
    code_cells: int = 0
    widgets: int = 0
    quick_checks: int = 0

    @property
    def estimated_minutes(self) -> float:
        return (self.words / WORDS_PER_MINUTE + self.code_cells * MINUTES_PER_CODE_CELL
                + self.widgets * MINUTES_PER_WIDGET)


@dataclass
class LessonPacing:
    """A lesson's declared times and its sections (numbered and optional), in order."""

    path: Path
    declared_core: int | None
    declared_deep: int
    sections: list[Section]
    unpaced_headings: list[str]

    @property
    def core(self) -> list[Section]:
        return [s for s in self.sections if not s.optional]

    @property
    def deep_dives(self) -> list[Section]:
        return [s for s in self.sections if s.optional]

    @property
    def core_minutes(self) -> int:
        return sum(s.declared_minutes for s in self.core)

    @property
    def deep_minutes(self) -> int:
        return sum(s.declared_minutes for s in self.deep_dives)

    @property
    def estimated_core(self) -> float:
        return sum(s.estimated_minutes for s in self.core)

    @property
    def estimated_deep(self) -> float:
        return sum(s.estimated_minutes for s in self.deep_dives)

    def optional_cells(self) -> set[int]:
        return {i for s in self.deep_dives for i in s.cells}


def _words(markdown: str) -> int:
    text = re.sub(r"<[^>]+>|\$[^$]*\$|\]\([^)]*\)", " ", markdown)   # tags, inline maths, link targets
    return len(re.findall(r"[A-Za-z0-9][\w'’.,%×-]*", text))


def lesson_pacing(path, widget_names: tuple[str, ...] = ()) -> LessonPacing:
    """Read a lesson notebook: its Time line, sections with their minutes, and what each section holds.

    ``widget_names`` are the lesson's widget classes; a code cell that builds one counts as a widget. Cells before
    the first numbered section (objectives) and from "Key takeaways" on count towards no section.
    """
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    first = "".join(cells[0]["source"]) if cells else ""
    time = TIME_LINE.search(first)
    core = int(time.group(1)) if time else None
    deep = int(time.group(2) or 0) if time else 0
    sections: list[Section] = []
    unpaced: list[str] = []
    current: Section | None = None       # the section cells now belong to
    parent: Section | None = None        # the numbered section a deep dive sits in
    deep_level = 0
    names = "|".join(map(re.escape, widget_names))
    widget_call = re.compile(rf"\b(?:{names})\(") if widget_names else None
    for index, cell in enumerate(cells):
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for line in source.splitlines():
                heading = ANY_HEADING.match(line)
                if not heading or index == 0 and line.startswith("# "):
                    continue
                level = len(heading.group(1))
                numbered, optional = SECTION.match(line), DEEP_DIVE.match(line)
                if optional:
                    current = Section(optional.group(2), True, int(optional.group(3)), index)
                    sections.append(current)
                    deep_level = level
                elif numbered:
                    current = parent = Section(numbered.group(3), False, int(numbered.group(4)), index)
                    sections.append(current)
                    deep_level = 0
                elif level == 2:     # Key takeaways, References, or a numbered section without its minutes
                    if re.match(r"^## \d+\.", line):
                        unpaced.append(line)
                    current = parent = None
                    deep_level = 0
                elif current is not None and current.optional and level <= deep_level:
                    current, deep_level = parent, 0      # a deep dive ends at a heading of its level
        if current is None:
            continue
        current.cells.append(index)
        if cell["cell_type"] == "markdown":
            current.words += _words(source)
            current.quick_checks += len(QUICK_CHECK.findall(source))
        elif cell["cell_type"] == "code":
            current.code_cells += 1
            if widget_call and widget_call.search(source):
                current.widgets += 1
    return LessonPacing(Path(path), core, deep, sections, unpaced)


def quick_checks_without_fold(path) -> list[int]:
    """Cells holding a quick-check question whose answer fold is not in the same cell or the very next one."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    missing = []
    for index, cell in enumerate(cells):
        source = "".join(cell["source"])
        if cell["cell_type"] != "markdown" or not QUICK_CHECK.search(source):
            continue
        after = source[QUICK_CHECK.search(source).end():]
        following = cells[index + 1] if index + 1 < len(cells) else None
        next_is_fold = (following is not None and following["cell_type"] == "markdown"
                        and "".join(following["source"]).lstrip().startswith(FOLD))
        if FOLD not in after and not next_is_fold:
            missing.append(index)
    return missing


def pacing_report(root: Path) -> str:
    """The table ``scalingedu pacing`` prints: every lesson's declared and estimated minutes, section by section."""
    from ..formatting import table
    from ..lessons import LESSONS
    rows = []
    for each in LESSONS:
        names = tuple(cls.__name__ for cls in each.widget_classes())
        pacing = lesson_pacing(Path(root) / each.notebook, names)
        rows.append((each.stem, "", pacing.core_minutes, f"{pacing.estimated_core:.0f}", pacing.deep_minutes,
                     f"{pacing.estimated_deep:.0f}", sum(s.quick_checks for s in pacing.sections)))
        for section in pacing.sections:
            rows.append(("", ("(optional) " if section.optional else "") + section.title[:48],
                         "" if section.optional else section.declared_minutes,
                         "" if section.optional else f"{section.estimated_minutes:.0f}",
                         section.declared_minutes if section.optional else "",
                         f"{section.estimated_minutes:.0f}" if section.optional else "", section.quick_checks))
    return table(rows, ["lesson", "section", "core min", "estimate", "deep-dive min", "estimate", "checks"])


def run_without_deep_dives(path, widget_names: tuple[str, ...] = (), *, timeout: int = 180) -> list[int]:
    """Execute a lesson with its optional deep dives left out; return the optional cells that were removed.

    Raises ``nbclient.exceptions.CellExecutionError`` (naming the failing cell) when a later cell needs something
    only a deep dive defines: a learner who skips it would meet that error.
    """
    import nbformat
    from nbclient import NotebookClient
    path = Path(path)
    optional = lesson_pacing(path, widget_names).optional_cells()
    notebook = nbformat.read(path, as_version=4)
    notebook.cells = [cell for index, cell in enumerate(notebook.cells) if index not in optional]
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return sorted(optional)


if __name__ == "__main__":     # python -m scalingedu.tools.pacing [--skip-deep-dives notebooks/NN_slug.ipynb ...]
    import sys

    from ..lessons import LESSONS
    if sys.argv[1:2] == ["--skip-deep-dives"]:
        for name in sys.argv[2:]:
            match = next(each for each in LESSONS if Path(name).name == Path(each.notebook).name)
            removed = run_without_deep_dives(name, tuple(c.__name__ for c in match.widget_classes()))
            print(f"{name}: ran without its {len(removed)} optional cells")
    else:
        print(pacing_report(Path.cwd()))
