"""Tests of problem set compute_budgets: the cluster decision, the team's MFU fit on a log with flaws, the
derivation, the rubric question, and three typical mistakes graded by the class grader."""
from __future__ import annotations

import numpy as np
import pytest
from typical_mistakes import Mistake, grade_mistakes

from scalingedu.compute import implied_mfu, training_flops
from scalingedu.data import accelerator, model
from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.grading.learner import as_learner
from scalingedu.problems import compute_budgets
from scalingedu.transformer import palm_flops_per_token, preset

SET = problem_set("compute_budgets")


def points(question_id: str, answer) -> float:
    return grade_answer(question_id, answer).points_earned


def run_mfus() -> np.ndarray:
    runs = compute_budgets.team_runs()
    return implied_mfu(training_flops(runs.params, runs.tokens), compute_budgets.RUNS_CHIP, runs.gpu_hours)


# The shape of the set ------------------------------------------------------------------------------------------------

def test_at_most_a_third_of_the_points_are_for_recall_or_a_single_computation():
    plain = sum(q.points for q in SET.questions if q.kind in ("recall", "compute"))
    assert plain <= SET.points / 3, (plain, SET.points)
    assert {"derive", "fit", "decide"} <= {q.kind for q in SET.questions}
    assert any(q.answer_kind == "choice" for q in SET.questions)
    assert any(q.rubric for q in SET.questions)


def test_the_rubric_question_has_criteria_worth_its_points_and_a_model_answer():
    q = question("compute_budgets.mfu_plan")
    assert 2 <= len(q.rubric) <= 4
    assert sum(c.points for c in q.rubric) == q.points
    assert len(q.model_answer.split()) >= 60
    assert points(q.id, q.model_answer) == 0   # a person scores it


# Which cluster -------------------------------------------------------------------------------------------------------

def test_the_cheapest_offer_in_time_is_neither_the_fastest_nor_the_cheapest_overall_nor_the_cheapest_hour():
    runs = {key: compute_budgets._offer_run(offer) for key, offer in compute_budgets.OFFERS.items()}
    right = compute_budgets._cheapest_in_time()
    assert runs[right].days <= compute_budgets.DEADLINE_DAYS
    fastest = min(runs, key=lambda key: runs[key].days)
    cheapest = min(runs, key=lambda key: runs[key].cost_dollars)
    cheapest_hour = min(compute_budgets.OFFERS, key=lambda key: compute_budgets.OFFERS[key].dollars_per_hour)
    assert len({right, fastest, cheapest, cheapest_hour}) == 4
    assert runs[cheapest].days > compute_budgets.DEADLINE_DAYS
    q = question("compute_budgets.cluster_choice")
    assert points(q.id, right) == q.points
    assert all(points(q.id, key) == 0 for key in (fastest, cheapest, cheapest_hour, "e"))


def test_the_days_and_costs_are_the_librarys_by_hand():
    chinchilla = model(compute_budgets.RUN_MODEL)
    flops = 6 * chinchilla.params * chinchilla.tokens
    for offer in compute_budgets.OFFERS.values():
        seconds = flops / (offer.n_accelerators * accelerator(offer.chip).peak_flops_per_second * offer.mfu)
        run = compute_budgets._offer_run(offer)
        assert run.seconds == pytest.approx(seconds)
        assert run.cost_dollars == pytest.approx(seconds / 3600 * offer.n_accelerators * offer.dollars_per_hour)


# The team's MFU ------------------------------------------------------------------------------------------------------

def test_team_runs_are_seeded_per_learner_and_returned_as_fresh_arrays():
    first = compute_budgets.team_runs()
    first.gpu_hours[:] = 0.0
    np.testing.assert_array_equal(compute_budgets.team_runs().gpu_hours, compute_budgets.team_runs().gpu_hours)
    assert np.all(compute_budgets.team_runs().gpu_hours > 0)
    with as_learner("ada.lovelace"):
        own = compute_budgets.team_runs().gpu_hours
    assert not np.allclose(own, compute_budgets.team_runs().gpu_hours)


