"""Tests of scalingedu.moe: parameter counts, routing and capacity, load balancing, expert-parallel cost.

Published figures are read from scalingedu.data (their sources are there); each test names its source and tolerance.
"""
import numpy as np
import pytest

from scalingedu import moe
from scalingedu.data import DEEPSEEK_V3_ROUTING, SWITCH_ROUTING, model
from scalingedu.parallelism import collective_bytes

# --- parameter counts --------------------------------------------------------------------------------------------

def test_mixtral_counts_within_2_percent_of_published():
    """Mixtral 8x7B: Mistral AI's release post gives 46.7B total and 12.9B per token; tolerance 2% (issue 6)."""
    counts = moe.count_params("mixtral-8x7b")
    published = model("Mixtral 8x7B")
    assert counts.total == pytest.approx(published.params, rel=0.02)
    assert counts.active == pytest.approx(published.active_params, rel=0.02)


def test_mixtral_count_by_hand():
    """Mixtral's shape (paper Table 1): per layer GQA attention 2·4096·4096 + 2·4096·1024, eight SwiGLU experts of
    3·4096·14336, a 4096×8 router, two RMSNorms; 32 layers, untied 32000×4096 embeddings, a final norm. Exact."""
    d, layers = 4096, 32
    expert = 3 * d * 14336
    per_layer = 2 * d * d + 2 * d * 1024 + 8 * expert + d * 8 + 2 * d
    total = layers * per_layer + 2 * 32000 * d + d
    counts = moe.count_params("mixtral-8x7b")
    assert counts.total == total
    assert counts.total - counts.active == layers * 6 * expert     # 6 of 8 experts idle per token
    assert counts.expert == expert


def test_deepseek_v3_counts_against_published():
    """DeepSeek-V3 (README: 671B total, 37B activated). MLA is counted from the config, MTP is left out (as the 671B
    leaves it out). Tolerance: 1% for the total; 3% for the active count, whose published value is rounded to 37B."""
    counts = moe.count_params("deepseek-v3")
    published = model("DeepSeek-V3")
    assert counts.total == pytest.approx(published.params, rel=0.01)
    assert counts.active == pytest.approx(published.active_params, rel=0.03)
    assert moe.published_counts("deepseek-v3") == (published.params, published.active_params)


def test_active_grows_with_top_k_and_total_with_experts():
    base = moe.preset("mixtral-8x7b")
    from dataclasses import replace
    more_k = moe.count_params(replace(base, top_k=4))
    more_e = moe.count_params(replace(base, experts=16))
    counts = moe.count_params(base)
    assert more_k.total == counts.total and more_k.active == counts.active + 32 * 2 * counts.expert
    assert more_e.active == counts.active + 32 * 4096 * 8    # only the router grows for a token
    assert more_e.total > counts.total


def test_switch_like_has_expert_layers_every_other_block():
    config = moe.preset("switch-base-like")
    assert config.moe_layers == 6 and config.top_k == 1 and config.experts == 128


def test_bad_configs_are_rejected():
    with pytest.raises(ValueError, match="unknown MoE preset"):
        moe.preset("gpt-5")
    with pytest.raises(TypeError, match="config"):
        moe.count_params(3)
    from dataclasses import replace
    with pytest.raises(ValueError, match="top_k"):
        replace(moe.preset("mixtral-8x7b"), top_k=9)
    with pytest.raises(ValueError, match="published"):
        moe.published_counts("switch-base-like")


# --- capacity and routing ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("tokens, experts, factor", [(6, 3, 1.0), (6, 3, 1.5), (1024, 8, 1.25), (12, 4, 1.2),
                                                     (100, 64, 1.0)])
def test_expert_capacity_is_switch_eq3(tokens, experts, factor):
    """Switch Eq. 3: capacity = (tokens per batch / experts) × capacity factor, whole tokens (rounded down)."""
    expected = int(np.floor(round(tokens / experts * factor, 9)))
    assert moe.expert_capacity(tokens, experts, factor) == expected


def test_expert_capacity_examples():
    """Eq. 3 by hand: 6 tokens over 3 experts give 2 per expert at factor 1.0, 3 at 1.5; 1024 over 8 at 1.25: 160."""
    assert moe.expert_capacity(6, 3, 1.0) == 2
    assert moe.expert_capacity(6, 3, 1.5) == 3
    assert moe.expert_capacity(1024, 8, 1.25) == 160


