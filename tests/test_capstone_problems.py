"""Problem set 09 (scalingedu.problems.capstone): per-learner briefs with a feasible plan, the plan checker's
feasibility and quality checks, the pilot fit, and typical mistakes graded as whole submissions.

The right answers are worked out here independently where it is cheap: the pilot fit with scipy's curve_fit on the
written-out law, the consistency check by hand, and the optimality of the checker's best plan by a local search
that tries to beat it (it must not find a feasible plan more than a hair better).
"""
import dataclasses
import math

import numpy as np
import pytest
from scipy.optimize import curve_fit
from typical_mistakes import Mistake, grade_mistakes

from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.grading.learner import as_learner
from scalingedu.problems import capstone as ps

LEARNERS = [f"learner{i:03d}" for i in range(25)]


def _plan_from(best, scale=0.9999) -> dict:
    lay = best["layout"]
    return {"params": best["params"], "tokens": scale * best["tokens"], "moe": False, "n_gpus": lay.n_gpus,
            "tp": lay.tp, "pp": lay.pp, "zero_stage": lay.zero_stage, "microbatches": lay.microbatches,
            "recompute": lay.recompute}


def _best():
    return ps._best_plan(ps.brief(), ps._law())


def _independent_rd_star() -> float:
    runs = ps.pilot_runs()
    keep = runs.loss <= runs.loss[0]
    law = ps.BASE_LAW

    def model(epochs, constant, rd):
        return constant + law.B / (runs.unique_tokens * (1 + rd * (1 - np.exp(-(epochs - 1) / rd)))) ** law.beta
    (_, rd), _ = curve_fit(model, runs.epochs[keep], runs.loss[keep], p0=[2.6, 15.0])
    return float(rd)


def _broken_by_hand(plan):
    def same(a, b):
        return abs(a - b) <= 1e-6 * abs(b)
    return sum([
        not same(6 * plan.params * plan.tokens, plan.flops),
        not same(plan.flops / (plan.n_accelerators * plan.accelerator.peak_flops_per_second * plan.mfu),
                 plan.seconds),
        not same(plan.n_accelerators * plan.seconds / 3600, plan.accelerator_hours),
        not same(plan.accelerator_hours * plan.dollars_per_accelerator_hour, plan.cost_dollars),
        plan.memory.total > (1 - plan.memory_headroom) * plan.memory.capacity,
        plan.seconds / 86400 > plan.deadline_days,
    ])


def _right_answers() -> dict:
    return {"capstone.pilot_fit": _independent_rd_star(), "capstone.plan_check": _broken_by_hand,
            "capstone.plan": _plan_from(_best()), "capstone.relax": ps._relax_answer(),
            "capstone.memo": " ".join(["word"] * 300)}


@pytest.mark.parametrize("learner", [None, "ada"])
def test_right_answers_earn_every_automatic_point(learner):
    with as_learner(learner):
        answers = _right_answers()
        problems = problem_set("capstone")
        assert list(answers) == list(problems.ids)
        for question_id, answer in answers.items():
            result = grade_answer(question_id, answer)
            if question(question_id).rubric:
                assert result.points_earned == 0      # a person scores the memo
                continue
            assert result.status == "passed", (question_id, result)


def test_the_set_keeps_recall_and_compute_under_a_third_and_has_every_kind_it_needs():
    problems = problem_set("capstone")
    kinds = {q.kind for q in problems.questions}
    recall = sum(q.points for q in problems.questions if q.kind in ("recall", "compute"))
    assert recall <= problems.points / 3
    assert {"fit", "decide", "design"} <= kinds
    assert any(q.answer_kind == "function" for q in problems.questions)
    assert any(q.answer_kind == "choice" for q in problems.questions)
    assert any(q.rubric for q in problems.questions)


def test_briefs_differ_between_learners_and_the_shared_one_stays_put():
    with as_learner(None):
        shared = ps.brief()
        assert ps.brief() == shared and shared.learner is None
    seen = set()
    for learner in LEARNERS[:10]:
        with as_learner(learner):
            b = ps.brief()
            assert b.learner == learner
            seen.add((b.budget_dollars, b.accelerator_name, b.deadline_days, b.unique_tokens))
    assert len(seen) == 10
    assert "everyone's shared brief" in str(shared) and "A100" in str(shared) or shared.accelerator_name in str(shared)


