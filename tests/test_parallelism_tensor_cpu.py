"""Real tensor parallelism on the CPU (scalingedu.parallelism.cpu_tensor_parallel): Megatron's column-then-row split
of an MLP, and attention split by heads, give the single process's numbers, with two all-reduces a step."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.parallelism.collectives import collective_bytes
from scalingedu.parallelism.cpu_tensor_parallel import (
    D_MODEL,
    HEADS,
    TOKENS,
    attention_partial,
    make_layer,
    mlp_step,
    run_tensor_parallel,
    shard,
)


@pytest.mark.parametrize("world", [2, 4])
def test_the_sum_of_the_workers_partials_is_the_whole_layer(world):
    layer = make_layer(seed=3)
    whole = shard(layer, 0, 1)
    parts = [shard(layer, rank, world) for rank in range(world)]
    attention = sum(attention_partial(part, part["heads"]) for part in parts)
    np.testing.assert_allclose(attention, attention_partial(whole, HEADS), atol=1e-12)
    # the MLP's output: each worker's partial product, summed (the forward all-reduce), equals the whole product
    outputs = []
    for part in parts:
        mlp_step(part, lambda partial: outputs.append(partial) or partial)
    total = sum(outputs[0::2])             # the first all-reduce of each worker's step is the forward one
    hidden = np.tanh(layer["x"] @ layer["w1"] + layer["b1"])
    np.testing.assert_allclose(total, hidden @ layer["w2"], atol=1e-12)


def test_a_split_is_refused_when_the_heads_do_not_divide():
    with pytest.raises(ValueError, match="must divide the 4 attention heads"):
        run_tensor_parallel(world=3, steps=1)


def test_two_processes_train_the_split_mlp_exactly_as_one_process_does():
    run = run_tensor_parallel(world=2, steps=10, start_method="fork")
    assert run.max_difference < 1e-12            # weights, input gradient and attention output
    np.testing.assert_allclose(run.losses_parallel, run.losses_single, rtol=1e-12)
    assert run.losses_single[-1] < run.losses_single[0]
    assert run.all_reduces == 2 * 10 + 1         # forward and backward each step, and the attention output
    # each all-reduce moves the activations (tokens x d_model, float64) by a ring: 2(n-1)/n of them per worker
    activations = TOKENS * D_MODEL * 8
    assert run.bytes_sent == pytest.approx(run.all_reduces * collective_bytes("all_reduce", activations, 2))