def test_expert_capacity_rejects_bad_input():
    with pytest.raises(ValueError, match="experts"):
        moe.expert_capacity(10, 0, 1.0)
    with pytest.raises(ValueError, match="capacity_factor"):
        moe.expert_capacity(10, 2, -1.0)
    with pytest.raises(TypeError, match="tokens"):
        moe.expert_capacity(10.5, 2, 1.0)


def test_top1_softmax_routing_matches_a_loop():
    logits = moe.skewed_logits(200, 6, skew=1.5, seed=3)
    routing = moe.route(logits, top_k=1, capacity_factor=1.0)
    probs = moe.softmax(logits)
    capacity = moe.expert_capacity(200, 6, 1.0)
    seen = np.zeros(6, dtype=int)
    for token in range(200):
        best = int(np.argmax(probs[token]))
        assert routing.expert_index[token, 0] == best
        assert routing.gates[token, 0] == pytest.approx(probs[token, best], rel=1e-5)   # Switch: gate = p
        assert routing.kept[token, 0] == (seen[best] < capacity)                         # earlier tokens first
        seen[best] += 1
    assert np.array_equal(routing.demand, seen)
    assert np.array_equal(routing.load, np.minimum(seen, capacity))
    assert routing.dropped_fraction == pytest.approx(1 - np.minimum(seen, capacity).sum() / 200)


def test_top2_first_choices_have_priority_and_gates_are_renormalised():
    logits = moe.skewed_logits(300, 4, skew=3.0, seed=1)
    routing = moe.route(logits, top_k=2, capacity_factor=1.0)
    assert routing.capacity == moe.expert_capacity(600, 4, 1.0)       # GShard: 2N/E assignments per expert
    np.testing.assert_allclose(routing.gates.sum(axis=1), 1.0, rtol=1e-6)
    assert np.all(routing.load <= routing.capacity)
    kept_per_expert = np.bincount(routing.expert_index[routing.kept], minlength=4)
    assert np.array_equal(kept_per_expert, routing.load)
    # An expert that dropped any second choice kept every first choice sent to it, up to capacity.
    for expert in range(4):
        first = routing.expert_index[:, 0] == expert
        second_kept = routing.kept[:, 1] & (routing.expert_index[:, 1] == expert)
        if second_kept.any():
            assert routing.kept[first, 0].all()


def test_dropless_routing_keeps_every_token():
    routing = moe.route(moe.skewed_logits(500, 8, skew=5.0), top_k=2)
    assert routing.capacity is None and routing.dropped_fraction == 0.0 and routing.kept.all()


def test_skew_raises_imbalance_and_drops():
    balanced = moe.route(moe.skewed_logits(20_000, 16, skew=0.0), top_k=1, capacity_factor=1.25)
    skewed = moe.route(moe.skewed_logits(20_000, 16, skew=2.0), top_k=1, capacity_factor=1.25)
    assert balanced.imbalance < 1.1 and balanced.dropped_fraction < 0.01
    assert skewed.imbalance > 3 and skewed.dropped_fraction > 0.3


def test_sigmoid_routing_with_bias_changes_the_choice_not_the_gates():
    """DeepSeek-V3 §2.1.2: top-K on s + b, gates are s normalised over the chosen experts."""
    logits = moe.skewed_logits(100, 8, skew=0.5, seed=2)
    bias = np.zeros(8)
    bias[7] = 10.0                                    # forces expert 7 into every token's choice
    routing = moe.route(logits, top_k=2, method="sigmoid", bias=bias)
    assert np.all((routing.expert_index == 7).any(axis=1))
    s = 1 / (1 + np.exp(-logits))
    chosen_s = np.take_along_axis(s, routing.expert_index, axis=1)
    np.testing.assert_allclose(routing.gates, chosen_s / chosen_s.sum(axis=1, keepdims=True), rtol=1e-5)


def test_route_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        moe.route(np.zeros(5))
    with pytest.raises(ValueError, match="finite"):
        moe.route(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="top_k"):
        moe.route(np.zeros((3, 2)), top_k=3)
    with pytest.raises(ValueError, match="method"):
        moe.route(np.zeros((3, 2)), method="argmax")
    with pytest.raises(ValueError, match="bias"):
        moe.route(np.zeros((3, 2)), method="sigmoid", bias=np.zeros(3))


