"""Problem set mixture_of_experts: parameters, dropped tokens, capacity, balancing, the advantage of experts and
their cost (solutions/07_mixture_of_experts.ipynb).

The learner counts Mixtral's active parameters by hand from its published shape; writes the fraction of tokens a
top-1 router drops at a capacity factor as a function of any batch of router logits; uses it to choose the smallest
capacity factor that keeps a skewed router's drops under 1%; computes the Switch balancing loss of that routing;
fits simulated training runs of a dense model and an MoE (one MoE run diverged) to estimate how much more compute
the dense model needs to match the MoE; computes the all-to-all traffic of one DeepSeek-V3 layer; and explains in
writing what an MoE buys and what it costs when served.

Expected answers are computed at check time with the library (:mod:`scalingedu.moe`, :mod:`scalingedu.powerlaw`);
nothing is typed in. The batch sizes, capacity factors, the 1% target, the seeded logits of :func:`router_logits`,
the tokens per GPU, and the simulated runs of :func:`training_runs` (the MoE's compute multiplier, noise, diverged
run and seed) are choices of this problem set, not published numbers.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import moe
from ..data import DEEPSEEK_V3_ROUTING, KAPLAN_2020_COMPUTE_LAW, PF_DAY_FLOPS
from ..grading import ProblemSet, Tolerance, choice_question, function_question, number_question
from ..grading.factories import Criterion, rubric_question
from ..grading.learner import learner_seed
from ..powerlaw import fit_power_law

LOGITS_TOKENS, LOGITS_EXPERTS, LOGITS_SKEW, LOGITS_SEED = 4096, 16, 0.75, 707
"""The seeded batch of :func:`router_logits` (choices of this problem set)."""
CAPACITY_FACTORS = {"a": 1.0, "b": 1.25, "c": 1.5, "d": 2.0, "e": 2.5, "f": 3.0}
"""The capacity factors of question mixture_of_experts.capacity_choice (1.0 and 1.25 are Switch's
``SWITCH_ROUTING`` range; the others are choices of this problem set)."""
MAX_DROPPED = 0.01
"""Question mixture_of_experts.capacity_choice: drop at most 1% of the tokens (a choice of this problem set)."""
NONE_ENOUGH = "g"
"""The option of question mixture_of_experts.capacity_choice that says none of the factors is enough."""

A2A_TOKENS_PER_GPU, A2A_BYTES_PER_VALUE = 4096, 2
"""Question mixture_of_experts.all_to_all: tokens held per GPU and bytes per activation value
(bf16)."""

RUNS_FLOPS = np.geomspace(1e18, 1e21, 7)
"""The training budgets (FLOPs) of the simulated runs of :func:`training_runs`: seven per model family."""
RUNS_MOE_MULTIPLIER, RUNS_NOISE, RUNS_DIVERGED, RUNS_SEED = 4.0, 0.003, 1.15, 1707
"""The TOY assumption of :func:`training_runs`: the MoE reaches the loss the dense model reaches with 4 times the
compute; 0.3% noise; the diverged MoE run ends 15% above where it should; seed 1707 (all choices of this set)."""
TARGET_FLOPS = 1e21
"""The budget of question mixture_of_experts.compute_multiplier."""


def router_logits() -> np.ndarray:
    """SIMULATED router logits of a batch: 4,096 tokens (rows) × 16 experts (columns), seeded, float32.

    Made by :func:`scalingedu.moe.skewed_logits` with skew 0.75 (the first experts are favoured) and seed 707, or
    the learner's own seed when one is set (:mod:`scalingedu.grading.learner`). Every call returns the same values
    in a new array.
    """
    return moe.skewed_logits(LOGITS_TOKENS, LOGITS_EXPERTS, skew=LOGITS_SKEW, seed=learner_seed(LOGITS_SEED))


class Runs(NamedTuple):
    """SIMULATED final losses of training runs, one value per run: ``flops`` (the budget), ``loss`` (nats/token)
    and ``moe`` (True for the MoE runs, False for the dense ones)."""

    flops: np.ndarray
    loss: np.ndarray
    moe: np.ndarray


def dense_loss(flops):
    """The dense family's loss in the simulation: Kaplan et al. 2020's L(C) = (C_c/C)^alpha_C (Eq. 1.3,
    :data:`scalingedu.data.KAPLAN_2020_COMPUTE_LAW`), with C in FLOPs converted to PF-days."""
    law = KAPLAN_2020_COMPUTE_LAW
    return (law["C_c_pf_days"] * PF_DAY_FLOPS / np.asarray(flops, dtype=float)) ** law["alpha_C"]


def training_runs() -> Runs:
    """Fourteen SIMULATED runs, a TOY, not measurements: a dense model and an MoE trained at each of seven budgets
    from 1e18 to 1e21 FLOPs (:data:`RUNS_FLOPS`).

    The dense losses follow :func:`dense_loss`; the MoE's follow the same law at :data:`RUNS_MOE_MULTIPLIER` times
    the compute (an assumption of this problem set, not a published MoE law). Each loss is multiplied by exp(noise),
    noise ~ Normal(0, 0.003), and one MoE run, at a seeded position, diverged: its loss ends 15% higher. Seed 1707,
    or the learner's own when one is set. Every call returns the same values, in new arrays.
    """
    rng = np.random.default_rng(learner_seed(RUNS_SEED))
    flops = np.concatenate([RUNS_FLOPS, RUNS_FLOPS])
    is_moe = np.repeat([False, True], RUNS_FLOPS.size)
    loss = dense_loss(np.where(is_moe, RUNS_MOE_MULTIPLIER * flops, flops)) * np.exp(
        rng.normal(0.0, RUNS_NOISE, flops.size))
    loss[RUNS_FLOPS.size + rng.integers(RUNS_FLOPS.size)] *= RUNS_DIVERGED
    return Runs(flops, loss, is_moe)


# Expected values, computed at check time ------------------------------------------------------------------------

def _mixtral_active() -> float:
    return float(moe.count_params("mixtral-8x7b").active)


def _dropped_fraction(logits, capacity_factor) -> float:
    """The reference of mixture_of_experts.dropped_fraction: the library's top-1 routing."""
    return moe.route(logits, top_k=1, capacity_factor=capacity_factor).dropped_fraction


