"""Problem set diminishing_returns: the frontier's shrinking gains, data limits, inference,
sampling, exact match (solutions/08_diminishing_returns.ipynb).

The learner works out, mostly by hand from the published constants: the loss one more doubling of compute buys on
Hoffmann et al.'s compute-optimal frontier; the compute and the money for the next 0.1 nats; Muennighoff et al.'s
effective data and data-constrained loss for a run that repeats its data for 20 epochs; Sardana et al.'s
inference-aware model size for a lifetime demand; the best-of-N accuracy of repeated sampling with an imperfect
verifier (a toy model); and the exact-match accuracy of a multi-token answer from its per-token loss (Schaeffer et
al.).

Expected answers are computed at check time with the library (:mod:`scalingedu.returns`); nothing is typed in. The
budgets, run sizes, demand, success probability, verifier rates and losses below are choices of this problem set,
not published numbers; the laws' constants are published (see :mod:`scalingedu.data`).
"""
from __future__ import annotations

from ..data import MUENNIGHOFF_2023_FIT, accelerator
from ..grading import ProblemSet, Tolerance, number_question
from ..laws import HOFFMANN_2022
from ..returns import (
    MUENNIGHOFF_2023,
    Verifier,
    best_of_n_accuracy,
    data_constrained_loss,
    exact_match,
    frontier_step,
    gain_per_doubling,
    inference_optimal,
)

FRONTIER_FLOPS = 1e24
"""Questions diminishing_returns.gain_per_doubling and diminishing_returns.next_step_*: the budget
of today's compute-optimal run."""
STEP_NATS = 0.1
"""How much lower the next run's loss should be (nats per token)."""
CHIP, MFU, DOLLARS_PER_HOUR = "H100", 0.4, 2.0
"""Question diminishing_returns.next_step_dollars: H100s at 40% MFU, rented at $2 per GPU-hour (MFU
and price are our choices)."""
_PEAK_TFLOPS = accelerator(CHIP).peak_flops_per_second / 1e12
"""The H100's dense bf16 peak as :data:`scalingedu.data.ACCELERATORS` records it (989 TFLOP/s), for the text."""

DATA_PARAMS, DATA_TOKENS, DATA_UNIQUE_TOKENS = 4e9, 400e9, 20e9
"""Questions diminishing_returns.effective_tokens and diminishing_returns.data_constrained_loss: 4B
parameters trained on 400B tokens drawn from 20B unique ones (20 epochs)."""

INFERENCE_BUDGET_FLOPS, INFERENCE_DEMAND_TOKENS = 1e23, 1e13
"""Question diminishing_returns.inference_size: the target is the loss of the compute-optimal model
for 1e23 FLOPs; the model will then serve 10 trillion tokens over its life."""

SAMPLE_SUCCESS, SAMPLES = 0.05, 32
"""Question diminishing_returns.best_of_n (TOY MODEL): per-sample success probability and number of
samples."""
VERIFIER = Verifier(true_positive=0.9, false_positive=0.02)
"""The toy verifier of question diminishing_returns.best_of_n."""

PER_TOKEN_LOSS, ANSWER_TOKENS = 0.08, 30
"""Question diminishing_returns.exact_match: per-token loss (nats) and answer length (tokens)."""


# Expected values, computed at check time ------------------------------------------------------------------------

def _gain_per_doubling() -> float:
    return float(gain_per_doubling(HOFFMANN_2022, FRONTIER_FLOPS))


def _next_step():
    return frontier_step(HOFFMANN_2022, FRONTIER_FLOPS, step_nats=STEP_NATS, chip=CHIP, mfu=MFU,
                         dollars_per_accelerator_hour=DOLLARS_PER_HOUR)


def _next_step_flops() -> float:
    return float(_next_step().next_step_flops)


def _next_step_dollars() -> float:
    return float(_next_step().next_step_dollars)


def _effective_tokens() -> float:
    return float(MUENNIGHOFF_2023.effective_tokens(DATA_TOKENS, DATA_UNIQUE_TOKENS))


