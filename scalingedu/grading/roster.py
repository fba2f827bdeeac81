"""A class roster: which learner each submission belongs to, who handed in nothing, and what no one can place.

A roster is a CSV file with a column ``id`` (a learner's id as it appears in the submissions' file or folder names:
a user name, a student number, an e-mail address) and, optionally, ``name``. A submission belongs to the learner
whose id appears in its path as a whole token (``alice/04_chinchilla.ipynb``, ``alice_04_chinchilla.ipynb``,
``smith_12345_04_chinchilla.ipynb`` for id 12345), compared without regard to case. LMS exports that rename files
keep the learner's id or user name in the name, which is why the file name is where the id is looked for.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Roster:
    """The learners of a class: ``ids`` in the roster's order, and ``names`` by id (empty where not given)."""

    ids: tuple[str, ...]
    names: dict[str, str]


@dataclass(frozen=True)
class RosterMatch:
    """``learner`` of each submission (None when no id, or more than one, appears in it); roster ids that no
    submission belongs to (``missing``); submissions that belong to no learner (``unknown``)."""

    learner: dict[str, str | None]
    missing: tuple[str, ...]
    unknown: tuple[str, ...]


def read_roster(path: str | Path) -> Roster:
    """Read a roster CSV (column ``id``, optionally ``name``); ValueError naming the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"roster {str(path)!r} does not exist")
    with open(path, newline="", encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
        header = [h.strip().lower() for h in (rows[0].keys() if rows else [])]
    if "id" not in header:
        raise ValueError(f"roster {path.name} needs a column named 'id' (found: {', '.join(header) or 'nothing'})")
    ids, names = [], {}
    for number, row in enumerate(rows, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        learner = row["id"]
        if not learner:
            raise ValueError(f"roster {path.name}, line {number}: the id is empty")
        if learner.lower() in (i.lower() for i in ids):
            raise ValueError(f"roster {path.name}, line {number}: the id {learner!r} appears twice")
        ids.append(learner)
        names[learner] = row.get("name", "")
    return Roster(tuple(ids), names)


def _appears(learner: str, text: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(learner.lower())}(?![a-z0-9])", text.lower()) is not None


def match_roster(roster: Roster, submissions: list[str]) -> RosterMatch:
    """Place each submission (its path as shown in the gradebook) with the roster's learners."""
    learner = {}
    for name in submissions:
        found = [each for each in roster.ids if _appears(each, name)]
        learner[name] = found[0] if len(found) == 1 else None
    placed = set(learner.values())
    return RosterMatch(learner, tuple(i for i in roster.ids if i not in placed),
                       tuple(name for name, who in learner.items() if who is None))
