"""The glossary (scalingedu/glossary.py, docs/glossary.md): every lesson links the first mention of each term."""
from __future__ import annotations

from pathlib import Path

import pytest

from scalingedu.glossary import TERMS, Term, first_mentions, glossary_page, lesson_mentions, link, term
from scalingedu.lessons import LESSONS, Lesson

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("each", LESSONS, ids=lambda each: each.slug)
def test_every_glossary_term_is_linked_at_its_first_mention_in_the_lesson(each: Lesson):
    unlinked = [f"cell {m.cell}: {m.text!r} -> {link(m.term.id, m.text)}"
                for m in lesson_mentions(ROOT / each.notebook) if not m.linked]
    assert not unlinked, f"{each.notebook}: first mentions without their glossary link:\n" + "\n".join(unlinked)


def test_the_glossary_page_is_written_from_the_registry():
    assert (ROOT / "docs/glossary.md").read_text(encoding="utf-8") == glossary_page(), \
        "docs/glossary.md is out of date: run scalingedu build-readme"


def test_every_term_has_an_anchor_and_is_taught_in_a_lesson():
    page = glossary_page()
    assert len({t.id for t in TERMS}) == len(TERMS)
    for each in TERMS:
        assert f'<a id="{each.id}"></a>' in page
        assert 0 <= each.taught_in < len(LESSONS)


def test_first_mentions_skip_headings_code_and_other_links_and_see_line_breaks():
    cells = [(0, "# MFU in a heading\n\nA `MFU` in code, and [a paper on MFU](https://example.org)."),
             (1, "Here the model FLOPs utilisation, or MFU, first appears."),
             (2, "Then [pipeline\nparallelism](../docs/glossary.md#pipeline-parallelism) across a line break.")]
    found = {m.term.id: m for m in first_mentions(cells)}
    assert (found["mfu"].cell, found["mfu"].linked) == (1, False)
    assert found["pipeline-parallelism"].linked
    assert found["flop"].cell == 1 and found["flop"].text == "FLOPs"


def test_a_link_to_the_wrong_entry_does_not_count():
    found = {m.term.id: m for m in first_mentions([(0, "[MFU](../docs/glossary.md#hfu) is not HFU.")])}
    assert not found["mfu"].linked


def test_terms_refuse_bad_ids_and_unknown_terms_name_the_valid_ones():
    with pytest.raises(ValueError, match="lower case"):
        Term("Bad Id", "x", "x", "y", 1)
    with pytest.raises(ValueError, match="mfu"):
        term("no-such-term")


def test_a_glossary_link_with_other_words_is_the_terms_mention_and_urls_are_not_prose():
    found = {m.term.id: m for m in first_mentions([(0, "Train [compute-optimally](../docs/glossary.md#compute-optimal)"
                                                        " and see [the docs](https://x.org/compute-optimal).")])}
    assert found["compute-optimal"].linked and found["compute-optimal"].text == "compute-optimally"