def _dropped_inputs_public():
    return [(moe.skewed_logits(1024, 16, skew=0.75, seed=11), 1.0),
            (moe.skewed_logits(600, 6, skew=0.5, seed=12), 1.1)]


def _dropped_inputs_hidden():
    # other shapes, and capacities that are not whole numbers (floor, not round: 999/7 x 1.3 = 185.57)
    return [(moe.skewed_logits(1000, 8, skew=1.0, seed=21), 1.1),
            (moe.skewed_logits(999, 7, skew=0.5, seed=24), 1.3),
            (moe.skewed_logits(10, 3, seed=22), 1.0),
            (moe.skewed_logits(2048, 32, skew=0.2, seed=23), 4.0)]


def _capacity_choice() -> str:
    logits = router_logits()
    enough = [key for key, factor in CAPACITY_FACTORS.items()
              if _dropped_fraction(logits, factor) <= MAX_DROPPED]
    return min(enough, key=CAPACITY_FACTORS.get) if enough else NONE_ENOUGH


def _balancing_loss() -> float:
    return moe.route(router_logits(), top_k=1).balancing_loss


def _compute_multiplier() -> float:
    runs = training_runs()
    dense = fit_power_law(runs.flops[~runs.moe], runs.loss[~runs.moe])
    # the diverged run: the MoE run farthest above a line through the others (leave-one-out)
    moe_flops, moe_loss = runs.flops[runs.moe], runs.loss[runs.moe]
    excess = [moe_loss[i] / fit_power_law(np.delete(moe_flops, i), np.delete(moe_loss, i))(moe_flops[i])
              for i in range(moe_flops.size)]
    keep = np.arange(moe_flops.size) != int(np.argmax(excess))
    mixture = fit_power_law(moe_flops[keep], moe_loss[keep])
    return float(dense.solve_for_x(mixture(TARGET_FLOPS)) / TARGET_FLOPS)


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
        Lesson 07, section 1: go through one layer matrix by matrix, counting in full what every token uses and
        only the experts it is routed to (K and V have fewer heads than Q); then add what sits outside the layers.
        It is not 2/8 of the total: attention and embeddings are shared.
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

