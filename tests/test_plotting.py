"""Tests of scalingedu.plotting: number formatting for readers, and figures in the course style."""
import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib import colors
from matplotlib.figure import Figure

from scalingedu import plotting
from scalingedu.plotting import PALETTE, figure_png, human, new_figure


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


@pytest.mark.parametrize("bad", ["175e9", None, True, [1.0, 2.0], np.array([1.0, 2.0])], ids=repr)
def test_human_rejects_non_numbers_naming_value(bad):
    with pytest.raises(TypeError, match="value"):
        human(bad)


def test_human_rejects_a_non_string_unit():
    with pytest.raises(TypeError, match="unit"):
        human(1e9, 3)


def test_new_figure_is_detached_from_pyplot_and_in_the_course_style():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    grid_before = matplotlib.rcParams["axes.grid"]
    figure, axes = new_figure(2, width=6, height=3)
    assert isinstance(figure, Figure)
    assert plt.get_fignums() == before  # not registered with pyplot: never auto-displays
    assert len(axes) == 2
    assert tuple(figure.get_size_inches()) == (6, 3)
    lines = [axes[0].plot([1, 2], [1, 2])[0] for _ in range(3)]
    assert [colors.to_hex(line.get_color()).upper() for line in lines] == [c.upper() for c in PALETTE[:3]]
    assert axes[0].xaxis.get_gridlines()[0].get_visible()  # grid on in the course style
    assert matplotlib.rcParams["axes.grid"] == grid_before  # the style did not leak into global state


def test_new_figure_single_axes_and_grid():
    _, single = new_figure()
    assert not isinstance(single, np.ndarray)
    _, grid = new_figure(3, 2)
    assert grid.shape == (2, 3)
    _, log_axes = new_figure(xscale="log")
    assert log_axes.get_xscale() == "log"


def test_palette_is_okabe_ito():
    """Okabe & Ito 2008, "Color Universal Design": eight colour-blind-safe colours."""
    assert PALETTE == ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
    assert plotting.STYLE["axes.prop_cycle"].by_key()["color"] == list(PALETTE)


def test_figure_png_is_a_png_of_the_figure_size():
    figure, axes = new_figure(width=4, height=2)
    axes.plot([1, 10, 100], [3, 2, 1])
    png = figure_png(figure)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    dpi = plotting.STYLE["savefig.dpi"]
    assert (width, height) == (4 * dpi, 2 * dpi)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"ncols": 0}, ValueError, "ncols"), ({"nrows": -1}, ValueError, "nrows"), ({"ncols": 1.5}, TypeError, "ncols"),
    ({"nrows": None}, TypeError, "nrows"), ({"width": 0}, ValueError, "width"),
    ({"height": float("nan")}, ValueError, "height"), ({"width": "8"}, TypeError, "width"),
])
def test_new_figure_rejects_bad_sizes(kwargs, error, name):
    with pytest.raises(error, match=name):
        new_figure(**kwargs)


@pytest.mark.parametrize("seconds, expected", [
    (0, "0 minutes"), (90, "1.5 minutes"), (3599, "60 minutes"), (3600, "1 hours"), (36 * 3600, "36 hours"),
    (2 * 86400, "2 days"), (729 * 86400, "729 days"), (730 * 86400, "2 years"), (3.3e7, "382 days"), (1e8, "3.17 years"),
])
def test_duration_picks_the_largest_sensible_unit(seconds, expected):
    assert plotting.duration(seconds) == expected


@pytest.mark.parametrize("bad, error", [(-1.0, ValueError), (float("inf"), ValueError), ("60", TypeError),
                                        ([60.0, 120.0], TypeError)])
def test_duration_rejects_bad_input_naming_seconds(bad, error):
    with pytest.raises(error, match="seconds"):
        plotting.duration(bad)
