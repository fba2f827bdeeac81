"""Tests of lesson 08's widgets (scalingedu.widgets.diminishing_returns): each starts without error, draws the
library's numbers, changes its picture when a control moves, and shows a message instead of a traceback."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.data import GOPHER_BUDGET_FLOPS
from scalingedu.laws import HOFFMANN_2022, HOFFMANN_2022_TEX
from scalingedu.plotting import PALETTE, description
from scalingedu.returns import (
    data_constrained_optimal,
    frontier_step,
    inference_optimal,
    lab_emergence,
    optimal_budget_for_params,
    tokens_to_reach,
)
from scalingedu.widgets import all_widget_classes
from scalingedu.widgets.diminishing_returns import (
    WIDGETS,
    DataLimitExplorer,
    EmergenceByMetric,
    FrontierExplorer,
    InferenceDemandExplorer,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _shown(widget) -> bool:
    return widget.error is None and widget.image.layout.display != "none"


@pytest.mark.parametrize("cls", WIDGETS)
def test_widgets_are_registered_and_start_cleanly(cls):
    assert cls in all_widget_classes()
    widget = cls()
    assert _shown(widget) and bytes(widget.image.value).startswith(PNG_SIGNATURE)
    bundle, metadata = widget._repr_mimebundle_()            # the picture and its alt text, the description
    assert "image/png" in bundle and metadata["image/png"]["alt"] == description(widget.figure)


def test_first_widget_has_a_slider_that_changes_the_picture():
    """The browser test presses ArrowRight on the first slider of the first widget of the lesson."""
    widget = WIDGETS[0]()
    slider = next(iter(widget.controls.values()))
    before = bytes(widget.image.value)
    slider.value = slider.value * 10 ** slider.step
    assert bytes(widget.image.value) != before and widget.renders == 2


def test_frontier_explorer_shows_the_librarys_step():
    widget = FrontierExplorer()
    step = frontier_step(HOFFMANN_2022, GOPHER_BUDGET_FLOPS, dollars_per_accelerator_hour=2.0)
    assert np.allclose(widget.here.get_xydata(), [[step.flops, step.loss]])
    assert np.allclose(widget.next.get_xydata(), [[step.next_step_flops, step.loss - 0.1]])
    assert f"{step.gain_per_doubling:.4f}" in widget.report.get_text()
    widget.update(dollars_per_hour=4.0)
    assert "$4.00/h" in widget.report.get_text()


def test_frontier_explorer_near_E_says_out_of_reach():
    widget = FrontierExplorer()
    widget.update(flops=1e30, law="Hoffmann 2022, Eq. 10 (rounded)")
    assert _shown(widget) and not widget.next.get_visible()
    assert "within 0.1 nats of E" in widget.report.get_text()


def test_data_limit_explorer_marks_the_optimum():
    widget = DataLimitExplorer()
    widget.update(unique_tokens=1e10, flops=1e23)
    plan = data_constrained_optimal(1e23, 1e10)
    assert np.allclose(widget.loss_here.get_xydata(), [[plan.epochs, plan.loss]])
    x, y = widget.loss_curve.get_data()
    assert y.min() >= plan.loss - 1e-9                  # nothing on the curve beats the optimum
    assert f"{plan.epochs:.3g} epochs" in widget.report.get_text()


def test_inference_demand_explorer_moves_the_optimum_down():
    widget = InferenceDemandExplorer()
    widget.update(inference_tokens=1e10)
    small_demand = widget.best.get_xydata()[0, 0]
    widget.update(inference_tokens=1e15)
    large_demand = widget.best.get_xydata()[0, 0]
    assert large_demand < small_demand <= 13e9 * (1 + 1e-9)
    target = HOFFMANN_2022_TEX.compute_optimal(optimal_budget_for_params(HOFFMANN_2022_TEX, 13e9)).loss
    assert large_demand == pytest.approx(inference_optimal(HOFFMANN_2022_TEX, target, 1e15).params, rel=1e-9)
    # the training-only curve is 6·N·D(N) of the models that reach the target, relative to the Chinchilla model's
    params, relative = widget.training.get_data()
    chin = HOFFMANN_2022_TEX.compute_optimal(optimal_budget_for_params(HOFFMANN_2022_TEX, 13e9))
    reference = chin.flops + 2 * chin.params * 1e15
    np.testing.assert_allclose(relative * reference / (6 * params), tokens_to_reach(HOFFMANN_2022_TEX, params, target),
                               rtol=1e-9)


def test_emergence_widget_uses_the_lab_losses():
    widget = EmergenceByMetric()
    widget.update(answer_tokens=5)
    lab = lab_emergence(5)
    assert np.allclose(widget.lab_match.get_xydata()[:, 1], lab.exact_match)
    assert "5-character" in widget.lab_text.get_text()


def test_the_models_own_checks_show_a_message_not_a_traceback():
    emergence = EmergenceByMetric()
    emergence.controls["answer_tokens"].max = 100
    emergence.update(answer_tokens=60)
    assert emergence.error is not None and "answer_tokens must be" in emergence.error
    assert emergence.image.layout.display == "none"


# --- honest at the edges (issue 15) ------------------------------------------------------------------------------

def test_a_best_run_beyond_the_epochs_axis_is_marked_at_its_edge_and_cautioned():
    from scalingedu.widgets.diminishing_returns import EPOCHS_RANGE

    widget = DataLimitExplorer()
    assert widget.cautions == [] and widget.loss_here.get_visible() and not widget.loss_edge.get_visible()
    widget.update(unique_tokens=1e9, flops=1e25)                      # the review's state: 1.44e5 epochs
    plan = data_constrained_optimal(1e25, 1e9)
    assert plan.epochs > 1e5 and widget.error is None
    assert not widget.loss_here.get_visible() and widget.loss_edge.get_visible()
    assert np.allclose(widget.loss_edge.get_xydata(), [[EPOCHS_RANGE[1], plan.loss]])
    low, high = widget.axes[1].get_ylim()
    assert low <= plan.loss <= high                                    # the edge marker is inside the loss axis
    assert "1.44e5 epochs" in widget.edge_text.get_text()
    assert len(widget.cautions) == 1 and "epochs over the unique data" in widget.cautions[0]
    assert "about 16" in widget.cautions[0]


def test_between_16_and_200_epochs_the_point_stays_on_the_chart_with_a_caution():
    widget = DataLimitExplorer(unique_tokens=1e10, flops=1e23)
    plan = data_constrained_optimal(1e23, 1e10)
    assert 16 < plan.epochs < 200
    assert widget.loss_here.get_visible() and widget.edge_text.get_text() == ""
    assert len(widget.cautions) == 1


def test_the_inference_optimum_beyond_sardanas_range_is_cautioned():
    widget = InferenceDemandExplorer()
    assert widget.cautions == []                                       # 2T tokens of demand: 182 tokens/param
    widget.update(inference_tokens=1e16, quality_of=1e9)               # the review's state
    assert widget.error is None and len(widget.cautions) == 1
    assert "tokens per parameter" in widget.cautions[0] and "10,000" in widget.cautions[0]


def test_the_frontier_explorer_prices_with_the_planners_defaults():
    from scalingedu.planning import DEFAULT_MFU, DEFAULT_PRICE

    widget = FrontierExplorer()
    assert widget.controls["dollars_per_hour"].value == DEFAULT_PRICE
    step = frontier_step(HOFFMANN_2022, GOPHER_BUDGET_FLOPS, mfu=DEFAULT_MFU,
                         dollars_per_accelerator_hour=DEFAULT_PRICE)
    assert f"{DEFAULT_MFU:.0%} MFU" in widget.report.get_text()
    assert np.allclose(widget.here.get_xydata(), [[step.flops, step.loss]])


@pytest.mark.parametrize("length", [1, 10, 30])
def test_the_emergence_text_box_covers_no_lab_point(length):
    widget = EmergenceByMetric(answer_tokens=length)
    widget.render_png()
    renderer = widget.canvas.get_renderer()
    box = widget.lab_text.get_window_extent(renderer)
    lab_ax = widget.axes[1][1]
    points = lab_ax.transData.transform(widget.lab_match.get_xydata())
    inside = [(x, y) for x, y in points if box.x0 - 6 <= x <= box.x1 + 6 and box.y0 - 6 <= y <= box.y1 + 6]
    assert not inside


def test_the_emergence_reference_line_follows_the_rescaled_axis():
    """The probability axis rescales with the answer length; the static "one character right" line must be redrawn
    on the new scale (it was once left where the first state's scale had put it)."""
    import io

    from PIL import Image

    widget = EmergenceByMetric()
    widget.update(answer_tokens=30)
    lab = lab_emergence(30)
    lab_ax = widget.axes[1][1]
    x, y = lab_ax.transData.transform((lab.flops[0], np.exp(-lab.loss[0])))
    pixels = np.asarray(Image.open(io.BytesIO(widget.image.value)).convert("RGB")).astype(int)
    height = pixels.shape[0]
    row, column = int(round(height - y)), int(round(x))
    patch = pixels[row - 2:row + 3, column - 2:column + 3].reshape(-1, 3)
    blue = np.array([int(PALETTE[0][i:i + 2], 16) for i in (1, 3, 5)])
    assert np.abs(patch - blue).sum(axis=1).min() < 40


# --- descriptions (the first state's alt text, from the numbers drawn) ----------------------------------------------

def test_the_frontier_explorers_description_gives_the_loss_and_the_gain_per_doubling():
    widget = FrontierExplorer()
    step = frontier_step(HOFFMANN_2022, GOPHER_BUDGET_FLOPS, dollars_per_accelerator_hour=2.0)
    text = description(widget.figure)
    assert "nats/token" in text and "FLOPs, log scale" in text and "\n" not in text
    assert f"the loss is {step.loss:.3f}" in text and f"a doubling gains {step.gain_per_doubling:.4f} nats" in text


def test_the_data_limit_explorers_description_gives_the_best_run():
    widget = DataLimitExplorer()
    plan = data_constrained_optimal(1e23, 1e11)
    text = description(widget.figure)
    assert "effective data D′" in text and "nats/token" in text
    assert f"best run makes {plan.epochs:.3g} epochs" in text and f"loss {plan.loss:.3f}" in text


def test_the_inference_demand_explorers_description_gives_the_cheapest_model():
    widget = InferenceDemandExplorer()
    text = description(widget.figure)
    law = HOFFMANN_2022_TEX
    chinchilla = law.compute_optimal(optimal_budget_for_params(law, widget.values["quality_of"]))
    plan = inference_optimal(law, chinchilla.loss, widget.values["inference_tokens"])
    assert "lifetime FLOPs" in text and "both log scale" in text
    assert f"{plan.tokens_per_param:,.0f} per parameter" in text and f"{chinchilla.loss:.3f} nats/token" in text


def test_the_emergence_description_gives_both_metrics_and_the_lab_rise():
    widget = EmergenceByMetric()
    lab = lab_emergence(10)
    text = description(widget.figure)
    assert "answers of 10 tokens" in text and "exact match" in text and "token edit distance" in text
    assert f"falls {1 - lab.loss[-1] / lab.loss[0]:.0%}" in text
    assert f"rises {lab.exact_match[-1] / lab.exact_match[0]:.3g} times" in text
