"""Tests of lesson 06's widgets (scalingedu.widgets.parallelism); the functions they draw are tested
in test_parallelism.py."""
from __future__ import annotations

import pytest

from scalingedu.parallelism import PLANNER_MODELS
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


def test_planner_marks_out_of_memory():
    planner = ClusterPlanner(model="GPT-3 175B", dp=1, tp=1, pp=1, zero_stage=0, microbatches=1)
    assert not planner.view.memory.fits
    labels = [label.get_text() for label in planner.oom_labels]
    assert labels == ["OUT OF\nMEMORY"] * 4
    assert "does NOT fit" in planner.figure._suptitle.get_text()


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
