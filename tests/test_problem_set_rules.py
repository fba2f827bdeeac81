"""The rules every problem set follows (issue 14): learners do the science, not only plug numbers in."""
from __future__ import annotations

import pytest

from scalingedu.grading import problem_sets


@pytest.mark.parametrize("set_id", list(problem_sets()))
def test_every_problem_set_asks_for_derivations_fits_decisions_and_reasoning(set_id):
    owner = problem_sets()[set_id]
    questions = owner.questions
    plugged = sum(q.points for q in questions if q.kind in ("recall", "compute"))
    assert plugged <= owner.points / 3, f"{set_id}: {plugged:g} of {owner.points:g} points for recall or compute"
    assert any(q.kind == "derive" and q.answer_kind == "function" for q in questions), "no derivation"
    assert any(q.kind == "fit" for q in questions), "no fit"
    assert any(q.answer_kind == "choice" for q in questions), "no graded decision"
    written = [q for q in questions if q.rubric]
    assert written, "no question answered in the learner's own words"
    for q in written:
        assert q.model_answer and len(q.rubric) >= 2, q.id
