"""Shared by the figure tests: a figure's description (its alt text), checked to be plain words."""
from __future__ import annotations

from scalingedu.plotting import description


def plain_description(figure) -> str:
    """The description ``describe`` attached to ``figure``; fails if there is none or it holds LaTeX ($, \\)."""
    text = description(figure)
    assert text and "$" not in text and "\\" not in text, text      # plain words: no LaTeX
    return text
