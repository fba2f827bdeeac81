"""Tests of lesson 06's widgets (scalingedu.widgets.parallelism); the functions they draw are tested
in test_parallelism.py."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.formatting import short_duration
from scalingedu.parallelism import LARGEST_PUBLISHED_BATCH_TOKENS, PLANNER_MODELS, pipeline_bubble, planner_model
from scalingedu.plotting import description
from scalingedu.roofline import critical_batch_tokens, critical_intensity, layer_roofline
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.parallelism import (
    PP_OPTIONS,
    ROOFLINE_CHIPS,
    WIDGETS,
    ClusterPlanner,
    PipelineTimeline,
    RooflineExplorer,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _shown(widget) -> bool:
    return widget.image.layout.display != "none" and widget.message.layout.display == "none"


def test_widgets_are_registered_in_the_lessons_order():
    assert (RooflineExplorer, ClusterPlanner, PipelineTimeline) == WIDGETS
    assert all(cls in all_widget_classes() for cls in WIDGETS)
    planner = ClusterPlanner()
    first_slider = next(c for c in planner.controls.values() if type(c).__name__ == "IntSlider")
    assert first_slider is planner.controls["dp"]


def test_every_planner_model_has_a_pp_option_that_fits_its_layers():
    for name, shape in PLANNER_MODELS.items():
        assert any(shape.n_layers % pp == 0 and pp >= 6 for pp in PP_OPTIONS), name


def test_planner_updates_and_shows_messages_for_impossible_layouts():
    planner = ClusterPlanner()
    assert _shown(planner) and bytes(planner.image.value).startswith(PNG_SIGNATURE)
    before, renders = planner.image.value, planner.renders
    planner.update(dp=17)
    assert planner.renders == renders + 1 and planner.image.value != before
    planner.update(model="Llama 3 405B")           # 126 layers: pp = 8 does not divide them
    assert planner.error is not None and "pp could be" in planner.error and "126" in planner.error
    assert not _shown(planner)
    planner.update(pp=9)
    assert planner.error is None and _shown(planner)
    assert "Llama 3 405B" in planner.figure._suptitle.get_text()


def test_planner_marks_out_of_memory_and_times_no_step():
    planner = ClusterPlanner(model="GPT-3 175B", dp=1, tp=1, pp=1, zero_stage=0, microbatches=1)
    assert not planner.view.memory.fits
    labels = [label.get_text() for label in planner.oom_labels]
    assert all(label.endswith("OUT OF\nMEMORY") for label in labels)
    # the bars run off the capped axis: each carries its total, the library's number
    total = planner.view.memory_by_stage[0].total / 2**30
    assert labels[0].startswith(f"{total:,.0f} GiB")
    assert "does NOT fit" in planner.figure._suptitle.get_text()
    # a layout that cannot run has no step time and no MFU
    assert all(bar.get_width() == 0 for bar in planner.time_bars.values())
    text = planner.time_text.get_text()
    assert "NO STEP TIME" in text and "MFU" not in text
    assert f"{planner.view.memory.total / 2**30:,.0f} GiB" in text and "more than the 80 GiB a A100 has" in text


def test_planner_keeps_the_capacity_line_visible():
    planner = ClusterPlanner(model="GPT-3 175B", dp=1, tp=1, pp=1, zero_stage=0, microbatches=1)
    memory_ax = planner.axes[0]
    capacity = planner.view.memory.capacity / 2**30
    assert capacity == 80.0                                  # an A100's 80 GiB, in the axis's unit
    assert planner.capacity_line.get_ydata()[0] == capacity
    assert memory_ax.get_ylim()[1] <= 7 * capacity          # not 0-5,000 GiB for 2,678 GiB per GPU
    assert memory_ax.get_ylim()[1] < planner.view.memory.total / 2**30


def test_planner_title_stays_inside_the_figure():
    for state in ({}, {"model": "Llama 3 405B", "pp": 14, "dp": 128, "gpu": "H100", "recompute": "full"},
                  {"dp": 1, "tp": 1, "pp": 1, "zero_stage": 0, "microbatches": 1, "recompute": "none"}):
        planner = ClusterPlanner(**state)
        planner.canvas.draw()
        box = planner.title.get_window_extent(planner.canvas.get_renderer())
        width = planner.figure.bbox.width
        assert box.x0 >= 0 and box.x1 <= width, (state, planner.title.get_text())


def test_planner_step_time_is_the_librarys_when_the_layout_fits():
    planner = ClusterPlanner()
    assert planner.view.memory.fits
    widths = sum(bar.get_width() for bar in planner.time_bars.values())
    assert widths == pytest.approx(planner.view.time.total)
    assert f"MFU {planner.view.time.mfu:.1%}" in planner.time_text.get_text()


def test_planner_cautions_beyond_the_largest_published_batch():
    planner = ClusterPlanner()
    assert planner.cautions == [] and planner.notes.layout.display == "none"
    # dp 128 x 128 one-sequence micro-batches x 8,192 tokens = 134M tokens per step, above DeepSeek-V3's ~63M
    planner.update(model="Llama 3 405B", gpu="H100", dp=128, pp=14, microbatches=128, zero_stage=3)
    tokens = planner.view.time.tokens_per_step
    assert tokens == 128 * 128 * 8192 > LARGEST_PUBLISHED_BATCH_TOKENS
    assert len(planner.cautions) == 1 and "134M tokens per step" in planner.cautions[0]
    assert "DeepSeek-V3" in planner.cautions[0] and planner.notes.layout.display != "none"
    planner.update(microbatches=32)                   # 33.6M tokens: within the published range again
    assert planner.cautions == []


def test_timeline_widget_draws_every_operation_and_explains_what_cannot_run():
    timeline = PipelineTimeline()
    counts = [len(blocks.get_paths()) for blocks in timeline.blocks]
    assert counts == [2 * 4 * 8, 2 * 4 * 8, 2 * 4 * 8 * 2]
    timeline.update(microbatches=6)
    assert timeline.error is None and "cannot run" in timeline.panel_notes[2].get_text()
    assert len(timeline.blocks[2].get_paths()) == 0
    before = timeline.image.value
    timeline.update(slow_stage=1.5)
    assert timeline.image.value != before
    assert "measured" in timeline.axes[0].get_title()


BAD_VALUES = {ClusterPlanner: {"dp": 0}, PipelineTimeline: {"stages": 1}, RooflineExplorer: {"tokens": 0.5}}


@pytest.mark.parametrize("widget_class", WIDGETS)
def test_bad_values_are_refused(widget_class):
    widget = widget_class()
    with pytest.raises(ValueError):
        widget.update(**BAD_VALUES[widget_class])
    with pytest.raises(TypeError):
        widget.update(nonsense=1)


def test_the_lessons_layout_and_hfu_behind_narayanans_x():
    """Lesson 06 takes its GPT-3 layout from the library and Narayanan's X from the HFU, not from typed 8/6."""
    from scalingedu.data import NARAYANAN_GPT3_TRAINING_TIME
    from scalingedu.parallelism import GPT3_EXAMPLE_LAYOUT, ParallelLayout, step_time
    from scalingedu.transformer import PRESETS
    assert GPT3_EXAMPLE_LAYOUT.n_gpus == NARAYANAN_GPT3_TRAINING_TIME["n_gpus"]
    planner = ClusterPlanner()
    assert (planner.view.layout.dp, planner.view.layout.tp, planner.view.layout.pp) == \
        (GPT3_EXAMPLE_LAYOUT.dp, GPT3_EXAMPLE_LAYOUT.tp, GPT3_EXAMPLE_LAYOUT.pp)
    gpt3 = PRESETS["GPT-3 175B"]
    full = step_time(gpt3, GPT3_EXAMPLE_LAYOUT, accelerator="A100")
    assert full.hfu / full.mfu == pytest.approx(8 / 6)           # 2 + 4 + 2 recomputed over 2 + 4
    assert full.achieved_flops_per_gpu_per_second == pytest.approx(full.hfu * full.peak_flops_per_second)
    none = step_time(gpt3, ParallelLayout(**{**GPT3_EXAMPLE_LAYOUT.__dict__, "recompute": "none"}),
                     accelerator="A100")
    assert none.hfu == pytest.approx(none.mfu)


