"""Tests of scalingedu.plotting: figures in the course style (numbers: test_formatting.py)."""
import matplotlib
import numpy as np
import pytest
from matplotlib import colors
from matplotlib.figure import Figure

from scalingedu import plotting
from scalingedu.plotting import PALETTE, figure_png, new_figure


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


# --- projector mode ----------------------------------------------------------------------------------------------

def _text_height_px(figure) -> float:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    label = figure.axes[0].xaxis.label
    return label.get_window_extent(canvas.get_renderer()).height


def test_projector_mode_keeps_the_picture_size_and_enlarges_its_text():
    from scalingedu.plotting import PROJECTOR_SCALE, projector, projector_scale
    try:
        normal, ax = new_figure(width=8.0, height=3.6)
        ax.set_xlabel("parameters N")
        projector()
        assert projector_scale() == PROJECTOR_SCALE
        large, ax = new_figure(width=8.0, height=3.6)
        ax.set_xlabel("parameters N")
    finally:
        projector(False)
    pixels = lambda f: (f.get_figwidth() * f.dpi, f.get_figheight() * f.dpi)   # noqa: E731
    assert pixels(large) == pytest.approx(pixels(normal))
    assert _text_height_px(large) == pytest.approx(PROJECTOR_SCALE * _text_height_px(normal), rel=0.1)
    assert projector_scale() == 1.0


def test_projector_mode_refuses_a_silly_scale():
    from scalingedu.plotting import projector
    with pytest.raises(ValueError, match="scale must lie in"):
        projector(scale=10)
    with pytest.raises(TypeError, match="on must be True or False"):
        projector("yes")


def test_a_described_figure_gives_its_description_as_png_alt_metadata():
    from types import SimpleNamespace

    from IPython.core.formatters import PNGFormatter
    from matplotlib.figure import Figure

    from scalingedu.plotting import describe, description, install_alt_text, new_figure
    fig, ax = new_figure()
    ax.plot([1, 2], [3, 4])
    assert description(fig) is None
    assert describe(fig, """
        Loss against compute: a straight
        line falling from 3 to 2.""") is fig
    assert description(fig) == "Loss against compute: a straight line falling from 3 to 2."
    shell = SimpleNamespace(display_formatter=SimpleNamespace(formatters={"image/png": PNGFormatter()}))
    assert install_alt_text(shell) and install_alt_text(shell)          # idempotent
    png, metadata = shell.display_formatter.formatters["image/png"].lookup_by_type(Figure)(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and metadata == {"alt": description(fig)}
    plain, _ = new_figure()
    assert shell.display_formatter.formatters["image/png"].lookup_by_type(Figure)(plain)[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="non-empty"):
        describe(fig, "  ")
    with pytest.raises(TypeError, match="matplotlib Figure"):
        describe("figure", "text")


def test_colour_only_entries_finds_legends_told_apart_by_colour_alone():
    from scalingedu.plotting import HATCHES, colour_only_entries
    figure, ax = new_figure(width=3, height=2)
    ax.plot([0, 1], [0, 1], label="first")
    ax.plot([0, 1], [1, 0], label="second")                           # same solid line, another colour
    ax.scatter([0], [0], marker="o", label="a point")
    ax.scatter([1], [1], marker="s", label="another point")           # another marker: fine
    ax.bar([0], [1], hatch=HATCHES[0], label="part one")
    ax.bar([1], [1], hatch=HATCHES[1], label="part two")              # another hatch: fine
    ax.set_title("demo")
    ax.legend()
    assert colour_only_entries(figure) == [("demo", "first", "second")]
    ax.get_lines()[1].set_linestyle("--")
    ax.legend()
    assert colour_only_entries(figure) == []


def test_colour_only_entries_compares_error_bar_series_by_their_data_lines():
    """An error-bar series' legend key begins with its bar lines, which look alike for every series; the check
    compares the series' data lines (line style and marker) instead. Before, two series with different markers and
    line styles were reported as told apart by colour alone."""
    from scalingedu.plotting import colour_only_entries
    figure, ax = new_figure(width=3, height=2)
    ax.errorbar([1, 2], [1, 2], yerr=[0.1, 0.1], marker="o", ls="-", capsize=3, label="small")
    ax.errorbar([1, 2], [2, 1], yerr=[0.1, 0.1], marker="s", ls="--", capsize=3, label="large")
    ax.set_title("bars")
    ax.legend()
    assert colour_only_entries(figure) == []
    ax.errorbar([1, 2], [3, 3], yerr=[0.1, 0.1], marker="o", ls="-", capsize=3, label="same as small")
    ax.legend()
    assert colour_only_entries(figure) == [("bars", "small", "same as small")]


def test_describe_refuses_a_colour_only_legend_when_the_check_is_on(monkeypatch):
    from scalingedu.plotting import CHECK_COLOUR_VARIABLE, ColourOnlyError, describe
    figure, ax = new_figure(width=3, height=2)
    ax.plot([0, 1], [0, 1], label="first")
    ax.plot([0, 1], [1, 0], label="second")
    ax.legend()
    monkeypatch.setenv(CHECK_COLOUR_VARIABLE, "0")
    describe(figure, "two crossing lines")                            # learners' default: no check
    monkeypatch.setenv(CHECK_COLOUR_VARIABLE, "1")
    with pytest.raises(ColourOnlyError, match="'first' and 'second'"):
        describe(figure, "two crossing lines")
