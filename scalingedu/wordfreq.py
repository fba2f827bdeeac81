"""Word frequencies of real English text, for testing Zipf's law offline.

Zipf's law says that the r-th most common word of a text appears about ``C / r^s`` times with s close to 1: a
power law in the rank, a straight line of slope about -1 on log–log axes (Zipf 1949, "Human Behavior and the
Principle of Least Effort"). The course checks it on text that ships with every CPython installation: the
``pydoc_data.topics`` module holds the help texts that ``help('if')`` and friends print (about 0.5 MB of English
documentation with code examples). The text is read at run time and never copied into the repository.

Counting is deliberately simple and deterministic: lower-case the text, take runs of ASCII letters (with an inner
apostrophe, as in "don't") as words, count them, and sort by count (ties broken alphabetically).

The fit of :func:`zipf_fit` is least squares on log count against log rank, which is the classic way to draw
Zipf's line but not a sound way to *test* a power law: Clauset, Shalizi & Newman 2009 ("Power-law distributions in
empirical data", SIAM Review 51, 661) show that such fits are biased and cannot tell a power law from, say, a
log-normal. The lesson uses it to estimate a slope, not to prove the law.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from . import _validate as v
from .powerlaw import PowerLaw, fit_power_law

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def python_docs_text() -> str:
    """The English help texts of the running Python (``pydoc_data.topics``), joined in a fixed order.

    The content changes a little between Python releases (about 460–510 thousand characters for 3.10–3.13).
    """
    try:
        from pydoc_data.topics import topics
    except ImportError as error:  # some trimmed-down Python builds leave pydoc_data out
        raise RuntimeError("this Python has no pydoc_data module, so its documentation text is not available; "
                           "pass any other English text to the wordfreq functions instead") from error
    return "\n".join(topics[key] for key in sorted(topics))


def _check_text(text) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    return text


def words(text: str) -> list[str]:
    """The words of ``text`` in order, lower-cased: runs of letters a–z, keeping inner apostrophes ("don't")."""
    return _WORD.findall(_check_text(text).lower())


def word_counts(text: str) -> Counter:
    """How often each word occurs in ``text`` (a ``collections.Counter``); raises ValueError if there are none."""
    counts = Counter(words(text))
    if not counts:
        raise ValueError("text contains no words (no letters a-z), so there is nothing to count")
    return counts


@dataclass(frozen=True)
class RankFrequency:
    """Words sorted from most to least common: ``counts[i]`` is how often ``words[i]`` occurs; rank = i + 1."""

    words: tuple[str, ...]
    counts: np.ndarray

    @property
    def ranks(self) -> np.ndarray:
        """Ranks 1, 2, 3, ... as floats, ready for a log axis."""
        return np.arange(1, len(self.words) + 1, dtype=float)

    @property
    def total(self) -> int:
        """Number of word tokens in the text (the sum of all counts)."""
        return int(self.counts.sum())

    def __len__(self) -> int:
        return len(self.words)


def rank_frequency(text: str) -> RankFrequency:
    """Count the words of ``text`` and sort them by count, most common first (ties alphabetically)."""
    counts = word_counts(text)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return RankFrequency(words=tuple(word for word, _ in ordered),
                         counts=np.array([count for _, count in ordered], dtype=float))


def zipf_fit(table: RankFrequency, *, min_count: int = 10) -> PowerLaw:
    """Fit count = a·rank^b to the words that occur at least ``min_count`` times; Zipf's law predicts b ≈ -1.

    Rare words are left out because their counts are small integers dominated by chance (a count of 3 could as well
    have been 1 or 6), which flattens the tail into steps. The fit is ordinary least squares on the logarithms
    (:func:`scalingedu.powerlaw.fit_power_law`); see the module docstring for why that estimates a slope but does
    not test the law.
    """
    if not isinstance(table, RankFrequency):
        raise TypeError(f"table must be a RankFrequency from rank_frequency(text), not {type(table).__name__}")
    min_count = v.positive_int("min_count", min_count, minimum=1)
    keep = table.counts >= min_count
    if keep.sum() < 3:
        raise ValueError(f"only {int(keep.sum())} word(s) occur at least min_count = {min_count} times; "
                         f"a fit needs 3 or more: lower min_count or use a longer text")
    return fit_power_law(table.ranks[keep], table.counts[keep])