@pytest.mark.parametrize("learner", LEARNERS)
def test_every_brief_has_a_feasible_best_plan_inside_the_search(learner):
    with as_learner(learner):
        b, law = ps.brief(), ps._law()
        assert ps.BUDGET_RANGE[0] <= b.budget_dollars <= ps.BUDGET_RANGE[1] * 1.01
        assert ps.CLUSTER_RANGE[0] - 8 <= b.max_accelerators <= ps.CLUSTER_RANGE[1] + 8
        best = ps._best_plan(b, law)
        assert ps.SEARCH_PARAMS[5] < best["params"] < ps.SEARCH_PARAMS[-5]    # not at an end of the search
        plan = _plan_from(best)
        assert all(passed for passed, _ in ps.plan_verdicts(plan).values()), ps.plan_verdicts(plan)
        # the pilot fit recovers R_D* within the range it was drawn from
        assert 0.8 * ps.PILOT_RD_RANGE[0] < law.rd_star < 1.2 * ps.PILOT_RD_RANGE[1]


@pytest.mark.parametrize("learner", [None, "ada", "bob"])
def test_no_nearby_feasible_plan_beats_the_checkers_best(learner):
    """Other shapes near the best, each with the most tokens any layout allows, and the best shape on every
    other layout: none is better by more than 1e-4 nats."""
    with as_learner(learner):
        b, law = ps.brief(), ps._law()
        best = ps._best_plan(b, law)
        for factor in np.geomspace(0.7, 1.4, 15):
            shape = ps.shape_for_params(best["params"] * factor)
            tokens, layout = ps._most_tokens(shape, b)
            if layout is None:
                continue
            active = float(ps.count_params(shape).total)
            assert ps._predicted_loss(law, active, tokens, b.unique_tokens) >= best["loss"] - 1e-4


def test_the_independent_fit_agrees_with_the_checker_within_the_hidden_tolerance():
    for learner in (None, "ada", "bob"):
        with as_learner(learner):
            assert _independent_rd_star() == pytest.approx(ps._fitted_rd_star(), rel=1e-4)


@pytest.mark.parametrize("wrong", [
    lambda runs: runs.loss,                       # keeps the diverged run
])
def test_keeping_the_diverged_run_fails_the_public_fit_check(wrong):
    runs = ps.pilot_runs()
    constant, rd = ps._fit(runs.epochs, wrong(runs))
    assert not all(check(rd).passed for check in question("capstone.pilot_fit").public_checks)


def _public(plan):
    return [check(plan) for check in question("capstone.plan").public_checks]


def _hidden(plan):
    return [check(plan).passed for check in question("capstone.plan").hidden_checks]


@pytest.mark.parametrize("change, broken", [
    (dict(tp=1, zero_stage=1), "memory"),
    (dict(n_gpus=None), "layout"),                       # twice the accelerators the brief has
    (dict(tokens=None), "data"),                         # 4.5 epochs
    (dict(pp=2, microbatches=2), "deadline"),            # a 50% bubble on a plan that fills the deadline
])
def test_each_feasibility_check_fails_on_its_own_mistake(change, broken):
    b = ps.brief()
    plan = _plan_from(_best())
    if "n_gpus" in change:
        change = dict(n_gpus=2 * b.max_accelerators)
    if "tokens" in change:
        change = dict(tokens=4.5 * b.unique_tokens, params=plan["params"] * plan["tokens"] / (4.5 * b.unique_tokens))
    plan.update(change)
    verdicts = ps.plan_verdicts(plan)
    assert not verdicts[broken][0], verdicts
    results = _public(plan)
    assert not all(r.passed for r in results)
    assert not any(_hidden(plan))                        # quality counts only for a feasible plan


def test_a_plan_that_forgets_serving_breaks_the_budget():
    """Spending the whole budget on training (the planner's habit) leaves nothing for serving."""
    b = ps.brief()
    plan = _plan_from(_best())
    plan["tokens"] *= b.budget_dollars / ps.plan_accounting(plan, b)["training_dollars"]
    verdicts = ps.plan_verdicts(plan)
    assert not verdicts["budget"][0] and "serving" in verdicts["budget"][1], verdicts


def test_quality_earns_partial_credit_by_the_gap():
    best = _best()
    full = _plan_from(best)
    assert all(_hidden(full))
    half = dict(full, params=best["params"] / 2,
                tokens=0.9999 * min(ps.MAX_EPOCHS * ps.brief().unique_tokens, 2 * best["tokens"]))
    assert all(r.passed for r in _public(half))
    assert _hidden(half) == [True, True, False, False, False]