def _data_constrained_loss() -> float:
    return float(data_constrained_loss(DATA_PARAMS, DATA_TOKENS, DATA_UNIQUE_TOKENS))


def inference_target_loss() -> float:
    """The target loss of question diminishing_returns.inference_size: Hoffmann's Eq. 10 optimum for
    1e23 FLOPs."""
    return float(HOFFMANN_2022.compute_optimal(INFERENCE_BUDGET_FLOPS).loss)


def _inference_params() -> float:
    return float(inference_optimal(HOFFMANN_2022, inference_target_loss(), INFERENCE_DEMAND_TOKENS).params)


def _best_of_n() -> float:
    return float(best_of_n_accuracy(SAMPLE_SUCCESS, SAMPLES, VERIFIER))


def _exact_match() -> float:
    return float(exact_match(PER_TOKEN_LOSS, ANSWER_TOKENS))


_H, _FIT = HOFFMANN_2022, MUENNIGHOFF_2023_FIT   # published constants quoted in the statements


# Questions ---------------------------------------------------------------------------------------------------------

GAIN_PER_DOUBLING = number_question(
    "diminishing_returns.gain_per_doubling", points=2, kind="compute",
    title="The loss one doubling buys",
    statement=f"""
        On the compute-optimal frontier of Hoffmann et al.'s Eq. 10 (`HOFFMANN_2022`: E = {_H.E:g}, A = {_H.A:g}, B
        = {_H.B:g}, alpha = {_H.alpha:g}, beta = {_H.beta:g}), the part of the loss above E is a power law of
        compute, L(C) − E = K·(C/6)^(−gamma) with gamma = alpha·beta/(alpha + beta). A compute-optimal run uses C =
        1e24 FLOPs. By how many nats does the loss of the compute-optimal run fall when the budget doubles to 2e24
        FLOPs? Work it out from the closed form (you may use `HOFFMANN_2022.compute_optimal` for the loss at 1e24
        FLOPs, but not `scalingedu.returns`). Give a positive number of nats as `gain`.
    """,
    hint="""
        A doubling multiplies the reducible loss L − E by 2^(−gamma), so the gain is (L(C) − E)·(1 − 2^(−gamma)).
        Use gamma (about 0.154), not alpha or beta, and L − E, not L.
    """,
    expected=_gain_per_doubling,
    tolerance=Tolerance(0.01, hidden=1e-5),   # a closed form: 1% in public, only rounding in hidden
    sign="positive", what="the loss gained",
    public_hint="""
        Give nats, not the fraction 1 − 2^(−gamma), and take that fraction of L − E only: E can never be removed.
    """,
)

NEXT_STEP_FLOPS = number_question(
    "diminishing_returns.next_step_flops", points=3, kind="compute",
    title="The compute for the next 0.1 nats",
    statement="""
        Still on the frontier of `HOFFMANN_2022`, from the compute-optimal run at 1e24 FLOPs: how much compute
        does a compute-optimal run need whose loss is 0.1 nats lower? Give the whole budget of that new run
        (runs are trained from scratch, not continued) in FLOPs as `next_flops`. Invert the closed form L(C) − E
        = K·(C/6)^(−gamma), with K = A·G^(−alpha) + B·G^beta and G = `HOFFMANN_2022.G`.
    """,
    hint="""
        K and gamma do not change: C_next = 6·(K / (L_next − E))^(1/gamma), with L_next = L(1e24) − 0.1. Check it:
        HOFFMANN_2022.compute_optimal(C_next).loss should be 0.1 below the loss at 1e24.
    """,
    expected=_next_step_flops,
    tolerance=Tolerance(0.01, hidden=1e-4),   # a closed form: 1% in public, only rounding in hidden
    sign="positive", what="the number of FLOPs",
    public_hint="""
        Give the new run's FLOPs (about 1e25 to 1e26), not its ratio to 1e24; remember the 6 in C/6 and that only L
        − E shrinks.
    """,
)

