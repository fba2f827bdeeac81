"""Tests of the two-step forecast (scalingedu.returns.forecast): compute -> loss -> benchmark accuracy, as in the
Llama 3 report (Dubey et al. 2024, §3.2.1), on synthetic runs from a known law and on the lab's shipped runs."""
from __future__ import annotations

import math

import numpy as np
import pytest

from scalingedu.lab.downstream import load_downstream
from scalingedu.returns.forecast import TwoStepForecast, fit_sigmoid, two_step_forecast

BUDGETS = (1e10, 3e10, 9e10, 2.7e11)
FIT, TARGET = BUDGETS[:3], BUDGETS[3]
TRUE_LOSS = (30.0, -0.11)           # compute-optimal loss L*(C) = 30·C^-0.11: 2.38 at 1e10, 1.66 at 2.7e11 FLOPs
TRUE_SIGMOID = (3.0, 2.0, 0.6)      # accuracy = 0.6/(1 + exp(3·(loss − 2)))


def _optimal_loss(flops):
    return TRUE_LOSS[0] * np.asarray(flops, dtype=float) ** TRUE_LOSS[1]


def _true_accuracy(loss, sigmoid=TRUE_SIGMOID):
    k, midpoint, ceiling = sigmoid
    return ceiling / (1.0 + np.exp(k * (np.asarray(loss) - midpoint)))


def _synthetic(loss_noise, accuracy_noise, seed=0, sigmoid=TRUE_SIGMOID, sizes=5, centred=False):
    """An IsoFLOP sweep from the known law: at each budget, ``sizes`` models around N_opt = 0.1·C^0.5 whose loss
    lies on a parabola in ln N above L*(C) (plus noise), and their accuracy on the known sigmoid (plus noise).
    ``centred`` puts one model exactly at N_opt, so that the best run's loss is L*(C) up to noise."""
    rng = np.random.default_rng(seed)
    columns = {name: [] for name in ("budget", "flops", "params", "task_loss", "task_accuracy")}
    spread = np.linspace(-1.0, 1.0, sizes) if centred else np.linspace(-1.1, 0.9, sizes)
    for budget in BUDGETS:
        params = 0.1 * math.sqrt(budget) * np.exp(spread)
        loss = _optimal_loss(budget) + 0.08 * spread ** 2 + rng.normal(0.0, loss_noise, sizes)
        accuracy = np.clip(_true_accuracy(loss, sigmoid) + rng.normal(0.0, accuracy_noise, sizes), 0.0, 1.0)
        for name, values in zip(columns, ([budget] * sizes, [budget] * sizes, params, loss, accuracy)):
            columns[name].extend(values)
    return {name: np.array(values, dtype=float) for name, values in columns.items()}


# --- the sigmoid ----------------------------------------------------------------------------------------------------

def test_fit_sigmoid_recovers_a_known_curve_with_a_fitted_or_fixed_ceiling():
    loss = np.linspace(1.4, 2.6, 15)
    k, midpoint, ceiling = fit_sigmoid(loss, _true_accuracy(loss))
    assert (k, midpoint, ceiling) == pytest.approx(TRUE_SIGMOID, rel=1e-6)
    full = (2.5, 1.8, 1.0)
    assert fit_sigmoid(loss, _true_accuracy(loss, full), ceiling=1.0) == pytest.approx(full, rel=1e-6)
    # a fixed ceiling that is wrong still gives the best curve under that ceiling, with another slope
    k_wrong, _, fixed = fit_sigmoid(loss, _true_accuracy(loss), ceiling=1.0)
    assert fixed == 1.0 and k_wrong != pytest.approx(TRUE_SIGMOID[0], rel=0.05)


