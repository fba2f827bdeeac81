"""Problem set mixture_of_experts: active parameters, capacity, dropped tokens, balancing loss,
all-to-all (solutions/07_mixture_of_experts.ipynb).

The learner counts Mixtral's active parameters by hand from its published shape, computes an expert capacity
(Switch Eq. 3) and the drop rate it implies for a seeded batch of router logits, the Switch balancing loss of that
routing, and the all-to-all traffic of one DeepSeek-V3 MoE layer under expert parallelism.

Expected answers are computed at check time with the library (:mod:`scalingedu.moe`); nothing is typed in. The
batch sizes, capacity factors, the seeded logits of :func:`router_logits` and the tokens per GPU are choices of this
problem set, not published numbers.
"""
from __future__ import annotations

import numpy as np

from .. import moe
from ..data import DEEPSEEK_V3_ROUTING, GSHARD_TOP_K
from ..grading import ProblemSet, Tolerance, number_question

CAPACITY_TOKENS, CAPACITY_EXPERTS, CAPACITY_FACTOR = 8192, 64, 1.25
"""The batch of question mixture_of_experts.capacity: 8,192 tokens, 64 experts, top-2 (GShard),
capacity factor 1.25."""

LOGITS_TOKENS, LOGITS_EXPERTS, LOGITS_SKEW, LOGITS_SEED = 4096, 16, 0.75, 707
"""The seeded batch of :func:`router_logits` (choices of this problem set)."""
DROP_CAPACITY_FACTOR = 1.0
"""Capacity factor of question mixture_of_experts.drop_rate."""

A2A_TOKENS_PER_GPU, A2A_BYTES_PER_VALUE = 4096, 2
"""Question mixture_of_experts.all_to_all: tokens held per GPU and bytes per activation value
(bf16)."""


def router_logits() -> np.ndarray:
    """SIMULATED router logits of a batch: 4,096 tokens (rows) × 16 experts (columns), seeded, float32.

    Made by :func:`scalingedu.moe.skewed_logits` with skew 0.75 (the first experts are favoured) and seed 707.
    Every call returns the same values in a new array.
    """
    return moe.skewed_logits(LOGITS_TOKENS, LOGITS_EXPERTS, skew=LOGITS_SKEW, seed=LOGITS_SEED)


# Expected values, computed at check time ------------------------------------------------------------------------

def _mixtral_active() -> float:
    return float(moe.count_params("mixtral-8x7b").active)


def _capacity() -> float:
    return float(moe.expert_capacity(CAPACITY_TOKENS * GSHARD_TOP_K, CAPACITY_EXPERTS, CAPACITY_FACTOR))


def _top1_routing():
    return moe.route(router_logits(), top_k=1, capacity_factor=DROP_CAPACITY_FACTOR)


def _drop_rate() -> float:
    return _top1_routing().dropped_fraction


def _balancing_loss() -> float:
    return _top1_routing().balancing_loss


def _deepseek_forward_bytes() -> float:
    config = moe.preset("deepseek-v3")
    cost = moe.all_to_all_bytes(A2A_TOKENS_PER_GPU, config.top_k, config.d_model,
                                DEEPSEEK_V3_ROUTING["expert_parallel"], bytes_per_value=A2A_BYTES_PER_VALUE)
    return float(cost.forward_bytes)


ACTIVE_PARAMS = number_question(
    "mixture_of_experts.active_params", points=3, kind="compute",
    title="Mixtral's active parameters by hand",
    statement="""
        Mixtral 8x7B (`moe.preset(\"mixtral-8x7b\")`) has 32 layers, d_model = 4096, 32 query heads and 8
        key/value heads of width 128, 8 experts per layer of which a token uses 2, each a SwiGLU MLP of width
        14,336 (three d_model × 14,336 matrices), a router (d_model × 8) per layer, two RMSNorm gains of d_model
        per layer and a final one, and untied input and output embeddings of 32,000 × d_model. Count by hand
        (without `moe.count_params`) the parameters one token uses, the *active* parameters, counting both
        embedding tables as the published figure does. Give a count of parameters as `active_params`.
    """,
    hint="""
        Per layer: attention = 2·4096·4096 (Q, output) + 2·4096·1024 (K, V: 8 heads × 128); 2 experts ×
        3·4096·14336; the router; norms. Multiply by 32, then add 2·32000·4096 for the embeddings and the final
        norm. It is not 2/8 of the total: attention and embeddings are shared.
    """,
    expected=_mixtral_active,
    # An exact count: 1% forgives slips in public; the hidden 0.01% is less than the router and the
    # norms together.
    tolerance=Tolerance(0.01, hidden=1e-4),
    sign="positive", what="the number of parameters",
    public_hint="""
        Count the shared parts (attention, embeddings, router, norms) in full and only 2 of the 8 experts; give a
        count such as 1.2e10, not 12.
    """,
    hidden_hint="Count every part exactly, norms and router included.",
)