def test_an_moe_plan_scores_as_its_dense_twin_when_it_fits():
    full = _plan_from(_best())
    assert _hidden(dict(full, moe=True)) == _hidden(full)
    assert ps.plan_accounting(dict(full, moe=True), ps.brief())["memory"].total > \
        ps.plan_accounting(full, ps.brief())["memory"].total


@pytest.mark.parametrize("plan, message", [
    ([1, 2, 3], "must be a dict"),
    ({"params": 1e10}, "has no 'tokens'"),
    (None, "no plan yet"),
])
def test_a_malformed_plan_gets_a_message_that_names_the_key(plan, message):
    result = question("capstone.plan").public_checks[0](plan)
    assert not result.passed and message in result.message


def test_unreadable_values_name_the_key():
    plan = _plan_from(_best())
    for key, value, words in (("tp", 3, "plan['tp']"), ("recompute", "some", "plan['recompute']"),
                              ("moe", "yes", "plan['moe']"), ("n_gpus", 10.5, "plan['n_gpus']")):
        verdicts = ps.plan_verdicts(dict(plan, **{key: value}))
        assert not verdicts["read"][0] and words in verdicts["read"][1], (key, verdicts)


def test_the_relax_answer_is_the_largest_gain_and_not_a_near_tie_for_the_shared_brief():
    gains = ps._relax_gains()
    ordered = sorted(gains.values(), reverse=True)
    assert ordered[0] - ordered[1] > 1e-3
    assert ps._relax_answer() == max(gains, key=gains.get)


def test_the_reference_projects_plan_is_consistent_and_every_altered_copy_breaks_something():
    plans = [case[0] for case in ps._plans_public() + ps._plans_hidden()]
    counts = [_broken_by_hand(plan) for plan in plans]
    assert counts[0] == 0 and counts[3] == 0
    assert all(c > 0 for i, c in enumerate(counts) if i not in (0, 3))
    assert len(repr(plans[0])) < 100


@pytest.mark.parametrize("wrong", [
    lambda plan: 0,
    lambda plan: int(abs(6 * plan.params * plan.tokens - plan.flops) > 1e-6 * plan.flops),
])
def test_incomplete_plan_checkers_fail_a_public_check(wrong):
    assert not all(check(wrong).passed for check in question("capstone.plan_check").public_checks)


def test_the_brief_prints_every_constraint():
    text = str(ps.brief())
    for words in ("budget", "deadline", "accelerators available", "unique tokens", "inference demand",
                  "memory limit", "price", "MFU"):
        assert words in text


MISTAKES = [
    # 18 automatic points (3 + 3 + 10 + 2); the memo (6) is scored by a person later
    Mistake("ignores the memory limit: tp 1 and ZeRO-1 on the same cluster",
            {"capstone.plan": 'plan = dict(best, tp=1, zero_stage=1, tokens=0.9999 * best["tokens"])'},
            expected=18 - 1 - 5),
    Mistake("exceeds the data: the same compute on a smaller model for 4.5 epochs",
            {"capstone.plan": 'tokens = 4.5 * brief.unique_tokens\n'
                              'plan = dict(best, tokens=tokens, params=best["params"] * best["tokens"] / tokens)'},
            expected=18 - 1 - 5),
    Mistake("feasible but far from optimal: half the model size, to cut the serving bill, on up to 4 epochs",
            {"capstone.plan": 'plan = dict(best, params=best["params"] / 2,\n'
                              '            tokens=0.9999 * min(4 * brief.unique_tokens, 2 * best["tokens"]))'},
            expected=18 - 3),
]


def test_typical_mistakes_score_what_they_deserve(tmp_path):
    grade_mistakes("capstone", MISTAKES, tmp_path)


def test_the_shared_brief_makes_the_planner_disagree():
    """The planner cannot plan the shared brief on its cluster, and without the cap it breaks the epochs limit and
    leaves nothing for serving: the memo has something to argue with."""
    b = ps.brief()
    options = dict(mfu=b.mfu, dollars_per_accelerator_hour=b.dollars_per_accelerator_hour)
    with pytest.raises(ValueError, match="cannot be met"):
        ps.plan_run(b.budget_dollars, b.accelerator_name, b.deadline_days, b.unique_tokens, b.inference_tokens,
                    max_accelerators=b.max_accelerators, **options)
    reference = ps.plan_run(b.budget_dollars, b.accelerator_name, b.deadline_days, b.unique_tokens,
                            b.inference_tokens, **options)
    assert reference.epochs > b.max_epochs and reference.n_accelerators > b.max_accelerators
    assert math.isclose(reference.cost_dollars, b.budget_dollars, rel_tol=1e-3)
    assert dataclasses.is_dataclass(b)
