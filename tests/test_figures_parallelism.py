"""Lesson 06's figures (scalingedu.figures.parallelism) draw the library's numbers."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.data import ACCELERATORS, INTERCONNECTS
from scalingedu.figures import parallelism as figures
from scalingedu.formatting import memory
from scalingedu.parallelism import LLAMA3_405B, activation_memory, collective_bytes, collective_time, zero_memory
from scalingedu.plotting import description
from scalingedu.transformer import PRESETS, count_params

GIB = 2**30
SHAPES = {"GPT-3 1.3B": PRESETS["GPT-3 XL"], "GPT-3 175B": PRESETS["GPT-3 175B"], "Llama 3 405B": LLAMA3_405B}


def test_training_memory_gives_each_model_its_own_linear_axis_from_zero():
    capacity = ACCELERATORS["A100"].memory_bytes
    figure = figures.training_memory(SHAPES, capacity)
    panels = [ax for ax in figure.axes if ax.patches]
    assert len(panels) == len(SHAPES)
    for ax, (name, shape) in zip(panels, SHAPES.items()):
        states = zero_memory(count_params(shape).total, 1, 0).total / GIB
        acts = shape.n_layers * activation_memory(shape.context, 1, shape.d_model, shape.n_heads) / GIB
        state_bar, act_bar = ax.patches[:2]
        assert ax.get_yscale() == "linear" and ax.get_ylim()[0] == 0
        assert state_bar.get_y() == 0 and state_bar.get_height() == pytest.approx(states)
        assert act_bar.get_y() == pytest.approx(states) and act_bar.get_height() == pytest.approx(acts)
        assert ax.get_ylim()[1] > states + acts and ax.get_ylim()[1] > capacity / GIB    # nothing hidden
        assert ax.get_title() == name
        # the capacity line and its label are the GPU's memory in GiB: 80 GiB for an A100
        assert ax.get_lines()[0].get_ydata()[0] == pytest.approx(80.0)
    assert any(text.get_text() == "one 80 GiB GPU" for text in figure.legends[0].get_texts())
    # GPT-3 1.3B: 16 bytes × 1,315,723,264 parameters = 21.05e9 bytes = 19.61 GiB of states, the bar the old log axis
    # hid
    assert panels[0].patches[0].get_height() == pytest.approx(19.61, abs=0.01)


def test_ring_collectives_draw_the_library_bytes_and_times():
    links = {"InfiniBand": INTERCONNECTS["A100"]["network"], "NVLink": INTERCONNECTS["A100"]["nvlink"]}
    figure = figures.ring_collectives(2 * 175e9, links, max_gpus=16)
    bytes_ax, time_ax = figure.axes
    gpus = np.arange(1, 17)
    for line, kind in zip(bytes_ax.get_lines(), ("all_reduce", "reduce_scatter", "all_gather")):
        np.testing.assert_allclose(line.get_ydata(), collective_bytes(kind, 1.0, gpus))
    for line, bandwidth in zip(time_ax.get_lines(), links.values()):
        np.testing.assert_allclose(line.get_ydata(), collective_time("all_reduce", 2 * 175e9, gpus[1:],
                                                                     bandwidth_bytes_per_second=bandwidth))


def test_activation_figure_plots_korthikantis_table_rows():
    shape = PRESETS["GPT-3 175B"]
    rows = figures.activation_table(shape)
    assert rows[0][1] == pytest.approx(activation_memory(shape.context, 1, shape.d_model, shape.n_heads) / 2**20)
    ax = figures.activation_memory_by_tp(shape, "GPT-3 175B").axes[0]
    for line, (label, *values) in zip(ax.get_lines(), rows):
        assert line.get_label() == label
        np.testing.assert_allclose(line.get_ydata(), values)


def test_the_tensor_parallel_diagram_draws_the_real_runs_shards_to_scale():
    from scalingedu.parallelism import cpu_tensor_parallel as run
    for world in (2, 4):
        figure = figures.tensor_parallel_layers(world)
        blocks = {patch.get_gid(): patch for patch in figure.axes[0].patches if patch.get_gid()}
        x = blocks["X"]
        unit = x.get_width() / run.D_MODEL
        assert x.get_height() == pytest.approx(run.TOKENS * unit)
        shard = run.D_FF // world
        for r in range(world):
            # W1 cut by columns (d_model × d_ff/n), W2 by rows (d_ff/n × d_model), as shard() cuts them
            layer = run.shard(run.make_layer(), r, world)
            assert (blocks[f"W1[{r}]"].get_height() / unit, blocks[f"W1[{r}]"].get_width() / unit) == \
                pytest.approx(layer["w1"].shape)
            assert (blocks[f"W2[{r}]"].get_height() / unit, blocks[f"W2[{r}]"].get_width() / unit) == \
                pytest.approx(layer["w2"].shape)
            assert blocks[f"h[{r}]"].get_width() == pytest.approx(shard * unit)
            assert blocks[f"Y[{r}]"].get_width() == pytest.approx(x.get_width())
        texts = " ".join(t.get_text() for t in figure.axes[0].texts)
        assert "all-reduce" in texts and f"{run.D_MODEL} × {shard}" in texts
    with pytest.raises(ValueError, match="world = 3 must divide d_ff = 64"):
        figures.tensor_parallel_layers(3)


# --- descriptions (alt text): each figure says what it shows, with numbers computed as the figure computes them ---

def test_the_training_memory_description_gives_the_totals_and_what_fits():
    text = description(figures.training_memory(SHAPES, ACCELERATORS["A100"].memory_bytes))
    totals = [zero_memory(count_params(s).total, 1, 0).total
              + s.n_layers * activation_memory(s.context, 1, s.d_model, s.n_heads) for s in SHAPES.values()]
    assert "GiB" in text and "80 GiB" in text and "16 bytes per parameter" in text
    assert f"{memory(min(totals))} (GPT-3 1.3B)" in text and f"{memory(max(totals))} (Llama 3 405B)" in text
    assert "only GPT-3 1.3B fits" in text


def test_the_ring_collectives_description_gives_the_volumes_and_times():
    links = {"InfiniBand": INTERCONNECTS["A100"]["network"], "NVLink": INTERCONNECTS["A100"]["nvlink"]}
    text = description(figures.ring_collectives(2 * 175e9, links, max_gpus=16))
    assert "2(n-1)/n" in text and f"{collective_bytes('all_reduce', 1.0, 16):.2f} times the message" in text
    seconds = collective_time("all_reduce", 2 * 175e9, 16, bandwidth_bytes_per_second=links["NVLink"])
    assert "350 GB of gradients" in text and f"{seconds:.1f} s at 16" in text


def test_the_activation_description_gives_each_settings_memory_at_both_ends():
    shape = PRESETS["GPT-3 175B"]
    text = description(figures.activation_memory_by_tp(shape, "GPT-3 175B"))
    label, first, *_, last = figures.activation_table(shape)[3]
    assert "MiB" in text and "tensor-parallel degree t" in text
    assert f"{label} {first:,.0f} to {last:,.0f}" in text and "as 1/t" in text


def test_the_tensor_parallel_description_gives_the_shards_shapes():
    from scalingedu.parallelism import cpu_tensor_parallel as run
    text = description(figures.tensor_parallel_layers(4))
    assert f"W1 ({run.D_MODEL} × {run.D_FF // 4})" in text and "1/4 of the MLP's weights" in text
    assert "all-reduce is the only communication" in text
