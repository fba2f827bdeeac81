"""Problem set 09 (scalingedu.problems.capstone): right answers earn every point, typical mistakes fail a public check.

The right answers below are worked out here without the planner's functions: the loss of Muennighoff et al. 2023
(huggingface/datablations README, Eq. 5 with effective data and parameters) is written out by hand from the fit's
constants, optima are found with scipy's scalar minimiser, and the memory with the ZeRO (Rajbhandari et al. 2020,
§3.1) and Korthikanti et al. 2022 (Table 2: 34·s·b·h/t with sequence parallelism and selective recomputation)
formulas.
"""
import dataclasses
import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar

from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.laws import HOFFMANN_2022
from scalingedu.planning import allocate_compute
from scalingedu.problems import capstone as ps
from scalingedu.returns import data_constrained_optimal
from scalingedu.transformer import count_params

LAW = ps.LAW


def _loss(params, tokens, unique):
    """Muennighoff et al.'s data-constrained loss, written out (a run shorter than the data sees `tokens` unique)."""
    unique = np.minimum(unique, tokens)
    g = (LAW.alpha * LAW.A / (LAW.beta * LAW.B)) ** (1 / (LAW.alpha + LAW.beta))
    base_params = np.minimum(params, (unique * g) ** (LAW.beta / LAW.alpha) * g)
    excess = params / base_params - 1
    n_eff = base_params * (1 + LAW.rn_star * (1 - np.exp(-excess / LAW.rn_star)))
    repeats = np.maximum(tokens / unique - 1, 0)
    d_eff = unique * (1 + LAW.rd_star * (1 - np.exp(-repeats / LAW.rd_star)))
    return LAW.E + LAW.A / n_eff ** LAW.alpha + LAW.B / d_eff ** LAW.beta


def _tokens_for_loss(params, loss, unique):
    """Training tokens at which `params` reaches `loss`: the law inverted for D (inf if it never does)."""
    g = (LAW.alpha * LAW.A / (LAW.beta * LAW.B)) ** (1 / (LAW.alpha + LAW.beta))
    base_params = min(params, (unique * g) ** (LAW.beta / LAW.alpha) * g)
    n_eff = base_params * (1 + LAW.rn_star * (1 - math.exp(-(params / base_params - 1) / LAW.rn_star)))
    rest = loss - LAW.E - LAW.A / n_eff ** LAW.alpha
    if rest <= 0:
        return math.inf
    saturation = (LAW.B / rest) ** (1 / LAW.beta) / unique - 1       # = R_D*·(1 - exp(-repeats/R_D*))
    if saturation >= LAW.rd_star:
        return math.inf
    if saturation > 0:
        return unique * (1 - LAW.rd_star * math.log(1 - saturation / LAW.rd_star))
    # at most one epoch: the unique data seen is the run's own tokens, so solve the law for them numerically
    def gap(log_tokens):
        return _loss(params, math.exp(log_tokens), math.exp(log_tokens)) - loss

    if gap(math.log(unique)) > 0:
        return math.inf
    return math.exp(brentq(gap, 0.0, math.log(unique), xtol=1e-12))


def _best_log_params(objective, centre):
    result = minimize_scalar(objective, bounds=(centre - 3.0, centre + 3.0), method="bounded",
                             options={"xatol": 1e-9})
    return result.x


def _lifetime_optimum(loss, unique, demand, centre):
    """Sardana et al.: the (params, tokens) of least 6ND + 2NI among models that reach `loss`."""
    def lifetime(log_params):
        n = math.exp(log_params)
        return 6 * n * _tokens_for_loss(n, loss, unique) + 2 * n * demand
    n = math.exp(_best_log_params(lifetime, centre))
    return n, _tokens_for_loss(n, loss, unique)