# --- the roofline explorer -------------------------------------------------------------------------------------

def _plotted_points(explorer) -> np.ndarray:
    return np.asarray(explorer.points.get_offsets())


def _expected(explorer):
    values = explorer.values
    return layer_roofline(planner_model(values["model"]), values["tokens"], values["accelerator"],
                          precision=values["precision"], tp=values["tp"])


def test_the_roofline_draws_the_librarys_numbers():
    explorer = RooflineExplorer()
    assert _shown(explorer) and explorer.error is None
    layer = _expected(explorer)
    np.testing.assert_allclose(_plotted_points(explorer), np.column_stack([layer.intensity,
                                                                           layer.attainable_flops_per_second]))
    ridge = critical_intensity(explorer.values["accelerator"])
    assert explorer.ridge.get_xdata()[0] == pytest.approx(ridge)
    roof = explorer.roof.get_ydata()
    assert roof.max() == pytest.approx(layer.peak_flops_per_second)
    np.testing.assert_allclose(roof, np.minimum(layer.peak_flops_per_second,
                                                explorer.intensities * layer.bandwidth_bytes_per_second))
    text = explorer.readout.get_text()
    assert f"about {critical_batch_tokens(explorer.values['accelerator']):,.0f} tokens per GPU" in text
    assert f"{layer.utilisation():.0%} of the peak" in text
    ax = explorer.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert "FLOPs per byte" in ax.get_xlabel() and "FLOP/s" in ax.get_ylabel()


