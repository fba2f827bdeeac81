"""Tests of lesson 02's additions to scalingedu.compute (MFU, accelerator-hours, days, cost, energy, run budgets,
published runs' implied utilisation) and of problem set compute_budgets.

Hand-worked examples show their arithmetic; published figures come from scalingedu.data, and a figure typed here
is a transcription of its source (named beside it) to check the library against.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalingedu import data
from scalingedu.compute import (
    DEFAULT_PUE,
    RunBudget,
    accelerator_hours,
    board_power_watts,
    cost_dollars,
    energy_kwh,
    implied_mfu,
    mfu,
    published_run_utilisation,
    run_budget,
    throughput_tokens_per_second,
    training_days,
    training_flops,
    training_time,
)
from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.problems import compute_budgets as cb
from scalingedu.transformer import GPT2_SMALL_NANOGPT, count_params, flops_per_token

CHIPS = sorted(data.ACCELERATORS)

# --- paper and repository reproductions ------------------------------------------------------------------------


def test_nanogpt_measured_mfu():
    """karpathy/nanoGPT: transformer_sizing.ipynb: 100 sequences of 1024 tokens per 0.755 s iteration on one
    A100 (312 TFLOP/s), at the explicit 874,944,921,600 FLOPs per sequence, is 37.14% of the A100's peak."""
    per_token = flops_per_token(GPT2_SMALL_NANOGPT).total
    tokens_per_second = 100 * 1024 / 0.755
    assert round(100 * mfu(tokens_per_second, per_token, 1, "A100"), 2) == 37.14
    sizing = data.NANOGPT_SIZING      # the library's transcription of the same figures
    assert (sizing["measured_sequences_per_iteration"], sizing["sequence_tokens"],
            sizing["measured_seconds_per_iteration"], sizing["measured_fraction_of_a100_peak"]) == (100, 1024, 0.755,
                                                                                                    0.3714)


def test_nanogpt_six_nd_days():
    """karpathy/nanoGPT: transformer_sizing.ipynb: 6ND for 124,337,664 params and 300B tokens on 8 A100s at 30%
    MFU takes 3.46 days (printed to 2 decimals)."""
    flops = training_flops(count_params(GPT2_SMALL_NANOGPT).total, 300e9)
    assert round(training_days(flops, "A100", 8, 0.3), 2) == 3.46


def test_deepseek_v3_cost_at_two_dollars():
    """DeepSeek-V3 report, Table 1 [S, facts.md §4]: at $2 per H800 GPU-hour, pre-training 2,664K hours cost
    $5.328M and the full 2,788K hours $5.576M. The hours come from data (the README, [P])."""
    assert cost_dollars(data.DEEPSEEK_V3_PRETRAINING_GPU_HOURS, 2.0) == pytest.approx(5.328e6, rel=1e-12)
    assert cost_dollars(data.model("DeepSeek-V3").gpu_hours, 2.0) == pytest.approx(5.576e6, rel=1e-12)


def test_board_power_table_is_keyed_by_accelerator():
    assert set(data.ACCELERATOR_BOARD_POWER_WATTS) <= set(data.ACCELERATORS)
    assert all(100 < watts < 2000 for watts in data.ACCELERATOR_BOARD_POWER_WATTS.values())


def test_board_power_from_the_model_cards():
    """meta-llama/llama: MODEL_CARD.md: A100-80GB at 400 W; meta-llama/llama3: MODEL_CARD.md: H100-80GB TDP 700 W."""
    assert board_power_watts("A100") == 400.0
    assert board_power_watts("h100") == 700.0
    assert board_power_watts(data.accelerator("H800")) == 700.0


# --- hand-worked examples ----------------------------------------------------------------------------------------


def test_mfu_hand_worked():
    """A 7B model (6N = 4.2e10 FLOPs per token) at 1e6 tokens/s on 512 H100s (989e12 FLOP/s each):
    4.2e16 FLOP/s achieved / (512 × 9.89e14 = 5.06368e17) = 0.08294."""
    value = mfu(1e6, 6 * 7e9, 512, "H100")
    assert value == pytest.approx(4.2e16 / (512 * 989e12), rel=1e-14)
    assert value == pytest.approx(0.082944, abs=1e-6)
    assert throughput_tokens_per_second(value, 6 * 7e9, 512, "H100") == pytest.approx(1e6, rel=1e-12)