def _right_answers() -> dict:
    """Answers a learner following the statements would give, computed here without the planner."""
    chip = ps.accelerator()
    flops = ps.BUDGET_DOLLARS / ps.PRICE * 3600 * chip.peak_flops_per_second * ps.MFU

    g = (LAW.alpha * LAW.A / (LAW.beta * LAW.B)) ** (1 / (LAW.alpha + LAW.beta))
    chinchilla = g * (flops / 6) ** (LAW.beta / (LAW.alpha + LAW.beta))
    centre = math.log(chinchilla)

    unique = ps.UNIQUE_TOKENS

    def along_isoflop(log_n):
        return _loss(math.exp(log_n), flops / (6 * math.exp(log_n)), unique)

    n_data = math.exp(_best_log_params(along_isoflop, centre))
    epochs = flops / (6 * n_data) / unique

    # the lifetime-optimal model whose training compute is exactly the budget's FLOPs
    def training_gap(loss):
        n, d = _lifetime_optimum(loss, unique, ps.INFERENCE_TOKENS, centre)
        return 6 * n * d - flops
    best_loss = along_isoflop(math.log(n_data))
    loss = brentq(training_gap, best_loss + 1e-6, best_loss + 0.3, xtol=1e-12)
    planned, _ = _lifetime_optimum(loss, unique, ps.INFERENCE_TOKENS, centre)

    shape = ps.planned_shape()
    psi = count_params(shape).total
    s, h, layers = shape.context, shape.d_model, shape.n_layers

    def memory(tp, stage):
        dp = ps.LAYOUT_GPUS // tp
        local = psi / tp
        states = 2 * local / (dp if stage >= 3 else 1) + 2 * local / (dp if stage >= 2 else 1) \
            + 12 * local / (dp if stage >= 1 else 1)
        activations = 34 * s * 1 * h / tp * layers * min(1, ps.LAYOUT_MICROBATCHES)   # pp = 1: one in flight
        return states + activations

    usable = 0.9 * chip.memory_bytes

    def broken_conditions(plan):
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

    return {
        "capstone.flops": flops,
        "capstone.chinchilla_params": chinchilla,
        "capstone.epochs": epochs,
        "capstone.planned_params": planned,
        "capstone.accelerators": math.ceil(ps.BUDGET_DOLLARS / ps.PRICE / (ps.DEADLINE_DAYS * 24)),
        "capstone.memory_gb": memory(ps.MEMORY_TP, ps.MEMORY_STAGE) / 1e9,
        "capstone.smallest_tp":
            next(tp for tp in (1, 2, 4, 8) if memory(tp, ps.SMALLEST_TP_STAGE) <= usable),
        "capstone.plan_check": broken_conditions,
    }


RIGHT = _right_answers()


def test_right_answers_earn_every_point():
    problems = problem_set("capstone")
    assert list(RIGHT) == list(problems.ids) and len(problems.questions) >= 5
    for question_id, answer in RIGHT.items():
        result = grade_answer(question_id, answer)
        assert result.status == "passed", (question_id, result)


def test_independent_answers_agree_closely_with_the_library():
    """The planner's numerical solution of the tangency condition (rel. step 1e-4) and the nested search here
    agree to 1e-4; the data-constrained optimum to 1e-4 too."""
    flops = ps._budget_flops()
    assert RIGHT["capstone.planned_params"] == pytest.approx(
        allocate_compute(flops, ps.UNIQUE_TOKENS, ps.INFERENCE_TOKENS).params, rel=1e-4)
    assert RIGHT["capstone.epochs"] == pytest.approx(
        data_constrained_optimal(flops, ps.UNIQUE_TOKENS).epochs, rel=1e-4)


def _chinchilla_tokens():
    return ps._budget_flops() / (6 * RIGHT["capstone.chinchilla_params"])