@pytest.mark.parametrize("control, value", [("tokens", 64.0), ("accelerator", "H100"), ("precision", "fp8"),
                                            ("model", "Llama 3 70B"), ("tp", 2)])
def test_each_control_moves_the_points_to_the_librarys_numbers(control, value):
    explorer = RooflineExplorer(accelerator="H100")
    if control == "accelerator":
        explorer.update(accelerator="A100")
    before = _plotted_points(explorer).copy()
    renders = explorer.renders
    explorer.update(**{control: value})
    assert explorer.error is None and explorer.renders == renders + 1
    after = _plotted_points(explorer)
    assert not np.allclose(after, before)
    layer = _expected(explorer)
    np.testing.assert_allclose(after, np.column_stack([layer.intensity, layer.attainable_flops_per_second]))
    assert explorer.ridge.get_xdata()[0] == pytest.approx(critical_intensity(explorer.values["accelerator"],
                                                                             explorer.values["precision"]))


def test_decode_like_micro_batches_are_memory_bound_and_large_ones_are_not():
    explorer = RooflineExplorer(accelerator="H100", model="Llama 3 70B", tokens=1)
    assert explorer.layer.memory_bound.all()
    faces = explorer.points.get_facecolors()
    assert (faces[:, 3] == 0).all()                       # every point hollow
    assert explorer.readout.get_text().count("memory\n") + explorer.readout.get_text().endswith("memory") >= 4
    assert len(explorer.cautions) == 1 and "key-value cache" in explorer.cautions[0]
    explorer.update(tokens=4096)
    assert not explorer.layer.memory_bound[:5].any()       # weight products and FlashAttention: compute-bound
    assert explorer.layer.memory_bound[5]                  # attention without FlashAttention still waits
    assert (explorer.points.get_facecolors()[:5, 3] == 1).all() and explorer.cautions == []
    assert explorer.layer.utilisation() == 1.0


def test_the_roofline_refuses_fp8_on_a_chip_without_it_with_a_message():
    explorer = RooflineExplorer(accelerator="A100")
    explorer.update(precision="fp8")
    assert explorer.error is not None and "no FP8 peak" in explorer.error and not _shown(explorer)
    explorer.update(accelerator="H100")
    assert explorer.error is None and _shown(explorer)
    assert set(ROOFLINE_CHIPS) >= {"A100", "H100", "B200", "GB200"}


# --- the planner's interleaving, micro-batch size and greyed-out stages ------------------------------------------

