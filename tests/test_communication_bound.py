"""When a layout waits for the network (scalingedu.parallelism.communication_bound), against the worked numbers of
the JAX scaling book ("How to Scale Your Model", Austin et al. 2025, part 5 "Training": training.md in
jax-ml/scaling-book), which uses TPU v5p: C = 4.59e14 bf16 FLOP/s and C/W_ici = 2,550."""
from __future__ import annotations

import pytest

from scalingedu.parallelism.communication_bound import (
    data_parallel_critical_tokens,
    flops_per_byte_sent,
    gpu_link_ratio,
    max_data_parallel_chips,
    pipeline_send_seconds,
    tensor_parallel_max_degree,
)
from scalingedu.transformer import PRESETS

TPU_V5P_RATIO = 2550.0      # the book's C / W_ici for TPU v5p in bf16


def test_data_parallelism_and_fsdp_need_more_tokens_per_chip_than_c_over_w():
    assert data_parallel_critical_tokens(TPU_V5P_RATIO) == 2550
    # "we could split a batch of 16M tokens over roughly 16e6 / (2550 / 3) = 18,823 chips" (three ICI axes)
    assert max_data_parallel_chips(16e6, TPU_V5P_RATIO, axes=3) == pytest.approx(18_823, abs=1)


def test_tensor_parallelism_stops_paying_when_the_mlp_is_too_narrow():
    # "The required F for 8-way model sharding is 20k": exactly 8-way at F = 8 x 2550 = 20,400.
    assert tensor_parallel_max_degree(20_400, TPU_V5P_RATIO) == pytest.approx(8)
    assert tensor_parallel_max_degree(PRESETS["Llama 3 70B"].d_ff, TPU_V5P_RATIO) > 8   # F = 28,672
    # "For Gemma 7B, F ~ 50k, so we become communication bound with 19-way model parallelism"
    assert tensor_parallel_max_degree(49_152, TPU_V5P_RATIO) == pytest.approx(19.3, abs=0.1)


def test_on_h100s_tensor_parallelism_fits_nvlink_and_not_the_network():
    nvlink, network = gpu_link_ratio("H100", "nvlink"), gpu_link_ratio("H100", "network")
    assert nvlink == pytest.approx(989e12 / 450e9) and network == pytest.approx(989e12 / 50e9)
    llama = PRESETS["Llama 3 70B"]
    assert tensor_parallel_max_degree(llama.d_ff, nvlink) >= 8        # 8-way inside a DGX node: compute-bound
    assert tensor_parallel_max_degree(llama.d_ff, network) < 2        # across nodes: communication-bound at once
    assert data_parallel_critical_tokens(network) == pytest.approx(19_780, rel=0.01)


def test_a_pipeline_send_is_small_next_to_a_stage_of_compute():
    llama = PRESETS["Llama 3 70B"]
    send = pipeline_send_seconds(8192, llama.d_model, 50e9)
    stage_compute = 2 * 12 * llama.d_model ** 2 * 8192 * (llama.n_layers / 8) / 989e12   # forward of 10 layers
    assert send < 0.1 * stage_compute


def test_bad_inputs_name_what_is_wrong():
    with pytest.raises(ValueError, match="link"):
        gpu_link_ratio("H100", "ethernet")
    with pytest.raises(ValueError, match="no interconnect figures"):
        gpu_link_ratio("TPU v4")
    with pytest.raises(ValueError, match="axes"):
        data_parallel_critical_tokens(2550, axes=4)
    with pytest.raises(ValueError, match="peak_flops_per_second"):
        flops_per_byte_sent(-1, 1)
