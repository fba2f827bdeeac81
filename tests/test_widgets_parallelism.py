"""Tests of lesson 06's widgets (scalingedu.widgets.parallelism); the functions they draw are tested
in test_parallelism.py."""
from __future__ import annotations

import pytest

from scalingedu.parallelism import LARGEST_PUBLISHED_BATCH_TOKENS, PLANNER_MODELS
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.parallelism import PP_OPTIONS, WIDGETS, ClusterPlanner, PipelineTimeline

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _shown(widget) -> bool:
    return widget.image.layout.display != "none" and widget.message.layout.display == "none"


def test_widgets_are_registered_with_the_planner_first():
    assert (ClusterPlanner, PipelineTimeline) == WIDGETS
    assert ClusterPlanner in all_widget_classes() and PipelineTimeline in all_widget_classes()
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
    total = planner.view.memory_by_stage[0].total / 1e9
    assert labels[0].startswith(f"{total:,.0f} GB")
    assert "does NOT fit" in planner.figure._suptitle.get_text()
    # a layout that cannot run has no step time and no MFU
    assert all(bar.get_width() == 0 for bar in planner.time_bars.values())
    text = planner.time_text.get_text()
    assert "NO STEP TIME" in text and "MFU" not in text
    assert f"{planner.view.memory.total / 1e9:,.0f} GB" in text


def test_planner_keeps_the_capacity_line_visible():
    planner = ClusterPlanner(model="GPT-3 175B", dp=1, tp=1, pp=1, zero_stage=0, microbatches=1)
    memory_ax = planner.axes[0]
    capacity = planner.view.memory.capacity / 1e9
    assert planner.capacity_line.get_ydata()[0] == capacity
    assert memory_ax.get_ylim()[1] <= 7 * capacity          # not 0-5,000 GB for 3,069 GB of state
    assert memory_ax.get_ylim()[1] < planner.view.memory.total / 1e9


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


@pytest.mark.parametrize("widget_class", WIDGETS)
def test_bad_values_are_refused(widget_class):
    widget = widget_class()
    with pytest.raises(ValueError):
        widget.update(**{"dp": 0} if widget_class is ClusterPlanner else {"stages": 1})
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
