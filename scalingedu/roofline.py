"""The roofline: why an accelerator rarely runs at its peak, and when a matrix product is memory-bound.

An operation that does F FLOPs and moves M bytes between the accelerator's memory (HBM) and its compute units takes
at least ``max(F / peak, M / bandwidth)`` seconds (compute and transfers overlapped perfectly) and at most their
sum. Its **arithmetic intensity** is F / M, in FLOPs per byte. The accelerator's own ratio, peak FLOP/s divided by
memory bandwidth, is its **critical intensity**: an operation below it waits for memory and reaches only
``intensity × bandwidth`` FLOP/s; above it, the compute units are the limit. This is the roofline model of
Williams, Waterman and Patterson (2009), as the JAX scaling book ("How to Scale Your Model", Austin et al. 2025,
part 1 "All About Rooflines") applies it to transformers.

For a matrix product X[B, D] · W[D, F] in bf16 (2 bytes a number), the FLOPs are 2·B·D·F and the bytes
2·(B·D + D·F + B·F); when the batch of tokens B is small next to D and F, the intensity is about B. So a weight
matrix is used at full speed only when each copy of the model processes more tokens at once than the accelerator's
critical intensity: about 295 on an H100 (989 TFLOP/s over 3.35 TB/s). Decoding one token at a time (B = 1), or
attention that reads a long key-value cache, sits far below it: one reason measured MFU stays at 30–50%.

The same reasoning applies between chips: :func:`network_critical_dim` gives the width above which a matrix product
split over two chips along its contracted dimension computes longer than it communicates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as v
from .data import Accelerator, TransformerShape, accelerator

BF16_BYTES = 2


def matmul_flops(batch, d_in, d_out):
    """FLOPs of X[batch, d_in] · W[d_in, d_out]: 2·B·D·F (a multiply and an add per weight per row)."""
    b, d, f = v.positive("batch", batch), v.positive("d_in", d_in), v.positive("d_out", d_out)
    return v.scalar_or_array(2.0 * b * d * f, batch, d_in, d_out)


def matmul_bytes(batch, d_in, d_out, *, activation_bytes: float = BF16_BYTES, weight_bytes: float = BF16_BYTES):
    """Bytes moved to and from memory by X[batch, d_in] · W[d_in, d_out]: read X and W, write the product.

    ``activation_bytes`` and ``weight_bytes`` are the bytes per number (2 for bf16, 1 for int8 weights).
    """
    b, d, f = v.positive("batch", batch), v.positive("d_in", d_in), v.positive("d_out", d_out)
    a = v.positive_number("activation_bytes", activation_bytes)
    w = v.positive_number("weight_bytes", weight_bytes)
    return v.scalar_or_array(a * (b * d + b * f) + w * d * f, batch, d_in, d_out)


def matmul_intensity(batch, d_in, d_out, *, activation_bytes: float = BF16_BYTES,
                     weight_bytes: float = BF16_BYTES):
    """Arithmetic intensity (FLOPs per byte) of X[batch, d_in] · W[d_in, d_out]; about ``batch`` in bf16 when
    the batch is small next to both widths."""
    flops = np.asarray(matmul_flops(batch, d_in, d_out), dtype=float)
    moved = np.asarray(matmul_bytes(batch, d_in, d_out, activation_bytes=activation_bytes,
                                    weight_bytes=weight_bytes), dtype=float)
    return v.scalar_or_array(flops / moved, batch, d_in, d_out)


def _chip(chip: str | Accelerator) -> Accelerator:
    record = accelerator(chip) if isinstance(chip, str) else chip
    if not isinstance(record, Accelerator):
        raise TypeError(f"chip must be an accelerator name such as 'H100' or an Accelerator, not "
                        f"{type(chip).__name__}")
    if not record.memory_bandwidth_bytes_per_second:
        raise ValueError(f"{record.name} has no memory bandwidth in the reference data: no roofline")
    return record


PRECISIONS = ("bf16", "fp8")
ELEMENT_BYTES = {"bf16": 2, "fp8": 1}
"""Bytes of one number in each precision of :data:`PRECISIONS`."""


def peak_flops_per_second(chip: str | Accelerator, precision: str = "bf16") -> float:
    """The chip's dense peak in ``precision`` ("bf16", or "fp8" where it has FP8 tensor cores)."""
    record = _chip(chip)
    v.one_of("precision", precision, PRECISIONS)
    if precision == "fp8":
        if record.fp8_peak_flops_per_second is None:
            raise ValueError(f"{record.name} has no FP8 peak in the reference data (no FP8 tensor cores)")
        return record.fp8_peak_flops_per_second
    return record.peak_flops_per_second


def critical_intensity(chip: str | Accelerator, precision: str = "bf16") -> float:
    """The accelerator's peak FLOP/s over its memory bandwidth (FLOPs per byte): operations of lower intensity
    are memory-bound on it. H100: 9.89e14 / 3.35e12 ≈ 295 in bf16, twice that in FP8 (whose numbers are half
    the bytes, so the batch needed stays about the same)."""
    record = _chip(chip)
    return peak_flops_per_second(record, precision) / record.memory_bandwidth_bytes_per_second


