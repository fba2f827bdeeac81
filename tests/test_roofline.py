"""The roofline (scalingedu.roofline), checked against the worked numbers of the JAX scaling book ("How to Scale Your
Model", Austin et al. 2025, part 1 "All About Rooflines": roofline.md in jax-ml/scaling-book)."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.data import ACCELERATORS, Accelerator
from scalingedu.roofline import (
    attainable_flops_per_second,
    attention_intensity,
    critical_batch_tokens,
    critical_intensity,
    matmul_bytes,
    matmul_flops,
    matmul_intensity,
    matmul_time,
    network_critical_dim,
)

# The book's TPU v5e figures (part 1): 1.97e14 bf16 FLOP/s, 8.2e11 bytes/s of HBM bandwidth.
TPU_V5E = Accelerator("TPU v5e (the scaling book's figures)", 1.97e14, 16e9, 8.2e11, source="scaling book, part 1")


def test_critical_intensities_reproduce_the_scaling_book():
    # Question 5: H100 SXM, 9.89e14 / 3.35e12 = 295 (to the book's three figures); TPU v5e: 240.
    assert critical_intensity("H100") == pytest.approx(295, abs=0.5)
    assert critical_intensity(TPU_V5E) == pytest.approx(240, abs=0.5)
    # Question 2: int8 weights with bf16 compute halve the batch needed: B > 120 on the v5e.
    assert critical_batch_tokens(TPU_V5E, weight_bytes=1) == pytest.approx(120, abs=0.5)
    assert critical_batch_tokens("H100") == pytest.approx(critical_intensity("H100"))


def test_a_small_batch_matmul_has_an_intensity_of_about_its_batch():
    # Part 1, "Matrix multiplication": BDF / (BD + DF + BF) ~ B when B << D, F.
    assert matmul_intensity(128, 8192, 32768) == pytest.approx(128, rel=0.02)
    assert matmul_flops(4, 3, 5) == 2 * 4 * 3 * 5
    assert matmul_bytes(4, 3, 5) == 2 * (4 * 3 + 3 * 5 + 4 * 5)
    # Question 1: all in int8 (1 byte a number), the intensity is about 2B.
    assert matmul_intensity(64, 8192, 8192, activation_bytes=1, weight_bytes=1) == pytest.approx(128, rel=0.02)


def test_the_roofline_bends_at_the_critical_intensity():
    h100 = ACCELERATORS["H100"]
    ridge = critical_intensity(h100)
    below, at, above = attainable_flops_per_second(np.array([ridge / 10, ridge, ridge * 10]), h100)
    assert below == pytest.approx(h100.peak_flops_per_second / 10)
    assert at == pytest.approx(h100.peak_flops_per_second) and above == h100.peak_flops_per_second


def test_decoding_one_token_is_memory_bound_and_a_large_batch_is_not():
    one = matmul_time(1, 8192, 8192, "H100")
    many = matmul_time(4096, 8192, 8192, "H100")
    assert one.memory_bound and one.utilisation < 0.01
    assert not many.memory_bound and many.utilisation == 1.0
    assert one.seconds <= one.upper_bound_seconds


def test_flash_attention_raises_the_intensity_with_the_sequence_and_the_plain_one_stays_low():
    d = 128
    plain = attention_intensity(np.array([1024, 8192, 65536]), d, flash=False)
    flash = attention_intensity(np.array([1024, 8192, 65536]), d, flash=True)
    assert np.all(plain < d / 2) and plain[-1] == pytest.approx(d / 2, rel=0.01)
    np.testing.assert_allclose(flash, np.array([1024, 8192, 65536]) / 2)
    assert flash[1] > critical_intensity("H100") > plain[1]


def test_two_chips_split_along_d_are_compute_bound_above_the_books_width():
    # Part 1, "Network communication rooflines": D > 8,755 at 1.97e14 FLOP/s and 4.5e10 bytes/s.
    assert network_critical_dim(1.97e14, 4.5e10) == pytest.approx(8755, abs=1)


def test_bad_inputs_name_the_parameter():
    with pytest.raises(ValueError, match="batch"):
        matmul_flops(-1, 2, 3)
    with pytest.raises(TypeError, match="flash must be True or False"):
        attention_intensity(1024, 128, flash="yes")
    with pytest.raises(ValueError, match="unknown accelerator"):
        critical_intensity("B9000")


def test_the_step_time_model_sits_on_the_roofline():
    from scalingedu.parallelism import GPT3_EXAMPLE_LAYOUT, ParallelLayout, step_time
    from scalingedu.transformer import PRESETS
    gpt3 = PRESETS["GPT-3 175B"]
    usual = step_time(gpt3, GPT3_EXAMPLE_LAYOUT, accelerator="A100")
    assert usual.memory_bound_share == 0.0                  # 2,048-token micro-batches: every product compute-bound
    # 64-token micro-batches: each GPU's products have an intensity near 64, far below the A100's 156
    tiny = step_time(gpt3, ParallelLayout(n_gpus=1024, tp=8, pp=8, zero_stage=1, microbatches=32, seq_len=64,
                                          recompute="full"), accelerator="A100")
    assert tiny.memory_bound_share > 0.5 and tiny.mfu < usual.mfu / 2


def test_blackwell_and_fp8_move_the_ridge():
    from scalingedu.roofline import peak_flops_per_second
    assert critical_intensity("B200") == pytest.approx(2.25e15 / 7.7e12)      # about 292: Blackwell stays near 300
    assert critical_intensity("H100", "fp8") == pytest.approx(2 * critical_intensity("H100"), rel=0.01)
    # FP8 numbers are one byte: the batch needed to be compute-bound is about the same as in bf16
    assert matmul_intensity(300, 8192, 8192, activation_bytes=1, weight_bytes=1) == pytest.approx(600, rel=0.1)
    assert peak_flops_per_second("GB200", "fp8") == 5e15
    with pytest.raises(ValueError, match="no FP8 peak"):
        critical_intensity("A100", "fp8")


def test_a_layers_products_sit_on_the_roofline_at_the_librarys_intensities():
    from scalingedu.roofline import LAYER_PRODUCTS, layer_roofline
    from scalingedu.transformer import PRESETS
    shape = PRESETS["Llama 3 70B"]
    layer = layer_roofline(shape, 4096, "H100", tp=8)
    assert layer.names == LAYER_PRODUCTS
    qkv_width = (shape.n_heads + 2 * shape.n_kv_heads) * shape.d_head / 8
    assert layer.intensity[0] == pytest.approx(matmul_intensity(4096, shape.d_model, qkv_width))
    assert layer.intensity[2] == pytest.approx(matmul_intensity(4096, shape.d_model, 2 * shape.d_ff / 8))
    assert layer.intensity[3] == pytest.approx(matmul_intensity(4096, shape.d_ff / 8, shape.d_model))
    assert layer.intensity[4] == pytest.approx(attention_intensity(4096, shape.d_head, flash=True))
    assert layer.intensity[5] == pytest.approx(attention_intensity(4096, shape.d_head, flash=False))
    # 4,096 tokens: every weight product and the FlashAttention core are compute-bound; the plain core is not
    assert not layer.memory_bound[:5].any() and layer.memory_bound[5]
    assert layer.utilisation() == 1.0 and layer.utilisation(flash=False) < 1.0
    np.testing.assert_allclose(layer.attainable_flops_per_second,
                               attainable_flops_per_second(layer.intensity, "H100"))
    # one token, as in decoding: everything waits for memory, and the layer reaches under 1% of the peak
    one = layer_roofline(shape, 1, "H100", tp=8)
    assert one.memory_bound.all() and one.utilisation() < 0.01
    assert one.slowdown() == pytest.approx(1 / one.utilisation())


def test_fp8_doubles_the_peak_and_halves_the_bytes_so_the_critical_batch_stays():
    from scalingedu.roofline import layer_roofline, peak_flops_per_second
    from scalingedu.transformer import PRESETS
    assert critical_batch_tokens("H100", precision="fp8") == pytest.approx(critical_batch_tokens("H100"), rel=0.01)
    assert critical_batch_tokens("H100", precision="fp8", weight_bytes=2) == pytest.approx(
        2 * critical_batch_tokens("H100"), rel=0.01)
    bf16 = layer_roofline(PRESETS["Llama 3 8B"], 512, "H100")
    fp8 = layer_roofline(PRESETS["Llama 3 8B"], 512, "H100", precision="fp8")
    np.testing.assert_allclose(fp8.intensity, 2 * bf16.intensity)
    assert fp8.peak_flops_per_second == peak_flops_per_second("H100", "fp8")
    assert matmul_time(512, 4096, 4096, "H100", precision="fp8").compute_seconds == pytest.approx(
        matmul_time(512, 4096, 4096, "H100").compute_seconds / 2, rel=0.01)
    assert attainable_flops_per_second(1e6, "H100", "fp8") == peak_flops_per_second("H100", "fp8")
    with pytest.raises(ValueError, match="tp = 3 does not divide"):
        layer_roofline(PRESETS["Llama 3 8B"], 512, "H100", tp=3)
    with pytest.raises(ValueError, match="no FP8 peak"):
        layer_roofline(PRESETS["Llama 3 8B"], 512, "A100", precision="fp8")
