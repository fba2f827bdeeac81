"""Tests of scalingedu.planning, the capstone planner: consistency of a plan, the compute split against
scalingedu.returns, monotonic behaviour, the dense/MoE rule, errors, and two published runs planned again.

Sources: Muennighoff et al. 2023 (data-constrained law, via scalingedu.returns), Sardana et al. 2023 (inference-aware
sizing, via scalingedu.returns.inference_optimal), the Llama 3 paper (3.8e25 FLOPs; Meta's optimum 402B) and the
DeepSeek-V3 report (2.788M H800 hours at $2), read from scalingedu.data.
"""
import math

import numpy as np
import pytest

from scalingedu.compute import implied_mfu
from scalingedu.data import ACCELERATORS, DEEPSEEK_V3_RENTAL, LLAMA3_405B_RUN, model
from scalingedu.moe import moe_total_params
from scalingedu.parallelism import activations_in_flight, check_layout, layout_memory, zero_memory
from scalingedu.planning import (
    MAX_BATCH_SEQUENCES,
    MAX_BUBBLE,
    MOE_EXPERTS,
    MOE_TOP_K,
    allocate_compute,
    choose_architecture,
    plan_run,
    shape_for_params,
)
from scalingedu.returns import MUENNIGHOFF_2023, data_constrained_optimal, inference_optimal
from scalingedu.transformer import count_params

SCENARIOS = {
    "frontier dense": dict(budget_dollars=30e6, accelerator="H100", deadline_days=90, unique_tokens=30e12,
                           inference_tokens=1e12),
    "data-limited": dict(budget_dollars=20e6, accelerator="H100", deadline_days=120, unique_tokens=1e12),
    "MoE for heavy serving": dict(budget_dollars=1e6, accelerator="A100", deadline_days=30, unique_tokens=2e12,
                                  inference_tokens=1e14),
    "small on TPUs": dict(budget_dollars=2e5, accelerator="TPU v4", deadline_days=14),
    "H200 no limits": dict(budget_dollars=5e6, accelerator="H200", deadline_days=60),
}


@pytest.fixture(scope="module", params=list(SCENARIOS), ids=list(SCENARIOS))
def plan(request):
    return plan_run(**SCENARIOS[request.param])


# --- consistency ----------------------------------------------------------------------------------------------------

def test_plan_compute_is_6ND_and_is_what_the_budget_buys(plan):
    assert 6 * plan.params * plan.tokens == pytest.approx(plan.flops, rel=1e-12)
    bought = plan.budget_dollars / plan.dollars_per_accelerator_hour * 3600 * plan.accelerator.peak_flops_per_second
    assert plan.flops == pytest.approx(bought * plan.mfu, rel=1e-12)


def test_plan_time_matches_its_throughput_and_its_cost_matches_hours_times_price(plan):
    assert plan.seconds == pytest.approx(plan.flops / plan.flops_per_second, rel=1e-12)
    assert plan.tokens / plan.seconds == pytest.approx(plan.tokens_per_second, rel=1e-12)
    assert plan.accelerator_hours == pytest.approx(plan.seconds / 3600 * plan.n_accelerators, rel=1e-12)
    assert plan.cost_dollars == pytest.approx(plan.accelerator_hours * plan.dollars_per_accelerator_hour, rel=1e-12)
    assert plan.cost_dollars == pytest.approx(plan.budget_dollars, rel=1e-9)
    assert plan.days <= plan.deadline_days * (1 + 1e-12)
    assert plan.n_accelerators >= plan.accelerators_for_deadline


