"""Tests of scalingedu.formatting: the numbers the course shows a reader, and its printed tables."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalingedu.data import ACCELERATORS
from scalingedu.formatting import (
    GIB,
    duration,
    energy,
    flops,
    human,
    memory,
    money,
    pf_days,
    sci,
    short_duration,
    table,
    traffic,
)

NON_NUMBERS = ["175e9", None, True, [1.0, 2.0], np.array([1.0, 2.0])]


# --- human ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, unit, expected", [
    (174.6e9, "params", "175B params"),  # GPT-3 175B (Table D.1: 174,600M)
    (300e9, "tokens", "300B tokens"),
    (1.4e12, "tokens", "1.4T tokens"),  # Chinchilla
    (70e9, "params", "70B params"),
    (12.9e9, "", "12.9B"),
    (125e6, "params", "125M params"),
    (1500, "", "1.5k"),
    (999, "", "999"),
    (0, "GPUs", "0 GPUs"),
    (0.3, "", "0.3"),
    (-2.5e6, "", "-2.5M"),
    (3.14e23, "FLOPs", "3.14e23 FLOPs"),  # beyond 1e15: e-notation, no '+'
    (1e15, "", "1e15"),
    (8.64e19, "FLOPs", "8.64e19 FLOPs"),
    # rounding that crosses a prefix boundary moves to the next prefix
    (999_999, "", "1M"),
    (999.6e9, "params", "1T params"),
    (999.5, "", "1k"),
    (9.996e14, "", "1e15"),
    (6 * 175 * 10**9 * 300 * 10**9, "FLOPs", "3.15e23 FLOPs"),  # a Python int beyond int64
    (np.float32(2.5e9), "", "2.5B"),
    (np.int64(4096), "", "4.1k"),
    (float("nan"), "params", "nan params"),
    (float("inf"), "", "inf"),
])
def test_human(value, unit, expected):
    assert human(value, unit) == expected


@given(st.floats(min_value=-1e18, max_value=1e18, allow_nan=False))
@settings(max_examples=200, deadline=None)
def test_human_keeps_three_significant_figures_and_a_short_mantissa(value):
    text = human(value)
    suffixes = {"k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
    if text[-1] in suffixes:
        mantissa = float(text[:-1])
        assert 1 <= abs(mantissa) < 1000  # never '1e+03k'
        reconstructed = mantissa * suffixes[text[-1]]
    else:
        reconstructed = float(text)
    assert "e+" not in text
    assert reconstructed == pytest.approx(value, rel=5e-3, abs=1e-300)


@pytest.mark.parametrize("bad", NON_NUMBERS, ids=repr)
def test_human_rejects_non_numbers_naming_value(bad):
    with pytest.raises(TypeError, match="value"):
        human(bad)


def test_human_rejects_a_non_string_unit():
    with pytest.raises(TypeError, match="unit"):
        human(1e9, 3)


# --- duration and short_duration ------------------------------------------------------------------

@pytest.mark.parametrize("seconds, expected", [
    (0, "0 seconds"), (0.0116, "11.6 ms"), (1, "1 second"), (12, "12 seconds"), (60, "1 minute"),
    (90, "1.5 minutes"), (3599, "1 hour"), (3600, "1 hour"),
    (36 * 3600, "36 hours"), (2 * 86400, "2 days"), (729 * 86400, "729 days"),
    (730 * 86400, "2 years"), (3.3e7, "382 days"), (1e8, "3.17 years"),
    (999.6 * 365.25 * 86400, "1,000 years"), (2.7e3 * 365.25 * 86400, "2,700 years"),
    (1.234e8 * 365.25 * 86400, "1.23e8 years"),
])
def test_duration_picks_the_largest_sensible_unit(seconds, expected):
    assert duration(seconds) == expected


@pytest.mark.parametrize("bad, error", [(-1.0, ValueError), (float("inf"), ValueError),
                                        ("60", TypeError), ([60.0, 120.0], TypeError)])
def test_duration_rejects_bad_input_naming_seconds(bad, error):
    with pytest.raises(error, match="seconds"):
        duration(bad)


@pytest.mark.parametrize("seconds, expected", [
    (0, "0 ms"), (0.35, "350 ms"), (0.0004, "0 ms"), (0.9994, "999 ms"),
    (0.9996, "1.00 s"),                 # rounds to a second: shown in seconds, never '1000 ms'
    (1.0, "1.00 s"), (2.345678, "2.35 s"), (523.123, "523.12 s"),
])
def test_short_duration_is_milliseconds_below_a_second(seconds, expected):
    assert short_duration(seconds) == expected


@pytest.mark.parametrize("bad, error", [(-0.1, ValueError), (math.nan, ValueError),
                                        ("1", TypeError)])
def test_short_duration_rejects_bad_input_naming_seconds(bad, error):
    with pytest.raises(error, match="seconds"):
        short_duration(bad)


# --- sci and flops --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, digits, expected", [
    (5.76e23, 3, "5.76e23"), (1e21, 3, "1.00e21"), (6e18, 1, "6e18"), (3e21, 1, "3e21"),
    (2.5e-5, 3, "2.50e-5"), (-1.234e10, 2, "-1.2e10"), (0.0, 3, "0.00e0"), (12.0, 3, "1.20e1"),
    (9.996e22, 3, "1.00e23"),           # rounding carries into the exponent
    (math.inf, 3, "inf"), (math.nan, 3, "nan"),
])
def test_sci_writes_a_fixed_number_of_significant_digits(value, digits, expected):
    assert sci(value, digits) == expected


def test_sci_matches_the_old_private_formatter_for_flops():
    """The widgets printed f"{x:.2e}".replace("e+", "e"); sci gives the same for any budget."""
    for value in np.geomspace(1e18, 1e30, 37):
        assert sci(value) == f"{value:.2e}".replace("e+", "e")


@pytest.mark.parametrize("bad, error, name", [("1e21", TypeError, "value"),
                                              (None, TypeError, "value"),
                                              (1e21, ValueError, "digits")])
def test_sci_rejects_bad_input_naming_the_parameter(bad, error, name):
    with pytest.raises(error, match=name):
        sci(bad, 0 if name == "digits" else 3)
    with pytest.raises(TypeError, match="digits"):
        sci(1e21, 2.5)


@pytest.mark.parametrize("value, expected", [
    (5.76e23, "5.76e23 FLOPs"), (1e21, "1e21 FLOPs"), (3.14159e23, "3.14e23 FLOPs"),
    (512, "512 FLOPs"), (0, "0 FLOPs"), (1234, "1.23e3 FLOPs"), (9.996e24, "1e25 FLOPs"),
])
def test_flops_has_three_significant_figures_and_its_unit(value, expected):
    assert flops(value) == expected


@pytest.mark.parametrize("bad, error", [(-1.0, ValueError), (math.inf, ValueError),
                                        ("1e21", TypeError), ([1e21], TypeError)])
def test_flops_rejects_bad_input_naming_value(bad, error):
    with pytest.raises(error, match="value"):
        flops(bad)


# --- pf_days --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (3640, "3,640 PF-days"),            # GPT-3 (Brown et al. 2020, Table D.1)
    (3641.7, "3,642 PF-days"),          # from 100 on: the whole number
    (100, "100 PF-days"), (99.94, "99.9 PF-days"), (99.96, "100 PF-days"),
    (36.37, "36.4 PF-days"),            # below 100: three significant figures
    (1.389, "1.39 PF-days"), (0.0123, "0.0123 PF-days"), (0, "0 PF-days"),
    (2e-7, "2e-7 PF-days"),
])
def test_pf_days_threshold_and_rounding(value, expected):
    assert pf_days(value) == expected


@pytest.mark.parametrize("bad, error", [(-3.0, ValueError), (math.nan, ValueError),
                                        ("3640", TypeError)])
def test_pf_days_rejects_bad_input_naming_value(bad, error):
    with pytest.raises(error, match="value"):
        pf_days(bad)


# --- money ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dollars, expected", [
    (2.5e6, "$2.5M"), (0, "$0"), (4.6e6, "$4.6M"), (1234.5, "$1.23k"), (999.6e6, "$1B"),
    (5.5e15, "$5.5e15"), (0.5, "$0.5"), (math.inf, "out of reach"),
])
def test_money(dollars, expected):
    assert money(dollars) == expected


def test_money_escapes_the_dollar_for_mathtext_when_asked():
    assert money(2.5e6, tex=True) == "\\$2.5M"
    assert money(math.inf, tex=True) == "out of reach"
    with pytest.raises(TypeError, match="tex"):
        money(1.0, tex="yes")


@pytest.mark.parametrize("bad, error", [(-1.0, ValueError), (math.nan, ValueError),
                                        ("$5", TypeError), (None, TypeError), ([1.0], TypeError)])
def test_money_rejects_bad_input_naming_dollars(bad, error):
    with pytest.raises(error, match="dollars"):
        money(bad)


# --- energy and memory ----------------------------------------------------------------------------

@pytest.mark.parametrize("kwh, expected", [
    (850, "850 kWh"), (0, "0 kWh"), (0.5, "0.5 kWh"), (1500, "1.5 MWh"), (1.3e6, "1.3 GWh"),
    (1.234e6, "1.23 GWh"), (2.6e10, "26 TWh"), (3.5e12, "3.5e3 TWh"),
    (999.6, "1 MWh"), (999_600, "1 GWh"),   # rounding crosses a unit boundary: the next unit
    (None, "n/a"),                          # no board power on record
])
def test_energy_picks_the_largest_unit_after_rounding(kwh, expected):
    assert energy(kwh) == expected


@pytest.mark.parametrize("bad, error", [(-1.0, ValueError), (math.inf, ValueError),
                                        ("1 GWh", TypeError)])
def test_energy_rejects_bad_input_naming_kwh(bad, error):
    with pytest.raises(error, match="kwh"):
        energy(bad)


@pytest.mark.parametrize("n_bytes, expected", [
    (140 * 2**30, "140 GiB"), (2**28, "0.25 GiB"), (80 * 2**30, "80 GiB"), (1.3 * 2**40, "1.3 TiB"),
    (1.6 * 2**50, "1.6 PiB"), (0, "0 GiB"),
    (80e9, "74.5 GiB"),               # a decimal "80 GB" is 80e9 / 2**30 = 74.5 GiB, 7% less than the part holds
    (1.4e11, "130 GiB"),              # 1.4e11 / 2**30 = 130.4
    (1023.9 * 2**30, "1 TiB"),        # 0.99990 TiB rounds to 1.00: the unit is chosen after rounding
    (1000 * 2**30, "0.977 TiB"),      # never '1e3 GiB' nor '1,000 GiB': no number reaches 1,000
])
def test_memory_is_in_binary_units_gib_then_tib_and_pib(n_bytes, expected):
    assert memory(n_bytes) == expected


def test_memory_prints_every_accelerator_as_its_label_in_gib():
    for chip in ACCELERATORS.values():
        label = chip.memory_bytes / GIB
        assert label == round(label) and memory(chip.memory_bytes) == f"{label:.0f} GiB"


@pytest.mark.parametrize("n_bytes, expected", [
    (1.07e11, "107 GB"), (4.6e8, "0.46 GB"), (1.3e12, "1.3 TB"), (9.996e11, "1 TB"), (0, "0 GB"),
])
def test_traffic_is_decimal_like_link_bandwidths(n_bytes, expected):
    assert traffic(n_bytes) == expected


@pytest.mark.parametrize("formatter", [memory, traffic])
@pytest.mark.parametrize("bad, error", [(-1.0, ValueError), ("80 GB", TypeError)])
def test_memory_and_traffic_reject_bad_input_naming_n_bytes(formatter, bad, error):
    with pytest.raises(error, match="n_bytes"):
        formatter(bad)


@pytest.mark.parametrize("formatter", [sci, flops, pf_days, money, energy, memory, traffic, short_duration,
                                       duration, human])
@given(value=st.floats(min_value=0, max_value=1e30, allow_nan=False))
@settings(max_examples=50, deadline=None)
def test_no_formatter_writes_e_plus(formatter, value):
    assert "e+" not in formatter(value)


@pytest.mark.parametrize("seconds, text", [(0.99999, "1 second"), (59.9999, "1 minute"), (3599.99, "1 hour"),
                                           (0.9994, "999 ms")])
def test_duration_picks_its_unit_after_rounding(seconds, text):
    # CI found 0.99999 s written as '1e+03 ms': the unit was chosen before the rounding.
    assert duration(seconds) == text


# --- table ----------------------------------------------------------------------------------------

def test_table_aligns_numbers_right_and_text_left_under_a_rule():
    text = table([("GPT-3 175B", 174.6e9, 300e9, 1.71), ("Chinchilla", 70e9, 1.4e12, 20.0)],
                 ["model", "params", "tokens", "D/N"], formats=[None, human, human, ".3g"])
    assert text.splitlines() == [
        "model       params  tokens   D/N",
        "----------  ------  ------  ----",
        "GPT-3 175B    175B    300B  1.71",
        "Chinchilla     70B    1.4T    20",
    ]


def test_table_defaults_integers_floats_and_missing_cells():
    text = table([("a", 3, 0.123456, None), ("bb", 12345, 5.76e23, "x")],
                 ["name", "n", "value", "note"], missing="-")
    lines = text.splitlines()
    assert lines[2] == "a         3    0.123  -"
    assert lines[3] == "bb    12345  5.76e23  x"          # integers as they are; no 'e+'
    assert all(not line.endswith(" ") for line in lines)


def test_table_alignment_gap_and_no_rows():
    assert table([("x", 1)], ["a", "b"], align="rl", gap=1).splitlines() == ["a b", "- -", "x 1"]
    assert table([], ["a", "bb"]) == "a  bb\n-  --"
    assert table(np.array([[1.5, 2.0]]), ["a", "b"]).splitlines()[2] == "1.5  2"


@pytest.mark.parametrize("kwargs, error, name", [
    ({"rows": [(1, 2)], "headers": "ab"}, TypeError, "headers"),
    ({"rows": [(1, 2)], "headers": []}, ValueError, "headers"),
    ({"rows": [(1, 2)], "headers": ["a", 2]}, ValueError, "headers"),
    ({"rows": [(1, 2, 3)], "headers": ["a", "b"]}, ValueError, r"rows\[0\]"),
    ({"rows": 5, "headers": ["a"]}, TypeError, "rows"),
    ({"rows": "ab", "headers": ["a"]}, TypeError, "rows"),
    ({"rows": [(1, 2)], "headers": ["a", "b"], "formats": [None]}, ValueError, "formats"),
    ({"rows": [(1, 2)], "headers": ["a", "b"], "formats": [None, ".2q"]}, ValueError,
     r"formats\[1\]"),
    ({"rows": [(1, 2)], "headers": ["a", "b"], "formats": [None, lambda x: 3]}, TypeError,
     r"formats\[1\]"),
    ({"rows": [(1, 2)], "headers": ["a", "b"], "align": "lc"}, ValueError, "align"),
    ({"rows": [(1, 2)], "headers": ["a", "b"], "gap": 0}, ValueError, "gap"),
    ({"rows": [(1, 2)], "headers": ["a", "b"], "missing": None}, TypeError, "missing"),
])
def test_table_rejects_bad_input_naming_the_parameter(kwargs, error, name):
    with pytest.raises(error, match=name):
        table(**kwargs)