DROPPED_FRACTION = function_question(
    "mixture_of_experts.dropped_fraction", points=4, kind="derive", title="Dropped tokens, for any batch",
    statement="""
        Write a function `dropped_fraction(logits, capacity_factor)` that routes a batch with **top-1** (Switch:
        each token goes to the expert with the largest logit), gives each expert the capacity of Switch's Eq. 3
        for that batch, and returns the fraction of the tokens that are dropped because their expert is full.
        `logits` is a NumPy array with one row per token and one column per expert, of any size; `capacity_factor`
        is a positive number. Write the computation yourself: a function that calls the library's `moe.route` or
        `moe.expert_capacity` earns no points (use them outside your function to test it).
    """,
    hint="""
        Lesson 07, section 3: the capacity is a whole number of tokens per expert, from the batch's tokens, its
        experts and the factor. Count the tokens each expert is sent (np.argmax, np.bincount with minlength); an
        expert drops what it is sent beyond its capacity.
    """,
    reference=_dropped_fraction, n_args=2, forbidden=(moe.route, moe.expert_capacity),
    public_inputs=_dropped_inputs_public, public_what="two simulated batches",
    hidden_inputs=_dropped_inputs_hidden,
    hidden_what="batches of other sizes, capacities that are not whole numbers, and a factor with no drops",
    rel=1e-9,   # a count of tokens over the batch: only float rounding may differ
    public_hint="""
        Take the numbers of tokens and experts from the shape of `logits`, and round the capacity down to a whole
        number of tokens; give a fraction of the tokens (between 0 and 1).
    """,
    hidden_hint="Round the capacity down (np.floor), not to the nearest whole number.",
)

CAPACITY_CHOICE = choice_question(
    "mixture_of_experts.capacity_choice", points=3, kind="decide", title="How much capacity for a skewed router?",
    statement=f"""
        `moe_problems.router_logits()` returns the router logits of a SIMULATED batch (4,096 tokens × 16 experts)
        from a router that favours its first experts. Each unit of capacity factor costs memory and compute
        (every expert's buffer holds capacity tokens, used or not), so you want the smallest factor that drops at
        most {MAX_DROPPED:.0%} of the tokens with top-1 routing. Which is it? Give its letter as `capacity_choice`.
    """,
    hint="""
        Your dropped_fraction of the previous question answers this for each factor. Lesson 07, section 4 says
        what to do when no affordable factor is enough.
    """,
    options={**{key: f"a capacity factor of {factor:g}" for key, factor in CAPACITY_FACTORS.items()},
             NONE_ENOUGH: "none of these: balance the router first"},
    answer=_capacity_choice,
)

BALANCING_LOSS = number_question(
    "mixture_of_experts.balancing_loss", points=2, kind="compute",
    title="The balancing loss of that routing",
    statement="""
        For the batch of `moe_problems.router_logits()` and its top-1 choices, compute Switch Transformer's
        load-balancing loss before
        its weight alpha, N·Σ f_i·P_i (Eqs. 4 to 6): N = 16 experts, f_i the fraction of tokens whose top-1
        choice is expert i (before any dropping), P_i the mean over tokens of the softmax probability of expert
        i. Give it as `balancing_loss` (1 would be perfectly balanced).
    """,
    hint="""
        Lesson 07, section 4: f_i counts the router's choices, P_i averages its probabilities over the batch.
        Subtract each row's maximum before the exponential so that the softmax does not overflow.
    """,
    expected=_balancing_loss,
    # Computed exactly from seeded logits: 0.5% in public, only float rounding in hidden.
    tolerance=Tolerance(0.005, hidden=1e-5),
    public_hint="Multiply by N = 16, and use the mean softmax probability for P.",
)

