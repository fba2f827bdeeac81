"""The ranges the laws of lessons 07-09 were measured on, the cautions beyond them, and one FLOP convention for MoE
and dense models (issue 15: honest at the edges)."""
from __future__ import annotations

import pytest

from scalingedu import moe
from scalingedu.data import MUENNIGHOFF_2023_REPETITION, SARDANA_2023, SWITCH_ROUTING, model
from scalingedu.returns import TESTED_EPOCHS, TESTED_TOKENS_PER_PARAM, epochs_caution, tokens_per_param_caution
from scalingedu.transformer import matmul_params, preset


def test_the_ranges_come_from_the_reference_data():
    assert TESTED_EPOCHS == MUENNIGHOFF_2023_REPETITION["negligible_returns_epochs"] == 16
    assert TESTED_TOKENS_PER_PARAM == SARDANA_2023["max_tokens_per_param"] == 10_000


@pytest.mark.parametrize("epochs, expected", [(1.0, ""), (16.0, ""), (309.2, "309 epochs"), (1.44e5, "144k epochs")])
def test_epochs_caution(epochs, expected):
    text = epochs_caution(epochs)
    assert (text == "") == (expected == "")
    if expected:
        assert text.startswith(expected) and "Muennighoff" in text and "about 16" in text and "extrapolated" in text


@pytest.mark.parametrize("ratio, expected", [(20.0, ""), (1e4, ""), (1.28e6, "1.28M tokens per parameter")])
def test_tokens_per_param_caution(ratio, expected):
    text = tokens_per_param_caution(ratio)
    assert (text == "") == (expected == "")
    if expected:
        assert text.startswith(expected) and "Sardana" in text and "10,000" in text


@pytest.mark.parametrize("bad", [float("nan"), -1.0, "ten"])
def test_cautions_refuse_nonsense(bad):
    with pytest.raises((ValueError, TypeError), match="epochs"):
        epochs_caution(bad)


def test_moe_size_caution_beyond_deepseek_v3():
    largest = model(moe.LARGEST_TRAINED_MOE).params
    assert moe.moe_size_caution(largest) == ""
    text = moe.moe_size_caution(5.65e13)
    assert text.startswith("56.5T total parameters") and "671B" in text and "no MoE this size" in text
    assert f"{SWITCH_ROUTING['switch_c_params'] / 1e12:.3g}T" in text
    with pytest.raises(ValueError, match="total_params"):
        moe.moe_size_caution(-1.0)


def test_active_matmul_params_leave_out_the_lookup_table_as_dense_counts_do():
    mixtral = moe.preset("mixtral-8x7b")
    counts = moe.count_params(mixtral)
    table = mixtral.vocab_size * mixtral.d_model
    assert moe.active_matmul_params(mixtral) == counts.active - table - counts.norms
    # a one-expert, top-1 "MoE" with a dense model's shape multiplies exactly the dense model's matmul weights
    llama = preset("Llama 2 7B")
    dense_like = moe.MoEConfig(name="dense", n_layers=llama.n_layers, d_model=llama.d_model, n_heads=llama.n_heads,
                               d_head=llama.d_model // llama.n_heads, n_kv_heads=llama.n_heads, experts=1, top_k=1,
                               expert_d_ff=llama.d_ff, vocab_size=llama.vocab_size)
    router = llama.n_layers * llama.d_model
    assert moe.active_matmul_params(dense_like) - router == matmul_params(llama)
