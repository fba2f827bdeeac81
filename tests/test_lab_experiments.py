"""Tests of the lab's data experiments, bootstrap intervals, MFU measurement and text generation."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.data import MUENNIGHOFF_2023_FIT, MUENNIGHOFF_2023_REPETITION
from scalingedu.lab import FULL_SWEEP, ModelConfig, load_corpus, load_provenance, load_results, train
from scalingedu.lab.analysis import bootstrap_exponent, isoflop_budget_view, sweep_fit
from scalingedu.lab.efficiency import matmul_flops_per_second, trainer_flops_per_second
from scalingedu.lab.experiments import (
    EXPERIMENT_DESIGN,
    ExperimentRun,
    experiment_runs,
    fresh_equivalent_tokens,
    muennighoff_effective_tokens,
    nearest_run,
    quality_runs,
    repetition_runs,
)
from scalingedu.lab.training import generate, train_isolated
from scalingedu.laws import fit_isoflop_parabolas
from scalingedu.tools.bench import bench_lab


def _run(tokens, losses, final, **setting):
    return ExperimentRun(corruption=setting.get("corruption", 0.0), epochs=setting.get("epochs", 1.0),
                         unique_tokens=int(tokens[-1]), curve_tokens=np.array(tokens, dtype=float),
                         curve_val_loss=np.array(losses), tokens=int(tokens[-1]), val_loss=final)


# --- Muennighoff et al.'s effective data ------------------------------------------------------------------------

def test_muennighoff_effective_data_matches_the_papers_claims():
    """Muennighoff et al. 2023 (arXiv:2305.16264): D' = U + U·R*·(1 - exp(-R/R*)) with R* = 15.39 (datablations
    README, MUENNIGHOFF_2023_FIT). Its abstract: up to 4 epochs are nearly as good as unique data (we read "nearly"
    as D'/D > 0.9), and returns fade around 16 epochs (the 16th epoch adds under 40 % of a fresh epoch)."""
    unique = 1e9
    assert muennighoff_effective_tokens(unique, 1) == unique                      # no repetition: D' = U
    four = muennighoff_effective_tokens(unique, MUENNIGHOFF_2023_REPETITION["nearly_free_epochs"])
    assert four / (4 * unique) > 0.9
    sixteenth = muennighoff_effective_tokens(unique, 16) - muennighoff_effective_tokens(unique, 15)
    assert sixteenth / unique < 0.4
    r_star = MUENNIGHOFF_2023_FIT["rd_star"]
    assert muennighoff_effective_tokens(unique, 1e6) == pytest.approx(unique * (1 + r_star), rel=1e-9)
    with pytest.raises(ValueError, match="epochs"):
        muennighoff_effective_tokens(unique, 0.5)


def test_fresh_equivalent_interpolates_the_fresh_curve_in_log_tokens():
    fresh = _run([100, 1000, 10000], [3.0, 2.0, 1.0], 1.0)
    assert fresh_equivalent_tokens(_run([10000], [], 2.0), fresh) == pytest.approx(1000)
    assert fresh_equivalent_tokens(_run([10000], [], 1.5), fresh) == pytest.approx(np.sqrt(1000 * 10000))
    with pytest.raises(ValueError, match="outside"):
        fresh_equivalent_tokens(_run([10000], [], 3.5), fresh)


# --- the shipped experiments ------------------------------------------------------------------------------------

def test_shipped_experiments_match_their_design():
    runs = experiment_runs()
    assert len(runs) == len(EXPERIMENT_DESIGN.runs())
    assert {run.tokens for run in runs} == {EXPERIMENT_DESIGN.tokens}
    assert load_provenance("experiments")["design"]["width"] == EXPERIMENT_DESIGN.width


def test_corruption_and_repetition_cost_loss_in_order():
    runs = experiment_runs()
    quality = [run.val_loss for run in quality_runs(runs)]
    repetition = [run.val_loss for run in repetition_runs(runs)]
    assert np.all(np.diff(quality) > 0)          # more noise, higher loss
    assert np.all(np.diff(repetition) > 0)       # more epochs over less text, higher loss
    fresh = repetition_runs(runs)[0]
    # during its first epoch a repeated run reads the same text as the fresh run: identical curve points
    twice = repetition_runs(runs)[1]
    first_epoch = twice.curve_tokens <= twice.unique_tokens
    np.testing.assert_array_equal(twice.curve_val_loss[first_epoch], fresh.curve_val_loss[first_epoch])
    assert fresh_equivalent_tokens(twice, fresh) < twice.tokens


# --- bootstrap ----------------------------------------------------------------------------------------------------

def test_bootstrap_interval_is_reproducible_and_brackets_the_fit():
    results = load_results()
    first = bootstrap_exponent(results, approach=2, samples=200, seed=3)
    second = bootstrap_exponent(results, approach=2, samples=200, seed=3)
    np.testing.assert_array_equal(first.samples, second.samples)
    assert first.a == fit_isoflop_parabolas(results["params"], results["flops"], results["val_loss"]).a
    assert first.low < first.a < first.high and first.samples.size == 200
    other = bootstrap_exponent(results, approach=2, samples=200, seed=4)
    assert not np.array_equal(other.samples, first.samples)
    with pytest.raises(ValueError, match="approach"):
        bootstrap_exponent(results, approach=1)
    with pytest.raises(ValueError, match="level"):
        bootstrap_exponent(results, level=1.0)


# --- MFU ----------------------------------------------------------------------------------------------------------

def test_matmul_and_trainer_speeds_are_measured():
    peak = matmul_flops_per_second(size=256, repeats=3)
    achieved = trainer_flops_per_second(ModelConfig(width=64), steps=10)
    assert 1e8 < peak < 1e13 and 1e7 < achieved < 1e13
    with pytest.raises(ValueError, match="size"):
        matmul_flops_per_second(size=4)


def test_bench_lab_prints_lab_mfu(capsys):
    """scalingedu bench's lab figures (scalingedu.tools.bench.bench_lab)."""
    results = bench_lab()
    lines = dict(line.split(" ", 1) for line in capsys.readouterr().out.strip().splitlines())
    assert lines["lab_mfu"].endswith("ratio")
    assert 0 < results["lab_mfu"] < 1.5            # a ratio of two measured speeds, not a fixed number
    assert results["lab_model_params"] == FULL_SWEEP.config(max(FULL_SWEEP.widths)).params


# --- the live-run helpers ---------------------------------------------------------------------------------------

def test_train_isolated_returns_a_trained_model():
    config = ModelConfig(width=16)
    isolated = train_isolated(config, 256 * 50, seed=2)
    here = train(config, 256 * 50, seed=2, corpus=load_corpus())
    assert isolated.model is not None and isolated.tokens == here.tokens
    assert isolated.val_loss == pytest.approx(here.val_loss, rel=1e-3)    # BLAS threading may change last bits
    with pytest.raises(TypeError, match="corpus"):
        train_isolated(config, 256 * 50, corpus=load_corpus())


def test_generate_is_seeded_and_keeps_the_prompt():
    run = train(ModelConfig(width=16), 256 * 20, corpus=load_corpus())
    text = generate(run.model, "def ", 50, seed=1)
    assert text.startswith("def ") and len(text) == 54
    assert generate(run.model, "def ", 50, seed=1) == text
    with pytest.raises(ValueError, match="temperature"):
        generate(run.model, "x", 5, temperature=0)


# --- lesson 05's views: one budget of the sweep, the nearest data experiment ----------------------

def test_budget_view_is_the_budgets_runs_and_parabola():
    results = load_results()
    fit = fit_isoflop_parabolas(results["params"], results["flops"], results["val_loss"])
    assert sweep_fit(results).a == pytest.approx(fit.a) and sweep_fit().a == pytest.approx(fit.a)
    for index, budget in enumerate(fit.flops):
        view = isoflop_budget_view(budget * 1.2, results)          # the nearest budget is chosen
        assert view.flops == budget
        rows = np.isclose(results["budget"], np.unique(results["budget"])[index])
        np.testing.assert_array_equal(np.sort(view.runs_loss), np.sort(results["val_loss"][rows]))
        # the parabola's lowest point on its grid is (close to) the reported minimum
        assert view.curve_loss.min() == pytest.approx(view.optimum_loss, abs=2e-3)
        assert view.optimum_tokens == pytest.approx(budget / (6 * view.optimum_params))
        assert view.tokens_per_param == pytest.approx(view.optimum_tokens / view.optimum_params)


def test_budget_view_rejects_bad_input():
    results = load_results()
    with pytest.raises(ValueError, match="flops"):
        isoflop_budget_view(-1.0, results)
    with pytest.raises(TypeError, match="single budget"):
        isoflop_budget_view([1e10, 1e11], results)


def test_nearest_run_picks_by_setting():
    runs = experiment_runs()
    assert nearest_run(quality_runs(runs), 0.12, "corruption").corruption == pytest.approx(0.1)
    assert nearest_run(repetition_runs(runs), 3.4, "epochs").epochs == pytest.approx(4.0, rel=0.01)
    with pytest.raises(ValueError, match="setting"):
        nearest_run(runs, 1.0, "noise")
    with pytest.raises(ValueError, match="value"):
        nearest_run(runs, -0.1, "corruption")
    with pytest.raises(ValueError, match="empty"):
        nearest_run([], 1.0, "epochs")


def test_experiment_runs_are_complete():
    runs = experiment_runs()
    quality, repetition = quality_runs(runs), repetition_runs(runs)
    assert len(quality) >= 4 and quality[0].corruption == 0
    assert len(repetition) >= 5 and repetition[0].epochs == pytest.approx(1.0)
    assert len({run.tokens for run in runs}) == 1          # same training tokens in every run
    for run in runs:
        assert run.curve_tokens.size >= 8 and np.all(np.diff(run.curve_tokens) > 0)
