"""Tests of scalingedu.compute (6ND, PF-days, training time, MFU, accelerator-hours, days, cost, energy, run budgets,
published runs' implied utilisation) and of problem set compute_budgets.

Paper and repository reproductions name their source and tolerance; hand-worked examples show their arithmetic.
Published figures come from scalingedu.data; a figure typed here is the reference the library is compared against
(a transcription of its source), with its source beside it.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scalingedu import compute, data
from scalingedu.compute import (
    DEFAULT_PUE,
    RunBudget,
    TrainingRun,
    accelerator_hours,
    board_power_watts,
    cost_dollars,
    energy_kwh,
    flops_from_pf_days,
    forward_flops,
    implied_mfu,
    mfu,
    pf_days,
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

GPT3_ROWS = [record for record in data.MODELS if record.family == "GPT-3"]
CHIPS = sorted(data.ACCELERATORS)


def within_printed_rounding(computed: float, printed: float, significant: int = 3) -> bool:
    """True when ``computed`` rounds to ``printed`` at the table's ``significant`` figures.

    Table D.1 of the GPT-3 paper prints 3 significant figures, so the printed value stands for anything within
    half a unit of its last digit; a tiny relative slack absorbs floating-point error at the exact half-way point.
    """
    half_unit = 0.5 * 10 ** (math.floor(math.log10(abs(printed))) - (significant - 1))
    return abs(computed - printed) <= half_unit * (1 + 1e-9)


def test_within_printed_rounding_helper_is_strict():
    assert within_printed_rounding(3.1428e23, 3.14e23)
    assert within_printed_rounding(3637.5, 3.64e3)
    assert not within_printed_rounding(3.146e23, 3.14e23)
    assert not within_printed_rounding(3.634e3, 3.64e3)


# --- Paper and repository reproductions -------------------------------------------------------------------------------

def test_gpt3_175b_training_flops_and_pf_days():
    """GPT-3 paper (Brown et al. 2020), Table D.1, GPT-3 175B: 174,600M params, 300B tokens, 3.14E+23 FLOPs,
    3.64E+03 PF-days. Tolerance: the table's rounding to 3 significant figures (6ND = 3.1428e23 FLOPs = 3637.5
    PF-days, which print as 3.14E+23 and 3.64E+03)."""
    flops = training_flops(174.6e9, 300e9)
    assert flops == pytest.approx(6 * 174.6e9 * 300e9, rel=1e-15)
    assert within_printed_rounding(flops, 3.14e23)  # Table D.1, typed here as the reference
    assert within_printed_rounding(pf_days(flops), 3.64e3)  # Table D.1 prints 3.64E+03
    assert pf_days(flops) == pytest.approx(3637.5, abs=0.05)  # facts.md [D]: 3637 PF-days
    # ... and the library's reference data carries the same figures.
    record = data.model("GPT-3 175B")
    assert (record.params, record.tokens, record.training_flops) == (174.6e9, 300e9, 3.14e23)
    assert data.GPT3_PF_DAYS["GPT-3 175B"] == 3.64e3


def test_every_gpt3_row_is_in_both_tables():
    assert len(GPT3_ROWS) == 8  # Table D.1 has eight GPT-3 sizes, Small to 175B
    assert {record.name for record in GPT3_ROWS} == set(data.GPT3_PF_DAYS)


@pytest.mark.parametrize("record", GPT3_ROWS, ids=lambda record: record.name)
def test_six_nd_reproduces_gpt3_table_d1(record):
    """GPT-3 paper, Table D.1: for every size, 6·N·D with D = 300B tokens reproduces the printed training FLOPs
    and PF-days within the table's rounding (3 significant figures)."""
    flops = training_flops(record.params, record.tokens)
    assert within_printed_rounding(flops, record.training_flops), (flops, record.training_flops)
    assert within_printed_rounding(pf_days(flops), data.GPT3_PF_DAYS[record.name])
    # the printed FLOPs and PF-days agree with each other through 1 PF-day = 8.64e19 FLOPs (both rounded)
    assert pf_days(record.training_flops) == pytest.approx(data.GPT3_PF_DAYS[record.name], rel=0.01)


