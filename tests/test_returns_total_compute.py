"""scalingedu.returns.total_compute: test-time compute with total accounting (pre-training, answers, verifier).

The closed form for the affordable samples is checked against the lifetime FLOPs counted term by term (two
independent routes to the same number), and its limits against the algebra in the module text."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.returns import ToyTask
from scalingedu.returns.total_compute import affordable_samples, lifetime_compute, total_matched


def test_lifetime_compute_counts_each_term():
    life = lifetime_compute(1e9, 2e10, 1e10, samples=4, verifier_params=5e8, verifier_pretraining_tokens=1e10)
    assert life.pretraining == pytest.approx(6 * 1e9 * 2e10)
    assert life.answers == pytest.approx(2 * 1e9 * 4 * 1e10)
    assert life.verifier == pytest.approx(2 * 5e8 * 4 * 1e10 + 6 * 5e8 * 1e10)
    assert life.total == pytest.approx(life.pretraining + life.answers + life.verifier)


@pytest.mark.parametrize("scale, ratio, size, share", [(14, 1.0, 0.0, 0.0), (14, 0.05, 1.0, 1.0),
                                                       (4, 30.0, 0.25, 0.1), (100, 0.3, 0.5, 2.0)])
def test_affordable_samples_equalise_the_lifetime_totals(scale, ratio, size, share):
    n, d = 1e9, 2e10
    served = ratio * d
    large = lifetime_compute(scale * n, d, served).total
    # The small model's total is linear in the number of samples: find where it meets the larger model's.
    # a verifier of size·N pre-trained on share·D/size tokens costs share × the small model's pre-training
    verifier_tokens = share * d / size if size else 0.0
    small = [lifetime_compute(n, d, served, samples=k, verifier_params=size * n,
                              verifier_pretraining_tokens=verifier_tokens).total for k in (1, 2)]
    k_counted = 1 + (large - small[0]) / (small[1] - small[0])
    assert affordable_samples(scale, ratio, verifier_size=size,
                              verifier_pretraining_share=share) == pytest.approx(k_counted, rel=1e-12)


def test_affordable_samples_limits():
    # R = 1, no verifier: scale + 3(scale - 1) = 14 + 39
    assert affordable_samples(14, 1.0) == pytest.approx(53.0)
    # heavy use: the saved pre-training no longer counts, k -> scale / (1 + v)
    assert affordable_samples(14, 1e12) == pytest.approx(14.0)
    assert affordable_samples(14, 1e12, verifier_size=1.0) == pytest.approx(7.0)
    k = affordable_samples(14, np.geomspace(1e-3, 1e3, 13))
    assert np.all(np.diff(k) < 0)
    # a verifier pre-trained for more than the saving leaves less than one sample at light use
    assert affordable_samples(2, 0.01, verifier_pretraining_share=3.0) < 1


def test_total_matched_falls_with_use_and_with_the_verifier_cost():
    ratios = np.geomspace(0.01, 1000, 11)
    free = total_matched(1e9, 14, ratios)
    paid = total_matched(1e9, 14, ratios, verifier_size=1.0, verifier_pretraining_share=1.0)
    assert np.all(np.diff(free.small_accuracy) <= 1e-12)
    assert np.all(paid.small_accuracy <= free.small_accuracy + 1e-12)
    assert free.large_accuracy == pytest.approx(np.mean(ToyTask().success_probability(14e9)))
    # the samples are the affordable ones, rounded down
    assert np.array_equal(free.samples, np.floor(affordable_samples(14, ratios)))
    # paying for the verifier moves the break-even to lighter use (or creates one)
    if free.break_even_ratio is not None:
        assert paid.break_even_ratio is not None and paid.break_even_ratio <= free.break_even_ratio
    else:
        assert paid.break_even_ratio is not None


def test_unaffordable_ratios_are_marked_not_scored():
    result = total_matched(1e9, 2, [0.01, 10.0], verifier_pretraining_share=3.0)
    assert list(result.affordable) == [False, True]
    assert np.isnan(result.small_accuracy[0]) and np.isfinite(result.small_accuracy[1])


@pytest.mark.parametrize("call, message", [
    (lambda: affordable_samples(1.0, 1.0), "scale must be above 1"),
    (lambda: affordable_samples(14, 0.0), "inference_to_pretraining"),
    (lambda: affordable_samples(14, 1.0, verifier_size=-1), "verifier_size"),
    (lambda: lifetime_compute(1e9, 1e10, 1e9, samples=0), "samples"),
    (lambda: total_matched(1e9, 14, [1.0], task="easy"), "task must be a ToyTask"),
    (lambda: total_matched(1e9, 14, [1.0], verifier=0.9), "verifier must be a Verifier"),
])
def test_bad_input_names_the_parameter(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
