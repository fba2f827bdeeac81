"""How large a batch pays: the gradient noise scale and the steps/examples trade-off (McCandlish et al. 2018).

McCandlish, Kaplan, Amodei et al. 2018, "An Empirical Model of Large-Batch Training" (arXiv:1812.06162):

- **Simple noise scale** (their §2.2 and App. A.1). With G the true gradient and Σ the covariance of one example's
  gradient, the mean gradient of a batch of B examples has E|G_B|² = |G|² + tr(Σ)/B. Measuring |G_B|² at two batch
  sizes B_small < B_big gives unbiased estimates

      |G|² ≈ (B_big·|G_Bbig|² − B_small·|G_Bsmall|²) / (B_big − B_small)
      tr Σ ≈ (|G_Bsmall|² − |G_Bbig|²) / (1/B_small − 1/B_big)

  and B_simple = tr Σ / |G|² (the two estimates are averaged over many batches before the ratio is taken). Below
  B_simple a step's gradient is mostly noise and a larger batch makes nearly proportionally more progress; above
  it, a larger batch adds little. Here an "example" is one predicted character, so B is in characters per batch.
- **Steps/examples trade-off** (their §2.3, Eq. 2.11). Training to a given loss with batch size B takes S steps and
  E = B·S examples, and across batch sizes (S/S_min − 1)(E/E_min − 1) = 1, i.e. S = S_min + E_min/B: S_min is the
  fewest steps any batch needs, E_min the fewest examples. The critical batch B_crit = E_min/S_min is where a run
  needs twice the fewest steps and twice the fewest examples. McCandlish et al. found B_crit ≈ B_simple within an
  order of magnitude, both growing as the loss falls.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import _validate as v


@dataclass(frozen=True)
class NoiseScale:
    """A measured simple noise scale ``b_simple`` = ``trace_sigma`` / ``gradient_sq`` (examples per batch), from
    ``measurements`` big batches of ``big_batch`` examples, each also split into small batches of ``small_batch``.
    ``b_simple`` is infinite when the estimate of |G|² is not positive (the gradient is lost in the noise)."""

    b_simple: float
    gradient_sq: float
    trace_sigma: float
    small_batch: int
    big_batch: int
    measurements: int


def simple_noise_scale(small_sq_norms, big_sq_norms, small_batch: int, big_batch: int) -> NoiseScale:
    """B_simple from squared gradient norms |G_Bsmall|² (any number of batches of ``small_batch`` examples) and
    |G_Bbig|² (batches of ``big_batch``), with McCandlish et al.'s unbiased estimators (App. A.1)."""
    small = v.positive("small_sq_norms", small_sq_norms, allow_zero=True).ravel()
    big = v.positive("big_sq_norms", big_sq_norms, allow_zero=True).ravel()
    b_small = v.positive_int("small_batch", small_batch)
    b_big = v.positive_int("big_batch", big_batch, minimum=b_small + 1)
    small_mean, big_mean = float(np.mean(small)), float(np.mean(big))
    gradient_sq = (b_big * big_mean - b_small * small_mean) / (b_big - b_small)
    trace_sigma = (small_mean - big_mean) / (1.0 / b_small - 1.0 / b_big)
    b_simple = trace_sigma / gradient_sq if gradient_sq > 0 else float("inf")
    return NoiseScale(b_simple=b_simple, gradient_sq=gradient_sq, trace_sigma=trace_sigma, small_batch=b_small,
                      big_batch=b_big, measurements=big.size)