def critical_batch_tokens(chip: str | Accelerator, *, weight_bytes: float | None = None,
                          precision: str = "bf16") -> float:
    """Tokens each copy of the weights must process at once for its matrix products to be compute-bound.

    Computing at the ``precision`` peak with weights of ``weight_bytes`` bytes (default: the precision's own, 2 for
    bf16 and 1 for FP8), a small-batch product's intensity is about 2·B / ``weight_bytes``, so the threshold is
    ``critical_intensity × weight_bytes / 2``: 295 tokens on an H100 in bf16, half that with int8 weights (the
    scaling book's part 1, questions 2 and 5), and again about 295 in FP8 (twice the peak, half the bytes).
    """
    v.one_of("precision", precision, PRECISIONS)
    w = ELEMENT_BYTES[precision] if weight_bytes is None else v.positive_number("weight_bytes", weight_bytes)
    return critical_intensity(chip, precision) * w / BF16_BYTES


def attainable_flops_per_second(intensity, chip: str | Accelerator, precision: str = "bf16"):
    """The roofline: ``min(peak, intensity × bandwidth)`` FLOP/s for an operation of this intensity, with the
    peak of ``precision``."""
    record = _chip(chip)
    i = v.positive("intensity", intensity)
    return v.scalar_or_array(np.minimum(peak_flops_per_second(record, precision),
                                        i * record.memory_bandwidth_bytes_per_second), intensity)


@dataclass(frozen=True)
class RooflineTime:
    """The time of one operation on one accelerator: compute alone, memory traffic alone, and the bounds."""

    flops: float
    bytes: float
    compute_seconds: float
    memory_seconds: float

    @property
    def seconds(self) -> float:
        """The lower bound, compute and memory traffic perfectly overlapped: the larger of the two."""
        return max(self.compute_seconds, self.memory_seconds)

    @property
    def upper_bound_seconds(self) -> float:
        """No overlap at all: the sum."""
        return self.compute_seconds + self.memory_seconds

    @property
    def memory_bound(self) -> bool:
        return self.memory_seconds > self.compute_seconds

    @property
    def utilisation(self) -> float:
        """The share of the peak this operation can reach at best: compute time over the roofline time."""
        return self.compute_seconds / self.seconds


def matmul_time(batch: float, d_in: float, d_out: float, chip: str | Accelerator, *,
                activation_bytes: float = BF16_BYTES, weight_bytes: float = BF16_BYTES,
                precision: str = "bf16") -> RooflineTime:
    """The roofline time of X[batch, d_in] · W[d_in, d_out] on ``chip`` at the peak of ``precision`` (the bytes
    per number are ``activation_bytes`` and ``weight_bytes``: give 1 and 1 for FP8 throughout)."""
    record = _chip(chip)
    peak = peak_flops_per_second(record, precision)
    flops = float(matmul_flops(batch, d_in, d_out))
    moved = float(matmul_bytes(batch, d_in, d_out, activation_bytes=activation_bytes, weight_bytes=weight_bytes))
    return RooflineTime(flops, moved, flops / peak, moved / record.memory_bandwidth_bytes_per_second)


def attention_intensity(sequence, d_head, *, flash: bool, element_bytes: float = BF16_BYTES):
    """Arithmetic intensity of one head's attention (no causal mask) over ``sequence`` tokens (forward pass).

    FLOPs: 4·s²·d (scores Q·Kᵀ and the weighted sum of V). Bytes: reading Q, K and V and writing the output,
    4·s·d numbers; without FlashAttention (Dao et al. 2022) the s×s score and probability matrices also go to
    memory and back, about 4·s² more numbers. FlashAttention's intensity grows with s (about s/2 in bf16); the
    plain version's stays near d/2 however long the sequence.
    """
    s, d = v.positive("sequence", sequence), v.positive("d_head", d_head)
    e = v.positive_number("element_bytes", element_bytes)
    if not isinstance(flash, (bool, np.bool_)):
        raise TypeError(f"flash must be True or False, got {flash!r}")
    flops = 4.0 * s * s * d
    numbers = 4.0 * s * d + (0.0 if flash else 4.0 * s * s)
    return v.scalar_or_array(flops / (e * numbers), sequence, d_head)


def network_critical_dim(peak_flops_per_second: float, link_bytes_per_second: float) -> float:
    """The contracted width D above which X[B, D] · W[D, F], split over two chips along D, computes for longer
    than it takes to send the 2·B·F bytes of partial sums: D/2 > peak / link bandwidth (the scaling book's part 1,
    'Network communication rooflines': 1.97e14 FLOP/s over 4.5e10 B/s gives D > 8,755)."""
    peak = v.positive_number("peak_flops_per_second", peak_flops_per_second)
    link = v.positive_number("link_bytes_per_second", link_bytes_per_second)
    return 2.0 * peak / link