NEXT_STEP_DOLLARS = number_question(
    "diminishing_returns.next_step_dollars", points=2, kind="compute",
    title="What the next 0.1 nats costs",
    statement=f"""
        What would that new run cost on H100 GPUs ({_PEAK_TFLOPS:.0f} TFLOP/s dense bf16 peak) at 40% MFU,
        rented at $2 per GPU-hour? Give the cost of the whole new run in dollars as `next_dollars` (you may use
        `scalingedu.compute.accelerator_hours` and `cost_dollars`).
    """,
    hint=f"""
        GPU-hours = FLOPs / ({_PEAK_TFLOPS:.0f}e12 FLOP/s × 0.4 × 3600 s/h); dollars = GPU-hours × 2. Price the
        whole new run, not the difference to the 1e24 run.
    """,
    expected=_next_step_dollars,
    # 0.5% rejects a peak rounded to 1,000 TFLOP/s (1.1% off); only rounding in hidden.
    tolerance=Tolerance(0.005, hidden=1e-4),
    sign="positive", what="the cost",
    public_hint="""
        Divide by the 40% MFU (the chips do not run at peak), convert seconds to hours, and price the whole new run
        rather than the extra FLOPs over 1e24.
    """,
)

EFFECTIVE_TOKENS = number_question(
    "diminishing_returns.effective_tokens", points=2, kind="compute",
    title="What 20 epochs are worth",
    statement=f"""
        A run trains on 400B tokens drawn from 20B unique tokens (20 epochs). Muennighoff et al.'s effective data is
        D' = U + U·R_D*·(1 − exp(−R_D/R_D*)), where U is the unique tokens, R_D the number of *repeated* epochs
        (epochs after the first) and R_D* = `MUENNIGHOFF_2023_FIT[\"rd_star\"]` (about {_FIT['rd_star']:.1f}). How
        many effective tokens is the run worth? Give a count of tokens as `effective_tokens`.
    """,
    hint=f"""
        R_D = D/U − 1 = 19, not 20: the first epoch is new data. Use R_D* = {_FIT['rd_star']:.2f} (data), not R_N* =
        {_FIT['rn_star']:.2f} (parameters). D' lies between U and D.
    """,
    expected=_effective_tokens,
    # 0.5% rejects R_D = 20 (2.4% off); R_D* rounded to 15.4 passes in public, not in hidden.
    tolerance=Tolerance(0.005, hidden=1e-5),
    sign="positive", what="the number of tokens",
    public_hint="""
        Count only the repeated epochs (R_D = D/U − 1), use the data constant R_D*, and give tokens (about 2e11),
        not a number of epochs.
    """,
)

DATA_CONSTRAINED_LOSS = number_question(
    "diminishing_returns.data_constrained_loss", points=3, kind="compute",
    title="The loss of a run that repeats its data",
    statement="""
        A model of 4B parameters is trained on that data (400B tokens, 20B unique). Compute its loss under
        Muennighoff et al.'s data-constrained law with the fit of `scalingedu.data.MUENNIGHOFF_2023_FIT`: A =
        exp(a), B = exp(b), E = exp(e); L = E + A/N'^alpha + B/D'^beta. D' is the effective data of the previous
        question. N' discounts parameters beyond what the unique data can use: U_N = min(N, D_to_N(U)) with
        D_to_N(U) = (U·G)^(beta/alpha)·G, the compute-optimal size for U tokens under the same constants (G =
        (alpha·A/(beta·B))^(1/(alpha+beta))); R_N = N/U_N − 1; N' = U_N + U_N·R_N*·(1 − exp(−R_N/R_N*)). Give
        the loss in nats per token as `loss`.
    """,
    hint="""
        The fit stores logarithms: A = exp(6.255), not 6.255. D_to_N(20e9) is about 1.0e9, so R_N is about 2.9 and
        N' is about 3.3e9. Discount both N and D.
    """,
    expected=_data_constrained_loss,
    # A loss in nats, compared in nats: 0.002 in public (5% would be 0.1 nats), rounding in hidden.
    tolerance=Tolerance(0.002, hidden=1e-5, absolute=True),
    sign="positive", what="the loss",
    public_hint="""
        Use the effective data D' (not the 400B tokens) and the effective parameters N' (not 4e9), and exponentiate
        a, b and e.
    """,
)

