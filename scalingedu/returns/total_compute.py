"""Test-time compute with total accounting: pre-training, answers and the verifier, counted over a model's life.

Comparing "sample a small model k times" with "ask a larger model once" at equal *inference* FLOPs leaves out
three costs: the larger model's extra pre-training, the verifier that judges the k samples (its reading and its own
pre-training) and how much the model will be used. Snell et al. 2024 (arXiv:2408.03314) make the exchange at
matched total FLOPs and find that the answer depends on the ratio R of inference tokens to pre-training tokens:
test-time compute wins on easy and medium problems when R is small, pre-training wins when R is large.

The accounting, with 6 FLOPs per parameter per training token and 2 per generated token (Kaplan et al. 2020 §2.1):

- the larger model has ``scale``·N parameters, is pre-trained on the same D tokens and answers once:
  6·scale·N·D + 2·scale·N·R·D;
- the small model (N parameters, D tokens) answers k times, a verifier of ``verifier_size``·N parameters reads
  every sample, and the verifier's own pre-training costs ``verifier_pretraining_share`` of the small model's:
  6·N·D·(1 + s) + 2·N·(1 + v)·k·R·D.

Setting the two equal gives the samples the small model can afford,

    k = (scale + 3·(scale − 1 − s)/R) / (1 + v),

which falls towards scale/(1 + v) as R grows: the more a model is used, the less its pre-training counts per answer,
and the fewer extra samples the saved pre-training buys. Below one sample the small model cannot match the budget
at all. All of this is arithmetic on the stated assumptions; the accuracies that go with it in the lesson come from
the toy task of :mod:`scalingedu.returns.test_time`, not from data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..compute import FLOPS_PER_PARAM_TOKEN, FORWARD_FLOPS_PER_PARAM_TOKEN
from .test_time import ToyTask, Verifier, best_of_n_accuracy


@dataclass(frozen=True)
class LifetimeCompute:
    """A model's lifetime FLOPs split into ``pretraining``, ``answers`` (generating every sample) and ``verifier``
    (reading every sample, plus the verifier's own pre-training); ``total`` is their sum."""

    pretraining: float
    answers: float
    verifier: float

    @property
    def total(self) -> float:
        return self.pretraining + self.answers + self.verifier


def lifetime_compute(params, pretraining_tokens, inference_tokens, *, samples=1, verifier_params=0.0,
                     verifier_pretraining_tokens=0.0) -> LifetimeCompute:
    """FLOPs over a model's life: pre-training 6·N·D, generating ``samples`` answers for each of the
    ``inference_tokens`` answer tokens served (2·N per token), and a verifier of ``verifier_params`` that reads every
    sample (2·N_v per token) after its own pre-training on ``verifier_pretraining_tokens`` (6·N_v·D_v)."""
    n = v.positive_number("params", params)
    d = v.positive_number("pretraining_tokens", pretraining_tokens)
    served = v.positive_number("inference_tokens", inference_tokens, allow_zero=True)
    k = v.positive_int("samples", samples, minimum=1, maximum=10**9)
    n_v = v.positive_number("verifier_params", verifier_params, allow_zero=True)
    d_v = v.positive_number("verifier_pretraining_tokens", verifier_pretraining_tokens, allow_zero=True)
    return LifetimeCompute(
        pretraining=FLOPS_PER_PARAM_TOKEN * n * d,
        answers=FORWARD_FLOPS_PER_PARAM_TOKEN * n * k * served,
        verifier=FORWARD_FLOPS_PER_PARAM_TOKEN * n_v * k * served + FLOPS_PER_PARAM_TOKEN * n_v * d_v)


def affordable_samples(scale, inference_to_pretraining, *, verifier_size=0.0, verifier_pretraining_share=0.0):
    """How many samples per answer the small model can afford at the larger model's total compute (module text):
    (scale + 3·(scale − 1 − s)/R) / (1 + v). ``scale`` > 1 is the larger model's size in units of the small one, R
    = ``inference_to_pretraining`` the ratio of answer tokens served to pre-training tokens, v = ``verifier_size``
    the verifier's size in the same units and s = ``verifier_pretraining_share`` its pre-training as a share of the
    small model's. A value below 1 means the small model cannot match the budget even with one answer. Vectorised
    over R."""
    m = v.positive_number("scale", scale)
    if m <= 1:
        raise ValueError(f"scale must be above 1 (the larger model in units of the small one), got {m:g}")
    ratio = v.positive("inference_to_pretraining", inference_to_pretraining)
    size = v.positive_number("verifier_size", verifier_size, allow_zero=True)
    share = v.positive_number("verifier_pretraining_share", verifier_pretraining_share, allow_zero=True)
    k = (m + 3.0 * (m - 1.0 - share) / ratio) / (1.0 + size)
    return v.scalar_or_array(k, inference_to_pretraining)


@dataclass(frozen=True)
class TotalMatched:
    """The exchange at matched lifetime compute for each ratio in ``ratios``: the ``samples`` the small model can
    afford (whole samples, at least 1; ``affordable`` says where even one sample fits the budget), the toy task's
    mean accuracy of the small model's best-of-``samples`` judged by the verifier (``small_accuracy``) and of the
    larger model answering once (``large_accuracy``, the same at every ratio)."""

    scale: float
    ratios: np.ndarray
    samples: np.ndarray
    affordable: np.ndarray
    small_accuracy: np.ndarray
    large_accuracy: float

    @property
    def break_even_ratio(self) -> float | None:
        """The smallest ratio in ``ratios`` from which the larger model is at least as accurate, or None."""
        losing = np.nonzero(self.small_accuracy <= self.large_accuracy)[0]
        return float(self.ratios[losing[0]]) if len(losing) else None


_DEFAULT_TASK, _DEFAULT_VERIFIER = ToyTask(), Verifier()


def total_matched(small_params, scale, ratios, *, task: ToyTask = _DEFAULT_TASK, verifier: Verifier = _DEFAULT_VERIFIER,
                  verifier_size=0.0, verifier_pretraining_share=0.0) -> TotalMatched:
    """Exchange pre-training for samples at equal lifetime compute on the toy ``task`` (a model, not data): for
    each R in ``ratios`` the small model of ``small_params`` takes the whole number of samples it can afford
    (:func:`affordable_samples`, rounded down) and the ``verifier`` picks one; the larger model answers once."""
    if not isinstance(task, ToyTask):
        raise TypeError(f"task must be a ToyTask, not {type(task).__name__}")
    if not isinstance(verifier, Verifier):
        raise TypeError(f"verifier must be a Verifier, not {type(verifier).__name__}")
    n = v.positive_number("small_params", small_params)
    r = np.atleast_1d(np.asarray(v.positive("ratios", ratios), dtype=float))
    k_exact = np.atleast_1d(affordable_samples(scale, r, verifier_size=verifier_size,
                                               verifier_pretraining_share=verifier_pretraining_share))
    affordable = k_exact >= 1
    k = np.maximum(np.floor(k_exact), 1.0)
    small = task.success_probability(n)
    accuracy = np.array([np.mean(best_of_n_accuracy(small, int(samples), verifier)) for samples in k])
    accuracy[~affordable] = np.nan
    large = float(np.mean(task.success_probability(n * float(scale))))
    return TotalMatched(scale=float(scale), ratios=r, samples=k, affordable=affordable, small_accuracy=accuracy,
                        large_accuracy=large)