def test_one_pf_day_is_8_64e19_flops():
    """Kaplan et al. 2020, §1.3: one PF-day = 10^15 × 24 × 3600 = 8.64×10^19 FLOPs (exact)."""
    assert data.PF_DAY_FLOPS == 8.64e19
    assert pf_days(8.64e19) == 1.0
    assert flops_from_pf_days(1.0) == 8.64e19
    assert flops_from_pf_days(3.64e3) == pytest.approx(3.14496e23, rel=1e-12)  # 3640 × 8.64e19


def test_gopher_and_chinchilla_notes_arithmetic():
    """The notes on data.MODELS: 6ND gives 5.04e23 for Gopher (280B × 300B) and 5.88e23 for Chinchilla
    (70B × 1.4T), against the 5.76e23 budget of Hoffmann et al. 2022 Fig. 2 / Table 3 (Chinchilla within 3%)."""
    gopher, chinchilla = data.model("Gopher"), data.model("Chinchilla")
    assert training_flops(gopher.params, gopher.tokens) == pytest.approx(5.04e23, rel=1e-12)
    assert training_flops(chinchilla.params, chinchilla.tokens) == pytest.approx(5.88e23, rel=1e-12)
    assert "5.04e23" in gopher.note and "5.88e23" in chinchilla.note
    assert training_flops(chinchilla.params, chinchilla.tokens) == pytest.approx(chinchilla.training_flops,
                                                                                rel=0.03)


def test_llama2_70b_implies_a_plausible_mfu():
    """Plausibility check, not a reproduction: Llama 2 70B's model card (meta-llama/llama: MODEL_CARD.md)
    reports 1,720,320 A100-80GB GPU-hours for 2.0T tokens. With 6ND = 8.4e23 FLOPs and the A100's 312 TFLOP/s
    bf16 peak this implies MFU ≈ 0.435; large dense runs report 0.3–0.6 (PaLM 540B: 0.462), so it must land
    there. (6ND ignores attention FLOPs and the hours may include restarts, so no tighter bound is claimed.)"""
    record = data.model("Llama 2 70B")
    assert record.gpu_hours == 1_720_320
    flops = training_flops(record.params, record.tokens)
    assert flops == pytest.approx(6 * 70e9 * 2.0e12)
    mfu = implied_mfu(flops, record.accelerator, record.gpu_hours)
    assert 0.3 < mfu < 0.6
    assert mfu == pytest.approx(8.4e23 / (1_720_320 * 3600 * 312e12), rel=1e-12)


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


# --- forward / training FLOPs -----------------------------------------------------------------------------------

COUNTS = st.floats(min_value=1.0, max_value=1e14, allow_nan=False, allow_infinity=False)


@given(params=COUNTS, tokens=COUNTS)
@settings(max_examples=60, deadline=None)
def test_training_is_six_nd_and_forward_is_a_third(params, tokens):
    """The 2 + 4 split (Kaplan §2.1; GPT-3 Table D.1; Hoffmann App. F): forward 2ND, backward 4ND, total 6ND."""
    total = training_flops(params, tokens)
    assert total == pytest.approx(6 * params * tokens, rel=1e-14)
    assert forward_flops(params, tokens) == pytest.approx(total / 3, rel=1e-14)
    assert compute.FORWARD_FLOPS_PER_PARAM_TOKEN + compute.BACKWARD_FLOPS_PER_PARAM_TOKEN == 6.0
    assert compute.BACKWARD_FLOPS_PER_PARAM_TOKEN == 2 * compute.FORWARD_FLOPS_PER_PARAM_TOKEN


@given(pf=st.floats(min_value=1e-12, max_value=1e12))
@settings(max_examples=60, deadline=None)
def test_pf_days_round_trip(pf):
    assert pf_days(flops_from_pf_days(pf)) == pytest.approx(pf, rel=1e-14)


def test_big_python_integers_are_accepted():
    """A learner who types integers: 6 * 175 * 10**9 * 300 * 10**9 overflows int64 but is a perfectly good number."""
    assert pf_days(6 * 175 * 10**9 * 300 * 10**9) == pytest.approx(3.15e23 / 8.64e19, rel=1e-14)
    assert training_flops(175 * 10**9, 300 * 10**9) == pytest.approx(3.15e23, rel=1e-14)