INFERENCE_SIZE = number_question(
    "diminishing_returns.inference_size", points=3, kind="compute",
    title="The cheapest model over its lifetime",
    statement="""
        Under `HOFFMANN_2022`, the target loss is that of the compute-optimal model for 1e23 FLOPs
        (`diminishing_returns_problems.inference_target_loss()`, about 2.005). The model will serve 1e13 tokens
        over its life. Following Sardana et al., find the model size N that reaches the target loss for the
        least lifetime compute 6·N·D + 2·N·(inference tokens), where D is the number of training tokens that
        brings a model of N parameters exactly to the target loss. Give N in parameters as `params`.
    """,
    hint="""
        Solve L(N, D) = target for D: D(N) = (B / (target − E − A/N^alpha))^(1/beta), defined only for N large
        enough. Minimise the total over log N (scipy.optimize.minimize_scalar with bounds, or a fine grid). A
        forward pass costs 2N per token, training 6N per token. The answer is smaller than Chinchilla's 14.6B.
    """,
    expected=_inference_params,
    tolerance=Tolerance(0.02),   # a numerical minimum: a fine grid over log N passes in public
    sign="positive", what="the number of parameters",
    public_hint="""
        Count 2N FLOPs per inference token (not 6N), give parameters (not training tokens), and do not stop at the
        Chinchilla-optimal size: the demand moves the optimum.
    """,
)

BEST_OF_N = number_question(
    "diminishing_returns.best_of_n", points=3, kind="compute",
    title="Best of 32 with an imperfect verifier",
    statement="""
        TOY MODEL (made-up numbers): a model solves a problem with probability 0.05 per independent sample. We
        draw 32 samples. A verifier accepts each right sample with probability 0.9 and each wrong sample with
        probability 0.02, independently; we return one accepted sample chosen at random, or, if none is
        accepted, one of all 32 samples chosen at random. What is the chance that the returned answer is right
        (best-of-N accuracy)? Give a probability between 0 and 1 as `accuracy`.
    """,
    hint="""
        Each sample is right-and-accepted (q1 = p·tp), wrong-and-accepted (q2 = (1 − p)·fp) or rejected (q0 = 1 − q1
        − q2). If any is accepted, the pick is right with probability q1/(q1 + q2); if none is (chance q0^k), a
        random rejected sample is right with probability p·(1 − tp)/q0. Coverage, 1 − (1 − p)^k, is higher: it
        assumes a perfect picker.
    """,
    expected=_best_of_n,
    tolerance=Tolerance(0.01, hidden=1e-4),   # an exact formula: 1% in public, rounding in hidden
    public_hint="""
        This is not coverage (at least one right sample): the verifier's wrong acceptances lower the chance that the
        *chosen* sample is right.
    """,
    hidden_hint="Include the case in which no sample is accepted.",
)

EXACT_MATCH = number_question(
    "diminishing_returns.exact_match", points=2, kind="compute",
    title="Exact match from a per-token loss",
    statement="""
        A model's loss on the tokens of an answer is 0.08 nats per token. Assuming every token is predicted
        independently with probability exp(−loss) of being right, what is the chance that a 30-token answer is
        exactly right? Give a probability between 0 and 1 as `exact`.
    """,
    hint="""
        The chance of one right token is exp(−0.08), not 1 − 0.08 (a loss is a negative log-probability, not an
        error rate); all 30 must be right.
    """,
    expected=_exact_match,
    tolerance=Tolerance(0.02, hidden=1e-6),   # exp(−2.4) exactly: 2% in public, rounding in hidden
    public_hint="""
        Multiply the per-token probability exp(−loss) over all 30 tokens: exp(−30 × 0.08).
    """,
)

PROBLEM_SET = ProblemSet(
    id="diminishing_returns",
    title="Diminishing returns: the frontier, data limits, inference, sampling and exact match",
    questions=(GAIN_PER_DOUBLING, NEXT_STEP_FLOPS, NEXT_STEP_DOLLARS, EFFECTIVE_TOKENS, DATA_CONSTRAINED_LOSS,
               INFERENCE_SIZE, BEST_OF_N, EXACT_MATCH),
)
