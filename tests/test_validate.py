"""Unit and property tests of scalingedu._validate, the input checks every public function relies on.

Course convention (course-design.md, "Bad input gets a clear error, never a silent NaN"): a bad argument raises
TypeError (wrong kind) or ValueError (wrong value) whose message names the parameter, shows the value and states
the valid range.
"""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalingedu import _validate as v

NOT_NUMBERS = [None, "1e9", b"12", True, False, np.True_, 1j, [1.0, "a"], [True, False], np.array(["1"]),
               {"a": 1}, [[1.0, 2.0], [3.0]], object()]


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=repr)
def test_as_number_array_rejects_non_numbers_with_type_error_naming_the_parameter(bad):
    with pytest.raises(TypeError, match="my_param"):
        v.as_number_array("my_param", bad)


@pytest.mark.parametrize("good, expected", [
    (3, 3.0), (2.5, 2.5), (np.float32(1.5), 1.5), (np.int64(7), 7.0), (np.uint8(4), 4.0), (Fraction(1, 4), 0.25),
    # Python integers beyond int64 (NumPy stores them as objects): 6 * 175e9 * 300e9 typed as integers.
    (6 * 175 * 10**9 * 300 * 10**9, 3.15e23),
])
def test_as_number_array_accepts_real_numbers_as_floats(good, expected):
    array = v.as_number_array("value", good)
    assert array.dtype == np.float64
    assert float(array) == pytest.approx(expected, rel=1e-15)


def test_as_number_array_accepts_lists_of_big_python_ints():
    array = v.as_number_array("value", [10**23, 2 * 10**23])
    assert array.dtype == np.float64
    np.testing.assert_array_equal(array, [1e23, 2e23])


def test_as_number_array_reports_an_integer_too_large_for_a_float():
    with pytest.raises(ValueError, match="value"):
        v.as_number_array("value", 10**400)


@pytest.mark.parametrize("bad", [-1.0, 0.0, -0.0, np.nan, np.inf, -np.inf, [], [1.0, -2.0], [1.0, np.nan],
                                 np.zeros((2, 0))], ids=repr)
def test_positive_rejects_non_positive_non_finite_and_empty(bad):
    with pytest.raises(ValueError, match="budget"):
        v.positive("budget", bad)


def test_positive_message_names_the_value_and_the_range():
    with pytest.raises(ValueError) as info:
        v.positive("budget", [3.0, -2.5])
    message = str(info.value)
    assert "budget" in message and "-2.5" in message and "> 0" in message
    with pytest.raises(ValueError) as info:
        v.positive("budget", float("nan"))
    assert "nan" in str(info.value) and "finite" in str(info.value)


def test_positive_allow_zero_and_allow_empty():
    assert float(v.positive("price", 0.0, allow_zero=True)) == 0.0
    with pytest.raises(ValueError, match=">= 0"):
        v.positive("price", -1e-9, allow_zero=True)
    assert v.positive("values", [], allow_empty=True).size == 0
    with pytest.raises(ValueError, match="values is empty"):
        v.positive("values", [])


@given(st.floats(min_value=1e-300, max_value=1e300))
@settings(max_examples=50, deadline=None)
def test_positive_accepts_every_finite_positive_float_unchanged(value):
    assert float(v.positive("value", value)) == value


@given(st.one_of(st.floats(max_value=0.0), st.just(float("nan")), st.just(float("inf"))))
@settings(max_examples=50, deadline=None)
def test_positive_rejects_every_non_positive_or_non_finite_float(value):
    with pytest.raises(ValueError, match="value"):
        v.positive("value", value)


def test_finite_accepts_negatives_and_rejects_nan_inf_empty():
    np.testing.assert_array_equal(v.finite("offset", [-1.0, 0.0, 2.0]), [-1.0, 0.0, 2.0])
    for bad in (np.nan, np.inf, [], [0.0, -np.inf]):
        with pytest.raises(ValueError, match="offset"):
            v.finite("offset", bad)
    with pytest.raises(TypeError, match="offset"):
        v.finite("offset", None)