def test_route_handles_a_million_tokens():
    """The issue asks for 1M tokens × 64 experts well under a second (timed by
    scalingedu.tools.bench.bench_moe); here: it is correct."""
    logits = moe.skewed_logits(1_000_000, 64, skew=0.5, seed=0)
    routing = moe.route(logits, top_k=2, capacity_factor=1.25)
    assert routing.demand.sum() == 2_000_000
    assert routing.capacity == moe.expert_capacity(2_000_000, 64, 1.25)


# --- load balancing ----------------------------------------------------------------------------------------------

def test_balancing_loss_is_one_when_balanced():
    """Switch Eqs. 4-6: N·Σ f_i·P_i = 1 under uniform routing (f_i = P_i = 1/N)."""
    experts = 8
    probs = np.full((64, experts), 1 / experts)
    index = np.arange(64) % experts
    assert moe.load_balancing_loss(probs, index) == pytest.approx(1.0)


def test_balancing_loss_is_n_when_collapsed():
    """Every token to expert 0 with probability 1: f_0 = P_0 = 1, loss = N."""
    for experts in (2, 8, 64):
        probs = np.zeros((10, experts))
        probs[:, 0] = 1.0
        assert moe.load_balancing_loss(probs, np.zeros(10, dtype=int)) == pytest.approx(experts)


def test_balancing_loss_of_a_skewed_router_lies_between():
    routing = moe.route(moe.skewed_logits(5000, 8, skew=2.0), top_k=1)
    loss = routing.balancing_loss
    assert 1.0 < loss < 8.0
    f = np.bincount(routing.expert_index[:, 0], minlength=8) / 5000
    assert loss == pytest.approx(8 * np.dot(f, routing.router_probs.mean(axis=0)), rel=1e-6)


def test_balancing_loss_rejects_bad_input():
    with pytest.raises(ValueError, match="expert_index"):
        moe.load_balancing_loss(np.full((2, 2), 0.5), np.array([0, 2]))
    with pytest.raises(TypeError, match="expert_index"):
        moe.load_balancing_loss(np.full((2, 2), 0.5), np.array([0.0, 1.0]))


def test_bias_method_reduces_imbalance_of_a_skewed_router():
    """DeepSeek-V3's rule (b_i ∓ gamma per step) makes a skewed router's load even; without it nothing changes."""
    kwargs = dict(experts=16, tokens=2048, top_k=2, skew=1.0, steps=100, capacity_factor=1.25, seed=0)
    with_bias = moe.simulate_bias_balancing(gamma=0.01, **kwargs)
    without = moe.simulate_balancing(method="none", gamma=0.01, **kwargs)
    assert with_bias.imbalance[0] == pytest.approx(without.imbalance[0])        # same first batch
    assert with_bias.imbalance[-20:].mean() < 0.5 * with_bias.imbalance[0]
    assert without.imbalance[-20:].mean() > 0.9 * without.imbalance[0]
    assert with_bias.dropped_fraction[-20:].mean() < 0.2 * without.dropped_fraction[-20:].mean()
    # Overloaded experts (the first ones, favoured by the skew) end with the lowest bias.
    assert with_bias.bias[-1, 0] < 0 < with_bias.bias[-1, -1]


def test_aux_loss_method_also_balances_and_all_methods_start_alike():
    """Switch's loss trained by gradient descent on a per-expert offset evens the load too; step 0 is shared."""
    runs = {method: moe.simulate_balancing(method=method, skew=1.0, steps=60) for method in moe.BALANCING_METHODS}
    assert len({round(run.imbalance[0], 12) for run in runs.values()}) == 1
    assert runs["aux_loss"].imbalance[-10:].mean() < 0.5 * runs["none"].imbalance[-10:].mean()
    assert runs["aux_loss"].balancing_loss[-1] < runs["none"].balancing_loss[-1]
    assert runs["aux_loss"].balancing_loss[-1] >= 0.99      # N·Σ f·P cannot go much below 1 once f is even
    with pytest.raises(ValueError, match="method"):
        moe.simulate_balancing(method="magic")