def test_accelerator_hours_days_and_cost_hand_worked():
    """Chinchilla's 6ND = 6 × 70e9 × 1.4e12 = 5.88e23 FLOPs on H100s at 40% MFU: one chip delivers
    9.89e14 × 0.4 = 3.956e14 FLOP/s, so 5.88e23 / 3.956e14 / 3600 = 412,876 H100-hours; on 1,024 chips that is
    412,876 / 1024 / 24 = 16.80 days; at $2.50 an hour, $1,032,190."""
    flops = training_flops(70e9, 1.4e12)
    hours = accelerator_hours(flops, "H100", 0.4)
    assert hours == pytest.approx(5.88e23 / (989e12 * 0.4) / 3600, rel=1e-14)
    assert hours == pytest.approx(412_876, rel=1e-5)
    assert training_days(flops, "H100", 1024, 0.4) == pytest.approx(16.80, abs=0.005)
    assert cost_dollars(hours, 2.5) == pytest.approx(1_032_190, rel=1e-5)


def test_energy_hand_worked():
    """Llama 2 70B: 1,720,320 A100-hours × 400 W = 688,128 kWh of board energy; × PUE 1.2 = 825,753.6 kWh."""
    hours = data.model("Llama 2 70B").gpu_hours
    assert energy_kwh(hours, 400.0, pue=1.0) == pytest.approx(688_128, rel=1e-12)
    assert energy_kwh(hours, board_power_watts("A100")) == pytest.approx(825_753.6, rel=1e-12)
    assert DEFAULT_PUE == 1.2


def test_run_budget_combines_the_pieces():
    budget = run_budget(70e9, 2e12, "A100", 2048, 0.4, 2.0)
    assert isinstance(budget, RunBudget)
    assert budget.flops == 8.4e23 and budget.pf_days == pytest.approx(8.4e23 / 8.64e19, rel=1e-14)
    run = training_time(8.4e23, "A100", 2048, 0.4, 2.0)
    assert (budget.seconds, budget.accelerator_hours, budget.cost_dollars) == (run.seconds, run.accelerator_hours,
                                                                              run.cost_dollars)
    assert budget.days == pytest.approx(run.days, rel=1e-15)
    assert budget.energy_kwh == pytest.approx(energy_kwh(run.accelerator_hours, 400.0, 1.2), rel=1e-15)
    assert budget.achieved_flops_per_second == pytest.approx(2048 * 312e12 * 0.4, rel=1e-15)
    tpu = run_budget(70e9, 2e12, "TPU v4", 2048, 0.4)
    assert tpu.energy_kwh is None and tpu.watts_per_accelerator is None
    given_watts = run_budget(70e9, 2e12, "TPU v4", 2048, 0.4, watts_per_accelerator=200.0, pue=1.1)
    assert given_watts.energy_kwh == pytest.approx(given_watts.accelerator_hours * 0.2 * 1.1, rel=1e-14)


# --- published runs --------------------------------------------------------------------------------------------


