"""Problem set 07_mixture_of_experts: active parameters, capacity, dropped tokens, balancing loss, all-to-all.

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
from ..grading import ProblemSet, Question, close_to, has_sign, is_number

CAPACITY_TOKENS, CAPACITY_EXPERTS, CAPACITY_FACTOR = 8192, 64, 1.25
"""The batch of question moe.capacity: 8,192 tokens, 64 experts, top-2 (GShard), capacity factor 1.25."""

LOGITS_TOKENS, LOGITS_EXPERTS, LOGITS_SKEW, LOGITS_SEED = 4096, 16, 0.75, 707
"""The seeded batch of :func:`router_logits` (choices of this problem set)."""
DROP_CAPACITY_FACTOR = 1.0
"""Capacity factor of question moe.drop_rate."""

A2A_TOKENS_PER_GPU, A2A_BYTES_PER_VALUE = 4096, 2
"""Question moe.all_to_all: tokens held per GPU and bytes per activation value (bf16)."""


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


ACTIVE_PARAMS = Question(
    id="moe.active_params",
    points=3,
    statement=(
        "Mixtral 8x7B (`moe.preset(\"mixtral-8x7b\")`) has 32 layers, d_model = 4096, 32 query heads and 8 key/value "
        "heads of width 128, 8 experts per layer of which a token uses 2, each a SwiGLU MLP of width 14,336 (three "
        "d_model × 14,336 matrices), a router (d_model × 8) per layer, two RMSNorm gains of d_model per layer and a "
        "final one, and untied input and output embeddings of 32,000 × d_model. Count by hand (without "
        "`moe.count_params`) the parameters one token uses, the *active* parameters, counting both embedding "
        "tables as the published figure does. Give a count of parameters as `active_params`."
    ),
    hint=("Per layer: attention = 2·4096·4096 (Q, output) + 2·4096·1024 (K, V: 8 heads × 128); "
          "2 experts × 3·4096·14336; the router; norms. Multiply by 32, then add 2·32000·4096 for the embeddings "
          "and the final norm. It is not 2/8 of the total: attention and embeddings are shared."),
    public_checks=(
        is_number(),
        has_sign("positive", what="the number of parameters"),
        close_to(_mixtral_active, rel=0.01,
                 hint="Count the shared parts (attention, embeddings, router, norms) in full and only 2 of the 8 "
                      "experts; give a count such as 1.2e10, not 12."),
    ),
    hidden_checks=(close_to(_mixtral_active, rel=1e-4, hint="Count every part exactly, norms and router included."),),
)

CAPACITY = Question(
    id="moe.capacity",
    points=2,
    statement=(
        f"A batch of {CAPACITY_TOKENS:,} tokens goes through an MoE layer with {CAPACITY_EXPERTS} experts and top-2 "
        f"routing (GShard), with a capacity factor of {CAPACITY_FACTOR}. With Switch Eq. 3 applied to the "
        "token-expert assignments (GShard's capacity for top-2 is 2N/E times the factor), how many assignments can "
        "each expert accept? Round down to a whole number and give it as `capacity`."
    ),
    hint="Top-2 routing makes 2 assignments per token: capacity = floor(2 × tokens / experts × capacity factor).",
    public_checks=(is_number(), close_to(_capacity, abs=0.5,
                                         hint="Count two assignments per token (top-2), then divide by the experts.")),
    hidden_checks=(close_to(_capacity, abs=0.5),),
)

DROP_RATE = Question(
    id="moe.drop_rate",
    points=3,
    statement=(
        "`moe_problems.router_logits()` returns the router logits of a simulated batch (4,096 tokens × 16 "
        "experts). Route it with **top-1** (Switch): each token goes to the expert with the largest logit. Each "
        f"expert accepts at most floor(4096 / 16 × {DROP_CAPACITY_FACTOR}) tokens; the rest are dropped. What "
        "fraction of the tokens is dropped? Use `np.argmax` and `np.bincount`; give a fraction between 0 and 1 "
        "as `drop_rate`."
    ),
    hint=("Count the tokens each expert is sent (np.bincount of the argmax, minlength=16); an expert drops "
          "max(count - capacity, 0). Add the drops up and divide by the number of tokens."),
    public_checks=(is_number(), close_to(_drop_rate, rel=0.01,
                                         hint="Give a fraction (0.2 for 20%), and count only the tokens over "
                                              "each expert's capacity.")),
    hidden_checks=(close_to(_drop_rate, rel=1e-6),),
)

BALANCING_LOSS = Question(
    id="moe.balancing_loss",
    points=2,
    statement=(
        "For the same batch and the same top-1 choices, compute Switch Transformer's load-balancing loss before its "
        "weight alpha, N·Σ f_i·P_i (Eqs. 4 to 6): N = 16 experts, f_i the fraction of tokens whose top-1 choice is "
        "expert i (before any dropping), P_i the mean over tokens of the softmax probability of expert i. Give it "
        "as `balancing_loss` (1 would be perfectly balanced)."
    ),
    hint=("Softmax of each row: exp(logits - max) / sum. P = probs.mean(axis=0); f from np.bincount of the argmax "
          "divided by the tokens; the loss is 16 * np.dot(f, P)."),
    public_checks=(is_number(), close_to(_balancing_loss, rel=0.005,
                                         hint="Multiply by N = 16, and use the mean softmax probability for P.")),
    hidden_checks=(close_to(_balancing_loss, rel=1e-5),),
)

ALL_TO_ALL = Question(
    id="moe.all_to_all",
    points=3,
    statement=(
        "DeepSeek-V3 (`moe.preset(\"deepseek-v3\")`: d_model = 7168, top-8) trains with 64-way expert parallelism. "
        f"A GPU holds {A2A_TOKENS_PER_GPU:,} tokens. In the forward pass of one MoE layer it sends each token's "
        "hidden vector (bf16, 2 bytes per value) to each of its 8 experts (dispatch) and receives the results back "
        "(combine): two all-to-alls, in each of which a GPU keeps the 1/64 of its data whose experts are local and "
        "sends the rest. How many bytes does one GPU send in the forward pass of one layer (dispatch plus "
        "combine), assuming balanced routing? Give it as `forward_bytes`."
    ),
    hint=("One all-to-all: tokens × top-k × d_model × 2 bytes held, (64-1)/64 of it sent "
          "(scalingedu.parallelism.collective_bytes('all_to_all', ...)). Forward = dispatch + combine = 2 of them."),
    public_checks=(is_number(), has_sign("positive", what="the number of bytes"),
                   close_to(_deepseek_forward_bytes, rel=0.005,
                            hint="Count k = 8 copies of each token, 2 bytes per value, two all-to-alls, and only "
                                 "the 63/64 that leave the GPU.")),
    hidden_checks=(close_to(_deepseek_forward_bytes, rel=1e-6),),
)

PROBLEM_SET = ProblemSet(
    id="07_mixture_of_experts",
    title="Mixture-of-Experts: parameters, capacity, balancing and communication",
    questions=(ACTIVE_PARAMS, CAPACITY, DROP_RATE, BALANCING_LOSS, ALL_TO_ALL),
)