def test_plan_layout_fits_by_the_parallelism_modules_own_accounting(plan):
    check_layout(plan.shape, plan.layout)
    usable = ACCELERATORS[plan.accelerator_name].memory_bytes * (1 - plan.memory_headroom)
    if plan.architecture == "dense":
        memory = layout_memory(plan.shape, plan.layout, usable)
        assert memory.fits
        assert memory.total == pytest.approx(plan.memory.total, rel=1e-12)
    else:  # the experts' states are sharded like every other weight; activations are the dense shape's
        lay = plan.layout
        states = zero_memory(plan.total_params, lay.n_gpus, lay.zero_stage, tp=lay.tp, pp=lay.pp)
        activations = layout_memory(plan.shape, lay, usable).activations
        assert states.total + activations == pytest.approx(plan.memory.total, rel=1e-12)
        assert plan.memory.total <= usable
    assert plan.layout.dp * plan.layout.microbatches <= MAX_BATCH_SEQUENCES
    assert plan.bubble <= MAX_BUBBLE + 1e-12
    assert activations_in_flight(plan.layout.pp, plan.layout.microbatches, plan.layout.interleave) >= 1


def test_plan_size_is_the_rounded_allocation_and_the_loss_comes_from_the_law(plan):
    assert plan.params == count_params(plan.shape).total
    assert plan.params == pytest.approx(plan.allocation.params, rel=0.15)
    used = min(plan.unique_tokens, plan.tokens)
    assert plan.loss == pytest.approx(MUENNIGHOFF_2023.loss(plan.params, plan.tokens, used), rel=1e-12)
    text = plan.explain()
    assert plan.architecture in text and f"{plan.n_accelerators:,}" in text and "Binding constraints" in text


def test_energy_is_known_for_gpus_and_unknown_for_tpus(plan):
    if plan.accelerator_name.startswith("TPU"):
        assert plan.energy_kwh is None
    else:
        watts = {"A100": 400.0, "H100": 700.0, "H200": 700.0}[plan.accelerator_name]
        assert plan.energy_kwh == pytest.approx(plan.accelerator_hours * watts / 1000 * 1.2, rel=1e-12)


# --- the compute split, checked against scalingedu.returns ----------------------------------------------------------

def test_split_without_limits_is_chinchillas_closed_form():
    """No data limit, no demand: the N·∂L/∂N = D·∂L/∂D condition gives Eq. 4 of Hoffmann et al. for the same fit."""
    for flops in (1e21, 3e23, 4e25):
        split = allocate_compute(flops)
        closed = MUENNIGHOFF_2023.unconstrained.compute_optimal(flops)
        assert split.params == pytest.approx(closed.params, rel=1e-4)
        assert split.loss == pytest.approx(closed.loss, rel=1e-9)


@pytest.mark.parametrize("demand", [1e11, 1e13, 1e15])
def test_split_with_demand_is_sardanas_inference_optimal_model(demand):
    """With unlimited data, the plan's model is the one inference_optimal picks for the plan's loss (Sardana et al.):
    the cheapest model over its life that reaches that loss, and it trains on exactly the plan's budget."""
    flops = 1e24
    split = allocate_compute(flops, inference_tokens=demand)
    sardana = inference_optimal(MUENNIGHOFF_2023.unconstrained, split.loss, demand)
    assert split.params == pytest.approx(sardana.params, rel=1e-3)
    assert sardana.training_flops == pytest.approx(flops, rel=2e-3)


@pytest.mark.parametrize("unique", [1e11, 5e11, 2e12])
def test_split_with_a_data_limit_is_muennighoffs_optimum(unique):
    """No demand, scarce data: the plan equals data_constrained_optimal (Muennighoff et al.'s IsoFLOP minimum)."""
    flops = 1e24
    split = allocate_compute(flops, unique_tokens=unique)
    reference = data_constrained_optimal(flops, unique)
    assert split.params == pytest.approx(reference.params, rel=2e-3)
    assert split.loss == pytest.approx(reference.loss, rel=1e-6)
    assert split.epochs == pytest.approx(reference.epochs, rel=2e-3)


# --- monotonic behaviour ------------------------------------------------------------------------------------------

def test_more_money_gives_a_lower_loss():
    losses = [plan_run(b, "H100", 120, 20e12, 1e12).loss for b in (1e5, 1e6, 5e6, 2e7, 5e7)]
    assert np.all(np.diff(losses) < 0), losses