def test_in_range_respects_open_and_closed_ends():
    assert float(v.in_range("mfu", 1.0, 0.0, 1.0, low_open=True)) == 1.0
    with pytest.raises(ValueError, match=r"mfu must lie in \(0, 1\]"):
        v.in_range("mfu", 0.0, 0.0, 1.0, low_open=True)
    with pytest.raises(ValueError, match=r"mfu must lie in \[0, 1\)"):
        v.in_range("mfu", 1.0, 0.0, 1.0, high_open=True)
    with pytest.raises(ValueError, match="mfu"):
        v.in_range("mfu", [0.5, 1.2], 0.0, 1.0)
    with pytest.raises(ValueError, match="mfu"):
        v.in_range("mfu", np.nan, 0.0, 1.0)


def test_positive_int():
    assert v.positive_int("n", 8) == 8
    assert v.positive_int("n", np.int64(8)) == 8
    assert v.positive_int("n", 8.0) == 8  # a whole float is accepted and converted
    assert type(v.positive_int("n", 8.0)) is int
    for bad, error in [(0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError), (None, TypeError),
                       ("8", TypeError), (float("nan"), TypeError), (float("inf"), TypeError), ([8], TypeError)]:
        with pytest.raises(error, match="n_gpus"):
            v.positive_int("n_gpus", bad)
    with pytest.raises(ValueError, match="<= 4"):
        v.positive_int("n", 5, maximum=4)
    assert v.positive_int("n", 0, minimum=0) == 0


def test_same_shape_names_every_input():
    v.same_shape(x=np.ones(3), y=np.zeros(3))
    with pytest.raises(ValueError) as info:
        v.same_shape(x=np.ones(3), y=np.zeros((3, 1)))
    assert "x has shape (3,)" in str(info.value) and "y has shape (3, 1)" in str(info.value)


def test_one_of_lists_the_choices():
    assert v.one_of("schedule", "1f1b", {"gpipe", "1f1b"}) == "1f1b"
    with pytest.raises(ValueError) as info:
        v.one_of("schedule", "zero-bubble", {"gpipe", "1f1b"})
    assert "schedule" in str(info.value) and "gpipe" in str(info.value) and "1f1b" in str(info.value)
    with pytest.raises(TypeError, match="schedule"):
        v.one_of("schedule", 3, {"gpipe"})


def test_scalar_or_array_keeps_scalars_scalar():
    assert type(v.scalar_or_array(np.asarray(2.0), 1.0, np.float64(3.0))) is float
    result = v.scalar_or_array(np.asarray([2.0]), 1.0, [3.0])
    assert isinstance(result, np.ndarray) and result.shape == (1,)


def test_single_number_refuses_arrays_and_returns_a_float():
    assert v.single_number("value", np.float32(2.5)) == 2.5 and type(v.single_number("value", 3)) is float
    assert np.isnan(v.single_number("value", float("nan")))   # finiteness is left to the caller
    for bad, error in [([1.0], TypeError), (np.ones(2), TypeError), ("3", TypeError), (True, TypeError)]:
        with pytest.raises(error, match="seconds"):
            v.single_number("seconds", bad)


def test_positive_number_is_one_finite_number_above_zero():
    assert v.positive_number("seconds", 60) == 60.0
    assert v.positive_number("weight", 0, allow_zero=True) == 0.0
    for bad, error in [(0, ValueError), (-1, ValueError), (float("inf"), ValueError), (float("nan"), ValueError),
                       ([5.0, 6.0], TypeError), (None, TypeError)]:
        with pytest.raises(error, match="seconds"):
            v.positive_number("seconds", bad)
    with pytest.raises(ValueError, match=">= 0"):
        v.positive_number("weight", -0.5, allow_zero=True)
