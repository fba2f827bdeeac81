"""Lesson 10's static figures (scalingedu.figures.hyperparameters) draw the library's numbers, and the coordinate
check they show (scalingedu.lab.coordinate_check) behaves as Yang et al. 2022 describe (section 7, App. D.1):
flat under µP, growing with width under standard parametrisation with Adam."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.data.deepseek_llm import DEEPSEEK_LLM_MODELS
from scalingedu.figures import hyperparameters as figures
from scalingedu.lab.coordinate_check import coordinate_check
from scalingedu.lab.schedules import schedule_curve
from scalingedu.laws import deepseek_batch_tokens, deepseek_learning_rate
from scalingedu.plotting import description


@pytest.fixture(scope="module")
def checks():
    return coordinate_check(parametrization="sp"), coordinate_check(parametrization="mup")


def _lines(ax) -> dict:
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_coordinate_check_is_flat_under_mup_and_grows_under_sp(checks):
    sp, mup = checks
    # measured on the lab model (eta 3e-4, 4 steps, widths 64-1024): SP logits spread 15x, µP 1.35x
    assert mup.spread < 2 and sp.spread > 8
    assert np.all(np.diff(sp.logits) > 0)
    assert mup.hidden.max() / mup.hidden.min() < 2 and sp.hidden.max() / sp.hidden.min() > 3
    # at the base width (32) µP is SP exactly
    same = [coordinate_check((32,), p) for p in ("sp", "mup")]
    assert same[0].logits[0] == same[1].logits[0]


def test_coordinate_check_figure_draws_the_measured_changes(checks):
    sp, mup = checks
    fig = figures.coordinate_check(sp, mup)
    left, right = fig.axes
    lines = _lines(left)
    sp_line = next(line for label, line in lines.items() if label.startswith("standard"))
    mup_line = next(line for label, line in lines.items() if label.startswith("µP"))
    np.testing.assert_allclose(sp_line.get_ydata(), sp.logits)
    np.testing.assert_allclose(mup_line.get_ydata(), mup.logits)
    np.testing.assert_allclose(_lines(right)["µP"].get_ydata(), mup.hidden)
    assert sp_line.get_marker() != mup_line.get_marker()            # not by colour alone
    assert "log scale" in left.get_xlabel()


def test_schedules_figure_draws_the_library_schedules():
    fig = figures.schedules(steps=400, branch_fractions=(0.5, 1.0))
    left, right = fig.axes
    np.testing.assert_allclose(_lines(left)["cosine, 200 steps"].get_ydata(), schedule_curve("cosine", 200))
    branch = _lines(right)["branch at 200 steps"].get_ydata()
    stable = _lines(right)["stable phase (shared)"].get_ydata()
    # a branch follows the shared stable run (same warm-up) until its own decay starts
    np.testing.assert_allclose(branch[:160], stable[:160])
    assert branch[-1] < 0.2 and stable[-1] == 1.0


def test_deepseek_laws_figure_draws_the_laws_and_the_chosen_points():
    fig = figures.deepseek_laws(np.geomspace(1e21, 1e25, 5))
    left, right = fig.axes
    law = _lines(left)["0.3118 C^-0.125"]
    np.testing.assert_allclose(law.get_ydata(), deepseek_learning_rate(law.get_xdata()))
    np.testing.assert_allclose(_lines(right)["0.2920 C^0.3271"].get_ydata(),
                               deepseek_batch_tokens(law.get_xdata()) / 1e6)
    chosen = _lines(left)["DeepSeek LLM 67B, chosen"]
    assert chosen.get_ydata()[0] == DEEPSEEK_LLM_MODELS["67B"]["learning_rate"]


@pytest.mark.parametrize("kwargs, message", [(dict(parametrization="adam"), "parametrization"),
                                             (dict(widths=(0, 64)), "widths"),
                                             (dict(learning_rate=0), "learning_rate")])
def test_coordinate_check_refuses_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        coordinate_check(**kwargs)


# --- descriptions (alt text): each figure says what it shows, with numbers computed as the figure computes them ---

def test_the_coordinate_check_description_gives_each_parametrisations_spread(checks):
    sp, mup = checks
    text = description(figures.coordinate_check(sp, mup))
    assert "RMS change" in text and "both axes log scale" in text and "64 to 1024 units" in text
    assert f"SP: logits {sp.spread:.3g}x, hidden layer {sp.hidden.max() / sp.hidden.min():.3g}x" in text
    assert f"µP (base width 32): logits {mup.spread:.3g}x" in text


def test_the_schedules_description_gives_the_budgets_and_where_a_long_cosine_run_still_is():
    text = description(figures.schedules(steps=400, branch_fractions=(0.5, 1.0)))
    assert "share of the peak" in text and "200 and 400 steps" in text and "20% decay" in text
    assert f"still at {schedule_curve('cosine', 400)[199]:.0%} of the peak at step 200" in text


def test_the_deepseek_laws_description_gives_the_range_of_each_law_and_the_chosen_values():
    flops = np.geomspace(1e21, 1e25, 5)
    text = description(figures.deepseek_laws(flops))
    rates, batches = deepseek_learning_rate(flops), deepseek_batch_tokens(flops)
    assert "C = M·D (1.0e21 to 1.0e25 FLOPs)" in text and "log scale" in text
    assert f"changes {rates[0] / rates[-1]:.1f} times and the batch {batches[-1] / batches[0]:.0f} times" in text
    assert "67B at" in text and "3.2e-4" in text
