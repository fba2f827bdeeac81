"""Whose numbers: the learner id that seeds a problem set's data, so that two learners of a class get different ones.

A problem set draws its data from a seed (``power_laws.measurements()`` from ``SEED_PURE``). Passed through
:func:`learner_seed`, that seed stays as written while no learner is set (self-paced learners and the solution
notebooks see the same numbers as always) and becomes a seed of the learner's own when one is: the checks compute
their expected values from the same data at check time, so they follow the learner too.

Where the id comes from, first found wins:

1. ``SCALINGEDU_LEARNER`` in the kernel's environment. The class grader sets it from the roster (the learner the
   submission's file name names, see :mod:`scalingedu.grading.roster`), so what counts at grading is the roster's
   id, whatever the notebook says; LMS exports that rename files keep the learner's name or id in the file name;
2. :func:`set_learner` called in the notebook (the first cell of a class's exercises: ``set_learner("your id")``).

The grader computes each learner's expected values from that learner's id (:func:`as_learner`), so a classmate's
copied numbers do not pass.
"""
from __future__ import annotations

import contextlib
import hashlib
import os

ENVIRONMENT_VARIABLE = "SCALINGEDU_LEARNER"
LONGEST_ID = 100

_chosen: list[str | None] = [None]
"""The id set by :func:`set_learner` or :func:`as_learner` in this process (module state, like check's record)."""


def _valid(learner: str) -> str:
    if not isinstance(learner, str):
        raise TypeError(f"learner must be your id as text, such as \"ada.lovelace\", not {type(learner).__name__}")
    learner = learner.strip()
    if not learner or len(learner) > LONGEST_ID or not learner.isprintable():
        raise ValueError(f"learner must be your id from the class roster: 1 to {LONGEST_ID} printable characters "
                         f"(got {learner!r})")
    return learner


def set_learner(learner: str) -> str | None:
    """Use ``learner``'s own data in this kernel's problem sets (your id from the class roster); returns it.

    An empty id keeps everyone's shared data (and says how to get your own). When your instructor grades, the
    roster's id counts, whatever the notebook says."""
    if isinstance(learner, str) and not learner.strip():
        _chosen[0] = None
        print("No id given: this notebook uses everyone's shared data. Put your id from the class roster between "
              "the quotes and run the cell again to work on your own numbers.")
        return None
    _chosen[0] = _valid(learner)
    print(f"This notebook now uses the data of learner {_chosen[0]!r}.")
    return _chosen[0]


def current_learner() -> str | None:
    """The learner whose data the problem sets use now: the grader's (environment), else :func:`set_learner`'s,
    else None (everyone's shared data)."""
    from_grader = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    return from_grader or _chosen[0]


@contextlib.contextmanager
def as_learner(learner: str | None):
    """Within the block, the problem sets' data and expected values are ``learner``'s (None: the shared ones).
    The grader grades each submission inside one."""
    saved, saved_environment = _chosen[0], os.environ.pop(ENVIRONMENT_VARIABLE, None)
    _chosen[0] = None if learner is None else _valid(learner)
    try:
        yield
    finally:
        _chosen[0] = saved
        if saved_environment is not None:
            os.environ[ENVIRONMENT_VARIABLE] = saved_environment


def learner_seed(seed: int) -> int:
    """``seed`` itself when no learner is set; otherwise a seed drawn from the learner's id and ``seed`` (the same
    every time, different for every learner)."""
    learner = current_learner()
    if learner is None:
        return seed
    digest = hashlib.sha256(f"{learner}\0{seed}".encode()).digest()
    return int.from_bytes(digest[:4], "big")