def test_more_inference_demand_gives_a_smaller_model():
    sizes = [allocate_compute(1e24, 5e12, d).params for d in (0, 1e12, 1e13, 1e14, 1e15)]
    assert np.all(np.diff(sizes) < 0), sizes
    planned = [plan_run(5e6, "H100", 90, 5e12, d, architecture="dense").params for d in (0, 1e13, 1e15)]
    assert planned[0] > planned[1] > planned[2]


def test_a_tighter_data_limit_gives_more_epochs_and_a_smaller_model():
    splits = [allocate_compute(1e24, u, 1e12) for u in (1e13, 1e12, 3e11, 1e11)]
    epochs = [s.epochs for s in splits]
    sizes = [s.params for s in splits]
    losses = [s.loss for s in splits]
    assert np.all(np.diff(epochs) >= 0) and epochs[-1] > epochs[0], epochs
    assert np.all(np.diff(sizes) <= 0) and sizes[-1] < sizes[0], sizes
    assert np.all(np.diff(losses) > 0), losses


def test_a_shorter_deadline_needs_more_accelerators_for_the_same_money():
    slow, fast = plan_run(5e6, "H100", 120), plan_run(5e6, "H100", 30)
    assert fast.n_accelerators > slow.n_accelerators and fast.days < slow.days
    assert fast.cost_dollars == pytest.approx(slow.cost_dollars) and fast.params == slow.params


# --- dense or MoE -----------------------------------------------------------------------------------------------------

def test_moe_rule_takes_the_moe_only_when_its_memory_comes_free():
    assert choose_architecture(64, 64) == "moe" and choose_architecture(64, 32) == "moe"
    assert choose_architecture(64, 96) == "dense" and choose_architecture(64, None) == "dense"
    with pytest.raises(ValueError, match="moe_accelerators"):
        choose_architecture(64, 0)
    # a rushed run needs many accelerators for its deadline: their memory holds the experts for free
    rushed = plan_run(1e6, "H100", 30)
    assert rushed.architecture == "moe"
    assert rushed.total_params == pytest.approx(moe_total_params(rushed.params, MOE_EXPERTS, MOE_TOP_K))
    rushed_dense = plan_run(1e6, "H100", 30, architecture="dense")
    assert rushed.n_accelerators <= rushed_dense.n_accelerators
    assert rushed.params == rushed_dense.params and rushed.loss == rushed_dense.loss   # no MoE credit in the loss
    # a slow run on a small cluster: the MoE would need more accelerators than the dense plan, so it stays dense
    slow = plan_run(1e6, "H100", 365)
    slow_moe = plan_run(1e6, "H100", 365, architecture="moe")
    assert slow.architecture == "dense" and slow.total_params == slow.params
    assert slow_moe.n_accelerators > slow.n_accelerators
    assert f"{slow_moe.n_accelerators:,} accelerators instead of {slow.n_accelerators:,}" in slow.architecture_rule
    assert plan_run(1e6, "H100", 30, architecture="dense").architecture_rule == "Chosen by the caller."


def test_shapes_hit_the_size_and_can_be_split():
    for params in (3e8, 7e9, 7e10, 4e11, 1.5e12):
        shape = shape_for_params(params)
        assert count_params(shape).total == pytest.approx(params, rel=0.1)
        if shape.n_heads >= 8:
            assert shape.n_heads % 8 == 0 and shape.n_kv_heads == 8


# --- real runs planned again ---------------------------------------------------------------------------------------

def test_deepseek_v3_budget_buys_its_published_hours_and_compute():
    """DeepSeek-V3 report, Table 1: 2.788M H800 hours at $2 = $5.576M. At the MFU those hours imply for
    6·37B·14.8T FLOPs, the planner's compute is the run's 6ND (rel 1e-9: arithmetic only)."""
    record = model("DeepSeek-V3")
    flops = 6 * record.active_params * record.tokens
    mfu = implied_mfu(flops, "H800", record.gpu_hours)
    plan = plan_run(DEEPSEEK_V3_RENTAL["total_dollars"], "H800", 60, record.tokens, mfu=mfu,
                    dollars_per_accelerator_hour=DEEPSEEK_V3_RENTAL["dollars_per_gpu_hour"])
    assert plan.accelerator_hours == pytest.approx(record.gpu_hours, rel=1e-9)
    assert plan.flops == pytest.approx(flops, rel=1e-9)
    # with no inference demand the planner trains a much larger dense model on fewer tokens than DeepSeek did
    assert plan.params > 3 * record.active_params and plan.tokens < record.tokens