def sampled_gradient_norms(gradient: Callable[[np.ndarray], np.ndarray], draw: Callable[[int], np.ndarray], *,
                           small_batch: int, big_batch: int, batches: int) -> tuple[np.ndarray, np.ndarray]:
    """Squared norms of small-batch and big-batch gradients, as data-parallel training measures them for free.

    ``batches`` times: ``draw(big_batch)`` gives a batch of examples, split into big_batch/small_batch small
    batches; ``gradient(examples)`` is the gradient of the mean loss over ``examples``. Each small batch's |G|² is
    kept, and the mean of the small gradients is the big batch's gradient. Returns (small, big) squared norms.
    """
    b_small = v.positive_int("small_batch", small_batch)
    b_big = v.positive_int("big_batch", big_batch, minimum=2 * b_small)
    if b_big % b_small:
        raise ValueError(f"big_batch = {b_big} must be a multiple of small_batch = {b_small}")
    count = v.positive_int("batches", batches, maximum=100_000)
    small, big = [], []
    for _ in range(count):
        examples = draw(b_big)
        total = None
        for part in range(b_big // b_small):
            g = np.asarray(gradient(examples[part * b_small:(part + 1) * b_small]), dtype=np.float64)
            small.append(float(g @ g))
            total = g.copy() if total is None else total + g
        total /= b_big // b_small
        big.append(float(total @ total))
    return np.array(small), np.array(big)


def measure_noise_scale(model, corpus=None, *, small_batch: int = 32, big_batch: int = 2048, batches: int = 8,
                        seed: int = 0) -> NoiseScale:
    """B_simple (in characters) of a lab ``model`` in its current state, on random positions of the training text.

    Uses ``model.loss_and_gradient`` (its :attr:`grad` is overwritten; its parameters and Adam state are not
    touched, so training continues exactly as it would have). ``seed`` fixes the positions.
    """
    from .corpus import load_corpus
    from .model import MLPLanguageModel
    from .training import _windows

    if not isinstance(model, MLPLanguageModel):
        raise TypeError(f"model must be an MLPLanguageModel, not {type(model).__name__}")
    text = (load_corpus() if corpus is None else corpus).train
    context = model.config.context
    rng = np.random.default_rng([seed, 2])

    def gradient(positions):
        model.loss_and_gradient(*_windows(text, positions, context))
        return model.grad_flat

    small, big = sampled_gradient_norms(gradient, lambda n: rng.integers(context, len(text), size=n),
                                        small_batch=small_batch, big_batch=big_batch, batches=batches)
    return simple_noise_scale(small, big, small_batch, big_batch)


@dataclass(frozen=True)
class TradeOff:
    """S = S_min + E_min/B fitted to ``points`` (batch size, steps) pairs: ``s_min`` steps, ``e_min`` examples,
    ``b_crit`` = E_min/S_min; ``rms_log_error`` is the root-mean-square of log(S_measured/S_fitted)."""

    s_min: float
    e_min: float
    points: int
    rms_log_error: float

    @property
    def b_crit(self) -> float:
        return self.e_min / self.s_min

    def steps(self, batch):
        """Steps to the target at batch size ``batch``: S_min·(1 + B_crit/B)."""
        b = v.positive("batch", batch)
        return v.scalar_or_array(self.s_min + self.e_min / b, batch)

    def examples(self, batch):
        """Examples to the target at batch size ``batch``: E_min·(1 + B/B_crit)."""
        b = v.positive("batch", batch)
        return v.scalar_or_array(self.e_min + self.s_min * b, batch)


def fit_tradeoff(steps, examples) -> TradeOff:
    """Fit (S/S_min − 1)(E/E_min − 1) = 1 (McCandlish et al. 2018, Eq. 2.11) to runs that needed ``steps`` S and
    ``examples`` E (= batch size × S) to first reach one target loss, one pair per batch size (at least 3 sizes).

    With B = E/S the relation is S = S_min + E_min/B: least squares on log S (the runs span orders of magnitude in
    S, and their errors are relative), started from the linear least-squares fit of S against 1/B.
    """
    from scipy.optimize import least_squares

    s = v.positive("steps", steps).ravel()
    e = v.positive("examples", examples).ravel()
    v.same_shape(steps=s, examples=e)
    batch = e / s
    if np.unique(np.round(batch, 9)).size < 3:
        raise ValueError(f"steps and examples must come from at least 3 different batch sizes (got {s.size} "
                         f"point(s) with batch sizes {np.unique(batch).tolist()})")
    design = np.column_stack([np.ones_like(batch), 1.0 / batch])
    start = np.linalg.lstsq(design, s, rcond=None)[0]
    # a straight-line start can come out negative when the points are noisy: fall back on half the smallest
    s0 = start[0] if start[0] > 0 else s.min() / 2
    e0 = start[1] if start[1] > 0 else e.min() / 2

    def residuals(log_params):
        return np.log(s) - np.log(np.exp(log_params[0]) + np.exp(log_params[1]) / batch)

    fit = least_squares(residuals, np.log([s0, e0]), method="lm")
    s_min, e_min = np.exp(fit.x)
    return TradeOff(s_min=float(s_min), e_min=float(e_min), points=int(s.size),
                    rms_log_error=float(np.sqrt(np.mean(fit.fun ** 2))))
