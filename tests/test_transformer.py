"""Tests of scalingedu.transformer: parameter and FLOP counts from a shape, and the presets of real models.

Paper reproductions name their source and tolerance. Published figures come from scalingedu.data; a figure typed
here is a transcription of its source (named beside it) to check the library against.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalingedu import data, parallelism
from scalingedu.transformer import (
    GPT2_SMALL_NANOGPT,
    PRESETS,
    FlopsPerToken,
    ParamCount,
    TransformerShape,
    architecture,
    as_printed,
    count_params,
    flops_per_token,
    kaplan_forward_flops_per_token,
    matmul_params,
    palm_flops_per_token,
    preset,
    published_size,
    training_flops_with_attention,
)

# --- nanoGPT's transformer_sizing.ipynb: an exact check -------------------------------------------------------------


def test_nanogpt_gpt2_small_parameter_count_is_exact():
    """karpathy/nanoGPT: transformer_sizing.ipynb (bias=False): 124,337,664 parameters, with this breakdown:
    position embedding 786,432; token embedding 38,597,376; per block 7,079,424 (two LayerNorm gains of 768,
    kqv 1,769,472, proj 589,824, MLP 2 × 2,359,296); final LayerNorm 768; output layer tied. Exact equality."""
    count = count_params(GPT2_SMALL_NANOGPT)
    assert count.total == int(data.NANOGPT_SIZING["params"]) == 124_337_664
    assert count.position_embedding == 786_432
    assert count.token_embedding == 38_597_376
    assert count.output_head == 0
    assert count.attention == 12 * (1_769_472 + 589_824)
    assert count.mlp == 12 * 2 * 2_359_296
    assert count.norms == (2 * 12 + 1) * 768
    assert count.embedding == 39_383_808            # the notebook's 'embedding' row
    assert count.non_embedding == 12 * 7_079_424 + 768


def test_nanogpt_gpt2_small_forward_flops_are_exact():
    """karpathy/nanoGPT: transformer_sizing.ipynb: forward_total = 291,648,307,200 FLOPs for one 1024-token
    sequence (weight matmuls incl. the output layer, attention scores and value reduction over the full 1024
    context), backward_total = 2 × forward, total 874,944,921,600. Exact equality."""
    sizing = data.NANOGPT_SIZING
    per_token = flops_per_token(GPT2_SMALL_NANOGPT)
    tokens = sizing["sequence_tokens"]
    assert per_token.forward * tokens == sizing["forward_flops_per_sequence"] == 291_648_307_200
    assert per_token.backward * tokens == 583_296_614_400
    assert per_token.total * tokens == 874_944_921_600
    # the notebook's parts: 'transformer' 212,600,881,152 and 'dense' (the output layer) 79,047,426,048
    dense = 2 * 50257 * 768 * tokens
    assert per_token.forward * tokens - dense == 212_600_881_152
    assert per_token.attention_forward * tokens == 12 * 2 * 1_610_612_736   # scores + reduce, 12 layers


def test_palm_estimate_matches_the_explicit_count_as_in_nanogpt():
    """facts.md §4 (nanoGPT transformer_sizing.ipynb): PaLM's 6N + 12·L·H·Q·T with N = get_num_params() (all
    parameters but the position table) over the explicit count is 1.0001 (4 significant figures)."""
    count = count_params(GPT2_SMALL_NANOGPT)
    s = GPT2_SMALL_NANOGPT
    palm = palm_flops_per_token(count.total - count.position_embedding, s.n_layers, s.n_heads, s.d_head, s.context)
    assert round(palm / flops_per_token(s).total, 4) == 1.0001


# --- the presets against published sizes ---------------------------------------------------------------------------

# Which published size each preset is compared with (scalingedu.transformer.published_size):
# - GPT-3 sizes: the precise counts of the GPT-3 paper's Table D.1 (e.g. 174,600M), via data.MODELS;
# - Gopher 280B and Chinchilla 70B: the sizes of the Chinchilla paper's Table 1 (name sizes);
# - Llama 2 7B and 13B: the precise sizes LLaMA's Table 2 prints for the same shapes (6.7B, 13.0B);
# - Llama 2 70B, Llama 3 8B and 70B: the name sizes of the model cards (only those are published).
EXPECTED_REFERENCE = {"Llama 2 7B": "LLaMA 7B", "Llama 2 13B": "LLaMA 13B"}
@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_lands_within_two_percent_of_its_published_size(name):
    published, reference = published_size(name)
    assert reference == EXPECTED_REFERENCE.get(name, name)
    assert published == data.model(reference).params
    count = count_params(PRESETS[name]).total
    assert count == pytest.approx(published, rel=0.02), (name, count, published)


@pytest.mark.parametrize("name", [n for n in PRESETS if n not in ("GPT-3 XL", "GPT-3 13B")])
def test_self_consistent_presets_are_as_printed(name):
    assert as_printed(name) == PRESETS[name]
    assert not architecture(name).printed


def test_gpt3_xl_as_printed_is_fifteen_percent_high_and_the_preset_reading_fits():
    """GPT-3 paper, Table 2.1 prints XL with 24 layers, d_model 2048, 24 heads of 128: the heads' total width,
    3072, is not d_model. Counted as printed (attention projections 2048 × 3072) it is about 15% above Table
    D.1's 1,320M; the preset reads an attention width of 2048 (16 heads of 128) and lands within 0.5%."""
    printed = as_printed("GPT-3 XL")
    assert (printed.n_layers, printed.d_model, printed.n_heads, printed.d_head) == (24, 2048, 24, 128)
    published = data.model("GPT-3 XL").params
    assert 0.13 < count_params(printed).total / published - 1 < 0.17
    xl = PRESETS["GPT-3 XL"]
    assert xl.d_attn == xl.d_model == 2048
    assert count_params(xl).total == pytest.approx(published, rel=0.005)
    assert "3072" in architecture("GPT-3 XL").note and "as_printed" in architecture("GPT-3 XL").note