def test_planner_interleaves_as_the_lessons_llama_layout_does():
    from scalingedu.parallelism import LLAMA3_405B, ParallelLayout, pipeline_bubble, step_time
    state = dict(model="Llama 3 405B", gpu="H100", dp=128, tp=8, pp=14, microbatches=14, recompute="full",
                 zero_stage=1)
    planner = ClusterPlanner(**state)
    plain_bubble = planner.view.time.bubble
    planner.update(interleave=3)
    assert planner.error is None
    layout = ParallelLayout(n_gpus=8 * 14 * 128, tp=8, pp=14, interleave=3, zero_stage=1, microbatches=14,
                            recompute="full", sequence_parallel=True)
    expected = step_time(LLAMA3_405B, layout, accelerator="H100")
    assert planner.view.time.total == pytest.approx(expected.total)
    assert planner.view.time.bubble == pytest.approx(plain_bubble / 3, rel=0.05)
    text = planner.time_text.get_text()
    assert f"(p-1)/(v·m) = {pipeline_bubble(14, 14, interleave=3):.1%} of the work" in text
    assert f"{expected.bubble / expected.total:.1%} of the step" in text
    assert f"MFU {expected.mfu:.1%}" in text and f"HFU {expected.hfu:.1%}" in text
    widths = sum(bar.get_width() for bar in planner.time_bars.values())
    assert widths == pytest.approx(expected.total)
    planner.update(microbatches=32)                # 32 is not a multiple of pp = 14: check_layout refuses it
    assert planner.error is not None and "microbatches a multiple of pp = 14" in planner.error
    assert not _shown(planner)


def test_planner_micro_batch_size_scales_tokens_and_activations():
    planner = ClusterPlanner()
    tokens, activations = planner.view.time.tokens_per_step, planner.view.memory.activations
    planner.update(microbatch_size=4)
    assert planner.view.time.tokens_per_step == 4 * tokens
    assert planner.view.memory.activations == pytest.approx(4 * activations)


def test_planner_hatches_and_greys_the_stages_that_do_not_fit():
    planner = ClusterPlanner(model="Llama 3 405B", gpu="H100", dp=128, pp=14, interleave=3, microbatches=14,
                             recompute="full", zero_stage=1)
    fits = [memory.fits for memory in planner.view.memory_by_stage]
    assert not fits[0] and all(fits[1:])
    for part in planner.memory_bars.values():
        for stage, patch in enumerate(part.patches):
            assert patch.get_hatch().endswith("///") is (not fits[stage])
            assert (patch.get_alpha() < 0.5) is (not fits[stage])


# --- descriptions (the static picture's alt text) follow the controls ---------------------------------------------

def test_roofline_description_says_which_products_are_memory_bound():
    explorer = RooflineExplorer(accelerator="H100", tokens=2048.0)
    text = description(explorer.figure)
    assert f"ridge at {critical_intensity('H100', 'bf16'):,.0f} FLOPs per byte" in text and "TFLOP/s" in text
    assert "memory-bound (hollow): attention core (no FlashAttention)" in text
    explorer.update(tokens=16.0)
    assert "compute-bound" not in description(explorer.figure)
    bundle, metadata = explorer._repr_mimebundle_()
    assert metadata["image/png"]["alt"] == description(explorer.figure)


def test_planner_description_gives_each_stages_memory_and_the_step_time():
    planner = ClusterPlanner()
    text = description(planner.figure)
    view = planner.view
    assert "GiB" in text and f"one training step of {short_duration(view.time.total)}" in text
    assert f"MFU {view.time.mfu:.1%}" in text and "ZeRO-0" in text and "(fits)" in text
    planner.update(dp=1, tp=1, pp=1, zero_stage=0, microbatches=1)
    assert "out of memory" in description(planner.figure) and "no step time" in description(planner.figure)


def test_timeline_description_gives_each_schedules_bubble():
    timeline = PipelineTimeline(stages=4, microbatches=8, interleave=2)
    text = description(timeline.figure)
    assert f"1F1B: bubble {pipeline_bubble(4, 8):.1%} measured" in text
    assert f"interleaving cuts the bubble from {pipeline_bubble(4, 8):.1%} to " \
           f"{pipeline_bubble(4, 8, interleave=2):.1%}" in text