@pytest.mark.parametrize("method", ["none", "aux_loss", "bias"])
@pytest.mark.parametrize("capacity_factor", [None, 1.0])
def test_simulation_routes_every_step_as_route_does(method, capacity_factor):
    """simulate_balancing repeats route's choice in a lean loop: demand, drops and loss must match it step by step."""
    history = moe.simulate_balancing(method=method, experts=8, tokens=300, top_k=2, skew=1.5, steps=30,
                                     capacity_factor=capacity_factor, seed=3)
    batches = moe.skewed_logits(30 * 300, 8, skew=1.5, seed=3).reshape(30, 300, 8)
    for step in range(30):
        if method == "bias":
            routing = moe.route(batches[step], top_k=2, capacity_factor=capacity_factor, method="sigmoid",
                                bias=history.bias[step])
            probs = moe.softmax(batches[step])
        else:
            routing = moe.route(batches[step] + history.bias[step], top_k=2, capacity_factor=capacity_factor)
            probs = moe.softmax(batches[step] + history.bias[step])
        assert np.array_equal(routing.demand, history.load[step])
        assert history.dropped_fraction[step] == pytest.approx(routing.dropped_fraction, abs=1e-12)
        assert history.balancing_loss[step] == pytest.approx(moe.load_balancing_loss(probs, routing.expert_index),
                                                             rel=1e-5)


def test_bias_update_is_gamma_per_step():
    history = moe.simulate_bias_balancing(experts=4, steps=5, gamma=DEEPSEEK_V3_ROUTING["bias_update_speed"])
    steps = np.abs(np.diff(history.bias, axis=0))
    assert np.all(np.isclose(steps, 0.001) | np.isclose(steps, 0.0))


def test_router_collapses_without_balancing_loss_and_not_with_it():
    collapsed = moe.train_router(alpha=0.0)
    cured = moe.train_router(alpha=1.0)
    assert collapsed.max_share[-1] > 0.9 and collapsed.balancing_loss[-1] > 6
    assert cured.max_share[-1] < 2 / 8 and cured.idle_experts[-1] == 0
    assert cured.balancing_loss[-1] < 1.2


def test_switch_alpha_is_published():
    assert SWITCH_ROUTING["aux_loss_alpha"] == 1e-2


# --- expert parallelism, compute and memory ----------------------------------------------------------------------

def test_all_to_all_bytes_follow_the_collective():
    """Dispatch sends (ep-1)/ep of tokens·k·d·2 bytes (an all-to-all); forward ×2 (combine), training ×2 again."""
    cost = moe.all_to_all_bytes(4096, 8, 7168, 64)
    message = 4096 * 8 * 7168 * 2
    assert cost.dispatch_bytes == pytest.approx(collective_bytes("all_to_all", message, 64))
    assert cost.dispatch_bytes == pytest.approx(63 / 64 * message)
    assert cost.training_bytes == pytest.approx(4 * cost.dispatch_bytes)
    assert moe.all_to_all_bytes(4096, 8, 7168, 1).training_bytes == 0.0
    many = moe.all_to_all_bytes(np.array([1024, 2048]), 2, 4096, 8)
    assert many.dispatch_bytes[1] == pytest.approx(2 * many.dispatch_bytes[0])


def test_all_to_all_time_and_whole_model():
    cost = moe.all_to_all_bytes(4096, 2, 4096, 8, bandwidth_bytes_per_second=50e9)
    assert cost.seconds == pytest.approx(cost.training_bytes / 50e9)
    per_layer = moe.all_to_all_bytes(4096, 2, 4096, 8).training_bytes
    assert moe.model_all_to_all_bytes("mixtral-8x7b", 4096, 8) == pytest.approx(32 * per_layer)


def test_compute_and_memory_of_deepseek_v3():
    result = moe.compute_and_memory("deepseek-v3")
    counts = moe.count_params("deepseek-v3")
    assert result.moe_training_flops_per_token == 6 * counts.active
    assert result.flops_saving == pytest.approx(counts.total / counts.active)
    assert 15 < result.flops_saving < 21          # 671B / 37B ≈ 18


def test_dense_vs_moe_at_a_budget():
    from scalingedu.laws import HOFFMANN_2022
    result = moe.dense_vs_moe(1e23, 64, 2)
    plan = HOFFMANN_2022.compute_optimal(1e23)
    assert result.dense_params == pytest.approx(plan.params)
    assert result.flops_per_token * result.tokens == pytest.approx(1e23, rel=1e-9)   # same budget, 6ND
    assert result.moe_total_params == pytest.approx(plan.params * (1 / 3 + 2 / 3 * 32))
    assert moe.dense_vs_moe(1e23, 8, 8).moe_total_params == pytest.approx(plan.params)  # all experts active
    with pytest.raises(ValueError, match="top_k"):
        moe.dense_vs_moe(1e23, 4, 8)