def test_fit_sigmoid_rejects_bad_input():
    loss = np.linspace(1.5, 2.5, 5)
    with pytest.raises(ValueError, match="accuracy"):
        fit_sigmoid(loss, np.full(5, 1.5))
    with pytest.raises(ValueError, match="ceiling"):
        fit_sigmoid(loss, np.full(5, 0.3), ceiling=0.0)
    with pytest.raises(ValueError, match="ceiling"):
        fit_sigmoid(loss, np.full(5, 0.3), ceiling="free")
    with pytest.raises(ValueError, match="loss"):
        fit_sigmoid(np.full(5, 2.0), np.full(5, 0.3))
    with pytest.raises(ValueError, match="loss and accuracy"):
        fit_sigmoid(loss, np.full(4, 0.3))


# --- synthetic runs from a known law ---------------------------------------------------------------------------------

def test_the_forecast_recovers_the_known_loss_and_accuracy_within_its_interval():
    runs = _synthetic(loss_noise=0.01, accuracy_noise=0.01, seed=0)
    forecast = two_step_forecast(runs, FIT, TARGET, bootstrap=400, seed=0)
    assert isinstance(forecast, TwoStepForecast) and forecast.ceiling_fitted
    true_loss = float(_optimal_loss(TARGET))
    true_accuracy = float(_true_accuracy(true_loss))
    assert forecast.loss_low <= true_loss <= forecast.loss_high
    assert forecast.accuracy_low <= true_accuracy <= forecast.accuracy_high
    assert forecast.predicted_loss == pytest.approx(true_loss, abs=0.03)
    assert forecast.predicted_accuracy == pytest.approx(true_accuracy, abs=0.03)
    assert forecast.loss_low < forecast.predicted_loss < forecast.loss_high
    # step 1 went through the three parabola minima: near L*(C) at each fitted budget
    np.testing.assert_allclose(forecast.step1_loss, _optimal_loss(FIT), atol=0.02)
    assert forecast.loss_law.b == pytest.approx(TRUE_LOSS[1], abs=0.02)
    # the runs at the target were never fitted: they are the measurement
    at_target = runs["flops"] == TARGET
    assert forecast.measured_loss == runs["task_loss"][at_target].min()
    assert forecast.measured_accuracy == runs["task_accuracy"][at_target][np.argmin(runs["task_loss"][at_target])]
    assert forecast.fit_loss.size == 15 and not np.isin(forecast.fit_loss, runs["task_loss"][at_target]).any()
    assert forecast.samples_loss.size == forecast.samples_accuracy.size == 400
    assert "step 1, task_loss: predicted" in forecast.summary() and "fitted)" in forecast.summary()


def test_the_interval_widens_as_the_noise_grows():
    widths = []
    for noise in (0.002, 0.01, 0.03):
        forecast = two_step_forecast(_synthetic(noise, noise, seed=1), FIT, TARGET, bootstrap=300, seed=0)
        widths.append((forecast.loss_high - forecast.loss_low, forecast.accuracy_high - forecast.accuracy_low))
    loss_widths, accuracy_widths = np.array(widths).T
    assert np.all(np.diff(loss_widths) > 0) and np.all(np.diff(accuracy_widths) > 0)
    assert loss_widths[-1] > 3 * loss_widths[0] and accuracy_widths[-1] > 3 * accuracy_widths[0]


def test_best_runs_and_a_fixed_ceiling_also_recover_a_known_law():
    full = (2.5, 1.8, 1.0)
    runs = _synthetic(0.005, 0.005, seed=2, sigmoid=full, centred=True)
    forecast = two_step_forecast(runs, FIT, TARGET, bootstrap=200, minima="best", ceiling=1.0)
    true_loss = float(_optimal_loss(TARGET))
    assert not forecast.ceiling_fitted and forecast.ceiling == 1.0
    assert forecast.predicted_loss == pytest.approx(true_loss, abs=0.02)
    assert forecast.predicted_accuracy == pytest.approx(float(_true_accuracy(true_loss, full)), abs=0.02)
    assert forecast.failed == 0                     # the best run of any resample always exists


def test_the_intervals_of_each_step_alone_lie_within_the_whole():
    forecast = two_step_forecast(_synthetic(0.01, 0.01, seed=3), FIT, TARGET, bootstrap=300)
    for low, high in (forecast.accuracy_interval_step1, forecast.accuracy_interval_step2):
        assert forecast.accuracy_low - 0.01 <= low <= high <= forecast.accuracy_high + 0.01