@pytest.mark.parametrize("learner", [None, "ada.lovelace", "alan.turing"])
def test_a_mean_of_every_run_fails_and_the_plateau_without_the_mislabelled_run_passes(learner):
    with as_learner(learner):
        mfu = run_mfus()
        _, at_scale = compute_budgets._team_runs()
        q = question("compute_budgets.team_mfu")
        assert np.sum(mfu > 1) == 1                                # the mislabelled run cannot be right
        assert points(q.id, mfu.mean()) == 0
        assert points(q.id, mfu[mfu <= 1].mean()) == 0             # kept the small runs
        start = int(np.argmax(at_scale))
        with_bad = np.arange(mfu.size) >= start
        assert points(q.id, mfu[with_bad].mean()) == 0             # kept the mislabelled run
        assert points(q.id, mfu[at_scale].mean()) == q.points
        assert points(q.id, 100 * mfu[at_scale].mean()) == 0       # a percentage


def test_the_plateau_recovers_the_teams_mfu_and_small_runs_are_slower():
    mfu = run_mfus()
    _, at_scale = compute_budgets._team_runs()
    assert np.all(mfu[:3] < 0.7 * mfu[at_scale].mean())
    assert mfu[at_scale].std() / mfu[at_scale].mean() < 3 * compute_budgets.RUNS_NOISE


# The derivation ------------------------------------------------------------------------------------------------------

def test_forgetting_the_backward_pass_of_attention_fails_and_the_derived_function_passes():
    q = question("compute_budgets.flops_per_token")

    def derived(params, n_layers, n_heads, d_head, context):
        forward = 2 * 2 * n_heads * d_head * context   # two products of T·Q multiply-adds, 2 FLOPs each
        return 6 * params + 3 * n_layers * forward

    def forward_only(params, n_layers, n_heads, d_head, context):
        return 6 * params + 4 * n_layers * n_heads * d_head * context

    assert points(q.id, derived) == q.points
    assert points(q.id, forward_only) == 0
    assert points(q.id, palm_flops_per_token) == 0
    s = preset("Llama 3 8B")
    assert derived(8e9, s.n_layers, s.n_heads, s.d_head, 8192) == pytest.approx(
        palm_flops_per_token(8e9, s.n_layers, s.n_heads, s.d_head, 8192))


# Typical mistakes, graded by the class grader ------------------------------------------------------------------------

MISTAKES = [
    Mistake(
        "picks the cheapest run without checking the deadline",
        {"compute_budgets.cluster_choice": (
            "run_flops = 6 * chinchilla.params * chinchilla.tokens\n"
            "cost = {key: run_flops / (o.n_accelerators * accelerator(o.chip).peak_flops_per_second * o.mfu)\n"
            "             / 3600 * o.n_accelerators * o.dollars_per_hour\n"
            "        for key, o in compute_budgets.OFFERS.items()}\n"
            "cluster_choice = min(cost, key=cost.get)\n")},
        expected=13,   # the solution's 16 of 19 (mfu_plan's 3 wait for a person), cluster_choice's 3 lost
    ),
    Mistake(
        "averages the MFU of every run in the log",
        {"compute_budgets.team_mfu": (
            "h100 = accelerator(compute_budgets.RUNS_CHIP)\n"
            "run_mfu = 6 * runs.params * runs.tokens / (runs.gpu_hours * 3600 * h100.peak_flops_per_second)\n"
            "team_mfu = run_mfu.mean()\n")},
        expected=12,   # team_mfu's 4 lost: both value checks fail, the sign gate earns nothing
    ),
    Mistake(
        "counts attention's forward pass only, and gives Llama 2's MFU as a percentage",
        {
            "compute_budgets.flops_per_token": (
                "def training_flops_per_token(params, n_layers, n_heads, d_head, context):\n"
                "    return 6 * params + 4 * n_layers * n_heads * d_head * context\n"),
            "compute_budgets.implied_mfu": (
                "llama2 = model(compute_budgets.MFU_MODEL)\n"
                "a100 = accelerator(llama2.accelerator)\n"
                "llama2_mfu = 100 * 6 * llama2.params * llama2.tokens / (llama2.gpu_hours * 3600 * "
                "a100.peak_flops_per_second)\n"),
        },
        expected=12,   # flops_per_token's 3 and implied_mfu's 1 lost
    ),
]


def test_typical_mistakes_score_what_they_deserve(tmp_path):
    totals = grade_mistakes("compute_budgets", MISTAKES, tmp_path)
    assert all(total < SET.points - 3 for total in totals.values())