@pytest.mark.parametrize("question_id, wrong", [
    # forgot the MFU
    ("capstone.flops", lambda right: right / ps.MFU),
    # MFU as a percentage (40)
    ("capstone.flops", lambda right: right * 100),
    # hours times FLOP/s, not seconds
    ("capstone.flops", lambda right: right / 3600),
    # multiplied by the price
    ("capstone.flops", lambda right: right * ps.PRICE),
    ("capstone.chinchilla_params", lambda right: float(
        LAW.unconstrained.G * ps._budget_flops() ** LAW.unconstrained.params_exponent)),
    ("capstone.chinchilla_params",
     lambda right: float(HOFFMANN_2022.compute_optimal(ps._budget_flops()).params)),
    # billions, not a count
    ("capstone.chinchilla_params", lambda right: right / 1e9),
    # Chinchilla's tokens / unique data
    ("capstone.epochs", lambda right: _chinchilla_tokens() / ps.UNIQUE_TOKENS),
    # the inference-aware plan's
    ("capstone.epochs", lambda right: allocate_compute(ps._budget_flops(), ps.UNIQUE_TOKENS,
                                                       ps.INFERENCE_TOKENS).epochs),
    # no demand
    ("capstone.planned_params",
     lambda right: float(data_constrained_optimal(ps._budget_flops(), ps.UNIQUE_TOKENS).params)),
    # no data limit
    ("capstone.planned_params", lambda right: allocate_compute(ps._budget_flops(), math.inf,
                                                               ps.INFERENCE_TOKENS).params),
    # Chinchilla unchanged
    ("capstone.planned_params", lambda right: RIGHT["capstone.chinchilla_params"]),
    # the rounded shape
    ("capstone.planned_params", lambda right: count_params(ps.planned_shape()).total),
    # rounded down
    ("capstone.accelerators", lambda right: right - 1),
    # days, not hours
    ("capstone.accelerators", lambda right: right * 24),
    # MFU applied to the hours
    ("capstone.accelerators", lambda right: right * ps.MFU),
    # model states only
    ("capstone.memory_gb", lambda right: right - 34 * ps.planned_shape().context
     * ps.planned_shape().d_model / ps.MEMORY_TP * ps.planned_shape().n_layers / 1e9),
    # GiB
    ("capstone.memory_gb", lambda right: right * 1e9 / 2 ** 30),
    # bytes
    ("capstone.memory_gb", lambda right: right * 1e9),
    # model states only: everything fits
    ("capstone.smallest_tp", lambda right: 1),
    # the largest, not the smallest
    ("capstone.smallest_tp", lambda right: 8),
])
def test_typical_mistakes_fail_a_public_check(question_id, wrong):
    answer = wrong(RIGHT[question_id])
    assert not all(check(answer).passed for check in question(question_id).public_checks)


@pytest.mark.parametrize("wrong", [
    lambda plan: 0,                                                        # trusts every plan
    lambda plan: int(abs(6 * plan.params * plan.tokens - plan.flops) > 1e-6 * plan.flops),   # only 6ND
    lambda plan: RIGHT["capstone.plan_check"](plan) > 0,                   # a yes/no, not a count
])
def test_incomplete_plan_checkers_fail_a_public_check(wrong):
    assert not all(check(wrong).passed for check in question("capstone.plan_check").public_checks)


def test_a_checker_that_skips_memory_or_deadline_fails_only_the_hidden_check():
    right = RIGHT["capstone.plan_check"]

    def no_memory(plan):
        fits = plan.memory.total <= (1 - plan.memory_headroom) * plan.memory.capacity
        return right(plan) - (not fits)
    q = question("capstone.plan_check")
    assert all(check(no_memory).passed for check in q.public_checks)
    assert not all(check(no_memory).passed for check in q.hidden_checks)
    assert grade_answer("capstone.plan_check", no_memory).status != "passed"


def test_the_projects_plan_is_consistent_and_every_altered_copy_breaks_something():
    plans = [case[0] for case in ps._plans_public() + ps._plans_hidden()]
    counts = [RIGHT["capstone.plan_check"](plan) for plan in plans]
    assert counts[0] == 0 and counts[3] == 0                    # the project's plan and the other real plan
    assert all(c > 0 for i, c in enumerate(counts) if i not in (0, 3))
    assert len(set(map(repr, plans))) >= 2 and len(repr(plans[0])) < 100   # short feedback lines


def test_the_project_binds_both_data_and_demand():
    """The scenario is chosen so that every step matters: the data limit and the demand both move the plan."""
    plan = ps.project_plan()
    assert plan.epochs > 1.5 and plan.params < 0.7 * plan.chinchilla_params
    assert plan.layout.tp == RIGHT["capstone.smallest_tp"] and plan.layout.pp == 1
    assert plan.accelerators_for_deadline == RIGHT["capstone.accelerators"]
    assert dataclasses.is_dataclass(plan)