def test_published_run_utilisation_table():
    """Every run with accelerator-hours in data.MODELS, computed from data (nothing typed): Llama 2 7B's
    6 × 7e9 × 2e12 = 8.4e22 FLOPs over 184,320 A100-hours × 3600 × 312e12 = 2.0703e20 FLOPs is 0.4057."""
    rows = {row.name: row for row in published_run_utilisation()}
    assert list(rows) == ["Llama 2 7B", "Llama 2 13B", "Llama 2 70B", "Llama 3 8B", "Llama 3 70B",
                          "DeepSeek-V3 (all training hours)", "DeepSeek-V3 (pre-training hours)"]
    assert rows["Llama 2 7B"].mfu_6nd == pytest.approx(8.4e22 / (184_320 * 3600 * 312e12), rel=1e-12)
    assert rows["Llama 2 7B"].mfu_6nd == pytest.approx(0.4057, abs=5e-5)
    for row in rows.values():
        record = data.model(row.name.split(" (")[0])
        assert row.flops_6nd == training_flops(record.active_params or record.params, record.tokens)
        assert row.mfu_6nd == pytest.approx(implied_mfu(row.flops_6nd, row.accelerator, row.accelerator_hours))
        assert 0.1 < row.mfu_6nd < 0.6
        if row.flops_with_attention is not None:
            assert row.mfu_with_attention > row.mfu_6nd * 0.98   # exact N and attention add FLOPs
        assert row.achieved_flops_per_second_per_accelerator == pytest.approx(
            row.mfu_6nd * data.accelerator(row.accelerator).peak_flops_per_second, rel=1e-12)
    assert rows["Llama 3 8B"].tokens_lower_bound and rows["Llama 3 70B"].tokens_lower_bound
    assert "lower bound" in rows["Llama 3 70B"].note
    assert not rows["Llama 2 70B"].tokens_lower_bound
    deepseek_all, deepseek_pre = rows["DeepSeek-V3 (all training hours)"], rows["DeepSeek-V3 (pre-training hours)"]
    assert deepseek_pre.accelerator_hours == data.DEEPSEEK_V3_PRETRAINING_GPU_HOURS
    assert deepseek_pre.mfu_6nd > deepseek_all.mfu_6nd
    assert deepseek_all.params == data.model("DeepSeek-V3").active_params
    assert deepseek_all.flops_with_attention is None and "MoE" in deepseek_all.note


# --- inverse relations as properties ------------------------------------------------------------------------------

@given(flops=st.floats(1e15, 1e27), utilisation=st.floats(0.01, 1.0), n=st.integers(1, 100_000),
       chip=st.sampled_from(CHIPS))
@settings(max_examples=80, deadline=None)
def test_hours_days_and_implied_mfu_invert_each_other(flops, utilisation, n, chip):
    hours = accelerator_hours(flops, chip, utilisation)
    assert implied_mfu(flops, chip, hours) == pytest.approx(utilisation, rel=1e-12)
    assert training_days(flops, chip, n, utilisation) * 24 * n == pytest.approx(hours, rel=1e-12)
    assert training_time(flops, chip, n, utilisation).accelerator_hours == pytest.approx(hours, rel=1e-12)


@given(rate=st.floats(1.0, 1e9), per_token=st.floats(1e6, 1e13), n=st.integers(1, 100_000),
       chip=st.sampled_from(CHIPS))
@settings(max_examples=80, deadline=None)
def test_mfu_and_throughput_invert_each_other(rate, per_token, n, chip):
    value = mfu(rate, per_token, n, chip)
    if 0 < value <= 1:
        assert throughput_tokens_per_second(value, per_token, n, chip) == pytest.approx(rate, rel=1e-12)
    # twice the chips at the same throughput: half the utilisation
    assert mfu(rate, per_token, 2 * n, chip) == pytest.approx(value / 2, rel=1e-12)


@given(hours=st.floats(0.0, 1e9), watts=st.floats(1.0, 2000.0), pue=st.floats(1.0, 3.0),
       price=st.floats(0.0, 100.0))
@settings(max_examples=60, deadline=None)
def test_energy_and_cost_are_linear(hours, watts, pue, price):
    assert energy_kwh(2 * hours, watts, pue) == pytest.approx(2 * energy_kwh(hours, watts, pue), rel=1e-12, abs=1e-300)
    assert energy_kwh(hours, watts, pue) == pytest.approx(energy_kwh(hours, watts, 1.0) * pue, rel=1e-12, abs=1e-300)
    assert cost_dollars(hours, price) == pytest.approx(hours * price, rel=1e-12, abs=1e-300)


def test_new_functions_are_vectorised():
    hours = accelerator_hours(np.array([1e21, 1e22, 1e23]), "A100", 0.5)
    assert isinstance(hours, np.ndarray) and hours.shape == (3,)
    assert hours[2] == pytest.approx(accelerator_hours(1e23, "A100", 0.5), rel=1e-15)
    assert type(accelerator_hours(1e23, "A100", 0.5)) is float
    several = mfu(np.array([1e5, 2e5]), 6e9, 8, "H100")
    assert several.shape == (2,) and several[1] == pytest.approx(2 * several[0], rel=1e-15)
    assert energy_kwh(np.array([10.0, 20.0]), 700.0).shape == (2,)
    assert cost_dollars([1.0, 2.0], 3.0).tolist() == [3.0, 6.0]
    days = training_days(1e23, "H100", 64, np.array([0.2, 0.4]))
    assert days[0] == pytest.approx(2 * days[1], rel=1e-15)


