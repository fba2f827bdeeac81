"""Lessons a learner can finish: each declares its time, section by section, and keeps its core path short.

The conventions (CONTRIBUTING.md, "Lesson shape") and the estimator are in ``scalingedu/tools/pacing.py``. These
tests hold every lesson to them: a Time line, minutes on every numbered section that add up to it and are no less
than the estimate, a core path of at most 45 minutes, a quick check with its answer folded in every numbered
section, and optional deep dives that can be skipped (the last test runs each lesson without them).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from scalingedu.lessons import LESSONS, Lesson
from scalingedu.tools.pacing import (
    CORE_LIMIT_MINUTES,
    lesson_pacing,
    quick_checks_without_fold,
    run_without_deep_dives,
)

ROOT = Path(__file__).resolve().parent.parent
MAX_CODE_LINES = 15


def _pacing(each: Lesson):
    return lesson_pacing(ROOT / each.notebook, tuple(cls.__name__ for cls in each.widget_classes()))


@pytest.mark.parametrize("each", LESSONS, ids=lambda each: each.slug)
def test_the_lesson_opens_with_its_time_and_every_section_shows_its_minutes(each: Lesson):
    pacing = _pacing(each)
    assert pacing.declared_core is not None, (
        f"{each.notebook}: the first cell needs '**Time:** about N minutes for the core path, plus M minutes of "
        f"optional deep dives.'")
    assert not pacing.unpaced_headings, f"{each.notebook}: sections without ' · N min': {pacing.unpaced_headings}"
    assert 3 <= len(pacing.core) <= 6, f"{each.notebook}: {len(pacing.core)} numbered sections (3 to 6 wanted)"
    assert pacing.core_minutes == pacing.declared_core, (
        f"{each.notebook}: the sections' minutes add up to {pacing.core_minutes}, the Time line says "
        f"{pacing.declared_core}")
    assert pacing.deep_minutes == pacing.declared_deep, (
        f"{each.notebook}: the deep dives' minutes add up to {pacing.deep_minutes}, the Time line says "
        f"{pacing.declared_deep}")


@pytest.mark.parametrize("each", LESSONS, ids=lambda each: each.slug)
def test_the_core_path_takes_at_most_45_minutes_and_no_section_claims_less_than_its_estimate(each: Lesson):
    pacing = _pacing(each)
    assert pacing.core_minutes <= CORE_LIMIT_MINUTES, f"{each.notebook}: core path {pacing.core_minutes} min"
    short = [(s.title, s.declared_minutes, round(s.estimated_minutes)) for s in pacing.sections
             if s.declared_minutes < round(s.estimated_minutes)]
    assert not short, f"{each.notebook}: sections declaring less than their estimate (title, declared, est.): {short}"


@pytest.mark.parametrize("each", LESSONS, ids=lambda each: each.slug)
def test_the_registry_and_the_readme_give_the_lessons_own_times(each: Lesson):
    pacing = _pacing(each)
    assert each.minutes == (pacing.declared_core, pacing.declared_deep), (
        f"scalingedu/lessons.py gives {each.slug} minutes={each.minutes}; its notebook says "
        f"({pacing.declared_core}, {pacing.declared_deep})")


@pytest.mark.parametrize("each", LESSONS, ids=lambda each: each.slug)
def test_every_numbered_section_has_a_quick_check_with_its_answer_folded(each: Lesson):
    pacing = _pacing(each)
    without = [s.title for s in pacing.core if s.quick_checks == 0]
    assert not without, f"{each.notebook}: numbered sections without a quick check: {without}"
    unfolded = quick_checks_without_fold(ROOT / each.notebook)
    assert not unfolded, (f"{each.notebook}: quick checks whose answer is not folded in the same or the next cell "
                          f"(cells {unfolded})")


@pytest.mark.parametrize("each", LESSONS, ids=lambda each: each.slug)
def test_lesson_code_cells_are_short_enough_to_read_as_the_argument(each: Lesson):
    cells = json.loads((ROOT / each.notebook).read_text(encoding="utf-8"))["cells"]
    long = []
    for index, cell in enumerate(cells):
        lines = [line for line in "".join(cell["source"]).splitlines()
                 if line.strip() and not line.strip().startswith("#")]
        if cell["cell_type"] == "code" and len(lines) > MAX_CODE_LINES:
            long.append((index, len(lines)))
    assert not long, (f"{each.notebook}: code cells over {MAX_CODE_LINES} lines (cell, lines): {long}; move the "
                      f"plotting into scalingedu/figures/{each.slug}.py")


# --- the estimator and the parser themselves ------------------------------------------------------------------

def _notebook(tmp_path, *markdown_and_code) -> Path:
    cells = [{"cell_type": kind, "source": text, "metadata": {}, **({"outputs": [], "execution_count": None}
                                                                     if kind == "code" else {})}
             for kind, text in markdown_and_code]
    path = tmp_path / "lesson.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_the_parser_reads_sections_deep_dives_and_what_they_hold(tmp_path):
    words = " ".join(["word"] * 100)
    path = _notebook(
        tmp_path,
        ("markdown", "# 99 · Test\n\n**Time:** about 9 minutes for the core path, plus 4 minutes of optional "
                     "deep dives.\n\n" + words),
        ("markdown", "## 1. First · 5 min\n\n" + words),
        ("code", "x = 1"),
        ("code", "w = Explorer(); w"),
        ("markdown", "### Going further (optional): Detail · 4 min\n\n" + words),
        ("code", "y = 2"),
        ("markdown", "### Back in the section\n\n*Check your understanding:* why?\n\n<details><summary>Answer"
                     "</summary>because</details>"),
        ("markdown", "## 2. Second · 4 min\n\nshort"),
        ("markdown", "## Key takeaways\n\n" + words),
    )
    pacing = lesson_pacing(path, ("Explorer",))
    assert (pacing.declared_core, pacing.declared_deep) == (9, 4)
    first, deep, second = pacing.sections
    assert (first.title, first.optional, first.code_cells, first.widgets, first.quick_checks) == ("First", False, 2,
                                                                                                  1, 1)
    assert first.cells == [1, 2, 3, 6]             # the deep dive's cells are not the section's
    assert deep.optional and deep.cells == [4, 5] and deep.code_cells == 1
    assert second.cells == [7]                     # Key takeaways belongs to no section
    assert pacing.optional_cells() == {4, 5}
    assert first.estimated_minutes == pytest.approx(first.words / 50 + 2 * 0.75 + 3.0)
    assert quick_checks_without_fold(path) == []


def test_a_quick_check_answered_by_a_code_cell_before_its_fold_is_found(tmp_path):
    path = _notebook(tmp_path, ("markdown", "*Check your understanding:* how many?"), ("code", "print(140)"),
                     ("markdown", "<details><summary>Answer</summary>140</details>"))
    assert quick_checks_without_fold(path) == [0]


def test_a_numbered_heading_without_minutes_is_reported(tmp_path):
    path = _notebook(tmp_path, ("markdown", "# 99 · Test"), ("markdown", "## 1. No minutes here"))
    assert lesson_pacing(path).unpaced_headings == ["## 1. No minutes here"]


# --- deep dives can be skipped -------------------------------------------------------------------------------

@pytest.mark.parametrize("each", LESSONS, ids=lambda each: each.slug)
def test_a_learner_who_skips_every_deep_dive_can_run_the_rest_of_the_lesson(each: Lesson):
    removed = run_without_deep_dives(ROOT / each.notebook, tuple(cls.__name__ for cls in each.widget_classes()))
    assert removed or not _pacing(each).deep_dives


def test_the_workshop_agenda_gives_each_lesson_at_least_its_core_path():
    import re as regex
    text = (ROOT / "docs/instructors.md").read_text(encoding="utf-8")
    rows = regex.findall(r"^\| (\d):(\d\d)–(\d):(\d\d) \| [^|]*\((\d\d)\)[^|]*\|", text, flags=regex.MULTILINE)
    assert len(rows) >= 3, "docs/instructors.md's agenda has no lesson slots"
    for h1, m1, h2, m2, number in rows:
        slot = (int(h2) * 60 + int(m2)) - (int(h1) * 60 + int(m1))
        core = next(each for each in LESSONS if each.number == int(number)).minutes[0]
        assert slot >= core, f"the agenda gives lesson {number} {slot} min; its core path takes {core}"