# --- vectorisation ----------------------------------------------------------------------------------------------

SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def positive_arrays(shape, low=1e3, high=1e13):
    return hnp.arrays(np.float64, shape, elements=st.floats(min_value=low, max_value=high))


@given(data_=st.data(), shape=SHAPES)
@settings(max_examples=40, deadline=None)
def test_vectorised_functions_agree_with_their_scalar_results(data_, shape):
    """Scalar in → Python float out; array in → array of the same shape, equal element by element to the scalar
    results (also when one argument is a scalar and the other an array)."""
    a = data_.draw(positive_arrays(shape))
    b = data_.draw(positive_arrays(shape))
    one_arg = {"pf_days": pf_days, "flops_from_pf_days": flops_from_pf_days,
               "implied_mfu(A100, hours)": lambda x: implied_mfu(x * 1e8, "A100", 1e4)}
    two_arg = {"training_flops": training_flops, "forward_flops": forward_flops,
               "implied_mfu": lambda flops, hours: implied_mfu(flops * 1e8, "H100", hours)}
    for name, function in one_arg.items():
        result = function(a)
        assert isinstance(result, np.ndarray) and result.shape == shape, name
        for index in np.ndindex(shape):
            scalar = function(float(a[index]))
            assert type(scalar) is float, name
            assert result[index] == pytest.approx(scalar, rel=1e-15), name
    for name, function in two_arg.items():
        result = function(a, b)
        assert isinstance(result, np.ndarray) and result.shape == shape, name
        mixed = function(a, float(b.flat[0]))
        assert isinstance(mixed, np.ndarray) and mixed.shape == shape, name
        for index in np.ndindex(shape):
            scalar = function(float(a[index]), float(b[index]))
            assert type(scalar) is float, name
            assert result[index] == pytest.approx(scalar, rel=1e-15), name
            assert mixed[index] == pytest.approx(function(float(a[index]), float(b.flat[0])), rel=1e-15), name


def test_scalar_like_inputs_give_python_floats():
    for value in (7, 7.0, np.float64(7.0), np.int32(7), np.asarray(7.0)):
        assert type(training_flops(value, value)) is float
        assert type(pf_days(value)) is float
    assert type(implied_mfu(np.float32(1e20), "A100", np.int64(100))) is float


def test_lists_are_accepted_as_arrays():
    result = training_flops([1e9, 2e9], 1e10)
    assert isinstance(result, np.ndarray)
    np.testing.assert_allclose(result, [6e19, 1.2e20], rtol=1e-15)


def test_hours_mfu_energy_cost_and_days_are_vectorised():
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


# --- training time and cost -------------------------------------------------------------------------------------

def test_training_time_hand_worked_gpt3_example():
    """Worked by hand: GPT-3's 3.14e23 FLOPs on 1024 A100s (312e12 FLOP/s bf16 peak) at MFU 0.3.
    Cluster rate = 1024 × 312e12 × 0.3 = 9.58464e16 FLOP/s, so seconds = 3.14e23 / 9.58464e16 = 3,276,075 s
    = 37.92 days; accelerator-hours = 3,276,075 / 3600 × 1024 = 931,862; at $1.50 an hour, $1,397,793."""
    run = training_time(3.14e23, "A100", 1024, mfu=0.3, dollars_per_accelerator_hour=1.5)
    assert isinstance(run, TrainingRun)
    assert run.seconds == pytest.approx(3.14e23 / (1024 * 312e12 * 0.3), rel=1e-12)
    assert run.seconds == pytest.approx(3_276_075, rel=1e-6)
    assert run.days == pytest.approx(37.92, abs=0.005)
    assert run.accelerator_hours == pytest.approx(931_862, rel=1e-6)
    assert run.cost_dollars == pytest.approx(run.accelerator_hours * 1.5, rel=1e-15)
    assert run.cost_dollars == pytest.approx(1_397_793, rel=1e-6)
    assert (run.flops, run.n_accelerators, run.mfu) == (3.14e23, 1024, 0.3)
    assert run.accelerator == data.accelerator("A100").name