def test_gpt3_13b_printed_5140_and_the_5120_reading():
    """GPT-3 Table 2.1 prints d_model 5140 for 13B with 40 heads of 128 (= 5120). As printed the count is 0.7%
    above Table D.1's 12,850M; the preset's d_model 5120 matches to 0.03%."""
    printed = as_printed("GPT-3 13B")
    assert printed.d_model == 5140 and printed.d_attn == 5120 and printed.d_ff == 4 * 5140
    published = data.model("GPT-3 13B").params
    assert 0.005 < count_params(printed).total / published - 1 < 0.01
    assert count_params(PRESETS["GPT-3 13B"]).total == pytest.approx(published, rel=3e-4)
    assert "5140" in architecture("GPT-3 13B").note


def test_gpt3_175b_matches_table_d1_to_four_figures():
    """GPT-3 Table D.1: 174,600M. The exact count with the Table 2.1 shape: 174.60B (within 0.01%)."""
    assert count_params(PRESETS["GPT-3 175B"]).total == pytest.approx(174.6e9, rel=1e-4)


def test_gopher_and_chinchilla_need_the_relative_position_weights():
    """Gopher paper §2 [S]: Transformer-XL relative positions. Without a d_model × d_attn projection per layer
    the Table 4 shapes land about 8% below 280B and 70B (our reading, stated in data.ARCHITECTURES)."""
    for name in ("Gopher", "Chinchilla"):
        shape = PRESETS[name]
        assert shape.positions == "relative" and shape.d_attn == shape.d_model
        without = count_params(dataclasses.replace(shape, positions="rotary")).total
        assert 0.06 < 1 - without / data.model(name).params < 0.10
        assert count_params(shape).relative_positions == shape.n_layers * (shape.d_model * shape.d_attn
                                                                            + 2 * shape.d_attn)


