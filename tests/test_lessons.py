"""The lesson registry (scalingedu.lessons): every lesson's files exist, and every lesson file has an entry.

These are the tests that CONTRIBUTING.md's checklist for a new lesson leans on: a notebook, widget module, problem
set, solution or exercise without a registry entry fails here, and so does an entry whose files are missing.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from scalingedu.grading import problem_set, problem_sets
from scalingedu.lessons import LESSONS, Lesson, course_root, lesson, lessons_with_problem_sets
from scalingedu.tools.readme import lesson_table, readme_is_current
from scalingedu.widgets.base import LessonWidget

ROOT = Path(__file__).resolve().parent.parent
NOT_LESSON_MODULES = {"__init__", "base", "accessible"}   # the widget pattern and its screen-reader support


def _stems(folder: str, pattern: str) -> set[str]:
    return {p.stem for p in (ROOT / folder).glob(pattern)} - NOT_LESSON_MODULES


@pytest.mark.parametrize("each", LESSONS, ids=lambda each: each.slug)
def test_every_file_of_a_registered_lesson_exists(each: Lesson):
    missing = [name for name in each.files() if not (ROOT / name).is_file()]
    assert not missing, f"lesson {each.slug} is in scalingedu/lessons.py but these files are missing: {missing}"


@pytest.mark.parametrize("folder, pattern, name", [
    ("notebooks", "*.ipynb", lambda each: each.stem),
    ("solutions", "*.ipynb", lambda each: each.stem if each.has_problem_set else None),
    ("exercises", "*.ipynb", lambda each: each.stem if each.has_problem_set else None),
    ("scalingedu/widgets", "*.py", lambda each: each.slug),
    ("scalingedu/problems", "*.py", lambda each: each.slug if each.has_problem_set else None),
])
def test_every_lesson_file_belongs_to_a_registered_lesson(folder, pattern, name):
    registered = {name(each) for each in LESSONS} - {None}
    unregistered = _stems(folder, pattern) - registered
    assert not unregistered, (f"{folder}/ holds {sorted(unregistered)}, which no entry of scalingedu/lessons.py "
                              f"names: add the lesson to LESSONS (see CONTRIBUTING.md)")


def test_lessons_are_numbered_from_zero_without_gaps_and_slugs_are_unique():
    assert [each.number for each in LESSONS] == list(range(len(LESSONS)))
    slugs = [each.slug for each in LESSONS]
    assert len(set(slugs)) == len(slugs)
    prefixes = [each.legacy_prefix for each in LESSONS if each.legacy_prefix]
    assert len(set(prefixes)) == len(prefixes) and not set(prefixes) & set(slugs)


@pytest.mark.parametrize("each", LESSONS, ids=lambda each: each.slug)
def test_the_notebook_opens_with_the_registered_number_and_title(each: Lesson):
    notebook = nbformat.read(ROOT / each.notebook, as_version=4)
    first = notebook.cells[0].source.splitlines()[0]
    assert first.startswith(f"# {each.number:02d} · {each.title}"), first


@pytest.mark.parametrize("each", LESSONS, ids=lambda each: each.slug)
def test_the_widget_module_lists_its_widget_classes(each: Lesson):
    classes = each.widget_classes()
    assert classes, f"{each.widget_module_name}.WIDGETS is empty"
    assert all(isinstance(c, type) and issubclass(c, LessonWidget) for c in classes)
    notebook = nbformat.read(ROOT / each.notebook, as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    unused = [c.__name__ for c in classes if not re.search(rf"\b{c.__name__}\(", code)]
    assert not unused, f"{each.notebook} never shows these widgets of its module: {unused}"


def test_problem_sets_are_exactly_the_registered_ones_named_by_slug():
    assert list(problem_sets()) == [each.slug for each in lessons_with_problem_sets()]
    for each in lessons_with_problem_sets():
        assert problem_set(each.slug) is problem_set(each.stem) is each.problem_module().PROBLEM_SET


def test_lessons_are_found_by_slug_stem_or_number_and_a_bad_key_is_named():
    assert lesson("chinchilla") is lesson("04_chinchilla") is lesson(4)
    with pytest.raises(ValueError, match="unknown lesson 'chinchila'; the lessons are: start_here, power_laws"):
        lesson("chinchila")
    with pytest.raises(TypeError, match="slug, stem or number"):
        lesson(4.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(number=100), "number must be an integer from 0 to 99"),
    (dict(slug="Power-Laws"), "slug must be lower case"),
    (dict(minutes=(0, 20)), "core > 0"),
])
def test_a_malformed_lesson_record_is_refused(kwargs, message):
    fields = dict(number=1, slug="power_laws", title="t", topic="t", you_will="t", minutes=(10, 20))
    with pytest.raises(ValueError, match=message):
        Lesson(**{**fields, **kwargs})


def test_the_readme_lesson_table_is_written_from_the_registry():
    assert readme_is_current(ROOT), "README.md's lesson table is stale: run `scalingedu build-readme`"
    table = lesson_table()
    for each in LESSONS:
        assert f"]({each.notebook})" in table
        assert (f"]({each.exercise})" in table) == each.has_problem_set


def test_the_course_root_is_found_from_a_subfolder_and_beside_the_package(tmp_path):
    assert course_root(ROOT / "notebooks") == ROOT
    assert course_root(tmp_path) == ROOT   # an unrelated folder: the checkout beside the package