# --- bad input -----------------------------------------------------------------------------------------------------

BAD = [(-1.0, ValueError), (np.nan, ValueError), (np.inf, ValueError), ([], ValueError), ("1e9", TypeError),
       (None, TypeError), (True, TypeError)]

CALLS = {
    "mfu/tokens_per_second": ("tokens_per_second", lambda bad: mfu(bad, 6e9, 8, "A100")),
    "mfu/flops_per_token": ("flops_per_token", lambda bad: mfu(1e5, bad, 8, "A100")),
    "throughput/mfu_value": ("mfu_value", lambda bad: throughput_tokens_per_second(bad, 6e9, 8, "A100")),
    "throughput/flops_per_token": ("flops_per_token", lambda bad: throughput_tokens_per_second(0.4, bad, 8, "A100")),
    "accelerator_hours/flops": ("flops", lambda bad: accelerator_hours(bad, "A100", 0.4)),
    "accelerator_hours/mfu_value": ("mfu_value", lambda bad: accelerator_hours(1e22, "A100", bad)),
    "training_days/flops": ("flops", lambda bad: training_days(bad, "A100", 8, 0.4)),
    "cost/hours": ("accelerator_hours_value", lambda bad: cost_dollars(bad, 2.0)),
    "cost/price": ("dollars_per_accelerator_hour", lambda bad: cost_dollars(100.0, bad)),
    "energy/hours": ("accelerator_hours_value", lambda bad: energy_kwh(bad, 700.0)),
    "energy/watts": ("watts_per_accelerator", lambda bad: energy_kwh(100.0, bad)),
    "energy/pue": ("pue", lambda bad: energy_kwh(100.0, 700.0, bad)),
    "run_budget/params": ("params", lambda bad: run_budget(bad, 1e12, "A100", 8)),
    "run_budget/tokens": ("tokens", lambda bad: run_budget(1e9, bad, "A100", 8)),
    "run_budget/watts": ("watts_per_accelerator",
                         lambda bad: run_budget(1e9, 1e12, "A100", 8, watts_per_accelerator=bad)),
}


CASES = [(call, bad, error) for call in CALLS for bad, error in BAD
         if not (call == "run_budget/watts" and bad is None)]   # None there means: look the board power up


@pytest.mark.parametrize("call, bad, error", CASES, ids=lambda x: repr(x) if not isinstance(x, type) else "")
def test_bad_inputs_raise_errors_naming_the_parameter(call, bad, error):
    name, function = CALLS[call]
    with pytest.raises(error) as info:
        function(bad)
    assert name in str(info.value), str(info.value)


@pytest.mark.parametrize("bad", [0.0, 1.5])
def test_utilisation_must_lie_in_zero_one(bad):
    for function in (lambda: accelerator_hours(1e22, "A100", bad), lambda: training_days(1e22, "A100", 8, bad),
                     lambda: throughput_tokens_per_second(bad, 6e9, 8, "A100"),
                     lambda: run_budget(1e9, 1e12, "A100", 8, bad)):
        with pytest.raises(ValueError, match=r"mfu.*\(0, 1\]"):
            function()


@pytest.mark.parametrize("bad, error", [(0, ValueError), (2.5, TypeError), ("8", TypeError), (None, TypeError)])
def test_bad_accelerator_counts(bad, error):
    for function in (lambda: mfu(1e5, 6e9, bad, "A100"), lambda: training_days(1e22, "A100", bad, 0.4),
                     lambda: run_budget(1e9, 1e12, "A100", bad)):
        with pytest.raises(error, match="n_accelerators"):
            function()


def test_pue_below_one_or_an_array_is_refused():
    with pytest.raises(ValueError, match="pue"):
        energy_kwh(10.0, 700.0, 0.9)
    with pytest.raises(TypeError, match="pue"):
        energy_kwh(10.0, 700.0, np.array([1.1, 1.2]))


def test_unknown_chips_and_missing_board_power():
    with pytest.raises(ValueError, match="chip"):
        mfu(1e5, 6e9, 8, "B200")
    with pytest.raises(TypeError, match="chip"):
        accelerator_hours(1e22, 312e12, 0.4)
    with pytest.raises(ValueError) as info:
        board_power_watts("TPU v4")
    assert "watts_per_accelerator" in str(info.value) and "A100 400 W" in str(info.value)


