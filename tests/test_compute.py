"""Tests of scalingedu.compute: 6ND, PF-days, training time and cost, implied MFU.

Paper reproductions name their source and tolerance. Published figures come from scalingedu.data; a figure typed
here is the reference the library is compared against, with its source beside it.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scalingedu import compute, data
from scalingedu.compute import (
    TrainingRun,
    flops_from_pf_days,
    forward_flops,
    implied_mfu,
    pf_days,
    training_flops,
    training_time,
)

GPT3_ROWS = [record for record in data.MODELS if record.family == "GPT-3"]


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


# --- Paper reproductions ---------------------------------------------------------------------------------------

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
}


@pytest.mark.parametrize("call", CALLS, ids=str)
@pytest.mark.parametrize("bad, error", BAD_POSITIVE, ids=lambda x: repr(x) if not isinstance(x, type) else "")
def test_bad_counts_raise_errors_naming_the_parameter(call, bad, error):
    name, function = CALLS[call]
    with pytest.raises(error) as info:
        function(bad)
    assert name in str(info.value), str(info.value)


@pytest.mark.parametrize("bad, error", [
    (0, ValueError), (-8, ValueError), (2.5, TypeError), (np.nan, TypeError), (np.inf, TypeError),
    (None, TypeError), (True, TypeError), ("8", TypeError), ([8], TypeError),
], ids=repr)
def test_bad_accelerator_counts(bad, error):
    with pytest.raises(error, match="n_accelerators"):
        training_time(1e23, "A100", bad)


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


@pytest.mark.parametrize("function", [
    lambda chip: training_time(1e23, chip, 8), lambda chip: implied_mfu(1e23, chip, 1e5)])
@pytest.mark.parametrize("bad, error", [("B200", ValueError), ("", ValueError), (None, TypeError), (312e12, TypeError)])
def test_bad_chip_names_the_parameter_and_lists_the_valid_chips(function, bad, error):
    with pytest.raises(error) as info:
        function(bad)
    message = str(info.value)
    assert "chip" in message
    assert all(key in message for key in data.ACCELERATORS), message


@pytest.mark.parametrize("function, names", [
    (training_flops, ("params", "tokens")), (forward_flops, ("params", "tokens")),
    (lambda a, b: implied_mfu(a, "A100", b), ("flops", "accelerator_hours")),
])
def test_mismatched_shapes_name_both_parameters(function, names):
    with pytest.raises(ValueError) as info:
        function(np.full(3, 1e9), np.full(2, 1e9))
    assert all(name in str(info.value) for name in names), str(info.value)