def test_llama3_405b_compute_gives_a_model_near_metas_own_optimum():
    """Llama 3 paper [S]: 3.8e25 FLOPs; Meta's own scaling law puts the optimum at 402B parameters. The planner uses a
    different law (Muennighoff et al.'s fit on C4), so the tolerance is a factor 1.5 in parameters; with the run's
    15.6T unique tokens and no inference demand the data limit does not bind."""
    run = LLAMA3_405B_RUN
    mfu = run["mfu_high"]
    hours = run["training_flops"] / (ACCELERATORS["H100"].peak_flops_per_second * mfu * 3600)
    plan = plan_run(hours * 2.0, "H100", 90, run["tokens"], mfu=mfu)
    assert plan.flops == pytest.approx(run["training_flops"], rel=1e-9)
    ratio = plan.params / run["scaling_law_optimum_params"]
    assert 1 / 1.5 < ratio < 1.5, ratio
    assert plan.epochs == 1.0



def test_epochs_and_tokens_per_param_of_a_plan_and_its_allocation():
    """Both classes share one definition; check it against the plain ratios of their own fields, data-bound or not."""
    plan = plan_run(10e6, "H100", 60, 2e12, 2e13)
    for split in (plan, plan.allocation):
        assert split.epochs == pytest.approx(split.tokens / 2e12, rel=1e-12) and split.epochs > 1
        assert split.tokens_per_param == pytest.approx(split.tokens / split.params, rel=1e-12)
    assert allocate_compute(1e21).epochs == 1.0

# --- errors ---------------------------------------------------------------------------------------------------------

def test_unreachable_deadline_says_what_would_be_needed():
    with pytest.raises(ValueError, match=r"deadline_days=7 cannot be met.*Allow at least [0-9.]+ days"):
        plan_run(1e9, "H100", 7)
    with pytest.raises(ValueError, match=r"max_accelerators=1,000.*spend at most \$"):
        plan_run(1e7, "H100", 30, max_accelerators=1000)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(budget_dollars=-5.0), ValueError, "budget_dollars must be > 0"),
    (dict(budget_dollars=float("nan")), ValueError, "budget_dollars must be finite"),
    (dict(accelerator="B9000"), ValueError, "unknown accelerator 'B9000'"),
    (dict(accelerator=3), TypeError, "accelerator must be a name"),
    (dict(deadline_days=0), ValueError, "deadline_days must be > 0"),
    (dict(unique_tokens=-1e12), ValueError, "unique_tokens must be > 0"),
    (dict(inference_tokens=-1.0), ValueError, "inference_tokens must be >= 0"),
    (dict(architecture="sparse"), ValueError, "unknown architecture 'sparse'"),
    (dict(mfu=1.5), ValueError, r"mfu must lie in \(0, 1\]"),
    (dict(budget_dollars=np.array([1e6, 2e6])), TypeError, "budget_dollars must be a single number"),
    (dict(budget_dollars=0.01), ValueError, "budget_dollars=0 is too small"),
])
def test_bad_requests_are_rejected_clearly(kwargs, error, match):
    args = dict(budget_dollars=1e6, accelerator="H100", deadline_days=30) | kwargs
    with pytest.raises(error, match=match):
        plan_run(**args)


def test_unlimited_data_can_be_given_as_none_or_infinity():
    a, b = plan_run(1e6, "H100", 30, None), plan_run(1e6, "H100", 30, math.inf)
    assert a.params == b.params and math.isinf(a.unique_tokens)
