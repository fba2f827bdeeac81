"""Tests of lesson 07's widgets (scalingedu.widgets.mixture_of_experts): RouterSimulator and
DenseVsMoEExplorer."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from scalingedu import moe
from scalingedu.formatting import human, memory
from scalingedu.plotting import description
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.mixture_of_experts import (
    METHOD_LABELS,
    SIMULATOR_SEED,
    SIMULATOR_TOKENS,
    DenseVsMoEExplorer,
    RouterSimulator,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def simulator():
    return RouterSimulator()


@pytest.fixture(scope="module")
def comparison():
    return DenseVsMoEExplorer()


def _shown(widget) -> bool:
    return widget.image.layout.display != "none" and widget.message.layout.display == "none"


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png))).astype(int)


def _library_history(method, *, skew=1.0, experts=16, top_k=2, capacity_factor=1.25, steps=100):
    return moe.simulate_balancing(method=method, experts=experts, tokens=SIMULATOR_TOKENS, top_k=top_k, skew=skew,
                                  steps=steps, capacity_factor=capacity_factor, seed=SIMULATOR_SEED)


# --- RouterSimulator ---------------------------------------------------------------------------------------------

def test_widgets_are_registered_and_the_first_control_is_a_slider(simulator):
    assert RouterSimulator in all_widget_classes() and DenseVsMoEExplorer in all_widget_classes()
    import ipywidgets
    first = next(iter(simulator.controls.values()))
    assert isinstance(first, ipywidgets.FloatSlider)          # the browser test presses ArrowRight on it
    assert set(METHOD_LABELS.values()) == set(moe.BALANCING_METHODS)
    assert simulator.error is None and _shown(simulator)
    assert bytes(simulator.image.value).startswith(PNG_SIGNATURE)
    bundle, metadata = simulator._repr_mimebundle_()          # the picture and its alt text, the description
    assert "image/png" in bundle and metadata["image/png"]["alt"] == description(simulator.figure)


@pytest.mark.parametrize("label", list(METHOD_LABELS))
def test_simulator_draws_the_library_simulation(simulator, label):
    """The widget's cached batches equal the library's seeded ones, so its numbers are simulate_balancing's."""
    simulator.update(method=label, skew=1.0, experts=16, top_k=2, capacity_factor=1.25, steps=100)
    history = _library_history(METHOD_LABELS[label])
    even = SIMULATOR_TOKENS * 2 / 16
    heights = np.array([bar.get_height() + dropped.get_height()
                        for bar, dropped in zip(simulator.kept_bars[:16], simulator.dropped_bars[:16])])
    np.testing.assert_allclose(heights, history.load[-1] / even, rtol=1e-6)
    assert simulator.capacity_line.get_ydata()[0] == pytest.approx(history.capacity / even)
    np.testing.assert_allclose(simulator.drop_line.get_ydata(), 100 * history.dropped_fraction, rtol=1e-9)
    np.testing.assert_allclose(simulator.loss_line.get_ydata(), history.balancing_loss, rtol=1e-9)
    assert not any(bar.get_visible() for bar in simulator.kept_bars[16:])


def test_balancing_empties_the_overflow_bars(simulator):
    simulator.update(method="none", skew=2.0, steps=100, experts=16, top_k=2, capacity_factor=1.25)
    overflow_none = sum(bar.get_height() for bar in simulator.dropped_bars[:16])
    simulator.update(method="DeepSeek-V3 bias")
    overflow_bias = sum(bar.get_height() for bar in simulator.dropped_bars[:16])
    assert overflow_none > 1.0 and overflow_bias < 0.2 * overflow_none
    assert "dropped" in simulator.summary.get_text()


CONTROL_MOVES = {  # widget -> (control, new value) pairs, each moved on a fresh widget
    RouterSimulator: [("skew", 2.5), ("experts", 32), ("top_k", 1), ("capacity_factor", 2.0),
                      ("method", "Switch auxiliary loss"), ("steps", 40)],
    DenseVsMoEExplorer: [("flops", 1e21), ("experts", 128), ("top_k", 4)],
}


@pytest.mark.parametrize("factory, name, value",
                         [(factory, name, value) for factory, moves in CONTROL_MOVES.items() for name, value in moves],
                         ids=lambda x: x.__name__ if isinstance(x, type) else None)