def test_training_time_defaults_and_accelerator_objects():
    """Defaults: MFU 0.4 and $2 per accelerator-hour (DeepSeek-V3's rental assumption). A chip may be passed by
    name (any case) or as an Accelerator record."""
    h100 = data.accelerator("H100")
    by_name = training_time(1e24, "h100", 256)
    by_record = training_time(1e24, h100, 256)
    assert by_name == by_record
    assert by_name.mfu == 0.4
    assert by_name.seconds == pytest.approx(1e24 / (256 * h100.peak_flops_per_second * 0.4), rel=1e-15)
    assert by_name.cost_dollars == pytest.approx(2.0 * by_name.accelerator_hours, rel=1e-15)
    assert training_time(1e24, "H100", 256, dollars_per_accelerator_hour=0).cost_dollars == 0.0
    for value in (by_name.seconds, by_name.accelerator_hours, by_name.cost_dollars, by_name.days):
        assert type(value) is float


@given(flops=st.floats(1e15, 1e27), n=st.integers(1, 100_000), mfu=st.floats(0.01, 1.0),
       price=st.floats(0.0, 100.0), chip=st.sampled_from(sorted(data.ACCELERATORS)))
@settings(max_examples=80, deadline=None)
def test_implied_mfu_inverts_training_time(flops, n, mfu, price, chip):
    run = training_time(flops, chip, n, mfu=mfu, dollars_per_accelerator_hour=price)
    assert implied_mfu(flops, chip, run.accelerator_hours) == pytest.approx(mfu, rel=1e-12)
    # accelerator-hours do not depend on how many chips share the work; the wall clock does
    assert run.accelerator_hours == pytest.approx(flops / (data.accelerator(chip).peak_flops_per_second * mfu)
                                                  / 3600, rel=1e-12)
    assert run.seconds * n / 3600 == pytest.approx(run.accelerator_hours, rel=1e-12)
    assert run.cost_dollars == pytest.approx(run.accelerator_hours * price, rel=1e-12, abs=1e-300)


def test_doubling_accelerators_halves_the_time_not_the_cost():
    one = training_time(1e23, "A100", 512, mfu=0.4)
    two = training_time(1e23, "A100", 1024, mfu=0.4)
    assert two.seconds == pytest.approx(one.seconds / 2, rel=1e-15)
    assert two.cost_dollars == pytest.approx(one.cost_dollars, rel=1e-15)


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


# --- bad input --------------------------------------------------------------------------------------------------

BAD_POSITIVE = [  # (value, error): meaningless for a count of params, tokens, FLOPs, PF-days or hours
    (-1.0, ValueError), (0.0, ValueError), (np.nan, ValueError), (np.inf, ValueError), (-np.inf, ValueError),
    ([], ValueError), (np.array([1.0, -1.0]), ValueError), (np.array([1e9, np.nan]), ValueError),
    ("1e9", TypeError), (None, TypeError), (True, TypeError), (1j, TypeError), ([1.0, "a"], TypeError),
    ([True, False], TypeError),
]