def test_run_budget_is_for_one_run():
    with pytest.raises(TypeError, match="params"):
        run_budget(np.array([1e9, 2e9]), 1e12, "A100", 8)


# --- problem set compute_budgets ------------------------------------------------------------------

def _llama3_8b_by_hand() -> int:
    """Llama 3 8B counted by hand from its shape (independently of count_params)."""
    L, d, heads, kv, head, ff, vocab = 32, 4096, 32, 8, 128, 14336, 128256
    per_layer = 2 * d * heads * head + 2 * d * kv * head + 3 * d * ff + 2 * d
    return L * per_layer + 2 * vocab * d + d


def right_answers() -> dict:
    chinchilla = training_flops(70e9, 1.4e12)
    return {
        "compute_budgets.params": float(_llama3_8b_by_hand()),
        "compute_budgets.pf_days": chinchilla / 8.64e19,
        "compute_budgets.days":
            chinchilla / (1024 * data.accelerator("H100").peak_flops_per_second * 0.4) / 86400,
        "compute_budgets.implied_mfu": 6 * 70e9 * 2e12 / (1_720_320 * 3600 * 312e12),
        "compute_budgets.energy": 6.4e6 * 700 * 1.2 / 1e6,
        "compute_budgets.flops_per_token": lambda params, n_layers, n_heads, d_head, context:
            6 * params + 12 * n_layers * n_heads * d_head * context,
    }


def test_problem_set_shape():
    ps = problem_set("compute_budgets")
    assert ps is cb.PROBLEM_SET and len(ps.questions) >= 4 and ps.prefix == "compute_budgets"
    assert all(q.hidden_checks for q in ps.questions)
    assert set(ps.ids) == set(right_answers())


def test_the_hand_count_is_the_library_count():
    assert _llama3_8b_by_hand() == count_params(cb.SHAPE).total


@pytest.mark.parametrize("question_id", list(right_answers()))
def test_right_answers_earn_every_point(question_id):
    grade = grade_answer(question_id, right_answers()[question_id])
    assert grade.status == "passed", grade
    assert grade.points_earned == grade.points_possible == question(question_id).points


@pytest.mark.parametrize("question_id, wrong", [
    # Kaplan's approximation: no embeddings
    ("compute_budgets.params", 12 * 32 * 4096 ** 2),
    # FLOPs, not PF-days
    ("compute_budgets.pf_days", 6 * 70e9 * 1.4e12),
    # the 'with sparsity' peak
    ("compute_budgets.days", 6 * 70e9 * 1.4e12 / (1024 * 1.979e15 * 0.4) / 86400),
    # a percentage
    ("compute_budgets.implied_mfu", 100 * 6 * 70e9 * 2e12 / (1_720_320 * 3600 * 312e12)),
    # forgot the PUE
    ("compute_budgets.energy", 6.4e6 * 700 / 1e6),
    ("compute_budgets.flops_per_token",
     lambda params, n_layers, n_heads, d_head, context: 6 * params),
])
def test_common_mistakes_fail(question_id, wrong):
    grade = grade_answer(question_id, wrong)
    assert grade.points_earned == 0 and grade.status == "failed"


def test_forgetting_the_norms_passes_the_public_checks_only():
    """The public tolerance (2%) lets a count without the RMSNorm gains through; the hidden 1e-6 does not."""
    without_norms = _llama3_8b_by_hand() - (2 * 32 + 1) * 4096
    # A legacy id, on purpose: notebooks saved with "cb.params" must still grade.
    grade = grade_answer("cb.params", float(without_norms))
    assert grade.status == "partial" and grade.hidden_failed
    assert all(c.passed for c in grade.checks if c.kind == "public")


def test_a_function_that_only_knows_the_public_input_fails_the_hidden_checks():
    public = cb._public_flops_inputs()[0]
    expected = right_answers()["compute_budgets.flops_per_token"](*public)
    grade = grade_answer("compute_budgets.flops_per_token", lambda *args: expected)
    assert grade.hidden_failed and grade.points_earned < grade.points_possible
