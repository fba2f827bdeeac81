"""The library under real frameworks' memory conventions: Megatron-LM's and DeepSpeed's published estimators.

Each reference value below is computed with the estimator's own formula, transcribed from the file named in the
test (Megatron-LM ``megatron/training/theoretical_memory_usage.py``, ``compute_weight_and_optimizer_memory``, at
commit 00caa53; DeepSpeed ``deepspeed/runtime/zero/stage_1_and_2.py`` ``estimate_zero2_model_states_mem_needs``
at commit 02aa38c and ``stage3.py`` ``estimate_zero3_model_states_mem_needs`` at commit 007cca6, offload off), and
the library must land within 1%.
"""
from __future__ import annotations

import pytest

from scalingedu.parallelism.layout import busiest_stage_params
from scalingedu.parallelism.memory import activation_memory, zero_memory
from scalingedu.transformer import PRESETS, count_params

LLAMA3_70B = PRESETS["Llama 3 70B"]


def megatron_weight_and_optimizer_bytes(shape, tp, pp, dp, distributed_optimizer):
    """Megatron-LM's estimate for a Llama-style model (RMSNorm, SwiGLU, GQA, untied embeddings)."""
    h, ffn, layers, vocab = shape.d_model, shape.d_ff, shape.n_layers, shape.vocab_size
    groups_over_heads = shape.n_kv_heads / shape.n_heads
    query_ratio = shape.d_head * shape.n_heads / h
    attention = 2 * h * h * ((1 + groups_over_heads) * query_ratio)
    layer = 2 * h * (ffn * 3 / 2 + 1) + attention          # swiglu multiplier 3/2; RMSNorm: 1 weight per norm
    block = layer * layers + h                               # + the final norm
    embedding = h * vocab
    shard = (block / pp + embedding) / tp
    if pp == 1 and not shape.tied_embeddings:
        shard += embedding / tp
    per_param = 6 + 12 / dp if distributed_optimizer else 18
    return shard * per_param


@pytest.mark.parametrize("tp, pp, dp", [(8, 1, 16), (8, 4, 8), (4, 8, 32)])
@pytest.mark.parametrize("distributed_optimizer", [False, True])
def test_megatron_convention_reproduces_megatrons_estimator(tp, pp, dp, distributed_optimizer):
    expected = megatron_weight_and_optimizer_bytes(LLAMA3_70B, tp, pp, dp, distributed_optimizer)
    busiest = busiest_stage_params(LLAMA3_70B, tp, pp)
    ours = zero_memory(busiest * tp * pp, tp * pp * dp, 1 if distributed_optimizer else 0, tp=tp, pp=pp,
                       convention="megatron").total
    assert ours == pytest.approx(expected, rel=0.01)
    # the ZeRO paper's accounting, parameters spread evenly, lands well below: what the issue measured
    even = zero_memory(count_params(LLAMA3_70B).total, tp * pp * dp, 1 if distributed_optimizer else 0,
                       tp=tp, pp=pp).total
    assert even < 0.95 * expected


@pytest.mark.parametrize("total_params, gpus", [(70e9, 64), (7e9, 8), (175e9, 1024)])
def test_deepspeed_convention_reproduces_the_zero2_estimator(total_params, gpus):
    # "2 = params_16bit, 18 = 2_grads_16bit + 4_grads_32bit + 4_params_32bit + 8_optimizer_states_32bit"
    expected = 2 * total_params + int(18 * total_params / gpus)
    assert zero_memory(total_params, gpus, 2, convention="deepspeed").total == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize("gpus", [8, 64, 1024])
def test_deepspeed_convention_reproduces_the_zero3_estimator_with_its_layer_buffer(gpus):
    total = count_params(LLAMA3_70B).total
    largest = count_params(LLAMA3_70B).token_embedding            # the largest single layer of Llama 3 70B
    expected = 4 * largest + int(18 * total / gpus)
    breakdown = zero_memory(total, gpus, 3, convention="deepspeed", largest_layer_params=largest)
    assert breakdown.total == pytest.approx(expected, rel=0.01)
    if gpus == 1024:   # at many GPUs the gathered layer, not the shards, is most of the memory
        assert breakdown.working > 2 * (breakdown.total - breakdown.working)