def test_a_forecast_with_nothing_trained_at_the_target_has_no_measurement():
    runs = _synthetic(0.01, 0.01)
    forecast = two_step_forecast(runs, FIT, 1e12, bootstrap=50)
    assert math.isnan(forecast.measured_loss) and math.isnan(forecast.measured_accuracy)
    assert not forecast.loss_inside and not forecast.accuracy_inside
    assert forecast.predicted_loss < two_step_forecast(runs, FIT, TARGET, bootstrap=50).predicted_loss


def test_bad_input_raises_errors_that_name_the_parameter():
    runs = _synthetic(0.01, 0.01)
    cases = [
        ({"fit_budgets": FIT[:2]}, "fit_budgets"),
        ({"fit_budgets": (1e10, 3e10, 5e9)}, "fit_budgets"),            # 5e9: no run was trained there
        ({"fit_budgets": (1e10, 1e10, 3e10)}, "fit_budgets"),
        ({"target_budget": 3e10}, "target_budget"),
        ({"target_budget": -1.0}, "target_budget"),
        ({"bootstrap": 5}, "bootstrap"),
        ({"seed": -1}, "seed"),
        ({"loss": "perplexity"}, "loss"),
        ({"minima": "median"}, "minima"),
        ({"ceiling": 1.5}, "ceiling"),
        ({"level": 1.0}, "level"),
    ]
    for change, name in cases:
        arguments = {"fit_budgets": FIT, "target_budget": TARGET, "bootstrap": 20, **change}
        with pytest.raises(ValueError, match=name):
            two_step_forecast(runs, **arguments)
    with pytest.raises(ValueError, match="task_accuracy"):
        two_step_forecast({k: c for k, c in runs.items() if k != "task_accuracy"}, FIT, TARGET, bootstrap=20)
    with pytest.raises(ValueError, match="task_accuracy"):
        two_step_forecast({**runs, "task_accuracy": runs["task_accuracy"] + 2}, FIT, TARGET, bootstrap=20)
    two_sizes = {name: column[np.tile(np.arange(5) < 2, 4)] for name, column in runs.items()}
    with pytest.raises(ValueError, match="fit_budgets"):
        two_step_forecast(two_sizes, FIT, TARGET, bootstrap=20)
    with pytest.raises(TypeError, match="results"):
        two_step_forecast([1, 2, 3], FIT, TARGET)


# --- the lab's shipped runs (what lesson 08 shows) -------------------------------------------------------------------

def test_on_the_shipped_runs_the_forecast_lands_inside_its_interval_and_step_2_dominates():
    """Lesson 08's deep dive: fitted on the three smaller budgets of load_downstream(), the forecast of the
    largest budget's accuracy contains the measured accuracy; step 2 (the sigmoid) contributes most of its
    uncertainty; with the ceiling fixed at 1 the forecast overshoots and its interval misses the measurement."""
    runs = load_downstream()
    budgets = sorted(set(runs["budget"].tolist()))
    forecast = two_step_forecast(runs, budgets[:3], budgets[-1])
    largest = np.flatnonzero(runs["budget"] == budgets[-1])
    best = largest[np.argmin(runs["task_loss"][largest])]
    assert forecast.measured_accuracy == runs["task_accuracy"][best]
    assert forecast.accuracy_inside and forecast.loss_inside
    assert 0 < forecast.ceiling < 1 and forecast.ceiling_fitted
    step1, step2 = forecast.accuracy_interval_step1, forecast.accuracy_interval_step2
    assert step2[1] - step2[0] > 3 * (step1[1] - step1[0])
    fixed = two_step_forecast(runs, budgets[:3], budgets[-1], ceiling=1.0)
    assert fixed.predicted_accuracy > forecast.predicted_accuracy and not fixed.accuracy_inside
    assert fixed.predicted_loss == forecast.predicted_loss             # step 1 does not depend on the sigmoid
