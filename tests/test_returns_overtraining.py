"""scalingedu.returns.overtraining: loss and compute cost of training beyond the compute-optimal ratio.

Checked against the law itself (the over-trained run is N = sqrt(C/(6M)) on M·N tokens), against Gadre et al.'s
closed form for laws with alpha = beta (Muennighoff et al.'s fit, whose constants are reproduced elsewhere to
1e-6 from huggingface/datablations: README), and against the algebra in the module text."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.laws import EPOCH_2024, HOFFMANN_2022
from scalingedu.returns import MUENNIGHOFF_2023
from scalingedu.returns.overtraining import compute_multiplier, gadre_form, overtrained_loss

EQUAL_EXPONENTS = MUENNIGHOFF_2023.unconstrained


@pytest.mark.parametrize("law", [HOFFMANN_2022, EPOCH_2024, EQUAL_EXPONENTS])
def test_overtrained_loss_is_the_law_at_the_implied_shape(law):
    flops, ratio = 3e23, 250.0
    params = np.sqrt(flops / (6 * ratio))
    assert overtrained_loss(law, flops, ratio) == pytest.approx(law.loss(params, ratio * params), rel=1e-12)
    optimum = law.compute_optimal(flops)
    assert overtrained_loss(law, flops, optimum.tokens_per_param) == pytest.approx(optimum.loss, rel=1e-12)


@pytest.mark.parametrize("law", [HOFFMANN_2022, EPOCH_2024, EQUAL_EXPONENTS])
def test_the_multiplier_reaches_the_optimum_loss_and_grows_with_the_ratio(law):
    flops = 1e24
    target = law.compute_optimal(flops).loss
    ratios = [200.0, 1000.0, 10000.0]
    multipliers = [compute_multiplier(law, flops, m) for m in ratios]
    for m, k in zip(ratios, multipliers):
        assert overtrained_loss(law, k * flops, m) == pytest.approx(target, rel=1e-9)
    assert multipliers[0] < multipliers[1] < multipliers[2]
    assert compute_multiplier(law, flops, law.compute_optimal(flops).tokens_per_param) == 1.0


def test_gadre_form_matches_the_law_and_gives_one_multiplier_at_every_budget():
    form = gadre_form(EQUAL_EXPONENTS)
    assert form.eta == pytest.approx(EQUAL_EXPONENTS.alpha / 2)
    for flops in (1e20, 1e23, 1e26):
        for ratio in (5.0, 20.0, 640.0, 1900.0):
            assert form.loss(flops, ratio) == pytest.approx(overtrained_loss(EQUAL_EXPONENTS, flops, ratio),
                                                            rel=1e-12)
    # with alpha = beta the optimal ratio and the cost of a ratio do not depend on compute
    for flops in (1e20, 1e23, 1e26):
        assert EQUAL_EXPONENTS.compute_optimal(flops).tokens_per_param == pytest.approx(
            form.optimal_tokens_per_param, rel=1e-9)
        assert compute_multiplier(EQUAL_EXPONENTS, flops, 1900.0) == pytest.approx(form.compute_multiplier(1900.0),
                                                                                   rel=1e-8)


def test_with_unequal_exponents_the_multiplier_drifts_with_compute():
    assert EPOCH_2024.alpha != EPOCH_2024.beta
    small, large = (compute_multiplier(EPOCH_2024, c, 1000.0) for c in (1e21, 1e25))
    assert abs(large / small - 1) > 0.01
    with pytest.raises(ValueError, match="needs alpha = beta"):
        gadre_form(EPOCH_2024)


@pytest.mark.parametrize("call, message", [
    (lambda: overtrained_loss("chinchilla", 1e24, 20), "law must be a ChinchillaLaw"),
    (lambda: overtrained_loss(HOFFMANN_2022, 0, 20), "flops"),
    (lambda: compute_multiplier(HOFFMANN_2022, 1e24, -1), "tokens_per_param"),
])
def test_bad_input_names_the_parameter(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