LAYER_PRODUCTS = ("QKV projection", "attention output", "MLP up", "MLP down", "attention core (FlashAttention)",
                  "attention core (no FlashAttention)")
"""The products of one transformer layer that :func:`layer_roofline` places on the roofline, in order."""


@dataclass(frozen=True)
class LayerRoofline:
    """The products of one transformer layer on one accelerator (:data:`LAYER_PRODUCTS`, in order): FLOPs and bytes
    of each for one micro-batch on one GPU of a tensor-parallel group, and where each sits on the roofline."""

    names: tuple[str, ...]
    flops: np.ndarray
    bytes: np.ndarray
    peak_flops_per_second: float
    bandwidth_bytes_per_second: float
    tokens: float
    precision: str

    @property
    def intensity(self) -> np.ndarray:
        """FLOPs per byte of each product."""
        return self.flops / self.bytes

    @property
    def attainable_flops_per_second(self) -> np.ndarray:
        """The roofline at each product's intensity: min(peak, intensity × bandwidth)."""
        return np.minimum(self.peak_flops_per_second, self.intensity * self.bandwidth_bytes_per_second)

    @property
    def compute_seconds(self) -> np.ndarray:
        return self.flops / self.peak_flops_per_second

    @property
    def memory_seconds(self) -> np.ndarray:
        return self.bytes / self.bandwidth_bytes_per_second

    @property
    def seconds(self) -> np.ndarray:
        """Each product's roofline time: the longer of its compute and its memory traffic."""
        return np.maximum(self.compute_seconds, self.memory_seconds)

    @property
    def memory_bound(self) -> np.ndarray:
        """True for each product that waits for memory (intensity below the critical intensity)."""
        return self.memory_seconds > self.compute_seconds

    def _layer(self, flash: bool) -> np.ndarray:
        keep = np.ones(len(self.names), dtype=bool)
        keep[5 if flash else 4] = False
        return keep

    def utilisation(self, flash: bool = True) -> float:
        """The share of the peak the whole layer reaches at best: its FLOPs at peak over the sum of its products'
        roofline times (the attention core with or without FlashAttention)."""
        keep = self._layer(flash)
        return float(self.compute_seconds[keep].sum() / self.seconds[keep].sum())

    def slowdown(self, flash: bool = True) -> float:
        """How much longer the layer takes on the roofline than at the peak (1 when every product is
        compute-bound): 1 / :meth:`utilisation`."""
        return 1.0 / self.utilisation(flash)


def layer_roofline(shape: TransformerShape, tokens, chip: str | Accelerator, *, precision: str = "bf16", tp: int = 1,
                   seq_len: int | None = None) -> LayerRoofline:
    """Place each product of one transformer layer on ``chip``'s roofline, for a micro-batch of ``tokens`` tokens on
    one GPU of a tensor-parallel group of ``tp``.

    The weight products (queries, keys and values; the attention output; the MLP's up and down projections, the up
    one twice as wide with a gated MLP) have their tensor-parallel widths divided by ``tp``. The attention core of
    each local head runs over sequences of ``seq_len`` tokens (default the model's context; a micro-batch of fewer
    tokens is one shorter sequence), with FlashAttention and without (:func:`attention_intensity`). Every number
    takes the bytes of ``precision`` (2 for bf16, 1 for FP8) and the chip's peak in it.
    """
    if not isinstance(shape, TransformerShape):
        raise TypeError(f"shape must be a TransformerShape, not {type(shape).__name__}")
    record = _chip(chip)
    peak = peak_flops_per_second(record, precision)
    element = ELEMENT_BYTES[precision]
    b = float(v.positive_number("tokens", tokens))
    t = v.positive_int("tp", tp)
    if shape.n_heads % t:
        raise ValueError(f"tp = {t} does not divide the {shape.n_heads} attention heads")
    context = shape.context if seq_len is None else v.positive_int("seq_len", seq_len)
    head = shape.d_head
    width_mlp = shape.d_ff * (2 if shape.gated_mlp else 1)
    products = [(shape.d_model, (shape.n_heads + 2 * shape.n_kv_heads) * head / t),
                (shape.n_heads * head / t, shape.d_model), (shape.d_model, width_mlp / t),
                (shape.d_ff / t, shape.d_model)]
    flops = [float(matmul_flops(b, d_in, d_out)) for d_in, d_out in products]
    moved = [float(matmul_bytes(b, d_in, d_out, activation_bytes=element, weight_bytes=element))
             for d_in, d_out in products]
    sequence = min(b, float(context))
    heads = shape.n_heads / t * b / sequence               # local heads × sequences in the micro-batch
    attention_flops = 4.0 * sequence ** 2 * head * heads
    for flash in (True, False):
        flops.append(attention_flops)
        moved.append(attention_flops / float(attention_intensity(sequence, head, flash=flash, element_bytes=element)))
    return LayerRoofline(LAYER_PRODUCTS, np.array(flops), np.array(moved), peak,
                         record.memory_bandwidth_bytes_per_second, b, precision)