@pytest.mark.parametrize("name, multiple_of, multiplier", [
    ("Llama 2 7B", 256, None), ("Llama 2 13B", 256, None), ("Llama 2 70B", 4096, 1.3),
    ("Llama 3 8B", 1024, 1.3), ("Llama 3 70B", 4096, 1.3),
])
def test_llama_mlp_widths_follow_the_released_rule(name, multiple_of, multiplier):
    """meta-llama/llama3: llama/model.py FeedForward: hidden = int(2 · 4d / 3), times ffn_dim_multiplier if any,
    rounded up to a multiple of multiple_of. multiple_of and ffn_dim_multiplier are transcriptions of the released
    params.json files [S for Llama 2; Llama 3's seen in a copy in the llama3 repository history]."""
    shape = PRESETS[name]
    hidden = int(2 * 4 * shape.d_model / 3)
    if multiplier is not None:
        hidden = int(multiplier * hidden)
    assert multiple_of * ((hidden + multiple_of - 1) // multiple_of) == shape.d_ff


def test_presets_are_real_models_with_sources():
    assert set(PRESETS) <= {record.name for record in data.MODELS}
    assert {"GPT-3 175B", "Gopher", "Chinchilla", "Llama 2 7B", "Llama 2 70B", "Llama 3 8B",
            "Llama 3 70B"} <= set(PRESETS)
    for record in data.ARCHITECTURES:
        assert record.sources and all(s.strip() for s in record.sources), record.name
        assert PRESETS[record.name] is record is preset(record.name) is architecture(record.name)
    assert preset("llama 3 8b") is PRESETS["Llama 3 8B"]
    with pytest.raises(ValueError) as info:
        preset("GPT-5")
    assert "GPT-5" in str(info.value) and "Llama 3 70B" in str(info.value)
    with pytest.raises(TypeError, match="name"):
        preset(7)


def test_published_shapes_outside_the_presets_are_shapes_too():
    """nanoGPT's GPT-2 small and Llama 3 405B are the records of scalingedu.data themselves."""
    assert GPT2_SMALL_NANOGPT is data.NANOGPT_GPT2_SMALL
    assert parallelism.LLAMA3_405B is data.LLAMA3_405B_ARCHITECTURE
    for shape in (GPT2_SMALL_NANOGPT, parallelism.LLAMA3_405B):
        assert isinstance(shape, TransformerShape) and shape.name and shape.sources and shape.note
    assert "Llama 3 405B" not in PRESETS


def test_the_description_is_no_part_of_the_shape():
    """name, sources, note, size_reference and printed take no part in equality, hashing or the
    printed form: solutions/02_compute_budgets prints the Llama 3 8B preset as exactly this."""
    llama = PRESETS["Llama 3 8B"]
    assert repr(llama) == ("TransformerShape(n_layers=32, d_model=4096, n_heads=32, d_ff=14336, "
                           "vocab_size=128256, context=8192, d_head=128, n_kv_heads=8, "
                           "gated_mlp=True, biases=False, tied_embeddings=False, "
                           "positions='rotary', norm='rmsnorm')")
    bare = TransformerShape(32, 4096, 32, 14336, 128256, 8192, n_kv_heads=8, gated_mlp=True,
                            biases=False, tied_embeddings=False, positions="rotary", norm="rmsnorm")
    assert bare == llama and hash(bare) == hash(llama)
    assert (bare.name, bare.sources, bare.note, bare.size_reference, dict(bare.printed)) == (
        "", (), "", None, {})
    assert len({PRESETS["GPT-3 XL"], as_printed("GPT-3 XL")}) == 2      # hashable despite printed
    printed = as_printed("GPT-3 XL")
    assert printed.name == "GPT-3 XL" and printed.sources == PRESETS["GPT-3 XL"].sources
    with pytest.raises(TypeError):                             # the description is keyword-only
        TransformerShape(4, 256, 8, 1024, 1000, 128, None, None, False, True, True, "learned",
                         "layernorm", "a name")


@pytest.mark.parametrize("changes, error, words", [
    ({"name": 3}, TypeError, "name"),
    ({"note": None}, TypeError, "note"),
    ({"sources": "one string"}, TypeError, "sources"),
    ({"sources": ("fine", 2)}, TypeError, "sources"),
    ({"size_reference": 70e9}, TypeError, "size_reference"),
    ({"printed": {"heads": 24}}, ValueError, "heads"),
    ({"printed": [("n_heads", 24)]}, TypeError, "printed"),
])
def test_a_bad_description_raises_an_error_naming_the_field(changes, error, words):
    with pytest.raises(error, match=words):
        dataclasses.replace(BASE, **changes)


def test_kaplan_approximation_beside_the_exact_count():
    """Kaplan et al. 2020, Eq. 2.1: N ≈ 12·n_layer·d_model² when d_attn = d_ff/4 = d_model, without biases and
    embeddings. For GPT-3 shapes it is exact up to biases and norms (< 0.2%); for models with GQA and a large
    SwiGLU it misses by several percent; it never counts the embeddings."""
    for name in ("GPT-3 Small", "GPT-3 6.7B", "GPT-3 175B"):
        count = count_params(PRESETS[name])
        s = PRESETS[name]
        assert count.kaplan_approx == 12 * s.n_layers * s.d_model ** 2
        assert abs(count.kaplan_error) < 0.002
    no_biases = dataclasses.replace(PRESETS["GPT-3 175B"], biases=False)
    weights = count_params(no_biases).non_embedding - count_params(no_biases).norms
    assert weights == count_params(no_biases).kaplan_approx          # exactly 12·L·d² of weight matrices
    llama3 = count_params(PRESETS["Llama 3 8B"])
    assert llama3.kaplan_error < -0.05                                # GQA shrinks K and V below Kaplan's 4·d²
    assert llama3.embedding / llama3.total > 0.12                     # 128,256 × 4096, twice (untied)


# --- the counting rules, one design choice at a time ---------------------------------------------------------------

BASE = TransformerShape(n_layers=4, d_model=256, n_heads=8, d_ff=1024, vocab_size=1000, context=128)


def test_each_design_choice_changes_the_count_by_exactly_its_weights():
    base = count_params(BASE)
    d, L = BASE.d_model, BASE.n_layers
    untied = count_params(dataclasses.replace(BASE, tied_embeddings=False))
    assert untied.total - base.total == 1000 * d
    rotary = count_params(dataclasses.replace(BASE, positions="rotary"))
    assert base.total - rotary.total == 128 * d
    gqa = count_params(dataclasses.replace(BASE, n_kv_heads=2))          # K and V shrink from 256 to 64 wide
    assert base.total - gqa.total == L * 2 * (d * 256 + 256 - d * 64 - 64)
    gated = count_params(dataclasses.replace(BASE, gated_mlp=True))
    assert gated.mlp - base.mlp == L * (d * 1024 + 1024)                  # a third matrix and its bias
    no_bias = count_params(dataclasses.replace(BASE, biases=False))
    biases = L * ((256 + 2 * 256 + d) + (1024 + d)) + (2 * L + 1) * d     # linear biases, LayerNorm biases
    assert base.total - no_bias.total == biases
    rms = count_params(dataclasses.replace(BASE, norm="rmsnorm"))
    assert base.norms - rms.norms == (2 * L + 1) * d
    assert isinstance(base, ParamCount) and base.total == base.embedding + base.non_embedding


@given(layers=st.integers(1, 200), d_head=st.sampled_from([32, 64, 128]), heads=st.integers(1, 64),
       gated=st.booleans(), tied=st.booleans(), positions=st.sampled_from(["learned", "rotary", "relative"]))
@settings(max_examples=60, deadline=None)
def test_counts_grow_linearly_in_layers(layers, d_head, heads, gated, tied, positions):
    shape = TransformerShape(n_layers=layers, d_model=heads * d_head, n_heads=heads, d_ff=4 * heads * d_head,
                             vocab_size=5000, context=512, gated_mlp=gated, tied_embeddings=tied,
                             positions=positions)
    one_more = dataclasses.replace(shape, n_layers=layers + 1)
    two_more = dataclasses.replace(shape, n_layers=layers + 2)
    step = count_params(one_more).total - count_params(shape).total
    assert count_params(two_more).total - count_params(one_more).total == step > 0
    assert matmul_params(one_more) - matmul_params(shape) == matmul_params(two_more) - matmul_params(one_more)
    assert count_params(shape).embedding == count_params(one_more).embedding


# --- FLOPs ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(PRESETS))
def test_flops_split_into_forward_and_backward_and_match_palms_formula(name):
    """Forward 2N + 4·L·H·Q·T, backward twice the forward, total 6N + 12·L·H·Q·T (PaLM App. B; nanoGPT)."""
    s = PRESETS[name]
    f = flops_per_token(s)
    assert isinstance(f, FlopsPerToken) and f.params == matmul_params(s)
    assert f.backward == pytest.approx(2 * f.forward, rel=1e-15)
    assert f.total == pytest.approx(f.forward + f.backward, rel=1e-15)
    assert f.total == pytest.approx(palm_flops_per_token(f.params, s.n_layers, s.n_heads, s.d_head, s.context),
                                    rel=1e-14)
    assert f.weight_forward == 2 * f.params
    assert 0 < f.attention_fraction < 0.3
    assert training_flops_with_attention(s, 1e12) == pytest.approx(f.total * 1e12, rel=1e-15)


def test_the_attention_term_matters_when_context_is_large_against_d_model():
    """Kaplan et al. 2020, §2.1 / Eq. 2.2: the context term 2·n_layer·n_ctx·d_attn is small against 2N ≈
    24·n_layer·d_model² when d_model > n_ctx/12. At d_model = n_ctx/12 the two are equal."""
    s = TransformerShape(n_layers=12, d_model=512, n_heads=8, d_ff=2048, vocab_size=1000, context=512,
                         biases=False, positions="rotary")
    n = count_params(s).non_embedding - count_params(s).norms   # exactly 12·L·d²
    equal_context = 12 * s.d_model
    kaplan = kaplan_forward_flops_per_token(s, context=equal_context)
    assert kaplan == pytest.approx(2 * n + 2 * n, rel=1e-2)
    assert kaplan_forward_flops_per_token(s) == 2 * count_params(s).non_embedding + 2 * 12 * 512 * 512
    # PaLM counts every query against the full context: twice Kaplan's causal-average attention term
    f = flops_per_token(s)
    assert f.attention_forward == 2 * (kaplan_forward_flops_per_token(s) - 2 * count_params(s).non_embedding)


def test_flops_per_token_accepts_an_array_of_contexts():
    s = PRESETS["Llama 3 8B"]
    contexts = np.array([512.0, 2048.0, 8192.0, 131072.0])
    f = flops_per_token(s, context=contexts)
    assert isinstance(f.total, np.ndarray) and f.total.shape == (4,)
    for i, t in enumerate(contexts):
        single = flops_per_token(s, context=float(t))
        assert type(single.total) is float
        assert f.total[i] == pytest.approx(single.total, rel=1e-15)
    assert np.all(np.diff(f.attention_fraction) > 0)
    assert f.attention_fraction[-1] > 0.8          # at 128k context attention dominates an 8B model
    assert type(flops_per_token(s).total) is float


@given(params=st.floats(1e3, 1e13), layers=st.integers(1, 200), heads=st.integers(1, 128),
       d_head=st.integers(8, 256), context=st.integers(1, 1_000_000))
@settings(max_examples=60, deadline=None)
def test_palm_formula_is_six_n_plus_twelve_lhqt(params, layers, heads, d_head, context):
    total = palm_flops_per_token(params, layers, heads, d_head, context)
    assert total == pytest.approx(6 * params + 12 * layers * heads * d_head * context, rel=1e-12)


# --- bad input -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, error, words", [
    ({"n_layers": 0}, ValueError, "n_layers"),
    ({"d_model": -8}, ValueError, "d_model"),
    ({"n_heads": 2.5}, TypeError, "n_heads"),
    ({"vocab_size": None}, TypeError, "vocab_size"),
    ({"context": "2048"}, TypeError, "context"),
    ({"n_heads": 7}, ValueError, "d_head"),            # 256 is not a multiple of 7: give d_head
    ({"n_kv_heads": 3}, ValueError, "n_kv_heads"),     # must divide 8
    ({"n_kv_heads": 16}, ValueError, "n_kv_heads"),    # more key/value heads than query heads
    ({"d_head": 0}, ValueError, "d_head"),
    ({"positions": "alibi"}, ValueError, "positions"),
    ({"norm": "batchnorm"}, ValueError, "norm"),
    ({"gated_mlp": "yes"}, TypeError, "gated_mlp"),
    ({"biases": 1}, TypeError, "biases"),
])
def test_bad_shapes_raise_errors_naming_the_field(changes, error, words):
    fields = {f.name: getattr(BASE, f.name) for f in dataclasses.fields(BASE)}
    fields.update(d_head=None, n_kv_heads=None)
    fields.update(changes)
    with pytest.raises(error) as info:
        TransformerShape(**fields)
    assert words in str(info.value), str(info.value)


@pytest.mark.parametrize("call", [count_params, matmul_params, flops_per_token, kaplan_forward_flops_per_token,
                                  lambda s: training_flops_with_attention(s, 1e9)])
def test_functions_want_a_shape(call):
    with pytest.raises(TypeError, match="shape"):
        call("GPT-3 175B")


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1.0, ValueError), (np.nan, ValueError),
                                        ("1024", TypeError), ([], ValueError)])
def test_bad_context_and_tokens(bad, error):
    with pytest.raises(error, match="context"):
        flops_per_token(BASE, context=bad)
    with pytest.raises(error, match="tokens"):
        training_flops_with_attention(BASE, bad)


@pytest.mark.parametrize("position", range(5))
def test_palm_formula_names_the_bad_argument(position):
    names = ["params", "n_layers", "n_heads", "d_head", "context"]
    arguments = [1e9, 12, 12, 64, 1024]
    arguments[position] = -1
    with pytest.raises(ValueError, match=names[position]):
        palm_flops_per_token(*arguments)