CALLS = {  # parameter name -> a call with the bad value in that parameter's place
    "training_flops/params": ("params", lambda bad: training_flops(bad, 1e9)),
    "training_flops/tokens": ("tokens", lambda bad: training_flops(1e9, bad)),
    "forward_flops/params": ("params", lambda bad: forward_flops(bad, 1e9)),
    "forward_flops/tokens": ("tokens", lambda bad: forward_flops(1e9, bad)),
    "pf_days/flops": ("flops", lambda bad: pf_days(bad)),
    "flops_from_pf_days/pf_days_value": ("pf_days_value", lambda bad: flops_from_pf_days(bad)),
    "implied_mfu/flops": ("flops", lambda bad: implied_mfu(bad, "A100", 1e5)),
    "implied_mfu/accelerator_hours": ("accelerator_hours", lambda bad: implied_mfu(1e22, "A100", bad)),
    "training_time/flops": ("flops", lambda bad: training_time(bad, "A100", 8)),
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

ZERO_IS_FINE = {"cost/hours", "cost/price", "energy/hours"}   # no hours, or a free accelerator: $0 and 0 kWh

CASES = [(call, bad, error) for call in CALLS for bad, error in BAD_POSITIVE
         if not (call in ZERO_IS_FINE and isinstance(bad, float) and bad == 0.0)
         and not (call == "run_budget/watts" and bad is None)]   # None there means: look the board power up


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


@pytest.mark.parametrize("bad, error", [
    (0, ValueError), (-8, ValueError), (2.5, TypeError), (np.nan, TypeError), (np.inf, TypeError),
    (None, TypeError), (True, TypeError), ("8", TypeError), ([8], TypeError),
], ids=repr)
@pytest.mark.parametrize("function", [
    lambda n: training_time(1e23, "A100", n), lambda n: mfu(1e5, 6e9, n, "A100"),
    lambda n: training_days(1e22, "A100", n, 0.4), lambda n: run_budget(1e9, 1e12, "A100", n),
], ids=["training_time", "mfu", "training_days", "run_budget"])
def test_bad_accelerator_counts(function, bad, error):
    with pytest.raises(error, match="n_accelerators"):
        function(bad)


@pytest.mark.parametrize("bad, error", [
    (0.0, ValueError), (-0.1, ValueError), (1.01, ValueError), (np.nan, ValueError), (np.inf, ValueError),
    ([], ValueError), ("0.4", TypeError), (None, TypeError), (True, TypeError), (np.array([0.3, 0.4]), TypeError),
], ids=repr)
def test_bad_mfu(bad, error):
    with pytest.raises(error, match="mfu"):
        training_time(1e23, "A100", 8, mfu=bad)


@pytest.mark.parametrize("bad, error", [
    (-1.0, ValueError), (np.nan, ValueError), (np.inf, ValueError), ("2", TypeError), (None, TypeError),
    (False, TypeError), (np.array([1.0, 2.0]), TypeError),
], ids=repr)
def test_bad_price(bad, error):
    with pytest.raises(error, match="dollars_per_accelerator_hour"):
        training_time(1e23, "A100", 8, dollars_per_accelerator_hour=bad)


def test_training_time_wants_one_run_not_an_array_of_budgets():
    with pytest.raises(TypeError, match="flops"):
        training_time(np.array([1e22, 1e23]), "A100", 8)


def test_run_budget_is_for_one_run():
    with pytest.raises(TypeError, match="params"):
        run_budget(np.array([1e9, 2e9]), 1e12, "A100", 8)


@pytest.mark.parametrize("function", [
    lambda chip: training_time(1e23, chip, 8), lambda chip: implied_mfu(1e23, chip, 1e5)])
@pytest.mark.parametrize("bad, error", [("B9000", ValueError), ("", ValueError), (None, TypeError),
                                        (312e12, TypeError)])
def test_bad_chip_names_the_parameter_and_lists_the_valid_chips(function, bad, error):
    with pytest.raises(error) as info:
        function(bad)
    message = str(info.value)
    assert "chip" in message
    assert all(key in message for key in data.ACCELERATORS), message


def test_unknown_chips_and_missing_board_power():
    with pytest.raises(ValueError, match="chip"):
        mfu(1e5, 6e9, 8, "B9000")
    with pytest.raises(TypeError, match="chip"):
        accelerator_hours(1e22, 312e12, 0.4)
    with pytest.raises(ValueError) as info:
        board_power_watts("TPU v4")
    assert "watts_per_accelerator" in str(info.value) and "A100 400 W" in str(info.value)


def test_pue_below_one_or_an_array_is_refused():
    with pytest.raises(ValueError, match="pue"):
        energy_kwh(10.0, 700.0, 0.9)
    with pytest.raises(TypeError, match="pue"):
        energy_kwh(10.0, 700.0, np.array([1.1, 1.2]))


@pytest.mark.parametrize("function, names", [
    (training_flops, ("params", "tokens")), (forward_flops, ("params", "tokens")),
    (lambda a, b: implied_mfu(a, "A100", b), ("flops", "accelerator_hours")),
])
def test_mismatched_shapes_name_both_parameters(function, names):
    with pytest.raises(ValueError) as info:
        function(np.full(3, 1e9), np.full(2, 1e9))
    assert all(name in str(info.value) for name in names), str(info.value)


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
    # the fit, the decisions and the written answer are tested in tests/test_compute_budgets_problems.py
    assert set(right_answers()) <= set(ps.ids)


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
