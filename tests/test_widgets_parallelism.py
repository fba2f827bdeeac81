"""Tests of lesson 06's widgets and the pure functions behind them (scalingedu.widgets.parallelism)."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.parallelism import (PLANNER_MODELS, ParallelLayout, layout_memory, pipeline_bubble, planner_model,
                                    step_time)
from scalingedu.data import ACCELERATORS
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.parallelism import (PP_OPTIONS, WIDGETS, ClusterPlanner, PipelineTimeline, planner_view,
                                            timeline_view)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _shown(widget) -> bool:
    return widget.image.layout.display != "none" and widget.message.layout.display == "none"


def test_widgets_are_registered_with_the_planner_first():
    assert WIDGETS == (ClusterPlanner, PipelineTimeline)
    assert ClusterPlanner in all_widget_classes() and PipelineTimeline in all_widget_classes()
    planner = ClusterPlanner()
    first_slider = next(c for c in planner.controls.values() if type(c).__name__ == "IntSlider")
    assert first_slider is planner.controls["dp"]


def test_planner_view_is_the_library_for_every_stage():
    view = planner_view("GPT-3 175B", "A100", 16, 8, 8, 1, 32, "selective", True)
    shape = planner_model("GPT-3 175B")
    for stage in range(4):
        layout = ParallelLayout(n_gpus=1024, tp=8, pp=8, zero_stage=stage, microbatches=32, recompute="selective",
                                sequence_parallel=True)
        assert view.memory_by_stage[stage] == layout_memory(shape, layout, ACCELERATORS["A100"].memory_bytes)
    expected = step_time(shape, view.layout, accelerator="A100")
    assert view.time.total == pytest.approx(expected.total) and view.time.mfu == pytest.approx(expected.mfu)
    totals = [m.total for m in view.memory_by_stage]
    assert totals == sorted(totals, reverse=True)    # every ZeRO stage saves memory


def test_planner_finds_the_smallest_stage_that_fits():
    # Llama 3 70B on 32 H100s, tp=8, pp=1, dp=4: plain DP needs 16 bytes × 70.6B / 8 = 141 GB of states per GPU
    view = planner_view("Llama 3 70B", "H100", 4, 8, 1, 0, 1, "full", True)
    assert view.smallest_fitting_stage == 1
    assert not view.memory_by_stage[0].fits
    stage = view.smallest_fitting_stage
    assert stage is not None and view.memory_by_stage[stage].fits
    assert all(not view.memory_by_stage[s].fits for s in range(stage))


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


def test_planner_marks_out_of_memory():
    planner = ClusterPlanner(model="GPT-3 175B", dp=1, tp=1, pp=1, zero_stage=0, microbatches=1)
    assert not planner.view.memory.fits
    labels = [label.get_text() for label in planner.oom_labels]
    assert labels == ["OUT OF\nMEMORY"] * 4
    assert "does NOT fit" in planner.figure._suptitle.get_text()


def test_timeline_view_measures_the_formula():
    view = timeline_view(4, 8, 2)
    for run in view.runs:
        assert run.bubble_fraction == pytest.approx(pipeline_bubble(4, 8, interleave=run.interleave), rel=1e-12)
    unbalanced = timeline_view(4, 8, 2, slow_stage=1.5)
    assert all(run.bubble_fraction > pipeline_bubble(4, 8, interleave=run.interleave) for run in unbalanced.runs)
    odd = timeline_view(4, 6, 2)
    assert odd.runs[2] is None and "multiple of stages" in odd.problem


def test_timeline_widget_draws_every_operation_and_explains_what_cannot_run():
    timeline = PipelineTimeline()
    counts = [len(blocks.get_paths()) for blocks in timeline.blocks]
    assert counts == [2 * 4 * 8, 2 * 4 * 8, 2 * 4 * 8 * 2]
    timeline.update(microbatches=6)
    assert timeline.error is None and "cannot run" in timeline.notes[2].get_text()
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