CAPACITY = number_question(
    "mixture_of_experts.capacity", points=2, kind="compute", title="An expert's capacity",
    statement=f"""
        A batch of {CAPACITY_TOKENS:,} tokens goes through an MoE layer with {CAPACITY_EXPERTS} experts and
        top-2 routing (GShard), with a capacity factor of {CAPACITY_FACTOR}. With Switch Eq. 3 applied to the
        token-expert assignments (GShard's capacity for top-2 is 2N/E times the factor), how many assignments
        can each expert accept? Round down to a whole number and give it as `capacity`.
    """,
    hint="""
        Top-2 routing makes 2 assignments per token: capacity = floor(2 × tokens / experts × capacity factor).
    """,
    expected=_capacity,
    # A whole number: within half an assignment in both checks.
    tolerance=Tolerance(0.5, hidden=0.5, absolute=True),
    public_hint="Count two assignments per token (top-2), then divide by the experts.",
)

DROP_RATE = number_question(
    "mixture_of_experts.drop_rate", points=3, kind="compute",
    title="The drop rate of a skewed router",
    statement=f"""
        `moe_problems.router_logits()` returns the router logits of a simulated batch (4,096 tokens × 16
        experts). Route it with **top-1** (Switch): each token goes to the expert with the largest logit. Each
        expert accepts at most floor(4096 / 16 × {DROP_CAPACITY_FACTOR}) tokens; the rest are dropped. What
        fraction of the tokens is dropped? Use `np.argmax` and `np.bincount`; give a fraction between 0 and 1 as
        `drop_rate`.
    """,
    hint="""
        Count the tokens each expert is sent (np.bincount of the argmax, minlength=16); an expert drops max(count -
        capacity, 0). Add the drops up and divide by the number of tokens.
    """,
    expected=_drop_rate,
    # A count of seeded tokens: 1% in public; the hidden 1e-6 is less than one token in 4,096.
    tolerance=Tolerance(0.01, hidden=1e-6),
    public_hint="""
        Give a fraction (0.2 for 20%), and count only the tokens over each expert's capacity.
    """,
)

BALANCING_LOSS = number_question(
    "mixture_of_experts.balancing_loss", points=2, kind="compute",
    title="The balancing loss of that routing",
    statement="""
        For the same batch and the same top-1 choices, compute Switch Transformer's load-balancing loss before
        its weight alpha, N·Σ f_i·P_i (Eqs. 4 to 6): N = 16 experts, f_i the fraction of tokens whose top-1
        choice is expert i (before any dropping), P_i the mean over tokens of the softmax probability of expert
        i. Give it as `balancing_loss` (1 would be perfectly balanced).
    """,
    hint="""
        Softmax of each row: exp(logits - max) / sum. P = probs.mean(axis=0); f from np.bincount of the argmax
        divided by the tokens; the loss is 16 * np.dot(f, P).
    """,
    expected=_balancing_loss,
    # Computed exactly from seeded logits: 0.5% in public, only float rounding in hidden.
    tolerance=Tolerance(0.005, hidden=1e-5),
    public_hint="Multiply by N = 16, and use the mean softmax probability for P.",
)

ALL_TO_ALL = number_question(
    "mixture_of_experts.all_to_all", points=3, kind="compute",
    title="The all-to-all of one DeepSeek-V3 layer",
    statement=f"""
        DeepSeek-V3 (`moe.preset(\"deepseek-v3\")`: d_model = 7168, top-8) trains with 64-way expert
        parallelism. A GPU holds {A2A_TOKENS_PER_GPU:,} tokens. In the forward pass of one MoE layer it sends
        each token's hidden vector (bf16, 2 bytes per value) to each of its 8 experts (dispatch) and receives
        the results back (combine): two all-to-alls, in each of which a GPU keeps the 1/64 of its data whose
        experts are local and sends the rest. How many bytes does one GPU send in the forward pass of one layer
        (dispatch plus combine), assuming balanced routing? Give it as `forward_bytes`.
    """,
    hint="""
        One all-to-all: tokens × top-k × d_model × 2 bytes held, (64-1)/64 of it sent
        (scalingedu.parallelism.collective_bytes('all_to_all', ...)). Forward = dispatch + combine = 2 of them.
    """,
    expected=_deepseek_forward_bytes,
    # 0.5% rejects sending all 64/64 of the data (1.6% too much); only rounding in hidden.
    tolerance=Tolerance(0.005, hidden=1e-6),
    sign="positive", what="the number of bytes",
    public_hint="""
        Count k = 8 copies of each token, 2 bytes per value, two all-to-alls, and only the 63/64 that leave the GPU.
    """,
)

PROBLEM_SET = ProblemSet(
    id="mixture_of_experts",
    title="Mixture-of-Experts: parameters, capacity, balancing and communication",
    questions=(ACTIVE_PARAMS, CAPACITY, DROP_RATE, BALANCING_LOSS, ALL_TO_ALL),
)
