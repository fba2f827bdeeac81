"""scalingedu.laws.hyperparameters: DeepSeek LLM's learning-rate and batch-size laws and Kaplan's critical batch.

Sources and tolerances: the laws (DeepSeek LLM, arXiv:2401.02954, section 3.1, Eq. 1) must give the hyperparameters
the paper chose for its 7B and 67B models (Table 2) from their shapes (Eq. 2's M) and 2T tokens: learning rates
within 3%, batch sizes within 10% (the paper picks values in a near-optimal band around the fit, not the fit
itself). Kaplan et al. 2020 Fig. 10 / section 5.1: the critical batch doubles for about every 13% fall in loss."""
from __future__ import annotations

import math

import pytest

from scalingedu.data.deepseek_llm import DEEPSEEK_LLM_MODELS
from scalingedu.laws import (
    deepseek_batch_tokens,
    deepseek_learning_rate,
    kaplan_critical_batch,
    non_embedding_flops_per_token,
)


def _budget(model) -> float:
    m = non_embedding_flops_per_token(model["n_layers"], model["d_model"], model["context"])
    return m * model["tokens"]


def test_eq2_counts_the_layers_and_the_attention_over_the_sequence():
    # 72·30·4096² + 6·30·4096·4096 for DeepSeek LLM 7B
    assert non_embedding_flops_per_token(30, 4096, 4096) == 72 * 30 * 4096 ** 2 + 6 * 30 * 4096 * 4096
    # the layer term is 6 FLOPs per parameter of 12·d² per layer
    assert non_embedding_flops_per_token(1, 1000, 0.0 + 1e-300) == pytest.approx(6 * 12 * 1000 ** 2)


@pytest.mark.parametrize("name", ["7B", "67B"])
def test_the_laws_give_the_papers_chosen_hyperparameters(name):
    model = DEEPSEEK_LLM_MODELS[name]
    budget = _budget(model)
    assert deepseek_learning_rate(budget) == pytest.approx(model["learning_rate"], rel=0.03)
    batch_tokens = model["batch_sequences"] * model["context"]
    assert deepseek_batch_tokens(budget) == pytest.approx(batch_tokens, rel=0.10)


def test_a_hundredfold_budget_means_a_smaller_rate_and_a_larger_batch():
    assert deepseek_learning_rate(1e22) / deepseek_learning_rate(1e24) == pytest.approx(100 ** 0.125)
    assert deepseek_batch_tokens(1e24) / deepseek_batch_tokens(1e22) == pytest.approx(100 ** 0.3271)
    assert 1.77 < 100 ** 0.125 < 1.79 and 4.5 < 100 ** 0.3271 < 4.6


def test_kaplan_critical_batch_doubles_for_about_every_13_percent_fall_in_loss():
    ratio = kaplan_critical_batch(0.87 * 3.0) / kaplan_critical_batch(3.0)
    assert ratio == pytest.approx(2.0, rel=0.05)
    assert kaplan_critical_batch(1.0) == pytest.approx(2.1e8)
    assert math.isclose(0.87 ** (-1 / 0.21), ratio)


@pytest.mark.parametrize("call, name", [(lambda: deepseek_learning_rate(0), "flops"),
                                        (lambda: deepseek_batch_tokens(-1e20), "flops"),
                                        (lambda: kaplan_critical_batch(0), "loss"),
                                        (lambda: non_embedding_flops_per_token(0, 4096, 4096), "n_layers")])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