def test_each_control_costs_one_render_and_changes_the_image(factory, name, value):
    widget = factory()
    renders, image = widget.renders, bytes(widget.image.value)
    widget.controls[name].value = value
    assert widget.renders == renders + 1 and widget.error is None
    assert bytes(widget.image.value) != image


def test_updated_picture_equals_a_full_redraw():
    widget = RouterSimulator()
    for values in (dict(skew=2.0), dict(steps=30), dict(method="none"), dict(experts=8, top_k=4)):
        widget.update(**values)
        updated = _pixels(bytes(widget.image.value))
        widget._background = None
        assert np.abs(updated - _pixels(widget.render_png())).max() <= 2


def test_top_k_above_experts_shows_a_message_not_a_traceback():
    widget = RouterSimulator(experts=4, top_k=4)
    assert widget.error is None
    widget.controls["top_k"].max = 8               # the sliders cannot get there; a script could
    renders = widget.renders
    widget.update(top_k=8)
    assert widget.error is not None and "cannot exceed" in widget.error and not _shown(widget)
    assert widget.renders == renders
    widget.update(top_k=2)
    assert widget.error is None and _shown(widget)


def test_simulator_update_is_fast_enough():
    """Median update well under a second even on a loaded 2-core machine (the benchmark measures the real value)."""
    widget = RouterSimulator()
    times = []
    for skew in (0.5, 1.5, 2.5, 1.0, 2.0):
        widget.update(skew=skew)
        times.append(widget.last_update_seconds)
    assert np.median(times) < 0.5


# --- DenseVsMoEExplorer ---------------------------------------------------------------------------

def test_comparison_draws_the_library_numbers(comparison):
    comparison.update(flops=1e24, experts=64, top_k=2)
    result = moe.dense_vs_moe(1e24, 64, 2)
    ends = [bar.get_x() + bar.get_width() for bar in comparison.param_bars]
    np.testing.assert_allclose(ends, [result.dense_params, result.moe_active_params, result.moe_total_params])
    memory_ends = [bar.get_x() + bar.get_width() for bar in comparison.memory_bars]
    np.testing.assert_allclose(memory_ends, [result.dense_inference_bytes, result.moe_inference_bytes,
                                             result.dense_training_bytes, result.moe_training_bytes])
    assert "64 experts, top-2" in comparison.summary.get_text()


def test_more_experts_more_memory_same_compute(comparison):
    comparison.update(flops=1e23, experts=8, top_k=2)
    small = comparison.param_bars[2].get_width()
    comparison.update(experts=256)
    assert comparison.param_bars[2].get_width() > 20 * small
    assert comparison.param_bars[1].get_width() == pytest.approx(comparison.param_bars[0].get_width())


def test_the_widget_is_not_the_result_dataclass():
    """The widget and moe.expert_parallel.DenseVsMoE (the numbers it draws) have different names."""
    from scalingedu.widgets import mixture_of_experts

    assert DenseVsMoEExplorer.__name__ != moe.DenseVsMoE.__name__
    assert not hasattr(mixture_of_experts, "DenseVsMoE")


def test_the_report_reads_bytes_and_flops_for_a_reader(comparison):
    from scalingedu.formatting import memory

    comparison.update(flops=1e24, experts=64, top_k=2)
    result = moe.dense_vs_moe(1e24, 64, 2)
    texts = [label.get_text() for label in comparison.memory_labels]
    assert texts[0] == memory(result.dense_inference_bytes) and texts[0].endswith(" GiB")
    # the H100 line is labelled in the same unit as the bars: 80 GiB
    assert any(text.get_text() == "one 80 GiB GPU" for text in comparison.axes[1].texts)
    assert "e+" not in comparison.summary.get_text()