def test_conventions_refuse_stages_their_framework_does_not_estimate():
    with pytest.raises(ValueError, match="distributed"):
        zero_memory(7e9, 8, 3, convention="megatron")
    with pytest.raises(ValueError, match="stages 2 and 3"):
        zero_memory(7e9, 8, 1, convention="deepspeed")
    with pytest.raises(ValueError, match="largest_layer_params"):
        zero_memory(7e9, 8, 3, convention="deepspeed")
    with pytest.raises(ValueError, match="convention"):
        zero_memory(7e9, 8, 1, convention="colossal")


def test_the_busiest_stage_holds_the_input_embedding():
    counts = count_params(LLAMA3_70B)
    assert busiest_stage_params(LLAMA3_70B, 1, 1) == counts.total
    four = busiest_stage_params(LLAMA3_70B, 1, 4)
    assert four == pytest.approx(counts.non_embedding / 4 + counts.token_embedding)
    assert four > counts.total / 4 * 1.02              # evenly spread would be 2% or more too low


# --- activations: d_ff, grouped-query attention and FlashAttention -----------------------------------------------

def megatron_activation_bytes_per_layer(seq, micro_batch, hidden, ffn, tp):
    """Megatron-LM's ``compute_activation_memory`` per layer (sequence parallel + selective recomputation)."""
    return seq * micro_batch * hidden * (18 + 4 * ffn / hidden) / tp


@pytest.mark.parametrize("tp", [1, 8])
def test_activations_with_llama3_70bs_mlp_width_reproduce_megatrons_estimator(tp):
    s = LLAMA3_70B
    ours = activation_memory(8192, 1, s.d_model, s.n_heads, tp=tp, sequence_parallel=True, recompute="selective",
                             d_ff=s.d_ff)
    assert ours == pytest.approx(megatron_activation_bytes_per_layer(8192, 1, s.d_model, s.d_ff, tp), rel=0.01)
    square = activation_memory(8192, 1, s.d_model, s.n_heads, tp=tp, sequence_parallel=True, recompute="selective")
    assert square / ours == pytest.approx(34 / 32)          # d_ff = 4h assumed: 6.25% too high for Llama 3 70B


def test_the_defaults_keep_korthikantis_table_and_flash_attention_drops_the_score_term():
    plain = activation_memory(2048, 1, 12288, 96, tp=8)
    assert plain == pytest.approx(2048 * 12288 * (10 + 24 / 8 + 5 * 96 * 2048 / (12288 * 8)))
    flash = activation_memory(2048, 1, 12288, 96, tp=8, flash_attention=True)
    assert flash == pytest.approx(activation_memory(2048, 1, 12288, 96, tp=8, recompute="selective"))
    grouped = activation_memory(2048, 1, 8192, 64, kv_heads=8, recompute="selective")
    assert grouped == pytest.approx(2048 * 8192 * (34 - 4 * (1 - 8 / 64)))
    with pytest.raises(ValueError, match="kv_heads"):
        activation_memory(2048, 1, 8192, 64, kv_heads=6)


def test_context_parallelism_divides_a_layers_activations_by_its_degree_with_flash_attention():
    one = activation_memory(131072, 1, 16384, 128, tp=8, sequence_parallel=True, flash_attention=True)
    split = activation_memory(131072, 1, 16384, 128, tp=8, sequence_parallel=True, flash_attention=True, cp=16)
    assert split == pytest.approx(one / 16)
    # ring attention works block by block: no score matrix is stored, whatever flash_attention says
    assert activation_memory(8192, 1, 8192, 64, cp=2) == pytest.approx(
        activation_memory(8192, 1, 8192, 64, flash_attention=True) / 2)


# --- FLOPs: Megatron-LM's num_floating_point_operations (megatron/training/training.py) ---------------------------

@pytest.mark.parametrize("name", ["Llama 3 8B", "Llama 3 70B", "Llama 2 70B", "GPT-3 175B"])
def test_flops_per_token_reproduce_megatrons_flop_count(name):
    from scalingedu.transformer import flops_per_token
    s = PRESETS[name]
    h, layers, vocab, ffn, seq = s.d_model, s.n_layers, s.vocab_size, s.d_ff, s.context
    gated = 3 / 2 if s.gated_mlp else 1
    query_ratio = s.d_head * s.n_heads / h
    megatron = (12 * layers * h * h * ((1 + s.n_kv_heads / s.n_heads + seq / h) * query_ratio + ffn / h * gated)
                + 6 * h * vocab)                       # per token: the function's value / (batch x seq_length)
    assert flops_per_token(s, seq).total == pytest.approx(megatron, rel=0.01)