ALL_TO_ALL = number_question(
    "mixture_of_experts.all_to_all", points=2, kind="compute",
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
        Lesson 07, section 5: count what one GPU holds to send (how many copies of each token, how wide, how many
        bytes), the share of it whose experts are on other GPUs, and how many all-to-alls a forward pass makes.
    """,
    expected=_deepseek_forward_bytes,
    # 0.5% rejects sending all 64/64 of the data (1.6% too much); only rounding in hidden.
    tolerance=Tolerance(0.005, hidden=1e-6),
    sign="positive", what="the number of bytes",
    public_hint="""
        Count k = 8 copies of each token, 2 bytes per value, two all-to-alls, and only the 63/64 that leave the GPU.
    """,
)

COMPUTE_MULTIPLIER = number_question(
    "mixture_of_experts.compute_multiplier", points=5, kind="fit", title="What the experts are worth",
    statement=f"""
        `moe_problems.training_runs()` returns SIMULATED final losses (a toy, not measurements): a dense model and
        an MoE with the same FLOPs per token, each trained at seven budgets from 1e18 to 1e21 FLOPs (`runs.moe`
        says which runs are the MoE's). One of the MoE runs diverged. Look at the data, leave that run out, and
        fit L = a·C^b with `fit_power_law` to the dense runs and, separately, to the other MoE runs. At
        C = {TARGET_FLOPS:.0e} FLOPs, how many times more training compute would the dense model need to reach the
        MoE's loss? Give that factor (a plain number greater than 1) as `compute_multiplier`.
    """.replace("e+", "e"),
    hint="""
        Plot the loss against the compute on log-log axes: both families are straight lines, and the diverged run
        is off its line. A PowerLaw from fit_power_law is callable, and solve_for_x finds the compute at which a law
        reaches a given loss.
    """,
    expected=_compute_multiplier,
    # The same least-squares fits of the same points: 5% in public. The hidden 1% rejects keeping the diverged run
    # (9% off or more for 300 simulated learners).
    tolerance=Tolerance(0.05, hidden=0.01),
    sign="positive", what="the factor",
    public_hint="""
        Leave out the one MoE run far above the line through the others; evaluate the MoE's law at 1e21 FLOPs, then
        ask the dense law for the compute that gives that loss, and divide by 1e21.
    """,
)

WHY_MOE = rubric_question(
    "mixture_of_experts.why_moe", points=3, kind="decide", title="What the experts buy, and what they cost",
    statement="""
        A product team reads your fit and says: "an MoE is cheaper to run, so let's serve it on our single 80 GiB
        GPU." In a few sentences, say what the MoE's advantage over the dense model is (and what the two have in
        common in this comparison), what the MoE costs when it is served, and what you would tell the team. Give
        your answer as text in `why_moe`.
    """,
    hint="""
        Lesson 07, sections 1, 5, 6 and 7: which parameters set the FLOPs per token, which set the memory, and what
        happens to the experts' work when a batch is small.
    """,
    criteria=[
        Criterion("the advantage is a lower loss for the same training FLOPs (the same active parameters and FLOPs "
                  "per token), not fewer FLOPs than the dense model it is compared with", 1),
        Criterion("serving must hold every expert in memory (total, not active, parameters), and at small batches "
                  "each expert sees few tokens, so memory bandwidth, not FLOPs, sets the speed", 1),
        Criterion("a sound recommendation for the team, such as checking that all experts fit in 80 GiB (or "
                  "spreading them over GPUs, with all-to-all traffic), or a dense model if memory is the limit", 1),
    ],
    model_answer="""
        The MoE and the dense model cost the same FLOPs per token, since they have the same active parameters;
        what the MoE buys is a lower loss at the same training compute: in the fit, the dense model needs several
        times the compute to catch up. It is not cheaper per token than that dense model. Serving it costs memory:
        every expert must be stored, so the weights are several times those of the dense model, and at small
        batches each expert sees only a few tokens, so reading the weights, not computing, sets the speed. Split
        over several GPUs, the experts also add all-to-all traffic. I would tell the team to count the total
        parameters in bf16 first: if they do not fit in 80 GiB with room for the KV cache, either use several GPUs
        with expert parallelism or serve the dense model.
    """,
)

PROBLEM_SET = ProblemSet(
    id="mixture_of_experts",
    title="Mixture-of-Experts: parameters, dropped tokens, the value of experts and their cost",
    questions=(ACTIVE_PARAMS, DROPPED_FRACTION, CAPACITY_CHOICE, BALANCING_LOSS, COMPUTE_MULTIPLIER, ALL_TO_ALL,
               WHY_MOE),
)