@pytest.mark.parametrize("experts, skew", [(8, 0.0), (8, 1.5), (16, 0.75)])
def test_the_simulators_cached_batches_are_the_libraries_skewed_logits(experts, skew):
    """The router simulator caches the noise per number of experts and adds skew × preference on each move: that
    must give exactly the batches moe.skewed_logits draws, or the widget would show another model than the lesson."""
    from scalingedu.widgets.mixture_of_experts import MAX_STEPS, SIMULATOR_SEED, SIMULATOR_TOKENS

    widget = RouterSimulator()
    cached = widget._batches(experts, skew)
    drawn = moe.skewed_logits(MAX_STEPS * SIMULATOR_TOKENS, experts, skew=skew, seed=SIMULATOR_SEED)
    np.testing.assert_allclose(cached, drawn.reshape(MAX_STEPS, SIMULATOR_TOKENS, experts), rtol=1e-6, atol=1e-6)


# --- honest at the edges (issue 15) ------------------------------------------------------------------------------

def test_the_simulator_counts_idle_experts_that_a_generous_capacity_hides():
    """The review's state: 64 experts, top-4, capacity factor 3 and a strongly skewed router balanced by the
    auxiliary loss drop nothing, while many experts get no token at all; the title must say both."""
    widget = RouterSimulator()
    widget.update(skew=3.0, experts=64, top_k=4, capacity_factor=3.0, method="Switch auxiliary loss", steps=100)
    history = moe.simulate_balancing(method="aux_loss", experts=64, tokens=SIMULATOR_TOKENS, top_k=4, skew=3.0,
                                     steps=100, capacity_factor=3.0, seed=SIMULATOR_SEED)
    idle = int(np.count_nonzero(history.load[-1] == 0))
    assert idle > 10 and history.dropped_fraction[-1] == 0.0
    title = widget.summary.get_text()
    assert f"{idle} of 64 experts idle" in title and "0.0% of assignments dropped" in title
    assert "dense model" not in title


def test_top_k_equal_to_the_number_of_experts_is_called_a_dense_model():
    widget = RouterSimulator()
    assert "dense model" not in widget.summary.get_text()
    widget.update(experts=4, top_k=4)
    assert widget.error is None and "top-4 of 4 experts" in widget.summary.get_text()
    assert "this is a dense model" in widget.summary.get_text()


def test_an_moe_larger_than_any_trained_gets_a_caution():
    from scalingedu.data import model

    widget = DenseVsMoEExplorer()
    assert widget.cautions == [] and widget.notes.layout.display == "none"      # the default state: 316B total
    widget.update(flops=1e26, experts=256, top_k=1)
    total = moe.dense_vs_moe(1e26, 256, 1).moe_total_params
    assert total > model("DeepSeek-V3").params
    assert len(widget.cautions) == 1 and "56.5T total parameters" in widget.cautions[0]
    assert "DeepSeek-V3's 671B" in widget.cautions[0] and widget.notes.layout.display != "none"
    widget.update(flops=1e23, experts=64, top_k=2)
    assert widget.cautions == []


def test_the_memory_axis_ends_a_decade_or_so_above_the_largest_bar(comparison):
    comparison.update(flops=1e23, experts=64, top_k=2)
    largest = moe.dense_vs_moe(1e23, 64, 2).moe_training_bytes
    low, high = comparison.axes[1].get_xlim()
    assert 8 * largest <= high <= 80 * largest
    # the value labels sit on a white box, so the 80 GiB line does not run through their digits
    assert all(label.get_bbox_patch() is not None for label in comparison.memory_labels)


# --- descriptions (the first state's alt text, from the numbers drawn) ----------------------------------------------

def test_the_simulators_description_follows_its_state():
    widget = RouterSimulator()
    history, reference = _library_history("bias"), _library_history("none")
    text = description(widget.figure)
    assert "× the even share" in text and "dropped (%)" in text and "N·Σ f·P" in text and "\n" not in text
    assert f"busiest expert gets {history.imbalance[-1]:.2f}× the even share" in text
    assert f"against {100 * reference.dropped_fraction[-1]:.1f}% without balancing" in text
    widget.update(experts=8)
    assert "A simulated router of 8 experts" in description(widget.figure)


def test_the_comparisons_description_gives_the_parameters_and_the_memory():
    widget = DenseVsMoEExplorer()
    result = moe.dense_vs_moe(1e23, 64, 2)
    text = description(widget.figure)
    assert "parameters (log scale)" in text and "bytes, log scale" in text
    assert f"MoE total {human(result.moe_total_params)}, {result.moe_total_params / result.dense_params:.1f}×" in text
    assert memory(result.moe_training_bytes) in text
