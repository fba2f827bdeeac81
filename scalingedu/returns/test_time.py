"""Test-time compute: a TOY MODEL of repeated sampling with a verifier (a model, not data).

A model answers a problem correctly with probability p per independent sample. Drawing k samples:

- *coverage* (pass@k: at least one sample is right) is 1 − (1 − p)^k, which climbs towards 1 for any p > 0;
- *best-of-N accuracy* needs someone to pick the right sample. Our verifier accepts a correct sample with
  probability ``true_positive`` and a wrong one with probability ``false_positive``; we pick uniformly among the
  accepted samples (or among all when none is accepted). Each sample is independently "correct and accepted"
  (q₁ = p·tp), "wrong and accepted" (q₂ = (1 − p)·fp) or "not accepted" (q₀ = 1 − q₁ − q₂), so the exact accuracy is

      (1 − q₀^k) · q₁/(q₁ + q₂)  +  q₀^k · p·(1 − tp)/q₀,

  which saturates at the verifier's precision q₁/(q₁ + q₂), not at 1: an imperfect verifier caps what sampling buys.

For the compute-matched comparison, a toy task has problems of graded difficulty and a model's chance on a problem
rises smoothly with log(params) (a logistic curve; the slope is an assumption, not a measurement). Sampling k times
from a model of N parameters costs the same inference FLOPs (2·N per token) as one answer from a model of k·N
parameters. Snell et al. 2024 report the shape this toy reproduces qualitatively: test-time compute beats a larger
model where the small one already has a non-trivial success rate, and loses on the hardest problems.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from scipy.stats import norm

from .. import _validate as v
from ..compute import FORWARD_FLOPS_PER_PARAM_TOKEN


def _probability(name: str, value) -> np.ndarray:
    return v.in_range(name, value, 0.0, 1.0)


def _samples(value) -> np.ndarray:
    k = v.finite("samples", value)
    if np.any(k < 1) or np.any(k != np.round(k)):
        bad = k[(k < 1) | (k != np.round(k))].ravel()[0]
        raise ValueError(f"samples must be whole numbers >= 1 (got {bad:g})")
    return k


def coverage(success_probability, samples):
    """pass@k for one problem: the chance that at least one of ``samples`` independent samples is right,
    1 − (1 − p)^k. Vectorised (p and k broadcast)."""
    p = _probability("success_probability", success_probability)
    k = _samples(samples)
    return v.scalar_or_array(1.0 - (1.0 - p) ** k, success_probability, samples)


@dataclass(frozen=True)
class Verifier:
    """An imperfect judge: accepts a correct sample with ``true_positive``, a wrong one with ``false_positive``."""

    true_positive: float = 0.95
    false_positive: float = 0.01

    def __post_init__(self):
        _probability("true_positive", self.true_positive)
        _probability("false_positive", self.false_positive)
        if self.true_positive == 0 and self.false_positive == 0:
            raise ValueError("a verifier that accepts nothing (true_positive = false_positive = 0) cannot choose")


def best_of_n_accuracy(success_probability, samples, verifier: Verifier = Verifier()):
    """Chance that the sample chosen by ``verifier`` among ``samples`` is right (exact formula: module text)."""
    if not isinstance(verifier, Verifier):
        raise TypeError(f"verifier must be a Verifier, not {type(verifier).__name__}")
    p = _probability("success_probability", success_probability)
    k = _samples(samples)
    tp, fp = verifier.true_positive, verifier.false_positive
    accepted_right = p * tp
    accepted_wrong = (1.0 - p) * fp
    rejected = 1.0 - accepted_right - accepted_wrong
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(accepted_right + accepted_wrong > 0,
                             accepted_right / np.maximum(accepted_right + accepted_wrong, 1e-300), 0.0)
        right_when_none_accepted = np.where(rejected > 0, p * (1.0 - tp) / np.maximum(rejected, 1e-300), 0.0)
    none_accepted = rejected ** k
    accuracy = (1.0 - none_accepted) * precision + none_accepted * right_when_none_accepted
    return v.scalar_or_array(accuracy, success_probability, samples)


@dataclass(frozen=True)
class ToyTask:
    """A made-up benchmark: ``problems`` problems whose difficulties are evenly spaced quantiles of a normal
    distribution (no randomness). A model of N parameters solves problem i per sample with probability
    sigmoid(skill_per_decade·log10(N / reference_params) − difficulty_i). All numbers are assumptions."""

    problems: int = 200
    reference_params: float = 1e9
    skill_per_decade: float = 2.5
    difficulty_spread: float = 2.5
    difficulty_centre: float = 1.0

    def __post_init__(self):
        v.positive_int("problems", self.problems, minimum=1, maximum=100_000)
        v.positive("reference_params", self.reference_params)
        v.positive("skill_per_decade", self.skill_per_decade)
        v.positive("difficulty_spread", self.difficulty_spread)
        v.finite("difficulty_centre", self.difficulty_centre)

    @property
    def difficulties(self) -> np.ndarray:
        quantiles = (np.arange(self.problems) + 0.5) / self.problems
        return self.difficulty_centre + self.difficulty_spread * norm.ppf(quantiles)

    def success_probability(self, params) -> np.ndarray:
        """Per-sample success on every problem: shape (..., problems) for ``params`` of shape (...)."""
        n = v.positive("params", params)
        skill = self.skill_per_decade * np.log10(n / self.reference_params)
        return expit(skill[..., None] - self.difficulties)


@dataclass(frozen=True)
class ComputeMatched:
    """One small model sampled ``samples`` times against one answer from a model ``samples`` times larger, at
    equal inference FLOPs (``flops_per_answer_token`` each). Accuracies are per problem and on average."""

    small_params: float
    large_params: float
    samples: int
    flops_per_answer_token: float
    difficulties: np.ndarray
    small_single: np.ndarray
    small_coverage: np.ndarray
    small_best_of_n: np.ndarray
    large_single: np.ndarray

    @property
    def mean_small_best_of_n(self) -> float:
        return float(np.mean(self.small_best_of_n))

    @property
    def mean_large_single(self) -> float:
        return float(np.mean(self.large_single))

    @property
    def sampling_wins(self) -> np.ndarray:
        """Problems on which sampling the small model beats the larger model."""
        return self.small_best_of_n > self.large_single


def compute_matched(small_params, samples, task: ToyTask = ToyTask(), verifier: Verifier = Verifier()
                    ) -> ComputeMatched:
    """Spend the same inference compute two ways on ``task``: best-of-``samples`` from ``small_params`` with
    ``verifier``, or one answer from a model of ``samples``·``small_params`` (2·N FLOPs per token either way)."""
    if not isinstance(task, ToyTask):
        raise TypeError(f"task must be a ToyTask, not {type(task).__name__}")
    n = float(v.positive("small_params", small_params)) if np.ndim(small_params) == 0 else None
    if n is None:
        raise TypeError("small_params must be a single number of parameters")
    k = v.positive_int("samples", samples, minimum=1, maximum=1_000_000)
    small = task.success_probability(n)
    large = task.success_probability(n * k)
    return ComputeMatched(small_params=n, large_params=n * k, samples=k,
                          flops_per_answer_token=FORWARD_FLOPS_PER_PARAM_TOKEN * n * k,
                          difficulties=task.difficulties, small_single=small,
                          small_coverage=np.asarray(coverage(small, k)),
                          small_best_of_n=np.asarray(best_of_n_accuracy(small, k, verifier)), large_single=large)
